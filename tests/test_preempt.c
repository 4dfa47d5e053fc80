/*
 * test_preempt.c - preemption of long-running goroutines (preempt.c), as
 * Go's TestPreemption, TestPreemptionGC and TestAsyncPreempt: tight loops
 * that call nothing of the runtime do not stop a sleeper, a ticker or a
 * stop-the-world (gort_gomaxprocs); polling loops through the runtime's
 * entry points (non-blocking select, gort_nanotime, gort_sleep(0)) let
 * the goroutines they wait for run, also with GODEBUG=asyncpreemptoff=1;
 * and a stress where goroutines run malloc/free, snprintf/fprintf and the
 * gort API in loops next to CPU hogs whose registers (integer and vector)
 * must survive every preemption, and errno follows each goroutine.
 * Runs at GOMAXPROCS=1 and 2, with and without asyncpreemptoff.
 *
 * A missing preemption hangs (the test's TIMEOUT); the asynchronous tests
 * skip themselves where asynchronous preemption is off (Windows, TSan,
 * Valgrind, asyncpreemptoff).  No timing assertions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gort.h>

#include "runtime.h"
#include "testutil.h"

static int nprocs(void)
{
    return gort_gomaxprocs(0);
}

/* needasync skips a test that only asynchronous preemption can pass. */
#define needasync()                                                       \
    do {                                                                  \
        if (!gort__asyncpreempt) {                                        \
            print_message("asynchronous preemption is off here\n");       \
            skip();                                                       \
        }                                                                 \
    } while (0)

/* ------------------------------------------------------------------------
 * Tight loops (asynchronous preemption)
 * ---------------------------------------------------------------------- */

static _Atomic int stopflag;
static gort_waitgroup spinwg;

/* spinner: a loop without a single call, until stopflag.  One on every
 * P keeps every P busy. */
static void spinner(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&stopflag, memory_order_relaxed))
        ;
    gort_waitgroup_done(&spinwg);
}

static void startspinners(void)
{
    atomic_store(&stopflag, 0);
    int n = nprocs();
    gort_waitgroup_add(&spinwg, n);
    for (int i = 0; i < n; i++)
        gort_go(spinner, NULL);
    gort_gosched();     /* let them take the Ps */
}

static void stopspinners(void)
{
    atomic_store(&stopflag, 1);
    gort_waitgroup_wait(&spinwg);
}

static gort_waitgroup donewg;

static void sleeper(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        gort_sleep(GORT_MILLISECOND);
    gort_waitgroup_done(&donewg);
}

/* Go's TestPreemption: every P spins; a sleeper still wakes five times. */
static void test_tightloop_sleeper(void **state)
{
    (void)state;
    needasync();
    startspinners();
    gort_waitgroup_add(&donewg, 1);
    gort_go(sleeper, NULL);
    gort_waitgroup_wait(&donewg);
    stopspinners();
}

static void ticked(void *arg)
{
    gort_timer *tk = arg;
    for (int i = 0; i < 5; i++) {
        int64_t v;
        CHECK(gort_chan_recv(gort_timer_chan(tk), &v));
    }
    gort_waitgroup_done(&donewg);
}

/* A ticker's channel still delivers while every P spins. */
static void test_tightloop_ticker(void **state)
{
    (void)state;
    needasync();
    gort_timer *tk = gort_ticker_new(GORT_MILLISECOND);
    startspinners();
    gort_waitgroup_add(&donewg, 1);
    gort_go(ticked, tk);
    gort_waitgroup_wait(&donewg);
    stopspinners();
    gort_timer_stop(tk);
    gort_timer_free(tk);
    assert_no_failure();
}

/* Go's TestPreemptionGC, with gort's stop-the-world: GOMAXPROCS changes
 * complete while goroutines spin (the stw_spin reproducer).  Only the
 * main goroutine is not spinning, so it holds one P: one spinner fewer. */
static void test_stw_spin(void **state)
{
    (void)state;
    needasync();
    int n = nprocs();
    atomic_store(&stopflag, 0);
    gort_waitgroup_add(&spinwg, n);
    for (int i = 0; i < n; i++)
        gort_go(spinner, NULL);
    for (int i = 0; i < 5; i++) {
        gort_gomaxprocs(n + 1);
        gort_gomaxprocs(n);
    }
    assert_int_equal(gort_gomaxprocs(0), n);
    stopspinners();
}

/* The goroutine that stops the world is not preempted until it starts it
 * again (m->preemptoff, proc.c's gort__stopTheWorld): a request it meets
 * meanwhile waits for its next preemption point after the world runs.
 * Honoured at once, the request would queue it on a stopped world and
 * nothing would start the world again (the test's TIMEOUT). */
typedef struct stwres {
    bool during, samem, kept, inplace, after, honoured;
} stwres;

static void stwg(void *arg)
{
    stwres *r = arg;
    g *gp = gort__getg();
    gort__stopTheWorld("test preemptoff");
    m *mp = gp->m;
    r->during = mp->preemptoff != NULL && strcmp(mp->preemptoff, "test preemptoff") == 0;
    atomic_store(&gp->preempt, true);
    /* Neither half may take it: the synchronous point declines, and so
     * does the asynchronous check at a point of the program's own code. */
    gort__gopreempt();
    r->samem = gp->m == mp;
    r->kept = atomic_load(&gp->preempt);
    r->inplace = !gort__isAsyncSafePoint(gp, mp, (uintptr_t)stwg, (uintptr_t)__builtin_frame_address(0));
    gort__startTheWorld();
    r->after = mp->preemptoff == NULL;
    gort__gopreempt();          /* now it is honoured */
    r->honoured = !atomic_load(&gp->preempt);
    gort_waitgroup_done(&spinwg);
}

static void test_stw_preemptoff(void **state)
{
    (void)state;
    stwres r = {0};
    gort_waitgroup_add(&spinwg, 1);
    gort_go(stwg, &r);
    gort_waitgroup_wait(&spinwg);
    assert_true(r.during);
    assert_true(r.samem);
    assert_true(r.kept);
    assert_true(r.inplace);
    assert_true(r.after);
    assert_true(r.honoured);
}

/* ------------------------------------------------------------------------
 * Polling loops (synchronous preemption: also with asyncpreemptoff=1)
 * ---------------------------------------------------------------------- */

enum { POLL_SELECT, POLL_NANOTIME, POLL_SLEEP0 };

typedef struct poller {
    int how;
    gort_chan *c;
    _Atomic int flag;
    long polls;
} poller;

static void sendto(void *arg)
{
    poller *pl = arg;
    int v = 7;
    if (pl->how == POLL_SELECT)
        gort_chan_send(pl->c, &v);
    else
        atomic_store(&pl->flag, 1);
}

/* pollg waits for its sender with a loop through one of the runtime's
 * preemption points, as the nopreempt reproducer does with select. */
static void pollg(void *arg)
{
    poller *pl = arg;
    gort_go(sendto, pl);    /* runnext, behind this loop on this P */
    for (;;) {
        if (pl->how == POLL_SELECT) {
            int v = 0;
            gort_case cs[1] = {{pl->c, GORT_RECV, &v, false}};
            if (gort_select(cs, 1, false) == 0) {
                CHECK(v == 7);
                break;
            }
        } else if (atomic_load_explicit(&pl->flag, memory_order_relaxed)) {
            break;
        } else if (pl->how == POLL_NANOTIME) {
            gort_nanotime();
        } else {
            gort_sleep(0);
        }
        pl->polls++;
    }
    gort_waitgroup_done(&donewg);
}

/* One poller per P, so no P is free for the senders: they run only when
 * a poller is preempted at its runtime call. */
static void pollers(int how)
{
    int n = nprocs();
    poller *pls = calloc((size_t)n, sizeof *pls);
    assert_non_null(pls);
    gort_waitgroup_add(&donewg, n);
    for (int i = 0; i < n; i++) {
        pls[i].how = how;
        pls[i].c = gort_chan_make(sizeof(int), 1);
        gort_go(pollg, &pls[i]);
    }
    gort_waitgroup_wait(&donewg);
    for (int i = 0; i < n; i++)
        gort_chan_free(pls[i].c);
    free(pls);
    assert_no_failure();
}

static void test_poll_select(void **state)
{
    (void)state;
    pollers(POLL_SELECT);
}

static void test_poll_nanotime(void **state)
{
    (void)state;
    pollers(POLL_NANOTIME);
}

static void test_poll_sleep0(void **state)
{
    (void)state;
    pollers(POLL_SLEEP0);
}

/* ------------------------------------------------------------------------
 * Stress: libc and the gort API in loops next to CPU hogs
 * ---------------------------------------------------------------------- */

#define NWORKERS 8
#define NHOGS 3

static int iters(void)
{
    const char *s = getenv("GORT_TEST_PREEMPT_ITERS");
    int n = s ? atoi(s) : 0;
    return n > 0 ? n : 3000;
}

static gort_mutex countmu;
static long counted;                    /* under countmu */
static _Atomic long sent, received;     /* sums of the values through pipes */
static _Atomic int hogsstop;
static gort_waitgroup workwg, hogwg;
static FILE *devnull;

/* seterrno and geterrno are out of line: the compiler may not keep the
 * errno address of one thread across the loop between them. */
static NOINLINE void seterrno(int v)
{
    errno = v;
}

static NOINLINE int geterrno(void)
{
    return errno;
}

typedef struct worker {
    int id;
    gort_chan *in, *out;                /* a ring of workers */
} worker;

static void workerg(void *arg)
{
    worker *w = arg;
    uint32_t s = (uint32_t)(w->id * 2654435761u) | 1;
    int n = iters();
    for (int i = 0; i < n; i++) {
        /* malloc/free with a pattern that must survive. */
        size_t sz = 1 + xorshift(&s) % 4096;
        unsigned char *b = malloc(sz);
        CHECK(b != NULL);
        if (b == NULL)
            break;
        memset(b, (unsigned char)(w->id + i), sz);
        char buf[96];
        int len = snprintf(buf, sizeof buf, "worker %d iteration %d %.3f", w->id, i, i * 0.5);
        CHECK(len > 0 && (size_t)len < sizeof buf);
        char want[32];
        snprintf(want, sizeof want, "worker %d ", w->id);
        CHECK(strncmp(buf, want, strlen(want)) == 0);
        fprintf(devnull, "%s\n", buf);
        for (size_t k = 0; k < sz; k++)
            if (b[k] != (unsigned char)(w->id + i)) {
                CHECK(!"heap pattern changed");
                break;
            }
        free(b);
        /* errno follows the goroutine across switches and threads. */
        seterrno(1000 + w->id);
        /* The gort API: a mutex-protected count, a value round the ring. */
        gort_mutex_lock(&countmu);
        counted++;
        gort_mutex_unlock(&countmu);
        long v = (long)w->id * 100000 + i;
        atomic_fetch_add(&sent, v);
        gort_chan_send(w->out, &v);
        long got;
        CHECK(gort_chan_recv(w->in, &got));
        atomic_fetch_add(&received, got);
        CHECK(geterrno() == 1000 + w->id);
    }
    gort_waitgroup_done(&workwg);
}

/* hogg computes with integer and vector registers in a loop that calls
 * nothing (where asynchronous preemption can interrupt it; else it polls
 * gort_nanotime), and checks the results: a register that a preemption
 * did not restore shows here. */
static void hogg(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t a = (uint64_t)id, b = 0;
    double x = id, y = 0.0, z = 1.0;
    long rounds = 0;
    while (!atomic_load_explicit(&hogsstop, memory_order_relaxed)) {
        for (int i = 0; i < 1000; i++) {
            a += 3;
            b += 6;
            x += 1.0;
            y += 2.0;
            z = z * 1.0000001;
        }
        rounds++;
        if (b != 2 * (a - (uint64_t)id) || y != 2.0 * (x - id) || !(z >= 1.0)) {
            CHECK(!"hog registers corrupted");
            break;
        }
        if (!gort__asyncpreempt)
            gort_nanotime();
    }
    CHECK(rounds > 0);
    gort_waitgroup_done(&hogwg);
}

static void test_stress(void **state)
{
    (void)state;
    devnull = fopen(
#ifdef _WIN32
        "NUL",
#else
        "/dev/null",
#endif
        "w");
    assert_non_null(devnull);
    counted = 0;
    atomic_store(&sent, 0);
    atomic_store(&received, 0);
    atomic_store(&hogsstop, 0);
    gort_waitgroup_add(&hogwg, NHOGS);
    for (int i = 0; i < NHOGS; i++)
        gort_go(hogg, (void *)(intptr_t)(i + 1));
    worker ws[NWORKERS];
    gort_chan *cs[NWORKERS];
    for (int i = 0; i < NWORKERS; i++)
        cs[i] = gort_chan_make(sizeof(long), 1);
    gort_waitgroup_add(&workwg, NWORKERS);
    for (int i = 0; i < NWORKERS; i++) {
        ws[i].id = i;
        ws[i].out = cs[i];
        ws[i].in = cs[(i + NWORKERS - 1) % NWORKERS];
        gort_go(workerg, &ws[i]);
    }
    gort_waitgroup_wait(&workwg);
    atomic_store(&hogsstop, 1);
    gort_waitgroup_wait(&hogwg);
    for (int i = 0; i < NWORKERS; i++)
        gort_chan_free(cs[i]);
    fclose(devnull);
    assert_no_failure();
    assert_int_equal(counted, (long)NWORKERS * iters());
    assert_int_equal(atomic_load(&sent), atomic_load(&received));
}

void main_main(void)
{
    /* cmocka keeps its state in thread-local storage: keep the main
     * goroutine, which runs cmocka, on one thread. */
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tightloop_sleeper),
        cmocka_unit_test(test_tightloop_ticker),
        cmocka_unit_test(test_stw_spin),
        cmocka_unit_test(test_stw_preemptoff),
        cmocka_unit_test(test_poll_select),
        cmocka_unit_test(test_poll_nanotime),
        cmocka_unit_test(test_poll_sleep0),
        cmocka_unit_test(test_stress),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
