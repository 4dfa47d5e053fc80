/*
 * rt0_windows_amd64.S - the first runtime code of a gort program on
 * Windows.  Mirrors Go's runtime/rt0_windows_amd64.s.
 *
 * The mingw-w64 CRT's mainCRTStartup initialises the C runtime - stdio,
 * malloc, TLS callbacks, atexit, constructors - and then calls
 * main(argc, argv, envp) with the Windows x64 convention: argc in %rcx,
 * argv in %rdx.  main is this stub: it moves them to where _rt0_amd64
 * takes them (%rdi, %rsi) and jumps.  args() rebuilds argv as UTF-8 from
 * the wide command line, so the CRT's ANSI argv is only a fallback.
 */

	.text
	.globl	main
	.globl	_rt0_amd64_windows
main:
_rt0_amd64_windows:
	movq	%rcx, %rdi			/* argc */
	movq	%rdx, %rsi			/* argv */
	jmp	_rt0_amd64

/* This file mentions .note.GNU-stack only to say that PE objects have no
 * such note: Windows never makes a thread's stack executable. */
#ifdef __ELF__
	.section .note.GNU-stack,"",@progbits
#endif
