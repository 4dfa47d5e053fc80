/*
 * lock_futex.c - the runtime's locks and notes, built on futexes.
 * Mirrors Go's runtime/lock_futex.go.
 *
 * The OS layer provides (os.h):
 *   futexsleep(addr, val, ns)  sleep while *addr == val, at most ns
 *   futexwakeup(addr, cnt)     wake up to cnt sleepers on addr
 * Linux has futex(2); Windows has WaitOnAddress, which is the same idea.
 *
 * mutex states: 0 unlocked, 1 locked, 2 locked and someone may sleep.
 * A note is 0 until notewakeup makes it 1, once.
 */
#include "arch.h"
#include "os.h"

enum { mutex_unlocked = 0, mutex_locked = 1, mutex_sleeping = 2 };
enum { active_spin = 4, active_spin_cnt = 30, passive_spin = 1 };

static void lockslow(mutex *l, uint32_t v);

/*
 * The count of runtime locks held (a panic then is fatal, panic.c) is a
 * count per thread, which is per M: a lock is never held across a
 * switch, so the goroutine that holds one stays on its thread until it
 * releases it.  Where thread-local storage is one instruction
 * (GORT_HAVE_FAST_GETG) the count is a thread-local variable, one
 * increment with no load of g or m; elsewhere (mingw-w64's emulated TLS
 * costs a call) it is m->locks, reached through getg(), and threads
 * without a G yet do not count.
 */
#ifdef GORT_HAVE_FAST_GETG
__thread int32_t gort__tls_locks __attribute__((tls_model("initial-exec")));

static inline void lockcount(int32_t d)
{
    gort__tls_locks += d;
}

int32_t gort__mlocks(void)
{
    return gort__tls_locks;
}
#else
static inline void lockcount(int32_t d)
{
    g *gp = getg();
    if (gp != NULL && gp->m != NULL)
        gp->m->locks += d;
}

int32_t gort__mlocks(void)
{
    g *gp = getg();
    return gp != NULL && gp->m != NULL ? gp->m->locks : 0;
}
#endif

/* gort__lock acquires l, spinning a little and then sleeping.  The fast
 * path is one exchange; the rest is out of line, so that the common case
 * saves no registers. */
void gort__lock(mutex *l)
{
    lockcount(1);   /* a panic with a runtime lock held is fatal (panic.c) */
    uint32_t v = atomic_exchange(&l->key, mutex_locked);
    if (likely(v == mutex_unlocked))
        return;
    lockslow(l, v);
}

static NOINLINE void lockslow(mutex *l, uint32_t v)
{
    /* v is mutex_locked or mutex_sleeping.  Whatever we set key to when
     * we take the lock must keep the sleepers' mark: wait is that. */
    uint32_t wait = v;
    int spin = gort__ncpu > 1 ? active_spin : 0;
    for (;;) {
        for (int i = 0; i < spin; i++) {
            while (atomic_load_explicit(&l->key, memory_order_relaxed) == mutex_unlocked) {
                uint32_t old = mutex_unlocked;
                if (atomic_compare_exchange_weak(&l->key, &old, wait))
                    return;
            }
            gort__procyield(active_spin_cnt);
        }
        for (int i = 0; i < passive_spin; i++) {
            while (atomic_load_explicit(&l->key, memory_order_relaxed) == mutex_unlocked) {
                uint32_t old = mutex_unlocked;
                if (atomic_compare_exchange_weak(&l->key, &old, wait))
                    return;
            }
            gort__osyield();
        }
        v = atomic_exchange(&l->key, mutex_sleeping);
        if (v == mutex_unlocked)
            return;
        wait = mutex_sleeping;
        gort__futexsleep(&l->key, mutex_sleeping, -1);
    }
}

/* gort__unlock releases l and wakes one sleeper if there may be one. */
void gort__unlock(mutex *l)
{
    uint32_t v = atomic_exchange(&l->key, mutex_unlocked);
    if (v == mutex_unlocked)
        gort__throw("unlock of unlocked lock");
    lockcount(-1);
    if (v == mutex_sleeping)
        gort__futexwakeup(&l->key, 1);
}

void gort__noteclear(note *n)
{
    atomic_store(&n->key, 0);
}

void gort__notewakeup(note *n)
{
    uint32_t old = atomic_exchange(&n->key, 1);
    if (old != 0)
        gort__throw("notewakeup - double wakeup");
    gort__futexwakeup(&n->key, 1);
}

void gort__notesleep(note *n)
{
    while (atomic_load(&n->key) == 0)
        gort__futexsleep(&n->key, 0, -1);
}

bool gort__notetsleep(note *n, int64_t ns)
{
    if (ns < 0) {
        gort__notesleep(n);
        return true;
    }
    if (atomic_load(&n->key) != 0)
        return true;
    int64_t now0 = gort__nanotime();
    int64_t deadline = ns > INT64_MAX - now0 ? INT64_MAX : now0 + ns;  /* no overflow */
    for (;;) {
        gort__futexsleep(&n->key, 0, ns);
        if (atomic_load(&n->key) != 0)
            return true;
        int64_t now = gort__nanotime();
        if (now >= deadline)
            return false;
        ns = deadline - now;
    }
}
