/*
 * rt0_linux_amd64.S - the first runtime code of a gort program on Linux.
 * Mirrors Go's runtime/rt0_linux_amd64.s.
 *
 * glibc's start code (_start, __libc_start_main) initialises libc - stdio,
 * malloc, TLS, atexit, constructors - and then calls main(argc, argv) with
 * argc in %rdi and argv in %rsi.  gort makes main the OS entry stub itself:
 * main and _rt0_amd64_linux are one address, so the first instruction that
 * runs after libc is ready is the runtime's, as in Go.
 */

	.text
	.globl	main
	.type	main, @function
	.globl	_rt0_amd64_linux
	.type	_rt0_amd64_linux, @function
main:
_rt0_amd64_linux:
	jmp	_rt0_amd64			/* argc in rdi, argv in rsi already */
	.size	_rt0_amd64_linux, .-_rt0_amd64_linux
	.size	main, .-main

	.section .note.GNU-stack,"",@progbits	/* no executable stack */
