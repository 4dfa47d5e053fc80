# install.cmake: gort as an outside project uses it.
#
#   cmake -DBUILD_DIR=<gort build> -DSRC=<tests/install> -DWORK=<scratch dir>
#         -DCC=<compiler> -DGENERATOR=<generator> -DLIBDIR=<lib>
#         -DGORT_SRC=<gort source> -P install.cmake
#
# 1. cmake --install the build into WORK/prefix;
# 2. configure and build tests/install (find_package(gort), gort::gort)
#    against that prefix, and run it;
# 3. build the same app.c with "cc app.c $(pkg-config --cflags --libs gort)"
#    against the installed gort.pc, and run it;
# 4. check the user's manual under share/doc/gort (README.md, LICENSE, the
#    examples' sources) and that gort.pc's paths are clean;
# 5. build tests/install/subproject, which takes gort in with
#    add_subdirectory(SOURCE), run its app, and check that no test,
#    example or benchmark of gort's was made there.
# Cross-built (the Windows build, -DTOOLCHAIN=<toolchain file>
# -DEMU=<wine>), the outside projects are configured with the same
# toolchain, the pkg-config build uses the cross compiler, and the apps
# run under the emulator.
# gort.pc is written at install time for the prefix installed into, so
# the temporary prefix needs no --define-variable.  With -DCLASH=ON both
# ways must compile the app with -fstack-clash-protection (src/stack.c).
cmake_minimum_required(VERSION 3.16)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "install: ${what} failed (${rc})\n${cmd}\n--- stdout:\n${out}\n--- stderr:\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

string(REPLACE "\\;" ";" EMU "${EMU}")
if(TOOLCHAIN)
  set(cross "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}")
  set(exe ".exe")
else()
  set(cross "")
  set(exe "")
endif()

function(check_app what app)
  run("running the ${what} app" ${EMU} ${app}${exe} installer)
  string(REPLACE "\r\n" "\n" run_out "${run_out}")  # wine's line ends
  if(NOT run_out MATCHES "^hello, installer, from goroutine [0-9]+\nmain is goroutine 1\n$")
    message(FATAL_ERROR "install: the ${what} app printed:\n${run_out}")
  endif()
  message(STATUS "ok: the ${what} app runs")
endfunction()

set(prefix ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/gort.h ${LIBDIR}/libgort.a ${LIBDIR}/pkgconfig/gort.pc
          ${LIBDIR}/cmake/gort/gortConfig.cmake ${LIBDIR}/cmake/gort/gortTargets.cmake
          share/gort/gdb/gort.py)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install: ${prefix}/${f} was not installed")
  endif()
endforeach()

# find_package(gort) + gort::gort
run("configuring the outside project" ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build
    -G ${GENERATOR} ${cross} -DCMAKE_C_COMPILER=${CC} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
run("building the outside project" ${CMAKE_COMMAND} --build ${WORK}/build)
check_app("find_package" ${WORK}/build/app)
if(CLASH)
  file(READ ${WORK}/build/compile_commands.json cc_json)
  if(NOT cc_json MATCHES "-fstack-clash-protection")
    message(FATAL_ERROR "install: gort::gort did not give -fstack-clash-protection:\n${cc_json}")
  endif()
  message(STATUS "ok: gort::gort gives -fstack-clash-protection")
endif()

# pkg-config
find_program(PKG_CONFIG NAMES pkg-config pkgconf)
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "install: pkg-config not found")
endif()
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
run("pkg-config" ${PKG_CONFIG} --cflags --libs gort)
string(STRIP "${run_out}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
message(STATUS "pkg-config --cflags --libs gort: ${flags}")
if(CLASH AND NOT "-fstack-clash-protection" IN_LIST flags)
  message(FATAL_ERROR "install: gort.pc does not give -fstack-clash-protection: ${flags}")
endif()
run("cc app.c $(pkg-config ...)" ${CC} ${SRC}/app.c ${flags} -o ${WORK}/app_pc${exe})
check_app("pkg-config" ${WORK}/app_pc)

# The user's manual, and gort.pc's paths: plain, absolute, no "//".
foreach(f README.md LICENSE examples/hello.c examples/spawn.c examples/sieve.c
          examples/pipeline.c examples/workers.c examples/recover.c examples/echo.c
          examples/httpd.c)
  if(NOT EXISTS ${prefix}/share/doc/gort/${f})
    message(FATAL_ERROR "install: ${prefix}/share/doc/gort/${f} was not installed")
  endif()
endforeach()
message(STATUS "ok: README.md, LICENSE and the examples are in share/doc/gort")
file(READ ${prefix}/${LIBDIR}/pkgconfig/gort.pc pc)
if(NOT pc MATCHES "(^|\n)prefix=${prefix}\nlibdir=\\$\\{prefix\\}/${LIBDIR}\nincludedir=\\$\\{prefix\\}/include\n"
   OR pc MATCHES "//" OR pc MATCHES "/\\.\\./")
  message(FATAL_ERROR "install: gort.pc's paths are not clean:\n${pc}")
endif()
if(NOT "-I${prefix}/include" IN_LIST flags OR NOT "${prefix}/${LIBDIR}/libgort.a" IN_LIST flags)
  message(FATAL_ERROR "install: pkg-config gives other paths than the prefix's: ${flags}")
endif()
message(STATUS "ok: gort.pc's paths are clean")

# add_subdirectory(gort): the library only.
run("configuring the add_subdirectory project" ${CMAKE_COMMAND} -S ${SRC}/subproject
    -B ${WORK}/sub -G ${GENERATOR} ${cross} -DCMAKE_C_COMPILER=${CC} -DGORT_SRC=${GORT_SRC}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run("building the add_subdirectory project" ${CMAKE_COMMAND} --build ${WORK}/sub -j2)
check_app("add_subdirectory" ${WORK}/sub/app)
foreach(d tests examples bench)
  if(EXISTS ${WORK}/sub/gort/${d})
    message(FATAL_ERROR "install: add_subdirectory(gort) made gort's ${d}: ${WORK}/sub/gort/${d}")
  endif()
endforeach()
run("ctest -N in the add_subdirectory project" ${CMAKE_CTEST_COMMAND} -N --test-dir ${WORK}/sub)
if(NOT run_out MATCHES "Total Tests: 0")
  message(FATAL_ERROR "install: add_subdirectory(gort) declared tests:\n${run_out}")
endif()
message(STATUS "ok: add_subdirectory(gort) builds the library and no tests, examples or benchmarks")
