/*
 * chan.h - channel internals: Go's hchan, its wait queues and the steps of
 * a send and a receive (chan.go), for chan.c, select.c, sleep.c (the
 * timer channels) and the tests.  runtime.h only knows that a sudog may
 * wait on a channel.
 */
#ifndef GORT_CHAN_H
#define GORT_CHAN_H

#include "runtime.h"

/* waitq is a FIFO of sudogs blocked on a channel, linked by next/prev. */
typedef struct waitq {
    sudog *first;
    sudog *last;
} waitq;

/* struct gort_chan is Go's hchan; chan.c states its invariants. */
struct gort_chan {
    mutex lock;         /* protects every field, and the sudogs on the queues */
    bool closed;
    size_t qcount;      /* elements in the buffer */
    size_t dataqsiz;    /* capacity of the buffer */
    size_t elemsize;
    size_t sendx;       /* where the next buffered send goes */
    size_t recvx;       /* where the next buffered receive comes from */
    waitq recvq;        /* blocked receivers */
    waitq sendq;        /* blocked senders */
    char *buf;          /* dataqsiz * elemsize bytes, after the header */
};

/* gort__chanbuf returns the address of slot i of c's buffer. */
static inline void *gort__chanbuf(gort_chan *c, size_t i)
{
    return c->buf + i * c->elemsize;
}

/* The wait queues and the steps of a send and a receive, which select.c
 * shares with chan.c (chan.c documents each).  All need c->lock held. */
void gort__waitq_enqueue(waitq *q, sudog *sgp);
sudog *gort__waitq_dequeue(waitq *q);
void gort__waitq_dequeueSudoG(waitq *q, sudog *sgp);
void gort__send(gort_chan *c, sudog *sg, const void *ep, void (*unlockf)(void *), void *arg);
void gort__recv(gort_chan *c, sudog *sg, void *ep, void (*unlockf)(void *), void *arg);
void gort__bufsend(gort_chan *c, const void *ep);
void gort__bufrecv(gort_chan *c, void *ep);
void gort__chanelemclr(gort_chan *c, void *ep);

/* Non-blocking send and receive (Go's selectnbsend, selectnbrecv), for
 * the timer code: they never park, so g0 and sysmon may call them. */
bool gort__selectnbsend(gort_chan *c, const void *elem);
bool gort__selectnbrecv(gort_chan *c, void *elem, bool *ok);

/* For the tests: a channel's state, and its invariants checked (NULL when
 * they hold, else what is broken). */
typedef struct gort__chanstat {
    size_t qcount, dataqsiz, sendx, recvx;
    int nsendq, nrecvq;
    bool closed;
} gort__chanstat;
void gort__chanreadstat(gort_chan *c, gort__chanstat *st);
const char *gort__chancheck(gort_chan *c);

#endif /* GORT_CHAN_H */
