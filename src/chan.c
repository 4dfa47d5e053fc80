/*
 * chan.c - channels: make, send, receive, close, len, cap, free.
 * Mirrors Go's runtime/chan.go; select lives in select.c.
 *
 * A channel (hchan) is a lock, a ring buffer of dataqsiz elements of
 * elemsize bytes each, and two wait queues of sudogs: recvq, the
 * goroutines blocked receiving, and sendq, those blocked sending.  Each
 * queue is FIFO, so blocked senders (and blocked receivers) are served in
 * the order they arrived.  The buffer follows the header in the same
 * allocation; a channel of zero-size elements (chan struct{}) or of
 * capacity 0 has none.
 *
 * Invariants, all under c->lock (gort__chancheck verifies them):
 *
 *   At least one of c->sendq and c->recvq is empty, except for an
 *   unbuffered channel with a single goroutine blocked on it for both
 *   sending and receiving in one select; then the lengths of the two
 *   queues are limited only by the size of that select.
 *
 *   For a buffered channel:
 *     c->qcount > 0 implies that c->recvq is empty;
 *     c->qcount < c->dataqsiz implies that c->sendq is empty.
 *
 *   0 <= sendx, recvx < dataqsiz, and sendx == (recvx + qcount) % dataqsiz.
 *
 *   A closed channel has an empty sendq and an empty recvq: close wakes
 *   every waiter, and nobody blocks on a closed channel.
 *
 * Direct hand-off.  When a sender finds a receiver waiting, it copies its
 * element straight to the receiver's destination (the sudog's elem, which
 * may point into the receiver's stack; all stacks share one address space)
 * and readies it: the buffer is not touched.  Likewise a receiver that
 * finds a sender waiting on an unbuffered channel copies from the sender.
 * On a full buffered channel it takes the head of the buffer and moves the
 * waiting sender's element to the tail, which keeps FIFO order.
 *
 * Select.  A goroutine blocked in select has a sudog (isSelect) on several
 * queues at once; whoever dequeues one must win the CAS of g->selectDone
 * from 0 to 1 before using it, or skip it: the select was already decided
 * on another channel and the goroutine will take its sudogs off the other
 * queues itself (select.c, pass 3).
 *
 * Wake-ups.  A woken goroutine learns what happened from its sudog:
 * success is true when a value was delivered, false when the channel was
 * closed.  The waker sets it before goready, after unlocking the channel.
 *
 * Threads the runtime did not start may call everything here.  The public
 * operations begin with gort__getg_needm(), which gives such a thread, at its
 * first call, a G (and an M) whose parking blocks the thread; from then on
 * the deadlock detector knows that the thread may still wake someone.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"

/* HCHAN_SIZE is the header's size rounded up to 16 bytes: the buffer
 * starts there, aligned for any element. */
#define HCHAN_SIZE ((sizeof(struct gort_chan) + 15) & ~(size_t)15)

/* MAXALLOC bounds a channel's buffer, as Go's maxAlloc (the 47-bit user
 * address space of amd64): a larger one is a panic, not an allocation
 * that fails. */
#define MAXALLOC ((size_t)1 << 47)

/* ------------------------------------------------------------------------
 * Wait queues.  c->lock must be held.
 * ---------------------------------------------------------------------- */

/* gort__waitq_enqueue appends sgp to q. */
void gort__waitq_enqueue(waitq *q, sudog *sgp)
{
    sgp->next = NULL;
    sudog *x = q->last;
    if (x == NULL) {
        sgp->prev = NULL;
        q->first = sgp;
        q->last = sgp;
        return;
    }
    sgp->prev = x;
    x->next = sgp;
    q->last = sgp;
}

/* gort__waitq_dequeue removes and returns the first sudog of q that may
 * proceed.  A select's sudog may proceed only if this call wins its select
 * (the CAS of selectDone); one that loses is dropped from the queue, and
 * its owner will find it gone (gort__waitq_dequeueSudoG). */
sudog *gort__waitq_dequeue(waitq *q)
{
    for (;;) {
        sudog *sgp = q->first;
        if (sgp == NULL)
            return NULL;
        sudog *y = sgp->next;
        if (y == NULL) {
            q->first = NULL;
            q->last = NULL;
        } else {
            y->prev = NULL;
            q->first = y;
            sgp->next = NULL;
        }
        if (sgp->isSelect) {
            uint32_t zero = 0;
            if (!atomic_compare_exchange_strong(&sgp->g->selectDone, &zero, 1))
                continue;
        }
        return sgp;
    }
}

/* gort__waitq_dequeueSudoG takes sgp off q, where it may or may not still
 * be (a losing dequeue may have dropped it already). */
void gort__waitq_dequeueSudoG(waitq *q, sudog *sgp)
{
    sudog *x = sgp->prev;
    sudog *y = sgp->next;
    if (x != NULL) {
        if (y != NULL) {            /* in the middle */
            x->next = y;
            y->prev = x;
            sgp->next = NULL;
            sgp->prev = NULL;
            return;
        }
        x->next = NULL;             /* at the end */
        q->last = x;
        sgp->prev = NULL;
        return;
    }
    if (y != NULL) {                /* at the start */
        y->prev = NULL;
        q->first = y;
        sgp->next = NULL;
        return;
    }
    /* Alone in the queue, or already removed: q->first tells. */
    if (q->first == sgp) {
        q->first = NULL;
        q->last = NULL;
    }
}

/* ------------------------------------------------------------------------
 * Moving elements.
 * ---------------------------------------------------------------------- */

/* memmove and memset with NULL allowed when there is nothing to move. */
static inline void elemmove(gort_chan *c, void *dst, const void *src)
{
    /* The common sizes inline, as moves of one register; the rest by
     * memmove.  (Source and destination never overlap, but a sender may
     * pass the receiver's own buffer.) */
    switch (c->elemsize) {
    case 0:
        return;
    case 4:
        __builtin_memcpy(dst, src, 4);
        return;
    case 8:
        __builtin_memcpy(dst, src, 8);
        return;
    default:
        memmove(dst, src, c->elemsize);
    }
}

/* gort__chanelemclr zero-fills the element at dst, if any. */
void gort__chanelemclr(gort_chan *c, void *dst)
{
    if (dst != NULL && c->elemsize != 0)
        memset(dst, 0, c->elemsize);
}

/* ------------------------------------------------------------------------
 * The operations.
 * ---------------------------------------------------------------------- */

/* MAXELEMSIZE: as in Go, whose compiler rejects a channel element type of
 * 64 KiB or more and whose makechan throws if one gets through.  A C
 * caller passes the size at run time, so the check is this one. */
#define MAXELEMSIZE ((size_t)1 << 16)

gort_chan *gort_chan_make(size_t elemsize, size_t cap)
{
    if (elemsize >= MAXELEMSIZE)
        gort__throw("makechan: invalid channel element type");
    size_t mem = 0;
    if (__builtin_mul_overflow(elemsize, cap, &mem) || mem > MAXALLOC - HCHAN_SIZE)
        gort_panic("makechan: size out of range");
    gort_chan *c = calloc(1, HCHAN_SIZE + mem);
    if (c == NULL)
        gort__throw("runtime: out of memory");
    c->elemsize = elemsize;
    c->dataqsiz = cap;
    /* Zero-size elements have no buffer; buf still points somewhere
     * valid (the end of the header), as Go's does, for the arithmetic. */
    c->buf = (char *)c + HCHAN_SIZE;
    return c;
}

void gort_chan_free(gort_chan *c)
{
    if (c == NULL)
        return;
    gort__lock(&c->lock);
    bool inuse = c->sendq.first != NULL || c->recvq.first != NULL;
    gort__unlock(&c->lock);
    if (inuse)
        gort__fatal("free of channel in use");
    free(c);
}

size_t gort_chan_len(gort_chan *c)
{
    if (c == NULL)
        return 0;
    gort__lock(&c->lock);
    size_t n = c->qcount;
    gort__unlock(&c->lock);
    return n;
}

size_t gort_chan_cap(gort_chan *c)
{
    return c ? c->dataqsiz : 0;
}

/* sendmove and recvmove move the element of a direct hand-off with the
 * waiting partner sg, which has been dequeued from c's wait queue under
 * c->lock, still held.  A waiting receiver (sendmove) means an empty
 * buffer, which stays untouched; a waiting sender (recvmove) gives its
 * element directly on an unbuffered channel, else the head of the full
 * buffer goes to the receiver and sg's element to the buffer's tail. */
static inline ALWAYS_INLINE void sendmove(gort_chan *c, sudog *sg, const void *ep)
{
    if (sg->elem != NULL) {
        elemmove(c, sg->elem, ep);
        sg->elem = NULL;
    }
}

static inline ALWAYS_INLINE void recvmove(gort_chan *c, sudog *sg, void *ep)
{
    if (c->dataqsiz == 0) {
        if (ep != NULL)
            elemmove(c, ep, sg->elem);
    } else {
        void *qp = gort__chanbuf(c, c->recvx);
        if (ep != NULL)
            elemmove(c, ep, qp);
        elemmove(c, qp, sg->elem);
        if (++c->recvx == c->dataqsiz)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    sg->elem = NULL;
}

/* wakepartner wakes gp, sg's goroutine, with success, once the channel
 * is unlocked.  Safe without the lock: sg was dequeued under it, so this
 * goroutine alone owns sg and may wake sg->g; sg->g is parked for good
 * (its park committed before it released c->lock, which we then took),
 * so its stack, where sg->elem pointed, is not running; and success and
 * param are written before goready publishes it. */
static inline ALWAYS_INLINE void wakepartner(sudog *sg, g *gp)
{
    gp->param = sg;
    sg->success = true;
    gort__goready(gp);
}

/* handofflocked ends the hand-off of chansend and chanrecv, which hold
 * only c's lock: unlock it directly (the hot path of every unbuffered
 * exchange, with no unlock function to call through), wake the partner. */
static inline ALWAYS_INLINE void handofflocked(gort_chan *c, sudog *sg)
{
    g *gp = sg->g;
    gort__unlock(&c->lock);
    wakepartner(sg, gp);
}

/* gort__send completes a send to the waiting receiver sg, which has
 * been dequeued from c->recvq.  c must be locked; unlockf(arg) unlocks it
 * (and, for select, the other channels) before sg's goroutine is
 * readied. */
void gort__send(gort_chan *c, sudog *sg, const void *ep,
                     void (*unlockf)(void *arg), void *arg)
{
    sendmove(c, sg, ep);
    g *gp = sg->g;
    unlockf(arg);
    wakepartner(sg, gp);
}

/* gort__recv completes a receive from the waiting sender sg, which
 * has been dequeued from c->sendq.  c must be locked; unlockf(arg)
 * unlocks it. */
void gort__recv(gort_chan *c, sudog *sg, void *ep,
                     void (*unlockf)(void *arg), void *arg)
{
    recvmove(c, sg, ep);
    g *gp = sg->g;
    unlockf(arg);
    wakepartner(sg, gp);
}

/* chanparkcommit unlocks the channel once the goroutine is parked. */
static bool chanparkcommit(g *gp, void *lock)
{
    (void)gp;
    gort__unlock(lock);
    return true;
}

/* gort__bufsend puts *ep at the tail of the buffer.  c must be
 * locked and its buffer not full. */
void gort__bufsend(gort_chan *c, const void *ep)
{
    elemmove(c, gort__chanbuf(c, c->sendx), ep);
    if (++c->sendx == c->dataqsiz)
        c->sendx = 0;
    c->qcount++;
}

/* gort__bufrecv takes the head of the buffer into ep (NULL:
 * discard).  c must be locked and its buffer not empty. */
void gort__bufrecv(gort_chan *c, void *ep)
{
    void *qp = gort__chanbuf(c, c->recvx);
    if (ep != NULL)
        elemmove(c, ep, qp);
    gort__chanelemclr(c, qp);
    if (++c->recvx == c->dataqsiz)
        c->recvx = 0;
    c->qcount--;
}

/* chanpark parks gp, with element buffer ep, on queue q of c until a
 * partner or close wakes it; it reports whether a value moved (false: the
 * channel was closed).  c must be locked; it is unlocked once gp is
 * parked. */
static inline ALWAYS_INLINE bool chanpark(gort_chan *c, g *gp, waitq *q, void *ep, waitReason reason)
{
    /* gp's own cached sudog, as acquireSudog would give it, inline. */
    sudog *mysg = gp->cachedsudog;
    if (likely(mysg != NULL))
        gp->cachedsudog = NULL;
    else
        mysg = gort__acquireSudog(gp);
    mysg->elem = ep;
    mysg->waitlink = NULL;
    mysg->g = gp;
    mysg->isSelect = false;
    mysg->success = false;
    mysg->c = c;
    gp->waiting = mysg;
    gp->param = NULL;
    gort__waitq_enqueue(q, mysg);
    gort__gopark(gp, chanparkcommit, &c->lock, reason);

    /* Someone woke us up. */
    if (mysg != gp->waiting)
        gort__throw("G waiting list is corrupted");
    gp->waiting = NULL;
    bool success = mysg->success;
    gp->param = NULL;
    mysg->c = NULL;
    mysg->elem = NULL;
    if (likely(gp->cachedsudog == NULL)) {
        /* Straight back to gp's own cached sudog, as releaseSudog would
         * put it, without its checks: whoever woke us took mysg off its
         * queue (next and prev are NULL), and of the fields that
         * releaseSudog clears, chanpark sets only g and success. */
        mysg->g = NULL;
        mysg->success = false;
        gp->cachedsudog = mysg;
        return success;
    }
    gort__releaseSudog(mysg);
    return success;
}

/* chansend sends *ep on c.  With block false it returns false instead of
 * blocking; otherwise it returns true once the value is delivered or
 * buffered. */
static inline ALWAYS_INLINE bool chansend(gort_chan *c, const void *ep, bool block, g *gp)
{
    if (c == NULL) {
        if (!block)
            return false;
        gort__gopark(gort__getg_needm(), NULL, NULL, waitReasonChanSendNilChan);
        gort__throw("unreachable");
    }
    if (ep == NULL && c->elemsize != 0)
        gort_panic("gort_chan_send: nil element pointer");

    gort__lock(&c->lock);
    if (c->closed) {
        gort__unlock(&c->lock);
        gort_panic("send on closed channel");
    }
    sudog *sg = gort__waitq_dequeue(&c->recvq);
    if (sg != NULL) {
        /* A receiver waits: hand the value to it, past the buffer. */
        sendmove(c, sg, ep);
        handofflocked(c, sg);
        return true;
    }
    if (c->qcount < c->dataqsiz) {
        gort__bufsend(c, ep);
        gort__unlock(&c->lock);
        return true;
    }
    if (!block) {
        gort__unlock(&c->lock);
        return false;
    }

    /* Block on the channel until a receiver takes the value (or the
     * channel is closed). */
    bool closed = !chanpark(c, gp, &c->sendq, (void *)ep, waitReasonChanSend);
    if (closed) {
        gort__lock(&c->lock);
        bool isclosed = c->closed;
        gort__unlock(&c->lock);
        if (!isclosed)
            gort__throw("chansend: spurious wakeup");
        gort_panic("send on closed channel");
    }
    return true;
}

/* chanrecv receives from c into ep (NULL: discard).  With block false it
 * returns false instead of blocking; otherwise it returns true, with *ok
 * true for a value received and false for the zero value of a closed and
 * drained channel. */
static inline ALWAYS_INLINE bool chanrecv(gort_chan *c, void *ep, bool block, bool *ok, g *gp)
{
    *ok = false;
    if (c == NULL) {
        if (!block)
            return false;
        gort__gopark(gort__getg_needm(), NULL, NULL, waitReasonChanReceiveNilChan);
        gort__throw("unreachable");
    }

    gort__lock(&c->lock);
    if (c->closed) {
        if (c->qcount == 0) {
            gort__unlock(&c->lock);
            gort__chanelemclr(c, ep);
            return true;
        }
        /* Closed but not drained: the buffer goes first. */
    } else {
        sudog *sg = gort__waitq_dequeue(&c->sendq);
        if (sg != NULL) {
            /* A sender waits: the buffer, if any, is full. */
            recvmove(c, sg, ep);
            handofflocked(c, sg);
            *ok = true;
            return true;
        }
    }
    if (c->qcount > 0) {
        gort__bufrecv(c, ep);
        gort__unlock(&c->lock);
        *ok = true;
        return true;
    }
    if (!block) {
        gort__unlock(&c->lock);
        return false;
    }

    /* Block until a sender delivers (or the channel is closed). */
    *ok = chanpark(c, gp, &c->recvq, ep, waitReasonChanReceive);
    return true;
}

/* The public operations first make sure that the calling thread has a G:
 * a thread the runtime did not start becomes known to it (and counts
 * against deadlock detection) at its first channel operation, even one
 * that does not block. */

/* They are also synchronous preemption points (preemptcheck, preempt.c);
 * the runtime's own non-blocking sends (timers' sendTime) are not. */

void gort_chan_send(gort_chan *c, const void *elem)
{
    g *gp = getg_needm();
    /* Only a zero-size channel takes no element (gort.h). */
    if (unlikely(elem == NULL) && c != NULL && c->elemsize != 0)
        gort_panic("gort_chan_send: NULL elem on a channel of %u-byte elements", (unsigned)c->elemsize);
    preemptcheck(gp);
    chansend(c, elem, true, gp);
}

bool gort_chan_recv(gort_chan *c, void *elem)
{
    bool ok;
    g *gp = getg_needm();
    preemptcheck(gp);
    chanrecv(c, elem, true, &ok, gp);
    return ok;
}

/* gort__selectnbsend is Go's selectnbsend: a send that never blocks.  It
 * returns whether the value was delivered or buffered. */
bool gort__selectnbsend(gort_chan *c, const void *elem)
{
    return chansend(c, elem, false, gort__getg_needm());
}

/* gort__selectnbrecv is Go's selectnbrecv: a receive that never blocks.
 * It returns whether it proceeded; then *ok says whether a value came (as
 * gort_chan_recv's result). */
bool gort__selectnbrecv(gort_chan *c, void *elem, bool *ok)
{
    return chanrecv(c, elem, false, ok, gort__getg_needm());
}

/* closewaiter marks sg, taken off a queue by close, as woken without a
 * value and appends its G to glist, to be readied once c is unlocked. */
static void closewaiter(sudog *sg, gQueue *glist)
{
    sg->elem = NULL;
    g *gp = sg->g;
    gp->param = sg;
    sg->success = false;
    gp->schedlink = NULL;
    if (glist->tail)
        glist->tail->schedlink = gp;
    else
        glist->head = gp;
    glist->tail = gp;
}

void gort_chan_close(gort_chan *c)
{
    gort__getg_needm();
    if (c == NULL)
        gort_panic("close of nil channel");
    gort__lock(&c->lock);
    if (c->closed) {
        gort__unlock(&c->lock);
        gort_panic("close of closed channel");
    }
    c->closed = true;

    /* Take every waiter off the queues under the lock, wake them after.
     * A parked G is on no run queue, so its schedlink is free to use. */
    gQueue glist = {0};
    sudog *sg;
    while ((sg = gort__waitq_dequeue(&c->recvq)) != NULL) {
        gort__chanelemclr(c, sg->elem);    /* receivers get zero values */
        closewaiter(sg, &glist);
    }
    while ((sg = gort__waitq_dequeue(&c->sendq)) != NULL)
        closewaiter(sg, &glist);            /* senders will panic */
    gort__unlock(&c->lock);

    for (g *gp = glist.head; gp != NULL;) {
        g *next = gp->schedlink;
        gp->schedlink = NULL;
        gort__goready(gp);
        gp = next;
    }
}

/* ------------------------------------------------------------------------
 * Introspection for the tests.
 * ---------------------------------------------------------------------- */

static int qlen(waitq *q)
{
    int n = 0;
    for (sudog *s = q->first; s; s = s->next)
        n++;
    return n;
}

/* gort__chanreadstat fills st with c's state, read under its lock. */
void gort__chanreadstat(gort_chan *c, gort__chanstat *st)
{
    gort__lock(&c->lock);
    st->qcount = c->qcount;
    st->dataqsiz = c->dataqsiz;
    st->sendx = c->sendx;
    st->recvx = c->recvx;
    st->nsendq = qlen(&c->sendq);
    st->nrecvq = qlen(&c->recvq);
    st->closed = c->closed;
    gort__unlock(&c->lock);
}

/* live reports whether a queued sudog can still be chosen: a select's
 * sudog stays queued for a while after the select was decided elsewhere. */
static bool live(sudog *s)
{
    return !s->isSelect || atomic_load(&s->g->selectDone) == 0;
}

/* checkq checks the links of q and returns the one G that all its live
 * sudogs belong to (NULL if none, or several: *several). */
static const char *checkq(gort_chan *c, waitq *q, int *nlive, g **who, bool *several, bool *allsel)
{
    sudog *prev = NULL;
    *nlive = 0;
    *who = NULL;
    *several = false;
    *allsel = true;
    for (sudog *s = q->first; s; prev = s, s = s->next) {
        if (s->prev != prev)
            return "broken queue links";
        if (s->c != c)
            return "sudog of another channel";
        if (!live(s))
            continue;
        (*nlive)++;
        if (!s->isSelect)
            *allsel = false;
        if (*who == NULL)
            *who = s->g;
        else if (*who != s->g)
            *several = true;
    }
    if (q->last != prev)
        return "broken queue tail";
    return NULL;
}

/* gort__chancheck verifies the invariants at the top of this file and
 * returns NULL, or a description of the first one broken. */
const char *gort__chancheck(gort_chan *c)
{
    const char *bad = NULL;
    int ns, nr;
    g *gs, *gr;
    bool sevs, sevr, sels, selr;
    gort__lock(&c->lock);
    if ((bad = checkq(c, &c->sendq, &ns, &gs, &sevs, &sels)) != NULL)
        goto out;
    if ((bad = checkq(c, &c->recvq, &nr, &gr, &sevr, &selr)) != NULL)
        goto out;
    if (ns > 0 && nr > 0) {
        if (c->dataqsiz != 0)
            bad = "buffered channel with blocked senders and receivers";
        else if (!sels || !selr || sevs || sevr || gs != gr)
            bad = "blocked senders and receivers that are not one select";
        if (bad)
            goto out;
    }
    if (c->dataqsiz != 0) {
        if (c->qcount > c->dataqsiz || c->sendx >= c->dataqsiz || c->recvx >= c->dataqsiz) {
            bad = "buffer index out of range";
            goto out;
        }
        if (c->sendx != (c->recvx + c->qcount) % c->dataqsiz) {
            bad = "sendx != recvx + qcount";
            goto out;
        }
        if (c->qcount > 0 && nr > 0) {
            bad = "qcount > 0 with blocked receivers";
            goto out;
        }
        if (c->qcount < c->dataqsiz && ns > 0) {
            bad = "qcount < cap with blocked senders";
            goto out;
        }
    } else if (c->qcount != 0 || c->sendx != 0 || c->recvx != 0) {
        bad = "unbuffered channel with a buffer";
        goto out;
    }
    if (c->closed && (ns > 0 || nr > 0))
        bad = "closed channel with blocked goroutines";
out:
    gort__unlock(&c->lock);
    return bad;
}
