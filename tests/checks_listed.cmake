# checks_listed.cmake: every self-check in check() (src/runtime1.c) has its
# check_* test in tests/CMakeLists.txt, and every listed name is a check.
#
#   cmake -DSRC=src/runtime1.c -DNAMES="name;name;..." -P checks_listed.cmake
#
# It reads the name (the last string literal) of each CHECK(cond, "name");
# in the source.  A check added there without a test fails this test.
cmake_minimum_required(VERSION 3.16)
string(REPLACE "\\;" ";" NAMES "${NAMES}")   # ctest keeps the escapes
file(READ ${SRC} text)
# (Each match stops before the ";": a ";" would split the list.)
string(REGEX MATCHALL "CHECK\\([^;]*\"[ \t\n]*\\)" calls "${text}")
set(found "")
foreach(call IN LISTS calls)
  string(REGEX MATCHALL "\"[^\"]*\"" lits "${call}")
  list(GET lits -1 name)
  string(REGEX REPLACE "^\"(.*)\"$" "\\1" name "${name}")
  list(APPEND found "${name}")
endforeach()
list(REMOVE_DUPLICATES found)
set(bad "")
foreach(n IN LISTS found)
  if(NOT n IN_LIST NAMES)
    string(APPEND bad "  check \"${n}\" in ${SRC} has no check_* test in tests/CMakeLists.txt\n")
  endif()
endforeach()
foreach(n IN LISTS NAMES)
  if(NOT n IN_LIST found)
    string(APPEND bad "  \"${n}\" is listed in tests/CMakeLists.txt but is not a check in ${SRC}\n")
  endif()
endforeach()
list(LENGTH found nfound)
if(nfound LESS 10)
  string(APPEND bad "  only ${nfound} checks found in ${SRC}: has CHECK changed its shape?\n")
endif()
if(bad)
  message(FATAL_ERROR "checks_listed:\n${bad}")
endif()
message(STATUS "ok: ${nfound} checks, each with its test")
