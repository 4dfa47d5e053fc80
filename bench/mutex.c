/*
 * mutex: 8 goroutines take turns on one gort_mutex around an increment.
 * Size: lock/unlock pairs in all (default 2,000,000); prints ns_per_op,
 * per pair.
 */
#include "bench.h"

enum { WORKERS = 8 };

static long per;
static long counter;
static gort_mutex mu;
static gort_waitgroup wg;

static void worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < per; i++) {
        gort_mutex_lock(&mu);
        counter++;
        gort_mutex_unlock(&mu);
    }
    gort_waitgroup_done(&wg);
}

void main_main(void)
{
    per = bench_size(2000000) / WORKERS;
    int64_t t0 = gort_nanotime();
    gort_waitgroup_add(&wg, WORKERS);
    for (int i = 0; i < WORKERS; i++)
        gort_go(worker, NULL);
    gort_waitgroup_wait(&wg);
    int64_t t1 = gort_nanotime();
    bench_check(counter == per * WORKERS, "mutex: lost increments");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)(per * WORKERS));
}
