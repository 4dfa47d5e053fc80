/*
 * netpoll_windows.h - the overlapped operation record that net_windows.c
 * submits and netpoll_windows.c completes.  Mirrors the head of Go's
 * internal/poll.operation (runtime's net_op); net_windows.c's opening
 * comment draws its life.
 */
#ifndef GORT_NETPOLL_WINDOWS_H
#define GORT_NETPOLL_WINDOWS_H

#include <winsock2.h>   /* before windows.h, which would bring winsock 1 */
#include <ws2tcpip.h>
#include <windows.h>

#include "netpoll.h"

/*
 * netop is one operation in flight on a socket: each netFD has two, the
 * read one (WSARecv, WSARecvFrom, AcceptEx) and the write one (WSASend,
 * WSASendTo, ConnectEx), used by one goroutine at a time (the fdMutex's
 * read and write locks, or a fresh socket's only user).
 *
 * o is the first field: the completion's lpOverlapped is the netop.  The
 * socket's completion key is its pollDesc (netpollopen), so a completion
 * names both; the poller checks that o's record belongs to that pollDesc
 * and has a mode, then stores qty and err and calls netpollready(pd,
 * mode).  Everything after err is the submitter's: it must stay put until
 * the completion has come, because the kernel writes the buffer and the
 * addresses until then.
 */
typedef struct netop {
    OVERLAPPED o;
    pollDesc *pd;               /* the socket's pollDesc: the completion key */
    int mode;                   /* 'r' or 'w': whom netpollready wakes */
    /* Written by the poller (netpoll_windows.c) before netpollready; read
     * by the submitter after its pollWait or pollWaitCanceled. */
    DWORD qty;                  /* bytes transferred */
    DWORD err;                  /* 0, or the WSA / Win32 error of the operation */
    /* The submitter's (net_windows.c). */
    WSABUF buf;
    DWORD flags;                /* WSARecv's in/out flags */
    SOCKET handle;              /* AcceptEx: the socket made in advance */
    SOCKADDR_STORAGE sa;        /* ConnectEx's, WSASendTo's or WSARecvFrom's address */
    INT salen;
    /* AcceptEx's output: local then remote address, 16 bytes more each
     * than the largest address, as AcceptEx requires. */
    char acceptbuf[2 * (sizeof(SOCKADDR_STORAGE) + 16)];
} netop;

#endif
