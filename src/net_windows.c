/*
 * net_windows.c - sockets and the netFD operations on Windows: Winsock 2,
 * overlapped I/O completed through the poller's completion port.  Mirrors
 * Go's internal/poll/fd_windows.go and net's fd_windows.go.
 *
 * Where POSIX asks "may I read?" and then reads, Windows is told "read
 * into this buffer" and says later that it has.  So every operation is
 * one netop (netpoll_windows.h) in flight, the netFD's read one or its
 * write one, and execio runs it:
 *
 *   goroutine (execio)                kernel          poller M (gort__netpoll)
 *   ------------------                ------          ------------------------
 *   pollReset(pd, mode): closed, or
 *     deadline passed? fail now
 *   WSARecv(s, &op->buf, &op->o) ---> owns op->buf
 *     0: done now, qty known; with
 *       FILE_SKIP_COMPLETION_PORT_
 *       ON_SUCCESS nothing follows:
 *       return it (without, a
 *       completion comes: wait)
 *     an error: nothing follows
 *     WSA_IO_PENDING: wait
 *   pollWait(pd, mode): parks         completes, and
 *                                     queues (key pd,
 *                                     &op->o) ------> GetQueuedCompletionStatusEx
 *                                                     op->qty, op->err =
 *                                                       WSAGetOverlappedResult
 *              readied <--------------------------- netpollready(pd, op->mode)
 *   pollWait returns pollNoError:
 *     op->qty, or op->err as errno
 *
 * Cancellation.  A deadline or a close wakes the goroutine with
 * pollErrTimeout or pollErrClosing while the operation is still the
 * kernel's, and its buffer with it.  So it cancels (CancelIoEx on its
 * own OVERLAPPED; ERROR_NOT_FOUND means it completed meanwhile) and then
 * waits, whatever the deadline or close, for the completion, which always
 * comes (gort__pollWaitCanceled): aborted (ERROR_OPERATION_ABORTED) gives
 * GORT_ETIMEOUT or GORT_ECLOSED; completed before the cancel took, it
 * reports its bytes as any success, since they have moved:
 *
 *   pollWait returns pollErrTimeout
 *     or pollErrClosing
 *   CancelIoEx(s, &op->o) ----------> aborts it (or it
 *                                     has just completed)
 *   pollWaitCanceled(pd, mode):       completion, queued
 *     parks, whatever the deadline    as any other -----> netpollready
 *              readied <---------------------------------------'
 *   op->err ERROR_OPERATION_ABORTED: GORT_ETIMEOUT or GORT_ECLOSED;
 *   0: op->qty, as a success
 *
 * No operation is ever in flight when the descriptor is closed (net.c's
 * fdMutex: the socket is closed only after the last operation has
 * returned), so no completion can come for a closed socket, a freed
 * record or a reused pollDesc.
 *
 * Accepting makes the new socket first (AcceptEx fills it, then
 * SO_UPDATE_ACCEPT_CONTEXT gives it the listener's properties, so that
 * getpeername and shutdown work on it); connecting binds to the wildcard
 * first (ConnectEx needs a bound socket), then SO_UPDATE_CONNECT_CONTEXT.
 * AcceptEx and ConnectEx are extension functions, fetched once with
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER).
 *
 * Errors: the WSA and Win32 codes become the errno values gort's API
 * promises (wsaerrno), and gort__syserrstr gives them text, which the CRT
 * (msvcrt) has only for the codes below 43.
 *
 * ConnectEx is for TCP only: a datagram socket (which connect only gives
 * a peer) and an AF_UNIX one (local and quick) connect with a plain
 * connect under the system-call hand-off, so a dial deadline does not
 * apply to them.  AF_UNIX exists on Windows 10 1803 and later
 * (afunix.h); wine 8 has none, and gort__sysSocket fails there with
 * EAFNOSUPPORT.  Wine also loses a reset that came before a read (see
 * wineeof).
 */
#include "netpoll_windows.h"    /* winsock2.h, ws2tcpip.h, windows.h */
#include <afunix.h>
#include <errno.h>
#include <mswsock.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "os.h"
#include "sockaddr.h"

/* Go's maxRW: one read or write asks for at most 1 GiB (a WSABUF's length
 * is a ULONG). */
#define MAXRW ((size_t)1 << 30)

/* fdos is a netFD's Windows state (fd->os): its two operation records. */
typedef struct fdos {
    netop rop;                  /* WSARecv, WSARecvFrom, AcceptEx */
    netop wop;                  /* WSASend, WSASendTo, ConnectEx */
    bool skipSyncNotif;         /* FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is on */
} fdos;

static int initerr;             /* WSAStartup's failure, as an errno */
static LPFN_ACCEPTEX acceptex;
static LPFN_CONNECTEX connectex;
static bool useSetFileCompletionNotificationModes;
static bool underwine;          /* see wineeof */

/* ------------------------------------------------------------------------
 * Errors.
 * ---------------------------------------------------------------------- */

/* wsaerrno turns a WSA or Win32 error into an errno; mode 'w' for a write
 * (a connection the peer has closed or reset fails a write with EPIPE, as
 * the API promises and as Linux says once the peer's reset has come). */
static int wsaerrno(DWORD e, int mode)
{
    switch (e) {
    case 0:
        return 0;
    case WSAEINTR:
        return EINTR;
    case WSAEBADF:
    case WSA_INVALID_HANDLE:    /* ERROR_INVALID_HANDLE */
        return EBADF;
    case WSAEACCES:
    case ERROR_ACCESS_DENIED:
        return EACCES;
    case WSAEFAULT:
        return EFAULT;
    case WSAEINVAL:
    case WSA_INVALID_PARAMETER: /* ERROR_INVALID_PARAMETER */
        return EINVAL;
    case WSAEMFILE:
    case ERROR_TOO_MANY_OPEN_FILES:
        return EMFILE;
    case WSAEWOULDBLOCK:
        return EAGAIN;
    case WSAEINPROGRESS:
        return EINPROGRESS;
    case WSAEALREADY:
        return EALREADY;
    case WSAENOTSOCK:
        return ENOTSOCK;
    case WSAEDESTADDRREQ:
        return EDESTADDRREQ;
    case WSAEMSGSIZE:
    case ERROR_MORE_DATA:
        return EMSGSIZE;
    case WSAEPROTOTYPE:
        return EPROTOTYPE;
    case WSAENOPROTOOPT:
        return ENOPROTOOPT;
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT:
        return EPROTONOSUPPORT;
    case WSAEOPNOTSUPP:
        return EOPNOTSUPP;
    case WSAEPFNOSUPPORT:
    case WSAEAFNOSUPPORT:
        return EAFNOSUPPORT;
    case WSAEADDRINUSE:
        return EADDRINUSE;
    case WSAEADDRNOTAVAIL:
        return EADDRNOTAVAIL;
    case WSAENETDOWN:
        return ENETDOWN;
    case WSAENETUNREACH:
    case ERROR_NETWORK_UNREACHABLE:
        return ENETUNREACH;
    case WSAENETRESET:
        return mode == 'w' ? EPIPE : ENETRESET;
    case WSAECONNABORTED:
    case ERROR_CONNECTION_ABORTED:
        return mode == 'w' ? EPIPE : ECONNABORTED;
    case WSAECONNRESET:
    case ERROR_NETNAME_DELETED:     /* the peer reset before AcceptEx or a read completed */
        return mode == 'w' ? EPIPE : ECONNRESET;
    case WSAESHUTDOWN:
    case WSAEDISCON:
        return EPIPE;
    case WSAENOBUFS:
        return ENOBUFS;
    case WSA_NOT_ENOUGH_MEMORY: /* ERROR_NOT_ENOUGH_MEMORY */
        return ENOMEM;
    case WSAEISCONN:
        return EISCONN;
    case WSAENOTCONN:
        return ENOTCONN;
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
        return ETIMEDOUT;
    case WSAECONNREFUSED:
    case ERROR_CONNECTION_REFUSED:
        return ECONNREFUSED;
    case WSAEHOSTUNREACH:
    case WSAEHOSTDOWN:
    case ERROR_HOST_UNREACHABLE:
        return EHOSTUNREACH;
    case WSAENAMETOOLONG:
        return ENAMETOOLONG;
    case WSAELOOP:
        return ELOOP;
    case ERROR_OPERATION_ABORTED:
        return ECANCELED;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return ENOENT;
    default:
        return EIO;
    }
}

/* fail sets goerrno from the calling thread's last WSA error and returns
 * -1.  Only right after the failed call: the last error is the thread's,
 * and a goroutine that parks may come back on another thread. */
static int fail(int mode)
{
    goerrno = wsaerrno((DWORD)WSAGetLastError(), mode);
    return -1;
}

/* gort__syserrstr: the CRT's strerror knows only the codes below 43;
 * mingw's errno.h adds POSIX's socket codes above 100, whose text is
 * here, as glibc words it. */
const char *gort__syserrstr(int err)
{
    switch (err) {
    case EADDRINUSE: return "Address already in use";
    case EADDRNOTAVAIL: return "Cannot assign requested address";
    case EAFNOSUPPORT: return "Address family not supported by protocol";
    case EALREADY: return "Operation already in progress";
    case ECANCELED: return "Operation canceled";
    case ECONNABORTED: return "Software caused connection abort";
    case ECONNREFUSED: return "Connection refused";
    case ECONNRESET: return "Connection reset by peer";
    case EDESTADDRREQ: return "Destination address required";
    case EHOSTUNREACH: return "No route to host";
    case EINPROGRESS: return "Operation now in progress";
    case EISCONN: return "Transport endpoint is already connected";
    case ELOOP: return "Too many levels of symbolic links";
    case EMSGSIZE: return "Message too long";
    case ENETDOWN: return "Network is down";
    case ENETRESET: return "Network dropped connection on reset";
    case ENETUNREACH: return "Network is unreachable";
    case ENOBUFS: return "No buffer space available";
    case ENOPROTOOPT: return "Protocol not available";
    case ENOTCONN: return "Transport endpoint is not connected";
    case ENOTSOCK: return "Socket operation on non-socket";
    case ENOTSUP: return "Operation not supported";
    case EOPNOTSUPP: return "Operation not supported";
    case EPROTONOSUPPORT: return "Protocol not supported";
    case EPROTOTYPE: return "Protocol wrong type for socket";
    case ETIMEDOUT: return "Connection timed out";
    case EWOULDBLOCK: return "Resource temporarily unavailable";
    default: return strerror(err);
    }
}

/* ------------------------------------------------------------------------
 * Start-up.
 * ---------------------------------------------------------------------- */

/* loadext fetches one extension function through a socket of s. */
static void *loadext(SOCKET s, GUID guid)
{
    void *fn = NULL;
    DWORD n = 0;
    if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, &fn, sizeof fn, &n,
                 NULL, NULL) != 0)
        return NULL;
    return fn;
}

/* checkSetFileCompletionNotificationModes is Go's: skipping the
 * completion of an operation that succeeds at once is safe only if every
 * TCP provider hands out real kernel handles (no layered provider that
 * would still post one; Microsoft KB 2568167). */
static bool checkSetFileCompletionNotificationModes(void)
{
    INT protos[2] = {IPPROTO_TCP, 0};
    WSAPROTOCOL_INFOW buf[32];
    DWORD len = sizeof buf;
    int n = WSAEnumProtocolsW(protos, buf, &len);
    if (n == SOCKET_ERROR)
        return false;
    for (int i = 0; i < n; i++) {
        if ((buf[i].dwServiceFlags1 & XP1_IFS_HANDLES) == 0)
            return false;
    }
    return true;
}

void gort__netinit(void)
{
    WSADATA d;
    int r = WSAStartup(MAKEWORD(2, 2), &d);
    if (r != 0) {
        initerr = wsaerrno((DWORD)r, 0);
        return;
    }
    /* AcceptEx and ConnectEx belong to the TCP provider: fetch them once
     * through a socket of it, as Go's syscall package does. */
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    if (s != INVALID_SOCKET) {
        acceptex = (LPFN_ACCEPTEX)loadext(s, (GUID)WSAID_ACCEPTEX);
        connectex = (LPFN_CONNECTEX)loadext(s, (GUID)WSAID_CONNECTEX);
        closesocket(s);
    }
    useSetFileCompletionNotificationModes = checkSetFileCompletionNotificationModes();
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    underwine = ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* ------------------------------------------------------------------------
 * Addresses.
 * ---------------------------------------------------------------------- */

int gort__netresolve(const char *host, int family, netaddr *out, int max, const char **msg)
{
    ADDRINFOA hints = {0}, *res = NULL;
    hints.ai_family = family == NET_INET ? AF_INET : family == NET_INET6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    /* getaddrinfo may read files and ask DNS servers: hand the P off, as
     * Go's resolver on Windows runs as a system call. */
    gort_entersyscall();
    int r = getaddrinfo(host, NULL, &hints, &res);
    gort_exitsyscall();
    if (r != 0) {
        /* Go's texts; gai_strerror on Windows formats into a static
         * buffer, which two goroutines could share. */
        switch (r) {
        case EAI_NONAME:
        case EAI_NODATA:
        case EAI_FAIL:
            *msg = "no such host";
            break;
        case EAI_AGAIN:
            *msg = "temporary failure in name resolution";
            break;
        case EAI_MEMORY:
            *msg = "out of memory";
            break;
        default:
            *msg = "server misbehaving";
            break;
        }
        goerrno = GORT_EADDR;
        return -1;
    }
    int n = 0;
    for (ADDRINFOA *ai = res; ai && n < max; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        fromsockaddr((SOCKADDR_STORAGE *)ai->ai_addr, (int)ai->ai_addrlen, &out[n++]);
    }
    freeaddrinfo(res);
    if (n == 0) {
        *msg = "no suitable address found";
        goerrno = GORT_EADDR;
        return -1;
    }
    return n;
}

/* ------------------------------------------------------------------------
 * Sockets.
 * ---------------------------------------------------------------------- */

intptr_t gort__sysSocket(int family, int sotype)
{
    if (initerr != 0) {
        goerrno = initerr;
        return -1;
    }
    int af = afof(family), type = sotype == NET_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
    /* Overlapped (the completion port needs it) and not inherited by
     * child processes (Go's sysSocket; WSA_FLAG_NO_HANDLE_INHERIT is
     * Windows 7 SP1's: without it, clear the flag after). */
    SOCKET s = WSASocketW(af, type, 0, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
        s = WSASocketW(af, type, 0, NULL, 0, WSA_FLAG_OVERLAPPED);
        if (s != INVALID_SOCKET)
            SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    }
    if (s == INVALID_SOCKET)
        return fail(0);
    if (family == NET_INET6) {
        DWORD zero = 0;     /* dual stack, as Go's sockets */
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&zero, sizeof zero);
    }
    if (family != NET_UNIX && sotype == NET_STREAM) {
        BOOL one = TRUE;    /* Go sets TCP_NODELAY on every TCP connection */
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    }
    return (intptr_t)s;
}

int gort__sysBind(intptr_t s, const netaddr *a)
{
    SOCKADDR_STORAGE ss;
    int len = tosockaddr(a, &ss);
    if (bind((SOCKET)s, (struct sockaddr *)&ss, len) != 0)
        return fail(0);
    return 0;
}

int gort__sysListen(intptr_t s, int backlog)
{
    if (listen((SOCKET)s, backlog) != 0)
        return fail(0);
    return 0;
}

/* gort__sysReuseAddr does nothing, as Go on Windows: Windows reuses a
 * recently used address by default, and its SO_REUSEADDR would let a
 * socket bind to a port that another socket is listening on. */
int gort__sysReuseAddr(intptr_t s)
{
    (void)s;
    return 0;
}

int gort__sysLocalAddr(intptr_t s, int family, netaddr *a)
{
    (void)family;
    SOCKADDR_STORAGE ss;
    int len = sizeof ss;
    if (getsockname((SOCKET)s, (struct sockaddr *)&ss, &len) != 0)
        return fail(0);
    fromsockaddr(&ss, len, a);
    return 0;
}

int gort__sysPeerAddr(intptr_t s, int family, netaddr *a)
{
    (void)family;
    SOCKADDR_STORAGE ss;
    int len = sizeof ss;
    if (getpeername((SOCKET)s, (struct sockaddr *)&ss, &len) != 0)
        return fail(0);
    fromsockaddr(&ss, len, a);
    return 0;
}

int gort__sysClose(intptr_t s)
{
    if (closesocket((SOCKET)s) != 0)
        return fail(0);
    return 0;
}

int gort__sysUnlink(const char *path)
{
    if (!DeleteFileA(path)) {
        goerrno = wsaerrno(GetLastError(), 0);
        return -1;
    }
    return 0;
}

/* gort__sysListenBacklog: SOMAXCONN, which Windows reads as "the most
 * the provider allows", as Go's maxListenerBacklog on Windows. */
int gort__sysListenBacklog(void)
{
    return SOMAXCONN;
}

/* ------------------------------------------------------------------------
 * Operations: submit, wait for the completion, cancel.
 * ---------------------------------------------------------------------- */

int gort__netfd_init(netFD *fd)
{
    fdos *os = calloc(1, sizeof *os);
    if (os == NULL) {
        goerrno = ENOMEM;
        return -1;
    }
    fd->pd = gort__pollOpen(fd->sysfd);
    if (fd->pd == NULL) {
        int e = goerrno;
        free(os);
        goerrno = e;
        return -1;
    }
    /* No event to set: nobody waits on the handle, only on the port.  An
     * operation that succeeds at once queues no completion, for TCP only
     * (Go: for datagrams the skip is not safe). */
    if (useSetFileCompletionNotificationModes) {
        UCHAR flags = FILE_SKIP_SET_EVENT_ON_HANDLE;
        if (fd->sotype == NET_STREAM && (fd->family == NET_INET || fd->family == NET_INET6))
            flags |= FILE_SKIP_COMPLETION_PORT_ON_SUCCESS;
        if (SetFileCompletionNotificationModes((HANDLE)fd->sysfd, flags) &&
            (flags & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS))
            os->skipSyncNotif = true;
    }
    /* A datagram socket would fail its next receive with WSAECONNRESET
     * after an ICMP port-unreachable for something it sent: off, as Go
     * does (Microsoft KB 263823). */
    if (fd->sotype == NET_DGRAM) {
        BOOL off = FALSE;
        DWORD ret = 0;
        WSAIoctl((SOCKET)fd->sysfd, SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &ret, NULL, NULL);
    }
    os->rop.pd = os->wop.pd = fd->pd;
    os->rop.mode = 'r';
    os->wop.mode = 'w';
    fd->os = os;
    return 0;
}

void gort__netfd_destroy(netFD *fd)
{
    gort__pollClose(fd->pd);
    fd->pd = NULL;
    int saved = goerrno;
    closesocket((SOCKET)fd->sysfd);
    goerrno = saved;
    free(fd->os);
    fd->os = NULL;
}

/* A submit function starts op on fd's socket and returns 0 (done at once,
 * *qty bytes), WSA_IO_PENDING, or the error; it reads the last error
 * before anything else can change it. */
typedef DWORD (*submitfn)(netFD *fd, netop *op, DWORD *qty);

static bool prepare(netFD *fd, int mode)
{
    int e = gort__pollReset(fd->pd, mode);
    if (e == pollNoError)
        return true;
    goerrno = gort__pollerrno(e);
    return false;
}

/* execio runs one operation (Go's execIO; the picture at the top of the
 * file): 0 with op->qty the bytes transferred, or -1 with goerrno set
 * (and op->err the system's code, unless the close or deadline said). */
static int execio(netFD *fd, netop *op, submitfn submit)
{
    fdos *os = fd->os;
    if (!prepare(fd, op->mode))
        return -1;
    memset(&op->o, 0, sizeof op->o);
    op->qty = 0;
    op->err = 0;
    DWORD qty = 0;
    DWORD err = submit(fd, op, &qty);
    if (err == 0) {
        if (os->skipSyncNotif) {
            op->qty = qty;
            return 0;
        }
        /* Done, but its completion is queued anyway: wait for it, so
         * that it cannot come during the next operation on op. */
    } else if (err != WSA_IO_PENDING) {
        op->err = err;
        goerrno = wsaerrno(err, op->mode);
        return -1;
    }
    int e = gort__pollWait(fd->pd, op->mode);
    if (e == pollNoError) {
        if (op->err != 0) {
            goerrno = wsaerrno(op->err, op->mode);
            return -1;
        }
        return 0;
    }
    if (e != pollErrClosing && e != pollErrTimeout) {
        gort__printf("runtime: netpoll: unexpected pollWait result %d\n", e);
        gort__throw("unexpected runtime.netpoll error");
    }
    /* Interrupted by a close or a deadline: cancel, and wait for the
     * completion, which comes either way; until then the kernel may
     * still write op's buffer. */
    if (!CancelIoEx((HANDLE)fd->sysfd, &op->o)) {
        DWORD ce = GetLastError();
        if (ce != ERROR_NOT_FOUND) {    /* not found: it has completed */
            gort__printf("runtime: CancelIoEx failed (errno=%lu)\n", ce);
            gort__throw("runtime: CancelIoEx failed");
        }
    }
    gort__pollWaitCanceled(fd->pd, op->mode);
    if (op->err == ERROR_OPERATION_ABORTED) {
        op->err = 0;
        goerrno = gort__pollerrno(e);
        return -1;
    }
    if (op->err != 0) {
        goerrno = wsaerrno(op->err, op->mode);
        return -1;
    }
    /* It completed before the cancel took: the bytes have moved, so
     * report them. */
    return 0;
}

static DWORD lasterr(void)
{
    return (DWORD)WSAGetLastError();
}

static DWORD submitrecv(netFD *fd, netop *op, DWORD *qty)
{
    op->flags = 0;
    if (WSARecv((SOCKET)fd->sysfd, &op->buf, 1, qty, &op->flags, &op->o, NULL) == 0)
        return 0;
    return lasterr();
}

static DWORD submitsend(netFD *fd, netop *op, DWORD *qty)
{
    if (WSASend((SOCKET)fd->sysfd, &op->buf, 1, qty, 0, &op->o, NULL) == 0)
        return 0;
    return lasterr();
}

static DWORD submitrecvfrom(netFD *fd, netop *op, DWORD *qty)
{
    op->flags = 0;
    op->salen = sizeof op->sa;
    if (WSARecvFrom((SOCKET)fd->sysfd, &op->buf, 1, qty, &op->flags, (struct sockaddr *)&op->sa,
                    &op->salen, &op->o, NULL) == 0)
        return 0;
    return lasterr();
}

static DWORD submitsendto(netFD *fd, netop *op, DWORD *qty)
{
    if (WSASendTo((SOCKET)fd->sysfd, &op->buf, 1, qty, 0, (struct sockaddr *)&op->sa, op->salen,
                  &op->o, NULL) == 0)
        return 0;
    return lasterr();
}

static DWORD submitaccept(netFD *fd, netop *op, DWORD *qty)
{
    DWORD alen = sizeof(SOCKADDR_STORAGE) + 16;
    if (acceptex((SOCKET)fd->sysfd, op->handle, op->acceptbuf, 0, alen, alen, qty, &op->o))
        return 0;
    return lasterr();
}

static DWORD submitconnect(netFD *fd, netop *op, DWORD *qty)
{
    (void)qty;
    if (connectex((SOCKET)fd->sysfd, (struct sockaddr *)&op->sa, op->salen, NULL, 0, NULL, &op->o))
        return 0;
    return lasterr();
}

/* ------------------------------------------------------------------------
 * The netFD operations.
 * ---------------------------------------------------------------------- */

static netop *rop(netFD *fd)
{
    return &((fdos *)fd->os)->rop;
}

static netop *wop(netFD *fd)
{
    return &((fdos *)fd->os)->wop;
}

/*
 * wineeof tells, under wine only, an end of stream from a reset that came
 * before the read.  Windows fails such a read with WSAECONNRESET, and so
 * does wine when the read was already pending; but when the reset is
 * already there, wine 8's server has consumed the Linux socket's error
 * and the read reports 0 bytes.  A zero-byte send, which moves nothing,
 * tells them apart: after a reset it fails with WSAECONNRESET; after the
 * peer's FIN it succeeds; after our own shutdown it fails with
 * WSAESHUTDOWN.  It is a plain, non-overlapped call: it queues no
 * completion, and with nothing to send it cannot block.
 */
/* truncated: a datagram longer than the buffer, which it filled.  POSIX
 * cuts it silently; so does gort on Windows, which reports WSAEMSGSIZE. */
static bool truncated(netop *op)
{
    return op->err == WSAEMSGSIZE || op->err == ERROR_MORE_DATA;
}

static bool wineeof(netFD *fd)
{
    if (send((SOCKET)fd->sysfd, NULL, 0, 0) == 0)
        return false;
    DWORD e = lasterr();
    return e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAENETRESET;
}

ssize_t gort__netfd_read(netFD *fd, void *buf, size_t n)
{
    if (n == 0 && fd->sotype == NET_STREAM)
        return prepare(fd, 'r') ? 0 : -1;  /* as Go: a zero-byte read returns at once */
    if (n > MAXRW)
        n = MAXRW;
    netop *op = rop(fd);
    op->buf.buf = buf;
    op->buf.len = (ULONG)n;
    if (execio(fd, op, submitrecv) < 0) {
        /* Reading after our own shutdown of reading: EOF, as on POSIX. */
        if (op->err == WSAESHUTDOWN)
            return 0;
        if (truncated(op))
            return (ssize_t)n;
        return -1;
    }
    if (op->qty == 0 && fd->sotype == NET_STREAM && underwine && wineeof(fd)) {
        goerrno = ECONNRESET;
        return -1;
    }
    return (ssize_t)op->qty;
}

ssize_t gort__netfd_write(netFD *fd, const void *buf, size_t n, size_t *done)
{
    *done = 0;
    if (!prepare(fd, 'w'))
        return -1;
    netop *op = wop(fd);
    if (n == 0 && fd->sotype == NET_DGRAM) {
        /* An empty datagram is one, as on POSIX: send it. */
        op->buf.buf = (char *)buf;
        op->buf.len = 0;
        return execio(fd, op, submitsend) < 0 ? -1 : 0;
    }
    size_t nn = 0;
    while (nn < n) {
        size_t max = n - nn;
        if (max > MAXRW)
            max = MAXRW;
        op->buf.buf = (char *)buf + nn;
        op->buf.len = (ULONG)max;
        if (execio(fd, op, submitsend) < 0)
            return -1;
        if (op->qty == 0) {
            goerrno = EIO;      /* Go's io.ErrUnexpectedEOF */
            return -1;
        }
        nn += op->qty;
        *done = nn;
    }
    return (ssize_t)nn;
}

ssize_t gort__netfd_readfrom(netFD *fd, void *buf, size_t n, netaddr *from)
{
    if (n > MAXRW)
        n = MAXRW;
    netop *op = rop(fd);
    op->buf.buf = buf;
    op->buf.len = (ULONG)n;
    if (execio(fd, op, submitrecvfrom) < 0) {
        if (!truncated(op))
            return -1;
        op->qty = (DWORD)n;
    }
    fromsockaddr(&op->sa, op->salen, from);
    return (ssize_t)op->qty;
}

ssize_t gort__netfd_writeto(netFD *fd, const void *buf, size_t n, const netaddr *to)
{
    if (n > MAXRW) {
        goerrno = EMSGSIZE;
        return -1;
    }
    netop *op = wop(fd);
    op->buf.buf = (char *)buf;
    op->buf.len = (ULONG)n;
    op->salen = tosockaddr(to, &op->sa);
    if (execio(fd, op, submitsendto) < 0)
        return -1;
    return (ssize_t)op->qty;
}

intptr_t gort__netfd_accept(netFD *fd, netaddr *ra)
{
    if (acceptex == NULL) {
        goerrno = EOPNOTSUPP;
        return -1;
    }
    netop *op = rop(fd);
    for (;;) {
        intptr_t s = gort__sysSocket(fd->family, fd->sotype);
        if (s == -1)
            return -1;
        op->handle = (SOCKET)s;
        if (execio(fd, op, submitaccept) < 0) {
            int e = goerrno;
            closesocket((SOCKET)s);
            /* The peer reset before AcceptEx completed: that is about
             * that connection, not the listener; take the next (Go). */
            if (e == ECONNRESET)
                continue;
            goerrno = e;
            return -1;
        }
        /* The new socket takes the listener's properties: without it
         * getpeername, getsockname and shutdown fail on it. */
        SOCKET l = (SOCKET)fd->sysfd;
        if (setsockopt((SOCKET)s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (const char *)&l, sizeof l) != 0) {
            fail(0);
            int e = goerrno;
            closesocket((SOCKET)s);
            goerrno = e;
            return -1;
        }
        if (gort__sysPeerAddr(s, fd->family, ra) < 0)
            memset(ra, 0, sizeof *ra), ra->family = fd->family;
        if (fd->family != NET_UNIX) {
            BOOL one = TRUE;
            setsockopt((SOCKET)s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
        }
        return s;
    }
}

/* connectplain: ConnectEx is for TCP only (Go's canUseConnectEx).  A
 * datagram socket's connect only sets its peer; an AF_UNIX one is local
 * and quick.  Both are made blocking, under the system-call hand-off. */
static int connectplain(netFD *fd, const netaddr *a)
{
    if (!prepare(fd, 'w'))
        return -1;
    SOCKADDR_STORAGE ss;
    int len = tosockaddr(a, &ss);
    gort_entersyscall();
    int r = connect((SOCKET)fd->sysfd, (struct sockaddr *)&ss, len);
    DWORD e = r != 0 ? lasterr() : 0;
    gort_exitsyscall();
    if (r != 0) {
        goerrno = wsaerrno(e, 0);
        return -1;
    }
    return 0;
}

int gort__netfd_connect(netFD *fd, const netaddr *a)
{
    if (a->family == NET_UNIX || fd->sotype != NET_STREAM)
        return connectplain(fd, a);
    if (connectex == NULL) {
        goerrno = EOPNOTSUPP;
        return -1;
    }
    /* ConnectEx wants a bound socket: the wildcard of the family. */
    netaddr any = {.family = a->family};
    if (gort__sysBind(fd->sysfd, &any) < 0)
        return -1;
    netop *op = wop(fd);
    op->salen = tosockaddr(a, &op->sa);
    if (execio(fd, op, submitconnect) < 0)
        return -1;
    /* Without it getpeername, getsockname and shutdown fail. */
    if (setsockopt((SOCKET)fd->sysfd, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, NULL, 0) != 0)
        return fail(0);
    return 0;
}

int gort__netfd_shutdown(netFD *fd, bool read, bool write)
{
    int how = read && write ? SD_BOTH : read ? SD_RECEIVE : SD_SEND;
    if (shutdown((SOCKET)fd->sysfd, how) != 0)
        return fail(0);
    return 0;
}

/*
 * gort__netfd_fromfd (gort_fd_conn): on Windows the int is a SOCKET, such
 * as gort_conn_fd returns (socket handles fit in 32 bits), made with
 * socket() or with WSASocket and WSA_FLAG_OVERLAPPED, and on no other
 * completion port.  A CRT descriptor (_open, _pipe) is not one: its
 * handle cannot take part in overlapped socket I/O, and it fails with
 * ENOTSOCK, as does anything else that is not a socket.
 */
int gort__netfd_fromfd(netFD *fd, int sysfd)
{
    memset(fd, 0, sizeof *fd);
    if (initerr != 0) {
        goerrno = initerr;
        return -1;
    }
    if (sysfd < 0) {
        goerrno = EBADF;
        return -1;
    }
    SOCKET s = (SOCKET)(unsigned)sysfd;
    WSAPROTOCOL_INFOW info;
    int len = sizeof info;
    if (getsockopt(s, SOL_SOCKET, SO_PROTOCOL_INFOW, (char *)&info, &len) != 0)
        return fail(0);     /* WSAENOTSOCK: ENOTSOCK */
    fd->sysfd = (intptr_t)s;
    fd->family = info.iAddressFamily == AF_INET    ? NET_INET
                 : info.iAddressFamily == AF_INET6 ? NET_INET6
                 : info.iAddressFamily == AF_UNIX  ? NET_UNIX
                                                   : 0;
    fd->sotype = info.iSocketType == SOCK_DGRAM ? NET_DGRAM : NET_STREAM;
    fd->zeroReadIsEOF = fd->sotype == NET_STREAM;
    return gort__netfd_init(fd);
}
