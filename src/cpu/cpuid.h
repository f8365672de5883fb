/* SPDX-License-Identifier: MIT */
/*
 * CPUID: the instruction's lookup rules (SDM Vol. 2A "CPUID—CPU Identification": leaf and
 * sub-leaf selection, out-of-range leaves) over a profile's table of leaves, and the named
 * output fields of src/arch/cpuid_fields.def.
 */
#ifndef VX_CPU_CPUID_H
#define VX_CPU_CPUID_H

#include "arch/types.h"

struct cpu_profile;
struct vx_cpu;

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* One row of a profile's CPUID table. */
struct cpuid_leaf {
	u32 leaf;
	u32 subleaf;  /* compared only when `indexed` */
	bool indexed; /* the leaf's output depends on ECX (07H, 0DH, 12H) */
	u32 r[4];     /* EAX, EBX, ECX, EDX */
};

/* Named fields: CPUID_F_<name> indexes cpuid_fields[]; CPUID_LO_<name> is the low bit. */
enum cpuid_field {
#define CPUID_FIELD(name, leaf, subleaf, reg, lo, hi, desc) CPUID_F_##name,
#include "arch/cpuid_fields.def"
	CPUID_F_COUNT
};
enum cpuid_field_lo {
#define CPUID_FIELD(name, leaf, subleaf, reg, lo, hi, desc) CPUID_LO_##name = lo,
#include "arch/cpuid_fields.def"
};
/* The mask of a one-bit field in its register, as a constant expression for profile tables. */
#define CPUID_BIT(name) ((u32)BIT(CPUID_LO_##name))

struct cpuid_field_info {
	u32 leaf;
	s32 subleaf; /* -1: the leaf ignores ECX */
	u8 reg;      /* enum cpuid_reg */
	u8 lo, hi;
	const char *name;
	const char *desc;
};
extern const struct cpuid_field_info cpuid_fields[CPUID_F_COUNT];

/* Leaf 0DH sub-leaf 0: bytes of the legacy XSAVE region plus the XSAVE header (SDM Vol. 1
 * 13.4 "XSAVE Area"): what x87 and SSE state occupy. */
#define XSAVE_LEGACY_AND_HEADER 576u

/*
 * The table row for (leaf, subleaf) as the instruction selects it, after the out-of-range
 * rule; r[] is all zeros for a leaf or sub-leaf the profile does not define.
 */
void cpuid_lookup(const struct cpu_profile *p, u32 leaf, u32 subleaf, u32 r[4]);
/* CPUID as executed by c: the lookup plus the bits that mirror processor state (leaf 01H
 * ECX[27] OSXSAVE = CR4.OSXSAVE; leaf 0DH sub-leaf 0 EBX = XSAVE size of the enabled XCR0). */
void cpuid_exec(const struct vx_cpu *c, u32 leaf, u32 subleaf, u32 r[4]);
/* CPUID of profile p for a processor whose CR4 and XCR0 are cr4/xcr0 (the bits that mirror
 * state: OSXSAVE, the XSAVE size); *eff_leaf (if not NULL) receives the leaf answered. */
/* The processor state CPUID's answer for (eff_leaf, subleaf) depends on: CR4, XCR0 (the
 * values of include/vx/cpu.h's VX_CPUID_IN_*). */
enum { CPUID_IN_CR4 = 1, CPUID_IN_XCR0 = 2 };
unsigned cpuid_inputs(const struct cpu_profile *p, u32 eff_leaf, u32 subleaf);
void cpuid_query(const struct cpu_profile *p, u64 cr4, u64 xcr0, u32 leaf, u32 subleaf, u32 r[4],
		 u32 *eff_leaf);
/* The value of a named field in the profile's table (no dynamic bits). */
u32 cpuid_field_get(const struct cpu_profile *p, enum cpuid_field f);

#endif
