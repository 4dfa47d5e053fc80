/*
 * arch.h - what the assembly in arch/amd64 provides to the C runtime.
 *
 * A saved context is a gobuf whose sp points at the callee-saved registers
 * of the ABI in use, pushed below a return address (asm_amd64.S draws the
 * frame).  Switching is always through g0, as in Go: a goroutine calls
 * mcall to leave its stack for the scheduler's, and the scheduler calls
 * gogo to enter a goroutine.
 */
#ifndef GORT_ARCH_H
#define GORT_ARCH_H

#include "runtime.h"

/* gort__gogo resumes the context saved in buf.  It never returns. */
NORETURN void gort__gogo(gobuf *buf);

/* gort__mcall saves the current context in save, switches to the stack
 * described by g0 (starting at g0->sp, a fresh frame) and calls fn(arg).
 * fn must not return; the context resumes when someone gogo's save. */
void gort__mcall(gobuf *save, gobuf *g0, void (*fn)(void *), void *arg);

/* gort__swapgo saves the current context in save and resumes to: the
 * runtime's lowest switch (no scheduler in between). */
void gort__swapgo(gobuf *save, gobuf *to);

/* gort__goentry is where a new goroutine's first gogo returns to: it calls
 * gort__goexit_start with the G that the frame carries (asm_amd64.S). */
void gort__goentry(void);

/* gort__gostartcall builds the first frame of a goroutine on its stack so
 * that gogo(&gp->sched) enters gort__goentry with gp. */
void gort__gostartcall(g *gp);

/* gort__rt0_go is the shared start-up code that the OS stubs jump to. */
void gort__rt0_go(void);

/* Size in bytes of the frame that mcall pushes and gogo pops. */
#ifdef _WIN32
#define ARCH_FRAME_WORDS (1 + 8 + 3 + 20 + 1)  /* ret, gprs, tib, xmm6-15, csr */
#else
#define ARCH_FRAME_WORDS (1 + 6 + 1)           /* ret, gprs, csr */
#endif

#endif
