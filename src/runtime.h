/*
 * runtime.h - the runtime's internal types: g, m, p, schedt, gobuf and the
 * goroutine statuses.  Mirrors Go's runtime/runtime2.go.
 *
 * Three tiers of names: the public gort_ API (include/gort.h), non-static
 * runtime functions with the gort__ prefix (they cannot collide with a
 * user's symbols in a static link), and file-local static functions with
 * Go's bare names (runqput, findrunnable).
 */
#ifndef GORT_RUNTIME_H
#define GORT_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gort.h"

typedef struct g g;
typedef struct m m;
typedef struct p p;
typedef struct gobuf gobuf;
typedef struct stack stack;
typedef struct mutex mutex;
typedef struct note note;
typedef struct gQueue gQueue;
typedef struct sudog sudog;
typedef struct timer timer;
typedef struct traceBuf traceBuf;

#define NORETURN _Noreturn
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE __attribute__((always_inline))
#define UNUSED __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define nelem(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------
 * Locks and notes (lock_futex.c).
 *
 * mutex is the runtime's own lock: it blocks the thread, never parks a
 * goroutine, and must only be held briefly.  A note is a one-shot event:
 * notesleep blocks the thread until some other thread calls notewakeup.
 * ---------------------------------------------------------------------- */

struct mutex {
    _Atomic uint32_t key;       /* 0 unlocked, 1 locked, 2 locked with sleepers */
};

struct note {
    _Atomic uint32_t key;       /* 0 clear, 1 woken */
};

void gort__lock(mutex *l);
void gort__unlock(mutex *l);
void gort__noteclear(note *n);
void gort__notewakeup(note *n);
/* gort__mlocks is the number of runtime locks the calling thread (its M)
 * holds (lock_futex.c). */
int32_t gort__mlocks(void);
void gort__notesleep(note *n);
/* gort__notetsleep sleeps at most ns nanoseconds (ns < 0: forever) and
 * reports whether the note was woken. */
bool gort__notetsleep(note *n, int64_t ns);

/* ------------------------------------------------------------------------
 * Goroutine statuses (runtime2.go).  Spelled without the leading
 * underscore of Go's _Grunnable, which C reserves.
 *
 * Gidle     just allocated, not yet initialised.
 * Grunnable on a run queue; not executing; the stack is owned by nobody
 *           and only the M that takes it from the queue may run it.
 * Grunning  executing user code on an M with a P; the stack belongs to it.
 * Gsyscall  executing a blocking call between entersyscall and
 *           exitsyscall; it has an M but its P may be taken by sysmon.
 * Gwaiting  parked in gopark; it is on some wait queue (a channel, a
 *           semaphore, a timer), and whoever calls goready owns it next.
 * Gdead     exited, on a free list; its stack may be cached or gone.
 * ---------------------------------------------------------------------- */

enum {
    Gidle,
    Grunnable,
    Grunning,
    Gsyscall,
    Gwaiting,
    Gdead,
};

/* Wait reasons: why a goroutine is parked, as goroutine dumps print them. */
typedef enum waitReason {
    waitReasonZero,
    waitReasonChanReceiveNilChan,
    waitReasonChanSendNilChan,
    waitReasonSelectNoCases,
    waitReasonChanReceive,
    waitReasonChanSend,
    waitReasonSelect,
    waitReasonSleep,
    waitReasonSyncMutexLock,
    waitReasonSyncRWMutexRLock,
    waitReasonSyncRWMutexLock,
    waitReasonSyncWaitGroupWait,
    waitReasonSyncCondWait,
    waitReasonSemacquire,
    waitReasonIOWait,
    waitReasonPreempted,
    waitReasonForceGCIdle,
    waitReasonSleepScavenge,
    waitReasonNum,
} waitReason;

extern const char *const gort__waitReasonStrings[waitReasonNum];

/* ------------------------------------------------------------------------
 * Stacks and saved contexts.
 * ---------------------------------------------------------------------- */

/* stack describes a goroutine stack: [lo, hi). */
struct stack {
    uintptr_t lo;
    uintptr_t hi;
    bool softguard;     /* its guard region is not protected (stack.c) */
};

/*
 * gobuf is a saved context.  Only sp is live on Linux: the callee-saved
 * registers and the resume address sit on the stack just below the saved
 * sp (see asm_amd64.S).  On Windows the switch also loads the thread's TIB
 * stack bounds from lo/hi/dealloc.  asm_amd64.S depends on the offsets;
 * check() verifies them.
 */
struct gobuf {
    uintptr_t sp;       /* 0 */
    uintptr_t lo;       /* 8: TIB StackLimit */
    uintptr_t hi;       /* 16: TIB StackBase */
    uintptr_t dealloc;  /* 24: TIB DeallocationStack */
};

/*
 * ctxbuf is what gort__ctxsave keeps (asm_amd64.S draws it): the
 * callee-saved registers of the ABI, sp, the resume address and the
 * control words; 248 bytes for Windows x64's, 72 used on SysV, 176 on
 * arm64 (asm_arm64.S).
 */
typedef struct ctxbuf {
    uint64_t r[31];
} ctxbuf;

/*
 * Defer, panic and recover (panic.c; Go's _defer and _panic).
 *
 * A frame is a goroutine's start function, main_main, an init function,
 * a gort_pcall, or a deferred call while it runs: the unit whose
 * deferred calls run, last first, when it ends.  Frames live on the C
 * stack of whoever runs them and are chained innermost first from
 * g->frame.  The first FRAME_NDEFER deferred calls fit in the record;
 * more go to a heap array that doubles.
 */
typedef struct deferrec {
    void (*fn)(void *);
    void *arg;
} deferrec;

typedef struct gpanic gpanic;
typedef struct frame frame;

#define FRAME_NDEFER 8

enum { FRAME_CALL, FRAME_DEFER };

struct frame {
    frame *link;                /* the enclosing frame */
    uint32_t n;                 /* deferred calls not yet run */
    uint32_t cap;               /* room in d */
    deferrec *d;                /* inl, or a heap array */
    uint8_t kind;               /* FRAME_CALL or FRAME_DEFER */
    bool recovered;             /* FRAME_CALL: a panic was recovered in it */
    ctxbuf *resume;             /* where a recovery in it goes on */
    gpanic *panic;              /* FRAME_DEFER: the panic or Goexit running the call, or NULL */
    void (*fn)(void *);         /* FRAME_DEFER: the deferred function (gort_recover's check) */
    deferrec inl[FRAME_NDEFER];
};

/* gpanic is a panic, or a Goexit, that is running deferred calls
 * (g->_panic, the newest first).  It lives on the stack of gopanic or
 * gort_goexit, and runs each deferred call in df. */
struct gpanic {
    gpanic *link;               /* the panic that was running when this one began */
    const char *msg;
    bool recovered;             /* gort_recover stopped it */
    bool aborted;               /* a newer panic abandoned the call it ran */
    bool goexit;                /* it is a Goexit, not a panic */
    ctxbuf ctx;                 /* where a recovery in df goes on */
    frame df;
};

#define GOBUF_SP 0
#define GOBUF_LO 8
#define GOBUF_HI 16
#define GOBUF_DEALLOC 24

/* ------------------------------------------------------------------------
 * G, M, P.
 * ---------------------------------------------------------------------- */

struct g {
    gobuf sched;                /* must be first: the asm is given &gp->sched */
    stack stack;                /* stack.lo == 0: no stack yet (lazily given) */
    _Atomic uint32_t atomicstatus;
    /* Set by sysmon or stopTheWorld (preempt.c): leave the CPU at the next
     * preemption point.  Beside atomicstatus, in the line that switchin
     * writes anyway; cleared there. */
    _Atomic bool preempt;
    int64_t goid;
    m *m;                       /* the M running it, or NULL */
    g *schedlink;               /* run queue / free list link */
    gort_fn fn;                 /* the start function and its argument */
    void *arg;
    int errno_;                 /* libc errno, saved across switches */
    waitReason waitreason;
    int64_t waitsince;          /* nanotime when it parked */
    int64_t parentgoid;
    void *gopc;                 /* where it was created (for "created by") */
    bool ismain;                /* goroutine 1 */
    bool isforeign;             /* stands for a thread the runtime did not start */
    m *lockedm;                 /* the M it is locked to (gort_lockosthread) */
    uint32_t lockedcount;       /* gort_lockosthread calls not yet undone */
    bool isSystem;              /* a runtime helper, not counted */
    g *_Atomic alllink;         /* allgs list, in creation order */
    void *param;                /* passed by whoever readies it */
    void *asanfake;             /* AddressSanitizer's fake stack (fiber switch) */
    void *tsanfiber;            /* ThreadSanitizer's fiber: while it has a stack; a g0's, its thread's */
    timer *timer;               /* for gort_sleep, made on first use */
    int64_t sleepwhen;          /* when gort_sleep's timer is to fire */
    sudog *cachedsudog;         /* one free sudog kept for its next wait */
    sudog *waiting;             /* sudogs of the select/channel op it waits in */
    _Atomic uint32_t selectDone; /* a select case won: CAS 0 -> 1 (select.c) */
    char *neterr;               /* Go's text of its last GORT_EADDR (net.c), made on first use */
    frame *frame;               /* innermost frame (panic.c) */
    gpanic *_panic;             /* innermost running panic or Goexit */
    char *recovered[4];         /* the last messages gort_recover returned, kept until it ends */
    uint8_t nextrecovered;
    int64_t runnabletime;       /* time stamp counter when it became runnable, if sampled for the latency metric (metrics.c), else 0 */
};

/*
 * timer is a runtime timer (time.c): f(arg, seq) runs at when, and then
 * every period if period > 0; seq is whatever the last modtimer gave (the
 * poller uses it to tell a stale deadline timer from the current one).  pp is the P whose heap holds it, or NULL;
 * status is its place in the life cycle that time.c draws, and says who
 * may touch the other fields.
 */
struct timer {
    p *_Atomic pp;
    int32_t idx;                /* index in pp's heap, -1 when on none */
    _Atomic uint32_t status;
    int64_t when;
    int64_t period;
    void (*f)(void *arg, uintptr_t seq);
    void *arg;
    uintptr_t seq;
};

/*
 * sudog is a G in a wait list (a channel's sendq/recvq, a semaphore's
 * tree).  A G can be on many wait lists at once (select), so one G has
 * many sudogs.  Mirrors Go's runtime2.go sudog.
 */
struct sudog {
    g *g;
    sudog *next;
    sudog *prev;
    void *elem;                 /* data element (may point to a stack) */
    int64_t acquiretime;
    int64_t releasetime;
    uint32_t ticket;
    bool isSelect;              /* g is in a select: win the CAS on g->selectDone */
    bool success;               /* woken by a value delivered (true) or close (false) */
    sudog *parent;              /* semaRoot binary tree */
    sudog *waitlink;            /* g->waiting list or semaRoot */
    sudog *waittail;            /* semaRoot */
    void *c;                    /* the channel */
};

struct m {
    g *g0;                      /* the scheduling stack of this thread */
    g *curg;                    /* the goroutine it runs */
    p *p;                       /* attached P, or NULL */
    p *nextp;                   /* P to take when woken */
    p *oldp;                    /* P it had before entering a syscall */
    int64_t id;
    bool spinning;              /* looking for work */
    bool blocked;               /* sleeping on park (mpark) */
    note park;
    m *schedlink;               /* idle list */
    m *alllink;                 /* allm list */
    uint32_t fastrand[2];
    int *errnop;                /* libc's errno of this thread (mstart1) */
    void (*mstartfn)(void);     /* run first on a new M (sysmon) */
    g *lockedg;                 /* the G locked to this M */
    /* Left by a direct switch (proc.c, trydirect) for the goroutine it
     * resumes: what to do with the one that switched away, now that its
     * context is saved (postswitch). */
    g *swapprev;
    int swapkind;               /* SWAP_REQUEUE or SWAP_PARK */
    uint32_t swapcount;         /* direct switches, to send every 64th the long way */
    /* gopark's unlock function and its argument, for park_m on g0 or for
     * postswitch after a direct switch. */
    bool (*waitunlockf)(g *gp, void *lock);
    void *waitlock;
    uint32_t syscalltick;
    void *altstack;             /* signal stack */
    uintptr_t threadhandle;     /* OS thread handle (os_*.c) */
    int64_t procid;
    int32_t locks;              /* runtime locks held, where TLS is slow (lock_futex.c): a panic then is fatal */
    uint32_t trackseq;          /* Gs it made runnable: every 64th is timed (metrics.c) */
    /* Asynchronous preemption (preempt.c): a preemption signal is on its
     * way to this thread (sysmon sends no second one meanwhile), and how
     * many the thread has handled. */
    _Atomic uint32_t signalPending;
    _Atomic uint32_t preemptGen;
    /* Go's preemptoff: when set, the goroutine running here must stay on
     * this M and not be preempted, and this says why (stopTheWorld's
     * reason, from stopping the world until starting it again: proc.c).
     * Written only by the M's own goroutine. */
    const char *preemptoff;
};

#define RUNQSIZE 256

enum {
    Pidle,
    Prunning,
    Psyscall,
    Pgcstop,
    Pdead,
};

/* Per-P cache of free goroutine stacks (stack.c). */
#define STACKCACHE 32
/* Per-P cache of dead Gs (proc.c, gfput/gfget). */
#define GFREECACHE 64

struct p {
    int32_t id;
    _Atomic uint32_t status;
    p *link;                    /* idle list */
    _Atomic uint32_t schedtick; /* incremented on every scheduler call */
    _Atomic uint32_t syscalltick;
    m *m;                       /* back-link to the M, NULL when idle */

    /* The local run queue: a lock-free ring that only the owner pushes to
     * and anyone may steal from.  runnext, when set, runs next and
     * inherits the current time slice. */
    _Atomic uint32_t runqhead;
    _Atomic uint32_t runqtail;
    g *_Atomic runq[RUNQSIZE];
    g *_Atomic runnext;
    /* Set by sysmon when runnext hand-offs have kept this P on the same
     * time slice for 10ms: the next runqget takes the queue's head, so
     * that the queue cannot starve (gort cannot preempt C code). */
    _Atomic bool preemptnext;

    /* Dead Gs for reuse, oldest first (gfput/gfget). */
    g *gfree[GFREECACHE];
    int32_t gfreecnt;
    uint64_t goidcache;         /* goids [goidcache, goidcacheend) are this P's */
    uint64_t goidcacheend;
    _Atomic int64_t nglive;     /* goroutines started here minus those ended here */
    g *gchunk;                  /* new Gs are carved from here (malg) */
    int32_t gchunkleft;

    /* Timers (time.c): a min-heap by when, under timerslock. */
    mutex timerslock;
    timer **timers;
    int32_t ntimers;
    int32_t captimers;
    _Atomic int64_t timer0When; /* when of timers[0], 0 if none */

    /* sudog cache */
    sudog *sudogcache[128];
    int32_t nsudogcache;

    /* Stack cache. */
    uintptr_t stackcache[STACKCACHE];
    int32_t nstackcache;
    /* Stacks taken here minus stacks freed here (stack.c): written only
     * by the owner, summed over allp by gort__stackstats. */
    _Atomic int64_t nstackinuse;

    /* sysmon bookkeeping */
    uint32_t sysmontick_schedtick;
    int64_t sysmontick_schedwhen;
    uint32_t sysmontick_syscalltick;
    int64_t sysmontick_syscallwhen;

    /* Observability: the execution trace's buffer (trace.c), and the
     * counters of metrics.c, written only by the P's owner. */
    traceBuf *tracebuf;
    _Atomic uint64_t nswitch;   /* goroutines switched to */
    _Atomic uint64_t ncreated;  /* goroutines created */
    _Atomic uint64_t latency[32]; /* runnable-to-running samples, by floor(log2(ns)) */
};

/* gQueue is a FIFO of Gs linked through schedlink. */
struct gQueue {
    g *head;
    g *tail;
};

typedef struct schedt {
    _Atomic uint64_t goidgen;
    mutex lock;

    m *midle;                   /* idle Ms waiting for work */
    int32_t nmidle;
    int32_t nmsys;              /* system Ms (sysmon), not counted for deadlock */
    int32_t nmidlelocked;       /* Ms parked while their locked G waits */
    int64_t mnext;              /* number of Ms created and next M id */
    int32_t maxmcount;

    p *pidle;                   /* idle Ps */
    _Atomic int32_t npidle;
    _Atomic int32_t nmspinning;

    g **runqbuf;                /* global run queue: a ring of runqcap */
    uint32_t runqcap;           /* (a power of two) G pointers, from */
    uint32_t runqhead;          /* runqhead, runqsize of them (proc.c) */
    _Atomic int32_t runqsize;   /* written under lock, read as a hint without */

    mutex sudoglock;            /* global sudog cache */
    sudog *sudogcache;

    mutex gflock;               /* global free G cache: */
    g **gfree;                  /* gfree[0:ngfree], oldest first, under gflock */
    _Atomic int32_t ngfree;     /* written under gflock, read as a hint without */
    int32_t capgfree;

    _Atomic uint32_t gcwaiting; /* stop-the-world requested */
    int32_t stopwait;
    note stopnote;
    _Atomic uint32_t sysmonwait;
    note sysmonnote;

    /* The poller (netpoll.c): lastpoll is 0 while an M polls, else when
     * the last poll ended; pollUntil is when that M means to wake. */
    _Atomic int64_t lastpoll;
    _Atomic int64_t pollUntil;

    _Atomic int64_t coarsenow;  /* nanotime as of sysmon's last tick */
    _Atomic int32_t ngsys;      /* runtime helper goroutines */
    _Atomic int32_t nglive;     /* live goroutines (not dead) incl. system */
    bool mainexited;            /* main goroutine called goexit */
} schedt;

extern schedt gort__sched;
extern m gort__m0;
extern g gort__g0;
extern p **gort__allp;
extern _Atomic int32_t gort__gomaxprocs;
extern int32_t gort__ncpu;
extern uintptr_t gort__physPageSize;
extern g *_Atomic gort__allgs;
extern m *_Atomic gort__allm;
extern _Atomic uint32_t gort__panicking;
extern int64_t gort__runtimeInitTime;

/* getg returns the current goroutine.  It must not be inlined: a goroutine
 * can resume on another thread, and a compiler may otherwise keep the
 * thread-local address in a register across the switch.  Where the
 * architecture reads the thread-local slot in a way that the compiler can
 * neither cache nor move (GORT_HAVE_FAST_GETG), getg() is that read. */
g *gort__getg(void);
void gort__setg(g *gp);
#include "goarch.h"     /* the architecture's header: arch/<arch>/goarch.h */
#ifdef GORT_HAVE_FAST_GETG
#define getg() gort__getg_fast()
#define setg(gp) gort__setg_fast(gp)
#else
#define getg() gort__getg()
#define setg(gp) gort__setg(gp)
#endif

/* ------------------------------------------------------------------------
 * proc.c
 * ---------------------------------------------------------------------- */

sudog *gort__acquireSudog(g *gp);
void gort__releaseSudog(sudog *s);
/* gort__getg_needm returns the current G; on a thread that the runtime
 * did not start it first makes one that stands for the thread (Go's needm
 * for cgo callbacks): parking it blocks the thread, readying wakes it. */
g *gort__getg_needm(void);
/* getg_needm is gort__getg_needm with its common case, a thread that
 * has a G, inline: the channel operations and gort_pcall start with it. */
static inline ALWAYS_INLINE g *getg_needm(void)
{
    g *gp = getg();
    if (likely(gp != NULL))
        return gp;
    return gort__getg_needm();
}
/* gort__checkstarted throws "runtime not started" unless schedinit has
 * run: a program that defines main as well as main_main shadows the
 * entry stub, and its gort calls find no runtime (proc.c).  The slow
 * paths that every public entry point reaches first call it: needm, the
 * first use of the poller (timers, net), a foreign thread's gosched. */
void gort__checkstarted(void);
/* gort__errnop is where the calling goroutine's errno is now: in the
 * thread it runs on at this moment.  Runtime code that sets or reads errno
 * after a call that may have switched threads uses goerrno, never errno,
 * whose address the compiler may keep from before the switch (DESIGN.md's
 * TLS trap: __errno_location is declared const). */
int *gort__errnop(void);
#define goerrno (*gort__errnop())
void gort__dropm(m *mp);
g *gort__newproc1(gort_fn fn, void *arg, g *callergp, void *callerpc, bool system);
void gort__gopark(g *gp, bool (*unlockf)(g *, void *), void *lock, waitReason reason);
void gort__goparkunlock(mutex *l, waitReason reason);
void gort__goready(g *gp);
NORETURN void gort__mstart(void);
void gort__runtime_main(void *arg);
int32_t gort__gcount(void);
void gort__casgstatus(g *gp, uint32_t oldval, uint32_t newval);
static inline uint32_t readgstatus(g *gp) { return atomic_load(&gp->atomicstatus); }
uint32_t gort__fastrand(void);
void gort__wakep(void);
void gort__wakeNetPoller(int64_t when);
void gort__gcenable(void);
void gort__wakeScavenger(int64_t now);
void gort__readynew(g *newg);
void gort__runqputnowake(g *newg);
void gort__checkdead(void);
void gort__startTheWorld(void);
void gort__stopTheWorld(const char *reason);
int32_t gort__allplen(void);    /* Ps ever made: gort__allp[0:n] */

/* ------------------------------------------------------------------------
 * time.c
 * ---------------------------------------------------------------------- */

#define MAXWHEN INT64_MAX       /* a timer that never fires */

int64_t gort__whenafter(int64_t d);
void gort__addtimer(timer *t);
bool gort__deltimer(timer *t);
bool gort__modtimer(timer *t, int64_t when, int64_t period, uintptr_t seq);
int64_t gort__checkTimers(p *pp, int64_t now);
int64_t gort__timeSleepUntil(void);
void gort__moveTimers(p *to, p *from);

/* ------------------------------------------------------------------------
 * sema.c: semaphores for sync (Go's sema.go).
 * ---------------------------------------------------------------------- */

/* gort__semacquire1 waits until *addr > 0 and decrements it; lifo queues
 * the caller first in line (a waiter that has waited before).
 * gort__semrelease1 increments *addr and wakes a waiter; with handoff the
 * count goes straight to that waiter and the caller yields to it. */
void gort__semacquire1(_Atomic uint32_t *addr, bool lifo, waitReason reason);
void gort__semrelease1(_Atomic uint32_t *addr, bool handoff);
/* gort__semrelease_n adds n and wakes up to n waiters, touching *addr only
 * before it wakes any (sync.WaitGroup, whose memory a waiter may free). */
void gort__semrelease_n(_Atomic uint32_t *addr, uint32_t n);
/* gort__sema_nwaiters counts the goroutines queued on addr (tests). */
int gort__sema_nwaiters(_Atomic uint32_t *addr);

/* notifyList is the ticket-based wait list behind sync.Cond; gort_cond has
 * the same layout (sync.c checks). */
typedef struct notifyList {
    _Atomic uint32_t wait;      /* ticket of the next waiter */
    _Atomic uint32_t notify;    /* ticket of the next waiter to notify */
    mutex lock;
    sudog *head;
    sudog *tail;
} notifyList;

uint32_t gort__notifyListAdd(notifyList *l);
void gort__notifyListWait(notifyList *l, uint32_t t);
void gort__notifyListNotifyAll(notifyList *l);
void gort__notifyListNotifyOne(notifyList *l);

/* gort__sync_canSpin says whether sync.Mutex may spin (iteration i): a
 * multicore machine, other Ps running, our run queue empty.
 * gort__sync_doSpin spins a few dozen cycles. */
bool gort__sync_canSpin(int i);
void gort__sync_doSpin(void);

/* ------------------------------------------------------------------------
 * preempt.c: preemption of long-running goroutines (Go's preempt.go).
 * ---------------------------------------------------------------------- */

/* gort__gopreempt: the current goroutine leaves its CPU because it was
 * asked to (gp->preempt): it goes to the global run queue, as Go's
 * gopreempt_m (proc.c). */
void gort__gopreempt(void);

/* preemptcheck is the synchronous preemption point: the runtime's entry
 * points that a polling loop goes through (channel operations, select,
 * timers, the sync slow paths, nanotime) call it with the goroutine they
 * already have, before they take any lock.  One load of a byte in the
 * line that the switch wrote, and a branch that is almost never taken:
 * it is Go's stack-bound check in the function prologue seeing
 * stackPreempt. */
static inline void preemptcheck(g *gp)
{
    if (unlikely(atomic_load_explicit(&gp->preempt, memory_order_relaxed)))
        gort__gopreempt();
}

/* gort__preemptone asks the goroutine running on pp to stop (sysmon,
 * stopTheWorld); gort__preemptall asks every P's but the caller's. */
bool gort__preemptone(p *pp);
void gort__preemptall(void);
/* gort__preemptinit decides at start-up whether asynchronous preemption
 * is on: the architecture has it, the OS can interrupt a thread, no tool
 * that it cannot work under is present, GODEBUG does not turn it off. */
void gort__preemptinit(void);
extern bool gort__asyncpreempt;
/* gort__isAsyncSafePoint says whether the goroutine gp, stopped at pc
 * with stack pointer sp on mp, may be switched out there.  It runs in a
 * signal handler (or on sysmon, the thread suspended): async-signal-safe,
 * no locks. */
bool gort__isAsyncSafePoint(g *gp, m *mp, uintptr_t pc, uintptr_t sp);

/* ------------------------------------------------------------------------
 * runtime1.c: self-checks, args, environment, GODEBUG.
 * ---------------------------------------------------------------------- */

void gort__check(void);
void gort__args(int argc, char **argv);
void gort__goargs(void);
void gort__parsedebugvars(void);
const char *gort__gogetenv(const char *key);
int32_t gort__atoi32(const char *s, const char *end);   /* Go's atoi32; -1: not a number */
int32_t gort__gotraceback(bool *all, bool *crash);
extern int32_t gort__debug_schedtrace;
extern int32_t gort__debug_scheddetail;
extern _Atomic uint32_t gort__schedtraces;   /* SCHED reports printed so far (proc.c) */
extern int32_t gort__debug_asyncpreemptoff;
extern bool gort__debug_asyncpreemptset;
extern int gort__argc_;
extern char **gort__argv_;
/* gort__extendRandom fills r[n:len] from the clock, mixed with r[:n] and
 * r's address (Go's extendRandom), where the OS gave only n random bytes. */
void gort__extendRandom(void *r, size_t len, size_t n);
/* check_hook: a test-only way to make one self-check fail (GORT_TEST_BREAK_CHECK). */

/* ------------------------------------------------------------------------
 * stack.c
 * ---------------------------------------------------------------------- */

#define STACK_SIZE ((uintptr_t)512 << 10)   /* a goroutine's stack slot, guard included */
#define STACK_GUARD_SIZE ((uintptr_t)256 << 10)  /* no-access region at its low end */
#define STACK_SLAB ((uintptr_t)64 << 20)    /* stacks are carved from slabs of this size */

void gort__stackinit(void);
stack gort__stackalloc(p *pp);
void gort__stackfree(p *pp, stack s);
void gort__stackcache_clear(p *pp);
void gort__stackcheck(g *gp);
bool gort__stack_is_guard(uintptr_t addr, uintptr_t sp, g **who);
void gort__scavenge(bool force);
extern _Atomic int64_t gort__stack_inuse;   /* stacks taken without a P (the rest: p.nstackinuse) */
extern _Atomic int64_t gort__stack_cached;
/* gort__stackstats: stacks in use, free and resident, free and given
 * back; and the scavenger's passes and the stacks it has given back. */
void gort__stackstats(int64_t *inuse, int64_t *cached, int64_t *released, uint64_t *passes,
                      uint64_t *scavenged);

/* ------------------------------------------------------------------------
 * panic.c and traceback.c
 * ---------------------------------------------------------------------- */

/* sigctx is what a report says of the fatal signal that caused it (Go
 * keeps it in g.sig, sigcode0, sigcode1, sigpc). */
typedef struct sigctx {
    const char *name;           /* "SIGSEGV: segmentation violation" */
    uintptr_t code;             /* si_code */
    uintptr_t addr;             /* the faulting address */
    uintptr_t pc, sp;           /* where the signal stopped the thread */
    bool flush;                 /* stdio may be flushed: the thread was not inside libc */
} sigctx;

NORETURN void gort__throw(const char *s);
NORETURN void gort__sigthrow(const char *s, const sigctx *sc);
NORETURN void gort__fatal(const char *s);
NORETURN void gort__fatalpanic(const char *msg);
void gort__printf(const char *fmt, ...) GORT_PRINTF(1, 2);
size_t gort__snprintf(char *buf, size_t n, const char *fmt, ...) GORT_PRINTF(3, 4);
void gort__tracebackothers(g *me);
void gort__goroutineheader(g *gp);
void gort__traceback_current(int skip);
void gort__printcreatedby(g *gp);
void gort__printfuncname(void *pc);
NORETURN void gort__dumpall(const sigctx *sc);

/* Frames (see struct frame): gort__callframe runs fn(arg) as a frame of
 * the current goroutine and returns false when a panic was recovered in
 * it (gort_pcall); goroutines' start functions, main_main and the init
 * functions run through it.  gort__goexit_defers runs the deferred calls
 * of every frame for Goexit; gort__gexit releases what panic.c kept for
 * a goroutine that is ending.  gort__mainexitwait lets a panic that is
 * running deferred calls or being reported on another goroutine finish
 * before main_main's return ends the process (Go's runtime.main). */
bool gort__callframe(gort_fn fn, void *arg);
/* gort__goframe is gort__callframe for a goroutine's start function,
 * its bottom frame: no context saved (panic.c says why); after a
 * recovery in it the goroutine exits through gort__goexit1 (proc.c). */
void gort__goframe(gort_fn fn, void *arg);
NORETURN void gort__goexit1(void);
void gort__callframe0(void (*fn)(void));
void gort__goexit_defers(void);
void gort__gexit(g *gp);
void gort__mainexitwait(void);

#endif /* GORT_RUNTIME_H */
