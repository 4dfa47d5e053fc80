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

/* An event's epoll_data is its pollDesc and the pollDesc's fdseq when it
 * was registered (Go's taggedPointer): user addresses fit in 48 bits, the
 * tag takes the low 16.  An event for an earlier use of a reused pollDesc
 * carries an old tag and is dropped.  The break fd's data is 0. */
#define BREAK_DATA ((uint64_t)0)

static uint64_t tagpd(pollDesc *pd)
{
    return (uint64_t)(uintptr_t)pd << 16 | (atomic_load(&pd->fdseq) & 0xffff);
}

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
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = BREAK_DATA};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, breakfd, &ev) < 0) {
        gort__printf("runtime: epoll_ctl failed with %d\n", errno);
        gort__throw("runtime: epollctl failed");
    }
}

int gort__netpollopen(intptr_t fd, pollDesc *pd)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u64 = tagpd(pd)};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, (int)fd, &ev) < 0)
        return errno;
    return 0;
}

void gort__netpollclose(intptr_t fd)
{
    struct epoll_event ev = {0};
    int saved = errno;
    epoll_ctl(epfd, EPOLL_CTL_DEL, (int)fd, &ev);
    errno = saved;
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
        uint32_t e = evs[i].events;
        if (evs[i].data.u64 != BREAK_DATA) {
            pollDesc *pd = (pollDesc *)(uintptr_t)(evs[i].data.u64 >> 16);
            if ((evs[i].data.u64 & 0xffff) != (atomic_load(&pd->fdseq) & 0xffff))
                continue;   /* for an earlier use of pd */
            int mode = 0;
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                mode += 'r';
            if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                mode += 'w';
            if (mode != 0) {
                /* An error alone, with no data to read: reads report it. */
                atomic_store(&pd->everr, e == EPOLLERR);
                gort__netpollready(q, pd, mode);
            }
            continue;
        }
        if (e != EPOLLIN) {
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
