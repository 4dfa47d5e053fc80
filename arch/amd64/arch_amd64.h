/*
 * arch_amd64.h - amd64's capability macros and the inline read of the
 * current G: what src/ asks instead of which object format or ABI it is
 * built for.
 *
 * runtime.h includes it for getg, asm_amd64.S for the capabilities; the
 * build puts arch/amd64 on the include path (CMakeLists.txt).
 */
#ifndef GORT_ARCH_AMD64_H
#define GORT_ARCH_AMD64_H

/*
 * GORT_HAVE_TRACEBACKON: asm_amd64.S provides gort__tracebackon (arch.h),
 * which calls a function on a parked goroutine's stack below the context
 * it saved, with unwind information that makes that goroutine's frames
 * the function's callers.  The unwind information is DWARF CFI, which
 * unwinders read in ELF objects (SysV ABI); Windows unwinds through
 * .pdata instead, so PE builds go without.
 */
#if defined(__ELF__)
#define GORT_HAVE_TRACEBACKON 1
#endif

/*
 * GORT_HAVE_ASYNCPREEMPT: asm_amd64.S provides gort__asyncPreempt and
 * sys_x86.c gort__pushcall and gort__archpreemptinit (arch.h), the CPU's
 * half of asynchronous preemption (preempt.c).  Both ABIs: the injected
 * frame skips SysV's red zone, which Windows x64 does not have (128 bytes
 * lost there).  Whether the OS can interrupt a thread is the OS layer's
 * to say (gort__os_preemptinit).
 */
#define GORT_HAVE_ASYNCPREEMPT 1

/*
 * GORT_HAVE_FAST_GETG: getg() is gort__getg_fast below, not the function
 * gort__getg, and gort__tls_g (proc.c) is visible to it.
 *
 * DESIGN.md's trap: a goroutine may resume on another thread, and a
 * compiler may keep a thread-local address in a register across the call
 * that switched.  The portable answer is a NOINLINE accessor
 * (gort__getg in proc.c), which every switch point re-calls.  On
 * ELF amd64 the access is instead one instruction pair in an asm volatile
 * with a "memory" clobber: the compiler can neither cache its result nor
 * move it across a call, so it is as safe as the function call and five
 * times cheaper (it is on every switch path).  The initial-exec form works
 * in executables and in shared objects loaded at start-up.  Windows'
 * thread-local storage is emulated by mingw-w64: there getg() is the call.
 */
#if defined(__ELF__)
#define GORT_HAVE_FAST_GETG 1
#ifndef __ASSEMBLER__
extern __thread struct g *gort__tls_g __attribute__((visibility("hidden")));

static inline struct g *gort__getg_fast(void)
{
    struct g *gp;
    __asm__ volatile("movq gort__tls_g@gottpoff(%%rip), %0\n\t"
                     "movq %%fs:(%0), %0"
                     : "=r"(gp)
                     :
                     : "memory");
    return gp;
}

/* gort__setg_fast makes gp the thread's current G: the store that pairs
 * with gort__getg_fast, as an asm volatile with a "memory" clobber too. */
static inline void gort__setg_fast(struct g *gp)
{
    struct g **slot;
    __asm__ volatile("movq gort__tls_g@gottpoff(%%rip), %0\n\t"
                     "movq %1, %%fs:(%0)"
                     : "=&r"(slot)
                     : "r"(gp)
                     : "memory");
    (void)slot;
}

#endif
#endif

#ifndef __ASSEMBLER__
/* gort__cputicks is the time stamp counter (Go's cputicks): cheaper to
 * read than the clock, which reads it and then scales it; in step across
 * cores on the CPUs this runs on (constant_tsc, nonstop_tsc).  The trace
 * and the latency metric stamp with it. */
static inline uint64_t gort__cputicks(void)
{
    return __builtin_ia32_rdtsc();
}
#endif

/*
 * GORT_SIGCTXT_PC, GORT_SIGCTXT_SP: the interrupted PC and SP in a Linux
 * signal handler's ucontext_t (os_linux.c's fatal-signal report and its
 * stack-overflow test).  Macros, expanded only where <sys/ucontext.h> is
 * included.
 */
#define GORT_SIGCTXT_PC(uc) ((uintptr_t)(uc)->uc_mcontext.gregs[REG_RIP])
#define GORT_SIGCTXT_SP(uc) ((uintptr_t)(uc)->uc_mcontext.gregs[REG_RSP])
#define GORT_SIGCTXT_SETPC(uc, v) ((uc)->uc_mcontext.gregs[REG_RIP] = (greg_t)(v))
#define GORT_SIGCTXT_SETSP(uc, v) ((uc)->uc_mcontext.gregs[REG_RSP] = (greg_t)(v))

#endif
