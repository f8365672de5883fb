/* SPDX-License-Identifier: MIT */
/*
 * Guest start-up (DESIGN.md section 4): entered in 64-bit mode at CPL 0 with RSP at the top
 * of the loader's stack and RDI = &vx_boot_info.  Zero .bss, call main(boot_info), write its
 * return value to the exit port (exit() in report.c).
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	mov	%rdi, %r12		/* boot info: callee-saved across the loop */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
1:	cmp	%rcx, %rdi		/* .bss is 16-byte aligned and sized (guest.ld) */
	jae	2f
	movq	$0, (%rdi)
	add	$8, %rdi
	jmp	1b
2:	mov	%r12, boot_info(%rip)
	mov	%r12, %rdi
	xor	%ebp, %ebp
	call	main
	mov	%eax, %edi
	call	exit
3:	cli
	hlt
	jmp	3b
