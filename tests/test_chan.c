/*
 * test_chan.c - channels: buffered, unbuffered and zero-size elements,
 * direct hand-off, FIFO order of blocked senders and receivers, close,
 * the non-blocking helpers, threads the runtime did not start, and a
 * randomised stress test checking conservation, per-sender FIFO order and
 * chan.c's invariants, and ping-pong pairs under GOMAXPROCS changes.
 * Runs at GOMAXPROCS=1 and 2.
 *
 * cmocka's assertions longjmp, so only the test functions (on the main
 * goroutine) assert; other goroutines record the first problem in
 * `failure`, which the test checks.
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

typedef struct counter_arg {
    gort_chan *c;
    int n;
} counter_arg;

static void send_n(void *arg)
{
    counter_arg *a = arg;
    for (int i = 0; i < a->n; i++)
        gort_chan_send(a->c, &i);
}

static void test_unbuffered(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int), 0);
    assert_int_equal(gort_chan_cap(c), 0);
    static counter_arg a;   /* the sender reads it after its last send */
    a = (counter_arg){c, 1000};
    gort_go(send_n, &a);
    for (int i = 0; i < 1000; i++) {
        int v = -1;
        assert_true(gort_chan_recv(c, &v));
        assert_int_equal(v, i);
        assert_int_equal(gort_chan_len(c), 0);
    }
    assert_invariants(c);
    gort_chan_free(c);
}

static void test_buffered(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int64_t), 5);
    assert_int_equal(gort_chan_cap(c), 5);
    for (int round = 0; round < 3; round++) {
        /* Fill without blocking; len follows. */
        for (int64_t i = 0; i < 5; i++) {
            gort_chan_send(c, &i);
            assert_int_equal(gort_chan_len(c), i + 1);
            assert_invariants(c);
        }
        int64_t x = 99;
        assert_false(gort__selectnbsend(c, &x));     /* full */
        for (int64_t i = 0; i < 5; i++) {
            int64_t v = -1;
            assert_true(gort_chan_recv(c, &v));
            assert_int_equal(v, i);
            assert_int_equal(gort_chan_len(c), 4 - i);
        }
        bool ok = true;
        assert_false(gort__selectnbrecv(c, &x, &ok));    /* empty */
    }
    assert_invariants(c);
    gort_chan_free(c);

    /* A producer ahead of the consumer blocks when the buffer is full. */
    c = gort_chan_make(sizeof(int), 5);
    static counter_arg a;   /* the sender reads it after its last send */
    a = (counter_arg){c, 10000};
    gort_go(send_n, &a);
    for (int i = 0; i < 10000; i++) {
        int v = -1;
        gort_chan_recv(c, &v);
        assert_int_equal(v, i);
    }
    assert_invariants(c);
    gort_chan_free(c);
}

static void send_empty(void *arg)
{
    counter_arg *a = arg;
    for (int i = 0; i < a->n; i++)
        gort_chan_send(a->c, NULL);
    gort_chan_close(a->c);
}

static void test_zero_size(void **state)
{
    (void)state;
    for (size_t cap = 0; cap < 3; cap++) {
        gort_chan *c = gort_chan_make(0, cap);
        counter_arg a = {c, 500};
        gort_go(send_empty, &a);
        int n = 0;
        char dummy;
        while (gort_chan_recv(c, n % 2 ? &dummy : NULL))
            n++;
        assert_int_equal(n, 500);
        assert_int_equal(gort_chan_len(c), 0);
        assert_int_equal(gort_chan_cap(c), cap);
        assert_invariants(c);
        gort_chan_free(c);
    }
    /* A buffered chan struct{} counts its elements. */
    gort_chan *c = gort_chan_make(0, 1000);
    for (int i = 0; i < 1000; i++)
        gort_chan_send(c, NULL);
    assert_int_equal(gort_chan_len(c), 1000);
    assert_false(gort__selectnbsend(c, NULL));
    gort_chan_free(c);
}

static void test_nil_len_cap_free(void **state)
{
    (void)state;
    assert_int_equal(gort_chan_len(NULL), 0);
    assert_int_equal(gort_chan_cap(NULL), 0);
    gort_chan_free(NULL);
    int v = 7;
    bool ok = true;
    assert_false(gort__selectnbsend(NULL, &v));
    assert_false(gort__selectnbrecv(NULL, &v, &ok));
}

static void test_close_drains_then_zero(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int), 4);
    for (int i = 1; i <= 3; i++)
        gort_chan_send(c, &i);
    gort_chan_close(c);
    assert_int_equal(gort_chan_len(c), 3);
    for (int i = 1; i <= 3; i++) {
        int v = 0;
        assert_true(gort_chan_recv(c, &v));
        assert_int_equal(v, i);
    }
    for (int k = 0; k < 3; k++) {
        int v = -1;
        assert_false(gort_chan_recv(c, &v));
        assert_int_equal(v, 0);
        assert_false(gort_chan_recv(c, NULL));
    }
    bool ok = true;
    int v = -1;
    assert_true(gort__selectnbrecv(c, &v, &ok));     /* proceeds: closed */
    assert_false(ok);
    assert_int_equal(v, 0);
    assert_invariants(c);
    gort_chan_free(c);

    /* Unbuffered: close with nothing sent. */
    c = gort_chan_make(sizeof(double), 0);
    gort_chan_close(c);
    double d = 1.5;
    assert_false(gort_chan_recv(c, &d));
    assert_true(d == 0.0);
    gort_chan_free(c);
}

typedef struct waiter_arg {
    gort_chan *c;
    gort_chan *done;
    int id;
} waiter_arg;

static void recv_expect_closed(void *arg)
{
    waiter_arg *a = arg;
    int v = 12345;
    bool ok = gort_chan_recv(a->c, &v);
    CHECK(!ok);
    CHECK(v == 0);
    gort_chan_send(a->done, &a->id);
}

static void test_close_wakes_all(void **state)
{
    (void)state;
    enum { N = 50 };
    for (size_t cap = 0; cap < 2; cap++) {
        gort_chan *c = gort_chan_make(sizeof(int), cap);
        gort_chan *done = gort_chan_make(sizeof(int), N);
        waiter_arg args[N];
        for (int i = 0; i < N; i++) {
            args[i] = (waiter_arg){c, done, i};
            gort_go(recv_expect_closed, &args[i]);
        }
        waitblocked(c, 0, N);
        assert_invariants(c);
        gort_chan_close(c);
        int seen[N] = {0};
        for (int i = 0; i < N; i++) {
            int id = -1;
            assert_true(gort_chan_recv(done, &id));
            assert_in_range(id, 0, N - 1);
            seen[id]++;
        }
        for (int i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
        assert_no_failure();
        gort__chanstat st = stat(c);
        assert_int_equal(st.nrecvq, 0);
        assert_true(st.closed);
        gort_chan_free(c);
        gort_chan_free(done);
    }
}

static void recv_one(void *arg)
{
    waiter_arg *a = arg;
    int v = -1;
    CHECK(gort_chan_recv(a->c, &v));
    gort_chan_send(a->done, &v);
}

/* A sender that finds a receiver waiting hands the value over directly:
 * the buffer's indices do not move. */
static void test_direct_handoff(void **state)
{
    (void)state;
    gort_chan *c = gort_chan_make(sizeof(int), 4);
    gort_chan *done = gort_chan_make(sizeof(int), 1);
    waiter_arg a = {c, done, 0};
    for (int round = 0; round < 10; round++) {
        gort_go(recv_one, &a);
        waitblocked(c, 0, 1);
        int v = 100 + round;
        gort_chan_send(c, &v);
        gort__chanstat st = stat(c);
        assert_int_equal(st.qcount, 0);
        assert_int_equal(st.sendx, 0);
        assert_int_equal(st.recvx, 0);
        int got = -1;
        gort_chan_recv(done, &got);
        assert_int_equal(got, 100 + round);
    }
    /* The mirror image: a full buffer and a blocked sender.  A receive
     * takes the head and moves the sender's value to the tail. */
    for (int i = 0; i < 4; i++)
        gort_chan_send(c, &i);
    static counter_arg fifth;
    fifth = (counter_arg){c, 5};    /* sends 0..4: 0..3 wait behind ours */
    gort_go(send_n, &fifth);
    waitblocked(c, 1, 0);
    int v = -1;
    gort_chan_recv(c, &v);
    assert_int_equal(v, 0);
    gort__chanstat st = stat(c);
    assert_int_equal(st.qcount, 4);
    assert_int_equal(st.recvx, 1);
    assert_int_equal(st.sendx, 1);
    assert_invariants(c);
    /* The buffer now holds 1 2 3 0 (the sender's first value), and the
     * sender goes on with 1 2 3 4. */
    static const int want[] = {1, 2, 3, 0, 1, 2, 3, 4};
    for (int i = 0; i < 8; i++) {
        gort_chan_recv(c, &v);
        assert_int_equal(v, want[i]);
    }
    assert_no_failure();
    gort_chan_free(done);
    gort_chan_free(c);
}

/* ------------------------------------------------------------------------
 * FIFO order among blocked goroutines.
 * ---------------------------------------------------------------------- */

typedef struct fifo_arg {
    gort_chan *c;
    gort_chan *done;
    int id;
} fifo_arg;

static void fifo_sender(void *arg)
{
    fifo_arg *a = arg;
    gort_chan_send(a->c, &a->id);
    gort_chan_send(a->done, &a->id);
}

static void fifo_receiver(void *arg)
{
    fifo_arg *a = arg;
    int v = -1;
    CHECK(gort_chan_recv(a->c, &v));
    int pair[2] = {a->id, v};
    gort_chan_send(a->done, pair);
}

static void test_fifo_senders(void **state)
{
    (void)state;
    enum { N = 40 };
    for (size_t cap = 0; cap <= 3; cap += 3) {
        gort_chan *c = gort_chan_make(sizeof(int), cap);
        gort_chan *done = gort_chan_make(sizeof(int), N);
        /* Fill the buffer first, so that the senders block. */
        for (size_t i = 0; i < cap; i++) {
            int v = -1 - (int)i;
            gort_chan_send(c, &v);
        }
        fifo_arg args[N];
        for (int i = 0; i < N; i++) {
            args[i] = (fifo_arg){c, done, i};
            gort_go(fifo_sender, &args[i]);
            waitblocked(c, i + 1, 0);       /* i+1 senders, in order */
            assert_invariants(c);
        }
        for (size_t i = 0; i < cap; i++) {
            int v = 0;
            gort_chan_recv(c, &v);
            assert_int_equal(v, -1 - (int)i);
        }
        for (int i = 0; i < N; i++) {
            int v = -1;
            gort_chan_recv(c, &v);
            assert_int_equal(v, i);
            assert_invariants(c);
        }
        for (int i = 0; i < N; i++)
            gort_chan_recv(done, NULL);
        gort_chan_free(c);
        gort_chan_free(done);
    }
}

static void test_fifo_receivers(void **state)
{
    (void)state;
    enum { N = 40 };
    for (size_t cap = 0; cap <= 3; cap += 3) {
        gort_chan *c = gort_chan_make(sizeof(int), cap);
        gort_chan *done = gort_chan_make(2 * sizeof(int), N);
        fifo_arg args[N];
        for (int i = 0; i < N; i++) {
            args[i] = (fifo_arg){c, done, i};
            gort_go(fifo_receiver, &args[i]);
            waitblocked(c, 0, i + 1);
            assert_invariants(c);
        }
        for (int i = 0; i < N; i++)
            gort_chan_send(c, &i);
        for (int i = 0; i < N; i++) {
            int pair[2];
            gort_chan_recv(done, pair);
            assert_int_equal(pair[0], pair[1]);   /* receiver i got value i */
        }
        assert_no_failure();
        assert_invariants(c);
        gort_chan_free(c);
        gort_chan_free(done);
    }
}

/* ------------------------------------------------------------------------
 * Randomised stress: S senders and R receivers over K channels of mixed
 * capacity.  Every value (sender, channel, seq) is received exactly once;
 * each receiver sees each sender's values on one channel in order; and
 * the channels' invariants hold throughout.
 * ---------------------------------------------------------------------- */

enum { S = 16, R = 12, K = 6, PER = 3000 };

typedef struct msg {
    int32_t sender;
    int32_t chan;
    int32_t seq;
    int32_t pad;
} msg;

static gort_chan *chans[K];
static gort_chan *stress_done;
static _Atomic uint8_t received[S][K][PER];
static _Atomic int stress_stop;


static void stress_sender(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint32_t rnd = 0x9e3779b9u * (uint32_t)(id + 1);
    int seq[K] = {0};
    int left = K * PER;
    while (left > 0) {
        int k = (int)(xorshift(&rnd) % K);
        if (seq[k] == PER)
            continue;
        msg m = {id, k, seq[k]++, 0};
        gort_chan_send(chans[k], &m);
        left--;
        if (xorshift(&rnd) % 64 == 0)
            gort_gosched();
    }
    gort_chan_send(stress_done, NULL);
}

/* Receiver i reads channel i % K (so that every channel has readers and
 * no sender waits for good), blocking or, for odd i, polling. */
static void stress_receiver(void *arg)
{
    int id = (int)(intptr_t)arg;
    int k = id % K;
    int last[S];
    memset(last, 0xff, sizeof last);
    for (;;) {
        msg m;
        bool ok;
        if (id % 2 == 0) {
            ok = gort_chan_recv(chans[k], &m);
        } else if (!gort__selectnbrecv(chans[k], &m, &ok)) {
            gort_gosched();
            continue;
        }
        if (!ok)
            break;      /* closed and drained: the end */
        if (m.sender < 0 || m.sender >= S || m.chan != k || m.seq < 0 || m.seq >= PER) {
            fail_at("stress: corrupt message");
            continue;
        }
        if (m.seq <= last[m.sender])
            fail_at("stress: a sender's values out of order");
        last[m.sender] = m.seq;
        if (atomic_fetch_add(&received[m.sender][k][m.seq], 1) != 0)
            fail_at("stress: a value received twice");
    }
    gort_chan_send(stress_done, NULL);
}

static void stress_checker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stress_stop)) {
        for (int k = 0; k < K; k++) {
            const char *bad = gort__chancheck(chans[k]);
            if (bad)
                fail_at(bad);
        }
        gort_gosched();
    }
    gort_chan_send(stress_done, NULL);
}

static void test_stress(void **state)
{
    (void)state;
    static const size_t caps[K] = {0, 0, 1, 3, 16, 100};
    for (int k = 0; k < K; k++)
        chans[k] = gort_chan_make(sizeof(msg), caps[k]);
    stress_done = gort_chan_make(0, S + R + 1);
    memset((void *)received, 0, sizeof received);
    atomic_store(&stress_stop, 0);
    gort_go(stress_checker, NULL);
    for (int i = 0; i < R; i++)
        gort_go(stress_receiver, (void *)(intptr_t)i);
    for (int i = 0; i < S; i++)
        gort_go(stress_sender, (void *)(intptr_t)i);
    /* When all senders are done, every value has been sent; closing the
     * channels lets the receivers drain the buffers and stop. */
    for (int i = 0; i < S; i++)
        gort_chan_recv(stress_done, NULL);
    for (int k = 0; k < K; k++)
        gort_chan_close(chans[k]);
    for (int i = 0; i < R; i++)
        gort_chan_recv(stress_done, NULL);
    atomic_store(&stress_stop, 1);
    gort_chan_recv(stress_done, NULL);
    assert_no_failure();
    for (int s = 0; s < S; s++)
        for (int k = 0; k < K; k++)
            for (int q = 0; q < PER; q++)
                if (atomic_load(&received[s][k][q]) != 1)
                    fail_msg("value (%d,%d,%d) received %d times", s, k, q,
                             atomic_load(&received[s][k][q]));
    for (int k = 0; k < K; k++) {
        assert_invariants(chans[k]);
        gort_chan_free(chans[k]);
    }
    gort_chan_free(stress_done);
}

/* ------------------------------------------------------------------------
 * Ping-pong pairs: the hand-off to a parked partner, which goes through
 * runnext and the direct switch, with plain loads and stores of runnext
 * while GOMAXPROCS is 1 and atomic ones above (proc.c, onlyp).  Many
 * pairs at once, GOMAXPROCS flipping between 1 and 2 under them (so
 * that thieves come and go), Gosched now and then (so that the ring of
 * the run queue is used too), and each pair ended by a close that races
 * with its ponger parking.  Checked: every reply is the answer to the
 * value just sent (nothing lost, duplicated or crossed), the close wakes
 * the ponger with the zero value, and the ponger's own close reaches the
 * pinger the same way.  A lost wake-up hangs (the TIMEOUT).
 * ---------------------------------------------------------------------- */

enum { PAIRS = 4, PINGS = 200000, FLIPS = 40 };

static int64_t pp_pings;       /* round trips per pair this round */

typedef struct pingpair {
    gort_chan *ping, *pong;
    int id;
    int64_t replies;            /* written by the pinger, read after done */
} pingpair;

static gort_chan *pp_done;
static _Atomic int pp_running;

static void pp_ponger(void *arg)
{
    pingpair *pr = arg;
    int64_t v = -1;
    while (gort_chan_recv(pr->ping, &v)) {
        int64_t r = 2 * v + 1;
        gort_chan_send(pr->pong, &r);
        v = -1;
    }
    CHECK(v == 0);              /* a closed channel's zero value */
    gort_chan_close(pr->pong);
}

static void pp_pinger(void *arg)
{
    pingpair *pr = arg;
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)(pr->id + 1);
    for (int64_t i = 0; i < pp_pings; i++) {
        int64_t v = i * PAIRS + pr->id, r = -1;
        gort_chan_send(pr->ping, &v);
        if (!gort_chan_recv(pr->pong, &r) || r != 2 * v + 1) {
            fail_at("pingpong: a reply lost, duplicated or crossed");
            break;
        }
        pr->replies++;
        if ((xorshift(&seed) & 255) == 0)
            gort_gosched();
    }
    /* The close races with the ponger, which may be parked in its
     * receive already or still on its way there. */
    gort_chan_close(pr->ping);
    int64_t r = -1;
    CHECK(!gort_chan_recv(pr->pong, &r));
    CHECK(r == 0);
    atomic_fetch_sub(&pp_running, 1);
    gort_chan_send(pp_done, NULL);
}

/* pp_flipper changes GOMAXPROCS between 1 and 2 while pairs run, and
 * sleeps in between: an idle P is what makes a thief, which takes a
 * running P's runnext. */
static void pp_flipper(void *arg)
{
    int was = (int)(intptr_t)arg;
    for (int i = 0; i < FLIPS && atomic_load(&pp_running) > 0; i++) {
        gort_gomaxprocs(i % 2 ? 1 : 2);
        gort_sleep(200 * 1000);
    }
    gort_gomaxprocs(was);
    gort_chan_send(pp_done, NULL);
}

/* pingpong_round runs npairs pairs and the flipper to the end. */
static void pingpong_round(int npairs, int64_t pings)
{
    pp_pings = pings;
    static pingpair pairs[PAIRS];
    pp_done = gort_chan_make(0, PAIRS + 1);
    atomic_store(&pp_running, npairs);
    int was = gort_gomaxprocs(0);
    for (int k = 0; k < npairs; k++) {
        pairs[k] = (pingpair){gort_chan_make(sizeof(int64_t), 0),
                              gort_chan_make(sizeof(int64_t), 0), k, 0};
        gort_go(pp_ponger, &pairs[k]);
        gort_go(pp_pinger, &pairs[k]);
    }
    gort_go(pp_flipper, (void *)(intptr_t)was);
    for (int k = 0; k < npairs + 1; k++)
        gort_chan_recv(pp_done, NULL);
    assert_int_equal(gort_gomaxprocs(0), was);
    assert_no_failure();
    for (int k = 0; k < npairs; k++) {
        assert_int_equal(pairs[k].replies, pp_pings);
        /* The ponger closed pong after its last receive, and is on no
         * queue now: the channels may be checked and freed. */
        assert_false(gort_chan_recv(pairs[k].pong, NULL));
        assert_invariants(pairs[k].ping);
        assert_invariants(pairs[k].pong);
        gort_chan_free(pairs[k].ping);
        gort_chan_free(pairs[k].pong);
    }
    gort_chan_free(pp_done);
}

static void test_pingpong_pairs(void **state)
{
    (void)state;
    pingpong_round(1, PINGS);               /* the other P idles: it steals runnext */
    pingpong_round(PAIRS, PINGS / PAIRS);   /* every P busy */
}

/* ------------------------------------------------------------------------
 * No lost wake-ups: tokens go round a ring of goroutines, each hop a
 * channel operation that parks and readies; one lost wake-up stops the
 * ring for good (and the test's timeout reports it).
 * ---------------------------------------------------------------------- */

enum { RING = 64, TOKENS = 8, LAPS = 2000 };
static gort_chan *ring[RING];
static gort_chan *ring_done, *ring_exit;

static void ring_node(void *arg)
{
    int i = (int)(intptr_t)arg;
    gort_chan *in = ring[i], *out = ring[(i + 1) % RING];
    int64_t t;
    while (gort_chan_recv(in, &t)) {
        if (i == RING - 1)
            t++;        /* one more lap */
        if (t >= LAPS && i == RING - 1) {
            gort_chan_send(ring_done, &t);
            continue;
        }
        gort_chan_send(out, &t);
    }
    gort_chan_send(ring_exit, NULL);
}

static void test_ring(void **state)
{
    (void)state;
    ring_done = gort_chan_make(sizeof(int64_t), TOKENS);
    ring_exit = gort_chan_make(0, RING);
    for (int i = 0; i < RING; i++)
        ring[i] = gort_chan_make(sizeof(int64_t), i % 3 == 0 ? 1 : 0);
    for (int i = 0; i < RING; i++)
        gort_go(ring_node, (void *)(intptr_t)i);
    for (int k = 0; k < TOKENS; k++) {
        int64_t t = 0;
        gort_chan_send(ring[0], &t);
    }
    for (int k = 0; k < TOKENS; k++) {
        int64_t t = -1;
        gort_chan_recv(ring_done, &t);
        assert_int_equal(t, LAPS);
    }
    /* Every token is out: closing the ring ends the nodes. */
    for (int i = 0; i < RING; i++)
        gort_chan_close(ring[i]);
    for (int i = 0; i < RING; i++)
        gort_chan_recv(ring_exit, NULL);
    for (int i = 0; i < RING; i++) {
        assert_invariants(ring[i]);
        gort_chan_free(ring[i]);
    }
    gort_chan_free(ring_done);
    gort_chan_free(ring_exit);
}

/* ------------------------------------------------------------------------
 * Threads the runtime did not start.
 * ---------------------------------------------------------------------- */

typedef struct foreign_arg {
    gort_chan *to_go;       /* the thread sends, a goroutine receives */
    gort_chan *from_go;     /* a goroutine sends, the thread receives */
    gort_chan *done;
    int n;
    int64_t sum;
} foreign_arg;

static void go_receiver(void *arg);
static _Atomic int registered;

static void foreign_thread(void *arg)
{
    foreign_arg *a = arg;
    /* The runtime learns of this thread at its first call: until then
     * goroutines that all wait for it would look deadlocked. */
    gort_go(go_receiver, a);
    atomic_store(&registered, 1);
    for (int i = 0; i < a->n; i++)
        gort_chan_send(a->to_go, &i);
    int64_t sum = 0;
    int v;
    while (gort_chan_recv(a->from_go, &v))
        sum += v;
    a->sum = sum;
    /* A goroutine started from a foreign thread closes done. */
    static counter_arg closer;
    closer = (counter_arg){a->done, 0};
    gort_go(send_empty, &closer);
}

static void go_receiver(void *arg)
{
    foreign_arg *a = arg;
    for (int i = 0; i < a->n; i++) {
        int v = -1;
        CHECK(gort_chan_recv(a->to_go, &v));
        CHECK(v == i);
    }
    /* Echo the values back to the thread, then close. */
    for (int i = 0; i < a->n; i++)
        gort_chan_send(a->from_go, &i);
    gort_chan_close(a->from_go);
}

static void test_foreign_thread(void **state)
{
    (void)state;
    for (size_t cap = 0; cap < 2; cap++) {
        foreign_arg a = {
            gort_chan_make(sizeof(int), cap), gort_chan_make(sizeof(int), cap),
            gort_chan_make(0, 0), 2000, 0,
        };
        testthread t;
        atomic_store(&registered, 0);
        testthread_start(&t, foreign_thread, &a);
        while (!atomic_load(&registered))
            gort_gosched();
        /* The thread's goroutine closes done. */
        assert_false(gort_chan_recv(a.done, NULL));
        testthread_join(&t);
        assert_no_failure();
        assert_int_equal(a.sum, (int64_t)a.n * (a.n - 1) / 2);
        gort_chan_free(a.to_go);
        gort_chan_free(a.from_go);
        gort_chan_free(a.done);
    }
}

/* Many threads and many goroutines: the threads send on up and receive
 * on down, the goroutines echo from up to down. */
static gort_chan *up, *down;
static _Atomic int64_t echoed;

static void echo_thread(void *arg)
{
    (void)arg;
    int64_t sum = 0;
    for (int i = 0; i < 500; i++) {
        gort_chan_send(up, &i);
        int v = 0;
        gort_chan_recv(down, &v);
        sum += v;
    }
    atomic_fetch_add(&echoed, sum);
}

static void echo_goroutine(void *arg)
{
    gort_chan *done = arg;
    for (int i = 0; i < 500; i++) {
        int v = 0;
        gort_chan_recv(up, &v);
        gort_chan_send(down, &v);
    }
    gort_chan_send(done, NULL);
}

static void test_foreign_threads_mixed(void **state)
{
    (void)state;
    enum { T = 4 };
    up = gort_chan_make(sizeof(int), 0);
    down = gort_chan_make(sizeof(int), 1);
    gort_chan *done = gort_chan_make(0, T);
    atomic_store(&echoed, 0);
    testthread t[T];
    for (int i = 0; i < T; i++) {
        testthread_start(&t[i], echo_thread, NULL);
        gort_go(echo_goroutine, done);
    }
    for (int i = 0; i < T; i++)
        testthread_join(&t[i]);
    for (int i = 0; i < T; i++)
        gort_chan_recv(done, NULL);
    assert_int_equal(atomic_load(&echoed), T * (499 * 500 / 2));
    assert_invariants(up);
    assert_invariants(down);
    gort_chan_free(up);
    gort_chan_free(down);
    gort_chan_free(done);
}

void main_main(void)
{
    /* cmocka keeps its state in thread-local storage: keep the main
     * goroutine, which runs cmocka, on one thread. */
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unbuffered),
        cmocka_unit_test(test_buffered),
        cmocka_unit_test(test_zero_size),
        cmocka_unit_test(test_nil_len_cap_free),
        cmocka_unit_test(test_close_drains_then_zero),
        cmocka_unit_test(test_close_wakes_all),
        cmocka_unit_test(test_direct_handoff),
        cmocka_unit_test(test_fifo_senders),
        cmocka_unit_test(test_fifo_receivers),
        cmocka_unit_test(test_stress),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_pingpong_pairs),
        cmocka_unit_test(test_foreign_thread),
        cmocka_unit_test(test_foreign_threads_mixed),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
