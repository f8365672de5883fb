// SPDX-License-Identifier: MIT
/*
 * VMLAUNCH/VMRESUME executed by L1 (SDM Vol. 3C 26 "VM Entries" on vmcs12).  The L1 processor
 * (nested.h) makes every check of 26.1-26.3.1 on vmcs12 with the processor's own code
 * (vx_vmentry_check): VMfailInvalid / VMfailValid(4, 5, 7, 8, 26) go back to L1 as the
 * instruction's outcome; a guest-state failure (26.7) leaves the L1 processor in the state
 * vmcs12's host-state area gives it, which becomes L1's state: L1 sees exit reason 0x80000021
 * in vmcs12 and continues at HOST_RIP, exactly as on hardware.
 *
 * Checks that pass: L2 runs with vmcs02 (l2.c).
 */
#include "arch/msr.h"
#include "arch/vmx.h"
#include "lib/trace.h"
#include "nested/nested.h"

/* Segment fields of the VMCS are in the order ES CS SS DS FS GS LDTR TR (Appendix B). */
static void put_seg(struct hv_vcpu *v, struct vx_cpu *l1, enum vx_seg s)
{
	struct vx_segment g;
	vx_cpu_get_seg(l1, s, &g);
	hv_vmwrite(v, VMCS_GUEST_ES_SELECTOR + 2 * s, g.sel);
	hv_vmwrite(v, VMCS_GUEST_ES_BASE + 2 * s, g.base);
	hv_vmwrite(v, VMCS_GUEST_ES_LIMIT + 2 * s, g.limit);
	hv_vmwrite(v, VMCS_GUEST_ES_AR_BYTES + 2 * s, g.ar);
}

/* L1's state after a VM-entry failure: what 27.5 "Loading Host State" left in the L1
 * processor becomes vmcs01's guest state (general-purpose registers other than RSP are not
 * part of host state and stay). */
void nested_l1_state_from(struct hv_vcpu *v, struct vx_cpu *l1)
{
	static const struct {
		enum vx_reg r;
		u32 field;
	} regs[] = {
	    {VX_RIP, VMCS_GUEST_RIP}, {VX_RSP, VMCS_GUEST_RSP}, {VX_RFLAGS, VMCS_GUEST_RFLAGS},
	    {VX_CR0, VMCS_GUEST_CR0}, {VX_CR3, VMCS_GUEST_CR3}, {VX_CR4, VMCS_GUEST_CR4},
	    {VX_DR7, VMCS_GUEST_DR7},
	};
	for (unsigned k = 0; k < sizeof(regs) / sizeof(regs[0]); k++)
		hv_vmwrite(v, regs[k].field, vx_cpu_get_reg(l1, regs[k].r));
	hv_vmwrite(v, VMCS_CR0_READ_SHADOW, vx_cpu_get_reg(l1, VX_CR0));
	hv_vmwrite(v, VMCS_CR4_READ_SHADOW, vx_cpu_get_reg(l1, VX_CR4));
	for (enum vx_seg s = VX_ES; s < VX_SEG_COUNT; s++)
		put_seg(v, l1, s);
	struct vx_dtable t;
	vx_cpu_get_gdtr(l1, &t);
	hv_vmwrite(v, VMCS_GUEST_GDTR_BASE, t.base);
	hv_vmwrite(v, VMCS_GUEST_GDTR_LIMIT, t.limit);
	vx_cpu_get_idtr(l1, &t);
	hv_vmwrite(v, VMCS_GUEST_IDTR_BASE, t.base);
	hv_vmwrite(v, VMCS_GUEST_IDTR_LIMIT, t.limit);
	static const struct {
		u32 msr, field;
	} msrs[] = {
	    {MSR_IA32_EFER, VMCS_GUEST_IA32_EFER},
	    {MSR_IA32_SYSENTER_CS, VMCS_GUEST_SYSENTER_CS},
	    {MSR_IA32_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP},
	    {MSR_IA32_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP},
	};
	for (unsigned k = 0; k < sizeof(msrs) / sizeof(msrs[0]); k++) {
		u64 val = 0;
		vx_cpu_get_msr(l1, msrs[k].msr, &val);
		hv_vmwrite(v, msrs[k].field, val);
	}
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
}

enum hv_ret nested_vmentry(struct hv_vcpu *v, struct nested *n)
{
	bool resume = v->exit.basic == VMX_EXIT_VMRESUME;
	struct vx_vmx_result r = vx_vmentry_check(n->l1, resume);
	if (r.outcome == VX_VMX_EXITED) {
		u64 reason = 0, qual = 0;
		vx_vmread(n->l1, VMCS_EXIT_REASON, &reason);
		vx_vmread(n->l1, VMCS_EXIT_QUALIFICATION, &qual);
		trace_nested_reflect(v->trace, 0, TRACE_L2, (u32)reason, qual, 0);
		nested_l1_state_from(v, n->l1);
		return HV_RESUME;
	}
	if (r.outcome != VX_VMSUCCEED)
		return nested_finish(v, &r);
	/* vmcs12 becomes "launched" at L2's first exit to L1 (vx_vmx_exit_to_host). */
	return nested_run_l2(v, n);
}
