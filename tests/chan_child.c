/*
 * chan_child: the fatal and panicking paths of channels, select and sync,
 * one scenario per run, named by argv[1].  tests/CMakeLists.txt runs each
 * through gort_expect() and checks the exit status and Go's report.
 *
 * Channels
 *   send_closed          send on a closed channel: panic
 *   send_closed_blocked  a goroutine blocked sending; main closes: it panics
 *   close_closed         close twice: panic
 *   close_nil            close(NULL): panic
 *   recv_deadlock        main receives, nobody sends: deadlock [chan receive]
 *   send_deadlock        main sends, nobody receives: deadlock [chan send]
 *   nil_recv, nil_send   on a NULL channel: deadlock [chan receive (nil chan)]...
 *   free_in_use          free a channel a goroutine is blocked on: fatal
 *   make_huge            a buffer larger than memory: panic
 *   make_bigelem         an element of 64 KiB, Go's limit (65535 bytes works;
 *                        argv[2] "2^40": an element of 2^40 bytes): fatal
 * Select
 *   select_nocases       gort_select(NULL, 0, true): deadlock [select (no cases)]
 *   select_deadlock      two quiet channels: deadlock [select]
 *   select_nil_only      only NULL channels: deadlock [select]
 *   select_send_closed   a send case on a closed channel: panic
 *   select_send_closed_blocked  blocked in select, the channel is closed: panic
 *   select_bad_dir, select_bad_n  bad arguments: panic "gort_select: bad case"
 *   send_null, select_send_null  a NULL elem sent on a channel with
 *                        elements: a panic that says so
 *   send_null_zero       the same on a zero-size channel: allowed, returns
 *   timer_nil            gort_timer_stop(NULL): Go's nil dereference panic
 * Sync
 *   mutex_unlock_unlocked, rw_runlock_unlocked, rw_unlock_unlocked,
 *   cond_wait_unlocked   fatal errors
 *   wg_negative, wg_reuse  panics (wg_reuse wants GOMAXPROCS=1)
 *   mutex_deadlock, rw_lock_deadlock, rw_rlock_deadlock, wg_deadlock,
 *   cond_deadlock        deadlocks with the sync wait reasons
 *   mutex_blocked_dump   a goroutine blocked on a mutex, then main panics
 *                        (with GOTRACEBACK=all its section shows)
 */
#include <gort.h>
#include <stdio.h>
#include <string.h>

#include "chan.h"       /* gort__chanreadstat, gort__sema_nwaiters: tests only */

static gort_chan *c;
static gort_mutex mu;
static gort_rwmutex rw;
static gort_waitgroup wg;
static gort_cond cond;

static void send_one(void *arg)
{
    (void)arg;
    int v = 1;
    gort_chan_send(c, &v);
}

static void recv_one(void *arg)
{
    (void)arg;
    gort_chan_recv(c, NULL);
}

static void select_send(void *arg)
{
    (void)arg;
    int v = 1;
    gort_chan *quiet = gort_chan_make(sizeof(int), 0);
    gort_case cs[2] = {{quiet, GORT_RECV, NULL, false}, {c, GORT_SEND, &v, false}};
    gort_select(cs, 2, true);
}

static void lock_mu(void *arg)
{
    gort_chan *started = arg;
    gort_chan_send(started, NULL);
    gort_mutex_lock(&mu);
}

static void wg_wait(void *arg)
{
    gort_waitgroup_wait(arg);
}

/* chanwait yields until n goroutines are blocked on c. */
static void chanwait(gort_chan *ch, int n)
{
    for (;;) {
        gort__chanstat st;
        gort__chanreadstat(ch, &st);
        if (st.nsendq + st.nrecvq == n)
            return;
        gort_gosched();
    }
}

/* semawait yields until n goroutines are blocked on the semaphore at
 * addr. */
static void semawait(uint32_t *addr, int n)
{
    while (gort__sema_nwaiters((_Atomic uint32_t *)addr) != n)
        gort_gosched();
}

void main_main(void)
{
    const char *s = gort_argc() > 1 ? gort_argv()[1] : "";
    int v = 1;

    if (!strcmp(s, "send_closed")) {
        c = gort_chan_make(sizeof(int), 1);
        gort_chan_close(c);
        gort_chan_send(c, &v);
    } else if (!strcmp(s, "send_closed_blocked")) {
        c = gort_chan_make(sizeof(int), 0);
        gort_go(send_one, NULL);
        chanwait(c, 1);
        gort_chan_close(c);
        /* Wait for the sender's panic: returning could exit first. */
        gort_select(NULL, 0, true);
    } else if (!strcmp(s, "close_closed")) {
        c = gort_chan_make(0, 0);
        gort_chan_close(c);
        gort_chan_close(c);
    } else if (!strcmp(s, "close_nil")) {
        gort_chan_close(NULL);
    } else if (!strcmp(s, "recv_deadlock")) {
        c = gort_chan_make(sizeof(int), 0);
        gort_chan_recv(c, &v);
    } else if (!strcmp(s, "send_deadlock")) {
        c = gort_chan_make(sizeof(int), 1);
        gort_chan_send(c, &v);
        gort_chan_send(c, &v);
    } else if (!strcmp(s, "nil_recv")) {
        gort_chan_recv(NULL, &v);
    } else if (!strcmp(s, "nil_send")) {
        gort_chan_send(NULL, &v);
    } else if (!strcmp(s, "free_in_use")) {
        c = gort_chan_make(sizeof(int), 0);
        gort_go(recv_one, NULL);
        chanwait(c, 1);
        gort_chan_free(c);
    } else if (!strcmp(s, "make_huge")) {
        gort_chan_make(1 << 15, (size_t)1 << 60);
    } else if (!strcmp(s, "make_bigelem")) {
        /* The largest element Go allows, through a buffer and back. */
        static char big[65535], back[65535];
        gort_chan *bc = gort_chan_make(sizeof big, 1);
        big[0] = 1;
        big[sizeof big - 1] = 2;
        gort_chan_send(bc, big);
        gort_chan_recv(bc, back);
        printf("65535: %d %d\n", back[0], back[sizeof back - 1]);
        fflush(stdout);
        gort_chan_free(bc);
        bool huge = gort_argc() > 2 && !strcmp(gort_argv()[2], "2^40");
        bc = gort_chan_make(huge ? (size_t)1 << 40 : (size_t)1 << 16, 0);
        printf("[made]\n");
        gort_chan_send(bc, big);
    } else if (!strcmp(s, "select_nocases")) {
        gort_select(NULL, 0, true);
    } else if (!strcmp(s, "select_deadlock")) {
        gort_case cs[2] = {
            {gort_chan_make(sizeof(int), 0), GORT_RECV, &v, false},
            {gort_chan_make(sizeof(int), 0), GORT_SEND, &v, false},
        };
        gort_select(cs, 2, true);
    } else if (!strcmp(s, "select_nil_only")) {
        gort_case cs[2] = {{NULL, GORT_RECV, &v, false}, {NULL, GORT_SEND, &v, false}};
        gort_select(cs, 2, true);
    } else if (!strcmp(s, "select_send_closed")) {
        c = gort_chan_make(sizeof(int), 5);
        gort_chan_close(c);
        gort_case cs[1] = {{c, GORT_SEND, &v, false}};
        gort_select(cs, 1, false);
    } else if (!strcmp(s, "select_send_closed_blocked")) {
        c = gort_chan_make(sizeof(int), 0);
        gort_go(select_send, NULL);
        chanwait(c, 1);
        gort_chan_close(c);
        /* Wait for the sender's panic: returning could exit first. */
        gort_select(NULL, 0, true);
    } else if (!strcmp(s, "select_bad_dir")) {
        gort_case cs[1] = {{NULL, 3, &v, false}};
        gort_select(cs, 1, false);
    } else if (!strcmp(s, "select_bad_n")) {
        gort_select(NULL, -1, false);
    } else if (!strcmp(s, "timer_nil")) {
        gort_timer_stop(NULL);
    } else if (!strcmp(s, "send_null")) {
        c = gort_chan_make(sizeof(int), 1);
        gort_chan_send(c, NULL);
    } else if (!strcmp(s, "send_null_zero")) {
        c = gort_chan_make(0, 1);
        gort_chan_send(c, NULL);        /* allowed: a chan struct{} */
        gort_select(&(gort_case){c, GORT_RECV, NULL, false}, 1, false);
        printf("zero-size send with NULL elem ok\n");
        gort_chan_free(c);
        return;
    } else if (!strcmp(s, "select_send_null")) {
        c = gort_chan_make(sizeof(int), 1);
        gort_case cs = {c, GORT_SEND, NULL, false};
        gort_select(&cs, 1, true);
    } else if (!strcmp(s, "mutex_unlock_unlocked")) {
        gort_mutex_lock(&mu);
        gort_mutex_unlock(&mu);
        gort_mutex_unlock(&mu);
    } else if (!strcmp(s, "rw_runlock_unlocked")) {
        gort_rwmutex_rlock(&rw);
        gort_rwmutex_runlock(&rw);
        gort_rwmutex_runlock(&rw);
    } else if (!strcmp(s, "rw_unlock_unlocked")) {
        gort_rwmutex_unlock(&rw);
    } else if (!strcmp(s, "cond_wait_unlocked")) {
        gort_cond_wait(&cond, &mu);
    } else if (!strcmp(s, "wg_negative")) {
        gort_waitgroup_add(&wg, 1);
        gort_waitgroup_done(&wg);
        gort_waitgroup_done(&wg);
    } else if (!strcmp(s, "wg_reuse")) {
        /* A waiter is readied by Done but has not run yet (one P: main
         * keeps it) when main reuses the group: the waiter, running at
         * last, finds the counter non-zero. */
        gort_waitgroup_add(&wg, 1);
        c = gort_chan_make(0, 0);
        gort_go(wg_wait, &wg);
        semawait(&wg.sema_, 1);
        gort_waitgroup_done(&wg);
        gort_waitgroup_add(&wg, 1);
        gort_chan_recv(c, NULL);    /* let the waiter run */
    } else if (!strcmp(s, "mutex_deadlock")) {
        gort_mutex_lock(&mu);
        gort_mutex_lock(&mu);
    } else if (!strcmp(s, "rw_lock_deadlock")) {
        gort_rwmutex_rlock(&rw);
        gort_rwmutex_lock(&rw);
    } else if (!strcmp(s, "rw_rlock_deadlock")) {
        gort_rwmutex_lock(&rw);
        gort_rwmutex_rlock(&rw);
    } else if (!strcmp(s, "wg_deadlock")) {
        gort_waitgroup_add(&wg, 1);
        gort_waitgroup_wait(&wg);
    } else if (!strcmp(s, "cond_deadlock")) {
        gort_mutex_lock(&mu);
        gort_cond_wait(&cond, &mu);
    } else if (!strcmp(s, "mutex_blocked_dump")) {
        gort_chan *started = gort_chan_make(0, 0);
        gort_mutex_lock(&mu);
        gort_go(lock_mu, started);
        gort_chan_recv(started, NULL);
        semawait(&mu.sema_, 1);
        gort_panic("dump");
    } else {
        fprintf(stderr, "chan_child: unknown scenario '%s'\n", s);
        gort_exit(64);
    }
    printf("[returned]\n");
}
