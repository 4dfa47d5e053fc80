/*
 * skynet: the skynet benchmark (github.com/atemerev/skynet).  The root
 * goroutine starts 10 children, each of those 10 more, down to size
 * leaves; leaf i sends i, every other node sends the sum of its
 * children's numbers over an unbuffered channel of its parent's.
 * Size: leaves, a power of 10 (default 1,000,000, for 1,111,111
 * goroutines); prints ns_per_op, per goroutine.
 *
 * A node's arguments live in its parent's frame, as Go copies a go
 * statement's arguments: the parent waits for every child's send, and a
 * child reads them only before its send completes.
 */
#include "bench.h"

enum { DIV = 10 };

typedef struct node {
    gort_chan *c;   /* where to send the sum */
    long num;       /* the first leaf number below this node */
    long size;      /* leaves below this node */
} node;

static void skynet(void *arg)
{
    node *a = arg;
    if (a->size == 1) {
        gort_chan_send(a->c, &a->num);
        return;
    }
    gort_chan *rc = gort_chan_make(sizeof(long), 0);
    node kids[DIV];
    long sub = a->size / DIV;
    for (int i = 0; i < DIV; i++) {
        kids[i] = (node){rc, a->num + i * sub, sub};
        gort_go(skynet, &kids[i]);
    }
    long sum = 0;
    for (int i = 0; i < DIV; i++) {
        long v;
        gort_chan_recv(rc, &v);
        sum += v;
    }
    gort_chan_free(rc);
    gort_chan_send(a->c, &sum);
}

void main_main(void)
{
    long size = bench_size(1000000);
    long total = 0;
    for (long s = size; s >= 1; s /= DIV)
        total += size / s;
    gort_chan *c = gort_chan_make(sizeof(long), 0);
    node root = {c, 0, size};
    int64_t t0 = gort_nanotime();
    gort_go(skynet, &root);
    long sum;
    gort_chan_recv(c, &sum);
    int64_t t1 = gort_nanotime();
    bench_check(sum == size * (size - 1) / 2, "skynet: wrong sum");
    bench_report("ns_per_op", (double)(t1 - t0) / (double)total);
}
