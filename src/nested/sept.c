// SPDX-License-Identifier: MIT
/*
 * Shadow EPT (DESIGN.md section 3): when L1 runs L2 with EPT, L2's guest-physical addresses
 * go through two translations, L1's EPT (L2 GPA -> L1 GPA, vmcs12's EPTP, in L1's memory) and
 * L0's (L1 GPA -> host-physical).  The processor walks one EPT, so L0 composes them into
 * shadow tables in its own memory (SDM Vol. 3C 28.2.2 "EPT Translation Mechanism", Tables
 * 28-1..28-6 for the entry formats L1's tables use).
 *
 * The shadow is built from L1's current tables (vmcs02.c decides when: a whole build, INVEPT,
 * a stale violation, D67).  Each leaf of L1's EPT (1-GByte, 2-MByte or 4-KByte page) becomes
 * 2-MByte shadow leaves where L0 backs the whole 2-MByte range the same way, 4-KByte ones
 * otherwise, whose host page is L0's translation of the L1 page (guest RAM: the same address;
 * the guest's EPC: the host EPC; the MMIO test device: the misconfigured entry L0 uses for it,
 * so L0 emulates the access; anything else: not present), with the AND of L1's rights on the
 * path and L1's memory type.  Ranges L1 does not map are not present in the shadow: an access
 * there is an EPT violation that L0 reflects to L1.  A misconfigured entry of L1's is a
 * misconfigured shadow entry: an EPT misconfiguration that L0 reflects to L1.
 */
#include "arch/vmx.h"
#include "nested/nested.h"

#define ADDR_MASK 0x000ffffffffff000ull

struct sept {
	struct hv_vcpu *v;
	u64 pool, npages, used;
	u64 root;
	bool full;
};

static u64 new_table(struct sept *s)
{
	if (s->used >= s->npages) {
		s->full = true;
		return 0;
	}
	u64 pa = s->pool + s->used++ * 4096;
	static const u8 zero[4096];
	vx_phys_copy_in(s->v->phys, pa, zero, sizeof(zero));
	return pa;
}

/* The shadow table below entry `idx` of table `t` (created on demand). */
static u64 next_table(struct sept *s, u64 t, unsigned idx)
{
	u64 e = vx_phys_read(s->v->phys, t + 8ull * idx, 8);
	if (e & EPT_RWX)
		return e & ADDR_MASK;
	u64 n = new_table(s);
	if (n)
		vx_phys_write(s->v->phys, t + 8ull * idx, 8, n | EPT_RWX);
	return n;
}

/* L0's host page for L1's guest-physical page gpa1; false: none (not present). */
static bool l0_page(const struct hv_vcpu *v, u64 gpa1, u64 *hpa, bool *mmio)
{
	*mmio = false;
	if (hv_gpa_is_ram(v, gpa1, 4096)) {
		*hpa = gpa1;
		return true;
	}
	if (v->lay.epc_size && gpa1 - VX_EPC_BASE < v->lay.epc_size) {
		*hpa = HV_HOST_EPC_BASE + (gpa1 - VX_EPC_BASE);
		return true;
	}
	if (hv_gpa_is_mmio(v, gpa1)) {
		*mmio = true;
		*hpa = 0;
		return true;
	}
	return false;
}

/* One 4-KByte shadow leaf for L2 page gpa2 -> L1 page gpa1 with L1's leaf bits. */
static void map_page(struct sept *s, u64 gpa2, u64 gpa1, u64 l1_leaf)
{
	u64 hpa;
	bool mmio;
	if (!l0_page(s->v, gpa1, &hpa, &mmio))
		return;
	u64 t = s->root;
	for (int level = 3; level > 0 && t; level--)
		t = next_table(s, t, (unsigned)((gpa2 >> (12 + 9 * level)) & 511));
	if (!t)
		return;
	u64 e = mmio ? EPT_RWX | ((u64)HV_EPT_MT_MISCONFIG << 3)
		     : hpa | (l1_leaf & (EPT_RWX | EPT_MT_MASK | EPT_IPAT));
	vx_phys_write(s->v->phys, t + 8 * ((gpa2 >> 12) & 511), 8, e);
}

/* How L0 backs a 2-MByte range of L1 guest-physical space: all RAM, all EPC, nothing, or a
 * mix (then 4-KByte leaves). */
enum backing { B_NONE, B_RAM, B_EPC, B_MIXED };

static enum backing backing_2m(const struct hv_vcpu *v, u64 gpa1)
{
	const u64 m2 = 1ull << 21;
	if (hv_gpa_is_ram(v, gpa1, m2))
		return B_RAM;
	if (v->lay.epc_size && gpa1 - VX_EPC_BASE < v->lay.epc_size &&
	    v->lay.epc_size - (gpa1 - VX_EPC_BASE) >= m2)
		return B_EPC;
	bool ram = gpa1 < v->ram, epc = v->lay.epc_size && gpa1 + m2 > VX_EPC_BASE &&
					gpa1 < VX_EPC_BASE + v->lay.epc_size;
	bool dev = VX_MMIO_TEST_BASE - gpa1 < m2;
	return ram || epc || dev ? B_MIXED : B_NONE;
}

/* A 2-MByte shadow leaf (Table 28-4) for L2 range gpa2 -> host hpa with L1's leaf bits. */
static void map_2m(struct sept *s, u64 gpa2, u64 hpa, u64 l1_leaf)
{
	u64 t = s->root;
	for (int level = 3; level > 1 && t; level--)
		t = next_table(s, t, (unsigned)((gpa2 >> (12 + 9 * level)) & 511));
	if (t)
		vx_phys_write(s->v->phys, t + 8 * ((gpa2 >> 21) & 511), 8,
			      hpa | EPT_LARGE | (l1_leaf & (EPT_RWX | EPT_MT_MASK | EPT_IPAT)));
}

/* An L1 leaf of `size` bytes: 2-MByte shadow leaves where L0 backs a whole 2-MByte range the
 * same way, 4-KByte ones where it does not. */
static void map_leaf(struct sept *s, u64 gpa2, u64 gpa1, u64 size, u64 e)
{
	const u64 m2 = 1ull << 21;
	if (size < m2) {
		map_page(s, gpa2, gpa1, e);
		return;
	}
	for (u64 off = 0; off < size && !s->full; off += m2) {
		switch (backing_2m(s->v, gpa1 + off)) {
		case B_RAM: map_2m(s, gpa2 + off, gpa1 + off, e); break;
		case B_EPC:
			map_2m(s, gpa2 + off, HV_HOST_EPC_BASE + (gpa1 + off - VX_EPC_BASE), e);
			break;
		case B_MIXED:
			for (u64 p = 0; p < m2 && !s->full; p += 4096)
				map_page(s, gpa2 + off + p, gpa1 + off + p, e);
			break;
		default: break;
		}
	}
}

/* A misconfigured entry of L1's (28.2.3.1) becomes a misconfigured shadow entry at the same
 * level (bits 2:0 = 010b, write-only), so an access through it is an EPT misconfiguration that
 * L0 passes to L1 (l2.c). */
static void map_misconfig(struct sept *s, u64 gpa2, int level)
{
	u64 t = s->root;
	for (int l = 4; l > level && t; l--)
		t = next_table(s, t, (unsigned)((gpa2 >> (12 + 9 * (l - 1))) & 511));
	if (t)
		vx_phys_write(s->v->phys, t + 8 * ((gpa2 >> (12 + 9 * (level - 1))) & 511), 8, 2);
}

/* L1's table at L1 guest-physical `table`, level 4 (PML4) .. 1 (PT), covering L2 GPA base;
 * `rights` are bits 2:0 of the entries above (an access needs them at every level, 28.2.3.2),
 * so a shadow leaf carries the AND of L1's path. */
static void walk(struct sept *s, u64 table, int level, u64 base, u64 rights)
{
	if (level < 1 || !hv_gpa_is_ram(s->v, table, 4096))
		return;
	for (unsigned i = 0; i < 512 && !s->full; i++) {
		u64 e = vx_phys_read(s->v->phys, table + 8ull * i, 8);
		if (!(e & EPT_RWX))
			continue;
		u64 gpa2 = base + ((u64)i << (12 + 9 * (level - 1)));
		if (vx_ept_misconfigured(s->v->cpu, e, level)) {
			map_misconfig(s, gpa2, level);
			continue;
		}
		bool leaf = level == 1 || ((level == 2 || level == 3) && (e & EPT_LARGE));
		if (!leaf) {
			walk(s, e & ADDR_MASK, level - 1, gpa2, rights & e);
			continue;
		}
		e = (e & ~EPT_RWX) | (e & rights & EPT_RWX);
		if (!(e & EPT_RWX))
			continue;
		u64 size = 1ull << (12 + 9 * (level - 1));
		map_leaf(s, gpa2, e & ADDR_MASK & ~(size - 1), size, e);
	}
}

bool nested_shadow_ept(struct hv_vcpu *v, u64 eptp12, u64 *eptp02)
{
	struct sept s = {.v = v, .pool = v->lay.sept, .npages = v->lay.sept_pages};
	s.root = new_table(&s);
	if (!s.root)
		return false;
	walk(&s, eptp12 & ADDR_MASK, 4, 0, EPT_RWX);
	if (s.full)
		return false;
	/* EPTP (Table 24-8): WB paging structures, a 4-level walk, L1's A/D-flag choice. */
	*eptp02 = s.root | EPTP_MT_WB | EPTP_PWL_4 | (eptp12 & EPTP_AD);
	return true;
}

/* The walk of L1's EPT (28.2.2) for L2's gpa: what stopped it (an entry not present or not in
 * L1's RAM, a misconfigured entry, 28.2.3.1) or the L1 guest-physical address and the AND of
 * the rights on the path. */
enum l1_walk { L1W_MAPPED, L1W_NOT_PRESENT, L1W_MISCONFIG };

static enum l1_walk l1_walk(struct hv_vcpu *v, struct nested *n, u64 gpa, u64 *l1, u64 *rights)
{
	u64 table = n->eptp12 & ADDR_MASK;
	*rights = EPT_RWX;
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		u64 pa = table + 8 * ((gpa >> shift) & 511);
		if (!hv_gpa_is_ram(v, pa, 8))
			return L1W_NOT_PRESENT;
		u64 e = vx_phys_read(v->phys, pa, 8);
		if (!(e & EPT_RWX))
			return L1W_NOT_PRESENT;
		if (vx_ept_misconfigured(v->cpu, e, level))
			return L1W_MISCONFIG;
		*rights &= e;
		if (level == 1 || ((level == 2 || level == 3) && (e & EPT_LARGE))) {
			u64 size = 1ull << shift;
			*l1 = (e & ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
			return L1W_MAPPED;
		}
		table = e & ADDR_MASK;
	}
	return L1W_NOT_PRESENT;
}

bool nested_l1_ept_walk(struct hv_vcpu *v, struct nested *n, u64 gpa, u64 *l1, u64 *rights)
{
	return l1_walk(v, n, gpa, l1, rights) == L1W_MAPPED;
}

bool nested_l1_ept_misconfig(struct hv_vcpu *v, struct nested *n, u64 gpa)
{
	u64 l1, rights;
	return l1_walk(v, n, gpa, &l1, &rights) == L1W_MISCONFIG;
}

/* L1's EPT walked for L2's guest-physical address gpa (28.2.2): the L1 guest-physical address,
 * or false when an entry on the way is not present (bits 2:0 = 0) or not in L1's RAM. */
bool nested_l2_gpa(struct hv_vcpu *v, void *state, u64 gpa, u64 *l1)
{
	struct nested *n = state;
	u64 rights;
	*l1 = gpa;
	return !n->guest_mode || !n->ept12 || nested_l1_ept_walk(v, n, gpa, l1, &rights);
}
