/*
 * app: a tiny program built against an installed gort (tests/install.cmake
 * builds it twice: with CMake's find_package and with pkg-config).  It
 * starts a goroutine that greets its first argument and waits for it.
 */
#include <gort.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int done;

static void greet(void *arg)
{
    printf("hello, %s, from goroutine %lld\n", (const char *)arg, (long long)gort_goid());
    atomic_store(&done, 1);
}

void main_main(void)
{
    gort_go(greet, gort_argc() > 1 ? gort_argv()[1] : "world");
    while (!atomic_load(&done))
        gort_gosched();
    printf("main is goroutine %lld\n", (long long)gort_goid());
}
