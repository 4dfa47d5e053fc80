/*
 * panic.c - panics, fatal errors and goroutine reports.
 * Mirrors Go's runtime/panic.go and the printing half of traceback.go.
 *
 * Two kinds of failure, as in Go: a broken runtime invariant is a throw
 * ("fatal error: ...", with the runtime's own stack), a user-facing fatal
 * condition (deadlock) is a fatal, and a user's misuse is a panic
 * ("panic: ...").  All of them print Go's report to stderr and exit 2
 * without running atexit handlers; GOTRACEBACK=crash aborts instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "os.h"
#include "sanitizer.h"

_Atomic uint32_t gort__panicking;
static mutex paniclk;
static __thread int dying;      /* this thread is already reporting */

const char *const gort__waitReasonStrings[waitReasonNum] = {
    [waitReasonZero] = "",
    [waitReasonChanReceiveNilChan] = "chan receive (nil chan)",
    [waitReasonChanSendNilChan] = "chan send (nil chan)",
    [waitReasonSelectNoCases] = "select (no cases)",
    [waitReasonChanReceive] = "chan receive",
    [waitReasonChanSend] = "chan send",
    [waitReasonSelect] = "select",
    [waitReasonSleep] = "sleep",
    [waitReasonSyncMutexLock] = "sync.Mutex.Lock",
    [waitReasonSyncRWMutexRLock] = "sync.RWMutex.RLock",
    [waitReasonSyncRWMutexLock] = "sync.RWMutex.Lock",
    [waitReasonSyncWaitGroupWait] = "sync.WaitGroup.Wait",
    [waitReasonSyncCondWait] = "sync.Cond.Wait",
    [waitReasonSemacquire] = "semacquire",
    [waitReasonIOWait] = "IO wait",
    [waitReasonPreempted] = "preempted",
    [waitReasonForceGCIdle] = "force gc (idle)",
    [waitReasonSleepScavenge] = "sleep",
};

static const char *const gStatusStrings[] = {
    "idle", "runnable", "running", "syscall", "waiting", "dead",
};

/* gort__printf writes to stderr without stdio (whose lock another thread
 * may hold while we report its crash). */
void gort__printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    gort__writeerr(buf, (size_t)n);
}

void gort__printfuncname(void *pc)
{
    char name[256];
    void *start = gort__os_funcname(pc, name, sizeof name);
    if (start)
        gort__printf("%s(...)\n\t%p +0x%lx\n", name, pc, (unsigned long)((char *)pc - (char *)start));
    else
        gort__printf("%s(...)\n\t%p\n", name, pc);
}

/* gort__traceback_current prints the frames of the current stack, skipping
 * the innermost skip (the reporting functions themselves). */
void gort__traceback_current(int skip)
{
    void *pcs[102];
    int n = gort__os_backtrace(pcs, (int)nelem(pcs));
    int shown = 0;
    for (int i = skip; i < n && shown < 100; i++, shown++) {
        /* A return address points after the call: look up pc-1. */
        char name[256];
        void *pc = pcs[i];
        if (pc == NULL)
            break;
        void *start = gort__os_funcname((char *)pc - 1, name, sizeof name);
        if (start)
            gort__printf("%s(...)\n\t%p +0x%lx\n", name, pc,
                         (unsigned long)((char *)pc - (char *)start));
        else
            gort__printf("%s(...)\n\t%p\n", name, pc);
        /* A goroutine's first C frame is the outermost one (goentry's
         * caller-less frame below it has nothing to say; an unwinder that
         * goes on from there reads garbage). */
        if (start == (void *)gort__goexit_start)
            break;
    }
    if (n == (int)nelem(pcs))
        gort__printf("...additional frames elided...\n");
}

/* gort__goroutineheader prints "goroutine N [status]:" as Go does. */
void gort__goroutineheader(g *gp)
{
    uint32_t s = readgstatus(gp);
    const char *status = s < nelem(gStatusStrings) ? gStatusStrings[s] : "???";
    if (s == Gwaiting && gp->waitreason != waitReasonZero)
        status = gort__waitReasonStrings[gp->waitreason];
    int64_t waitfor = 0;
    if ((s == Gwaiting || s == Gsyscall) && gp->waitsince != 0)
        waitfor = (gort__nanotime() - gp->waitsince) / 60000000000LL;
    gort__printf("goroutine %lld [%s", (long long)gp->goid, status);
    if (waitfor >= 1)
        gort__printf(", %lld minutes", (long long)waitfor);
    gort__printf("]:\n");
}

/* gort__printcreatedby prints where gp was started. */
void gort__printcreatedby(g *gp)
{
    if (gp->gopc == NULL || gp->ismain)
        return;
    char name[256];
    void *pc = gp->gopc;
    void *start = gort__os_funcname((char *)pc - 1, name, sizeof name);
    gort__printf("created by %s in goroutine %lld\n", name, (long long)gp->parentgoid);
    if (start)
        gort__printf("\t%p +0x%lx\n", pc, (unsigned long)((char *)pc - (char *)start));
    else
        gort__printf("\t%p\n", pc);
}

/* printstartfn prints the function a goroutine that is not running was
 * started with (its frames are on a stack we do not unwind). */
static void printstartfn(g *gp)
{
    char name[256];
    void *fn = gp->ismain ? (void *)main_main : (void *)gp->fn;
    if (fn == NULL)
        return;
    gort__os_funcname(fn, name, sizeof name);
    gort__printf("%s(%p)\n\t%p\n", name, gp->ismain ? NULL : gp->arg, fn);
}

/* Parked goroutines' frames are printed where arch_amd64.h provides
 * tracebackon, except under AddressSanitizer: tracebackon moves onto
 * another stack without announcing the switch to it. */
#if defined(GORT_HAVE_TRACEBACKON) && !defined(GORT_ASAN)
#define HAVE_TRACEBACKON 1

static void tracebackhere(void *arg)
{
    (void)arg;
    /* Skip backtrace's caller (us) and gort__tracebackon. */
    gort__traceback_current(2);
}
#endif

/* printframes prints the frames of gp, which is not running: its
 * backtrace where the platform can take one on gp's own stack, else the
 * function it was started with. */
static void printframes(g *gp)
{
#ifdef HAVE_TRACEBACKON
    uint32_t s = readgstatus(gp);
    if (gp->stack.lo != 0 && gp->sched.sp != 0 && (s == Gwaiting || s == Grunnable) &&
        gp->sched.sp > gp->stack.lo + 16 * 1024 && gp->sched.sp < gp->stack.hi) {
        gort__tracebackon(gp->sched.sp, tracebackhere, NULL);
        return;
    }
#endif
    printstartfn(gp);
}

/* gort__tracebackothers prints every goroutine of the program but me:
 * header, start function, "created by". */
void gort__tracebackothers(g *me)
{
    m *mp = me ? me->m : NULL;
    g *cur = mp ? mp->curg : NULL;
    if (cur && cur != me) {
        gort__printf("\n");
        gort__goroutineheader(cur);
        printframes(cur);
        gort__printcreatedby(cur);
    }
    for (g *gp = atomic_load(&gort__allgs); gp; gp = gp->alllink) {
        uint32_t s = readgstatus(gp);
        if (gp == me || gp == cur || s == Gdead || gp->isSystem)
            continue;
        gort__printf("\n");
        gort__goroutineheader(gp);
        printframes(gp);
        gort__printcreatedby(gp);
    }
}

/* freezetheworld asks every M to stop at its next scheduling point, so
 * that the goroutines we print stay where they are. */
static void freezetheworld(void)
{
    atomic_store(&gort__sched.gcwaiting, 1);
    gort__usleep(1000);
}

/* startpanic begins a report; a second report on the same thread is a
 * panic during panic, and one on another thread waits for the first. */
static void startpanic(void)
{
    if (dying) {
        static const char msg[] = "panic during panic\n";
        gort__writeerr(msg, sizeof msg - 1);
        gort__exit(2);
    }
    dying = 1;
    if (atomic_fetch_add(&gort__panicking, 1) > 0) {
        /* Someone else is reporting; it will exit the process. */
        for (;;)
            gort__usleep(1000000);
    }
    gort__flushstdio();
    gort__lock(&paniclk);
}

static NORETURN void dopanic_exit(bool crash)
{
    if (crash)
        gort__crash();
    gort__exit(2);
}

/* report prints the goroutine part of a report per GOTRACEBACK.  onG0:
 * the failure happened in the scheduler, not in a goroutine. */
static NORETURN void report(int skip)
{
    bool all, crash;
    int32_t level = gort__gotraceback(&all, &crash);
    g *gp = getg();
    if (level > 0 && gp) {
        m *mp = gp->m;
        bool ong0 = mp && gp == mp->g0;
        if (ong0)
            all = true;
        freezetheworld();
        if (!ong0) {
            gort__printf("\n");
            gort__goroutineheader(gp);
            gort__traceback_current(skip);
            gort__printcreatedby(gp);
        } else if (level >= 2 || gort__runtimeInitTime == 0) {
            gort__printf("\nruntime stack:\n");
            gort__traceback_current(skip);
        }
        if (all)
            gort__tracebackothers(gp);
    }
    gort__unlock(&paniclk);
    dopanic_exit(crash);
}

/* gort__throw reports a broken runtime invariant and exits 2. */
void gort__throw(const char *s)
{
    startpanic();
    gort__printf("fatal error: %s\n", s);
    bool all, crash;
    int32_t level = gort__gotraceback(&all, &crash);
    g *gp = getg();
    if (gp && gp->m && gp == gp->m->g0 && level < 2) {
        /* A throw in the scheduler shows the runtime stack. */
        gort__printf("\nruntime stack:\n");
        gort__traceback_current(2);
    }
    report(2);
    dopanic_exit(false);
}

/* gort__fatal reports a fatal condition of the program (Go's fatal: the
 * deadlock messages) and exits 2. */
void gort__fatal(const char *s)
{
    startpanic();
    gort__printf("fatal error: %s\n", s);
    bool all, crash;
    int32_t level = gort__gotraceback(&all, &crash);
    g *gp = getg();
    if (level > 0 && gp && gp->m && gp == gp->m->g0) {
        /* Called by the scheduler: show the program's goroutines. */
        freezetheworld();
        gort__tracebackothers(gp);
        gort__unlock(&paniclk);
        dopanic_exit(crash);
    }
    report(2);
}

/* gort__fatalpanic reports an unrecovered panic with message msg. */
void gort__fatalpanic(const char *msg)
{
    startpanic();
    gort__printf("panic: %s\n", msg);
    report(3);
}

void gort_panic(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt ? fmt : "(nil)", ap);
    va_end(ap);
    gort__fatalpanic(buf);
}

/* gort__dumpall prints every goroutine and exits 2 (SIGQUIT). */
void gort__dumpall(const char *why)
{
    startpanic();
    gort__printf("%s\n", why);
    g *gp = getg();
    bool all, crash;
    gort__gotraceback(&all, &crash);
    freezetheworld();
    if (gp && gp->m && gp->m->curg && gp->m->curg == gp) {
        gort__printf("\n");
        gort__goroutineheader(gp);
        gort__traceback_current(3);
        gort__printcreatedby(gp);
    }
    gort__tracebackothers(gp);
    gort__unlock(&paniclk);
    dopanic_exit(crash);
}
