// SPDX-License-Identifier: MIT
/*
 * RDMSR and WRMSR (basic reasons 31 and 32).  L0 uses MSR bitmaps (SDM Vol. 3C 24.6.9
 * "MSR-Bitmap Address"): an MSR whose bit is clear runs natively without an exit, one whose bit
 * is set exits (25.1.3 "Instructions That Cause VM Exits Conditionally").  Both exits have a
 * cleared qualification (27.2.1) and instruction length 2 (0F 32 / 0F 30, 27.2.5).  L0's
 * policy (src/hv/exit_msr.c): IA32_LSTAR is passed through; IA32_FEATURE_CONTROL and the VMX
 * capability MSRs are emulated read-only; IA32_MISC_ENABLE is denied: #GP(0) injected, RIP not
 * advanced.  Labels msr_at_* mark each RDMSR/WRMSR for msr.expect.
 */
#include "guest.h"

#define MSR_MISC_ENABLE 0x1a0u
#define MSR_VMX_BASIC 0x480u
#define VEC_GP 13

u64 msr_rd_lstar(void);
u64 msr_wr_lstar(void);
u64 msr_rd_fc(void);
u64 msr_rd_vmx_basic(void);
u64 msr_rd_denied(void);
u64 msr_wr_denied(void);
u64 msr_wr_fc(void);

/* Each returns EDX:EAX of its RDMSR; the WRMSRs write msr_value. */
u64 msr_value;
#define MSR_RD(fn, idx)                            \
	".globl " #fn "\n" #fn ":\n"               \
	"mov $" #idx ", %ecx\n"                    \
	".globl msr_at_" #fn "\nmsr_at_" #fn ":\n" \
	"rdmsr\n"                                  \
	"shl $32, %rdx\nor %rdx, %rax\n"           \
	"ret\n"
#define MSR_WR(fn, idx)                                              \
	".globl " #fn "\n" #fn ":\n"                                 \
	"mov $" #idx ", %ecx\n"                                      \
	"mov msr_value(%rip), %rax\nmov %rax, %rdx\nshr $32, %rdx\n" \
	".globl msr_at_" #fn "\nmsr_at_" #fn ":\n"                   \
	"wrmsr\n"                                                    \
	"xor %eax, %eax\n"                                           \
	"ret\n"
__asm__(".text\n" MSR_RD(msr_rd_lstar, 0xc0000082) MSR_WR(msr_wr_lstar, 0xc0000082)
	    MSR_RD(msr_rd_fc, 0x3a) MSR_RD(msr_rd_vmx_basic, 0x480) MSR_RD(msr_rd_denied, 0x1a0)
		MSR_WR(msr_wr_denied, 0x1a0) MSR_WR(msr_wr_fc, 0x3a));

extern char msr_at_msr_rd_denied[], msr_at_msr_wr_denied[], msr_at_msr_wr_fc[];

static void expect_gp(u64 (*fn)(void), const char *what, const char *at)
{
	u64 v;
	int vec = probe_call(fn, &v);
	report(vec == VEC_GP && exc_last.error_code == 0 && exc_last.rip == (u64)at,
	       "%s: #GP(0) at the instruction (vector %d, error %lu, rip 0x%lx)", what, vec,
	       exc_last.error_code, exc_last.rip);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u64 lstar = msr_rd_lstar();
	msr_value = lstar;
	msr_wr_lstar();
	report(msr_rd_lstar() == lstar && lstar != 0, "IA32_LSTAR passed through: 0x%lx", lstar);
	u64 fc = msr_rd_fc();
	report(fc == 0x5, "IA32_FEATURE_CONTROL emulated: lock | VMX outside SMX (0x%lx)", fc);
	u64 basic = msr_rd_vmx_basic();
	report(basic != 0 && !(basic & BIT(31)), "IA32_VMX_BASIC emulated: 0x%lx", basic);
	expect_gp(msr_rd_denied, "RDMSR IA32_MISC_ENABLE (denied)", msr_at_msr_rd_denied);
	msr_value = 1;
	expect_gp(msr_wr_denied, "WRMSR IA32_MISC_ENABLE (denied)", msr_at_msr_wr_denied);
	msr_value = fc;
	expect_gp(msr_wr_fc, "WRMSR IA32_FEATURE_CONTROL (locked)", msr_at_msr_wr_fc);
	return report_summary();
}
