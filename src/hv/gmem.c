// SPDX-License-Identifier: MIT
/*
 * Guest memory as L0 sees it: guest-physical accesses (guest RAM is host RAM at the same
 * address, ept.c; the MMIO test device; nothing else answers) and the guest's own paging,
 * walked in software from GUEST_CR3 as KVM's emulator walks it (paging_tmpl.h).
 *
 * The walk is IA-32e paging, SDM Vol. 3A 4.5 "IA-32e Paging" (Tables 4-14 .. 4-19: PML4E,
 * PDPTE mapping a 1-GByte page or referencing a PD, PDE mapping a 2-MByte page or referencing
 * a PT, PTE), with the reserved-bit checks of 4.5 ("bits 51:MAXPHYADDR", bit 7 of a PML4E,
 * bits 29:13 of a 1-GByte PDPTE and 20:13 of a 2-MByte PDE, XD (bit 63) when IA32_EFER.NXE =
 * 0), the access rights of 4.6 "Access Rights" (user accesses need U/S = 1 at every level;
 * writes need R/W = 1 at every level for user accesses and, when CR0.WP = 1, for supervisor
 * accesses; an instruction fetch from a page with XD = 1 faults when IA32_EFER.NXE = 1; SMEP
 * forbids supervisor fetches from user pages, SMAP supervisor data accesses to user pages when
 * RFLAGS.AC = 0 or the access is implicit) and the page-fault error code of 4.7 "Page-Fault
 * Exceptions" (P, W/R, U/S, RSVD, I/D).  Paging-structure entries are read from guest RAM only;
 * an entry elsewhere makes the walk impossible (*pfec = ~0).  Accessed and dirty flags are not
 * set: the accesses L0 emulates were already translated by the processor, which set them.
 */
#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PS BIT(7)
#define PTE_XD BIT(63)
#define PF_P BIT(0)
#define PF_W BIT(1)
#define PF_U BIT(2)
#define PF_RSVD BIT(3)
#define PF_ID BIT(4)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define EFER_NXE BIT(11)
#define RFLAGS_AC BIT(18)

/* ---- guest-physical accesses ---- */

bool hv_gpa_is_ram(const struct hv_vcpu *v, u64 gpa, u64 len)
{
	return gpa < v->ram && v->ram - gpa >= len;
}

bool hv_gpa_is_mmio(const struct hv_vcpu *v, u64 gpa)
{
	(void)v; /* the device is at its fixed address (include/vx/boot.h) */
	return gpa - VX_MMIO_TEST_BASE < VX_MMIO_TEST_SIZE;
}

static u64 size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* The MMIO test device: registers read back the bytes last written (little-endian); bytes past
 * the device's end read as all ones and are not written. */
static u64 mmio_read(struct hv_vcpu *v, u64 gpa, unsigned size)
{
	u64 off = gpa - VX_MMIO_TEST_BASE, val = 0;
	for (unsigned i = 0; i < size; i++) {
		u64 b = off + i < VX_MMIO_TEST_SIZE ? v->mmio[off + i] : 0xff;
		val |= b << (8 * i);
	}
	trace_mmio(v->trace, 0, v->lvl, false, gpa, size, val);
	return val;
}

static void mmio_write(struct hv_vcpu *v, u64 gpa, unsigned size, u64 val)
{
	u64 off = gpa - VX_MMIO_TEST_BASE;
	for (unsigned i = 0; i < size && off + i < VX_MMIO_TEST_SIZE; i++)
		v->mmio[off + i] = (u8)(val >> (8 * i));
	trace_mmio(v->trace, 0, v->lvl, true, gpa, size, val);
}

u64 hv_gpa_read(struct hv_vcpu *v, u64 gpa, unsigned size)
{
	if (hv_gpa_is_ram(v, gpa, size))
		return vx_phys_read(v->phys, gpa, size);
	if (hv_gpa_is_mmio(v, gpa))
		return mmio_read(v, gpa, size);
	return size_mask(size); /* no device answers */
}

void hv_gpa_write(struct hv_vcpu *v, u64 gpa, unsigned size, u64 val)
{
	if (hv_gpa_is_ram(v, gpa, size))
		vx_phys_write(v->phys, gpa, size, val);
	else if (hv_gpa_is_mmio(v, gpa))
		mmio_write(v, gpa, size, val);
}

bool hv_l1_gpa(struct hv_vcpu *v, u64 gpa, u64 *l1)
{
	*l1 = gpa;
	return !v->nested || !v->cfg.nested->l2_gpa || v->cfg.nested->l2_gpa(v, v->nested, gpa, l1);
}

/* ---- the guest's paging ---- */

struct walk {
	enum hv_access acc;
	bool user;   /* a user-mode access (CPL 3, not implicit supervisor) */
	bool nxe;    /* XD is a flag, not a reserved bit */
	u64 rsvd_hi; /* bits 51:MAXPHYADDR */
	bool all_user, all_write, xd;
};

/* Reserved bits of an entry at `level` (4 = PML4E .. 1 = PTE) that is present. */
static bool reserved(const struct walk *w, u64 e, unsigned level)
{
	if ((e & w->rsvd_hi) || ((e & PTE_XD) && !w->nxe))
		return true;
	if (level == 4)
		return e & PTE_PS;
	if (level == 3 && (e & PTE_PS))
		return e & GENMASK(29, 13);
	if (level == 2 && (e & PTE_PS))
		return e & GENMASK(20, 13);
	return false;
}

/* 4.6: may this access go to the page the walk reached? */
static bool allowed(struct hv_vcpu *v, const struct walk *w, bool implicit_sup)
{
	u64 cr0 = hv_vmread(v, VMCS_GUEST_CR0), cr4 = hv_vmread(v, VMCS_GUEST_CR4);
	bool write = w->acc == HV_ACC_WRITE, fetch = w->acc == HV_ACC_FETCH;
	if (fetch && w->xd)
		return false;
	if (w->user)
		return w->all_user && (!write || w->all_write);
	if (write && !w->all_write && (cr0 & CR0_WP))
		return false;
	if (fetch && w->all_user && (cr4 & CR4_SMEP))
		return false;
	bool ac = hv_vmread(v, VMCS_GUEST_RFLAGS) & RFLAGS_AC;
	if (!fetch && w->all_user && (cr4 & CR4_SMAP) && (implicit_sup || !ac))
		return false;
	return true;
}

static u32 pf_error(struct hv_vcpu *v, const struct walk *w, u32 bits)
{
	u32 e = bits;
	if (w->acc == HV_ACC_WRITE)
		e |= PF_W;
	if (w->user)
		e |= PF_U;
	if (w->acc == HV_ACC_FETCH && (w->nxe || (hv_vmread(v, VMCS_GUEST_CR4) & CR4_SMEP)))
		e |= PF_ID;
	return e;
}

/* Walks from CR3 to the leaf; *pfec holds the fault bits (or ~0u) when it returns false. */
static bool walk_tables(struct hv_vcpu *v, struct walk *w, u64 gla, u64 *gpa, u32 *pfec)
{
	u64 addr_mask = GENMASK(51, 12) & ~w->rsvd_hi;
	u64 table = hv_vmread(v, VMCS_GUEST_CR3) & addr_mask;
	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 pa;
		if (!hv_l1_gpa(v, table + ((gla >> shift) & 511) * 8, &pa) ||
		    !hv_gpa_is_ram(v, pa, 8)) {
			*pfec = ~0u;
			return false;
		}
		u64 e = vx_phys_read(v->phys, pa, 8);
		if (!(e & PTE_P)) {
			*pfec = 0;
			return false;
		}
		if (reserved(w, e, level)) {
			*pfec = PF_P | PF_RSVD;
			return false;
		}
		w->all_user &= !!(e & PTE_US);
		w->all_write &= !!(e & PTE_RW);
		w->xd |= w->nxe && (e & PTE_XD);
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			u64 page = GENMASK(51, shift) & ~w->rsvd_hi;
			*gpa = (e & page) | (gla & GENMASK(shift - 1, 0));
			if (!hv_l1_gpa(v, *gpa, gpa)) {
				*pfec = ~0u; /* L1's EPT does not map it: L0 cannot go on */
				return false;
			}
			return true;
		}
		table = e & addr_mask;
	}
	return false; /* not reached: level 1 always ends the walk */
}

bool hv_gla_to_gpa(struct hv_vcpu *v, u64 gla, enum hv_access acc, bool implicit_sup, u64 *gpa,
		   u32 *pfec)
{
	u64 efer = hv_vmread(v, VMCS_GUEST_IA32_EFER);
	*pfec = 0;
	if (!(hv_vmread(v, VMCS_GUEST_CR0) & CR0_PG)) {
		if (hv_l1_gpa(v, gla, gpa))
			return true;
		*pfec = ~0u;
		return false;
	}
	if (!(efer & MSR_IA32_EFER_LMA_MASK)) {
		*pfec =
		    ~0u; /* 32-bit and PAE paging: legacy modes are out of scope (DESIGN.md 2) */
		return false;
	}
	unsigned maxphy = v->maxphyaddr ? v->maxphyaddr : 52;
	struct walk w = {
	    .acc = acc,
	    .user = hv_guest_cpl(v) == 3 && !implicit_sup,
	    .nxe = efer & EFER_NXE,
	    .rsvd_hi = maxphy < 52 ? GENMASK(51, maxphy) : 0,
	    .all_user = true,
	    .all_write = true,
	};
	if (!walk_tables(v, &w, gla, gpa, pfec)) {
		if (*pfec != ~0u)
			*pfec = pf_error(v, &w, *pfec);
		return false;
	}
	if (!allowed(v, &w, implicit_sup)) {
		*pfec = pf_error(v, &w, PF_P);
		return false;
	}
	return true;
}
