/*
 * sync.c - package sync: Mutex, RWMutex, WaitGroup, Once, Cond.
 * Mirrors Go's sync/mutex.go, rwmutex.go, waitgroup.go, once.go, cond.go;
 * the sleeping and waking is sema.c's.
 *
 * The public structs (gort.h) have plain integer fields, so that the
 * header stays valid C++ and C without <stdatomic.h>; here every field
 * that is shared is accessed through the atomic view of it (A32, A64).
 * Their zero values are the unlocked mutex, the empty wait group, and so
 * on, as in Go.
 *
 * Every public function begins with gort__getg_needm(): a thread the runtime
 * did not start becomes known to it at its first call (see chan.c).
 */
#include <assert.h>

#include "os.h"

static_assert(sizeof(_Atomic int32_t) == sizeof(int32_t), "atomic int32 layout");
static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t), "atomic uint32 layout");
static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t), "atomic uint64 layout");
static_assert(sizeof(gort_cond) == sizeof(notifyList), "gort_cond is a notifyList");
static_assert(offsetof(gort_cond, notify_) == offsetof(notifyList, notify), "gort_cond layout");
static_assert(offsetof(gort_cond, lock_) == offsetof(notifyList, lock), "gort_cond layout");
static_assert(offsetof(gort_cond, head_) == offsetof(notifyList, head), "gort_cond layout");
static_assert(offsetof(gort_cond, tail_) == offsetof(notifyList, tail), "gort_cond layout");

#define AI32(x) ((_Atomic int32_t *)(x))
#define AU32(x) ((_Atomic uint32_t *)(x))
#define AU64(x) ((_Atomic uint64_t *)(x))

/* ------------------------------------------------------------------------
 * Mutex
 *
 * A mutex has two modes of operation, as Go's: normal and starvation.
 *
 * In normal mode waiters queue in FIFO order, but a woken waiter does not
 * own the mutex: it competes with the goroutines that arrive meanwhile,
 * which have an advantage (they are running already, and there can be
 * many of them), so a woken waiter can well lose.  It then goes back to
 * the front of the queue.  A waiter that fails to get the mutex for more
 * than 1 ms switches the mutex to starvation mode.
 *
 * In starvation mode the unlocking goroutine hands the mutex directly to
 * the waiter at the front of the queue.  Newcomers do not try to take it,
 * nor spin: they queue at the tail.  A waiter that gets the mutex and is
 * the last in the queue, or that waited less than 1 ms, switches it back
 * to normal mode.
 *
 * Normal mode performs much better, since a goroutine can take a mutex
 * many times in a row even with waiters; starvation mode bounds the tail
 * latency.
 *
 * state: bit 0 locked, bit 1 a waiter is woken (so Unlock wakes no other),
 * bit 2 starving, and the number of waiters above those.
 * ---------------------------------------------------------------------- */

enum {
    mutexLocked = 1,
    mutexWoken = 2,
    mutexStarving = 4,
    mutexWaiterShift = 3,
};

#define STARVATION_THRESHOLD_NS (1000 * 1000)

/* mutex_lockslow is Lock's slow path, after the fast CAS failed: spin a
 * little, then queue on the semaphore; reason is the wait reason that
 * goroutine dumps show (RWMutex's writers show their own). */
static void mutex_lockslow(gort_mutex *m, waitReason reason)
{
    /* A thread the runtime did not start is known from here; and a
     * synchronous preemption point (preempt.c), as every entry below. */
    preemptcheck(gort__getg_needm());
    _Atomic int32_t *state = AI32(&m->state_);
    int64_t waitStartTime = 0;
    bool starving = false;
    bool awoke = false;
    int iter = 0;
    int32_t old = atomic_load(state);
    for (;;) {
        /* Spin a little while it is locked in normal mode: the holder may
         * be about to release it.  Tell Unlock that someone is awake, so
         * that it does not wake a sleeper too. */
        if ((old & (mutexLocked | mutexStarving)) == mutexLocked && gort__sync_canSpin(iter)) {
            if (!awoke && (old & mutexWoken) == 0 && (old >> mutexWaiterShift) != 0 &&
                atomic_compare_exchange_strong(state, &old, old | mutexWoken))
                awoke = true;
            gort__sync_doSpin();
            iter++;
            old = atomic_load(state);
            continue;
        }
        int32_t new = old;
        /* Do not take a starving mutex: newcomers queue. */
        if ((old & mutexStarving) == 0)
            new |= mutexLocked;
        if ((old & (mutexLocked | mutexStarving)) != 0)
            new += 1 << mutexWaiterShift;
        /* Switch to starvation mode, if it is still locked. */
        if (starving && (old & mutexLocked) != 0)
            new |= mutexStarving;
        if (awoke) {
            if ((new & mutexWoken) == 0)
                gort__throw("sync: inconsistent mutex state");
            new &= ~mutexWoken;
        }
        if (!atomic_compare_exchange_strong(state, &old, new))
            continue;   /* old is reloaded */
        if ((old & (mutexLocked | mutexStarving)) == 0)
            break;      /* locked it with the CAS */
        /* A waiter that waited before goes to the front of the queue. */
        bool queueLifo = waitStartTime != 0;
        if (waitStartTime == 0)
            waitStartTime = gort__nanotime();
        gort__semacquire1(AU32(&m->sema_), queueLifo, reason);
        starving = starving || gort__nanotime() - waitStartTime > STARVATION_THRESHOLD_NS;
        old = atomic_load(state);
        if ((old & mutexStarving) != 0) {
            /* Handed to us in starvation mode: the state still says
             * unlocked and counts us as a waiter; fix both. */
            if ((old & (mutexLocked | mutexWoken)) != 0 || (old >> mutexWaiterShift) == 0)
                gort__throw("sync: inconsistent mutex state");
            int32_t delta = mutexLocked - (1 << mutexWaiterShift);
            if (!starving || (old >> mutexWaiterShift) == 1) {
                /* Leave starvation mode: we waited little, or we are the
                 * last waiter. */
                delta -= mutexStarving;
            }
            atomic_fetch_add(state, delta);
            break;
        }
        awoke = true;
        iter = 0;
    }
}

/* gort_mutex_lock locks m, parking while another goroutine holds it. */
void (gort_mutex_lock)(gort_mutex *m)
{
    /* The fast path is one CAS, as Go's; the slow path (which may park)
     * makes a thread the runtime did not start known to it. */
    int32_t unlocked = 0;
    if (atomic_compare_exchange_strong(AI32(&m->state_), &unlocked, mutexLocked))
        return;
    mutex_lockslow(m, waitReasonSyncMutexLock);
}

/* gort_mutex_trylock locks m if that needs no wait, and says so. */
bool gort_mutex_trylock(gort_mutex *m)
{
    _Atomic int32_t *state = AI32(&m->state_);
    int32_t old = atomic_load(state);
    if ((old & (mutexLocked | mutexStarving)) != 0)
        return false;
    /* There may be a goroutine waiting: it is woken, or about to be, and
     * competes with us for the mutex as in normal mode. */
    return atomic_compare_exchange_strong(state, &old, old | mutexLocked);
}

/* mutex_unlockslow is Unlock's slow path: new is the state after the
 * locked bit was cleared, with waiters or flags set. */
static void mutex_unlockslow(gort_mutex *m, int32_t new)
{
    preemptcheck(gort__getg_needm());
    _Atomic int32_t *state = AI32(&m->state_);
    if (((new + mutexLocked) & mutexLocked) == 0)
        gort__fatal("sync: unlock of unlocked mutex");
    if ((new & mutexStarving) == 0) {
        int32_t old = new;
        for (;;) {
            /* Nobody to wake, or a goroutine has already been woken or
             * has taken the lock: nothing to do. */
            if ((old >> mutexWaiterShift) == 0 || (old & (mutexLocked | mutexWoken | mutexStarving)) != 0)
                return;
            /* Take a waiter and give it the right to wake. */
            new = (old - (1 << mutexWaiterShift)) | mutexWoken;
            if (atomic_compare_exchange_strong(state, &old, new)) {
                gort__semrelease1(AU32(&m->sema_), false);
                return;
            }
        }
    }
    /* Starvation mode: hand the mutex to the first waiter.  mutexLocked
     * stays clear; the waiter sets it.  While mutexStarving is set the
     * mutex counts as locked, so newcomers do not take it. */
    gort__semrelease1(AU32(&m->sema_), true);
}

/* gort_mutex_unlock unlocks m, which must be locked (by any goroutine:
 * a mutex is not tied to one, as in Go). */
void (gort_mutex_unlock)(gort_mutex *m)
{
    int32_t new = atomic_fetch_sub(AI32(&m->state_), mutexLocked) - mutexLocked;
    if (new != 0)
        mutex_unlockslow(m, new);
}

/* gort__mutex_lockslow and gort__mutex_unlockslow are the slow paths of
 * the inline Lock and Unlock in gort.h: the CAS failed, or the state after
 * the unlock says someone waits (or the mutex was not locked). */
void gort__mutex_lockslow(gort_mutex *m)
{
    mutex_lockslow(m, waitReasonSyncMutexLock);
}

void gort__mutex_unlockslow(gort_mutex *m, int32_t state)
{
    mutex_unlockslow(m, state);
}

/* ------------------------------------------------------------------------
 * RWMutex
 *
 * readerCount counts the readers that hold or want the lock; a writer
 * subtracts rwmutexMaxReaders from it, so that new readers see it
 * negative and wait on readerSem.  readerWait counts the readers the
 * writer still waits for (those that held the lock when it arrived); the
 * last of them wakes it on writerSem.  So readers cannot starve a writer.
 * ---------------------------------------------------------------------- */

#define rwmutexMaxReaders (1 << 30)

/* gort_rwmutex_rlock locks rw for reading; it waits while a writer holds
 * or waits for it. */
void gort_rwmutex_rlock(gort_rwmutex *rw)
{
    preemptcheck(gort__getg_needm());
    if (atomic_fetch_add(AI32(&rw->readerCount_), 1) + 1 < 0) {
        /* A writer is pending: wait for it. */
        gort__semacquire1(AU32(&rw->readerSem_), false, waitReasonSyncRWMutexRLock);
    }
}

bool gort_rwmutex_tryrlock(gort_rwmutex *rw)
{
    preemptcheck(gort__getg_needm());
    _Atomic int32_t *rc = AI32(&rw->readerCount_);
    int32_t c = atomic_load(rc);
    for (;;) {
        if (c < 0)
            return false;
        if (atomic_compare_exchange_weak(rc, &c, c + 1))
            return true;
    }
}

/* rwmutex_runlockslow is RUnlock's slow path: r, the reader count after
 * our decrement, is negative, so a writer is pending (or the RWMutex was
 * not read-locked). */
static void rwmutex_runlockslow(gort_rwmutex *rw, int32_t r)
{
    if (r + 1 == 0 || r + 1 == -rwmutexMaxReaders)
        gort__fatal("sync: RUnlock of unlocked RWMutex");
    /* A writer is pending: the last reader it waits for wakes it. */
    if (atomic_fetch_sub(AI32(&rw->readerWait_), 1) - 1 == 0)
        gort__semrelease1(AU32(&rw->writerSem_), false);
}

void gort_rwmutex_runlock(gort_rwmutex *rw)
{
    preemptcheck(gort__getg_needm());
    int32_t r = atomic_fetch_sub(AI32(&rw->readerCount_), 1) - 1;
    if (r < 0)
        rwmutex_runlockslow(rw, r);
}

/* gort_rwmutex_lock locks rw for writing: other writers first, then the
 * active readers, drain out. */
void gort_rwmutex_lock(gort_rwmutex *rw)
{
    preemptcheck(gort__getg_needm());
    /* First, exclude other writers. */
    int32_t unlocked = 0;
    if (!atomic_compare_exchange_strong(AI32(&rw->w_.state_), &unlocked, mutexLocked))
        mutex_lockslow(&rw->w_, waitReasonSyncRWMutexLock);
    /* Announce the writer to the readers, and wait for the active ones. */
    int32_t r = atomic_fetch_add(AI32(&rw->readerCount_), -rwmutexMaxReaders);
    if (r != 0 && atomic_fetch_add(AI32(&rw->readerWait_), r) + r != 0)
        gort__semacquire1(AU32(&rw->writerSem_), false, waitReasonSyncRWMutexLock);
}

bool gort_rwmutex_trylock(gort_rwmutex *rw)
{
    preemptcheck(gort__getg_needm());
    if (!gort_mutex_trylock(&rw->w_))
        return false;
    int32_t zero = 0;
    if (!atomic_compare_exchange_strong(AI32(&rw->readerCount_), &zero, -rwmutexMaxReaders)) {
        gort_mutex_unlock(&rw->w_);
        return false;
    }
    return true;
}

/* gort_rwmutex_unlock ends a write lock and lets in the readers that
 * waited for it. */
void gort_rwmutex_unlock(gort_rwmutex *rw)
{
    preemptcheck(gort__getg_needm());
    /* Announce to the readers that there is no active writer. */
    int32_t r = atomic_fetch_add(AI32(&rw->readerCount_), rwmutexMaxReaders) + rwmutexMaxReaders;
    if (r >= rwmutexMaxReaders)
        gort__fatal("sync: Unlock of unlocked RWMutex");
    /* Let the blocked readers in. */
    for (int32_t i = 0; i < r; i++)
        gort__semrelease1(AU32(&rw->readerSem_), false);
    gort_mutex_unlock(&rw->w_);
}

/* ------------------------------------------------------------------------
 * WaitGroup
 *
 * state: the counter in the high 32 bits, the number of waiters in the
 * low 32.  When the counter drops to zero with waiters, Add resets the
 * state to 0 and releases the semaphore once per waiter.
 * ---------------------------------------------------------------------- */

/* gort_waitgroup_add adds delta to the counter; at zero it releases every
 * waiter.  Go's rule: an Add with a positive delta that starts from zero
 * must happen before Wait. */
void gort_waitgroup_add(gort_waitgroup *wg, int delta)
{
    preemptcheck(gort__getg_needm());
    _Atomic uint64_t *statep = AU64(&wg->state_);
    uint64_t state = atomic_fetch_add(statep, (uint64_t)(int64_t)delta << 32) +
                     ((uint64_t)(int64_t)delta << 32);
    int32_t v = (int32_t)(state >> 32);
    uint32_t w = (uint32_t)state;
    if (v < 0)
        gort_panic("sync: negative WaitGroup counter");
    if (w != 0 && delta > 0 && v == delta)
        gort_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
    if (v > 0 || w == 0)
        return;
    /* The counter is 0 with waiters: nobody may change the state now but
     * us (a concurrent Add or Wait is the misuse checked here). */
    if (atomic_load(statep) != state)
        gort_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
    atomic_store(statep, 0);
    /* All waiters at once: the first to run may free the WaitGroup. */
    gort__semrelease_n(AU32(&wg->sema_), w);
}

void gort_waitgroup_done(gort_waitgroup *wg)
{
    gort_waitgroup_add(wg, -1);
}

/* gort_waitgroup_wait blocks until the counter is zero. */
void gort_waitgroup_wait(gort_waitgroup *wg)
{
    preemptcheck(gort__getg_needm());
    _Atomic uint64_t *statep = AU64(&wg->state_);
    uint64_t state = atomic_load(statep);
    for (;;) {
        if ((int32_t)(state >> 32) == 0)
            return;
        /* Count ourselves as a waiter. */
        if (atomic_compare_exchange_weak(statep, &state, state + 1)) {
            gort__semacquire1(AU32(&wg->sema_), false, waitReasonSyncWaitGroupWait);
            if (atomic_load(statep) != 0)
                gort_panic("sync: WaitGroup is reused before previous Wait has returned");
            return;
        }
    }
}

/* ------------------------------------------------------------------------
 * Once
 * ---------------------------------------------------------------------- */

/* oncecall is gort_once_do's slow path, run as a frame of its own (Go's
 * doSlow): the deferred calls unlock the mutex and mark o done even when
 * fn panics or calls gort_goexit, so that o is done, not locked forever,
 * and the panic goes on to the caller. */
typedef struct oncecall {
    gort_once *o;
    gort_fn fn;
    void *arg;
} oncecall;

static void oncedone(void *arg)
{
    atomic_store(AU32(&((gort_once *)arg)->done_), 1);
}

static void onceunlock(void *arg)
{
    gort_mutex_unlock(&((gort_once *)arg)->m_);
}

static void doSlow(void *arg)
{
    oncecall *c = arg;
    gort_mutex_lock(&c->o->m_);
    gort_defer(onceunlock, c->o);
    if (atomic_load_explicit(AU32(&c->o->done_), memory_order_relaxed) == 0) {
        gort_defer(oncedone, c->o);
        c->fn(c->arg);
    }
}

/* gort_once_do calls fn(arg) if no call on o has; every caller returns
 * only after that first call has returned (or panicked: o is done then
 * too, as in Go).  fn must not call gort_once_do(o) itself (a deadlock,
 * as in Go). */
void gort_once_do(gort_once *o, gort_fn fn, void *arg)
{
    preemptcheck(gort__getg_needm());
    /* done is set only after fn has returned, so that a caller that sees
     * it set sees everything fn did; the slow path's mutex makes
     * concurrent callers wait for that. */
    if (atomic_load(AU32(&o->done_)) != 0)
        return;
    oncecall c = {o, fn, arg};
    gort__callframe(doSlow, &c);
}

/* ------------------------------------------------------------------------
 * Cond
 * ---------------------------------------------------------------------- */

/* gort_cond_wait unlocks m, waits for a Signal or Broadcast that comes
 * after this call began, and locks m again.  m must be locked (else the
 * fatal error of unlocking an unlocked mutex). */
void gort_cond_wait(gort_cond *c, gort_mutex *m)
{
    preemptcheck(gort__getg_needm());
    notifyList *l = (notifyList *)c;
    uint32_t t = gort__notifyListAdd(l);
    gort_mutex_unlock(m);
    gort__notifyListWait(l, t);
    gort_mutex_lock(m);
}

void gort_cond_signal(gort_cond *c)
{
    preemptcheck(gort__getg_needm());
    gort__notifyListNotifyOne((notifyList *)c);
}

void gort_cond_broadcast(gort_cond *c)
{
    preemptcheck(gort__getg_needm());
    gort__notifyListNotifyAll((notifyList *)c);
}
