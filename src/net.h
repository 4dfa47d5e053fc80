/*
 * net.h - the network layer's inner contract: net.c (portable: the gort_
 * API, addresses, deadlines, closing) on top of netFD, whose operations
 * each OS implements (net_unix.c, net_windows.c).  Mirrors Go's net and
 * internal/poll packages: fd_mutex.go is fdmutex.c here, fd_unix.go and
 * fd_windows.go are the OS files.
 */
#ifndef GORT_NET_H
#define GORT_NET_H

#include "netpoll.h"

/* ------------------------------------------------------------------------
 * fdMutex (fdmutex.c, Go's internal/poll/fd_mutex.go): a reference count
 * of the operations in flight on a descriptor, a read lock and a write
 * lock that park waiters, and a closed bit.  Closing wakes every waiter;
 * the descriptor itself is released when the last reference goes.
 * ---------------------------------------------------------------------- */

typedef struct fdMutex {
    _Atomic uint64_t state;
    _Atomic uint32_t rsema;
    _Atomic uint32_t wsema;
} fdMutex;

bool gort__fdmu_incref(fdMutex *mu);            /* false: closed */
bool gort__fdmu_increfAndClose(fdMutex *mu);    /* false: already closed */
bool gort__fdmu_decref(fdMutex *mu);            /* true: the last one, after close */
bool gort__fdmu_rwlock(fdMutex *mu, bool read); /* false: closed */
bool gort__fdmu_rwunlock(fdMutex *mu, bool read); /* true: the last one, after close */

/* ------------------------------------------------------------------------
 * Addresses, in a form of the project's own (no socket headers here).
 * ---------------------------------------------------------------------- */

enum { NET_INET = 1, NET_INET6 = 2, NET_UNIX = 3 };
enum { NET_STREAM = 1, NET_DGRAM = 2 };

typedef struct netaddr {
    int family;                 /* NET_INET, NET_INET6, NET_UNIX */
    uint8_t ip[16];             /* 4 bytes for NET_INET */
    int port;
    uint32_t zone;              /* IPv6 scope id */
    char path[108];             /* NET_UNIX */
} netaddr;

/* ------------------------------------------------------------------------
 * netFD: one socket or pollable descriptor.
 * ---------------------------------------------------------------------- */

typedef struct netFD {
    fdMutex mu;
    intptr_t sysfd;
    pollDesc *pd;               /* NULL: not pollable (never here: an error) */
    int family;                 /* NET_*, or 0 for gort_fd_conn */
    int sotype;                 /* NET_STREAM, NET_DGRAM */
    bool zeroReadIsEOF;         /* a 0-byte read means EOF (streams) */
    _Atomic uint32_t csema;     /* released when the descriptor is closed */
    void *os;                   /* the OS layer's state (Windows' overlapped ops) */
} netFD;

/* The OS layer: net_unix.c, net_windows.c.  Every function that fails
 * returns -1 (or NULL) with errno set, to the system's code or one of
 * GORT_ETIMEOUT, GORT_ECLOSED; the fd operations have their fdMutex
 * reference or lock already (net.c takes them). */

/* gort__netinit is called once before the first socket or name lookup
 * (WSAStartup on Windows; SIGPIPE is ignored on POSIX, as Go does). */
void gort__netinit(void);

/* gort__sysSocket makes a non-blocking, close-on-exec socket. */
intptr_t gort__sysSocket(int family, int sotype);
int gort__sysBind(intptr_t s, const netaddr *a);
int gort__sysListen(intptr_t s, int backlog);
int gort__sysReuseAddr(intptr_t s);             /* SO_REUSEADDR for listeners */
int gort__sysLocalAddr(intptr_t s, int family, netaddr *a);
int gort__sysPeerAddr(intptr_t s, int family, netaddr *a);
int gort__sysClose(intptr_t s);
int gort__sysListenBacklog(void);               /* somaxconn */
int gort__sysUnlink(const char *path);          /* a Unix socket's file */

/* gort__netfd_init registers fd with the poller (pollOpen). */
int gort__netfd_init(netFD *fd);
/* gort__netfd_destroy closes the descriptor and frees the pollDesc: the
 * last reference has gone. */
void gort__netfd_destroy(netFD *fd);
/* gort__netfd_connect connects fd (a fresh socket) to a, waiting until
 * the connection is made, fails, or the write deadline passes. */
int gort__netfd_connect(netFD *fd, const netaddr *a);
/* gort__netfd_accept waits for a connection on the listener fd and
 * returns a new non-blocking socket (its peer in *ra). */
intptr_t gort__netfd_accept(netFD *fd, netaddr *ra);
ssize_t gort__netfd_read(netFD *fd, void *buf, size_t n);
/* gort__netfd_write writes all of buf, or fails (the bytes written so far
 * in *done). */
ssize_t gort__netfd_write(netFD *fd, const void *buf, size_t n, size_t *done);
ssize_t gort__netfd_readfrom(netFD *fd, void *buf, size_t n, netaddr *from);
ssize_t gort__netfd_writeto(netFD *fd, const void *buf, size_t n, const netaddr *to);
int gort__netfd_shutdown(netFD *fd, bool read, bool write);
/* gort__netfd_fromfd makes fd of a descriptor the program gives
 * (gort_fd_conn): non-blocking, and pollable or an error. */
int gort__netfd_fromfd(netFD *fd, int sysfd);

/* gort__netresolve looks up host (a name, not a literal) for family (0:
 * any), under the system-call hand-off; up to max addresses, the count
 * returned, or -1 with errno GORT_EADDR and *msg Go's text. */
int gort__netresolve(const char *host, int family, netaddr *out, int max, const char **msg);

/* gort__syserrstr is the text of a system errno (strerror, where the C
 * library knows them all). */
const char *gort__syserrstr(int err);

/* gort__pollerr turns a pollWait result into errno. */
int gort__pollerrno(int pollerr);

#endif
