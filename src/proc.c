/*
 * proc.c - the scheduler: boot (rt0_g0, schedinit, runtime_main) first,
 * then goroutine creation and exit, the G-M-P scheduler, parking, system
 * calls, stop-the-world and sysmon.  Mirrors Go's runtime/proc.go.
 *
 * G, M and P
 *
 * A G is a goroutine, an M an OS thread, a P the right to run goroutines:
 * GOMAXPROCS of them exist, and an M runs goroutines only while it holds
 * one.  An M without a P is parked on its note (idle), is in a system
 * call, polls (netpoll.c), or is sysmon.  Each P owns a run queue: a
 * 256-slot ring that only the owner pushes to and any M may steal half
 * of, and runnext, one slot for the G that its running G just readied, so
 * that a goroutine that hands work to another runs it next on the same
 * core, in the rest of the same time slice.  Thieves may only empty
 * runnext, so the owner fills it with one exchange (no CAS loop), and
 * while GOMAXPROCS is 1, when no thief exists, with plain stores (onlyp):
 * a channel hand-off then costs no atomic operation on the run queue.
 * Overflow and Gs readied by threads without a P go to the global queue,
 * which every 61st round of a P looks at first so that it cannot starve.
 *
 * How many threads are awake
 *
 * Too few running Ms leave cores idle; too many waste CPU looking for
 * work that is not there.  No M can see the whole state at once (the
 * queues are per P, on purpose), so the rule is local: readying a G
 * wakes an M (wakep) only if a P is idle and no M is already "spinning",
 * that is, looking for work with a P but none found yet.  A spinning M
 * that finds work stops spinning, and if it was the last spinner it wakes
 * another, which carries on looking (resetspinning).  That keeps one
 * searcher alive while work keeps coming, and none once it stops.
 *
 * The hard moment is a spinner giving up, because work may arrive just
 * then.  The submitter publishes its work and then reads nmspinning
 * (wakep); the spinner decrements nmspinning and then looks at every
 * queue and timer again (findrunnable's "delicate dance").  Both are
 * sequentially consistent, so at least one of them sees the other: either
 * the submitter wakes an M, or the spinner finds the work.  The same
 * argument covers timers (wakeNetPoller) and the poller (netpoll.c).
 *
 * Rejected: one global queue under one lock (every switch would contend
 * on it), and a thread per goroutine (20-50x slower here, DESIGN.md).
 *
 * Getting onto a goroutine's stack
 *
 * There are two ways, sharing the steps of the "Switching stacks"
 * section.  The long way goes through g0, the M's own stack: the leaving
 * goroutine calls mcall, which saves its context and runs a function on
 * g0 (park_m, gosched_m, goexit0, exitsyscall0), which decides what
 * becomes of it and calls schedule, which finds the next G and jumps onto
 * its stack (execute, gogo).  The short way, for the common case of a
 * goroutine that parks or yields while the next G waits in its own P's
 * queue (a channel hand-off, a Gosched ping), is trydirect: it goes from
 * one goroutine's stack straight to the next one's with swapgo, with no
 * g0 and no schedule in between.  The leaving goroutine cannot be
 * requeued or marked parked before its context is saved, so trydirect
 * leaves that to the goroutine it resumes, which does it first thing
 * (postswitch, called by resumed at every resume point).  trydirect takes
 * the long way whenever there is something else to decide: the world is
 * stopping, a locked M or G is involved, every 64th switch while the P
 * has timers, so that due ones run, and when the global queue has work
 * and it is its turn: for a yield always (gosched_m puts the yielder
 * behind that work, as Go does), for a park on the ticks where
 * findrunnable would look there first (schedtick % 61).  Otherwise the
 * long way would pick what trydirect picks, the head of the local
 * queue, as findrunnable looks at its own P before the global queue.
 *
 * So what runs on g0 is schedule, findrunnable, the mcall continuations
 * and everything they call (including gopark's unlock function when the
 * park took the long way); none of it may park.  After a direct switch,
 * the unlock function runs on the next goroutine's stack instead, in
 * postswitch, under the same rules.
 *
 * Stacks: a G gets its stack when it first runs (switchin), not when it
 * is made, so a burst of gort_go calls costs no stack memory until the
 * goroutines run, and the stack that an exiting G leaves in its P's cache
 * is reused while it is still resident (stack.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "os.h"
#include "netpoll.h"
#include "sanitizer.h"
#include "trace.h"

schedt gort__sched;
m gort__m0;
g gort__g0;
p **gort__allp;
_Atomic int32_t gort__gomaxprocs;
int32_t gort__ncpu;
uintptr_t gort__physPageSize = 4096;
g *_Atomic gort__allgs;
m *_Atomic gort__allm;
int64_t gort__runtimeInitTime;

#define MAXGOMAXPROCS 1024      /* upper bound of GOMAXPROCS, see procresize */
#define FORCE_PREEMPT_NS (10 * 1000 * 1000)

static p *allp_storage[MAXGOMAXPROCS];
static _Atomic int32_t nallp;   /* Ps ever created (allp[0:nallp]) */

/* The current G of this thread.  Global only where arch_amd64.h reads it
 * inline; elsewhere (Windows' emulated TLS) private to the accessors. */
#ifdef GORT_HAVE_FAST_GETG
__thread g *gort__tls_g;
#else
static __thread g *gort__tls_g;
#endif

/* gort__getg returns the current goroutine.  It is NOINLINE on purpose:
 * see runtime.h and DESIGN.md's trap on thread-local storage. */
NOINLINE g *gort__getg(void)
{
    return gort__tls_g;
}

NOINLINE void gort__setg(g *gp)
{
    gort__tls_g = gp;
}

/* Defined below, used by the boot steps that open the file. */
static uint64_t fastrandseed;
static void mcommoninit(m *mp, int64_t id);
static int64_t mReserveID(void);
static m *newm(void (*fn)(void), p *pp, int64_t id, bool spinning);
static void sysmon(void);
static p *procresize(int32_t nprocs);
static void doInit(void);

/* ------------------------------------------------------------------------
 * Boot: rt0_go's steps that live here (rt0_g0, schedinit) and
 * runtime_main, first as in Go's proc.go.
 * ---------------------------------------------------------------------- */

/* gort__rt0_g0 records g0's stack from the thread's real stack and binds
 * m0 and g0 to the main thread.  sp: the top of stack in rt0_go. */
void gort__rt0_g0(uintptr_t sp)
{
    gort__g0.m = &gort__m0;
    gort__m0.g0 = &gort__g0;
    atomic_store(&gort__g0.atomicstatus, Grunning);
    gort__os_g0bounds(&gort__g0.sched, sp);
    gort__g0.stack.lo = gort__g0.sched.lo;
    gort__g0.stack.hi = gort__g0.sched.sp;
    gort__setg(&gort__g0);
}

/* gort__schedinit: the bootstrap sequence's scheduler part (Go's
 * schedinit): the stack allocator, m0, the random seed, argv and the
 * environment, GODEBUG, and procresize(GOMAXPROCS). */
/* runtimeStarted: schedinit has run (gort__checkstarted). */
static _Atomic bool runtimeStarted;

void gort__schedinit(void)
{
    gort__sched.maxmcount = 10000;
    atomic_store(&gort__sched.coarsenow, gort__nanotime());
    atomic_store(&gort__sched.lastpoll, gort__nanotime());
    gort__stackinit();
    gort__getRandomData(&fastrandseed, sizeof fastrandseed);
    mcommoninit(&gort__m0, mReserveID());
    gort__goargs();
    gort__parsedebugvars();

    /* Go's atoi32 (a decimal number that fits in an int32, or ignored),
     * then gort's limit: a bigger value gets MAXGOMAXPROCS Ps (Go 1.19 has
     * no limit; gort's is as gort_gomaxprocs has it). */
    int32_t procs = gort__ncpu;
    const char *s = gort__gogetenv("GOMAXPROCS");
    int32_t n = s ? gort__atoi32(s, s + strlen(s)) : -1;
    if (n > 0)
        procs = n;
    if (procs > MAXGOMAXPROCS)
        procs = MAXGOMAXPROCS;
    gort__allp = allp_storage;
    gort__lock(&gort__sched.lock);
    if (procresize(procs) != NULL)
        gort__throw("unknown runnable goroutine during bootstrap");
    gort__unlock(&gort__sched.lock);
    if (gort__debug_gorttrace)
        gort__traceinit(gort__debug_gorttrace);
    gort__os_initsig();
    gort__preemptinit();
    atomic_store(&runtimeStarted, true);
}

/* gort__runtime_main is the main goroutine (Go's runtime.main). */
void gort__runtime_main(void *arg)
{
    (void)arg;
    g *gp = getg();
    gp->ismain = true;
    gort__runtimeInitTime = gort__nanotime();

    /* sysmon runs on its own M without a P. */
    gort__lock(&gort__sched.lock);
    int64_t id = mReserveID();
    gort__unlock(&gort__sched.lock);
    newm(sysmon, NULL, id, false);

    doInit();
    gort__gcenable();
    gort__callframe0(main_main);    /* a frame: a panic recovered in it returns too */
    gort__mainexitwait();
    exit(0);
}

/* ------------------------------------------------------------------------
 * Init functions (GORT_INIT), registered by constructors before main.
 * ---------------------------------------------------------------------- */

typedef struct initTask {
    void (*fn)(void);
    const char *name;
} initTask;

static initTask *inittasks;
static int ninittasks, capinittasks;

void gort__addinit(void (*fn)(void), const char *name)
{
    if (ninittasks == capinittasks) {
        capinittasks = capinittasks ? 2 * capinittasks : 16;
        inittasks = realloc(inittasks, capinittasks * sizeof *inittasks);
        if (inittasks == NULL) {
            static const char msg[] = "fatal error: out of memory registering init functions\n";
            gort__writeerr(msg, sizeof msg - 1);
            gort__exit(2);
        }
    }
    inittasks[ninittasks++] = (initTask){fn, name};
}

/* doInit runs the package init functions in registration order.  With
 * .ctors (Windows) constructors run in reverse, so we walk backwards. */
static void doInit(void)
{
    for (int i = 0; i < ninittasks; i++) {
        int k = gort__os_ctors_reversed ? ninittasks - 1 - i : i;
        gort__callframe0(inittasks[k].fn);
    }
}

/* ------------------------------------------------------------------------
 * Random numbers for the scheduler (wyrand on a per-M state).
 * ---------------------------------------------------------------------- */

uint32_t gort__fastrand(void)
{
    g *gp = getg();
    m *mp = gp ? gp->m : NULL;
    if (mp == NULL)
        mp = &gort__m0;
    uint64_t s = ((uint64_t)mp->fastrand[1] << 32 | mp->fastrand[0]) + 0xa0761d6478bd642fULL;
    mp->fastrand[0] = (uint32_t)s;
    mp->fastrand[1] = (uint32_t)(s >> 32);
    __uint128_t t = (__uint128_t)s * (s ^ 0xe7037ed1a0b428dbULL);
    return (uint32_t)((uint64_t)(t >> 64) ^ (uint64_t)t);
}


/* ------------------------------------------------------------------------
 * Status transitions.
 * ---------------------------------------------------------------------- */

static const char *gstatusname(uint32_t s)
{
    static const char *const names[] = {"idle", "runnable", "running", "syscall", "waiting", "dead"};
    return s < nelem(names) ? names[s] : "???";
}

/* gort__casgstatus moves gp from oldval to newval; anything else is a
 * broken invariant. */
void gort__casgstatus(g *gp, uint32_t oldval, uint32_t newval)
{
    uint32_t old = oldval;
    if (!atomic_compare_exchange_strong(&gp->atomicstatus, &old, newval)) {
        gort__printf("runtime: casgstatus: goroutine %lld: %s -> %s, but it is %s\n",
                     (long long)gp->goid, gstatusname(oldval), gstatusname(newval),
                     gstatusname(old));
        gort__throw("casgstatus: bad incoming values");
    }
}

/* setgstatus_own moves gp from oldval to newval where only the caller can
 * be changing gp's status (it runs gp, or took it off a run queue): a
 * plain store is enough, and cheaper on the switch path than a CAS. */
static inline void setgstatus_own(g *gp, uint32_t oldval, uint32_t newval)
{
    if (unlikely(atomic_load_explicit(&gp->atomicstatus, memory_order_relaxed) != oldval))
        gort__casgstatus(gp, oldval, newval);   /* reports the bad state */
    atomic_store_explicit(&gp->atomicstatus, newval, memory_order_release);
}

/* ------------------------------------------------------------------------
 * Switching stacks.
 * ---------------------------------------------------------------------- */

/*
 * The two ways onto a goroutine's stack share these steps, so that the
 * direct switch (trydirect) cannot drift from the way through g0 (mcall,
 * schedule, execute, gogo):
 *
 *   leave(gp)        the leaving goroutine: stack guard check, errno saved
 *   switchin(mp, gp) the coming one: status, links, time slice, its stack
 *   enterstack(gp)   the coming one becomes the thread's G; ASan and TSan
 *                    are told (sanitizer.h)
 *   resumed()        first thing back on a goroutine's stack, at each of
 *                    its three resume points (after mcall, after swapgo,
 *                    at a new goroutine's start): ASan, errno, postswitch
 *   commitpark(gp)   a parking goroutine, once its context is saved
 */

static void postswitch(m *mp);

/* leave saves what the thread holds for gp, which is leaving its stack:
 * its errno, from the errno of the thread it ran on; and checks a soft
 * stack guard (on gp's stack, or on g0's after setg(g0): stackcheck
 * reads the sp that belongs to gp either way). */
static inline void leave(g *gp, m *mp)
{
    if (unlikely(gp->stack.softguard))
        gort__stackcheck(gp);
    gp->errno_ = *mp->errnop;
}

/* enterstack makes gp the thread's current goroutine, just before the
 * jump onto its stack.  fakesave is where ASan keeps the leaving stack's
 * fake frames (NULL: the leaving stack is g0's or dead). */
static inline void enterstack(g *gp, void **fakesave)
{
    setg(gp);
    asan_start_switch(fakesave, (void *)gp->stack.lo, gp->stack.hi - gp->stack.lo);
    tsan_switch(gp->tsanfiber);
}

/* resumed runs first on a goroutine's stack each time it resumes,
 * perhaps on another thread than it left: nothing cached from before the
 * switch is re-read.  It gives the goroutine its errno through the errno
 * address of the M it runs on now (DESIGN.md's TLS trap), and finishes a
 * direct switch for the goroutine that left. */
static inline ALWAYS_INLINE void resumed_inl(void)
{
    g *gp = getg();
    asan_finish_switch(gp->asanfake);
    m *mp = gp->m;
    *mp->errnop = gp->errno_;
    postswitch(mp);
}

/* resumed is resumed_inl, which the direct switch (trydirect) inlines;
 * mcall and goentry leave the inlining to the compiler. */
static inline void resumed(void)
{
    resumed_inl();
}

/* mcall_ switches from the current goroutine to its M's g0 stack and
 * calls fn(gp) there.  It returns when gp is resumed, possibly on another
 * M.  dying: gp never resumes (its ASan fake stack is dropped). */
static void mcall_(void (*fn)(g *), bool dying)
{
    g *gp = getg();
    g *g0 = gp->m->g0;
    asan_start_switch(dying ? NULL : &gp->asanfake, (void *)g0->stack.lo,
                      g0->stack.hi - g0->stack.lo);
    tsan_switch(g0->tsanfiber);
    gort__mcall(&gp->sched, &g0->sched, (void (*)(void *))fn, gp);
    resumed();
}

static void mcall(void (*fn)(g *))
{
    mcall_(fn, false);
}

/* g0enter is the first thing every mcall'd function does on g0. */
static inline void g0enter(g *gp)
{
    asan_finish_switch(NULL);
    /* g0 first: leave's stack check must see gp's saved sp, not g0's. */
    setg(gp->m->g0);
    leave(gp, gp->m);
}

/* gogo runs gp on this M.  Called on g0; never returns. */
static NORETURN void gogo(g *gp)
{
    enterstack(gp, NULL);
    gort__gogo(&gp->sched);
}

/* switchin makes gp, taken off mp's P's run queue (Grunnable), the
 * running goroutine of mp.  inheritTime: gp takes over the current time
 * slice (it came from runnext).  A G gets its stack when it first runs
 * (see the top of the file). */
static inline ALWAYS_INLINE void switchin(m *mp, g *gp, bool inheritTime)
{
    p *pp = mp->p;
    mp->curg = gp;
    gp->m = mp;
    setgstatus_own(gp, Grunnable, Grunning);
    gp->waitsince = 0;
    traceGoStart(gp);
    trackrunning(pp, gp);
    /* A new time slice or not, a preemption request is answered. */
    atomic_store_explicit(&gp->preempt, false, memory_order_relaxed);
    if (!inheritTime) {
        /* Only the owner writes schedtick (sysmon reads it): no RMW. */
        atomic_store_explicit(&pp->schedtick,
                              atomic_load_explicit(&pp->schedtick, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    }
    if (gp->stack.lo == 0) {
        gp->stack = gort__stackalloc(pp);
        gort__gostartcall(gp);
        gp->tsanfiber = tsan_fiber_create();
    }
}

/* commitpark finishes gopark for gp, whose context is saved and which no
 * M runs any more: gp is Gwaiting from here on, and unlockf(gp, lock)
 * decides whether it stays so.  false: it was not parked after all, and
 * it is Grunnable again, for the caller to run or queue. */
static inline bool commitpark(g *gp, bool (*unlockf)(g *, void *), void *lock)
{
    setgstatus_own(gp, Grunning, Gwaiting);
    if (unlockf && !unlockf(gp, lock)) {
        traceGoUnpark(gp);
        gort__casgstatus(gp, Gwaiting, Grunnable);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Run queues.
 * ---------------------------------------------------------------------- */

/*
 * The global run queue is a ring of G pointers that grows by doubling,
 * not a list linked through the Gs: moving a batch in or out copies
 * pointers and touches no G.  (A G queued by one P and taken by another
 * is in the first P's cache; with a list, the second P would pay for each
 * G twice, once here to follow the link and once when it runs it.)
 * All of it under sched.lock.
 */
/* sched.runqsize is written under sched.lock and read without it, as a
 * hint, on the hot paths (as Go reads it): a relaxed atomic, which is a
 * plain load or store and no data race. */
static inline int32_t runqsize(void)
{
    return atomic_load_explicit(&gort__sched.runqsize, memory_order_relaxed);
}

static inline void setrunqsize(int32_t n)
{
    atomic_store_explicit(&gort__sched.runqsize, n, memory_order_relaxed);
}

static void globrunqgrow(void)
{
    uint32_t cap = gort__sched.runqcap ? 2 * gort__sched.runqcap : 1024;
    g **buf = malloc(cap * sizeof *buf);
    if (buf == NULL)
        gort__throw("globrunqput: out of memory");
    for (int32_t i = 0; i < runqsize(); i++)
        buf[i] = gort__sched.runqbuf[(gort__sched.runqhead + (uint32_t)i) & (gort__sched.runqcap - 1)];
    free(gort__sched.runqbuf);
    gort__sched.runqbuf = buf;
    gort__sched.runqcap = cap;
    gort__sched.runqhead = 0;
}

/* globrunqput puts gp on the global run queue.  sched.lock must be held. */
static void globrunqput(g *gp)
{
    if ((uint32_t)runqsize() == gort__sched.runqcap)
        globrunqgrow();
    uint32_t i = (gort__sched.runqhead + (uint32_t)runqsize()) & (gort__sched.runqcap - 1);
    gort__sched.runqbuf[i] = gp;
    setrunqsize(runqsize() + 1);
}

/* globrunqpop takes the G at the head of the global queue, which must not
 * be empty.  sched.lock must be held. */
static g *globrunqpop(void)
{
    g *gp = gort__sched.runqbuf[gort__sched.runqhead];
    gort__sched.runqhead = (gort__sched.runqhead + 1) & (gort__sched.runqcap - 1);
    setrunqsize(runqsize() - 1);
    return gp;
}

static NOINLINE bool runqputslow(p *pp, g *gp, uint32_t h, uint32_t t);

/* runqputtail puts gp at the tail of pp's local run queue; a full ring
 * moves half of itself to the global queue (runqputslow, out of line).
 * Executed only by the owner: stealers never write runqtail, and read a
 * slot only below it, so the slot is written first and then published
 * with a release store of the tail.  Inline: the direct switch's requeue
 * (postswitch) calls it. */
static inline ALWAYS_INLINE void runqputtail(p *pp, g *gp)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
        if (likely(t - h < RUNQSIZE)) {
            atomic_store_explicit(&pp->runq[t % RUNQSIZE], gp, memory_order_relaxed);
            atomic_store_explicit(&pp->runqtail, t + 1, memory_order_release);
            return;
        }
        if (runqputslow(pp, gp, h, t))
            return;
        /* the queue is not full now, retry */
    }
}

/* onlyp reports whether GOMAXPROCS is 1.  Then no other P exists that
 * could steal from the current one, so its owner may read and write its
 * runnext slot and its ring's head with plain loads and stores (why the
 * relaxed read of 1 holds for as long as the P is held: runqget_inl). */
static inline bool onlyp(void)
{
    return atomic_load_explicit(&gort__gomaxprocs, memory_order_relaxed) == 1;
}

/* runqput tries to put gp on pp's local run queue.  If next, gp goes to
 * runnext and whatever was there is kicked to the tail.  A full ring
 * moves half of itself to the global queue.  Executed only by the
 * owner.  (runqput_inl is the same, inline, for ready.) */
static inline ALWAYS_INLINE void runqput_inl(p *pp, g *gp, bool next)
{
    if (next) {
        g *old;
        if (onlyp()) {
            /* Nobody else can touch runnext (onlyp): no RMW. */
            old = atomic_load_explicit(&pp->runnext, memory_order_relaxed);
            atomic_store_explicit(&pp->runnext, gp, memory_order_relaxed);
        } else {
            /* A thief may empty runnext under us (runqgrab): one
             * exchange, sequentially consistent like the CAS Go uses, so
             * that wakep's read of nmspinning cannot pass it (the
             * spinning dance at the top of the file). */
            old = atomic_exchange(&pp->runnext, gp);
        }
        if (likely(old == NULL))
            return;
        gp = old;   /* kick the old runnext to the regular queue */
    }
    runqputtail(pp, gp);
}

static void runqput(p *pp, g *gp, bool next)
{
    runqput_inl(pp, gp, next);
}

/* runqputslow moves gp and half of pp's queue to the global queue. */
static NOINLINE bool runqputslow(p *pp, g *gp, uint32_t h, uint32_t t)
{
    g *batch[RUNQSIZE / 2 + 1];
    uint32_t n = t - h;
    n = n / 2;
    if (n != RUNQSIZE / 2)
        gort__throw("runqputslow: queue is not full");
    for (uint32_t i = 0; i < n; i++)
        batch[i] = atomic_load_explicit(&pp->runq[(h + i) % RUNQSIZE], memory_order_relaxed);
    uint32_t hh = h;
    if (!atomic_compare_exchange_strong_explicit(&pp->runqhead, &hh, h + n,
                                                 memory_order_release, memory_order_relaxed))
        return false;
    batch[n] = gp;
    gort__lock(&gort__sched.lock);
    for (uint32_t i = 0; i <= n; i++)
        globrunqput(batch[i]);
    gort__unlock(&gort__sched.lock);
    return true;
}

/* runqget takes a G from pp's local queue: runnext first.  inheritTime
 * says whether it should inherit the rest of the time slice.  Executed
 * only by the owner, or with the world stopped (procresize).  (runqget_inl
 * is the same, inline, for trydirect.)
 *
 * The owner claims runnext or the head with a CAS because stealers CAS
 * them too, except when GOMAXPROCS is 1: then a plain store is enough,
 * because there is no stealer.  Only an M that holds a P steals
 * (stealWork), and the P it holds is the only one, ours; nothing else
 * takes from a P's queue but procresize, with the world stopped.  The
 * count cannot go up while we look: procresize runs only once every P is
 * stopped, ours included, and an M that acquires a P again reads the new
 * count (acquirep's synchronisation with startTheWorld).  So the relaxed
 * read of 1 holds for as long as we hold the P.  Nor can this M run
 * anything else between the load of the head and the store: the
 * runtime's own code is never preempted (HACKING.md, "Preemption"). */
static inline ALWAYS_INLINE g *runqget_inl(p *pp, bool *inheritTime)
{
    bool alone = onlyp();
    bool fair = atomic_load_explicit(&pp->preemptnext, memory_order_relaxed);
    if (unlikely(fair)) {
        atomic_store_explicit(&pp->preemptnext, false, memory_order_relaxed);
        if (atomic_load(&pp->runqtail) == atomic_load(&pp->runqhead))
            fair = false;   /* nothing queued: runnext it is */
    }
    g *next = fair ? NULL : atomic_load_explicit(&pp->runnext, memory_order_acquire);
    if (next != NULL) {
        if (alone) {
            atomic_store_explicit(&pp->runnext, NULL, memory_order_relaxed);
            *inheritTime = true;
            return next;
        }
        if (atomic_compare_exchange_strong(&pp->runnext, &next, NULL)) {
            *inheritTime = true;
            return next;
        }
    }
    for (;;) {
        uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
        if (t == h)
            return NULL;
        g *gp = atomic_load_explicit(&pp->runq[h % RUNQSIZE], memory_order_relaxed);
        if (alone) {
            atomic_store_explicit(&pp->runqhead, h + 1, memory_order_release);
            *inheritTime = false;
            return gp;
        }
        if (atomic_compare_exchange_weak_explicit(&pp->runqhead, &h, h + 1,
                                                  memory_order_release, memory_order_relaxed)) {
            *inheritTime = false;
            return gp;
        }
    }
}

static g *runqget(p *pp, bool *inheritTime)
{
    return runqget_inl(pp, inheritTime);
}

static bool runqempty(p *pp)
{
    /* Go's careful read: tail, runnext, then head and tail again, so that
     * a G moving from runnext to the queue is not missed. */
    for (;;) {
        uint32_t head = atomic_load(&pp->runqhead);
        uint32_t tail = atomic_load(&pp->runqtail);
        g *runnext = atomic_load(&pp->runnext);
        if (tail == atomic_load(&pp->runqtail))
            return head == tail && runnext == NULL;
    }
}

/* runqgrab copies up to half of pp's queue into batch (a ring of
 * RUNQSIZE starting at batchHead).  Executed by any P. */
static uint32_t runqgrab(p *pp, g *_Atomic *batch, uint32_t batchHead, bool stealRunNextG)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_acquire);
        uint32_t n = t - h;
        n = n - n / 2;
        if (n == 0) {
            if (stealRunNextG) {
                g *next = atomic_load(&pp->runnext);
                if (next != NULL) {
                    if (atomic_load(&pp->status) == Prunning) {
                        /* Sleep to let pp run its runnext: a G readied by
                         * pp's running G is usually about to be run by it,
                         * and stealing it would only bounce it between
                         * threads.  Go sleeps 3us where it can. */
                        gort__usleep(3);
                    }
                    if (!atomic_compare_exchange_strong(&pp->runnext, &next, NULL))
                        continue;
                    atomic_store_explicit(&batch[batchHead % RUNQSIZE], next, memory_order_relaxed);
                    return 1;
                }
            }
            return 0;
        }
        if (n > RUNQSIZE / 2)   /* read inconsistent h and t */
            continue;
        for (uint32_t i = 0; i < n; i++) {
            g *gp = atomic_load_explicit(&pp->runq[(h + i) % RUNQSIZE], memory_order_relaxed);
            atomic_store_explicit(&batch[(batchHead + i) % RUNQSIZE], gp, memory_order_relaxed);
        }
        if (atomic_compare_exchange_strong_explicit(&pp->runqhead, &h, h + n,
                                                    memory_order_release, memory_order_relaxed))
            return n;
    }
}

/* runqsteal steals half of the Gs from p2's queue into pp's and returns
 * one of them. */
static g *runqsteal(p *pp, p *p2, bool stealRunNextG)
{
    uint32_t t = atomic_load_explicit(&pp->runqtail, memory_order_relaxed);
    uint32_t n = runqgrab(p2, pp->runq, t, stealRunNextG);
    if (n == 0)
        return NULL;
    n--;
    g *gp = atomic_load_explicit(&pp->runq[(t + n) % RUNQSIZE], memory_order_relaxed);
    if (n == 0)
        return gp;
    uint32_t h = atomic_load_explicit(&pp->runqhead, memory_order_acquire);
    if (t - h + n >= RUNQSIZE)
        gort__throw("runqsteal: runq overflow");
    atomic_store_explicit(&pp->runqtail, t + n, memory_order_release);
    return gp;
}

/* globrunqget takes a batch from the global queue into pp's local queue
 * and returns one G.  max 0 means no limit.  sched.lock must be held. */
static g *globrunqget(p *pp, int32_t max)
{
    int32_t size = runqsize();
    if (size == 0)
        return NULL;
    int32_t gm = gort__gomaxprocs;
    int32_t n = size / gm + 1;
    if (n > size)
        n = size;
    if (max > 0 && n > max)
        n = max;
    if (n > RUNQSIZE / 2)
        n = RUNQSIZE / 2;
    g *gp = globrunqpop();
    n--;
    for (; n > 0; n--)
        runqput(pp, globrunqpop(), false);
    return gp;
}

/* gqueuepop takes q's first G, or NULL. */
static g *gqueuepop(gQueue *q)
{
    g *gp = q->head;
    if (gp) {
        q->head = gp->schedlink;
        if (q->head == NULL)
            q->tail = NULL;
        gp->schedlink = NULL;
    }
    return gp;
}

/* gqueuelen counts q's Gs (for the trace). */
static UNUSED int32_t gqueuelen(gQueue *q)
{
    int32_t n = 0;
    for (g *gp = q->head; gp; gp = gp->schedlink)
        n++;
    return n;
}

static void startm(p *pp, bool spinning);

/* injectglist makes every G of list (Gwaiting, from the poller) runnable
 * and queues it: on a thread without a P, all on the global queue, with
 * an M started for each idle P; with a P, one for each idle P on the
 * global queue (and an M for each), the rest on the local queue. */
static void injectglist(gQueue *list)
{
    if (list->head == NULL)
        return;
    int n = 0;
    g *me = getg();
    for (g *gp = list->head; gp; gp = gp->schedlink, n++) {
        traceGoUnpark(gp);
        if (me && me->m)
            trackrunnable(me->m, gp);
        gort__casgstatus(gp, Gwaiting, Grunnable);
    }
    p *pp = me && me->m ? me->m->p : NULL;
    int nglob = pp ? atomic_load(&gort__sched.npidle) : n;
    if (nglob > n)
        nglob = n;
    if (nglob > 0) {
        gort__lock(&gort__sched.lock);
        for (int i = 0; i < nglob; i++)
            globrunqput(gqueuepop(list));
        gort__unlock(&gort__sched.lock);
        for (int i = 0; i < nglob && atomic_load(&gort__sched.npidle) != 0; i++)
            startm(NULL, false);
    }
    g *gp;
    while ((gp = gqueuepop(list)) != NULL)
        runqput(pp, gp, false);
}

/* ------------------------------------------------------------------------
 * Idle Ms and Ps.  All under sched.lock.
 * ---------------------------------------------------------------------- */

static void mput(m *mp)
{
    mp->schedlink = gort__sched.midle;
    gort__sched.midle = mp;
    gort__sched.nmidle++;
    gort__checkdead();
}

static m *mget(void)
{
    m *mp = gort__sched.midle;
    if (mp) {
        gort__sched.midle = mp->schedlink;
        gort__sched.nmidle--;
    }
    return mp;
}

static void pidleput(p *pp)
{
    if (!runqempty(pp))
        gort__throw("pidleput: P has non-empty run queue");
    atomic_store(&pp->status, Pidle);
    pp->link = gort__sched.pidle;
    gort__sched.pidle = pp;
    atomic_fetch_add(&gort__sched.npidle, 1);
}

static p *pidleget(void)
{
    p *pp = gort__sched.pidle;
    if (pp) {
        gort__sched.pidle = pp->link;
        atomic_fetch_sub(&gort__sched.npidle, 1);
    }
    return pp;
}

/* acquirep associates pp with the current M. */
static void acquirep(p *pp)
{
    m *mp = getg()->m;
    if (mp->p != NULL || pp->m != NULL || atomic_load(&pp->status) != Pidle) {
        gort__printf("runtime: acquirep: p->m=%p p->status=%u\n", (void *)pp->m,
                     atomic_load(&pp->status));
        gort__throw("acquirep: invalid p state");
    }
    mp->p = pp;
    pp->m = mp;
    atomic_store(&pp->status, Prunning);
    traceProcStart(pp);
}

/* releasep disassociates the current M from its P. */
static p *releasep(void)
{
    m *mp = getg()->m;
    p *pp = mp->p;
    if (pp == NULL || pp->m != mp || atomic_load(&pp->status) != Prunning)
        gort__throw("releasep: invalid p state");
    traceProcStop(pp);
    mp->p = NULL;
    pp->m = NULL;
    atomic_store(&pp->status, Pidle);
    return pp;
}

/* ------------------------------------------------------------------------
 * Ms: creation, parking, waking.
 * ---------------------------------------------------------------------- */

static void mcommoninit(m *mp, int64_t id)
{
    mp->id = id;
    uint64_t seed = fastrandseed ^ (uint64_t)id * 0x9e3779b97f4a7c15ULL ^ (uint64_t)gort__nanotime();
    mp->fastrand[0] = (uint32_t)seed | 1;
    mp->fastrand[1] = (uint32_t)(seed >> 32);
    m *old = atomic_load(&gort__allm);
    do {
        mp->alllink = old;
    } while (!atomic_compare_exchange_weak(&gort__allm, &old, mp));
}

static int64_t mReserveID(void)
{
    int64_t id = gort__sched.mnext++;
    if (gort__sched.mnext > gort__sched.maxmcount) {
        gort__printf("runtime: program exceeds %d-thread limit\n", gort__sched.maxmcount);
        gort__throw("thread exhaustion");
    }
    return id;
}

/* newm creates a new M (an OS thread) that will start with fn (or the
 * scheduler when fn is NULL) and with pp, if any. */
static m *newm(void (*fn)(void), p *pp, int64_t id, bool spinning)
{
    m *mp = calloc(1, sizeof *mp);
    g *g0 = calloc(1, sizeof *g0);
    if (mp == NULL || g0 == NULL)
        gort__throw("newm: out of memory");
    mcommoninit(mp, id);
    mp->g0 = g0;
    g0->m = mp;
    g0->goid = 0;
    atomic_store(&g0->atomicstatus, Grunning);
    mp->nextp = pp;
    mp->spinning = spinning;    /* set before the thread can look at it */
    mp->mstartfn = fn;
    gort__newosproc(mp);
    return mp;
}

/* mstart1 runs on g0 of a new or the first M: records g0's stack top as
 * where every mcall starts, then runs the start function and the
 * scheduler. */
static NORETURN void schedule(void);

static NORETURN void mstart1(void)
{
    g *g0 = getg();
    m *mp = g0->m;
    mp->errnop = &errno;    /* this thread's errno, for leave and resumed */
    g0->tsanfiber = tsan_fiber_current();
    gort__minit(mp);
    if (mp->mstartfn)
        mp->mstartfn();
    if (mp != &gort__m0) {
        acquirep(mp->nextp);
        mp->nextp = NULL;
    }
    schedule();
}

/* gort__mstart_os is the entry of every M that newosproc starts; sp is
 * near the top of the thread's stack. */
void gort__mstart_os(m *mp)
{
    volatile char top;
    g *g0 = mp->g0;
    gort__setg(g0);
    gort__os_g0bounds(&g0->sched, (uintptr_t)&top);
    g0->stack.lo = g0->sched.lo;
    g0->stack.hi = g0->sched.sp;
    mstart1();
}

/* gort__mstart: m0 enters the scheduler (rt0_go's last step). */
NORETURN void gort__mstart(void)
{
    mstart1();
}

/* mpark sleeps on mp's note until someone wakes it (Go's mPark);
 * m.blocked says so meanwhile, for GODEBUG=scheddetail. */
static void mpark(m *mp)
{
    mp->blocked = true;
    gort__notesleep(&mp->park);
    gort__noteclear(&mp->park);
    mp->blocked = false;
}

/* stopm parks the current M until startm gives it a P and wakes it. */
static void stopm(void)
{
    m *mp = getg()->m;
    if (mp->p)
        gort__throw("stopm holding p");
    if (mp->spinning)
        gort__throw("stopm spinning");
    gort__lock(&gort__sched.lock);
    mput(mp);
    gort__unlock(&gort__sched.lock);
    mpark(mp);
    acquirep(mp->nextp);
    mp->nextp = NULL;
}

static void wakesysmon(void)
{
    if (atomic_load(&gort__sched.sysmonwait) != 0) {
        gort__lock(&gort__sched.lock);
        if (atomic_load(&gort__sched.sysmonwait) != 0) {
            atomic_store(&gort__sched.sysmonwait, 0);
            gort__notewakeup(&gort__sched.sysmonnote);
        }
        gort__unlock(&gort__sched.lock);
    }
}

/* startm schedules some M to run pp (an idle P if pp is NULL).  spinning
 * says the caller incremented nmspinning for it. */
static void startm(p *pp, bool spinning)
{
    gort__lock(&gort__sched.lock);
    if (pp == NULL) {
        pp = pidleget();
        if (pp == NULL) {
            gort__unlock(&gort__sched.lock);
            if (spinning && atomic_fetch_sub(&gort__sched.nmspinning, 1) <= 0)
                gort__throw("startm: negative nmspinning");
            return;
        }
    }
    m *nmp = mget();
    if (nmp == NULL) {
        int64_t id = mReserveID();
        gort__unlock(&gort__sched.lock);
        newm(NULL, pp, id, spinning);
        return;
    }
    gort__unlock(&gort__sched.lock);
    if (nmp->spinning)
        gort__throw("startm: m is spinning");
    if (nmp->nextp)
        gort__throw("startm: m has p");
    nmp->spinning = spinning;
    nmp->nextp = pp;
    gort__notewakeup(&nmp->park);
    wakesysmon();
}

static void wakep_slow(void);

/* wakep tries to add one more P to execute Gs, when a G becomes runnable.
 * The common case, no idle P (always so at GOMAXPROCS=1), is one load
 * inline. */
static inline ALWAYS_INLINE void wakep(void)
{
    if (atomic_load(&gort__sched.npidle) == 0)
        return;
    wakep_slow();
}

static NOINLINE void wakep_slow(void)
{
    int32_t zero = 0;
    if (atomic_load(&gort__sched.nmspinning) != 0 ||
        !atomic_compare_exchange_strong(&gort__sched.nmspinning, &zero, 1))
        return;
    startm(NULL, true);
}

void gort__wakep(void)
{
    wakep();
}

/* gort__wakeNetPoller makes sure that a timer due at when is seen in time
 * (Go's wakeNetPoller): if an M polls and means to sleep past when, break
 * its poll; if none polls, start an M, which will poll or run the timer.
 * The poller publishes pollUntil before it sleeps and clears lastpoll
 * before that, so a timer added at any moment is either seen by its
 * re-check of the heaps or breaks its sleep (findrunnable): a spurious
 * wake-up is possible, a missed one is not. */
void gort__wakeNetPoller(int64_t when)
{
    if (atomic_load(&gort__sched.lastpoll) == 0) {
        int64_t pollerUntil = atomic_load(&gort__sched.pollUntil);
        if (pollerUntil == 0 || pollerUntil > when)
            gort__netpollBreak();
    } else {
        wakep();
    }
}

/* handoffp hands off pp from a syscall or a stopping M: it starts an M if
 * there is work for it, or puts it on the idle list. */
static void handoffp(p *pp)
{
    if (!runqempty(pp) || runqsize() != 0) {
        startm(pp, false);
        return;
    }
    /* No local work: if nobody is spinning or idle, start a spinning M in
     * case work appears elsewhere. */
    int32_t zero = 0;
    if (atomic_load(&gort__sched.nmspinning) + atomic_load(&gort__sched.npidle) == 0 &&
        atomic_compare_exchange_strong(&gort__sched.nmspinning, &zero, 1)) {
        startm(pp, true);
        return;
    }
    gort__lock(&gort__sched.lock);
    if (atomic_load(&gort__sched.gcwaiting)) {
        atomic_store(&pp->status, Pgcstop);
        if (--gort__sched.stopwait == 0)
            gort__notewakeup(&gort__sched.stopnote);
        gort__unlock(&gort__sched.lock);
        return;
    }
    if (runqsize() != 0) {
        gort__unlock(&gort__sched.lock);
        startm(pp, false);
        return;
    }
    /* The last running P, and nobody polls: an M must, or goroutines
     * waiting on descriptors or timers would wait for ever. */
    if (atomic_load(&gort__sched.npidle) == atomic_load(&gort__gomaxprocs) - 1 &&
        atomic_load(&gort__sched.lastpoll) != 0) {
        gort__unlock(&gort__sched.lock);
        startm(pp, false);
        return;
    }
    int64_t when = atomic_load(&pp->timer0When);
    pidleput(pp);
    gort__unlock(&gort__sched.lock);
    /* Its timers still need watching. */
    if (when != 0)
        gort__wakeNetPoller(when);
}

/* acquirespinning takes pp for the current M, which then looks for work
 * again as a spinning M: it found a sign of work after it gave up its P
 * and stopped spinning (see "the delicate dance" in findrunnable). */
static void acquirespinning(m *mp, p *pp)
{
    acquirep(pp);
    mp->spinning = true;
    atomic_fetch_add(&gort__sched.nmspinning, 1);
}

/* dropspinning takes the current M out of the spinning state. */
static void dropspinning(m *mp, const char *where)
{
    mp->spinning = false;
    if (atomic_fetch_sub(&gort__sched.nmspinning, 1) <= 0) {
        gort__printf("runtime: %s: negative nmspinning\n", where);
        gort__throw("negative nmspinning");
    }
}

/* pidlegetlocked takes an idle P under sched.lock, or none while the
 * world is stopping. */
static p *pidlegetlocked(void)
{
    gort__lock(&gort__sched.lock);
    p *pp = atomic_load(&gort__sched.gcwaiting) ? NULL : pidleget();
    gort__unlock(&gort__sched.lock);
    return pp;
}

/* resetspinning: a spinning M found work.  If it was the last spinner,
 * another one must start looking (see the comment at the top). */
static void resetspinning(void)
{
    m *mp = getg()->m;
    if (!mp->spinning)
        gort__throw("resetspinning: not a spinning m");
    dropspinning(mp, "resetspinning");
    wakep();
}

/* gcstopm stops the current M for stop-the-world; it restarts once the
 * world starts again. */
static void gcstopm(void)
{
    m *mp = getg()->m;
    if (!atomic_load(&gort__sched.gcwaiting))
        gort__throw("gcstopm: not waiting for gc");
    if (mp->spinning)
        dropspinning(mp, "gcstopm");
    p *pp = releasep();
    gort__lock(&gort__sched.lock);
    atomic_store(&pp->status, Pgcstop);
    if (--gort__sched.stopwait == 0)
        gort__notewakeup(&gort__sched.stopnote);
    gort__unlock(&gort__sched.lock);
    stopm();
}

/* ------------------------------------------------------------------------
 * The scheduler loop.
 * ---------------------------------------------------------------------- */

static p *allp_at(int32_t i) { return allp_storage[i]; }

/* stealWork tries to steal a runnable G from any P, in a random order. */
static g *stealWork(p *pp)
{
    enum { stealTries = 4 };
    int32_t n = atomic_load(&gort__gomaxprocs);
    for (int i = 0; i < stealTries; i++) {
        bool stealRunNextG = i == stealTries - 1;
        uint32_t start = gort__fastrand() % (uint32_t)n;
        /* A random coprime stride visits every P once (Go's randomOrder). */
        uint32_t inc = 1;
        if (n > 1) {
            static const uint32_t primes[] = {1, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
            for (;;) {
                inc = primes[gort__fastrand() % nelem(primes)];
                uint32_t a = inc, b = (uint32_t)n;
                while (b) {
                    uint32_t t = a % b;
                    a = b;
                    b = t;
                }
                if (a == 1)
                    break;
            }
        }
        for (int32_t k = 0; k < n; k++, start = (start + inc) % (uint32_t)n) {
            if (atomic_load(&gort__sched.gcwaiting))
                return NULL;
            p *p2 = allp_at((int32_t)start);
            if (stealRunNextG && p2 != pp) {
                /* Run p2's due timers, in case p2 is busy or idle: what
                 * they ready lands on our P. */
                int64_t w = atomic_load(&p2->timer0When);
                if (w != 0 && w <= gort__nanotime()) {
                    gort__checkTimers(p2, 0);
                    bool it;
                    g *gp = runqget(pp, &it);
                    if (gp)
                        return gp;
                }
            }
            if (p2 == pp || atomic_load(&p2->status) != Prunning)
                if (p2 == pp || runqempty(p2))
                    continue;
            g *gp = runqsteal(pp, p2, stealRunNextG);
            if (gp)
                return gp;
        }
    }
    return NULL;
}

/* findrunnable finds a runnable goroutine to execute, trying the local
 * queue, the global queue, the poller and other Ps' queues; with nothing
 * found it gives up the P and either polls until the next timer or parks
 * the M.  Returns with a P held.  Go's findRunnable, step for step. */
static g *findrunnable(bool *inheritTime)
{
    m *mp = getg()->m;
    p *pp;
    g *gp;
top:
    pp = mp->p;
    if (atomic_load(&gort__sched.gcwaiting)) {
        gcstopm();
        goto top;
    }

    /* Run this P's due timers: they may make goroutines runnable. */
    int64_t pollUntil = 0;
    if (atomic_load_explicit(&pp->timer0When, memory_order_relaxed) != 0)
        pollUntil = gort__checkTimers(pp, 0);

    /* Fairness: check the global queue once in a while. */
    if (atomic_load(&pp->schedtick) % 61 == 0 && runqsize() > 0) {
        gort__lock(&gort__sched.lock);
        gp = globrunqget(pp, 1);
        gort__unlock(&gort__sched.lock);
        if (gp) {
            *inheritTime = false;
            return gp;
        }
    }

    gp = runqget(pp, inheritTime);
    if (gp)
        return gp;

    if (runqsize() != 0) {
        gort__lock(&gort__sched.lock);
        gp = globrunqget(pp, 0);
        gort__unlock(&gort__sched.lock);
        if (gp) {
            *inheritTime = false;
            return gp;
        }
    }

    /* Goroutines whose descriptors are ready, before stealing: they are
     * the work nobody else will find.  Only while no M polls (it would
     * find them too). */
    if (gort__netpollinited() && atomic_load(&gort__netpollWaiters) > 0 &&
        atomic_load(&gort__sched.lastpoll) != 0) {
        gQueue list = {0};
        gort__netpoll(0, &list);
        if (list.head != NULL) {
            traceNetpollDone(gqueuelen(&list), 0);
            gp = gqueuepop(&list);
            injectglist(&list);
            traceGoUnpark(gp);
            gort__casgstatus(gp, Gwaiting, Grunnable);
            *inheritTime = false;
            return gp;
        }
    }

    /* Steal, but limit the number of spinning Ms to half the busy Ps, so
     * that a machine with many Ps does not burn CPU looking for work. */
    int32_t procs = atomic_load(&gort__gomaxprocs);
    if (mp->spinning || 2 * atomic_load(&gort__sched.nmspinning) < procs - atomic_load(&gort__sched.npidle)) {
        if (!mp->spinning) {
            mp->spinning = true;
            atomic_fetch_add(&gort__sched.nmspinning, 1);
        }
        gp = stealWork(pp);
        if (gp) {
            *inheritTime = false;
            return gp;
        }
    }

    /* Nothing to do: give up the P. */
    gort__lock(&gort__sched.lock);
    if (atomic_load(&gort__sched.gcwaiting)) {
        gort__unlock(&gort__sched.lock);
        goto top;
    }
    if (runqsize() != 0) {
        gp = globrunqget(pp, 0);
        gort__unlock(&gort__sched.lock);
        *inheritTime = false;
        return gp;
    }
    if (releasep() != pp)
        gort__throw("findrunnable: wrong p");
    pidleput(pp);
    gort__unlock(&gort__sched.lock);

    /* The delicate dance: drop spinning, then check every source of work
     * again (see the top of the file).  Work found now restores spinning,
     * so that resetspinning wakes another M in case there is more. */
    bool wasSpinning = mp->spinning;
    if (mp->spinning) {
        dropspinning(mp, "findrunnable");
        bool work = runqsize() != 0;
        int32_t n = atomic_load(&gort__gomaxprocs);
        for (int32_t i = 0; i < n && !work; i++)
            work = !runqempty(allp_at(i));
        if (work) {
            p *pp2 = pidlegetlocked();
            if (pp2) {
                acquirespinning(mp, pp2);
                goto top;
            }
        }
    }

    /* Every P's timers, read after dropping spinning: a timer added
     * meanwhile either shows here or its wakeNetPoller saw no spinning
     * M and started one. */
    int64_t w = gort__timeSleepUntil();
    if (w != 0 && (pollUntil == 0 || w < pollUntil))
        pollUntil = w;

    /* Poll until the next timer: one M at a time, the one that takes
     * lastpoll from non-zero to 0 (netpoll.c). */
    if (gort__netpollinited() && (atomic_load(&gort__netpollWaiters) > 0 || pollUntil != 0) &&
        atomic_exchange(&gort__sched.lastpoll, 0) != 0) {
        atomic_store(&gort__sched.pollUntil, pollUntil);
        if (mp->p != NULL)
            gort__throw("findrunnable: netpoll with p");
        if (mp->spinning)
            gort__throw("findrunnable: netpoll with spinning");
        int64_t delay = -1;
        if (pollUntil != 0) {
            delay = pollUntil - gort__nanotime();
            if (delay < 0)
                delay = 0;
        }
        gQueue list = {0};
        traceNetpollBlock(delay);
        gort__netpoll(delay, &list);
        traceNetpollDone(gqueuelen(&list), 1);
        atomic_store(&gort__sched.pollUntil, 0);
        atomic_store(&gort__sched.lastpoll, gort__nanotime());
        p *pp2 = pidlegetlocked();
        if (pp2 == NULL) {
            injectglist(&list);
        } else {
            acquirep(pp2);
            wakesysmon();   /* something runs again: sysmon watches */
            if (list.head != NULL) {
                gp = gqueuepop(&list);
                injectglist(&list);
                traceGoUnpark(gp);
                gort__casgstatus(gp, Gwaiting, Grunnable);
                *inheritTime = false;
                return gp;
            }
            if (wasSpinning) {
                mp->spinning = true;
                atomic_fetch_add(&gort__sched.nmspinning, 1);
            }
            goto top;
        }
    } else if (pollUntil != 0 && gort__netpollinited()) {
        /* Another M polls: make sure it wakes for our timer. */
        int64_t pollerUntil = atomic_load(&gort__sched.pollUntil);
        if (pollerUntil == 0 || pollerUntil > pollUntil)
            gort__netpollBreak();
    }
    stopm();
    goto top;
}

/* execute runs gp on the current M.  inheritTime: gp takes over the
 * current time slice (it came from runnext).  Never returns. */
static NORETURN void execute(g *gp, bool inheritTime)
{
    switchin(getg()->m, gp, inheritTime);
    gogo(gp);
}

/* schedule: one round of the scheduler: find a runnable goroutine and
 * execute it.  Never returns. */
static void stoplockedm(void);
static void startlockedm(g *gp);

static NORETURN void schedule(void)
{
    m *mp = getg()->m;
    if (mp->lockedg) {
        /* This M runs only its locked G: wait until it is runnable. */
        stoplockedm();
        execute(mp->lockedg, false);
    }
    if (mp->p == NULL)
        gort__throw("schedule: no p");
    for (;;) {
        bool inheritTime = false;
        g *gp = findrunnable(&inheritTime);
        /* A spinning M that found work must let another M look for more. */
        if (mp->spinning)
            resetspinning();
        if (gp->lockedm) {
            /* Hand our P to the M that gp is locked to; wait for a new P. */
            startlockedm(gp);
            continue;
        }
        execute(gp, inheritTime);
    }
}

/* stoplockedm stops the current M, whose G is locked to it, until that G
 * is runnable again (someone calls startlockedm).  Our P goes to another M. */
static void stoplockedm(void)
{
    m *mp = getg()->m;
    if (mp->p) {
        p *pp = releasep();
        handoffp(pp);
    }
    gort__lock(&gort__sched.lock);
    gort__sched.nmidlelocked++;
    gort__checkdead();
    gort__unlock(&gort__sched.lock);
    mpark(mp);
    if (readgstatus(mp->lockedg) != Grunnable)
        gort__throw("stoplockedm: inconsistent locking");
    acquirep(mp->nextp);
    mp->nextp = NULL;
}

/* startlockedm gives our P to the M that gp is locked to and wakes it;
 * this M parks. */
static void startlockedm(g *gp)
{
    m *mp = getg()->m;
    m *lm = gp->lockedm;
    if (lm == mp)
        gort__throw("startlockedm: locked to me");
    gort__lock(&gort__sched.lock);
    gort__sched.nmidlelocked--;
    gort__unlock(&gort__sched.lock);
    p *pp = releasep();
    lm->nextp = pp;
    gort__notewakeup(&lm->park);
    stopm();
}

/* dropg disassociates the M from its current goroutine. */
static void dropg(void)
{
    m *mp = getg()->m;
    mp->curg->m = NULL;
    mp->curg = NULL;
}

/* ------------------------------------------------------------------------
 * Parking and readying.
 * ---------------------------------------------------------------------- */

/* park_m: the continuation of gopark on g0. */
static void park_m(g *gp)
{
    g0enter(gp);
    m *mp = gp->m;
    bool (*unlockf)(g *, void *) = mp->waitunlockf;
    void *lock = mp->waitlock;
    mp->waitunlockf = NULL;
    mp->waitlock = NULL;
    dropg();
    if (!commitpark(gp, unlockf, lock))
        execute(gp, true);
    schedule();
}

/* ------------------------------------------------------------------------
 * Direct switches (see "Direct switches" at the top of the file).
 * ---------------------------------------------------------------------- */

enum { SWAP_REQUEUE = 1, SWAP_PARK = 2 };

/* postswitch finishes, for the M's previous goroutine, a direct switch
 * that resumed the current one (mp is the current M): now that its
 * context is saved, requeue it, or commit its park. */
static inline ALWAYS_INLINE void postswitch(m *mp)
{
    g *prev = mp->swapprev;
    if (prev == NULL)
        return;
    mp->swapprev = NULL;
    if (mp->swapkind == SWAP_REQUEUE) {
        trackrunnable(mp, prev);
        setgstatus_own(prev, Grunning, Grunnable);
        runqputtail(mp->p, prev);
        return;
    }
    bool (*unlockf)(g *, void *) = mp->waitunlockf;
    void *lock = mp->waitlock;
    mp->waitunlockf = NULL;
    mp->waitlock = NULL;
    if (!commitpark(prev, unlockf, lock))
        runqputtail(mp->p, prev);       /* it runs again soon */
}

/* trydirect switches from gp straight to the next goroutine of gp's P if
 * there is one and nothing else needs deciding, and returns true once gp
 * has been resumed; false: take the long way through the scheduler.
 * kind says what postswitch is to do with gp; for SWAP_PARK, unlockf and
 * lock are gopark's. */
static inline ALWAYS_INLINE bool
trydirect(g *gp, int kind, bool (*unlockf)(g *, void *), void *lock)
{
    m *mp = gp->m;
    p *pp = mp->p;
    if (pp == NULL || mp->lockedg != NULL ||
        atomic_load_explicit(&gort__sched.gcwaiting, memory_order_relaxed))
        return false;
    if (runqsize() != 0 &&
        (kind == SWAP_REQUEUE ||
         atomic_load_explicit(&pp->schedtick, memory_order_relaxed) % 61 == 0))
        return false;   /* the global queue's turn (the top of the file) */
    if ((++mp->swapcount & 63) == 0 &&
        atomic_load_explicit(&pp->timer0When, memory_order_relaxed) != 0)
        return false;   /* now and then, the long way: it runs due timers */
    bool inheritTime;
    g *next = runqget_inl(pp, &inheritTime);
    if (next == NULL)
        return false;
    if (next->lockedm != NULL) {
        /* Let the scheduler hand it to its M, at once: back in runnext,
         * where findrunnable looks first (at the tail it could be passed
         * over for ever). */
        runqput(pp, next, true);
        return false;
    }
    leave(gp, mp);
    mp->swapprev = gp;
    mp->swapkind = kind;
    if (kind == SWAP_PARK) {    /* a requeue leaves them NULL */
        mp->waitunlockf = unlockf;
        mp->waitlock = lock;
    }
    gp->m = NULL;
    switchin(mp, next, inheritTime);
    enterstack(next, &gp->asanfake);
    gort__swapgo(&gp->sched, &next->sched);
    resumed_inl();
    return true;
}

/* gort__gopark puts gp, the current goroutine, into a waiting state and
 * calls unlockf(gp, lock) once gp's context is saved.  If unlockf returns
 * false, gp is resumed at once.  unlockf must not touch gp's stack:
 * another M may already be running gp.  Someone must call goready(gp) to
 * wake it.  The caller passes gp (gort__getg_needm()) because it already
 * has it: the channel paths use it for their sudog as well.
 */
void gort__gopark(g *gp, bool (*unlockf)(g *, void *), void *lock, waitReason reason)
{
    m *mp = gp->m;
    if (gp->isforeign) {
        /* A thread the runtime did not start blocks itself. */
        gp->waitreason = reason;
        gp->waitsince = gort__nanotime();
        gort__casgstatus(gp, Grunning, Gwaiting);
        if (unlockf && !unlockf(gp, lock)) {
            gort__casgstatus(gp, Gwaiting, Grunning);
            return;
        }
        gort__notesleep(&mp->park);
        gort__noteclear(&mp->park);
        return;
    }
    traceGoPark(gp, reason);
    gp->waitreason = reason;
    /* Approximate, as Go's: sysmon keeps coarsenow current while anything
     * runs, and reading the clock here would cost more than the rest of
     * a channel hand-off. */
    gp->waitsince = atomic_load_explicit(&gort__sched.coarsenow, memory_order_relaxed);
    if (trydirect(gp, SWAP_PARK, unlockf, lock))
        return;
    mp->waitunlockf = unlockf;
    mp->waitlock = lock;
    mcall(park_m);
}

static bool parkunlock_c(g *gp, void *lock)
{
    (void)gp;
    gort__unlock(lock);
    return true;
}

/* gort__goparkunlock parks the goroutine, unlocking l once it is parked. */
void gort__goparkunlock(mutex *l, waitReason reason)
{
    gort__gopark(gort__getg_needm(), parkunlock_c, l, reason);
}

/* ready marks gp runnable and puts it in the runnext slot of the current
 * P.  A thread without a P (sysmon, a foreign thread) uses the global
 * queue. */
static void ready(g *gp, bool next)
{
    if (gp->isforeign) {
        gort__casgstatus(gp, Gwaiting, Grunning);
        gort__notewakeup(&gp->m->park);
        return;
    }
    /* Whoever readies gp took it off a wait queue under that queue's
     * lock (or won the select CAS): it alone may change gp's status. */
    traceGoUnpark(gp);
    g *me = getg();
    if (me && me->m)
        trackrunnable(me->m, gp);
    setgstatus_own(gp, Gwaiting, Grunnable);
    p *pp = me && me->m ? me->m->p : NULL;
    if (pp) {
        runqput_inl(pp, gp, next);
    } else {
        gort__lock(&gort__sched.lock);
        globrunqput(gp);
        gort__unlock(&gort__sched.lock);
    }
    wakep();
}

/* gort__goready makes gp, parked by gopark, runnable. */
void gort__goready(g *gp)
{
    ready(gp, true);
}

/* gosched_m: the continuation of Gosched on g0.  Go puts the G on the
 * global queue.  gort does too when the global queue has work (the G
 * then waits behind it, as in Go), and otherwise puts it at the tail of
 * the local queue: everything queued on this P runs first, idle Ps can
 * steal it, and no lock is taken. */
static void gosched_m(g *gp)
{
    g0enter(gp);
    trackrunnable(gp->m, gp);
    setgstatus_own(gp, Grunning, Grunnable);
    dropg();
    if (runqsize() != 0) {
        gort__lock(&gort__sched.lock);
        globrunqput(gp);
        gort__unlock(&gort__sched.lock);
    } else {
        runqput(getg()->m->p, gp, false);
    }
    schedule();
}

/* gopreempt_m: the continuation of a preemption on g0 (Go's gopreempt_m,
 * goschedImpl): the goroutine goes to the global queue, behind the work
 * that waited while it ran, and the P schedules. */
static void gopreempt_m(g *gp)
{
    g0enter(gp);
    traceGoPreempt(gp);         /* before another P can take it */
    setgstatus_own(gp, Grunning, Grunnable);
    dropg();
    gort__lock(&gort__sched.lock);
    globrunqput(gp);
    gort__unlock(&gort__sched.lock);
    schedule();
}

/* gort__gopreempt answers a preemption request of the current goroutine
 * (preempt.c): from a synchronous preemption point or from asyncPreempt2.
 * A goroutine that must not switch now (a foreign thread's, or runtime
 * code holding a lock) keeps the request for its next point. */
void gort__gopreempt(void)
{
    g *gp = getg();
    m *mp = gp->m;
    if (gp->isforeign || mp == NULL || gp == mp->g0 || mp->p == NULL) {
        atomic_store_explicit(&gp->preempt, false, memory_order_relaxed);
        return;
    }
    if (mp->locks != 0 || mp->preemptoff != NULL)
        return;
    atomic_store_explicit(&gp->preempt, false, memory_order_relaxed);
    mcall(gopreempt_m);
}

/* ------------------------------------------------------------------------
 * sudogs: per-P caches backed by a global list (Go's acquireSudog).
 * ---------------------------------------------------------------------- */

/* gort__acquireSudog gives gp, the current goroutine, a free sudog. */
sudog *gort__acquireSudog(g *gp)
{
    sudog *c = gp->cachedsudog;
    if (likely(c != NULL)) {
        /* The common case: a goroutine that blocks again, one sudog at a
         * time, reuses its own (hot in its cache, no list to touch). */
        gp->cachedsudog = NULL;
        return c;
    }
    p *pp = gp->m->p;
    if (pp == NULL || gp->isforeign) {
        /* No P: take from the global list that releaseSudog feeds. */
        gort__lock(&gort__sched.sudoglock);
        sudog *s = gort__sched.sudogcache;
        if (s)
            gort__sched.sudogcache = s->next;
        gort__unlock(&gort__sched.sudoglock);
        if (s) {
            s->next = NULL;
            return s;
        }
        s = calloc(1, sizeof *s);
        if (s == NULL)
            gort__throw("acquireSudog: out of memory");
        return s;
    }
    if (pp->nsudogcache == 0) {
        gort__lock(&gort__sched.sudoglock);
        while (pp->nsudogcache < (int32_t)nelem(pp->sudogcache) / 2 && gort__sched.sudogcache) {
            sudog *s = gort__sched.sudogcache;
            gort__sched.sudogcache = s->next;
            s->next = NULL;
            pp->sudogcache[pp->nsudogcache++] = s;
        }
        gort__unlock(&gort__sched.sudoglock);
        if (pp->nsudogcache == 0) {
            sudog *s = calloc(1, sizeof *s);
            if (s == NULL)
                gort__throw("acquireSudog: out of memory");
            pp->sudogcache[pp->nsudogcache++] = s;
        }
    }
    sudog *s = pp->sudogcache[--pp->nsudogcache];
    if (s->elem != NULL)
        gort__throw("acquireSudog: found s.elem != nil in cache");
    return s;
}

void gort__releaseSudog(sudog *s)
{
    if (s->elem != NULL || s->isSelect || s->next != NULL || s->prev != NULL ||
        s->waitlink != NULL || s->c != NULL)
        gort__throw("releaseSudog: sudog still in use");
    /* The check above leaves only these to clear. */
    s->g = NULL;
    s->acquiretime = s->releasetime = 0;
    s->ticket = 0;
    s->success = false;
    s->parent = s->waittail = NULL;
    g *gp = getg();
    if (gp && gp->cachedsudog == NULL) {
        gp->cachedsudog = s;
        return;
    }
    p *pp = gp && gp->m ? gp->m->p : NULL;
    if (pp == NULL || gp->isforeign) {
        gort__lock(&gort__sched.sudoglock);
        s->next = gort__sched.sudogcache;
        gort__sched.sudogcache = s;
        gort__unlock(&gort__sched.sudoglock);
        return;
    }
    if (pp->nsudogcache == (int32_t)nelem(pp->sudogcache)) {
        gort__lock(&gort__sched.sudoglock);
        while (pp->nsudogcache > (int32_t)nelem(pp->sudogcache) / 2) {
            sudog *t = pp->sudogcache[--pp->nsudogcache];
            t->next = gort__sched.sudogcache;
            gort__sched.sudogcache = t;
        }
        gort__unlock(&gort__sched.sudoglock);
    }
    pp->sudogcache[pp->nsudogcache++] = s;
}

/* ------------------------------------------------------------------------
 * Goroutine creation and exit.
 * ---------------------------------------------------------------------- */

/* Dead Gs are kept in per-P arrays, backed by one global array under
 * sched.gflock.  Both are arrays of pointers, not lists linked through
 * the Gs, so that moving a batch between them copies pointers and touches
 * no G (a list made each moved G's line come into the cache twice), and
 * both are used as stacks, newest on top: a P reuses the G it freed last,
 * whose lines are the likeliest to be in its cache, and a full P spills
 * its oldest half, the coldest, keeping the newest. */
enum { GFREE_BATCH = GFREECACHE / 2 };

/* gfglobalgrow makes room for n more Gs in the global array.
 * sched.gflock must be held. */
static void gfglobalgrow(int32_t n)
{
    int32_t ng = atomic_load_explicit(&gort__sched.ngfree, memory_order_relaxed);
    if (ng + n <= gort__sched.capgfree)
        return;
    int32_t cap = gort__sched.capgfree ? 2 * gort__sched.capgfree : 1024;
    while (cap < ng + n)
        cap *= 2;
    g **v = realloc(gort__sched.gfree, (size_t)cap * sizeof *v);
    if (v == NULL)
        gort__throw("gfput: out of memory for the free G list");
    gort__sched.gfree = v;
    gort__sched.capgfree = cap;
}

/* gfpopglobal takes the newest G off the global free array, or NULL.
 * sched.gflock must be held. */
static g *gfpopglobal(void)
{
    int32_t ng = atomic_load_explicit(&gort__sched.ngfree, memory_order_relaxed);
    if (ng == 0)
        return NULL;
    atomic_store_explicit(&gort__sched.ngfree, ng - 1, memory_order_relaxed);
    return gort__sched.gfree[ng - 1];
}

/* gfpurge moves pp's oldest dead Gs to the global array until pp keeps
 * keep of them, the newest. */
static NOINLINE void gfpurge(p *pp, int32_t keep)
{
    int32_t n = pp->gfreecnt - keep;
    if (n <= 0)
        return;
    gort__lock(&gort__sched.gflock);
    gfglobalgrow(n);
    int32_t ng = atomic_load_explicit(&gort__sched.ngfree, memory_order_relaxed);
    memcpy(&gort__sched.gfree[ng], &pp->gfree[0], (size_t)n * sizeof(g *));
    atomic_store_explicit(&gort__sched.ngfree, ng + n, memory_order_relaxed);
    gort__unlock(&gort__sched.gflock);
    memmove(&pp->gfree[0], &pp->gfree[n], (size_t)keep * sizeof(g *));
    pp->gfreecnt = keep;
}

/* gfput puts a dead G on pp's free array, spilling the oldest half of a
 * full one to the global array. */
static void gfput(p *pp, g *gp)
{
    if (readgstatus(gp) != Gdead)
        gort__throw("gfput: bad status (not Gdead)");
    if (unlikely(pp->gfreecnt == GFREECACHE))
        gfpurge(pp, GFREECACHE - GFREE_BATCH);
    pp->gfree[pp->gfreecnt++] = gp;
}

/* gfrefill fills pp's empty free array with up to GFREE_BATCH of the
 * global array's newest, and says whether it found any. */
static NOINLINE bool gfrefill(p *pp)
{
    gort__lock(&gort__sched.gflock);
    int32_t ng = atomic_load_explicit(&gort__sched.ngfree, memory_order_relaxed);
    int32_t n = ng < GFREE_BATCH ? ng : GFREE_BATCH;
    if (n > 0) {
        /* Kept in order: the global array's newest is pp's newest. */
        memcpy(&pp->gfree[0], &gort__sched.gfree[ng - n], (size_t)n * sizeof(g *));
        atomic_store_explicit(&gort__sched.ngfree, ng - n, memory_order_relaxed);
    }
    gort__unlock(&gort__sched.gflock);
    pp->gfreecnt = n;
    return n > 0;
}

/* gfget gets a dead G from pp's free array, refilling an empty one from
 * the global array. */
static inline g *gfget(p *pp)
{
    /* The unlocked read of ngfree is a hint: a G freed to the global
     * array just after it is found by a later call, and this one makes
     * a new G meanwhile. */
    if (unlikely(pp->gfreecnt == 0) &&
        (atomic_load_explicit(&gort__sched.ngfree, memory_order_relaxed) == 0 || !gfrefill(pp)))
        return NULL;
    return pp->gfree[--pp->gfreecnt];
}

/* allgadd appends gp to allgs, so that walks see goroutines in the order
 * they were made (reports list goroutine 1 first, as Go's do).  Readers
 * walk the list without the lock: a G is linked fully before it is
 * published and is never unlinked. */
static mutex allglock;
static g *allgtail;

static void allgadd(g *gp)
{
    gp->alllink = NULL;
    gort__lock(&allglock);
    if (allgtail)
        atomic_store_explicit(&allgtail->alllink, gp, memory_order_release);
    else
        atomic_store(&gort__allgs, gp);
    allgtail = gp;
    gort__unlock(&allglock);
}

/* malg makes a new G (Go's malg, without the stack: stacks come when a G
 * first runs).  Gs are never freed, only reused, so they are carved from
 * chunks of GCHUNK, a P's own chunk without a lock: one allocation per
 * GCHUNK goroutines instead of one each. */
enum { GCHUNK = 128, GOIDBATCH = 16 };

static g *malg(p *pp)
{
    static mutex chunklock;
    static g *sharedchunk;
    static int sharedleft;
    g *gp;
    if (pp) {
        if (pp->gchunkleft == 0) {
            pp->gchunk = calloc(GCHUNK, sizeof(g));
            if (pp->gchunk == NULL)
                gort__throw("newproc: out of memory");
            pp->gchunkleft = GCHUNK;
        }
        gp = pp->gchunk++;
        pp->gchunkleft--;
    } else {
        gort__lock(&chunklock);
        if (sharedleft == 0) {
            sharedchunk = calloc(GCHUNK, sizeof(g));
            if (sharedchunk == NULL)
                gort__throw("newproc: out of memory");
            sharedleft = GCHUNK;
        }
        gp = sharedchunk++;
        sharedleft--;
        gort__unlock(&chunklock);
    }
    atomic_store(&gp->atomicstatus, Gdead);
    allgadd(gp);
    return gp;
}

/* gort__newproc1 creates a new G running fn(arg), Grunnable, not queued. */
g *gort__newproc1(gort_fn fn, void *arg, g *callergp, void *callerpc, bool system)
{
    m *mp = callergp ? callergp->m : NULL;
    p *pp = mp ? mp->p : NULL;
    g *newg = pp ? gfget(pp) : NULL;
    if (newg == NULL && pp == NULL &&
        atomic_load_explicit(&gort__sched.ngfree, memory_order_relaxed) != 0) {
        gort__lock(&gort__sched.gflock);
        newg = gfpopglobal();
        gort__unlock(&gort__sched.gflock);
    }
    if (newg == NULL)
        newg = malg(pp);
    if (newg->stack.lo != 0) {
        /* A free G keeps no stack: stacks live in the P caches. */
        gort__throw("newproc1: free G has a stack");
    }
    newg->fn = fn;
    newg->arg = arg;
    newg->errno_ = 0;
    newg->waitreason = waitReasonZero;
    newg->parentgoid = callergp ? callergp->goid : 0;
    newg->gopc = callerpc;
    newg->isSystem = system;
    newg->ismain = false;
    newg->param = NULL;
    newg->asanfake = NULL;
    if (pp) {
        /* Goids and the live count come from the P, as Go's goidcache:
         * nothing shared is written per goroutine. */
        if (pp->goidcache == pp->goidcacheend) {
            pp->goidcache = atomic_fetch_add(&gort__sched.goidgen, GOIDBATCH) + 1;
            pp->goidcacheend = pp->goidcache + GOIDBATCH;
        }
        newg->goid = (int64_t)pp->goidcache++;
        atomic_store_explicit(&pp->nglive,
                              atomic_load_explicit(&pp->nglive, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        atomic_store_explicit(&pp->ncreated,
                              atomic_load_explicit(&pp->ncreated, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    } else {
        newg->goid = (int64_t)atomic_fetch_add(&gort__sched.goidgen, 1) + 1;
        atomic_fetch_add(&gort__sched.nglive, 1);
        atomic_fetch_add(&gort__ncreated_nop, 1);
    }
    if (system)
        atomic_fetch_add(&gort__sched.ngsys, 1);
    newg->runnabletime = 0;
    if (mp)
        trackrunnable(mp, newg);
    traceGoCreate(newg, callergp);
    setgstatus_own(newg, Gdead, Grunnable);
    return newg;
}

/* gort__runqputnowake queues newg at the tail of the current P's queue
 * and wakes nobody: for runtime goroutines that are in no hurry. */
void gort__runqputnowake(g *newg)
{
    runqput(getg()->m->p, newg, false);
}

/* gort__readynew queues a new G made by newproc1 on the current P. */
void gort__readynew(g *newg)
{
    g *gp = getg();
    if (gp == NULL || gp->m == NULL || gp->m->p == NULL || gp->isforeign) {
        gort__lock(&gort__sched.lock);
        globrunqput(newg);
        gort__unlock(&gort__sched.lock);
    } else {
        runqput(gp->m->p, newg, true);
    }
    if (gort__runtimeInitTime != 0)
        wakep();
}

/* gort__newproc creates a new goroutine running fn(arg) and queues it in
 * the current P's runnext, as `go fn(arg)`. */
void gort__newproc(gort_fn fn, void *arg)
{
    g *gp = getg();
    gort__readynew(gort__newproc1(fn, arg, gp, __builtin_return_address(0), false));
}

/* goexit0: the continuation of goexit on g0.  The dead G's stack goes to
 * this P's cache, the G to its free list. */
static void goexit0(g *gp)
{
    g0enter(gp);
    traceGoEnd(gp);
    m *mp = gp->m;
    p *pp = mp->p;
    setgstatus_own(gp, Grunning, Gdead);
    atomic_store_explicit(&pp->nglive, atomic_load_explicit(&pp->nglive, memory_order_relaxed) - 1,
                          memory_order_relaxed);
    if (gp->isSystem)
        atomic_fetch_sub(&gort__sched.ngsys, 1);
    gp->m = NULL;
    mp->curg = NULL;
    if (gp->lockedm) {
        /* A goroutine that exits locked unlocks its thread (Go ends the
         * thread instead; gort keeps it for other goroutines). */
        gp->lockedm = NULL;
        mp->lockedg = NULL;
    }
    gp->lockedcount = 0;
    gp->waitreason = waitReasonZero;
    gp->fn = NULL;
    gp->arg = NULL;
    gort__stackfree(pp, gp->stack);
    gp->stack = (stack){0, 0, false};
    tsan_fiber_destroy(gp->tsanfiber);     /* not the current one: we are on g0 */
    gp->tsanfiber = NULL;
    gp->sched.sp = 0;
    if (gp->ismain) {
        /* main called Goexit: its G is never reused (its goid stays 1 in
         * reports) and the program goes on without it. */
        gp->ismain = false;
        gort__lock(&gort__sched.lock);
        gort__sched.mainexited = true;
        gort__unlock(&gort__sched.lock);
    }
    gfput(pp, gp);
    schedule();
}

static NORETURN void goexit1(void)
{
    gort__gexit(getg());
    mcall_(goexit0, true);
    gort__throw("goexit1: resumed a dead goroutine");
}

/* gort__goexit1 ends the current goroutine (panic.c, after a recovery in
 * its bottom frame). */
NORETURN void gort__goexit1(void)
{
    goexit1();
}

/* gort__goexit_start is the first C function of every goroutine: it runs
 * the start function and then exits the goroutine.  goentry calls it. */
NORETURN void gort__goexit_start(g *gp)
{
    resumed();
    gort__goframe(gp->fn, gp->arg);    /* its bottom frame (panic.c) */
    goexit1();
}

/* ------------------------------------------------------------------------
 * System calls.
 * ---------------------------------------------------------------------- */

/* gort_entersyscall: the goroutine is about to block in the OS.  Its P
 * stays with it but may be retaken by sysmon and given to another M. */
void gort_entersyscall(void)
{
    g *gp = getg();
    m *mp = gp ? gp->m : NULL;
    if (mp == NULL || mp->p == NULL || gp == mp->g0)
        return;         /* not on a goroutine: nothing to hand off */
    p *pp = mp->p;
    traceGoSysCall(gp);
    gort__casgstatus(gp, Grunning, Gsyscall);
    mp->syscalltick = atomic_load(&pp->syscalltick);
    pp->m = NULL;
    mp->oldp = pp;
    mp->p = NULL;
    atomic_store(&pp->status, Psyscall);
    wakesysmon();
    if (atomic_load(&gort__sched.gcwaiting)) {
        uint32_t s = Psyscall;
        gort__lock(&gort__sched.lock);
        if (gort__sched.stopwait > 0 && atomic_compare_exchange_strong(&pp->status, &s, Pgcstop)) {
            if (--gort__sched.stopwait == 0)
                gort__notewakeup(&gort__sched.stopnote);
        }
        gort__unlock(&gort__sched.lock);
    }
}

/* exitsyscallfast tries to get a P back without parking: the old one if
 * sysmon left it, else an idle one. */
static bool exitsyscallfast(p *oldp)
{
    m *mp = getg()->m;
    uint32_t s = Psyscall;
    if (oldp && atomic_load(&oldp->status) == Psyscall &&
        atomic_compare_exchange_strong(&oldp->status, &s, Pidle)) {
        acquirep(oldp);
        atomic_fetch_add(&oldp->syscalltick, 1);
        return true;
    }
    if (atomic_load(&gort__sched.npidle) != 0 && !atomic_load(&gort__sched.gcwaiting)) {
        gort__lock(&gort__sched.lock);
        p *pp = pidleget();
        gort__unlock(&gort__sched.lock);
        if (pp) {
            acquirep(pp);
            (void)mp;
            return true;
        }
    }
    return false;
}

/* exitsyscall0: the slow path, on g0: no P was free.  Queue gp globally
 * and park this M, or run gp on a P that became idle meanwhile. */
static void exitsyscall0(g *gp)
{
    g0enter(gp);
    traceGoSysExit(gp);
    trackrunnable(gp->m, gp);
    gort__casgstatus(gp, Gsyscall, Grunnable);
    dropg();
    gort__lock(&gort__sched.lock);
    p *pp = atomic_load(&gort__sched.gcwaiting) ? NULL : pidleget();
    if (pp == NULL)
        globrunqput(gp);
    gort__unlock(&gort__sched.lock);
    if (pp) {
        acquirep(pp);
        execute(gp, false);
    }
    if (getg()->m->lockedg) {
        /* gp is locked to this M: wait until some M finds gp and hands
         * us a P for it (startlockedm). */
        stoplockedm();
        execute(gp, false);
    }
    stopm();
    schedule();
}

void gort_exitsyscall(void)
{
    g *gp = getg();
    if (gp == NULL || readgstatus(gp) != Gsyscall)
        return;
    m *mp = gp->m;
    int saved = errno;
    p *oldp = mp->oldp;
    mp->oldp = NULL;
    if (exitsyscallfast(oldp)) {
        traceGoSysExit(gp);
        gort__casgstatus(gp, Gsyscall, Grunning);
        errno = saved;
        return;
    }
    gp->errno_ = saved;
    mcall(exitsyscall0);
    /* Resumed on some M with a P; execute restored errno. */
}

/* ------------------------------------------------------------------------
 * Stop the world (for GOMAXPROCS changes).
 * ---------------------------------------------------------------------- */

/* worldsema admits one stop-the-world at a time.  It is a semaphore that
 * parks the goroutine, as Go's is: a second caller must not block its
 * thread while it holds a running P, or the first would wait for that P
 * for ever. */
static _Atomic uint32_t worldsema = 1;

/* gort__stopTheWorld stops every P but the caller's.  Running goroutines
 * are asked to stop (preemptall, again every 100us while it waits): they
 * stop at their next preemption point, or at once where asynchronous
 * preemption can interrupt them (preempt.c).
 * The caller itself must not be preempted until gort__startTheWorld: a
 * request it honoured (one sysmon made before, or preemptall's of a
 * P it had) would put it on the global run queue of a stopped world,
 * whose Ps no M runs, and nothing would start the world again.  So, as
 * in Go, m->preemptoff holds the reason meanwhile (gort__gopreempt and
 * isAsyncSafePoint then decline; scheddetail prints it).  It is set
 * after worldsema is taken, the last point where the goroutine may
 * park and move to another M: from here to startTheWorld it stays on
 * mp. */
void gort__stopTheWorld(const char *reason)
{
    gort__semacquire1(&worldsema, false, waitReasonSemacquire);
    m *mp = getg()->m;
    mp->preemptoff = reason;
    gort__lock(&gort__sched.lock);
    gort__sched.stopwait = atomic_load(&gort__gomaxprocs);
    atomic_store(&gort__sched.gcwaiting, 1);
    mp->p->status = Pgcstop;
    gort__sched.stopwait--;
    int32_t n = atomic_load(&gort__gomaxprocs);
    for (int32_t i = 0; i < n; i++) {
        p *pp = allp_at(i);
        uint32_t s = Psyscall;
        if (atomic_compare_exchange_strong(&pp->status, &s, Pgcstop))
            gort__sched.stopwait--;
    }
    for (;;) {
        p *pp = pidleget();
        if (pp == NULL)
            break;
        atomic_store(&pp->status, Pgcstop);
        gort__sched.stopwait--;
    }
    bool wait = gort__sched.stopwait > 0;
    gort__unlock(&gort__sched.lock);
    if (wait) {
        gort__preemptall();
        for (;;) {
            if (gort__notetsleep(&gort__sched.stopnote, 100 * 1000))
                break;
            gort__preemptall();
        }
        gort__noteclear(&gort__sched.stopnote);
    }
    if (gort__sched.stopwait != 0)
        gort__throw("stopTheWorld: not stopped");
}

/* procresize changes the number of Ps to nprocs.  The world is stopped,
 * sched.lock held.  Returns the Ps that have local work, to be started. */
static p *procresize(int32_t nprocs)
{
    int32_t old = atomic_load(&gort__gomaxprocs);
    if (nprocs <= 0 || nprocs > MAXGOMAXPROCS)
        gort__throw("procresize: invalid arg");

    for (int32_t i = atomic_load(&nallp); i < nprocs; i++) {
        p *pp = calloc(1, sizeof *pp);
        if (pp == NULL)
            gort__throw("procresize: out of memory");
        pp->id = i;
        atomic_store(&pp->status, Pgcstop);
        allp_storage[i] = pp;
        atomic_store(&nallp, i + 1);
    }
    /* Free unused Ps: their work moves to the global queue. */
    for (int32_t i = nprocs; i < old; i++) {
        p *pp = allp_at(i);
        bool it;
        g *gp;
        while ((gp = runqget(pp, &it)) != NULL)
            globrunqput(gp);
        gfpurge(pp, 0);
        gort__stackcache_clear(pp);
        gort__moveTimers(allp_at(0), pp);
        atomic_store(&pp->status, Pdead);
    }

    m *mp = getg()->m;
    if (mp->p != NULL && mp->p->id < nprocs) {
        atomic_store(&mp->p->status, Prunning);
    } else {
        if (mp->p) {
            mp->p->m = NULL;
        }
        mp->p = NULL;
        p *pp = allp_at(0);
        pp->m = NULL;
        atomic_store(&pp->status, Pidle);
        acquirep(pp);
    }
    atomic_store(&gort__gomaxprocs, nprocs);
    traceGomaxprocs(nprocs);

    p *runnablePs = NULL;
    gort__sched.pidle = NULL;
    atomic_store(&gort__sched.npidle, 0);
    for (int32_t i = nprocs - 1; i >= 0; i--) {
        p *pp = allp_at(i);
        if (mp->p == pp)
            continue;
        atomic_store(&pp->status, Pidle);
        if (runqempty(pp)) {
            pidleput(pp);
        } else {
            pp->m = NULL;
            pp->link = runnablePs;
            runnablePs = pp;
        }
    }
    return runnablePs;
}

static int32_t newprocs;

void gort__startTheWorld(void)
{
    gort__lock(&gort__sched.lock);
    int32_t procs = newprocs ? newprocs : atomic_load(&gort__gomaxprocs);
    newprocs = 0;
    p *p1 = procresize(procs);
    atomic_store(&gort__sched.gcwaiting, 0);
    if (atomic_load(&gort__sched.sysmonwait)) {
        atomic_store(&gort__sched.sysmonwait, 0);
        gort__notewakeup(&gort__sched.sysmonnote);
    }
    gort__unlock(&gort__sched.lock);
    while (p1) {
        p *pp = p1;
        p1 = p1->link;
        startm(pp, false);
    }
    wakep();
    getg()->m->preemptoff = NULL;       /* it may be preempted again */
    gort__semrelease1(&worldsema, false);
}

/* ------------------------------------------------------------------------
 * sysmon: the system monitor, on its own M without a P.
 * ---------------------------------------------------------------------- */

static void schedtrace(bool detailed);

/* incidlelocked adds v to the count of Ms that checkdead treats as idle
 * though not on the idle list; sysmon uses -1 to be counted as running
 * while it holds a P or Gs in transit. */
static void incidlelocked(int32_t v)
{
    gort__lock(&gort__sched.lock);
    gort__sched.nmidlelocked += v;
    if (v > 0)
        gort__checkdead();
    gort__unlock(&gort__sched.lock);
}

/* retake takes Ps back from Ms blocked in system calls, and preempts
 * the goroutines that have kept one time slice too long (preempt.c). */
static uint32_t retake(int64_t now)
{
    uint32_t n = 0;
    int32_t np = atomic_load(&gort__gomaxprocs);
    for (int32_t i = 0; i < np; i++) {
        p *pp = allp_at(i);
        uint32_t s = atomic_load(&pp->status);
        bool sysretake = false;
        if (s == Prunning || s == Psyscall) {
            uint32_t t = atomic_load(&pp->schedtick);
            if (pp->sysmontick_schedtick != t) {
                pp->sysmontick_schedtick = t;
                pp->sysmontick_schedwhen = now;
            } else if (pp->sysmontick_schedwhen + FORCE_PREEMPT_NS <= now) {
                /* pp has kept one time slice for 10ms: one goroutine
                 * runs long, or runnext hand-offs chain.  Ask it to stop
                 * (as Go, again at every tick until it does), and make
                 * sure that what waits behind it is not starved: pp's
                 * next runqget takes the head of its queue instead of
                 * runnext, and an idle P is woken to steal from it. */
                if (s == Prunning)
                    gort__preemptone(pp);
                atomic_store(&pp->preemptnext, true);
                if (!runqempty(pp))
                    wakep();
                sysretake = true;
            }
        }
        if (s == Psyscall) {
            uint32_t t = atomic_load(&pp->syscalltick);
            if (!sysretake && pp->sysmontick_syscalltick != t) {
                pp->sysmontick_syscalltick = t;
                pp->sysmontick_syscallwhen = now;
                continue;
            }
            /* Retake when there is work, or no spare P, or after 10ms. */
            if (runqempty(pp) &&
                atomic_load(&gort__sched.nmspinning) + atomic_load(&gort__sched.npidle) > 0 &&
                pp->sysmontick_syscallwhen + 10 * 1000 * 1000 > now)
                continue;
            /* Count sysmon as running while it hands pp off: otherwise
             * the M in the syscall could exit it now, find no P, park,
             * and checkdead would count no running M while pp and the
             * work it can run are in sysmon's hands (Go's retake). */
            incidlelocked(-1);
            uint32_t ps = Psyscall;
            if (atomic_compare_exchange_strong(&pp->status, &ps, Pidle)) {
                n++;
                atomic_fetch_add(&pp->syscalltick, 1);
                handoffp(pp);
            }
            incidlelocked(1);
        }
    }
    return n;
}

static void sysmon(void)
{
    gort__lock(&gort__sched.lock);
    gort__sched.nmsys++;
    gort__checkdead();
    gort__unlock(&gort__sched.lock);

    int64_t lasttrace = 0;
    int idle = 0;
    uint32_t delay = 0;
    for (;;) {
        if (idle == 0)
            delay = 20;
        else if (idle > 50)
            delay *= 2;
        if (delay > 10 * 1000)
            delay = 10 * 1000;
        gort__usleep(delay);
        int64_t now = gort__nanotime();
        atomic_store_explicit(&gort__sched.coarsenow, now, memory_order_relaxed);
        gort__metricstick(now);
        if (gort__debug_schedtrace <= 0 &&
            (atomic_load(&gort__sched.gcwaiting) ||
             atomic_load(&gort__sched.npidle) == atomic_load(&gort__gomaxprocs))) {
            gort__lock(&gort__sched.lock);
            if (atomic_load(&gort__sched.gcwaiting) ||
                atomic_load(&gort__sched.npidle) == atomic_load(&gort__gomaxprocs)) {
                atomic_store(&gort__sched.sysmonwait, 1);
                gort__unlock(&gort__sched.lock);
                /* Nothing runs: sleep until something does (startm and
                 * entersyscall wake us), or until the scavenger should
                 * give back the stacks that idle goroutines left. */
                int64_t sleep = atomic_load(&gort__stack_cached) > 0 ? 1000 * 1000 * 1000 : -1;
                gort__notetsleep(&gort__sched.sysmonnote, sleep);
                gort__lock(&gort__sched.lock);
                atomic_store(&gort__sched.sysmonwait, 0);
                gort__noteclear(&gort__sched.sysmonnote);
                idle = 0;
                delay = 20;
            }
            gort__unlock(&gort__sched.lock);
        }
        /* Poll if nobody has for 10ms: goroutines whose descriptors are
         * ready must not wait for an M to run out of work.  Go polls here
         * whenever the poller exists; gort only while some goroutine
         * waits on a descriptor, so that a program of timers alone makes
         * no system call here. */
        int64_t lastpoll = atomic_load(&gort__sched.lastpoll);
        if (gort__netpollinited() && atomic_load(&gort__netpollWaiters) > 0 && lastpoll != 0 &&
            lastpoll + 10 * 1000 * 1000 < now &&
            atomic_compare_exchange_strong(&gort__sched.lastpoll, &lastpoll, now)) {
            gQueue list = {0};
            gort__netpoll(0, &list);
            if (list.head != NULL) {
                traceNetpollDone(gqueuelen(&list), 0);
                incidlelocked(-1);  /* as in retake: sysmon runs meanwhile */
                injectglist(&list);
                incidlelocked(1);
            }
        }
        if (retake(now) != 0)
            idle = 0;
        else
            idle++;
        if (gort__debug_schedtrace > 0 && lasttrace + (int64_t)gort__debug_schedtrace * 1000000 <= now) {
            lasttrace = now;
            schedtrace(gort__debug_scheddetail > 0);
        }
        if (atomic_load(&gort__stack_cached) > 0)
            gort__wakeScavenger(now);
    }
}

/* ------------------------------------------------------------------------
 * Deadlock detection.
 * ---------------------------------------------------------------------- */

/* gort__mcount is the number of Ms that exist. */
static int32_t mcount(void)
{
    return (int32_t)gort__sched.mnext;
}

/* strangerthread reports whether the process has a thread that the
 * runtime did not start and that has not called into it yet, at a
 * moment when checkdead counts no running M.  Such a thread may still
 * send on a channel or ready a goroutine (a C library's worker calling
 * back, a pthread that main waits for): a deadlock verdict would kill a
 * correct program.  Once one has called in, its M counts as running for
 * good (needm, below), so this matters only before; and then, with no M
 * running, every M that mcount counts is a thread of the runtime's own,
 * alive (they never exit) and idle.  So a thread count above mcount is a
 * thread that is not the runtime's, and the runtime cannot know what it
 * will do: no verdict, as Go with cgo, whose extra M keeps checkdead
 * from ever reporting one.  With no such thread, nothing can ever run
 * again: the verdict stands (an idle M starts no thread).  The count is a
 * system call or two, made only when a verdict is about to be given.
 * -1 (the system cannot say): the verdict stands, as before.  A
 * sanitizer's own threads are left out (sanitizer.h). */
static bool strangerthread(void)
{
    int32_t n = gort__os_nthreads();
    return n > mcount() + GORT_SANITIZER_THREADS;
}

/* gort__checkdead checks for deadlock: no M is running goroutines and
 * none can be woken.  sched.lock must be held. */
void gort__checkdead(void)
{
    if (atomic_load(&gort__panicking) > 0)
        return;
    int32_t run = mcount() - gort__sched.nmidle - gort__sched.nmidlelocked - gort__sched.nmsys;
    if (run > 0)
        return;
    if (run < 0) {
        gort__printf("runtime: checkdead: nmidle=%d mcount=%d nmsys=%d\n", gort__sched.nmidle,
                     mcount(), gort__sched.nmsys);
        gort__throw("checkdead: inconsistent counts");
    }
    int grunning = 0;
    for (g *gp = atomic_load(&gort__allgs); gp; gp = gp->alllink) {
        if (gp->isSystem)
            continue;
        switch (readgstatus(gp)) {
        case Gwaiting:
            grunning++;
            break;
        case Grunnable:
        case Grunning:
        case Gsyscall:
            gort__printf("runtime: checkdead: find g %lld in status %u\n", (long long)gp->goid,
                         readgstatus(gp));
            gort__throw("checkdead: runnable g");
        }
    }
    /* A pending timer may still wake someone, and so may a thread that
     * has not called in yet. */
    if (grunning > 0 && gort__timeSleepUntil() != 0)
        return;
    if (strangerthread())
        return;
    if (grunning == 0) {
        gort__unlock(&gort__sched.lock);
        gort__fatal("no goroutines (main called runtime.Goexit) - deadlock!");
    }
    gort__unlock(&gort__sched.lock);
    gort__fatal("all goroutines are asleep - deadlock!");
}

/* ------------------------------------------------------------------------
 * schedtrace (GODEBUG=schedtrace=X).
 * ---------------------------------------------------------------------- */

/* gort__schedtraces counts the reports schedtrace has printed (tests
 * wait for it rather than for a time). */
_Atomic uint32_t gort__schedtraces;

/* schedtrace prints Go's SCHED line, and with detailed (scheddetail=1)
 * Go's lines for every P, M and G, with Go's fields (those of gort's
 * runtime that Go has and gort has not are printed as Go prints them
 * idle: mallocing=0, dying=0).  It reads the Ps, Ms and Gs without
 * their locks, as Go's does: a snapshot that may be slightly
 * inconsistent (GORT_NO_TSAN). */
GORT_NO_TSAN static void schedtrace(bool detailed)
{
    int64_t now = gort__nanotime();
    gort__lock(&gort__sched.lock);
    int32_t np = atomic_load(&gort__gomaxprocs);
    gort__printf("SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d idlethreads=%d runqueue=%d",
                 (long long)((now - gort__runtimeInitTime) / 1000000), np,
                 atomic_load(&gort__sched.npidle), mcount(), atomic_load(&gort__sched.nmspinning),
                 gort__sched.nmidle, runqsize());
    if (detailed)
        gort__printf(" gcwaiting=%u nmidlelocked=%d stopwait=%d sysmonwait=%u\n",
                     atomic_load(&gort__sched.gcwaiting), gort__sched.nmidlelocked,
                     gort__sched.stopwait, atomic_load(&gort__sched.sysmonwait));
    else
        gort__printf(" [");
    for (int32_t i = 0; i < np; i++) {
        p *pp = allp_at(i);
        uint32_t h = atomic_load(&pp->runqhead), t = atomic_load(&pp->runqtail);
        m *mp = pp->m;
        if (detailed) {
            gort__printf("  P%d: status=%u schedtick=%u syscalltick=%u m=%lld runqsize=%u gfreecnt=%d timerslen=%d\n",
                         (int)i, atomic_load(&pp->status), atomic_load(&pp->schedtick),
                         atomic_load(&pp->syscalltick), mp ? (long long)mp->id : -1LL, t - h,
                         pp->gfreecnt, pp->ntimers);
        } else {
            gort__printf("%u", t - h);
            if (i != np - 1)
                gort__printf(" ");
        }
    }
    if (!detailed) {
        gort__printf("]\n");
        gort__unlock(&gort__sched.lock);
        atomic_fetch_add(&gort__schedtraces, 1);
        return;
    }
    for (m *mp = atomic_load(&gort__allm); mp; mp = mp->alllink) {
        p *pp = mp->p;
        g *gp = mp->curg;
        g *lockedg = mp->lockedg;
        const char *preemptoff = mp->preemptoff;
        gort__printf("  M%lld: p=%d curg=%lld mallocing=0 throwing=%d preemptoff=%s locks=%d dying=0 spinning=%s blocked=%s lockedg=%lld\n",
                     (long long)mp->id, pp ? pp->id : -1, gp ? (long long)gp->goid : -1LL,
                     atomic_load(&gort__panicking) ? 1 : 0, preemptoff ? preemptoff : "", mp->locks, mp->spinning ? "true" : "false",
                     mp->blocked ? "true" : "false", lockedg ? (long long)lockedg->goid : -1LL);
    }
    for (g *gp = atomic_load(&gort__allgs); gp; gp = gp->alllink) {
        m *mp = gp->m;
        m *lockedm = gp->lockedm;
        gort__printf("  G%lld: status=%u(%s) m=%lld lockedm=%lld\n", (long long)gp->goid, readgstatus(gp),
                     gp->waitreason ? gort__waitReasonStrings[gp->waitreason] : "",
                     mp ? (long long)mp->id : -1LL, lockedm ? (long long)lockedm->id : -1LL);
    }
    gort__unlock(&gort__sched.lock);
    atomic_fetch_add(&gort__schedtraces, 1);
}

/* ------------------------------------------------------------------------
 * The public API of this file.
 * ---------------------------------------------------------------------- */

/*
 * Threads the runtime did not start.  The first gort call on such a
 * thread gives it an M and a G that stands for the thread (needm): the G
 * is always "running" on its own thread, parking it blocks the thread,
 * readying it wakes the thread, and it never holds a P.  When the thread
 * exits, dropm puts the pair on the extra list for the next such thread,
 * as Go's dropm does, so that a library calling back from short-lived
 * threads does not exhaust the M limit.  Such an M counts as running for
 * deadlock detection, on the extra list too: once one foreign thread has
 * called in, others may, and the runtime cannot know what they will do
 * (Go with cgo keeps an extra M for the same reason and reports no
 * deadlocks either).
 */
static m *extram;               /* Ms of exited foreign threads, under sched.lock */

/* gort__checkstarted: see runtime.h.  Without it such a program's first
 * gort call would end in needm's "thread exhaustion" (the M limit is 0
 * before schedinit) or in a crash; Go's own runtime cannot meet this, so
 * the message is gort's, in Go's two-line form. */
void gort__checkstarted(void)
{
    if (likely(atomic_load_explicit(&runtimeStarted, memory_order_relaxed)))
        return;
    gort__printf("runtime: a gort function was called before the runtime started: does the "
                 "program define main? A gort program defines main_main instead (see the README)\n");
    gort__throw("runtime not started");
}

static NOINLINE g *needm(void)
{
    gort__checkstarted();
    gort__lock(&gort__sched.lock);
    m *mp = extram;
    int64_t id = 0;
    if (mp) {
        extram = mp->schedlink;
        mp->schedlink = NULL;
    } else {
        id = mReserveID();
    }
    gort__unlock(&gort__sched.lock);
    g *gp;
    if (mp == NULL) {
        mp = calloc(1, sizeof *mp);
        gp = calloc(1, sizeof *gp);
        if (mp == NULL || gp == NULL)
            gort__throw("foreign thread: out of memory");
        mcommoninit(mp, id);
        mp->g0 = gp;
        mp->curg = gp;
        gp->m = mp;
        gp->isforeign = true;
        gp->isSystem = true;
        atomic_store(&gp->atomicstatus, Gdead);
        allgadd(gp);
    } else {
        gp = mp->curg;
    }
    mp->errnop = &errno;
    gp->goid = (int64_t)atomic_fetch_add(&gort__sched.goidgen, 1) + 1;   /* never reused */
    gp->errno_ = 0;
    gp->waitreason = waitReasonZero;
    gort__casgstatus(gp, Gdead, Grunning);
    gort__setg(gp);
    gort__os_dropmatexit(mp);
    return gp;
}

/* gort__dropm releases the M and G of a thread the runtime did not start,
 * which is exiting (the OS layer calls it from the thread's exit). */
void gort__dropm(m *mp)
{
    g *gp = mp->curg;
    gort__casgstatus(gp, Grunning, Gdead);
    gort__setg(NULL);
    gort__lock(&gort__sched.lock);
    mp->schedlink = extram;
    extram = mp;
    gort__unlock(&gort__sched.lock);
}

/* gort__errnop: see runtime.h.  NOINLINE, so that every call looks again. */
NOINLINE int *gort__errnop(void)
{
    g *gp = getg();
    if (gp != NULL && gp->m != NULL && gp->m->errnop != NULL)
        return gp->m->errnop;
    return &errno;      /* a thread the runtime does not know: it stays put */
}

/* gort__getg_needm: see runtime.h. */
g *gort__getg_needm(void)
{
    g *gp = getg();
    if (likely(gp != NULL))
        return gp;
    return needm();
}

/* isforeign reports whether the calling thread is one the runtime did not
 * start (whether or not it has called gort before). */
static bool isforeignthread(void)
{
    g *gp = getg();
    return gp == NULL || gp->isforeign;
}

void gort_go(gort_fn fn, void *arg)
{
    if (fn == NULL)
        gort_panic("go of nil func value");
    g *gp = gort__getg_needm();
    gort__readynew(gort__newproc1(fn, arg, gp, __builtin_return_address(0), false));
}

/* gort_lockosthread wires the calling goroutine to its current thread:
 * until as many gort_unlockosthread calls, it always runs on this thread
 * and the thread runs nothing else (runtime.LockOSThread, which nests
 * since Go 1.10).  Libraries that keep state in thread-local storage
 * across calls need this. */
void gort_lockosthread(void)
{
    g *gp = gort__getg_needm();
    if (gp->isforeign)
        return;         /* a foreign thread is always "locked" to itself */
    if (gp->lockedcount++ == 0) {
        gp->m->lockedg = gp;
        gp->lockedm = gp->m;
    }
}

void gort_unlockosthread(void)
{
    g *gp = gort__getg_needm();
    if (gp->isforeign || gp->lockedcount == 0)
        return;         /* as Go: unlocking an unlocked goroutine is a no-op */
    if (--gp->lockedcount == 0) {
        gp->m->lockedg = NULL;
        gp->lockedm = NULL;
    }
}

int64_t gort_goid(void)
{
    g *gp = getg();
    return gp ? gp->goid : 0;
}

void gort_gosched(void)
{
    g *gp = getg();
    if (gp == NULL || gp->isforeign) {
        gort__checkstarted();
        /* Its own thread is all it has to give up. */
        gort__osyield();
        return;
    }
    traceGoSched(gp);
    if (trydirect(gp, SWAP_REQUEUE, NULL, NULL))
        return;
    mcall(gosched_m);
}

void gort_goexit(void)
{
    if (isforeignthread()) {
        gort__checkstarted();
        gort__throw("runtime.Goexit called in a thread that was not created by the Go runtime");
    }
    gort__goexit_defers();
    goexit1();
}

/* A thread the runtime did not start holds no P, and stopping the world
 * needs one: it has a goroutine do the change and waits for it. */
typedef struct gomaxprocsReq {
    int n;
    int ret;
    gort_chan *done;
} gomaxprocsReq;

static void gomaxprocs_g(void *arg)
{
    gomaxprocsReq *r = arg;
    r->ret = gort_gomaxprocs(r->n);
    gort_chan_send(r->done, NULL);
}

int gort_gomaxprocs(int n)
{
    int32_t ret = atomic_load(&gort__gomaxprocs);
    if (n > MAXGOMAXPROCS)
        n = MAXGOMAXPROCS;
    if (n <= 0 || n == ret)
        return ret;
    if (isforeignthread()) {
        gomaxprocsReq r = {n, 0, gort_chan_make(0, 0)};
        gort_go(gomaxprocs_g, &r);
        gort_chan_recv(r.done, NULL);
        gort_chan_free(r.done);
        return r.ret;
    }
    gort__stopTheWorld("GOMAXPROCS");
    newprocs = n;
    gort__startTheWorld();
    return ret;
}

int gort_numcpu(void)
{
    return gort__ncpu;
}

int32_t gort__allplen(void)
{
    return atomic_load(&nallp);
}

int32_t gort__gcount(void)
{
    /* The live count is kept per P (a goroutine may start on one P and
     * end on another, so one P's count can be negative) plus a global one
     * for threads without a P.  Approximate while goroutines come and go,
     * exact when they do not, as Go's NumGoroutine. */
    int64_t n = atomic_load(&gort__sched.nglive) - atomic_load(&gort__sched.ngsys);
    int32_t np = atomic_load(&nallp);
    for (int32_t i = 0; i < np; i++)
        n += atomic_load_explicit(&allp_at(i)->nglive, memory_order_relaxed);
    return (int32_t)n;
}

int gort_numgoroutine(void)
{
    return gort__gcount();
}

void gort_exit(int code)
{
    exit(code);
}
