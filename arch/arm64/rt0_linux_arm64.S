/*
 * rt0_linux_arm64.S - the first runtime code of a gort program on
 * linux/arm64.  Mirrors Go's runtime/rt0_linux_arm64.s.
 *
 * As on amd64 (rt0_linux_amd64.S), the C library's start code initialises
 * libc and then calls main(argc, argv), here with argc in x0 and argv in
 * x1 (AAPCS64): main and _rt0_arm64_linux are one address, so the first
 * instruction after libc is ready is the runtime's.
 */

	.text
	.globl	main
	.type	main, %function
	.globl	_rt0_arm64_linux
	.type	_rt0_arm64_linux, %function
main:
_rt0_arm64_linux:
	b	_rt0_arm64			/* argc in x0, argv in x1 already */
	.size	_rt0_arm64_linux, .-_rt0_arm64_linux
	.size	main, .-main

	.section .note.GNU-stack,"",%progbits	/* no executable stack */
