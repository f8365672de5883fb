/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry stubs, probes, and the CPL 0 <-> CPL 3 transitions.
 *
 * idt_stubs: 256 stubs of 16 bytes each (stub n at idt_stubs + 16 * n).  Vectors for which
 * the processor pushes no error code push a 0 first (SDM Vol. 3A 6.13 "Error Code"; the
 * vectors with one are 8, 10-14, 17 and 21), then the vector; idt_common saves the GPRs,
 * calls exc_dispatch(frame) and returns with IRETQ (6.14.2 "64-Bit Mode Stack Frame").
 */
	.text
	.align	16
	.globl	idt_stubs
idt_stubs:
	.set	vec, 0
	.rept	256
	.align	16
	.if	(vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	idt_common
	.set	vec, vec + 1
	.endr

	.align	16
idt_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	exc_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq

/*
 * Probes: exc_fixup_rip/rsp tell exc_dispatch where to resume; it stores the vector in
 * exc_probe_vector.  int probe_read(addr, u64 *val), probe_write(addr, val),
 * probe_call(u64 (*fn)(void), u64 *ret).
 */
	.globl	probe_read
probe_read:
	movl	$-1, exc_probe_vector(%rip)
	lea	1f(%rip), %rax
	mov	%rax, exc_fixup_rip(%rip)
	mov	%rsp, exc_fixup_rsp(%rip)
	mov	(%rdi), %rax
	mov	%rax, (%rsi)
1:	movq	$0, exc_fixup_rip(%rip)
	movslq	exc_probe_vector(%rip), %rax
	ret

	.globl	probe_write
probe_write:
	movl	$-1, exc_probe_vector(%rip)
	lea	1f(%rip), %rax
	mov	%rax, exc_fixup_rip(%rip)
	mov	%rsp, exc_fixup_rsp(%rip)
	mov	%rsi, (%rdi)
1:	movq	$0, exc_fixup_rip(%rip)
	movslq	exc_probe_vector(%rip), %rax
	ret

	.globl	probe_call
probe_call:
	push	%rbx
	mov	%rsi, %rbx
	movl	$-1, exc_probe_vector(%rip)
	lea	1f(%rip), %rax
	mov	%rax, exc_fixup_rip(%rip)
	mov	%rsp, exc_fixup_rsp(%rip)
	call	*%rdi
	mov	%rax, (%rbx)
1:	movq	$0, exc_fixup_rip(%rip)
	movslq	exc_probe_vector(%rip), %rax
	pop	%rbx
	ret

/*
 * u64 run_user(fn, arg, user_stack_top, rflags, how): save the callee-saved registers and
 * RFLAGS on the kernel stack, then IRETQ to CPL 3 (CS 0x1b, SS 0x23).  At CPL 3 the
 * trampoline calls fn(arg) and comes back with INT VEC_USER_RETURN (how = 0) or SYSCALL
 * (how = 1); user_return restores the saved kernel state and returns fn's value (RAX).
 */
	.globl	run_user
run_user:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq
	mov	%rsp, user_saved_rsp(%rip)
	mov	%rdi, %r12		/* fn */
	mov	%rsi, %rdi		/* arg */
	lea	user_tramp_int(%rip), %rax
	lea	user_tramp_syscall(%rip), %r9
	test	%r8, %r8
	cmovnz	%r9, %rax
	pushq	$0x23			/* SS */
	push	%rdx			/* RSP */
	push	%rcx			/* RFLAGS */
	pushq	$0x1b			/* CS */
	push	%rax			/* RIP */
	iretq

user_tramp_int:
	call	*%r12
	int	$0x81
	ud2

user_tramp_syscall:
	call	*%r12
	syscall
	ud2

	.globl	user_return
user_return:
	mov	user_saved_rsp(%rip), %rsp
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.bss
	.align	8
	.globl	user_saved_rsp
user_saved_rsp:
	.quad	0
