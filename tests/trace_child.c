/*
 * trace_child.c - a program for the execution trace's tests
 * (trace_check.py reads what it writes): channel ping-pong, a select
 * loop, sleeps, mutex contention, a system call, a loopback accept and
 * read, a goroutine that polls until it is preempted, a goroutine left
 * blocked at the end.
 *
 *   trace_child FILE    traces with gort_trace_start(FILE)/gort_trace_stop
 *   trace_child         traces through GODEBUG=gorttrace=FILE (the caller
 *                       sets it), written at exit
 *   trace_child FILE api-errors  also checks the calls' errors
 */
#include <gort.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime.h"    /* the P's schedtick, for hog: tests only */
#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

#define ROUNDS 200

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        exit(1);
    }
}

/* goerr reads errno afresh: the goroutine may have moved to another
 * thread since the caller last took errno's address (DESIGN.md's TLS
 * trap). */
static __attribute__((noinline)) int goerr(void)
{
    return errno;
}

static __attribute__((noinline)) void clearerr_(void)
{
    errno = 0;
}

static gort_chan *ping, *pong;
static gort_waitgroup wg;

static void ponger(void *arg)
{
    (void)arg;
    int v;
    while (gort_chan_recv(ping, &v))
        gort_chan_send(pong, &v);
    gort_waitgroup_done(&wg);
}

static gort_chan *sa, *sb, *squit;

static void selector(void *arg)
{
    (void)arg;
    int got = 0;
    for (;;) {
        int v;
        gort_case cs[3] = {{sa, GORT_RECV, &v, false}, {sb, GORT_RECV, &v, false},
                           {squit, GORT_RECV, NULL, false}};
        int i = gort_select(cs, 3, true);
        if (i == 2)
            break;
        got++;
    }
    check(got == 2 * ROUNDS / 10, "selector: wrong count");
    gort_waitgroup_done(&wg);
}

static gort_mutex mu;
static long counter;

static void locker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        gort_mutex_lock(&mu);
        counter++;
        if (i % 16 == 0)
            gort_gosched();     /* holding it: the others block */
        gort_mutex_unlock(&mu);
    }
    gort_waitgroup_done(&wg);
}

static void sleeper(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        gort_sleep(GORT_MILLISECOND);
    gort_waitgroup_done(&wg);
}

static void syscaller(void *arg)
{
    (void)arg;
#ifdef _WIN32
    gort_entersyscall();        /* Sleep returns nothing: no GORT_SYSCALL */
    Sleep(2);
    gort_exitsyscall();
#else
    GORT_SYSCALL(usleep(2000));
#endif
    gort_waitgroup_done(&wg);
}

static gort_listener *ln;

static void server(void *arg)
{
    (void)arg;
    gort_conn *c = gort_accept(ln);
    check(c != NULL, "accept");
    char buf[16];
    ssize_t n = gort_conn_read(c, buf, sizeof buf);
    check(n == 5 && memcmp(buf, "hello", 5) == 0, "read");
    gort_conn_close(c);
    gort_waitgroup_done(&wg);
}

/* hog polls the clock (a synchronous preemption point) until sysmon has
 * preempted it: it has been scheduled anew, on another P or on its own
 * (whose schedtick then moved on; nothing else runs there meanwhile).
 * Its trace shows a GoPreempt ending a slice.  No preemption: it spins
 * until the test's TIMEOUT. */
static void hog(void *arg)
{
    (void)arg;
    p *pp = gort__getg()->m->p;
    uint32_t tick = atomic_load(&pp->schedtick);
    while (gort__getg()->m->p == pp && atomic_load(&pp->schedtick) == tick)
        gort_nanotime();
    gort_waitgroup_done(&wg);
}

static gort_chan *forever, *early_c;

/* early parks before the trace starts (API mode) and is readied during
 * it: the trace starts with its state (GoWaiting), then its unblock. */
static void early(void *arg)
{
    (void)arg;
    gort_chan_recv(early_c, NULL);
    gort_waitgroup_done(&wg);
}

static void stuck(void *arg)
{
    (void)arg;
    gort_chan_recv(forever, NULL);     /* still blocked when the trace stops */
}

static void workload(void)
{
    ping = gort_chan_make(sizeof(int), 0);
    pong = gort_chan_make(sizeof(int), 0);
    sa = gort_chan_make(sizeof(int), 0);
    sb = gort_chan_make(sizeof(int), 0);
    squit = gort_chan_make(0, 0);
    forever = gort_chan_make(0, 0);
    gort_go(stuck, NULL);

    gort_waitgroup_add(&wg, 1);
    gort_go(ponger, NULL);
    gort_waitgroup_add(&wg, 1);
    gort_go(selector, NULL);
    for (int i = 0; i < 3; i++) {
        gort_waitgroup_add(&wg, 1);
        gort_go(locker, NULL);
    }
    gort_waitgroup_add(&wg, 1);
    gort_go(sleeper, NULL);
    gort_waitgroup_add(&wg, 1);
    gort_go(syscaller, NULL);

    ln = gort_listen("tcp", "127.0.0.1:0");
    check(ln != NULL, "listen");
    char addr[64];
    check(gort_listener_addr(ln, addr, sizeof addr) >= 0, "listener addr");
    gort_waitgroup_add(&wg, 1);
    gort_go(server, NULL);

    for (int i = 0; i < ROUNDS; i++) {
        int v = i;
        gort_chan_send(ping, &v);
        check(gort_chan_recv(pong, &v) && v == i, "ping-pong");
        if (i % 10 == 0) {
            gort_chan_send(sa, &v);
            gort_chan_send(sb, &v);
        }
    }
    gort_chan_close(ping);
    gort_chan_send(squit, NULL);
    gort_chan_send(early_c, NULL);

    gort_conn *c = gort_dial("tcp", addr, 0);
    check(c != NULL, "dial");
    check(gort_conn_write(c, "hello", 5) == 5, "write");
    gort_waitgroup_wait(&wg);
    gort_conn_close(c);
    gort_listener_close(ln);
    check(counter == 3 * ROUNDS, "mutex counter");
    gort_waitgroup_add(&wg, 1);
    gort_go(hog, NULL);
    gort_waitgroup_wait(&wg);
}

void main_main(void)
{
    const char *path = gort_argc() > 1 ? gort_argv()[1] : NULL;
    bool errors = gort_argc() > 2 && strcmp(gort_argv()[2], "api-errors") == 0;
    early_c = gort_chan_make(0, 0);
    gort_waitgroup_add(&wg, 1);
    gort_go(early, NULL);
    gort_gosched();     /* let it park */
    if (path) {
        check(gort_trace_start(path) == 0, "gort_trace_start");
        if (errors) {
            clearerr_();
            check(gort_trace_start(path) == -1 && goerr() == EBUSY, "second start: EBUSY");
        }
    }
    workload();
    if (path) {
        gort_trace_stop();
        gort_trace_stop();     /* a second stop does nothing */
        if (errors) {
            clearerr_();
            check(gort_trace_start("") == -1 && goerr() == EINVAL, "empty path: EINVAL");
            clearerr_();
            check(gort_trace_start("/nonexistent-dir/x/trace.json") == -1 && goerr() != 0,
                  "bad path fails");
        }
    }
    printf("done\n");
}
