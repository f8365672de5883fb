// SPDX-License-Identifier: MIT
/*
 * Control-register accesses (basic reason 28).  L0 owns the CR0 bits PE, NE, PG and the CR4
 * bit VMXE (the VMX-fixed-1 bits, SDM Vol. 3D A.7/A.8) through the CR0/CR4 guest/host masks
 * (Vol. 3C 24.6.6 "Guest/Host Masks and Read Shadows for CR0 and CR4"): a MOV to CR0/CR4 that
 * would give an owned bit a value different from its read shadow exits (25.1.3 "Instructions
 * That Cause VM Exits Conditionally"); a MOV that leaves the owned bits equal to the shadow
 * does not, and a MOV from CR0/CR4 never exits but reads the shadow for the owned bits (25.3
 * "Changes to Instruction Behavior in VMX Non-Root Operation").  Exit qualification (Table
 * 27-3 "Exit Qualification for Control-Register Accesses"): bits 3:0 the control register, 5:4
 * access type (0 = MOV to CR), 11:8 the source register, bits 31:16 0 for MOV CR.  Labels
 * cr_at_* mark each MOV for cr.expect.
 */
#include "guest.h"

#define CR0_NE BIT(5)
#define CR0_PG BIT(31)
#define CR4_VMXE BIT(13)
#define VEC_GP 13

u64 cr_wr0_rax(u64 v);
u64 cr_wr0_rbx(u64 v);
u64 cr_wr0_same(u64 v);
u64 cr_wr4_r9(u64 v);
u64 cr_rd0(void);
u64 cr_rd4(void);
u64 cr_clear_pg(void);
u64 cr_clts_lmsw(void);

__asm__(".text\n"
	".globl cr_wr0_rax\ncr_wr0_rax:\n"
	"mov %rdi, %rax\n"
	".globl cr_at_wr0_rax\ncr_at_wr0_rax:\n"
	"mov %rax, %cr0\n" /* 0F 22 C0 */
	"ret\n"
	".globl cr_wr0_rbx\ncr_wr0_rbx:\n"
	"push %rbx\nmov %rdi, %rbx\n"
	".globl cr_at_wr0_rbx\ncr_at_wr0_rbx:\n"
	"mov %rbx, %cr0\n" /* 0F 22 C3 */
	"pop %rbx\nret\n"
	".globl cr_wr0_same\ncr_wr0_same:\n"
	".globl cr_at_wr0_same\ncr_at_wr0_same:\n"
	"mov %rdi, %cr0\n" /* 0F 22 C7 */
	"ret\n"
	".globl cr_wr4_r9\ncr_wr4_r9:\n"
	"mov %rdi, %r9\n"
	".globl cr_at_wr4_r9\ncr_at_wr4_r9:\n"
	"mov %r9, %cr4\n" /* 41 0F 22 E1 */
	"ret\n"
	".globl cr_rd0\ncr_rd0:\n"
	".globl cr_at_rd0\ncr_at_rd0:\n"
	"mov %cr0, %rax\n"
	"ret\n"
	".globl cr_rd4\ncr_rd4:\n"
	".globl cr_at_rd4\ncr_at_rd4:\n"
	"mov %cr4, %rax\n"
	"ret\n"
	/* PG = 0 with IA-32e mode active: #GP(0) (MOV to CR0, 64-bit mode exceptions). */
	".globl cr_clear_pg\ncr_clear_pg:\n"
	"mov %cr0, %rdx\nbtr $31, %rdx\n"
	".globl cr_at_clear_pg\ncr_at_clear_pg:\n"
	"mov %rdx, %cr0\n" /* 0F 22 C2 */
	"ret\n"
	/* CLTS clears TS (not owned); LMSW keeps PE = 1 (the shadow's value): no exit. */
	".globl cr_clts_lmsw\ncr_clts_lmsw:\n"
	".globl cr_at_clts\ncr_at_clts:\n"
	"clts\n"
	"smsw %eax\n"
	".globl cr_at_lmsw\ncr_at_lmsw:\n"
	"lmsw %ax\n"
	"mov %cr0, %rax\n"
	"ret\n");

extern char cr_at_clear_pg[];

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u64 cr0 = cr_rd0(), cr4 = cr_rd4();
	report(cr0 == VX_BOOT_CR0, "CR0 reads the boot value 0x%lx", cr0);
	report(!(cr4 & CR4_VMXE), "CR4.VMXE reads 0 (shadow), CR4 0x%lx", cr4);
	/* WP toggled, owned bits unchanged: no exit. */
	cr_wr0_same(cr0 & ~X86_CR0_WP);
	cr_wr0_same(cr0);
	/* NE = 0: differs from the shadow, exits; the guest then reads NE = 0. */
	cr_wr0_rax(cr0 & ~CR0_NE);
	report(cr_rd0() == (cr0 & ~CR0_NE), "CR0.NE = 0 read back from the shadow");
	cr_wr0_rbx(cr0);
	report(cr_rd0() == cr0, "CR0.NE = 1 again");
	cr_wr4_r9(cr4 | CR4_VMXE);
	report(cr_rd4() == (cr4 | CR4_VMXE), "CR4.VMXE = 1 read back");
	cr_wr4_r9(cr4);
	report(cr_rd4() == cr4, "CR4.VMXE = 0 read back");
	u64 v;
	int vec = probe_call(cr_clear_pg, &v);
	report(vec == VEC_GP && exc_last.error_code == 0 && exc_last.rip == (u64)cr_at_clear_pg,
	       "CR0.PG = 0 in IA-32e mode: #GP(0) (vector %d)", vec);
	report(cr_rd0() == cr0, "CR0 unchanged after the #GP");
	report(cr_clts_lmsw() == cr0, "CLTS and LMSW of the same MSW: CR0 unchanged");
	return report_summary();
}
