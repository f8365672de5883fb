/* SPDX-License-Identifier: MIT */
/*
 * The VMX instructions as functions of the processor state and their operands (SDM Vol. 3C
 * chapter 30 "VMX Instruction Reference": 30.2 "Conventions", 30.3 "VMX Instructions" pages
 * VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH/VMRESUME, INVEPT,
 * INVVPID, VMCALL, VMFUNC; 30.4 "VM Instruction Error Numbers").  Both the interpreter
 * (src/cpu/op_vmx.c) and the public interface (include/vx/vmx.h) run them.
 *
 * Each instruction runs in two steps, because its memory operands are read between checks:
 *   1. vmx_insn_begin(): the checks that come before any operand is read (#UD, VM exit in
 *      VMX non-root operation, #GP(0), and for VMREAD/VMWRITE "no current VMCS").  It
 *      returns VMX_OUT_CONTINUE when the instruction proceeds;
 *   2. the caller reads the operands (a #PF there ends the instruction), then calls the
 *      instruction's function, which returns the outcome.
 * Outcomes are data: VMsucceed, VMfailInvalid, VMfailValid with its error number (already
 * stored in the current VMCS's VM-instruction error field), or an exception raised with the
 * fault_* helpers (c->event).  RFLAGS is left to the caller (vmx_outcome_rflags()).
 */
#ifndef VX_VMX_VMX_INSN_H
#define VX_VMX_VMX_INSN_H

#include "cpu/cpu.h"
#include "cpu/flags.h"
#include "cpu/profile.h"
#include "vmx/vmcs.h"

struct cpu_profile;

enum vmx_outcome {
	VMX_OUT_CONTINUE,     /* vmx_insn_begin: checks passed, read the operands and go on */
	VMX_OUT_SUCCEED,      /* VMsucceed */
	VMX_OUT_FAIL_INVALID, /* VMfailInvalid */
	VMX_OUT_FAIL_VALID,   /* VMfailValid(error) */
	VMX_OUT_FAULT,        /* an exception; c->event holds it */
	/* In VMX non-root operation the instruction causes a VM exit (or, for VMFUNC, what the
	 * VM-function controls say).  The VM-exit engine is not implemented yet: nothing has
	 * changed; this is where it plugs in. */
	VMX_OUT_VMEXIT,
	/* VMLAUNCH/VMRESUME: VM entry happened (26.3.2 onwards): `step` says what followed:
	 * STEP_RETIRED the processor is in VMX non-root operation at the guest's RIP;
	 * STEP_VMEXIT the entry failed (exit reason 33/34 | bit 31) or the injected event
	 * caused a VM exit, host state is loaded; STEP_SHUTDOWN a VMX abort. */
	VMX_OUT_ENTERED,
};

/* Eight bytes, returned in one register: every VMREAD/VMWRITE of L0 returns one, and a
 * wider struct was assembled on the stack and reloaded (a store-forwarding stall). */
struct vmx_result {
	u8 out;    /* enum vmx_outcome */
	u8 step;   /* VMX_OUT_ENTERED: enum cpu_step after the entry */
	u32 error; /* VMX_OUT_FAIL_VALID: VM-instruction error */
};

static inline struct vmx_result vmx_result_of(enum vmx_outcome o, u32 error)
{
	return (struct vmx_result){.out = (u8)o, .error = error};
}

/* 30.2 "Conventions": VMfailValid(ErrorNumber) stores the error number in the
 * VM-instruction error field of the current VMCS. */
struct vmx_result vmx_fail_valid(struct vx_cpu *c, u32 error);

enum vmx_insn_id {
	VMXI_VMXON,
	VMXI_VMXOFF,
	VMXI_VMCLEAR,
	VMXI_VMPTRLD,
	VMXI_VMPTRST,
	VMXI_VMREAD,
	VMXI_VMWRITE,
	VMXI_VMLAUNCH,
	VMXI_VMRESUME,
	VMXI_INVEPT,
	VMXI_INVVPID,
	VMXI_VMCALL,
	VMXI_VMFUNC,
};

/*
 * Layout of a VMCS region in physical memory (24.2 "Format of the VMCS Region"): bytes 0-3
 * revision identifier (bits 30:0) and shadow-VMCS indicator (bit 31), bytes 4-7 VMX-abort
 * indicator, then "VMCS data (implementation-specific format)".  This implementation: the
 * launch state as a 32-bit word at byte 8 (VMX_REGION_LAUNCH_*; any other value, such as
 * the zeros of a region never VMCLEARed, is neither "clear" nor "launched"), bytes 12-15
 * zero, then one 64-bit word per field slot of src/arch/vmcs_fields.def from byte 16.
 */
#define VMX_REGION_REVISION 0
#define VMX_REGION_ABORT 4
#define VMX_REGION_LAUNCH 8
#define VMX_REGION_FIELDS 16
/* The layout is frozen: a nested hypervisor's vmcs12 lives in its guest's memory in this
 * format (src/nested), so a region written by one build must read the same in the next.  New
 * fields go at the end of vmcs_fields.def; these asserts catch a reordering. */
_Static_assert(VMX_REGION_FIELDS + 8 * VMCS_NSLOTS <= 4096, "VMCS region: one page");
_Static_assert(VMCS_NSLOTS == 197, "VMCS region: slot count (append new fields)");
_Static_assert(VMCS_SLOT_ENCLS_EXITING_BITMAP == 46, "VMCS region: slot order");
_Static_assert(VMCS_SLOT_VM_ENTRY_INTR_INFO == 105, "VMCS region: slot order");
_Static_assert(VMCS_SLOT_EXIT_REASON == 114, "VMCS region: slot order");
_Static_assert(VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO == 139, "VMCS region: slot order");
_Static_assert(VMCS_SLOT_GUEST_RIP == 174, "VMCS region: slot order");
#define VMX_REGION_LAUNCH_CLEAR 0x52414c43u    /* "CLAR" */
#define VMX_REGION_LAUNCH_LAUNCHED 0x48434e4cu /* "LNCH" */

/* Checks before the operands are read (see above); VMX_OUT_CONTINUE to proceed. */
struct vmx_result vmx_insn_begin(struct vx_cpu *c, enum vmx_insn_id id);
/* 24.4.1 "Guest Register State", Table 24-2 "Format of Access Rights": bit 13 is L. */
#define SEG_AR_L BIT(13)

/* "IA32_EFER.LMA = 1 and CS.L = 0": compatibility mode. */
static inline bool vmx_compat_mode(const struct vx_cpu *c)
{
	return (c->msr.efer & X86_EFER_LMA) && !(c->seg[SEG_CS].ar & SEG_AR_L);
}

/* "(CR0.PE = 0) or (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L = 0)": #UD (virtual-8086
 * and compatibility mode do not recognise the VMX instructions). */
static inline bool vmx_mode_ud(const struct vx_cpu *c)
{
	return !(c->cr0 & X86_CR0_PE) || (c->rflags & RFLAGS_VM) || vmx_compat_mode(c);
}

/* vmx_insn_begin() would let VMREAD and VMWRITE go on: VMX root operation, 64-bit mode,
 * CPL 0, a current VMCS. */
static inline bool vmx_insn_vmcs_access_ok(const struct vx_cpu *c)
{
	return c->vmx.in_vmx && !c->vmx.non_root &&
	       (c->vmx.parked || (c->cpl == 0 && !vmx_mode_ud(c))) && /* vmx_insn_begin */
	       c->vmx.current_vmcs != VMX_VMCS_INVALID;
}

/* The slot of a field this processor supports for a VMREAD/VMWRITE with a 64-bit operand
 * (vmcs_supported_slot's answer through slot_map, after VMXON); -1 otherwise. */
static inline int vmx_slot(const struct vx_cpu *c, u64 enc, bool *high)
{
	static_assert(VMCS_NSLOTS < VMX_SLOT_MAP_RO, "slot + 1 fits below the flag bits");
	if (enc >> 15)
		return -1;
	unsigned m = c->vmx.slot_map[enc];
	*high = m & VMX_SLOT_MAP_HIGH;
	return (int)(m & ~(VMX_SLOT_MAP_HIGH | VMX_SLOT_MAP_RO)) - 1;
}

/* The instructions, once vmx_insn_begin() returned VMX_OUT_CONTINUE.  `pa` is the 64-bit
 * memory operand of VMXON, VMCLEAR, VMPTRLD. */
struct vmx_result vmx_insn_vmxon(struct vx_cpu *c, u64 pa);
struct vmx_result vmx_insn_vmxoff(struct vx_cpu *c);
struct vmx_result vmx_insn_vmclear(struct vx_cpu *c, u64 pa);
struct vmx_result vmx_insn_vmptrld(struct vx_cpu *c, u64 pa);
/* VMPTRST: *pa = the value to store; the caller stores it, then VMsucceed. */
struct vmx_result vmx_insn_vmptrst(struct vx_cpu *c, u64 *pa);
/* VMREAD/VMWRITE in 64-bit mode: the encoding operand is 64 bits, the value 64 bits.
 * VMREAD: on VMsucceed the caller stores *val into the destination operand. */
struct vmx_result vmx_insn_vmread(struct vx_cpu *c, u64 enc, u64 *val);
struct vmx_result vmx_insn_vmwrite(struct vx_cpu *c, u64 enc, u64 val);
struct vmx_result vmx_insn_vmlaunch(struct vx_cpu *c, bool resume);
/* The same; with check_only, an entry whose checks all pass stops before loading guest state
 * and returns VMX_OUT_SUCCEED (a nested hypervisor then runs the guest itself). */
struct vmx_result vmx_insn_vmentry(struct vx_cpu *c, bool resume, bool check_only);
/* INVEPT/INVVPID take the type first (it is checked before the descriptor is read), then
 * the 128-bit descriptor (lo = bits 63:0, hi = bits 127:64). */
struct vmx_result vmx_insn_inv_type(struct vx_cpu *c, enum vmx_insn_id id, u64 type);
struct vmx_result vmx_insn_invept(struct vx_cpu *c, u64 type, u64 lo, u64 hi);
struct vmx_result vmx_insn_invvpid(struct vx_cpu *c, u64 type, u64 lo, u64 hi);
struct vmx_result vmx_insn_vmcall(struct vx_cpu *c);

/* RFLAGS after an outcome (30.2 "Conventions"): VMsucceed clears CF, PF, AF, ZF, SF, OF;
 * VMfailInvalid sets CF and clears the others; VMfailValid sets ZF and clears the others.
 * False (RFLAGS unchanged) for the other outcomes. */
bool vmx_outcome_rflags(struct vx_cpu *c, struct vmx_result r);

/*
 * The VMCS fields a processor with profile p supports (SDM Vol. 3D Appendix B, "This field
 * exists only on processors that support the 1-setting of ..."; A.9 "VMCS Enumeration") and
 * whether VMWRITE may write the VM-exit information fields (A.6, IA32_VMX_MISC[29]).
 */
void vmx_caps_from_profile(const struct cpu_profile *p, struct vmcs_caps *caps);

/* The caps of c's profile (computed once, at VMXON or on first use). */
const struct vmcs_caps *vmx_caps_slow(struct vx_cpu *c);
static inline const struct vmcs_caps *vmx_caps(struct vx_cpu *c)
{
	return c->vmx.caps_ready ? &c->vmx.caps : vmx_caps_slow(c);
}

#endif
