// SPDX-License-Identifier: MIT
/*
 * The boot protocol seen from inside (DESIGN.md section 4): control registers, EFER, RFLAGS,
 * segment selectors, GDT/TSS/IDT, IA32_FEATURE_CONTROL, the stack, struct vx_boot_info and
 * the --guest-args string.  Run with --guest-args "alpha beta=1" --mem 96M.
 */
#include "guest.h"

extern char __image_end[];

static void check_registers(struct vx_boot_info *bi, u64 rsp_at_main)
{
	report(read_cr0() == VX_BOOT_CR0, "CR0 = 0x%lx", read_cr0());
	report(read_cr4() == VX_BOOT_CR4, "CR4 = 0x%lx", read_cr4());
	report(rdmsr(MSR_EFER) == VX_BOOT_EFER, "EFER = 0x%lx", rdmsr(MSR_EFER));
	report(read_cr3() == VX_BOOT_PML4_ADDR, "CR3 = 0x%lx", read_cr3());
	report(!(read_rflags() & X86_RFLAGS_IF), "interrupts off at entry");
	report(read_cs() == VX_SEL_CODE0 && read_ss() == VX_SEL_DATA0 && read_ds() == VX_SEL_DATA0,
	       "CS 0x%x SS 0x%x DS 0x%x", read_cs(), read_ss(), read_ds());
	report(str() == VX_SEL_TSS, "TR = 0x%x", str());
	report(rsp_at_main < VX_BOOT_STACK_TOP && rsp_at_main > VX_BOOT_STACK_TOP - 256,
	       "running on the loader stack (RSP 0x%lx)", rsp_at_main);
	report((u64)bi == VX_BOOT_INFO_ADDR, "RDI at entry = &vx_boot_info");
}

static void check_tables(void)
{
	struct dtr64 g, i;
	sgdt(&g);
	sidt(&i);
	report(g.base == VX_BOOT_GDT_ADDR && g.limit == VX_GDT_ENTRIES * 8 - 1, "GDTR 0x%lx/0x%x",
	       g.base, g.limit);
	report(i.limit == 0, "IDTR limit 0");
	const u64 *gdt = (const u64 *)g.base;
	/* type/S/DPL/P byte and the L bit of each descriptor */
	report(((gdt[1] >> 40) & 0xff) == 0x9b && (gdt[1] >> 53 & 1), "0x08: code64 DPL0");
	report(((gdt[2] >> 40) & 0xff) == 0x93, "0x10: data DPL0");
	report(((gdt[3] >> 40) & 0xff) == 0xfb && (gdt[3] >> 53 & 1), "0x1b: code64 DPL3");
	report(((gdt[4] >> 40) & 0xff) == 0xf3, "0x23: data DPL3");
	report(((gdt[5] >> 40) & 0xff) == 0x8b, "0x28: busy 64-bit TSS");
	u64 rsp0 = *(const u64 *)(VX_BOOT_TSS_ADDR + 4);
	report(rsp0 == VX_BOOT_STACK_TOP, "TSS.RSP0 = stack top 0x%lx", rsp0);
	/* Identity map, 2 MiB pages, U/S = 1 (PML4E, PDPTE, PDE of the MMIO test device). */
	const u64 *pml4 = (const u64 *)read_cr3();
	const u64 *pdpt = (const u64 *)(pml4[0] & ~0xfffull);
	const u64 *pd = (const u64 *)(pdpt[3] & ~0xfffull);
	u64 pde = pd[(VX_MMIO_TEST_BASE >> 21) & 511];
	report((pml4[0] & 7) == 7 && (pdpt[3] & 7) == 7 && (pde & 0x87) == 0x87 &&
		   (pde & ~0x1fffffull & 0xffffffffffull) == (VX_MMIO_TEST_BASE & ~0x1fffffull),
	       "identity 2 MiB page for the MMIO device: PDE 0x%lx", pde);
}

static void check_boot_info(struct vx_boot_info *bi)
{
	report(bi->magic == VX_BOOT_INFO_MAGIC && bi->version == 1, "magic and version");
	report(bi->ram_size == (96ull << 20), "ram_size = 0x%lx (--mem 96M)", bi->ram_size);
	report(bi->epc_base == 0 && bi->epc_size == 0, "no EPC in bare mode");
	report(bi->mmio_test_base == VX_MMIO_TEST_BASE, "mmio_test_base");
	report(bi->console_port == 0xe9 && bi->exit_port == 0xf4, "console and exit ports");
	report(bi->timer_port == VX_PORT_TIMER && bi->reserved == 0, "timer port");
	report(bi->free_base == (u64)__image_end, "free_base 0x%lx = image end", bi->free_base);
	report(bi->l2_image == 0 && bi->l2_size == 0, "no L2 image");
	const char *args = (const char *)bi->cmdline;
	report(args && !strcmp(args, "alpha beta=1"), "cmdline \"%s\"", args ? args : "(none)");
}

static void check_feature_control(void)
{
	u32 r[4];
	cpuid(1, 0, r);
	bool vmx = r[2] & BIT(5);
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	report((fc & 1) && !!(fc & BIT(2)) == vmx && !(fc & BIT(18)),
	       "IA32_FEATURE_CONTROL 0x%lx: locked, VMX outside SMX %s, no SGX", fc,
	       vmx ? "on" : "off");
}

int main(struct vx_boot_info *bi)
{
	u64 rsp = read_rsp();
	check_registers(bi, rsp);
	check_tables();
	check_boot_info(bi);
	check_feature_control();
	return report_summary();
}
