/* SPDX-License-Identifier: MIT */
/*
 * Enclave entry (TCS.OENTRY).  EENTER leaves RAX = CSSA, RBX = the TCS, RCX = the address
 * after EENTER (SDM Vol. 3D ENCLU[EENTER]); RSP/RBP are still the caller's.  The stack of a
 * thread ends at its TCS (include/vx/enclave.h layout).  RDI/RSI carry the two arguments
 * through; enclave_main(a, b, cssa) returns its result in RSI after EEXIT.
 */
	.text
	.globl enclave_entry
enclave_entry:
	mov %rcx, %r15		/* where EEXIT returns to */
	mov %rsp, %r14		/* the caller's stack */
	mov %rbp, %r13
	mov %rbx, %rsp		/* stack top = TCS */
	mov %rax, %rdx		/* CSSA */
	call enclave_main
	mov %rax, %rsi
	xor %edi, %edi
	xor %edx, %edx
	mov %r14, %rsp
	mov %r13, %rbp
	mov %r15, %rbx
	mov $4, %eax		/* EEXIT */
	enclu
	ud2
