/*
 * pingpong: a value goes to another goroutine and back over two
 * unbuffered channels.  Size: round trips (default 1,000,000); prints
 * ns_per_op, per round trip (two sends, two receives).
 */
#include "bench.h"

static gort_chan *ping, *pong;

static void ponger(void *arg)
{
    (void)arg;
    long v;
    while (gort_chan_recv(ping, &v))
        gort_chan_send(pong, &v);
}

void main_main(void)
{
    long n = bench_size(1000000);
    ping = gort_chan_make(sizeof(long), 0);
    pong = gort_chan_make(sizeof(long), 0);
    int64_t t0 = gort_nanotime();
    gort_go(ponger, NULL);
    long sum = 0;
    for (long i = 0; i < n; i++) {
        long v;
        gort_chan_send(ping, &i);
        gort_chan_recv(pong, &v);
        sum += v;
    }
    int64_t t1 = gort_nanotime();
    gort_chan_close(ping);
    bench_check(sum == n * (n - 1) / 2, "pingpong: wrong sum");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
