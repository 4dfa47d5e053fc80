/*
 * net_unix.c - sockets and the netFD operations on POSIX systems (Linux
 * here).  Mirrors Go's internal/poll/fd_unix.go and net's sock_posix.go:
 * every descriptor is non-blocking; an operation that would block waits
 * in pollWait and tries again.
 */
#define _GNU_SOURCE     /* accept4, EAI_NODATA */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net.h"
#include "os.h"
#include "sockaddr.h"

/* Go's maxRW: one read or write asks for at most 1 GiB. */
#define MAXRW ((size_t)1 << 30)

void gort__netinit(void)
{
    /* A write to a peer that has gone fails with EPIPE instead of
     * killing the program, as in Go. */
    signal(SIGPIPE, SIG_IGN);
}

const char *gort__syserrstr(int err)
{
    return strerror(err);
}

/* ------------------------------------------------------------------------
 * Addresses.
 * ---------------------------------------------------------------------- */

int gort__netresolve(const char *host, int family, netaddr *out, int max, const char **msg)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = family == NET_INET ? AF_INET : family == NET_INET6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    /* getaddrinfo may read files and ask DNS servers: hand the P off, as
     * Go's cgo resolver runs as a system call. */
    gort_entersyscall();
    int r = getaddrinfo(host, NULL, &hints, &res);
    gort_exitsyscall();
    if (r != 0) {
        *msg = r == EAI_NONAME || r == EAI_NODATA || r == EAI_FAIL ? "no such host" : gai_strerror(r);
        return -1;
    }
    int n = 0;
    for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        fromsockaddr((struct sockaddr_storage *)ai->ai_addr, ai->ai_addrlen, &out[n++]);
    }
    freeaddrinfo(res);
    if (n == 0) {
        *msg = "no suitable address found";
        return -1;
    }
    return n;
}

/* ------------------------------------------------------------------------
 * Sockets.
 * ---------------------------------------------------------------------- */

intptr_t gort__sysSocket(int family, int sotype)
{
    int type = (sotype == NET_DGRAM ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
    int s = socket(afof(family), type, 0);
    if (s < 0)
        return -1;
    if (family == NET_INET6) {
        int zero = 0;   /* dual stack, as Go's sockets */
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (family != NET_UNIX && sotype == NET_STREAM) {
        int one = 1;    /* Go sets TCP_NODELAY on every TCP connection */
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return s;
}

int gort__sysBind(intptr_t s, const netaddr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = tosockaddr(a, &ss);
    return bind((int)s, (struct sockaddr *)&ss, len);
}

int gort__sysListen(intptr_t s, int backlog)
{
    return listen((int)s, backlog);
}

int gort__sysReuseAddr(intptr_t s)
{
    int one = 1;
    return setsockopt((int)s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

int gort__sysLocalAddr(intptr_t s, int family, netaddr *a)
{
    (void)family;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname((int)s, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    fromsockaddr(&ss, len, a);
    return 0;
}

int gort__sysPeerAddr(intptr_t s, int family, netaddr *a)
{
    (void)family;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername((int)s, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    fromsockaddr(&ss, len, a);
    return 0;
}

int gort__sysClose(intptr_t s)
{
    return close((int)s);
}

int gort__sysUnlink(const char *path)
{
    return unlink(path);
}

/* gort__sysListenBacklog is the kernel's limit, as Go's maxListenerBacklog. */
int gort__sysListenBacklog(void)
{
    static int backlog;
    if (backlog == 0) {
        int n = 0;
        FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
        if (f) {
            if (fscanf(f, "%d", &n) != 1)
                n = 0;
            fclose(f);
        }
        if (n <= 0)
            n = SOMAXCONN;
        if (n > 65535)
            n = 65535;
        backlog = n;
    }
    return backlog;
}

/* ------------------------------------------------------------------------
 * The netFD operations.
 * ---------------------------------------------------------------------- */

int gort__netfd_init(netFD *fd)
{
    fd->pd = gort__pollOpen(fd->sysfd);
    return fd->pd ? 0 : -1;
}

void gort__netfd_destroy(netFD *fd)
{
    gort__pollClose(fd->pd);
    fd->pd = NULL;
    int saved = goerrno;
    close((int)fd->sysfd);
    goerrno = saved;
}

/* waitfor parks until fd is ready for mode; false with goerrno set when it
 * is closed or its deadline passed. */
static bool waitfor(netFD *fd, int mode)
{
    int e = gort__pollWait(fd->pd, mode);
    if (e == pollNoError)
        return true;
    goerrno = gort__pollerrno(e);
    return false;
}

static bool prepare(netFD *fd, int mode)
{
    int e = gort__pollReset(fd->pd, mode);
    if (e == pollNoError)
        return true;
    goerrno = gort__pollerrno(e);
    return false;
}

ssize_t gort__netfd_read(netFD *fd, void *buf, size_t n)
{
    if (!prepare(fd, 'r'))
        return -1;
    if (n == 0 && fd->sotype == NET_STREAM)
        return 0;   /* as Go: a zero-byte read returns at once */
    if (n > MAXRW)
        n = MAXRW;
    for (;;) {
        ssize_t r = read((int)fd->sysfd, buf, n);
        if (r >= 0)
            return r;
        if (goerrno == EINTR)
            continue;
        if (goerrno == EAGAIN) {
            if (waitfor(fd, 'r'))
                continue;
        }
        return -1;
    }
}

ssize_t gort__netfd_write(netFD *fd, const void *buf, size_t n, size_t *done)
{
    if (!prepare(fd, 'w'))
        return -1;
    size_t nn = 0;
    for (;;) {
        size_t max = n - nn;
        if (max > MAXRW)
            max = MAXRW;
        ssize_t r = max > 0 || n == 0 ? write((int)fd->sysfd, (const char *)buf + nn, max) : 0;
        if (r > 0)
            nn += (size_t)r;
        *done = nn;
        if (nn == n)
            return (ssize_t)nn;
        if (r < 0 && goerrno == EINTR)
            continue;
        if (r < 0 && goerrno == EAGAIN) {
            if (waitfor(fd, 'w'))
                continue;
            return -1;
        }
        if (r < 0)
            return -1;
        if (r == 0) {
            goerrno = EIO;    /* Go's io.ErrUnexpectedEOF */
            return -1;
        }
    }
}

ssize_t gort__netfd_readfrom(netFD *fd, void *buf, size_t n, netaddr *from)
{
    if (!prepare(fd, 'r'))
        return -1;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        ssize_t r = recvfrom((int)fd->sysfd, buf, n, 0, (struct sockaddr *)&ss, &len);
        if (r >= 0) {
            fromsockaddr(&ss, len, from);
            return r;
        }
        if (goerrno == EINTR)
            continue;
        if (goerrno == EAGAIN && waitfor(fd, 'r'))
            continue;
        return -1;
    }
}

ssize_t gort__netfd_writeto(netFD *fd, const void *buf, size_t n, const netaddr *to)
{
    if (!prepare(fd, 'w'))
        return -1;
    struct sockaddr_storage ss;
    socklen_t len = tosockaddr(to, &ss);
    for (;;) {
        ssize_t r = sendto((int)fd->sysfd, buf, n, 0, (struct sockaddr *)&ss, len);
        if (r >= 0)
            return r;
        if (goerrno == EINTR)
            continue;
        if (goerrno == EAGAIN && waitfor(fd, 'w'))
            continue;
        return -1;
    }
}

intptr_t gort__netfd_accept(netFD *fd, netaddr *ra)
{
    if (!prepare(fd, 'r'))
        return -1;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int s = accept4((int)fd->sysfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (s >= 0) {
            fromsockaddr(&ss, len, ra);
            if (ra->family == NET_INET || ra->family == NET_INET6) {
                int one = 1;
                setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            }
            return s;
        }
        if (goerrno == EINTR || goerrno == ECONNABORTED)
            continue;   /* Go: the peer gave up before we accepted; next */
        if (goerrno == EAGAIN && waitfor(fd, 'r'))
            continue;
        return -1;
    }
}

int gort__netfd_connect(netFD *fd, const netaddr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = tosockaddr(a, &ss);
    int r = connect((int)fd->sysfd, (struct sockaddr *)&ss, len);
    if (r == 0 || goerrno == EISCONN)
        return 0;
    if (goerrno != EINPROGRESS && goerrno != EALREADY && goerrno != EINTR)
        return -1;
    for (;;) {
        /* Writable when the connection is made or has failed. */
        if (!waitfor(fd, 'w'))
            return -1;
        int err = 0;
        socklen_t elen = sizeof err;
        if (getsockopt((int)fd->sysfd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
            return -1;
        switch (err) {
        case EINPROGRESS:
        case EALREADY:
        case EINTR:
            continue;
        case 0:
        case EISCONN: {
            /* Go checks that the socket is connected after all. */
            struct sockaddr_storage peer;
            socklen_t plen = sizeof peer;
            if (getpeername((int)fd->sysfd, (struct sockaddr *)&peer, &plen) == 0)
                return 0;
            if (goerrno != ENOTCONN)
                return -1;
            continue;
        }
        default:
            goerrno = err;
            return -1;
        }
    }
}

int gort__netfd_shutdown(netFD *fd, bool read, bool write)
{
    int how = read && write ? SHUT_RDWR : read ? SHUT_RD : SHUT_WR;
    return shutdown((int)fd->sysfd, how);
}

int gort__netfd_fromfd(netFD *fd, int sysfd)
{
    memset(fd, 0, sizeof *fd);
    struct stat st;
    if (sysfd < 0 || fstat(sysfd, &st) < 0) {
        goerrno = EBADF;
        return -1;
    }
    int fl = fcntl(sysfd, F_GETFL);
    if (fl < 0 || fcntl(sysfd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fd->sysfd = sysfd;
    fd->sotype = NET_STREAM;
    fd->zeroReadIsEOF = true;
    if (S_ISSOCK(st.st_mode)) {
        int type = 0;
        socklen_t tl = sizeof type;
        if (getsockopt(sysfd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_DGRAM) {
            fd->sotype = NET_DGRAM;
            fd->zeroReadIsEOF = false;
        }
    }
    if (gort__netfd_init(fd) < 0) {
        /* Not pollable (a regular file: epoll says EPERM): an error,
         * and the descriptor as it was. */
        int e = goerrno;
        fcntl(sysfd, F_SETFL, fl);
        goerrno = e;
        return -1;
    }
    return 0;
}
