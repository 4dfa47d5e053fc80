# Toolchain file: build gort for linux/amd64 with musl's C library instead
# of glibc, linked statically: Debian's musl-tools (musl-gcc, a wrapper
# that points gcc at musl's headers, start files and libc.a).  Not a cross
# build: the programs run natively.  Debian's libcmocka is built for
# glibc, so the tests use tests/compat/cmocka.h.
set(CMAKE_C_COMPILER musl-gcc)
set(CMAKE_ASM_COMPILER musl-gcc)
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
set(GORT_CMOCKA_COMPAT ON CACHE BOOL "Build the tests against tests/compat/cmocka.h")
# A static program: the C library is part of the executable, so a fatal
# signal's report never flushes stdio (os_linux.c; tests/CMakeLists.txt).
set(GORT_STATIC_LIBC ON)
