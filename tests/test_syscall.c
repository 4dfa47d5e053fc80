/*
 * test_syscall.c - system calls: a goroutine in a wrapped call
 * (GORT_SYSCALL, gort_entersyscall/exitsyscall) hands its P off, so the
 * others run on, even at GOMAXPROCS=1.  Runs at GOMAXPROCS=1 and 2.
 */
#include <unistd.h>
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gort.h>
#include <cmocka.h>

#include "testyield.h"   /* wait_for, wait_alone; assertions on main only */

/* waitgoroutines sleeps until at most n goroutines are left. */
static void waitgoroutines(int n)
{
    while (gort_numgoroutine() > n)
        gort_sleep(GORT_MILLISECOND);
}

/* ------------------------------------------------------------------------
 * Wrapped calls.  GORT_SYSCALL(usleep(1000)) returns its value, and a
 * goroutine blocked in a wrapped call (~200 ms of usleep, or a read()
 * from a pipe that another goroutine fills) does not stop the others,
 * even with one P: a counting goroutine advances meanwhile (no timing
 * bound is checked).
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
 * A blocking call does not stop the others: one goroutine spends 200 ms
 * in nanosleep (Sleep on Windows) between gort_entersyscall and
 * gort_exitsyscall, and a counting goroutine advances meanwhile.
 * ---------------------------------------------------------------------- */

static _Atomic int blockdone;

static void blocker(void *arg)
{
    (void)arg;
    gort_entersyscall();
    int64_t until = gort_nanotime() + 200 * GORT_MILLISECOND;
    while (gort_nanotime() < until) {
#ifdef _WIN32
        Sleep(10);
#else
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
#endif
    }
    gort_exitsyscall();
    blockdone = 1;
}

static _Atomic int64_t progress;

static void handoff_counter(void *arg)
{
    (void)arg;
    while (!blockdone) {
        progress++;
        gort_gosched();
    }
}

static void test_syscall_handoff(void **state)
{
    (void)state;
    blockdone = 0;
    progress = 0;
    gort_go(blocker, NULL);
    gort_go(handoff_counter, NULL);
    waitgoroutines(1);
    assert_true(progress > 0);
}

void main_main(void)
{
    gort_lockosthread();    /* cmocka keeps its state in thread-local storage */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscall_others_progress),
        cmocka_unit_test(test_syscall_short),
        cmocka_unit_test(test_syscall_blocking_read),
        cmocka_unit_test(test_syscall_handoff),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
