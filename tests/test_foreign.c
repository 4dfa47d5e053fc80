/*
 * test_foreign.c - threads the runtime did not start: one that calls in
 * late while main waits (no false deadlock), gort_gosched and
 * gort_gomaxprocs from them, and many short-lived ones calling in, whose
 * Ms and Gs must be released as they exit (Go's needm/dropm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gort.h>

#include "testthread.h"

#ifndef _WIN32
#include <unistd.h>
#endif

static gort_chan *c;
static int result;

/* The process's first foreign thread takes its time before it calls in,
 * while main waits for it: not a deadlock, though no M runs (checkdead
 * counts the threads).  It must be the first test: after it, the
 * thread's M counts as running for good. */
static void late_thread(void *arg)
{
    (void)arg;
#ifdef _WIN32
    Sleep(50);
#else
    usleep(50 * 1000);
#endif
    int v = 7;
    gort_chan_send(c, &v);
}

static void test_foreign_first_late(void **state)
{
    (void)state;
    c = gort_chan_make(sizeof(int), 0);
    testthread th;
    testthread_start(&th, late_thread, NULL);
    int v = 0;
    assert_true(gort_chan_recv(c, &v));
    assert_int_equal(v, 7);
    testthread_join(&th);
    gort_chan_free(c);
}

/* Before and after the thread's first other gort call. */
static void gosched_thread(void *arg)
{
    (void)arg;
    gort_gosched();
    int v = 1;
    gort_chan_send(c, &v);
    gort_gosched();
    result = 1;
}

static void test_foreign_gosched(void **state)
{
    (void)state;
    c = gort_chan_make(sizeof(int), 1);
    result = 0;
    testthread th;
    testthread_start(&th, gosched_thread, NULL);
    testthread_join(&th);
    int v;
    assert_true(gort_chan_recv(c, &v));
    assert_int_equal(v, 1);
    assert_int_equal(result, 1);
    gort_chan_free(c);
}

static int before, after;

static void gomaxprocs_thread(void *arg)
{
    int n = (int)(intptr_t)arg;
    before = gort_gomaxprocs(n);
    after = gort_gomaxprocs(0);
}

static void test_foreign_gomaxprocs(void **state)
{
    (void)state;
    int orig = gort_gomaxprocs(0);
    int want = orig == 1 ? 2 : 1;
    testthread th;
    testthread_start(&th, gomaxprocs_thread, (void *)(intptr_t)want);
    testthread_join(&th);
    assert_int_equal(before, orig);
    assert_int_equal(after, want);
    assert_int_equal(gort_gomaxprocs(0), want);
    /* And back, from a thread that is known to the runtime already: the
     * gomaxprocs goroutine's channel made it so. */
    testthread_start(&th, gomaxprocs_thread, (void *)(intptr_t)orig);
    testthread_join(&th);
    assert_int_equal(before, want);
    assert_int_equal(gort_gomaxprocs(0), orig);
}

/* Many short-lived threads, each doing one send, a few at a time: more
 * than the limit of 10,000 Ms, so each exited thread's M must be reused.
 * Under wine, threads cost about 50 times more: fewer, still over it.
 * GORT_TEST_FOREIGN_THREADS sets the number (the arm64 leg's qemu-user
 * starts threads slowly and keeps memory of each one that exited). */
#ifdef _WIN32
enum { NTHREADS = 12000 };
#else
enum { NTHREADS = 100000 };
#endif
enum { BATCH = 4 };

static int nthreads(void)
{
    const char *s = getenv("GORT_TEST_FOREIGN_THREADS");
    return s && atoi(s) > 0 ? atoi(s) : NTHREADS;
}

static void churn_thread(void *arg)
{
    int v = (int)(intptr_t)arg;
    gort_chan_send(c, &v);
}

static void test_foreign_churn(void **state)
{
    (void)state;
    c = gort_chan_make(sizeof(int), BATCH);
    long long sum = 0, want = 0;
    int n = nthreads();
    for (int i = 0; i < n; i += BATCH) {
        testthread th[BATCH];
        for (int k = 0; k < BATCH; k++)
            testthread_start(&th[k], churn_thread, (void *)(intptr_t)(i + k));
        for (int k = 0; k < BATCH; k++) {
            int v;
            assert_true(gort_chan_recv(c, &v));
            sum += v;
            want += i + k;
        }
        for (int k = 0; k < BATCH; k++)
            testthread_join(&th[k]);
    }
    assert_true(sum == want);   /* every value once */
    gort_chan_free(c);
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_foreign_first_late),     /* first: see there */
        cmocka_unit_test(test_foreign_gosched),
        cmocka_unit_test(test_foreign_gomaxprocs),
        cmocka_unit_test(test_foreign_churn),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
