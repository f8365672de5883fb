/* SPDX-License-Identifier: MIT */
/*
 * VMX non-root operation, the instruction side: which instructions cause VM exits and the
 * exit information they record, and the instruction behaviour the VM-execution controls
 * change without an exit.  SDM Vol. 3C 25.1 "Instructions That Cause VM Exits" (25.1.1
 * "Relative Priority of Faults and VM Exits", 25.1.2 "Instructions That Cause VM Exits
 * Unconditionally", 25.1.3 "Instructions That Cause VM Exits Conditionally"), 25.3 "Changes
 * to Instruction Behavior in VMX Non-Root Operation", 24.6 "VM-Execution Control Fields",
 * 27.2.1 "Basic VM-Exit Information" (exit qualification), 27.2.4 "Information for VM Exits
 * Due to Instruction Execution" (instruction information).
 *
 * How the instruction handlers use this file: each handler raises first the faults that have
 * priority over a VM exit (25.1.1: #UD, faults based on privilege level, the I/O-permission
 * #GP; the operand fetch when the exit depends on the operand), then, in VMX non-root
 * operation only (one `if (c->vmx.non_root)` test), asks the predicate and calls
 * vmexit_insn() with the reason, the qualification and the instruction information built
 * here; then raises the remaining faults and executes.  The predicates read the VMCS the
 * processor caches (c->vmx.vmcs) and the bitmaps in physical memory.
 */
#ifndef VX_VMX_INTERCEPT_H
#define VX_VMX_INTERCEPT_H

#include "cpu/cpu.h"
#include "vmx/vmx_insn.h"

/* ---- controls as VMX non-root operation sees them ---- */

/* The primary processor-based VM-execution controls. */
u32 vmx_proc(const struct vx_cpu *c);
/* The secondary controls; 0 when "activate secondary controls" is 0 (25.1.3, footnote: "If
 * bit 31 of the primary processor-based VM-execution controls is 0, VMX non-root operation
 * functions as if these controls were all 0"). */
u32 vmx_proc2(const struct vx_cpu *c);

/* ---- control registers (25.1.3, 25.3) ---- */

/* MOV to CR0/CR3/CR4/CR8 with source `val` causes a VM exit. */
bool vmx_exits_cr_write(const struct vx_cpu *c, unsigned cr, u64 val);
/* MOV from CR3/CR8 causes a VM exit ("CR3-store exiting", "CR8-store exiting"). */
bool vmx_exits_cr_read(const struct vx_cpu *c, unsigned cr);
/* CLTS causes a VM exit: bit 3 set in both the CR0 guest/host mask and the read shadow. */
bool vmx_exits_clts(const struct vx_cpu *c);
/* LMSW with 16-bit source `src` causes a VM exit. */
bool vmx_exits_lmsw(const struct vx_cpu *c, u16 src);
/* MOV from CR0/CR4 (and SMSW): host-owned bits (set in the guest/host mask) read from the read
 * shadow, the others from the register. */
u64 vmx_cr_read_shadowed(const struct vx_cpu *c, unsigned cr, u64 real);
/* MOV to CR0/CR4, LMSW, CLTS that do not exit: the bits set in the guest/host mask keep the
 * register's current value. */
u64 vmx_cr_guest_write(const struct vx_cpu *c, unsigned cr, u64 val);
/* The value honours the VMX-fixed bits of CR0 (CR4) in VMX operation (23.8 "Restrictions on
 * VMX Operation"; PE and PG may be 0 with "unrestricted guest"). */
bool vmx_cr_fixed_ok(const struct vx_cpu *c, unsigned cr, u64 val);

/* Exit qualification for control-register accesses (27.2.1, Table 27-3). */
enum vmx_cr_access { VMX_CR_MOV_TO = 0, VMX_CR_MOV_FROM = 1, VMX_CR_CLTS = 2, VMX_CR_LMSW = 3 };
u64 vmx_qual_cr(unsigned cr, enum vmx_cr_access type, unsigned gpr);
u64 vmx_qual_lmsw(bool mem, u16 src);

/* ---- debug registers ---- */

bool vmx_exits_mov_dr(const struct vx_cpu *c);
/* Table 27-4: debug-register number as encoded, direction (1 = MOV from DR), GPR. */
u64 vmx_qual_dr(unsigned dr, bool from, unsigned gpr);

/* ---- I/O instructions ---- */

/* IN/OUT/INS/OUTS of `size` bytes at `port` cause a VM exit (25.1.3, 24.6.4 "I/O-Bitmap
 * Addresses"). */
bool vmx_io_exits(const struct vx_cpu *c, u16 port, unsigned size);
/* Table 27-5. */
u64 vmx_qual_io(u16 port, unsigned size, bool in, bool string, bool rep, bool imm);
/* Table 27-8 (INS/OUTS): address size and, for OUTS, the segment register. */
u32 vmx_info_io(const struct insn *i, unsigned seg);

/* ---- MSRs ---- */

/* RDMSR (write = false) / WRMSR of MSR `msr` (ECX) causes a VM exit (24.6.9 "MSR-Bitmap
 * Address"). */
bool vmx_msr_exits(const struct vx_cpu *c, u32 msr, bool write);

/* ---- other conditional exits ---- */

enum vmx_simple_exit {
	VMX_X_HLT,     /* "HLT exiting" */
	VMX_X_INVLPG,  /* "INVLPG exiting" */
	VMX_X_RDPMC,   /* "RDPMC exiting" */
	VMX_X_RDTSC,   /* "RDTSC exiting" (RDTSCP: also "enable RDTSCP", checked first) */
	VMX_X_WBINVD,  /* "WBINVD exiting" */
	VMX_X_RDRAND,  /* "RDRAND exiting" */
	VMX_X_RDSEED,  /* "RDSEED exiting" */
	VMX_X_DTABLE,  /* "descriptor-table exiting" */
	VMX_X_MWAIT,   /* "MWAIT exiting" */
	VMX_X_MONITOR, /* "MONITOR exiting" */
};
/* The instruction's exiting control is 1. */
bool vmx_exits_simple(const struct vx_cpu *c, enum vmx_simple_exit x);
/* 25.3: RDTSCP raises #UD when "enable RDTSCP" is 0; VMFUNC when "enable VM functions" is
 * 0. */
bool vmx_rdtscp_enabled(const struct vx_cpu *c);
bool vmx_vmfunc_enabled(const struct vx_cpu *c);
/* 25.3: INVPCID raises #UD when "enable INVPCID" is 0; when it is 1, INVPCID exits when
 * "INVLPG exiting" is 1 (vmx_exits_simple(c, VMX_X_INVLPG)). */
bool vmx_invpcid_enabled(const struct vx_cpu *c);

/* PAUSE causes a VM exit ("PAUSE exiting"; "PAUSE-loop exiting" at CPL 0). */
bool vmx_pause_exits(struct vx_cpu *c);
/* ENCLS with EAX = `eax` causes a VM exit ("enable ENCLS exiting" and the ENCLS-exiting
 * bitmap); ask only after the #UD checks of ENCLS (CPL > 0 included). */
bool vmx_encls_exits(const struct vx_cpu *c, u32 eax);
/* VMREAD (write = false) / VMWRITE with field encoding `enc` causes a VM exit (24.10 "VMCS
 * Types: Ordinary and Shadow", 25.1.3 VMREAD/VMWRITE). */
bool vmx_vmrw_exits(const struct vx_cpu *c, u64 enc, bool write);

/* The TSC the guest reads with RDTSC/RDTSCP/RDMSR when they do not exit (25.3: "use TSC
 * offsetting" adds the TSC offset). */
u64 vmx_guest_tsc(const struct vx_cpu *c, u64 tsc);

/*
 * PAUSE-loop exiting keeps the time of the last PAUSE at CPL 0 and of the first PAUSE of the
 * current loop.  VM entry starts over ("the first execution of PAUSE at CPL 0 after VM entry"
 * begins a loop): the entry engine calls vmx_intercept_vmentry().
 */
/* struct vmx_ple (the PAUSE-loop state) lives in struct vmx_state (vmx_state.h). */
static inline void vmx_intercept_vmentry(struct vx_cpu *c)
{
	c->vmx.ple.seen = false;
}
/* The PLE rule on `s` for a PAUSE at time `now`: true when it exits. */
bool vmx_ple_step(struct vmx_ple *s, u64 now, u32 gap, u32 window);

/* ---- exit information of instructions with memory operands (27.2.1, 27.2.4) ---- */

/* The displacement rule of 27.2.1 for INVEPT, INVPCID, INVVPID, LGDT, LIDT, LLDT, LTR, SGDT,
 * SIDT, SLDT, STR, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMXON: the sign-extended
 * displacement, plus the next RIP for RIP-relative addressing, 0 for a register operand. */
u64 vmx_qual_disp(const struct vx_cpu *c, const struct operand *o);
/* Table 27-13 (VMCLEAR, VMPTRLD, VMPTRST, VMXON): scaling, address size, segment, index and
 * base registers of memory operand `o`. */
u32 vmx_info_mem(const struct insn *i, const struct operand *o);
/* Table 27-9 (INVEPT, INVPCID, INVVPID): the memory fields plus Reg2 = `reg2`. */
u32 vmx_info_inv(const struct insn *i, const struct operand *o, unsigned reg2);
/* Table 27-14 (VMREAD, VMWRITE): r/m operand `rm` (register or memory), Reg2 = `reg2`. */
u32 vmx_info_vmrw(const struct insn *i, const struct operand *rm, unsigned reg2);
/* Table 27-10 (LGDT, LIDT, SGDT, SIDT): identity 0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT. */
enum vmx_dt_id { VMX_DT_SGDT, VMX_DT_SIDT, VMX_DT_LGDT, VMX_DT_LIDT };
u32 vmx_info_gdt(const struct insn *i, enum vmx_dt_id id);
/* Table 27-11 (LLDT, LTR, SLDT, STR): identity 0 SLDT, 1 STR, 2 LLDT, 3 LTR. */
enum vmx_lt_id { VMX_LT_SLDT, VMX_LT_STR, VMX_LT_LLDT, VMX_LT_LTR };
u32 vmx_info_ldt(const struct insn *i, enum vmx_lt_id id);
/* Table 27-12 (RDRAND, RDSEED): destination register and operand size. */
u32 vmx_info_rdrand(const struct insn *i);

/* ---- VMCS shadowing: VMREAD/VMWRITE that do not exit (24.10, 30.3) ---- */

/*
 * The checks after the VM-exit decision: CPL > 0 -> #GP(0); VMCS link pointer not valid
 * (FFFFFFFF_FFFFFFFFH) -> VMfailInvalid; else VMX_OUT_CONTINUE.
 */
struct vmx_result vmx_shadow_begin(struct vx_cpu *c);
/* VMREAD/VMWRITE of the shadow VMCS the VMCS link pointer references, in its region in
 * memory: VMfailValid(12) for an unsupported field, VMfailValid(13) for a read-only one
 * (unless IA32_VMX_MISC[29]), stored in the current VMCS's VM-instruction error field. */
struct vmx_result vmx_shadow_vmread(struct vx_cpu *c, u64 enc, u64 *val);
struct vmx_result vmx_shadow_vmwrite(struct vx_cpu *c, u64 enc, u64 val);

#endif
