/*
 * net.c - package net: listeners and connections on top of netFD, Go's
 * address syntax, deadlines and closing.  Mirrors Go's net (ipsock.go,
 * dial.go, tcpsock.go, net.go) and internal/poll's FD methods; each OS's
 * socket calls are in net_unix.c or net_windows.c (net.h).
 *
 * Every operation holds a reference on its connection's fdMutex while it
 * runs, and reads and writes hold its read or write lock: so one
 * goroutine may read while another writes, two readers take turns, and
 * closing (which sets the closed bit, wakes every waiter with
 * GORT_ECLOSED through pollUnblock, and drops its own reference) leaves
 * the descriptor open until the last operation in flight has returned.
 * Only then is it closed and its pollDesc reused (netfd_destroy): no
 * operation ever finds its descriptor closed or reused under it.
 *
 * A closed gort_conn or gort_listener stays valid, so that a late call on
 * it fails with GORT_ECLOSED as the API says; gort_conn_free and
 * gort_listener_free release one that nobody uses any more.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "os.h"

struct gort_conn {
    netFD fd;
    netaddr laddr;
    netaddr raddr;
};

struct gort_listener {
    netFD fd;
    netaddr laddr;
    bool unlink;                /* a Unix socket path to remove on close */
};

/* ------------------------------------------------------------------------
 * Errors.
 * ---------------------------------------------------------------------- */

/* neterrf fails with GORT_EADDR, keeping Go's text for gort_strerror in
 * the goroutine (its goerrno is per goroutine too). */
enum { NETERRSIZE = 200 };

static void neterrf(const char *fmt, ...) GORT_PRINTF(1, 2);

static void neterrf(const char *fmt, ...)
{
    g *gp = gort__getg_needm();
    if (gp->neterr == NULL)
        gp->neterr = malloc(NETERRSIZE);
    if (gp->neterr != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(gp->neterr, NETERRSIZE, fmt, ap);
        va_end(ap);
    }
    goerrno = GORT_EADDR;
}

static void addrerror(const char *addr, const char *why)
{
    neterrf("address %s: %s", addr, why);
}

const char *gort_strerror(int err)
{
    switch (err) {
    case GORT_ETIMEOUT:
        return "i/o timeout";
    case GORT_ECLOSED:
        return "use of closed network connection";
    case GORT_EADDR: {
        g *gp = gort__getg_needm();
        return gp->neterr ? gp->neterr : "invalid address";
    }
    default:
        return strerror(err);
    }
}

int gort_errno(void)
{
    return goerrno;
}

int gort__pollerrno(int pollerr)
{
    switch (pollerr) {
    case pollErrClosing:
        return GORT_ECLOSED;
    case pollErrTimeout:
        return GORT_ETIMEOUT;
    default:
        return EIO;     /* the poller reported an error event */
    }
}

/* ------------------------------------------------------------------------
 * Addresses: Go's syntax, parsed and printed here (no socket headers).
 * ---------------------------------------------------------------------- */

/* parseipv4 parses a dotted quad into ip[0:4]. */
static bool parseipv4(const char *s, size_t n, uint8_t *ip)
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        int v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (digits > 0 && v == 0)
                return false;   /* no leading zeros, as Go */
            v = v * 10 + (s[i++] - '0');
            if (++digits > 3 || v > 255)
                return false;
        }
        if (digits == 0)
            return false;
        ip[k] = (uint8_t)v;
    }
    return i == n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* parseipv6 parses an IPv6 address (with an IPv4 tail allowed) into ip. */
static bool parseipv6(const char *s, size_t n, uint8_t *ip)
{
    uint8_t out[16] = {0};
    int ellipsis = -1, k = 0;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        ellipsis = 0;
        i = 2;
        if (i == n) {
            memcpy(ip, out, 16);
            return true;
        }
    }
    while (i < n && k < 16) {
        size_t j = i;
        int v = 0;
        while (j < n && j - i < 5 && hexval(s[j]) >= 0)
            v = v * 16 + hexval(s[j++]);
        if (j == i || j - i > 4)
            return false;
        if (j < n && s[j] == '.') {
            /* An IPv4 tail: the last 4 bytes. */
            if (ellipsis < 0 && k != 12)
                return false;
            if (k > 12 || !parseipv4(s + i, n - i, out + k))
                return false;
            k += 4;
            i = n;
            break;
        }
        out[k++] = (uint8_t)(v >> 8);
        out[k++] = (uint8_t)v;
        i = j;
        if (i == n)
            break;
        if (s[i] != ':' || i + 1 == n)
            return false;
        i++;
        if (s[i] == ':') {
            if (ellipsis >= 0)
                return false;   /* two "::" */
            ellipsis = k;
            i++;
            if (i == n)
                break;
        }
    }
    if (i != n)
        return false;
    if (k < 16) {
        if (ellipsis < 0)
            return false;
        int nmove = k - ellipsis;
        memmove(out + 16 - nmove, out + ellipsis, (size_t)nmove);
        memset(out + ellipsis, 0, (size_t)(16 - nmove - ellipsis));
    } else if (ellipsis >= 0 && ellipsis != 16) {
        /* "::" must stand for at least one group. */
        if (k == 16 && ellipsis >= 0)
            return false;
    }
    memcpy(ip, out, 16);
    return true;
}

/* formatip writes a's IP as Go prints it (RFC 5952 for IPv6). */
static int formatip(const netaddr *a, char *buf, size_t n)
{
    if (a->family == NET_INET)
        return snprintf(buf, n, "%u.%u.%u.%u", a->ip[0], a->ip[1], a->ip[2], a->ip[3]);
    /* The longest run of two or more zero groups becomes "::". */
    int best = -1, bestlen = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && a->ip[2 * j] == 0 && a->ip[2 * j + 1] == 0)
            j++;
        if (j - i > bestlen && j - i >= 2) {
            best = i;
            bestlen = j - i;
        }
        i = j > i ? j : i + 1;
    }
    int len = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            len += snprintf(buf + len, len < (int)n ? n - (size_t)len : 0, "::");
            i += bestlen - 1;
            continue;
        }
        if (i > 0 && i != best + bestlen)
            len += snprintf(buf + len, len < (int)n ? n - (size_t)len : 0, ":");
        len += snprintf(buf + len, len < (int)n ? n - (size_t)len : 0, "%x",
                        (unsigned)(a->ip[2 * i] << 8 | a->ip[2 * i + 1]));
    }
    if (a->zone)
        len += snprintf(buf + len, len < (int)n ? n - (size_t)len : 0, "%%%u", a->zone);
    return len;
}

/* formataddr writes a as Go's Addr.String(): "1.2.3.4:80", "[::1]:80",
 * or a Unix socket's path. */
static int formataddr(const netaddr *a, char *buf, size_t n)
{
    if (n > 0)
        buf[0] = 0;
    if (a->family == NET_UNIX)
        return snprintf(buf, n, "%s", a->path);
    char ip[64];
    formatip(a, ip, sizeof ip);
    if (a->family == NET_INET6)
        return snprintf(buf, n, "[%s]:%d", ip, a->port);
    return snprintf(buf, n, "%s:%d", ip, a->port);
}

/* splithostport is Go's net.SplitHostPort, with its messages. */
static bool splithostport(const char *hp, char *host, size_t hostn, char *port, size_t portn)
{
    size_t n = strlen(hp);
    const char *colon = strrchr(hp, ':');
    if (colon == NULL) {
        addrerror(hp, "missing port in address");
        return false;
    }
    size_t i = (size_t)(colon - hp), j = 0, k = 0;
    const char *h;
    size_t hl;
    if (hp[0] == '[') {
        const char *endp = strchr(hp, ']');
        if (endp == NULL) {
            addrerror(hp, "missing ']' in address");
            return false;
        }
        size_t end = (size_t)(endp - hp);
        if (end + 1 == n) {
            addrerror(hp, "missing port in address");
            return false;
        }
        if (end + 1 != i) {
            addrerror(hp, hp[end + 1] == ':' ? "too many colons in address" : "missing port in address");
            return false;
        }
        h = hp + 1;
        hl = end - 1;
        j = 1;
        k = end + 1;
    } else {
        h = hp;
        hl = i;
        if (memchr(h, ':', hl) != NULL) {
            addrerror(hp, "too many colons in address");
            return false;
        }
    }
    if (strchr(hp + j, '[') != NULL) {
        addrerror(hp, "unexpected '[' in address");
        return false;
    }
    if (strchr(hp + k, ']') != NULL) {
        addrerror(hp, "unexpected ']' in address");
        return false;
    }
    if (hl >= hostn || n - i - 1 >= portn) {
        addrerror(hp, "address too long");
        return false;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    memcpy(port, hp + i + 1, n - i - 1);
    port[n - i - 1] = 0;
    return true;
}

/* parseport is the port part: a decimal number up to 65535. */
static bool parseport(const char *p, int *port)
{
    if (*p == 0) {
        *port = 0;      /* Go: an empty port is 0 */
        return true;
    }
    long v = 0;
    for (const char *q = p; *q; q++) {
        if (*q < '0' || *q > '9') {
            addrerror(p, "unknown port");
            return false;
        }
        v = v * 10 + (*q - '0');
        if (v > 65535) {
            addrerror(p, "invalid port");
            return false;
        }
    }
    *port = (int)v;
    return true;
}

/* parseliteral parses host as an IP literal for family (0: either),
 * filling a; false if host is not one. */
static bool parseliteral(const char *host, int family, netaddr *a)
{
    size_t n = strlen(host);
    const char *pct = strchr(host, '%');
    size_t ipn = pct ? (size_t)(pct - host) : n;
    memset(a->ip, 0, sizeof a->ip);
    a->zone = 0;
    if (family != NET_INET6 && pct == NULL && parseipv4(host, n, a->ip)) {
        a->family = NET_INET;
        return true;
    }
    if (family != NET_INET && parseipv6(host, ipn, a->ip)) {
        a->family = NET_INET6;
        if (pct) {
            unsigned long z = strtoul(pct + 1, NULL, 10);
            a->zone = (uint32_t)z;
        }
        /* An IPv4-mapped address for tcp4 or tcp is an IPv4 address, as
         * Go treats it. */
        static const uint8_t v4prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a->ip, v4prefix, 12) == 0 && family != NET_INET6) {
            memmove(a->ip, a->ip + 12, 4);
            memset(a->ip + 4, 0, 12);
            a->family = NET_INET;
        }
        return true;
    }
    return false;
}

/* parsenetwork is Go's parseNetwork for the networks gort knows. */
static bool parsenetwork(const char *network, int *family, int *sotype)
{
    static const struct {
        const char *name;
        int family, sotype;
    } nets[] = {
        {"tcp", 0, NET_STREAM},    {"tcp4", NET_INET, NET_STREAM}, {"tcp6", NET_INET6, NET_STREAM},
        {"udp", 0, NET_DGRAM},     {"udp4", NET_INET, NET_DGRAM},  {"udp6", NET_INET6, NET_DGRAM},
        {"unix", NET_UNIX, NET_STREAM},
    };
    for (size_t i = 0; network && i < nelem(nets); i++) {
        if (strcmp(network, nets[i].name) == 0) {
            *family = nets[i].family;
            *sotype = nets[i].sotype;
            return true;
        }
    }
    neterrf("unknown network %s", network ? network : "");
    return false;
}

enum { MAXADDRS = 16 };

/* resolve turns address into up to MAXADDRS socket addresses for family
 * (0: any); listening, an empty host is the wildcard. */
static int resolve(int family, const char *address, bool listening, netaddr *out)
{
    if (address == NULL)
        address = "";
    if (family == NET_UNIX) {
        if (strlen(address) >= sizeof out->path) {
            goerrno = ENAMETOOLONG;
            return -1;
        }
        memset(out, 0, sizeof *out);
        out->family = NET_UNIX;
        strcpy(out->path, address);
        return 1;
    }
    char host[256], portstr[32];
    int port;
    if (!splithostport(address, host, sizeof host, portstr, sizeof portstr) ||
        !parseport(portstr, &port))
        return -1;
    memset(out, 0, sizeof *out);
    if (host[0] == 0) {
        if (listening) {
            /* Go listens on the IPv6 wildcard, dual-stack, for "tcp" and
             * an empty host; gort on the IPv4 one unless tcp6 is asked. */
            out->family = family == NET_INET6 ? NET_INET6 : NET_INET;
        } else {
            /* Dialing ":80" is dialing the local system. */
            out->family = family == NET_INET6 ? NET_INET6 : NET_INET;
            if (out->family == NET_INET)
                out->ip[0] = 127, out->ip[3] = 1;
            else
                out->ip[15] = 1;
        }
        out->port = port;
        return 1;
    }
    if (parseliteral(host, family, out)) {
        out->port = port;
        return 1;
    }
    if (strchr(host, ':') != NULL || (host[0] >= '0' && host[0] <= '9' && strspn(host, "0123456789.") == strlen(host))) {
        /* Looks like a literal of the wrong family, or a bad one. */
        neterrf("address %s: no suitable address found", host);
        return -1;
    }
    const char *msg = NULL;
    int n = gort__netresolve(host, family, out, MAXADDRS, &msg);
    if (n < 0) {
        neterrf("lookup %s: %s", host, msg ? msg : "no such host");
        return -1;
    }
    for (int i = 0; i < n; i++)
        out[i].port = port;
    return n;
}

/* ------------------------------------------------------------------------
 * The netFD life cycle.
 * ---------------------------------------------------------------------- */


static _Atomic uint32_t netinited;
static mutex netinitlock;

static void netinit(void)
{
    if (atomic_load_explicit(&netinited, memory_order_acquire))
        return;
    gort__lock(&netinitlock);
    if (!atomic_load_explicit(&netinited, memory_order_relaxed)) {
        gort__netinit();
        atomic_store_explicit(&netinited, 1, memory_order_release);
    }
    gort__unlock(&netinitlock);
}

/* newsocket makes a registered netFD for a socket of family and sotype. */
static int newsocket(netFD *fd, int family, int sotype)
{
    memset(fd, 0, sizeof *fd);
    intptr_t s = gort__sysSocket(family, sotype);
    if (s == -1)
        return -1;
    fd->sysfd = s;
    fd->family = family;
    fd->sotype = sotype;
    fd->zeroReadIsEOF = sotype == NET_STREAM;
    if (gort__netfd_init(fd) < 0) {
        int e = goerrno;
        gort__sysClose(s);
        goerrno = e;
        return -1;
    }
    return 0;
}

/* fddestroy closes the descriptor: the last reference has gone. */
static void fddestroy(netFD *fd)
{
    gort__netfd_destroy(fd);
    gort__semrelease1(&fd->csema, false);
}

/* fdclose is Go's FD.Close: no new operation may start, the ones blocked
 * wake with GORT_ECLOSED, and the last one out closes the descriptor. */
static int fdclose(netFD *fd)
{
    if (!gort__fdmu_increfAndClose(&fd->mu)) {
        goerrno = GORT_ECLOSED;
        return -1;
    }
    gort__pollUnblock(fd->pd);
    if (gort__fdmu_decref(&fd->mu))
        fddestroy(fd);
    /* Return once the descriptor is closed, as Go's Close: the woken
     * operations drop their references soon, and then a new listener on
     * the same address, say, cannot meet the old socket. */
    gort__semacquire1(&fd->csema, false, waitReasonSemacquire);
    return 0;
}

/* A freshly made netFD that fails before anyone else saw it. */
static void fdabandon(netFD *fd)
{
    int e = goerrno;
    fdclose(fd);
    goerrno = e;
}

/* The reference and lock wrappers: each returns false with goerrno set to
 * GORT_ECLOSED when the descriptor is closed. */
static bool fdref(netFD *fd)
{
    if (gort__fdmu_incref(&fd->mu))
        return true;
    goerrno = GORT_ECLOSED;
    return false;
}

static void fdunref(netFD *fd)
{
    int e = goerrno;
    if (gort__fdmu_decref(&fd->mu))
        fddestroy(fd);
    goerrno = e;
}

static bool fdlock(netFD *fd, bool read)
{
    if (gort__fdmu_rwlock(&fd->mu, read))
        return true;
    goerrno = GORT_ECLOSED;
    return false;
}

static void fdunlock(netFD *fd, bool read)
{
    int e = goerrno;
    if (gort__fdmu_rwunlock(&fd->mu, read))
        fddestroy(fd);
    goerrno = e;
}

/* ------------------------------------------------------------------------
 * Listening and accepting.
 * ---------------------------------------------------------------------- */

/* listenaddrs is the start of every listen: network must be of sotype
 * want; address is resolved for listening.  The number of addresses, or
 * -1 with errno set. */
static int listenaddrs(const char *network, const char *address, int want, netaddr *addrs)
{
    int family, sotype;
    if (!parsenetwork(network, &family, &sotype))
        return -1;
    if (sotype != want) {
        neterrf("listen %s: not a %s network", network, want == NET_STREAM ? "stream" : "packet");
        return -1;
    }
    int n = resolve(family, address, true, addrs);
    if (n > 0)
        netinit();
    return n;
}

gort_listener *gort_listen(const char *network, const char *address)
{
    netaddr addrs[MAXADDRS];
    int n = listenaddrs(network, address, NET_STREAM, addrs);
    if (n < 0)
        return NULL;
    int sotype = NET_STREAM;
    gort_listener *l = calloc(1, sizeof *l);
    if (l == NULL) {
        goerrno = ENOMEM;
        return NULL;
    }
    /* The first address of the family asked for (Go prefers IPv4 for a
     * name, as its "first IPv4" rule for listening). */
    netaddr *a = &addrs[0];
    for (int i = 0; i < n; i++) {
        if (addrs[i].family == NET_INET) {
            a = &addrs[i];
            break;
        }
    }
    if (newsocket(&l->fd, a->family, sotype) < 0)
        goto fail;
    if (a->family != NET_UNIX && gort__sysReuseAddr(l->fd.sysfd) < 0)
        goto failfd;
    if (gort__sysBind(l->fd.sysfd, a) < 0 || gort__sysListen(l->fd.sysfd, gort__sysListenBacklog()) < 0)
        goto failfd;
    if (gort__sysLocalAddr(l->fd.sysfd, a->family, &l->laddr) < 0)
        goto failfd;
    if (a->family == NET_UNIX) {
        l->laddr = *a;
        l->unlink = true;
    }
    return l;
failfd:
    fdabandon(&l->fd);
fail: {
    int e = goerrno;
    free(l);
    goerrno = e;
    return NULL;
}
}

/* acceptbackoff: accept ran out of descriptors.  Go's servers wait and
 * retry, 5 ms doubling up to 1 s (net/http's Server.Serve); so does
 * gort_accept, sleeping, not spinning. */
static int64_t acceptbackoff(int64_t d)
{
    d = d == 0 ? 5 * GORT_MILLISECOND : 2 * d;
    if (d > GORT_SECOND)
        d = GORT_SECOND;
    gort_sleep(d);
    return d;
}

gort_conn *gort_accept(gort_listener *l)
{
    if (l == NULL) {
        goerrno = EINVAL;
        return NULL;
    }
    gort_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        goerrno = ENOMEM;
        return NULL;
    }
    int64_t backoff = 0;
    for (;;) {
        if (!fdlock(&l->fd, true))
            break;
        intptr_t s = gort__netfd_accept(&l->fd, &c->raddr);
        fdunlock(&l->fd, true);
        if (s == -1) {
            if (goerrno == EMFILE || goerrno == ENFILE || goerrno == ENOBUFS || goerrno == ENOMEM) {
                backoff = acceptbackoff(backoff);
                continue;
            }
            break;
        }
        memset(&c->fd, 0, sizeof c->fd);
        c->fd.sysfd = s;
        c->fd.family = l->fd.family;
        c->fd.sotype = l->fd.sotype;
        c->fd.zeroReadIsEOF = true;
        if (gort__netfd_init(&c->fd) < 0) {
            int e = goerrno;
            gort__sysClose(s);
            goerrno = e;
            break;
        }
        if (gort__sysLocalAddr(s, c->fd.family, &c->laddr) < 0)
            c->laddr = l->laddr;
        if (c->fd.family == NET_UNIX)
            c->laddr = l->laddr;
        return c;
    }
    int e = goerrno;
    free(c);
    goerrno = e;
    return NULL;
}

int gort_listener_close(gort_listener *l)
{
    if (l == NULL) {
        goerrno = EINVAL;
        return -1;
    }
    if (fdclose(&l->fd) < 0)
        return -1;
    if (l->unlink)
        gort__sysUnlink(l->laddr.path);
    return 0;
}

void gort_listener_free(gort_listener *l)
{
    if (l == NULL)
        return;
    if ((atomic_load(&l->fd.mu.state) & 1) == 0)   /* not closed yet */
        gort_listener_close(l);
    free(l);
}

int gort_listener_addr(gort_listener *l, char *buf, size_t n)
{
    if (l == NULL) {
        goerrno = EINVAL;
        return -1;
    }
    return formataddr(&l->laddr, buf, n);
}

int gort_listener_set_deadline(gort_listener *l, int64_t t)
{
    if (l == NULL) {
        goerrno = EINVAL;
        return -1;
    }
    if (!fdref(&l->fd))
        return -1;
    gort__pollSetDeadline(l->fd.pd, t, 'r' + 'w');
    fdunref(&l->fd);
    return 0;
}

/* ------------------------------------------------------------------------
 * Dialing.
 * ---------------------------------------------------------------------- */

/* dialone connects c to a before deadline (0: none). */
static int dialone(gort_conn *c, const netaddr *a, int sotype, int64_t deadline)
{
    if (newsocket(&c->fd, a->family, sotype) < 0)
        return -1;
    if (deadline != 0)
        gort__pollSetDeadline(c->fd.pd, deadline, 'w');
    if (!fdref(&c->fd))
        return -1;
    int r = gort__netfd_connect(&c->fd, a);
    fdunref(&c->fd);
    if (r < 0) {
        fdabandon(&c->fd);
        return -1;
    }
    if (deadline != 0)
        gort__pollSetDeadline(c->fd.pd, 0, 'w');
    c->raddr = *a;
    if (gort__sysLocalAddr(c->fd.sysfd, a->family, &c->laddr) < 0 || a->family == NET_UNIX)
        memset(&c->laddr, 0, sizeof c->laddr), c->laddr.family = a->family;
    if (gort__sysPeerAddr(c->fd.sysfd, a->family, &c->raddr) < 0 || a->family == NET_UNIX)
        c->raddr = *a;
    return 0;
}

gort_conn *gort_dial(const char *network, const char *address, int64_t timeout)
{
    int family, sotype;
    if (!parsenetwork(network, &family, &sotype))
        return NULL;
    int64_t deadline = timeout > 0 ? gort__whenafter(timeout) : 0;
    netaddr addrs[MAXADDRS];
    int n = resolve(family, address, false, addrs);
    if (n < 0)
        return NULL;
    netinit();
    gort_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        goerrno = ENOMEM;
        return NULL;
    }
    /* Each address in turn, as Go's dialSerial, the first error kept. */
    int first = 0;
    for (int i = 0; i < n; i++) {
        if (deadline != 0 && gort__nanotime() >= deadline) {
            goerrno = GORT_ETIMEOUT;
            break;
        }
        if (dialone(c, &addrs[i], sotype, deadline) == 0)
            return c;
        if (first == 0)
            first = goerrno;
        goerrno = first;
    }
    int e = goerrno;
    free(c);
    goerrno = e;
    return NULL;
}

/* ------------------------------------------------------------------------
 * Connections.
 * ---------------------------------------------------------------------- */

static bool connok(gort_conn *c)
{
    if (c == NULL) {
        goerrno = EINVAL;
        return false;
    }
    return true;
}

ssize_t gort_conn_read(gort_conn *c, void *buf, size_t n)
{
    if (!connok(c))
        return -1;
    if ((ssize_t)n < 0 || (buf == NULL && n > 0)) {
        goerrno = EINVAL;
        return -1;
    }
    if (!fdlock(&c->fd, true))
        return -1;
    ssize_t r = gort__netfd_read(&c->fd, buf, n);
    fdunlock(&c->fd, true);
    return r;
}

ssize_t gort_conn_write(gort_conn *c, const void *buf, size_t n)
{
    if (!connok(c))
        return -1;
    if ((ssize_t)n < 0 || (buf == NULL && n > 0)) {
        goerrno = EINVAL;
        return -1;
    }
    if (!fdlock(&c->fd, false))
        return -1;
    size_t done = 0;
    ssize_t r = gort__netfd_write(&c->fd, buf, n, &done);
    fdunlock(&c->fd, false);
    return r < 0 ? -1 : (ssize_t)n;
}

int gort_conn_close(gort_conn *c)
{
    if (!connok(c))
        return -1;
    return fdclose(&c->fd);
}

void gort_conn_free(gort_conn *c)
{
    if (c == NULL)
        return;
    if ((atomic_load(&c->fd.mu.state) & 1) == 0)   /* not closed yet */
        gort_conn_close(c);
    free(c);
}

static int shutdown_(gort_conn *c, bool read, bool write)
{
    if (!connok(c) || !fdref(&c->fd))
        return -1;
    int r = gort__netfd_shutdown(&c->fd, read, write);
    fdunref(&c->fd);
    return r;
}

int gort_conn_closewrite(gort_conn *c)
{
    return shutdown_(c, false, true);
}

int gort_conn_closeread(gort_conn *c)
{
    return shutdown_(c, true, false);
}

static int setdeadline(gort_conn *c, int64_t t, int mode)
{
    if (!connok(c) || !fdref(&c->fd))
        return -1;
    gort__pollSetDeadline(c->fd.pd, t, mode);
    fdunref(&c->fd);
    return 0;
}

int gort_conn_set_deadline(gort_conn *c, int64_t t)
{
    return setdeadline(c, t, 'r' + 'w');
}

int gort_conn_set_read_deadline(gort_conn *c, int64_t t)
{
    return setdeadline(c, t, 'r');
}

int gort_conn_set_write_deadline(gort_conn *c, int64_t t)
{
    return setdeadline(c, t, 'w');
}

int gort_conn_localaddr(gort_conn *c, char *buf, size_t n)
{
    if (!connok(c))
        return -1;
    return formataddr(&c->laddr, buf, n);
}

int gort_conn_remoteaddr(gort_conn *c, char *buf, size_t n)
{
    if (!connok(c))
        return -1;
    return formataddr(&c->raddr, buf, n);
}

int gort_conn_fd(gort_conn *c)
{
    if (!connok(c))
        return -1;
    return (int)c->fd.sysfd;
}

/* ------------------------------------------------------------------------
 * Datagrams.
 * ---------------------------------------------------------------------- */

gort_conn *gort_listen_packet(const char *network, const char *address)
{
    netaddr addrs[MAXADDRS];
    if (listenaddrs(network, address, NET_DGRAM, addrs) < 0)
        return NULL;
    gort_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        goerrno = ENOMEM;
        return NULL;
    }
    if (newsocket(&c->fd, addrs[0].family, NET_DGRAM) < 0)
        goto fail;
    if (gort__sysBind(c->fd.sysfd, &addrs[0]) < 0 ||
        gort__sysLocalAddr(c->fd.sysfd, addrs[0].family, &c->laddr) < 0) {
        fdabandon(&c->fd);
        goto fail;
    }
    return c;
fail: {
    int e = goerrno;
    free(c);
    goerrno = e;
    return NULL;
}
}

ssize_t gort_conn_readfrom(gort_conn *c, void *buf, size_t n, char *from, size_t fromn)
{
    if (!connok(c))
        return -1;
    if ((ssize_t)n < 0 || (buf == NULL && n > 0)) {
        goerrno = EINVAL;
        return -1;
    }
    if (!fdlock(&c->fd, true))
        return -1;
    netaddr a;
    ssize_t r = gort__netfd_readfrom(&c->fd, buf, n, &a);
    fdunlock(&c->fd, true);
    if (r >= 0 && from != NULL)
        formataddr(&a, from, fromn);
    return r;
}

ssize_t gort_conn_writeto(gort_conn *c, const void *buf, size_t n, const char *address)
{
    if (!connok(c))
        return -1;
    if ((ssize_t)n < 0 || (buf == NULL && n > 0)) {
        goerrno = EINVAL;
        return -1;
    }
    netaddr addrs[MAXADDRS];
    int na = resolve(c->laddr.family == NET_INET6 ? 0 : NET_INET, address, false, addrs);
    if (na < 0)
        return -1;
    if (!fdlock(&c->fd, false))
        return -1;
    ssize_t r = gort__netfd_writeto(&c->fd, buf, n, &addrs[0]);
    fdunlock(&c->fd, false);
    return r;
}

gort_conn *gort_fd_conn(int fd)
{
    gort_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        goerrno = ENOMEM;
        return NULL;
    }
    if (gort__netfd_fromfd(&c->fd, fd) < 0) {
        int e = goerrno;
        free(c);
        goerrno = e;
        return NULL;
    }
    return c;
}
