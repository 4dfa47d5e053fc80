/*
 * test_sync.c - package sync: Mutex (mutual exclusion under contention,
 * TryLock, starvation mode handing the lock to a starved waiter), RWMutex
 * (readers together, writers alone, a writer not starved by a stream of
 * readers), WaitGroup (many goroutines, several waiters, reuse), Once
 * (concurrent callers wait for the first call), Cond (signal and
 * broadcast), the semaphores underneath, and threads the runtime did not
 * start.  Runs at GOMAXPROCS=1 and 2.  No timing assertions.
 *
 * Only the test functions assert; goroutines record the first problem in
 * `failure`.
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

#include "runtime.h"
#include "testthread.h"
#include "testutil.h"




/* ------------------------------------------------------------------------
 * Mutex
 * ---------------------------------------------------------------------- */

static gort_mutex mu;           /* zero value: unlocked */
static _Atomic int inside;
static long counter;            /* protected by mu */

static void test_mutex_basic(void **state)
{
    (void)state;
    gort_mutex m = {0};
    gort_mutex_lock(&m);
    assert_false(gort_mutex_trylock(&m));
    gort_mutex_unlock(&m);
    assert_true(gort_mutex_trylock(&m));
    assert_false(gort_mutex_trylock(&m));
    gort_mutex_unlock(&m);
    for (int i = 0; i < 1000; i++) {
        gort_mutex_lock(&m);
        gort_mutex_unlock(&m);
    }
    assert_int_equal(m.state_, 0);
}

typedef struct hammer_arg {
    gort_waitgroup *wg;
    int n;
    int id;
} hammer_arg;

/* hammer increments counter n times under mu, sometimes yielding while
 * holding it so that others pile up behind it, sometimes with TryLock. */
static void hammer(void *arg)
{
    hammer_arg *a = arg;
    uint32_t rnd = 0x9e3779b9u * (uint32_t)(a->id + 1);
    int n = a->n;
    gort_waitgroup *wg = a->wg;
    for (int i = 0; i < n; i++) {
        if (xorshift(&rnd) % 8 == 0) {
            while (!gort_mutex_trylock(&mu))
                gort_gosched();
        } else {
            gort_mutex_lock(&mu);
        }
        if (atomic_fetch_add(&inside, 1) != 0)
            fail_at("two goroutines inside the mutex");
        long c = counter;
        if (xorshift(&rnd) % 16 == 0)
            gort_gosched();
        counter = c + 1;
        atomic_fetch_sub(&inside, 1);
        gort_mutex_unlock(&mu);
    }
    gort_waitgroup_done(wg);
}

static void test_mutex_contention(void **state)
{
    (void)state;
    enum { G = 50, N = 2000 };
    static hammer_arg args[G];
    gort_waitgroup wg = {0};
    counter = 0;
    gort_waitgroup_add(&wg, G);
    for (int i = 0; i < G; i++) {
        args[i] = (hammer_arg){&wg, N, i};
        gort_go(hammer, &args[i]);
    }
    gort_waitgroup_wait(&wg);
    assert_no_failure();
    assert_int_equal(counter, (long)G * N);
    assert_int_equal(mu.state_, 0);
}

/* Starvation: a goroutine relocks the mutex in a tight loop, yielding
 * only while it holds it; another goroutine, started while the lock is
 * held, wants it once.  At GOMAXPROCS=1 the waiter runs only while the
 * looper holds the lock, so it can never win a race: it gets the mutex
 * only by the hand-off of starvation mode, after waiting 1 ms.  The
 * looper runs until the waiter got the lock, so the test ending is the
 * assertion. */
static gort_mutex smu;
static _Atomic int starving_seen;
static _Atomic int waiter_done;

static void starved(void *arg)
{
    gort_chan *done = arg;
    gort_mutex_lock(&smu);
    atomic_store(&waiter_done, 1);
    gort_mutex_unlock(&smu);
    gort_chan_send(done, NULL);
}

static void looper(void *arg)
{
    gort_chan *done = arg;
    for (long i = 0; !atomic_load(&waiter_done); i++) {
        gort_mutex_lock(&smu);
        if (i == 0)
            gort_go(starved, done);
        if (i % 64 == 0) {
            gort_gosched();     /* the waiter runs, and queues */
            if (smu.state_ & 4) /* mutexStarving */
                atomic_store(&starving_seen, 1);
        }
        gort_mutex_unlock(&smu);
    }
    gort_chan_send(done, NULL);
}

static void test_mutex_starvation(void **state)
{
    (void)state;
    gort_chan *done = gort_chan_make(0, 2);
    atomic_store(&waiter_done, 0);
    atomic_store(&starving_seen, 0);
    gort_go(looper, done);
    gort_chan_recv(done, NULL);
    gort_chan_recv(done, NULL);
    print_message("starvation mode %s\n", atomic_load(&starving_seen) ? "seen" : "not seen");
    if (gort_gomaxprocs(0) == 1)
        assert_true(atomic_load(&starving_seen));
    assert_int_equal(smu.state_, 0);
    gort_chan_free(done);
}

/* ------------------------------------------------------------------------
 * RWMutex
 * ---------------------------------------------------------------------- */

static gort_rwmutex rw;
static _Atomic int readers, writers, maxreaders;
static long rwa, rwb;           /* a writer changes both; readers see them equal */

static void rw_worker(void *arg)
{
    hammer_arg *a = arg;
    uint32_t rnd = 0x85ebca6bu * (uint32_t)(a->id + 1);
    for (int i = 0; i < a->n; i++) {
        if (xorshift(&rnd) % 4 == 0) {
            gort_rwmutex_lock(&rw);
            if (atomic_fetch_add(&writers, 1) != 0 || atomic_load(&readers) != 0)
                fail_at("a writer not alone");
            rwa++;
            if (xorshift(&rnd) % 8 == 0)
                gort_gosched();
            rwb++;
            atomic_fetch_sub(&writers, 1);
            gort_rwmutex_unlock(&rw);
        } else {
            gort_rwmutex_rlock(&rw);
            int r = atomic_fetch_add(&readers, 1) + 1;
            int m = atomic_load(&maxreaders);
            while (r > m && !atomic_compare_exchange_weak(&maxreaders, &m, r))
                ;
            if (atomic_load(&writers) != 0)
                fail_at("a reader beside a writer");
            if (rwa != rwb)
                fail_at("a reader saw a half-done write");
            if (xorshift(&rnd) % 4 == 0)
                gort_gosched();     /* readers overlap */
            atomic_fetch_sub(&readers, 1);
            gort_rwmutex_runlock(&rw);
        }
    }
    gort_waitgroup_done(a->wg);
}

static void test_rwmutex(void **state)
{
    (void)state;
    enum { G = 30, N = 2000 };
    static hammer_arg args[G];
    gort_waitgroup wg = {0};
    rwa = rwb = 0;
    gort_waitgroup_add(&wg, G);
    for (int i = 0; i < G; i++) {
        args[i] = (hammer_arg){&wg, N, i};
        gort_go(rw_worker, &args[i]);
    }
    gort_waitgroup_wait(&wg);
    assert_no_failure();
    assert_int_equal(rwa, rwb);
    print_message("up to %d readers at once; %ld writes\n", atomic_load(&maxreaders), rwa);
    assert_true(atomic_load(&maxreaders) >= 1);
    /* Try variants. */
    assert_true(gort_rwmutex_tryrlock(&rw));
    assert_true(gort_rwmutex_tryrlock(&rw));
    assert_false(gort_rwmutex_trylock(&rw));
    gort_rwmutex_runlock(&rw);
    gort_rwmutex_runlock(&rw);
    assert_true(gort_rwmutex_trylock(&rw));
    assert_false(gort_rwmutex_tryrlock(&rw));
    gort_rwmutex_unlock(&rw);
    assert_int_equal(rw.readerCount_, 0);
}

/* A stream of overlapping readers never leaves the lock free, yet a
 * writer gets it: once it waits, new readers wait behind it. */
static gort_rwmutex rws;
static _Atomic int writer_done;

static void overlapping_reader(void *arg)
{
    gort_waitgroup *wg = arg;
    while (!atomic_load(&writer_done)) {
        gort_rwmutex_rlock(&rws);
        gort_gosched();
        gort_rwmutex_runlock(&rws);
    }
    gort_waitgroup_done(wg);
}

static void test_rwmutex_writer_not_starved(void **state)
{
    (void)state;
    enum { G = 8 };
    gort_waitgroup wg = {0};
    atomic_store(&writer_done, 0);
    gort_waitgroup_add(&wg, G);
    for (int i = 0; i < G; i++)
        gort_go(overlapping_reader, &wg);
    for (int i = 0; i < 100; i++)
        gort_gosched();
    for (int i = 0; i < 10; i++) {
        gort_rwmutex_lock(&rws);
        gort_rwmutex_unlock(&rws);
        gort_gosched();
    }
    atomic_store(&writer_done, 1);
    gort_waitgroup_wait(&wg);
}

/* ------------------------------------------------------------------------
 * WaitGroup
 * ---------------------------------------------------------------------- */

static _Atomic int wg_count;

static void wg_worker(void *arg)
{
    atomic_fetch_add(&wg_count, 1);
    gort_waitgroup_done(arg);
}

typedef struct waiter_arg {
    gort_waitgroup *wg;
    gort_waitgroup *out;
    int expect;
} waiter_arg;

static void wg_waiter(void *arg)
{
    waiter_arg *a = arg;
    gort_waitgroup_wait(a->wg);
    if (atomic_load(&wg_count) != a->expect)
        fail_at("Wait returned before the counter reached zero");
    gort_waitgroup_done(a->out);
}

static void test_waitgroup(void **state)
{
    (void)state;
    enum { N = 1000, W = 5 };
    static gort_waitgroup wg;       /* zero value, reused every round */
    for (int round = 0; round < 5; round++) {
        atomic_store(&wg_count, 0);
        gort_waitgroup_add(&wg, N);
        /* Extra waiters, besides main. */
        gort_waitgroup out = {0};
        waiter_arg wa = {&wg, &out, N};
        gort_waitgroup_add(&out, W);
        for (int i = 0; i < W; i++)
            gort_go(wg_waiter, &wa);
        for (int i = 0; i < N; i++)
            gort_go(wg_worker, &wg);
        gort_waitgroup_wait(&wg);
        assert_int_equal(atomic_load(&wg_count), N);
        gort_waitgroup_wait(&out);
        assert_no_failure();
    }
    /* Wait on a zero counter returns at once. */
    gort_waitgroup_wait(&wg);
    gort_waitgroup z = {0};
    gort_waitgroup_wait(&z);
    gort_waitgroup_add(&z, 3);
    gort_waitgroup_add(&z, -3);
    gort_waitgroup_wait(&z);
}

/* ------------------------------------------------------------------------
 * Once
 * ---------------------------------------------------------------------- */

static gort_once once;
static _Atomic int once_calls, once_ready;

static void once_fn(void *arg)
{
    (void)arg;
    atomic_fetch_add(&once_calls, 1);
    /* Take a while, parking, so that the other callers arrive. */
    for (int i = 0; i < 100; i++)
        gort_gosched();
    atomic_store(&once_ready, 1);
}

static void once_caller(void *arg)
{
    gort_once_do(&once, once_fn, NULL);
    if (!atomic_load(&once_ready))
        fail_at("gort_once_do returned before the first call finished");
    gort_waitgroup_done(arg);
}

static void test_once(void **state)
{
    (void)state;
    enum { G = 50 };
    gort_waitgroup wg = {0};
    gort_waitgroup_add(&wg, G);
    for (int i = 0; i < G; i++)
        gort_go(once_caller, &wg);
    gort_waitgroup_wait(&wg);
    gort_once_do(&once, once_fn, NULL);
    assert_no_failure();
    assert_int_equal(atomic_load(&once_calls), 1);
}

/* ------------------------------------------------------------------------
 * Cond
 * ---------------------------------------------------------------------- */

static gort_mutex cmu;
static gort_cond cnd;
static int queue[16], qhead, qlen;      /* under cmu */
static bool qclosed;

static gort_waitgroup cwg;

static void cond_consumer(void *arg)
{
    long *sum = arg;
    gort_mutex_lock(&cmu);
    for (;;) {
        while (qlen == 0 && !qclosed)
            gort_cond_wait(&cnd, &cmu);
        if (qlen == 0)
            break;
        *sum += queue[qhead];
        qhead = (qhead + 1) % 16;
        qlen--;
        gort_cond_broadcast(&cnd);      /* room for the producer */
    }
    gort_mutex_unlock(&cmu);
    gort_waitgroup_done(&cwg);
}

/* A bounded queue under one mutex and one cond: a producer (main) and C
 * consumers; every value is consumed once. */
static void test_cond(void **state)
{
    (void)state;
    enum { C = 4, N = 5000 };
    long sums[C] = {0};
    qhead = qlen = 0;
    qclosed = false;
    gort_waitgroup_add(&cwg, C);
    for (int i = 0; i < C; i++)
        gort_go(cond_consumer, &sums[i]);
    gort_mutex_lock(&cmu);
    for (int i = 1; i <= N; i++) {
        while (qlen == 16)
            gort_cond_wait(&cnd, &cmu);
        queue[(qhead + qlen) % 16] = i;
        qlen++;
        gort_cond_signal(&cnd);
    }
    qclosed = true;
    gort_cond_broadcast(&cnd);
    gort_mutex_unlock(&cmu);
    gort_waitgroup_wait(&cwg);
    long total = 0;
    for (int i = 0; i < C; i++)
        total += sums[i];
    assert_int_equal(total, (long)N * (N + 1) / 2);
}

/* Broadcast wakes every waiter; Signal wakes one, in order of arrival. */
static _Atomic int woken;
static int generation;      /* under cmu */

static void cond_waiter(void *arg)
{
    (void)arg;
    gort_mutex_lock(&cmu);
    int gen = generation;
    while (generation == gen)
        gort_cond_wait(&cnd, &cmu);
    atomic_fetch_add(&woken, 1);
    gort_mutex_unlock(&cmu);
}

static void test_cond_broadcast_signal(void **state)
{
    (void)state;
    enum { W = 20 };
    gort_cond c = {0};
    /* Signal and Broadcast with nobody waiting are no-ops. */
    gort_cond_signal(&c);
    gort_cond_broadcast(&c);
    atomic_store(&woken, 0);
    for (int i = 0; i < W; i++)
        gort_go(cond_waiter, NULL);
    /* Wait until all W hold tickets. */
    notifyList *l = (notifyList *)&cnd;
    while (atomic_load(&l->wait) - atomic_load(&l->notify) != W)
        gort_gosched();
    gort_mutex_lock(&cmu);
    generation++;
    gort_cond_broadcast(&cnd);
    gort_mutex_unlock(&cmu);
    while (atomic_load(&woken) != W)
        gort_gosched();
    /* Signal: one at a time. */
    atomic_store(&woken, 0);
    for (int i = 0; i < 3; i++)
        gort_go(cond_waiter, NULL);
    while (atomic_load(&l->wait) - atomic_load(&l->notify) != 3)
        gort_gosched();
    gort_mutex_lock(&cmu);
    generation++;
    gort_mutex_unlock(&cmu);
    for (int i = 1; i <= 3; i++) {
        gort_cond_signal(&cnd);
        while (atomic_load(&woken) != i)
            gort_gosched();
    }
}

/* ------------------------------------------------------------------------
 * Semaphores: FIFO wake-up order, and many addresses in the table.
 * ---------------------------------------------------------------------- */

static _Atomic uint32_t sem;
static int order[20];               /* under the semaphore's hand-off */
static _Atomic int norder;          /* main polls it */

static void sem_waiter(void *arg)
{
    int id = (int)(intptr_t)arg;
    gort__semacquire1(&sem, false, waitReasonSemacquire);
    int k = atomic_load(&norder);   /* one waiter at a time gets here */
    order[k] = id;
    atomic_store(&norder, k + 1);
}

static void test_sema_fifo(void **state)
{
    (void)state;
    enum { N = 20 };
    norder = 0;
    for (int i = 0; i < N; i++) {
        gort_go(sem_waiter, (void *)(intptr_t)i);
        /* Let it block before the next one comes. */
        while (gort__sema_nwaiters(&sem) != i + 1)
            gort_gosched();
    }
    for (int i = 0; i < N; i++) {
        gort__semrelease1(&sem, false);
        while (norder != i + 1)
            gort_gosched();
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(order[i], i);
}

/* Many mutexes at once: their semaphores share the table's roots. */
static gort_mutex many[300];
static long manyc[300];

static void many_worker(void *arg)
{
    hammer_arg *a = arg;
    uint32_t rnd = 0x27d4eb2fu * (uint32_t)(a->id + 1);
    for (int i = 0; i < a->n; i++) {
        int k = (int)(xorshift(&rnd) % 300);
        gort_mutex_lock(&many[k]);
        long c = manyc[k];
        if (xorshift(&rnd) % 4 == 0)
            gort_gosched();
        manyc[k] = c + 1;
        gort_mutex_unlock(&many[k]);
    }
    gort_waitgroup_done(a->wg);
}

static void test_many_mutexes(void **state)
{
    (void)state;
    enum { G = 40, N = 3000 };
    static hammer_arg args[G];
    gort_waitgroup wg = {0};
    gort_waitgroup_add(&wg, G);
    for (int i = 0; i < G; i++) {
        args[i] = (hammer_arg){&wg, N, i};
        gort_go(many_worker, &args[i]);
    }
    gort_waitgroup_wait(&wg);
    long total = 0;
    for (int k = 0; k < 300; k++) {
        total += manyc[k];
        assert_int_equal(many[k].state_, 0);
    }
    assert_int_equal(total, (long)G * N);
}

/* ------------------------------------------------------------------------
 * Threads the runtime did not start.
 * ---------------------------------------------------------------------- */

static gort_waitgroup twg;
static _Atomic int tregistered, tfinished;

/* The thread waits on a WaitGroup that goroutines complete. */
static void thread_waits(void *arg)
{
    (void)arg;
    gort_mutex_lock(&mu);       /* the runtime learns of the thread */
    gort_mutex_unlock(&mu);
    atomic_store(&tregistered, 1);
    gort_waitgroup_wait(&twg);
    if (atomic_load(&wg_count) != 200)
        fail_at("thread: Wait returned early");
    atomic_store(&tfinished, 1);
}

static void test_foreign_thread_waits(void **state)
{
    (void)state;
    atomic_store(&wg_count, 0);
    atomic_store(&tregistered, 0);
    atomic_store(&tfinished, 0);
    gort_waitgroup_add(&twg, 200);
    testthread t;
    testthread_start(&t, thread_waits, NULL);
    while (!atomic_load(&tregistered))
        gort_gosched();
    for (int i = 0; i < 200; i++)
        gort_go(wg_worker, &twg);
    testthread_join(&t);
    assert_true(atomic_load(&tfinished));
    assert_no_failure();
}

/* Threads and goroutines contend on one mutex; goroutines wait for the
 * threads with a WaitGroup that the threads complete. */
static gort_waitgroup doneg;

static _Atomic int nregistered;

static void thread_hammer(void *arg)
{
    hammer_arg *a = arg;
    gort_mutex_lock(&mu);       /* the runtime learns of the thread */
    gort_mutex_unlock(&mu);
    atomic_fetch_add(&nregistered, 1);
    for (int i = 0; i < a->n; i++) {
        gort_mutex_lock(&mu);
        if (atomic_fetch_add(&inside, 1) != 0)
            fail_at("two inside the mutex (thread)");
        counter++;
        atomic_fetch_sub(&inside, 1);
        gort_mutex_unlock(&mu);
    }
    gort_waitgroup_done(a->wg);
}

static void goroutine_waits(void *arg)
{
    gort_waitgroup *all = arg;
    gort_waitgroup_wait(&doneg);
    gort_waitgroup_done(all);
}

static void test_foreign_threads_contend(void **state)
{
    (void)state;
    enum { T = 3, G = 10, N = 3000 };
    static hammer_arg targs[T], gargs[G];
    static gort_waitgroup all;
    counter = 0;
    atomic_store(&nregistered, 0);
    gort_waitgroup_add(&doneg, T);
    gort_waitgroup_add(&all, G + 2);
    for (int i = 0; i < 2; i++)
        gort_go(goroutine_waits, &all);
    testthread t[T];
    for (int i = 0; i < T; i++) {
        targs[i] = (hammer_arg){&doneg, N, i};
        testthread_start(&t[i], thread_hammer, &targs[i]);
    }
    while (atomic_load(&nregistered) != T)
        gort_gosched();
    for (int i = 0; i < G; i++) {
        gargs[i] = (hammer_arg){&all, N, 100 + i};
        gort_go(hammer, &gargs[i]);
    }
    gort_waitgroup_wait(&all);
    for (int i = 0; i < T; i++)
        testthread_join(&t[i]);
    assert_no_failure();
    assert_int_equal(counter, (long)(T + G) * N);
}

void main_main(void)
{
    /* cmocka keeps its state in thread-local storage: keep the main
     * goroutine, which runs cmocka, on one thread. */
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutex_basic),
        cmocka_unit_test(test_mutex_contention),
        cmocka_unit_test(test_mutex_starvation),
        cmocka_unit_test(test_rwmutex),
        cmocka_unit_test(test_rwmutex_writer_not_starved),
        cmocka_unit_test(test_waitgroup),
        cmocka_unit_test(test_once),
        cmocka_unit_test(test_cond),
        cmocka_unit_test(test_cond_broadcast_signal),
        cmocka_unit_test(test_sema_fifo),
        cmocka_unit_test(test_many_mutexes),
        cmocka_unit_test(test_foreign_thread_waits),
        cmocka_unit_test(test_foreign_threads_contend),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
