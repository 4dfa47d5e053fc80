/*
 * netpoll.c - the network poller's portable half: the contract between
 * the scheduler and one backend per OS.  Mirrors Go's runtime/netpoll.go.
 *
 * The poller is where an M with nothing to run waits, in the kernel, for
 * the first of three things: a descriptor becoming ready, the earliest
 * timer of any P coming due, or somebody breaking the wait.  findrunnable
 * (proc.c) makes at most one M the poller at a time: the M that swaps
 * sched.lastpoll from non-zero to 0 owns the poll, publishes in
 * sched.pollUntil how long it means to sleep, calls netpoll(delay), then
 * stores both back.  Whoever adds a timer earlier than pollUntil, or finds
 * that no M polls, calls wakeNetPoller (proc.c), which either breaks the
 * poll (netpollBreak) or starts an M.  So a program whose goroutines all
 * sleep has one thread in the kernel and no thread spinning, and a new
 * earlier timer is never slept through.
 *
 * The contract each backend (netpoll_epoll.c, netpoll_windows.c) fulfils:
 *
 *   gort__netpollinit()      make the poller: an epoll instance or a
 *                            completion port, plus the break channel.
 *                            Called once, by netpollGenericInit.
 *   gort__netpoll(delay, q)  wait for events: delay < 0 blocks until one
 *                            comes or a break, delay == 0 only looks,
 *                            delay > 0 waits at most that many ns.  The
 *                            goroutines that the events make runnable are
 *                            appended to q (still Gwaiting; injectglist
 *                            makes them runnable).  It may return early.
 *   gort__netpollBreak()     make a blocked or the next gort__netpoll
 *                            with delay != 0 return soon.  Any thread may
 *                            call it, any number of times: the backend
 *                            drops repeated breaks while one is pending
 *                            (netpollWakeSig) and consumes the pending
 *                            one in a blocking netpoll, so a break can
 *                            neither be lost nor be counted twice.
 *
 * Descriptors (pollDesc, netpollopen and the read and write wait states)
 * are not part of gort yet: nothing can be registered, so today netpoll
 * finds only breaks and timeouts, and netpollWaiters stays 0.  The
 * scheduler already treats the poller as Go does, so that adding them
 * changes only this file and the backends.
 */
#include "netpoll.h"

static _Atomic uint32_t netpollInited;
static mutex netpollInitLock;

/* gort__netpollWaiters counts the goroutines blocked on descriptors: while
 * it is non-zero the idle M polls without a timer, and sysmon polls now
 * and then (Go's netpollWaiters). */
_Atomic uint32_t gort__netpollWaiters;

/* gort__netpollGenericInit makes the poller once (Go's
 * netpollGenericInit).  Timers call it before their first use: the poller
 * is what an idle M sleeps in until the next timer. */
void gort__netpollGenericInit(void)
{
    if (atomic_load_explicit(&netpollInited, memory_order_acquire))
        return;
    gort__lock(&netpollInitLock);
    if (!atomic_load_explicit(&netpollInited, memory_order_relaxed)) {
        gort__netpollinit();
        atomic_store_explicit(&netpollInited, 1, memory_order_release);
    }
    gort__unlock(&netpollInitLock);
}

/* gort__netpollinited reports whether the poller exists yet. */
bool gort__netpollinited(void)
{
    return atomic_load_explicit(&netpollInited, memory_order_acquire) != 0;
}
