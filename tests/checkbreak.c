/*
 * checkbreak: proves that each of the runtime's self-checks (check() in
 * src/runtime1.c, run by rt0_go before anything else) can fail.
 *
 * A constructor, which runs before main and so before rt0_go, copies the
 * environment variable GORT_TEST_BREAK_CHECK into the test-only hook
 * gort__checkbreak; check() then fails the check of that name with
 * "fatal error: <name>" and status 2.  Without the variable every check
 * passes and main_main prints "all checks passed".  tests/CMakeLists.txt
 * runs it once per check name, and checks_listed.cmake makes sure that
 * list and src/runtime1.c agree.
 */
#include <gort.h>
#include <stdio.h>
#include <stdlib.h>

extern const char *gort__checkbreak;

__attribute__((constructor)) static void breakcheck(void)
{
    const char *name = getenv("GORT_TEST_BREAK_CHECK");
    if (name != NULL && *name != '\0')
        gort__checkbreak = name;
}

void main_main(void)
{
    printf("all checks passed\n");
}
