/*
 * netpoll_epoll.c - the poller on Linux: one epoll instance and an
 * eventfd to break its wait.  Mirrors Go's runtime/netpoll_epoll.go.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "netpoll.h"

static int epfd = -1;
static int breakfd = -1;                /* eventfd, level-triggered EPOLLIN */
static _Atomic uint32_t netpollWakeSig; /* a break is pending: drop others */
static _Atomic int havepwait2 = 1;      /* epoll_pwait2 (ns timeouts) works */

/* The break fd's epoll_data: no pollDesc can have this address. */
static char breaktag;

void gort__netpollinit(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        gort__printf("runtime: epoll_create1 failed with %d\n", errno);
        gort__throw("runtime: netpollinit failed");
    }
    breakfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (breakfd < 0) {
        gort__printf("runtime: eventfd failed with %d\n", errno);
        gort__throw("runtime: netpollinit failed");
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &breaktag};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, breakfd, &ev) < 0) {
        gort__printf("runtime: epoll_ctl failed with %d\n", errno);
        gort__throw("runtime: epollctl failed");
    }
}

/* gort__netpollBreak: see netpoll.c.  The eventfd's counter keeps the
 * break until a blocking netpoll reads it, so it cannot be lost even if
 * it comes before the epoll_wait starts; netpollWakeSig lets only the
 * first of many concurrent breakers write. */
void gort__netpollBreak(void)
{
    uint32_t zero = 0;
    if (!atomic_compare_exchange_strong(&netpollWakeSig, &zero, 1))
        return;
    int saved = errno;
    for (;;) {
        uint64_t one = 1;
        ssize_t n = write(breakfd, &one, sizeof one);
        if (n == (ssize_t)sizeof one || (n < 0 && errno == EAGAIN))
            break;      /* EAGAIN: the counter is full, a break is pending */
        if (n < 0 && errno == EINTR)
            continue;
        gort__printf("runtime: netpollBreak write failed with %d\n", errno);
        gort__throw("runtime: netpollBreak write failed");
    }
    errno = saved;
}

/* epollwait waits at most delay ns (delay < 0: forever).  epoll_pwait2
 * takes a timespec, so short timers are not rounded up to a millisecond;
 * kernels before 5.11 lack it, and then epoll_wait's milliseconds are
 * rounded up, as Go rounds them. */
static int epollwait(struct epoll_event *evs, int n, int64_t delay)
{
#ifdef SYS_epoll_pwait2
    if (atomic_load_explicit(&havepwait2, memory_order_relaxed)) {
        struct timespec ts, *tsp = NULL;
        if (delay >= 0) {
            ts.tv_sec = (time_t)(delay / 1000000000);
            ts.tv_nsec = (long)(delay % 1000000000);
            tsp = &ts;
        }
        int r = (int)syscall(SYS_epoll_pwait2, epfd, evs, n, tsp, NULL, (size_t)0);
        if (r >= 0 || errno != ENOSYS)
            return r;
        atomic_store_explicit(&havepwait2, 0, memory_order_relaxed);
    }
#endif
    int ms;
    if (delay < 0)
        ms = -1;
    else if (delay == 0)
        ms = 0;
    else if (delay < 1000000)
        ms = 1;
    else if (delay < (int64_t)1000000 * 0x7fffffff)
        ms = (int)((delay + 999999) / 1000000);
    else
        ms = 0x7fffffff;
    return epoll_wait(epfd, evs, n, ms);
}

void gort__netpoll(int64_t delay, gQueue *q)
{
    (void)q;    /* no descriptors can be registered yet (netpoll.c) */
    if (epfd < 0)
        return;
    int saved = errno;
    struct epoll_event evs[128];
    int n = epollwait(evs, (int)nelem(evs), delay);
    if (n < 0) {
        if (errno != EINTR) {
            gort__printf("runtime: epollwait on fd %d failed with %d\n", epfd, errno);
            gort__throw("runtime: netpoll failed");
        }
        /* Interrupted: return, the caller looks at its timers again. */
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        if (evs[i].data.ptr != &breaktag) {
            gort__printf("runtime: netpoll: event for an unknown descriptor (events %#x)\n",
                         evs[i].events);
            gort__throw("runtime: netpoll: unexpected event");
        }
        if (evs[i].events != EPOLLIN) {
            gort__printf("runtime: netpoll: break fd ready for %#x\n", evs[i].events);
            gort__throw("runtime: netpoll: break fd ready for something unexpected");
        }
        if (delay != 0) {
            /* Only a blocking poll consumes the break: a non-blocking
             * one may run while the poller blocks, and must leave the
             * break to wake it. */
            uint64_t v;
            ssize_t r = read(breakfd, &v, sizeof v);
            (void)r;
            atomic_store(&netpollWakeSig, 0);
        }
    }
    errno = saved;
}
