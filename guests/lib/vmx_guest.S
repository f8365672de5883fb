/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit for an L1 hypervisor written on the guest runtime (vmx.c).
 *
 * u64 vmx_run(struct vmx_regs *r, int launch): saves the callee-saved registers, sets
 * HOST_RSP to the current stack (VMWRITE 6C14H) and HOST_RIP to vmx_exit_point (6C16H), loads
 * the guest's GPRs from *r and executes VMLAUNCH (launch != 0) or VMRESUME.  On a VM exit the
 * processor continues at vmx_exit_point with the stack as it was: the guest's GPRs go back to
 * *r and vmx_run returns 0.  If the instruction fails (VMfail), it returns RFLAGS | 1 << 63.
 */
	.text
	.globl	vmx_run
vmx_run:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi		/* struct vmx_regs * */
	mov	$0x6c14, %rax
	vmwrite	%rsp, %rax
	lea	vmx_exit_point(%rip), %rdx
	mov	$0x6c16, %rax
	vmwrite	%rdx, %rax
	mov	%esi, %eax
	test	%eax, %eax
	/* guest GPRs: struct vmx_regs is rax rcx rdx rbx rsp(unused) rbp rsi rdi r8..r15 */
	mov	0x08(%rdi), %rcx
	mov	0x10(%rdi), %rdx
	mov	0x18(%rdi), %rbx
	mov	0x28(%rdi), %rbp
	mov	0x30(%rdi), %rsi
	mov	0x40(%rdi), %r8
	mov	0x48(%rdi), %r9
	mov	0x50(%rdi), %r10
	mov	0x58(%rdi), %r11
	mov	0x60(%rdi), %r12
	mov	0x68(%rdi), %r13
	mov	0x70(%rdi), %r14
	mov	0x78(%rdi), %r15
	mov	0x00(%rdi), %rax
	mov	0x38(%rdi), %rdi
	jz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	/* VMfail: the instruction fell through */
	pushfq
	pop	%rax
	bts	$63, %rax
	pop	%rdi
	jmp	3f

	.globl	vmx_exit_point
vmx_exit_point:
	push	%rdi
	mov	8(%rsp), %rdi	/* struct vmx_regs * */
	mov	%rax, 0x00(%rdi)
	mov	%rcx, 0x08(%rdi)
	mov	%rdx, 0x10(%rdi)
	mov	%rbx, 0x18(%rdi)
	mov	%rbp, 0x28(%rdi)
	mov	%rsi, 0x30(%rdi)
	pop	%rax
	mov	%rax, 0x38(%rdi)
	mov	%r8, 0x40(%rdi)
	mov	%r9, 0x48(%rdi)
	mov	%r10, 0x50(%rdi)
	mov	%r11, 0x58(%rdi)
	mov	%r12, 0x60(%rdi)
	mov	%r13, 0x68(%rdi)
	mov	%r14, 0x70(%rdi)
	mov	%r15, 0x78(%rdi)
	pop	%rdi
	xor	%eax, %eax
3:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
