/*
 * test_stack.c - goroutine stacks at scale: churn through the free G and
 * stack caches, a million parked goroutines, and the scavenger giving
 * idle stacks back.  Runs at GOMAXPROCS=1 and 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gort.h>

#include "runtime.h"

/* A wait list of parked goroutines, built on the internal gopark. */
static mutex wlock;
static g *waiters;
static _Atomic int nparked;

static bool parkunlock(g *gp, void *arg)
{
    (void)arg;
    gp->schedlink = waiters;
    waiters = gp;
    nparked++;
    gort__unlock(&wlock);
    return true;
}

static void parkme(void)
{
    gort__lock(&wlock);
    gort__gopark(gort__getg_needm(), parkunlock, NULL, waitReasonChanReceive);
}

static void wakeall(void)
{
    gort__lock(&wlock);
    g *w = waiters;
    waiters = NULL;
    nparked = 0;
    gort__unlock(&wlock);
    while (w) {
        g *next = w->schedlink;
        gort__goready(w);
        w = next;
    }
}

/* waitgoroutines sleeps until at most n goroutines are left. */
static void waitgoroutines(int n)
{
    while (gort_numgoroutine() > n)
        gort_sleep(GORT_MILLISECOND);
}

/* --- a million parked goroutines ---------------------------------------
 * Each costs a page or two of stack, and their slabs few mappings
 * (stack.c).  GORT_TEST_PARKED sets how many park at once (default
 * 1,000,000 on Linux, 20,000 elsewhere). */

static void parker(void *arg)
{
    (void)arg;
    parkme();
}

static void test_million_parked(void **state)
{
    (void)state;
#ifdef _WIN32
    int n = 20000;
#else
    int n = 1000000;
#endif
    const char *s = getenv("GORT_TEST_PARKED");
    if (s && atoi(s) > 0)
        n = atoi(s);
    for (int i = 0; i < n; i++)
        gort_go(parker, NULL);
    while (nparked < n)
        gort_sleep(GORT_MILLISECOND);
    assert_int_equal(gort_numgoroutine(), n + 1);
    wakeall();
    waitgoroutines(1);
    assert_int_equal(gort_numgoroutine(), 1);
}

/* --- the scavenger gives idle stacks back -------------------------------
 * 20,000 goroutines park (each touching its stack), then all exit: their
 * stacks go to the caches.  The scavenger (started by gcenable) must give
 * most of that memory back within a few of its one-second passes; we poll
 * resident memory for up to 30 s, which bounds the test, not the speed. */

#ifndef _WIN32
static long rsskib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * 4;
}

static void deepparker(void *arg)
{
    (void)arg;
    volatile char buf[16 * 1024];   /* touch four pages of stack */
    for (size_t i = 0; i < sizeof buf; i += 1024)
        buf[i] = 1;
    parkme();
    buf[0] = 2;
}
#endif

static void test_scavenger(void **state)
{
    (void)state;
#ifdef _WIN32
    skip();
#else
    enum { N = 20000 };
    for (int i = 0; i < N; i++)
        gort_go(deepparker, NULL);
    while (nparked < N)
        gort_sleep(GORT_MILLISECOND);
    long high = rsskib();
    wakeall();
    waitgoroutines(1);
    long now = high;
    for (int i = 0; i < 300 && now > high - N * 8; i++) {
        gort_sleep(100 * GORT_MILLISECOND);
        now = rsskib();
    }
    /* At least half of the ~16 KiB per stack came back. */
    if (now > high - N * 8)
        fail_msg("resident memory %ld KiB after the goroutines exited, %ld at the peak", now, high);
#endif
}

/* Churn: waves of goroutines that park and then exit, more at a time
 * than a P's free-G array and stack cache hold, so that both spill to
 * the global pool and are refilled from it; at GOMAXPROCS=2 some take
 * their stack on one P and free it on the other.  Every wave's
 * goroutines have distinct goids (no G is handed out twice), and the
 * count of stacks in use (kept per P, summed by gort__stackstats) is
 * exactly the number of live ones throughout. */
enum { WAVE = 4 * GFREECACHE + 8 * STACKCACHE + 3, WAVES = 6 };
static gort_chan *churngate;
static gort_waitgroup churnwg;
static int64_t churnids[WAVE];

static void churner(void *arg)
{
    churnids[(intptr_t)arg] = gort_goid();
    gort_waitgroup_done(&churnwg);
    gort_chan_recv(churngate, NULL);
}

static int64_t stacksinuse(void)
{
    int64_t inuse, x;
    uint64_t y;
    gort__stackstats(&inuse, &x, &x, &y, &y);
    return inuse;
}

static int cmpid(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* scavengerparked: the scavenger goroutine has run (and so has its
 * stack) and waits for its next pass. */
static bool scavengerparked(void)
{
    for (g *gp = atomic_load(&gort__allgs); gp; gp = gp->alllink)
        if (gp->isSystem && atomic_load(&gp->atomicstatus) == Gwaiting &&
            gp->waitreason == waitReasonSleepScavenge)
            return true;
    return false;
}

static void test_churn(void **state)
{
    (void)state;
    /* The scavenger takes its stack when it first runs: before base. */
    while (!scavengerparked())
        gort_gosched();
    int64_t base = stacksinuse();
    int ng = gort_numgoroutine();
    for (int w = 0; w < WAVES; w++) {
        churngate = gort_chan_make(0, 0);
        gort_waitgroup_add(&churnwg, WAVE);
        for (intptr_t i = 0; i < WAVE; i++)
            gort_go(churner, (void *)i);
        gort_waitgroup_wait(&churnwg);
        /* Each has run, so each has its stack, until it exits. */
        assert_int_equal(stacksinuse(), base + WAVE);
        qsort(churnids, WAVE, sizeof churnids[0], cmpid);
        for (int i = 1; i < WAVE; i++)
            if (churnids[i] == churnids[i - 1])
                fail_msg("wave %d: goid %lld twice", w, (long long)churnids[i]);
        gort_chan_close(churngate);
        /* An exiting goroutine frees its stack on g0 after it has left
         * the count of goroutines: wait for both. */
        for (long k = 0; (stacksinuse() != base || gort_numgoroutine() > ng) && k < 10000000; k++)
            gort_gosched();
        assert_int_equal(stacksinuse(), base);
        assert_int_equal(gort_numgoroutine(), ng);
        gort_chan_free(churngate);
    }
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_churn),
        cmocka_unit_test(test_million_parked),
        cmocka_unit_test(test_scavenger),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
