# gdb.cmake: a debugger can stop a gort program at its OS entry stub.
#
#   cmake -DGDB=<gdb or empty> -DPROG=<hello> -P gdb.cmake
#
# "break _rt0_amd64_linux", run: gdb must stop there (the first runtime
# code, reached from libc's start code as main) before main_main has
# printed anything, and "info symbol $pc" must name the stub (which shares
# its address with main).  Skipped, with a message, when gdb is missing or
# may not trace processes here (ctest: SKIP_REGULAR_EXPRESSION "SKIPPED:").
cmake_minimum_required(VERSION 3.16)
if(NOT GDB)
  message(STATUS "SKIPPED: gdb is not installed")
  return()
endif()
include(${CMAKE_CURRENT_LIST_DIR}/gdbrun.cmake)
gort_gdb(out -ex "break _rt0_amd64_linux" -ex run -ex bt -ex "info symbol $pc"
    -ex "printf \"pc-is-rt0=%d\\n\", $pc == (long)&_rt0_amd64_linux"
    --args ${PROG} x)
set(bad "")
# main and _rt0_amd64_linux are one address: gdb may call it by either name.
set(stub "(_rt0_amd64_linux|main) \\(\\) at [^\n]*rt0_linux_amd64\\.S")
if(NOT out MATCHES "Breakpoint 1, ${stub}")
  string(APPEND bad "did not stop at the breakpoint in _rt0_amd64_linux\n")
endif()
if(NOT out MATCHES "\n#0 +${stub}")
  string(APPEND bad "the backtrace does not start in _rt0_amd64_linux\n")
endif()
# libgort's code is in its own section, gort_text (CMakeLists.txt).
if(NOT out MATCHES "\n(_rt0_amd64_linux|main) in section (\\.text|gort_text)")
  string(APPEND bad "info symbol $pc does not name the entry stub\n")
endif()
if(NOT out MATCHES "\npc-is-rt0=1\n")
  string(APPEND bad "$pc is not the address of _rt0_amd64_linux\n")
endif()
if(out MATCHES "hello from goroutine|main_main")
  string(APPEND bad "main_main ran (or is on the stack) before the entry stub\n")
endif()
if(bad)
  message(FATAL_ERROR "gdb: ${bad}--- output:\n${out}")
endif()
message(STATUS "ok: gdb stops in _rt0_amd64_linux before main_main")
