/*
 * stack.c - goroutine stacks: allocation, caches, guard pages, overflow
 * detection and scavenging.  Mirrors the role of Go's runtime/stack.go
 * (gort's stacks are C stacks: fixed in size, never moved).
 *
 * A stack is one STACK_SIZE slot (256 KiB) of a 64 MiB slab:
 *
 *      slot base                                            base + 256 KiB
 *      +-----------+--------+---------------------------------------+
 *      | guard 4K  | canary |   ... free ...   | frames  <- grows   |
 *      +-----------+--------+---------------------------------------+
 *      ^ no access   ^ stack.lo                                      ^ stack.hi
 *
 * Memory: slabs are mapped read-write without reservation, so a stack
 * costs physical memory only for the pages it has touched (a parked
 * goroutine: one or two pages).  A dead goroutine's stack goes to its P's
 * cache and is reused while it is still resident (DESIGN.md: a first
 * touch costs ~3us here, a re-touch ~25ns); the per-P caches spill to a
 * global list.  The scavenger (gcenable's background work) gives the
 * pages of stacks that stayed in the global list for a whole period back
 * to the OS (madvise(MADV_DONTNEED)); they then cost nothing again.
 *
 * Mappings: a guard page splits a slab into two mappings per stack, and
 * Linux allows 65,530 mappings per process by default.  So guard pages
 * are given while the mapping budget allows (half of what the OS grants,
 * sysMapBudget), which covers tens of thousands of live goroutines; stacks
 * of slabs made beyond that have no guard page and rely on the canary.
 * With that, a million stacks take 4,000 slab mappings, not two million.
 *
 * Overflow: a guarded stack faults in its guard page, and the signal
 * handler (os_linux.c) reports "fatal error: stack overflow" naming the
 * goroutine.  An unguarded stack keeps its lowest page as a soft guard
 * that nothing may write: it reads as zeros (a read maps the shared zero
 * page, which costs no memory), and it is checked when the goroutine parks
 * or exits; a stack that overflowed into it is reported there, before the
 * goroutine whose stack it may have run into can run again.
 *
 * Locking: the per-P cache belongs to its P (no lock); stackpool.lock
 * guards the global lists and the slabs.
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

typedef struct slab {
    uintptr_t base;
    bool guarded;
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
    int64_t guardbudget;  /* guarded stacks we may still make */
} stackpool;

_Atomic int64_t gort__stack_inuse;
_Atomic int64_t gort__stack_cached;

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
    /* Two mappings per guarded stack; keep the other half for the
     * program (malloc, threads, libraries). */
    stackpool.guardbudget = budget < 0 ? INT64_MAX : budget / 2 / 2;
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
    s->guarded = stackpool.guardbudget >= (int64_t)SLOTS_PER_SLAB;
    if (s->guarded)
        stackpool.guardbudget -= SLOTS_PER_SLAB;   /* guards are made per slot, when carved */
    s->next = stackpool.slabs;
    stackpool.slabs = s;
    stackpool.carve = base;
    stackpool.carveend = base + STACK_SLAB;
}

/* A free-list entry is a slot's base address; bit 0 marks a slot whose
 * guard page is only a soft guard. */
#define SLOT_SOFTGUARD ((uintptr_t)1)

/* stackpool_get takes one free stack slot from the global pool.
 * stackpool.lock must be held. */
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
    /* The guard page is made when the slot is first handed out, not with
     * the slab: a program with a few goroutines makes a few mprotect
     * calls, not 256 at start-up. */
    if (stackpool.slabs->guarded && !gort__sysGuard((void *)base, STACK_GUARD_SIZE))
        gort__throw("stack: cannot make a guard page");
    /* Tell Valgrind this is a stack, so that switching to it is not taken
     * for a wild stack-pointer change. */
    gort__os_stackregister((void *)(base + STACK_GUARD_SIZE), (void *)(base + STACK_SIZE));
    slab *sl = stackpool.slabs;
    return sl->guarded ? base : base | SLOT_SOFTGUARD;
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

/* gort__stackalloc returns a stack, from pp's cache when it can. */
stack gort__stackalloc(p *pp)
{
    uintptr_t slot;
    if (pp && pp->nstackcache > 0) {
        slot = pp->stackcache[--pp->nstackcache];
    } else {
        gort__lock(&stackpool.lock);
        slot = stackpool_get();
        /* Refill half the cache while we hold the lock. */
        if (pp) {
            while (pp->nstackcache < STACKCACHE / 2 &&
                   (stackpool.hot.n > 0 || stackpool.cold.n > 0))
                pp->stackcache[pp->nstackcache++] = stackpool_get();
        }
        setcached();
        gort__unlock(&stackpool.lock);
    }
    atomic_fetch_add_explicit(&gort__stack_inuse, 1, memory_order_relaxed);
    return slotstack(slot);
}

/* gort__stackfree returns s to pp's cache, spilling half to the pool. */
void gort__stackfree(p *pp, stack s)
{
    uintptr_t slot = stackslot(s);
    /* Stale AddressSanitizer poison from frames that never returned. */
    asan_unpoison((void *)s.lo, s.hi - s.lo);
    atomic_fetch_sub_explicit(&gort__stack_inuse, 1, memory_order_relaxed);
    if (pp->nstackcache == STACKCACHE) {
        gort__lock(&stackpool.lock);
        while (pp->nstackcache > STACKCACHE / 2)
            vecpush(&stackpool.hot, pp->stackcache[--pp->nstackcache]);
        setcached();
        gort__unlock(&stackpool.lock);
    }
    pp->stackcache[pp->nstackcache++] = slot;
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

/* gort__stackcheck checks that gp has not written into the soft guard
 * of an unguarded stack (guarded stacks fault instead). */
void gort__stackcheck(g *gp)
{
    if (gp->stack.lo == 0 || !gp->stack.softguard)
        return;
    volatile uint64_t *guard = (volatile uint64_t *)(gp->stack.lo - STACK_GUARD_SIZE);
    size_t top = STACK_GUARD_SIZE / sizeof(uint64_t) - 1;
    if (guard[top] != 0 || guard[top / 2] != 0 || guard[0] != 0) {
        gort__printf("runtime: goroutine stack exceeds %lu-byte limit\n",
                     (unsigned long)(gp->stack.hi - gp->stack.lo));
        gort__printf("runtime: goroutine %lld: stack=[%p, %p]\n", (long long)gp->goid,
                     (void *)gp->stack.lo, (void *)gp->stack.hi);
        gort__throw("stack overflow");
    }
}

/* gort__stack_is_guard reports whether addr is in the guard page (or just
 * below the usable part) of the current goroutine's stack. */
bool gort__stack_is_guard(uintptr_t addr, g **who)
{
    g *gp = getg();
    if (gp == NULL || gp->m == NULL)
        return false;
    g *cur = gp->m->curg;
    if (cur == NULL || cur->stack.lo == 0)
        return false;
    if (!cur->stack.softguard && addr >= cur->stack.lo - STACK_GUARD_SIZE &&
        addr < cur->stack.lo) {
        *who = cur;
        return true;
    }
    return false;
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
