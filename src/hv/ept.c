// SPDX-License-Identifier: MIT
/*
 * L0's extended page tables for its guest: SDM Vol. 3C 28.2.2 "EPT Translation Mechanism"
 * (Table 28-1 "Format of an EPT PML4 Entry (PML4E)", 28-3 "Format of an EPT
 * Page-Directory-Pointer-Table Entry (PDPTE) that References an EPT Page Directory", 28-4
 * "Format of an EPT Page-Directory Entry (PDE) that Maps a 2-MByte Page", 28-5 "... that
 * References an EPT Page Table", 28-6 "Format of an EPT Page-Table Entry that Maps a 4-KByte
 * Page"), 24.6.11 "Extended-Page-Table Pointer (EPTP)" (Table 24-8).
 *
 * The map (the guest-physical memory map of DESIGN.md section 4):
 *   - guest RAM [0, ram) is identity-mapped to its host backing (guest-physical address =
 *     host-physical address), read/write/execute, memory type WB (6), with 2-MByte pages
 *     where the processor allows them (A.10, IA32_VMX_EPT_VPID_CAP[16]) and 4-KByte pages for
 *     a tail that is not 2-MByte aligned;
 *   - the 4-KByte page of the MMIO test device has read/write/execute with EPT memory type 2,
 *     a reserved value: every access is an EPT misconfiguration (28.2.3.1 "EPT
 *     Misconfigurations": "the value of bits 5:3 (EPT memory type) is 2, 3, or 7"), the exit
 *     L0 turns into MMIO emulation (KVM's trick for MMIO pages);
 *   - everything else is not present (bits 2:0 = 000b): an access is an EPT violation (28.2.3.2
 *     "EPT Violations"), which L0 emulates as "no device answers" (reads all ones).
 * The tables cover the first 4 GiB of guest-physical space (one PDPT, four page directories):
 * guest RAM ends at 3 GiB and the device lies below 4 GiB (include/vx/boot.h).
 */
#include "arch/vmx.h"
#include "hv/vcpu.h"

#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define NPD 4u

/* Page tables needed for the 2-MByte regions [0, ram) (all of them without 2-MByte pages,
 * else the one holding a tail) plus the device's region when it is not one of them. */
u64 hv_ept_pages(u64 ram_size, u64 mmio_base, bool use_2m)
{
	u64 regions = (ram_size + MIB2 - 1) / MIB2;
	u64 pts = use_2m ? (ram_size % MIB2 ? 1 : 0) : regions;
	if (mmio_base / MIB2 >= regions)
		pts++;
	return 2 + NPD + pts; /* PML4, PDPT, 4 PDs, PTs */
}

struct ept_builder {
	struct vx_phys *p;
	u64 base, next; /* next free table page */
	u64 ram, mmio;
};

static u64 new_table(struct ept_builder *b)
{
	u64 pa = b->next;
	b->next += 4096;
	return pa;
}

static u64 pd_of(const struct ept_builder *b, u64 gpa)
{
	return b->base + (2 + gpa / GIB) * 4096;
}

/* The PT of a 2-MByte region: 4-KByte RAM pages below ram, the device page, the rest not
 * present (the page is zero already). */
static void fill_pt(struct ept_builder *b, u64 region)
{
	u64 pt = new_table(b);
	vx_phys_write(b->p, pd_of(b, region) + ((region / MIB2) % 512) * 8, 8, pt | EPT_RWX);
	for (u64 k = 0; k < 512; k++) {
		u64 gpa = region + k * 4096, e = 0;
		if (gpa < b->ram)
			e = gpa | EPT_RWX | (EPT_MT_WB << EPT_MT_SHIFT);
		else if (gpa == b->mmio)
			e = EPT_RWX | ((u64)HV_EPT_MT_MISCONFIG << EPT_MT_SHIFT);
		if (e)
			vx_phys_write(b->p, pt + k * 8, 8, e);
	}
}

u64 hv_ept_build(struct vx_phys *p, u64 base, u64 ram_size, u64 mmio_base, bool use_2m,
		 u8 walk_memtype)
{
	struct ept_builder b = {
	    .p = p,
	    .base = base,
	    .next = base + (2 + NPD) * 4096,
	    .ram = ram_size,
	    .mmio = mmio_base & ~4095ull,
	};
	static const u8 zero[4096];
	for (u64 k = 0; k < hv_ept_pages(ram_size, mmio_base, use_2m); k++)
		vx_phys_copy_in(p, base + k * 4096, zero, sizeof(zero));
	/* PML4E 0 -> PDPT; PDPTE i -> PD i (Tables 28-1, 28-3): RWX, so the leaves decide. */
	vx_phys_write(p, base, 8, (base + 4096) | EPT_RWX);
	for (u64 i = 0; i < NPD; i++)
		vx_phys_write(p, base + 4096 + i * 8, 8, pd_of(&b, i * GIB) | EPT_RWX);
	for (u64 region = 0; region < ram_size; region += MIB2) {
		if (use_2m && ram_size - region >= MIB2)
			vx_phys_write(p, pd_of(&b, region) + ((region / MIB2) % 512) * 8, 8,
				      region | EPT_RWX | (EPT_MT_WB << EPT_MT_SHIFT) | EPT_LARGE);
		else
			fill_pt(&b, region);
	}
	u64 dev_region = b.mmio & ~(MIB2 - 1);
	if (dev_region >= ((ram_size + MIB2 - 1) & ~(MIB2 - 1)))
		fill_pt(&b, dev_region);
	/* EPTP (Table 24-8): bits 2:0 memory type of the paging structures, bits 5:3 the walk
	 * length minus 1, bit 6 (A/D flags) 0, bits N-1:12 the PML4 table. */
	return base | EPTP_PWL_4 | walk_memtype;
}

/*
 * The guest's EPC section: guest-physical [gpa, gpa + size) mapped to host EPC pages at hpa
 * with 4-KByte EPT pages (read/write/execute, WB), in page tables from `tables` on (one per
 * 2-MByte region; gpa is 2-MByte aligned and below 4 GiB).  "Guest EPC backed by host EPC"
 * (Linux's virtual EPC: the guest's EPC pages are real EPC pages of the host).
 */
void hv_ept_map_epc(struct vx_phys *p, u64 base, u64 tables, u64 gpa, u64 hpa, u64 size)
{
	static const u8 zero[4096];
	struct ept_builder b = {.p = p, .base = base, .next = tables};
	for (u64 region = gpa; region < gpa + size; region += MIB2) {
		u64 pt = new_table(&b);
		vx_phys_copy_in(p, pt, zero, sizeof(zero));
		vx_phys_write(p, pd_of(&b, region) + ((region / MIB2) % 512) * 8, 8, pt | EPT_RWX);
		for (u64 k = 0; k < 512 && region + k * 4096 < gpa + size; k++)
			vx_phys_write(p, pt + k * 8, 8,
				      (hpa + (region - gpa) + k * 4096) | EPT_RWX |
					  (EPT_MT_WB << EPT_MT_SHIFT));
	}
}
