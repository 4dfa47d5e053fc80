# install.cmake: gort as an outside project uses it.
#
#   cmake -DBUILD_DIR=<gort build> -DSRC=<tests/install> -DWORK=<scratch dir>
#         -DCC=<compiler> -DGENERATOR=<generator> -DLIBDIR=<lib> -P install.cmake
#
# 1. cmake --install the build into WORK/prefix;
# 2. configure and build tests/install (find_package(gort), gort::gort)
#    against that prefix, and run it;
# 3. build the same app.c with "cc app.c $(pkg-config --cflags --libs gort)"
#    against the installed gort.pc, and run it.
# gort.pc finds its prefix from where it is installed (${pcfiledir}), so
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

function(check_app what exe)
  run("running the ${what} app" ${exe} installer)
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
    -G ${GENERATOR} -DCMAKE_C_COMPILER=${CC} -DCMAKE_PREFIX_PATH=${prefix}
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
run("cc app.c $(pkg-config ...)" ${CC} ${SRC}/app.c ${flags} -o ${WORK}/app_pc)
check_app("pkg-config" ${WORK}/app_pc)
