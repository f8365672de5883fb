/* SPDX-License-Identifier: MIT */
/*
 * MSR indices generated from msr_index.def (SDM Vol. 4 / SDM-059 Vol. 3C chapter 35).
 * Indices at and above 0xC0000080 exceed INT_MAX: the enum relies on the GCC/Clang
 * extension (standard since C23) that widens the enum type (docs/decisions.md).
 */
#ifndef VX_ARCH_MSR_H
#define VX_ARCH_MSR_H

#include "arch/types.h"

enum msr_index {
#define MSR_INDEX(name, index, desc) MSR_##name = index##u,
#include "arch/msr_index.def"
};

/* Bit fields of architectural MSRs: MSR_<MSR>_<FIELD>_MASK and _SHIFT. */
#define MSR_FIELD(msr, name, lo, hi, desc)                            \
	static const u64 MSR_##msr##_##name##_MASK = GENMASK(hi, lo); \
	enum { MSR_##msr##_##name##_SHIFT = lo };
#include "arch/msr_bits.def"

#endif
