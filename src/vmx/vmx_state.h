/* SPDX-License-Identifier: MIT */
/*
 * A logical processor's VMX state (SDM Vol. 3C 23.3 "Introduction to VMX Operation", 24.1
 * "Overview" (current-VMCS pointer, launch state), 24.11.3 "Initializing a VMCS").
 * Embedded in struct vx_cpu.
 */
#ifndef VX_VMX_VMX_STATE_H
#define VX_VMX_VMX_STATE_H

#include "arch/types.h"

struct vmx_state {
	bool in_vmx;      /* in VMX operation (after VMXON) */
	bool non_root;    /* in VMX non-root operation */
	u64 vmxon_ptr;    /* physical address of the VMXON region */
	u64 current_vmcs; /* current-VMCS pointer; ~0ull when invalid */
};

#endif
