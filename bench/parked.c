/*
 * parked: resident memory per parked goroutine.  Size: goroutines
 * (default 1,000,000), each blocked receiving from one channel that
 * nobody sends on; prints kib_per_goroutine, the growth of the resident
 * set (/proc/self/statm) from before the first was started to after all
 * have parked, divided by their number.  -1 where there is no statm
 * (Windows).
 */
#include "bench.h"

static gort_chan *gate;
static gort_waitgroup wg;

static void parker(void *arg)
{
    (void)arg;
    gort_waitgroup_done(&wg);
    gort_chan_recv(gate, NULL);
}

void main_main(void)
{
    long n = bench_size(1000000);
    gate = gort_chan_make(0, 0);
    double before = bench_rss_kib();
    gort_waitgroup_add(&wg, (int)n);
    for (long i = 0; i < n; i++)
        gort_go(parker, NULL);
    gort_waitgroup_wait(&wg);
    gort_sleep(100 * GORT_MILLISECOND);   /* the last ones reach their receive */
    double after = bench_rss_kib();
    bench_check(gort_numgoroutine() >= n, "parked: goroutines missing");
    bench_report("kib_per_goroutine", before < 0 ? -1 : (after - before) / (double)n);
}
