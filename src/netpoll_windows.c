/*
 * netpoll_windows.c - the poller on Windows: one I/O completion port that
 * every socket is associated with, broken by a posted completion.  Mirrors
 * Go's runtime/netpoll_windows.go; net_windows.c submits the operations
 * whose completions come here (netpoll_windows.h, the record they share).
 */
#include <errno.h>

#include "netpoll_windows.h"

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
 * come with pd as the key.  A handle is associated once for its life: a
 * socket already on a port, this one or another, fails with
 * ERROR_INVALID_PARAMETER (EINVAL). */
int gort__netpollopen(intptr_t fd, pollDesc *pd)
{
    DWORD saved = GetLastError();
    if (CreateIoCompletionPort((HANDLE)fd, iocphandle, (ULONG_PTR)pd, 0) == NULL) {
        DWORD e = GetLastError();
        SetLastError(saved);
        return e == ERROR_INVALID_HANDLE ? EBADF : e == ERROR_NOT_ENOUGH_MEMORY ? ENOMEM : EINVAL;
    }
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

/* handlecompletion: entry is the completion of one of net_windows.c's
 * operations (Go's handlecompletion).  Its result goes into the record,
 * and netpollready wakes the goroutine that waits for it (or leaves
 * PD_READY for it to find). */
static void handlecompletion(gQueue *q, OVERLAPPED_ENTRY *entry)
{
    pollDesc *pd = (pollDesc *)entry->lpCompletionKey;
    netop *op = (netop *)entry->lpOverlapped;   /* o is its first field */
    if (pd == NULL || op->pd != pd || (op->mode != 'r' && op->mode != 'w')) {
        gort__printf("runtime: netpoll: completion for an unknown operation (key %#llx, overlapped %p)\n",
                     (unsigned long long)entry->lpCompletionKey, (void *)entry->lpOverlapped);
        gort__throw("runtime: netpoll: unexpected completion");
    }
    /* WSAGetOverlappedResult turns the completion's NTSTATUS into the
     * WSA error the same call would have returned, as Go's netpoll does;
     * the operation is complete, so it does not wait. */
    DWORD qty = 0, flags = 0, err = 0;
    if (!WSAGetOverlappedResult((SOCKET)pd->fd, &op->o, &qty, FALSE, &flags))
        err = (DWORD)WSAGetLastError();
    op->qty = qty;
    op->err = err;
    /* The CAS in netpollready publishes qty and err to the waiter. */
    gort__netpollready(q, pd, op->mode);
}

void gort__netpoll(int64_t delay, gQueue *q)
{
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
        if (entries[i].lpOverlapped != NULL) {
            handlecompletion(q, &entries[i]);
            continue;
        }
        if (entries[i].lpCompletionKey != BREAK_KEY) {
            gort__printf("runtime: netpoll: completion without an operation (key %#llx)\n",
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
