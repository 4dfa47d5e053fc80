/*
 * os_linux.c - the OS layer on Linux (os.h): futexes, threads, memory,
 * signals, the command line.  Mirrors Go's runtime/os_linux.go.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <linux/futex.h>
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

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND 1
#endif
#endif

#include "os.h"
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

/* gort__osinit: the number of CPUs this process may use and the page size. */
void gort__osinit(void)
{
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
 * g0 under sched.lock). */
int32_t gort__os_nthreads(void)
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

/* gort__sysGuardNoMap installs a guard region (Linux 6.13): page-table
 * markers that fault on any access, inside the existing mapping, so no
 * new mapping and no memory.  Older kernels say EINVAL. */
bool gort__sysGuardNoMap(void *v, uintptr_t n)
{
    int saved = errno;
    int r;
    while ((r = madvise(v, n, MADV_GUARD_INSTALL)) != 0 && (errno == EINTR || errno == EAGAIN))
        ;
    errno = saved;
    return r == 0;
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

int gort__os_backtrace(void **pcs, int n)
{
    return backtrace(pcs, n);
}

/* The executable's own symbol table (.symtab), read on first use, so that
 * reports name static and hidden functions too - the runtime's and the
 * program's - without -rdynamic.  Only fatal paths get here. */
static struct {
    bool tried;
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *strs;
    uintptr_t bias;     /* load address minus link address */
    uintptr_t base;     /* dli_fbase of the executable */
} exe;

static void loadexesyms(void)
{
    exe.tried = true;
    Dl_info self;
    if (!dladdr((void *)loadexesyms, &self) || self.dli_fbase == NULL)
        return;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
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
    const Elf64_Ehdr *eh = map;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff == 0 || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > (uint64_t)st.st_size)
        return;
    /* The link address of the first loadable segment, for the bias. */
    uintptr_t lowest = UINTPTR_MAX;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < lowest)
            lowest = ph[i].p_vaddr & ~(uintptr_t)(ph[i].p_align ? ph[i].p_align - 1 : 0);
    if (lowest == UINTPTR_MAX)
        return;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        exe.syms = (const Elf64_Sym *)(file + sh[i].sh_offset);
        exe.nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
        exe.strs = file + sh[sh[i].sh_link].sh_offset;
        exe.base = (uintptr_t)self.dli_fbase;
        exe.bias = (uintptr_t)self.dli_fbase - lowest;
        break;
    }
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

void *gort__os_funcstart(void *pc)
{
    struct dwarf_eh_bases bases = {0};
    if (_Unwind_Find_FDE(pc, &bases) == NULL)
        return NULL;
    return bases.func;
}

void *gort__os_funcname(void *pc, char *buf, size_t n)
{
    Dl_info info;
    bool found = dladdr(pc, &info) != 0;
    if (found && (uintptr_t)info.dli_fbase != 0) {
        if (!exe.tried)
            loadexesyms();
        if (exe.syms && (uintptr_t)info.dli_fbase == exe.base) {
            uintptr_t addr = (uintptr_t)pc - exe.bias;
            for (size_t i = 0; i < exe.nsyms; i++) {
                const Elf64_Sym *sym = &exe.syms[i];
                if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_value <= addr &&
                    addr < sym->st_value + (sym->st_size ? sym->st_size : 1)) {
                    gort__snprintf(buf, n, "%s", exe.strs + sym->st_name);
                    return (void *)(sym->st_value + exe.bias);
                }
            }
        }
    }
    if (found && info.dli_sname) {
        gort__snprintf(buf, n, "%s", info.dli_sname);
        return info.dli_saddr;
    }
    gort__snprintf(buf, n, "?");
    return NULL;
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
 * (found at start-up by initlibcrange). */
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
 * unwinds with backtrace(), which gort__os_initsig has called once
 * already: its first call loads libgcc_s with dlopen, which mallocs.
 * stdio is flushed (the one stdio call of a report) only when the signal
 * did not stop the thread inside the C library. */
static void sighandler(int sig, siginfo_t *info, void *uctx)
{
    ucontext_t *uc = uctx;
    sigctx sc = {
        .name = signame(sig),
        .code = (uintptr_t)(intptr_t)info->si_code,
        .addr = (uintptr_t)info->si_addr,
        .pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP],
        .sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP],
    };
    sc.flush = !(sc.pc >= libclo && sc.pc < libchi);
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
    /* Before any signal: backtrace() loads libgcc_s at its first call
     * (dlopen, malloc), which a signal handler must not do; and the C
     * library's address range, for sighandler. */
    void *pc[1];
    backtrace(pc, 1);
    dl_iterate_phdr(libcrange, NULL);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sighandler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGQUIT};
    for (size_t i = 0; i < nelem(sigs); i++) {
        struct sigaction old;
        /* Leave alone a handler that the program or a tool installed. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
            !(old.sa_flags & SA_SIGINFO && old.sa_sigaction == NULL))
            continue;
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
        uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
        uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
        if (mask == 0 && gort__isAsyncSafePoint(gp, mp, pc, sp)) {
            gort__pushcall(&pc, &sp, gort__asyncPreempt);
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
            uc->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
        }
        atomic_fetch_add(&mp->preemptGen, 1);
        atomic_store(&mp->signalPending, 0);
    }
    errno = saved;
}

bool gort__os_preemptinit(void)
{
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
