# symbols.cmake: what libgort.a puts into a user's static link.
#
#   cmake -DLIB=libgort.a -DNM=nm [-DREADELF=readelf -DEXES=a;b] -P symbols.cmake
#
# 1. Every global symbol the archive defines is gort_..., gort__... or
#    _rt0_..., or is main (the rt0 entry stub): nothing else can collide
#    with a program's own names.  In a PE archive (the Windows build),
#    mingw's compiler-made ".refptr.NAME" stubs are also global; they are
#    link-once and named after what they point to, so NAME must be one of
#    ours or main_main.
# 2. With READELF (ELF only): every object in the archive that came from
#    a .S file has a .note.GNU-stack section, and each program in EXES has
#    a GNU_STACK program header without E: no executable stack.
cmake_minimum_required(VERSION 3.16)
set(bad "")
string(REPLACE "\\;" ";" EXES "${EXES}")     # ctest keeps the escapes

# --- 1. global names ------------------------------------------------------
execute_process(COMMAND ${NM} --defined-only --extern-only ${LIB}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} ${LIB} failed (${rc}): ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(member "?")
set(nsyms 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^(.*):$")
    set(member "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) (.+)$")
    set(sym "${CMAKE_MATCH_2}")
    math(EXPR nsyms "${nsyms} + 1")
    set(name "${sym}")
    if(name MATCHES "^\\.refptr\\.(.+)$")
      set(name "${CMAKE_MATCH_1}")
      if(name STREQUAL "main_main")
        continue()
      endif()
    endif()
    # _dl_find_object: defined only for a C library without it (musl),
    # whose programs' unwinder needs it (os_linux.c).
    if(NOT name MATCHES "^(gort_|_rt0_)" AND NOT name STREQUAL "main" AND
       NOT name STREQUAL "_dl_find_object")
      string(APPEND bad "  ${member}: global symbol ${sym} is not gort_/gort__/_rt0_-prefixed\n")
    endif()
  endif()
endforeach()
if(nsyms LESS 10)
  string(APPEND bad "  only ${nsyms} global symbols found: is ${LIB} the runtime?\n${out}\n")
endif()

# --- 2. no executable stack -------------------------------------------------
if(READELF)
  execute_process(COMMAND ${READELF} -SW ${LIB}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${READELF} -SW ${LIB} failed (${rc}): ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  set(member "")
  set(asmobjs "")
  set(noted "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^File: .*\\((.*)\\)$")
      set(member "${CMAKE_MATCH_1}")
      if(member MATCHES "\\.[sS]\\.o(bj)?$")
        list(APPEND asmobjs "${member}")
      endif()
    elseif(line MATCHES "\\.note\\.GNU-stack")
      list(APPEND noted "${member}")
    endif()
  endforeach()
  if(NOT asmobjs)
    string(APPEND bad "  no object from a .S file found in ${LIB}\n")
  endif()
  foreach(o IN LISTS asmobjs)
    if(NOT o IN_LIST noted)
      string(APPEND bad "  ${o} (from a .S file) has no .note.GNU-stack section\n")
    endif()
  endforeach()

  foreach(exe IN LISTS EXES)
    execute_process(COMMAND ${READELF} -lW ${exe}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${READELF} -lW ${exe} failed (${rc}): ${err}")
    endif()
    if(NOT out MATCHES "GNU_STACK[^\n]* ([RWE]+) +0x[0-9a-f]+\n")
      string(APPEND bad "  ${exe}: no GNU_STACK program header\n")
    else()
      set(flags "${CMAKE_MATCH_1}")
      if(flags MATCHES "E")
        string(APPEND bad "  ${exe}: the stack is executable (GNU_STACK ${flags})\n")
      endif()
    endif()
  endforeach()
endif()

if(bad)
  message(FATAL_ERROR "symbols: problems found\n${bad}")
endif()
list(LENGTH EXES nexes)
if(READELF)
  message(STATUS "symbols: ${nsyms} global symbols, all prefixed; .S objects noted; ${nexes} programs without an executable stack")
else()
  message(STATUS "symbols: ${nsyms} global symbols, all prefixed")
endif()
