// SPDX-License-Identifier: MIT
/*
 * #PF error codes for each cause (SDM Vol. 3A 4.7 "Page-Fault Exceptions", Figure 4-12): P
 * (bit 0) 0 for a non-present page, W/R (bit 1) for writes, U/S (bit 2) for user-mode
 * accesses, RSVD (bit 3) for a reserved bit set, I/D (bit 4) for instruction fetches (NXE = 1
 * here); CR2 holds the linear address.  Rights: 4.6 "Access Rights" (CR0.WP, XD).
 */
#include "guest.h"

#define PF 14
#define EC_P 1u
#define EC_W 2u
#define EC_U 4u
#define EC_RSVD 8u
#define EC_I 16u

static u8 *page;     /* the page whose PTE each case changes */
static u64 user_top; /* top of a user stack */

static void expect_pf(int vec, u64 ec, u64 addr, const char *what)
{
	report(vec == PF && exc_last.error_code == ec && exc_last.cr2 == addr,
	       "%s: vector %d error code 0x%lx (want 0x%lx) CR2 0x%lx", what, vec,
	       exc_last.error_code, ec, exc_last.cr2);
}

static void reset_page(u64 flags)
{
	pt_map((u64)page, (u64)page, PTE_P | PTE_W);
	page[0] = 0xc3; /* ret: the page is also a function */
	pt_map((u64)page, (u64)page, flags);
	exc_reset();
}

static void supervisor_cases(void)
{
	u64 v;
	reset_page(PTE_W | PTE_U); /* P = 0 */
	expect_pf(probe_read(page + 8, &v), 0, (u64)page + 8, "read, not present");
	expect_pf(probe_write(page + 16, 1), EC_W, (u64)page + 16, "write, not present");
	expect_pf(probe_call((u64(*)(void))page, &v), EC_I, (u64)page, "fetch, not present");

	reset_page(PTE_P | PTE_U); /* read-only */
	expect_pf(probe_write(page, 1), EC_P | EC_W, (u64)page, "write to read-only, WP = 1");
	write_cr0(read_cr0() & ~X86_CR0_WP);
	report(probe_write(page + 8, 0x55) == -1 && page[8] == 0x55,
	       "write to read-only, WP = 0: allowed at CPL 0");
	write_cr0(read_cr0() | X86_CR0_WP);

	reset_page(PTE_P | PTE_W | PTE_U | BIT(51)); /* reserved (MAXPHYADDR <= 46) */
	expect_pf(probe_read(page, &v), EC_P | EC_RSVD, (u64)page, "reserved bit 51");
	expect_pf(probe_write(page, 1), EC_P | EC_W | EC_RSVD, (u64)page, "reserved bit, write");

	reset_page(PTE_P | PTE_W | PTE_U | PTE_NX);
	expect_pf(probe_call((u64(*)(void))page, &v), EC_P | EC_I, (u64)page, "fetch, XD = 1");
	report(probe_read(page, &v) == -1, "read of an XD page is allowed");
	/* XD is reserved when EFER.NXE = 0 (4.5 Table 4-20). */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~X86_EFER_NXE);
	flush_tlb();
	exc_reset();
	expect_pf(probe_read(page, &v), EC_P | EC_RSVD, (u64)page, "XD with NXE = 0 is reserved");
	reset_page(PTE_W | PTE_U); /* not present, fetch, NXE = 0 and SMEP = 0: no I/D */
	expect_pf(probe_call((u64(*)(void))page, &v), 0, (u64)page, "fetch, NXE = 0: I/D clear");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | X86_EFER_NXE);
	flush_tlb();
}

/* User-mode cases run at CPL 3: each returns a packed vector/error code. */
static u64 user_read(u64 addr)
{
	u64 v;
	int vec = probe_read((void *)addr, &v);
	return (u64)(vec & 0xff) << 32 | exc_last.error_code;
}

static u64 user_write(u64 addr)
{
	int vec = probe_write((void *)addr, 7);
	return (u64)(vec & 0xff) << 32 | exc_last.error_code;
}

static u64 user_fetch(u64 addr)
{
	u64 v;
	int vec = probe_call((u64(*)(void))addr, &v);
	return (u64)(vec & 0xff) << 32 | exc_last.error_code;
}

static void user_case(u64 (*fn)(u64), u64 flags, u64 ec, const char *what)
{
	reset_page(flags);
	u64 r = run_user(fn, (u64)page, user_top, 0x2, USER_EXIT_INT);
	report((r >> 32) == PF && (r & 0xffffffff) == ec && exc_last.cr2 == (u64)page &&
		   (exc_last.cs & 3) == 3,
	       "%s: vector %lu error code 0x%lx (want 0x%lx), from CPL %lu", what, r >> 32,
	       r & 0xffffffff, ec, exc_last.cs & 3);
}

static void user_cases(void)
{
	user_case(user_read, PTE_P | PTE_W, EC_P | EC_U, "user read of a supervisor page");
	user_case(user_write, PTE_P | PTE_W, EC_P | EC_W | EC_U, "user write, supervisor page");
	user_case(user_write, PTE_P | PTE_U, EC_P | EC_W | EC_U, "user write to read-only");
	user_case(user_read, PTE_U, EC_U, "user read, not present");
	user_case(user_fetch, PTE_P | PTE_W | PTE_U | PTE_NX, EC_P | EC_U | EC_I, "user fetch, XD");
	user_case(user_fetch, PTE_P | PTE_W, EC_P | EC_U | EC_I, "user fetch, supervisor page");
	/* The same write at CPL 3 with CR0.WP = 0 still faults (WP only affects CPL < 3). */
	write_cr0(read_cr0() & ~X86_CR0_WP);
	user_case(user_write, PTE_P | PTE_U, EC_P | EC_W | EC_U, "user write to read-only, WP = 0");
	write_cr0(read_cr0() | X86_CR0_WP);
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	idt_init();
	page = page_alloc();
	user_top = (u64)page_alloc() + 4096;
	supervisor_cases();
	user_cases();
	return report_summary();
}
