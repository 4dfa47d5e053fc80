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

#include "arch.h"
#include "os.h"
#include "symtab.h"
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

static void writetib(uintptr_t off, uintptr_t v)
{
    __asm__ volatile("movq %0, %%gs:(%1)" : : "r"(v), "r"(off) : "memory");
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

/*
 * gort__sysGuard makes a goroutine's guard region [v, v+n) the way Windows
 * ends its own thread stacks, so that an overflow is reported and not
 * only fatal:
 *
 *   v = slot base                                   top-4K   top = lo
 *   | reserve: committed, read-write (252 KiB)      | GUARD  | stack ...
 *
 * Windows runs an exception handler on the faulting thread's own stack,
 * below its sp: after an overflow into no-access memory there is no stack
 * left to run it on, and the process dies without a word (under wine, of
 * a SIGSEGV in its signal handler).  So the top page of the region is
 * PAGE_GUARD, one-shot: the first access raises
 * STATUS_GUARD_PAGE_VIOLATION and clears the guard, and the dispatcher
 * and the vectored handler (exceptionhandler, which prints Go's report
 * and exits) run on the reserve below it, as on a thread with a stack
 * guarantee (SetThreadStackGuarantee).  The goroutine's TIB stack limits
 * (DeallocationStack = StackLimit = lo) put the page outside its stack,
 * so neither Windows nor wine takes it for a thread stack's growth guard.
 * One page is enough: the compilers probe every page of a frame larger
 * than a page on Windows (__chkstk), so no frame jumps it.  The reserve is
 * the rest of the region, read-write like the top of the stack below it,
 * so that the two are one mapping where the OS counts them (wine on
 * Linux: two mappings per stack, as a fully decommitted region took, not
 * four, within vm.max_map_count); it costs commit charge, and memory only
 * if an overflow touches it.
 */
bool gort__sysGuard(void *v, uintptr_t n)
{
    uintptr_t pg = gort__physPageSize;
    DWORD old;
    return VirtualProtect((char *)v + n - pg, pg, PAGE_READWRITE | PAGE_GUARD, &old) != 0;
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

/* gort__os_backtracectx unwinds a goroutine that is not running from the
 * context that mcall or swapgo saved at sp (asm_amd64.S's picture: the
 * return address at sp+256, rbp rbx r12-r15 rdi rsi below it), with the
 * function tables (.pdata/.xdata, which mingw-w64's gcc writes for C code
 * and the assembler for the asm functions' .seh directives... or their
 * absence: a function without an entry is a leaf whose return address
 * is at rsp).  RtlVirtualUnwind reads only the goroutine's stack, which
 * stays put while the world is frozen; the walk ends at the goroutine's
 * first frame (gort__goexit_start), at a frame outside [lo, hi), or
 * after n frames. */
int gort__os_backtracectx(uintptr_t sp, uintptr_t lo, uintptr_t hi, void **pcs, int n)
{
    if (sp < lo || sp + 264 > hi || (sp & 7) != 0)
        return -1;
    const DWORD64 *f = (const DWORD64 *)sp;
    CONTEXT ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.ContextFlags = CONTEXT_INTEGER | CONTEXT_CONTROL;
    ctx.Rsi = f[24];
    ctx.Rdi = f[25];
    ctx.R15 = f[26];
    ctx.R14 = f[27];
    ctx.R13 = f[28];
    ctx.R12 = f[29];
    ctx.Rbx = f[30];
    ctx.Rbp = f[31];
    ctx.Rip = f[32];
    ctx.Rsp = sp + 264;         /* after the return */
    int k = 0;
    while (k < n && ctx.Rip != 0 && ctx.Rsp >= lo && ctx.Rsp < hi) {
        pcs[k++] = (void *)(uintptr_t)ctx.Rip;
        DWORD64 base = 0;
        PRUNTIME_FUNCTION rf = RtlLookupFunctionEntry(ctx.Rip, &base, NULL);
        if (rf == NULL) {
            ctx.Rip = *(const DWORD64 *)(uintptr_t)ctx.Rsp;
            ctx.Rsp += 8;
            continue;
        }
        if (base + rf->BeginAddress == (DWORD64)(uintptr_t)gort__goexit_start)
            break;
        void *handlerdata;
        DWORD64 establisher;
        RtlVirtualUnwind(UNW_FLAG_NHANDLER, base, ctx.Rip, rf, &ctx, &handlerdata, &establisher, NULL);
    }
    return k;
}

/* The loaded objects, for reports: the executable, whose file is mapped
 * on the first report and gives its COFF symbol table (mingw-w64 keeps
 * it unless the program is stripped: static functions are named too)
 * and the DWARF line table that mingw-w64's gcc writes into the PE file
 * (.debug_line and its strings, sections whose long names are in the
 * COFF string table); and the DLLs that reports meet, by
 * GetModuleHandleExW, named from their export tables.  The executable's
 * addresses are as its file numbers them: ImageBase + RVA, the pc minus
 * the bias (load address - the file's ImageBase), which is what addr2line
 * and the line table take; a DLL's are its RVA, the offset from its load
 * base (the system's DLLs have no line table, and the loader rewrites
 * ImageBase in the header in memory, so the file would have to be read
 * for it).
 * Mapping, not reading into the heap: a report may run in the exception
 * handler of a thread that holds the heap's lock.  What every OS keeps
 * alike (path, bias, the mapping's state, the DWARF sections) is
 * symtab.h's obj. */
typedef struct peobj {
    obj obj;                    /* path is pathbuf */
    uintptr_t base, size;       /* as loaded */
    char pathbuf[MAX_PATH * 3]; /* UTF-8 */
    const char *file;           /* the mapped file (the executable) */
    uint64_t filesize;
    const IMAGE_SYMBOL *syms;
    DWORD nsyms;
    const char *strtab;         /* the COFF string table, and its size */
    DWORD strsize;
    const IMAGE_SECTION_HEADER *sec;
    WORD nsec;
} peobj;

static peobj exeobj;
static peobj dllobjs[16];
static _Atomic int ndllobjs;

/* imagebias is the load bias of the image loaded at base, from its
 * headers in memory. */
static uintptr_t imagebias(uintptr_t base, uintptr_t *size)
{
    const IMAGE_DOS_HEADER *dos = (const void *)base;
    const IMAGE_NT_HEADERS64 *nt = (const void *)(base + (uintptr_t)dos->e_lfanew);
    *size = nt->OptionalHeader.SizeOfImage;
    return base - (uintptr_t)nt->OptionalHeader.ImageBase;
}

static void setpath(peobj *o, HMODULE h)
{
    wchar_t w[MAX_PATH];
    DWORD n = GetModuleFileNameW(h, w, MAX_PATH);
    if (n == 0 || n >= MAX_PATH ||
        WideCharToMultiByte(CP_UTF8, 0, w, (int)n + 1, o->pathbuf, (int)sizeof o->pathbuf, NULL, NULL) <= 0)
        memcpy(o->pathbuf, "?", 2);
    o->obj.path = o->pathbuf;
}

/* mapexe maps the executable's file and finds its symbols and sections. */
static void mapexe(obj *oo)
{
    peobj *o = (peobj *)oo;     /* its first member */
    wchar_t path[MAX_PATH];
    if (GetModuleFileNameW(NULL, path, MAX_PATH) == 0)
        return;
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return;
    LARGE_INTEGER size;
    HANDLE m = NULL;
    const char *file = NULL;
    if (GetFileSizeEx(h, &size) && size.QuadPart > (LONGLONG)sizeof(IMAGE_DOS_HEADER) &&
        (m = CreateFileMappingW(h, NULL, PAGE_READONLY, 0, 0, NULL)) != NULL)
        file = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    if (m)
        CloseHandle(m);         /* the view keeps the mapping */
    CloseHandle(h);
    if (file == NULL)
        return;
    uint64_t got = (uint64_t)size.QuadPart;
    const IMAGE_DOS_HEADER *dos = (const void *)file;
    if (dos->e_magic != IMAGE_DOS_SIGNATURE || dos->e_lfanew < 0 ||
        (uint64_t)dos->e_lfanew + sizeof(IMAGE_NT_HEADERS64) > got)
        return;
    const IMAGE_NT_HEADERS64 *nt = (const void *)(file + dos->e_lfanew);
    const IMAGE_FILE_HEADER *fh = &nt->FileHeader;
    if (nt->Signature != IMAGE_NT_SIGNATURE)
        return;
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    if ((uint64_t)((const char *)(sec + fh->NumberOfSections) - file) > got)
        return;
    /* The bias from the file's ImageBase: the loader may have moved the
     * image and written its load address into the header in memory. */
    o->obj.bias = o->base - (uintptr_t)nt->OptionalHeader.ImageBase;
    o->file = file;
    o->filesize = got;
    o->sec = sec;
    o->nsec = fh->NumberOfSections;
    DWORD symoff = fh->PointerToSymbolTable, nsyms = fh->NumberOfSymbols;
    if (symoff != 0 && (uint64_t)symoff + (uint64_t)nsyms * IMAGE_SIZEOF_SYMBOL + 4 <= got) {
        o->syms = (const IMAGE_SYMBOL *)(file + symoff);
        o->nsyms = nsyms;
        o->strtab = file + symoff + (size_t)nsyms * IMAGE_SIZEOF_SYMBOL;
        DWORD strsize;
        memcpy(&strsize, o->strtab, 4);
        uint64_t room = got - ((uint64_t)symoff + (uint64_t)nsyms * IMAGE_SIZEOF_SYMBOL);
        o->strsize = strsize <= room ? strsize : (DWORD)room;
    }
    for (WORD i = 0; i < o->nsec; i++) {
        char name[64];
        const char *nm = (const char *)sec[i].Name;
        size_t len = strnlen(nm, 8);
        if (len > 0 && nm[0] == '/' && o->strtab) {         /* "/123": a long name */
            unsigned long off = strtoul(nm + 1, NULL, 10);
            if (off >= o->strsize || memchr(o->strtab + off, 0, o->strsize - off) == NULL)
                continue;
            nm = o->strtab + off;
            len = strlen(nm);
        }
        if (len >= sizeof name)
            continue;
        memcpy(name, nm, len);
        name[len] = 0;
        uint64_t raw = sec[i].PointerToRawData, n = sec[i].SizeOfRawData;
        if (sec[i].Misc.VirtualSize != 0 && sec[i].Misc.VirtualSize < n)
            n = sec[i].Misc.VirtualSize;        /* the raw size is rounded up */
        if (raw == 0 || raw > got || n > got - raw)
            continue;
        dwsect d = {(const uint8_t *)file + raw, n};
        gort__dwarf_section(&o->obj.dw, name, d);
    }
}

/* findobj is the object whose code holds pc, or NULL. */
static peobj *findobj(uintptr_t pc)
{
    peobj *o = &exeobj;
    if (o->base == 0) {
        HMODULE h = GetModuleHandleW(NULL);
        o->obj.bias = imagebias((uintptr_t)h, &o->size);
        setpath(o, h);
        o->base = (uintptr_t)h;
    }
    if (pc >= o->base && pc - o->base < o->size) {
        gort__objmap(&o->obj, mapexe);
        return o;
    }
    int n = atomic_load(&ndllobjs);
    for (int i = 0; i < n; i++)
        if (pc >= dllobjs[i].base && pc - dllobjs[i].base < dllobjs[i].size)
            return &dllobjs[i];
    HMODULE h;
    if (n >= (int)nelem(dllobjs) ||
        !GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR)pc, &h))
        return NULL;
    o = &dllobjs[n];
    imagebias((uintptr_t)h, &o->size);
    o->base = (uintptr_t)h;
    o->obj.bias = o->base;      /* a DLL's frames say their RVA (above) */
    setpath(o, h);
    atomic_store(&o->obj.state, 2);
    atomic_store(&ndllobjs, n + 1);   /* one report at a time adds */
    return o;
}

obj *gort__os_obj(void *pc)
{
    peobj *o = findobj((uintptr_t)pc);
    return o ? &o->obj : NULL;
}

/* exportname names pc in the DLL o from its export table: the exported
 * function nearest at or below it.  Returns its start or NULL. */
static void *exportname(const peobj *o, uintptr_t pc, char *buf, size_t n)
{
    const IMAGE_DOS_HEADER *dos = (const void *)o->base;
    const IMAGE_NT_HEADERS64 *nt = (const void *)(o->base + (uintptr_t)dos->e_lfanew);
    const IMAGE_DATA_DIRECTORY *dd = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
    if (nt->OptionalHeader.NumberOfRvaAndSizes <= IMAGE_DIRECTORY_ENTRY_EXPORT || dd->VirtualAddress == 0 ||
        dd->VirtualAddress >= o->size)
        return NULL;
    const IMAGE_EXPORT_DIRECTORY *ed = (const void *)(o->base + dd->VirtualAddress);
    const DWORD *funcs = (const void *)(o->base + ed->AddressOfFunctions);
    const DWORD *names = (const void *)(o->base + ed->AddressOfNames);
    const WORD *ords = (const void *)(o->base + ed->AddressOfNameOrdinals);
    uintptr_t rva = pc - o->base, best = 0;
    const char *bestname = NULL;
    for (DWORD i = 0; i < ed->NumberOfNames; i++) {
        if (ords[i] >= ed->NumberOfFunctions)
            continue;
        DWORD f = funcs[ords[i]];
        if (f <= rva && f >= best && (f < dd->VirtualAddress || f >= dd->VirtualAddress + dd->Size)) {
            best = f;           /* (not a forwarder, whose RVA is a string) */
            bestname = (const char *)(o->base + names[i]);
        }
    }
    if (bestname == NULL)
        return NULL;
    gort__snprintf(buf, n, "%s", bestname);
    return (void *)(o->base + best);
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

/* gort__os_funcname names the function that holds pc: in the executable
 * the function symbol of the COFF symbol table nearest at or below pc
 * (COFF symbols have no sizes), in a DLL its nearest export. */
void *gort__os_funcname(void *pc, char *buf, size_t n)
{
    peobj *o = findobj((uintptr_t)pc);
    uintptr_t a = (uintptr_t)pc, best = 0;
    const IMAGE_SYMBOL *bestsym = NULL;
    if (o == &exeobj && atomic_load(&o->obj.state) == 2 && o->syms) {
        for (DWORD i = 0; i < o->nsyms; i++) {
            const IMAGE_SYMBOL *sym = &o->syms[i];
            int secno = sym->SectionNumber;
            if (ISFCN(sym->Type) && secno > 0 && secno <= o->nsec) {
                uintptr_t addr = o->base + o->sec[secno - 1].VirtualAddress + sym->Value;
                if (addr <= a && addr >= best) {
                    best = addr;
                    bestsym = sym;
                }
            }
            i += sym->NumberOfAuxSymbols;
        }
    }
    if (bestsym) {
        if (bestsym->N.Name.Short == 0) {
            DWORD off = bestsym->N.Name.Long;
            const char *nm = off < o->strsize && memchr(o->strtab + off, 0, o->strsize - off)
                                 ? o->strtab + off : "?";
            gort__snprintf(buf, n, "%s", nm);
        } else {
            char shortname[9];
            memcpy(shortname, bestsym->N.ShortName, 8);
            shortname[8] = 0;
            gort__snprintf(buf, n, "%s", shortname);
        }
        return (void *)best;
    }
    void *start = o && o != &exeobj ? exportname(o, a, buf, n) : NULL;
    if (start)
        return start;
    gort__snprintf(buf, n, "?");
    return NULL;
}

bool gort__os_funcfile(void *pc, char *buf, size_t n)
{
    peobj *o = findobj((uintptr_t)pc);
    if (o != &exeobj || atomic_load(&o->obj.state) != 2 || o->syms == NULL || n == 0)
        return false;
    uintptr_t a = (uintptr_t)pc, best = 0;
    const IMAGE_SYMBOL *bestsym = NULL, *file = NULL, *bestfile = NULL;
    for (DWORD i = 0; i < o->nsyms; i++) {
        const IMAGE_SYMBOL *sym = &o->syms[i];
        int secno = sym->SectionNumber;
        if (sym->StorageClass == IMAGE_SYM_CLASS_FILE) {
            file = sym;         /* its name is in the aux records after it */
        } else if (ISFCN(sym->Type) && secno > 0 && secno <= o->nsec) {
            uintptr_t addr = o->base + o->sec[secno - 1].VirtualAddress + sym->Value;
            if (addr <= a && addr >= best) {
                best = addr;
                bestsym = sym;
                bestfile = file;
            }
        }
        i += sym->NumberOfAuxSymbols;
    }
    if (bestsym == NULL || bestsym->StorageClass != IMAGE_SYM_CLASS_STATIC || bestfile == NULL ||
        bestfile->NumberOfAuxSymbols == 0 ||
        (const char *)(bestfile + 1 + bestfile->NumberOfAuxSymbols) > o->file + o->filesize)
        return false;
    size_t len = strnlen((const char *)(bestfile + 1), (size_t)bestfile->NumberOfAuxSymbols * IMAGE_SIZEOF_SYMBOL);
    if (len >= n)
        len = n - 1;
    memcpy(buf, bestfile + 1, len);
    buf[len] = 0;
    return true;
}

/* exceptionhandler reports faults Go's way; an access violation in a
 * goroutine's guard page is a stack overflow. */
static LONG CALLBACK exceptionhandler(EXCEPTION_POINTERS *info)
{
    DWORD code = info->ExceptionRecord->ExceptionCode;
    switch (code) {
    case EXCEPTION_ACCESS_VIOLATION:
    case EXCEPTION_GUARD_PAGE:          /* a goroutine's guard page (sysGuard) */
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
    uintptr_t sp = (uintptr_t)info->ContextRecord->Rsp;
    bool guard = gort__stack_is_guard(addr, sp, &gp);
    if (code == EXCEPTION_GUARD_PAGE && !guard)
        return EXCEPTION_CONTINUE_SEARCH;      /* the program's own guard page */
    if (code == EXCEPTION_STACK_OVERFLOW || guard) {
        /* On the reserve below the guard page (sysGuard), or on a thread
         * stack's guarantee (minit). */
        gp = getg() && getg()->m ? getg()->m->curg : NULL;
        if (guard && gp) {
            /* The report's backtrace runs here, on the reserve below the
             * stack's TIB limits: the unwinder stops at a frame outside
             * them, so they take in the reserve now (the goroutine never
             * runs again). */
            writetib(0x10, gp->stack.lo - STACK_GUARD_SIZE);      /* StackLimit */
            writetib(0x1478, gp->stack.lo - STACK_GUARD_SIZE);    /* DeallocationStack */
        }
        if (gp) {
            gort__printf("runtime: goroutine stack exceeds %lu-byte limit\n",
                         (unsigned long)(gp->stack.hi - gp->stack.lo));
            gort__printf("runtime: sp=%p stack=[%p, %p]\n", (void *)sp, (void *)gp->stack.lo,
                         (void *)gp->stack.hi);
        }
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
