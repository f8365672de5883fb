/* SPDX-License-Identifier: MIT */
/*
 * Enclave entry (TCS.OENTRY).  EENTER leaves RAX = CSSA, RBX = the TCS, RCX = the address
 * after EENTER (SDM Vol. 3D ENCLU[EENTER]); RSP/RBP are still the caller's.  The stack of a
 * thread ends at its TCS (include/vx/enclave.h layout).  RDI/RSI carry the two arguments
 * through; enclave_main(a, b, cssa, tcs) returns its result in RSI after EEXIT.
 * enclave_fault_landing: where the enclave's exception handler (an entry with CSSA > 0) points
 * the interrupted frame's RIP, so that ERESUME ends the call with 0xfa17; the callee-saved
 * registers holding the caller's state come back from the SSA.
 */
	.text
	.globl enclave_entry
enclave_entry:
	mov %rcx, %r15		/* where EEXIT returns to */
	mov %rsp, %r14		/* the caller's stack */
	mov %rbp, %r13
	mov %rbx, %rsp		/* stack top = TCS */
	test %rax, %rax
	jz 1f
	/* CSSA > 0: an exception handler runs below the interrupted frame's stack (its RSP in
	 * GPRSGX of SSA[CSSA - 1], at TCS + 4096 * CSSA + 4096 - 184 + 32). */
	mov %rax, %r12
	shl $12, %r12
	add %rbx, %r12
	mov 0xf68(%r12), %rsp
	sub $256, %rsp
	and $-16, %rsp
1:	mov %rax, %rdx		/* CSSA */
	mov %rbx, %rcx		/* TCS */
	call enclave_main
done:
	mov %rax, %rsi
	xor %edi, %edi
	xor %edx, %edx
	mov %r14, %rsp
	mov %r13, %rbp
	mov %r15, %rbx
	mov $4, %eax		/* EEXIT */
	enclu
	ud2
	.globl enclave_fault_landing
enclave_fault_landing:
	mov $0xfa17, %eax
	jmp done
