/*
 * rawswitch: the runtime's lowest context switch, without the scheduler.
 * Size: round trips (default 2,000,000); prints ns_per_op, per switch.
 *
 * gort has no public switch below gort_gosched.  Inside, the lowest is
 * gort__swapgo (arch/amd64/asm_amd64.S): save the running context, resume
 * another, the switch proc.c makes from one goroutine straight to the
 * next.  Here two contexts hand control back and forth with it and with
 * nothing else: the main goroutine and a coroutine on a stack of its own,
 * started with gort__mcall.  The scheduler's share of a switch is what
 * bench/gosched.c adds.  Both contexts belong to the main goroutine as
 * far as the runtime knows; the coroutine calls nothing but the switch.
 * Switches are announced to AddressSanitizer as the runtime's are (in a
 * plain build that is nothing).
 *
 * Go has no switch below runtime.Gosched that a program can call:
 * bench/go/rawswitch is the Gosched ping at GOMAXPROCS=1, for reference.
 */
#include "bench.h"

#include "runtime.h"
#include "arch.h"
#include "sanitizer.h"

static gobuf mainctx, coctx;            /* the saved contexts */
static void *mainfake, *cofake;         /* ASan's fake stacks */
static stack mainstk, costk;            /* both stacks' bounds, for ASan */

/* tomain and toco switch from one context to the other. */
static inline void tomain(void)
{
    asan_start_switch(&cofake, (void *)mainstk.lo, mainstk.hi - mainstk.lo);
    gort__swapgo(&coctx, &mainctx);
    asan_finish_switch(cofake);
}

static inline void toco(void)
{
    asan_start_switch(&mainfake, (void *)costk.lo, costk.hi - costk.lo);
    gort__swapgo(&mainctx, &coctx);
    asan_finish_switch(mainfake);
}

/* coroutine switches straight back, forever. */
static void coroutine(void *arg)
{
    (void)arg;
    asan_finish_switch(NULL);
    for (;;)
        tomain();
}

void main_main(void)
{
    long n = bench_size(2000000);
    enum { COSTACK = 64 << 10 };
    char *lo = malloc(COSTACK);
    bench_check(lo != NULL, "out of memory");
    uintptr_t hi = ((uintptr_t)lo + COSTACK) & ~(uintptr_t)15;
    costk = (stack){.lo = (uintptr_t)lo, .hi = hi};
    mainstk = getg()->stack;
    /* Start the coroutine on its stack (mcall's "g0" argument: from its
     * top, with its bounds); its first switch comes back here. */
    gobuf start = {.sp = hi, .lo = (uintptr_t)lo, .hi = hi, .dealloc = (uintptr_t)lo};
    asan_start_switch(&mainfake, (void *)costk.lo, costk.hi - costk.lo);
    gort__mcall(&mainctx, &start, coroutine, NULL);
    asan_finish_switch(mainfake);

    int64_t t0 = gort_nanotime();
    for (long i = 0; i < n; i++)
        toco();
    int64_t t1 = gort_nanotime();
    bench_report("ns_per_op", (double)(t1 - t0) / (2.0 * (double)n));
}
