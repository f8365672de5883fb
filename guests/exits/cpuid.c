// SPDX-License-Identifier: MIT
/*
 * CPUID exits unconditionally in VMX non-root operation (SDM Vol. 3C 25.1.2 "Instructions That
 * Cause VM Exits Unconditionally"): basic reason 10, exit qualification cleared (27.2.1 "Basic
 * VM-Exit Information": CPUID is not among the exits that save one), VM-exit instruction
 * length 2 (0F A2; 27.2.5 "Information for VM Exits Due to Instruction Execution"), RIP of the
 * CPUID itself (27.3.3 "Saving RIP, RSP, RFLAGS, and SSP").  L0 answers from the VM's CPUID.
 * The global labels cpuid_at_* mark each CPUID for cpuid.expect.
 */
#include "guest.h"

u64 cpuid_leaf0(u32 *regs);
u64 cpuid_leaf1(u32 *regs);
u64 cpuid_leaf7(u32 *regs);

/* Each stores EAX, EBX, ECX, EDX of one leaf at regs[0..3] (RDI). */
#define CPUID_FN(fn, leaf)                                                                      \
	__asm__(".text\n.globl " #fn "\n" #fn ":\n"                                             \
		"push %rbx\n"                                                                   \
		"mov $" #leaf ", %eax\n"                                                        \
		"xor %ecx, %ecx\n"                                                              \
		".globl cpuid_at_" #leaf "\ncpuid_at_" #leaf ":\n"                              \
		"cpuid\n"                                                                       \
		"mov %eax, 0(%rdi)\nmov %ebx, 4(%rdi)\nmov %ecx, 8(%rdi)\nmov %edx, 12(%rdi)\n" \
		"pop %rbx\n"                                                                    \
		"ret\n")
CPUID_FN(cpuid_leaf0, 0);
CPUID_FN(cpuid_leaf1, 1);
CPUID_FN(cpuid_leaf7, 7);

int main(struct vx_boot_info *bi)
{
	(void)bi;
	u32 r[4];
	cpuid_leaf0(r);
	report(r[0] >= 7, "leaf 0: maximum basic leaf %u >= 7", r[0]);
	report(r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e,
	       "leaf 0: GenuineIntel");
	cpuid_leaf1(r);
	report(r[2] & BIT(5), "leaf 1: ECX.VMX = 1 (VMX exposed by default)");
	cpuid_leaf7(r);
	report(r[1] & BIT(7), "leaf 7: EBX.SMEP = 1");
	return report_summary();
}
