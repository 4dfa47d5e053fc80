/*
 * contended: 8 sender and 8 receiver goroutines on one channel of
 * capacity 128.  Size: values (default 4,000,000, sent in equal shares);
 * prints ns_per_op, per value sent and received.
 */
#include "bench.h"

enum { NSEND = 8, NRECV = 8, CAP = 128 };

static long per;
static gort_chan *c;
static gort_waitgroup sent, recvd;
static long sums[NRECV];

static void sender(void *arg)
{
    (void)arg;
    for (long i = 0; i < per; i++)
        gort_chan_send(c, &i);
    gort_waitgroup_done(&sent);
}

static void receiver(void *arg)
{
    long *sum = arg, v;
    while (gort_chan_recv(c, &v))
        *sum += v;
    gort_waitgroup_done(&recvd);
}

void main_main(void)
{
    long n = bench_size(4000000);
    per = n / NSEND;
    c = gort_chan_make(sizeof(long), CAP);
    int64_t t0 = gort_nanotime();
    gort_waitgroup_add(&sent, NSEND);
    gort_waitgroup_add(&recvd, NRECV);
    for (int i = 0; i < NRECV; i++)
        gort_go(receiver, &sums[i]);
    for (int i = 0; i < NSEND; i++)
        gort_go(sender, NULL);
    gort_waitgroup_wait(&sent);
    gort_chan_close(c);
    gort_waitgroup_wait(&recvd);
    int64_t t1 = gort_nanotime();
    long sum = 0;
    for (int i = 0; i < NRECV; i++)
        sum += sums[i];
    bench_check(sum == NSEND * (per * (per - 1) / 2), "contended: wrong sum");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)(per * NSEND));
}
