/*
 * hello: prints its arguments, one goroutine each, in order.
 *
 *   $ ./hello a b c
 *   hello from goroutine 1: 3 arguments
 *   arg 1: a
 *   ...
 */
#include <gort.h>
#include <stdio.h>

/* Each goroutine waits for the previous one with a flag it can see only
 * by yielding: the goroutines run concurrently, the output stays in order. */
static volatile int turn = 1;

static void printarg(void *arg)
{
    int i = (int)(intptr_t)arg;
    while (turn != i)
        gort_gosched();
    printf("arg %d: %s\n", i, gort_argv()[i]);
    fflush(stdout);
    turn = i + 1;
}

void main_main(void)
{
    int n = gort_argc() - 1;
    printf("hello from goroutine %lld: %d arguments\n", (long long)gort_goid(), n);
    for (int i = 1; i <= n; i++)
        gort_go(printarg, (void *)(intptr_t)i);
    while (turn != n + 1)
        gort_gosched();
    printf("goodbye\n");
}
