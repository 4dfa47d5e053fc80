/*
 * child: one program for the tests of the fatal and exit paths.  argv[1]
 * names a scenario; tests/CMakeLists.txt runs each through gort_expect()
 * and checks the exit status, stdout and stderr (Go's report format).
 *
 *   args            prints argc and every argument, bracketed, one a line
 *   numg            prints gort_numgoroutine() at the start of main_main
 *   panic           buffered stdout, an atexit handler, gort_panic("boom %d", 42):
 *                   stdout is flushed, the handler does NOT run, status 2
 *   panic_goroutine a goroutine other than main panics
 *   panic_all       two goroutines parked in select, then main panics
 *                   (GOTRACEBACK=all lists them, the default does not)
 *   exit7           buffered printf without newline, atexit, gort_exit(7)
 *   exit7_goroutine gort_exit(7) from a goroutine other than main
 *   return_main     main_main returns while a goroutine gosched-spins forever:
 *                   exit 0 at once, atexit handlers run
 *   goexit_main     main calls gort_goexit; three workers finish their output;
 *                   then "no goroutines (main called runtime.Goexit)"
 *   deadlock_alone  main parks forever with nothing else running: "all
 *                   goroutines are asleep - deadlock!", "goroutine 1 [chan receive]:"
 *   deadlock        main and one goroutine park forever: both sections
 *   overflow        a goroutine recurses without bound: "stack overflow"
 *   go_nil          gort_go(NULL, ...): Go's panic "go of nil func value"
 *   sigquit         (POSIX) SIGQUIT sent to the process: a goroutine dump
 *   sigquit_ignored (POSIX) the same, started with SIGINT, SIGHUP and SIGQUIT
 *                   ignored: the first two stay ignored, SIGQUIT dumps
 *   initexit        an init function calls gort_exit(3): main_main never runs
 *   net_io_wait     every goroutine waits on a socket (accept, read with a
 *                   200 ms deadline), main on a channel: not a deadlock; the
 *                   deadline ends it, status 0
 *   net_deadlock    a listener exists but nobody waits on it, main waits
 *                   on a channel: the deadlock report
 *   foreign_goexit  a thread the runtime did not start calls gort_goexit:
 *                   Go's fatal error, status 2
 *   gomaxprocs_shrink  goroutines run and exit at GOMAXPROCS=3, then
 *                   GOMAXPROCS goes down to 2 and 1, and more run each time
 *   gomaxprocs_limit   prints GOMAXPROCS at start-up ("ncpu" when it is
 *                   gort_numcpu()), then asks for a million Ps: gort's limit
 *                   (1024) is what it gets
 *
 * Every handler and marker writes to stdout with printf, so that the tests
 * also see what is (or is not) flushed.
 */
#include <errno.h>
#include <gort.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "runtime.h"    /* gort__gopark and the wait reasons: tests only */
#include "testthread.h"

static const char *scenario(void)
{
    return gort_argc() > 1 ? gort_argv()[1] : "";
}

#ifndef _WIN32
/* inherited records, before the runtime starts, whether SIGINT, SIGHUP
 * and SIGQUIT came in ignored (sigquit_ignored). */
static bool inherited[3];

__attribute__((constructor)) static void record_inherited(void)
{
    int sigs[3] = {SIGINT, SIGHUP, SIGQUIT};
    for (int i = 0; i < 3; i++) {
        struct sigaction sa;
        inherited[i] = sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
    }
}
#endif

static void atexit_handler(void)
{
    printf("[atexit]");
}

/* park parks the current goroutine forever with the given wait reason:
 * nothing will ever ready it. */
static void park(waitReason why)
{
    gort__gopark(gort__getg_needm(), NULL, NULL, why);
    printf("[unreachable: a parked goroutine ran again]\n");
}

/* spin yields forever; the process ends around it. */
static NORETURN void spin(void)
{
    for (;;)
        gort_gosched();
}

static void spin_fn(void *arg)
{
    atomic_int *started = arg;
    atomic_store(started, 1);
    spin();
}

static atomic_int nparked;

static void park_select(void *arg)
{
    (void)arg;
    atomic_fetch_add(&nparked, 1);
    park(waitReasonSelect);
}

static void park_send(void *arg)
{
    (void)arg;
    atomic_fetch_add(&nparked, 1);
    park(waitReasonChanSend);
}

static void waitparked(int n)
{
    /* With GOMAXPROCS=1 (as the tests that look at the statuses set) a
     * goroutine that has counted itself has also finished parking by the
     * time main runs again. */
    while (atomic_load(&nparked) < n)
        gort_gosched();
    gort_gosched();
}

static void panic_fn(void *arg)
{
    (void)arg;
    gort_panic("boom from goroutine %lld", (long long)gort_goid());
}

static void exit_fn(void *arg)
{
    (void)arg;
    printf("exiting from goroutine %lld", (long long)gort_goid());
    gort_exit(7);
}

static void worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    for (int k = 0; k < 10 * i; k++)
        gort_gosched();
    printf("worker %d done\n", i);
    fflush(stdout);
}

/* recurse uses a frame the compiler cannot fold away, without bound. */
static NOINLINE int recurse(int depth)
{
    volatile char frame[512];
    if (depth == -1)    /* never: it keeps gcc's -Winfinite-recursion quiet */
        return 0;
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)depth;
    return recurse(depth + 1) + frame[0] + frame[sizeof frame - 1];
}

static atomic_int nran;

static void run_fn(void *arg)
{
    (void)arg;
    gort_gosched();
    atomic_fetch_add(&nran, 1);
}

/* runsome runs n goroutines to completion and waits until they are gone. */
static void runsome(int n)
{
    atomic_store(&nran, 0);
    for (int i = 0; i < n; i++)
        gort_go(run_fn, NULL);
    while (atomic_load(&nran) < n || gort_numgoroutine() > 1)
        gort_gosched();
}

static gort_chan *netdone;

static void net_accepter(void *arg)
{
    gort_accept(arg);   /* waits for ever: nobody dials */
}

static void net_reader(void *arg)
{
    gort_conn *c = arg;
    char b;
    gort_conn_set_read_deadline(c, gort_nanotime() + 200 * GORT_MILLISECOND);
    if (gort_conn_read(c, &b, 1) < 0 && errno == GORT_ETIMEOUT)
        printf("read timed out after waiting on sockets only\n");
    gort_chan_close(netdone);
}

static void net_dialer(void *arg)
{
    char *addr = arg;
    gort_conn *c = gort_dial("tcp", addr, GORT_SECOND);
    gort_go(net_reader, c);
}

static void foreign_goexit_fn(void *arg)
{
    (void)arg;
    gort_goexit();
}

static void overflow_fn(void *arg)
{
    (void)arg;
    printf("recursing: %d\n", recurse(0));
}

GORT_INIT(child_init)
{
    if (strcmp(scenario(), "initexit") == 0) {
        atexit(atexit_handler);
        printf("init exits");
        gort_exit(3);
    }
}

void main_main(void)
{
    const char *s = scenario();
#ifndef _WIN32
    /* GOTRACEBACK=crash aborts: no core file in the build tree. */
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
#endif

    if (strcmp(s, "args") == 0) {
        int argc = gort_argc();
        char **argv = gort_argv();
        printf("argc=%d\n", argc);
        for (int i = 1; i < argc; i++)
            printf("argv[%d]=[%s]\n", i, argv[i]);
        printf("argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "not NULL");
    } else if (strcmp(s, "numg") == 0) {
        printf("numgoroutine=%d goid=%lld\n", gort_numgoroutine(), (long long)gort_goid());
    } else if (strcmp(s, "panic") == 0) {
        atexit(atexit_handler);
        printf("before panic");
        gort_panic("boom %d", 42);
    } else if (strcmp(s, "panic_goroutine") == 0) {
        atexit(atexit_handler);
        gort_go(panic_fn, NULL);
        spin();
    } else if (strcmp(s, "panic_all") == 0) {
        gort_go(park_select, NULL);
        gort_go(park_select, NULL);
        waitparked(2);
        gort_panic("boom with company");
    } else if (strcmp(s, "exit7") == 0) {
        atexit(atexit_handler);
        printf("buffered no newline");
        gort_exit(7);
    } else if (strcmp(s, "exit7_goroutine") == 0) {
        atexit(atexit_handler);
        gort_go(exit_fn, NULL);
        spin();
    } else if (strcmp(s, "return_main") == 0) {
        static atomic_int started;
        atexit(atexit_handler);
        gort_go(spin_fn, &started);
        while (!atomic_load(&started))
            gort_gosched();
        printf("main returns\n");
        return;
    } else if (strcmp(s, "goexit_main") == 0) {
        atexit(atexit_handler);
        printf("main goexits\n");     /* first: the workers may finish at once */
        fflush(stdout);
        for (int i = 1; i <= 3; i++)
            gort_go(worker, (void *)(intptr_t)i);
        gort_goexit();
    } else if (strcmp(s, "deadlock_alone") == 0) {
        atexit(atexit_handler);
        park(waitReasonChanReceive);
    } else if (strcmp(s, "deadlock") == 0) {
        atexit(atexit_handler);
        gort_go(park_send, NULL);
        waitparked(1);
        park(waitReasonChanReceive);
    } else if (strcmp(s, "gomaxprocs_shrink") == 0) {
        int was = gort_gomaxprocs(3);
        runsome(1000);
        for (int n = 2; n >= 1; n--) {
            int prev = gort_gomaxprocs(n);
            runsome(1000);
            printf("gomaxprocs %d -> %d: ran 1000\n", prev, gort_gomaxprocs(0));
            fflush(stdout);
        }
        printf("back to %d: previous %d\n", was, gort_gomaxprocs(was));
    } else if (strcmp(s, "net_io_wait") == 0 || strcmp(s, "net_deadlock") == 0) {
        static char addr[64];
        gort_listener *l = gort_listen("tcp", "127.0.0.1:0");
        gort_listener_addr(l, addr, sizeof addr);
        netdone = gort_chan_make(0, 0);
        if (strcmp(s, "net_io_wait") == 0) {
            /* A second listener, so that the first is free for the dial. */
            gort_listener *l2 = gort_listen("tcp", "127.0.0.1:0");
            gort_go(net_accepter, l2);
            gort_go(net_dialer, addr);
        }
        gort_chan_recv(netdone, NULL);
    } else if (strcmp(s, "foreign_goexit") == 0) {
        testthread th;
        testthread_start(&th, foreign_goexit_fn, NULL);
        testthread_join(&th);
        printf("joined\n");
    } else if (strcmp(s, "gomaxprocs_limit") == 0) {
        int start = gort_gomaxprocs(0);
        if (start == gort_numcpu())
            printf("start: ncpu\n");
        else
            printf("start: %d\n", start);
        int prev = gort_gomaxprocs(1000000);
        printf("asked for 1000000: previous %d, now %d\n", prev, gort_gomaxprocs(0));
        runsome(100);
        printf("asked again: previous %d\n", gort_gomaxprocs(2000));
        gort_gomaxprocs(start);
    } else if (strcmp(s, "go_nil") == 0) {
        gort_go(NULL, NULL);
        printf("[returned]\n");
    } else if (strcmp(s, "overflow") == 0) {
        gort_go(overflow_fn, NULL);
        spin();
#ifndef _WIN32
    } else if (strcmp(s, "sigquit") == 0) {
        gort_go(park_select, NULL);
        waitparked(1);
        kill(getpid(), SIGQUIT);
        spin();
    } else if (strcmp(s, "sigquit_ignored") == 0) {
        /* Started with SIGINT, SIGHUP and SIGQUIT ignored (a background
         * job of a shell script): SIGINT and SIGHUP stay ignored, SIGQUIT
         * dumps the goroutines as Go does. */
        printf("inherited: INT %s, HUP %s, QUIT %s\n", inherited[0] ? "ignored" : "default",
               inherited[1] ? "ignored" : "default", inherited[2] ? "ignored" : "default");
        kill(getpid(), SIGINT);
        kill(getpid(), SIGHUP);
        printf("survived SIGINT and SIGHUP\n");
        fflush(stdout);
        gort_go(park_select, NULL);
        waitparked(1);
        kill(getpid(), SIGQUIT);
        spin();
#endif
    } else {
        fprintf(stderr, "child: unknown scenario \"%s\"\n", s);
        exit(100);
    }
}
