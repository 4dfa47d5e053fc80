# gdbrun.cmake: how gdb.cmake and gdb_goroutines.cmake run gdb.
#
# gort_gdb(VAR ARGS...) runs "${GDB} -nx -batch ARGS" and sets VAR to its
# stdout and stderr together.  Where gdb may not trace processes here
# (a container without ptrace), it says so with "SKIPPED:" (ctest's
# SKIP_REGULAR_EXPRESSION) and returns from the script that called it:
# a macro, so that its return() is the caller's.
macro(gort_gdb var)
  execute_process(COMMAND ${GDB} -nx -batch ${ARGN}
    OUTPUT_VARIABLE gort_gdb_out ERROR_VARIABLE gort_gdb_err TIMEOUT 120)
  set(${var} "${gort_gdb_out}\n${gort_gdb_err}")
  if(${var} MATCHES "ptrace: Operation not permitted|Could not trace the inferior")
    message(STATUS "SKIPPED: gdb may not trace processes here:\n${${var}}")
    return()
  endif()
endmacro()
