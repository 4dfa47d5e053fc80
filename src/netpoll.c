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
 *   gort__netpollopen(fd, pd) / gort__netpollclose(fd)
 *                            add a descriptor to the poller, edge-
 *                            triggered for reading and writing, and take
 *                            it off.  Its events are reported with
 *                            gort__netpollready(q, pd, mode).
 *
 * The wait states.  Each pollDesc has two, rg for reading and wg for
 * writing; each holds PD_NIL, PD_READY, PD_WAIT or the parked G, and
 * changes only by CAS:
 *
 *                 event (netpollunblock, ioready)
 *       PD_NIL -----------------------------------> PD_READY
 *         |  ^                                          |
 *         |  |  pollWait consumes it (CAS READY->NIL)   |
 *         |  +------------------------------------------+
 *         |
 *         | pollWait: CAS NIL->WAIT, re-check closing and deadline,
 *         v           then gopark; its commit CASes WAIT->G
 *      PD_WAIT --commit--> G --event, deadline, close--> READY or NIL,
 *                                                        and G readied
 *
 * An event stores PD_READY (or takes the G and readies it); a deadline or
 * a close stores PD_NIL and readies the G, which then finds the reason in
 * closing/rd/wd.  The waiter re-checks closing and the deadline after its
 * CAS to PD_WAIT, and whoever sets them reads rg/wg afterwards: one of the
 * two sees the other, so a close or an expired deadline cannot be missed.
 * An event that comes between the CAS and the park finds PD_WAIT, turns
 * it into PD_READY, and the park's commit (CAS WAIT->G) fails: the
 * goroutine does not sleep.  At most one goroutine waits per direction
 * ("double wait" otherwise): the fd layer's lock orders readers and
 * writers (net.c, fdMutex).
 *
 * Deadlines are runtime timers on the P heaps (rt, wt).  A timer whose
 * deadline has been changed since it was armed carries an old rseq/wseq
 * and does nothing when it fires.  Timer functions take pd->lock; so
 * pollSetDeadline and pollUnblock change the timers only after dropping
 * pd->lock (deltimer and modtimer wait for a timer function in progress,
 * time.c), with dlock keeping two deadline changes from interleaving.
 */
#include <errno.h>
#include <stdlib.h>

#include "netpoll.h"
#include "os.h"

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
    gort__checkstarted();   /* a timer or a socket in a program that defines main */
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

/* ------------------------------------------------------------------------
 * pollDescs: a cache of them, never freed.
 * ---------------------------------------------------------------------- */

static mutex pollcachelock;
static pollDesc *pollcachefirst;

static pollDesc *pollcachealloc(void)
{
    gort__lock(&pollcachelock);
    pollDesc *pd = pollcachefirst;
    if (pd == NULL) {
        /* Many at once, so that they are close in memory; never freed, as
         * Go's: a late event or deadline may still look at one. */
        enum { N = 64 };
        pollDesc *a = calloc(N, sizeof *a);
        if (a == NULL)
            gort__throw("runtime: cannot allocate memory for pollDesc");
        for (int i = 0; i < N; i++) {
            a[i].rt.idx = a[i].wt.idx = -1;
            a[i].link = pollcachefirst;
            pollcachefirst = &a[i];
        }
        pd = pollcachefirst;
    }
    pollcachefirst = pd->link;
    gort__unlock(&pollcachelock);
    return pd;
}

static void pollcachefree(pollDesc *pd)
{
    gort__lock(&pollcachelock);
    pd->link = pollcachefirst;
    pollcachefirst = pd;
    gort__unlock(&pollcachelock);
}

/* ------------------------------------------------------------------------
 * Waiting and waking.
 * ---------------------------------------------------------------------- */

static inline _Atomic uintptr_t *waitslot(pollDesc *pd, int mode)
{
    return mode == 'r' ? &pd->rg : &pd->wg;
}

/* netpollcheckerr says why an operation of mode cannot wait, if it cannot. */
static int netpollcheckerr(pollDesc *pd, int mode)
{
    if (atomic_load(&pd->closing))
        return pollErrClosing;
    if ((mode == 'r' && atomic_load(&pd->rd) < 0) || (mode == 'w' && atomic_load(&pd->wd) < 0))
        return pollErrTimeout;
    /* An error event is reported on reads only: a write reports its own,
     * more precise error. */
    if (mode == 'r' && atomic_load(&pd->everr))
        return pollErrNotPollable;
    return pollNoError;
}

/* netpollblockcommit is gopark's unlock function: the park commits only
 * if nothing came meanwhile (the slot is still PD_WAIT). */
static bool netpollblockcommit(g *gp, void *arg)
{
    _Atomic uintptr_t *gpp = arg;
    uintptr_t wait = PD_WAIT;
    if (atomic_compare_exchange_strong(gpp, &wait, (uintptr_t)gp)) {
        atomic_fetch_add(&gort__netpollWaiters, 1);
        return true;
    }
    return false;
}

/* netpollblock waits for an event of mode and reports whether one came
 * (false: a deadline, a close, or waitio's cancellation wait ended it). */
static bool netpollblock(pollDesc *pd, int mode, bool waitio)
{
    _Atomic uintptr_t *gpp = waitslot(pd, mode);
    for (;;) {
        uintptr_t v = PD_READY;
        if (atomic_compare_exchange_strong(gpp, &v, PD_NIL))
            return true;    /* an event was waiting for us */
        v = PD_NIL;
        if (atomic_compare_exchange_strong(gpp, &v, PD_WAIT))
            break;
        if (v != PD_READY && v != PD_NIL)
            gort__throw("runtime: double wait");
    }
    /* Re-check after the CAS: a close or deadline that came before it is
     * seen here, one after it finds PD_WAIT (see the top of the file). */
    if (waitio || netpollcheckerr(pd, mode) == pollNoError)
        gort__gopark(gort__getg_needm(), netpollblockcommit, gpp, waitReasonIOWait);
    uintptr_t old = atomic_exchange(gpp, PD_NIL);
    if (old > PD_WAIT)
        gort__throw("runtime: corrupted polldesc");
    return old == PD_READY;
}

/* netpollunblock takes the goroutine waiting on mode, if any, and leaves
 * PD_READY (ioready: an event) or PD_NIL behind; it returns that G. */
static g *netpollunblock(pollDesc *pd, int mode, bool ioready)
{
    _Atomic uintptr_t *gpp = waitslot(pd, mode);
    for (;;) {
        uintptr_t old = atomic_load(gpp);
        if (old == PD_READY)
            return NULL;
        if (old == PD_NIL && !ioready)
            return NULL;    /* pollWait checks deadlines and close itself */
        uintptr_t new = ioready ? PD_READY : PD_NIL;
        if (atomic_compare_exchange_strong(gpp, &old, new))
            return old == PD_WAIT ? NULL : (g *)old;
    }
}

static void netpollgoready(g *gp)
{
    atomic_fetch_sub(&gort__netpollWaiters, 1);
    gort__goready(gp);
}

void gort__netpollready(gQueue *q, pollDesc *pd, int mode)
{
    g *rg = NULL, *wg = NULL;
    if (mode == 'r' || mode == 'r' + 'w')
        rg = netpollunblock(pd, 'r', true);
    if (mode == 'w' || mode == 'r' + 'w')
        wg = netpollunblock(pd, 'w', true);
    /* The Gs leave the poller here (injectglist readies them). */
    if (rg) {
        atomic_fetch_sub(&gort__netpollWaiters, 1);
        rg->schedlink = NULL;
        if (q->tail)
            q->tail->schedlink = rg;
        else
            q->head = rg;
        q->tail = rg;
    }
    if (wg) {
        atomic_fetch_sub(&gort__netpollWaiters, 1);
        wg->schedlink = NULL;
        if (q->tail)
            q->tail->schedlink = wg;
        else
            q->head = wg;
        q->tail = wg;
    }
}

/* ------------------------------------------------------------------------
 * Deadlines.
 * ---------------------------------------------------------------------- */

/* netpolldeadline is a deadline timer's function: if seq is still the
 * current one, the deadline has passed: mark it expired and wake the
 * waiter.  arg is the pollDesc, read says which deadline. */
static void netpolldeadlineimpl(pollDesc *pd, uintptr_t seq, bool read, bool write)
{
    gort__lock(&pd->lock);
    uintptr_t cur = read ? pd->rseq : pd->wseq;
    if (seq != cur) {
        gort__unlock(&pd->lock);
        return;     /* the deadline changed after this timer was armed */
    }
    g *rg = NULL, *wg = NULL;
    if (read) {
        atomic_store(&pd->rd, -1);
        rg = netpollunblock(pd, 'r', false);
    }
    if (write) {
        atomic_store(&pd->wd, -1);
        wg = netpollunblock(pd, 'w', false);
    }
    gort__unlock(&pd->lock);
    if (rg)
        netpollgoready(rg);
    if (wg)
        netpollgoready(wg);
}

static void netpollReadDeadline(void *arg, uintptr_t seq)
{
    netpolldeadlineimpl(arg, seq, true, false);
}

static void netpollWriteDeadline(void *arg, uintptr_t seq)
{
    netpolldeadlineimpl(arg, seq, false, true);
}

/* gort__pollSetDeadline: see netpoll.h.  Under pd->lock it decides, and
 * bumps the sequence numbers so that an armed timer becomes stale; the
 * timers themselves change after the lock is dropped (see the top of the
 * file).  d is an absolute nanotime; 0 clears; d <= now expires at once. */
void gort__pollSetDeadline(pollDesc *pd, int64_t d, int mode)
{
    if (d != 0 && d <= gort__nanotime())
        d = -1;
    gort__lock(&pd->dlock);
    gort__lock(&pd->lock);
    if (atomic_load(&pd->closing)) {
        gort__unlock(&pd->lock);
        gort__unlock(&pd->dlock);
        return;
    }
    bool setr = mode == 'r' || mode == 'r' + 'w';
    bool setw = mode == 'w' || mode == 'r' + 'w';
    if (setr && atomic_load(&pd->rd) != d) {
        atomic_store(&pd->rd, d);
        pd->rseq++;
    }
    if (setw && atomic_load(&pd->wd) != d) {
        atomic_store(&pd->wd, d);
        pd->wseq++;
    }
    int64_t rd = atomic_load(&pd->rd), wd = atomic_load(&pd->wd);
    uintptr_t rseq = pd->rseq, wseq = pd->wseq;
    gort__unlock(&pd->lock);

    if (setr) {
        if (rd > 0)
            gort__modtimer(&pd->rt, rd, 0, rseq);
        else
            gort__deltimer(&pd->rt);
    }
    if (setw) {
        if (wd > 0)
            gort__modtimer(&pd->wt, wd, 0, wseq);
        else
            gort__deltimer(&pd->wt);
    }

    /* A deadline in the past applies to a call already blocked. */
    g *rg = NULL, *wg = NULL;
    gort__lock(&pd->lock);
    if (atomic_load(&pd->rd) < 0)
        rg = netpollunblock(pd, 'r', false);
    if (atomic_load(&pd->wd) < 0)
        wg = netpollunblock(pd, 'w', false);
    gort__unlock(&pd->lock);
    gort__unlock(&pd->dlock);
    if (rg)
        netpollgoready(rg);
    if (wg)
        netpollgoready(wg);
}

/* ------------------------------------------------------------------------
 * The operations of internal/poll.
 * ---------------------------------------------------------------------- */

pollDesc *gort__pollOpen(intptr_t fd)
{
    gort__netpollGenericInit();
    pollDesc *pd = pollcachealloc();
    gort__lock(&pd->lock);
    uintptr_t v = atomic_load(&pd->wg);
    if (v != PD_NIL && v != PD_READY)
        gort__throw("runtime: blocked write on free polldesc");
    v = atomic_load(&pd->rg);
    if (v != PD_NIL && v != PD_READY)
        gort__throw("runtime: blocked read on free polldesc");
    pd->fd = fd;
    atomic_store(&pd->closing, false);
    atomic_store(&pd->everr, false);
    atomic_fetch_add(&pd->fdseq, 1);
    pd->rseq++;
    atomic_store(&pd->rg, PD_NIL);
    atomic_store(&pd->rd, 0);
    pd->wseq++;
    atomic_store(&pd->wg, PD_NIL);
    atomic_store(&pd->wd, 0);
    pd->rt.f = netpollReadDeadline;
    pd->rt.arg = pd;
    pd->wt.f = netpollWriteDeadline;
    pd->wt.arg = pd;
    gort__unlock(&pd->lock);
    int e = gort__netpollopen(fd, pd);
    if (e != 0) {
        pollcachefree(pd);
        errno = e;
        return NULL;
    }
    return pd;
}

void gort__pollClose(pollDesc *pd)
{
    if (!atomic_load(&pd->closing))
        gort__throw("runtime: close polldesc w/o unblock");
    uintptr_t v = atomic_load(&pd->wg);
    if (v != PD_NIL && v != PD_READY)
        gort__throw("runtime: blocked write on closing polldesc");
    v = atomic_load(&pd->rg);
    if (v != PD_NIL && v != PD_READY)
        gort__throw("runtime: blocked read on closing polldesc");
    gort__netpollclose(pd->fd);
    pollcachefree(pd);
}

int gort__pollReset(pollDesc *pd, int mode)
{
    int e = netpollcheckerr(pd, mode);
    if (e != pollNoError)
        return e;
    atomic_store(waitslot(pd, mode), PD_NIL);
    return pollNoError;
}

int gort__pollWait(pollDesc *pd, int mode)
{
    int e = netpollcheckerr(pd, mode);
    if (e != pollNoError)
        return e;
    while (!netpollblock(pd, mode, false)) {
        e = netpollcheckerr(pd, mode);
        if (e != pollNoError)
            return e;
        /* Woken with nothing to report (a stale deadline's wake-up):
         * wait again. */
    }
    return pollNoError;
}

/* gort__pollWaitCanceled waits, whatever the deadline or close, for the
 * event of an operation the fd layer has cancelled (Windows: the kernel
 * owns the buffer until the cancelled operation completes). */
void gort__pollWaitCanceled(pollDesc *pd, int mode)
{
    while (!netpollblock(pd, mode, true))
        ;
}

/* gort__pollUnblock: the descriptor is closing: wake both waiters; from
 * now on pollReset and pollWait fail with pollErrClosing. */
void gort__pollUnblock(pollDesc *pd)
{
    gort__lock(&pd->dlock);
    gort__lock(&pd->lock);
    if (atomic_load(&pd->closing))
        gort__throw("runtime: unblock on closing polldesc");
    atomic_store(&pd->closing, true);
    pd->rseq++;
    pd->wseq++;
    g *rg = netpollunblock(pd, 'r', false);
    g *wg = netpollunblock(pd, 'w', false);
    gort__unlock(&pd->lock);
    gort__deltimer(&pd->rt);
    gort__deltimer(&pd->wt);
    gort__unlock(&pd->dlock);
    if (rg)
        netpollgoready(rg);
    if (wg)
        netpollgoready(wg);
}
