/*
 * panic.c - panics, fatal errors and goroutine reports.
 * Mirrors Go's runtime/panic.go and the printing half of traceback.go.
 *
 * Two kinds of failure, as in Go: a broken runtime invariant is a throw
 * ("fatal error: ...", with the runtime's own stack), a user-facing fatal
 * condition (deadlock) is a fatal, and a user's misuse is a panic
 * ("panic: ...").  All of them print Go's report to stderr and exit 2
 * without running atexit handlers; GOTRACEBACK=crash aborts instead.
 *
 * A panic is recoverable: the second half of this file is Go's defer,
 * panic and recover, with the design essay there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "os.h"
#include "sanitizer.h"
#include "symtab.h"
#include "trace.h"

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

/* ------------------------------------------------------------------------
 * Frames (Go's traceback.go).  A frame prints as Go's does:
 *
 *     function(...)
 *     \t/abs/path/file.c:LINE +0xOFF
 *
 * LINE from the object's DWARF line table (symtab.c), +0xOFF the pc's
 * offset in its function (from the symbol table; omitted at the
 * function's entry).  A pc without line information prints where it lies
 * instead, \t/path/of/object+0xADDR, ADDR being the address as the
 * object's file numbers it (the pc minus the object's load bias: for a
 * position-independent executable or a library, the offset from its
 * load base; for a fixed one, the pc itself), so that
 * `addr2line -f -e /path/of/object 0xADDR` names the function and line.
 * For a return address (every frame but a faulting one) both are looked
 * up at pc-1, inside the call, as Go's tracepc: the line is the call's,
 * not the next statement's.
 *
 * Runtime frames, the runtime's code, are hidden at GOTRACEBACK levels
 * below 2 (single, all) and shown at 2 and above (system, crash), as
 * Go's showframe: a frame is the runtime's when its function is one of
 * libgort's globals (gort_*, gort__*, _rt0_*: the only global names the
 * library defines, tests/symbols.cmake) or its source file, by the line
 * table, is in the library's own src/ or arch/ directories (its static
 * functions; without a line table, a static function whose source file,
 * by the symbol table, has the name of one of the library's).
 * gort_panic is shown when it is not the first frame, as Go shows
 * runtime.gopanic in the middle of a trace: it marks where a deferred
 * call that panicked was called from.  A runtime throw (and a
 * fatal signal, SIGQUIT) shows every frame, as Go's gotraceback gives
 * level 2 while the runtime throws.
 *
 * All of it runs in reports, which may run in a signal handler: no
 * allocation, no lock, no stdio (symtab.c, os.h gort__os_findobj).
 * ---------------------------------------------------------------------- */

/* The root of the source tree the library was built from, as the
 * compiler names its files in the line table (__FILE__ is this file's
 * path as given to the compiler: src/panic.c under the root). */
static size_t srcrootlen(void)
{
    static const char me[] = __FILE__;
    size_t n = sizeof me - 1, tail = sizeof "src/panic.c" - 1;
    if (n < tail || memcmp(me + n - tail, "src/panic.c", tail) != 0)
        return 0;
    return n - tail;
}

/* inruntimesrc: file is one of the library's sources. */
static bool inruntimesrc(const char *file)
{
    size_t n = srcrootlen();
    if (n == 0 || file[0] != '/' || strncmp(file, __FILE__, n) != 0)
        return false;
    return strncmp(file + n, "src/", 4) == 0 || strncmp(file + n, "arch/", 5) == 0;
}

/* A frame's description. */
typedef struct funcinfo {
    char name[256];
    void *start;                /* function's entry, or NULL */
    char file[512];
    int32_t line;               /* > 0 when file:line is known */
    objinfo obj;                /* its object, when obj.path != NULL */
} funcinfo;

/* findfunc describes the code at tracepc (pc-1 for a return address
 * pc, the pc itself for a faulting one). */
static void findfunc(void *tracepc, funcinfo *fi)
{
    fi->start = gort__os_funcname(tracepc, fi->name, sizeof fi->name);
    /* A C name has no dot: what follows one is the compiler's mark of a
     * clone or a split-off part (.constprop.0, .isra.0, .part.0, .cold). */
    char *dot = strchr(fi->name, '.');
    if (dot && dot != fi->name)
        *dot = 0;
    fi->line = 0;
    fi->file[0] = 0;
    if (!gort__os_findobj(tracepc, &fi->obj))
        fi->obj.path = NULL;
    else if (fi->obj.dw && !gort__dwarf_pcline(fi->obj.dw, (uintptr_t)tracepc - fi->obj.bias,
                                              fi->file, sizeof fi->file, &fi->line))
        fi->line = 0;
}

/* The names of the library's sources (CMakeLists.txt). */
static const char *const runtimesources[] = {
#ifdef GORT_SOURCE_NAMES
    GORT_SOURCE_NAMES
#endif
    NULL,
};

/* isruntime: the function name, at file (NULL: no line table says) and
 * tracepc, is the runtime's code (the essay above). */
static bool isruntime(const char *name, const char *file, void *tracepc)
{
    if (strncmp(name, "gort_", 5) == 0 || strncmp(name, "_rt0_", 5) == 0)
        return true;
    if (file)
        return inruntimesrc(file);
    /* No line table: a static function of one of the library's files, by
     * the symbol table (a program's file of the same name counts too). */
    char src[64];
    if (!gort__os_funcfile(tracepc, src, sizeof src))
        return false;
    for (size_t i = 0; runtimesources[i]; i++)
        if (strcmp(src, runtimesources[i]) == 0)
            return true;
    return false;
}

/* printpos prints a frame's second line: tab, where, offset. */
static void printpos(const funcinfo *fi, void *pc, void *tracepc)
{
    unsigned long off = fi->start && pc > fi->start ? (unsigned long)((char *)pc - (char *)fi->start) : 0;
    if (fi->line > 0)
        gort__printf("\t%s:%d", fi->file, (int)fi->line);
    else if (fi->obj.path)
        gort__printf("\t%s+0x%llx", fi->obj.path, (unsigned long long)((uintptr_t)tracepc - fi->obj.bias));
    else
        gort__printf("\t%p", pc);
    if (off != 0)
        gort__printf(" +0x%lx", off);
    gort__printf("\n");
}

/* Go's throwType: what the report in progress is (startpanic's caller
 * sets it; one report at a time). */
enum { throwTypeNone, throwTypeUser, throwTypeRuntime };
static int throwing;
/* The pc a fatal signal stopped at (gort__sigthrow): in a backtrace that
 * frame is not a return address, and is looked up at the pc itself. */
static uintptr_t sigpc;

/* gotraceback is Go's: GOTRACEBACK's level and flags (runtime1.c), every
 * goroutine for a fatal error, and level 2 while the runtime throws. */
static int32_t gotraceback(bool *all, bool *crash)
{
    int32_t level = gort__gotraceback(all, crash);
    if (throwing >= throwTypeUser)
        *all = true;
    if (throwing >= throwTypeRuntime)
        level = 2;
    return level;
}

/* printpcs prints the frames of a backtrace pcs[0, n), innermost first,
 * hiding the runtime's below GOTRACEBACK=system (showall: show them all
 * anyway).  Every pc is a return address but the one a fatal signal
 * stopped at (sigpc). */
static void printpcs(void **pcs, int n, bool showall)
{
    bool dummy1, dummy2;
    bool all = showall || gotraceback(&dummy1, &dummy2) >= 2;
    int shown = 0;
    for (int i = 0; i < n && i < 100; i++) {
        void *pc = pcs[i];
        if (pc == NULL)
            break;
        void *tracepc = sigpc != 0 && (uintptr_t)pc == sigpc ? pc : (char *)pc - 1;
        funcinfo fi;
        findfunc(tracepc, &fi);
        bool stop = fi.start == (void *)gort__goexit_start;
        /* Calls inlined at tracepc first, innermost first, as Go prints
         * them: name(...) and the place, no offset; each one's place is
         * the line of the call inlined in it (the innermost's is the line
         * table's); the real function's is the outermost call's. */
        dwinl inl[8];
        uint64_t stmt = 0;
        int k = fi.line > 0 ? gort__dwarf_inlines(fi.obj.dw, (uintptr_t)tracepc - fi.obj.bias, inl,
                                                  (int)nelem(inl), &stmt) : 0;
        for (int j = k - 1; j >= 0; j--) {
            char file[512];
            int32_t line = fi.line;
            if (j == k - 1)
                memcpy(file, fi.file, sizeof file);
            else if (gort__dwarf_filename(fi.obj.dw, stmt, inl[j + 1].file, file, sizeof file))
                line = inl[j + 1].line;
            else
                memcpy(file, "?", 2), line = inl[j + 1].line;
            if (all || !isruntime(inl[j].name, file, tracepc)) {
                gort__printf("%s(...)\n\t%s:%d\n", inl[j].name, file, (int)line);
                shown++;
            }
        }
        if (k > 0) {
            char file[512];
            if (gort__dwarf_filename(fi.obj.dw, stmt, inl[0].file, file, sizeof file)) {
                memcpy(fi.file, file, sizeof fi.file);
                fi.line = inl[0].line > 0 ? inl[0].line : fi.line;
            }
        }
        if (all || !isruntime(fi.name, fi.line > 0 ? fi.file : NULL, tracepc) ||
            (shown > 0 && strcmp(fi.name, "gort_panic") == 0)) {
            gort__printf("%s(...)\n", fi.name);
            printpos(&fi, pc, tracepc);
            shown++;
        }
        /* A goroutine's first C frame is the outermost one (goentry's
         * caller-less frame below it has nothing to say; an unwinder that
         * goes on from there reads garbage). */
        if (stop)
            return;
    }
    if (n > 100)
        gort__printf("...additional frames elided...\n");
}

void gort__printfuncname(void *pc)
{
    funcinfo fi;
    findfunc(pc, &fi);
    gort__printf("%s(...)\n", fi.name);
    printpos(&fi, pc, pc);
}

/* gort__traceback_current prints the frames of the current stack, skipping
 * the innermost skip (the reporting functions themselves). */
void gort__traceback_current(int skip)
{
    void *pcs[102 + 8];
    int n = gort__os_backtrace(pcs, (int)nelem(pcs));
    if (skip > n)
        skip = n;
    printpcs(pcs + skip, n - skip, throwing >= throwTypeRuntime);
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

/* gort__printcreatedby prints where gp was started, as Go's
 * printcreatedby: "created by F in goroutine N" and the go statement's
 * place (gopc is the return address of the call that made gp). */
void gort__printcreatedby(g *gp)
{
    if (gp->gopc == NULL || gp->ismain)
        return;
    void *pc = gp->gopc;
    funcinfo fi;
    findfunc((char *)pc - 1, &fi);
    gort__printf("created by %s in goroutine %lld\n", fi.name, (long long)gp->parentgoid);
    printpos(&fi, pc, (char *)pc - 1);
}

/* printstartfn prints the function a goroutine that is not running was
 * started with (its frames are on a stack we do not unwind). */
static void printstartfn(g *gp)
{
    void *fn = gp->ismain ? (void *)main_main : (void *)gp->fn;
    if (fn == NULL)
        return;
    funcinfo fi;
    findfunc(fn, &fi);
    gort__printf("%s(%p)\n", fi.name, gp->ismain ? NULL : gp->arg);
    printpos(&fi, fn, fn);
}

/* printframes prints the frames of gp, which is not the reporting
 * goroutine: its backtrace where the OS layer can take one from gp's
 * saved context (not under AddressSanitizer: on Linux that runs code on
 * gp's stack without announcing the switch to it), else the function it
 * was started with.  One running on another thread has no saved context
 * and says so, as Go's tracebackothers. */
static void printframes(g *gp)
{
    uint32_t s = readgstatus(gp);
    g *me = getg();
    if (s == Grunning && (me == NULL || gp->m != me->m)) {
        gort__printf("\tgoroutine running on other thread; stack unavailable\n");
        return;
    }
#ifndef GORT_ASAN
    if (gp->stack.lo != 0 && gp->sched.sp != 0 && (s == Gwaiting || s == Grunnable)) {
        void *pcs[102];
        int n = gort__os_backtracectx(gp->sched.sp, gp->stack.lo, gp->stack.hi, pcs, (int)nelem(pcs));
        if (n > 0) {
            printpcs(pcs, n, false);
            return;
        }
    }
#endif
    printstartfn(gp);
}

/* gort__tracebackothers prints every goroutine of the program but me:
 * header, frames, "created by".  The runtime's own goroutines (the
 * scavenger) are left out below GOTRACEBACK=system, as Go's
 * isSystemGoroutine ones. */
void gort__tracebackothers(g *me)
{
    bool all, crash;
    int32_t level = gotraceback(&all, &crash);
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
        if (gp == me || gp == cur || s == Gdead || (gp->isSystem && level < 2))
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
    int32_t level = gotraceback(&all, &crash);
    g *gp = getg();
    if (level > 0 && gp) {
        m *mp = gp->m;
        bool ong0 = mp && gp == mp->g0 && !gp->isforeign;   /* a foreign thread's G is its own g0 */
        if (ong0)
            all = true;
        freezetheworld();
        if (!ong0) {
            gort__printf("\n");
            gort__goroutineheader(gp);
            gort__traceback_current(skip);
            gort__printcreatedby(gp);
        } else if (level >= 2 || throwing >= throwTypeRuntime || gort__runtimeInitTime == 0) {
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
static inline ALWAYS_INLINE NORETURN void throw(const char *s, const sigctx *sc)
{
    startpanic(sc == NULL || sc->flush);
    throwing = throwTypeRuntime;
    if (sc)
        sigpc = sc->pc;
    gort__printf("fatal error: %s\n", s);
    printsig(sc);
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
    gort__traceexit();  /* a deadlock's trace shows where each goroutine waits */
    startpanic(true);
    if (throwing == throwTypeNone)
        throwing = throwTypeUser;
    gort__printf("fatal error: %s\n", s);
    bool all, crash;
    int32_t level = gotraceback(&all, &crash);
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
    gort__traceexit();
    startpanic(true);
    gort__printf("panic: %s\n", msg);
    report(3);
}


/* gort__dumpall prints every goroutine and exits 2 (SIGQUIT): first, as
 * Go's sighandler, the signal and "PC=0x... m=N sigcode=N". */
void gort__dumpall(const sigctx *sc)
{
    startpanic(sc->flush);
    g *me = getg();
    gort__printf("%s\nPC=0x%lx m=%lld sigcode=%d\n", sc->name, (unsigned long)sc->pc,
                 me && me->m ? (long long)me->m->id : -1LL, (int)sc->code);
    throwing = throwTypeRuntime;       /* as Go's sighandler */
    sigpc = sc->pc;
    g *gp = me;
    bool all, crash;
    gotraceback(&all, &crash);
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

/* ------------------------------------------------------------------------
 * Defer, panic and recover (Go's panic.go).
 *
 * Go keeps a goroutine's deferred calls in a chain of _defer records and
 * its running panics in a chain of _panic records; a panic runs the
 * deferred calls one by one, and a recover marks it recovered, after
 * which the runtime resumes the deferring function as if its deferred
 * calls had all run from deferreturn.  gort has no compiler to tell it
 * where functions begin and end, so the unit is a *frame* (runtime.h,
 * struct frame): a goroutine's start function, main_main, an init
 * function, a gort_pcall, and each deferred call while it runs (so that
 * a deferred call may defer, recover and panic as a Go function may).
 * Frames live on the C stack of gort__callframe or of whoever runs a
 * deferred call, chained from g->frame; their first FRAME_NDEFER
 * deferred calls need no allocation.
 *
 * Resuming is gort__ctxsave / gort__ctxresume (asm_amd64.S), a setjmp of
 * the runtime's own: gort__callframe saves a context on entry, and so
 * does each runner of deferred calls (gopanic, Goexit, a frame that ends
 * with deferred calls).  A frame's `resume` is where a recovery in it
 * goes on: for a call frame its own entry, which then runs the rest of
 * its deferred calls and returns false; for a deferred call's frame, the
 * runner that called it, which finishes that frame (its own deferred
 * calls) and goes on as if the call had returned.  After a resume
 * nothing is read from registers that ctxsave did not restore: all state
 * is in the frame and panic records, in memory.
 *
 * Invariants:
 *  - g->frame is the innermost frame; a runner's deferred call runs in
 *    the runner's df, which is g->frame while it runs and has the frame
 *    whose call it is as link.  A runner that finds g->frame == its df
 *    when it (re)starts knows that call has ended.
 *  - A panic pops the frames it has run dry: a deferred call's frame
 *    popped so was abandoned, and the panic or Goexit that ran it is
 *    aborted (Go's d.started), as Go's gopanic does.
 *  - gort_recover succeeds only in the innermost frame, which must be
 *    the df of the newest panic, called directly by it: its caller's
 *    code must be the deferred function's (Go's argp check, here by the
 *    unwind tables, os.h gort__os_funcstart).
 *  - Fatal stays fatal: a panic on g0 (the scheduler, timer functions),
 *    or with a runtime lock held, throws, as Go's does.
 * ---------------------------------------------------------------------- */

static _Atomic int32_t runningPanicDefers;   /* panics running deferred calls */

static void initframe(frame *f, frame *link, uint8_t kind, ctxbuf *resume)
{
    f->link = link;
    f->n = 0;
    f->cap = FRAME_NDEFER;
    f->d = f->inl;
    f->kind = kind;
    f->recovered = false;
    f->resume = resume;
    f->panic = NULL;
    f->fn = NULL;
}

static void freedefers(frame *f)
{
    if (f->d != f->inl)
        free(f->d);
    f->d = f->inl;
}

/* deferslow is gort_defer when the frame is full or there is none. */
static NOINLINE void deferslow(void (*fn)(void *), void *arg)
{
    g *gp = gort__getg_needm();
    frame *f = gp->frame;
    if (f == NULL)
        gort_panic("gort_defer: no frame to defer to (not in a goroutine's function, main_main or gort_pcall)");
    if (f->n == f->cap) {
        uint32_t cap = 2 * f->cap;
        deferrec *d = malloc(cap * sizeof *d);
        if (d == NULL)
            gort__throw("gort_defer: out of memory");
        memcpy(d, f->d, f->n * sizeof *d);
        freedefers(f);
        f->d = d;
        f->cap = cap;
    }
    f->d[f->n++] = (deferrec){fn, arg};
}

void gort_defer(void (*fn)(void *), void *arg)
{
    g *gp = getg();
    frame *f;
    if (likely(gp != NULL && (f = gp->frame) != NULL && f->n < f->cap)) {
        f->d[f->n++] = (deferrec){fn, arg};
        return;
    }
    deferslow(fn, arg);
}

/* calldefer calls a deferred function.  It is never inlined and never
 * tail-calls fn, so that gort_recover, which fn tail-called, finds it as
 * its caller. */
static NOINLINE void calldefer(void (*fn)(void *), void *arg)
{
    if (fn == NULL)
        gort_panic("runtime error: invalid memory address or nil pointer dereference");
    fn(arg);
    __asm__ volatile("" ::: "memory");  /* not a tail call */
}

/* startdefer pops f's newest deferred call and runs it in df, a frame
 * whose recovery goes on at resume, for the panic or Goexit p (NULL: f
 * ends normally). */
static inline void startdefer(g *gp, frame *f, frame *df, ctxbuf *resume, gpanic *p)
{
    deferrec d = f->d[--f->n];
    initframe(df, f, FRAME_DEFER, resume);
    df->panic = p;
    df->fn = d.fn;
    gp->frame = df;
    calldefer(d.fn, d.arg);
}

static void rundefers(g *gp, frame *f);

/* finishdf ends df, a deferred call's frame that has returned (or
 * recovered a panic in itself): its own deferred calls run, and the
 * frame whose call it was is innermost again. */
static void finishdf(g *gp, frame *df)
{
    if (df->n != 0)
        rundefers(gp, df);
    freedefers(df);
    gp->frame = df->link;
}

/* enddefers runs the deferred calls of f, the innermost frame, which is
 * ending normally, each in df, resuming at resume after a recovery in
 * one of them (then it is called again, and finishes df first). */
static void enddefers(g *gp, frame *f, frame *df, ctxbuf *resume)
{
    for (;;) {
        if (gp->frame == df)
            finishdf(gp, df);
        if (f->n == 0)
            return;
        startdefer(gp, f, df, resume, NULL);
    }
}

/* rundefers is enddefers with a context of its own. */
static NOINLINE void rundefers(g *gp, frame *f)
{
    ctxbuf ctx;
    frame df;
    gort__ctxsave(&ctx);
    enddefers(gp, f, &df, &ctx);
}

/* gcc's -Wclobbered takes getg()'s asm output for a variable that
 * ctxsave's second return could find changed; gp is set once, before. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
bool gort__callframe(gort_fn fn, void *arg)
{
    struct {
        frame f;
        frame df;
        ctxbuf ctx;
    } r;
    g *const gp = getg_needm();
    initframe(&r.f, gp->frame, FRAME_CALL, &r.ctx);
    gp->frame = &r.f;
    if (gort__ctxsave(&r.ctx) == 0) {
        fn(arg);
        if (likely(r.f.n == 0)) {
            gp->frame = r.f.link;
            return true;
        }
    }
    /* fn returned with deferred calls, or a panic was recovered in this
     * frame or in one of its deferred calls. */
    enddefers(gp, &r.f, &r.df, &r.ctx);
    freedefers(&r.f);
    gp->frame = r.f.link;
    return !r.f.recovered;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * gort__goframe runs fn(arg), a goroutine's start function, as the bottom
 * frame of the current goroutine: as gort__callframe, but it saves no
 * context on entry, which would cost every goroutine the save for the
 * rare one that recovers a panic.  A context is needed only where the
 * frame goes on after a recovery, and the bottom frame goes on in one
 * way only: its remaining deferred calls run, and the goroutine exits.
 * That needs none of the registers of the code that panicked, just a
 * stack: recovery calls bottomresume with gort__stackcall on the same
 * stack, below this frame's record (whose memory is all that it reads;
 * every frame below it is abandoned, as any recovery abandons them).
 * A frame ending normally with deferred calls runs them with a context
 * of its own (rundefers), as any frame does.  Returns when fn returned;
 * after a recovery, the goroutine exits from bottomresume instead.
 */
void gort__goframe(gort_fn fn, void *arg)
{
    frame f;
    g *gp = getg();
    initframe(&f, gp->frame, FRAME_CALL, NULL);
    gp->frame = &f;
    fn(arg);
    if (unlikely(f.n != 0)) {
        rundefers(gp, &f);
        freedefers(&f);
    }
    gp->frame = f.link;
}

/* bottomresume goes on with a goroutine's bottom frame f after a
 * recovery in it (recovery, on the goroutine's stack below f): the rest
 * of its deferred calls, then the goroutine's exit. */
static NORETURN void bottomresume(void *arg)
{
    frame *f = arg;
    g *gp = getg();
    if (f->n != 0)
        rundefers(gp, f);
    freedefers(f);
    gp->frame = f->link;
    gort__goexit1();
}

bool gort_pcall(gort_fn fn, void *arg)
{
    if (fn == NULL)
        gort_panic("runtime error: invalid memory address or nil pointer dereference");
    return gort__callframe(fn, arg);
}

typedef struct fn0 {
    void (*fn)(void);
} fn0;

static void callfn0(void *arg)
{
    ((fn0 *)arg)->fn();
}

void gort__callframe0(void (*fn)(void))
{
    fn0 f = {fn};
    gort__callframe(callfn0, &f);
}

/* recovery resumes f, in which a deferred call recovered p (Go's
 * recovery): p and the panics it aborted are over, and f goes on where
 * its resume says.  Except when p interrupted a Goexit: that Goexit
 * goes on (it runs f's remaining deferred calls itself). */
static NORETURN void recovery(g *gp, gpanic *p, frame *f)
{
    gp->_panic = p->link;
    atomic_fetch_sub(&runningPanicDefers, 1);
    if (gp->_panic != NULL && gp->_panic->goexit && gp->_panic->aborted) {
        asan_noreturn();
        gort__ctxresume(&gp->_panic->ctx, 1);
    }
    while (gp->_panic != NULL && gp->_panic->aborted) {
        if (!gp->_panic->goexit)
            atomic_fetch_sub(&runningPanicDefers, 1);
        gp->_panic = gp->_panic->link;
    }
    if (f->kind == FRAME_CALL)
        f->recovered = true;
    asan_noreturn();
    if (f->resume == NULL) {
        /* A goroutine's bottom frame (gort__goframe): no context, a
         * stack below its record. */
        gort__stackcall((uintptr_t)f - 64, bottomresume, f);
    }
    gort__ctxresume(f->resume, 1);
}

/* unwind runs, for the panic or Goexit p, the deferred calls of every
 * frame of gp, innermost first, popping the frames it runs dry; it
 * returns when there are none left.  p's context is saved: after a
 * recovery inside p->df it is called again, and goes on. */
static void unwind(g *gp, gpanic *p)
{
    for (;;) {
        frame *f = gp->frame;
        if (f == &p->df) {
            /* The deferred call returned (or recovered a panic of its
             * own). */
            finishdf(gp, f);
            if (p->recovered)
                recovery(gp, p, gp->frame);
            continue;
        }
        if (f == NULL)
            return;
        if (f->n == 0) {
            /* f is over.  A deferred call's frame so is abandoned, and
             * so is whoever ran the call. */
            if (f->kind == FRAME_DEFER && f->panic != NULL)
                f->panic->aborted = true;
            freedefers(f);
            gp->frame = f->link;
            continue;
        }
        startdefer(gp, f, &p->df, &p->ctx, p);
    }
}

static void printpanics(gpanic *p)
{
    if (p->link != NULL) {
        printpanics(p->link);
        if (!p->link->goexit)
            gort__printf("\t");
    }
    if (p->goexit)
        return;
    gort__printf("panic: %s%s\n", p->msg, p->recovered ? " [recovered]" : "");
}

/* fatalpanics reports the panics of gp, none of which was recovered. */
static NOINLINE NORETURN void fatalpanics(g *gp)
{
    startpanic(true);
    printpanics(gp->_panic);
    report(4);     /* from gort_panic: skip us, report, gopanic's and ours */
}

/* gopanic is Go's gopanic for the message msg (which lives in the
 * caller's frame for as long as the panic runs). */
static NOINLINE NORETURN void gopanic(const char *msg)
{
    g *gp = gort__getg_needm();
    m *mp = gp->m;
    if (mp->curg != gp) {
        gort__printf("panic: %s\n", msg);
        gort__throw("panic on system stack");
    }
    if (gort__mlocks() > 0) {
        gort__printf("panic: %s\n", msg);
        gort__throw("panic holding locks");
    }
    gpanic p;
    p.link = gp->_panic;
    p.msg = msg;
    p.recovered = false;
    p.aborted = false;
    p.goexit = false;
    gp->_panic = &p;
    atomic_fetch_add(&runningPanicDefers, 1);
    gort__ctxsave(&p.ctx);
    unwind(gp, &p);
    fatalpanics(gp);
}

void gort_panic(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt ? fmt : "(nil)", ap);
    va_end(ap);
    gopanic(buf);
}

/* keeprecovered copies msg into one of gp's four slots of recovered
 * messages, which live until it ends (gort__gexit). */
static const char *keeprecovered(g *gp, const char *msg)
{
    size_t n = strlen(msg) + 1;
    unsigned i = gp->nextrecovered++ % nelem(gp->recovered);
    char *b = realloc(gp->recovered[i], n);
    if (b == NULL)
        gort__throw("gort_recover: out of memory");
    memcpy(b, msg, n);
    gp->recovered[i] = b;
    return b;
}

const char *gort_recover(void)
{
    void *ra = __builtin_return_address(0);
    g *gp = getg();
    if (gp == NULL)
        return NULL;
    gpanic *p = gp->_panic;
    if (p == NULL || p->goexit || p->recovered || gp->frame != &p->df)
        return NULL;
    /* Called by the deferred function itself (or tail-called from it,
     * then calldefer is the caller)? */
    void *start = gort__os_funcstart(ra);
    if (start != NULL && start != (void *)p->df.fn && start != (void *)calldefer)
        return NULL;
    p->recovered = true;
    return keeprecovered(gp, p->msg);
}

void gort__goexit_defers(void)
{
    g *gp = getg();
    gpanic p;
    p.link = gp->_panic;
    p.msg = NULL;
    p.recovered = false;
    p.aborted = false;
    p.goexit = true;
    gp->_panic = &p;
    gort__ctxsave(&p.ctx);
    unwind(gp, &p);
    gp->_panic = NULL;
}

void gort__gexit(g *gp)
{
    /* The slots fill in order from 0 (keeprecovered): an empty first
     * one means that it never recovered anything, the common case. */
    if (gp->recovered[0] != NULL) {
        for (size_t i = 0; i < nelem(gp->recovered); i++) {
            free(gp->recovered[i]);
            gp->recovered[i] = NULL;
        }
        gp->nextrecovered = 0;
    }
    gp->frame = NULL;
    gp->_panic = NULL;
}

/* gort__mainexitwait: main_main returned; let a goroutine that is
 * running a panic's deferred calls reach its report (Go's runtime.main).
 * Go waits for at most 1000 Gosched calls; gort waits for at least
 * 100 ms of them too, because a deferred call or the start of the report
 * can take far longer than 1000 switches of an idle P where a thread is
 * slow to run (under emulation: qemu-user translates the report's code
 * at its first run; on a loaded machine). */
void gort__mainexitwait(void)
{
    int64_t start = gort__nanotime();
    for (int c = 0; atomic_load(&runningPanicDefers) != 0; c++) {
        if (c >= 1000 && gort__nanotime() - start > 100 * 1000 * 1000)
            break;
        gort_gosched();
    }
    if (atomic_load(&gort__panicking) != 0) {
        /* Another goroutine is reporting; it ends the process. */
        for (;;)
            gort_sleep(GORT_SECOND);
    }
}
