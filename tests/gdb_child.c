/*
 * gdb_child.c - a program for the gdb extension's test
 * (tests/gdb_goroutines.cmake, gdb/gort.py): goroutines parked in a
 * channel receive, a select, a mutex lock and a sleep, each in a function
 * of its own name, and at GOMAXPROCS >= 2 one running on another thread;
 * once all of them are where they should be, main calls
 * gdb_goroutines_ready, where gdb has a breakpoint, and then exits; with
 * the argument "crash" it panics there instead (GOTRACEBACK=crash makes
 * that a SIGABRT and a core dump).  Each parked function does something
 * after the call that parks it, so that the call is not a tail call
 * (whose caller would not be on the stack for any debugger to show).
 */
#include <gort.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

static gort_chan *c1, *c2, *c3;
static volatile int after;      /* written after each parking call */
static gort_mutex mu;
static _Atomic int spinning;
static _Atomic int stop;

NOINLINE void gdb_goroutines_ready(void);
NOINLINE void gdb_goroutines_ready(void)
{
    __asm__ volatile("" ::: "memory");  /* a breakpoint lands here */
}

static NOINLINE void parked_in_chan_recv(void *arg)
{
    (void)arg;
    gort_chan_recv(c1, NULL);
    after++;
}

static NOINLINE void parked_in_select(void *arg)
{
    (void)arg;
    gort_case cs[2] = {{c2, GORT_RECV, NULL, false}, {c3, GORT_RECV, NULL, false}};
    gort_select(cs, 2, true);
    after++;
}

static NOINLINE void parked_in_mutex_lock(void *arg)
{
    (void)arg;
    gort_mutex_lock(&mu);
    gort_mutex_unlock(&mu);
    after++;
}

static NOINLINE void parked_in_sleep(void *arg)
{
    (void)arg;
    gort_sleep(3600 * GORT_SECOND);
    after++;
}

static NOINLINE void running_spinner(void *arg)
{
    (void)arg;
    atomic_store(&spinning, 1);
    while (!atomic_load(&stop))
        __asm__ volatile("" ::: "memory");   /* a spin the compiler keeps */
}

/* waiting reports whether the goroutine running fn is parked for reason. */
static bool waiting(gort_fn fn, waitReason reason)
{
    for (g *gp = atomic_load(&gort__allgs); gp; gp = gp->alllink)
        if (gp->fn == fn && readgstatus(gp) == Gwaiting && gp->waitreason == reason)
            return true;
    return false;
}

void main_main(void)
{
    c1 = gort_chan_make(0, 0);
    c2 = gort_chan_make(0, 0);
    c3 = gort_chan_make(0, 0);
    gort_mutex_lock(&mu);
    gort_go(parked_in_chan_recv, NULL);
    gort_go(parked_in_select, NULL);
    gort_go(parked_in_mutex_lock, NULL);
    gort_go(parked_in_sleep, NULL);
    bool spin = gort_gomaxprocs(0) >= 2;
    if (spin)
        gort_go(running_spinner, NULL);
    int64_t deadline = gort_nanotime() + 60 * GORT_SECOND;
    while (!(waiting(parked_in_chan_recv, waitReasonChanReceive) &&
             waiting(parked_in_select, waitReasonSelect) &&
             waiting(parked_in_mutex_lock, waitReasonSyncMutexLock) &&
             waiting(parked_in_sleep, waitReasonSleep) && (!spin || atomic_load(&spinning)))) {
        if (gort_nanotime() > deadline) {
            fprintf(stderr, "FAIL: the goroutines did not park\n");
            exit(1);
        }
        gort_sleep(GORT_MILLISECOND);
    }
    if (gort_argc() > 1 && strcmp(gort_argv()[1], "crash") == 0)
        gort_panic("gdb_child: crash for a core dump");
    gdb_goroutines_ready();
    atomic_store(&stop, 1);
    printf("done\n");
}
