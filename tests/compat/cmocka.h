/*
 * compat/cmocka.h - the subset of cmocka's API that gort's tests use,
 * written for this project.  Every build of the tests includes it as
 * <cmocka.h>: cmocka is not packaged for mingw-w64, and on Linux libcmocka
 * keeps its state in __thread variables, which break when the runner's
 * goroutine (the main one) resumes on another thread after a gort_gosched
 * or a wrapped system call.  This one keeps its state in plain statics.
 * Tests stay within cmocka's API, so that they read as cmocka tests.
 *
 * What it does, cmocka-style:
 *   - cmocka_run_group_tests() runs the tests in order and prints
 *     "[ RUN      ] name", "[       OK ] name", "[  SKIPPED ] name" and a
 *     summary ending in "[  PASSED  ] N test(s)." to stdout.
 *   - A failed assertion prints "file:line: what failed" and
 *     "[  FAILED  ] name" and ends the process with exit status 1: the rest
 *     of the group does not run (real cmocka goes on with the next test;
 *     either way ctest sees a failure).
 *   - skip() ends the current test as skipped and goes on with the next.
 *
 * Write assertions in the code of the test itself (on the goroutine that
 * runs cmocka_run_group_tests), as real cmocka needs: goroutines record
 * what they saw and the test asserts on it afterwards.  (Here a failure
 * from another goroutine would still end the process, but skip() must be
 * called on the runner's goroutine: it jumps back to the runner's stack.)
 *
 * Everything is static and header-only; a program includes it once per
 * translation unit that has tests.
 */
#ifndef GORT_COMPAT_CMOCKA_H
#define GORT_COMPAT_CMOCKA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define CMOCKA_COMPAT_UNUSED __attribute__((unused))
#ifdef __MINGW_PRINTF_FORMAT    /* mingw: the format its stdio.h's printf takes */
#define CMOCKA_COMPAT_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#else
#define CMOCKA_COMPAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif
#define CMOCKA_COMPAT_NORETURN __attribute__((noreturn))
#else
#define CMOCKA_COMPAT_UNUSED
#define CMOCKA_COMPAT_PRINTF(f, a)
#define CMOCKA_COMPAT_NORETURN
#endif

/* ------------------------------------------------------------------------
 * Tests and groups.
 * ---------------------------------------------------------------------- */

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
    void *initial_state;
};

#define cmocka_unit_test(f) { #f, f, NULL, NULL, NULL }
#define cmocka_unit_test_setup(f, setup) { #f, f, setup, NULL, NULL }
#define cmocka_unit_test_teardown(f, teardown) { #f, f, NULL, teardown, NULL }
#define cmocka_unit_test_setup_teardown(f, setup, teardown) { #f, f, setup, teardown, NULL }
#define cmocka_unit_test_prestate(f, state) { #f, f, NULL, NULL, state }

#define cmocka_run_group_tests(tests, setup, teardown)                        \
    cmocka_compat_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]), \
                            setup, teardown)
#define cmocka_run_group_tests_name(name, tests, setup, teardown)             \
    cmocka_compat_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]),  \
                            setup, teardown)

/* The runner's state.  skip() jumps back to the runner with gcc's
 * __builtin_longjmp, which only restores the stack and frame pointers:
 * unlike mingw's longjmp it does not unwind through SEH tables, which a
 * goroutine's stack would give no reason to trust. */
static void *cmocka_compat_jmp[5];
static int cmocka_compat_in_test;
static const char *cmocka_compat_current = "";

/* ------------------------------------------------------------------------
 * Output.
 * ---------------------------------------------------------------------- */

static CMOCKA_COMPAT_UNUSED CMOCKA_COMPAT_PRINTF(1, 2) void print_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static CMOCKA_COMPAT_UNUSED CMOCKA_COMPAT_PRINTF(1, 2) void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

/* cmocka_compat_fail reports a failed check at file:line and ends the
 * process: the test, and so the ctest test, has failed. */
static CMOCKA_COMPAT_UNUSED CMOCKA_COMPAT_NORETURN CMOCKA_COMPAT_PRINTF(3, 4) void
cmocka_compat_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "[  ERROR   ] --- ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n[   LINE   ] --- %s:%d: error: Failure!\n", file, line);
    fflush(stderr);
    printf("[  FAILED  ] %s\n", cmocka_compat_current);
    printf("[==========] a test failed: the rest of the group is not run.\n");
    fflush(stdout);
    exit(1);
}

/* ------------------------------------------------------------------------
 * Assertions.
 * ---------------------------------------------------------------------- */

#define cmocka_compat_check(cond, ...)                                        \
    do {                                                                      \
        if (!(cond))                                                          \
            cmocka_compat_fail(__FILE__, __LINE__, __VA_ARGS__);              \
    } while (0)

#define assert_true(c) cmocka_compat_check((c), "%s", #c)
#define assert_false(c) cmocka_compat_check(!(c), "%s", #c)

#define assert_int_equal(a, b)                                                \
    do {                                                                      \
        intmax_t cmocka_a_ = (intmax_t)(a), cmocka_b_ = (intmax_t)(b);        \
        cmocka_compat_check(cmocka_a_ == cmocka_b_, "%jd != %jd (%s, %s)",    \
                            cmocka_a_, cmocka_b_, #a, #b);                    \
    } while (0)

#define assert_int_not_equal(a, b)                                            \
    do {                                                                      \
        intmax_t cmocka_a_ = (intmax_t)(a), cmocka_b_ = (intmax_t)(b);        \
        cmocka_compat_check(cmocka_a_ != cmocka_b_, "%jd == %jd (%s, %s)",    \
                            cmocka_a_, cmocka_b_, #a, #b);                    \
    } while (0)

#define assert_in_range(v, lo, hi)                                            \
    do {                                                                      \
        intmax_t cmocka_v_ = (intmax_t)(v), cmocka_lo_ = (intmax_t)(lo),      \
                 cmocka_hi_ = (intmax_t)(hi);                                 \
        cmocka_compat_check(cmocka_v_ >= cmocka_lo_ && cmocka_v_ <= cmocka_hi_,\
                            "%jd is not within the range [%jd, %jd] (%s)",     \
                            cmocka_v_, cmocka_lo_, cmocka_hi_, #v);           \
    } while (0)

#define assert_not_in_range(v, lo, hi)                                        \
    do {                                                                      \
        intmax_t cmocka_v_ = (intmax_t)(v), cmocka_lo_ = (intmax_t)(lo),      \
                 cmocka_hi_ = (intmax_t)(hi);                                 \
        cmocka_compat_check(cmocka_v_ < cmocka_lo_ || cmocka_v_ > cmocka_hi_, \
                            "%jd is within the range [%jd, %jd] (%s)",         \
                            cmocka_v_, cmocka_lo_, cmocka_hi_, #v);           \
    } while (0)

#define assert_null(p)                                                        \
    cmocka_compat_check((const void *)(p) == NULL, "%s is not NULL", #p)
#define assert_non_null(p)                                                    \
    cmocka_compat_check((const void *)(p) != NULL, "%s is NULL", #p)

#define assert_ptr_equal(a, b)                                                \
    do {                                                                      \
        const void *cmocka_a_ = (const void *)(a), *cmocka_b_ = (const void *)(b); \
        cmocka_compat_check(cmocka_a_ == cmocka_b_, "%p != %p (%s, %s)",      \
                            cmocka_a_, cmocka_b_, #a, #b);                    \
    } while (0)

#define assert_ptr_not_equal(a, b)                                            \
    do {                                                                      \
        const void *cmocka_a_ = (const void *)(a), *cmocka_b_ = (const void *)(b); \
        cmocka_compat_check(cmocka_a_ != cmocka_b_, "%p == %p (%s, %s)",      \
                            cmocka_a_, cmocka_b_, #a, #b);                    \
    } while (0)

#define assert_string_equal(a, b)                                             \
    do {                                                                      \
        const char *cmocka_a_ = (a), *cmocka_b_ = (b);                        \
        cmocka_compat_check(cmocka_a_ && cmocka_b_ && strcmp(cmocka_a_, cmocka_b_) == 0, \
                            "\"%s\" != \"%s\"", cmocka_a_ ? cmocka_a_ : "(null)", \
                            cmocka_b_ ? cmocka_b_ : "(null)");                \
    } while (0)

#define assert_string_not_equal(a, b)                                         \
    do {                                                                      \
        const char *cmocka_a_ = (a), *cmocka_b_ = (b);                        \
        cmocka_compat_check(!(cmocka_a_ && cmocka_b_ && strcmp(cmocka_a_, cmocka_b_) == 0), \
                            "\"%s\" == \"%s\"", cmocka_a_ ? cmocka_a_ : "(null)", \
                            cmocka_b_ ? cmocka_b_ : "(null)");                \
    } while (0)

#define assert_memory_equal(a, b, n)                                          \
    do {                                                                      \
        const unsigned char *cmocka_a_ = (const unsigned char *)(a);          \
        const unsigned char *cmocka_b_ = (const unsigned char *)(b);          \
        size_t cmocka_n_ = (size_t)(n), cmocka_i_ = 0;                        \
        while (cmocka_i_ < cmocka_n_ && cmocka_a_[cmocka_i_] == cmocka_b_[cmocka_i_]) \
            cmocka_i_++;                                                      \
        cmocka_compat_check(cmocka_i_ == cmocka_n_,                           \
                            "%s and %s differ at byte %zu of %zu: 0x%02x != 0x%02x", \
                            #a, #b, cmocka_i_, cmocka_n_,                     \
                            cmocka_i_ < cmocka_n_ ? cmocka_a_[cmocka_i_] : 0, \
                            cmocka_i_ < cmocka_n_ ? cmocka_b_[cmocka_i_] : 0); \
    } while (0)

#define fail() cmocka_compat_fail(__FILE__, __LINE__, "fail()")
#define fail_msg(...) cmocka_compat_fail(__FILE__, __LINE__, __VA_ARGS__)

/* skip() ends the current test as skipped. */
#define skip() cmocka_compat_skip(__FILE__, __LINE__)

static CMOCKA_COMPAT_UNUSED CMOCKA_COMPAT_NORETURN void cmocka_compat_skip(const char *file, int line)
{
    if (!cmocka_compat_in_test)
        cmocka_compat_fail(file, line, "skip() outside a test");
    __builtin_longjmp(cmocka_compat_jmp, 1);
}

/* ------------------------------------------------------------------------
 * The runner.
 * ---------------------------------------------------------------------- */

/* cmocka_compat_runone runs one test with its fixtures and reports
 * whether it was skipped.  The test runs in a separate function from the
 * __builtin_setjmp, as __builtin_longjmp requires. */
static __attribute__((noinline)) int cmocka_compat_runone(const struct CMUnitTest *t, void **state)
{
    cmocka_compat_in_test = 1;
    if (__builtin_setjmp(cmocka_compat_jmp) == 0) {
        t->test_func(state);
        cmocka_compat_in_test = 0;
        return 0;
    }
    cmocka_compat_in_test = 0;
    return 1;
}

static CMOCKA_COMPAT_UNUSED int cmocka_compat_run_group(const char *group, const struct CMUnitTest *tests,
                                                        size_t n, CMFixtureFunction setup,
                                                        CMFixtureFunction teardown)
{
    void *gstate = NULL;
    size_t passed = 0, skipped = 0;
    const char **skips = calloc(n ? n : 1, sizeof *skips);

    printf("[==========] Running %zu test(s).\n", n);
    fflush(stdout);
    cmocka_compat_current = group;
    if (setup && setup(&gstate) != 0)
        cmocka_compat_fail(__FILE__, __LINE__, "group setup of %s failed", group);
    for (size_t i = 0; i < n; i++) {
        const struct CMUnitTest *t = &tests[i];
        void *state = t->initial_state ? t->initial_state : gstate;
        cmocka_compat_current = t->name;
        printf("[ RUN      ] %s\n", t->name);
        fflush(stdout);
        if (t->setup_func && t->setup_func(&state) != 0)
            cmocka_compat_fail(__FILE__, __LINE__, "setup of %s failed", t->name);
        int s = cmocka_compat_runone(t, &state);
        if (t->teardown_func && t->teardown_func(&state) != 0)
            cmocka_compat_fail(__FILE__, __LINE__, "teardown of %s failed", t->name);
        if (s) {
            printf("[  SKIPPED ] %s\n", t->name);
            if (skips)
                skips[skipped] = t->name;
            skipped++;
        } else {
            printf("[       OK ] %s\n", t->name);
            passed++;
        }
        fflush(stdout);
    }
    cmocka_compat_current = group;
    if (teardown && teardown(&gstate) != 0)
        cmocka_compat_fail(__FILE__, __LINE__, "group teardown of %s failed", group);
    printf("[==========] %zu test(s) run.\n", n);
    printf("[  PASSED  ] %zu test(s).\n", passed);
    if (skipped) {
        printf("[  SKIPPED ] %zu test(s), listed below:\n", skipped);
        for (size_t i = 0; skips && i < skipped; i++)
            printf("[  SKIPPED ] %s\n", skips[i]);
    }
    fflush(stdout);
    free(skips);
    return 0;
}

#endif /* GORT_COMPAT_CMOCKA_H */
