/*
 * sys_arm64.c - gostartcall: the first frame of a new goroutine.
 * Mirrors Go's runtime/sys_arm64.go.
 */
#include <string.h>

#include "../../src/arch.h"

/* gort__gostartcall lays out, at the top of gp's stack, the 176-byte
 * frame that gogo loads (asm_arm64.S draws it) so that the first
 * gogo(&gp->sched) resumes at gort__goentry with gp in x19: every other
 * register zero (x29 too: the frame chain ends), FPCR 0, the AAPCS64
 * default (round to nearest, no traps, no flush-to-zero). */
void gort__gostartcall(g *gp)
{
    uintptr_t *sp = (uintptr_t *)(gp->stack.hi & ~(uintptr_t)15) - 176 / sizeof(uintptr_t);

    memset(sp, 0, 176);
    sp[0] = (uintptr_t)gp;                      /* x19: the G, for goentry */
    sp[11] = (uintptr_t)gort__goentry;          /* x30: where gogo resumes */
    gp->sched.sp = (uintptr_t)sp;
}
