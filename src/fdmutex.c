/*
 * fdmutex.c - fdMutex: the reference count and the read and write locks
 * of one descriptor.  Mirrors Go's internal/poll/fd_mutex.go.
 *
 * One 64-bit word holds it all, so that every change is one CAS:
 *
 *   bit 0       closed: no new operation may start
 *   bit 1, 2    the read lock, the write lock
 *   bits 3-22   operations in flight (references), each lock holder too
 *   bits 23-42  goroutines waiting for the read lock
 *   bits 43-62  goroutines waiting for the write lock
 *
 * A waiter parks on the runtime semaphore of its lock (rsema, wsema).
 * Closing sets the closed bit, forgets every waiter and releases the
 * semaphores once per waiter: they wake, see closed, and fail.  The
 * descriptor is released only by whoever drops the last reference after
 * closing (decref or rwunlock returning true), so no operation can find
 * its descriptor closed, or reused, under it.
 */
#include "net.h"

#define MU_CLOSED ((uint64_t)1 << 0)
#define MU_RLOCK ((uint64_t)1 << 1)
#define MU_WLOCK ((uint64_t)1 << 2)
#define MU_REF ((uint64_t)1 << 3)
#define MU_REFMASK ((((uint64_t)1 << 20) - 1) << 3)
#define MU_RWAIT ((uint64_t)1 << 23)
#define MU_RMASK ((((uint64_t)1 << 20) - 1) << 23)
#define MU_WWAIT ((uint64_t)1 << 43)
#define MU_WMASK ((((uint64_t)1 << 20) - 1) << 43)

static NORETURN void overflow(void)
{
    gort_panic("too many concurrent operations on a single file or socket (max 1048575)");
}

bool gort__fdmu_incref(fdMutex *mu)
{
    uint64_t old = atomic_load(&mu->state);
    for (;;) {
        if (old & MU_CLOSED)
            return false;
        uint64_t new = old + MU_REF;
        if ((new & MU_REFMASK) == 0)
            overflow();
        if (atomic_compare_exchange_weak(&mu->state, &old, new))
            return true;
    }
}

bool gort__fdmu_increfAndClose(fdMutex *mu)
{
    uint64_t old = atomic_load(&mu->state);
    for (;;) {
        if (old & MU_CLOSED)
            return false;
        uint64_t new = (old | MU_CLOSED) + MU_REF;
        if ((new & MU_REFMASK) == 0)
            overflow();
        new &= ~(MU_RMASK | MU_WMASK);  /* the waiters are woken below */
        if (atomic_compare_exchange_weak(&mu->state, &old, new)) {
            for (; old & MU_RMASK; old -= MU_RWAIT)
                gort__semrelease1(&mu->rsema, false);
            for (; old & MU_WMASK; old -= MU_WWAIT)
                gort__semrelease1(&mu->wsema, false);
            return true;
        }
    }
}

bool gort__fdmu_decref(fdMutex *mu)
{
    uint64_t old = atomic_load(&mu->state);
    for (;;) {
        if ((old & MU_REFMASK) == 0)
            gort__throw("inconsistent poll.fdMutex");
        uint64_t new = old - MU_REF;
        if (atomic_compare_exchange_weak(&mu->state, &old, new))
            return (new & (MU_CLOSED | MU_REFMASK)) == MU_CLOSED;
    }
}

bool gort__fdmu_rwlock(fdMutex *mu, bool read)
{
    uint64_t bit = read ? MU_RLOCK : MU_WLOCK;
    uint64_t wait = read ? MU_RWAIT : MU_WWAIT;
    uint64_t mask = read ? MU_RMASK : MU_WMASK;
    _Atomic uint32_t *sema = read ? &mu->rsema : &mu->wsema;
    for (;;) {
        uint64_t old = atomic_load(&mu->state);
        if (old & MU_CLOSED)
            return false;
        uint64_t new;
        if ((old & bit) == 0) {
            new = (old | bit) + MU_REF;     /* free: take it */
            if ((new & MU_REFMASK) == 0)
                overflow();
        } else {
            new = old + wait;               /* held: wait for it */
            if ((new & mask) == 0)
                overflow();
        }
        if (atomic_compare_exchange_weak(&mu->state, &old, new)) {
            if ((old & bit) == 0)
                return true;
            gort__semacquire1(sema, false, waitReasonSemacquire);
            /* Woken by an unlock or by close: try again. */
        }
    }
}

bool gort__fdmu_rwunlock(fdMutex *mu, bool read)
{
    uint64_t bit = read ? MU_RLOCK : MU_WLOCK;
    uint64_t wait = read ? MU_RWAIT : MU_WWAIT;
    uint64_t mask = read ? MU_RMASK : MU_WMASK;
    _Atomic uint32_t *sema = read ? &mu->rsema : &mu->wsema;
    uint64_t old = atomic_load(&mu->state);
    for (;;) {
        if ((old & bit) == 0 || (old & MU_REFMASK) == 0)
            gort__throw("inconsistent poll.fdMutex");
        uint64_t new = (old & ~bit) - MU_REF;
        if (old & mask)
            new -= wait;    /* one waiter is woken */
        if (atomic_compare_exchange_weak(&mu->state, &old, new)) {
            if (old & mask)
                gort__semrelease1(sema, false);
            return (new & (MU_CLOSED | MU_REFMASK)) == MU_CLOSED;
        }
    }
}
