# addr2line.cmake: run PROG ARGS (under EMU) with ENVS set, take every
# frame of its report printed as "NAME(...)" and "\t<object>+0xADDR" whose
# object is the program itself (its name ends the path), and check that
# ADDR2LINE -f -e PROG 0xADDR names NAME; at least MIN frames must be
# checked, or with NM given, that NM's nearest function symbol at or
# below 0xADDR is NAME (binutils' addr2line names a function in a PE file
# only from DWARF, which a program without debug information lacks)
# (the compiler's suffixes of clones, .constprop.0 and the like,
# which reports leave out, aside).  So a report of a program without debug information says
# where its frames are in a form the binutils understand.
include(${CMAKE_CURRENT_LIST_DIR}/runchild.cmake)   # as expect.cmake runs it
gort_runchild(rc out err)
get_filename_component(exe "${PROG}" NAME)
string(REPLACE "." "\\." exere "${exe}")
string(REGEX MATCHALL "\n[A-Za-z_][A-Za-z0-9_.]*\\(\\.\\.\\.\\)\n\t[^\n]*${exere}\\+0x[0-9a-f]+" frames "${err}")
set(checked 0)
if(NM)
  execute_process(COMMAND ${NM} ${PROG} OUTPUT_VARIABLE syms)
  string(REPLACE "\n" ";" syms "${syms}")
endif()
foreach(f IN LISTS frames)
  string(REGEX MATCH "\n([A-Za-z0-9_.]+)\\(\\.\\.\\.\\)\n\t[^\n]*\\+(0x[0-9a-f]+)$" m "${f}")
  set(name "${CMAKE_MATCH_1}")
  set(addr "${CMAKE_MATCH_2}")
  if(NM)
    # The nearest function symbol at or below addr.
    set(fn "??")
    set(best 0)
    math(EXPR want "${addr}")
    foreach(sym IN LISTS syms)
      if(sym MATCHES "^([0-9a-f]+) [tT] (.*)$")
        set(name2 "${CMAKE_MATCH_2}")
        math(EXPR at "0x${CMAKE_MATCH_1}")
        if(at LESS_EQUAL want AND at GREATER_EQUAL best)
          set(best ${at})
          set(fn "${name2}")
        endif()
      endif()
    endforeach()
  else()
    execute_process(COMMAND ${ADDR2LINE} -f -e ${PROG} ${addr} OUTPUT_VARIABLE a2l RESULT_VARIABLE a2lrc)
    string(REGEX REPLACE "\n.*" "" fn "${a2l}")
  endif()
  string(REGEX REPLACE "\\..*" "" fn "${fn}")    # the report drops .constprop.0 and such
  if(NOT "${fn}" STREQUAL "${name}")
    message(FATAL_ERROR "${ADDR2LINE} -f -e ${PROG} ${addr} says ${fn}, the report ${name}\n--- stderr:\n${err}")
  endif()
  message(STATUS "${name} at ${addr}: ok (${fn})")
  math(EXPR checked "${checked} + 1")
endforeach()
if(checked LESS MIN)
  message(FATAL_ERROR "${checked} frames of ${exe} checked, want at least ${MIN}\n--- stderr:\n${err}")
endif()
