/*
 * selectblock: a blocking select over 2 receive cases that finds neither
 * ready, parks, and is woken by a sender goroutine on one of them; the
 * sender then waits for an acknowledgement before its next send, so
 * every select parks.  Size: selects (default 1,000,000); prints
 * ns_per_op, per select (park, the sender's wake-up, the acknowledgement
 * over an unbuffered channel).
 */
#include "bench.h"

static long n;
static gort_chan *a, *b, *ack;

static void sender(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        gort_chan_send(a, &i);
        gort_chan_recv(ack, NULL);
    }
}

void main_main(void)
{
    n = bench_size(1000000);
    a = gort_chan_make(sizeof(long), 0);
    b = gort_chan_make(sizeof(long), 0);
    ack = gort_chan_make(0, 0);
    long va = 0, vb = 0, sum = 0;
    gort_case cases[2] = {{a, GORT_RECV, &va, false}, {b, GORT_RECV, &vb, false}};
    int64_t t0 = gort_nanotime();
    gort_go(sender, NULL);
    for (long i = 0; i < n; i++) {
        int k = gort_select(cases, 2, true);
        sum += k == 0 ? va : vb + 1;
        gort_chan_send(ack, NULL);
    }
    int64_t t1 = gort_nanotime();
    bench_check(sum == n * (n - 1) / 2, "selectblock: wrong sum");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
