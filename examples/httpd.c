/*
 * httpd: an HTTP/1.1 server with one goroutine per connection, keep-alive
 * and pipelining, answering TechEmpower's plaintext test: GET /plaintext
 * gives "Hello, World!" as text/plain with Server and Date headers.
 *
 *   httpd PORT      serves on PORT until killed
 *   httpd -test     serves on a free port, sends itself pipelined and
 *                   keep-alive requests, prints what came back, and exits
 *
 * Each connection's goroutine reads into a buffer, answers every complete
 * request in it (a pipelined batch gets one write), and reads again: the
 * plain blocking style of a Go server; the runtime parks the goroutine
 * while its socket has nothing to read.
 *
 * As net/http does, a handler that panics (here GET /panic) takes down
 * only its connection: the goroutine's deferred call recovers, logs
 * "http: panic serving ADDR: MESSAGE" and the connection is closed by the
 * cleanup it deferred; the server and its other connections go on.
 */
#include <errno.h>
#include <gort.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The Date header changes once a second: a goroutine formats it into one
 * of two buffers and publishes it, so that handlers only copy it. */
static char datebuf[2][64];
static _Atomic int datecur;

static void formatdate(int i)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm = *gmtime(&now);  /* only this goroutine calls gmtime */
    snprintf(datebuf[i], sizeof datebuf[i], "%s, %02d %s %d %02d:%02d:%02d GMT",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void dateloop(void *arg)
{
    gort_timer *t = arg;
    int64_t v;
    while (gort_chan_recv(gort_timer_chan(t), &v)) {
        int next = 1 - atomic_load(&datecur);
        formatdate(next);
        atomic_store(&datecur, next);
    }
}

/* ------------------------------------------------------------------------
 * Requests and responses.
 * ---------------------------------------------------------------------- */

enum { INBUF = 16384, OUTBUF = 65536 };

typedef struct request {
    const char *method, *path;
    size_t methodlen, pathlen;
    bool http10;
    bool keepalive;
} request;

/* parse finds one complete request at p[0:n]; it returns its length, 0 if
 * it is not complete yet, or -1 if it is not HTTP. */
static long parse(const char *p, size_t n, request *r)
{
    const char *end = NULL;
    for (size_t i = 3; i < n; i++) {
        if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r') {
            end = p + i + 1;
            break;
        }
    }
    if (end == NULL)
        return n >= INBUF ? -1 : 0;
    const char *sp1 = memchr(p, ' ', (size_t)(end - p));
    if (sp1 == NULL)
        return -1;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
    if (sp2 == NULL)
        return -1;
    r->method = p;
    r->methodlen = (size_t)(sp1 - p);
    r->path = sp1 + 1;
    r->pathlen = (size_t)(sp2 - sp1 - 1);
    r->http10 = strncmp(sp2 + 1, "HTTP/1.0", 8) == 0;
    if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
        return -1;
    r->keepalive = !r->http10;
    /* Connection: close / keep-alive, case-insensitively. */
    for (const char *h = memchr(sp2, '\n', (size_t)(end - sp2)); h && h + 1 < end;
         h = memchr(h + 1, '\n', (size_t)(end - h - 1))) {
        const char *line = h + 1;
        if (end - line > 11 && strncasecmp(line, "Connection:", 11) == 0) {
            const char *v = line + 11;
            while (*v == ' ')
                v++;
            if (strncasecmp(v, "close", 5) == 0)
                r->keepalive = false;
            else if (strncasecmp(v, "keep-alive", 10) == 0)
                r->keepalive = true;
        }
    }
    return end - p;
}

/* respond appends the answer to r at out[*len:]; false if it does not fit. */
static bool respond(const request *r, char *out, size_t *len)
{
    const char *date = datebuf[atomic_load(&datecur)];
    const char *status = "200 OK", *body = "Hello, World!";
    if (!(r->methodlen == 3 && memcmp(r->method, "GET", 3) == 0)) {
        status = "405 Method Not Allowed";
        body = "method not allowed\n";
    } else if (r->pathlen == 6 && memcmp(r->path, "/panic", 6) == 0) {
        gort_panic("handler panicked on %.*s", (int)r->pathlen, r->path);
    } else if (!(r->pathlen == 10 && memcmp(r->path, "/plaintext", 10) == 0)) {
        status = "404 Not Found";
        body = "404 page not found\n";
    }
    int n = snprintf(out + *len, OUTBUF - *len,
                     "HTTP/1.1 %s\r\nServer: gort\r\nDate: %s\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n%s\r\n%s",
                     status, date, strlen(body), r->keepalive ? "" : "Connection: close\r\n", body);
    if (n < 0 || (size_t)n >= OUTBUF - *len)
        return false;
    *len += (size_t)n;
    return true;
}

/* A connection's state, freed by the cleanup serve defers (on the heap:
 * deferred calls run after serve's own frame is gone). */
typedef struct conn {
    gort_conn *c;
    char *in, *out;
} conn;

static void cleanup(void *arg)
{
    conn *cs = arg;
    free(cs->in);
    free(cs->out);
    gort_conn_free(cs->c);
    free(cs);
}

/* logpanic is net/http's recover in conn.serve. */
static void logpanic(void *arg)
{
    conn *cs = arg;
    const char *r = gort_recover();
    if (r != NULL) {
        char addr[64] = "?";
        gort_conn_remoteaddr(cs->c, addr, sizeof addr);
        fprintf(stderr, "http: panic serving %s: %s\n", addr, r);
    }
}

/* serve is one connection's goroutine. */
static void serve(void *arg)
{
    conn *cs = calloc(1, sizeof *cs);
    if (cs == NULL) {
        gort_conn_free(arg);
        return;
    }
    gort_conn *c = cs->c = arg;
    gort_defer(cleanup, cs);        /* runs last: closes the connection */
    gort_defer(logpanic, cs);
    char *in = cs->in = malloc(INBUF), *out = cs->out = malloc(OUTBUF);
    size_t have = 0;
    bool open = in && out;
    while (open) {
        ssize_t n = gort_conn_read(c, in + have, INBUF - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        size_t off = 0, outlen = 0;
        for (;;) {
            request r;
            long k = parse(in + off, have - off, &r);
            if (k < 0) {
                static const char bad[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
                gort_conn_write(c, bad, sizeof bad - 1);
                open = false;
                break;
            }
            if (k == 0)
                break;
            if (outlen > OUTBUF - 512) {   /* flush a long pipelined batch */
                if (gort_conn_write(c, out, outlen) < 0) {
                    open = false;
                    break;
                }
                outlen = 0;
            }
            respond(&r, out, &outlen);
            off += (size_t)k;
            if (!r.keepalive) {
                open = false;
                break;
            }
        }
        if (outlen > 0 && gort_conn_write(c, out, outlen) < 0)
            open = false;
        memmove(in, in + off, have - off);
        have -= off;
    }
}

static void acceptloop(void *arg)
{
    gort_listener *l = arg;
    gort_conn *c;
    while ((c = gort_accept(l)) != NULL)
        gort_go(serve, c);
}

/* ------------------------------------------------------------------------
 * -test: the server talks to itself.
 * ---------------------------------------------------------------------- */

/* readresponses reads until n responses (each ending in its body) came. */
static int readresponses(gort_conn *c, int n, char *buf, size_t cap)
{
    size_t have = 0;
    int seen = 0;
    while (seen < n && have < cap - 1) {
        ssize_t k = gort_conn_read(c, buf + have, cap - 1 - have);
        if (k <= 0)
            break;
        have += (size_t)k;
        buf[have] = 0;
        seen = 0;
        for (const char *p = buf; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
            seen++;
        /* The last one is whole once its body is there. */
        if (seen == n) {
            const char *last = buf;
            for (const char *p = buf; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
                last = p;
            const char *cl = strstr(last, "Content-Length: ");
            const char *body = strstr(last, "\r\n\r\n");
            if (!cl || !body || (size_t)(buf + have - (body + 4)) < (size_t)atoi(cl + 16))
                seen--;
        }
    }
    return seen;
}

static void selftest(void)
{
    gort_listener *l = gort_listen("tcp", "127.0.0.1:0");
    if (l == NULL) {
        fprintf(stderr, "listen: %s\n", gort_strerror(gort_errno()));
        gort_exit(1);
    }
    char addr[64];
    gort_listener_addr(l, addr, sizeof addr);
    gort_go(acceptloop, l);
    gort_conn *c = gort_dial("tcp", addr, 5 * GORT_SECOND);
    if (c == NULL) {
        fprintf(stderr, "dial: %s\n", gort_strerror(gort_errno()));
        gort_exit(1);
    }
    static char buf[65536];
    /* One request, then 16 pipelined ones on the same connection. */
    const char *req = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n";
    gort_conn_write(c, req, strlen(req));
    int got = readresponses(c, 1, buf, sizeof buf);
    const char *body = strstr(buf, "\r\n\r\n");
    printf("one request: %d response, status \"%.15s\", body \"%s\"\n", got, buf, body ? body + 4 : "");
    printf("headers: %s%s%s\n", strstr(buf, "\r\nServer: gort\r\n") ? "Server " : "",
           strstr(buf, "\r\nDate: ") ? "Date " : "",
           strstr(buf, "\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n") ? "Content-Type Content-Length" : "");
    char pipelined[16 * 64];
    size_t plen = 0;
    for (int i = 0; i < 16; i++)
        plen += (size_t)snprintf(pipelined + plen, sizeof pipelined - plen, "%s", req);
    gort_conn_write(c, pipelined, plen);
    got = readresponses(c, 16, buf, sizeof buf);
    int hello = 0;
    for (const char *p = buf; (p = strstr(p, "Hello, World!")) != NULL; p++)
        hello++;
    printf("16 pipelined: %d responses, %d bodies\n", got, hello);
    /* A handler that panics on another connection closes only that one. */
    gort_conn *c2 = gort_dial("tcp", addr, 5 * GORT_SECOND);
    const char *preq = "GET /panic HTTP/1.1\r\n\r\n";
    gort_conn_write(c2, preq, strlen(preq));
    ssize_t pn = c2 ? gort_conn_read(c2, buf, sizeof buf) : -1;
    gort_conn_free(c2);
    gort_conn_write(c, req, strlen(req));
    got = readresponses(c, 1, buf, sizeof buf);
    printf("panicking handler: its connection read gives %zd; this one: %d response\n", pn, got);
    /* Not found, then Connection: close. */
    req = "GET /nope HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\nConnection: close\r\n\r\n";
    gort_conn_write(c, req, strlen(req));
    got = readresponses(c, 2, buf, sizeof buf);
    printf("404 then close: %d responses, %s, %s\n", got,
           strstr(buf, "HTTP/1.1 404 Not Found") ? "404" : "no 404",
           strstr(buf, "Connection: close") ? "closed" : "not closed");
    printf("after close: read gives %zd\n", gort_conn_read(c, buf, sizeof buf));
    gort_conn_free(c);
    gort_listener_free(l);
}

void main_main(void)
{
    formatdate(0);
    gort_go(dateloop, gort_ticker_new(GORT_SECOND));
    if (gort_argc() > 1 && strcmp(gort_argv()[1], "-test") == 0) {
        selftest();
        return;
    }
    char address[32];
    snprintf(address, sizeof address, ":%s", gort_argc() > 1 ? gort_argv()[1] : "8080");
    gort_listener *l = gort_listen("tcp", address);
    if (l == NULL) {
        fprintf(stderr, "listen %s: %s\n", address, gort_strerror(gort_errno()));
        gort_exit(1);
    }
    acceptloop(l);
}
