// SPDX-License-Identifier: MIT
/*
 * SMEP (SDM Vol. 3A 4.6.1 "Determination of Access Rights"): with CR4.SMEP = 1, instruction
 * fetches at CPL 0 from user-mode pages raise #PF with P and I/D set; data accesses and
 * fetches from supervisor pages are unaffected.
 */
#include "guest.h"

#define PF 14

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u32 r[4];
	cpuid(7, 0, r);
	if (!(r[1] & BIT(7))) {
		report_skip("CPUID.(EAX=7,ECX=0):EBX.SMEP = 0 in this profile");
		return report_summary();
	}
	u8 *code = page_alloc();
	code[0] = 0xb8; /* mov eax, 0x5a; ret */
	code[1] = 0x5a;
	code[2] = code[3] = code[4] = 0;
	code[5] = 0xc3;
	pt_identity_user(false); /* our own code and data: supervisor pages */
	u64 user_va = pt_alias((u64)code, PTE_P | PTE_W | PTE_U);
	u64 sup_va = pt_alias((u64)code, PTE_P | PTE_W);
	u64 v = 0;

	report(probe_call((u64(*)(void))user_va, &v) == -1 && v == 0x5a,
	       "SMEP = 0: CPL 0 may execute a user page");
	write_cr4(read_cr4() | X86_CR4_SMEP);
	report(read_cr4() & X86_CR4_SMEP, "CR4.SMEP set");
	exc_reset();
	int vec = probe_call((u64(*)(void))user_va, &v);
	report(vec == PF && exc_last.error_code == 0x11 && exc_last.cr2 == user_va &&
		   exc_last.rip == user_va,
	       "SMEP = 1: fetch from a user page: #PF error 0x%lx (want 0x11), CR2 0x%lx",
	       exc_last.error_code, exc_last.cr2);
	v = 0;
	report(probe_call((u64(*)(void))sup_va, &v) == -1 && v == 0x5a,
	       "SMEP = 1: the same bytes through a supervisor mapping run");
	report(probe_read((void *)user_va, &v) == -1 && (v & 0xff) == 0xb8,
	       "SMEP = 1: data reads of user pages are allowed");
	/* A not-present user-page fetch reports I/D (SMEP = 1), P = 0. */
	u64 gone = pt_alias((u64)code, PTE_U);
	exc_reset();
	vec = probe_call((u64(*)(void))gone, &v);
	report(vec == PF && exc_last.error_code == 0x10,
	       "not-present fetch: error 0x%lx (want 0x10)", exc_last.error_code);
	write_cr4(read_cr4() & ~X86_CR4_SMEP);
	pt_identity_user(true);
	return report_summary();
}
