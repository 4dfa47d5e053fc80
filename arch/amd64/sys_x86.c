/*
 * sys_x86.c - gostartcall: the first frame of a new goroutine.
 * Mirrors Go's runtime/sys_x86.go.
 */
#include "../../src/arch.h"

/* gort__gostartcall lays out, at the top of gp's stack, the frame that
 * gogo pops (asm_amd64.S draws it) so that the first gogo(&gp->sched)
 * "returns" into gort__goentry with gp in r12. */
void gort__gostartcall(g *gp)
{
    uintptr_t *sp = (uintptr_t *)(gp->stack.hi & ~(uintptr_t)15);

    *--sp = 0;                          /* no caller: ends backtraces */
    *--sp = (uintptr_t)gort__goentry;   /* return address of the first gogo */
    *--sp = 0;                          /* rbp */
    *--sp = 0;                          /* rbx */
    *--sp = (uintptr_t)gp;              /* r12: the G, for goentry */
    *--sp = 0;                          /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
#ifdef _WIN32
    *--sp = 0;                          /* rdi */
    *--sp = 0;                          /* rsi */
    *--sp = gp->stack.hi;               /* TIB StackBase */
    *--sp = gp->stack.lo;               /* TIB StackLimit */
    *--sp = gp->stack.lo;               /* TIB DeallocationStack */
    for (int i = 0; i < 20; i++)
        *--sp = 0;                      /* xmm6-15 */
#endif
    *--sp = (uintptr_t)0x037F << 32 | 0x1F80;  /* x87 cw, mxcsr: ABI defaults */
    gp->sched.sp = (uintptr_t)sp;
}

/* ------------------------------------------------------------------------
 * Asynchronous preemption: the CPU's half (preempt.c, arch.h).
 * ---------------------------------------------------------------------- */

#include <cpuid.h>

#include "../../src/sanitizer.h"

/* gort__xsavesize is the size of the XSAVE area for the state components
 * the OS has enabled (XCR0), which asyncPreempt reserves on the stack; 0:
 * the CPU or OS has no XSAVE, and asyncPreempt uses fxsave (x87, MMX and
 * SSE: 512 bytes).  Set once by archpreemptinit, before any preemption. */
#ifdef __ELF__
uint64_t gort__xsavesize __attribute__((visibility("hidden")));
#else
uint64_t gort__xsavesize;         /* (PE: nothing is exported unless marked) */
#endif

/* gort__archpreemptinit reads the XSAVE area's size from CPUID leaf 0xD
 * (EBX of subleaf 0: "the size required by XSAVE for the features enabled
 * in XCR0"), where CPUID.1:ECX says the CPU has XSAVE and the OS enabled
 * it (OSXSAVE). */
bool gort__archpreemptinit(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    if (!(d & bit_FXSAVE))
        return false;   /* not even fxsave: no amd64 CPU lacks it */
    gort__xsavesize = 0;
    if ((c & bit_XSAVE) && (c & bit_OSXSAVE) && __get_cpuid_max(0, NULL) >= 0xD) {
        __cpuid_count(0xD, 0, a, b, c, d);
        if (b >= 576 && b <= 64 * 1024)
            gort__xsavesize = b;
    }
    return true;
}

/* REDZONE: the bytes below sp that SysV leaf code may use without moving
 * sp; asyncPreempt's return (ret $REDZONE) skips them. */
#define REDZONE 128

/* gort__pushcall makes the interrupted context (*pc, *sp) call fn as if
 * from *pc: the return address goes below the red zone, and fn (which
 * must be asyncPreempt, which returns with ret $REDZONE) resumes *pc with
 * sp as it was.  The handler has checked that the room below *sp is the
 * goroutine's own stack (preempt.c); ASan is not to check the store,
 * since stale redzones of frames that have returned may lie there. */
GORT_NO_ASAN void gort__pushcall(uintptr_t *pc, uintptr_t *sp, void (*fn)(void))
{
    uintptr_t nsp = *sp - REDZONE - sizeof(uintptr_t);
    *(volatile uintptr_t *)nsp = *pc;
    *sp = nsp;
    *pc = (uintptr_t)fn;
}
