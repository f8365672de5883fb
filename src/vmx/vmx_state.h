/* SPDX-License-Identifier: MIT */
/*
 * A logical processor's VMX state (SDM Vol. 3C 23.3 "Introduction to VMX Operation", 24.1
 * "Overview" (current-VMCS pointer, launch state), 24.11.1 "Software Use of Virtual-Machine
 * Control Structures", 24.11.3 "Initializing a VMCS").  Embedded in struct vx_cpu.
 *
 * The processor caches the data of the current VMCS (`vmcs`, `launch`); every other VMCS
 * lives in its VMCS region in physical memory in the format described in vmx_insn.h.  The
 * cache is written back to the region when another VMCS is made current (VMPTRLD), when the
 * current VMCS is cleared (VMCLEAR) and at VMXOFF (docs/decisions.md, "VMCS storage").
 */
#ifndef VX_VMX_VMX_STATE_H
#define VX_VMX_VMX_STATE_H

#include "arch/types.h"
#include "vmx/vmcs.h"

struct vx_cpu;

/* 24.1: the current-VMCS pointer is FFFFFFFF_FFFFFFFFH when there is no current VMCS. */
#define VMX_VMCS_INVALID (~0ull)

/*
 * Launch state of a VMCS (24.1 "Overview", 24.11.3 "Initializing a VMCS"): "clear" after
 * VMCLEAR, "launched" after a successful VMLAUNCH.  A region that was never VMCLEARed holds
 * neither (the SDM leaves it undefined; see vmx_insn.h for the encoding in the region).
 */
enum vmx_launch_state {
	VMX_LAUNCH_UNDEFINED,
	VMX_LAUNCH_CLEAR,
	VMX_LAUNCH_LAUNCHED,
};

/* PAUSE-loop exiting state (25.1.3 "PAUSE"; src/vmx/intercept.c). */
struct vmx_ple {
	u64 last;  /* TSC-rate time of the last PAUSE at CPL 0 */
	u64 start; /* time of the PAUSE that began the current loop */
	bool seen; /* a PAUSE at CPL 0 ran since the last VM entry */
};

#define VMX_SLOT_MAP_HIGH 0x8000u /* the encoding is the high half of a 64-bit field */
#define VMX_SLOT_MAP_RO 0x4000u   /* a VM-exit information field VMWRITE may not write */

struct vmx_state {
	bool in_vmx;           /* in VMX operation (after VMXON) */
	bool non_root;         /* in VMX non-root operation */
	u8 launch;             /* enum vmx_launch_state of the current VMCS */
	bool caps_ready;       /* `caps` holds the profile's VMCS-field support */
	u64 vmxon_ptr;         /* physical address of the VMXON region */
	u64 current_vmcs;      /* current-VMCS pointer; VMX_VMCS_INVALID when there is none */
	struct vmcs_caps caps; /* fields VMREAD/VMWRITE support (vmx_caps_from_profile) */
	struct vmcs vmcs;      /* the current VMCS's data, cached by the processor */
	/* Field encoding (bits 14:0; wider encodings name no field) -> slot + 1 of a field this
	 * processor supports, with VMX_SLOT_MAP_HIGH for the "high" access of a 64-bit field
	 * and VMX_SLOT_MAP_RO for one VMWRITE may not write; 0: VMREAD/VMWRITE fail with error
	 * 12.  Built with `caps`: the one lookup of VMREAD and VMWRITE. */
	u16 slot_map[1u << 15];
	/* Changes whenever slot_map is built (vx_vmcs_list notes are valid for one value). */
	u64 layout;
	struct vmx_ple ple; /* PAUSE-loop exiting (intercept.c) */
	/* The VM entry running now came from root-mode software outside the processor (the
	 * include/vx API's VMLAUNCH/VMRESUME): no root-mode instruction runs until it calls in
	 * again, so the next VM exit may leave host state to be loaded later (D79). */
	bool native;
	/* That VM exit happened and the host-state registers are not loaded yet: the processor
	 * is in VMX root operation and its registers still hold the guest state the exit saved
	 * (vmexit.c, vmx_unpark).  park_vpid: the exit's "enable VPID" (its TLB rule). */
	bool parked, park_vpid;
};

/*
 * Power-up state (SDM Vol. 3A 9.1.1 "Processor State After Reset"): outside VMX operation,
 * no current VMCS.  Defined in vmx_insn.c; cpu_init calls it.
 */
void vmx_reset(struct vx_cpu *c);

#endif
