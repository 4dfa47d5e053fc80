# trace.cmake: run a traced program, then validate its trace with
# trace_check.py (python3's json module), for the execution trace's tests.
#
#   cmake -DPROG=<trace_child> -DMODE=api|godebug|api-errors -DOUT=<file>
#         -DPYTHON=<python3> -DCHECK=<trace_check.py> -DPROCS=<n>
#         [-DEMU=<wine>] -P trace.cmake
#
# api: the program calls gort_trace_start(OUT) and gort_trace_stop();
# godebug: GODEBUG=gorttrace=OUT, written at exit.  Under wine the
# program writes OUT through wine's Z: drive (the host's /), and python3
# reads it on the host.
cmake_minimum_required(VERSION 3.16)
file(REMOVE "${OUT}")
set(ENV{GOMAXPROCS} "${PROCS}")
set(args "")
if(MODE STREQUAL "godebug")
  set(ENV{GODEBUG} "gorttrace=${OUT}")
elseif(MODE STREQUAL "api-errors")
  set(args "${OUT}" api-errors)
else()
  set(args "${OUT}")
endif()
set(ARGS "${args}")
include(${CMAKE_CURRENT_LIST_DIR}/runchild.cmake)   # as expect.cmake runs it (wine's retry)
gort_runchild(rc out err)
if(NOT rc STREQUAL "0" OR NOT out MATCHES "done")
  message(FATAL_ERROR "trace_child ${MODE}: exit status ${rc}\n--- stdout:\n${out}\n--- stderr:\n${err}")
endif()
if(NOT EXISTS "${OUT}")
  message(FATAL_ERROR "trace_child ${MODE}: no trace file ${OUT}\n--- stderr:\n${err}")
endif()
execute_process(COMMAND ${PYTHON} ${CHECK} ${OUT} --procs ${PROCS}
    --expect-reasons "chan receive,chan send,select,sleep,sync.Mutex.Lock,IO wait,sync.WaitGroup.Wait"
    --expect "GoCreate,GoBlock,GoUnblock,GoSched,GoPreempt,GoEnd,GoSysCall,GoSysExit,timer"
    --blocked-at-end 1
  RESULT_VARIABLE rc OUTPUT_VARIABLE cout ERROR_VARIABLE cerr)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "trace_check: ${OUT}:\n${cout}${cerr}")
endif()
message(STATUS "${cout}")
