/*
 * spawn: starts many goroutines (10,000, or argv[1]); goroutine i counts
 * the Collatz steps of i, yielding now and then, and reports through
 * shared atomic counters.  main waits for all of them and prints a summary
 * that does not depend on the order in which they ran:
 *
 *   $ ./spawn 10000
 *   spawned 10000 goroutines
 *   collatz steps of 1..10000: total 849666, longest 261 (from 6171)
 *   goroutines left: 1
 */
#include <gort.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_llong total;      /* sum of all the step counts */
static atomic_llong best;       /* steps << 32 | -start: the longest, lowest start wins */
static atomic_int done;         /* goroutines that have reported */

static void collatz(void *arg)
{
    long long n = (long long)(intptr_t)arg, start = n, steps = 0;
    while (n != 1) {
        n = n % 2 == 0 ? n / 2 : 3 * n + 1;
        if (++steps % 64 == 0)
            gort_gosched();     /* let the others run too */
    }
    atomic_fetch_add(&total, steps);
    long long mine = steps << 32 | (0xffffffffLL - start);
    long long cur = atomic_load(&best);
    while (mine > cur && !atomic_compare_exchange_weak(&best, &cur, mine))
        ;
    atomic_fetch_add(&done, 1);
}

void main_main(void)
{
    int n = gort_argc() > 1 ? atoi(gort_argv()[1]) : 10000;
    if (n < 1) {
        fprintf(stderr, "usage: spawn [number of goroutines >= 1]\n");
        gort_exit(2);
    }
    for (int i = 1; i <= n; i++)
        gort_go(collatz, (void *)(intptr_t)i);
    printf("spawned %d goroutines\n", n);

    /* No channels here on purpose: wait by yielding until all reported,
     * then until they have all exited. */
    while (atomic_load(&done) < n)
        gort_gosched();
    while (gort_numgoroutine() > 1)
        gort_gosched();

    long long b = atomic_load(&best);
    printf("collatz steps of 1..%d: total %lld, longest %lld (from %lld)\n", n,
           atomic_load(&total), b >> 32, 0xffffffffLL - (b & 0xffffffffLL));
    printf("goroutines left: %d\n", gort_numgoroutine());
}
