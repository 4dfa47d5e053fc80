/*
 * sema.c - semaphores and notify lists, the runtime half of package sync.
 * Mirrors Go's runtime/sema.go.
 *
 * A semaphore is a uint32 counter anywhere in memory (a field of a
 * gort_mutex, gort_rwmutex or gort_waitgroup); its zero value is ready
 * and it needs no constructor or destructor.  So the waiters cannot live
 * in the semaphore: they live in a fixed table of SEMTABSZ semaRoots,
 * chosen by a hash of the counter's address.  This is the sleep and wake
 * half of a mutex or wait group; the fast paths of package sync never get
 * here.
 *
 * Each semaRoot holds, under its lock, a list of the distinct addresses
 * that have waiters: one sudog per address (elem = the address) heads
 * that address's queue of waiters, linked by waitlink, with its tail in
 * waittail.  Go keeps those heads in a treap (O(log n) for many addresses
 * in one root); with the table sized as it is, a root rarely holds more
 * than a few addresses at a time, and a list keeps the code short.
 *
 * root->nwait counts the waiters of a root, so that a release with no
 * waiters costs one atomic add and one load.  The protocol that makes the
 * unlocked check safe: an acquirer increments nwait, then re-checks the
 * counter, then queues itself; a releaser increments the counter, then
 * checks nwait.  One of the two always sees the other.
 *
 * Queueing is FIFO.  With lifo the waiter goes to the front of its
 * address's queue: sync.Mutex uses it for a waiter that has already waited
 * once, so that a goroutine woken but beaten to the lock keeps its place.
 * With handoff, semrelease1 passes the count it added straight to the
 * waiter it wakes (s->ticket = 1), and yields so the waiter runs at once:
 * sync.Mutex in starvation mode uses it so that no newcomer can take the
 * lock between the release and the waiter.
 *
 * notifyList is sync.Cond's wait list, kept here as in Go: each waiter
 * takes a ticket (notifyListAdd) before it unlocks the user's mutex, and
 * a notify wakes the waiter holding the oldest ticket, even if that one
 * has not reached its wait yet: it then does not block at all.
 *
 * Threads the runtime did not start may block here: their G comes from
 * gort__getg_needm(), and parking blocks the thread.
 */
#include "arch.h"
#include "os.h"

#define SEMTABSZ 251

typedef struct semaRoot {
    mutex lock;
    sudog *head;                /* one sudog per address with waiters */
    _Atomic uint32_t nwait;     /* waiters; read without the lock */
} semaRoot;

/* Each root on its own cache line: they are locked independently. */
static struct {
    semaRoot root;
    char pad[64 - sizeof(semaRoot) % 64];
} semtable[SEMTABSZ];

static semaRoot *semroot(_Atomic uint32_t *addr)
{
    return &semtable[((uintptr_t)addr >> 3) % SEMTABSZ].root;
}

/* cansemacquire decrements *addr if it is positive. */
static bool cansemacquire(_Atomic uint32_t *addr)
{
    uint32_t v = atomic_load(addr);
    while (v != 0) {
        if (atomic_compare_exchange_weak(addr, &v, v - 1))
            return true;
    }
    return false;
}

/* queue adds s, for the current goroutine, to the waiters of addr.
 * root->lock must be held. */
static void queue(semaRoot *root, _Atomic uint32_t *addr, sudog *s, bool lifo)
{
    s->g = gort__getg_needm();
    s->elem = (void *)addr;
    s->next = NULL;
    s->prev = NULL;
    s->waitlink = NULL;
    s->waittail = NULL;
    for (sudog *t = root->head; t != NULL; t = t->next) {
        if (t->elem != (void *)addr)
            continue;
        if (lifo) {
            /* s replaces t as the head of addr's queue. */
            s->next = t->next;
            s->prev = t->prev;
            if (s->next)
                s->next->prev = s;
            if (s->prev)
                s->prev->next = s;
            else
                root->head = s;
            s->waitlink = t;
            s->waittail = t->waittail ? t->waittail : t;
            t->next = NULL;
            t->prev = NULL;
            t->waittail = NULL;
        } else {
            if (t->waittail)
                t->waittail->waitlink = s;
            else
                t->waitlink = s;
            t->waittail = s;
        }
        return;
    }
    /* The first waiter of addr. */
    s->next = root->head;
    if (root->head)
        root->head->prev = s;
    root->head = s;
}

/* dequeue removes and returns the first waiter of addr, or NULL.
 * root->lock must be held. */
static sudog *dequeue(semaRoot *root, _Atomic uint32_t *addr)
{
    sudog *s = root->head;
    while (s != NULL && s->elem != (void *)addr)
        s = s->next;
    if (s == NULL)
        return NULL;
    sudog *t = s->waitlink;
    if (t != NULL) {
        /* The next waiter of addr becomes the head. */
        t->next = s->next;
        t->prev = s->prev;
        if (t->next)
            t->next->prev = t;
        if (t->prev)
            t->prev->next = t;
        else
            root->head = t;
        t->waittail = s->waittail == t ? NULL : s->waittail;
    } else {
        if (s->next)
            s->next->prev = s->prev;
        if (s->prev)
            s->prev->next = s->next;
        else
            root->head = s->next;
    }
    s->elem = NULL;
    s->next = NULL;
    s->prev = NULL;
    s->waitlink = NULL;
    s->waittail = NULL;
    return s;
}

/* gort__semacquire1: see runtime.h.  It may park; the caller must be on a
 * goroutine (or a thread the runtime did not start), not on g0. */
void gort__semacquire1(_Atomic uint32_t *addr, bool lifo, waitReason reason)
{
    if (cansemacquire(addr))
        return;
    sudog *s = gort__acquireSudog(gort__getg_needm());
    semaRoot *root = semroot(addr);
    s->ticket = 0;
    for (;;) {
        gort__lock(&root->lock);
        /* Count ourselves first, so that semrelease1 takes the slow path. */
        atomic_fetch_add(&root->nwait, 1);
        /* Then check again, against a wake-up missed in between. */
        if (cansemacquire(addr)) {
            atomic_fetch_sub(&root->nwait, 1);
            gort__unlock(&root->lock);
            break;
        }
        /* Any release from now on sees nwait and wakes someone. */
        queue(root, addr, s, lifo);
        gort__goparkunlock(&root->lock, reason);
        if (s->ticket != 0 || cansemacquire(addr))
            break;
    }
    s->ticket = 0;
    gort__releaseSudog(s);
}

/* yieldable reports whether the current thread runs a goroutine that may
 * give up its P (not g0, not a thread the runtime did not start). */
static bool yieldable(void)
{
    g *gp = getg();
    return gp != NULL && !gp->isforeign && gp->m != NULL && gp->m->curg == gp && gp->m->p != NULL;
}

/* gort__semrelease1: see runtime.h. */
void gort__semrelease1(_Atomic uint32_t *addr, bool handoff)
{
    semaRoot *root = semroot(addr);
    atomic_fetch_add(addr, 1);
    /* Easy case: nobody waits. */
    if (atomic_load(&root->nwait) == 0)
        return;
    gort__lock(&root->lock);
    if (atomic_load(&root->nwait) == 0) {
        /* The count was taken by another release's waiter. */
        gort__unlock(&root->lock);
        return;
    }
    sudog *s = dequeue(root, addr);
    if (s != NULL)
        atomic_fetch_sub(&root->nwait, 1);
    gort__unlock(&root->lock);
    if (s == NULL)
        return;
    if (s->ticket != 0)
        gort__throw("corrupted semaphore ticket");
    if (handoff && cansemacquire(addr))
        s->ticket = 1;
    bool yield = s->ticket == 1;
    gort__goready(s->g);
    if (yield && yieldable()) {
        /* Direct hand-off: let the waiter, now in runnext, run. */
        gort_gosched();
    }
}

/* gort__semrelease_n adds n to *addr and wakes up to n of its waiters.
 * Unlike n calls of semrelease1, it does not touch *addr after the first
 * waiter may have run: sync.WaitGroup uses it, whose memory a released
 * waiter may free (a WaitGroup on its stack) while others wait still. */
void gort__semrelease_n(_Atomic uint32_t *addr, uint32_t n)
{
    semaRoot *root = semroot(addr);
    atomic_fetch_add(addr, n);
    if (atomic_load(&root->nwait) == 0)
        return;
    sudog *list = NULL;
    gort__lock(&root->lock);
    for (uint32_t i = 0; i < n; i++) {
        sudog *s = dequeue(root, addr);
        if (s == NULL)
            break;
        atomic_fetch_sub(&root->nwait, 1);
        s->waitlink = list;
        list = s;
    }
    gort__unlock(&root->lock);
    while (list != NULL) {
        sudog *s = list;
        list = s->waitlink;
        s->waitlink = NULL;
        gort__goready(s->g);
    }
}

/* gort__sema_nwaiters counts the goroutines queued on addr (for tests). */
int gort__sema_nwaiters(_Atomic uint32_t *addr)
{
    semaRoot *root = semroot(addr);
    int n = 0;
    gort__lock(&root->lock);
    for (sudog *t = root->head; t != NULL; t = t->next) {
        if (t->elem != (void *)addr)
            continue;
        for (sudog *s = t; s != NULL; s = s->waitlink)
            n++;
    }
    gort__unlock(&root->lock);
    return n;
}

/* ------------------------------------------------------------------------
 * notifyList: sync.Cond's waiters.
 * ---------------------------------------------------------------------- */

/* less compares tickets, allowing for wrap-around. */
static bool less(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* gort__notifyListAdd takes a ticket for a waiter-to-be.  Call it before
 * releasing the lock that the condition is checked under. */
uint32_t gort__notifyListAdd(notifyList *l)
{
    return atomic_fetch_add(&l->wait, 1);
}

/* gort__notifyListWait waits for the notification of ticket t, unless it
 * has come already. */
void gort__notifyListWait(notifyList *l, uint32_t t)
{
    gort__lock(&l->lock);
    if (less(t, atomic_load(&l->notify))) {
        gort__unlock(&l->lock);
        return;
    }
    sudog *s = gort__acquireSudog(gort__getg_needm());
    s->g = gort__getg_needm();
    s->ticket = t;
    s->next = NULL;
    if (l->tail == NULL)
        l->head = s;
    else
        l->tail->next = s;
    l->tail = s;
    gort__goparkunlock(&l->lock, waitReasonSyncCondWait);
    s->ticket = 0;
    gort__releaseSudog(s);
}

/* gort__notifyListNotifyAll wakes every waiter with a ticket. */
void gort__notifyListNotifyAll(notifyList *l)
{
    if (atomic_load(&l->wait) == atomic_load(&l->notify))
        return;
    gort__lock(&l->lock);
    sudog *s = l->head;
    l->head = NULL;
    l->tail = NULL;
    atomic_store(&l->notify, atomic_load(&l->wait));
    gort__unlock(&l->lock);
    while (s != NULL) {
        sudog *next = s->next;
        s->next = NULL;
        gort__goready(s->g);
        s = next;
    }
}

/* gort__notifyListNotifyOne wakes the waiter with the oldest ticket not
 * yet notified; if it is not waiting yet it will not wait at all. */
void gort__notifyListNotifyOne(notifyList *l)
{
    if (atomic_load(&l->wait) == atomic_load(&l->notify))
        return;
    gort__lock(&l->lock);
    uint32_t t = atomic_load(&l->notify);
    if (t == atomic_load(&l->wait)) {
        gort__unlock(&l->lock);
        return;
    }
    atomic_store(&l->notify, t + 1);
    for (sudog *p = NULL, *s = l->head; s != NULL; p = s, s = s->next) {
        if (s->ticket != t)
            continue;
        sudog *n = s->next;
        if (p != NULL)
            p->next = n;
        else
            l->head = n;
        if (n == NULL)
            l->tail = p;
        gort__unlock(&l->lock);
        s->next = NULL;
        gort__goready(s->g);
        return;
    }
    gort__unlock(&l->lock);
}

/* ------------------------------------------------------------------------
 * Spinning for sync.Mutex (Go's sync_runtime_canSpin and doSpin).
 * ---------------------------------------------------------------------- */

#define ACTIVE_SPIN 4
#define ACTIVE_SPIN_CNT 30

/* gort__sync_canSpin: spin only a few times, only on a multicore machine
 * with GOMAXPROCS > 1 and at least one other P running, and only while
 * our own run queue is empty: otherwise spinning delays the goroutine
 * that would release the lock, or work that could run instead. */
bool gort__sync_canSpin(int i)
{
    if (i >= ACTIVE_SPIN || gort__ncpu <= 1)
        return false;
    if (atomic_load(&gort__gomaxprocs) <=
        atomic_load(&gort__sched.npidle) + atomic_load(&gort__sched.nmspinning) + 1)
        return false;
    g *gp = getg();
    p *pp = gp && gp->m ? gp->m->p : NULL;
    if (pp == NULL || gp->isforeign)
        return false;
    return atomic_load(&pp->runqhead) == atomic_load(&pp->runqtail) &&
           atomic_load(&pp->runnext) == NULL;
}

void gort__sync_doSpin(void)
{
    gort__procyield(ACTIVE_SPIN_CNT);
}
