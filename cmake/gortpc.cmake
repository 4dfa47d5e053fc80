# gortpc.cmake: writes gort.pc at install time (the top-level
# CMakeLists.txt includes it from an install(CODE) with the GORT_PC_*
# variables set), with the prefix the install goes to: CMAKE_INSTALL_PREFIX
# here is cmake --install's --prefix when one is given.  The paths come out
# plain: no "//", no "..", and an absolute libdir or includedir (as
# -DCMAKE_INSTALL_LIBDIR=/usr/lib64) is used as it is instead of being
# put under ${prefix}.
string(REGEX REPLACE "(.)/+$" "\\1" GORT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(v LIBDIR INCLUDEDIR)
  string(REGEX REPLACE "/+$" "" dir "${GORT_PC_${v}}")
  if(IS_ABSOLUTE "${dir}")
    set(GORT_PC_${v} "${dir}")
  elseif(GORT_PC_PREFIX STREQUAL "/")
    set(GORT_PC_${v} "\${prefix}${dir}")
  else()
    set(GORT_PC_${v} "\${prefix}/${dir}")
  endif()
endforeach()
if(GORT_PC_CFLAGS)
  set(GORT_PC_CFLAGS " ${GORT_PC_CFLAGS}")    # after -I${includedir}
endif()
configure_file("${GORT_PC_IN}" "${GORT_PC_OUT}" @ONLY)
