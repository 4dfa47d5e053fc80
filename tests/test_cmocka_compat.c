/*
 * test_cmocka_compat: the project's compat/cmocka.h does what the tests
 * rely on.  Without arguments every assertion passes, one test skips, and
 * a test yields many times before asserting (the runner's state must
 * survive the main goroutine moving between threads).  With argv[1] =
 * "fail_<kind>" one assertion of that kind fails: the location and both
 * values are printed, "[  FAILED  ]" follows, and the exit status is 1.
 * tests/CMakeLists.txt checks the output of each run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gort.h>
#include <cmocka.h>

static int setup_ran, teardown_ran;

static int setup(void **state)
{
    static int value = 42;
    *state = &value;
    setup_ran++;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    teardown_ran++;
    return 0;
}

static void t_pass(void **state)
{
    (void)state;
    static const char a[] = "abc", b[] = "abc";
    int x = 5;
    assert_true(1);
    assert_false(0);
    assert_int_equal(-3, -3);
    assert_int_not_equal(1, 2);
    assert_in_range(5, 1, 10);
    assert_null(NULL);
    assert_non_null(&x);
    assert_ptr_equal(&x, &x);
    assert_string_equal("héllo", "héllo");
    assert_memory_equal(a, b, sizeof a);
}

static void t_fixture(void **state)
{
    assert_non_null(*state);
    assert_int_equal(*(int *)*state, 42);
    assert_int_equal(setup_ran, 1);
}

static void t_after_fixture(void **state)
{
    (void)state;
    assert_int_equal(teardown_ran, 1);
}

static void t_skip(void **state)
{
    (void)state;
    skip();
    fail_msg("skip() returned");
}

static void t_yield(void **state)
{
    (void)state;
    for (int i = 0; i < 2000; i++)
        gort_gosched();
    assert_int_equal(gort_goid(), 1);
    print_message("still on goroutine %lld\n", (long long)gort_goid());
}

static const char *kind;

static void t_fail(void **state)
{
    (void)state;
    static const char a[] = "abcd", b[] = "abXd";
    if (strcmp(kind, "fail_int") == 0)
        assert_int_equal(42, 43);
    else if (strcmp(kind, "fail_string") == 0)
        assert_string_equal("left", "right");
    else if (strcmp(kind, "fail_memory") == 0)
        assert_memory_equal(a, b, sizeof a);
    else if (strcmp(kind, "fail_range") == 0)
        assert_in_range(11, 1, 10);
    else if (strcmp(kind, "fail_null") == 0)
        assert_null(&kind);
    else
        fail_msg("failing on purpose: %s", kind);
}

void main_main(void)
{
    kind = gort_argc() > 1 ? gort_argv()[1] : "";
    if (*kind) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_pass),
            cmocka_unit_test(t_fail),
            cmocka_unit_test(t_pass),
        };
        gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_pass),
        cmocka_unit_test_setup_teardown(t_fixture, setup, teardown),
        cmocka_unit_test(t_after_fixture),
        cmocka_unit_test(t_skip),
        cmocka_unit_test(t_yield),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
