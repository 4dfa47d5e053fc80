/*
 * spawn: start goroutines that do nothing but signal a WaitGroup.
 * Size: goroutines (default 1,000,000); prints ns_per_op, per goroutine
 * (start, run, exit).
 */
#include "bench.h"

static void worker(void *arg)
{
    gort_waitgroup_done(arg);
}

void main_main(void)
{
    long n = bench_size(1000000);
    gort_waitgroup wg = {0};
    int64_t t0 = gort_nanotime();
    for (long i = 0; i < n; i++) {
        gort_waitgroup_add(&wg, 1);
        gort_go(worker, &wg);
    }
    gort_waitgroup_wait(&wg);
    int64_t t1 = gort_nanotime();
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
