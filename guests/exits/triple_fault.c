// SPDX-License-Identifier: MIT
/*
 * Triple fault (basic reason 2): in VMX non-root operation a triple fault causes a VM exit
 * instead of shutdown (SDM Vol. 3C 25.2 "Other Causes of VM Exits"); L0 ends the run with
 * status 4.  The guest loads an IDT with limit 0 and executes UD2: #UD cannot be delivered
 * (#GP), the #GP cannot (#DF, 6.15 "Exception and Interrupt Reference", Interrupt 8 Table 6-5
 * "Conditions for Generating a Double Fault"), the #DF cannot: triple fault.  Qualification
 * cleared (27.2.1); the instruction length is undefined (27.2.5); the saved RIP is the return
 * pointer the #DF would have pushed (27.3.3), and #DF's saved CS:RIP is undefined (Interrupt 8
 * "Saved Instruction Pointer"), so tf.expect only checks it is inside tf_begin..tf_end.
 */
#include "guest.h"

void tf_go(void);
__asm__(".text\n"
	".globl tf_begin\ntf_begin:\n"
	".globl tf_go\ntf_go:\n"
	"lidt tf_idtr(%rip)\n"
	".globl tf_at_ud2\ntf_at_ud2:\n"
	"ud2\n"
	".globl tf_end\ntf_end:\n"
	"int3\n"
	".data\n"
	"tf_idtr: .word 0\n .quad 0\n"
	".text\n");

int main(struct vx_boot_info *bi)
{
	(void)bi;
	puts("triple fault next\n");
	tf_go();
	return 1; /* not reached */
}
