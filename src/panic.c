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
#include <stddef.h>
#include <stdint.h>
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

/* vformat is the runtime's own vsnprintf, for reports that may come from
 * a signal handler: it takes no lock, allocates nothing and reads no
 * locale, where stdio may do all three (the signal may have stopped this
 * thread inside malloc or printf, holding their locks).  It knows the
 * flags '-' and '0', a width, the lengths hh h l ll z j t, and the
 * conversions d i u x X p s c %; %p prints 0x... (0x0 for NULL, as Go's
 * hex).  The output is truncated to n-1 bytes and NUL-terminated; it
 * returns the length written. */
static size_t vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
    size_t o = 0;
#define PUT(ch) do { if (o + 1 < n) buf[o] = (ch); o++; } while (0)
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            PUT(*f);
            continue;
        }
        const char *start = f++;
        bool left = false, zero = false;
        for (; *f == '-' || *f == '0'; f++) {
            if (*f == '-')
                left = true;
            else
                zero = true;
        }
        size_t width = 0;
        for (; *f >= '0' && *f <= '9'; f++)
            width = width * 10 + (size_t)(*f - '0');
        int lng = 0;    /* 0 int, 1 long, 2 long long, 3 size_t, 4 intmax_t, 5 ptrdiff_t */
        for (;; f++) {
            if (*f == 'h')
                continue;       /* promoted to int anyway */
            if (*f == 'l')
                lng = lng == 1 ? 2 : 1;
            else if (*f == 'z')
                lng = 3;
            else if (*f == 'j')
                lng = 4;
            else if (*f == 't')
                lng = 5;
            else
                break;
        }
        char tmp[24];           /* a 64-bit number in decimal or hex */
        const char *str = tmp;
        size_t len = 0;
        const char *prefix = "";
        unsigned long long u = 0;
        unsigned base = 10;
        bool upper = false;
        switch (*f) {
        case 'd':
        case 'i': {
            long long v = lng == 0   ? va_arg(ap, int)
                          : lng == 1 ? va_arg(ap, long)
                          : lng == 2 ? va_arg(ap, long long)
                          : lng == 3 ? (long long)va_arg(ap, size_t)
                          : lng == 4 ? (long long)va_arg(ap, intmax_t)
                                     : (long long)va_arg(ap, ptrdiff_t);
            if (v < 0)
                prefix = "-";
            u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
            goto number;
        }
        case 'X':
            upper = true;
            /* fall through */
        case 'x':
            base = 16;
            /* fall through */
        case 'u':
            u = lng == 0   ? va_arg(ap, unsigned)
                : lng == 1 ? va_arg(ap, unsigned long)
                : lng == 2 ? va_arg(ap, unsigned long long)
                : lng == 3 ? va_arg(ap, size_t)
                : lng == 4 ? (unsigned long long)va_arg(ap, uintmax_t)
                           : (unsigned long long)va_arg(ap, ptrdiff_t);
            goto number;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            base = 16;
            prefix = "0x";
        number: {
            char *e = tmp + sizeof tmp, *q = e;
            do {
                unsigned d = (unsigned)(u % base);
                *--q = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
                u /= base;
            } while (u != 0);
            str = q;
            len = (size_t)(e - q);
            break;
        }
        case 's':
            str = va_arg(ap, const char *);
            if (str == NULL)
                str = "(null)";
            len = strlen(str);
            zero = false;
            break;
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            len = 1;
            zero = false;
            break;
        case '%':
            PUT('%');
            continue;
        default:
            /* Not ours: print it as it stands and stop there (the
             * arguments after it would not line up). */
            for (const char *q = start; *q && q <= f; q++)
                PUT(*q);
            goto out;
        }
        size_t plen = strlen(prefix);
        size_t pad = width > len + plen ? width - len - plen : 0;
        if (!left && !zero)
            for (; pad > 0; pad--)
                PUT(' ');
        for (const char *q = prefix; *q; q++)
            PUT(*q);
        if (!left && zero)
            for (; pad > 0; pad--)
                PUT('0');
        for (size_t i = 0; i < len; i++)
            PUT(str[i]);
        for (; pad > 0; pad--)
            PUT(' ');
    }
out:
#undef PUT
    if (n > 0)
        buf[o < n ? o : n - 1] = 0;
    return o < n ? o : (n > 0 ? n - 1 : 0);
}

/* gort__snprintf formats as snprintf does (vformat's subset), and may be
 * called from a signal handler. */
size_t gort__snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t len = vformat(buf, n, fmt, ap);
    va_end(ap);
    return len;
}

/* gort__printf writes to stderr without stdio (whose lock another thread,
 * or the code a signal interrupted, may hold while we report a crash). */
void gort__printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    gort__writeerr(buf, n);
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
static void startpanic(bool flush)
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
    if (flush)
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

/* printsig prints what Go's dopanic_m says of the signal that caused a
 * report: "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0
 * pc=0x...]". */
static void printsig(const sigctx *sc)
{
    if (sc == NULL || sc->name == NULL)
        return;
    gort__printf("[signal %s code=0x%lx addr=0x%lx pc=0x%lx]\n", sc->name,
                 (unsigned long)sc->code, (unsigned long)sc->addr, (unsigned long)sc->pc);
}

/* throw is gort__throw; sc, when not NULL, is the fatal signal that
 * caused it.  Inlined into both callers, so that the reports skip the
 * same frames as ever and start at gort__throw or gort__sigthrow. */
static inline __attribute__((always_inline)) NORETURN void throw(const char *s, const sigctx *sc)
{
    startpanic(sc == NULL || sc->flush);
    gort__printf("fatal error: %s\n", s);
    printsig(sc);
    bool all, crash;
    int32_t level = gort__gotraceback(&all, &crash);
    g *gp = getg();
    if (gp && gp->m && gp == gp->m->g0 && level < 2) {
        /* A throw in the scheduler shows the runtime stack. */
        gort__printf("\nruntime stack:\n");
        gort__traceback_current(2);
    }
    report(2);
}

/* gort__throw reports a broken runtime invariant and exits 2. */
void gort__throw(const char *s)
{
    throw(s, NULL);
}

/* gort__sigthrow is gort__throw for a fatal signal (the OS layer's
 * handler): Go's "[signal ...]" line follows the fatal error, and stdio
 * is flushed only where sc says the signal cannot have stopped the thread
 * inside it.  Everything it calls may run in a signal handler. */
void gort__sigthrow(const char *s, const sigctx *sc)
{
    throw(s, sc);
}

/* gort__fatal reports a fatal condition of the program (Go's fatal: the
 * deadlock messages) and exits 2. */
void gort__fatal(const char *s)
{
    startpanic(true);
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
    startpanic(true);
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

/* gort__dumpall prints every goroutine and exits 2 (SIGQUIT): first, as
 * Go's sighandler, the signal and "PC=0x... m=N sigcode=N". */
void gort__dumpall(const sigctx *sc)
{
    startpanic(sc->flush);
    g *me = getg();
    gort__printf("%s\nPC=0x%lx m=%lld sigcode=%d\n", sc->name, (unsigned long)sc->pc,
                 me && me->m ? (long long)me->m->id : -1LL, (int)sc->code);
    g *gp = me;
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
