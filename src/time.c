/*
 * time.c - timers: per-P timer heaps, sleep, timers and tickers.
 * Mirrors Go's runtime/time.go (and time/sleep.go, time/tick.go).
 *
 * Every P has a min-heap of timers ordered by when, under its own lock
 * (timerslock), and publishes the earliest when in timer0When so that
 * other Ms can look without the lock.  A timer lives on at most one heap;
 * t->pp says which, and changes only under that P's lock.
 *
 * Who runs timers:
 *   - the M that owns the P, at every schedule (findrunnable);
 *   - any spinning M, for any P whose timers are due (stealWork), so the
 *     timers of a busy or idle P still fire;
 *   - the timer sleeper: when an M finds no work, and some timer is
 *     pending, one M (and only one: sched.pollerBusy) sleeps on
 *     sched.pollnote until the earliest timer instead of parking for good.
 *     Adding an earlier timer wakes it (wakeNetPoller).  When it wakes it
 *     runs every due timer and goes back to scheduling.
 * So a program whose goroutines all sleep uses no CPU while they sleep:
 * one thread waits in the kernel until the first wake-up is due.
 *
 * A timer's function runs on g0 with no timer lock held.  It must not
 * block: it readies a sleeping goroutine or does a non-blocking send.
 * t->running stays set while it runs, so that stopping and freeing a timer
 * can wait for a call in progress to finish.
 *
 * Deadlock detection: the timer sleeper is an M that is not idle, so
 * checkdead does not report a deadlock while a timer is pending; stopped
 * timers are off the heaps and do not count.
 */
#include <stdlib.h>
#include <string.h>

#include "os.h"

#define MAXWHEN INT64_MAX

/* when returns the nanotime at which a timer of duration d fires,
 * saturating instead of overflowing (Go's when()). */
static int64_t whenafter(int64_t d)
{
    int64_t now = gort__nanotime();
    if (d <= 0)
        return now;
    if (d > MAXWHEN - now)
        return MAXWHEN;
    return now + d;
}

/* ------------------------------------------------------------------------
 * The heap.  pp->timerslock must be held.
 * ---------------------------------------------------------------------- */

static void siftup(p *pp, int32_t i)
{
    timer **h = pp->timers;
    timer *t = h[i];
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (t->when >= h[parent]->when)
            break;
        h[i] = h[parent];
        h[i]->idx = i;
        i = parent;
    }
    h[i] = t;
    t->idx = i;
}

static void siftdown(p *pp, int32_t i)
{
    timer **h = pp->timers;
    int32_t n = pp->ntimers;
    timer *t = h[i];
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h[c + 1]->when < h[c]->when)
            c++;
        if (t->when <= h[c]->when)
            break;
        h[i] = h[c];
        h[i]->idx = i;
        i = c;
    }
    h[i] = t;
    t->idx = i;
}

static void updateTimer0When(p *pp)
{
    atomic_store(&pp->timer0When, pp->ntimers > 0 ? pp->timers[0]->when : 0);
}

static void heappush(p *pp, timer *t)
{
    if (pp->ntimers == pp->captimers) {
        int32_t cap = pp->captimers ? 2 * pp->captimers : 64;
        timer **h = realloc(pp->timers, (size_t)cap * sizeof *h);
        if (h == NULL)
            gort__throw("addtimer: out of memory");
        pp->timers = h;
        pp->captimers = cap;
    }
    pp->timers[pp->ntimers] = t;
    atomic_store(&t->pp, pp);
    siftup(pp, pp->ntimers++);
    updateTimer0When(pp);
}

static void heapremove(p *pp, timer *t)
{
    int32_t i = t->idx;
    if (i < 0 || i >= pp->ntimers || pp->timers[i] != t)
        gort__throw("timer data corruption");
    int32_t last = --pp->ntimers;
    if (i != last) {
        pp->timers[i] = pp->timers[last];
        pp->timers[i]->idx = i;
        siftdown(pp, i);
        siftup(pp, pp->timers[i]->idx);
    }
    t->idx = -1;
    atomic_store(&t->pp, NULL);
    updateTimer0When(pp);
}

/* locktimerp locks the P whose heap holds t and returns it, or returns
 * NULL (nothing locked) when t is on no heap. */
static p *locktimerp(timer *t)
{
    for (;;) {
        p *pp = atomic_load(&t->pp);
        if (pp == NULL)
            return NULL;
        gort__lock(&pp->timerslock);
        if (atomic_load(&t->pp) == pp)
            return pp;
        gort__unlock(&pp->timerslock);
    }
}

/* ------------------------------------------------------------------------
 * Adding, deleting, running.
 * ---------------------------------------------------------------------- */

static void wakeNetPoller(int64_t when);

/* gort__addtimer puts t, on no heap, on the current P's heap. */
void gort__addtimer(timer *t)
{
    g *gp = getg();
    p *pp = gp && gp->m && gp->m->p ? gp->m->p : gort__allp[0];
    if (atomic_load(&t->pp) != NULL)
        gort__throw("addtimer: timer already in heap");
    gort__lock(&pp->timerslock);
    heappush(pp, t);
    gort__unlock(&pp->timerslock);
    wakeNetPoller(t->when);
}

/* waitrunning waits for a call of t's function in progress to return. */
static void waitrunning(timer *t)
{
    while (atomic_load(&t->running))
        gort__osyield();
}

/* gort__deltimer takes t off its heap; it reports whether t was pending.
 * A call of t's function in progress has finished when it returns. */
bool gort__deltimer(timer *t)
{
    bool pending = false;
    p *pp = locktimerp(t);
    if (pp) {
        heapremove(pp, t);
        gort__unlock(&pp->timerslock);
        pending = true;
    }
    waitrunning(t);
    return pending;
}

/* gort__modtimer makes t fire at when (then every period, if > 0); it
 * reports whether t was pending. */
bool gort__modtimer(timer *t, int64_t when, int64_t period)
{
    bool pending = gort__deltimer(t);
    t->when = when;
    t->period = period;
    gort__addtimer(t);
    return pending;
}

/* runOneTimer runs the first timer of pp's heap.  pp->timerslock is held
 * on entry and on return, but not during the call of the function. */
static void runOneTimer(p *pp, int64_t now)
{
    timer *t = pp->timers[0];
    void (*f)(void *, int64_t) = t->f;
    void *arg = t->arg;
    if (t->period > 0) {
        /* Leave it in the heap for its next tick, dropping those missed. */
        int64_t delta = t->when - now;
        int64_t n = 1 + -delta / t->period;
        if (n > (MAXWHEN - t->when) / t->period)
            t->when = MAXWHEN;      /* would overflow: never again */
        else
            t->when += t->period * n;
        siftdown(pp, 0);
        updateTimer0When(pp);
    } else {
        heapremove(pp, t);
    }
    atomic_store(&t->running, 1);
    gort__unlock(&pp->timerslock);
    f(arg, now);
    atomic_store(&t->running, 0);
    gort__lock(&pp->timerslock);
}

/* gort__checkTimers runs the due timers of pp and returns the time of the
 * next pending one (0 if none). */
int64_t gort__checkTimers(p *pp, int64_t now)
{
    int64_t next = atomic_load(&pp->timer0When);
    if (next == 0)
        return 0;
    if (now == 0)
        now = gort__nanotime();
    if (next > now)
        return next;
    gort__lock(&pp->timerslock);
    while (pp->ntimers > 0 && pp->timers[0]->when <= now)
        runOneTimer(pp, now);
    gort__unlock(&pp->timerslock);
    return atomic_load(&pp->timer0When);
}

/* gort__timeSleepUntil returns the earliest pending timer of all Ps, or 0. */
int64_t gort__timeSleepUntil(void)
{
    int64_t next = 0;
    int32_t n = atomic_load(&gort__gomaxprocs);
    for (int32_t i = 0; i < n; i++) {
        int64_t w = atomic_load(&gort__allp[i]->timer0When);
        if (w != 0 && (next == 0 || w < next))
            next = w;
    }
    return next;
}

/* gort__moveTimers moves every timer of dead P from to P to (procresize;
 * the world is stopped). */
void gort__moveTimers(p *to, p *from)
{
    gort__lock(&from->timerslock);
    gort__lock(&to->timerslock);
    while (from->ntimers > 0) {
        timer *t = from->timers[from->ntimers - 1];
        heapremove(from, t);
        heappush(to, t);
    }
    gort__unlock(&to->timerslock);
    gort__unlock(&from->timerslock);
}

/* ------------------------------------------------------------------------
 * The timer sleeper (Go's netpoll(delay) role, until there is a poller).
 * ---------------------------------------------------------------------- */

/* gort__timersleep: the M has no P and no work.  If no other M is the
 * timer sleeper and a timer is pending, sleep until it is due (or until
 * woken) and return true; the caller then looks for work again.  Return
 * false if this M should park instead. */
bool gort__timersleep(void)
{
    int64_t until = gort__timeSleepUntil();
    if (until == 0)
        return false;
    uint32_t zero = 0;
    if (!atomic_compare_exchange_strong(&gort__sched.pollerBusy, &zero, 1))
        return false;
    /* Re-read after winning the slot: a timer added in between either saw
     * pollerBusy == 0 (and called wakep) or sees our pollUntil. */
    until = gort__timeSleepUntil();
    atomic_store(&gort__sched.pollUntil, until);
    int64_t now = gort__nanotime();
    if (until != 0 && until > now)
        gort__notetsleep(&gort__sched.pollnote, until - now);
    atomic_store(&gort__sched.pollUntil, 0);
    gort__noteclear(&gort__sched.pollnote);
    atomic_store(&gort__sched.pollWakeSig, 0);
    atomic_store(&gort__sched.pollerBusy, 0);
    return true;
}

/* wakeNetPoller makes sure that a timer due at when will be seen: it
 * wakes the timer sleeper if it sleeps past when, or starts an M. */
static void wakeNetPoller(int64_t when)
{
    if (atomic_load(&gort__sched.pollerBusy)) {
        int64_t until = atomic_load(&gort__sched.pollUntil);
        if (until == 0 || until > when) {
            uint32_t zero = 0;
            if (atomic_compare_exchange_strong(&gort__sched.pollWakeSig, &zero, 1))
                gort__notewakeup(&gort__sched.pollnote);
        }
        return;
    }
    gort__wakep();
}

/* ------------------------------------------------------------------------
 * time.Sleep.
 * ---------------------------------------------------------------------- */

static void goroutineReady(void *arg, int64_t now)
{
    (void)now;
    gort__goready(arg);
}

/* resetForSleep is gopark's unlock function for sleep: the timer starts
 * only once the goroutine is parked, so its wake-up cannot come early. */
static bool resetForSleep(g *gp, void *arg)
{
    (void)arg;
    gort__addtimer(gp->timer);
    return true;
}

void gort_sleep(int64_t ns)
{
    if (ns <= 0)
        return;
    g *gp = gort__getg_needm();
    timer *t = gp->timer;
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t == NULL)
            gort__throw("sleep: out of memory");
        t->idx = -1;
        gp->timer = t;
    }
    t->f = goroutineReady;
    t->arg = gp;
    t->period = 0;
    t->when = whenafter(ns);
    gort__gopark(gort__getg_needm(), resetForSleep, NULL, waitReasonSleep);
}

int64_t gort_nanotime(void)
{
    return gort__nanotime();
}

/* ------------------------------------------------------------------------
 * time.Timer and time.Ticker.
 * ---------------------------------------------------------------------- */

struct gort_timer {
    timer t;
    gort_chan *c;       /* capacity 1: int64_t nanotime at firing */
    bool isticker;
};

/* sendTime is a timer's function: a non-blocking send of the time, so a
 * slow reader misses ticks instead of blocking the runtime. */
static void sendTime(void *arg, int64_t now)
{
    (void)now;
    gort_timer *tm = arg;
    int64_t v = gort__nanotime();
    gort__selectnbsend(tm->c, &v);
}

static gort_timer *newtimer(int64_t when, int64_t period)
{
    gort_timer *tm = calloc(1, sizeof *tm);
    if (tm == NULL)
        gort__throw("timer: out of memory");
    tm->c = gort_chan_make(sizeof(int64_t), 1);
    tm->t.idx = -1;
    tm->t.f = sendTime;
    tm->t.arg = tm;
    tm->t.when = when;
    tm->t.period = period;
    tm->isticker = period > 0;
    gort__addtimer(&tm->t);
    return tm;
}

gort_timer *gort_timer_new(int64_t d)
{
    return newtimer(whenafter(d), 0);
}

gort_timer *gort_ticker_new(int64_t period)
{
    if (period <= 0)
        gort_panic("non-positive interval for NewTicker");
    return newtimer(whenafter(period), period);
}

gort_chan *gort_timer_chan(gort_timer *t)
{
    return t->c;
}

bool gort_timer_stop(gort_timer *t)
{
    return gort__deltimer(&t->t);
}

bool gort_timer_reset(gort_timer *t, int64_t d)
{
    if (t->isticker) {
        if (d <= 0)
            gort_panic("non-positive interval for Ticker.Reset");
        return gort__modtimer(&t->t, whenafter(d), d);
    }
    return gort__modtimer(&t->t, whenafter(d), 0);
}

void gort_timer_free(gort_timer *t)
{
    if (t == NULL)
        return;
    gort__deltimer(&t->t);
    gort_chan_free(t->c);   /* "free of channel in use" if someone waits */
    free(t);
}
