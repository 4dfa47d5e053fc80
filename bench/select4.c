/*
 * select4: one goroutine selects over 4 unbuffered channels, each fed by
 * a sender goroutine of its own.  Size: selects (default 1,000,000);
 * prints ns_per_op, per select.
 */
#include "bench.h"

enum { NCHAN = 4 };

static long per;

static void sender(void *arg)
{
    gort_chan *c = arg;
    for (long i = 0; i < per; i++)
        gort_chan_send(c, &i);
}

void main_main(void)
{
    per = bench_size(1000000) / NCHAN;
    gort_chan *cs[NCHAN];
    long vals[NCHAN];
    gort_case cases[NCHAN];
    for (int i = 0; i < NCHAN; i++) {
        cs[i] = gort_chan_make(sizeof(long), 0);
        cases[i] = (gort_case){cs[i], GORT_RECV, &vals[i], false};
    }
    long total = per * NCHAN, sum = 0;
    int64_t t0 = gort_nanotime();
    for (int i = 0; i < NCHAN; i++)
        gort_go(sender, cs[i]);
    for (long i = 0; i < total; i++) {
        int k = gort_select(cases, NCHAN, true);
        sum += vals[k];
    }
    int64_t t1 = gort_nanotime();
    bench_check(sum == NCHAN * (per * (per - 1) / 2), "select4: wrong sum");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)total);
}
