/*
 * gosched: two goroutines calling gort_gosched in turn.
 * Size: calls per goroutine (default 1,000,000); prints ns_per_op, per
 * gort_gosched.  At GOMAXPROCS=1 each call is a switch to the other
 * goroutine through the scheduler.
 */
#include "bench.h"

static long n;
static gort_waitgroup wg;

static void yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        gort_gosched();
    gort_waitgroup_done(&wg);
}

void main_main(void)
{
    n = bench_size(1000000);
    int64_t t0 = gort_nanotime();
    gort_waitgroup_add(&wg, 1);
    gort_go(yielder, NULL);
    for (long i = 0; i < n; i++)
        gort_gosched();
    gort_waitgroup_wait(&wg);
    int64_t t1 = gort_nanotime();
    bench_report("ns_per_op", (double)(t1 - t0) / (2.0 * (double)n));
}
