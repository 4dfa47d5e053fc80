/*
 * schedtrace.c - a child for the GODEBUG=schedtrace and scheddetail
 * tests: it keeps the scheduler busy (goroutines that sleep and yield,
 * one parked on a channel, one locked to its thread) until sysmon has
 * printed at least three SCHED reports since the parked and the locked
 * goroutine got there (so that a report shows both), then exits 0.  It
 * waits for those (gort__schedtraces), not for a time, so a loaded
 * machine (or qemu-user) makes it slower, never wrong; after 60 s
 * without them it fails.
 */
#include <gort.h>
#include <stdio.h>

#include "runtime.h"

static _Atomic bool stop;
static _Atomic int ready;       /* parked and locked are on their way */
static gort_chan *never;

static void napper(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        gort_sleep(2 * GORT_MILLISECOND);
        gort_gosched();
    }
}

static void parked(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ready, 1);        /* it parks next, with nothing between */
    gort_chan_recv(never, NULL);
}

static void locked(void *arg)
{
    (void)arg;
    gort_lockosthread();
    atomic_fetch_add(&ready, 1);
    while (!atomic_load(&stop))
        gort_sleep(GORT_MILLISECOND);
    gort_unlockosthread();
}

void main_main(void)
{
    never = gort_chan_make(0, 0);
    gort_go(parked, NULL);
    gort_go(locked, NULL);
    for (int i = 0; i < 4; i++)
        gort_go(napper, NULL);
    int64_t deadline = gort_nanotime() + 60 * GORT_SECOND;
    while (atomic_load(&ready) < 2)
        gort_sleep(GORT_MILLISECOND);
    /* One report may be under way as they get there: three more. */
    uint32_t base = atomic_load(&gort__schedtraces);
    while (atomic_load(&gort__schedtraces) < base + 3) {
        if (gort_nanotime() > deadline) {
            fprintf(stderr, "FAIL: no three SCHED reports in 60 s\n");
            gort_exit(1);
        }
        gort_sleep(GORT_MILLISECOND);
    }
    atomic_store(&stop, true);
    printf("done\n");
}
