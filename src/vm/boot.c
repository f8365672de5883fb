// SPDX-License-Identifier: MIT
/*
 * Boot state of a guest (DESIGN.md section 4): the processor starts directly in 64-bit mode,
 * as if a loader had gone through SDM Vol. 3A 9.8.5 "Initializing IA-32e Mode".
 *
 * - Paging: 4-level, identity map of the first 4 GiB and of all RAM with 2-MByte pages
 *   (4.5 "4-Level Paging", Table 4-17 "Format of a Page-Directory Entry that Maps a 2-MByte
 *   Page"): P, R/W and U/S set in every level, so device MMIO is reachable and the guest may
 *   take pages away itself.
 * - GDT: 3.4.5 "Segment Descriptors", 5.2.1 "Code-Segment Descriptor in 64-bit Mode" (L = 1,
 *   D = 0); the TSS descriptor is the 16-byte form of 7.2.3 "TSS Descriptor in 64-bit mode",
 *   marked busy because TR is loaded (as LTR would leave it).
 * - TSS: 7.7 "Task Management in 64-bit Mode", Figure 7-11 "64-Bit TSS Format": RSP0 = the
 *   loader stack top, IST1-7 = 0, I/O map base = the TSS size (no I/O permission bit map).
 * - CR0 = PE MP ET NE WP PG, CR4 = PAE OSFXSR OSXMMEXCPT, EFER = SCE LME LMA NXE (2.5
 *   "Control Registers", 2.2.1 "Extended Feature Enable Register"); RFLAGS = 2 (IF = 0).
 * - IA32_FEATURE_CONTROL: locked, with the enables the profile's features call for (SDM Vol.
 *   3C 23.7 "Enabling and Entering VMX Operation"; Vol. 3D 37.7.1 "Intel SGX Opt-In
 *   Configuration").
 */
#include "vm/boot.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/msr.h"
#include "vm/loader.h"
#include "vx/boot.h"
#include "vx/cpu.h"

#define GIB (1ull << 30)
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PS BIT(7)

/* VMX access rights (Table 24-2) of the boot segments: type, S, DPL, P, L, D/B, G. */
#define AR_CODE0 0xa09bu  /* execute/read, accessed; DPL 0; L = 1; G = 1 */
#define AR_DATA0 0xc093u  /* read/write, accessed; DPL 0; D/B = 1; G = 1 */
#define AR_CODE3 0xa0fbu  /* as AR_CODE0 with DPL 3 */
#define AR_DATA3 0xc0f3u  /* as AR_DATA0 with DPL 3 */
#define AR_TSS_BUSY 0x8bu /* 64-bit TSS (busy), present */
#define AR_UNUSABLE BIT(16)

static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

u64 vm_boot_pd_count(u64 ram_size)
{
	u64 gib = (ram_size + GIB - 1) / GIB;
	return gib < 4 ? 4 : gib;
}

/* Identity map with 2-MByte pages: PML4[0] -> PDPT, PDPT[i] -> PD i, PD i[j] -> 2 MiB page. */
static void build_page_tables(struct vx_phys *p, u64 npd)
{
	vx_phys_write(p, VX_BOOT_PML4_ADDR, 8, VX_BOOT_PDPT_ADDR | PTE_P | PTE_RW | PTE_US);
	for (u64 i = 0; i < npd; i++) {
		u64 pd = VX_BOOT_PD_ADDR + i * 4096;
		vx_phys_write(p, VX_BOOT_PDPT_ADDR + i * 8, 8, pd | PTE_P | PTE_RW | PTE_US);
		for (u64 j = 0; j < 512; j++)
			vx_phys_write(p, pd + j * 8, 8,
				      (i * GIB + (j << 21)) | PTE_P | PTE_RW | PTE_US | PTE_PS);
	}
}

/* A segment descriptor (3.4.5) from base, limit and VMX access rights. */
static u64 descriptor(u64 base, u32 limit, u32 ar)
{
	if (ar & BIT(15))
		limit >>= 12; /* G = 1: the limit is in 4-KByte units */
	return (limit & 0xffffull) | ((base & 0xffffffull) << 16) | ((u64)(ar & 0xff) << 40) |
	       ((u64)((limit >> 16) & 0xf) << 48) | ((u64)((ar >> 12) & 0xf) << 52) |
	       (((base >> 24) & 0xff) << 56);
}

static void build_gdt_tss(struct vx_phys *p)
{
	const u64 g = VX_BOOT_GDT_ADDR;
	vx_phys_write(p, g + 0x00, 8, 0);
	vx_phys_write(p, g + VX_SEL_CODE0, 8, descriptor(0, 0xffffffff, AR_CODE0));
	vx_phys_write(p, g + VX_SEL_DATA0, 8, descriptor(0, 0xffffffff, AR_DATA0));
	vx_phys_write(p, g + (VX_SEL_CODE3 & ~7u), 8, descriptor(0, 0xffffffff, AR_CODE3));
	vx_phys_write(p, g + (VX_SEL_DATA3 & ~7u), 8, descriptor(0, 0xffffffff, AR_DATA3));
	vx_phys_write(p, g + VX_SEL_TSS, 8,
		      descriptor(VX_BOOT_TSS_ADDR, VX_BOOT_TSS_SIZE - 1, AR_TSS_BUSY));
	vx_phys_write(p, g + VX_SEL_TSS + 8, 8, VX_BOOT_TSS_ADDR >> 32);

	static const u8 zero[VX_BOOT_TSS_SIZE];
	vx_phys_copy_in(p, VX_BOOT_TSS_ADDR, zero, sizeof(zero));
	vx_phys_write(p, VX_BOOT_TSS_ADDR + 4, 8, VX_BOOT_STACK_TOP);  /* RSP0 */
	vx_phys_write(p, VX_BOOT_TSS_ADDR + 102, 2, VX_BOOT_TSS_SIZE); /* I/O map base */
}

static void set_seg(struct vx_cpu *c, enum vx_seg s, u16 sel, u64 base, u32 limit, u32 ar)
{
	struct vx_segment v = {.sel = sel, .ar = ar, .limit = limit, .base = base};
	vx_cpu_set_seg(c, s, &v);
}

static u64 feature_control(const struct vx_cpu *c)
{
	unsigned f = vx_cpu_features(c);
	u64 v = MSR_IA32_FEATURE_CONTROL_LOCK_MASK;
	if (f & VX_FEAT_VMX)
		v |= MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	if (f & VX_FEAT_SGX1)
		v |= MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	if (f & VX_FEAT_SGX_LC)
		v |= MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK;
	return v;
}

static void load_cpu_state(struct vx_cpu *c, u64 entry)
{
	for (enum vx_reg r = VX_RAX; r <= VX_R15; r++)
		vx_cpu_set_reg(c, r, 0);
	set_seg(c, VX_CS, VX_SEL_CODE0, 0, 0xffffffff, AR_CODE0);
	for (enum vx_seg s = VX_ES; s <= VX_GS; s++)
		if (s != VX_CS)
			set_seg(c, s, VX_SEL_DATA0, 0, 0xffffffff, AR_DATA0);
	set_seg(c, VX_LDTR, 0, 0, 0, AR_UNUSABLE);
	set_seg(c, VX_TR, VX_SEL_TSS, VX_BOOT_TSS_ADDR, VX_BOOT_TSS_SIZE - 1, AR_TSS_BUSY);
	vx_cpu_set_gdtr(c, &(struct vx_dtable){VX_BOOT_GDT_ADDR, VX_GDT_ENTRIES * 8 - 1});
	vx_cpu_set_idtr(c, &(struct vx_dtable){0, 0});
	vx_cpu_set_msr(c, MSR_IA32_EFER, VX_BOOT_EFER);
	vx_cpu_set_reg(c, VX_CR3, VX_BOOT_PML4_ADDR);
	vx_cpu_set_reg(c, VX_CR4, VX_BOOT_CR4);
	vx_cpu_set_reg(c, VX_CR0, VX_BOOT_CR0);
	vx_cpu_set_reg(c, VX_RFLAGS, 0x2);
	vx_cpu_set_reg(c, VX_RIP, entry);
	vx_cpu_set_reg(c, VX_RSP, VX_BOOT_STACK_TOP);
	vx_cpu_set_reg(c, VX_RDI, VX_BOOT_INFO_ADDR);
	vx_cpu_set_msr(c, MSR_IA32_FEATURE_CONTROL, feature_control(c));
}

bool vm_boot_setup(struct vx_phys *phys, struct vx_cpu *cpu, const struct vm_boot_params *bp,
		   char *err, size_t errlen)
{
	u64 ram = vx_phys_ram_size(phys);
	u64 npd = vm_boot_pd_count(ram);
	if (VX_BOOT_PD_ADDR + npd * 4096 > VX_BOOT_STACK_BOTTOM || ram < VX_BOOT_RAM_MIN)
		return fail(err, errlen, "RAM size 0x%llx is outside the supported range",
			    (unsigned long long)ram);
	size_t arglen = bp->cmdline ? strlen(bp->cmdline) : 0;
	if (arglen >= VX_BOOT_CMDLINE_MAX)
		return fail(err, errlen, "--guest-args is %zu bytes long (at most %llu)", arglen,
			    (unsigned long long)VX_BOOT_CMDLINE_MAX - 1);
	u64 free_base = (bp->image_end + 4095) & ~4095ull;
	if (bp->image_end > ram || free_base > ram)
		return fail(err, errlen, "the image leaves no free RAM");
	u64 l2_image = 0;
	if (bp->l2_elf) {
		if (bp->l2_len > ram - free_base)
			return fail(err, errlen, "the L2 image (%zu bytes) does not fit in RAM",
				    bp->l2_len);
		l2_image = free_base;
		vx_phys_copy_in(phys, l2_image, bp->l2_elf, bp->l2_len);
		free_base = (l2_image + bp->l2_len + 4095) & ~4095ull;
	}

	build_page_tables(phys, npd);
	build_gdt_tss(phys);
	if (bp->cmdline)
		vx_phys_copy_in(phys, VX_BOOT_CMDLINE_ADDR, bp->cmdline, arglen + 1);
	struct vx_boot_info bi = {
	    .magic = VX_BOOT_INFO_MAGIC,
	    .version = VX_BOOT_INFO_VERSION,
	    .ram_size = ram,
	    .epc_base = bp->epc_base,
	    .epc_size = bp->epc_size,
	    .mmio_test_base = bp->mmio_test_base,
	    .console_port = bp->console_port,
	    .exit_port = bp->exit_port,
	    .timer_port = bp->timer_port,
	    .free_base = free_base,
	    .cmdline = bp->cmdline ? VX_BOOT_CMDLINE_ADDR : 0,
	    .l2_image = l2_image,
	    .l2_size = bp->l2_elf ? bp->l2_len : 0,
	};
	vx_phys_copy_in(phys, VX_BOOT_INFO_ADDR, &bi, sizeof(bi));
	load_cpu_state(cpu, bp->entry);
	return true;
}

bool vm_boot_elf(struct vx_phys *phys, struct vx_cpu *cpu, const void *elf, size_t len,
		 const char *cmdline, u64 epc_size, const void *l2_elf, size_t l2_len, char *err,
		 size_t errlen)
{
	struct vm_image img;
	if (!vm_elf_load(phys, elf, len, &img, err, errlen))
		return false;
	struct vm_boot_params bp = {
	    .entry = img.entry,
	    .image_end = img.hi,
	    .mmio_test_base = VX_MMIO_TEST_BASE,
	    .console_port = VX_PORT_CONSOLE,
	    .exit_port = VX_PORT_EXIT,
	    .timer_port = VX_PORT_TIMER,
	    .cmdline = cmdline,
	    .l2_elf = l2_elf,
	    .l2_len = l2_len,
	    .epc_base = epc_size ? VX_EPC_BASE : 0,
	    .epc_size = epc_size,
	};
	return vm_boot_setup(phys, cpu, &bp, err, errlen);
}
