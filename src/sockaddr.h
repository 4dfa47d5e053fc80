/*
 * sockaddr.h - converting between the runtime's netaddr and the BSD
 * socket address structures.  POSIX and Winsock share these structures
 * (sockaddr_in, sockaddr_in6, sockaddr_un, sockaddr_storage) and the byte
 * order helpers, so both backends take the same static functions from
 * here.  Include it after the system's socket headers (net_unix.c: the
 * POSIX ones; net_windows.c: winsock2.h, ws2tcpip.h and afunix.h), which
 * declare everything it uses, socklen_t included.
 */
#ifndef GORT_SOCKADDR_H
#define GORT_SOCKADDR_H

#include <stddef.h>
#include <string.h>

#include "net.h"

static int afof(int family)
{
    return family == NET_INET ? AF_INET : family == NET_INET6 ? AF_INET6 : AF_UNIX;
}

/* tosockaddr fills *ss from a and returns the length of the address. */
static socklen_t tosockaddr(const netaddr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    switch (a->family) {
    case NET_INET: {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)a->port);
        memcpy(&sin->sin_addr, a->ip, 4);
        return (socklen_t)sizeof *sin;
    }
    case NET_INET6: {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)a->port);
        memcpy(&sin6->sin6_addr, a->ip, 16);
        sin6->sin6_scope_id = a->zone;
        return (socklen_t)sizeof *sin6;
    }
    default: {
        struct sockaddr_un *sun = (struct sockaddr_un *)ss;
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, a->path, sizeof sun->sun_path - 1);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1);
    }
    }
}

/* fromsockaddr fills *a from the len bytes of address at ss; a family it
 * does not know leaves *a zero. */
static void fromsockaddr(const struct sockaddr_storage *ss, socklen_t len, netaddr *a)
{
    memset(a, 0, sizeof *a);
    switch (ss->ss_family) {
    case AF_INET: {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        a->family = NET_INET;
        a->port = ntohs(sin->sin_port);
        memcpy(a->ip, &sin->sin_addr, 4);
        break;
    }
    case AF_INET6: {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        a->family = NET_INET6;
        a->port = ntohs(sin6->sin6_port);
        memcpy(a->ip, &sin6->sin6_addr, 16);
        a->zone = sin6->sin6_scope_id;
        break;
    }
    case AF_UNIX: {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
        a->family = NET_UNIX;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = (size_t)len > off ? (size_t)len - off : 0;
        if (n >= sizeof a->path)
            n = sizeof a->path - 1;
        memcpy(a->path, sun->sun_path, n);
        a->path[n] = 0;
        break;
    }
    }
}

#endif
