/*
 * stack_child: stack frames larger than a goroutine's guard region (stack
 * clash), one scenario per argv[1]; each must end in "fatal error: stack
 * overflow" with the goroutine report and status 2, never run on with
 * another goroutine's stack under its frame.  tests/CMakeLists.txt builds
 * it twice: with the flags gort::gort gives (-fstack-clash-protection),
 * and as stack_child_noprobe with -fno-stack-clash-protection, as code
 * built without them would be.
 *
 *   bigframe        a 300 KiB local array (more than the whole stack),
 *                   only its lowest byte written, then a call
 *   vla KIB         a variable-length array of KIB KiB, only its lowest
 *                   512 bytes written
 *   neighbour       goroutine A parks with a canary in its frame; B makes
 *                   a VLA just long enough to reach it and writes its low
 *                   end (shared/repro/stackclash.c): A's canary must stay
 *   bigframe_park   a 300 KiB local array, then gort_gosched with the
 *                   frame live: caught at the switch (soft guards too)
 *   recurse         unbounded recursion
 *
 * GORT_TEST_STACKGUARD=map makes the runtime guard stacks as it must on
 * Linux before 6.13 (mprotect), =soft gives every stack only a soft guard
 * (as past the mapping budget there): through the test-only hook
 * gort__test_stackguard, set by a constructor before the runtime starts.
 * On Windows, where the compilers probe every page of a frame larger than
 * a page whatever the flags (__chkstk), both builds probe, and "map" is
 * what the runtime does anyway (no mapping limit there).
 */
#include <gort.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif

extern int gort__test_stackguard;

__attribute__((constructor)) static void stackguardmode(void)
{
    const char *m = getenv("GORT_TEST_STACKGUARD");
    if (m && strcmp(m, "map") == 0)
        gort__test_stackguard = 1;
    else if (m && strcmp(m, "soft") == 0)
        gort__test_stackguard = 2;
}

#define NOINLINE __attribute__((noinline))

static volatile size_t vlabytes;
static volatile size_t lowest;  /* 0, as an index the compiler cannot know:
                                 * the whole array must exist (clang keeps
                                 * only the elements it sees used) */

static NOINLINE void bigframe(void *arg)
{
    (void)arg;
    volatile char buf[300 * 1024];
    buf[lowest] = 1;
    printf("bigframe survived: %d\n", buf[lowest]);
}

static NOINLINE void vla_low(size_t n)
{
    volatile char big[n];
    for (size_t i = 0; i < 512; i++)
        big[i] = 'B';
    printf("vla of %zu KiB survived: %c\n", n >> 10, big[0]);
}

static void vla_fn(void *arg)
{
    (void)arg;
    vla_low(vlabytes);
}

static gort_chan *wake, *done;
static volatile char *a_canary;

static void neighbour_a(void *arg)
{
    (void)arg;
    volatile char canary[512];
    memset((char *)canary, 'A', sizeof canary);
    a_canary = canary;
    int v;
    gort_chan_recv(wake, &v);           /* parked, its frame on its stack */
    int bad = 0;
    for (size_t i = 0; i < sizeof canary; i++)
        bad += canary[i] != 'A';
    printf("A: %d of %zu canary bytes overwritten\n", bad, sizeof canary);
    gort_chan_send(done, &v);
}

static void neighbour_b(void *arg)
{
    (void)arg;
    char here;
    uintptr_t dist = (uintptr_t)&here - (uintptr_t)a_canary;
    if ((uintptr_t)&here < (uintptr_t)a_canary) {
        /* A's stack is above B's: the VLA cannot reach it.  Go down
         * through the guard anyway, as far as A is up. */
        dist = (uintptr_t)a_canary - (uintptr_t)&here;
    }
    vla_low(dist - 64);
    int v = 1;
    gort_chan_send(wake, &v);
}

static NOINLINE void bigframe_park(void *arg)
{
    (void)arg;
    volatile char buf[300 * 1024];
    buf[lowest] = 1;
    gort_gosched();
    printf("bigframe_park survived: %d\n", buf[lowest]);
}

static NOINLINE int recurse(int depth)
{
    volatile char frame[256];
    if (depth == -1)    /* never: it keeps gcc's -Winfinite-recursion quiet */
        return 0;
    frame[0] = (char)depth;
    return recurse(depth + 1) + frame[0];
}

static void recurse_fn(void *arg)
{
    (void)arg;
    printf("recursed: %d\n", recurse(0));
}

void main_main(void)
{
#ifndef _WIN32
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
#endif
    const char *s = gort_argc() > 1 ? gort_argv()[1] : "";
    if (strcmp(s, "bigframe") == 0) {
        gort_go(bigframe, NULL);
    } else if (strcmp(s, "vla") == 0 && gort_argc() > 2) {
        vlabytes = (size_t)strtoull(gort_argv()[2], NULL, 10) << 10;
        gort_go(vla_fn, NULL);
    } else if (strcmp(s, "neighbour") == 0) {
        wake = gort_chan_make(sizeof(int), 1);
        done = gort_chan_make(sizeof(int), 0);
        gort_go(neighbour_a, NULL);
        while (a_canary == NULL)
            gort_sleep(GORT_MILLISECOND);
        gort_sleep(10 * GORT_MILLISECOND);  /* A is parked */
        gort_go(neighbour_b, NULL);
        int v;
        gort_chan_recv(done, &v);
    } else if (strcmp(s, "bigframe_park") == 0) {
        gort_go(bigframe_park, NULL);
    } else if (strcmp(s, "recurse") == 0) {
        gort_go(recurse_fn, NULL);
    } else {
        fprintf(stderr, "stack_child: unknown scenario \"%s\"\n", s);
        exit(100);
    }
    gort_sleep(2 * GORT_SECOND);
    printf("main: no stack overflow reported\n");
}
