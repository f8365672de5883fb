/* SPDX-License-Identifier: MIT */
/*
 * The processor's VMX instructions for root-mode software (DESIGN.md section 1): how the L0
 * hypervisor in src/hv executes VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE,
 * VMLAUNCH, VMRESUME, INVEPT, INVVPID and VMCALL.  Implementation: src/vmx/vx_vmx_api.c over
 * src/vmx/vmx_insn.c, the same semantics the interpreter runs for guest instruction bytes.
 *
 * Each call is the instruction executed by the software the processor's current state
 * belongs to (for the hypervisor: the host state it loaded, normally CPL 0 in 64-bit mode
 * with CR4.VMXE = 1): every check of the SDM's instruction page is made against that state
 * (Intel SDM Vol. 3C 30.3 "VMX Instructions").  Memory operands are given as values, so the
 * calls never access linear memory; the VMXON region and VMCS regions are physical memory.
 * The outcome is returned, not written to RFLAGS, and an exception is reported, not
 * delivered: the processor's RFLAGS and pending event are left as they were.
 */
#ifndef VX_VMX_H
#define VX_VMX_H

#include "arch/types.h"

struct vx_cpu;

enum vx_vmx_outcome {
	VX_VMSUCCEED,      /* VMsucceed (30.2 "Conventions") */
	VX_VMFAIL_INVALID, /* VMfailInvalid: RFLAGS.CF would be 1; no current VMCS to hold an error
			    */
	VX_VMFAIL_VALID,   /* VMfailValid: `error` is the VM-instruction error number (30.4), also
			    * stored in the current VMCS's VM-instruction error field (4400H) */
	VX_VMX_EXCEPTION,  /* the instruction raised `vector` (error code when has_error_code) */
	/* In VMX non-root operation the instruction causes a VM exit: root-mode software never
	 * sees this (the interface is for L0, which runs in root operation). */
	VX_VMX_VMEXIT,
	/* VMLAUNCH/VMRESUME: the guest ran until a VM exit, or VM entry failed (exit reason 33
	 * or 34 | bit 31, 26.7 "VM-Entry Failures During or After Loading Guest State"); either
	 * way host state is loaded and the exit information is in the VMCS (VMREAD it). */
	VX_VMX_EXITED,
	/* VMLAUNCH/VMRESUME/vx_vmx_continue: the guest is in VMX non-root operation and stopped
	 * without a VM exit: it halted with nothing to wake it (HLT not intercepted), or an
	 * owner's hook asked the processor to stop.  vx_vmx_continue() runs it on. */
	VX_VMX_GUEST_HALTED,
	VX_VMX_GUEST_STOPPED,
	/* A VMX abort (27.7 "VMX Aborts"): the indicator is in the VMCS region; the processor
	 * is shut down. */
	VX_VMX_ABORT,
};

struct vx_vmx_result {
	enum vx_vmx_outcome outcome;
	u32 error; /* VX_VMFAIL_VALID: error number */
	u8 vector; /* VX_VMX_EXCEPTION: 6 #UD, 13 #GP ... */
	bool has_error_code;
	u32 error_code;
};

/* Name of an outcome ("VMsucceed", "VMfailInvalid", ...). */
const char *vx_vmx_outcome_name(enum vx_vmx_outcome o);

/* VMXON with the physical address of the VMXON region (its first word must hold the VMCS
 * revision identifier, IA32_VMX_BASIC[30:0]). */
struct vx_vmx_result vx_vmxon(struct vx_cpu *c, u64 pa);
struct vx_vmx_result vx_vmxoff(struct vx_cpu *c);
struct vx_vmx_result vx_vmclear(struct vx_cpu *c, u64 pa);
struct vx_vmx_result vx_vmptrld(struct vx_cpu *c, u64 pa);
/* *pa = the current-VMCS pointer (FFFFFFFF_FFFFFFFFH when there is none) on VMsucceed. */
struct vx_vmx_result vx_vmptrst(struct vx_cpu *c, u64 *pa);
/* The field encoding is a 64-bit register operand: bits 63:32 set name no field (error 12).
 * VMREAD: *val is written on VMsucceed only. */
struct vx_vmx_result vx_vmread(struct vx_cpu *c, u64 enc, u64 *val);
/* n VMREADs in a row (enc[k] into val[k]), as n calls of vx_vmread would do them: VMsucceed
 * when every one succeeds, else the outcome of the first that does not (the values before it
 * are written).  The checks before the operands are made once: nothing between the reads can
 * change their outcome. */
struct vx_vmx_result vx_vmread_n(struct vx_cpu *c, const u32 *enc, u64 *val, unsigned n);
/* The same for a list read again and again (a VMM's exit information): the caller sets enc
 * and n (at most VX_VMCS_LIST_MAX) and zeroes the rest, and does not change the encodings enc
 * points to afterwards (a new list for new ones); the processor notes where it keeps each
 * field the first time and reads them from there after (the note is its own: made again for
 * another processor, another enc or n, or after the field layout changed). */
#define VX_VMCS_LIST_MAX 16
struct vx_vmcs_list {
	const u32 *enc;
	unsigned n;
	/* the processor's */
	const struct vx_cpu *cpu;
	const u32 *noted_enc;
	unsigned noted_n;
	u64 layout;
	u16 slot[VX_VMCS_LIST_MAX];
	u8 shift[VX_VMCS_LIST_MAX];
};
struct vx_vmx_result vx_vmread_list(struct vx_cpu *c, struct vx_vmcs_list *l, u64 *val);
struct vx_vmx_result vx_vmwrite(struct vx_cpu *c, u64 enc, u64 val);
struct vx_vmx_result vx_vmlaunch(struct vx_cpu *c);
struct vx_vmx_result vx_vmresume(struct vx_cpu *c);
struct vx_vmx_result vx_vmcall(struct vx_cpu *c);
/*
 * VMLAUNCH (resume false) / VMRESUME up to, not including, the loading of guest state: every
 * instruction and VM-entry check (26.1-26.3.1).  VMsucceed: the entry would proceed (nothing
 * changed: the launch state stays); VMfail* and exceptions as for VMLAUNCH/VMRESUME;
 * VX_VMX_EXITED: a VM-entry failure on invalid guest state (exit reason 33 | bit 31), host
 * state loaded as 26.7 says.  For a nested hypervisor checking L1's VMCS (src/nested).
 */
struct vx_vmx_result vx_vmentry_check(struct vx_cpu *c, bool resume);
/*
 * For a nested hypervisor's L1 processor, at an exit it reflects: vx_vmcs_put writes a field of
 * the current VMCS as the processor's VM exit does (exit information included, no VMWRITE
 * rules; false for an unknown encoding or no current VMCS); vx_vmx_exit_to_host then marks
 * the VMCS launched and loads its host state (27.5 "Loading Host State"): VX_VMX_EXITED, or
 * VX_VMX_ABORT.
 */
bool vx_vmcs_put(struct vx_cpu *c, u64 enc, u64 val);
void vx_vmx_exit_to_host(struct vx_cpu *c, struct vx_vmx_result *r);
/* Run on a guest that stopped in VMX non-root operation (VX_VMX_GUEST_HALTED/_STOPPED). */
struct vx_vmx_result vx_vmx_continue(struct vx_cpu *c);

/* INVEPT types (30.3 INVEPT) and Figure 30-1 "INVEPT Descriptor". */
enum { VX_INVEPT_SINGLE_CONTEXT = 1, VX_INVEPT_ALL_CONTEXT = 2 };
struct vx_invept_desc {
	u64 eptp;     /* bits 63:0 */
	u64 reserved; /* bits 127:64 */
};
/* INVVPID types (30.3 INVVPID) and Figure 30-2 "INVVPID Descriptor". */
enum {
	VX_INVVPID_INDIVIDUAL_ADDRESS = 0,
	VX_INVVPID_SINGLE_CONTEXT = 1,
	VX_INVVPID_ALL_CONTEXT = 2,
	VX_INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS = 3,
};
struct vx_invvpid_desc {
	u64 vpid;           /* bits 15:0 VPID; bits 63:16 reserved (must be 0) */
	u64 linear_address; /* bits 127:64 */
};
/* The type is the 64-bit register operand. */
struct vx_vmx_result vx_invept(struct vx_cpu *c, u64 type, const struct vx_invept_desc *d);
struct vx_vmx_result vx_invvpid(struct vx_cpu *c, u64 type, const struct vx_invvpid_desc *d);

/* ---- VMX capability MSRs (Vol. 3D Appendix A), read as RDMSR at CPL 0 reads them ---- */

/* IA32_VMX_BASIC (480H) .. IA32_VMX_VMFUNC and later capability MSRs: false when the index
 * is not a VMX capability MSR or RDMSR would raise #GP (the MSR does not exist for the
 * processor's profile, e.g. IA32_VMX_VMFUNC without "enable VM functions"). */
bool vx_vmx_read_cap(const struct vx_cpu *c, u32 index, u64 *val);

/* Whether the control-register access an exit describes (its qualification, Table 27-3; val:
 * the value a MOV to CR writes) makes a VM exit under the controls of c's current VMCS (25.1.3
 * "MOV to CR0/CR3/CR4/CR8", "MOV from CR3/CR8", "CLTS", "LMSW"): the processor's own rule, for a
 * hypervisor deciding whose exit a nested guest's access is. */
bool vx_vmx_cr_access_exits(const struct vx_cpu *c, u64 qual, u64 val);
/* The same for an I/O instruction (its qualification, Table 27-5: port and size; 25.1.3 "IN,
 * INS/INSB/INSW/INSD, OUT, OUTS/OUTSB/OUTSW/OUTSD": every port the access touches, and a
 * wrap-around always exits) and for RDMSR/WRMSR of `msr` (25.1.3 "RDMSR", "WRMSR": the MSR
 * bitmaps, or every MSR without them). */
bool vx_vmx_io_exits(const struct vx_cpu *c, u64 qual);
bool vx_vmx_msr_exits(const struct vx_cpu *c, u32 msr, bool write);

/* Whether an EPT paging-structure entry at `level` (4 = PML4E .. 1 = PTE) is present and
 * misconfigured for this processor (28.2.3.1 "EPT Misconfigurations": bits 2:0, reserved bits
 * by level and capability, a leaf's memory type): what a hypervisor shadowing another's EPT
 * must detect. */
bool vx_ept_misconfigured(const struct vx_cpu *c, u64 entry, int level);
/* The VMCS revision identifier, IA32_VMX_BASIC[30:0]; 0 when the processor has no VMX. */
u32 vx_vmx_revision_id(const struct vx_cpu *c);

#endif
