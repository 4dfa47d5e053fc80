/*
 * test_sched.c - the scheduler: many producers (run queues and stealing),
 * GOMAXPROCS changes under load, and parallel work on two threads.  Runs
 * at GOMAXPROCS=1 and 2.
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

/* waitgoroutines sleeps until at most n goroutines are left. */
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
/* Two goroutines change GOMAXPROCS at once, over and over: the second
 * stop-the-world waits, parked, for the first (worldsema parks the
 * goroutine; a thread-blocking lock here deadlocked: the first waited for
 * the P that the second's blocked thread held). */
static gort_waitgroup flipwg;

static void flipper(void *arg)
{
    int base = (int)(intptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        int old = gort_gomaxprocs(base + (i & 1));
        assert_true(old >= 1 && old <= 3);
    }
    gort_waitgroup_done(&flipwg);
}

static void test_gomaxprocs_concurrent(void **state)
{
    (void)state;
    int orig = gort_gomaxprocs(0);
    gort_waitgroup_add(&flipwg, 2);
    gort_go(flipper, (void *)(intptr_t)1);
    gort_go(flipper, (void *)(intptr_t)2);
    gort_waitgroup_wait(&flipwg);
    gort_gomaxprocs(orig);
    assert_int_equal(gort_gomaxprocs(0), orig);
}

/* --- a yield is fair: everything else on the P runs first --------------
 * At GOMAXPROCS=1, N goroutines yield in turn: each gort_gosched lets
 * every other runnable goroutine run once before the yielder runs again,
 * so once all have started, the order in which they run repeats with
 * period N.  (Both legs run this at 1, where the owner takes from its
 * queue without a CAS; the rest of the suite covers 2.) */

enum { FAIRN = 5, FAIRK = 500 };
static _Atomic int fairstarted;
static _Atomic int fairlen;
static int fairlog[FAIRN * FAIRK];
static gort_waitgroup fairwg;

static void fairyielder(void *arg)
{
    int id = (int)(intptr_t)arg;
    fairstarted++;
    while (fairstarted < FAIRN)
        gort_gosched();
    for (int k = 0; k < FAIRK; k++) {
        fairlog[fairlen++] = id;
        gort_gosched();
    }
    gort_waitgroup_done(&fairwg);
}

static void test_gosched_fair(void **state)
{
    (void)state;
    int orig = gort_gomaxprocs(1);
    fairstarted = 0;
    fairlen = 0;
    gort_waitgroup_add(&fairwg, FAIRN);
    for (intptr_t i = 0; i < FAIRN; i++)
        gort_go(fairyielder, (void *)i);
    gort_waitgroup_wait(&fairwg);
    gort_gomaxprocs(orig);
    assert_int_equal(fairlen, FAIRN * FAIRK);
    bool seen[FAIRN] = {false};
    for (int j = 0; j < FAIRN; j++) {
        assert_false(seen[fairlog[j]]);     /* the first round: each once */
        seen[fairlog[j]] = true;
    }
    for (int j = FAIRN; j < FAIRN * FAIRK; j++) {
        if (fairlog[j] != fairlog[j - FAIRN])
            fail_msg("run %d is goroutine %d, not %d as N runs before", j, fairlog[j],
                     fairlog[j - FAIRN]);
    }
}

/* --- a yielded goroutine can be stolen ----------------------------------
 * At GOMAXPROCS=2, y starts s on its own P and yields to it; s spins, with
 * preemption off, until y has run again.  While s spins, y can run only
 * if the other P steals it from s's P's queue: if a yield left it where
 * stealers cannot see it, this test hangs (and times out).  s may also
 * be stolen first, before y yields; then both run side by side, and the
 * round is repeated. */

static _Atomic int stealspinning, stealyran, stealrounds;
static _Atomic(void *) stealsp, stealyp;
static gort_waitgroup stealwg;

static void stealnoop(void *arg)
{
    (void)arg;
}

static void stealspinner(void *arg)
{
    (void)arg;
    m *mp = gort__getg()->m;
    mp->preemptoff++;   /* sysmon must not free the P: only a thief may */
    stealsp = mp->p;
    stealspinning = 1;
    gort_go(stealnoop, NULL);   /* wakes the idle P, which looks for work */
    while (!stealyran)
        ;
    stealspinning = 0;
    mp->preemptoff--;
    gort_waitgroup_done(&stealwg);
}

static void stealyielder(void *arg)
{
    (void)arg;
    for (;;) {
        stealspinning = 0;
        stealyran = 0;
        gort_waitgroup_add(&stealwg, 1);
        void *before = gort__getg()->m->p;
        gort_go(stealspinner, NULL);
        while (!stealspinning)
            gort_gosched();
        stealyp = gort__getg()->m->p;
        stealyran = 1;
        gort_waitgroup_wait(&stealwg);
        stealrounds++;
        if (stealsp == before)  /* s ran on y's P: y was stolen */
            break;
    }
}

static void test_gosched_stolen(void **state)
{
    (void)state;
    int orig = gort_gomaxprocs(2);
    stealrounds = 0;
    gort_go(stealyielder, NULL);
    waitgoroutines(1);
    gort_gomaxprocs(orig);
    assert_true(stealrounds >= 1);
    assert_ptr_not_equal(stealyp, stealsp);   /* y ran on the other P */
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producers),
        cmocka_unit_test(test_gomaxprocs_under_load),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_gomaxprocs_concurrent),
        cmocka_unit_test(test_gosched_fair),
        cmocka_unit_test(test_gosched_stolen),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
