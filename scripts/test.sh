#!/usr/bin/env bash
# scripts/test.sh: install what the tests need (when missing), then build
# and run every test on both systems: linux/amd64 natively and
# windows/amd64 cross-built with mingw-w64 and run under wine.
#
#   scripts/test.sh            the six default legs below (what CI runs)
#   scripts/test.sh linux      Linux only
#   scripts/test.sh windows    Windows only
#   scripts/test.sh asan       Linux with AddressSanitizer and UBSan
#   scripts/test.sh valgrind   Linux examples under Valgrind
#   scripts/test.sh arm64      linux/arm64, cross-built with
#                              gcc-aarch64-linux-gnu, every test under
#                              qemu-user
#   scripts/test.sh musl       linux/amd64 linked statically with musl
#                              (musl-gcc), every test
#   scripts/test.sh tsan       Linux with ThreadSanitizer (clang; not in
#                              the default legs: about 4 minutes here)
set -euo pipefail

cd "$(dirname "$0")/.."
legs=("$@")
[ ${#legs[@]} -gt 0 ] || legs=(linux windows asan valgrind arm64 musl)
jobs=$(nproc 2>/dev/null || echo 2)

# --- dependencies ---------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
[ -f /usr/include/cmocka.h ] || need+=(libcmocka-dev)
command -v nm >/dev/null || need+=(binutils)
command -v pkg-config >/dev/null || need+=(pkg-config)
for leg in "${legs[@]}"; do
  case $leg in
    linux)
      # The gdb extension's test (gdb_goroutines) and the execution
      # trace's checker (trace_check.py).
      command -v gdb >/dev/null || need+=(gdb)
      command -v python3 >/dev/null || need+=(python3)
      ;;
    windows)
      command -v python3 >/dev/null || need+=(python3)
      command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(mingw-w64)
      command -v wine >/dev/null || need+=(wine)
      command -v wine64 >/dev/null || [ -x /usr/lib/wine/wine64 ] || need+=(wine64)
      ;;
    valgrind)
      command -v valgrind >/dev/null || need+=(valgrind)
      ;;
    tsan)
      command -v clang >/dev/null || need+=(clang)
      ;;
    arm64)
      command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
      [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need+=(libc6-arm64-cross)
      command -v qemu-aarch64 >/dev/null || command -v qemu-aarch64-static >/dev/null ||
        need+=(qemu-user)
      ;;
    musl)
      command -v musl-gcc >/dev/null || need+=(musl-tools)
      ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- legs -----------------------------------------------------------------
run_linux() {
  local dir=build/linux
  cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build $dir -j"$jobs"
  ctest --test-dir $dir --output-on-failure -j"$jobs"
}

run_windows() {
  local dir=build/windows
  export WINEPREFIX="$PWD/build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "== creating the wine prefix"
    mkdir -p "$WINEPREFIX"
    wineboot --init >/dev/null 2>&1 || true
    wineserver -w || true
  fi
  cmake -S . -B $dir -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build $dir -j"$jobs"
  # One wineserver for the whole run: starting one per test is slow.
  wineserver -p || true
  # Start wine's services (services.exe, winedevice.exe, ...) now, with
  # nothing on their standard streams: the first program of a wineserver
  # session starts them and they inherit its stdout and stderr, so under
  # ctest they would hold the first test's output pipes open until the
  # wineserver exits, and that test would time out (tests/wineboot.cmake).
  wine cmd /c exit </dev/null >/dev/null 2>&1 || true
  local rc=0
  ctest --test-dir $dir --output-on-failure -j"$jobs" || rc=$?
  wineserver -k || true
  return $rc
}

for leg in "${legs[@]}"; do
  echo "== $leg"
  start=$SECONDS
  case $leg in
    linux) run_linux ;;
    windows) run_windows ;;
    asan)
      # A million parked goroutines need more memory than ASan's shadow
      # and fake stacks leave on this machine: park fewer under it.  The
      # stress test runs longer here (seconds per GOMAXPROCS value), where
      # a use after free shows; so does the timer transitions test.
      ( export ASAN_OPTIONS=detect_leaks=0 GORT_TEST_PARKED=50000 GORT_TEST_STRESS=48 GORT_TEST_TIMERS=24
        dir=build/asan
        cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DGORT_SANITIZE=address,undefined >/dev/null
        cmake --build $dir -j"$jobs"
        ctest --test-dir $dir --output-on-failure -j"$jobs" )
      ;;
    valgrind)
      ( dir=build/valgrind
        cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGORT_VALGRIND=ON >/dev/null
        cmake --build $dir -j"$jobs"
        ctest --test-dir $dir --output-on-failure -L valgrind )
      ;;
    tsan)
      # Every goroutine is a TSan fiber (src/sanitizer.h).  clang, not
      # gcc: gcc 12's TSan takes a plain read of an _Atomic variable for a
      # non-atomic one and reports races that are not there.  test_stack
      # is left out: each goroutine's fiber costs TSan a mapping for its
      # shadow call stack and more for its trace, and the tens of
      # thousands of parked goroutines it needs exceed the process's
      # mapping limit.
      ( dir=build/tsan
        CC=clang cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DGORT_SANITIZE=thread >/dev/null
        cmake --build $dir -j"$jobs"
        ctest --test-dir $dir --output-on-failure -j"$jobs" -E '^test_stack_' )
      ;;
    arm64)
      # Every test, under qemu-user (cmake/aarch64-linux-gnu.cmake makes
      # it ctest's emulator; no binfmt_misc needed), with every timeout
      # times 4.  What qemu-user makes slow is scaled down: the million
      # parked goroutines (100,000 here) and the 100,000 short-lived
      # threads of test_foreign (12,000, still more than the runtime's
      # 10,000 Ms, as under wine).
      ( export GORT_TEST_PARKED=100000 GORT_TEST_FOREIGN_THREADS=12000
        dir=build/arm64
        cmake -S . -B $dir -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGORT_TEST_TIMEOUT_SCALE=4 >/dev/null
        cmake --build $dir -j"$jobs"
        ctest --test-dir $dir --output-on-failure -j"$jobs" )
      ;;
    musl)
      # Static, with musl's C library (cmake/musl-static.cmake); the tests
      # build against tests/compat/cmocka.h (Debian's libcmocka is built
      # for glibc).
      ( dir=build/musl
        cmake -S . -B $dir -DCMAKE_TOOLCHAIN_FILE=cmake/musl-static.cmake \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
        cmake --build $dir -j"$jobs"
        ctest --test-dir $dir --output-on-failure -j"$jobs" )
      ;;
    *) echo "unknown leg: $leg" >&2; exit 2 ;;
  esac
  echo "== $leg: passed in $((SECONDS - start)) s"
done
