/*
 * test_panic.c - defer, panic and recover: frames and the order of
 * deferred calls, recovery and what runs after it, Go's test/recover*.go,
 * defernil.go and runtime/crash_test.go cases that end normally (the
 * fatal ones are panic_child.c's), Goexit, runtime panics, migration
 * between threads, threads the runtime did not start, and a million
 * recovered panics.  Runs at GOMAXPROCS=1 and 2.
 */
#include <fenv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gort.h>

#include "runtime.h"
#include "sanitizer.h"
#include "testthread.h"
#include "testutil.h"
#include "testyield.h"   /* wait_alone */

#define NOINL __attribute__((noinline))

/* A log of what ran, in order. */
static char logbuf[256];

static void logc(void *arg)
{
    size_t n = strlen(logbuf);
    if (n + 1 < sizeof logbuf) {
        logbuf[n] = (char)(uintptr_t)arg;
        logbuf[n + 1] = 0;
    }
}

static void logreset(void)
{
    logbuf[0] = 0;
}

static const char *got;         /* what the last recoverer got */

static void rec(void *arg)
{
    (void)arg;
    got = gort_recover();
}

/* recmark recovers and logs 'R' (a non-tail call of gort_recover). */
static void recmark(void *arg)
{
    got = gort_recover();
    logc(arg);
}

/* ------------------------------------------------------------------------
 * Frames and deferred calls
 * ---------------------------------------------------------------------- */

static void three(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'a');
    gort_defer(logc, (void *)'b');
    gort_defer(logc, (void *)'c');
    logc((void *)'0');
}

static void test_defer_order(void **state)
{
    (void)state;
    logreset();
    assert_true(gort_pcall(three, NULL));
    assert_string_equal(logbuf, "0cba");
}

static void many(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < n; i++)
        gort_defer(logc, (void *)(uintptr_t)('A' + i % 26));
}

static void test_defer_many(void **state)
{
    (void)state;
    /* Past the frame's own room, into the heap and back. */
    for (int n = 0; n < 60; n++) {
        logreset();
        assert_true(gort_pcall(many, (void *)(intptr_t)n));
        assert_int_equal((int)strlen(logbuf), n);
        for (int i = 0; i < n; i++)
            assert_int_equal(logbuf[i], 'A' + (n - 1 - i) % 26);
    }
}

/* A deferred call's own deferred calls run when it returns, before the
 * frame's next one. */
static void deferinner(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'i');
    logc((void *)'d');
}

static void deferindefer(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'z');
    gort_defer(deferinner, NULL);
}

static void test_defer_in_defer(void **state)
{
    (void)state;
    logreset();
    assert_true(gort_pcall(deferindefer, NULL));
    assert_string_equal(logbuf, "diz");
}

static void nestedpcall(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'o');
    assert_true(gort_pcall(three, NULL));
    logc((void *)'x');
}

static void test_nested_frames(void **state)
{
    (void)state;
    logreset();
    assert_true(gort_pcall(nestedpcall, NULL));
    assert_string_equal(logbuf, "0cbaxo");
}

/* ------------------------------------------------------------------------
 * Recover
 * ---------------------------------------------------------------------- */

static void boom(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'a');
    gort_defer(rec, NULL);
    gort_defer(logc, (void *)'b');
    gort_panic("boom %d", 42);
    logc((void *)'!');          /* abandoned */
}

static void test_recover_basic(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(boom, NULL));
    assert_non_null(got);
    assert_string_equal(got, "boom 42");
    assert_string_equal(logbuf, "ba");  /* the rest of the frame's deferred calls ran */
}

static void recnull(void *arg)
{
    (void)arg;
    if (gort_recover() != NULL)
        logc((void *)'!');
    logc((void *)'n');
}

static void noPanic(void *arg)
{
    (void)arg;
    gort_defer(recnull, NULL);
    if (gort_recover() != NULL)
        logc((void *)'?');
}

static void test_recover_without_panic(void **state)
{
    (void)state;
    logreset();
    assert_null(gort_recover());
    assert_true(gort_pcall(noPanic, NULL));
    assert_string_equal(logbuf, "n");
}

/* recover1.go: recover called by a function that a deferred call calls
 * is not a recover of the panic. */
static NOINL const char *helper_recover(void)
{
    const char *r = gort_recover();
    __asm__ volatile("" ::: "memory");
    return r;
}

static void indirect(void *arg)
{
    (void)arg;
    if (helper_recover() != NULL)
        logc((void *)'!');
    logc((void *)'i');
}

static void indirectpanic(void *arg)
{
    (void)arg;
    gort_defer(indirect, NULL);
    gort_panic("indirect");
}

static void outerrec(void *arg)
{
    gort_defer(rec, NULL);
    gort_pcall(indirectpanic, arg);
}

static void test_recover_indirect(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(outerrec, NULL));   /* the outer frame recovered */
    assert_string_equal(logbuf, "i");
    assert_string_equal(got, "indirect");
}

/* A recover in a gort_pcall made by a deferred call is that call's, not
 * the panic's: the panic goes on to the next frame. */
static void pcallrec(void *arg)
{
    (void)arg;
    assert_true(gort_pcall(noPanic, NULL));
}

static void pcallinpanic(void *arg)
{
    (void)arg;
    gort_defer(pcallrec, NULL);
    gort_panic("through");
}

static void outerrec2(void *arg)
{
    gort_defer(rec, NULL);
    gort_pcall(pcallinpanic, arg);
}

static void test_recover_in_pcall_of_defer(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(outerrec2, NULL));
    assert_string_equal(logbuf, "n");
    assert_string_equal(got, "through");
}

/* Only the first recover of a panic stops it (recover.go test1). */
static void rectwice(void *arg)
{
    (void)arg;
    const char *a = gort_recover();
    const char *b = gort_recover();
    if (a != NULL && strcmp(a, "twice") == 0 && b == NULL)
        logc((void *)'2');
}

static void twice(void *arg)
{
    (void)arg;
    gort_defer(rectwice, NULL);
    gort_panic("twice");
}

static void test_recover_twice(void **state)
{
    (void)state;
    logreset();
    assert_false(gort_pcall(twice, NULL));
    assert_string_equal(logbuf, "2");
}

/* A deferred call that tail-calls gort_recover still calls it directly. */
static void tailrec(void *arg)
{
    (void)arg;
    gort_recover();
}

static void tailpanic(void *arg)
{
    (void)arg;
    gort_defer(tailrec, NULL);
    gort_panic("tail");
}

static void test_recover_tail_call(void **state)
{
    (void)state;
    assert_false(gort_pcall(tailpanic, NULL));
}

/* recover.go test6-like: the value re-panicked after a recover. */
static void repanic(void *arg)
{
    (void)arg;
    const char *r = gort_recover();
    gort_panic("re: %s", r ? r : "(nil)");
}

static void repanicker(void *arg)
{
    (void)arg;
    gort_defer(repanic, NULL);
    gort_panic("first");
}

static void outer_of(void *arg)
{
    gort_defer(rec, NULL);
    gort_pcall((gort_fn)arg, NULL);
    logc((void *)'!');          /* the panic came through: abandoned */
}

static void test_repanic(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(outer_of, (void *)repanicker));
    assert_string_equal(got, "re: first");
    assert_string_equal(logbuf, "");
}

/* A panic in a deferred call while panicking: the newest is recovered,
 * and the older one is over with it (Go). */
static void panicsecond(void *arg)
{
    (void)arg;
    gort_panic("second");
}

static void nested(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'a');
    gort_defer(panicsecond, NULL);
    gort_panic("first");
}

static void test_nested_panic(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(outer_of, (void *)nested));
    assert_string_equal(got, "second");
    assert_string_equal(logbuf, "a");
}

/* A deferred call that recovers a panic of its own returns normally, and
 * the panic that ran it goes on (recover.go's nested recovers). */
static void inner_recovers(void *arg)
{
    (void)arg;
    gort_defer(recmark, (void *)'r');
    gort_panic("inner");
}

static void outer_panics(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'o');
    gort_defer(inner_recovers, NULL);
    gort_panic("outer");
}

static void test_recover_in_deferred_frame(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(outer_of, (void *)outer_panics));
    assert_string_equal(logbuf, "ro");
    assert_string_equal(got, "outer");
}

/* A panic in a deferred call after a recover in an earlier one. */
static void late(void *arg)
{
    (void)arg;
    gort_defer(panicsecond, NULL);
    gort_defer(recmark, (void *)'r');
    gort_panic("first");
}

static void test_panic_after_recover(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(outer_of, (void *)late));
    assert_string_equal(got, "second");
    assert_string_equal(logbuf, "r");
}

/* A panic in a deferred call of a frame that ended normally. */
static void endpanic(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'a');
    gort_defer(rec, NULL);
    gort_defer(panicsecond, NULL);
    logc((void *)'f');
}

static void test_panic_in_normal_defer(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(endpanic, NULL));
    assert_string_equal(got, "second");
    assert_string_equal(logbuf, "fa");
}

/* defernil.go: deferring NULL panics when the call would run. */
static void defernil(void *arg)
{
    (void)arg;
    gort_defer(rec, NULL);
    gort_defer(NULL, NULL);
    logc((void *)'x');
}

static void test_defer_nil(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(defernil, NULL));
    assert_string_equal(logbuf, "x");
    assert_non_null(got);
    assert_non_null(strstr(got, "nil pointer dereference"));
}

/* The control words are callee-saved: an abandoned C frame that changed
 * the rounding mode (x87 control word and MXCSR) does not leak it into
 * the frame that recovers. */
static void roundup_panic(void *arg)
{
    (void)arg;
    gort_defer(rec, NULL);
    fesetround(FE_UPWARD);
    gort_panic("rounding");
}

static void test_control_words(void **state)
{
    (void)state;
    assert_int_equal(fegetround(), FE_TONEAREST);
    assert_false(gort_pcall(roundup_panic, NULL));
    assert_int_equal(fegetround(), FE_TONEAREST);
    volatile double third = 1.0 / 3.0;     /* rounds to nearest again */
    assert_true(third * 3.0 == 1.0);
}

/* ------------------------------------------------------------------------
 * Runtime panics are recoverable
 * ---------------------------------------------------------------------- */

static void closenil(void *arg)
{
    (void)arg;
    gort_defer(rec, NULL);
    gort_chan_close(NULL);
}

static void closeclosed(void *arg)
{
    gort_defer(rec, NULL);
    gort_chan_close(arg);
}

static void sendclosed(void *arg)
{
    gort_defer(rec, NULL);
    int v = 1;
    gort_chan_send(arg, &v);
}

static void selectsendclosed(void *arg)
{
    gort_defer(rec, NULL);
    int v = 1;
    gort_case c = {arg, GORT_SEND, &v, false};
    gort_select(&c, 1, true);
}

static void wgneg(void *arg)
{
    (void)arg;
    gort_defer(rec, NULL);
    gort_waitgroup wg = {0};
    gort_waitgroup_add(&wg, -1);
}

static void tickerzero(void *arg)
{
    (void)arg;
    gort_defer(rec, NULL);
    gort_ticker_new(0);
}

static void tickerreset(void *arg)
{
    gort_defer(rec, NULL);
    gort_timer_reset(arg, -1);
}

static void test_runtime_panics(void **state)
{
    (void)state;
    got = NULL;
    assert_false(gort_pcall(closenil, NULL));
    assert_string_equal(got, "close of nil channel");
    gort_chan *c = gort_chan_make(sizeof(int), 1);
    gort_chan_close(c);
    assert_false(gort_pcall(closeclosed, c));
    assert_string_equal(got, "close of closed channel");
    assert_false(gort_pcall(sendclosed, c));
    assert_string_equal(got, "send on closed channel");
    assert_false(gort_pcall(selectsendclosed, c));
    assert_string_equal(got, "send on closed channel");
    gort_chan_free(c);
    assert_false(gort_pcall(wgneg, NULL));
    assert_string_equal(got, "sync: negative WaitGroup counter");
    assert_false(gort_pcall(tickerzero, NULL));
    assert_string_equal(got, "non-positive interval for NewTicker");
    gort_timer *t = gort_ticker_new(GORT_SECOND);
    assert_false(gort_pcall(tickerreset, t));
    assert_string_equal(got, "non-positive interval for Ticker.Reset");
    gort_timer_free(t);
}

/* ------------------------------------------------------------------------
 * Goexit (crash_test.go: TestGoexitDefer, TestRecoverBeforePanicAfterGoexit)
 * ---------------------------------------------------------------------- */

static gort_chan *done;

static void goexitdefer(void *arg)
{
    (void)arg;
    if (gort_recover() != NULL)
        fail_at("non-nil recover during Goexit");
    int v = 1;
    gort_chan_send(done, &v);
}

static void goexiter(void *arg)
{
    (void)arg;
    gort_defer(goexitdefer, NULL);
    gort_goexit();
}

static void test_goexit_defer(void **state)
{
    (void)state;
    done = gort_chan_make(sizeof(int), 0);
    gort_go(goexiter, NULL);
    int v;
    assert_true(gort_chan_recv(done, &v));
    gort_chan_free(done);
    assert_no_failure();
}

/* Goexit in a pcall in a goroutine: the goroutine ends, its outer frames'
 * deferred calls run too, nothing after the calls runs. */
static void goexitdeep(void *arg)
{
    (void)arg;
    gort_defer(logc, (void *)'i');
    gort_goexit();
}

static void goexitouter(void *arg)
{
    (void)arg;
    gort_defer(goexitdefer, NULL);
    gort_defer(logc, (void *)'o');
    gort_pcall(goexitdeep, NULL);
    logc((void *)'!');
}

static void test_goexit_in_pcall(void **state)
{
    (void)state;
    logreset();
    done = gort_chan_make(sizeof(int), 0);
    gort_go(goexitouter, NULL);
    int v;
    assert_true(gort_chan_recv(done, &v));
    gort_chan_free(done);
    assert_string_equal(logbuf, "io");
    assert_no_failure();
}

static void recover_hello(void *arg)
{
    (void)arg;
    const char *r = gort_recover();
    if (r == NULL || strcmp(r, "hello") != 0)
        fail_at("bad recover");
    int v = 1;
    gort_chan_send(done, &v);
}

static void panichello(void *arg)
{
    (void)arg;
    gort_panic("hello");
}

static void before_panic_after_goexit(void *arg)
{
    (void)arg;
    gort_defer(recover_hello, NULL);
    gort_defer(panichello, NULL);
    gort_goexit();
}

static void test_recover_before_panic_after_goexit(void **state)
{
    (void)state;
    done = gort_chan_make(sizeof(int), 0);
    wait_alone();   /* the last test's goroutine may still be on its way out */
    int n0 = gort_numgoroutine();
    gort_go(before_panic_after_goexit, NULL);
    int v;
    assert_true(gort_chan_recv(done, &v));
    /* The Goexit went on: the goroutine ends. */
    wait_alone();   /* it ends (or the test's timeout fails it) */
    assert_int_equal(gort_numgoroutine(), n0);
    gort_chan_free(done);
    assert_no_failure();
}

/* TestRecoveredPanicAfterGoexit, in a goroutine. */
static void recover_any(void *arg)
{
    (void)arg;
    if (gort_recover() == NULL)
        fail_at("bad recover");
}

static void panic_recovered_inside(void *arg)
{
    (void)arg;
    gort_defer(recover_any, NULL);
    gort_panic("hello");
}

static void signal_done(void *arg)
{
    (void)arg;
    int v = 1;
    gort_chan_send(done, &v);
}

static void recovered_panic_after_goexit(void *arg)
{
    (void)arg;
    gort_defer(signal_done, NULL);
    gort_defer(panic_recovered_inside, NULL);
    gort_goexit();
}

static void test_recovered_panic_after_goexit(void **state)
{
    (void)state;
    done = gort_chan_make(sizeof(int), 0);
    gort_go(recovered_panic_after_goexit, NULL);
    int v;
    assert_true(gort_chan_recv(done, &v));
    gort_chan_free(done);
    assert_no_failure();
}

/* A panic recovered in a goroutine's start function (its bottom frame,
 * which saves no context: panic.c, gort__goframe): the deferred calls
 * deferred before the recovering one run after it, a call that they
 * defer runs too, nothing after the panic runs, and the goroutine ends. */
static void bottomlast(void *arg)
{
    (void)arg;
    logc((void *)'z');
    int v = 1;
    gort_chan_send(done, &v);
}

static char bottomgot[32];     /* what bottomrec recovered (the string dies with its goroutine) */

static void bottomrec(void *arg)
{
    (void)arg;
    const char *r = gort_recover();
    snprintf(bottomgot, sizeof bottomgot, "%s", r ? r : "(nil)");
    logc((void *)'R');
}

static void bottomafter(void *arg)
{
    (void)arg;
    gort_defer(bottomlast, NULL);
    gort_gosched();
    logc((void *)'a');
}

static void bottombody(void *arg)
{
    (void)arg;
    gort_defer(bottomafter, NULL);
    gort_defer(bottomrec, NULL);
    gort_gosched();
    gort_panic("bottom");
    logc((void *)'!');
}

static void test_recover_in_goroutine(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        logreset();
        bottomgot[0] = 0;
        done = gort_chan_make(sizeof(int), 0);
        wait_alone();   /* the last test's goroutine may still be on its way out */
        int n0 = gort_numgoroutine();
        gort_go(bottombody, NULL);
        int v;
        assert_true(gort_chan_recv(done, &v));
        wait_alone();   /* it ends (or the test's timeout fails it) */
        assert_int_equal(gort_numgoroutine(), n0);
        assert_string_equal(logbuf, "Raz");
        assert_string_equal(bottomgot, "bottom");
        gort_chan_free(done);
    }
    assert_no_failure();
}

/* ------------------------------------------------------------------------
 * Goroutines, threads
 * ---------------------------------------------------------------------- */

/* Deferred calls run on their goroutine after it moved between threads
 * (yields and channel operations between them), and a panic recovered
 * after such moves resumes the right frame. */
typedef struct migr {
    int64_t goid;
    gort_chan *c;
    int ran;
} migr;

static void migrdefer(void *arg)
{
    migr *m = arg;
    if (gort_goid() != m->goid)
        fail_at("deferred call on another goroutine");
    for (int i = 0; i < 5; i++)
        gort_gosched();
    int v = 0;
    gort_chan_send(m->c, &v);
    m->ran++;
}

static void migrrec(void *arg)
{
    migr *m = arg;
    gort_gosched();
    if (gort_recover() == NULL)
        fail_at("no panic to recover after moving");
    m->ran++;
}

static void migrbody(void *arg)
{
    migr *m = arg;
    gort_defer(migrdefer, m);
    gort_defer(migrrec, m);
    for (int i = 0; i < 10; i++)
        gort_defer(migrdefer, m);
    gort_gosched();
    gort_panic("moved");
}

static void migrator(void *arg)
{
    migr *m = arg;
    m->goid = gort_goid();
    for (int round = 0; round < 20; round++) {
        if (gort_pcall(migrbody, m))
            fail_at("pcall returned true after a panic");
        if (gort_goid() != m->goid)
            fail_at("resumed on another goroutine");
    }
    gort_chan_close(m->c);
}

static void test_defer_migration(void **state)
{
    (void)state;
    migr ms[4];
    for (int i = 0; i < 4; i++) {
        ms[i] = (migr){0, gort_chan_make(sizeof(int), 0), 0};
        gort_go(migrator, &ms[i]);
    }
    for (int i = 0; i < 4; i++) {
        while (gort_chan_recv(ms[i].c, NULL)) {
        }
        gort_chan_free(ms[i].c);
        assert_int_equal(ms[i].ran, 20 * 12);
    }
    assert_no_failure();
}

/* A thread the runtime did not start: gort_pcall recovers there too. */
static _Atomic int foreign_ok;

static void foreignbody(void *arg)
{
    (void)arg;
    gort_defer(rec, NULL);
    gort_panic("from a foreign thread");
}

static void foreignthread(void *arg)
{
    (void)arg;
    bool r = gort_pcall(foreignbody, NULL);
    if (!r && got != NULL && strcmp(got, "from a foreign thread") == 0)
        atomic_store(&foreign_ok, 1);
}

static void test_foreign_thread(void **state)
{
    (void)state;
    got = NULL;
    testthread t;
    testthread_start(&t, foreignthread, NULL);
    gort_entersyscall();
    testthread_join(&t);
    gort_exitsyscall();
    assert_int_equal(atomic_load(&foreign_ok), 1);
}

/* ------------------------------------------------------------------------
 * sync.Once and a panicking or Goexit-ing function
 * ---------------------------------------------------------------------- */

static gort_once once1, once2;

static void oncepanics(void *arg)
{
    (void)arg;
    logc((void *)'p');
    gort_panic("in once");
}

static void oncelog(void *arg)
{
    logc(arg);
}

static void onceuser(void *arg)
{
    gort_defer(rec, NULL);
    gort_once_do(arg, oncepanics, NULL);
    logc((void *)'!');          /* the panic came through */
}

static void oncegoexit(void *arg)
{
    (void)arg;
    gort_goexit();
}

static void oncegoexiter(void *arg)
{
    gort_defer(signal_done, NULL);
    gort_once_do(arg, oncegoexit, NULL);
}

static void test_once_panic_goexit(void **state)
{
    (void)state;
    logreset();
    got = NULL;
    assert_false(gort_pcall(onceuser, &once1));
    assert_string_equal(got, "in once");
    gort_once_do(&once1, oncelog, (void *)'x');     /* done: not called, not locked */
    assert_string_equal(logbuf, "p");

    done = gort_chan_make(sizeof(int), 0);
    gort_go(oncegoexiter, &once2);
    int v;
    assert_true(gort_chan_recv(done, &v));
    gort_chan_free(done);
    gort_once_do(&once2, oncelog, (void *)'y');
    assert_string_equal(logbuf, "p");
}

/* ------------------------------------------------------------------------
 * A million recovered panics, and memory stays put
 * ---------------------------------------------------------------------- */

static void cheap(void *arg)
{
    (void)arg;
    gort_defer(tailrec, NULL);
    gort_panic("x");
}

static long rsskib(void)
{
#ifdef __linux__
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * 4;
#else
    return 0;
#endif
}

static void test_million_panics(void **state)
{
    (void)state;
    for (int i = 0; i < 100000; i++)
        assert_false(gort_pcall(cheap, NULL));
    long before = rsskib();
    for (int i = 0; i < 1000000; i++)
        if (gort_pcall(cheap, NULL))
            fail_msg("pcall %d returned true", i);
    long after = rsskib();
#ifndef GORT_ASAN
    /* ASan's quarantine holds freed memory: only a plain build says. */
    assert_true(after - before < 1024);
#endif
    (void)before, (void)after;
}

void main_main(void)
{
    /* cmocka keeps its state in thread-local storage: keep the main
     * goroutine, which runs cmocka, on one thread. */
    gort_lockosthread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defer_order),
        cmocka_unit_test(test_defer_many),
        cmocka_unit_test(test_defer_in_defer),
        cmocka_unit_test(test_nested_frames),
        cmocka_unit_test(test_recover_basic),
        cmocka_unit_test(test_recover_without_panic),
        cmocka_unit_test(test_recover_indirect),
        cmocka_unit_test(test_recover_in_pcall_of_defer),
        cmocka_unit_test(test_recover_twice),
        cmocka_unit_test(test_recover_tail_call),
        cmocka_unit_test(test_repanic),
        cmocka_unit_test(test_nested_panic),
        cmocka_unit_test(test_recover_in_deferred_frame),
        cmocka_unit_test(test_panic_after_recover),
        cmocka_unit_test(test_panic_in_normal_defer),
        cmocka_unit_test(test_defer_nil),
        cmocka_unit_test(test_control_words),
        cmocka_unit_test(test_runtime_panics),
        cmocka_unit_test(test_goexit_defer),
        cmocka_unit_test(test_goexit_in_pcall),
        cmocka_unit_test(test_recover_before_panic_after_goexit),
        cmocka_unit_test(test_recovered_panic_after_goexit),
        cmocka_unit_test(test_recover_in_goroutine),
        cmocka_unit_test(test_defer_migration),
        cmocka_unit_test(test_foreign_thread),
        cmocka_unit_test(test_once_panic_goexit),
        cmocka_unit_test(test_million_panics),
    };
    gort_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
