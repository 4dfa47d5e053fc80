# Toolchain file: cross-build gort for linux/arm64 with Debian's
# gcc-aarch64-linux-gnu, and run what it builds under qemu-user with the
# arm64 C library of libc6-arm64-cross (ctest runs every test, and the
# tests run every child program, through the emulator).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
find_program(GORT_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(GORT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${GORT_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
