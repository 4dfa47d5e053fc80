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
