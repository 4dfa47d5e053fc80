/*
 * test_lockosthread.c - gort_lockosthread: a locked goroutine keeps its
 * thread, and the thread runs nothing else.  Runs at GOMAXPROCS=1 and 2.
 */
#ifndef _WIN32
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
#else
#include <unistd.h>
#include <windows.h>
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gort.h>
#include <cmocka.h>

#include "testyield.h"   /* wait_for, wait_alone; assertions on main only */

/* thread_id names the thread the goroutine runs on now.  glibc declares
 * pthread_self const, so a compiler may call it once and keep the result
 * across gort_gosched (clang hoists it out of loops: DESIGN.md's TLS
 * trap).  A volatile pointer to it must be re-read at every call. */
static uintptr_t thread_id(void)
{
#ifdef _WIN32
    return (uintptr_t)GetCurrentThreadId();
#else
    static pthread_t (*volatile self)(void) = pthread_self;
    return (uintptr_t)self();
#endif
}

enum { NLOCKED = 3, NFREE = 8, NLOCKYIELD = 300 };

static atomic_int lk_moved, lk_intruded, lk_done, lk_free_done, lk_stop;
static _Atomic uintptr_t lk_tids[NLOCKED];   /* a locked goroutine's thread, or 0 */
static atomic_llong lk_free_steps;

static void locked_fn(void *arg)
{
    int i = (int)(intptr_t)arg;
    gort_lockosthread();
    uintptr_t t = thread_id();
    atomic_store(&lk_tids[i], t);
    for (int k = 0; k < NLOCKYIELD; k++) {
        if (k % 50 == 25) {
            /* A wrapped call gives the P away; the goroutine comes back
             * on its own thread all the same. */
            GORT_SYSCALL(usleep(100));
        } else {
            gort_gosched();
        }
        if (thread_id() != t)
            atomic_fetch_add(&lk_moved, 1);
    }
    atomic_store(&lk_tids[i], 0);
    gort_unlockosthread();
    gort_gosched();
    atomic_fetch_add(&lk_done, 1);
}

static void free_fn(void *arg)
{
    (void)arg;
    while (!atomic_load(&lk_stop)) {
        uintptr_t me = thread_id();     /* first where we are, then who is locked */
        for (int i = 0; i < NLOCKED; i++) {
            if (atomic_load(&lk_tids[i]) == me)
                atomic_fetch_add(&lk_intruded, 1);
        }
        atomic_fetch_add(&lk_free_steps, 1);
        gort_gosched();
    }
    atomic_fetch_add(&lk_free_done, 1);
}

/* Locked goroutines stay on their threads across gosched and wrapped
 * calls, their threads run nothing else meanwhile, and the other
 * goroutines go on running (on other threads, even at GOMAXPROCS=1). */
static void test_lockosthread(void **state)
{
    (void)state;
    for (int i = 0; i < NFREE; i++)
        gort_go(free_fn, NULL);
    for (intptr_t i = 0; i < NLOCKED; i++)
        gort_go(locked_fn, (void *)i);
    /* main locks too, for a while. */
    gort_lockosthread();
    uintptr_t t = thread_id();
    for (int k = 0; k < 100; k++) {
        gort_gosched();
        assert_true(thread_id() == t);
    }
    gort_unlockosthread();
    wait_for(&lk_done, NLOCKED);
    long long steps = atomic_load(&lk_free_steps);
    atomic_store(&lk_stop, 1);
    wait_for(&lk_free_done, NFREE);
    wait_alone();
    assert_int_equal(atomic_load(&lk_moved), 0);
    assert_int_equal(atomic_load(&lk_intruded), 0);
    assert_true(steps > 0);
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lockosthread),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
