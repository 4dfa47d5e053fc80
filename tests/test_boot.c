/*
 * test_boot: the boot path as a program sees it.
 *
 *  - argc/argv as ctest passes them (tests/CMakeLists.txt gives the three
 *    arguments in want_args, one with spaces and one UTF-8), argv[argc] NULL;
 *  - main_main runs on goroutine 1;
 *  - GORT_INIT functions ran before main_main, each exactly once, on
 *    goroutine 1, in source order within a translation unit and in link
 *    order across the two (test_boot.c, then test_boot_init2.c);
 *  - an init function may start goroutines: one that finishes during init,
 *    and one that is still alive (blocked until main releases it) when
 *    main_main starts, so gort_numgoroutine() is exactly 2 there;
 *  - gort_gomaxprocs(0) reads, gort_gomaxprocs(n) sets and returns the
 *    previous value, up and down, and goroutines run after each change;
 *    its value at start-up is what TEST_WANT_GOMAXPROCS says ("ncpu":
 *    gort_numcpu(), used for the runs with GOMAXPROCS unset, empty, or not
 *    a positive decimal number);
 *  - gort_numcpu() >= 1, equals the affinity mask's CPU count on Linux, and
 *    TEST_WANT_NUMCPU when set (the taskset run);
 *  - libc from goroutines: malloc/free, snprintf/printf, qsort of a 100k
 *    array, a big stack frame, a __thread variable, errno.
 *
 * Assertions run on the main goroutine only (cmocka's failure path jumps
 * back to the runner's stack); goroutines record, the test checks.
 */
#ifndef _WIN32
#define _GNU_SOURCE     /* sched_getaffinity, CPU_COUNT */
#include <sched.h>
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

#include "test_boot.h"

/* The arguments tests/CMakeLists.txt passes. */
static const char *const want_args[] = {"alpha", "two words", "ünïcødé ✓"};

/* ------------------------------------------------------------------------
 * What happened before main_main.
 * ---------------------------------------------------------------------- */

static int main_started;        /* set first thing in main_main */
static int start_numgoroutine;
static int start_gomaxprocs;
static int64_t start_goid;

#define MAXINIT 16
static struct {
    const char *name;
    int64_t goid;
    int main_started;
} initlog[MAXINIT];
static int ninit;

/* boot_record_init logs an init function's run (test_boot_init2.c too). */
void boot_record_init(const char *name)
{
    if (ninit < MAXINIT)
        initlog[ninit] = (typeof(initlog[0])){name, gort_goid(), main_started};
    ninit++;
}

/* init_b's goroutine: it finishes during init. */
static atomic_int early_ran;
static atomic_llong early_goid;

static void early_fn(void *arg)
{
    (void)arg;
    atomic_store(&early_goid, gort_goid());
    atomic_store(&early_ran, 1);
}

/* init_c's goroutine: it lives on into main_main, until released. */
static atomic_int late_started, late_release, late_done;

static void late_fn(void *arg)
{
    (void)arg;
    atomic_store(&late_started, 1);
    while (!atomic_load(&late_release))
        gort_gosched();
    atomic_store(&late_done, 1);
}

GORT_INIT(init_a)
{
    boot_record_init("a");
}

GORT_INIT(init_b)
{
    boot_record_init("b");
    gort_go(early_fn, NULL);
    /* Wait until it has run and is gone: goroutines run during init. */
    while (!atomic_load(&early_ran) || gort_numgoroutine() > 1)
        gort_gosched();
}

GORT_INIT(init_c)
{
    boot_record_init("c");
    gort_go(late_fn, NULL);
}

/* ------------------------------------------------------------------------
 * Helpers.
 * ---------------------------------------------------------------------- */

/* wait_for yields until *flag reaches want. */
static void wait_for(atomic_int *flag, int want)
{
    while (atomic_load(flag) < want)
        gort_gosched();
}

/* wait_numgoroutine yields until only n goroutines are left. */
static void wait_numgoroutine(int n)
{
    while (gort_numgoroutine() > n)
        gort_gosched();
}

/* run_in_goroutines runs fn(i) for i in [0, n) on n goroutines and waits. */
static atomic_int rg_done;
static void (*rg_fn)(int);
static void rg_body(void *arg)
{
    rg_fn((int)(intptr_t)arg);
    atomic_fetch_add(&rg_done, 1);
}

static void run_in_goroutines(void (*fn)(int), int n)
{
    atomic_store(&rg_done, 0);
    rg_fn = fn;
    for (int i = 0; i < n; i++)
        gort_go(rg_body, (void *)(intptr_t)i);
    wait_for(&rg_done, n);
    wait_numgoroutine(1);
}

/* ------------------------------------------------------------------------
 * Command line, main goroutine, init functions.
 * ---------------------------------------------------------------------- */

static void test_args(void **state)
{
    (void)state;
    int n = (int)(sizeof want_args / sizeof want_args[0]);
    assert_int_equal(gort_argc(), n + 1);
    char **argv = gort_argv();
    assert_non_null(argv);
    assert_non_null(argv[0]);
    assert_true(strstr(argv[0], "test_boot") != NULL);
    for (int i = 0; i < n; i++)
        assert_string_equal(argv[i + 1], want_args[i]);
    assert_null(argv[gort_argc()]);
    /* The same array every time. */
    assert_ptr_equal(gort_argv(), argv);
}

static void test_main_goroutine(void **state)
{
    (void)state;
    assert_int_equal(start_goid, 1);
    assert_int_equal(gort_goid(), 1);
}

static void test_init_order(void **state)
{
    (void)state;
    static const char *const want[] = {"a", "b", "c", "d", "e"};
    assert_int_equal(ninit, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(initlog[i].name, want[i]);
        assert_int_equal(initlog[i].goid, 1);
        assert_int_equal(initlog[i].main_started, 0);
    }
}

static void test_init_goroutines(void **state)
{
    (void)state;
    /* init_b's goroutine ran during init, on a goroutine of its own. */
    assert_int_equal(atomic_load(&early_ran), 1);
    assert_true(atomic_load(&early_goid) > 1);
    /* init_c's goroutine is alive and waiting for us: main + it. */
    assert_int_equal(start_numgoroutine, 2);
    wait_for(&late_started, 1);
    assert_int_equal(atomic_load(&late_done), 0);
    atomic_store(&late_release, 1);
    wait_for(&late_done, 1);
    wait_numgoroutine(1);
    assert_int_equal(gort_numgoroutine(), 1);
}

/* ------------------------------------------------------------------------
 * GOMAXPROCS and NumCPU.
 * ---------------------------------------------------------------------- */

static void test_numcpu(void **state)
{
    (void)state;
    int n = gort_numcpu();
    assert_true(n >= 1);
#ifndef _WIN32
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
    assert_int_equal(n, CPU_COUNT(&set));
#endif
    const char *want = getenv("TEST_WANT_NUMCPU");
    if (want != NULL && *want != '\0')
        assert_int_equal(n, atoi(want));
}

static void test_gomaxprocs_default(void **state)
{
    (void)state;
    const char *want = getenv("TEST_WANT_GOMAXPROCS");
    const char *env = getenv("GOMAXPROCS");
    print_message("GOMAXPROCS=%s%s%s: gomaxprocs %d, numcpu %d\n", env ? "\"" : "(unset)",
                  env ? env : "", env ? "\"" : "", start_gomaxprocs, gort_numcpu());
    if (want == NULL || *want == '\0') {
        /* Run by hand: at least it is sane. */
        assert_true(start_gomaxprocs >= 1);
        return;
    }
    if (strcmp(want, "ncpu") == 0)
        assert_int_equal(start_gomaxprocs, gort_numcpu());
    else
        assert_int_equal(start_gomaxprocs, atoi(want));
}

static atomic_int gmp_ran;
static void gmp_fn(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        gort_gosched();
    atomic_fetch_add(&gmp_ran, 1);
}

/* spawn_some checks the scheduler still runs goroutines. */
static void spawn_some(int n)
{
    atomic_store(&gmp_ran, 0);
    for (int i = 0; i < n; i++)
        gort_go(gmp_fn, NULL);
    wait_for(&gmp_ran, n);
    wait_numgoroutine(1);
}

static void test_gomaxprocs_set(void **state)
{
    (void)state;
    int cur = gort_gomaxprocs(0);
    assert_int_equal(cur, start_gomaxprocs);
    assert_int_equal(gort_gomaxprocs(0), cur);  /* reading changes nothing */
    assert_int_equal(gort_gomaxprocs(-5), cur); /* neither does n < 1 */
    assert_int_equal(gort_gomaxprocs(cur), cur); /* the same value again */
    assert_int_equal(gort_gomaxprocs(0), cur);

    /* More Ps than CPUs is allowed, as in Go; after each change the
     * scheduler still runs goroutines. */
    assert_int_equal(gort_gomaxprocs(cur + 2), cur);
    assert_int_equal(gort_gomaxprocs(0), cur + 2);
    spawn_some(50);
    assert_int_equal(gort_gomaxprocs(1), cur + 2);
    assert_int_equal(gort_gomaxprocs(0), 1);
    spawn_some(50);
    assert_int_equal(gort_gomaxprocs(3), 1);
    spawn_some(50);
    assert_int_equal(gort_gomaxprocs(cur), 3);
    assert_int_equal(gort_gomaxprocs(0), cur);
    spawn_some(50);
    assert_int_equal(gort_numgoroutine(), 1);
}

/* ------------------------------------------------------------------------
 * libc from goroutines.
 * ---------------------------------------------------------------------- */

static atomic_int malloc_bad;

static void malloc_fn(int id)
{
    enum { N = 200 };
    unsigned char *blocks[N];
    size_t sizes[N];
    for (int i = 0; i < N; i++) {
        sizes[i] = (size_t)1 << (i % 17);       /* 1 byte .. 64 KiB */
        blocks[i] = malloc(sizes[i]);
        if (blocks[i] == NULL) {
            atomic_fetch_add(&malloc_bad, 1);
            sizes[i] = 0;
            continue;
        }
        memset(blocks[i], (id + i) & 0xff, sizes[i]);
        if (i % 10 == 0)
            gort_gosched();
    }
    for (int i = 0; i < N; i++) {
        for (size_t k = 0; k < sizes[i]; k += 97) {
            if (blocks[i][k] != ((id + i) & 0xff)) {
                atomic_fetch_add(&malloc_bad, 1);
                break;
            }
        }
        blocks[i] = realloc(blocks[i], sizes[i] + 100);
        if (blocks[i] == NULL || (sizes[i] > 0 && blocks[i][0] != ((id + i) & 0xff)))
            atomic_fetch_add(&malloc_bad, 1);
        free(blocks[i]);
        if (i % 10 == 0)
            gort_gosched();
    }
}

static void test_libc_malloc(void **state)
{
    (void)state;
    run_in_goroutines(malloc_fn, 8);
    assert_int_equal(atomic_load(&malloc_bad), 0);
}

static char fmt_out[8][128];
static int printf_ret[8];

static void fmt_fn(int id)
{
    snprintf(fmt_out[id], sizeof fmt_out[id], "%d|%5s|%.3f|%x|%lld|%c|%e", id, "ab", 3.14159,
             255, (long long)1 << 40, 'z', 12345.678);
    printf_ret[id] = printf("printf from goroutine %d of 8\n", id);
    fflush(stdout);
}

static void test_stdio(void **state)
{
    (void)state;
    run_in_goroutines(fmt_fn, 8);
    for (int i = 0; i < 8; i++) {
        char want[128];
        snprintf(want, sizeof want, "%d|   ab|3.142|ff|1099511627776|z|1.234568e+04", i);
        assert_string_equal(fmt_out[i], want);
        assert_true(printf_ret[i] > 0);
    }
}

static int cmpint(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static atomic_int qsort_bad;

static void qsort_fn(int id)
{
    enum { N = 100000 };
    int *v = malloc(N * sizeof *v);
    if (v == NULL) {
        atomic_fetch_add(&qsort_bad, 1);
        return;
    }
    uint32_t x = 12345u + (uint32_t)id;
    long long sum = 0, sum2 = 0;
    for (int i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = (int)(x >> 8);
        sum += v[i];
    }
    qsort(v, N, sizeof *v, cmpint);
    for (int i = 0; i < N; i++) {
        sum2 += v[i];
        if (i > 0 && v[i - 1] > v[i]) {
            atomic_fetch_add(&qsort_bad, 1);
            break;
        }
    }
    if (sum != sum2)
        atomic_fetch_add(&qsort_bad, 1);
    free(v);
}

static void test_qsort(void **state)
{
    (void)state;
    run_in_goroutines(qsort_fn, 2);
    assert_int_equal(atomic_load(&qsort_bad), 0);
}

/* A C function with a big frame: gort's stacks must hold ordinary C (on
 * Windows the frame is probed page by page, which needs the right stack
 * bounds in the TIB). */
static atomic_int bigframe_bad;

static __attribute__((noinline)) void bigframe_fn(int id)
{
    volatile unsigned char frame[128 * 1024];
    for (size_t i = 0; i < sizeof frame; i += 512)
        frame[i] = (unsigned char)(i + id);
    gort_gosched();
    for (size_t i = 0; i < sizeof frame; i += 512) {
        if (frame[i] != (unsigned char)(i + id)) {
            atomic_fetch_add(&bigframe_bad, 1);
            return;
        }
    }
}

static void test_bigframe(void **state)
{
    (void)state;
    run_in_goroutines(bigframe_fn, 4);
    assert_int_equal(atomic_load(&bigframe_bad), 0);
}

static __thread int tls_var;
static atomic_int tls_bad;

static void tls_fn(int id)
{
    /* A __thread variable is the thread's, not the goroutine's: it is
     * readable and writable from a goroutine, and keeps its value while
     * the goroutine does not yield; after a yield the goroutine may be on
     * another thread (README.md, "Which thread-local storage stays safe"). */
    int want = 1000 + id;
    tls_var = want;
    for (volatile int i = 0; i < 1000; i++)
        ;
    if (tls_var != want)
        atomic_fetch_add(&tls_bad, 1);
    int *p = &tls_var;
    if (*p != want)
        atomic_fetch_add(&tls_bad, 1);
}

static void test_thread_local(void **state)
{
    (void)state;
    tls_var = 7;
    assert_int_equal(tls_var, 7);
    run_in_goroutines(tls_fn, 8);
    assert_int_equal(atomic_load(&tls_bad), 0);
}

static int errno_seen[4];

static void errno_fn(int id)
{
    errno = 0;
    switch (id) {
    case 0:
        strtol("999999999999999999999999999", NULL, 10);
        break;
    case 1:
        if (fopen("/nonexistent/gort/test/file", "r") == NULL)
            break;
        errno = -1;
        break;
    case 2:
        errno = 4242;
        break;
    default:
        break;
    }
    errno_seen[id] = errno;
}

static void test_errno(void **state)
{
    (void)state;
    run_in_goroutines(errno_fn, 4);
    assert_int_equal(errno_seen[0], ERANGE);
    assert_int_equal(errno_seen[1], ENOENT);
    assert_int_equal(errno_seen[2], 4242);
    assert_int_equal(errno_seen[3], 0);
}

void main_main(void)
{
    /* libcmocka keeps its state in thread-local storage: the main
     * goroutine, which runs it, stays on one thread (cmake/testing.cmake).
     * The tests' own goroutines move between threads freely. */
    gort_lockosthread();
    main_started = 1;
    start_goid = gort_goid();
    start_numgoroutine = gort_numgoroutine();
    start_gomaxprocs = gort_gomaxprocs(0);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_main_goroutine),
        cmocka_unit_test(test_init_order),
        cmocka_unit_test(test_init_goroutines),
        cmocka_unit_test(test_numcpu),
        cmocka_unit_test(test_gomaxprocs_default),
        cmocka_unit_test(test_gomaxprocs_set),
        cmocka_unit_test(test_libc_malloc),
        cmocka_unit_test(test_stdio),
        cmocka_unit_test(test_qsort),
        cmocka_unit_test(test_bigframe),
        cmocka_unit_test(test_thread_local),
        cmocka_unit_test(test_errno),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
