/*
 * arch.h - the contract between the C runtime and the assembly in
 * arch/<arch> (amd64, arm64), both ways: what the assembly provides, and
 * the C functions that it calls.  The optional parts depend on the
 * capability macros of arch/<arch>/arch_<arch>.h, which runtime.h
 * includes (through goarch.h).  asm_amd64.S is the reference; each file
 * of another architecture says how it differs.
 *
 * A saved context is a gobuf whose sp points at the callee-saved registers
 * of the ABI in use, pushed below a return address (asm_amd64.S draws the
 * frame).  As in Go, a goroutine calls mcall to leave its stack for g0's,
 * and the scheduler calls gogo to enter a goroutine; swapgo goes from one
 * goroutine straight to another, with no g0 in between (proc.c's direct
 * switch).
 */
#ifndef GORT_ARCH_H
#define GORT_ARCH_H

#include "runtime.h"

/* ------------------------------------------------------------------------
 * What arch/<arch> provides: asm_<arch>.S, and gostartcall in sys_x86.c
 * or sys_arm64.c.
 * ---------------------------------------------------------------------- */

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

/* gort__procyield spins for cycles iterations of the CPU's spin-wait hint
 * (Go's procyield): the active spinning of the runtime's locks and of
 * sync.Mutex. */
void gort__procyield(uint32_t cycles);

#ifdef GORT_HAVE_TRACEBACKON
/* gort__tracebackon calls fn(arg) on the stack of a goroutine that is not
 * running, just below the context it saved at sp, so that a backtrace
 * taken in fn is that goroutine's (asm_amd64.S).  The goroutine must stay
 * where it is meanwhile.  Only where arch_amd64.h says so. */
void gort__tracebackon(uintptr_t sp, void (*fn)(void *), void *arg);
#endif

#ifdef GORT_HAVE_ASYNCPREEMPT
/* Asynchronous preemption (preempt.c), where arch_amd64.h says so.
 *
 * gort__asyncPreempt is where an interrupted goroutine is sent (Go's
 * asyncPreempt): it saves every general register, the flags and the
 * whole vector and x87 state on the goroutine's stack, calls
 * gort__asyncPreempt2, restores all of it and returns to the interrupted
 * instruction.  It is never called: gort__pushcall makes the interrupted
 * code look as if it had called it.
 *
 * gort__archpreemptinit finds the size of the vector state (CPUID) that
 * asyncPreempt saves; false: the CPU lacks what asyncPreempt needs.
 *
 * gort__pushcall edits an interrupted context (pc, sp) so that it resumes
 * in a call of fn that returns to pc with sp as it was (Go's
 * sigctxt.pushCall), past the red zone of SysV code: the signal
 * handler's half of the injection, the OS layer's caller supplies the
 * context's fields. */
void gort__asyncPreempt(void);
void gort__asyncPreempt2(void);
bool gort__archpreemptinit(void);
void gort__pushcall(uintptr_t *pc, uintptr_t *sp, void (*fn)(void));
#endif

/* gort__ctxsave saves the callee-saved state of the ABI, the caller's sp
 * and return address in b (a setjmp of the runtime's own) and returns 0;
 * gort__ctxresume(b, v) makes that ctxsave return again, with v (1 for
 * v == 0).  Only to a frame still live on the current stack: panic.c
 * resumes a recovering frame with it.  Locals changed between the two
 * are indeterminate in the frame that called ctxsave: keep such state in
 * memory (panic.c keeps it in its frame records). */
__attribute__((returns_twice)) int gort__ctxsave(ctxbuf *b);
NORETURN void gort__ctxresume(ctxbuf *b, int v);

/* gort__stackcall calls fn(arg) with the stack pointer at sp (rounded
 * down to 16 bytes) on the current stack, abandoning everything below sp;
 * fn must not return.  panic.c resumes a goroutine's bottom frame with it
 * after a recovery (the frame saves no context). */
NORETURN void gort__stackcall(uintptr_t sp, void (*fn)(void *), void *arg);

/* ------------------------------------------------------------------------
 * C functions that the assembly calls.
 *
 * rt0_go calls these in this order, on the main thread's own stack
 * (runtime_main is the function that newproc is given).  Most are also
 * declared in runtime.h or os.h; the compiler checks that the two agree.
 * ---------------------------------------------------------------------- */

void gort__rt0_g0(uintptr_t sp);            /* proc.c: g0's bounds; bind m0, g0 */
void gort__check(void);                     /* runtime1.c: the self-checks */
void gort__args(int argc, char **argv);     /* runtime1.c */
void gort__osinit(void);                    /* os_*.c: CPUs, page size */
void gort__schedinit(void);                 /* proc.c */
void gort__newproc(gort_fn fn, void *arg);  /* proc.c: with runtime_main */
void gort__runtime_main(void *arg);         /* proc.c: goroutine 1's fn */
NORETURN void gort__mstart(void);           /* proc.c: never returns */

/* goentry calls gort__goexit_start(gp) on a new goroutine's stack: it runs
 * gp's function and then ends the goroutine (proc.c). */
NORETURN void gort__goexit_start(g *gp);

#endif
