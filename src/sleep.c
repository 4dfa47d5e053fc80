/*
 * sleep.c - the user's timers and tickers (gort_timer_*, gort_ticker_new),
 * built on the runtime timers of time.c.  Mirrors Go's time/sleep.go and
 * time/tick.go.
 *
 * A gort_timer is a runtime timer whose function does a non-blocking send
 * of the time on a channel of capacity 1, so a slow reader misses ticks
 * instead of blocking the runtime.  gort_timer_stop returns only once a
 * firing in progress is over (time.c), which is what makes
 * gort_timer_free safe at any time.
 */
#include <stdlib.h>

#include "chan.h"
#include "os.h"

struct gort_timer {
    timer t;
    gort_chan *c;       /* capacity 1: int64_t nanotime at firing */
    bool isticker;
};

/* sendTime is a timer's function. */
static void sendTime(void *arg, uintptr_t seq)
{
    (void)seq;
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

/* The timer API is made of synchronous preemption points (preempt.c). */
static inline void timerpreemptcheck(void)
{
    preemptcheck(gort__getg_needm());
}

gort_timer *gort_timer_new(int64_t d)
{
    timerpreemptcheck();
    return newtimer(gort__whenafter(d), 0);
}

gort_timer *gort_ticker_new(int64_t period)
{
    timerpreemptcheck();
    if (period <= 0)
        gort_panic("non-positive interval for NewTicker");
    return newtimer(gort__whenafter(period), period);
}

/* nilcheck: a method called on a NULL timer is Go's nil pointer
 * dereference (var t *time.Timer; t.Stop()), a panic, not a fault. */
static void nilcheck(gort_timer *t)
{
    if (unlikely(t == NULL))
        gort_panic("runtime error: invalid memory address or nil pointer dereference");
}

gort_chan *gort_timer_chan(gort_timer *t)
{
    nilcheck(t);
    return t->c;
}

bool gort_timer_stop(gort_timer *t)
{
    nilcheck(t);
    timerpreemptcheck();
    return gort__deltimer(&t->t);
}

bool gort_timer_reset(gort_timer *t, int64_t d)
{
    nilcheck(t);
    timerpreemptcheck();
    if (t->isticker) {
        if (d <= 0)
            gort_panic("non-positive interval for Ticker.Reset");
        return gort__modtimer(&t->t, gort__whenafter(d), d, 0);
    }
    return gort__modtimer(&t->t, gort__whenafter(d), 0, 0);
}

void gort_timer_free(gort_timer *t)
{
    if (t == NULL)
        return;
    gort__deltimer(&t->t);
    gort_chan_free(t->c);   /* "free of channel in use" if someone waits */
    free(t);
}
