/*
 * asm_amd64.S - rt0_go, the context switch and procyield, for both amd64
 * ABIs.
 * Mirrors the parts of Go's runtime/asm_amd64.s that C cannot express.
 *
 * A saved context lives on the stack it belongs to; a gobuf holds only its
 * sp.  mcall pushes, and gogo pops, exactly the callee-saved state of the
 * ABI, below the return address:
 *
 *            SysV (Linux)                 Windows x64
 *   sp+56  | return address |     sp+256 | return address            |
 *   sp+48  | rbp            |     ...    | rbp rbx r12-r15 rdi rsi   |
 *   ...    | rbx r12-r15    |     sp+168 | TIB: StackBase, StackLimit,|
 *   sp+0   | mxcsr | x87 cw |            |      DeallocationStack     |
 *                                 sp+8   | xmm6 .. xmm15              |
 *                                 sp+0   | mxcsr | x87 cw             |
 *
 * As in Go, a goroutine leaves for g0 with mcall and the scheduler enters
 * one with gogo; swapgo saves one goroutine and resumes another with no
 * g0 in between.  gostartcall (sys_x86.c) builds the same frame for a
 * goroutine that has never run, returning to goentry.
 */

#include "arch_amd64.h"         /* GORT_HAVE_TRACEBACKON */

#ifdef _WIN32
#define ARG0 %rcx               /* first integer argument, Windows x64 */
#define ARG1 %rdx
#define ARG2 %r8
#define ARG3 %r9
#define SHADOW 32               /* home space a Windows caller reserves */
#else
#define ARG0 %rdi               /* first integer argument, SysV */
#define ARG1 %rsi
#define ARG2 %rdx
#define ARG3 %rcx
#define SHADOW 0
#endif

#define GOBUF_SP 0              /* offsets in struct gobuf; check() agrees */
#define GOBUF_LO 8
#define GOBUF_HI 16
#define GOBUF_DEALLOC 24

#ifdef __ELF__
#define FUNC(name) .globl name; .type name, @function; .hidden name; name:
#define ENDFUNC(name) .size name, .-name
#else
#define FUNC(name) .globl name; name:
#define ENDFUNC(name)
#endif

/*
 * SAVE_CONTEXT pushes the callee-saved state of the ABI in the order of
 * the picture above (mcall and swapgo); gogo pops it.
 */
.macro SAVE_CONTEXT
	pushq	%rbp				/* callee-saved registers, see picture */
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
#ifdef _WIN32
	pushq	%rdi				/* callee-saved on Windows only */
	pushq	%rsi
	pushq	%gs:0x08			/* TIB StackBase */
	pushq	%gs:0x10			/* TIB StackLimit */
	pushq	%gs:0x1478			/* TIB DeallocationStack */
	subq	$168, %rsp			/* xmm6-15 and the control words */
	movq	$0, (%rsp)			/* the control words' padding: 0 */
	movups	%xmm6, 8(%rsp)
	movups	%xmm7, 24(%rsp)
	movups	%xmm8, 40(%rsp)
	movups	%xmm9, 56(%rsp)
	movups	%xmm10, 72(%rsp)
	movups	%xmm11, 88(%rsp)
	movups	%xmm12, 104(%rsp)
	movups	%xmm13, 120(%rsp)
	movups	%xmm14, 136(%rsp)
	movups	%xmm15, 152(%rsp)
#else
	pushq	$0				/* room for the control words, padding 0 */
#endif
	stmxcsr	(%rsp)				/* SSE control/status */
	fnstcw	4(%rsp)				/* x87 control word */
.endm

	.text

/*
 * _rt0_amd64 is common start-up code for amd64 systems: the OS stub has put
 * argc in %rdi and argv in %rsi, where rt0_go takes them (Go does the same).
 */
	.globl _rt0_amd64
_rt0_amd64:
	jmp	gort__rt0_go			/* argc, argv stay in rdi, rsi */

/*
 * rt0_go: the runtime's start.  Align the stack, bind m0 and g0 to this
 * thread with g0's bounds taken from the real stack, then run the boot
 * steps in Go's order.  mstart never returns.
 */
FUNC(gort__rt0_go)
	movq	%rdi, %r12			/* argc, kept in a callee-saved register */
	movq	%rsi, %r13			/* argv */
	andq	$-16, %rsp			/* ABI alignment for the calls below */
	subq	$(SHADOW+16), %rsp		/* home space, and keep 16-byte alignment */
	leaq	(SHADOW+16)(%rsp), ARG0		/* g0's top of stack: here */
	call	gort__rt0_g0			/* g0 bounds; bind m0 and g0 */
	call	gort__check			/* the runtime's self-checks */
	movq	%r12, ARG0			/* argc */
	movq	%r13, ARG1			/* argv */
	call	gort__args			/* keep argc/argv, auxv, environment */
	call	gort__osinit			/* CPUs and page size */
	call	gort__schedinit			/* stacks, Ps, GODEBUG, ... */
	leaq	gort__runtime_main(%rip), ARG0	/* fn: runtime_main */
	xorl	%eax, %eax
	movq	%rax, ARG1			/* arg: none */
	call	gort__newproc			/* the main goroutine, queued */
	call	gort__mstart			/* this thread becomes m0's scheduler */
	ud2					/* mstart never returns */
ENDFUNC(gort__rt0_go)

/*
 * void gort__mcall(gobuf *save, gobuf *g0, void (*fn)(void *), void *arg)
 * Save the current context in save, switch to g0's stack from its top and
 * call fn(arg).  fn does not return; someone gogo's save later.
 */
FUNC(gort__mcall)
	SAVE_CONTEXT				/* the frame gogo pops */
	movq	%rsp, GOBUF_SP(ARG0)		/* save->sp: the context is saved */
	movq	GOBUF_SP(ARG1), %rsp		/* onto g0's stack, from its top */
#ifdef _WIN32
	movq	GOBUF_HI(ARG1), %rax		/* g0's stack bounds into the TIB */
	movq	%rax, %gs:0x08
	movq	GOBUF_LO(ARG1), %rax
	movq	%rax, %gs:0x10
	movq	GOBUF_DEALLOC(ARG1), %rax
	movq	%rax, %gs:0x1478
#endif
	movq	ARG3, ARG0			/* fn(arg) */
	subq	$SHADOW, %rsp			/* home space for fn */
	call	*ARG2
	ud2					/* fn must not return */
ENDFUNC(gort__mcall)

/*
 * void gort__gogo(gobuf *buf): resume the context saved in buf.
 */
FUNC(gort__gogo)
	movq	GOBUF_SP(ARG0), %rsp		/* the saved frame */
.Lgogo_cw:
	ldmxcsr	(%rsp)				/* SSE control/status */
	fldcw	4(%rsp)				/* x87 control word */
#ifdef _WIN32
	movups	8(%rsp), %xmm6			/* xmm6-15 */
	movups	24(%rsp), %xmm7
	movups	40(%rsp), %xmm8
	movups	56(%rsp), %xmm9
	movups	72(%rsp), %xmm10
	movups	88(%rsp), %xmm11
	movups	104(%rsp), %xmm12
	movups	120(%rsp), %xmm13
	movups	136(%rsp), %xmm14
	movups	152(%rsp), %xmm15
	addq	$168, %rsp
	popq	%gs:0x1478			/* the goroutine's TIB stack bounds */
	popq	%gs:0x10
	popq	%gs:0x08
	popq	%rsi
	popq	%rdi
#else
	addq	$8, %rsp			/* past the control words */
#endif
	popq	%r15				/* callee-saved registers */
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	popq	%rcx				/* the resume address: where mcall or */
	jmp	*%rcx				/* swapgo was called, or goentry.  A ret
						   would miss the return-stack predictor
						   on every switch: it returns elsewhere */
ENDFUNC(gort__gogo)

/*
 * void gort__swapgo(gobuf *save, gobuf *to): save the current context in
 * save and resume the one saved in to - mcall's first half and gogo in
 * one, the runtime's lowest switch.  proc.c uses it to go from one
 * goroutine straight to the next when the scheduler has nothing else to
 * decide (gosched, gopark with a successor at hand).
 *
 * The control words are callee-saved, so the resumed context must find
 * its own: swapgo loads them as gogo does, always.  It does not compare
 * them with this thread's first to skip the loads: the only way to read
 * this thread's words is through the frame SAVE_CONTEXT just stored
 * (stmxcsr, fnstcw: 4 and 2 bytes), and reading those back as one word
 * cannot be forwarded from the two narrower stores, which stalls the
 * load until they reach the cache; on this project's AMD machine that
 * stall made the switch 14 ns where loading the words always makes it 8
 * (ldmxcsr and fldcw cost less than the stall; two exact-size reloads
 * and compares, 9.5).  The frame is gogo's, so swapgo ends in gogo.
 */
FUNC(gort__swapgo)
	SAVE_CONTEXT				/* the frame gogo pops */
	movq	%rsp, GOBUF_SP(ARG0)		/* save->sp: the context is saved */
	movq	GOBUF_SP(ARG1), %rsp		/* to's saved frame */
	jmp	.Lgogo_cw			/* its control words, its registers */
ENDFUNC(gort__swapgo)

#ifdef GORT_HAVE_TRACEBACKON
/*
 * void gort__tracebackon(uintptr_t sp, void (*fn)(void *), void *arg)
 * (SysV only): call fn(arg) on the stack of a goroutine that is not
 * running, just below the frame that mcall or swapgo saved at sp, with
 * that goroutine's callee-saved registers loaded and unwind information
 * saying that fn's caller is the goroutine's own code.  A backtrace taken
 * in fn is then the goroutine's backtrace.  Goroutine reports use it; the
 * goroutine must stay parked meanwhile (the world is frozen).
 */
FUNC(gort__tracebackon)
	.cfi_startproc
	pushq	%rbp				/* our callee-saved registers */
	.cfi_adjust_cfa_offset 8
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	movq	%rsp, -8(%rdi)			/* our sp, just below its frame */
	movq	%rsi, %rax			/* fn */
	movq	%rdx, %rcx			/* arg */
	.cfi_remember_state
	leaq	-16(%rdi), %rsp			/* onto its stack (sp is 16-aligned) */
	movq	8(%rdi), %r15			/* its callee-saved registers, as saved */
	movq	16(%rdi), %r14
	movq	24(%rdi), %r13
	movq	32(%rdi), %r12
	movq	40(%rdi), %rbx
	movq	48(%rdi), %rbp
	.cfi_def_cfa %rsp, 80			/* caller's frame: its saved return */
	.cfi_same_value %rbp			/* address at sp+56, as if we were */
	.cfi_same_value %rbx			/* called from where it switched */
	.cfi_same_value %r12
	.cfi_same_value %r13
	.cfi_same_value %r14
	.cfi_same_value %r15
	movq	%rcx, %rdi			/* fn(arg) */
	call	*%rax
	movq	8(%rsp), %rsp			/* back to our own stack */
	.cfi_restore_state
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
ENDFUNC(gort__tracebackon)
#endif

/*
 * int gort__ctxsave(ctxbuf *b) and void gort__ctxresume(ctxbuf *b, int v):
 * the runtime's own setjmp and longjmp, for panics that unwind to a frame
 * (panic.c).  ctxsave stores exactly the callee-saved state of the ABI,
 * the caller's sp and its return address into b and returns 0; ctxresume
 * reloads it and returns from that ctxsave once more, with v (1 if v is
 * 0).  The jump stays on one stack (a goroutine's; it may have moved to
 * another thread meanwhile, which changes nothing here), so the TIB's
 * stack bounds stay right and nothing else of the thread is touched.
 * Never libc's longjmp: glibc's fortified one refuses a goroutine stack
 * and mingw-w64's unwinds SEH frames, which these stacks do not have.
 *
 *   b+0  rbx  b+8  rbp  b+16 r12  b+24 r13  b+32 r14  b+40 r15
 *   b+48 sp after the return   b+56 return address
 *   b+64 mxcsr  b+68 x87 cw    Windows: b+72 rdi  b+80 rsi  b+88 xmm6-15
 */
FUNC(gort__ctxsave)
	movq	%rbx, 0(ARG0)			/* callee-saved registers */
	movq	%rbp, 8(ARG0)
	movq	%r12, 16(ARG0)
	movq	%r13, 24(ARG0)
	movq	%r14, 32(ARG0)
	movq	%r15, 40(ARG0)
	leaq	8(%rsp), %rax			/* the caller's sp once we return */
	movq	%rax, 48(ARG0)
	movq	(%rsp), %rax			/* where we return to */
	movq	%rax, 56(ARG0)
	stmxcsr	64(ARG0)			/* SSE control/status */
	fnstcw	68(ARG0)			/* x87 control word */
#ifdef _WIN32
	movq	%rdi, 72(ARG0)			/* callee-saved on Windows only */
	movq	%rsi, 80(ARG0)
	movups	%xmm6, 88(ARG0)
	movups	%xmm7, 104(ARG0)
	movups	%xmm8, 120(ARG0)
	movups	%xmm9, 136(ARG0)
	movups	%xmm10, 152(ARG0)
	movups	%xmm11, 168(ARG0)
	movups	%xmm12, 184(ARG0)
	movups	%xmm13, 200(ARG0)
	movups	%xmm14, 216(ARG0)
	movups	%xmm15, 232(ARG0)
#endif
	xorl	%eax, %eax			/* 0: saved, not resumed */
	ret
ENDFUNC(gort__ctxsave)

FUNC(gort__ctxresume)
	movl	$1, %eax			/* ctxsave's second return: 1 for v == 0 */
#ifdef _WIN32
	testl	%edx, %edx			/* v (second argument, Windows) */
	cmovnel	%edx, %eax			/* v != 0: return v */
	movq	72(ARG0), %rdi			/* callee-saved on Windows only */
	movq	80(ARG0), %rsi
	movups	88(ARG0), %xmm6
	movups	104(ARG0), %xmm7
	movups	120(ARG0), %xmm8
	movups	136(ARG0), %xmm9
	movups	152(ARG0), %xmm10
	movups	168(ARG0), %xmm11
	movups	184(ARG0), %xmm12
	movups	200(ARG0), %xmm13
	movups	216(ARG0), %xmm14
	movups	232(ARG0), %xmm15
#else
	testl	%esi, %esi			/* v (second argument, SysV) */
	cmovnel	%esi, %eax			/* v != 0: return v */
#endif
	movq	0(ARG0), %rbx			/* callee-saved registers */
	movq	8(ARG0), %rbp
	movq	16(ARG0), %r12
	movq	24(ARG0), %r13
	movq	32(ARG0), %r14
	movq	40(ARG0), %r15
	ldmxcsr	64(ARG0)			/* SSE control/status */
	fldcw	68(ARG0)			/* x87 control word */
	movq	48(ARG0), %rsp			/* the saving frame's sp */
	jmp	*56(ARG0)			/* and return from ctxsave again */
ENDFUNC(gort__ctxresume)

/*
 * void gort__stackcall(uintptr_t sp, void (*fn)(void *), void *arg): call
 * fn(arg) with the stack pointer at sp (rounded down to 16 bytes), on the
 * stack the caller is on; fn must not return.  Everything below sp is
 * abandoned, nothing above it is touched: panic.c resumes a goroutine's
 * bottom frame after a recovery with it, below the frame's record, where
 * a saved context would otherwise have been needed.
 */
FUNC(gort__stackcall)
#ifdef __ELF__
	.cfi_startproc
	.cfi_undefined rip			/* unwinders stop here */
#endif
	andq	$-16, ARG0			/* ABI alignment */
	movq	ARG0, %rsp			/* the new sp */
	movq	ARG1, %rax			/* fn */
	movq	ARG2, ARG0			/* fn(arg) */
	subq	$SHADOW, %rsp			/* home space for fn */
	call	*%rax
	ud2					/* fn must not return */
#ifdef __ELF__
	.cfi_endproc
#endif
ENDFUNC(gort__stackcall)

/*
 * void gort__procyield(uint32_t cycles): spin for cycles pause
 * instructions (Go's procyield), the spin-wait of the runtime's locks and
 * of sync.Mutex.  pause tells the core that this is a spin loop: it stops
 * issuing the loop for a while, to the benefit of the other hyperthread,
 * and leaves the loop without a memory-order mis-speculation.
 */
FUNC(gort__procyield)
	movq	ARG0, %rax			/* cycles: the low 32 bits */
	testl	%eax, %eax			/* none: return at once */
	jz	2f
1:	pause					/* the spin-wait hint */
	subl	$1, %eax			/* one cycle fewer to go */
	jnz	1b				/* until none are left */
2:	ret
ENDFUNC(gort__procyield)

#ifdef GORT_HAVE_ASYNCPREEMPT
/*
 * gort__asyncPreempt (Go's asyncPreempt): where an interrupted goroutine
 * resumes after the preemption signal's handler edited its context
 * (gort__pushcall, sys_x86.c).  It looks called from the interrupted
 * instruction, past the red zone: nothing that the interrupted code keeps
 * in registers, flags or the 128 bytes below its sp is touched.
 *
 *   interrupted sp -> | the code's red zone: 128 bytes, left alone |
 *                     | interrupted pc (the "return address")      | <- rsp at entry
 *                     | rflags, rax rcx rdx rbx rbp rsi rdi r8-r15 | 128 bytes; rbx
 *                     | (to a 64-byte boundary)                    |   points here
 *                     | XSAVE area (gort__xsavesize bytes: x87,    |
 *                     | SSE with MXCSR, AVX, AVX-512 ... as the    |
 *                     | OS enabled them), or FXSAVE's 512 bytes    | <- rsp, 64-aligned
 *
 * It calls gort__asyncPreempt2, which switches the goroutine out
 * (mcall(gopreempt_m)) and returns when it is resumed, perhaps on another
 * thread; then everything comes back and ret $128 returns to the
 * interrupted pc with sp as it was.  The unwind information describes
 * that frame (a signal frame: the "return address" is the interrupted
 * instruction itself), so goroutine reports show the interrupted code.
 */
#ifdef __ELF__
#define CFI(...) __VA_ARGS__
#else
#define CFI(...)
#endif
.macro PUSHR reg
	pushq	%\reg
	CFI(.cfi_adjust_cfa_offset 8)
	CFI(.cfi_rel_offset \reg, 0)
.endm
.macro POPR reg
	popq	%\reg
.endm

FUNC(gort__asyncPreempt)
	CFI(.cfi_startproc simple)
	CFI(.cfi_signal_frame)
	CFI(.cfi_def_cfa %rsp, 136)		/* the interrupted sp: rsp+8+128 */
	CFI(.cfi_offset %rip, -136)		/* the interrupted pc, at rsp */
	pushfq					/* flags first: nothing below may */
	CFI(.cfi_adjust_cfa_offset 8)		/* change them before they are saved */
	PUSHR	rax				/* every general register: the */
	PUSHR	rcx				/* interrupted code may use all */
	PUSHR	rdx
	PUSHR	rbx
	PUSHR	rbp
	PUSHR	rsi
	PUSHR	rdi
	PUSHR	r8
	PUSHR	r9
	PUSHR	r10
	PUSHR	r11
	PUSHR	r12
	PUSHR	r13
	PUSHR	r14
	PUSHR	r15
	movq	%rsp, %rbx			/* the register frame, kept across the call */
	CFI(.cfi_def_cfa_register %rbx)
	movq	gort__xsavesize(%rip), %rax	/* XSAVE area size, 0: no XSAVE */
	testq	%rax, %rax
	jz	1f
	subq	%rax, %rsp			/* room for it */
	andq	$-64, %rsp			/* XSAVE wants 64-byte alignment */
	xorl	%ecx, %ecx			/* the XSAVE header must be zero: */
	movq	%rcx, 512(%rsp)			/* xsave writes only XSTATE_BV, and */
	movq	%rcx, 520(%rsp)			/* xrstor faults on a non-zero */
	movq	%rcx, 528(%rsp)			/* XCOMP_BV or reserved bytes */
	movq	%rcx, 536(%rsp)
	movq	%rcx, 544(%rsp)
	movq	%rcx, 552(%rsp)
	movq	%rcx, 560(%rsp)
	movq	%rcx, 568(%rsp)
	movl	$-1, %eax			/* every component the OS enabled */
	movl	$-1, %edx
	xsave64	(%rsp)				/* x87 (with its control word), SSE */
	jmp	2f				/* (with MXCSR), AVX, ... */
1:	subq	$512, %rsp			/* no XSAVE: x87, MMX, SSE only */
	andq	$-64, %rsp
	fxsave64 (%rsp)
2:	cld					/* the ABI's direction flag for C */
	subq	$SHADOW, %rsp			/* home space (rsp stays 16-aligned) */
	call	gort__asyncPreempt2		/* switched out; back when resumed */
	addq	$SHADOW, %rsp
	movq	gort__xsavesize(%rip), %rax	/* as saved */
	testq	%rax, %rax
	jz	3f
	movl	$-1, %eax
	movl	$-1, %edx
	xrstor64 (%rsp)				/* the vector and x87 state */
	jmp	4f
3:	fxrstor64 (%rsp)
4:	movq	%rbx, %rsp			/* the register frame */
	CFI(.cfi_def_cfa_register %rsp)
	POPR	r15
	POPR	r14
	POPR	r13
	POPR	r12
	POPR	r11
	POPR	r10
	POPR	r9
	POPR	r8
	POPR	rdi
	POPR	rsi
	POPR	rbp
	POPR	rbx
	POPR	rdx
	POPR	rcx
	POPR	rax
	popfq					/* the interrupted code's flags */
	ret	$128				/* to its pc, past the red zone */
	CFI(.cfi_endproc)
ENDFUNC(gort__asyncPreempt)
#endif

/*
 * gort__goentry: a new goroutine's first gogo returns here with its G in
 * r12 (put there by gostartcall).  Unwinders stop here: nothing called it.
 */
FUNC(gort__goentry)
#ifdef __ELF__
	.cfi_startproc
	.cfi_undefined rip			/* outermost frame of a goroutine */
#endif
	movq	%r12, ARG0			/* gp */
	andq	$-16, %rsp			/* ABI alignment */
	subq	$SHADOW, %rsp			/* home space */
	call	gort__goexit_start		/* runs fn(arg), then goexit; no return */
	ud2
#ifdef __ELF__
	.cfi_endproc
#endif
ENDFUNC(gort__goentry)

#ifdef _WIN32
/*
 * gort__text_start, gort__text_end: on each side of libgort's code in the
 * PE image, whose .text the build renames .text$gort$1; the linker sorts
 * .text$ sections by name (os_windows.c, CMakeLists.txt).  ELF needs no
 * markers: the linker defines __start_gort_text and __stop_gort_text.
 */
	.section .text$gort$0,"xr"
	.globl	gort__text_start
gort__text_start:				/* libgort's code starts here */
	.section .text$gort$2,"xr"
	.globl	gort__text_end
gort__text_end:					/* and ends here */
	int3					/* (a byte, so the label is in the section) */

/* gort__rtfuncs: the static C runtime's functions that libgort calls,
 * which asynchronous preemption must not take for the program's code
 * (os_windows.c). */
	.section .rdata,"dr"
	.p2align 3
	.globl	gort__rtfuncs
gort__rtfuncs:
	.quad	__emutls_get_address		/* every getg() */
	.quad	___chkstk_ms			/* the stack probe */
	.quad	__popcountdi2
	.quad	__mingw_vsnprintf		/* gort__printf */
#endif

#ifdef __ELF__
	.section .note.GNU-stack,"",@progbits	/* no executable stack */
#endif
/* (PE objects have no GNU-stack note: Windows stacks are never executable.) */
