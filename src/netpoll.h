/*
 * netpoll.h - the network poller's contract (netpoll.c states it in full;
 * netpoll_epoll.c and netpoll_windows.c implement the backend half).
 */
#ifndef GORT_NETPOLL_H
#define GORT_NETPOLL_H

#include "runtime.h"

/*
 * pollDesc is the poller's record of one descriptor (Go's pollDesc).  rg
 * and wg are the read and write wait states: PD_NIL, PD_READY (an event
 * came and nobody has consumed it), PD_WAIT (a goroutine is about to
 * park) or the parked G itself.  lock guards the deadlines, their timers
 * and closing; the fields read on the fast paths are atomic.  A pollDesc
 * is never freed, only reused (pollcache), so a stale event or deadline
 * timer may still find it: rseq and wseq tell stale deadlines apart, and
 * fdseq stale events.
 */
#define PD_NIL ((uintptr_t)0)
#define PD_READY ((uintptr_t)1)
#define PD_WAIT ((uintptr_t)2)

typedef struct pollDesc pollDesc;
struct pollDesc {
    pollDesc *link;             /* pollcache free list */
    intptr_t fd;
    _Atomic uintptr_t rg;
    _Atomic uintptr_t wg;
    _Atomic uint32_t fdseq;     /* bumped at every reuse (stale events) */
    mutex lock;                 /* closing, rd, wd, rseq, wseq */
    mutex dlock;                /* one deadline change at a time (see pollSetDeadline) */
    _Atomic bool closing;
    _Atomic bool everr;         /* the backend saw an error event */
    _Atomic int64_t rd;         /* read deadline: 0 none, -1 expired, else nanotime */
    _Atomic int64_t wd;
    uintptr_t rseq;
    uintptr_t wseq;
    timer rt;                   /* read deadline timer */
    timer wt;                   /* write deadline timer */
    void *backend;              /* the backend's per-descriptor state (Windows) */
};

/* Results of pollReset and pollWait (Go's pollNoError ...). */
enum {
    pollNoError,
    pollErrClosing,             /* the descriptor is being closed */
    pollErrTimeout,             /* the deadline passed */
    pollErrNotPollable,         /* the backend reported an error event */
};

/* Portable half (netpoll.c). */
void gort__netpollGenericInit(void);
bool gort__netpollinited(void);
extern _Atomic uint32_t gort__netpollWaiters;

/* The operations of internal/poll on a pollDesc (Go's poll_runtime_*):
 * pollOpen registers fd (returns NULL and sets errno on failure); before
 * an operation that may block, pollReset(mode) forgets a stale readiness;
 * when the operation would block, pollWait(mode) parks until the
 * descriptor is ready, its deadline passes or it is closed.  mode is 'r'
 * or 'w'.  pollSetDeadline sets an absolute nanotime deadline (0: none;
 * in the past: expired now) for mode 'r', 'w' or 'r'+'w'.  pollUnblock
 * wakes every waiter for a close; pollClose then frees the pollDesc, once
 * no operation uses it. */
pollDesc *gort__pollOpen(intptr_t fd);
void gort__pollClose(pollDesc *pd);
int gort__pollReset(pollDesc *pd, int mode);
int gort__pollWait(pollDesc *pd, int mode);
void gort__pollWaitCanceled(pollDesc *pd, int mode);
void gort__pollSetDeadline(pollDesc *pd, int64_t d, int mode);
void gort__pollUnblock(pollDesc *pd);

/* gort__netpollready is for the backends: an event of mode ('r', 'w' or
 * 'r'+'w') came for pd; the goroutines it unblocks are appended to q. */
void gort__netpollready(gQueue *q, pollDesc *pd, int mode);

/* Backend half (netpoll_<os>.c). */
void gort__netpollinit(void);
int gort__netpollopen(intptr_t fd, pollDesc *pd);     /* 0, or an errno */
void gort__netpollclose(intptr_t fd);
void gort__netpoll(int64_t delay, gQueue *q);
void gort__netpollBreak(void);

#endif
