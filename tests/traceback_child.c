/*
 * traceback_child: the frames of goroutine reports (panic.c, symtab.c):
 * file:line from the line table, runtime frames per GOTRACEBACK, a parked
 * goroutine's frames, "created by" with its place.  tests/CMakeLists.txt
 * finds the lines of the @-markers below and checks the report's lines
 * against them; it also builds this file without debug information
 * (traceback_child_nodebug, traceback_child_nopie) and checks that
 * addr2line maps each exe+offset to the function it was printed for.
 *
 *   panic    main_main -> tb_outer -> tb_inner -> gort_panic("traceback")
 *   parked   a goroutine parks in tb_wait (called from tb_parker) on a
 *            channel nobody sends on; then main panics as in panic
 *   qsort    the comparison function that the C library's qsort calls
 *            panics: the library's frames are its file+offset
 *   inlined  main_main -> tb_viainl -> tb_inl (always inlined) -> gort_panic:
 *            the inlined call is a frame of its own, as in Go
 *   running  (GOMAXPROCS >= 2) a goroutine spins on another thread while
 *            main panics as in panic: its stack is unavailable
 */
#include <gort.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define NOINL __attribute__((noinline))

/* An empty asm after each call keeps it from being a tail call (whose
 * frame would be gone from the backtrace). */
#define KEEP() __asm__ volatile("")

static NOINL void tb_inner(int n)
{
    gort_panic("traceback %d", n);      /* @panic-call */
}

static NOINL void tb_outer(int n)
{
    tb_inner(n + 1);                    /* @inner-call */
    KEEP();
}

static inline __attribute__((always_inline)) void tb_inl(int n)
{
    gort_panic("inlined %d", n);        /* @inl-panic-call */
}

static NOINL void tb_viainl(int n)
{
    tb_inl(n * 2);                      /* @inl-call */
    KEEP();
}

static gort_chan *never;
static _Atomic(g *) parkerg;

static NOINL void tb_wait(void)
{
    int v;
    gort_chan_recv(never, &v);          /* @recv-call */
    KEEP();
}

static NOINL void tb_parker(void *arg)
{
    (void)arg;
    atomic_store(&parkerg, gort__getg_needm());
    tb_wait();                          /* @wait-call */
    KEEP();
}

static NOINL int tb_compare(const void *a, const void *b)
{
    (void)a, (void)b;
    gort_panic("in qsort");             /* @compare-call */
}

static g *_Atomic spinnerg;

static NOINL void tb_spinner(void *arg)
{
    (void)arg;
    atomic_store(&spinnerg, gort__getg_needm());
    for (;;)                            /* never yields: stays running */
        __asm__ volatile("" ::: "memory");   /* a spin the compiler keeps */
}

void main_main(void)
{
    const char *s = gort_argc() > 1 ? gort_argv()[1] : "";
    if (strcmp(s, "parked") == 0) {
        never = gort_chan_make(sizeof(int), 0);
        gort_go(tb_parker, NULL);       /* @go-call */
        /* Until the parker has parked (at any GOMAXPROCS). */
        g *gp;
        while ((gp = atomic_load(&parkerg)) == NULL || readgstatus(gp) != Gwaiting)
            gort_gosched();
    } else if (strcmp(s, "inlined") == 0) {
        tb_viainl(3);                   /* @viainl-call */
        KEEP();
    } else if (strcmp(s, "running") == 0) {
        gort_go(tb_spinner, NULL);
        /* Until the spinner runs on the other thread.  Under load sysmon
         * may preempt it (at the spin: runnable, on the global queue)
         * before this goroutine gets the other P, so its status is
         * checked, not only that it has started. */
        g *gp;
        while ((gp = atomic_load(&spinnerg)) == NULL || readgstatus(gp) != Grunning)
            gort_gosched();
    } else if (strcmp(s, "qsort") == 0) {
        int v[4] = {4, 3, 2, 1};
        qsort(v, 4, sizeof v[0], tb_compare);
        KEEP();
    } else if (strcmp(s, "panic") != 0) {
        fprintf(stderr, "unknown scenario %s\n", s);
        gort_exit(1);
    }
    tb_outer(1);                        /* @outer-call */
    KEEP();
}
