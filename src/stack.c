/*
 * stack.c - goroutine stacks: allocation, caches, guard regions, overflow
 * detection and scavenging.  Mirrors the role of Go's runtime/stack.go
 * (gort's stacks are C stacks: fixed in size, never moved).
 *
 * A stack is one STACK_SIZE slot (512 KiB) of a 64 MiB slab:
 *
 *      slot base             base + 256 KiB                   base + 512 KiB
 *      +---------------------+--------------------------------------+
 *      | guard region 256K   |   ... free ...      | frames <- grows |
 *      +---------------------+--------------------------------------+
 *      ^ no access           ^ stack.lo                             ^ stack.hi
 *
 * Memory: slabs are mapped read-write without reservation, so a stack
 * costs physical memory only for the pages it has touched (a parked
 * goroutine: one or two pages), and a guard region costs address space,
 * never memory.  A dead goroutine's stack goes to its P's cache and is
 * reused while it is still resident (DESIGN.md: a first touch costs ~3us
 * here, a re-touch ~25ns); the per-P caches spill to a global list.  The
 * scavenger (gcenable's background work) gives the pages of stacks that
 * stayed in the global list for a whole period back to the OS
 * (madvise(MADV_DONTNEED)); they then cost nothing again.
 *
 * Overflow and large frames.  A frame larger than the guard can jump over
 * it into the stack below (the slot of another goroutine), unless the
 * code touches every page as its frame grows: -fstack-clash-protection
 * does, and the library and every program built with gort::gort or
 * gort.pc are compiled with it (CMakeLists.txt).  Then any guard of at
 * least one page is hit, in order, before anything below it.  The guard
 * is 256 KiB anyway, far beyond an ordinary frame, so that code built
 * without the flag is caught too unless one frame is larger than that.
 * A fault in the guard region, or any fault while the goroutine's sp is
 * below its stack, is reported by the signal handler (os_linux.c) as
 * "fatal error: stack overflow" naming the goroutine.
 *
 * Guards and mappings.  Linux allows 65,530 memory mappings per process
 * by default (vm.max_map_count), and a guard made with mprotect splits
 * the slab: two mappings per stack.  So the guard of each slot is made
 * the first time the slot is handed out, in the first way that works:
 *
 *   nomap  madvise(MADV_GUARD_INSTALL) (Linux 6.13): a guard inside the
 *          slab's one mapping, which costs neither a mapping nor memory.
 *          Every stack gets one; a million stacks take ~8,000 slabs,
 *          which the kernel merges into a few mappings where adjacent.
 *   map    mprotect(PROT_NONE) (older kernels; on Windows, decommitting,
 *          with no budget), while the mapping budget allows: half of
 *          what the OS grants (sysMapBudget), tens of thousands of live
 *          goroutines.
 *   soft   beyond that budget, no protection: the guard region is left
 *          untouched (it reads as zeros and costs nothing) and checked
 *          when the goroutine parks, yields or exits: its sp must be
 *          above stack.lo, and three words of the region (the last and
 *          the first of the page below lo, and the slot base's) must
 *          still be zero.  An overflow that parks while below lo, or that
 *          wrote there, is reported before the goroutine whose stack it
 *          may have run into can run again; one that faults lower down
 *          is reported by the signal handler from its sp.  A soft guard
 *          cannot stop a large frame that skips the sampled words and
 *          returns before the next switch: only a real guard does.
 *
 * Why a G is not kept in its stack.  A parked goroutine costs its
 * stack's top page (4096 bytes), its g (304, carved from chunks in
 * proc.c) and its sudog (88 and malloc's header): ~4.4 KiB, where Go's
 * 2 KiB stacks give ~2.6.  With one stack per page the only way under
 * 4 KiB is to put the g (and a sudog) in the top page of its own slot,
 * binding the two for life.  Rejected, because a g exists from gort_go
 * on and a stack only from the first run (proc.c): a g in a slot would
 * touch a fresh page at creation (3-7 us here) where today a burst of
 * new goroutines shares pages 13 to a page and, when they run, takes
 * stacks that exited ones left resident.  Measured peaks (1M): spawn
 * keeps ~140,000 goroutines queued at GOMAXPROCS=1 (20,000-60,000 at
 * 2), skynet has ~72,000 gs against ~13,600 stacks: binding would add
 * about a page fault per queued goroutine (skynet: ~60,000 more, some
 * 300 ms on a 650 ms run) and undo both of issue 11's speed targets.  Moving the
 * g into its stack at the first run instead leaves the burst's birth
 * gs resident (the parked benchmark makes all of them before any runs),
 * so it saves nothing unless their memory is given back too, which
 * needs allgs and the free lists off the gs; and a g in a slot that
 * the scavenger gives back reads as zeros on Linux (its links lost) and
 * faults on Windows.  So gs stay apart from stacks, a dead g keeps no
 * stack, and the scavenger never touches a g.
 *
 * Locking: the per-P cache belongs to its P (no lock); stackpool.lock
 * guards the global lists and the slabs.  The guard of a slot carved
 * anew is made with the lock released once guards without a mapping are
 * known to work (stackpool_get): the slot is nobody else's yet.  The
 * per-P caches of free stacks and of dead gs (proc.c) are arrays used as
 * stacks: a P reuses what it freed last, whose lines are the likeliest
 * to be in its cache, and a full one spills its oldest half.
 */
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "sanitizer.h"

#define SLOTS_PER_SLAB (STACK_SLAB / STACK_SIZE)

typedef struct stackvec {
    uintptr_t *v;
    size_t n, cap;
} stackvec;

/* How the stacks of a slab are guarded (see the top of the file). */
typedef enum { guardNoMap, guardMap, guardSoft } guardkind;

typedef struct slab {
    uintptr_t base;
    guardkind guard;
    struct slab *next;
} slab;

static struct {
    mutex lock;
    stackvec hot;       /* free stacks whose pages may be resident, LIFO */
    size_t hotmin;      /* the fewest in hot since the last scavenge */
    stackvec cold;      /* free stacks given back to the OS */
    slab *slabs;
    uintptr_t carve;    /* next never-used slot of the newest slab */
    uintptr_t carveend;
    int64_t guardbudget;  /* stacks we may still guard with mprotect */
    int nomap;            /* guards without a mapping: 1 work, 0 not tried, -1 do not */
} stackpool;

/* gort__test_stackguard is a test-only hook (tests/stack_child.c sets it
 * before the runtime starts): 1 makes guards as a kernel before 6.13
 * must (mprotect, then soft), 2 gives every stack a soft guard. */
int gort__test_stackguard;

_Atomic int64_t gort__stack_inuse;
_Atomic int64_t gort__stack_cached;
static _Atomic uint64_t scavpasses, scavenged;   /* the scavenger's passes, stacks it gave back */

/* setcached publishes how many stacks the scavenger could give back.
 * stackpool.lock must be held. */
static void setcached(void)
{
    atomic_store_explicit(&gort__stack_cached, (int64_t)stackpool.hot.n, memory_order_relaxed);
}

static void vecpush(stackvec *s, uintptr_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uintptr_t *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            gort__throw("stack: out of memory for the free list");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
}

void gort__stackinit(void)
{
    int64_t budget = gort__sysMapBudget();
    /* Two mappings per stack guarded with mprotect; keep the other half
     * for the program (malloc, threads, libraries). */
    stackpool.guardbudget = budget < 0 ? INT64_MAX : budget / 2 / 2;
    if (gort__test_stackguard >= 1)
        stackpool.nomap = -1;
    if (gort__test_stackguard >= 2)
        stackpool.guardbudget = 0;
}

/* slabguard says how the stacks of a new slab are guarded, and takes them
 * from the mapping budget if they need it.  stackpool.lock must be held. */
static guardkind slabguard(void)
{
    if (stackpool.nomap >= 0)
        return guardNoMap;
    if (stackpool.guardbudget >= (int64_t)SLOTS_PER_SLAB) {
        stackpool.guardbudget -= SLOTS_PER_SLAB;
        return guardMap;
    }
    return guardSoft;
}

/* newslab maps a new slab and makes it the carving target.
 * stackpool.lock must be held. */
static void newslab(void)
{
    uintptr_t base = (uintptr_t)gort__sysAlloc(STACK_SLAB);
    if (base == 0)
        gort__throw("out of memory allocating goroutine stacks");
    slab *s = malloc(sizeof *s);
    if (s == NULL)
        gort__throw("stack: out of memory");
    s->base = base;
    s->guard = slabguard();     /* the guards are made per slot, when carved */
    s->next = stackpool.slabs;
    stackpool.slabs = s;
    stackpool.carve = base;
    stackpool.carveend = base + STACK_SLAB;
}

/* A free-list entry is a slot's base address; bit 0 marks a slot whose
 * guard region is only a soft guard. */
#define SLOT_SOFTGUARD ((uintptr_t)1)

/* stackpool_get takes one free stack slot from the global pool.
 * stackpool.lock must be held; a slot carved anew may release it for a
 * while (its guard's system call), so the caller re-reads the pool. */
static uintptr_t stackpool_get(void)
{
    uintptr_t base;
    if (stackpool.hot.n > 0) {
        base = stackpool.hot.v[--stackpool.hot.n];
        if (stackpool.hot.n < stackpool.hotmin)
            stackpool.hotmin = stackpool.hot.n;
        return base;
    }
    if (stackpool.cold.n > 0)
        return stackpool.cold.v[--stackpool.cold.n];
    if (stackpool.carve == stackpool.carveend)
        newslab();
    base = stackpool.carve;
    stackpool.carve += STACK_SIZE;
    /* The guard is made when the slot is first handed out, not with the
     * slab: a program with a few goroutines makes a few calls, not 128 at
     * start-up.  The first slot tells whether guards without a mapping
     * work here; if not, this slab and the next ones use the others. */
    slab *sl = stackpool.slabs;
    if (sl->guard == guardNoMap && stackpool.nomap == 1) {
        /* Known to work: make it with the lock released.  The slot is
         * ours alone (carve has moved past it, no list holds it), and
         * the system call takes microseconds, which another P that
         * wants a stack would spend spinning and then yielding its
         * thread (sched_yield, on a loaded machine a whole time slice).
         * The caller finds the pool as another P left it. */
        gort__unlock(&stackpool.lock);
        bool ok = gort__sysGuardNoMap((void *)base, STACK_GUARD_SIZE);
        gort__lock(&stackpool.lock);
        if (!ok)
            gort__throw("stack: cannot make a guard region");
    } else if (sl->guard == guardNoMap) {
        if (gort__sysGuardNoMap((void *)base, STACK_GUARD_SIZE)) {
            stackpool.nomap = 1;
        } else if (stackpool.nomap == 0) {
            stackpool.nomap = -1;
            sl->guard = slabguard();
        } else {
            gort__throw("stack: cannot make a guard region");
        }
    }
    if (sl->guard == guardMap && !gort__sysGuard((void *)base, STACK_GUARD_SIZE))
        gort__throw("stack: cannot make a guard region");
    /* Tell Valgrind this is a stack, so that switching to it is not taken
     * for a wild stack-pointer change. */
    gort__os_stackregister((void *)(base + STACK_GUARD_SIZE), (void *)(base + STACK_SIZE));
    return sl->guard == guardSoft ? base | SLOT_SOFTGUARD : base;
}

static stack slotstack(uintptr_t slot)
{
    uintptr_t base = slot & ~SLOT_SOFTGUARD;
    return (stack){base + STACK_GUARD_SIZE, base + STACK_SIZE, (slot & SLOT_SOFTGUARD) != 0};
}

static uintptr_t stackslot(stack s)
{
    return (s.lo - STACK_GUARD_SIZE) | (s.softguard ? SLOT_SOFTGUARD : 0);
}

/* stackpool_take takes a slot from the pool, and refills half of pp's
 * cache (if any) while it holds the lock.  Out of line: the fast paths
 * of stackalloc and stackfree stay a few instructions that save no
 * registers. */
static NOINLINE uintptr_t stackpool_take(p *pp)
{
    gort__lock(&stackpool.lock);
    uintptr_t slot = stackpool_get();
    if (pp) {
        while (pp->nstackcache < STACKCACHE / 2 &&
               (stackpool.hot.n > 0 || stackpool.cold.n > 0))
            pp->stackcache[pp->nstackcache++] = stackpool_get();
    }
    setcached();
    gort__unlock(&stackpool.lock);
    return slot;
}

/* gort__stackalloc returns a stack, from pp's cache when it can. */
stack gort__stackalloc(p *pp)
{
    if (unlikely(pp == NULL)) {
        atomic_fetch_add_explicit(&gort__stack_inuse, 1, memory_order_relaxed);
        return slotstack(stackpool_take(NULL));
    }
    uintptr_t slot = likely(pp->nstackcache > 0) ? pp->stackcache[--pp->nstackcache]
                                                 : stackpool_take(pp);
    /* Per P, not one shared counter: no atomic read-modify-write on a
     * line that every P's spawn and exit would bounce. */
    atomic_store_explicit(&pp->nstackinuse,
                          atomic_load_explicit(&pp->nstackinuse, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return slotstack(slot);
}

/* stackcache_spill moves the older half of pp's full cache to the pool,
 * keeping the newer: the stack a P reuses next is the one freed last,
 * whose top lines are the likeliest to be in its cache, and the pool's
 * LIFO keeps the spilled ones in age order for the scavenger, which
 * takes the oldest. */
static NOINLINE void stackcache_spill(p *pp)
{
    enum { SPILL = STACKCACHE / 2 };
    gort__lock(&stackpool.lock);
    for (int i = 0; i < SPILL; i++)
        vecpush(&stackpool.hot, pp->stackcache[i]);
    setcached();
    gort__unlock(&stackpool.lock);
    memmove(&pp->stackcache[0], &pp->stackcache[SPILL],
            (STACKCACHE - SPILL) * sizeof pp->stackcache[0]);
    pp->nstackcache = STACKCACHE - SPILL;
}

/* gort__stackfree returns s to pp's cache, spilling half of a full one
 * to the pool. */
void gort__stackfree(p *pp, stack s)
{
    /* Stale AddressSanitizer poison from frames that never returned. */
    asan_unpoison((void *)s.lo, s.hi - s.lo);
    atomic_store_explicit(&pp->nstackinuse,
                          atomic_load_explicit(&pp->nstackinuse, memory_order_relaxed) - 1,
                          memory_order_relaxed);
    if (unlikely(pp->nstackcache == STACKCACHE))
        stackcache_spill(pp);
    pp->stackcache[pp->nstackcache++] = stackslot(s);
}

/* gort__stackcache_clear empties pp's cache into the pool (procresize). */
void gort__stackcache_clear(p *pp)
{
    gort__lock(&stackpool.lock);
    while (pp->nstackcache > 0)
        vecpush(&stackpool.hot, pp->stackcache[--pp->nstackcache]);
    setcached();
    gort__unlock(&stackpool.lock);
}

/* gort__stackcheck checks the soft guard of gp's stack (guarded stacks
 * fault instead): that gp's sp is not below its stack and that the
 * sampled words of the guard region are still zero.  Called when gp
 * leaves its thread's CPU (park, yield, exit): on gp's own stack (a direct
 * switch) or on g0 just after mcall saved gp's sp. */
void gort__stackcheck(g *gp)
{
    if (gp->stack.lo == 0 || !gp->stack.softguard)
        return;
    uintptr_t lo = gp->stack.lo;
    uintptr_t sp = getg() == gp ? (uintptr_t)__builtin_frame_address(0) : gp->sched.sp;
    volatile uint64_t *top = (volatile uint64_t *)(lo - sizeof(uint64_t));
    volatile uint64_t *page = (volatile uint64_t *)(lo - 4096);
    volatile uint64_t *bottom = (volatile uint64_t *)(lo - STACK_GUARD_SIZE);
    if (sp < lo || *top != 0 || *page != 0 || *bottom != 0) {
        gort__printf("runtime: goroutine stack exceeds %lu-byte limit\n",
                     (unsigned long)(gp->stack.hi - lo));
        gort__printf("runtime: goroutine %lld: sp=%p stack=[%p, %p]\n", (long long)gp->goid,
                     (void *)sp, (void *)lo, (void *)gp->stack.hi);
        gort__throw("stack overflow");
    }
}

/* STACK_SP_SLACK: how far below its stack a goroutine's sp may be found
 * at a fault and still be taken for an overflow (with soft guards it may
 * have run through the stacks below until something faulted). */
#define STACK_SP_SLACK ((uintptr_t)1 << 30)

/* gort__stack_is_guard reports whether a fault at addr, with the thread's
 * stack pointer at sp, is an overflow of the current goroutine's stack:
 * addr is in its guard region, or the goroutine runs below its stack. */
bool gort__stack_is_guard(uintptr_t addr, uintptr_t sp, g **who)
{
    g *gp = getg();
    if (gp == NULL || gp->m == NULL)
        return false;
    g *cur = gp->m->curg;
    if (cur == NULL || cur->stack.lo == 0)
        return false;
    uintptr_t lo = cur->stack.lo;
    if ((!cur->stack.softguard && addr >= lo - STACK_GUARD_SIZE && addr < lo) ||
        (gp == cur && sp < lo && lo - sp <= STACK_SP_SLACK)) {
        *who = cur;
        return true;
    }
    return false;
}

/* gort__stackstats: see runtime.h.  Counts of stacks, read under the
 * pool's lock. */
void gort__stackstats(int64_t *inuse, int64_t *cached, int64_t *released, uint64_t *passes,
                      uint64_t *scav)
{
    /* A stack may be freed on another P than the one that took it: only
     * the sum means anything. */
    int64_t n = atomic_load_explicit(&gort__stack_inuse, memory_order_relaxed);
    for (int32_t i = 0, np = gort__allplen(); i < np; i++)
        n += atomic_load_explicit(&gort__allp[i]->nstackinuse, memory_order_relaxed);
    *inuse = n;
    gort__lock(&stackpool.lock);
    *cached = (int64_t)stackpool.hot.n;
    *released = (int64_t)stackpool.cold.n;
    *passes = atomic_load_explicit(&scavpasses, memory_order_relaxed);
    *scav = atomic_load_explicit(&scavenged, memory_order_relaxed);
    gort__unlock(&stackpool.lock);
}

/* gort__scavenge gives back to the OS the stacks that have sat in the
 * global free list since the previous call (all of them when force). */
void gort__scavenge(bool force)
{
    gort__lock(&stackpool.lock);
    size_t n = force ? stackpool.hot.n : stackpool.hotmin;
    if (n > stackpool.hot.n)
        n = stackpool.hot.n;
    uintptr_t *old = NULL;
    size_t nold = 0;
    if (n > 0) {
        /* Take the n oldest (bottom of the LIFO). */
        old = malloc(n * sizeof *old);
        if (old) {
            memcpy(old, stackpool.hot.v, n * sizeof *old);
            memmove(stackpool.hot.v, stackpool.hot.v + n, (stackpool.hot.n - n) * sizeof *old);
            stackpool.hot.n -= n;
            nold = n;
        }
    }
    stackpool.hotmin = stackpool.hot.n;
    setcached();
    atomic_fetch_add_explicit(&scavpasses, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&scavenged, nold, memory_order_relaxed);
    gort__unlock(&stackpool.lock);

    for (size_t i = 0; i < nold; i++) {
        stack s = slotstack(old[i]);
        gort__sysUnused((void *)s.lo, s.hi - s.lo);
    }
    if (nold == 0) {
        free(old);
        return;
    }
    gort__lock(&stackpool.lock);
    for (size_t i = 0; i < nold; i++)
        vecpush(&stackpool.cold, old[i]);
    gort__unlock(&stackpool.lock);
    free(old);
}
