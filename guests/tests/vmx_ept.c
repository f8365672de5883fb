// SPDX-License-Identifier: MIT
/*
 * A hypervisor guest that runs L2 with EPT (SDM Vol. 3C 28.2 "The Extended Page Table
 * Mechanism") and changes its EPT while L2 runs.  Bare, the processor walks L1's EPT itself;
 * under L0, L2 runs on L0's shadow of it (src/nested/sept.c), which must give the same
 * exits with the same qualifications (Table 27-7) and see each change of L1's tables.
 *   1. L2 reads W, a guest-physical address L1's EPT does not map: EPT violation, data read,
 *      nothing allowed (qualification bits 5:3 = 0), guest-physical address W.
 *   2. L1 maps W to page A read-only, WITHOUT INVEPT (a not-present entry is never cached,
 *      28.3.2), and resumes: L2's read now returns A's contents.
 *   3. L2 writes W: EPT violation, data write, the entry allowed read (bit 3) only.
 *   4. L1 maps W to page B read/write and runs INVEPT (single-context): L2's write lands in B,
 *      and L2 reads it back from B.
 *   5. L2 fetches from W (execute not allowed in step 4): EPT violation, fetch, bits 5:3 = RW.
 *   6. L1 makes W's entry write-only (bits 2:0 = 010b, 28.2.3.1) with INVEPT: L2's read is an
 *      EPT misconfiguration (reason 49) with guest-physical address W.
 * L2 ends with VMCALL.
 */
#include "guest.h"

#define EXIT_VMCALL 18
#define EXIT_EPT_VIOLATION 48
#define W 0x10000000ull /* 256 MiB: above RAM, in L1's identity paging */
#define EPT_R 1ull
#define EPT_W 2ull
#define EPT_X 4ull
#define EPT_WB (6ull << 3)
#define EPT_PS BIT(7)

static u8 vmcs[4096] __attribute__((aligned(4096)));
static u8 l2_stack[8192] __attribute__((aligned(16)));
static u64 ept[4][512] __attribute__((aligned(4096))); /* PML4, PDPT, PD for GiB 0, PT */
static u64 page_a[512] __attribute__((aligned(4096)));
static u64 page_b[512] __attribute__((aligned(4096)));
static volatile u64 l2_read1, l2_read2;

static void l2_main(void)
{
	volatile u64 *w = (volatile u64 *)W;
	l2_read1 = *w; /* steps 1-2 */
	*w = 0x2222;   /* steps 3-4 */
	l2_read2 = *w;
	((void (*)(void))W)(); /* step 5: L1 skips the fetch by sending L2 to l2_end */
}

static void l2_read_again(void)
{
	l2_read1 = *(volatile u64 *)W; /* step 6 */
	__asm__ volatile("vmcall");
}

static void l2_end(void)
{
	__asm__ volatile("vmcall");
	for (;;)
		;
}

/* EPT: RAM 1:1 in 2-MByte pages (RWX, WB); W's 2-MByte range through the PT (empty). */
static u64 build_ept(void)
{
	ept[0][0] = (u64)ept[1] | 7;
	ept[1][0] = (u64)ept[2] | 7;
	for (u64 a = 0; a < boot_info->ram_size; a += 2ull << 20)
		ept[2][a >> 21] = a | 7 | EPT_WB | EPT_PS;
	ept[2][W >> 21] = (u64)ept[3] | 7;
	return (u64)ept[0] | 6 | (3 << 3);
}

static void map_w(u64 *page, u64 rights)
{
	ept[3][(W >> 12) & 511] = (u64)page | rights | EPT_WB;
}

static void invept_single(u64 eptp)
{
	u64 desc[2] = {eptp, 0};
	u8 fail;
	__asm__ volatile("invept %1, %2; setbe %0"
			 : "=r"(fail)
			 : "m"(desc), "r"(1ull)
			 : "cc", "memory");
	report(!fail, "INVEPT single-context");
}

struct ept_exit {
	u64 qual, gpa;
};

static bool expect_violation(struct vmx_regs *regs, bool launch, struct ept_exit *e)
{
	if (vmx_run(regs, launch)) {
		report(false, "VM entry failed: error %lu", vmread(0x4400));
		return false;
	}
	u32 reason = (u32)vmread(0x4402);
	e->qual = vmread(0x6400);
	e->gpa = vmread(0x2400);
	printf("L1: exit 0x%08x qualification 0x%lx guest-physical 0x%lx\n", reason, e->qual,
	       e->gpa);
	return reason == EXIT_EPT_VIOLATION;
}

int main(struct vx_boot_info *bi)
{
	(void)bi;
	page_a[0] = 0xaaaa;
	report(vmx_on() && vmx_load_vmcs(vmcs), "VMXON, VMPTRLD");
	vmx_setup_guest((u64)l2_main, (u64)l2_stack + sizeof(l2_stack) - 8, BIT(31));
	vmwrite(0x401e, vmx_ctl(4, BIT(1))); /* enable EPT */
	u64 eptp = build_ept();
	vmwrite(0x201a, eptp);
	struct vmx_regs regs = {0};
	struct ept_exit e = {0, 0};
	/* qualification: bits 2:0 access, 5:3 allowed, 7 linear address valid, 8 translated */
	bool ok = expect_violation(&regs, true, &e);
	report(ok && e.gpa == W && (e.qual & 0x1bf) == 0x181,
	       "read of an unmapped page: EPT violation 0x%lx", e.qual);
	map_w(page_a, EPT_R);
	ok = expect_violation(&regs, false, &e);
	report(l2_read1 == 0xaaaa, "L2 read page A through the mapping made without INVEPT");
	report(ok && e.gpa == W && (e.qual & 0x1bf) == 0x18a,
	       "write to the read-only page: violation, read allowed (0x%lx)", e.qual);
	map_w(page_b, EPT_R | EPT_W);
	invept_single(eptp);
	ok = expect_violation(&regs, false, &e);
	report(ok && e.gpa == W && (e.qual & 0x1bf) == 0x19c,
	       "fetch from a read/write page: violation, read and write allowed (0x%lx)", e.qual);
	report(page_b[0] == 0x2222 && l2_read2 == 0x2222 && page_a[0] == 0xaaaa,
	       "the write went to page B after INVEPT, and L2 read it back");
	map_w(page_b, EPT_W);
	invept_single(eptp);
	vmwrite(0x681e, (u64)l2_read_again);
	ok = vmx_run(&regs, false) == 0;
	u32 reason = ok ? (u32)vmread(0x4402) : 0;
	report(ok && reason == 49 && vmread(0x2400) == W,
	       "a write-only entry: EPT misconfiguration (reason %u) at 0x%lx", reason,
	       vmread(0x2400));
	vmwrite(0x681e, (u64)l2_end);
	report(vmx_run(&regs, false) == 0 && vmread(0x4402) == EXIT_VMCALL, "L2 ended (VMCALL)");
	return report_summary();
}
