/*
 * panic_child: the reports and exits of defer, panic and recover, one
 * scenario per run, named by argv[1]; tests/CMakeLists.txt checks each
 * through gort_expect() (stderr, stdout, exit status).  Ports of Go's
 * runtime/crash_test.go output tests where they fit.
 *
 *   unrecovered          panic("boom") in main: panic: boom, exit 2
 *   goroutine            an unrecovered panic in another goroutine
 *   repanic              recover then panic again: "panic: first [recovered]"
 *   nested               a deferred call panics while panicking: both lines
 *   deferred_ran         the deferred calls of every frame ran before the report
 *   recursive            TestRecursivePanic: prints "wrap: bad", then panic: again
 *   panic_after_goexit   TestPanicAfterGoexit: panic: hello
 *   recover_before_panic_after_goexit, recovered_panic_after_goexit,
 *   goexit_in_panic      the Goexit wins: main's Goexit deadlock fatal error
 *   main_recovers        main_main recovers: exits 0 ("recovered")
 *   init_recovers        a GORT_INIT function recovers; main runs
 *   init_panics          an unrecovered panic in a GORT_INIT function
 *   defer_nil            an unrecovered nil deferred call
 *   foreign              an unrecovered panic on a thread the runtime did not start
 *   foreign_defer        gort_defer there without a frame: a panic
 *   main_returns         main returns while a goroutine runs a panic's deferred calls
 *   mutex_unlock         a fatal error in a pcall stays fatal
 */
#include <gort.h>
#include <stdio.h>
#include <string.h>

#include "testthread.h"

static const char *scen;

static void say(void *arg)
{
    printf("%s\n", (const char *)arg);
    fflush(stdout);
}

static void panic_first(void *arg)
{
    (void)arg;
    gort_panic("first");
}

static void panic_second(void *arg)
{
    (void)arg;
    gort_panic("second");
}

static void recover_repanic(void *arg)
{
    (void)arg;
    const char *r = gort_recover();
    (void)r;
    gort_panic("second");
}

static void print_recover(void *arg)
{
    (void)arg;
    const char *r = gort_recover();
    printf("%s\n", r ? r : "<nil>");
    fflush(stdout);
}

static void wrap(void *arg)
{
    (void)arg;
    const char *r = gort_recover();
    if (r != NULL)
        gort_panic("wrap: %s", r);
}

static void recursive_inner(void *arg)
{
    (void)arg;
    gort_defer(wrap, NULL);
    gort_panic("bad");
}

static void recursive_outer(void *arg)
{
    (void)arg;
    gort_defer(print_recover, NULL);
    gort_pcall(recursive_inner, NULL);
}

static void recover_must(void *arg)
{
    (void)arg;
    if (gort_recover() == NULL)
        gort_panic("bad recover");
}

static void recovered_inside(void *arg)
{
    (void)arg;
    gort_defer(recover_must, NULL);
    gort_panic("hello");
}

static void do_goexit(void *arg)
{
    (void)arg;
    gort_goexit();
}

static void in_goroutine(void *arg)
{
    (void)arg;
    gort_defer(say, "deferred in goroutine");
    gort_panic("in goroutine");
}

GORT_INIT(init_scenarios)
{
    const char *s = gort_argc() > 1 ? gort_argv()[1] : "";
    if (!strcmp(s, "init_recovers")) {
        gort_defer(print_recover, NULL);
        gort_panic("in init");
    } else if (!strcmp(s, "init_panics")) {
        gort_defer(say, "init deferred");
        gort_panic("in init");
    }
}

static void foreign_panic(void *arg)
{
    (void)arg;
    gort_panic("from a foreign thread");
}

static void foreign_defer(void *arg)
{
    (void)arg;
    gort_defer(say, "never");
}

static gort_chan *c;

static void slow_panic(void *arg)
{
    (void)arg;
    int v = 1;
    gort_chan_send(c, &v);
    for (int i = 0; i < 10; i++)
        gort_gosched();
}

static void late_panicker(void *arg)
{
    (void)arg;
    gort_defer(slow_panic, NULL);
    gort_panic("late");
}

static void mutex_unlock(void *arg)
{
    (void)arg;
    gort_defer(print_recover, NULL);
    static gort_mutex mu;
    gort_mutex_unlock(&mu);
}

void main_main(void)
{
    scen = gort_argc() > 1 ? gort_argv()[1] : "";
    const char *s = scen;
    if (!strcmp(s, "unrecovered")) {
        gort_panic("boom");
    } else if (!strcmp(s, "goroutine")) {
        gort_go(in_goroutine, NULL);
        gort_select(NULL, 0, true);
    } else if (!strcmp(s, "repanic")) {
        gort_defer(recover_repanic, NULL);
        gort_panic("first");
    } else if (!strcmp(s, "nested")) {
        gort_defer(panic_second, NULL);
        panic_first(NULL);
    } else if (!strcmp(s, "deferred_ran")) {
        gort_defer(say, "outer deferred");
        gort_pcall(in_goroutine, NULL);
    } else if (!strcmp(s, "recursive")) {
        gort_pcall(recursive_outer, NULL);
        gort_panic("again");
    } else if (!strcmp(s, "panic_after_goexit")) {
        gort_defer(panic_first, NULL);
        gort_goexit();
    } else if (!strcmp(s, "recover_before_panic_after_goexit")) {
        gort_defer(recover_must, NULL);
        gort_defer(panic_first, NULL);
        gort_goexit();
    } else if (!strcmp(s, "recovered_panic_after_goexit")) {
        gort_defer(recovered_inside, NULL);
        gort_goexit();
    } else if (!strcmp(s, "goexit_in_panic")) {
        gort_defer(do_goexit, NULL);
        gort_panic("hello");
    } else if (!strcmp(s, "main_recovers")) {
        gort_defer(print_recover, NULL);
        gort_panic("recovered");
    } else if (!strcmp(s, "init_recovers")) {
        say("main ran");
    } else if (!strcmp(s, "defer_nil")) {
        gort_defer(NULL, NULL);
    } else if (!strcmp(s, "foreign") || !strcmp(s, "foreign_defer")) {
        testthread t;
        testthread_start(&t, !strcmp(s, "foreign") ? foreign_panic : foreign_defer, NULL);
        gort_entersyscall();
        testthread_join(&t);
        gort_exitsyscall();
    } else if (!strcmp(s, "main_returns")) {
        c = gort_chan_make(sizeof(int), 0);
        gort_go(late_panicker, NULL);
        int v;
        gort_chan_recv(c, &v);
        return;
    } else if (!strcmp(s, "mutex_unlock")) {
        gort_pcall(mutex_unlock, NULL);
    } else {
        printf("unknown scenario %s\n", s);
        gort_exit(1);
    }
    printf("[returned]\n");
}
