// SPDX-License-Identifier: MIT
/*
 * L1's VMX instructions, emulated by L0 (KVM's nested.c handle_vmon, handle_vmread, ... are the
 * model): each exit of VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, INVEPT and
 * INVVPID (SDM Vol. 3C 25.1.2 "Instructions That Cause VM Exits Unconditionally") is replayed on
 * a processor of L1's own: the "L1 processor", created on L0's host-physical memory (where
 * L1's RAM is identity-mapped, so L1's guest-physical addresses are its physical addresses)
 * with the run's CPU profile.  Before each instruction it takes L1's mode (CR0, CR4, EFER, CS,
 * SS, RFLAGS) and L1's IA32_FEATURE_CONTROL; it then runs the instruction through the same
 * include/vx/vmx.h interface L0 uses for its own, so every check and every VM-instruction
 * error of 30.3 "VMX Instructions" is the processor's own, and its VMCS holds vmcs12.
 *
 * Operands come from the exit: the instruction information (27.2.4 Tables 27-13 and 27-14:
 * scaling, address size, segment, index and base registers, Reg1/Reg2, memory or register)
 * and the exit qualification (the instruction's displacement field, 27.2.1 "Basic VM-Exit
 * Information").  Memory operands are read and written through L1's paging (gmem.c); a page
 * fault there is injected.  The outcome goes back to L1 as the instruction would leave it:
 * RFLAGS per 30.2 "Conventions" and RIP past the instruction, or the exception injected.
 */
#include <stdlib.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "nested/nested.h"
#include "vx/vmx.h"

/* Table 27-13 fields. */
struct insn_info {
	unsigned scale, asize, seg, index, base, reg1, reg2;
	bool reg_form, index_valid, base_valid;
};

static struct insn_info decode_info(u32 v)
{
	return (struct insn_info){
	    .scale = v & 3,
	    .reg1 = (v >> 3) & 15,
	    .asize = (v >> 7) & 7,
	    .reg_form = (v >> 10) & 1,
	    .seg = (v >> 15) & 7,
	    .index = (v >> 18) & 15,
	    .index_valid = !((v >> 22) & 1),
	    .base = (v >> 23) & 15,
	    .base_valid = !((v >> 27) & 1),
	    .reg2 = (v >> 28) & 15,
	};
}

/* The memory operand's linear address (64-bit mode: only FS and GS have a base). */
static u64 operand_la(struct hv_vcpu *v, const struct insn_info *ii)
{
	u64 la = v->exit.qual; /* the displacement, sign-extended by the processor */
	if (ii->base_valid)
		la += hv_gpr(v, ii->base);
	if (ii->index_valid)
		la += hv_gpr(v, ii->index) << ii->scale;
	if (ii->asize == 1)
		la &= 0xffffffffull;
	else if (ii->asize == 0)
		la &= 0xffffull;
	if (ii->seg == 4)
		la += hv_vmread(v, VMCS_GUEST_FS_BASE);
	else if (ii->seg == 5)
		la += hv_vmread(v, VMCS_GUEST_GS_BASE);
	return la;
}

/* n bytes at L1 linear la, byte by byte through L1's paging; a #PF is injected (false). */
static bool access_l1(struct hv_vcpu *v, u64 la, u8 *buf, unsigned n, bool write)
{
	for (unsigned k = 0; k < n; k++) {
		u64 gpa;
		u32 pfec;
		if (!hv_gla_to_gpa(v, la + k, write ? HV_ACC_WRITE : HV_ACC_READ, false, &gpa,
				   &pfec)) {
			if (pfec == ~0u)
				hv_inject_gp(v, 0);
			else
				hv_inject_pf(v, la + k, pfec);
			return false;
		}
		if (write)
			hv_gpa_write(v, gpa, 1, buf[k]);
		else
			buf[k] = (u8)hv_gpa_read(v, gpa, 1);
	}
	return true;
}

static bool read_u64(struct hv_vcpu *v, u64 la, u64 *val)
{
	u8 b[8];
	if (!access_l1(v, la, b, 8, false))
		return false;
	*val = 0;
	for (int k = 7; k >= 0; k--)
		*val = *val << 8 | b[k];
	return true;
}

static bool write_u64(struct hv_vcpu *v, u64 la, u64 val)
{
	u8 b[8];
	for (int k = 0; k < 8; k++)
		b[k] = (u8)(val >> (8 * k));
	return access_l1(v, la, b, 8, true);
}

/* L1's mode and IA32_FEATURE_CONTROL on the L1 processor, for the instruction's checks. */
static void sync_l1_mode(struct hv_vcpu *v, struct vx_cpu *l1)
{
	vx_cpu_set_reg(l1, VX_CR0, hv_vmread(v, VMCS_GUEST_CR0));
	vx_cpu_set_reg(l1, VX_CR4, hv_vmread(v, VMCS_GUEST_CR4));
	vx_cpu_set_msr(l1, MSR_IA32_EFER, hv_vmread(v, VMCS_GUEST_IA32_EFER));
	vx_cpu_set_msr(l1, MSR_IA32_FEATURE_CONTROL, v->feature_control);
	vx_cpu_set_reg(l1, VX_RFLAGS, hv_vmread(v, VMCS_GUEST_RFLAGS));
	struct vx_segment cs = {
	    (u16)hv_vmread(v, VMCS_GUEST_CS_SELECTOR), (u32)hv_vmread(v, VMCS_GUEST_CS_AR_BYTES),
	    (u32)hv_vmread(v, VMCS_GUEST_CS_LIMIT), hv_vmread(v, VMCS_GUEST_CS_BASE)};
	struct vx_segment ss = {
	    (u16)hv_vmread(v, VMCS_GUEST_SS_SELECTOR), (u32)hv_vmread(v, VMCS_GUEST_SS_AR_BYTES),
	    (u32)hv_vmread(v, VMCS_GUEST_SS_LIMIT), hv_vmread(v, VMCS_GUEST_SS_BASE)};
	vx_cpu_set_seg(l1, VX_SS, &ss);
	vx_cpu_set_seg(l1, VX_CS, &cs);
}

/* 30.2 "Conventions": the outcome in L1's RFLAGS and RIP, or the exception injected. */
enum hv_ret nested_finish(struct hv_vcpu *v, const struct vx_vmx_result *r)
{
	u64 set = 0;
	switch (r->outcome) {
	case VX_VMSUCCEED: break;
	case VX_VMFAIL_INVALID: set = HV_RFLAGS_CF; break;
	case VX_VMFAIL_VALID: set = HV_RFLAGS_ZF; break;
	case VX_VMX_EXCEPTION:
		hv_inject_event(v, r->vector, VMX_INTR_TYPE_HARD_EXCEPTION, r->has_error_code,
				r->error_code, 0);
		return HV_RESUME;
	case VX_VMX_ABORT: /* 27.7, after a failed VM entry: L1's logical processor shuts down */
		return hv_stop_vm(v, HV_STOP_TRIPLE_FAULT, VX_EXIT_TRIPLE_FAULT,
				  "VMX abort after L1's failed VM entry (loading vmcs12's host "
				  "state): L1 shuts down");
	default:
		return hv_stop_vm(v, HV_STOP_ERROR, 1, "nested VMX: unexpected outcome %s",
				  vx_vmx_outcome_name(r->outcome));
	}
	hv_set_status_flags(v, set);
	hv_skip_insn(v);
	return HV_RESUME;
}

/* VMXON, VMCLEAR, VMPTRLD: a 64-bit physical address in memory. */
static enum hv_ret ptr_insn(struct hv_vcpu *v, struct vx_cpu *l1, const struct insn_info *ii)
{
	u64 pa;
	if (!read_u64(v, operand_la(v, ii), &pa))
		return HV_RESUME;
	struct vx_vmx_result r;
	switch (v->exit.basic) {
	case VMX_EXIT_VMXON: r = vx_vmxon(l1, pa); break;
	case VMX_EXIT_VMCLEAR: r = vx_vmclear(l1, pa); break;
	default: r = vx_vmptrld(l1, pa); break;
	}
	return nested_finish(v, &r);
}

static enum hv_ret vmptrst(struct hv_vcpu *v, struct vx_cpu *l1, const struct insn_info *ii)
{
	u64 pa = 0;
	struct vx_vmx_result r = vx_vmptrst(l1, &pa);
	if (r.outcome == VX_VMSUCCEED && !write_u64(v, operand_la(v, ii), pa))
		return HV_RESUME;
	return nested_finish(v, &r);
}

/* VMREAD: the field encoding in Reg2; the destination Reg1 or memory (64 bits). */
static enum hv_ret vmread(struct hv_vcpu *v, struct vx_cpu *l1, const struct insn_info *ii)
{
	u64 val = 0;
	struct vx_vmx_result r = vx_vmread(l1, hv_gpr(v, ii->reg2), &val);
	if (r.outcome == VX_VMSUCCEED) {
		if (ii->reg_form)
			hv_set_gpr(v, ii->reg1, val);
		else if (!write_u64(v, operand_la(v, ii), val))
			return HV_RESUME;
	}
	return nested_finish(v, &r);
}

/* VMWRITE: the field encoding in Reg2; the value in Reg1 or memory.  The memory operand is
 * read before the instruction's checks (its #PF comes first, like the processor's). */
static enum hv_ret vmwrite(struct hv_vcpu *v, struct vx_cpu *l1, const struct insn_info *ii)
{
	u64 val;
	if (ii->reg_form)
		val = hv_gpr(v, ii->reg1);
	else if (!read_u64(v, operand_la(v, ii), &val))
		return HV_RESUME;
	struct vx_vmx_result r = vx_vmwrite(l1, hv_gpr(v, ii->reg2), val);
	return nested_finish(v, &r);
}

/* INVEPT/INVVPID: the type in Reg2, a 128-bit descriptor in memory. */
static enum hv_ret inv(struct hv_vcpu *v, struct vx_cpu *l1, const struct insn_info *ii)
{
	u64 la = operand_la(v, ii), lo, hi;
	if (!read_u64(v, la, &lo) || !read_u64(v, la + 8, &hi))
		return HV_RESUME;
	u64 type = hv_gpr(v, ii->reg2);
	struct vx_vmx_result r;
	if (v->exit.basic == VMX_EXIT_INVEPT) {
		struct vx_invept_desc d = {lo, hi};
		r = vx_invept(l1, type, &d);
	} else {
		struct vx_invvpid_desc d = {lo, hi};
		r = vx_invvpid(l1, type, &d);
	}
	return nested_finish(v, &r);
}

static enum hv_ret run_insn(struct hv_vcpu *v, struct nested *n, const struct insn_info *ii)
{
	switch (v->exit.basic) {
	case VMX_EXIT_VMXON:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMPTRLD: return ptr_insn(v, n->l1, ii);
	case VMX_EXIT_VMPTRST: return vmptrst(v, n->l1, ii);
	case VMX_EXIT_VMREAD: return vmread(v, n->l1, ii);
	case VMX_EXIT_VMWRITE: return vmwrite(v, n->l1, ii);
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID: return inv(v, n->l1, ii);
	case VMX_EXIT_VMXOFF: {
		struct vx_vmx_result r = vx_vmxoff(n->l1);
		return nested_finish(v, &r);
	}
	default: return nested_vmentry(v, n);
	}
}

enum hv_ret nested_vmx_insn(struct hv_vcpu *v, void *state)
{
	struct nested *n = state;
	struct insn_info ii = decode_info(v->exit.insn_info);
	sync_l1_mode(v, n->l1);
	nested_shadow_to_vmcs12(v, n);
	u64 enc = hv_gpr(v, ii.reg2); /* VMWRITE's field encoding */
	if (v->exit.basic == VMX_EXIT_VMLAUNCH)
		n->vmcs02_ok = false;
	enum hv_ret r = run_insn(v, n, &ii);
	/* what vmcs02's light build would not follow (vmcs02.c) */
	switch (v->exit.basic) {
	case VMX_EXIT_VMXON:
	case VMX_EXIT_VMXOFF:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMPTRLD: n->vmcs02_ok = false; break;
	case VMX_EXIT_VMWRITE:
		/* host state is L1's alone (vmcs02 has L0's): read from vmcs12 at nested exits */
		if ((!nested_field_light((u32)enc) && nested_field_type((u32)enc) != 3) ||
		    enc >> 32)
			n->vmcs02_ok = false;
		break;
	case VMX_EXIT_INVEPT: n->sept_stale = true; break;
	default: break;
	}
	if (!n->guest_mode && r == HV_RESUME)
		nested_shadow_sync(v, n);
	return r;
}
