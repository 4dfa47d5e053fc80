/*
 * arch_arm64.h - arm64's capability macros and the inline read of the
 * current G: what src/ asks instead of which CPU it is built for.  The
 * counterpart of arch/amd64/arch_amd64.h (read that first).
 *
 * runtime.h includes it (through goarch.h) for getg, asm_arm64.S for the
 * capabilities; the build puts arch/arm64 on the include path.
 *
 * Not here: GORT_HAVE_ASYNCPREEMPT.  arm64 has the synchronous half of
 * preemption only (sysmon's request, honoured at the goroutine's next
 * switch); the injected asyncPreempt call is amd64's.
 */
#ifndef GORT_ARCH_ARM64_H
#define GORT_ARCH_ARM64_H

/*
 * GORT_HAVE_TRACEBACKON: asm_arm64.S provides gort__tracebackon (arch.h),
 * whose DWARF CFI says that the function it calls on a parked goroutine's
 * stack was called from where that goroutine switched.  arm64 is ELF-only
 * here (Linux).
 */
#define GORT_HAVE_TRACEBACKON 1

/*
 * GORT_HAVE_FAST_GETG: getg() is gort__getg_fast below.  The thread
 * pointer is tpidr_el0; gort__tls_g's offset from it comes from the GOT
 * (the initial-exec model, which the linker relaxes to a constant in an
 * executable).  As on amd64 the read is one asm volatile with a "memory"
 * clobber, so the compiler can neither keep its result across a call
 * that switched threads nor move it across one (DESIGN.md's TLS trap).
 */
#define GORT_HAVE_FAST_GETG 1
#ifndef __ASSEMBLER__
extern __thread struct g *gort__tls_g __attribute__((visibility("hidden")));

static inline struct g *gort__getg_fast(void)
{
    struct g *gp;
    void *tp;
    __asm__ volatile("adrp %0, :gottprel:gort__tls_g\n\t"
                     "ldr %0, [%0, #:gottprel_lo12:gort__tls_g]\n\t"
                     "mrs %1, tpidr_el0\n\t"
                     "ldr %0, [%1, %0]"
                     : "=&r"(gp), "=&r"(tp)
                     :
                     : "memory");
    return gp;
}

/* gort__setg_fast makes gp the thread's current G: the store that pairs
 * with gort__getg_fast, as an asm volatile with a "memory" clobber too. */
static inline void gort__setg_fast(struct g *gp)
{
    void *off, *tp;
    __asm__ volatile("adrp %0, :gottprel:gort__tls_g\n\t"
                     "ldr %0, [%0, #:gottprel_lo12:gort__tls_g]\n\t"
                     "mrs %1, tpidr_el0\n\t"
                     "str %2, [%1, %0]"
                     : "=&r"(off), "=&r"(tp)
                     : "r"(gp)
                     : "memory");
}

/* gort__cputicks is the generic timer's virtual count (Go's cputicks on
 * arm64): one register read, in step across cores by the architecture.
 * The trace and the latency metric stamp with it. */
static inline uint64_t gort__cputicks(void)
{
    uint64_t t;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(t));
    return t;
}
#endif

/*
 * GORT_SIGCTXT_PC, GORT_SIGCTXT_SP: the interrupted PC and SP in a Linux
 * signal handler's ucontext_t (os_linux.c).  Macros, expanded only where
 * <sys/ucontext.h> is included.
 */
#define GORT_SIGCTXT_PC(uc) ((uintptr_t)(uc)->uc_mcontext.pc)
#define GORT_SIGCTXT_SP(uc) ((uintptr_t)(uc)->uc_mcontext.sp)

#endif
