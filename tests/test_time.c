/*
 * test_time.c - timers: sleep never returns early, timers fire in order,
 * Stop/Reset return values and the values left in the channel (Go
 * 1.19-1.22), tickers drop missed ticks, d <= 0 fires at once, a huge d
 * never fires, sleepers on foreign threads, and the timer life cycle under
 * races: concurrent Reset and Stop (Go's TestConcurrentTimerReset and
 * TestConcurrentTimerResetStop), one M at a time running a timer, Stop
 * returning only once a firing is over, timers freed as they fire, and
 * every transition at once on shared timers while GOMAXPROCS changes.
 * Runs at GOMAXPROCS=1 and 2.
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

#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "runtime.h"     /* raw runtime timers, for the life-cycle tests */
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

/* Go's TestConcurrentTimerReset: Resets of one timer from 8 goroutines at
 * once do not crash; the timer is still pending after them. */
enum { RESETTERS = 8, RESETTRIES = 20000 };  /* Go: 1000; more finds more here */
static gort_timer *sharedtimer;
static gort_waitgroup resetwg;

static void resetter(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (int j = 0; j < RESETTRIES; j++)
        gort_timer_reset(sharedtimer, 3600 * GORT_SECOND + (int64_t)i * j);
    gort_waitgroup_done(&resetwg);
}

static void stopper(void *arg)
{
    (void)arg;
    gort_timer_stop(sharedtimer);
    gort_waitgroup_done(&resetwg);
}

static void test_concurrent_reset(void **state)
{
    (void)state;
    sharedtimer = gort_timer_new(3600 * GORT_SECOND);
    gort_waitgroup_add(&resetwg, RESETTERS);
    for (int i = 0; i < RESETTERS; i++)
        gort_go(resetter, (void *)(intptr_t)i);
    gort_waitgroup_wait(&resetwg);
    assert_true(gort_timer_stop(sharedtimer));
    assert_false(gort_timer_stop(sharedtimer));
    gort_timer_free(sharedtimer);
}

/* Go's TestConcurrentTimerResetStop: Resets and Stops at once. */
static void test_concurrent_reset_stop(void **state)
{
    (void)state;
    sharedtimer = gort_timer_new(3600 * GORT_SECOND);
    gort_waitgroup_add(&resetwg, 2 * RESETTERS);
    for (int i = 0; i < RESETTERS; i++) {
        gort_go(resetter, (void *)(intptr_t)i);
        gort_go(stopper, NULL);
    }
    gort_waitgroup_wait(&resetwg);
    gort_timer_stop(sharedtimer);
    assert_false(gort_timer_stop(sharedtimer));
    gort_timer_free(sharedtimer);
}

/* A timer's function runs on one M at a time: a 20us ticker, whose
 * function notes any overlap with itself, while goroutines nap so that
 * every M (owner, stealers, the poller) has a chance to run it. */
static _Atomic int tickinside, tickoverlap, tickcount;
static _Atomic bool napstop;

static void tickfn(void *arg, uintptr_t seq)
{
    (void)arg, (void)seq;
    if (atomic_fetch_add(&tickinside, 1) != 0)
        atomic_fetch_add(&tickoverlap, 1);
    int64_t until = gort_nanotime() + 2 * GORT_MICROSECOND;
    while (gort_nanotime() < until)
        ;
    atomic_fetch_sub(&tickinside, 1);
    atomic_fetch_add(&tickcount, 1);
}

static void napper(void *arg)
{
    (void)arg;
    while (!napstop)
        gort_sleep(3 * GORT_MICROSECOND);
    gort_waitgroup_done(&resetwg);
}

static void test_timer_runs_alone(void **state)
{
    (void)state;
    timer t = {.idx = -1, .f = tickfn, .when = gort_nanotime(), .period = 20 * GORT_MICROSECOND};
    napstop = false;
    tickoverlap = tickcount = 0;
    gort_waitgroup_add(&resetwg, 3);
    for (int i = 0; i < 3; i++)
        gort_go(napper, NULL);
    gort__addtimer(&t);
    /* 20,000 ticks, or 3 s where the poller's clock is coarse (wine:
     * about a tick a millisecond): a bound on the loop, not a check. */
    int64_t until = gort_nanotime() + 3 * GORT_SECOND;
    while (tickcount < 20000 && gort_nanotime() < until)
        gort_sleep(GORT_MILLISECOND);
    assert_true(tickcount > 100);
    assert_true(gort__deltimer(&t));
    assert_int_equal(tickinside, 0);    /* Stop waited for a run in progress */
    napstop = true;
    gort_waitgroup_wait(&resetwg);
    assert_int_equal(tickoverlap, 0);
}

/* Stop returns only once a firing in progress is over, so that the
 * timer may be freed: one-shot timers stopped at about the time they
 * fire, on another M (a napper keeps the other P's M around). */
static _Atomic int shotinside;

static void shotfn(void *arg, uintptr_t seq)
{
    (void)arg, (void)seq;
    atomic_store(&shotinside, 1);
    int64_t until = gort_nanotime() + 5 * GORT_MICROSECOND;
    while (gort_nanotime() < until)
        ;
    atomic_store(&shotinside, 0);
}

static void test_stop_waits_for_fire(void **state)
{
    (void)state;
    napstop = false;
    gort_waitgroup_add(&resetwg, 1);
    gort_go(napper, NULL);
    unsigned s = 12345;
    int bad = 0;
    int64_t bound = gort_nanotime() + 3 * GORT_SECOND;  /* a bound, not a check */
    for (int i = 0; i < 20000 && gort_nanotime() < bound; i++) {
        s = s * 1103515245 + 12345;
        timer t = {.idx = -1, .f = shotfn};
        int64_t d = (int64_t)((s >> 8) % 40000);
        t.when = gort_nanotime() + d;
        gort__addtimer(&t);
        int64_t until = t.when + (int64_t)((s >> 4) % 20000) - 10000;
        while (gort_nanotime() < until)
            ;
        gort__deltimer(&t);
        if (shotinside)
            bad++;      /* t is about to go out of scope under its runner */
        while (shotinside)
            ;
    }
    napstop = true;
    gort_waitgroup_wait(&resetwg);
    assert_int_equal(bad, 0);
}

/* Timers freed at about the time they fire, from several goroutines (the
 * select-with-timeout pattern where the other case wins); the asan leg
 * reports any use after free. */
static void churner(void *arg)
{
    unsigned s = (unsigned)(uintptr_t)arg * 2654435761u;
    for (int i = 0; i < 3000; i++) {
        s = s * 1103515245 + 12345;
        gort_timer *t = gort_timer_new((int64_t)(s >> 20) % 20000);
        if (i % 3 == 0)
            gort_timer_reset(t, (int64_t)(s >> 12) % 20000);
        int64_t until = gort_nanotime() + (int64_t)((s >> 8) % 20000);
        while (gort_nanotime() < until)
            ;
        if (i % 8 == 0)
            gort_gosched();
        gort_timer_free(t);
    }
    gort_waitgroup_done(&resetwg);
}

static void test_timer_free_churn(void **state)
{
    (void)state;
    gort_waitgroup_add(&resetwg, 4);
    for (int i = 0; i < 4; i++)
        gort_go(churner, (void *)(uintptr_t)(i + 1));
    gort_waitgroup_wait(&resetwg);
}

/* Go's TestTimerFairness2 at GOMAXPROCS=1, 100 times: two goroutines loop
 * on a short bracketed call and a select {send c; receive c; their own
 * 20ms timer}.  sysmon retakes the P during the calls; while it hands the
 * P off it must count as running, or the goroutine leaving its call finds
 * no P, parks its M, and checkdead reports "runnable g" (a false deadlock). */
static gort_chan *fairc, *fairdone;

static int shortcall(void)
{
#ifdef _WIN32
    SwitchToThread();
    return 0;
#else
    char buf[1];
    return (int)read(0, buf, 0);     /* a real, short system call */
#endif
}

static void fairreader(void *arg)
{
    (void)arg;
    gort_timer *timer = gort_timer_new(20 * GORT_MILLISECOND);
    for (;;) {
        (void)GORT_SYSCALL(shortcall());
        bool t = true, b;
        int64_t when;
        gort_case cs[3] = {{fairc, GORT_SEND, &t, false}, {fairc, GORT_RECV, &b, false},
                           {gort_timer_chan(timer), GORT_RECV, &when, false}};
        if (gort_select(cs, 3, true) == 2)
            break;
    }
    gort_timer_free(timer);
    bool t = true;
    gort_chan_send(fairdone, &t);
}

static void test_timer_fairness_syscall(void **state)
{
    (void)state;
    int old = gort_gomaxprocs(1);
    fairc = gort_chan_make(sizeof(bool), 0);
    fairdone = gort_chan_make(sizeof(bool), 0);
    for (int r = 0; r < 100; r++) {
        gort_go(fairreader, NULL);
        gort_go(fairreader, NULL);
        assert_true(gort_chan_recv(fairdone, NULL));
        assert_true(gort_chan_recv(fairdone, NULL));
    }
    gort_chan_free(fairc);
    gort_chan_free(fairdone);
    gort_gomaxprocs(old);
}

/* ------------------------------------------------------------------------
 * Every transition of the timer life cycle at once, on shared timers.
 *
 * NTT runtime timers (the last NTTPERIODIC of them periodic) are added,
 * modified earlier and later, pushed far out, deleted, fired and re-armed
 * by NTTG goroutines and a thread the runtime did not start (whose adds
 * go to allp[0]), at random; meanwhile a changer moves GOMAXPROCS
 * between 1 and 4 (procresize moves the timers of the Ps it destroys:
 * moveTimers), nappers keep idle Ms stealing (stealWork runs other Ps'
 * due timers), and in some rounds threads hog the CPU.  Checked: a
 * timer's function never runs on two Ms at once; once deltimer has
 * returned, the function is not running and never runs again until the
 * timer is re-armed; every P's heap is a heap whose timers are Waiting
 * and know their P and index; a deleted timer is on no heap (a second
 * deltimer says it was not pending).  GORT_TEST_TIMERS=N runs N rounds
 * (default 8, 24 in the asan leg; the test_time_taskset run adds taskset -c 0).  A corrupt
 * heap or a timer added twice is also the runtime's own throw.
 * ---------------------------------------------------------------------- */
enum { NTT = 6, NTTPERIODIC = 2, NTTG = 12, TTOPS = 3000 };

typedef struct ttimer {
    timer t;
    _Atomic int inside;     /* its function is running */
    _Atomic int fires;
    _Atomic int overlap;    /* it ran on two Ms at once */
} ttimer;

static ttimer tts[NTT];
static _Atomic bool ttstop;
static gort_waitgroup ttwg, ttbg;

static void ttfn(void *arg, uintptr_t seq)
{
    ttimer *tt = arg;
    if (atomic_fetch_add(&tt->inside, 1) != 0)
        atomic_fetch_add(&tt->overlap, 1);
    int64_t until = gort_nanotime() + (int64_t)(seq % 3) * GORT_MICROSECOND;
    while (gort_nanotime() < until)
        ;
    atomic_fetch_add(&tt->fires, 1);
    atomic_fetch_sub(&tt->inside, 1);
}

static uint32_t ttrand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* ttop does one random transition of one random timer. */
static void ttop(uint32_t *s)
{
    int k = (int)(ttrand(s) % NTT);
    ttimer *tt = &tts[k];
    int64_t period = k >= NTT - NTTPERIODIC ? 10 * GORT_MICROSECOND + (int64_t)(ttrand(s) % 20000) : 0;
    int64_t now = gort_nanotime();
    uintptr_t seq = ttrand(s);
    switch (ttrand(s) % 10) {
    case 0: case 1: case 2:     /* earlier: due within 20 us (or now) */
        gort__modtimer(&tt->t, now + (int64_t)(ttrand(s) % 20000), period, seq);
        break;
    case 3:                     /* due at once */
        gort__modtimer(&tt->t, now, period, seq);
        break;
    case 4: case 5:             /* later: 1-2 ms */
        gort__modtimer(&tt->t, now + GORT_MILLISECOND + (int64_t)(ttrand(s) % 1000000), period, seq);
        break;
    case 6:                     /* far: an hour */
        gort__modtimer(&tt->t, now + 3600 * GORT_SECOND, period, seq);
        break;
    default:                    /* delete: the function is not running once it returns */
        gort__deltimer(&tt->t);
        break;
    }
}

static void ttworker(void *arg)
{
    uint32_t s = (uint32_t)(uintptr_t)arg * 2654435761u | 1;
    for (int i = 0; i < TTOPS; i++) {
        ttop(&s);
        switch (ttrand(&s) % 16) {
        case 0: gort_gosched(); break;
        case 1: gort_sleep((int64_t)(ttrand(&s) % 20000)); break;
        case 2: {
            int64_t until = gort_nanotime() + (int64_t)(ttrand(&s) % 20000);
            while (gort_nanotime() < until)
                ;
            break;
        }
        default: break;
        }
    }
    gort_waitgroup_done(&ttwg);
}

static void ttforeign(void *arg)
{
    uint32_t s = (uint32_t)(uintptr_t)arg * 2654435761u | 1;
    for (int i = 0; i < TTOPS / 4; i++)
        ttop(&s);
    gort_waitgroup_done(&ttwg);
}

static void ttchanger(void *arg)
{
    uint32_t s = (uint32_t)(uintptr_t)arg | 1;
    while (!atomic_load(&ttstop)) {
        gort_gomaxprocs(1 + (int)(ttrand(&s) % 4));
        gort_sleep((int64_t)(ttrand(&s) % 200000));
    }
    gort_waitgroup_done(&ttbg);
}

static void ttnapper(void *arg)
{
    (void)arg;
    while (!atomic_load(&ttstop))
        gort_sleep(3 * GORT_MICROSECOND);
    gort_waitgroup_done(&ttbg);
}

static void tthog(void *arg)
{
    (void)arg;
    while (!atomic_load(&ttstop))
        ;
}

/* ttcheckheaps checks every P's timer heap, under its lock. */
static void ttcheckheaps(void)
{
    int32_t n = atomic_load(&gort__gomaxprocs);
    for (int32_t i = 0; i < n; i++) {
        p *pp = gort__allp[i];
        gort__lock(&pp->timerslock);
        for (int32_t j = 0; j < pp->ntimers; j++) {
            timer *t = pp->timers[j];
            if (t->idx != j || atomic_load(&t->pp) != pp || atomic_load(&t->status) != 1 /* Waiting */ ||
                (j > 0 && t->when < pp->timers[(j - 1) / 2]->when)) {
                gort__unlock(&pp->timerslock);
                fail_msg("P %d: timer %d of %d is inconsistent", (int)i, (int)j, (int)pp->ntimers);
            }
        }
        /* timer0When changes only with the lock held: it cannot lag. */
        int64_t w0 = pp->ntimers > 0 ? pp->timers[0]->when : 0;
        int64_t published = atomic_load(&pp->timer0When);
        gort__unlock(&pp->timerslock);
        assert_true(published == w0);
    }
}

static void transitionsround(int r)
{
    int procs = gort_gomaxprocs(0);
    bool hogs = r % 2 == 1;
    atomic_store(&ttstop, false);
    for (int k = 0; k < NTT; k++) {
        memset(&tts[k], 0, sizeof tts[k]);
        tts[k].t.idx = -1;
        tts[k].t.f = ttfn;
        tts[k].t.arg = &tts[k];
    }
    testthread hog[2], fth;
    if (hogs)
        for (int i = 0; i < 2; i++)
            testthread_start(&hog[i], tthog, NULL);
    gort_waitgroup_add(&ttbg, 3);
    gort_go(ttchanger, (void *)(uintptr_t)(r + 1));
    gort_go(ttnapper, NULL);
    gort_go(ttnapper, NULL);
    gort_waitgroup_add(&ttwg, NTTG + 1);
    for (int i = 0; i < NTTG; i++)
        gort_go(ttworker, (void *)(uintptr_t)(r * 100 + i + 1));
    testthread_start(&fth, ttforeign, (void *)(uintptr_t)(r * 100 + 99));
    gort_waitgroup_wait(&ttwg);
    testthread_join(&fth);
    atomic_store(&ttstop, true);
    gort_waitgroup_wait(&ttbg);
    if (hogs)
        for (int i = 0; i < 2; i++)
            testthread_join(&hog[i]);
    gort_gomaxprocs(procs);

    ttcheckheaps();     /* with the timers still armed, some running */
    int fires[NTT];
    for (int k = 0; k < NTT; k++) {
        gort__deltimer(&tts[k].t);
        assert_int_equal(atomic_load(&tts[k].inside), 0);   /* a run in progress ended first */
        assert_false(gort__deltimer(&tts[k].t));
        fires[k] = atomic_load(&tts[k].fires);
    }
    ttcheckheaps();
    /* Deleted timers never fire: let every P look at its heap a while. */
    for (int i = 0; i < 20; i++)
        gort_sleep(100 * GORT_MICROSECOND);
    int total = 0;
    for (int k = 0; k < NTT; k++) {
        assert_int_equal(atomic_load(&tts[k].overlap), 0);
        assert_int_equal(atomic_load(&tts[k].fires), fires[k]);
        assert_null(atomic_load(&tts[k].t.pp));
        total += fires[k];
    }
    assert_true(total > 0);     /* the due ones fired: the test tested */
}

static void test_timer_transitions(void **state)
{
    (void)state;
    int rounds = 8;
    const char *s = getenv("GORT_TEST_TIMERS");
    if (s && atoi(s) > 0)
        rounds = atoi(s);
    for (int r = 0; r < rounds; r++)
        transitionsround(r);
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        /* First: after the others it rarely met the race it tests. */
        cmocka_unit_test(test_timer_fairness_syscall),
        cmocka_unit_test(test_sleep_not_early),
        cmocka_unit_test(test_sleep_order),
        cmocka_unit_test(test_timer_fires),
        cmocka_unit_test(test_timer_stop_reset),
        cmocka_unit_test(test_timer_zero_and_huge),
        cmocka_unit_test(test_ticker),
        cmocka_unit_test(test_many_timers),
        cmocka_unit_test(test_foreign_sleep),
        cmocka_unit_test(test_concurrent_reset),
        cmocka_unit_test(test_concurrent_reset_stop),
        cmocka_unit_test(test_timer_runs_alone),
        cmocka_unit_test(test_stop_waits_for_fire),
        cmocka_unit_test(test_timer_free_churn),
        cmocka_unit_test(test_timer_transitions),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
