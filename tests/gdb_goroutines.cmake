# gdb_goroutines.cmake: the gdb extension (gdb/gort.py) on a live process
# and on a core dump.
#
#   cmake -DGDB=<gdb or empty> -DPROG=<gdb_child> -DPROCS=<n>
#         -DSCRIPT=<gdb/gort.py> -DCORE=<dir for the core> -P gdb_goroutines.cmake
#
# Live: gdb runs gdb_child to the breakpoint in gdb_goroutines_ready,
# where its goroutines are parked in a channel receive, a select, a mutex
# lock and a sleep (and at GOMAXPROCS=2 one runs on another thread);
# "info goroutines" must list each with its status, wait reason, M and
# start function, and "goroutine all bt" / "goroutine 1 bt" must show
# each one's backtrace through the program's function names.  Core:
# gdb_child crash panics there with GOTRACEBACK=crash and a core size
# limit of unlimited, so the kernel writes a core; where the core goes
# elsewhere (core_pattern is a pipe), gdb's gcore writes one instead.
# Then the same checks on the core.  Any mismatch between gort.py and
# src/runtime.h (a field renamed, a status or the saved context changed)
# shows as a Python error or a wrong listing, and fails the test.
cmake_minimum_required(VERSION 3.16)
if(NOT GDB)
  message(STATUS "SKIPPED: gdb is not installed")
  return()
endif()
set(ENV{GOMAXPROCS} "${PROCS}")

# check(WHAT OUT MAIN MAINWHY): the listing and the backtraces in OUT;
# goroutine 1's ("goroutine 1 bt") must match MAIN (MAINWHY says what it
# shows).
function(check what out main mainwhy)
  set(bad "")
  if(out MATCHES "Python Exception|Error occurred in Python|Traceback \\(most recent")
    string(APPEND bad "a Python error\n")
  endif()
  if(NOT out MATCHES "gort: loaded gdb support")
    string(APPEND bad "gort.py did not load\n")
  endif()
  if(NOT out MATCHES "  Id +Status +Wait reason +M +Start function +Where\n")
    string(APPEND bad "no info goroutines header\n")
  endif()
  set(n "[0-9]+")
  foreach(row
      "\\* 1 +running +${n} +gort__runtime_main"
      "  ${n} +waiting +chan receive +- +parked_in_chan_recv +gort__gopark"
      "  ${n} +waiting +select +- +parked_in_select +gort__gopark"
      "  ${n} +waiting +sync.Mutex.Lock +- +parked_in_mutex_lock +gort__gopark"
      "  ${n} +waiting +sleep +- +parked_in_sleep +gort__gopark"
      "  ${n} +waiting +sleep +- +bgscavenge \\(runtime\\)")
    if(NOT out MATCHES "\n${row}")
      string(APPEND bad "info goroutines has no line matching: ${row}\n")
    endif()
  endforeach()
  if(PROCS GREATER 1 AND NOT out MATCHES "\n\\* ${n} +running +${n} +running_spinner")
    string(APPEND bad "info goroutines does not show running_spinner running on an M\n")
  endif()
  # Backtraces: each parked goroutine's goes from gopark through the
  # call that parked it to the program's function and its goroutine's start.
  set(f "\n#${n} +0x[0-9a-f]+ in ")
  set(any "(${f}[^\n]*)*")
  foreach(bt
      "gort__gopark \\(\\)[^\n]*${any}${f}gort_chan_recv \\(\\)[^\n]*${f}parked_in_chan_recv \\(\\) at [^\n]*gdb_child\\.c:${n}${any}${f}gort__goentry"
      "gort__gopark \\(\\)[^\n]*${any}${f}gort_select \\(\\)[^\n]*${f}parked_in_select \\(\\) at [^\n]*gdb_child\\.c:${n}"
      "gort__gopark \\(\\)[^\n]*${any}${f}gort__mutex_lockslow \\(\\)[^\n]*${any}${f}parked_in_mutex_lock \\(\\) at [^\n]*gdb_child\\.c:${n}"
      "gort__gopark \\(\\)[^\n]*${any}${f}gort_sleep \\(\\)[^\n]*${f}parked_in_sleep \\(\\) at [^\n]*gdb_child\\.c:${n}"
      "main_main \\(\\) at [^\n]*gdb_child\\.c:${n}${any}${f}gort__runtime_main")
    if(NOT out MATCHES "${bt}")
      string(APPEND bad "no backtrace matching: ${bt}\n")
    endif()
  endforeach()
  if(PROCS GREATER 1 AND NOT out MATCHES "goroutine ${n}:\n#0 +0x[0-9a-f]+ in running_spinner \\(\\)")
    string(APPEND bad "the running goroutine's backtrace does not start in running_spinner\n")
  endif()
  if(NOT out MATCHES "${main}")
    string(APPEND bad "goroutine 1 bt does not show ${mainwhy}\n")
  endif()
  if(bad)
    message(FATAL_ERROR "gdb_goroutines (${what}):\n${bad}--- output:\n${out}")
  endif()
endfunction()

set(cmds -ex "set pagination off" -ex "set confirm off" -ex "source ${SCRIPT}")
set(show -ex "info goroutines" -ex "goroutine all bt" -ex "goroutine 1 bt")
include(${CMAKE_CURRENT_LIST_DIR}/gdbrun.cmake)

# Live.
gort_gdb(all ${cmds} -ex "break gdb_goroutines_ready" -ex run ${show} -ex "goroutine 99999 bt" -ex kill
    --args ${PROG})
if(NOT all MATCHES "Breakpoint 1, gdb_goroutines_ready")
  message(FATAL_ERROR "gdb_goroutines: gdb_child did not stop at the breakpoint:\n${all}")
endif()
if(NOT all MATCHES "goroutine 99999 not found")
  message(FATAL_ERROR "gdb_goroutines: no error for a goroutine that does not exist:\n${all}")
endif()
check(live "${all}" "#0 +0x[0-9a-f]+ in gdb_goroutines_ready \\(\\)[^\n]*\n#1 +0x[0-9a-f]+ in main_main"
  "main's thread")

# A core dump: the kernel's, or gcore's.
file(REMOVE_RECURSE "${CORE}")
file(MAKE_DIRECTORY "${CORE}")
execute_process(COMMAND sh -c "ulimit -c unlimited; GOTRACEBACK=crash exec \"$0\" crash" ${PROG}
  WORKING_DIRECTORY "${CORE}" RESULT_VARIABLE rc OUTPUT_VARIABLE cout ERROR_VARIABLE cerr TIMEOUT 120)
if(NOT cerr MATCHES "panic: gdb_child: crash for a core dump")
  message(FATAL_ERROR "gdb_goroutines: gdb_child crash did not panic (status ${rc}):\n${cerr}")
endif()
file(GLOB cores "${CORE}/core*")
set(how "the kernel's core")
if(NOT cores)
  set(how "gcore's core")
  gort_gdb(gall ${cmds} -ex "break gdb_goroutines_ready" -ex run -ex "gcore ${CORE}/core" -ex kill --args ${PROG})
  set(cores "${CORE}/core")
  if(NOT EXISTS "${cores}")
    message(FATAL_ERROR "gdb_goroutines: no core from the kernel or gcore:\n${gall}")
  endif()
  if(gall MATCHES "Memory read failed for corefile section")
    # Linux 6.13's guard regions (MADV_GUARD_INSTALL, src/os_linux.c) lie
    # inside the stack mappings, and gcore reads in 1 MiB chunks: a chunk
    # with a guard page in it is lost.  The kernel's own core has them.
    message(STATUS "note: gcore could not read the goroutine stacks here; the core part is not checked")
    message(STATUS "ok: live (${PROCS} Ps)")
    return()
  endif()
endif()
list(GET cores 0 corefile)
gort_gdb(all ${cmds} ${show} ${PROG} ${corefile})
check("${how}" "${all}" "in gort_panic \\(\\)[^\n]*\n#[0-9]+ +0x[0-9a-f]+ in main_main" "main_main's panic")
file(REMOVE_RECURSE "${CORE}")
message(STATUS "ok: live and ${how} (${PROCS} Ps)")
