/*
 * echo: a TCP echo server and its clients in one program.  The server
 * runs one goroutine per connection, with plain blocking reads and
 * writes; each client sends lines and checks what comes back.  Run it as
 * `echo [CLIENTS]`; it prints what it checked and exits.
 */
#include <errno.h>
#include <gort.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gort_listener *ln;

/* serve echoes one connection until the client closes it. */
static void serve(void *arg)
{
    gort_conn *c = arg;
    char buf[4096];
    ssize_t n;
    while ((n = gort_conn_read(c, buf, sizeof buf)) > 0)
        if (gort_conn_write(c, buf, (size_t)n) < 0)
            break;
    gort_conn_free(c);
}

/* acceptloop hands each connection to a goroutine of its own, until the
 * listener is closed. */
static void acceptloop(void *arg)
{
    (void)arg;
    gort_conn *c;
    while ((c = gort_accept(ln)) != NULL)
        gort_go(serve, c);
    if (gort_errno() != GORT_ECLOSED)
        fprintf(stderr, "accept: %s\n", gort_strerror(gort_errno()));
}

static char addr[64];
static gort_waitgroup wg;
static _Atomic int lines, failures;

/* client sends 100 lines and reads each one back. */
static void client(void *arg)
{
    int id = (int)(intptr_t)arg;
    gort_conn *c = gort_dial("tcp", addr, 5 * GORT_SECOND);
    if (c == NULL) {
        fprintf(stderr, "dial %s: %s\n", addr, gort_strerror(gort_errno()));
        failures++;
        gort_waitgroup_done(&wg);
        return;
    }
    for (int i = 0; i < 100; i++) {
        char out[64], in[64];
        int n = snprintf(out, sizeof out, "client %d line %d\n", id, i);
        if (gort_conn_write(c, out, (size_t)n) < 0)
            break;
        int got = 0;
        while (got < n) {
            ssize_t k = gort_conn_read(c, in + got, (size_t)(n - got));
            if (k <= 0)
                break;
            got += (int)k;
        }
        if (got == n && memcmp(in, out, (size_t)n) == 0)
            lines++;
        else
            failures++;
    }
    gort_conn_free(c);
    gort_waitgroup_done(&wg);
}

void main_main(void)
{
    int nclients = gort_argc() > 1 ? atoi(gort_argv()[1]) : 10;
    ln = gort_listen("tcp", "127.0.0.1:0");
    if (ln == NULL) {
        fprintf(stderr, "listen: %s\n", gort_strerror(gort_errno()));
        gort_exit(1);
    }
    gort_listener_addr(ln, addr, sizeof addr);
    gort_go(acceptloop, NULL);
    gort_waitgroup_add(&wg, nclients);
    for (int i = 0; i < nclients; i++)
        gort_go(client, (void *)(intptr_t)i);
    gort_waitgroup_wait(&wg);
    gort_listener_close(ln);
    printf("%d clients: %d lines echoed, %d failures\n", nclients, (int)lines, (int)failures);
}
