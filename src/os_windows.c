/*
 * os_windows.c - the OS layer on Windows (os.h): wait-on-address, threads,
 * virtual memory, exceptions, the UTF-8 command line.
 * Mirrors Go's runtime/os_windows.go.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <ntsecapi.h>           /* RtlGenRandom: advapi32's SystemFunction036 */
#include <process.h>
#include <shellapi.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "arch.h"

/* mingw-w64 puts constructors in .ctors, which runs in reverse order. */
const bool gort__os_ctors_reversed = true;

static LARGE_INTEGER qpcfreq;

/* gort__os_args builds argv as UTF-8 from the wide command line, as Go's
 * os.Args does on Windows; the CRT's ANSI argv is kept only if that fails. */
void gort__os_args(int argc, char **argv, int *pargc, char ***pargv)
{
    *pargc = argc;
    *pargv = argv;
    int wargc = 0;
    LPWSTR *wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);
    if (wargv == NULL)
        return;
    char **uargv = calloc((size_t)wargc + 1, sizeof *uargv);
    if (uargv == NULL)
        return;
    for (int i = 0; i < wargc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        uargv[i] = malloc(n > 0 ? (size_t)n : 1);
        if (uargv[i] == NULL)
            return;
        uargv[i][0] = 0;
        if (n > 0)
            WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, uargv[i], n, NULL, NULL);
    }
    uargv[wargc] = NULL;
    LocalFree(wargv);
    *pargc = wargc;
    *pargv = uargv;
}

int32_t gort__getproccount(void)
{
    DWORD_PTR procmask, sysmask;
    if (GetProcessAffinityMask(GetCurrentProcess(), &procmask, &sysmask)) {
        int n = __builtin_popcountll((unsigned long long)procmask);
        if (n > 0)
            return n;
    }
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwNumberOfProcessors > 0 ? (int32_t)info.dwNumberOfProcessors : 1;
}

/* The system's own threads at boot (osinit): Windows 10's loader starts
 * worker threads before main and lets them idle for a while.  Counting
 * them takes a snapshot of every thread of the system, once per process
 * (about 13 ms under wine on this loaded machine; Windows itself should
 * be far quicker, unmeasured): the price of checkdead's count. */
static int32_t systhreads;

/* processthreads counts the threads of this process in a snapshot of the
 * system's, or returns -1. */
static int32_t processthreads(void)
{
    HANDLE s = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (s == INVALID_HANDLE_VALUE)
        return -1;
    DWORD pid = GetCurrentProcessId();
    THREADENTRY32 te = {.dwSize = sizeof te};
    int32_t n = 0;
    for (BOOL ok = Thread32First(s, &te); ok; ok = Thread32Next(s, &te)) {
        if (te.th32OwnerProcessID == pid)
            n++;
        te.dwSize = sizeof te;
    }
    CloseHandle(s);
    return n > 0 ? n : -1;
}

void gort__osinit(void)
{
    QueryPerformanceFrequency(&qpcfreq);
    gort__ncpu = gort__getproccount();
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    gort__physPageSize = info.dwPageSize;
    int32_t n = processthreads();
    systhreads = n > 1 ? n - 1 : 0;
}

/* gort__getRandomData: RtlGenRandom, as Go's getRandomData on Windows. */
void gort__getRandomData(void *r, size_t n)
{
    size_t got = n <= 0xffffffffu && RtlGenRandom(r, (ULONG)n) ? n : 0;
    gort__extendRandom(r, n, got);
}

static uintptr_t readtib(uintptr_t off)
{
    uintptr_t v;
    __asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off));
    return v;
}

/* gort__os_g0bounds describes the current thread's stack from its TIB. */
void gort__os_g0bounds(gobuf *buf, uintptr_t sp)
{
    buf->sp = (sp - 256) & ~(uintptr_t)15;
    buf->hi = readtib(0x08);            /* StackBase */
    buf->lo = readtib(0x10);            /* StackLimit */
    buf->dealloc = readtib(0x1478);     /* DeallocationStack */
}

static unsigned __stdcall mstart_thread(void *arg)
{
    gort__mstart_os(arg);
    return 0;
}

void gort__newosproc(m *mp)
{
    uintptr_t h = _beginthreadex(NULL, 1 << 20, mstart_thread, mp, 0, NULL);
    if (h == 0) {
        gort__printf("runtime: failed to create new OS thread (have %lld already; errno=%lu)\n",
                     (long long)gort__sched.mnext, (unsigned long)GetLastError());
        gort__throw("newosproc");
    }
    /* The thread keeps a handle of its own (minit: preemption needs one);
     * this one goes. */
    CloseHandle((HANDLE)h);
}

void gort__osyield(void)
{
    SwitchToThread();
}

/* Threads the runtime did not start: a fiber-local slot whose callback
 * runs as each such thread exits. */
static DWORD dropmslot = FLS_OUT_OF_INDEXES;
static INIT_ONCE dropmonce = INIT_ONCE_STATIC_INIT;

static VOID NTAPI dropmcallback(PVOID arg)
{
    if (arg != NULL)
        gort__dropm(arg);
}

static BOOL CALLBACK dropmslotinit(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once, (void)param, (void)ctx;
    dropmslot = FlsAlloc(dropmcallback);
    return dropmslot != FLS_OUT_OF_INDEXES;
}

void gort__os_dropmatexit(m *mp)
{
    if (!InitOnceExecuteOnce(&dropmonce, dropmslotinit, NULL, NULL))
        gort__throw("FlsAlloc failed");
    if (!FlsSetValue(dropmslot, mp))
        gort__throw("FlsSetValue failed");
}

int32_t gort__os_nthreads(void)
{
    int32_t n = processthreads();
    return n < 0 ? -1 : n - systhreads;
}

void gort__usleep(uint32_t us)
{
    if (us < 1000)
        SwitchToThread();
    else
        Sleep(us / 1000);
}

void gort__futexsleep(_Atomic uint32_t *addr, uint32_t val, int64_t ns)
{
    DWORD ms = INFINITE;
    if (ns >= 0) {
        int64_t m = (ns + 999999) / 1000000;
        ms = m >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)m;
    }
    DWORD saved = GetLastError();
    WaitOnAddress((volatile void *)addr, &val, sizeof val, ms);
    SetLastError(saved);
}

void gort__futexwakeup(_Atomic uint32_t *addr, uint32_t cnt)
{
    if (cnt == 1)
        WakeByAddressSingle((void *)addr);
    else
        WakeByAddressAll((void *)addr);
}

int64_t gort__nanotime(void)
{
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    int64_t f = qpcfreq.QuadPart ? qpcfreq.QuadPart : 10000000;
    return (int64_t)((c.QuadPart / f) * 1000000000LL + (c.QuadPart % f) * 1000000000LL / f);
}

void *gort__sysAlloc(uintptr_t n)
{
    return VirtualAlloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void gort__sysFree(void *v, uintptr_t n)
{
    (void)n;
    VirtualFree(v, 0, MEM_RELEASE);
}

/* gort__sysGuard decommits the range: it stays reserved, faults on any
 * access and is no longer charged against the commit limit. */
bool gort__sysGuard(void *v, uintptr_t n)
{
    return VirtualFree(v, n, MEM_DECOMMIT) != 0;
}

bool gort__sysGuardNoMap(void *v, uintptr_t n)
{
    (void)v, (void)n;
    return false;       /* no mapping limit to spare: sysGuard it is */
}

void gort__sysUnused(void *v, uintptr_t n)
{
    /* Decommit and commit again: the pages go back to the OS and read as
     * zeros next time. */
    VirtualFree(v, n, MEM_DECOMMIT);
    VirtualAlloc(v, n, MEM_COMMIT, PAGE_READWRITE);
}

int64_t gort__sysMapBudget(void)
{
    return -1;
}

/* ------------------------------------------------------------------------
 * Asynchronous preemption (preempt.c), as Go's preemptM on Windows:
 * sysmon suspends the thread, reads its context, and if the goroutine
 * stands at a safe point makes it call asyncPreempt (SetThreadContext)
 * before it resumes.  Windows x64 has no red zone; pushcall skips 128
 * bytes all the same (one asyncPreempt for both ABIs).
 *
 * Which code is the program's own: the executable image's executable
 * sections (from its PE headers), minus libgort's.  The build renames
 * every libgort object's .text to .text$gort$1 (CMakeLists.txt); the
 * linker sorts the .text$ sections by name after every plain .text, so
 * libgort's code lies between asm_amd64.S's markers in .text$gort$0 and
 * .text$gort$2.  Without the renaming the markers are adjacent and the
 * library's own code lies outside them: preemptinit checks that one of
 * its functions is inside, else the asynchronous half is off.
 * ---------------------------------------------------------------------- */

extern const char gort__text_start[], gort__text_end[];

#define MAXEXESEGS 8
static uintptr_t exelo[MAXEXESEGS], exehi[MAXEXESEGS];
static int nexesegs;
static uintptr_t gortlo, gorthi;

/* The static parts of the C runtime that libgort itself calls are linked
 * into the executable like the program's code, but run on the runtime's
 * behalf: emulated TLS (every getg() goes through __emutls_get_address,
 * and a goroutine moved in there would come back with the old thread's
 * address), the stack probe, and the few helpers it calls.  Their
 * extents come from the image's unwind table (.pdata) at start-up. */
#define MAXRTFUNCS 4
/* Their addresses: __emutls_get_address, ___chkstk_ms, __popcountdi2,
 * __mingw_vsnprintf (asm_amd64.S, so that no symbol of theirs is made
 * here). */
extern const uintptr_t gort__rtfuncs[MAXRTFUNCS];
static uintptr_t rtlo[MAXRTFUNCS], rthi[MAXRTFUNCS];

static void rtfunc(int i, uintptr_t pc)
{
    DWORD64 base = 0;
    PRUNTIME_FUNCTION f = RtlLookupFunctionEntry((DWORD64)pc, &base, NULL);
    if (f != NULL) {
        rtlo[i] = (uintptr_t)base + f->BeginAddress;
        rthi[i] = (uintptr_t)base + f->EndAddress;
    } else {
        rtlo[i] = pc;           /* a leaf without unwind data: its start */
        rthi[i] = pc + 256;
    }
}

bool gort__os_isuserpc(uintptr_t pc)
{
    if (pc >= gortlo && pc < gorthi)
        return false;
    for (int i = 0; i < MAXRTFUNCS; i++)
        if (pc >= rtlo[i] && pc < rthi[i])
            return false;
    for (int i = 0; i < nexesegs; i++)
        if (pc >= exelo[i] && pc < exehi[i])
            return true;
    return false;
}

bool gort__os_preemptinit(void)
{
    gortlo = (uintptr_t)gort__text_start;
    gorthi = (uintptr_t)gort__text_end;
    uintptr_t self = (uintptr_t)gort__os_preemptinit;
    if (!(self >= gortlo && self < gorthi))
        return false;
    /* Off unless asked for (GODEBUG=asyncpreemptoff=0): the rest of the
     * C runtime is static here too - mingw-w64's printf family, for one,
     * runs in the executable's code holding the stream's lock, which
     * belongs to the thread (README, "Preemption"). */
    if (!gort__debug_asyncpreemptset)
        return false;
    for (int i = 0; i < MAXRTFUNCS; i++)
        rtfunc(i, gort__rtfuncs[i]);
    const unsigned char *base = (const unsigned char *)GetModuleHandleW(NULL);
    if (base == NULL)
        return false;
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
    const IMAGE_NT_HEADERS64 *nt = (const IMAGE_NT_HEADERS64 *)(base + dos->e_lfanew);
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    for (unsigned i = 0; i < nt->FileHeader.NumberOfSections && nexesegs < MAXEXESEGS; i++) {
        if (!(sec[i].Characteristics & IMAGE_SCN_MEM_EXECUTE))
            continue;
        exelo[nexesegs] = (uintptr_t)base + sec[i].VirtualAddress;
        exehi[nexesegs] = exelo[nexesegs] + sec[i].Misc.VirtualSize;
        nexesegs++;
    }
    return nexesegs > 0;
}

/* gort__os_preemptm suspends mp's thread and, if its goroutine stands at
 * an asynchronous safe point, makes it call asyncPreempt when it resumes.
 * sysmon or stopTheWorld, never mp itself.  The goroutine is told from
 * the thread's sp (Go's gFromSP): isAsyncSafePoint wants sp inside curg's
 * stack, which rules out g0 and every moment of a switch, where curg and
 * the stack in use disagree.  GetThreadContext also waits until the
 * suspension has taken effect (SuspendThread is asynchronous). */
bool gort__os_preemptm(m *mp)
{
    HANDLE th = (HANDLE)mp->threadhandle;
    if (th == NULL)
        return false;
    if (SuspendThread(th) == (DWORD)-1)
        return false;
    CONTEXT c;
    memset(&c, 0, sizeof c);
    c.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
    if (GetThreadContext(th, &c)) {
        uintptr_t pc = (uintptr_t)c.Rip, sp = (uintptr_t)c.Rsp;
        if (gort__isAsyncSafePoint(mp->curg, mp, pc, sp)) {
            gort__pushcall(&pc, &sp, gort__asyncPreempt);
            c.Rip = pc;
            c.Rsp = sp;
            c.ContextFlags = CONTEXT_CONTROL;
            SetThreadContext(th, &c);
        }
    }
    atomic_fetch_add(&mp->preemptGen, 1);
    atomic_store(&mp->signalPending, 0);
    ResumeThread(th);
    return true;
}

/* gort__os_stackregister: Valgrind does not run Windows programs. */
void gort__os_stackregister(void *lo, void *hi)
{
    (void)lo, (void)hi;
}

void gort__writeerr(const void *buf, size_t n)
{
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    const char *p = buf;
    while (n > 0) {
        DWORD w = 0;
        if (!WriteFile(h, p, (DWORD)n, &w, NULL) || w == 0)
            return;
        p += w;
        n -= w;
    }
}

void gort__flushstdio(void)
{
    fflush(stdout);
    fflush(stderr);
}

void gort__exit(int code)
{
    _exit(code);
}

void gort__crash(void)
{
    /* Go exits with a crash dump where the system makes one; abort is the
     * nearest the CRT has. */
    abort();
}

int gort__os_backtrace(void **pcs, int n)
{
    return (int)RtlCaptureStackBackTrace(0, (DWORD)n, pcs, NULL);
}

/* The executable's COFF symbol table (mingw-w64 keeps it unless the
 * program is stripped), read on first use, so that reports name functions
 * on Windows too.  COFF symbols have no sizes: a pc belongs to the nearest
 * function symbol at or below it.  Only fatal paths get here. */
static struct {
    bool tried;
    uintptr_t *addr;    /* sorted function addresses, as loaded */
    char **name;
    size_t n;
} exe;

static void loadexesyms(void)
{
    exe.tried = true;
    wchar_t path[MAX_PATH];
    if (GetModuleFileNameW(NULL, path, MAX_PATH) == 0)
        return;
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return;
    LARGE_INTEGER size;
    char *file = NULL;
    DWORD got = 0;
    if (GetFileSizeEx(h, &size) && size.QuadPart > 0 && size.QuadPart < (1LL << 31) &&
        (file = malloc((size_t)size.QuadPart)) != NULL &&
        !ReadFile(h, file, (DWORD)size.QuadPart, &got, NULL))
        got = 0;
    CloseHandle(h);
    if (file == NULL || got != (DWORD)size.QuadPart || got < sizeof(IMAGE_DOS_HEADER))
        goto out;
    const IMAGE_DOS_HEADER *dos = (const void *)file;
    if (dos->e_magic != IMAGE_DOS_SIGNATURE || (DWORD)dos->e_lfanew + sizeof(IMAGE_NT_HEADERS64) > got)
        goto out;
    const IMAGE_NT_HEADERS64 *nt = (const void *)(file + dos->e_lfanew);
    const IMAGE_FILE_HEADER *fh = &nt->FileHeader;
    DWORD symoff = fh->PointerToSymbolTable, nsyms = fh->NumberOfSymbols;
    if (nt->Signature != IMAGE_NT_SIGNATURE || symoff == 0 ||
        (uint64_t)symoff + (uint64_t)nsyms * IMAGE_SIZEOF_SYMBOL + 4 > got)
        goto out;
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    const char *strtab = file + symoff + (size_t)nsyms * IMAGE_SIZEOF_SYMBOL;
    uintptr_t base = (uintptr_t)GetModuleHandleW(NULL);
    exe.addr = malloc(nsyms * sizeof *exe.addr);
    exe.name = malloc(nsyms * sizeof *exe.name);
    if (exe.addr == NULL || exe.name == NULL)
        goto out;
    for (DWORD i = 0; i < nsyms; i++) {
        const IMAGE_SYMBOL *sym = (const void *)(file + symoff + (size_t)i * IMAGE_SIZEOF_SYMBOL);
        int secno = sym->SectionNumber;
        if (ISFCN(sym->Type) && secno > 0 && secno <= fh->NumberOfSections) {
            char shortname[9];
            const char *nm;
            if (sym->N.Name.Short == 0) {
                nm = strtab + sym->N.Name.Long;
            } else {
                memcpy(shortname, sym->N.ShortName, 8);
                shortname[8] = 0;
                nm = shortname;
            }
            exe.addr[exe.n] = base + sec[secno - 1].VirtualAddress + sym->Value;
            exe.name[exe.n] = _strdup(nm);
            exe.n++;
        }
        i += sym->NumberOfAuxSymbols;
    }
    /* Sort by address (insertion sort: a few thousand, once). */
    for (size_t i = 1; i < exe.n; i++) {
        uintptr_t a = exe.addr[i];
        char *nm = exe.name[i];
        size_t j = i;
        for (; j > 0 && exe.addr[j - 1] > a; j--) {
            exe.addr[j] = exe.addr[j - 1];
            exe.name[j] = exe.name[j - 1];
        }
        exe.addr[j] = a;
        exe.name[j] = nm;
    }
out:
    free(file);
}

/* The function table (.pdata) entry that covers pc; a chained entry
 * (UNW_FLAG_CHAININFO, a function's split-off part) leads to its
 * function's primary one. */
void *gort__os_funcstart(void *pc)
{
    DWORD64 base = 0;
    PRUNTIME_FUNCTION rf = RtlLookupFunctionEntry((DWORD64)(uintptr_t)pc, &base, NULL);
    for (int i = 0; rf != NULL && i < 8; i++) {
        const unsigned char *ui = (const unsigned char *)(uintptr_t)(base + rf->UnwindData);
        if (((ui[0] >> 3) & UNW_FLAG_CHAININFO) == 0)
            return (void *)(uintptr_t)(base + rf->BeginAddress);
        unsigned ncodes = ui[2];
        rf = (PRUNTIME_FUNCTION)(ui + 4 + ((ncodes + 1) & ~1u) * 2);
    }
    return NULL;
}

void *gort__os_funcname(void *pc, char *buf, size_t n)
{
    if (!exe.tried)
        loadexesyms();
    uintptr_t a = (uintptr_t)pc;
    size_t lo = 0, hi = exe.n;   /* the last address <= a */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (exe.addr[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0) {
        gort__snprintf(buf, n, "%s", exe.name[lo - 1]);
        return (void *)exe.addr[lo - 1];
    }
    gort__snprintf(buf, n, "?");
    return NULL;
}

/* exceptionhandler reports faults Go's way; an access violation in a
 * goroutine's guard page is a stack overflow. */
static LONG CALLBACK exceptionhandler(EXCEPTION_POINTERS *info)
{
    DWORD code = info->ExceptionRecord->ExceptionCode;
    switch (code) {
    case EXCEPTION_ACCESS_VIOLATION:
    case EXCEPTION_STACK_OVERFLOW:
    case EXCEPTION_ILLEGAL_INSTRUCTION:
    case EXCEPTION_INT_DIVIDE_BY_ZERO:
        break;
    default:
        return EXCEPTION_CONTINUE_SEARCH;
    }
    g *gp;
    uintptr_t addr = info->ExceptionRecord->NumberParameters >= 2
                         ? (uintptr_t)info->ExceptionRecord->ExceptionInformation[1]
                         : 0;
    if (code == EXCEPTION_STACK_OVERFLOW || gort__stack_is_guard(addr, (uintptr_t)info->ContextRecord->Rsp, &gp)) {
        gp = getg() && getg()->m ? getg()->m->curg : NULL;
        if (gp)
            gort__printf("runtime: goroutine stack exceeds %lu-byte limit\n",
                         (unsigned long)(gp->stack.hi - gp->stack.lo));
        gort__throw("stack overflow");
    }
    gort__printf("Exception 0x%lx %p %p %p\n", (unsigned long)code, (void *)addr,
                 info->ExceptionRecord->ExceptionAddress, (void *)info->ContextRecord->Rip);
    gort__throw("unexpected signal during runtime execution");
}

void gort__os_initsig(void)
{
    AddVectoredExceptionHandler(0, exceptionhandler);
}

void gort__minit(m *mp)
{
    /* Room for the exception handler to run after a stack overflow. */
    ULONG guarantee = 64 * 1024;
    SetThreadStackGuarantee(&guarantee);
    mp->procid = (int64_t)GetCurrentThreadId();
    /* A handle that sysmon can suspend the thread with (preemptm). */
    HANDLE h = NULL;
    if (mp->threadhandle == 0 &&
        DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &h,
                        THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT | THREAD_SET_CONTEXT |
                            THREAD_QUERY_INFORMATION,
                        FALSE, 0))
        mp->threadhandle = (uintptr_t)h;
}
