/*
 * asm_arm64.S - rt0_go, the context switch and procyield for linux/arm64
 * (AAPCS64).  Mirrors the parts of Go's runtime/asm_arm64.s that C cannot
 * express; the same contract as asm_amd64.S (src/arch.h), read that first.
 *
 * A saved context lives on the stack it belongs to; a gobuf holds only its
 * sp.  mcall and swapgo store, and gogo loads, exactly AAPCS64's
 * callee-saved state - x19-x28, the frame pointer x29, the link register
 * x30 (the resume address), sp itself (in the gobuf), the low halves d8-d15
 * of v8-v15, and the floating-point control register FPCR (rounding mode,
 * flush-to-zero: "callee-saved" in the sense that C code expects it kept
 * across a call) - in a 176-byte frame below the sp at the call:
 *
 *   sp+176 | (the caller's frame)  |  <- sp when mcall/swapgo was called
 *   sp+160 | fpcr       | (unused) |
 *   sp+96  | d8 d9 ... d14 d15     |
 *   sp+80  | x29 (fp)   | x30 (lr) |  <- x30: where to resume
 *   sp+0   | x19 x20 ... x27 x28   |  <- gobuf.sp
 *
 * FPSR (the sticky exception flags) is not callee-saved and not kept, as
 * the caller-saved registers are not.  gostartcall (sys_arm64.c) builds
 * the same frame for a goroutine that has never run, resuming at goentry
 * with its G in x19.  The current G is in the thread-local gort__tls_g,
 * read through tpidr_el0 (arch_arm64.h): no register is reserved for it.
 */

#include "arch_arm64.h"         /* GORT_HAVE_TRACEBACKON */

#define GOBUF_SP 0              /* offset in struct gobuf; check() agrees */
#define CTXFRAME 176            /* the saved frame, as drawn above */

#define FUNC(name) .globl name; .type name, %function; .hidden name; name:
#define ENDFUNC(name) .size name, .-name

/*
 * SAVE_REGS base stores the callee-saved state at base+0 to base+168 in
 * the frame's layout above (the switch's frame, with base sp, and
 * ctxsave's buffer); LOAD_REGS base loads it back.  PAIRS is the part
 * they share, with op stp or ldp: the one save/restore sequence of the
 * file.  x9 and x10 are scratch (caller-saved): base is neither.
 */
.macro PAIRS op, base
	\op	x19, x20, [\base, #0]		/* callee-saved registers */
	\op	x21, x22, [\base, #16]
	\op	x23, x24, [\base, #32]
	\op	x25, x26, [\base, #48]
	\op	x27, x28, [\base, #64]
	\op	x29, x30, [\base, #80]		/* frame pointer; lr: the resume address */
	\op	d8, d9, [\base, #96]		/* callee-saved halves of v8-v15 */
	\op	d10, d11, [\base, #112]
	\op	d12, d13, [\base, #128]
	\op	d14, d15, [\base, #144]
.endm

.macro SAVE_REGS base
	PAIRS	stp, \base
	mrs	x9, fpcr			/* floating-point control */
	str	x9, [\base, #160]
.endm

.macro LOAD_REGS base
	PAIRS	ldp, \base
	ldr	x9, [\base, #160]		/* the saved FPCR */
	mrs	x10, fpcr
	cmp	x9, x10				/* writing FPCR may stall the pipeline: */
	b.eq	1f				/* only when it differs */
	msr	fpcr, x9
1:
.endm

/*
 * SAVE_CONTEXT makes the frame above, below the current sp (mcall and
 * swapgo); gogo loads it.
 */
.macro SAVE_CONTEXT
	sub	sp, sp, #CTXFRAME		/* room for the frame */
	SAVE_REGS sp
.endm

	.text

/*
 * _rt0_arm64 is common start-up code for arm64 systems: the OS stub has
 * left argc in x0 and argv in x1, where rt0_go takes them.
 */
	.globl	_rt0_arm64
	.type	_rt0_arm64, %function
_rt0_arm64:
	b	gort__rt0_go			/* argc, argv stay in x0, x1 */
	.size	_rt0_arm64, .-_rt0_arm64

/*
 * rt0_go: the runtime's start.  Align the stack, bind m0 and g0 to this
 * thread with g0's bounds taken from the real stack, then run the boot
 * steps in Go's order.  mstart never returns.
 */
FUNC(gort__rt0_go)
	mov	x19, x0				/* argc, kept in a callee-saved register */
	mov	x20, x1				/* argv */
	mov	x9, sp
	and	x9, x9, #~15			/* AAPCS64 alignment (it is already) */
	mov	sp, x9
	mov	x29, xzr			/* outermost frame: frame chains end here */
	mov	x0, sp				/* g0's top of stack: here */
	bl	gort__rt0_g0			/* g0 bounds; bind m0 and g0 */
	bl	gort__check			/* the runtime's self-checks */
	mov	x0, x19				/* argc */
	mov	x1, x20				/* argv */
	bl	gort__args			/* keep argc/argv, auxv, environment */
	bl	gort__osinit			/* CPUs and page size */
	bl	gort__schedinit			/* stacks, Ps, GODEBUG, ... */
	adrp	x0, gort__runtime_main		/* fn: runtime_main */
	add	x0, x0, :lo12:gort__runtime_main
	mov	x1, xzr				/* arg: none */
	bl	gort__newproc			/* the main goroutine, queued */
	bl	gort__mstart			/* this thread becomes m0's scheduler */
	brk	#0				/* mstart never returns */
ENDFUNC(gort__rt0_go)

/*
 * void gort__mcall(gobuf *save, gobuf *g0, void (*fn)(void *), void *arg)
 * Save the current context in save, switch to g0's stack from its top and
 * call fn(arg).  fn does not return; someone gogo's save later.
 */
FUNC(gort__mcall)
	SAVE_CONTEXT				/* the frame gogo loads */
	mov	x9, sp
	str	x9, [x0, #GOBUF_SP]		/* save->sp: the context is saved */
	ldr	x9, [x1, #GOBUF_SP]		/* onto g0's stack, from its top */
	mov	sp, x9
	mov	x29, xzr			/* fn's frame chain ends here */
	mov	x0, x3				/* fn(arg) */
	blr	x2
	brk	#0				/* fn must not return */
ENDFUNC(gort__mcall)

/*
 * void gort__gogo(gobuf *buf): resume the context saved in buf.
 */
FUNC(gort__gogo)
	ldr	x9, [x0, #GOBUF_SP]		/* the saved frame */
	mov	sp, x9
	LOAD_REGS sp				/* the goroutine's registers and FPCR */
	add	sp, sp, #CTXFRAME		/* the sp at the call that saved it */
	br	x30				/* to where mcall or swapgo was called,
						   or goentry.  Not ret: it would miss
						   the return-address predictor on every
						   switch, which returns elsewhere */
ENDFUNC(gort__gogo)

/*
 * void gort__swapgo(gobuf *save, gobuf *to): save the current context in
 * save and resume the one saved in to - mcall's first half and gogo in
 * one, the runtime's lowest switch (proc.c's direct switch).
 */
FUNC(gort__swapgo)
	SAVE_CONTEXT				/* the frame gogo loads */
	mov	x9, sp
	str	x9, [x0, #GOBUF_SP]		/* save->sp: the context is saved */
	mov	x0, x1				/* and continue as gogo(to) */
	b	gort__gogo
ENDFUNC(gort__swapgo)

#ifdef GORT_HAVE_TRACEBACKON
/*
 * void gort__tracebackon(uintptr_t sp, void (*fn)(void *), void *arg):
 * call fn(arg) on the stack of a goroutine that is not running, just
 * below the frame that mcall or swapgo saved at sp, with unwind
 * information saying that fn's caller is the goroutine's own code: the
 * CFA (the caller's sp) is sp+176, and x19-x30 are where the frame keeps
 * them, x30 being the return address.  A backtrace taken in fn is then the
 * goroutine's backtrace.  Goroutine reports use it; the goroutine must
 * stay parked meanwhile (the world is frozen).  Our own sp is kept in the
 * 16 bytes just below its frame, where fn's frame begins.
 */
FUNC(gort__tracebackon)
	.cfi_startproc
	stp	x29, x30, [sp, #-16]!		/* our frame record */
	.cfi_def_cfa_offset 16
	.cfi_offset x29, -16
	.cfi_offset x30, -8
	mov	x29, sp
	mov	x9, sp
	str	x9, [x0, #-16]			/* our sp, just below its frame */
	.cfi_remember_state
	sub	sp, x0, #16			/* onto its stack (sp is 16-aligned) */
	.cfi_def_cfa sp, 16+CTXFRAME		/* its caller's sp: above its frame */
	.cfi_offset x19, -CTXFRAME+0		/* its registers, where it saved them */
	.cfi_offset x20, -CTXFRAME+8
	.cfi_offset x21, -CTXFRAME+16
	.cfi_offset x22, -CTXFRAME+24
	.cfi_offset x23, -CTXFRAME+32
	.cfi_offset x24, -CTXFRAME+40
	.cfi_offset x25, -CTXFRAME+48
	.cfi_offset x26, -CTXFRAME+56
	.cfi_offset x27, -CTXFRAME+64
	.cfi_offset x28, -CTXFRAME+72
	.cfi_offset x29, -CTXFRAME+80
	.cfi_offset x30, -CTXFRAME+88		/* the return address: where it switched */
	mov	x0, x2				/* fn(arg) */
	blr	x1
	ldr	x9, [sp]			/* back to our own stack */
	mov	sp, x9
	.cfi_restore_state
	ldp	x29, x30, [sp], #16		/* our frame record */
	.cfi_def_cfa_offset 0
	.cfi_restore x29
	.cfi_restore x30
	ret
	.cfi_endproc
ENDFUNC(gort__tracebackon)
#endif

/*
 * int gort__ctxsave(ctxbuf *b) and void gort__ctxresume(ctxbuf *b, int v):
 * the runtime's own setjmp and longjmp, for panics that unwind to a frame
 * (panic.c; asm_amd64.S says why never libc's).  ctxsave stores exactly
 * the callee-saved state, the caller's sp and the return address into b
 * and returns 0; ctxresume reloads it and returns from that ctxsave once
 * more, with v (1 if v is 0).  The jump stays on one stack.  b is laid
 * out as the switch's frame (drawn atop the file), sp in its unused word:
 *
 *   b+0  x19 ... b+72 x28   b+80 x29   b+88 x30 (return address)
 *   b+96 d8 ... b+152 d15   b+160 fpcr b+168 sp
 */
FUNC(gort__ctxsave)
	SAVE_REGS x0				/* x30: where we return to */
	mov	x9, sp				/* the caller's sp (a leaf: unchanged) */
	str	x9, [x0, #168]
	mov	w0, #0				/* 0: saved, not resumed */
	ret
ENDFUNC(gort__ctxsave)

FUNC(gort__ctxresume)
	LOAD_REGS x0				/* x30: the return address */
	ldr	x9, [x0, #168]			/* the saving frame's sp */
	mov	sp, x9
	cmp	w1, #0				/* ctxsave's second return: */
	csinc	w0, w1, wzr, ne			/* v, or 1 for v == 0 */
	ret					/* from ctxsave again */
ENDFUNC(gort__ctxresume)

/*
 * void gort__stackcall(uintptr_t sp, void (*fn)(void *), void *arg): call
 * fn(arg) with the stack pointer at sp (rounded down to 16 bytes), on the
 * stack the caller is on; fn must not return (as amd64's: panic.c
 * resumes a goroutine's bottom frame after a recovery with it).
 */
FUNC(gort__stackcall)
	.cfi_startproc
	.cfi_undefined x30			/* unwinders stop here */
	and	x0, x0, #~15			/* AAPCS64 alignment */
	mov	sp, x0				/* the new sp */
	mov	x9, x1				/* fn */
	mov	x0, x2				/* fn(arg) */
	mov	x29, xzr			/* no caller frame */
	blr	x9
	brk	#0				/* fn must not return */
	.cfi_endproc
ENDFUNC(gort__stackcall)

/*
 * void gort__procyield(uint32_t cycles): spin for cycles yield
 * instructions (Go's procyield on arm64), the spin-wait of the runtime's
 * locks and of sync.Mutex: yield hints that this is a spin loop, letting
 * another hardware thread (or, under a hypervisor, vCPU) go first.
 */
FUNC(gort__procyield)
	cbz	w0, 2f				/* none: return at once */
1:	yield					/* the spin-wait hint */
	subs	w0, w0, #1			/* one cycle fewer to go */
	b.ne	1b				/* until none are left */
2:	ret
ENDFUNC(gort__procyield)

/*
 * gort__goentry: a new goroutine's first gogo resumes here with its G in
 * x19 (put there by gostartcall).  Unwinders stop here: nothing called it.
 */
FUNC(gort__goentry)
	.cfi_startproc
	.cfi_undefined x30			/* outermost frame of a goroutine */
	mov	x0, x19				/* gp */
	mov	x29, xzr			/* frame chains end here too */
	bl	gort__goexit_start		/* runs fn(arg), then goexit; no return */
	brk	#0
	.cfi_endproc
ENDFUNC(gort__goentry)

	.section .note.GNU-stack,"",%progbits	/* no executable stack */
