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
#include "arch/vmx.h"
#include "lib/trace.h"
#include "nested/nested.h"

enum hv_ret nested_vmentry(struct hv_vcpu *v, struct nested *n)
{
	bool resume = v->exit.basic == VMX_EXIT_VMRESUME;
	struct vx_vmx_result r = vx_vmentry_check(n->l1, resume);
	if (r.outcome == VX_VMX_EXITED) {
		u64 reason = 0, qual = 0;
		vx_vmread(n->l1, VMCS_EXIT_REASON, &reason);
		vx_vmread(n->l1, VMCS_EXIT_QUALIFICATION, &qual);
		trace_nested_reflect(v->trace, 0, TRACE_L2, (u32)reason, qual, 0);
		hv_guest_state_from(v, n->l1); /* 27.5's result is L1's state */
		return HV_RESUME;
	}
	if (r.outcome != VX_VMSUCCEED)
		return nested_finish(v, &r);
	/* vmcs12 becomes "launched" at L2's first exit to L1 (vx_vmx_exit_to_host). */
	return nested_run_l2(v, n);
}
