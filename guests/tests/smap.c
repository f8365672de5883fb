// SPDX-License-Identifier: MIT
/*
 * SMAP (SDM Vol. 3A 4.6.1 "Determination of Access Rights"): with CR4.SMAP = 1, explicit
 * supervisor-mode data accesses to user-mode pages fault unless RFLAGS.AC = 1; STAC/CLAC set
 * and clear AC (SDM Vol. 2B "STAC", Vol. 2A "CLAC": #UD at CPL > 0).
 */
#include "guest.h"

#define PF 14
#define UD 6

static u64 do_stac(void)
{
	stac();
	return 0;
}

static u64 user_stac(u64 unused)
{
	(void)unused;
	u64 v;
	return (u64)probe_call(do_stac, &v);
}

static void check_fault(int vec, u64 ec, u64 va, const char *what)
{
	report(vec == PF && exc_last.error_code == ec && exc_last.cr2 == va,
	       "%s: #PF error 0x%lx (want 0x%lx)", what, exc_last.error_code, ec);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	u32 r[4];
	cpuid(7, 0, r);
	if (!(r[1] & BIT(20))) {
		report_skip("CPUID.(EAX=7,ECX=0):EBX.SMAP = 0 in this profile");
		return report_summary();
	}
	/* STAC at CPL 3 is #UD (while the identity map is still user-accessible). */
	u64 ustack = (u64)page_alloc() + 4096;
	u64 uv = run_user(user_stac, 0, ustack, 0x2, USER_EXIT_INT);
	report(uv == UD, "STAC at CPL 3: #UD (vector %ld)", (long)(int)uv);

	u64 *data = page_alloc();
	data[0] = 0x1234;
	pt_identity_user(false);
	u64 va = pt_alias((u64)data, PTE_P | PTE_W | PTE_U);
	u64 v = 0;
	write_cr4(read_cr4() | X86_CR4_SMAP);
	clac();
	exc_reset();
	check_fault(probe_read((void *)va, &v), 0x1, va, "SMAP, AC = 0, read of a user page");
	check_fault(probe_write((void *)va, 5), 0x3, va, "SMAP, AC = 0, write to a user page");
	exc_reset();
	int vec = probe_call(do_stac, &v);
	if (vec == UD) {
		report_skip("STAC/CLAC raise #UD at CPL 0: not implemented by the system family");
	} else {
		report(read_rflags() & X86_RFLAGS_AC, "STAC sets RFLAGS.AC");
		v = 0;
		report(probe_read((void *)va, &v) == -1 && v == 0x1234,
		       "SMAP, AC = 1: read allowed");
		report(probe_write((void *)va, 0x77) == -1 && data[0] == 0x77,
		       "SMAP, AC = 1: write allowed");
		clac();
		report(!(read_rflags() & X86_RFLAGS_AC), "CLAC clears RFLAGS.AC");
		exc_reset();
		check_fault(probe_read((void *)va, &v), 0x1, va, "after CLAC: read faults again");
	}
	/* AC set by POPF works the same way. */
	write_rflags(read_rflags() | X86_RFLAGS_AC);
	report(probe_read((void *)va, &v) == -1, "SMAP, AC = 1 by POPF: read allowed");
	write_rflags(read_rflags() & ~X86_RFLAGS_AC);
	/* Supervisor pages are not affected. */
	report(probe_read(data, &v) == -1, "SMAP: supervisor page read allowed");
	write_cr4(read_cr4() & ~X86_CR4_SMAP);
	pt_identity_user(true);
	report(probe_read((void *)va, &v) == -1, "SMAP = 0: user page read allowed");
	return report_summary();
}
