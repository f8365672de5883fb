/* SPDX-License-Identifier: MIT */
/*
 * Model-specific registers as RDMSR and WRMSR see them (SDM Vol. 2B pages "RDMSR—Read from
 * Model Specific Register" and "WRMSR—Write to Model Specific Register"; Vol. 3C chapter 35
 * Table 35-2 "IA-32 Architectural MSRs"; Vol. 3D Appendix A "VMX Capability Reporting
 * Facility").  The CPL check belongs to the instruction; these functions give the MSR's own
 * rules: which MSRs exist for the profile, reserved bits, canonical addresses, read-only and
 * lock semantics.  A false return means #GP(0); the state is then unchanged.
 */
#ifndef VX_CPU_MSR_H
#define VX_CPU_MSR_H

#include "cpu/cpu.h"

bool msr_read(struct vx_cpu *c, u32 index, u64 *val);
bool msr_write(struct vx_cpu *c, u32 index, u64 val);

/* Power-up values of the MSRs the processor keeps and of XCR0 (SDM Vol. 3A 9.1.1 "Processor
 * State After Reset", Table 9-1; Table 35-2 reset values; IA32_SGXLEPUBKEYHASHn = Intel's
 * key hash; XCR0 = 1). */
void msr_reset(struct vx_cpu *c);

/* The time-stamp counter: retired instructions plus the offset WRMSR(IA32_TIME_STAMP_COUNTER)
 * leaves (17.17 "Time-Stamp Counter"). */
static inline u64 cpu_tsc(const struct vx_cpu *c)
{
	return c->retired + (u64)c->msr.tsc_offset;
}

/* IA32_PAT (11.12.2 "IA32_PAT MSR"): every entry a valid memory type (0, 1, 4, 5, 6, 7). */
bool msr_pat_valid(u64 pat);

#endif
