/*
 * test_sched: the goroutine scheduler, run at GOMAXPROCS=1 and 2.
 *
 *  - gort_numgoroutine() is 1 at the start of main_main (no init
 *    functions here) and returns to 1 once every goroutine is done;
 *  - 12,000 goroutines each set their own slot exactly once: nothing is
 *    lost, nothing runs twice;
 *  - goroutine ids are unique (also across two batches: never reused);
 *  - gort_gosched lets another runnable goroutine run: at GOMAXPROCS=1 two
 *    yielding goroutines alternate strictly; at any GOMAXPROCS both finish;
 *  - gort_goexit from a nested call ends the goroutine: the code after the
 *    call never runs and the goroutine stops counting;
 *  - errno and gort_goid() survive gort_gosched and migration between
 *    threads (many goroutines at GOMAXPROCS=2); errno is read back in a
 *    separate NOINLINE function, because within one function the compiler
 *    may keep __errno_location's result across the switch (DESIGN.md);
 *  - gort_lockosthread: a locked goroutine stays on its thread across
 *    gort_gosched and wrapped calls, the thread runs no other goroutine
 *    meanwhile, and the others go on running;
 *  - GORT_SYSCALL(usleep(1000)) returns its value, and a goroutine blocked
 *    in a wrapped call (~200 ms of usleep, or a read() from a pipe that
 *    another goroutine fills) does not stop the others, even with one P:
 *    a counting goroutine advances meanwhile (no timing bound is checked).
 *
 * Assertions run on the main goroutine only; goroutines record.
 */
#ifndef _WIN32
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
#else
#include <fcntl.h>
#include <io.h>
#include <unistd.h>
#include <windows.h>
#endif
#include <errno.h>
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

static int start_numgoroutine;

/* wait_for yields until *flag reaches want. */
static void wait_for(atomic_int *flag, int want)
{
    while (atomic_load(flag) < want)
        gort_gosched();
}

/* wait_numgoroutine yields until only main is left. */
static void wait_alone(void)
{
    while (gort_numgoroutine() > 1)
        gort_gosched();
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------
 * Many goroutines.
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
 * Gosched.
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
 * Goexit.
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
 * errno and goid across switches and threads.
 * ---------------------------------------------------------------------- */

enum { NERRNO = 64, NSWITCH = 300 };

static atomic_int errno_bad, goid_bad, errno_done, migrated;

/* read_errno is a separate, non-inlinable function so that errno's
 * address is looked up afresh (see the comment at the top). */
static NOINLINE int read_errno(void)
{
    return errno;
}

static NOINLINE void set_errno(int v)
{
    errno = v;
}

static uintptr_t thread_id(void)
{
#ifdef _WIN32
    return (uintptr_t)GetCurrentThreadId();
#else
    return (uintptr_t)pthread_self();
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
 * System calls.
 * ---------------------------------------------------------------------- */

static atomic_int counting_stop;
static atomic_llong counter;

static void counter_fn(void *arg)
{
    (void)arg;
    while (!atomic_load(&counting_stop)) {
        atomic_fetch_add(&counter, 1);
        gort_gosched();
    }
}

static atomic_int sys_done, sys_bad;
static long long sys_before, sys_after;

static void sleeper_fn(void *arg)
{
    (void)arg;
    /* Let the counter start first. */
    while (atomic_load(&counter) == 0)
        gort_gosched();
    sys_before = atomic_load(&counter);
    int r = GORT_SYSCALL(usleep(200 * 1000));
    sys_after = atomic_load(&counter);
    if (r != 0)
        atomic_fetch_add(&sys_bad, 1);
    atomic_fetch_add(&sys_done, 1);
}

static void test_syscall_others_progress(void **state)
{
    (void)state;
    atomic_store(&counting_stop, 0);
    atomic_store(&counter, 0);
    gort_go(counter_fn, NULL);
    gort_go(sleeper_fn, NULL);
    wait_for(&sys_done, 1);
    atomic_store(&counting_stop, 1);
    wait_alone();
    assert_int_equal(atomic_load(&sys_bad), 0);
    print_message("GOMAXPROCS=%d: counter advanced by %lld during a 200ms wrapped usleep\n",
                  gort_gomaxprocs(0), sys_after - sys_before);
    assert_true(sys_after > sys_before);
}

static atomic_int short_done, short_bad;

static void short_sys_fn(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        int r = GORT_SYSCALL(usleep(1000));
        if (r != 0)
            atomic_fetch_add(&short_bad, 1);
        gort_entersyscall();
        gort_exitsyscall();
    }
    atomic_fetch_add(&short_done, 1);
}

static void test_syscall_short(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++)
        gort_go(short_sys_fn, NULL);
    wait_for(&short_done, 8);
    wait_alone();
    assert_int_equal(atomic_load(&short_bad), 0);
    /* Main may also wrap calls. */
    assert_int_equal(GORT_SYSCALL(usleep(1000)), 0);
    assert_int_equal(GORT_SYSCALL(42), 42);
}

/* A goroutine blocked in read() on an empty pipe, bracketed by
 * entersyscall/exitsyscall: another goroutine must get to run to write
 * the byte it waits for, even with a single P.  If the P were not handed
 * off, this would hang (and ctest's timeout would fail it). */
static int pipefd[2];
static atomic_int reader_in, reader_done, writer_counted;
static char reader_got;
static long reader_ret;

static void reader_fn(void *arg)
{
    (void)arg;
    atomic_store(&reader_in, 1);
    gort_entersyscall();
    reader_ret = (long)read(pipefd[0], &reader_got, 1);
    gort_exitsyscall();
    atomic_store(&reader_done, 1);
}

static void writer_fn(void *arg)
{
    (void)arg;
    while (!atomic_load(&reader_in))
        gort_gosched();
    /* Keep counting for a while, so that the reader is surely blocked. */
    for (int i = 0; i < 1000; i++) {
        atomic_fetch_add(&writer_counted, 1);
        gort_gosched();
    }
    char c = 'x';
    if (write(pipefd[1], &c, 1) != 1)
        atomic_store(&writer_counted, -1000000);
}

static void test_syscall_blocking_read(void **state)
{
    (void)state;
#ifdef _WIN32
    assert_int_equal(_pipe(pipefd, 64, _O_BINARY), 0);
#else
    assert_int_equal(pipe(pipefd), 0);
#endif
    gort_go(reader_fn, NULL);
    gort_go(writer_fn, NULL);
    wait_for(&reader_done, 1);
    wait_alone();
    assert_int_equal(reader_ret, 1);
    assert_int_equal(reader_got, 'x');
    assert_int_equal(atomic_load(&writer_counted), 1000);
    close(pipefd[0]);
    close(pipefd[1]);
}

/* ------------------------------------------------------------------------
 * LockOSThread.
 * ---------------------------------------------------------------------- */

enum { NLOCKED = 3, NFREE = 8, NLOCKYIELD = 300 };

static atomic_int lk_moved, lk_intruded, lk_done, lk_free_done, lk_stop;
static _Atomic uintptr_t lk_tids[NLOCKED];   /* a locked goroutine's thread, or 0 */
static atomic_llong lk_free_steps;

static void locked_fn(void *arg)
{
    int i = (int)(intptr_t)arg;
    gort_lockosthread();
    uintptr_t t = thread_id();
    atomic_store(&lk_tids[i], t);
    for (int k = 0; k < NLOCKYIELD; k++) {
        if (k % 50 == 25) {
            /* A wrapped call gives the P away; the goroutine comes back
             * on its own thread all the same. */
            GORT_SYSCALL(usleep(100));
        } else {
            gort_gosched();
        }
        if (thread_id() != t)
            atomic_fetch_add(&lk_moved, 1);
    }
    atomic_store(&lk_tids[i], 0);
    gort_unlockosthread();
    gort_gosched();
    atomic_fetch_add(&lk_done, 1);
}

static void free_fn(void *arg)
{
    (void)arg;
    while (!atomic_load(&lk_stop)) {
        uintptr_t me = thread_id();     /* first where we are, then who is locked */
        for (int i = 0; i < NLOCKED; i++) {
            if (atomic_load(&lk_tids[i]) == me)
                atomic_fetch_add(&lk_intruded, 1);
        }
        atomic_fetch_add(&lk_free_steps, 1);
        gort_gosched();
    }
    atomic_fetch_add(&lk_free_done, 1);
}

/* Locked goroutines stay on their threads across gosched and wrapped
 * calls, their threads run nothing else meanwhile, and the other
 * goroutines go on running (on other threads, even at GOMAXPROCS=1). */
static void test_lockosthread(void **state)
{
    (void)state;
    for (int i = 0; i < NFREE; i++)
        gort_go(free_fn, NULL);
    for (intptr_t i = 0; i < NLOCKED; i++)
        gort_go(locked_fn, (void *)i);
    /* main locks too, for a while. */
    gort_lockosthread();
    uintptr_t t = thread_id();
    for (int k = 0; k < 100; k++) {
        gort_gosched();
        assert_true(thread_id() == t);
    }
    gort_unlockosthread();
    wait_for(&lk_done, NLOCKED);
    long long steps = atomic_load(&lk_free_steps);
    atomic_store(&lk_stop, 1);
    wait_for(&lk_free_done, NFREE);
    wait_alone();
    assert_int_equal(atomic_load(&lk_moved), 0);
    assert_int_equal(atomic_load(&lk_intruded), 0);
    assert_true(steps > 0);
}

void main_main(void)
{
    /* libcmocka keeps its state in thread-local storage: the main
     * goroutine, which runs it, stays on one thread (tests/CMakeLists.txt).
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
        cmocka_unit_test(test_syscall_others_progress),
        cmocka_unit_test(test_syscall_short),
        cmocka_unit_test(test_syscall_blocking_read),
        cmocka_unit_test(test_lockosthread),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
