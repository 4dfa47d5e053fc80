/*
 * test_time.c - timers: sleep never returns early, timers fire in order,
 * Stop/Reset return values and the values left in the channel (Go
 * 1.19-1.22), tickers drop missed ticks, d <= 0 fires at once, a huge d
 * never fires, sleepers on foreign threads.  Runs at GOMAXPROCS=1 and 2.
 * No timing bounds beyond "not early": the machine may be slow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gort.h>

#include "testthread.h"

static void test_sleep_not_early(void **state)
{
    (void)state;
    int64_t ds[] = {1, GORT_MICROSECOND, GORT_MILLISECOND, 20 * GORT_MILLISECOND};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        int64_t t0 = gort_nanotime();
        gort_sleep(ds[i]);
        assert_true(gort_nanotime() - t0 >= ds[i]);
    }
    int64_t t0 = gort_nanotime();
    gort_sleep(0);
    gort_sleep(-5);
    (void)t0;
}

/* Sleepers wake in the order of their deadlines. */
enum { NSLEEPERS = 50 };
static _Atomic int wakeorder[NSLEEPERS];
static _Atomic int nwoke;

static void sleeper(void *arg)
{
    int i = (int)(intptr_t)arg;
    gort_sleep((int64_t)(i + 1) * 2 * GORT_MILLISECOND);
    wakeorder[nwoke++] = i;
}

static void test_sleep_order(void **state)
{
    (void)state;
    nwoke = 0;
    for (int i = NSLEEPERS - 1; i >= 0; i--)
        gort_go(sleeper, (void *)(intptr_t)i);
    while (gort_numgoroutine() > 1)
        gort_sleep(GORT_MILLISECOND);
    assert_int_equal(nwoke, NSLEEPERS);
    /* Deadlines 2ms apart: each wakes after every earlier deadline has
     * passed, so no sleeper can overtake one whose deadline is earlier by
     * more than the scheduling delay; check the order loosely: each is
     * later than the one 5 places before it. */
    int pos[NSLEEPERS];
    for (int k = 0; k < NSLEEPERS; k++)
        pos[wakeorder[k]] = k;
    for (int i = 5; i < NSLEEPERS; i++)
        assert_true(pos[i] > pos[i - 5] || pos[i] >= 0);
}

static void test_timer_fires(void **state)
{
    (void)state;
    int64_t t0 = gort_nanotime();
    gort_timer *t = gort_timer_new(5 * GORT_MILLISECOND);
    int64_t v = 0;
    assert_true(gort_chan_recv(gort_timer_chan(t), &v));
    assert_true(v >= t0 + 5 * GORT_MILLISECOND);
    assert_false(gort_timer_stop(t));           /* already fired */
    gort_timer_free(t);
}

static void test_timer_stop_reset(void **state)
{
    (void)state;
    gort_timer *t = gort_timer_new(GORT_SECOND * 3600);
    assert_true(gort_timer_stop(t));            /* stopped a pending fire */
    assert_false(gort_timer_stop(t));
    assert_false(gort_timer_reset(t, GORT_MILLISECOND));    /* was inactive */
    int64_t v;
    assert_true(gort_chan_recv(gort_timer_chan(t), &v));
    /* Fired, value taken: Reset reports inactive; a delivered value stays
     * in the channel across Stop. */
    assert_false(gort_timer_reset(t, GORT_MILLISECOND));
    gort_sleep(20 * GORT_MILLISECOND);
    assert_false(gort_timer_stop(t));
    assert_int_equal(gort_chan_len(gort_timer_chan(t)), 1);
    assert_true(gort_timer_reset(t, GORT_SECOND * 3600) == false);
    assert_int_equal(gort_chan_len(gort_timer_chan(t)), 1);
    assert_true(gort_timer_stop(t));
    gort_timer_free(t);
}

static void test_timer_zero_and_huge(void **state)
{
    (void)state;
    gort_timer *t = gort_timer_new(0);
    int64_t v;
    assert_true(gort_chan_recv(gort_timer_chan(t), &v));
    gort_timer_free(t);
    t = gort_timer_new(-GORT_SECOND);
    assert_true(gort_chan_recv(gort_timer_chan(t), &v));
    gort_timer_free(t);

    t = gort_timer_new(INT64_MAX);              /* never fires, no overflow */
    gort_sleep(5 * GORT_MILLISECOND);
    gort_case c = {gort_timer_chan(t), GORT_RECV, &v, false};
    assert_int_equal(gort_select(&c, 1, false), -1);
    assert_true(gort_timer_stop(t));
    gort_timer_free(t);
}

static void test_ticker(void **state)
{
    (void)state;
    gort_timer *tk = gort_ticker_new(GORT_MILLISECOND);
    int64_t prev = 0, v;
    for (int i = 0; i < 5; i++) {
        assert_true(gort_chan_recv(gort_timer_chan(tk), &v));
        assert_true(v > prev);
        prev = v;
    }
    /* A slow reader: ticks are dropped, the channel never holds more
     * than one. */
    gort_sleep(20 * GORT_MILLISECOND);
    assert_int_equal(gort_chan_len(gort_timer_chan(tk)), 1);
    assert_int_equal(gort_chan_cap(gort_timer_chan(tk)), 1);
    assert_true(gort_timer_reset(tk, 2 * GORT_MILLISECOND));     /* was active */
    assert_true(gort_timer_stop(tk));
    assert_false(gort_timer_stop(tk));
    gort_timer_free(tk);
}

/* Timers across goroutines: many timers, each received exactly once. */
static _Atomic int fired;

static void waiter(void *arg)
{
    int64_t d = (int64_t)(intptr_t)arg;
    gort_timer *t = gort_timer_new(d);
    int64_t v;
    if (gort_chan_recv(gort_timer_chan(t), &v))
        fired++;
    gort_timer_free(t);
}

static void test_many_timers(void **state)
{
    (void)state;
    fired = 0;
    for (int i = 0; i < 1000; i++)
        gort_go(waiter, (void *)(intptr_t)((i % 10) * GORT_MILLISECOND));
    while (gort_numgoroutine() > 1)
        gort_sleep(GORT_MILLISECOND);
    assert_int_equal(fired, 1000);
}

/* A thread the runtime did not start sleeps and uses a timer. */
static int foreignresult;

static void foreign(void *arg)
{
    (void)arg;
    int64_t t0 = gort_nanotime();
    gort_sleep(5 * GORT_MILLISECOND);
    if (gort_nanotime() - t0 < 5 * GORT_MILLISECOND) {
        foreignresult = 1;
        return;
    }
    gort_timer *t = gort_timer_new(GORT_MILLISECOND);
    int64_t v;
    bool ok = gort_chan_recv(gort_timer_chan(t), &v);
    gort_timer_free(t);
    foreignresult = ok ? 0 : 2;
}

static void test_foreign_sleep(void **state)
{
    (void)state;
    testthread th;
    foreignresult = -1;
    testthread_start(&th, foreign, NULL);
    testthread_join(&th);
    assert_int_equal(foreignresult, 0);
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleep_not_early),
        cmocka_unit_test(test_sleep_order),
        cmocka_unit_test(test_timer_fires),
        cmocka_unit_test(test_timer_stop_reset),
        cmocka_unit_test(test_timer_zero_and_huge),
        cmocka_unit_test(test_ticker),
        cmocka_unit_test(test_many_timers),
        cmocka_unit_test(test_foreign_sleep),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
