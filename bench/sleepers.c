/*
 * sleepers: goroutines that each sleep 1 ms, then signal a WaitGroup.
 * Size: goroutines (default 100,000); prints ms, from the first start
 * to the last wake-up.
 */
#include "bench.h"

static void sleeper(void *arg)
{
    gort_sleep(GORT_MILLISECOND);
    gort_waitgroup_done(arg);
}

void main_main(void)
{
    long n = bench_size(100000);
    gort_waitgroup wg = {0};
    int64_t t0 = gort_nanotime();
    gort_waitgroup_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        gort_go(sleeper, &wg);
    gort_waitgroup_wait(&wg);
    int64_t t1 = gort_nanotime();
    bench_report("ms", (double)(t1 - t0) / 1e6);
}
