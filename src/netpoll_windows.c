/*
 * netpoll_windows.c - the poller on Windows: one I/O completion port,
 * broken by a posted completion.  Mirrors Go's runtime/netpoll_windows.go.
 */
#include <windows.h>

#include "netpoll.h"

static HANDLE iocphandle = INVALID_HANDLE_VALUE;
static _Atomic uint32_t netpollWakeSig; /* a break is pending: drop others */

/* The completion key of a break: no descriptor's key can equal it. */
#define BREAK_KEY ((ULONG_PTR)-1)

void gort__netpollinit(void)
{
    iocphandle = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    if (iocphandle == NULL) {
        gort__printf("runtime: CreateIoCompletionPort failed (errno=%lu)\n", GetLastError());
        gort__throw("runtime: netpollinit failed");
    }
}

/* gort__netpollopen associates the socket with the port: its completions
 * come with pd as the key. */
int gort__netpollopen(intptr_t fd, pollDesc *pd)
{
    if (CreateIoCompletionPort((HANDLE)fd, iocphandle, (ULONG_PTR)pd, 0) == NULL)
        return (int)GetLastError();
    return 0;
}

/* gort__netpollclose: a handle leaves its port when it is closed. */
void gort__netpollclose(intptr_t fd)
{
    (void)fd;
}

/* gort__netpollBreak: see netpoll.c.  A posted completion waits in the
 * port until some wait dequeues it, so it cannot be lost; netpollWakeSig
 * keeps the port from filling with breaks. */
void gort__netpollBreak(void)
{
    uint32_t zero = 0;
    if (!atomic_compare_exchange_strong(&netpollWakeSig, &zero, 1))
        return;
    DWORD saved = GetLastError();
    if (!PostQueuedCompletionStatus(iocphandle, 0, BREAK_KEY, NULL)) {
        gort__printf("runtime: netpoll: PostQueuedCompletionStatus failed (errno=%lu)\n",
                     GetLastError());
        gort__throw("runtime: netpoll: PostQueuedCompletionStatus failed");
    }
    SetLastError(saved);
}

void gort__netpoll(int64_t delay, gQueue *q)
{
    (void)q;    /* no descriptors can be registered yet (netpoll.c) */
    if (iocphandle == INVALID_HANDLE_VALUE)
        return;
    DWORD wait;
    if (delay < 0)
        wait = INFINITE;
    else if (delay == 0)
        wait = 0;
    else if (delay < 1000000)
        wait = 1;
    else if (delay < (int64_t)1000000 * 1000000000)
        wait = (DWORD)((delay + 999999) / 1000000);
    else
        wait = 1000000000;   /* about 11 days: the caller polls again */
    DWORD saved = GetLastError();
    OVERLAPPED_ENTRY entries[64];
    ULONG n = 0;
    if (!GetQueuedCompletionStatusEx(iocphandle, entries, (ULONG)nelem(entries), &n, wait, FALSE)) {
        DWORD e = GetLastError();
        if (e != WAIT_TIMEOUT) {
            gort__printf("runtime: GetQueuedCompletionStatusEx failed (errno=%lu)\n", e);
            gort__throw("runtime: netpoll failed");
        }
        n = 0;
    }
    for (ULONG i = 0; i < n; i++) {
        if (entries[i].lpCompletionKey != BREAK_KEY || entries[i].lpOverlapped != NULL) {
            gort__printf("runtime: netpoll: completion for an unknown descriptor (key %#llx)\n",
                         (unsigned long long)entries[i].lpCompletionKey);
            gort__throw("runtime: netpoll: unexpected completion");
        }
        /* A dequeued break is gone from the port, whatever the delay.
         * A non-blocking poll may have taken the break meant for a
         * blocked poller: pass it on. */
        atomic_store(&netpollWakeSig, 0);
        if (delay == 0)
            gort__netpollBreak();
    }
    SetLastError(saved);
}
