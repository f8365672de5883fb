/* SPDX-License-Identifier: MIT */
/*
 * VM exits: the one chokepoint every exit goes through (DESIGN.md section 2), and VM entry's
 * loading of guest state.  SDM Vol. 3C chapter 27 "VM Exits" (27.1 "Architectural State
 * Before a VM Exit", 27.2 "Recording VM-Exit Information and Updating VM-Entry Control
 * Fields", 27.3 "Saving Guest State", 27.4 "Saving MSRs", 27.5 "Loading Host State", 27.6
 * "Loading MSRs") and chapter 26 "VM Entries" (26.3.2 "Loading Guest State", 26.4 "Loading
 * MSRs", 26.5 "Event Injection").
 */
#ifndef VX_VMX_VMEXIT_H
#define VX_VMX_VMEXIT_H

#include "cpu/cpu.h"

/* What caused the exit; the engine adds the flag bits and the guest/host state. */
struct vmexit_info {
	u32 reason;     /* basic exit reason (15:0) */
	u64 qual;       /* exit qualification */
	u32 intr_info;  /* VM-exit interruption information (vectored events), 0 if none */
	u32 intr_error; /* its error code when intr_info bit 11 is set */
	u32 insn_len;   /* VM-exit instruction length (instruction exits) */
	u32 insn_info;  /* VM-exit instruction information */
	u64 gla;        /* guest-linear address, when the exit reports one */
	u64 gpa;        /* guest-physical address, when the exit reports one */
	bool at_insn;   /* guest RIP = the instruction that caused the exit (c->insn_rip);
			 * false: the exit is at an instruction boundary (c->rip) */
};

/*
 * The VM exit: records the exit information (and the IDT-vectoring information when the exit
 * happened during event delivery), saves guest state and the MSR-store area, loads host state
 * and the MSR-load area (a failure there is a VMX abort), leaves VMX non-root operation.
 * Returns STEP_VMEXIT.
 */
enum cpu_step vmexit(struct vx_cpu *c, const struct vmexit_info *e);
/* An instruction's VM exit: length from the decoded instruction, RIP of the instruction. */
enum cpu_step vmexit_insn(struct vx_cpu *c, const struct insn *i, u32 reason, u64 qual,
			  u32 insn_info);

#endif
