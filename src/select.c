/*
 * select.c - select over channels: gort_select.
 * Mirrors Go's runtime/select.go (selectgo).
 *
 * A select is one decision over many channels, so it must hold all of
 * their locks at once.  To do that without deadlock every select locks
 * its channels in one global order, by channel address (lockorder, a heap
 * sort of the cases), taking each lock once: the same channel may appear
 * in several cases, and then its cases are adjacent in lockorder.  NULL
 * channels take no part: their cases are never ready.  Unlocking goes in
 * the reverse order.
 *
 * pollorder is a random permutation of the cases (gort__fastrand), so
 * that among the ready cases each is chosen with equal probability.
 *
 * With every lock held, selectgo makes up to three passes:
 *
 *   pass 1  look, in poll order, for a case that can proceed now: a
 *           partner blocked on the other side, room or a value in the
 *           buffer, or a closed channel.  If one is found the select does
 *           it (as chansend/chanrecv would) and returns.  A non-blocking
 *           select returns -1 here.
 *
 *   pass 2  enqueue a sudog (isSelect) for every case on its channel's
 *           sendq or recvq, chain them on g->waiting in lock order, and
 *           park (waitReasonSelect).  selparkcommit releases the locks once
 *           the goroutine is parked.
 *
 *   wake    a partner on one of the channels dequeued one of our sudogs.
 *           Since each of them is on a different queue, several partners
 *           may find one at the same time: each must win the CAS of
 *           g->selectDone from 0 to 1 (chan.c's gort__waitq_dequeue), and
 *           only the winner completes its operation and readies us,
 *           passing the sudog it used in g->param.  The losers drop the
 *           sudog and look for another partner.
 *
 *   pass 3  relock everything, reset selectDone, and take the sudogs that
 *           did not win off their queues (they may be gone already: a
 *           losing partner drops what it dequeues).  The winning sudog
 *           tells the case and, through success, whether it was a value
 *           or a close.
 *
 * A goroutine can be blocked in a select on both sides of one unbuffered
 * channel; that is the one case where a channel has blocked senders and
 * blocked receivers at once (see chan.c's invariants).
 */
#include <stdlib.h>

#include "chan.h"

/* Up to this many cases the poll and lock orders live on the stack. */
#define SELECT_SMALL 16

/* selstate is what unlocking a select's channels needs. */
typedef struct selstate {
    gort_case *cases;
    int32_t *lockorder;
    int norder;
} selstate;

static inline uintptr_t sortkey(gort_chan *c)
{
    return (uintptr_t)c;
}

static inline uint32_t fastrandn(uint32_t n)
{
    return (uint32_t)(((uint64_t)gort__fastrand() * n) >> 32);
}

/* sellock locks the channels of the cases in lockorder, each once. */
static void sellock(const selstate *st)
{
    gort_chan *c = NULL;
    for (int i = 0; i < st->norder; i++) {
        gort_chan *c0 = st->cases[st->lockorder[i]].c;
        if (c0 != c) {
            c = c0;
            gort__lock(&c->lock);
        }
    }
}

/* selunlock unlocks them in the reverse order, each once. */
static void selunlock(const selstate *st)
{
    for (int i = st->norder - 1; i >= 0; i--) {
        gort_chan *c = st->cases[st->lockorder[i]].c;
        if (i > 0 && c == st->cases[st->lockorder[i - 1]].c)
            continue;   /* unlocked at the next step */
        gort__unlock(&c->lock);
    }
}

static void selunlockf(void *arg)
{
    selunlock(arg);
}

/* selparkcommit unlocks the channels once the goroutine is parked.  It
 * walks g->waiting, which is in lock order.  After a lock is released gp
 * may be readied, but it cannot touch its sudogs before it has relocked
 * all the channels, the last of which we still hold. */
static bool selparkcommit(g *gp, void *unused)
{
    (void)unused;
    gort_chan *lastc = NULL;
    for (sudog *sg = gp->waiting; sg != NULL; sg = sg->waitlink) {
        if (sg->c != lastc && lastc != NULL)
            gort__unlock(&lastc->lock);
        lastc = sg->c;
    }
    if (lastc != NULL)
        gort__unlock(&lastc->lock);
    return true;
}

/* sortlockorder heap-sorts lockorder[0:n) by channel address, starting
 * from pollorder so that cases on one channel are permuted too.  A heap
 * sort: n log n time and no recursion. */
static void sortlockorder(gort_case *cases, int32_t *lockorder, const int32_t *pollorder, int n)
{
    for (int i = 0; i < n; i++) {
        int j = i;
        gort_chan *c = cases[pollorder[i]].c;
        while (j > 0 && sortkey(cases[lockorder[(j - 1) / 2]].c) < sortkey(c)) {
            int k = (j - 1) / 2;
            lockorder[j] = lockorder[k];
            j = k;
        }
        lockorder[j] = pollorder[i];
    }
    for (int i = n - 1; i >= 0; i--) {
        int32_t o = lockorder[i];
        gort_chan *c = cases[o].c;
        lockorder[i] = lockorder[0];
        int j = 0;
        for (;;) {
            int k = j * 2 + 1;
            if (k >= i)
                break;
            if (k + 1 < i && sortkey(cases[lockorder[k]].c) < sortkey(cases[lockorder[k + 1]].c))
                k++;
            if (sortkey(c) < sortkey(cases[lockorder[k]].c)) {
                lockorder[j] = lockorder[k];
                j = k;
                continue;
            }
            break;
        }
        lockorder[j] = o;
    }
    for (int i = 0; i + 1 < n; i++) {
        if (sortkey(cases[lockorder[i]].c) > sortkey(cases[lockorder[i + 1]].c))
            gort__throw("select: broken sort");
    }
}

/* blockforever parks the goroutine for good (a select that can never
 * proceed; Go's block). */
static NORETURN void blockforever(waitReason reason)
{
    gort__gopark(gort__getg_needm(), NULL, NULL, reason);
    gort__throw("unreachable");
}

/* gort_select is Go's selectgo for cases in any order of directions.
 * Preconditions (else it panics "gort_select: bad case"): n >= 0, cases
 * non-NULL when n > 0, every dir GORT_SEND or GORT_RECV, and a send on a
 * channel of non-zero element size has an elem. */
int gort_select(gort_case *cases, int n, bool block)
{
    g *gp = gort__getg_needm();     /* first, for a thread the runtime did not start */
    preemptcheck(gp);               /* a polling loop's preemption point (preempt.c) */
    if (n < 0 || (n > 0 && cases == NULL))
        gort_panic("gort_select: bad case");
    for (int i = 0; i < n; i++) {
        gort_case *cas = &cases[i];
        if (cas->dir != GORT_SEND && cas->dir != GORT_RECV)
            gort_panic("gort_select: bad case");
        if (cas->dir == GORT_SEND && cas->c != NULL && cas->c->elemsize != 0 && cas->elem == NULL)
            gort_panic("gort_select: bad case: send of NULL elem on a channel of %u-byte elements",
                       (unsigned)cas->c->elemsize);
    }
    if (n == 0) {
        if (!block)
            return -1;
        blockforever(waitReasonSelectNoCases);
    }

    int32_t small[2 * SELECT_SMALL];
    int32_t *order = small;
    if (n > SELECT_SMALL) {
        order = malloc(2 * (size_t)n * sizeof *order);
        if (order == NULL)
            gort__throw("runtime: out of memory");
    }
    int32_t *pollorder = order;
    int32_t *lockorder = order + n;

    /* A random permutation of the cases with a channel (inside-out
     * Fisher-Yates). */
    int norder = 0;
    for (int i = 0; i < n; i++) {
        if (cases[i].c == NULL)
            continue;
        uint32_t j = fastrandn((uint32_t)norder + 1);
        pollorder[norder] = pollorder[j];
        pollorder[j] = i;
        norder++;
    }
    if (norder == 0) {
        /* Only nil channels: never ready. */
        if (order != small)
            free(order);
        if (!block)
            return -1;
        blockforever(waitReasonSelect);
    }
    sortlockorder(cases, lockorder, pollorder, norder);
    selstate st = {cases, lockorder, norder};
    sellock(&st);

    int casi = -1;
    gort_case *cas = NULL;
    gort_chan *c = NULL;
    sudog *sg = NULL;
    bool recvOK = false;

    /* Pass 1: look for a case that can proceed now. */
    for (int i = 0; i < norder; i++) {
        casi = pollorder[i];
        cas = &cases[casi];
        c = cas->c;
        if (cas->dir == GORT_RECV) {
            if ((sg = gort__waitq_dequeue(&c->sendq)) != NULL)
                goto recv;
            if (c->qcount > 0)
                goto bufrecv;
            if (c->closed)
                goto rclose;
        } else {
            if (c->closed)
                goto sclose;
            if ((sg = gort__waitq_dequeue(&c->recvq)) != NULL)
                goto send;
            if (c->qcount < c->dataqsiz)
                goto bufsend;
        }
    }
    if (!block) {
        selunlock(&st);
        casi = -1;
        goto retc;
    }

    /* Pass 2: enqueue on every channel, in lock order, and park. */
    if (gp->waiting != NULL)
        gort__throw("gp.waiting != nil");
    sudog **nextp = &gp->waiting;
    for (int i = 0; i < norder; i++) {
        cas = &cases[lockorder[i]];
        c = cas->c;
        sudog *s = gort__acquireSudog(gort__getg_needm());
        s->g = gp;
        s->isSelect = true;
        s->success = false;
        s->elem = cas->elem;
        s->c = c;
        s->waitlink = NULL;
        *nextp = s;
        nextp = &s->waitlink;
        gort__waitq_enqueue(cas->dir == GORT_SEND ? &c->sendq : &c->recvq, s);
    }
    gp->param = NULL;
    gort__gopark(gort__getg_needm(), selparkcommit, NULL, waitReasonSelect);

    /* Woken: one case won.  Pass 3: take the others off their queues. */
    sellock(&st);
    atomic_store(&gp->selectDone, 0);
    sg = gp->param;
    gp->param = NULL;

    casi = -1;
    cas = NULL;
    bool caseSuccess = false;
    sudog *sglist = gp->waiting;
    for (sudog *sg1 = gp->waiting; sg1 != NULL; sg1 = sg1->waitlink) {
        sg1->isSelect = false;
        sg1->elem = NULL;
        sg1->c = NULL;
    }
    gp->waiting = NULL;
    for (int i = 0; i < norder; i++) {
        gort_case *k = &cases[lockorder[i]];
        if (sg == sglist) {
            /* Already dequeued by the goroutine that woke us. */
            casi = lockorder[i];
            cas = k;
            caseSuccess = sglist->success;
        } else {
            c = k->c;
            gort__waitq_dequeueSudoG(k->dir == GORT_SEND ? &c->sendq : &c->recvq, sglist);
        }
        sudog *sgnext = sglist->waitlink;
        sglist->waitlink = NULL;
        gort__releaseSudog(sglist);
        sglist = sgnext;
    }
    if (cas == NULL)
        gort__throw("selectgo: bad wakeup");
    c = cas->c;
    if (cas->dir == GORT_SEND) {
        if (!caseSuccess)
            goto sclose;    /* woken by close */
    } else {
        recvOK = caseSuccess;
    }
    selunlock(&st);
    goto retc;

bufrecv:
    /* A value in the buffer. */
    recvOK = true;
    gort__bufrecv(c, cas->elem);
    selunlock(&st);
    goto retc;

bufsend:
    /* Room in the buffer. */
    gort__bufsend(c, cas->elem);
    selunlock(&st);
    goto retc;

recv:
    /* A sender is blocked: take its value. */
    gort__recv(c, sg, cas->elem, selunlockf, &st);
    recvOK = true;
    goto retc;

rclose:
    /* The end of a closed channel. */
    selunlock(&st);
    recvOK = false;
    gort__chanelemclr(c, cas->elem);
    goto retc;

send:
    /* A receiver is blocked: hand it the value. */
    gort__send(c, sg, cas->elem, selunlockf, &st);
    goto retc;

retc:
    if (order != small)
        free(order);
    if (casi >= 0 && cases[casi].dir == GORT_RECV)
        cases[casi].ok = recvOK;
    return casi;

sclose:
    /* A send on a closed channel. */
    selunlock(&st);
    if (order != small)
        free(order);
    gort_panic("send on closed channel");
}
