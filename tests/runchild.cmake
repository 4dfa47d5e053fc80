# runchild.cmake: run a child program and capture what it says, for the
# scripts that check it (expect.cmake, addr2line.cmake).
#
# gort_runchild(RC OUT ERR) runs PROG ARGS (under EMU: the cross-compiling
# emulator, or a wrapper such as valgrind) with ENVS set, and sets RC,
# OUT and ERR to its exit status, stdout and stderr (line ends as LF).
# PROG, ARGS, EMU and ENVS are the script's -D variables; the lists come
# with escaped separators ("\;"), as gort_expect passes them and ctest
# hands them over with the backslashes kept.
function(gort_runchild rcvar outvar errvar)
  string(REPLACE "\\;" ";" emu "${EMU}")
  string(REPLACE "\\;" ";" args "${ARGS}")
  string(REPLACE "\\;" ";" envs "${ENVS}")
  if(emu MATCHES "wine")
    # wine turns the Unix argv into the Windows (UTF-16) command line with
    # the charset of the Unix locale: without a UTF-8 locale it mangles
    # non-ASCII arguments before the program sees them.
    set(ENV{LC_ALL} "C.UTF-8")
  endif()
  foreach(kv IN LISTS envs)
    if(kv MATCHES "^([^=]+)=(.*)$")
      set(ENV{${CMAKE_MATCH_1}} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  set(cmd ${PROG} ${args})
  if(emu)
    set(cmd ${emu} ${cmd})
  endif()
  # Under wine, a program very rarely fails to start at all when many
  # start at once (seen: exit status 1, no output whatever, in a few
  # hundredths of a second, about once in a few hundred runs of ctest
  # -j2).  Only that signature is retried, twice; anything the program
  # itself prints or any other status counts at once.
  foreach(try 1 2 3)
    execute_process(COMMAND ${cmd}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT (emu MATCHES "wine" AND "${rc}" STREQUAL "1" AND "${out}" STREQUAL "" AND "${err}" STREQUAL ""))
      break()
    endif()
    message(STATUS "wine did not start the program (status 1, no output): try ${try} of 3")
  endforeach()
  # wine turns LF into CRLF in the output; compare on LF.
  string(REPLACE "\r\n" "\n" out "${out}")
  string(REPLACE "\r\n" "\n" err "${err}")
  set(${rcvar} "${rc}" PARENT_SCOPE)
  set(${outvar} "${out}" PARENT_SCOPE)
  set(${errvar} "${err}" PARENT_SCOPE)
  set(GORT_CHILD_CMD "${cmd}" PARENT_SCOPE)
endfunction()
