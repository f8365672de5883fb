// SPDX-License-Identifier: MIT
/*
 * Control-register accesses (exit reason 28).  L0 owns the CR0 and CR4 bits that are fixed
 * to 1 in VMX operation (PE, NE, PG; VMXE: SDM Vol. 3D A.7 "VMX-Fixed Bits in CR0", A.8
 * "VMX-Fixed Bits in CR4") through the guest/host masks; the guest reads its own values of
 * them from the read shadows (24.6.6 "Guest/Host Masks and Read Shadows for CR0 and CR4",
 * 25.3 "Changes to Instruction Behavior in VMX Non-Root Operation"), and a MOV to CR0/CR4,
 * CLTS or LMSW that would change an owned bit away from its shadow exits (25.1.3 "Instructions
 * That Cause VM Exits Conditionally").  The exit qualification is Table 27-3 "Exit
 * Qualification for Control-Register Accesses": bits 3:0 the register, 5:4 the access type
 * (0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW), 11:8 the general-purpose register, 31:16 the
 * LMSW source data.  CR3 and CR8 accesses never exit (CR3-load/store and CR8-load/store exiting
 * are 0), so MOV from CR never does.
 *
 * L0 then does what the instruction would have done on the guest's view (MOV—Move to/from
 * Control Registers, 64-bit mode exceptions, as src/cpu/op_system.c executes them): #GP(0)
 * for bits 63:32 of CR0, PG = 1 with PE = 0, NW = 1 with CD = 0, clearing PG while IA-32e mode
 * is active (Vol. 3A 9.8.5.4 "Switching Out of IA-32e Mode Operation" is not reachable from a
 * guest that cannot run with paging off: no unrestricted guest), a CR4 bit the processor does
 * not support or the VM hides (VMXE with hide_vmx), clearing CR4.PAE in IA-32e mode.  The
 * guest's value goes into the read shadow; the VMCS field gets it with the fixed bits forced.
 */
#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"

#define CR0_PE BIT(0)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
/* PE MP EM TS ET NE WP AM NW CD PG: the bits MOV to CR0 keeps (the processor's choice). */
#define CR0_DEFINED 0xe005003full
#define CR4_PAE BIT(5)
#define CR4_VMXE BIT(13)

/* The guest's view: owned bits from the shadow, the others from the VMCS field. */
static u64 guest_view(struct hv_vcpu *v, u32 field, u32 shadow, u64 mask)
{
	return (hv_vmread(v, field) & ~mask) | (hv_vmread(v, shadow) & mask);
}

static bool lma(struct hv_vcpu *v)
{
	return hv_vmread(v, VMCS_GUEST_IA32_EFER) & MSR_IA32_EFER_LMA_MASK;
}

/* keep: read-shadow bits that stay (L1's, while L2 runs; 0 otherwise). */
static enum hv_ret write_cr0(struct hv_vcpu *v, u64 val, u64 keep)
{
	u64 old = guest_view(v, VMCS_GUEST_CR0, VMCS_CR0_READ_SHADOW, v->ctls.cr0_mask);
	bool gp = (val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
		  ((val & CR0_NW) && !(val & CR0_CD)) ||
		  ((old & CR0_PG) && !(val & CR0_PG) && lma(v));
	if (gp) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	val = (val & CR0_DEFINED) | CR0_ET;
	hv_vmwrite(v, VMCS_CR0_READ_SHADOW,
		   (hv_vmread(v, VMCS_CR0_READ_SHADOW) & keep) | (val & ~keep));
	hv_vmwrite(v, VMCS_GUEST_CR0, (val | v->caps.cr0_fixed0) & v->caps.cr0_fixed1);
	hv_skip_insn(v);
	return HV_RESUME;
}

static enum hv_ret write_cr4(struct hv_vcpu *v, u64 val, u64 keep)
{
	u64 valid = v->caps.cr4_fixed1 & ~(v->cfg.hide_vmx ? CR4_VMXE : 0);
	if ((val & ~valid) || (lma(v) && !(val & CR4_PAE))) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	hv_vmwrite(v, VMCS_CR4_READ_SHADOW,
		   (hv_vmread(v, VMCS_CR4_READ_SHADOW) & keep) | (val & ~keep));
	hv_vmwrite(v, VMCS_GUEST_CR4, val | v->caps.cr4_fixed0);
	hv_skip_insn(v);
	return HV_RESUME;
}

/*
 * L2's MOV to CR0/CR4 that exits for L0's mask alone (src/nested keeps L1's exits): the
 * instruction as the processor runs it under vmcs12's controls (25.3): bits L1 masks keep their
 * value, the others take the operand, and a result a VMX-fixed bit does not allow (23.8: L1
 * does not own those bits) is #GP(0).  The read shadow keeps L1's bits and shows the rest.
 */
static enum hv_ret l2_write_cr(struct hv_vcpu *v, unsigned cr, u64 val)
{
	u32 field = cr == 0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4;
	u64 m12 = v->cfg.nested->l2_cr_mask(v, v->nested, cr);
	u64 real = (val & ~m12) | (hv_vmread(v, field) & m12);
	u64 fixed0 = cr == 0 ? v->caps.cr0_fixed0 : v->caps.cr4_fixed0;
	u64 fixed1 = cr == 0 ? v->caps.cr0_fixed1 : v->caps.cr4_fixed1;
	if (cr == 0 && (hv_vmread(v, VMCS_SECONDARY_VM_EXEC_CONTROL) & PROC2_UNRESTRICTED_GUEST))
		fixed0 &= ~(CR0_PE | CR0_PG);
	if ((real & fixed0) != fixed0 || (real & ~fixed1)) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	return cr == 0 ? write_cr0(v, real, m12) : write_cr4(v, real, m12);
}

enum hv_ret hv_exit_cr_access(struct hv_vcpu *v)
{
	u64 q = v->exit.qual;
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 cr0 = guest_view(v, VMCS_GUEST_CR0, VMCS_CR0_READ_SHADOW, v->ctls.cr0_mask);
	switch (type) {
	case 0: /* MOV to CR */
		if ((cr == 0 || cr == 4) && v->nested && v->lvl == TRACE_L2)
			return l2_write_cr(v, cr, hv_gpr(v, reg));
		if (cr == 0)
			return write_cr0(v, hv_gpr(v, reg), 0);
		if (cr == 4)
			return write_cr4(v, hv_gpr(v, reg), 0);
		return hv_exit_unexpected(v);
	case 2: /* CLTS: CR0.TS = 0 */ return write_cr0(v, cr0 & ~CR0_TS, 0);
	case 3: /* LMSW: loads bits 3:0 (PE, MP, EM, TS) but cannot clear PE (LMSW page) */
		return write_cr0(v, (cr0 & ~0xeull) | ((q >> 16) & 0xf) | (cr0 & CR0_PE), 0);
	default: return hv_exit_unexpected(v);
	}
}
