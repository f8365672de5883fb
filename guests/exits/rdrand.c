// SPDX-License-Identifier: MIT
/*
 * RDRAND and RDSEED.  L0 sets "RDRAND exiting" / "RDSEED exiting" (SDM Vol. 3C 24.6.2 Table
 * 24-7; exits 57 and 61, 25.1.3) only when the VM hides the feature, to inject #UD (KVM's
 * policy, src/hv/ctls.c).  Built twice: rdrand.elf checks the default VM (CPUID reports both,
 * they execute natively without a VM exit and return CF = 1, RDRAND/RDSEED "Flags Affected");
 * rdrand_hidden.elf (RD_HIDDEN, run with --hide rdrand,rdseed) checks that CPUID hides them
 * and that each exits to L0, which injects #UD.  Labels rd_at_* mark the instructions.
 */
#include "guest.h"

/* Returns the random value; *cf = CF after the instruction. */
u64 rd_rand64(u64 *cf);
u64 rd_seed32(u64 *cf);
u64 rd_cpuid(u32 leaf);
__asm__(".text\n"
	".globl rd_rand64\nrd_rand64:\n"
	".globl rd_at_rdrand\nrd_at_rdrand:\n"
	"rdrand %rax\n" /* 48 0F C7 F0 */
	"setc %cl\nmovzbq %cl, %rcx\nmov %rcx, (%rdi)\n"
	"ret\n"
	".globl rd_seed32\nrd_seed32:\n"
	".globl rd_at_rdseed\nrd_at_rdseed:\n"
	"rdseed %eax\n" /* 0F C7 F8 */
	"setc %cl\nmovzbq %cl, %rcx\nmov %rcx, (%rdi)\n"
	"ret\n"
	/* EBX:ECX of a CPUID leaf (subleaf 0). */
	".globl rd_cpuid\nrd_cpuid:\n"
	"push %rbx\nmov %edi, %eax\nxor %ecx, %ecx\ncpuid\n"
	"mov %ebx, %eax\nshl $32, %rax\nor %rcx, %rax\n"
	"pop %rbx\nret\n");

#ifdef RD_HIDDEN
static u64 try_rdrand(void)
{
	u64 cf;
	return rd_rand64(&cf);
}

static u64 try_rdseed(void)
{
	u64 cf;
	return rd_seed32(&cf);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u64 v;
	report(!(rd_cpuid(1) & BIT(30)), "CPUID.1:ECX.RDRAND = 0 (hidden)");
	report(!((rd_cpuid(7) >> 32) & BIT(18)), "CPUID.(7,0):EBX.RDSEED = 0 (hidden)");
	report(probe_call(try_rdrand, &v) == 6, "RDRAND: #UD");
	report(probe_call(try_rdrand, &v) == 6, "RDRAND again: #UD");
	report(probe_call(try_rdseed, &v) == 6, "RDSEED: #UD");
	return report_summary();
}
#else
int main(struct vx_boot_info *bi)
{
	(void)bi;
	report(rd_cpuid(1) & BIT(30), "CPUID.1:ECX.RDRAND = 1");
	report((rd_cpuid(7) >> 32) & BIT(18), "CPUID.(7,0):EBX.RDSEED = 1");
	u64 cf = 0, a = rd_rand64(&cf), cf2 = 0, b = rd_rand64(&cf2);
	report(cf == 1 && cf2 == 1, "RDRAND: CF = 1");
	report(a != b, "RDRAND: two different values (0x%lx, 0x%lx)", a, b);
	u64 s = rd_seed32(&cf);
	report(cf == 1 && s <= 0xffffffffull, "RDSEED r32: CF = 1, upper half clear");
	return report_summary();
}
#endif
