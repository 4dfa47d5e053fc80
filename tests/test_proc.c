/*
 * test_proc.c - the scheduler at scale: many producers with stealing,
 * a million parked goroutines, GOMAXPROCS changes under load, parallel
 * work on both threads, and syscall hand-off.  Runs at GOMAXPROCS=1 and 2.
 *
 * GORT_TEST_PARKED sets how many goroutines park at once (default
 * 1,000,000 on Linux, 20,000 elsewhere).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gort.h>
#ifdef _WIN32
#include <windows.h>
#endif

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

static void waitgoroutines(int n)
{
    while (gort_numgoroutine() > n)
        gort_sleep(GORT_MILLISECOND);
}

/* --- many producers: nothing lost, nothing run twice ------------------- */

enum { PRODUCERS = 16, PERPRODUCER = 4000 };
static _Atomic uint8_t ran[PRODUCERS * PERPRODUCER];

static void leaf(void *arg)
{
    intptr_t i = (intptr_t)arg;
    ran[i]++;
    if (i % 7 == 0)
        gort_gosched();
}

static void producer(void *arg)
{
    intptr_t p = (intptr_t)arg;
    for (intptr_t i = 0; i < PERPRODUCER; i++) {
        gort_go(leaf, (void *)(p * PERPRODUCER + i));
        if (i % 100 == 0)
            gort_gosched();
    }
}

static void test_producers(void **state)
{
    (void)state;
    memset((void *)ran, 0, sizeof ran);
    for (intptr_t p = 0; p < PRODUCERS; p++)
        gort_go(producer, (void *)p);
    waitgoroutines(1);
    for (size_t i = 0; i < nelem(ran); i++) {
        if (ran[i] != 1)
            fail_msg("goroutine %zu ran %d times", i, (int)ran[i]);
    }
}

/* --- a million parked goroutines --------------------------------------- */

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

/* --- GOMAXPROCS changes while goroutines run ---------------------------- */

static _Atomic int64_t spun;
static _Atomic int stopspin;

static void spinner(void *arg)
{
    (void)arg;
    while (!stopspin) {
        spun++;
        gort_gosched();
    }
}

static void test_gomaxprocs_under_load(void **state)
{
    (void)state;
    int orig = gort_gomaxprocs(0);
    stopspin = 0;
    for (int i = 0; i < 8; i++)
        gort_go(spinner, NULL);
    int sizes[] = {1, 2, 3, 1, 4, 2};
    for (size_t i = 0; i < nelem(sizes); i++) {
        int64_t before = spun;
        int prev = gort_gomaxprocs(sizes[i]);
        assert_int_equal(gort_gomaxprocs(0), sizes[i]);
        assert_true(prev >= 1);
        while (spun < before + 1000)
            gort_gosched();
    }
    stopspin = 1;
    waitgoroutines(1);
    gort_gomaxprocs(orig);
    assert_int_equal(gort_gomaxprocs(0), orig);
}

/* --- parallel work uses both threads ------------------------------------
 * Two goroutines that never yield each wait (spinning, for at most 10 s)
 * until both have started.  They can only both see that if they run at
 * the same time on two threads, which does not depend on how loaded the
 * machine is (CPU time against wall time would). */

static _Atomic int started;
static _Atomic int sawboth;

static void together(void *arg)
{
    (void)arg;
    started++;
    int64_t deadline = gort_nanotime() + 10 * GORT_SECOND;
    while (started < 2 && gort_nanotime() < deadline)
        ;
    if (started == 2)
        sawboth++;
}

static void test_parallel(void **state)
{
    (void)state;
    if (gort_gomaxprocs(0) < 2)
        skip();
    started = 0;
    sawboth = 0;
    gort_go(together, NULL);
    gort_go(together, NULL);
    waitgoroutines(1);
    assert_int_equal(sawboth, 2);
}

/* --- a blocking call does not stop the others --------------------------- */

static _Atomic int blockdone;

static void blocker(void *arg)
{
    (void)arg;
    gort_entersyscall();
    int64_t until = gort_nanotime() + 200 * GORT_MILLISECOND;
    while (gort_nanotime() < until) {
#ifdef _WIN32
        Sleep(10);
#else
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
#endif
    }
    gort_exitsyscall();
    blockdone = 1;
}

static _Atomic int64_t progress;

static void counter(void *arg)
{
    (void)arg;
    while (!blockdone) {
        progress++;
        gort_gosched();
    }
}

static void test_syscall_handoff(void **state)
{
    (void)state;
    blockdone = 0;
    progress = 0;
    gort_go(blocker, NULL);
    gort_go(counter, NULL);
    waitgoroutines(1);
    assert_true(progress > 0);
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

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producers),
        cmocka_unit_test(test_million_parked),
        cmocka_unit_test(test_gomaxprocs_under_load),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_syscall_handoff),
        cmocka_unit_test(test_scavenger),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
