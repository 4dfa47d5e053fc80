/*
 * os.h - the contract between the portable runtime and its OS layer.
 *
 * os_linux.c and os_windows.c implement exactly these, and the build picks
 * one of them (CMakeLists.txt).  Nothing else in src/ asks which OS it is on.
 */
#ifndef GORT_OS_H
#define GORT_OS_H

#include "runtime.h"

/* Start-up (osinit and friends). */
void gort__osinit(void);                /* ncpu, physPageSize */
void gort__os_args(int argc, char **argv, int *pargc, char ***pargv);
void gort__os_g0bounds(gobuf *buf, uintptr_t sp);  /* g0 stack of this thread */
int32_t gort__getproccount(void);
void gort__os_initsig(void);            /* fatal signal handlers */
void gort__minit(m *mp);                /* per-thread setup (signal stack) */

/* Threads. */
void gort__newosproc(m *mp);            /* start a thread that runs gort__mstart_os(mp) */
void gort__mstart_os(m *mp);            /* entry of every new M (proc.c) */
void gort__osyield(void);
/* gort__os_dropmatexit arranges for gort__dropm(mp) to run when the
 * calling thread, one the runtime did not start, exits. */
void gort__os_dropmatexit(m *mp);
/* gort__os_nthreads is how many threads the process has now that could
 * call into gort: all but the ones that the process had beside the main
 * thread when the runtime booted (Windows' loader workers; on Linux
 * none, or an emulator's own, as qemu-user's).  -1: the system cannot
 * say.  checkdead uses it; it may be slow. */
int32_t gort__os_nthreads(void);
void gort__usleep(uint32_t us);

/* futexsleep blocks while *addr == val, at most ns nanoseconds (ns < 0:
 * forever); it may wake spuriously.  futexwakeup wakes up to cnt sleepers. */
void gort__futexsleep(_Atomic uint32_t *addr, uint32_t val, int64_t ns);
void gort__futexwakeup(_Atomic uint32_t *addr, uint32_t cnt);

/* Time. */
int64_t gort__nanotime(void);

/* gort__getRandomData fills r with n bytes from the system's random
 * generator (Go's getRandomData): on Linux the 16 bytes that the kernel
 * gives every process (AT_RANDOM, which gort__os_args keeps), or
 * /dev/urandom without them; on Windows RtlGenRandom.  Bytes the system
 * does not give come from gort__extendRandom.  schedinit seeds fastrand
 * with it. */
void gort__getRandomData(void *r, size_t n);

/* Memory for stacks: reserve n bytes of zeroed read-write memory whose
 * pages cost nothing until touched; make part of it fault on any access,
 * costing no memory (sysGuard: one more memory mapping on Linux;
 * sysGuardNoMap: none, false where the OS cannot, as Linux before 6.13);
 * give the physical pages of a range back; free.  n and addresses are
 * page-aligned. */
void *gort__sysAlloc(uintptr_t n);
void gort__sysFree(void *v, uintptr_t n);
bool gort__sysGuard(void *v, uintptr_t n);
bool gort__sysGuardNoMap(void *v, uintptr_t n);
void gort__sysUnused(void *v, uintptr_t n);
/* gort__sysMapBudget is how many more memory mappings the process may
 * make for guards (Linux: vm.max_map_count); negative: unlimited. */
int64_t gort__sysMapBudget(void);

/* Output and exit. */
void gort__writeerr(const void *buf, size_t n);
void gort__flushstdio(void);            /* best effort, never blocks forever */
NORETURN void gort__exit(int code);     /* _exit: no atexit handlers */
NORETURN void gort__crash(void);        /* abort with SIGABRT or the like */

/* Tools: gort__os_stackregister tells Valgrind that [lo, hi) is a stack,
 * so that a switch onto it is not taken for a wild change of the stack
 * pointer.  It does so where Valgrind runs the OS's programs and its
 * header was there at build time (outside Valgrind that costs a few
 * instructions); elsewhere it does nothing. */
void gort__os_stackregister(void *lo, void *hi);

/* Backtraces: capture up to n return addresses of the current stack. */
int gort__os_backtrace(void **pcs, int n);
/* gort__os_findobj finds the loaded object (the executable or a shared
 * library) whose code holds pc: its file's path, the bias that makes pc
 * an address as the file numbers it (pc - bias), and its DWARF line
 * table (symtab.h) if it has one, else NULL.  False when no object known
 * to the OS layer holds pc.  Safe in a signal handler. */
struct dwarf;
typedef struct objinfo {
    const char *path;
    uintptr_t bias;
    struct dwarf *dw;
} objinfo;
bool gort__os_findobj(void *pc, objinfo *oi);
/* gort__os_obj is the OS layer's findobj, the one per-OS piece of
 * gort__os_findobj (which symtab.c defines from it): the object whose
 * code holds pc (symtab.h's obj), its file mapped with gort__objmap
 * when it can be, or NULL.  Safe in a signal handler. */
struct obj;
struct obj *gort__os_obj(void *pc);
/* gort__os_backtracectx captures up to n return addresses of a goroutine
 * that is not running, unwound from the context mcall or swapgo saved at
 * sp (gobuf.sp) on its stack [lo, hi); -1 where the OS layer cannot. */
int gort__os_backtracectx(uintptr_t sp, uintptr_t lo, uintptr_t hi, void **pcs, int n);
/* gort__os_funcfile fills buf with the name of the source file that the
 * symbol table gives for the file-local (static) function holding pc
 * (ELF's STT_FILE, COFF's .file: a name without its directory); false
 * for a global function, or where the table does not say. */
bool gort__os_funcfile(void *pc, char *buf, size_t n);
/* Fill buf with the symbol containing pc; returns its start or NULL. */
void *gort__os_funcname(void *pc, char *buf, size_t n);
/* The start of the function whose code contains pc, from the unwind
 * tables (fast: gort_recover asks it of its caller), or NULL if none
 * says. */
void *gort__os_funcstart(void *pc);

/* Asynchronous preemption (preempt.c).  gort__os_preemptinit prepares
 * it (the handler, the code ranges gort__os_isuserpc answers from) and
 * reports whether this OS can do it here.  gort__os_preemptm interrupts
 * mp's thread so that its goroutine is preempted if it stands at a safe
 * point (Linux: SIGURG, whose handler clears mp->signalPending; Windows: it
 * suspends the thread and does the handler's part itself); false: no
 * interruption was sent.  gort__os_isuserpc: pc is in the program's own
 * code: the executable, outside libgort and outside every shared object.
 * Async-signal-safe. */
bool gort__os_preemptinit(void);
bool gort__os_preemptm(m *mp);
bool gort__os_isuserpc(uintptr_t pc);

/* Ctor order: true when constructors run in reverse link order (.ctors). */
extern const bool gort__os_ctors_reversed;

#endif
