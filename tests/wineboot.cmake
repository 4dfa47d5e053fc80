# wineboot.cmake: the setup of the "wine" test fixture (Windows build,
# under wine).  Runs PROG once under EMU with its standard streams on
# /dev/null.
#
# Why: the first program that runs after a wineserver starts also starts
# wine's own services (services.exe, winedevice.exe, plugplay.exe, ...),
# and they inherit its stdout and stderr.  Under ctest those are pipes that
# ctest reads to the end, and the services keep them open as long as the
# wineserver lives: whichever test came first "timed out" although the
# program had exited long before.  Starting the services here, on
# /dev/null, takes that away from the tests.
cmake_minimum_required(VERSION 3.16)
string(REPLACE "\\;" ";" EMU "${EMU}")
execute_process(COMMAND ${EMU} ${PROG}
  INPUT_FILE /dev/null OUTPUT_FILE /dev/null ERROR_FILE /dev/null
  RESULT_VARIABLE rc)
message(STATUS "wine is up (${PROG}: ${rc})")
