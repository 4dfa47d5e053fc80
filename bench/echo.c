/*
 * echo: TCP round trips of 64 bytes over one loopback connection, the
 * client and the echoing server being goroutines of this one process.
 * Size: round trips (default 50,000); prints ns_per_op, per round trip
 * (the client writes 64 bytes and reads them back whole).
 */
#include "bench.h"
#include <string.h>

enum { MSG = 64 };

/* readfull reads exactly n bytes; false at EOF or on an error. */
static bool readfull(gort_conn *c, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = gort_conn_read(c, buf + got, n - got);
        if (k <= 0)
            return false;
        got += (size_t)k;
    }
    return true;
}

/* server accepts one connection and echoes it until the client closes. */
static void server(void *arg)
{
    gort_listener *l = arg;
    gort_conn *c = gort_accept(l);
    bench_check(c != NULL, "echo: accept failed");
    char buf[MSG];
    while (readfull(c, buf, MSG))
        if (gort_conn_write(c, buf, MSG) < 0)
            break;
    gort_conn_free(c);
}

void main_main(void)
{
    long n = bench_size(50000);
    gort_listener *l = gort_listen("tcp", "127.0.0.1:0");
    bench_check(l != NULL, "echo: listen failed");
    char addr[64];
    gort_listener_addr(l, addr, sizeof addr);
    gort_go(server, l);
    gort_conn *c = gort_dial("tcp", addr, 5 * GORT_SECOND);
    bench_check(c != NULL, "echo: dial failed");
    char out[MSG], in[MSG];
    memset(out, 'x', sizeof out);
    int64_t t0 = gort_nanotime();
    for (long i = 0; i < n; i++) {
        memcpy(out, &i, sizeof i);   /* each message differs */
        bench_check(gort_conn_write(c, out, MSG) == MSG, "echo: write failed");
        bench_check(readfull(c, in, MSG), "echo: read failed");
        bench_check(memcmp(in, out, MSG) == 0, "echo: wrong bytes came back");
    }
    int64_t t1 = gort_nanotime();
    gort_conn_free(c);
    gort_listener_free(l);
    bench_report("ns_per_op", (double)(t1 - t0) / (double)n);
}
