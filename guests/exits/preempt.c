// SPDX-License-Identifier: MIT
/*
 * VMX-preemption timer (basic reason 52): L0 arms it to stop the guest at the --max-insns
 * budget (SDM Vol. 3C 25.5.1 "VMX-Preemption Timer"); the exit comes between instructions,
 * qualification cleared (27.2.1), instruction length undefined (27.2.5).  The guest spins on a
 * single JMP to itself, so every exit's RIP is pr_at_spin (27.3.3: the instruction that would
 * have executed next).  L0 then ends the run with status 124.
 */
#include "guest.h"

__attribute__((noreturn)) void pr_spin(void);
__asm__(".text\n"
	".globl pr_spin\npr_spin:\n"
	".globl pr_at_spin\npr_at_spin:\n"
	"jmp pr_at_spin\n");

int main(struct vx_boot_info *bi)
{
	(void)bi;
	puts("spinning\n");
	pr_spin();
}
