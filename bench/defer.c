/*
 * defer: a function call with one deferred call, n times: gort_pcall of a
 * function that calls gort_defer and returns, so that its frame runs the
 * deferred call (Go: calling a function whose body is one defer, which
 * Go's compiler open-codes).  Size: calls (default 10,000,000); prints
 * ns_per_op, per call, deferred call included.
 */
#include "bench.h"

static long count;

static void deferred(void *arg)
{
    (*(long *)arg)++;
}

static void withdefer(void *arg)
{
    gort_defer(deferred, arg);
}

void main_main(void)
{
    long n = bench_size(10000000);
    int64_t t0 = gort_nanotime();
    for (long i = 0; i < n; i++)
        gort_pcall(withdefer, &count);
    int64_t t1 = gort_nanotime();
    bench_check(count == n, "every deferred call ran");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
