/*
 * selectready: a blocking select over 4 receive cases of which exactly
 * one is ready: a channel of capacity 1 that the goroutine itself has
 * just filled; the other three are empty unbuffered channels.  Size:
 * selects (default 2,000,000); prints ns_per_op, per select (with the
 * buffered send that makes its case ready).  Nothing parks: this is
 * select's pass over its cases (lock, poll, unlock) and no more.
 */
#include "bench.h"

enum { NCHAN = 4 };

void main_main(void)
{
    long n = bench_size(2000000);
    gort_chan *cs[NCHAN];
    long vals[NCHAN];
    gort_case cases[NCHAN];
    for (int i = 0; i < NCHAN; i++) {
        cs[i] = gort_chan_make(sizeof(long), i == 2 ? 1 : 0);   /* case 2 is the ready one */
        cases[i] = (gort_case){cs[i], GORT_RECV, &vals[i], false};
    }
    long sum = 0;
    int64_t t0 = gort_nanotime();
    for (long i = 0; i < n; i++) {
        gort_chan_send(cs[2], &i);
        int k = gort_select(cases, NCHAN, true);
        sum += vals[k] + (k != 2);  /* a wrong case spoils the sum */
    }
    int64_t t1 = gort_nanotime();
    bench_check(sum == n * (n - 1) / 2, "selectready: wrong sum");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
