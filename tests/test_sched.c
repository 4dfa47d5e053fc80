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

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producers),
        cmocka_unit_test(test_gomaxprocs_under_load),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_gomaxprocs_concurrent),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
