// SPDX-License-Identifier: MIT
/*
 * XSETBV exits unconditionally (SDM Vol. 3C 25.1.2): basic reason 55, qualification cleared
 * (27.2.1), length 3 (0F 01 D1, 27.2.5), RIP of the XSETBV.  The #UD for CR4.OSXSAVE = 0 has
 * priority over the VM exit (25.1.1 "Relative Priority of Faults and VM Exits"), so that XSETBV
 * does not exit.  L0 checks the value (XSETBV page, 13.3 "Enabling the XSAVE Feature Set and
 * XSAVE-Enabled Features"): XCR0 = 3 (x87 | SSE) is accepted; XCR0 with bit 0 clear and
 * ECX = 1 get #GP(0).  XGETBV does not exit.  CR4.OSXSAVE is not owned by L0, so setting it
 * does not exit either.  Labels xsetbv_at_* mark each XSETBV.
 */
#include "guest.h"

#define CR4_OSXSAVE BIT(18)
#define VEC_UD 6
#define VEC_GP 13

/* EDX:EAX = RDI, ECX = RSI. */
u64 xsetbv_ud(void);
u64 xsetbv_ok(void);
u64 xsetbv_nox87(void);
u64 xsetbv_ecx1(void);
u64 xgetbv0(void);

#define XS(fn, val, ecx)                                             \
	".globl " #fn "\n" #fn ":\n"                                 \
	"mov $" #val ", %eax\nxor %edx, %edx\nmov $" #ecx ", %ecx\n" \
	".globl xsetbv_at_" #fn "\nxsetbv_at_" #fn ":\n"             \
	"xsetbv\n"                                                   \
	"xor %eax, %eax\nret\n"
__asm__(".text\n" XS(xsetbv_ud, 3, 0) XS(xsetbv_ok, 3, 0) XS(xsetbv_nox87, 2, 0)
	    XS(xsetbv_ecx1, 3, 1) ".globl xgetbv0\nxgetbv0:\n"
				  "xor %ecx, %ecx\n"
				  ".globl xsetbv_at_xgetbv\nxsetbv_at_xgetbv:\n"
				  "xgetbv\nshl $32, %rdx\nor %rdx, %rax\nret\n");

extern char xsetbv_at_xsetbv_ud[], xsetbv_at_xsetbv_nox87[], xsetbv_at_xsetbv_ecx1[];

static void expect_exc(u64 (*fn)(void), int want, const char *at, const char *what)
{
	u64 v;
	int vec = probe_call(fn, &v);
	report(vec == want && exc_last.rip == (u64)at && (want != VEC_GP || !exc_last.error_code),
	       "%s: vector %d at the XSETBV (got %d)", what, want, vec);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	expect_exc(xsetbv_ud, VEC_UD, xsetbv_at_xsetbv_ud, "CR4.OSXSAVE = 0");
	write_cr4(read_cr4() | CR4_OSXSAVE);
	report(read_cr4() & CR4_OSXSAVE, "CR4.OSXSAVE = 1");
	report(xgetbv0() == 1, "XCR0 = 1 after reset");
	u64 v;
	report(probe_call(xsetbv_ok, &v) == -1, "XSETBV XCR0 = 3: no exception");
	report(xgetbv0() == 3, "XGETBV reads 3");
	expect_exc(xsetbv_nox87, VEC_GP, xsetbv_at_xsetbv_nox87, "XCR0 bit 0 clear");
	expect_exc(xsetbv_ecx1, VEC_GP, xsetbv_at_xsetbv_ecx1, "ECX = 1");
	report(xgetbv0() == 3, "XCR0 still 3");
	return report_summary();
}
