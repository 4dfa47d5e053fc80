# testing.cmake - the functions that declare gort's tests, for tests/,
# examples/ and any other directory that has some.  The top-level
# CMakeLists.txt includes it (with GORT_TESTS) before the directories.
#
#   gort_test        a cmocka program, once or at GOMAXPROCS=1 and 2
#   gort_test_run    one more run of such a program (other env or args)
#   gort_expect      a program run as a child, its exit status and output
#                    checked by tests/expect.cmake
#   gort_program     a program that tests run as a child
#   gort_wine_fixture  the last line of every directory that has tests
#
# Cross-compiled (the Windows build), every test runs under the emulator
# (CMAKE_CROSSCOMPILING_EMULATOR: wine), through expect.cmake, which
# retries the one failure that is wine's and not the program's.

# The tests are cmocka programs.  On linux/amd64 with glibc they link
# Debian's libcmocka; libcmocka keeps its state in __thread variables, and
# the runner runs on the main goroutine, which could resume on another
# thread after any gort_gosched or wrapped system call and find another
# thread's state: so every test's main_main calls gort_lockosthread()
# first (Go's runtime.LockOSThread), and main stays on its thread while
# the tests' goroutines move freely.  Where no libcmocka for the target
# exists - mingw-w64, the arm64 cross build, a static musl build - the
# tests use the project's own tests/compat/cmocka.h, the same API with its
# state in plain statics (test_cmocka_compat tests it everywhere):
# GORT_CMOCKA_COMPAT, on by default when cross-compiling.
if(NOT DEFINED GORT_CMOCKA_COMPAT)
  if(WIN32 OR CMAKE_CROSSCOMPILING)
    set(GORT_CMOCKA_COMPAT ON)
  else()
    set(GORT_CMOCKA_COMPAT OFF)
  endif()
endif()
set(GORT_CMOCKA_COMPAT ${GORT_CMOCKA_COMPAT} CACHE BOOL
  "Build the tests against tests/compat/cmocka.h instead of libcmocka")
if(GORT_CMOCKA_COMPAT)
  set(GORT_CMOCKA_INCLUDE ${PROJECT_SOURCE_DIR}/tests/compat)
  set(GORT_CMOCKA_LIB "")
else()
  find_path(GORT_CMOCKA_INCLUDE cmocka.h REQUIRED)
  find_library(GORT_CMOCKA_LIB cmocka REQUIRED)
endif()

# GORT_TEST_TIMEOUT_SCALE multiplies every test's TIMEOUT (an integer;
# the arm64 leg runs everything under qemu-user, several times slower
# than native code).  gort_wine_fixture() applies it, last in each
# directory.
set(GORT_TEST_TIMEOUT_SCALE 1 CACHE STRING "Multiply every test's TIMEOUT by this")

set(GORT_EXPECT ${PROJECT_SOURCE_DIR}/tests/expect.cmake)
if(CMAKE_CROSSCOMPILING_EMULATOR)
  set(GORT_EMU ${CMAKE_CROSSCOMPILING_EMULATOR})
else()
  set(GORT_EMU "")
endif()
# GORT_WINE: the emulator is wine (the Windows build), whose quirks the
# functions below work around; qemu-user (the arm64 build) has none of
# them.
if(GORT_EMU MATCHES "wine")
  set(GORT_WINE ON)
else()
  set(GORT_WINE OFF)
endif()

# An argument with a space and UTF-8, for the tests of argv (under wine,
# gort_test_run and expect.cmake run the program in a UTF-8 locale so
# that wine passes it on intact).
set(GORT_UTF8_ARG "ünïcødé ✓")

# gort_test(NAME SOURCES src... [PROCS] [TIMEOUT s] [LIBS ...] [ENV k=v...]
#           [ARGS arg...]): a cmocka program, run with ARGS.  With PROCS it
# runs twice, as NAME_p1 and NAME_p2, with GOMAXPROCS=1 and GOMAXPROCS=2.
# The program sees the runtime's own headers (GORT_INTERNAL_INCLUDE_DIRS:
# src/ and arch/amd64, for runtime.h) as well as gort.h.
function(gort_test name)
  cmake_parse_arguments(T "PROCS" "TIMEOUT" "SOURCES;LIBS;ENV;ARGS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${GORT_CMOCKA_INCLUDE} ${GORT_INTERNAL_INCLUDE_DIRS})
  target_link_libraries(${name} PRIVATE gort::gort ${GORT_CMOCKA_LIB} ${T_LIBS})
  if(T_PROCS)
    foreach(n 1 2)
      gort_test_run(${name}_p${n} ${name} TIMEOUT ${T_TIMEOUT}
        ENV "GOMAXPROCS=${n}" ${T_ENV} ARGS ${T_ARGS})
    endforeach()
  else()
    gort_test_run(${name} ${name} TIMEOUT ${T_TIMEOUT} ENV ${T_ENV} ARGS ${T_ARGS})
  endif()
endfunction()

# gort_test_run(TESTNAME TARGET [TIMEOUT s] [ENV k=v...] [ARGS arg...]
#               [PREFIX cmd...]): one more run of a test program, e.g. with
# another environment.  PREFIX runs it under a command (taskset ...);
# cross-compiled, the emulator comes first.
function(gort_test_run tname target)
  cmake_parse_arguments(R "" "TIMEOUT" "ENV;ARGS;PREFIX" ${ARGN})
  if(NOT R_TIMEOUT)
    set(R_TIMEOUT 60)
  endif()
  if(R_PREFIX)
    add_test(NAME ${tname} COMMAND ${R_PREFIX} ${GORT_EMU} $<TARGET_FILE:${target}> ${R_ARGS})
  elseif(GORT_EMU)
    # Under the emulator through expect.cmake, which retries wine's rare
    # failures to start a program (see there); status 0 wanted.
    string(REPLACE ";" "\\;" args "${R_ARGS}")
    string(REPLACE ";" "\\;" emu "${GORT_EMU}")
    add_test(NAME ${tname} COMMAND ${CMAKE_COMMAND}
      "-DPROG=$<TARGET_FILE:${target}>" "-DARGS=${args}" "-DEMU=${emu}" "-DSTATUS=0"
      -P ${GORT_EXPECT})
  else()
    add_test(NAME ${tname} COMMAND ${target} ${R_ARGS})
  endif()
  if(GORT_WINE)
    # wine makes the Windows command line from argv with the charset of
    # the Unix locale: UTF-8 arguments need a UTF-8 locale.
    list(PREPEND R_ENV "LC_ALL=C.UTF-8")
  endif()
  set_tests_properties(${tname} PROPERTIES TIMEOUT ${R_TIMEOUT})
  if(R_ENV)
    set_tests_properties(${tname} PROPERTIES ENVIRONMENT "${R_ENV}")
  endif()
endfunction()

# gort_expect(NAME COMMAND prog args... [STATUS n | STATUS_RE re]
#             [STDOUT re] [STDERR re] [NOT_STDOUT re] [NOT_STDERR re]
#             [ENV k=v...] [PROCS] [TIMEOUT s] [WRAP cmd...]
#             [LABELS l...]): run a program as a child and check its exit
# status (exactly, 0 unless given, or against a regex: cmake reports a
# signal as a string such as "Subprocess aborted") and its output.  With
# PROCS it runs twice, as NAME_p1 and NAME_p2, with GOMAXPROCS=1 and 2
# first in ENV.  WRAP runs it under a command (valgrind ...) instead of
# the cross-compiling emulator.
#
# Keep "\\[" and "\\]" balanced in the regexes: CMake does not split a
# list at a ";" inside square brackets, so one unbalanced "[" swallows the
# arguments after it.  No argument may end in a backslash: CMake's lists
# would eat it.
function(gort_expect name)
  cmake_parse_arguments(E "PROCS" "STATUS;STATUS_RE;STDOUT;STDERR;NOT_STDOUT;NOT_STDERR;TIMEOUT"
    "COMMAND;ENV;WRAP;LABELS" ${ARGN})
  if(NOT DEFINED E_STATUS)
    set(E_STATUS 0)
  endif()
  if(NOT E_TIMEOUT)
    set(E_TIMEOUT 60)
  endif()
  list(GET E_COMMAND 0 prog)
  list(REMOVE_AT E_COMMAND 0)
  string(REPLACE ";" "\\;" args "${E_COMMAND}")
  if(E_WRAP)
    string(REPLACE ";" "\\;" emu "${E_WRAP}")
  else()
    string(REPLACE ";" "\\;" emu "${GORT_EMU}")
  endif()
  if(E_PROCS)
    set(runs 1 2)
  else()
    set(runs 0)
  endif()
  foreach(n IN LISTS runs)
    set(tname ${name})
    set(env ${E_ENV})
    if(E_PROCS)
      set(tname ${name}_p${n})
      list(PREPEND env "GOMAXPROCS=${n}")
    endif()
    string(REPLACE ";" "\\;" envs "${env}")
    add_test(NAME ${tname} COMMAND ${CMAKE_COMMAND}
      "-DPROG=$<TARGET_FILE:${prog}>" "-DARGS=${args}" "-DEMU=${emu}"
      "-DSTATUS=${E_STATUS}" "-DSTDOUT=${E_STDOUT}" "-DSTDERR=${E_STDERR}"
      "-DNOT_STDERR=${E_NOT_STDERR}" "-DENVS=${envs}"
      "-DSTATUS_RE=${E_STATUS_RE}" "-DNOT_STDOUT=${E_NOT_STDOUT}"
      -P ${GORT_EXPECT})
    set_tests_properties(${tname} PROPERTIES TIMEOUT ${E_TIMEOUT})
    if(E_LABELS)
      set_tests_properties(${tname} PROPERTIES LABELS "${E_LABELS}")
    endif()
  endforeach()
endfunction()

# gort_program(NAME src...): a program that tests run as a child (through
# gort_expect).  Like the cmocka programs, it sees the runtime's headers.
function(gort_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE gort::gort)
  target_include_directories(${name} PRIVATE ${GORT_INTERNAL_INCLUDE_DIRS})
endfunction()

# gort_wine_fixture(): the last line of every directory that declares
# tests.  It multiplies each test's TIMEOUT by GORT_TEST_TIMEOUT_SCALE;
# and under wine it gives every test the fixture "wine", whose setup (the
# test wine_services, in tests/) starts wine's services first, away from
# the tests' output pipes (tests/wineboot.cmake says why).
function(gort_wine_fixture)
  get_property(tests DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY TESTS)
  foreach(t IN LISTS tests)
    if(NOT GORT_TEST_TIMEOUT_SCALE EQUAL 1)
      get_test_property(${t} TIMEOUT timeout)
      if(timeout)
        math(EXPR timeout "${timeout} * ${GORT_TEST_TIMEOUT_SCALE}")
        set_tests_properties(${t} PROPERTIES TIMEOUT ${timeout})
      endif()
    endif()
    if(GORT_WINE AND NOT t STREQUAL "wine_services")
      set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED wine)
    endif()
  endforeach()
endfunction()
