/*
 * time.c - runtime timers: the per-P timer heaps, the life cycle of a
 * timer, and time.Sleep.  Mirrors Go's runtime/time.go; the user's timers
 * and tickers are built on it in sleep.c.
 *
 * Every P has a min-heap of timers ordered by when, under its own lock
 * (timerslock), and publishes the earliest when in timer0When so that
 * other Ms can look without the lock.  A timer's function f(arg, seq)
 * runs on an M that holds a P (the heap's owner in findrunnable, or a
 * stealer in stealWork), on g0 or in the scheduler, with no timer lock
 * held; it must not block (it readies a goroutine or does a non-blocking
 * send).
 *
 * The life cycle.  A timer's status says who may touch it, and every
 * change of status is one atomic store or CAS by the only party allowed
 * to make it:
 *
 *                     modtimer: CAS, then lock the current P
 *        +-----------+ ---------------------------> +-----------+
 *        | NoStatus  |            Modifying         |  Waiting  |  on pp's heap;
 *        | (on no    | <--------------------------- |           |  when, period
 *        |  heap)    |   deltimer (pp locked)       +-----------+  and the heap
 *        +-----------+                               |   ^         change only
 *              ^                  runtimer:          |   |         with pp locked
 *              |                  pp locked, due     |   | periodic: pushed back
 *              |                                     v   | (pp locked)
 *              |   one-shot: f returned        +-----------+
 *              +------------------------------ |  Running  |  off every heap;
 *                                              +-----------+  only its runner
 *                                                             touches it
 *
 * So a timer is on a heap exactly when it is Waiting, and a Waiting timer
 * changes only with its P's lock held: the heap lock alone orders runners,
 * modtimer and deltimer on it.  Off the heaps, the status word decides:
 * modtimer claims a NoStatus timer with a CAS to Modifying before it takes
 * any lock, and nobody but the runner can move a Running one.  Hence:
 *
 *   - only one M runs a given timer: a runner takes it off the heap under
 *     the lock before calling f, and nobody else can reach it there;
 *   - deltimer and modtimer wait (yielding) while a timer is Running or
 *     Modifying, and the runner's last touch of a timer is the store that
 *     ends Running: when gort_timer_stop has returned, nothing of the
 *     runtime touches the timer any more, so freeing it is safe even when
 *     it was firing at the time (the use after free of a timer freed
 *     while it fired is not possible);
 *   - two concurrent modtimers of one timer are ordered by the heap lock
 *     (Waiting) or by the CAS (NoStatus): there is no window where both
 *     add it ("timer already in heap" cannot happen).
 *
 * Waiting while Running is bounded by f, which never blocks.  The waiter
 * holds no lock, and f never waits for a timer, so nobody waits in a
 * circle.  Moving the timers of a P that procresize destroys happens with
 * the world stopped, when no runner is active (a runner holds a P).
 *
 * Who notices a new earliest timer: modtimer calls wakeNetPoller (proc.c),
 * which breaks the poller if it sleeps past the new timer (netpoll.c) or
 * starts an M when nobody polls.  Deadlock detection: an M in the poller
 * is not idle, so checkdead stays quiet while a timer is pending; stopped
 * timers are off the heaps and do not count.
 */
#include <stdlib.h>
#include <string.h>

#include "netpoll.h"
#include "os.h"
#include "trace.h"

enum {
    timerNoStatus,      /* on no heap, not running: inactive */
    timerWaiting,       /* on t->pp's heap */
    timerRunning,       /* off the heaps, f being called by its runner */
    timerModifying,     /* off the heaps, claimed by modtimer to be added */
};

/* gort__whenafter returns the nanotime at which a timer of duration d
 * fires, saturating instead of overflowing (Go's when()). */
int64_t gort__whenafter(int64_t d)
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

/* heappush puts t on pp's heap and makes it Waiting. */
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
    atomic_store_explicit(&t->status, timerWaiting, memory_order_release);
}

/* heapremove takes t off pp's heap; the caller sets its new status. */
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

/* lockwaiting locks the P whose heap holds t and returns it, if t is
 * Waiting; else it returns NULL with nothing locked and t's status, as
 * read after t was seen on no heap, in *status. */
static p *lockwaiting(timer *t, uint32_t *status)
{
    for (;;) {
        p *pp = atomic_load(&t->pp);
        if (pp == NULL) {
            *status = atomic_load_explicit(&t->status, memory_order_acquire);
            if (atomic_load(&t->pp) == NULL)
                return NULL;
            continue;   /* added meanwhile */
        }
        gort__lock(&pp->timerslock);
        if (atomic_load(&t->pp) == pp)
            return pp;  /* on pp's heap, and only pp's lock moves it */
        gort__unlock(&pp->timerslock);
    }
}

/* ------------------------------------------------------------------------
 * Adding, deleting, modifying, running.
 * ---------------------------------------------------------------------- */

/* gort__addtimer starts t, a timer that was never started or that is
 * inactive and no longer running, to fire at t->when.  Anything else is a
 * runtime bug. */
void gort__addtimer(timer *t)
{
    uint32_t s = atomic_load(&t->status);
    if (s != timerNoStatus || atomic_load(&t->pp) != NULL)
        gort__throw("addtimer: timer already in heap");
    gort__modtimer(t, t->when, t->period, t->seq);
}

/* gort__deltimer stops t; it reports whether t was pending (Waiting).  A
 * call of t's function in progress has returned when it returns, and the
 * runtime does not touch t again until it is started anew. */
bool gort__deltimer(timer *t)
{
    for (;;) {
        uint32_t s;
        p *pp = lockwaiting(t, &s);
        if (pp != NULL) {
            heapremove(pp, t);
            atomic_store_explicit(&t->status, timerNoStatus, memory_order_release);
            gort__unlock(&pp->timerslock);
            return true;
        }
        if (s == timerNoStatus)
            return false;
        /* Running or Modifying: brief, and its owner holds no lock that
         * we hold.  Wait for it to end. */
        gort__osyield();
    }
}

/* gort__modtimer makes t fire at when, then every period if period > 0,
 * calling its function with seq, whatever its state; it reports whether t
 * was pending.  A Waiting timer
 * stays on its heap, re-sorted; an inactive one goes on the current P's
 * heap (allp[0] on a thread without a P). */
bool gort__modtimer(timer *t, int64_t when, int64_t period, uintptr_t seq)
{
    gort__netpollGenericInit();
    for (;;) {
        uint32_t s;
        p *pp = lockwaiting(t, &s);
        if (pp != NULL) {
            t->when = when;
            t->period = period;
            t->seq = seq;
            siftdown(pp, t->idx);
            siftup(pp, t->idx);
            updateTimer0When(pp);
            gort__unlock(&pp->timerslock);
            gort__wakeNetPoller(when);
            return true;
        }
        if (s == timerNoStatus &&
            atomic_compare_exchange_strong(&t->status, &s, timerModifying)) {
            /* Ours alone now: nobody else changes a Modifying timer. */
            t->when = when;
            t->period = period;
            t->seq = seq;
            g *gp = getg();
            pp = gp && gp->m && gp->m->p ? gp->m->p : gort__allp[0];
            gort__lock(&pp->timerslock);
            heappush(pp, t);
            gort__unlock(&pp->timerslock);
            gort__wakeNetPoller(when);
            return false;
        }
        gort__osyield();    /* Running or Modifying: see deltimer */
    }
}

/* runtimer runs the first timer of pp's heap, which is due at or before
 * now.  pp->timerslock is held on entry and on return, but not during the
 * call of the timer's function. */
static void runtimer(p *pp, int64_t now)
{
    timer *t = pp->timers[0];
    if (atomic_load_explicit(&t->status, memory_order_relaxed) != timerWaiting)
        gort__throw("runtimer: timer on a heap is not waiting");
    void (*f)(void *, uintptr_t) = t->f;
    void *arg = t->arg;
    uintptr_t seq = t->seq;
    int64_t period = t->period;
    int64_t next = 0;
    if (period > 0) {
        /* Its next tick, dropping those missed. */
        int64_t n = 1 + (now - t->when) / period;
        next = n > (MAXWHEN - t->when) / period ? MAXWHEN : t->when + period * n;
    }
    atomic_store_explicit(&t->status, timerRunning, memory_order_relaxed);
    heapremove(pp, t);
    gort__unlock(&pp->timerslock);
    traceTimer(f);
    f(arg, seq);
    gort__lock(&pp->timerslock);
    if (period > 0) {
        t->when = next;
        heappush(pp, t);    /* Running -> Waiting, with pp locked */
    } else {
        /* The runner's last touch: from here on t may be freed. */
        atomic_store_explicit(&t->status, timerNoStatus, memory_order_release);
    }
}

/* gort__checkTimers runs the due timers of pp and returns the time of the
 * next pending one (0 if none).  The caller holds a P (any P). */
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
        runtimer(pp, now);
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

/* gort__moveTimers moves every timer of P from, which procresize is
 * destroying, to P to.  The world is stopped: no timer runs. */
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
 * time.Sleep.
 * ---------------------------------------------------------------------- */

static void goroutineReady(void *arg, uintptr_t seq)
{
    (void)seq;
    gort__goready(arg);
}

/* resetForSleep is gopark's unlock function for sleep: the timer starts
 * only once the goroutine is parked, so its wake-up cannot come early.
 * The timer's last run may still be ending (its goready woke us before
 * the runner let go of it): modtimer waits for that. */
static bool resetForSleep(g *gp, void *arg)
{
    (void)arg;
    gort__modtimer(gp->timer, gp->sleepwhen, 0, 0);
    return true;
}

void gort_sleep(int64_t ns)
{
    g *gp = gort__getg_needm();
    preemptcheck(gp);       /* gort_sleep(0) in a loop is a preemption point */
    if (ns <= 0)
        return;
    if (gp->timer == NULL) {
        /* f and arg never change: a runner may read them at any time. */
        timer *t = calloc(1, sizeof *t);
        if (t == NULL)
            gort__throw("sleep: out of memory");
        t->idx = -1;
        t->f = goroutineReady;
        t->arg = gp;
        gp->timer = t;
    }
    gp->sleepwhen = gort__whenafter(ns);
    gort__gopark(gp, resetForSleep, NULL, waitReasonSleep);
}

/* gort_nanotime is a preemption point, too: a loop that waits for a
 * deadline calls it (preempt.c). */
int64_t gort_nanotime(void)
{
    g *gp = getg();
    if (likely(gp != NULL))
        preemptcheck(gp);
    return gort__nanotime();
}
