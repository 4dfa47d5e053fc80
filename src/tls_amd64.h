/*
 * tls_amd64.h - the current G in thread-local storage, on amd64.
 *
 * DESIGN.md's trap: a goroutine may resume on another thread, and a
 * compiler may keep a thread-local address in a register across the call
 * that switched.  The portable answer is a NOINLINE accessor
 * (gort__getg in proc.c), which every switch point re-calls.  On
 * ELF amd64 the access is instead one instruction pair in an asm volatile
 * with a "memory" clobber: the compiler can neither cache its result nor
 * move it across a call, so it is as safe as the function call and five
 * times cheaper (it is on every switch path).  The initial-exec form works
 * in executables and in shared objects loaded at start-up.
 */
#ifndef GORT_TLS_AMD64_H
#define GORT_TLS_AMD64_H

#if defined(__ELF__) && defined(__x86_64__)
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
#define GORT_HAVE_FAST_GETG 1
#endif

#endif
