# expect.cmake: run PROG ARGS as a child (under EMU: the cross-compiling
# emulator, or a wrapper such as valgrind) with ENVS set, and check its
# exit status (STATUS exactly, or STATUS_RE as a regex) and its stdout and
# stderr against regular expressions (STDOUT, STDERR must match;
# NOT_STDOUT, NOT_STDERR must not).  Used by gort_expect() and
# gort_test_run() in cmake/testing.cmake.
string(REPLACE "\\;" ";" EMU "${EMU}")
if(EMU MATCHES "wine")
  # wine turns the Unix argv into the Windows (UTF-16) command line with
  # the charset of the Unix locale: without a UTF-8 locale it mangles
  # non-ASCII arguments before the program sees them.
  set(ENV{LC_ALL} "C.UTF-8")
endif()
# gort_expect passes ARGS and ENVS as lists with escaped separators ("\;"),
# and ctest hands them over with the backslashes kept: unescape them.
string(REPLACE "\\;" ";" ARGS "${ARGS}")
string(REPLACE "\\;" ";" ENVS "${ENVS}")
foreach(kv IN LISTS ENVS)
  if(kv MATCHES "^([^=]+)=(.*)$")
    set(ENV{${CMAKE_MATCH_1}} "${CMAKE_MATCH_2}")
  endif()
endforeach()
set(cmd ${PROG} ${ARGS})
if(EMU)
  set(cmd ${EMU} ${cmd})
endif()
# Under wine, a program very rarely fails to start at all when many start
# at once (seen: exit status 1, no output whatever, in a few hundredths of
# a second, about once in a few hundred runs of ctest -j2).  Only that
# signature is retried, twice; anything the program itself prints or any
# other status counts at once.
foreach(try 1 2 3)
  execute_process(COMMAND ${cmd}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT (EMU MATCHES "wine" AND "${rc}" STREQUAL "1" AND "${out}" STREQUAL "" AND "${err}" STREQUAL ""))
    break()
  endif()
  message(STATUS "wine did not start the program (status 1, no output): try ${try} of 3")
endforeach()
# wine turns CRLF line ends into the output; compare on LF.
string(REPLACE "\r\n" "\n" out "${out}")
string(REPLACE "\r\n" "\n" err "${err}")
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
