/*
 * test_stress.c - everything at once, with invariant checks: sleepers;
 * the select-with-timeout pattern, whose timers are freed as they fire;
 * private timers Reset earlier and later and Stopped; shared timers and a
 * ticker Reset, Stopped and read by many goroutines; GOMAXPROCS changes;
 * locked goroutines in system calls; threads the runtime did not start
 * sending, receiving, sleeping and using timers, long- and short-lived;
 * CPU hogs, goroutines and threads.  GORT_TEST_STRESS rounds (default 12,
 * three of each kind: see stressround()).  Runs at GOMAXPROCS=1, 2 and 4.
 *
 * Checked: every value sent is received exactly once (so a select that
 * timed out sent nothing); no sleep returns early; after Stop a timer's
 * channel holds exactly what the results of Stop and Reset say, and no
 * value comes later; timer values are times already past; a locked
 * goroutine stays on its thread.  A lost wake-up hangs (the TIMEOUT), a
 * use after free shows in the asan leg.  No timing bounds.
 */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gort.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <unistd.h>
#endif

#include "testthread.h"
#include "testutil.h"

enum {
    NPROD = 4,          /* producer goroutines */
    NLOCKED = 2,        /* locked producer goroutines */
    NPRODF = 1,         /* producer threads the runtime did not start */
    NLONG = NPROD + NLOCKED + NPRODF,
    PERPROD = 300,      /* values per long-lived producer */
    NSHORT = 6,         /* short-lived threads, one after another */
    PERSHORT = 5,       /* values per short-lived thread */
    TOTAL = NLONG * PERPROD + NSHORT * PERSHORT,
    NCONS = 4,          /* consumer goroutines, plus one thread */
    NSLEEPERS = 16, SLEEPS = 150,
    NOWNERS = 4, OWNS = 200,            /* private timers: goroutines (plus one thread), rounds */
    NRESETTERS = 3, RESETS = 1500,      /* of the shared timers */
    NSHARED = 3,        /* shared one-shot timers, plus one ticker */
    NHOGS = 2,
    NCHANGERS = 2,
};

/* --- helpers -------------------------------------------------------------- */

/* thread_id names the thread the caller runs on now, re-read at every
 * call (test_lockosthread.c says why it goes through a volatile pointer). */
static uintptr_t thread_id(void)
{
#ifdef _WIN32
    return (uintptr_t)GetCurrentThreadId();
#else
    static pthread_t (*volatile self)(void) = pthread_self;
    return (uintptr_t)self();
#endif
}

/* shortcall is a real, short system call. */
static int shortcall(void)
{
#ifdef _WIN32
    SwitchToThread();
    return 0;
#else
    char buf[1];
    return (int)read(0, buf, 0);
#endif
}

/* upto returns a random duration in [0, max) ns. */
static int64_t upto(uint32_t *s, int64_t max)
{
    return (int64_t)(xorshift(s) % (uint32_t)max);
}

/* spin busy-waits about ns nanoseconds, without a runtime call. */
static void spin(int64_t ns)
{
    int64_t until = gort_nanotime() + ns;
    while (gort_nanotime() < until)
        ;
}

/* checkwhen checks a value from a timer's channel: a time already past. */
static void checkwhen(int64_t when)
{
    CHECK(when > 0 && when <= gort_nanotime());
}

/* --- one round's state ------------------------------------------------------ */

static gort_chan *workc;                /* the values, int64_t */
static _Atomic uint8_t seen[TOTAL];     /* seen[v]: v was received */
static atomic_int nrecv;
static gort_timer *shared[NSHARED + 1]; /* the last one is a ticker */
static atomic_bool stop;                /* hogs and changers: the round is over */
static gort_waitgroup prodwg, conswg, workwg, bgwg;
static bool changing;                   /* GOMAXPROCS changes this round */
static atomic_int roundno;

static uint32_t seedof(int who)
{
    return (uint32_t)(atomic_load(&roundno) * 7919 + who) * 2654435761u | 1;
}

/* record notes that v was received: once, and in range. */
static void record(int64_t v)
{
    CHECK(v >= 0 && v < TOTAL);
    if (v < 0 || v >= TOTAL)
        return;
    CHECK(atomic_exchange(&seen[v], 1) == 0);   /* not a duplicate */
    atomic_fetch_add(&nrecv, 1);
}

/* --- producers and consumers --------------------------------------------------
 * Each producer sends the values [base, base+n) on workc, in one of three
 * ways chosen at random: a plain send, a send bracketed by a system call,
 * or a select {send; its own short timer}, retried on time-out, whose
 * timer is freed at once, as it may be firing.  A value sent twice, or a
 * timed-out select that sent, shows as a duplicate. */

static void produce(int base, int n, uint32_t s, bool locked)
{
    uintptr_t tid = locked ? thread_id() : 0;
    for (int i = 0; i < n; i++) {
        int64_t v = base + i;
        switch (xorshift(&s) % 4) {
        case 0:
            gort_chan_send(workc, &v);
            break;
        case 1:
            (void)GORT_SYSCALL(shortcall());
            gort_chan_send(workc, &v);
            break;
        default:
            for (;;) {
                gort_timer *t = gort_timer_new(upto(&s, 20 * GORT_MICROSECOND));
                int64_t when = 0;
                gort_case cs[2] = {{workc, GORT_SEND, &v, false},
                                   {gort_timer_chan(t), GORT_RECV, &when, false}};
                int r = gort_select(cs, 2, true);
                gort_timer_free(t);
                if (r == 0)
                    break;
                CHECK(r == 1);
                checkwhen(when);
            }
            break;
        }
        if (i % 16 == 0)
            gort_sleep(upto(&s, 20 * GORT_MICROSECOND));
        if (locked) {
            if (i % 32 == 0)
                (void)GORT_SYSCALL(shortcall());
            CHECK(thread_id() == tid);
        }
    }
}

static void producer_g(void *arg)
{
    int id = (int)(intptr_t)arg;
    produce(id * PERPROD, PERPROD, seedof(id), false);
    gort_waitgroup_done(&prodwg);
}

/* A locked producer: locks twice (they nest), unlocks once half-way and
 * must still be locked, so that it stays on its thread throughout. */
static void producer_locked(void *arg)
{
    int id = (int)(intptr_t)arg;
    gort_lockosthread();
    gort_lockosthread();
    uintptr_t tid = thread_id();
    produce(id * PERPROD, PERPROD / 2, seedof(id), true);
    gort_unlockosthread();
    gort_gosched();
    CHECK(thread_id() == tid);
    produce(id * PERPROD + PERPROD / 2, PERPROD - PERPROD / 2, seedof(id) ^ 1, true);
    CHECK(thread_id() == tid);
    gort_unlockosthread();
    gort_waitgroup_done(&prodwg);
}

/* A producer thread the runtime did not start; in a round of GOMAXPROCS
 * changes it makes one too, half-way. */
static void producer_thread(void *arg)
{
    int id = (int)(intptr_t)arg;
    produce(id * PERPROD, PERPROD / 2, seedof(id), false);
    if (changing) {
        int n = gort_gomaxprocs(1 + (int)(seedof(id) % 4));
        CHECK(n >= 1 && n <= 4);
    }
    produce(id * PERPROD + PERPROD / 2, PERPROD - PERPROD / 2, seedof(id) ^ 1, false);
    gort_waitgroup_done(&prodwg);
}

/* Short-lived threads, one after another, each a small producer: their
 * Ms and Gs are released and reused as they exit. */
static void short_thread(void *arg)
{
    int k = (int)(intptr_t)arg;
    produce(NLONG * PERPROD + k * PERSHORT, PERSHORT, seedof(100 + k), false);
}

static void short_spawner(void *arg)
{
    (void)arg;
    for (int k = 0; k < NSHORT; k++) {
        testthread th;
        testthread_start(&th, short_thread, (void *)(intptr_t)k);
        testthread_join(&th);
    }
    gort_waitgroup_done(&prodwg);
}

/* Consumers receive until workc is closed and drained: a plain receive
 * now and then, else a select {receive; its own short timer}, whose
 * timer is stopped or just freed, as it may be firing. */
static void consume(uint32_t s)
{
    for (;;) {
        int64_t v = -1;
        if (xorshift(&s) % 4 == 0) {
            if (!gort_chan_recv(workc, &v))
                return;
            record(v);
            continue;
        }
        gort_timer *t = gort_timer_new(upto(&s, 50 * GORT_MICROSECOND));
        int64_t when = 0;
        gort_case cs[2] = {{workc, GORT_RECV, &v, false},
                           {gort_timer_chan(t), GORT_RECV, &when, false}};
        int r = gort_select(cs, 2, true);
        if (xorshift(&s) % 2)
            gort_timer_stop(t);
        gort_timer_free(t);
        if (r == 0) {
            if (!cs[0].ok)
                return;
            record(v);
        } else {
            CHECK(r == 1);
            checkwhen(when);
        }
    }
}

static void consumer(void *arg)
{
    consume(seedof(200 + (int)(intptr_t)arg));
    gort_waitgroup_done(&conswg);
}

/* --- sleepers ---------------------------------------------------------------- */

static void sleeper(void *arg)
{
    uint32_t s = seedof(300 + (int)(intptr_t)arg);
    for (int i = 0; i < SLEEPS; i++) {
        uint32_t k = xorshift(&s) % 16;
        int64_t d = k == 0 ? -upto(&s, 1000) : k == 1 ? GORT_MILLISECOND : upto(&s, 50 * GORT_MICROSECOND);
        int64_t t0 = gort_nanotime();
        gort_sleep(d);
        CHECK(gort_nanotime() - t0 >= d);      /* never early */
    }
    gort_waitgroup_done(&workwg);
}

/* --- private timers: exactly what Stop and Reset say ----------------------
 * One owner, one timer, armed with its channel empty.  Reset of the armed
 * timer returning false means that the arming before fired (and its send
 * is over: Reset waits for a firing in progress); Stop returning false,
 * that the last arming fired.  Once Stop has returned nothing fires any
 * more, so the channel (capacity 1) then holds one value if anything
 * fired, else none, and is still empty when the next round re-arms it.
 * Now and then the owner frees the armed timer instead, as it may be
 * firing (the select-with-timeout pattern). */

static void own(uint32_t s)
{
    gort_timer *t = NULL;
    for (int i = 0; i < OWNS; i++) {
        int64_t d = upto(&s, 30 * GORT_MICROSECOND);
        if (t == NULL) {
            t = gort_timer_new(d);
        } else {
            CHECK(gort_chan_len(gort_timer_chan(t)) == 0);  /* nothing after Stop */
            CHECK(!gort_timer_reset(t, d));                 /* it was stopped */
        }
        int fired = 0;
        if (xorshift(&s) % 2) {
            /* Earlier or later than it was. */
            int64_t d2 = xorshift(&s) % 2 ? upto(&s, 10 * GORT_MICROSECOND)
                                          : GORT_MILLISECOND + upto(&s, GORT_MILLISECOND);
            spin(upto(&s, 30 * GORT_MICROSECOND));
            if (!gort_timer_reset(t, d2))
                fired++;
        }
        switch (xorshift(&s) % 4) {
        case 0: spin(upto(&s, 40 * GORT_MICROSECOND)); break;
        case 1: gort_sleep(upto(&s, 40 * GORT_MICROSECOND)); break;
        case 2: gort_gosched(); break;
        default: break;
        }
        if (xorshift(&s) % 8 == 0) {
            gort_timer_free(t);     /* armed, perhaps firing */
            t = NULL;
            continue;
        }
        if (!gort_timer_stop(t))
            fired++;
        size_t want = fired > 0 ? 1 : 0;
        CHECK(gort_chan_len(gort_timer_chan(t)) == want);
        if (want) {
            int64_t when = 0;
            gort_case c = {gort_timer_chan(t), GORT_RECV, &when, false};
            CHECK(gort_select(&c, 1, false) == 0);
            checkwhen(when);
        }
    }
    gort_timer_free(t);
}

static void owner(void *arg)
{
    own(seedof(400 + (int)(intptr_t)arg));
    gort_waitgroup_done(&workwg);
}

/* --- shared timers: Reset, Stop and receive from many goroutines ----------- */

static void resetter(void *arg)
{
    uint32_t s = seedof(500 + (int)(intptr_t)arg);
    for (int i = 0; i < RESETS; i++) {
        int k = (int)(xorshift(&s) % (NSHARED + 1));
        gort_timer *t = shared[k];
        bool ticker = k == NSHARED;
        switch (xorshift(&s) % 8) {
        case 0: case 1: case 2:     /* earlier */
            gort_timer_reset(t, 1 + upto(&s, 20 * GORT_MICROSECOND));
            break;
        case 3:                     /* later */
            gort_timer_reset(t, (ticker ? 1 : 1000) * GORT_MILLISECOND + upto(&s, 1000));
            break;
        case 4: case 5:
            gort_timer_stop(t);
            break;
        default: {
            int64_t when = 0;
            gort_case c = {gort_timer_chan(t), GORT_RECV, &when, false};
            if (gort_select(&c, 1, false) == 0)
                checkwhen(when);
            CHECK(gort_chan_len(gort_timer_chan(t)) <= 1);
            break;
        }
        }
        if (i % 64 == 0)
            gort_sleep(upto(&s, 20 * GORT_MICROSECOND));
    }
    gort_waitgroup_done(&workwg);
}

/* --- GOMAXPROCS changes and hogs ------------------------------------------------ */

static void changer(void *arg)
{
    uint32_t s = seedof(600 + (int)(intptr_t)arg);
    while (!atomic_load(&stop)) {
        int n = gort_gomaxprocs(1 + (int)(xorshift(&s) % 4));
        CHECK(n >= 1 && n <= 4);
        gort_sleep(upto(&s, 300 * GORT_MICROSECOND));
    }
    gort_waitgroup_done(&bgwg);
}

/* A goroutine hog spins up to 100us at a time between yields, well under
 * the 10 ms after which sysmon would preempt it: the yields, not
 * preemption, are what a stop-the-world waits for here. */
static void hog_g(void *arg)
{
    uint32_t s = seedof(700 + (int)(intptr_t)arg);
    while (!atomic_load(&stop)) {
        spin(upto(&s, 100 * GORT_MICROSECOND));
        gort_gosched();
    }
    gort_waitgroup_done(&bgwg);
}

/* A thread hog never calls into gort: it only takes CPU from the Ms. */
static void hog_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop))
        ;
}

/* --- a thread the runtime did not start running goroutine work --------- */

static void consumer_thread(void *arg)
{
    consume(seedof(800 + (int)(intptr_t)arg));
    gort_waitgroup_done(&conswg);
}

static void owner_thread(void *arg)
{
    own(seedof(900 + (int)(intptr_t)arg));
    for (int i = 0; i < 20; i++) {
        int64_t t0 = gort_nanotime();
        int64_t d = 1 + (int64_t)i * GORT_MICROSECOND;
        gort_sleep(d);
        CHECK(gort_nanotime() - t0 >= d);
    }
    gort_waitgroup_done(&workwg);
}

/* --- a round ---------------------------------------------------------------------
 * Kinds, by round number mod 4: 0 all of it at the GOMAXPROCS the test
 * started with; 1 with GOMAXPROCS changes; 2 with goroutine hogs; 3 with
 * thread hogs and GOMAXPROCS changes.  workc's capacity cycles 0, 1, 16. */

static void waitgoroutines(int n)
{
    while (gort_numgoroutine() > n)
        gort_sleep(GORT_MILLISECOND);
}

static void stressround(int r)
{
    int kind = r % 4;
    int procs = gort_gomaxprocs(0);
    int base = gort_numgoroutine();
    atomic_store(&roundno, r);
    changing = kind == 1 || kind == 3;
    atomic_store(&stop, false);
    memset(seen, 0, sizeof seen);
    atomic_store(&nrecv, 0);
    static const size_t caps[] = {0, 1, 16};
    workc = gort_chan_make(sizeof(int64_t), caps[r % 3]);
    for (int k = 0; k < NSHARED; k++)
        shared[k] = gort_timer_new((int64_t)(k + 1) * 10 * GORT_MICROSECOND);
    shared[NSHARED] = gort_ticker_new(20 * GORT_MICROSECOND);

    testthread hogs[NHOGS];
    int nbg = (changing ? NCHANGERS : 0) + (kind == 2 ? NHOGS : 0);
    gort_waitgroup_add(&bgwg, nbg);
    if (changing)
        for (int i = 0; i < NCHANGERS; i++)
            gort_go(changer, (void *)(intptr_t)i);
    if (kind == 2)
        for (int i = 0; i < NHOGS; i++)
            gort_go(hog_g, (void *)(intptr_t)i);
    if (kind == 3)
        for (int i = 0; i < NHOGS; i++)
            testthread_start(&hogs[i], hog_thread, NULL);

    testthread cons_th, prod_th, own_th;
    gort_waitgroup_add(&conswg, NCONS + 1);
    for (int i = 0; i < NCONS; i++)
        gort_go(consumer, (void *)(intptr_t)i);
    testthread_start(&cons_th, consumer_thread, NULL);

    gort_waitgroup_add(&prodwg, NLONG + 1);
    int id = 0;
    for (int i = 0; i < NPROD; i++)
        gort_go(producer_g, (void *)(intptr_t)id++);
    for (int i = 0; i < NLOCKED; i++)
        gort_go(producer_locked, (void *)(intptr_t)id++);
    testthread_start(&prod_th, producer_thread, (void *)(intptr_t)id++);
    gort_go(short_spawner, NULL);

    gort_waitgroup_add(&workwg, NSLEEPERS + NOWNERS + 1 + NRESETTERS);
    for (int i = 0; i < NSLEEPERS; i++)
        gort_go(sleeper, (void *)(intptr_t)i);
    for (int i = 0; i < NOWNERS; i++)
        gort_go(owner, (void *)(intptr_t)i);
    testthread_start(&own_th, owner_thread, NULL);
    for (int i = 0; i < NRESETTERS; i++)
        gort_go(resetter, (void *)(intptr_t)i);

    gort_waitgroup_wait(&prodwg);
    gort_chan_close(workc);         /* the consumers drain it and return */
    gort_waitgroup_wait(&conswg);
    gort_waitgroup_wait(&workwg);
    atomic_store(&stop, true);
    gort_waitgroup_wait(&bgwg);
    testthread_join(&cons_th);
    testthread_join(&prod_th);
    testthread_join(&own_th);
    if (kind == 3)
        for (int i = 0; i < NHOGS; i++)
            testthread_join(&hogs[i]);

    assert_no_failure();
    assert_int_equal(atomic_load(&nrecv), TOTAL);     /* nothing lost */
    for (int v = 0; v < TOTAL; v++)
        if (!atomic_load(&seen[v]))
            fail_msg("round %d: value %d never received", r, v);
    for (int k = 0; k <= NSHARED; k++) {
        gort_timer_stop(shared[k]);
        assert_true(gort_chan_len(gort_timer_chan(shared[k])) <= 1);
        gort_timer_free(shared[k]);
    }
    gort_chan_free(workc);
    gort_gomaxprocs(procs);
    waitgoroutines(base);
    assert_int_equal(gort_gomaxprocs(0), procs);
}

static void test_stress(void **state)
{
    (void)state;
    int rounds = 12;
    const char *s = getenv("GORT_TEST_STRESS");
    if (s && atoi(s) > 0)
        rounds = atoi(s);
    for (int r = 0; r < rounds; r++)
        stressround(r);
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
