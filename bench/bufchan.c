/*
 * bufchan: buffered channel throughput, one producer goroutine and one
 * consumer, a channel of 128 longs.  Size: values (default 5,000,000);
 * prints ns_per_op, per value sent and received.
 */
#include "bench.h"

enum { CAP = 128 };

static long n;
static gort_chan *c;

static void producer(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        gort_chan_send(c, &i);
    gort_chan_close(c);
}

void main_main(void)
{
    n = bench_size(5000000);
    c = gort_chan_make(sizeof(long), CAP);
    int64_t t0 = gort_nanotime();
    gort_go(producer, NULL);
    long v, sum = 0, got = 0;
    while (gort_chan_recv(c, &v)) {
        sum += v;
        got++;
    }
    int64_t t1 = gort_nanotime();
    bench_check(got == n && sum == n * (n - 1) / 2, "bufchan: wrong values");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
