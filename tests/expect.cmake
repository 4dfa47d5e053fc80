# expect.cmake: run PROG ARGS as a child (under EMU: the cross-compiling
# emulator, or a wrapper such as valgrind) with ENVS set, and check its
# exit status (STATUS exactly, or STATUS_RE as a regex) and its stdout and
# stderr against regular expressions (STDOUT, STDERR must match;
# NOT_STDOUT, NOT_STDERR must not).  Used by gort_expect() and
# gort_test_run() in cmake/testing.cmake.  The run itself is
# runchild.cmake's (the wine work-arounds are there).
include(${CMAKE_CURRENT_LIST_DIR}/runchild.cmake)
gort_runchild(rc out err)
set(cmd "${GORT_CHILD_CMD}")
set(bad "")
if(NOT "${STATUS_RE}" STREQUAL "")
  if(NOT "${rc}" MATCHES "${STATUS_RE}")
    string(APPEND bad "exit status ${rc}, want one matching ${STATUS_RE}\n")
  endif()
elseif(NOT "${rc}" STREQUAL "${STATUS}")
  string(APPEND bad "exit status ${rc}, want ${STATUS}\n")
endif()
if(NOT "${STDOUT}" STREQUAL "" AND NOT "${out}" MATCHES "${STDOUT}")
  string(APPEND bad "stdout does not match: ${STDOUT}\n")
endif()
if(NOT "${STDERR}" STREQUAL "" AND NOT "${err}" MATCHES "${STDERR}")
  string(APPEND bad "stderr does not match: ${STDERR}\n")
endif()
if(NOT "${NOT_STDOUT}" STREQUAL "" AND "${out}" MATCHES "${NOT_STDOUT}")
  string(APPEND bad "stdout matches what it must not: ${NOT_STDOUT}\n")
endif()
if(NOT "${NOT_STDERR}" STREQUAL "" AND "${err}" MATCHES "${NOT_STDERR}")
  string(APPEND bad "stderr matches what it must not: ${NOT_STDERR}\n")
endif()
if(bad)
  message(FATAL_ERROR "${cmd}\n${bad}--- stdout:\n${out}\n--- stderr:\n${err}")
endif()
message(STATUS "ok: ${cmd}")
