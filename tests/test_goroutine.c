/*
 * test_goroutine.c - goroutines: gort_go, gort_goid, gort_numgoroutine,
 * gort_gosched and gort_goexit, and a goroutine's errno and id across
 * switches and threads.  Runs at GOMAXPROCS=1 and 2.
 */
#ifndef _WIN32
#define _GNU_SOURCE
#include <pthread.h>
#else
#include <windows.h>
#endif
#include <errno.h>
#include <fenv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gort.h>
#include <cmocka.h>

#define NOINLINE __attribute__((noinline))

#include "testyield.h"   /* wait_for, wait_alone; assertions on main only */

static int start_numgoroutine;


static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------
 * Many goroutines.  gort_numgoroutine() is 1 at the start of main_main
 * (no init functions here) and returns to 1 once every goroutine is
 * done; 12,000 goroutines each set their own slot exactly once: nothing
 * is lost, nothing runs twice; goroutine ids are unique (also across two
 * batches: never reused).
 * ---------------------------------------------------------------------- */

enum { NMANY = 12000 };

static atomic_int slots[NMANY];
static int64_t goids[2 * NMANY];
static atomic_int many_done;

static void slot_fn(void *arg)
{
    intptr_t i = (intptr_t)arg;
    goids[i] = gort_goid();
    if (i % 7 == 0)
        gort_gosched();
    atomic_fetch_add(&slots[i % NMANY], 1);
    atomic_fetch_add(&many_done, 1);
}

static void test_numgoroutine_start(void **state)
{
    (void)state;
    assert_int_equal(start_numgoroutine, 1);
    assert_int_equal(gort_numgoroutine(), 1);
    assert_int_equal(gort_goid(), 1);
}

static void test_many(void **state)
{
    (void)state;
    for (intptr_t i = 0; i < NMANY; i++)
        gort_go(slot_fn, (void *)i);
    assert_true(gort_numgoroutine() >= 1);
    wait_for(&many_done, NMANY);
    for (int i = 0; i < NMANY; i++) {
        if (atomic_load(&slots[i]) != 1)
            fail_msg("slot %d was set %d times", i, atomic_load(&slots[i]));
    }
    wait_alone();
    assert_int_equal(gort_numgoroutine(), 1);
}

static void test_goids_unique(void **state)
{
    (void)state;
    /* A second batch: ids are never reused, so all 2*NMANY are distinct. */
    atomic_store(&many_done, 0);
    for (intptr_t i = NMANY; i < 2 * NMANY; i++)
        gort_go(slot_fn, (void *)i);
    wait_for(&many_done, NMANY);
    wait_alone();
    qsort(goids, 2 * NMANY, sizeof goids[0], cmp64);
    assert_true(goids[0] > 1);
    for (int i = 1; i < 2 * NMANY; i++) {
        if (goids[i] == goids[i - 1])
            fail_msg("goroutine id %lld was given twice", (long long)goids[i]);
    }
    for (int i = 0; i < NMANY; i++)
        assert_int_equal(atomic_load(&slots[i]), 2);
}

/* ------------------------------------------------------------------------
 * Gosched lets another runnable goroutine run: at GOMAXPROCS=1 two
 * yielding goroutines alternate strictly; at any GOMAXPROCS both finish.
 * ---------------------------------------------------------------------- */

enum { NYIELD = 1000 };

static char ilog[2 * NYIELD + 1];
static atomic_int ilen;
static atomic_int ydone;

static void yielder(void *arg)
{
    char me = (char)(intptr_t)arg;
    for (int i = 0; i < NYIELD; i++) {
        ilog[atomic_fetch_add(&ilen, 1)] = me;
        gort_gosched();
    }
    atomic_fetch_add(&ydone, 1);
}

static void test_gosched_interleaves(void **state)
{
    (void)state;
    atomic_store(&ilen, 0);
    atomic_store(&ydone, 0);
    gort_go(yielder, (void *)'A');
    gort_go(yielder, (void *)'B');
    wait_for(&ydone, 2);
    wait_alone();
    assert_int_equal(atomic_load(&ilen), 2 * NYIELD);
    int na = 0, nb = 0;
    for (int i = 0; i < 2 * NYIELD; i++)
        ilog[i] == 'A' ? na++ : nb++;
    assert_int_equal(na, NYIELD);
    assert_int_equal(nb, NYIELD);
    if (gort_gomaxprocs(0) == 1) {
        /* One P: each yield lets the other (runnable) goroutine run, so
         * the log alternates from the start to the end. */
        for (int i = 1; i < 2 * NYIELD; i++) {
            if (ilog[i] == ilog[i - 1])
                fail_msg("no interleaving at step %d: ...%.10s...", i, &ilog[i > 5 ? i - 5 : 0]);
        }
    }
}

/* ------------------------------------------------------------------------
 * Goexit from a nested call ends the goroutine: the code after the call
 * never runs and the goroutine stops counting.
 * ---------------------------------------------------------------------- */

static atomic_int goexit_before, goexit_after, goexit_deferred_return;

static NOINLINE void goexit_inner(int depth)
{
    if (depth < 0)
        return;
    if (depth == 0) {
        atomic_fetch_add(&goexit_before, 1);
        gort_goexit();
    }
    goexit_inner(depth - 1);
    atomic_fetch_add(&goexit_deferred_return, 1);   /* never: goexit does not return */
}

static void goexit_fn(void *arg)
{
    (void)arg;
    gort_gosched();
    goexit_inner(5);
    atomic_fetch_add(&goexit_after, 1);
}

static void test_goexit_nested(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++)
        gort_go(goexit_fn, NULL);
    wait_for(&goexit_before, 20);
    wait_alone();
    assert_int_equal(gort_numgoroutine(), 1);
    assert_int_equal(atomic_load(&goexit_before), 20);
    assert_int_equal(atomic_load(&goexit_after), 0);
    assert_int_equal(atomic_load(&goexit_deferred_return), 0);
}

/* ------------------------------------------------------------------------
 * errno and goid across switches and threads: both survive gort_gosched
 * and migration between threads (many goroutines at GOMAXPROCS=2).
 * errno is read back in a separate NOINLINE function, because within one
 * function the compiler may keep __errno_location's result across the
 * switch (DESIGN.md).
 * ---------------------------------------------------------------------- */

enum { NERRNO = 64, NSWITCH = 300 };

static atomic_int errno_bad, goid_bad, errno_done, migrated;

/* read_errno is a separate, non-inlinable function so that errno's
 * address is looked up afresh (see the comment above). */
static NOINLINE int read_errno(void)
{
    return errno;
}

static NOINLINE void set_errno(int v)
{
    errno = v;
}

/* thread_id names the thread the goroutine runs on now.  glibc declares
 * pthread_self const, so a compiler may call it once and keep the result
 * across gort_gosched (clang hoists it out of loops: DESIGN.md's TLS
 * trap).  A volatile pointer to it must be re-read at every call. */
static uintptr_t thread_id(void)
{
#ifdef _WIN32
    return (uintptr_t)GetCurrentThreadId();
#else
    static pthread_t (*volatile self)(void) = pthread_self;
    return (uintptr_t)self();
#endif
}

static void errno_fn(void *arg)
{
    int mine = 1000 + (int)(intptr_t)arg;
    int64_t id = gort_goid();
    uintptr_t t0 = thread_id();
    bool moved = false;
    set_errno(mine);
    for (int i = 0; i < NSWITCH; i++) {
        gort_gosched();
        if (read_errno() != mine)
            atomic_fetch_add(&errno_bad, 1);
        if (gort_goid() != id)
            atomic_fetch_add(&goid_bad, 1);
        if (thread_id() != t0)
            moved = true;
        if (i % 50 == 49) {
            mine++;
            set_errno(mine);
        }
    }
    if (moved)
        atomic_fetch_add(&migrated, 1);
    atomic_fetch_add(&errno_done, 1);
}

static void test_errno_goid_across_switches(void **state)
{
    (void)state;
    set_errno(7);
    for (intptr_t i = 0; i < NERRNO; i++)
        gort_go(errno_fn, (void *)(i * 10));
    wait_for(&errno_done, NERRNO);
    wait_alone();
    assert_int_equal(atomic_load(&errno_bad), 0);
    assert_int_equal(atomic_load(&goid_bad), 0);
    /* main's own errno survived all those switches too. */
    assert_int_equal(read_errno(), 7);
    assert_int_equal(gort_goid(), 1);
    print_message("GOMAXPROCS=%d: %d of %d goroutines moved between threads\n",
                  gort_gomaxprocs(0), atomic_load(&migrated), NERRNO);
}

/* ------------------------------------------------------------------------
 * The control words across switches: the x87 control word and MXCSR's
 * control bits are callee-saved, so each goroutine keeps its own rounding
 * mode across gort_gosched and channel parks, whether the goroutine it
 * switched with had the same words (the direct switch then loads nothing,
 * asm_amd64.S, swapgo) or other ones (then it loads them), on one thread
 * or after moving to another.
 * ---------------------------------------------------------------------- */

enum { NCW = 16, NCWROUNDS = 2000 };

static atomic_int cw_bad, cw_done;
static gort_chan *cwchan[NCW / 2];

static const int cwmodes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};

/* cwcheck reads both control words and says whether each has mode. */
static NOINLINE bool cwcheck(int mode)
{
#if defined(__x86_64__)
    uint16_t cw;
    uint32_t csr;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    /* x87: rounding control in bits 10-11; SSE: bits 13-14; both use
     * fenv.h's encoding shifted (FE_* are the x87 bits). */
    return (cw & 0x0C00) == (unsigned)mode && (csr & 0x6000) == (unsigned)mode << 3 &&
           fegetround() == mode;
#else
    return fegetround() == mode;    /* arm64: FPCR's rounding mode */
#endif
}

static void cw_fn(void *arg)
{
    intptr_t i = (intptr_t)arg;
    int mode = cwmodes[i % 4];      /* pairs (i, i ^ 1): different modes */
    if (i >= NCW / 2)
        mode = cwmodes[(i / 2) % 4];  /* pairs with the same mode */
    gort_chan *c = cwchan[i / 2];   /* each pair has its own channel */
    fesetround(mode);
    for (int r = 0; r < NCWROUNDS; r++) {
        if (r % 3 == 0) {
            gort_gosched();
        } else {
            int v = r;
            /* One of each pair sends first; both end up parked and
             * woken by a direct switch as often as not. */
            if (i & 1) {
                gort_chan_send(c, &v);
                gort_chan_recv(c, &v);
            } else {
                gort_chan_recv(c, &v);
                gort_chan_send(c, &v);
            }
        }
        if (!cwcheck(mode))
            atomic_fetch_add(&cw_bad, 1);
    }
    atomic_fetch_add(&cw_done, 1);
}

static void test_control_words_across_switches(void **state)
{
    (void)state;
    for (int k = 0; k < NCW / 2; k++)
        cwchan[k] = gort_chan_make(sizeof(int), 0);
    for (intptr_t i = 0; i < NCW; i++)
        gort_go(cw_fn, (void *)i);
    wait_for(&cw_done, NCW);
    wait_alone();
    assert_int_equal(atomic_load(&cw_bad), 0);
    assert_true(cwcheck(FE_TONEAREST));   /* main's own, after all that */
    for (int k = 0; k < NCW / 2; k++)
        gort_chan_free(cwchan[k]);
}

void main_main(void)
{
    /* libcmocka keeps its state in thread-local storage: the main
     * goroutine, which runs it, stays on one thread (cmake/testing.cmake).
     * The tests' own goroutines move between threads freely. */
    gort_lockosthread();
    start_numgoroutine = gort_numgoroutine();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numgoroutine_start),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_goids_unique),
        cmocka_unit_test(test_gosched_interleaves),
        cmocka_unit_test(test_goexit_nested),
        cmocka_unit_test(test_errno_goid_across_switches),
        cmocka_unit_test(test_control_words_across_switches),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
