/*
 * test_select.c - select: ready cases, default (non-blocking), NULL
 * channels, closed channels, ok written only for the chosen case, a NULL
 * receive elem, zero-size sends, one channel in several cases (both
 * directions at once), many cases, fairness among ready cases, blocking
 * and the clean-up of the losing cases, threads the runtime did not
 * start, and a randomised stress test.  Runs at GOMAXPROCS=1 and 2.
 *
 * Only the test functions assert (cmocka's failures longjmp); goroutines
 * record the first problem in `failure`.
 */
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

#include "chan.h"
#include "testthread.h"
#include "testutil.h"






/* ------------------------------------------------------------------------ */

static void test_ready_cases(void **state)
{
    (void)state;
    gort_chan *a = gort_chan_make(sizeof(int), 1);
    gort_chan *b = gort_chan_make(sizeof(int), 1);
    int x = 5, y = 0;
    /* Only the send is ready. */
    gort_case cs[2] = {{a, GORT_RECV, &y, true}, {b, GORT_SEND, &x, true}};
    assert_int_equal(gort_select(cs, 2, true), 1);
    assert_true(cs[0].ok);      /* untouched */
    assert_true(cs[1].ok);
    assert_int_equal(gort_chan_len(b), 1);
    /* Now b is full and a is empty: nothing is ready. */
    gort_case cs2[2] = {{a, GORT_RECV, &y, false}, {b, GORT_SEND, &x, false}};
    assert_int_equal(gort_select(cs2, 2, false), -1);
    /* A receive from b is ready; ok is written. */
    gort_case cs3[2] = {{a, GORT_RECV, &y, false}, {b, GORT_RECV, &y, false}};
    assert_int_equal(gort_select(cs3, 2, true), 1);
    assert_true(cs3[1].ok);
    assert_false(cs3[0].ok);
    assert_int_equal(y, 5);
    gort_chan_free(a);
    gort_chan_free(b);
}

static void test_nonblocking_and_nil(void **state)
{
    (void)state;
    int v = 1;
    /* n == 0 with default; NULL cases array. */
    assert_int_equal(gort_select(NULL, 0, false), -1);
    /* Only NULL channels: never ready. */
    gort_case nils[3] = {{NULL, GORT_RECV, &v, false}, {NULL, GORT_SEND, &v, false},
                         {NULL, GORT_RECV, NULL, false}};
    assert_int_equal(gort_select(nils, 3, false), -1);
    /* A NULL channel beside a ready one is never chosen. */
    gort_chan *c = gort_chan_make(sizeof(int), 1000);
    for (int i = 0; i < 200; i++) {
        gort_case cs[3] = {{NULL, GORT_SEND, &v, false}, {c, GORT_SEND, &i, false},
                           {NULL, GORT_RECV, &v, false}};
        assert_int_equal(gort_select(cs, 3, false), 1);
    }
    assert_int_equal(gort_chan_len(c), 200);
    /* Unbuffered with nobody on the other side: not ready. */
    gort_chan *u = gort_chan_make(sizeof(int), 0);
    gort_case cs[2] = {{u, GORT_SEND, &v, false}, {u, GORT_RECV, &v, false}};
    assert_int_equal(gort_select(cs, 2, false), -1);
    assert_invariants(u);
    gort__chanstat st = stat(u);
    assert_int_equal(st.nsendq + st.nrecvq, 0);
    gort_chan_free(u);
    gort_chan_free(c);
}

static void test_closed(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int), 2);
    gort_chan *quiet = gort_chan_make(sizeof(int), 0);
    int one = 1;
    gort_chan_send(c, &one);
    gort_chan_close(c);
    /* The buffered value first, then zero values with ok false. */
    int v = -1;
    gort_case cs[2] = {{quiet, GORT_RECV, &v, true}, {c, GORT_RECV, &v, false}};
    assert_int_equal(gort_select(cs, 2, true), 1);
    assert_true(cs[1].ok);
    assert_int_equal(v, 1);
    for (int i = 0; i < 5; i++) {
        v = -1;
        cs[0].ok = true;
        cs[1].ok = true;
        assert_int_equal(gort_select(cs, 2, false), 1);
        assert_false(cs[1].ok);
        assert_true(cs[0].ok);      /* not chosen: not written */
        assert_int_equal(v, 0);
    }
    /* A NULL elem on a closed channel. */
    gort_case cn[1] = {{c, GORT_RECV, NULL, true}};
    assert_int_equal(gort_select(cn, 1, true), 0);
    assert_false(cn[0].ok);
    gort_chan_free(c);
    gort_chan_free(quiet);
}

static void test_elem_null_and_zero_size(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int), 1);
    int v = 42;
    gort_chan_send(c, &v);
    gort_case cs[1] = {{c, GORT_RECV, NULL, false}};
    assert_int_equal(gort_select(cs, 1, true), 0);   /* value discarded */
    assert_true(cs[0].ok);
    assert_int_equal(gort_chan_len(c), 0);
    gort_chan_free(c);

    gort_chan *z = gort_chan_make(0, 3);
    for (int i = 0; i < 3; i++) {
        gort_case s[1] = {{z, GORT_SEND, NULL, false}};
        assert_int_equal(gort_select(s, 1, true), 0);
    }
    assert_int_equal(gort_chan_len(z), 3);
    gort_case s[1] = {{z, GORT_SEND, NULL, false}};
    assert_int_equal(gort_select(s, 1, false), -1);
    for (int i = 0; i < 3; i++) {
        gort_case r[1] = {{z, GORT_RECV, NULL, false}};
        assert_int_equal(gort_select(r, 1, true), 0);
        assert_true(r[0].ok);
    }
    gort_chan_free(z);
}

/* ------------------------------------------------------------------------
 * Fairness: with several cases always ready, each is chosen about equally
 * often.  With N selects over K ready cases a count is binomial with mean
 * N/K and standard deviation sqrt(N/K * (1 - 1/K)) ~ 43 for N = 10000,
 * K = 4: the bounds below are more than 20 deviations wide.
 * ---------------------------------------------------------------------- */

static void test_fairness(void **state)
{
    (void)state;
    enum { KC = 4, N = 10000 };
    gort_chan *c[KC];
    for (int k = 0; k < KC; k++) {
        c[k] = gort_chan_make(sizeof(int), 1);
        gort_chan_send(c[k], &k);
    }
    int count[KC] = {0};
    for (int i = 0; i < N; i++) {
        int v = -1;
        gort_case cs[KC];
        for (int k = 0; k < KC; k++)
            cs[k] = (gort_case){c[k], GORT_RECV, &v, false};
        int j = gort_select(cs, KC, true);
        assert_in_range(j, 0, KC - 1);
        assert_int_equal(v, j);
        count[j]++;
        gort_chan_send(c[j], &j);       /* ready again */
    }
    for (int k = 0; k < KC; k++) {
        print_message("case %d chosen %d times of %d\n", k, count[k], N);
        assert_in_range(count[k], N / KC - N / 10, N / KC + N / 10);
    }
    /* The same with one channel in every case: cases on one channel are
     * permuted too. */
    int same[KC] = {0};
    for (int i = 0; i < N; i++) {
        gort_case cs[KC];
        for (int k = 0; k < KC; k++)
            cs[k] = (gort_case){c[0], GORT_RECV, NULL, false};
        int j = gort_select(cs, KC, true);
        same[j]++;
        gort_chan_send(c[0], &j);
    }
    for (int k = 0; k < KC; k++)
        assert_in_range(same[k], N / KC - N / 10, N / KC + N / 10);
    for (int k = 0; k < KC; k++)
        gort_chan_free(c[k]);
}

/* ------------------------------------------------------------------------
 * Blocking: the goroutine waits on all its cases; the one that fires wins
 * and the others are taken off their queues.
 * ---------------------------------------------------------------------- */

enum { NB = 5 };
static gort_chan *bc[NB];
static gort_chan *bdone;

typedef struct bresult {
    int index;
    int value;
    bool ok;
} bresult;

static void block_in_select(void *arg)
{
    (void)arg;
    int v = -1;
    gort_case cs[NB];
    for (int k = 0; k < NB; k++)
        cs[k] = (gort_case){bc[k], GORT_RECV, &v, false};
    int j = gort_select(cs, NB, true);
    bresult r = {j, v, j >= 0 ? cs[j].ok : false};
    for (int k = 0; k < NB; k++)
        if (k != j && cs[k].ok)
            fail_at("ok written for a case not chosen");
    gort_chan_send(bdone, &r);
}

static void test_blocking(void **state)
{
    (void)state;
    for (int k = 0; k < NB; k++)
        bc[k] = gort_chan_make(sizeof(int), k % 2);
    bdone = gort_chan_make(sizeof(bresult), 1);
    for (int round = 0; round < 3 * NB; round++) {
        int k = round % NB;
        gort_go(block_in_select, NULL);
        for (int i = 0; i < NB; i++)
            waitblocked(bc[i], 0, 1);
        for (int i = 0; i < NB; i++)
            assert_invariants(bc[i]);
        bresult r;
        if (round < 2 * NB) {
            int v = 1000 + round;
            gort_chan_send(bc[k], &v);
            gort_chan_recv(bdone, &r);
            assert_int_equal(r.index, k);
            assert_int_equal(r.value, v);
            assert_true(r.ok);
        } else {
            /* Woken by a close. */
            gort_chan_close(bc[k]);
            gort_chan_recv(bdone, &r);
            assert_int_equal(r.index, k);
            assert_int_equal(r.value, 0);
            assert_false(r.ok);
            gort_chan_free(bc[k]);
            bc[k] = gort_chan_make(sizeof(int), k % 2);
        }
        /* Pass 3 took the select off every other channel. */
        for (int i = 0; i < NB; i++) {
            gort__chanstat st = stat(bc[i]);
            assert_int_equal(st.nrecvq, 0);
            assert_int_equal(st.nsendq, 0);
        }
    }
    assert_no_failure();
    for (int k = 0; k < NB; k++)
        gort_chan_free(bc[k]);
    gort_chan_free(bdone);
}

/* A select blocked on both sides of one unbuffered channel, the one case
 * where a channel has blocked senders and receivers at once; a partner
 * takes one side and the other side is cleaned up. */
static gort_chan *both;

static void select_both_sides(void *arg)
{
    gort_chan *done = arg;
    int out = 7, in = -1;
    gort_case cs[2] = {{both, GORT_SEND, &out, false}, {both, GORT_RECV, &in, false}};
    int j = gort_select(cs, 2, true);
    int r[2] = {j, in};
    gort_chan_send(done, r);
}

static void test_both_sides(void **state)
{
    (void)state;
    both = gort_chan_make(sizeof(int), 0);
    gort_chan *done = gort_chan_make(2 * sizeof(int), 1);
    for (int round = 0; round < 4; round++) {
        gort_go(select_both_sides, done);
        waitblocked(both, 1, 1);
        assert_invariants(both);
        int r[2];
        if (round % 2 == 0) {
            int v = -1;
            assert_true(gort_chan_recv(both, &v));
            assert_int_equal(v, 7);
            gort_chan_recv(done, r);
            assert_int_equal(r[0], 0);
        } else {
            int v = 99;
            gort_chan_send(both, &v);
            gort_chan_recv(done, r);
            assert_int_equal(r[0], 1);
            assert_int_equal(r[1], 99);
        }
        gort__chanstat st = stat(both);
        assert_int_equal(st.nsendq + st.nrecvq, 0);
    }
    gort_chan_free(both);
    gort_chan_free(done);
}

/* Two goroutines each select {send c, recv c} on one unbuffered channel,
 * many times: every round pairs a sender with a receiver. */
typedef struct pair_arg {
    gort_chan *c;
    gort_chan *done;
    int id;
    int sends, recvs;
} pair_arg;

static void pair_loop(void *arg)
{
    pair_arg *a = arg;
    for (int i = 0; i < 2000; i++) {
        int out = a->id * 100000 + i, in = -1;
        gort_case cs[2] = {{a->c, GORT_SEND, &out, false}, {a->c, GORT_RECV, &in, false}};
        int j = gort_select(cs, 2, true);
        if (j == 0) {
            a->sends++;
        } else {
            CHECK(cs[1].ok);
            CHECK(in / 100000 != a->id);    /* never from itself */
            a->recvs++;
        }
    }
    gort_chan_send(a->done, NULL);
}

static void test_pairs(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int), 0);
    gort_chan *done = gort_chan_make(0, 2);
    pair_arg a = {c, done, 1, 0, 0}, b = {c, done, 2, 0, 0};
    gort_go(pair_loop, &a);
    gort_go(pair_loop, &b);
    gort_chan_recv(done, NULL);
    gort_chan_recv(done, NULL);
    assert_no_failure();
    assert_int_equal(a.sends, b.recvs);
    assert_int_equal(a.recvs, b.sends);
    assert_int_equal(a.sends + a.recvs, 2000);
    assert_invariants(c);
    gort_chan_free(c);
    gort_chan_free(done);
}

/* More cases than fit on the stack, with repeats. */
static void test_many_cases(void **state)
{
    (void)state;
    enum { NC = 100, NCH = 7 };
    gort_chan *c[NCH];
    for (int k = 0; k < NCH; k++)
        c[k] = gort_chan_make(sizeof(int), 0);
    gort_case cs[NC];
    int v = -1;
    for (int i = 0; i < NC; i++)
        cs[i] = (gort_case){i % 10 == 9 ? NULL : c[i % NCH], GORT_RECV, &v, false};
    assert_int_equal(gort_select(cs, NC, false), -1);
    /* Put a value in: some case on that channel wins. */
    gort_chan *buf = gort_chan_make(sizeof(int), 1);
    int x = 31;
    gort_chan_send(buf, &x);
    cs[57] = (gort_case){buf, GORT_RECV, &v, false};
    assert_int_equal(gort_select(cs, NC, true), 57);
    assert_int_equal(v, 31);
    for (int k = 0; k < NCH; k++) {
        assert_invariants(c[k]);
        gort_chan_free(c[k]);
    }
    gort_chan_free(buf);
}

/* ------------------------------------------------------------------------
 * Threads the runtime did not start.
 * ---------------------------------------------------------------------- */

static gort_chan *fa, *fb, *fdone;
static _Atomic int fregistered;

static void foreign_selector(void *arg)
{
    (void)arg;
    gort_chan_send(fdone, NULL);        /* makes the runtime know us */
    atomic_store(&fregistered, 1);
    int got[2] = {0, 0};
    for (int i = 0; i < 400; i++) {
        int v = -1;
        gort_case cs[2] = {{fa, GORT_RECV, &v, false}, {fb, GORT_RECV, &v, false}};
        int j = gort_select(cs, 2, true);
        if (j < 0 || v != i)
            fail_at("foreign select: wrong case or value");
        else
            got[j]++;
    }
    if (got[0] != 200 || got[1] != 200)
        fail_at("foreign select: wrong counts");
    /* And a select that sends to a goroutine. */
    int x = 5;
    gort_case s[2] = {{fa, GORT_SEND, &x, false}, {NULL, GORT_RECV, NULL, false}};
    if (gort_select(s, 2, true) != 0)
        fail_at("foreign select: send case");
}

static void test_foreign_thread(void **state)
{
    (void)state;
    fa = gort_chan_make(sizeof(int), 0);
    fb = gort_chan_make(sizeof(int), 0);
    fdone = gort_chan_make(0, 1);
    atomic_store(&fregistered, 0);
    testthread t;
    testthread_start(&t, foreign_selector, NULL);
    while (!atomic_load(&fregistered))
        gort_gosched();
    gort_chan_recv(fdone, NULL);
    for (int i = 0; i < 400; i++)
        gort_chan_send(i % 2 ? fb : fa, &i);
    int v = 0;
    gort_chan_recv(fa, &v);
    assert_int_equal(v, 5);
    testthread_join(&t);
    assert_no_failure();
    gort_chan_free(fa);
    gort_chan_free(fb);
    gort_chan_free(fdone);
}

/* ------------------------------------------------------------------------
 * Randomised stress: producers send (id, seq) over random sets of send
 * cases, plain sends and non-blocking selects; consumers receive with
 * selects over every data channel plus a quit channel.  Every value is
 * received once; per consumer, each producer's values on one channel come
 * in order; the invariants hold throughout.
 * ---------------------------------------------------------------------- */

enum { P = 16, C = 8, K = 6, PER = 10000 };

typedef struct msg {
    int32_t producer;
    int32_t seq;
} msg;

static gort_chan *chans[K];
static gort_chan *quit, *sdone;
static _Atomic uint8_t seen[P][PER];
static _Atomic int nreceived;
static _Atomic int checker_stop;


static void producer(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint32_t rnd = 0x9e3779b9u * (uint32_t)(id + 7);
    for (int seq = 0; seq < PER;) {
        msg m = {id, seq};
        uint32_t how = xorshift(&rnd) % 8;
        if (how == 0) {
            gort_chan_send(chans[xorshift(&rnd) % K], &m);
            seq++;
            continue;
        }
        /* A select over a random subset (with repeats) of the channels. */
        gort_case cs[K + 1];
        int n = 1 + (int)(xorshift(&rnd) % K);
        for (int i = 0; i < n; i++)
            cs[i] = (gort_case){chans[xorshift(&rnd) % K], GORT_SEND, &m, false};
        if (xorshift(&rnd) % 4 == 0)
            cs[n++] = (gort_case){NULL, GORT_RECV, NULL, false};
        int j = gort_select(cs, n, how != 1);
        if (j >= 0)
            seq++;
        else
            gort_gosched();
    }
    gort_chan_send(sdone, NULL);
}

static void consumer(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint32_t rnd = 0x85ebca6bu * (uint32_t)(id + 3);
    int last[P][K];
    memset(last, 0xff, sizeof last);
    for (;;) {
        msg m = {-1, -1};
        gort_case cs[K + 1];
        for (int k = 0; k < K; k++)
            cs[k] = (gort_case){chans[k], GORT_RECV, &m, false};
        cs[K] = (gort_case){quit, GORT_RECV, NULL, false};
        int j;
        if (xorshift(&rnd) % 2) {
            j = gort_select(cs, K + 1, true);
        } else {
            j = gort_select(cs, K + 1, false);
            if (j < 0) {
                gort_gosched();
                continue;
            }
        }
        if (j == K)
            break;
        if (!cs[j].ok || m.producer < 0 || m.producer >= P || m.seq < 0 || m.seq >= PER) {
            fail_at("stress: corrupt message");
            continue;
        }
        if (m.seq <= last[m.producer][j])
            fail_at("stress: a producer's values out of order on a channel");
        last[m.producer][j] = m.seq;
        if (atomic_fetch_add(&seen[m.producer][m.seq], 1) != 0)
            fail_at("stress: a value received twice");
        atomic_fetch_add(&nreceived, 1);
    }
    gort_chan_send(sdone, NULL);
}

static void checker(void *arg)
{
    (void)arg;
    while (!atomic_load(&checker_stop)) {
        for (int k = 0; k < K; k++) {
            const char *bad = gort__chancheck(chans[k]);
            if (bad)
                fail_at(bad);
        }
        gort_gosched();
    }
    gort_chan_send(sdone, NULL);
}

static void test_stress(void **state)
{
    (void)state;
    static const size_t caps[K] = {0, 0, 0, 1, 4, 32};
    for (int k = 0; k < K; k++)
        chans[k] = gort_chan_make(sizeof(msg), caps[k]);
    quit = gort_chan_make(0, 0);
    sdone = gort_chan_make(0, P + C + 1);
    memset((void *)seen, 0, sizeof seen);
    atomic_store(&nreceived, 0);
    atomic_store(&checker_stop, 0);
    gort_go(checker, NULL);
    for (int i = 0; i < C; i++)
        gort_go(consumer, (void *)(intptr_t)i);
    for (int i = 0; i < P; i++)
        gort_go(producer, (void *)(intptr_t)i);
    for (int i = 0; i < P; i++)
        gort_chan_recv(sdone, NULL);
    /* Every value is sent; wait until all are received, then stop the
     * consumers. */
    while (atomic_load(&nreceived) < P * PER)
        gort_gosched();
    gort_chan_close(quit);
    for (int i = 0; i < C; i++)
        gort_chan_recv(sdone, NULL);
    atomic_store(&checker_stop, 1);
    gort_chan_recv(sdone, NULL);
    assert_no_failure();
    assert_int_equal(atomic_load(&nreceived), P * PER);
    for (int p = 0; p < P; p++)
        for (int q = 0; q < PER; q++)
            if (atomic_load(&seen[p][q]) != 1)
                fail_msg("value (%d,%d) received %d times", p, q, atomic_load(&seen[p][q]));
    for (int k = 0; k < K; k++) {
        assert_invariants(chans[k]);
        gort__chanstat st = stat(chans[k]);
        assert_int_equal(st.qcount + st.nsendq + st.nrecvq, 0);
        gort_chan_free(chans[k]);
    }
    gort_chan_free(quit);
    gort_chan_free(sdone);
}

void main_main(void)
{
    /* cmocka keeps its state in thread-local storage: keep the main
     * goroutine, which runs cmocka, on one thread. */
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_cases),
        cmocka_unit_test(test_nonblocking_and_nil),
        cmocka_unit_test(test_closed),
        cmocka_unit_test(test_elem_null_and_zero_size),
        cmocka_unit_test(test_fairness),
        cmocka_unit_test(test_blocking),
        cmocka_unit_test(test_both_sides),
        cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_many_cases),
        cmocka_unit_test(test_foreign_thread),
        cmocka_unit_test(test_stress),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
