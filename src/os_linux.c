/*
 * os_linux.c - the OS layer on Linux (os.h): futexes, threads, memory,
 * signals, the command line.  Mirrors Go's runtime/os_linux.go.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

/* The futex operations: <linux/futex.h> is the kernel's header, which a
 * C library's own headers need not bring (musl-gcc's do not); the values
 * are the kernel's ABI. */
#if defined(__has_include)
#if __has_include(<linux/futex.h>)
#include <linux/futex.h>
#endif
#endif
#ifndef FUTEX_WAIT_PRIVATE
#define FUTEX_WAIT_PRIVATE (0 | 128)    /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE (1 | 128)    /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND 1
#endif
#endif

#include "arch.h"
#include "os.h"
#include "symtab.h"
#include "arch.h"

const bool gort__os_ctors_reversed = false;     /* .init_array runs forwards */

/* The kernel's 16 random bytes for this process (AT_RANDOM), or NULL. */
static const unsigned char *startupRandomData;

/* gort__os_args keeps argc/argv and reads the auxiliary vector that the
 * kernel put after the environment: the page size and the random seed. */
void gort__os_args(int argc, char **argv, int *pargc, char ***pargv)
{
    *pargc = argc;
    *pargv = argv;
    char **envp = argv + argc + 1;
    while (*envp)
        envp++;
    for (unsigned long *auxv = (unsigned long *)(envp + 1); auxv[0] != AT_NULL; auxv += 2) {
        switch (auxv[0]) {
        case AT_PAGESZ:
            gort__physPageSize = auxv[1];
            break;
        case AT_RANDOM:
            startupRandomData = (const unsigned char *)auxv[1];
            break;
        }
    }
}

int32_t gort__getproccount(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

/* The threads beside the main thread that the process had when the
 * runtime booted (osinit): none in a plain program; an emulator's own
 * (qemu-user's RCU thread), or one that a constructor started.  They are
 * the system's, not callers of gort: gort__os_nthreads leaves them out,
 * as os_windows.c leaves out the loader's workers. */
static int32_t systhreads;
static int32_t procthreads(void);

/* gort__osinit: the number of CPUs this process may use and the page
 * size; the threads already there. */
void gort__osinit(void)
{
    int32_t n = procthreads();
    systhreads = n > 1 ? n - 1 : 0;
    gort__ncpu = gort__getproccount();
    if (gort__physPageSize == 0)
        gort__physPageSize = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (gort__physPageSize == 0 || (gort__physPageSize & (gort__physPageSize - 1)) != 0)
        gort__fatal("osinit: bad physical page size");
}

/* gort__getRandomData: AT_RANDOM's bytes, as Go takes them; /dev/urandom
 * only when the kernel gave none. */
void gort__getRandomData(void *r, size_t n)
{
    size_t got = 0;
    if (startupRandomData != NULL) {
        got = n < 16 ? n : 16;
        memcpy(r, startupRandomData, got);
    } else {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t k = read(fd, r, n);
            close(fd);
            if (k > 0)
                got = (size_t)k;
        }
    }
    gort__extendRandom(r, n, got);
}

/* gort__os_g0bounds describes the current thread's own stack as a g0. */
void gort__os_g0bounds(gobuf *buf, uintptr_t sp)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    uintptr_t lo = sp - 64 * 1024;
    struct rlimit rl;
    if (getpid() == (pid_t)syscall(SYS_gettid)) {
        /* The main thread: pthread_getattr_np would parse /proc/self/maps
         * (slow, at every start); the stack limit says as much. */
        if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur > 128 * 1024 && rl.rlim_cur < sp)
            lo = sp - (uintptr_t)rl.rlim_cur + 64 * 1024;
    } else if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0 && (uintptr_t)addr < sp)
            lo = (uintptr_t)addr + 4096;
        pthread_attr_destroy(&attr);
    }
    buf->sp = (sp - 256) & ~(uintptr_t)15;
    buf->lo = lo;
    buf->hi = sp;
    buf->dealloc = lo;
}

/* ------------------------------------------------------------------------
 * Threads.
 * ---------------------------------------------------------------------- */

static void *mstart_thread(void *arg)
{
    gort__mstart_os(arg);
    return NULL;
}

void gort__newosproc(m *mp)
{
    pthread_attr_t attr;
    pthread_t tid;
    sigset_t all, old;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Block signals while creating the thread so that it starts with
     * them blocked until minit, as Go does. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&tid, &attr, mstart_thread, mp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        gort__printf("runtime: failed to create new OS thread (have %lld already; errno=%d)\n",
                     (long long)gort__sched.mnext, err);
        gort__throw("newosproc");
    }
    mp->threadhandle = (uintptr_t)tid;
}

void gort__osyield(void)
{
    sched_yield();
}

/* Threads the runtime did not start: a thread-specific key whose
 * destructor runs as each such thread exits (after its own destructors
 * and thread_local destructors may have used gort). */
static pthread_key_t dropmkey;
static pthread_once_t dropmonce = PTHREAD_ONCE_INIT;

static void dropmdestructor(void *arg)
{
    gort__dropm(arg);
}

static void dropmkeyinit(void)
{
    if (pthread_key_create(&dropmkey, dropmdestructor) != 0)
        gort__throw("pthread_key_create failed");
}

void gort__os_dropmatexit(m *mp)
{
    pthread_once(&dropmonce, dropmkeyinit);
    if (pthread_setspecific(dropmkey, mp) != 0)
        gort__throw("pthread_setspecific failed");
}

/* gort__os_nthreads: the kernel's count, the "Threads:" line of
 * /proc/self/status (read without stdio or malloc: checkdead calls it on
 * g0 under sched.lock), less the system's threads of boot time. */
int32_t gort__os_nthreads(void)
{
    int32_t n = procthreads();
    return n < 0 ? -1 : n - systhreads;
}

/* procthreads is the kernel's count of the process's threads, or -1. */
static int32_t procthreads(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = 0;
    const char *s = strstr(buf, "\nThreads:");
    if (s == NULL)
        return -1;
    long v = strtol(s + sizeof "\nThreads:" - 1, NULL, 10);
    return v > 0 ? (int32_t)v : -1;
}

void gort__usleep(uint32_t us)
{
    struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void gort__futexsleep(_Atomic uint32_t *addr, uint32_t val, int64_t ns)
{
    struct timespec ts, *tsp = NULL;
    if (ns >= 0) {
        ts.tv_sec = ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        tsp = &ts;
    }
    int saved = errno;
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
    errno = saved;
}

void gort__futexwakeup(_Atomic uint32_t *addr, uint32_t cnt)
{
    int saved = errno;
    long r = syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, cnt, NULL, NULL, 0);
    if (r < 0) {
        gort__printf("futexwakeup addr=%p returned %ld\n", (void *)addr, (long)-errno);
        gort__throw("futexwakeup");
    }
    errno = saved;
}

int64_t gort__nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------------
 * Memory.
 * ---------------------------------------------------------------------- */

void *gort__sysAlloc(uintptr_t n)
{
    void *v = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (v == MAP_FAILED)
        return NULL;
    /* No transparent huge pages: one would make 2 MiB of stacks and
     * guards resident at the first touch of one stack page. */
    int saved = errno;
    madvise(v, n, MADV_NOHUGEPAGE);
    errno = saved;
    return v;
}

void gort__sysFree(void *v, uintptr_t n)
{
    munmap(v, n);
}

bool gort__sysGuard(void *v, uintptr_t n)
{
    return mprotect(v, n, PROT_NONE) == 0;
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  /* Linux 6.13; newer than this system's headers */
#endif

/* guardfaults reports whether the guard region at v really faults: a
 * system call that reads it must fail with EFAULT.  An emulator may
 * accept advice it does not carry out (qemu-user answers madvise with
 * success and ignores it), and a guard that is not there would let an
 * overflow run on into the stack below.  Any other failure counts as no:
 * mprotect's guards are the safe choice. */
static bool guardfaults(void *v)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return false;
    ssize_t r = write(fds[1], v, 1);
    bool faulted = r < 0 && errno == EFAULT;
    close(fds[0]);
    close(fds[1]);
    return faulted;
}

/* gort__sysGuardNoMap installs a guard region (Linux 6.13): page-table
 * markers that fault on any access, inside the existing mapping, so no
 * new mapping and no memory.  Older kernels say EINVAL.  The first guard
 * is checked to fault (guardfaults); if it does not, neither this nor any
 * later one counts. */
bool gort__sysGuardNoMap(void *v, uintptr_t n)
{
    static int works;   /* 1 yes, -1 no, 0 not known yet: set by the first call, under stackpool.lock; the later ones, which may run without it (stack.c), only read it */
    if (works < 0)
        return false;
    int saved = errno;
    int r;
    while ((r = madvise(v, n, MADV_GUARD_INSTALL)) != 0 && (errno == EINTR || errno == EAGAIN))
        ;
    if (r == 0 && works == 0)
        works = guardfaults(v) ? 1 : -1;
    errno = saved;
    return r == 0 && works > 0;
}

void gort__sysUnused(void *v, uintptr_t n)
{
    madvise(v, n, MADV_DONTNEED);
}

int64_t gort__sysMapBudget(void)
{
    long long n = 65530;        /* Linux's default */
    int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[32];
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r > 0) {
            buf[r] = 0;
            long long v = strtoll(buf, NULL, 10);
            if (v > 0)
                n = v;
        }
    }
    return n;
}

/* gort__os_stackregister: Valgrind's client request, when its header was
 * found; outside Valgrind the request is a few no-op instructions. */
void gort__os_stackregister(void *lo, void *hi)
{
#ifdef HAVE_VALGRIND
    (void)VALGRIND_STACK_REGISTER(lo, hi);
#else
    (void)lo, (void)hi;
#endif
}

/* ------------------------------------------------------------------------
 * Output, exit, signals.
 * ---------------------------------------------------------------------- */

void gort__writeerr(const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(2, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* gort__flushstdio flushes stdout and stderr unless another thread holds
 * them (it may be the one that crashed): best effort, never blocks. */
void gort__flushstdio(void)
{
    FILE *fs[] = {stdout, stderr};
    for (size_t i = 0; i < nelem(fs); i++) {
        if (ftrylockfile(fs[i]) == 0) {
            fflush_unlocked(fs[i]);
            funlockfile(fs[i]);
        }
    }
}

void gort__exit(int code)
{
    _exit(code);
}

void gort__crash(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGABRT, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGABRT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(SIGABRT);
    _exit(2);
}

/* gort__os_backtrace walks the stack with the unwinder of libgcc (what
 * glibc's backtrace() does, and there is none in musl): the return
 * address of each frame, from this function's caller outwards (its own
 * frame, the first the unwinder shows, is skipped). */
struct unwindarg {
    void **pcs;
    int n, k;
};

static _Unwind_Reason_Code btframe(struct _Unwind_Context *ctx, void *arg)
{
    struct unwindarg *a = arg;
    uintptr_t pc = _Unwind_GetIP(ctx);
    if (a->k >= a->n || pc == 0)
        return _URC_END_OF_STACK;
    if (a->k >= 0)
        a->pcs[a->k] = (void *)pc;
    a->k++;
    return _URC_NO_REASON;
}

NOINLINE int gort__os_backtrace(void **pcs, int n)
{
    struct unwindarg a = {pcs, n, -1};
    _Unwind_Backtrace(btframe, &a);
    return a.k > 0 ? a.k : 0;
}

/* A parked goroutine's frames: gort__os_backtrace run on its own stack by
 * gort__tracebackon, just below the frame its switch saved, so that the
 * unwinder's first step lands in the goroutine's code. */
typedef struct btarg {
    void **pcs;
    int n, got;
} btarg;

static void btonstack(void *arg)
{
    btarg *b = arg;
    void *pcs[130];
    int got = gort__os_backtrace(pcs, b->n + 2 < (int)nelem(pcs) ? b->n + 2 : (int)nelem(pcs));
    /* Skip ourselves and gort__tracebackon. */
    b->got = got > 2 ? got - 2 : 0;
    memcpy(b->pcs, pcs + 2, (size_t)b->got * sizeof pcs[0]);
}

int gort__os_backtracectx(uintptr_t sp, uintptr_t lo, uintptr_t hi, void **pcs, int n)
{
    /* Room below sp for tracebackon's and backtrace's frames. */
    if (sp < lo + 16 * 1024 || sp >= hi || n <= 0)
        return -1;
    btarg b = {pcs, n, 0};
    gort__tracebackon(sp, btonstack, &b);
    return b.got;
}

/* The loaded objects - the executable and its shared libraries - for
 * reports: where each one's code lies, its file and its load bias, from
 * dl_iterate_phdr at start-up (gort__os_initsig: the loader's lock must
 * not be taken in a signal handler).  An object's file is mapped on the
 * first report that needs it, with plain system calls (open, fstat,
 * mmap: async-signal-safe), and gives its DWARF line table (symtab.c)
 * and, for the executable, its own symbol table (.symtab), so that
 * reports name static and hidden functions too without -rdynamic.
 * Libraries loaded after start-up are not in the table: their frames
 * print a bare pc.  What every OS keeps alike (path, bias, the mapping's
 * state, the DWARF sections) is symtab.h's obj. */
typedef struct elfobj {
    obj obj;                    /* the executable's path is exepath; bias is dlpi_addr */
    uintptr_t lo, hi;           /* its PT_LOAD segments, as loaded */
    bool isexe;
    const Elf64_Sym *syms;      /* .symtab and its strings (the executable) */
    size_t nsyms;
    const char *strs, *strsend;
} elfobj;

static elfobj objs[64];
static _Atomic int nobjs = -1;  /* -1: the table is not made yet */
static char exepath[4096];

static int addobj(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    int *n = arg;
    if (*n >= (int)nelem(objs))
        return 1;
    elfobj *o = &objs[*n];
    o->isexe = *n == 0;         /* the first one is the executable */
    o->obj.path = o->isexe ? exepath : info->dlpi_name;
    o->obj.bias = info->dlpi_addr;
    o->lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (lo < o->lo)
            o->lo = lo;
        if (hi > o->hi)
            o->hi = hi;
    }
    if (o->obj.path != NULL && o->obj.path[0] != 0 && o->lo < o->hi)
        ++*n;
    return 0;
}

/* initobjs makes the table, once.  Before gort__os_initsig has made it
 * no handler of ours is installed, so no report runs in one yet. */
static void initobjs(void)
{
    if (atomic_load(&nobjs) >= 0)
        return;
    ssize_t l = readlink("/proc/self/exe", exepath, sizeof exepath - 1);
    if (l <= 0)
        memcpy(exepath, "/proc/self/exe", sizeof "/proc/self/exe");
    else
        exepath[l] = 0;
    int n = 0;
    dl_iterate_phdr(addobj, &n);
    atomic_store(&nobjs, n);
}

/* mapobj maps o's file and finds its sections: .debug_line and its
 * strings, and for the executable .symtab.  Compressed sections
 * (SHF_COMPRESSED, -gz) are left out: their frames print file+offset. */
static void mapobj(obj *oo)
{
    elfobj *o = (elfobj *)oo;   /* its first member */
    int fd = open(o->isexe ? "/proc/self/exe" : o->obj.path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr))
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return;
    const char *file = map;
    uint64_t size = (uint64_t)st.st_size;
    const Elf64_Ehdr *eh = map;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
        eh->e_shoff > size || (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size - eh->e_shoff)
        return;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    const Elf64_Shdr *shstr = &sh[eh->e_shstrndx];
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset)
            continue;
        const uint8_t *p = (const uint8_t *)file + sh[i].sh_offset;
        if (sh[i].sh_type == SHT_SYMTAB && o->isexe && sh[i].sh_link < eh->e_shnum &&
            sh[sh[i].sh_link].sh_offset < size) {
            o->syms = (const Elf64_Sym *)p;
            o->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
            o->strs = file + sh[sh[i].sh_link].sh_offset;
            continue;
        }
        if (shstr->sh_offset > size || sh[i].sh_name >= shstr->sh_size ||
            shstr->sh_size > size - shstr->sh_offset || (sh[i].sh_flags & SHF_COMPRESSED))
            continue;
        const char *name = file + shstr->sh_offset + sh[i].sh_name;
        size_t maxlen = shstr->sh_size - sh[i].sh_name;
        dwsect sec = {p, sh[i].sh_size};
        if (strnlen(name, maxlen) == maxlen)
            continue;
        gort__dwarf_section(&o->obj.dw, name, sec);
    }
    /* The symbol names must end inside the file. */
    if (o->syms && ((const char *)o->syms + o->nsyms * sizeof(Elf64_Sym) > file + size))
        o->syms = NULL;
    o->strsend = file + size;
}

/* findobj is the object whose code holds pc, its file mapped, or NULL. */
static elfobj *findobj(uintptr_t pc)
{
    initobjs();
    int n = atomic_load(&nobjs);
    for (int i = 0; i < n; i++) {
        elfobj *o = &objs[i];
        if (pc < o->lo || pc >= o->hi)
            continue;
        gort__objmap(&o->obj, mapobj);
        return o;
    }
    return NULL;
}

obj *gort__os_obj(void *pc)
{
    elfobj *o = findobj((uintptr_t)pc);
    return o ? &o->obj : NULL;
}

/* libgcc's lookup of the unwind entry (FDE) that covers a pc: a binary
 * search of .eh_frame_hdr, as the unwinder does for every frame.  Not in
 * <unwind.h>; its prototype is libgcc's unwind-dw2-fde.h. */
struct dwarf_eh_bases {
    void *tbase;
    void *dbase;
    void *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

#ifndef GORT_HAVE_DL_FIND_OBJECT
/*
 * _dl_find_object, for a C library that has none (musl).  GCC 12's
 * unwinder (libgcc_eh, which a static program links) finds the unwind
 * tables of a pc by calling glibc's _dl_find_object (glibc 2.35) and has
 * no other way when it was built against a glibc that has it, as
 * Debian's is.  Without it no backtrace, no goroutine report's frames and
 * no gort__os_funcstart work, so gort defines it, from dl_iterate_phdr
 * (in a static program: the executable alone, read from its program
 * headers without locks or allocation, so that a signal handler may call
 * it).  The layout is glibc's for 64-bit systems whose unwind data needs
 * no data-relative base (x86-64, arm64): <bits/dl_find_object.h>.  The
 * build defines GORT_HAVE_DL_FIND_OBJECT where the C library has one
 * (CMakeLists.txt), and then this is not compiled.
 */
struct gort_dl_find_object {   /* glibc's struct dl_find_object */
    unsigned long long dlfo_flags;
    void *dlfo_map_start;       /* the object's mapping that holds the pc */
    void *dlfo_map_end;
    struct link_map *dlfo_link_map;
    void *dlfo_eh_frame;        /* its PT_GNU_EH_FRAME: .eh_frame_hdr */
    unsigned long long dlfo_unused[7];
};

int _dl_find_object(void *pc, struct gort_dl_find_object *r);

struct findobject {
    uintptr_t pc;
    struct gort_dl_find_object *r;
};

static int findobject(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct findobject *f = arg;
    void *eh = NULL;
    bool in = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_GNU_EH_FRAME)
            eh = (void *)lo;
        if (ph->p_type == PT_LOAD && f->pc >= lo && f->pc < lo + ph->p_memsz) {
            in = true;
            f->r->dlfo_map_start = (void *)lo;
            f->r->dlfo_map_end = (void *)(lo + ph->p_memsz);
        }
    }
    if (!in)
        return 0;
    f->r->dlfo_flags = 0;
    f->r->dlfo_link_map = NULL;
    f->r->dlfo_eh_frame = eh;
    return 1;
}

int _dl_find_object(void *pc, struct gort_dl_find_object *r)
{
    struct findobject f = {(uintptr_t)pc, r};
    return dl_iterate_phdr(findobject, &f) ? 0 : -1;
}
#endif

void *gort__os_funcstart(void *pc)
{
    struct dwarf_eh_bases bases = {0};
    if (_Unwind_Find_FDE(pc, &bases) == NULL)
        return NULL;
    return bases.func;
}

/* gort__os_funcname names the function that holds pc: from the
 * executable's .symtab (static functions too), else from the dynamic
 * symbols through dladdr (shared libraries; its lock is recursive). */
void *gort__os_funcname(void *pc, char *buf, size_t n)
{
    elfobj *o = findobj((uintptr_t)pc);
    if (o && o->isexe && atomic_load(&o->obj.state) == 2 && o->syms) {
        uintptr_t addr = (uintptr_t)pc - o->obj.bias;
        for (size_t i = 0; i < o->nsyms; i++) {
            const Elf64_Sym *sym = &o->syms[i];
            if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_value <= addr &&
                addr < sym->st_value + (sym->st_size ? sym->st_size : 1)) {
                const char *name = o->strs + sym->st_name;
                size_t max = name < o->strsend ? (size_t)(o->strsend - name) : 0;
                gort__snprintf(buf, n, "%s", memchr(name, 0, max) ? name : "?");
                return (void *)(sym->st_value + o->obj.bias);
            }
        }
    }
    Dl_info info;
    if (dladdr(pc, &info) != 0 && info.dli_sname) {
        gort__snprintf(buf, n, "%s", info.dli_sname);
        return info.dli_saddr;
    }
    gort__snprintf(buf, n, "?");
    return NULL;
}

bool gort__os_funcfile(void *pc, char *buf, size_t n)
{
    elfobj *o = findobj((uintptr_t)pc);
    if (o == NULL || !o->isexe || atomic_load(&o->obj.state) != 2 || o->syms == NULL)
        return false;
    uintptr_t addr = (uintptr_t)pc - o->obj.bias;
    const char *file = NULL;    /* the latest STT_FILE: the locals after it are its */
    for (size_t i = 0; i < o->nsyms; i++) {
        const Elf64_Sym *sym = &o->syms[i];
        if (ELF64_ST_BIND(sym->st_info) != STB_LOCAL)
            continue;
        if (ELF64_ST_TYPE(sym->st_info) == STT_FILE) {
            file = o->strs + sym->st_name;
            continue;
        }
        if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_value <= addr &&
            addr < sym->st_value + (sym->st_size ? sym->st_size : 1)) {
            size_t max = file && file < o->strsend ? (size_t)(o->strsend - file) : 0;
            if (max == 0 || memchr(file, 0, max) == NULL)
                return false;
            gort__snprintf(buf, n, "%s", file);
            return true;
        }
    }
    return false;
}

static const char *signame(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV: segmentation violation";
    case SIGBUS: return "SIGBUS: bus error";
    case SIGFPE: return "SIGFPE: floating-point exception";
    case SIGILL: return "SIGILL: illegal instruction";
    case SIGQUIT: return "SIGQUIT: quit";
    default: return "signal";
    }
}

/* The C library's code, [libclo, libchi): a signal that stopped a thread
 * there may have stopped it inside stdio or malloc, holding their locks
 * (found at start-up by libcrange; none in a static program, where the C
 * library is part of the executable). */
static uintptr_t libclo, libchi;

static int libcrange(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    const char *name = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    name = name ? name + 1 : info->dlpi_name;
    if (name == NULL || strncmp(name, "libc.so", 7) != 0)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (libclo == 0 || lo < libclo)
            libclo = lo;
        if (hi > libchi)
            libchi = hi;
    }
    return 1;
}

/* sighandler reports fatal signals Go's way.  A fault in a goroutine's
 * guard region is a stack overflow.
 *
 * It runs on the signal stack, and everything it calls must be safe
 * there: the signal may have stopped this thread anywhere, inside malloc
 * or stdio with their locks held.  So the report formats with the
 * runtime's own printf (panic.c, no stdio), names functions from the
 * executable's symbol table or dladdr (whose lock is recursive), and
 * unwinds with libgcc's unwinder, which gort__os_initsig has run once
 * already (its first lookups may load and set up what it needs).  stdio
 * is flushed (the one stdio call of a report) only when the signal did
 * not stop the thread inside the C library - never in a static program,
 * whose C library cannot be told apart from the rest of its code. */
static void sighandler(int sig, siginfo_t *info, void *uctx)
{
    ucontext_t *uc = uctx;
    sigctx sc = {
        .name = signame(sig),
        .code = (uintptr_t)(intptr_t)info->si_code,
        .addr = (uintptr_t)info->si_addr,
        .pc = GORT_SIGCTXT_PC(uc),     /* the architecture's header says where */
        .sp = GORT_SIGCTXT_SP(uc),
    };
    sc.flush = libchi != 0 && !(sc.pc >= libclo && sc.pc < libchi);
    g *gp;
    if ((sig == SIGSEGV || sig == SIGBUS) && gort__stack_is_guard(sc.addr, sc.sp, &gp)) {
        gort__printf("runtime: goroutine stack exceeds %lu-byte limit\n",
                     (unsigned long)(gp->stack.hi - gp->stack.lo));
        gort__printf("runtime: sp=%p stack=[%p, %p]\n", (void *)sc.sp, (void *)gp->stack.lo,
                     (void *)gp->stack.hi);
        sc.name = NULL;     /* Go's overflow report has no [signal] line */
        gort__sigthrow("stack overflow", &sc);
    }
    if (sig == SIGQUIT)
        gort__dumpall(&sc);
    gort__sigthrow("unexpected signal during runtime execution", &sc);
}

void gort__os_initsig(void)
{
    /* Before any signal: a first walk of the stack (glibc's backtrace()
     * used to load libgcc_s then, with dlopen and malloc, which a signal
     * handler must not do; the unwinder may still set itself up); and
     * the C library's address range, for sighandler. */
    void *pc[1];
    gort__os_backtrace(pc, 1);
    dl_iterate_phdr(libcrange, NULL);
    initobjs();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sighandler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);
    /* The signals Go always takes (sigtab's _SigThrow and _SigPanic
     * ones, and SIGQUIT's goroutine dump), whatever the disposition the
     * process inherited: a shell starts a background job ("prog &" in a
     * script) with SIGINT and SIGQUIT ignored, and Go dumps on SIGQUIT all
     * the same (signal_unix.go, initsig and sigInstallGoHandler: only
     * SIGHUP and SIGINT keep an inherited SIG_IGN).  gort installs no
     * handler for SIGHUP, SIGINT or the other signals Go would kill the
     * process for, so they keep whatever was inherited: the default kills
     * the process (as Go's handler does, dieFromSignal), an inherited
     * SIG_IGN stays.  A real handler, one that the program (a
     * constructor) or a tool (a sanitizer, a debugger's preload)
     * installed before the runtime started, is left alone. */
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGQUIT};
    for (size_t i = 0; i < nelem(sigs); i++) {
        struct sigaction old;
        /* sa_handler and sa_sigaction share their storage: SIG_DFL is
         * 0, and SIG_IGN 1, whatever SA_SIGINFO says. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
            old.sa_handler != SIG_IGN)
            continue;   /* a handler of the program's or a tool's */
        sigaction(sigs[i], &sa, NULL);
    }
    gort__minit(&gort__m0);
}

/* ------------------------------------------------------------------------
 * Asynchronous preemption (preempt.c): SIGURG, as Go's.
 * ---------------------------------------------------------------------- */

/*
 * Which code is the program's own (gort__os_isuserpc).  The executable's
 * executable segments, from dl_iterate_phdr at start-up (the handler
 * cannot call it: it takes the loader's lock), minus libgort's own text.
 * The build renames the .text of every libgort object to gort_text
 * (CMakeLists.txt), and the linker, seeing these references, defines
 * __start_gort_text and __stop_gort_text around all of it wherever the
 * objects land in the executable, whatever else is linked with them.
 * Where the library was built without the renaming the references stay
 * null (weak): then no PC is known to be the user's, and the
 * asynchronous half is off.  Shared objects (libc, ld.so, the vDSO, a
 * sanitizer's runtime, the program's own) are never the user's code here.
 */
extern const char __start_gort_text[] __attribute__((weak));
extern const char __stop_gort_text[] __attribute__((weak));

/* sigm: the M of this thread (minit), for the preemption handler, which
 * must clear its signalPending whatever the thread is doing. */
static __thread m *sigm;

#define MAXEXESEGS 8
static uintptr_t exelo[MAXEXESEGS], exehi[MAXEXESEGS];
static int nexesegs;
static uintptr_t gortlo, gorthi;

static int exeranges(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    /* The first object is the executable itself. */
    for (int i = 0; i < info->dlpi_phnum && nexesegs < MAXEXESEGS; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        exelo[nexesegs] = info->dlpi_addr + ph->p_vaddr;
        exehi[nexesegs] = exelo[nexesegs] + ph->p_memsz;
        nexesegs++;
    }
    return 1;
}

bool gort__os_isuserpc(uintptr_t pc)
{
    if (pc >= gortlo && pc < gorthi)
        return false;
    for (int i = 0; i < nexesegs; i++)
        if (pc >= exelo[i] && pc < exehi[i])
            return true;
    return false;
}

/* sigpreempt is the SIGURG handler (Go's doSigPreempt): if the goroutine
 * that the signal stopped stands at an asynchronous safe point, make it
 * call asyncPreempt when the handler returns.  A signal that arrives late
 * (its goroutine was scheduled anew meanwhile, or the thread runs
 * another, or g0) finds no request and does nothing.  The mask of the
 * interrupted code must be the empty one that Ms run goroutines with: a
 * blocked signal there means a handler of the program runs, or the
 * program masked signals on this thread on purpose (only the kernel's 64
 * signals count: the ucontext's sigset_t is wider than what the kernel
 * writes).  Async-signal-safe: no locks, no allocation; errno kept. */
static void sigpreempt(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
    (void)info;
    int saved = errno;
    ucontext_t *uc = uctx;
    g *gp = getg();
    m *mp = sigm;   /* not gp->m: in a switch, gp may be between Ms */
    if (mp != NULL) {
        uint64_t mask;
        memcpy(&mask, &uc->uc_sigmask, sizeof mask);
#ifdef GORT_HAVE_ASYNCPREEMPT
        uintptr_t pc = GORT_SIGCTXT_PC(uc);
        uintptr_t sp = GORT_SIGCTXT_SP(uc);
        if (mask == 0 && gort__isAsyncSafePoint(gp, mp, pc, sp)) {
            gort__pushcall(&pc, &sp, gort__asyncPreempt);
            GORT_SIGCTXT_SETPC(uc, pc);
            GORT_SIGCTXT_SETSP(uc, sp);
        }
#else
        (void)gp;
        (void)mask;
#endif
        atomic_fetch_add(&mp->preemptGen, 1);
        atomic_store(&mp->signalPending, 0);
    }
    errno = saved;
}

bool gort__os_preemptinit(void)
{
#ifndef GORT_HAVE_ASYNCPREEMPT
    return false;       /* this architecture has no asyncPreempt yet */
#endif
#ifdef HAVE_VALGRIND
    if (RUNNING_ON_VALGRIND)
        return false;   /* see the README: Valgrind runs it, but slowly and unchecked */
#endif
    if (__start_gort_text == NULL || __stop_gort_text == NULL)
        return false;
    /* A static link has libc in the executable, where it would count as
     * the program's code: no asynchronous preemption then (README). */
    if (libchi == 0)
        return false;
    gortlo = (uintptr_t)__start_gort_text;
    gorthi = (uintptr_t)__stop_gort_text;
    dl_iterate_phdr(exeranges, NULL);
    if (nexesegs == 0)
        return false;
    struct sigaction sa, old;
    /* Leave SIGURG to a program or tool that handles it itself. */
    if (sigaction(SIGURG, NULL, &old) != 0 ||
        (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) ||
        (old.sa_flags & SA_SIGINFO && old.sa_sigaction != NULL))
        return false;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigpreempt;
    /* SA_RESTART: a system call that the signal interrupts restarts where
     * the kernel can (Go's flags); on the signal stack, which every M has. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);
    return sigaction(SIGURG, &sa, NULL) == 0;
}

/* threadrunning reports whether thread tid is running or runnable, from
 * the state in /proc/self/task/TID/stat: a thread asleep in the kernel
 * is in a system call, whose PC a preemption would refuse anyway, and a
 * signal would only cut the sleep short with EINTR (nanosleep, poll,
 * epoll_wait and the like return EINTR whatever SA_RESTART says).  Without
 * /proc it says yes. */
static bool threadrunning(int64_t tid)
{
    char path[64], buf[512];
    gort__snprintf(path, sizeof path, "/proc/self/task/%lld/stat", (long long)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = 0;
    const char *rp = strrchr(buf, ')');     /* the name may hold spaces and ')' */
    if (rp == NULL || rp[1] != ' ')
        return true;
    return rp[2] == 'R';
}

/* gort__os_preemptm sends mp's thread the preemption signal (Go's
 * preemptM), unless the thread sleeps in the kernel.  sysmon or
 * stopTheWorld; mp->signalPending is set. */
bool gort__os_preemptm(m *mp)
{
    if (mp->procid == 0 || !threadrunning(mp->procid))
        return false;
    return syscall(SYS_tgkill, (long)getpid(), (long)mp->procid, SIGURG) == 0;
}

/* gort__minit gives the thread a signal stack (a stack overflow handler
 * cannot run on the stack that overflowed) and unblocks signals. */
void gort__minit(m *mp)
{
    if (mp->altstack == NULL) {
        size_t sz = 64 * 1024;
        void *st = malloc(sz);
        if (st) {
            stack_t ss = {.ss_sp = st, .ss_size = sz, .ss_flags = 0};
            if (sigaltstack(&ss, NULL) == 0)
                mp->altstack = st;
            else
                free(st);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    mp->procid = (int64_t)syscall(SYS_gettid);
    sigm = mp;
}
