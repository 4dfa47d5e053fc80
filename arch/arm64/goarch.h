/*
 * goarch.h - which architecture this build is for (Go's internal/goarch):
 * the build puts one arch/<arch> directory on the include path, and
 * runtime.h includes its goarch.h, which names that architecture's header.
 */
#include "arch_arm64.h"
