/*
 * hello: prints its arguments, one goroutine each, in order.
 *
 *   $ ./hello a b c
 *   hello from goroutine 1: 3 arguments
 *   arg 1: a
 *   ...
 */
#include <gort.h>
#include <stdatomic.h>
#include <stdio.h>

/* Each goroutine waits for the previous one, yielding, on a flag: the
 * goroutines run concurrently, the output stays in order.  The flag is
 * atomic, not volatile: goroutines may run on different threads, and
 * only an atomic makes one's printf happen before the next one's. */
static _Atomic int turn = 1;

static void printarg(void *arg)
{
    int i = (int)(intptr_t)arg;
    while (atomic_load(&turn) != i)
        gort_gosched();
    printf("arg %d: %s\n", i, gort_argv()[i]);
    fflush(stdout);
    atomic_store(&turn, i + 1);
}

void main_main(void)
{
    int n = gort_argc() - 1;
    printf("hello from goroutine %lld: %d arguments\n", (long long)gort_goid(), n);
    for (int i = 1; i <= n; i++)
        gort_go(printarg, (void *)(intptr_t)i);
    while (atomic_load(&turn) != n + 1)
        gort_gosched();
    printf("goodbye\n");
}
