// SPDX-License-Identifier: MIT
/*
 * CPUID lookup over a profile's table (SDM Vol. 2A "CPUID—CPU Identification").
 *
 * Leaf selection: "If a value entered for CPUID.EAX is higher than the maximum input value
 * for basic or extended function for that processor then the data for the highest basic
 * information leaf is returned."  The maximum basic leaf is CPUID.0:EAX, the maximum
 * extended leaf CPUID.80000000H:EAX.  Leaves at or below the maximum that the profile does
 * not list, and sub-leaves a leaf does not define, return zeros (the SDM's "reserved"
 * outputs; leaf 12H sub-leaves past the last EPC section are type 0, all zeros, Table 37-6).
 */
#include "cpu/cpuid.h"

#include <string.h>

#include "cpu/flags.h"
#include "cpu/profile.h"

#define CR4_OSXSAVE BIT(18)

const struct cpuid_field_info cpuid_fields[CPUID_F_COUNT] = {
#define CPUID_FIELD(name, lf, sub, reg, l, h, d) \
	[CPUID_F_##name] = {lf, sub, CPUID_##reg, l, h, #name, d},
#include "arch/cpuid_fields.def"
};

static const struct cpuid_leaf *find_row(const struct cpu_profile *p, u32 leaf, u32 subleaf)
{
	for (unsigned k = 0; k < p->nleaves && k < CPU_PROFILE_MAX_LEAVES; k++) {
		const struct cpuid_leaf *l = &p->leaves[k];
		if (l->leaf == leaf && (!l->indexed || l->subleaf == subleaf))
			return l;
	}
	return NULL;
}

static u32 max_leaf(const struct cpu_profile *p, u32 base)
{
	const struct cpuid_leaf *l = find_row(p, base, 0);
	return l ? l->r[CPUID_EAX] : 0;
}

/* The leaf the instruction really reads for an input EAX (the out-of-range rule above). */
static u32 effective_leaf(const struct cpu_profile *p, u32 leaf)
{
	u32 max_basic = max_leaf(p, 0);
	u32 max_ext = max_leaf(p, 0x80000000u);
	if (leaf >= 0x80000000u && max_ext >= 0x80000000u && leaf <= max_ext)
		return leaf;
	if (leaf <= max_basic)
		return leaf;
	return max_basic;
}

void cpuid_lookup(const struct cpu_profile *p, u32 leaf, u32 subleaf, u32 r[4])
{
	const struct cpuid_leaf *l = find_row(p, effective_leaf(p, leaf), subleaf);
	if (l)
		memcpy(r, l->r, sizeof(l->r));
	else
		memset(r, 0, 4 * sizeof(u32));
}

/*
 * CPUID.(0DH,0):EBX: "maximum size (bytes, from the beginning of the XSAVE/XRSTOR save area)
 * required by enabled features in XCR0".  x87 and SSE live in the legacy region; component
 * i >= 2 ends at its offset (sub-leaf i EBX) plus its size (sub-leaf i EAX).
 */
static u32 xsave_size_enabled(const struct cpu_profile *p, u64 xcr0)
{
	u32 size = XSAVE_LEGACY_AND_HEADER;
	for (unsigned i = 2; i < 63; i++) {
		if (!(xcr0 & BIT(i)))
			continue;
		const struct cpuid_leaf *l = find_row(p, 0xd, i);
		if (l && l->r[CPUID_EAX] + l->r[CPUID_EBX] > size)
			size = l->r[CPUID_EAX] + l->r[CPUID_EBX];
	}
	return size;
}

void cpuid_exec(const struct vx_cpu *c, u32 leaf, u32 subleaf, u32 r[4])
{
	cpuid_query(cpu_profile_of(c), c->cr4, c->xcr0, leaf, subleaf, r, NULL);
}

/* Table 3-8, leaf 01H ECX bit 27 OSXSAVE: "A value of 1 indicates that the OS has set
 * CR4.OSXSAVE[bit 18] to enable XSETBV/XGETBV instructions"; leaf 0DH, sub-leaf 0, EBX: the
 * "maximum size (bytes ...) required by enabled features in XCR0".  No other output depends on
 * the processor's state. */
unsigned cpuid_inputs(const struct cpu_profile *p, u32 eff_leaf, u32 subleaf)
{
	if (eff_leaf == 1)
		return CPUID_IN_CR4;
	if (eff_leaf == 0xd && subleaf == 0 && p->has_xsave)
		return CPUID_IN_XCR0;
	return 0;
}

void cpuid_query(const struct cpu_profile *p, u64 cr4, u64 xcr0, u32 leaf, u32 subleaf, u32 r[4],
		 u32 *eff_leaf)
{
	u32 eff = effective_leaf(p, leaf);
	if (eff_leaf)
		*eff_leaf = eff;
	cpuid_lookup(p, leaf, subleaf, r);
	unsigned in = cpuid_inputs(p, eff, subleaf);
	if (in & CPUID_IN_CR4) {
		r[CPUID_ECX] &= ~CPUID_BIT(OSXSAVE);
		if (cr4 & CR4_OSXSAVE)
			r[CPUID_ECX] |= CPUID_BIT(OSXSAVE);
	}
	if (in & CPUID_IN_XCR0)
		r[CPUID_EBX] = xsave_size_enabled(p, xcr0);
}

u32 cpuid_field_get(const struct cpu_profile *p, enum cpuid_field f)
{
	if ((unsigned)f >= CPUID_F_COUNT)
		return 0;
	const struct cpuid_field_info *fi = &cpuid_fields[f];
	const struct cpuid_leaf *l = find_row(p, fi->leaf, fi->subleaf < 0 ? 0 : (u32)fi->subleaf);
	return l ? (u32)bits_get(l->r[fi->reg], fi->hi, fi->lo) : 0;
}
