/* SPDX-License-Identifier: MIT */
/*
 * VM exits: the one chokepoint every exit goes through (DESIGN.md section 2), and VM entry's
 * loading of guest state.  SDM Vol. 3C chapter 27 "VM Exits" (27.1 "Architectural State
 * Before a VM Exit", 27.2 "Recording VM-Exit Information and Updating VM-Entry Control
 * Fields", 27.3 "Saving Guest State", 27.4 "Saving MSRs", 27.5 "Loading Host State", 27.6
 * "Loading MSRs", 27.7 "VMX Aborts") and chapter 26 "VM Entries" (26.3.2 "Loading Guest
 * State", 26.4 "Loading MSRs", 26.5 "Event Injection", 26.6 "Special Features of VM Entry",
 * 26.7 "VM-Entry Failures During or After Loading Guest State").
 *
 * Implementation: src/vmx/vmexit.c (exits, failures, aborts), src/vmx/vmentry_load.c (VM
 * entry after its checks), src/vmx/vmx_events.c (events in VMX non-root operation).
 */
#ifndef VX_VMX_VMEXIT_H
#define VX_VMX_VMEXIT_H

#include "cpu/cpu.h"

/* How the exit saves RFLAGS.RF (27.3.3 "Saving RIP, RSP, and RFLAGS"). */
enum vmexit_rf {
	VMEXIT_RF_KEEP,  /* "the value RFLAGS.RF had at the time the VM exit occurred" */
	VMEXIT_RF_CLEAR, /* instruction exits: "the value saved is 0" */
	VMEXIT_RF_SET,   /* the exiting event is a fault: its saved RFLAGS image has RF = 1 */
};

/* What caused the exit; the engine adds the flag bits and the guest/host state. */
struct vmexit_info {
	u32 reason;     /* basic exit reason (15:0) */
	u64 qual;       /* exit qualification (written on every exit: 0 when the reason has none) */
	u32 intr_info;  /* VM-exit interruption information (vectored events), 0 if none */
	u32 intr_error; /* its error code when intr_info bit 11 is set */
	u32 insn_len;   /* VM-exit instruction length (instruction exits); 0: not written */
	u32 insn_info;  /* VM-exit instruction information, written when insn_info_valid */
	u64 gla;        /* guest-linear address, when the exit reports one */
	u64 gpa;        /* guest-physical address, when the exit reports one */
	bool at_insn;   /* guest RIP = the instruction that caused the exit (c->insn_rip);
			 * false: the exit is at an instruction boundary (c->rip) */
	/* Additions (the engine derives these for reasons 48/49 (EPT) itself): */
	bool insn_info_valid; /* write insn_info */
	bool gla_valid;       /* write gla (reason 48: qualification bit 7 says it) */
	bool gpa_valid;       /* write gpa (reasons 48 and 49 always) */
	u8 rf;                /* enum vmexit_rf; reasons 44/48/49 follow 27.3.3 themselves */
};

/*
 * The VM exit: records the exit information (and the IDT-vectoring information when the exit
 * happened during event delivery), saves guest state and the MSR-store area, loads host state
 * and the MSR-load area (a failure there is a VMX abort), leaves VMX non-root operation.
 * Returns STEP_VMEXIT, or STEP_SHUTDOWN after a VMX abort.  Only in VMX non-root operation.
 */
enum cpu_step vmexit(struct vx_cpu *c, const struct vmexit_info *e);
/* An instruction's VM exit: length from the decoded instruction, RIP of the instruction,
 * RF saved as 0, the instruction-information field written. */
enum cpu_step vmexit_insn(struct vx_cpu *c, const struct insn *i, u32 reason, u64 qual,
			  u32 insn_info);

/*
 * A VM-entry failure during or after loading guest state (26.7): exit reason `reason` (33
 * invalid guest state, 34 MSR loading) with bit 31, exit qualification `qual`; the other
 * exit-information fields, the guest-state area and the VM-entry interruption-information
 * field are left as they are; host state and the VM-exit MSR-load area are loaded; NMI
 * blocking is what it was before the VM entry.  Returns STEP_VMEXIT (STEP_SHUTDOWN after a VMX
 * abort).  VMLAUNCH/VMRESUME call it when vmentry_check() reports VMENTRY_FAIL_GUEST.
 */
enum cpu_step vmexit_entry_failure(struct vx_cpu *c, u32 reason, u64 qual);

/*
 * VM entry once every check of 26.1-26.3.1 passed (VMLAUNCH/VMRESUME call it): loads guest
 * state (26.3.2), the VM-entry MSR-load area (26.4; a failure is exit reason 34), sets the
 * launch state to "launched" for VMLAUNCH, enters VMX non-root operation and injects the
 * event of the VM-entry interruption-information field (26.5).  Returns STEP_RETIRED when the
 * guest is ready to run (cpu_run() continues in it), STEP_VMEXIT when the entry failed or the
 * injection caused a VM exit, STEP_SHUTDOWN after a VMX abort.
 */
enum cpu_step vmentry_enter(struct vx_cpu *c, bool launch);

/* 27.5 "Loading Host State" alone, from the current VMCS (a nested hypervisor's L1 processor
 * takes vmcs12's host state at a reflected exit): STEP_VMEXIT, or STEP_SHUTDOWN after a VMX
 * abort. */
enum cpu_step vmexit_load_host_state(struct vx_cpu *c);

/*
 * A VM exit for root-mode software outside the processor may leave the host-state registers
 * unloaded (c->vmx.parked, D79): everything that could observe the processor's registers in
 * VMX root operation -- an instruction executing, an include/vx call other than the VMCS
 * accessors and the general-purpose registers the exit does not change -- calls vmx_unpark
 * first, which loads them as the exit would have.
 */
void vmx_unpark_now(struct vx_cpu *c);
static inline void vmx_unpark(struct vx_cpu *c)
{
	if (__builtin_expect(c->vmx.parked, 0))
		vmx_unpark_now(c);
}

/* The base a VM exit saves for segment register s (27.3.2: unusable SS/DS/ES, LDTR). */
u64 vmx_saved_base(const struct vx_cpu *c, unsigned s, const struct seg *g);

/* VMX-abort indicators (27.7 "VMX Aborts"), written at byte 4 of the current VMCS region. */
enum vmx_abort {
	VMX_ABORT_SAVE_MSR = 1, /* "a failure in saving guest MSRs" */
	VMX_ABORT_PDPTE = 2,    /* host PDPTE checking failed (never: the host is IA-32e) */
	VMX_ABORT_CORRUPT = 3,  /* corrupted VMCS (never: the processor caches the VMCS) */
	VMX_ABORT_LOAD_MSR = 4, /* "a failure on loading host MSRs" */
	VMX_ABORT_MC = 5,       /* machine check during VM exit (not modelled) */
	VMX_ABORT_HOST_ASZ = 6, /* IA-32e mode before the exit, "host address-space size" 0 */
};

/* ---- Shared by vmexit.c and vmentry_load.c ---- */

/*
 * Loads the MSR of one 16-byte MSR-area entry at physical address pa (26.4 "Loading MSRs",
 * 27.6 "Loading MSRs": bits 31:0 index, 63:32 reserved, 127:64 value, "as they would be
 * written by WRMSR"); false when the SDM says its processing fails.
 */
bool vmx_msr_entry_load(struct vx_cpu *c, u64 pa);
/* Entries an MSR area may hold: the recommended maximum 512 * (N + 1), N = IA32_VMX_MISC[27:25]
 * (A.6); beyond it "undefined processor behavior may result": here, the processing fails. */
u32 vmx_msr_list_max(const struct vx_cpu *c);
/* A linear address made canonical for the processor's linear-address width: "each of bits
 * 63:N is set to the value of bit N-1" (27.5.1, 27.5.2). */
u64 vmx_canonical(const struct vx_cpu *c, u64 la);
/* 27.5.1 and 27.5.2: control registers, debug registers, MSRs, segment and descriptor-table
 * registers from the host-state area (src/vmx/vmexit_host.c). */
void vmx_load_host_regs(struct vx_cpu *c);

/* The exit being recorded came from enclave mode (SDM Vol. 3D 40.3 "Asynchronous Enclave
 * Exit": the AEX ran first; exit-reason bit 27, interruptibility bit 4). */
static inline bool vmx_in_enclave(const struct vx_cpu *c)
{
	return c->vmxnr.aex_exit;
}

#endif
