/* SPDX-License-Identifier: MIT */
/*
 * u64 enclave_enter(u64 tcs, u64 a, u64 b): EENTER (at CPL 3) with AEP = vx_aep; the enclave
 * gets a and b in RDI/RSI and leaves its result in RSI at EEXIT (guests/enclave/entry.S).
 * vx_aep is the asynchronous exit pointer: after an AEX and the handler's IRETQ it runs
 * ERESUME, with RAX = 3, RBX = TCS and RCX = AEP as the AEX left them (SDM Vol. 3D Table 40-1).
 */
	.text
	.globl enclave_enter, vx_aep
enclave_enter:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rdi, %rbx
	mov %rsi, %rdi
	mov %rdx, %rsi
	lea vx_aep(%rip), %rcx
	mov $2, %eax
	enclu
	mov %rsi, %rax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
/* After an exception in the enclave, the guest's handler sets vx_aep_fault: the AEP then
 * first enters the enclave's handler (EENTER with RDI = 100, CSSA > 0), and resumes after it. */
vx_aep:
	cmpb $0, vx_aep_fault(%rip)
	je 1f
	movb $0, vx_aep_fault(%rip)
	push %rbx
	push %rcx
	mov $100, %edi
	mov $2, %eax
	enclu			/* EENTER: the enclave's handler; EEXIT comes back here */
	pop %rcx
	pop %rbx
	mov $3, %eax
1:	enclu			/* ERESUME */
	ud2

	.data
	.globl vx_aep_fault
vx_aep_fault:
	.byte 0
