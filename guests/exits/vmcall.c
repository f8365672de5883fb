// SPDX-License-Identifier: MIT
/*
 * VMCALL exits unconditionally in VMX non-root operation (SDM Vol. 3C 25.1.2 "Instructions That
 * Cause VM Exits Unconditionally"): basic reason 18, qualification cleared (27.2.1), length 3
 * (0F 01 C1, 27.2.5), RIP of the VMCALL.  The hypercalls of src/hv/hv.h: RAX = 0 prints the
 * low byte of RBX, 2 returns "VXHV" and the retired-instruction count in RBX, an unknown number
 * returns -1000, at CPL 3 every call returns -1 (EPERM) and does nothing, and 1 ends the run
 * with status RBX & 0xff (here 0x307: status 7).  Labels vmcall_at_* mark each VMCALL.
 */
#include "guest.h"

/* RDI = RAX (number), RSI = RBX; returns RAX, stores RBX at *RDX when RDX != 0. */
u64 hc_putc(u64 nr, u64 rbx, u64 *out);
u64 hc_info(u64 nr, u64 rbx, u64 *out);
u64 hc_bad(u64 nr, u64 rbx, u64 *out);
u64 hc_user(u64 nr);
__attribute__((noreturn)) void hc_exit(u64 nr, u64 rbx, u64 *out);

#define HC(fn)                                           \
	".globl " #fn "\n" #fn ":\n"                     \
	"push %rbx\nmov %rdi, %rax\nmov %rsi, %rbx\n"    \
	".globl vmcall_at_" #fn "\nvmcall_at_" #fn ":\n" \
	"vmcall\n"                                       \
	"test %rdx, %rdx\njz 1f\nmov %rbx, (%rdx)\n1:\n" \
	"pop %rbx\nret\n"
__asm__(".text\n" HC(hc_putc) HC(hc_info) HC(hc_bad) HC(hc_exit)
	/* At CPL 3 (run_user): RAX = 2 must not be served. */
	".globl hc_user\nhc_user:\n"
	"mov %rdi, %rax\n"
	".globl vmcall_at_hc_user\nvmcall_at_hc_user:\n"
	"vmcall\n"
	"ret\n");

static u8 user_stack[4096] __attribute__((aligned(16)));

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u64 r = hc_putc(0, 'V', 0);
	hc_putc(0, '\n', 0);
	report(r == 0, "hypercall 0 (putc) returns 0");
	u64 n1 = 0, n2 = 0;
	report(hc_info(2, 0, &n1) == 0x56485856u, "hypercall 2 returns \"VXHV\"");
	hc_info(2, 0, &n2);
	report(n2 > n1, "hypercall 2: retired instructions grow (%lu, %lu)", n1, n2);
	report(hc_bad(99, 0, 0) == (u64)-1000, "unknown hypercall returns -1000");
	u64 v = run_user(hc_user, 2, (u64)user_stack + sizeof(user_stack), 0x2, USER_EXIT_INT);
	report(v == (u64)-1, "VMCALL at CPL 3 returns -1 (EPERM)");
	if (report_summary())
		return 1;
	hc_exit(1, 0x307, 0);
}
