/*
 * idleconns: resident memory per idle TCP connection.  Size: connections
 * (default 10,000), dialled over loopback to a server in this process
 * that serves each with a goroutine blocked reading into a 64-byte
 * buffer; prints kib_per_conn, the growth of the resident set
 * (/proc/self/statm) from before the first dial to after every server
 * goroutine is blocked, divided by the number of connections.  Both ends
 * are in the process, so that includes the client's side of each
 * connection; the kernel's socket buffers are not resident memory.
 *
 * Each connection takes two descriptors: the soft RLIMIT_NOFILE is raised
 * to the hard one, and when that is below 2N+100 fewer connections are
 * opened (the program says how many on stderr).  Linux only.
 */
#include "bench.h"
#include <sys/resource.h>

static gort_waitgroup wg;

/* serve is one connection's goroutine: it blocks in read until the
 * process exits. */
static void serve(void *arg)
{
    gort_conn *c = arg;
    char buf[64];
    gort_waitgroup_done(&wg);
    while (gort_conn_read(c, buf, sizeof buf) > 0)
        ;
    gort_conn_free(c);
}

static void acceptloop(void *arg)
{
    gort_listener *l = arg;
    gort_conn *c;
    while ((c = gort_accept(l)) != NULL)
        gort_go(serve, c);
}

/* maxconns raises the descriptor limit as far as it goes and returns how
 * many connections fit under it, at most n. */
static long maxconns(long n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return n;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)(2 * n + 100) > rl.rlim_cur) {
        long fit = ((long)rl.rlim_cur - 100) / 2;
        fprintf(stderr, "idleconns: descriptor limit %ld: %ld connections, not %ld\n",
                (long)rl.rlim_cur, fit, n);
        n = fit;
    }
    return n;
}

void main_main(void)
{
    long n = maxconns(bench_size(10000));
    bench_check(n > 0, "idleconns: no descriptors for even one connection");
    gort_listener *l = gort_listen("tcp", "127.0.0.1:0");
    bench_check(l != NULL, "idleconns: listen failed");
    char addr[64];
    gort_listener_addr(l, addr, sizeof addr);
    gort_go(acceptloop, l);
    gort_conn **conns = calloc((size_t)n, sizeof *conns);
    bench_check(conns != NULL, "idleconns: out of memory");
    gort_sleep(10 * GORT_MILLISECOND);   /* the accept loop is parked */
    double before = bench_rss_kib();
    gort_waitgroup_add(&wg, (int)n);
    for (long i = 0; i < n; i++) {
        conns[i] = gort_dial("tcp", addr, 5 * GORT_SECOND);
        if (conns[i] == NULL) {
            fprintf(stderr, "FAIL: idleconns: dial %ld: %s\n", i, gort_strerror(gort_errno()));
            gort_exit(1);
        }
    }
    gort_waitgroup_wait(&wg);
    gort_sleep(100 * GORT_MILLISECOND);  /* the last ones reach their read */
    double after = bench_rss_kib();
    bench_check(gort_numgoroutine() >= n, "idleconns: goroutines missing");
    printf("connections=%ld\n", n);
    bench_report("kib_per_conn", before < 0 ? -1 : (after - before) / (double)n);
}
