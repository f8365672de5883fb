// SPDX-License-Identifier: MIT
/*
 * L2's exits (DESIGN.md section 3, KVM's nested.c nested_vmx_reflect_vmexit / nested_vmx_vmexit
 * as the model; vmcs02.c builds the VMCS L2 runs with).  Each exit of L2 is
 * L0's (its devices, its EPT, its timer) or L1's (what vmcs12 asks for); L1's are reflected:
 * vmcs12's exit-information fields and guest state written as the processor writes them
 * (27.2, 27.3; the exit reason with bit 27 and the interruptibility with bit 4 as they were,
 * only reason and qualification for a failed entry), then the L1 processor loads vmcs12's host
 * state (27.5) and its VM-exit MSR-load list (27.6), which become L1's state in vmcs01 and
 * the processor's MSRs.  External interrupts for L1 while L2 runs and vmcs12's VMX-preemption
 * timer become exits L0 makes (nested_l2_pending).
 */
#include <string.h>

#include "arch/msr.h"
#include "arch/vmcs.h"
#include "arch/vmx.h"
#include "lib/trace.h"
#include "nested/nested.h"

/* ---- exits while L2 runs ---- */

/* An I/O instruction or an MSR access L1 intercepts: the processor's own rule (25.1.3) on
 * vmcs12, the current VMCS of the L1 processor, as for CR accesses (D72). */
static bool l1_wants_io(struct hv_vcpu *v, struct nested *n)
{
	return vx_vmx_io_exits(n->l1, v->exit.qual);
}

static bool l1_wants_msr(struct hv_vcpu *v, struct nested *n, bool write)
{
	return vx_vmx_msr_exits(n->l1, (u32)hv_gpr(v, VX_RCX), write);
}

/* A control-register access (Table 27-3): L1's when vmcs12's masks, shadows, CR3 targets and
 * CR3/CR8 exiting controls make it exit -- the processor's own rule on vmcs12, the current
 * VMCS of the L1 processor (25.1.3). */
static bool l1_wants_cr(struct hv_vcpu *v, struct nested *n)
{
	u64 q = v->exit.qual;
	u64 val = ((q >> 4) & 3) == 0 ? hv_gpr(v, (unsigned)(q >> 8)) : 0; /* MOV to CR source */
	return vx_vmx_cr_access_exits(n->l1, q, val);
}

/* An exception or NMI (25.2 "Other Causes of VM Exits"): its bit in vmcs12's exception bitmap;
 * for #PF, bit 14 counts when the error code matches (PFEC & mask == match), and its inverse
 * when it does not. */
static bool l1_wants_exception(struct hv_vcpu *v, struct nested *n)
{
	u32 vec = v->exit.intr_info & 0xff;
	bool bit = (nested_get12(n, VMCS_EXCEPTION_BITMAP) >> (vec & 31)) & 1;
	if (vec != 14)
		return bit;
	u64 mask = nested_get12(n, VMCS_PAGE_FAULT_ERROR_CODE_MASK);
	u64 match = nested_get12(n, VMCS_PAGE_FAULT_ERROR_CODE_MATCH);
	return bit == ((v->exit.intr_error & mask) == match);
}

/* An EPT violation of L2 with L1's EPT (D67): L1's when L1's EPT does not map the address or
 * its rights (the AND along the walk, 28.2.3.2) refuse the access (qualification bits 2:0);
 * L0's when L1 maps it to an L1 guest-physical address where L0 has nothing ("no device
 * answers", exit_ept.c); otherwise the shadow is stale (L1 changed its tables since it was
 * built): rebuilt, and L2 retries -- once per page, after which the exit is L1's. */
enum ept_owner { EPT_L1, EPT_L0, EPT_STALE };

static enum ept_owner ept_violation_owner(struct hv_vcpu *v, struct nested *n)
{
	u64 l1, rights;
	if (!nested_l1_ept_walk(v, n, v->exit.gpa, &l1, &rights))
		return EPT_L1;
	bool backed = hv_gpa_is_ram(v, l1, 1) || hv_gpa_is_mmio(v, l1) ||
		      (v->lay.epc_size && l1 - VX_EPC_BASE < v->lay.epc_size);
	if (!backed)
		return EPT_L0;
	if ((v->exit.qual & 7) & ~rights)
		return EPT_L1;
	if (n->sept_retry == (v->exit.gpa >> 12))
		return EPT_L1;
	return EPT_STALE;
}

/* Whether vmcs12 asks for this exit (25.1-25.5 with vmcs12's controls); the exits L0 caused
 * for itself (its EPT, its timer, its MTF, its interrupt window) stay L0's. */
static bool l1_wants(struct hv_vcpu *v, struct nested *n)
{
	u64 proc = nested_get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 proc2 = proc & PROC_ACTIVATE_SECONDARY_CONTROLS
			? nested_get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL)
			: 0;
	switch (v->exit.basic) {
	case VMX_EXIT_CPUID:
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_INVD:
	case VMX_EXIT_XSETBV:
	case VMX_EXIT_TRIPLE_FAULT:
	case VMX_EXIT_INIT_SIGNAL:
	case VMX_EXIT_VMCALL:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMLAUNCH:
	case VMX_EXIT_VMPTRLD:
	case VMX_EXIT_VMPTRST:
	case VMX_EXIT_VMREAD:
	case VMX_EXIT_VMRESUME:
	case VMX_EXIT_VMWRITE:
	case VMX_EXIT_VMXOFF:
	case VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID: return true;
	case VMX_EXIT_HLT: return proc & PROC_HLT_EXITING;
	case VMX_EXIT_PAUSE_INSTRUCTION:
		return (proc & PROC_PAUSE_EXITING) || (proc2 & PROC2_PAUSE_LOOP_EXITING);
	case VMX_EXIT_RDTSC: return proc & PROC_RDTSC_EXITING;
	case VMX_EXIT_IO_INSTRUCTION: return l1_wants_io(v, n);
	case VMX_EXIT_MSR_READ: return l1_wants_msr(v, n, false);
	case VMX_EXIT_MSR_WRITE: return l1_wants_msr(v, n, true);
	case VMX_EXIT_RDRAND: return proc2 & PROC2_RDRAND_EXITING;
	case VMX_EXIT_RDSEED: return proc2 & PROC2_RDSEED_EXITING;
	case VMX_EXIT_ENCLS: {
		u32 leaf = (u32)hv_gpr(v, VX_RAX);
		return (proc2 & PROC2_ENCLS_EXITING) &&
		       ((nested_get12(n, VMCS_ENCLS_EXITING_BITMAP) >> (leaf > 62 ? 63 : leaf)) &
			1);
	}
	case VMX_EXIT_EXCEPTION_NMI: return l1_wants_exception(v, n);
	case VMX_EXIT_CR_ACCESS: return l1_wants_cr(v, n);
	case VMX_EXIT_INVLPG: return proc & PROC_INVLPG_EXITING;
	case VMX_EXIT_INVPCID:
		return (proc & PROC_INVLPG_EXITING) && (proc2 & PROC2_ENABLE_INVPCID);
	case VMX_EXIT_RDPMC: return proc & PROC_RDPMC_EXITING;
	case VMX_EXIT_RDTSCP: return proc & PROC_RDTSC_EXITING;
	case VMX_EXIT_DR_ACCESS: return proc & PROC_MOV_DR_EXITING;
	case VMX_EXIT_MWAIT_INSTRUCTION: return proc & PROC_MWAIT_EXITING;
	case VMX_EXIT_MONITOR_INSTRUCTION: return proc & PROC_MONITOR_EXITING;
	case VMX_EXIT_NMI_WINDOW: return proc & PROC_NMI_WINDOW_EXITING;
	case VMX_EXIT_GDTR_IDTR:
	case VMX_EXIT_LDTR_TR: return proc2 & PROC2_DESC_TABLE_EXITING;
	case VMX_EXIT_WBINVD: return proc2 & PROC2_WBINVD_EXITING;
	case VMX_EXIT_XSAVES:
	case VMX_EXIT_XRSTORS: return proc2 & PROC2_ENABLE_XSAVES_XRSTORS;
	case VMX_EXIT_INTERRUPT_WINDOW: return proc & PROC_INTR_WINDOW_EXITING;
	case VMX_EXIT_MONITOR_TRAP_FLAG: return proc & PROC_MONITOR_TRAP_FLAG;
	case VMX_EXIT_EPT_VIOLATION: return n->ept12 && ept_violation_owner(v, n) == EPT_L1;
	case VMX_EXIT_EPT_MISCONFIG: return n->ept12 && nested_l1_ept_misconfig(v, n, v->exit.gpa);
	default: return false; /* L0's: its EPT, timer, MTF, its windows */
	}
}

/* Guest-state fields a VM exit saves only when vmcs12's exit controls say so (27.3.1 "Saving
 * Control Registers, Debug Registers, and MSRs"): DR7 and IA32_DEBUGCTL with "save debug
 * controls", IA32_PAT and IA32_EFER with their "save" controls. */
static bool saved(u64 exit12, u32 enc)
{
	switch (enc) {
	case VMCS_GUEST_DR7:
	case VMCS_GUEST_IA32_DEBUGCTL: return exit12 & EXIT_SAVE_DEBUG_CONTROLS;
	case VMCS_GUEST_IA32_PAT: return exit12 & EXIT_SAVE_IA32_PAT;
	case VMCS_GUEST_IA32_EFER: return exit12 & EXIT_SAVE_IA32_EFER;
	default: return true;
	}
}

/* 27.3 into vmcs12: L2's guest state as vmcs02 holds it; the entry's event is consumed. */
static void write_guest_state(struct hv_vcpu *v, struct nested *n)
{
	const u32 *f;
	unsigned nf = nested_fields(2, &f);
	u64 exit12 = nested_get12(n, VMCS_VM_EXIT_CONTROLS);
	for (unsigned i = 0; i < nf; i++) {
		u64 val;
		if (saved(exit12, f[i]) && vx_vmread(v->cpu, f[i], &val).outcome == VX_VMSUCCEED)
			vx_vmcs_put(n->l1, f[i], val);
	}
	u64 ei = nested_get12(n, VMCS_VM_ENTRY_INTR_INFO);
	vx_vmcs_put(n->l1, VMCS_VM_ENTRY_INTR_INFO, ei & ~(u64)VMX_INTR_INFO_VALID);
	if (n->timer12 && (exit12 & EXIT_SAVE_PREEMPTION_TIMER))
		vx_vmcs_put(n->l1, VMCS_VMX_PREEMPTION_TIMER_VALUE, nested_timer12_left(v, n));
}

/* 27.2/27.3 into vmcs12: the exit information and L2's guest state as vmcs02 holds them. */
static void write_vmcs12(struct hv_vcpu *v, struct nested *n)
{
	vx_vmcs_put(n->l1, VMCS_EXIT_REASON, v->exit.full);
	if (v->exit.failed_vmentry) { /* only reason and qualification (checklist item 22) */
		vx_vmcs_put(n->l1, VMCS_EXIT_QUALIFICATION, v->exit.qual);
		return;
	}
	const u32 *info;
	unsigned ninfo = nested_fields(1, &info);
	for (unsigned i = 0; i < ninfo; i++) {
		u64 val;
		if (info[i] != VMCS_EXIT_REASON &&
		    vx_vmread(v->cpu, info[i], &val).outcome == VX_VMSUCCEED)
			vx_vmcs_put(n->l1, info[i], val);
	}
	write_guest_state(v, n);
}

/*
 * 27.6 "Loading MSRs" at an exit to L1: the L1 processor loaded vmcs12's VM-exit MSR-load list
 * into its own MSRs (and checked it: a bad entry is its VMX abort).  L1's MSRs are the
 * processor's while L1 runs, so each listed MSR L1 writes natively goes to the processor;
 * EFER, SYSENTER and the FS/GS bases come with L1's state (hv_guest_state_from).  One L0
 * emulates is not written (a warning).
 */
static void exit_msr_list(struct hv_vcpu *v, struct nested *n)
{
	u64 cnt = nested_get12(n, VMCS_VM_EXIT_MSR_LOAD_COUNT);
	u64 addr = nested_get12(n, VMCS_VM_EXIT_MSR_LOAD_ADDR);
	for (u64 k = 0; k < cnt && k < 512; k++) {
		u32 idx = (u32)vx_phys_read(v->phys, addr + 16 * k, 4);
		u64 val;
		if (idx == MSR_IA32_EFER || idx == MSR_IA32_FS_BASE || idx == MSR_IA32_GS_BASE ||
		    (idx >= MSR_IA32_SYSENTER_CS && idx <= MSR_IA32_SYSENTER_EIP) ||
		    !vx_cpu_get_msr(n->l1, idx, &val))
			continue;
		if (hv_msr_native_write(v, idx))
			vx_cpu_set_msr(v->cpu, idx, val);
		else
			hv_warn_once(v, 1u << 12,
				     "nested VMX: vmcs12's VM-exit MSR-load list names an MSR L0 "
				     "emulates; it is not loaded");
	}
}

/* 27.5: the L1 processor loads vmcs12's host state; L1 runs again with vmcs01. */
static enum hv_ret to_l1(struct hv_vcpu *v, struct nested *n)
{
	/* The processor's IA32_EFER at the exit is L2's (vmcs02 saved it); without "load
	 * IA32_EFER" in vmcs12's exit controls L1 keeps it but for LMA/LME (27.5.1), so L2's
	 * writes to an EFER that L1 does not intercept reach L1, as on hardware. */
	vx_cpu_set_msr(n->l1, MSR_IA32_EFER, hv_vmread(v, VMCS_GUEST_IA32_EFER));
	struct vx_vmx_result r;
	vx_vmx_exit_to_host(n->l1, &r);
	if (r.outcome != VX_VMX_EXITED) /* 27.7: L1's logical processor shuts down */
		return hv_stop_vm(v, HV_STOP_TRIPLE_FAULT, VX_EXIT_TRIPLE_FAULT,
				  "VMX abort at a VM exit to L1 (loading vmcs12's host state or "
				  "host MSRs): L1 shuts down");
	r = hv_vmptrld(v, v->lay.vmcs);
	if (r.outcome != VX_VMSUCCEED)
		return hv_fatal(v, "nested VMX: cannot load vmcs01");
	n->guest_mode = false;
	n->timer12 = false;
	v->stop_at = 0;
	v->proc_keep = 0;
	hv_set_lvl(v, TRACE_L1);
	v->launched = true;
	v->proc = n->proc01;
	hv_guest_state_from(v, n->l1); /* 27.5's result is L1's state */
	exit_msr_list(v, n);
	nested_shadow_sync(v, n);
	return HV_RESUME;
}

static enum hv_ret reflect(struct hv_vcpu *v, struct nested *n)
{
	write_vmcs12(v, n);
	trace_nested_reflect(v->trace, 0, TRACE_L2, v->exit.full, v->exit.qual,
			     (u32)v->exit.guest_intr);
	return to_l1(v, n);
}

bool nested_l2_exit(struct hv_vcpu *v, void *state, enum hv_ret *r)
{
	struct nested *n = state;
	if (!n->guest_mode)
		return false;
	if (n->run_pending && !v->exit.failed_vmentry)
		nested_vmcs02_entered(v);
	n->run_pending = false;
	n->launched02 = !v->exit.failed_vmentry;
	if (v->exit.failed_vmentry)
		n->vmcs02_ok = false;
	if (v->exit.basic == VMX_EXIT_EPT_VIOLATION && n->ept12 &&
	    ept_violation_owner(v, n) == EPT_STALE) {
		n->sept_retry = v->exit.gpa >> 12;
		*r = nested_load_sept(v, n) ? HV_RESUME
					    : hv_stop_vm(v, HV_STOP_ERROR, 1,
							 "nested VMX: L1's EPT needs more than %u "
							 "shadow pages",
							 (unsigned)v->lay.sept_pages);
		return true;
	}
	if (v->exit.basic != VMX_EXIT_EPT_VIOLATION)
		n->sept_retry = ~0ull;
	if (v->exit.failed_vmentry || l1_wants(v, n)) {
		*r = reflect(v, n);
		return true;
	}
	/* L0 keeps it: its handlers work in L1's guest-physical space (gmem.c) */
	if ((v->exit.basic == VMX_EXIT_EPT_MISCONFIG || v->exit.basic == VMX_EXIT_EPT_VIOLATION) &&
	    !nested_l2_gpa(v, n, v->exit.gpa, &v->exit.gpa))
		v->exit.gpa = ~0ull; /* not L1's memory: no device answers there */
	return false;
}

/* An exit L0 makes for L1 because of something only L0 sees (its virtual interrupts, vmcs12's
 * VMX-preemption timer, which L0 counts): reason `basic` with bit 27 if the last hardware exit
 * of L2 had it (KVM's prepare_vmcs12 ORs the bit the same way: the AEX is done and RIP is the
 * AEP), interruption information `info`, qualification and length 0; an event L0 was about to
 * inject into L2 becomes vmcs12's IDT-vectoring information (27.2.3). */
static enum hv_ret synth_exit(struct hv_vcpu *v, struct nested *n, u32 basic, u32 info)
{
	u32 full = basic | (v->exit.full & VMX_EXIT_REASON_ENCLAVE_MODE);
	vx_vmcs_put(n->l1, VMCS_EXIT_REASON, full);
	vx_vmcs_put(n->l1, VMCS_EXIT_QUALIFICATION, 0);
	vx_vmcs_put(n->l1, VMCS_VM_EXIT_INTR_INFO, info);
	vx_vmcs_put(n->l1, VMCS_VM_EXIT_INTR_ERROR_CODE, 0);
	vx_vmcs_put(n->l1, VMCS_VM_EXIT_INSTRUCTION_LEN, 0);
	vx_vmcs_put(n->l1, VMCS_IDT_VECTORING_INFO, v->inject.valid ? v->inject.info : 0);
	vx_vmcs_put(n->l1, VMCS_IDT_VECTORING_ERROR_CODE, v->inject.valid ? v->inject.error : 0);
	v->inject.valid = false;
	write_guest_state(v, n);
	trace_nested_reflect(v->trace, 0, TRACE_L2, full, 0,
			     (u32)hv_vmread(v, VMCS_GUEST_INTERRUPTIBILITY_INFO));
	return to_l1(v, n);
}

/*
 * Before an entry while L2 runs: the events L0 holds for L1, in the priority of 25.5.1 / 6.9
 * (the VMX-preemption timer before external interrupts).
 *   - vmcs12's VMX-preemption timer expired (nested_timer12): exit reason 52.
 *   - An external interrupt for the VM with vmcs12's "external-interrupt exiting" (25.2): exit
 *     reason 1, the vector in the exit interruption information with "acknowledge interrupt
 *     on exit" (the interrupt is taken), else that field invalid and the interrupt still
 *     pending for L1.  Without the control the interrupt goes to L2 (L0's injection).
 * Right after a nested entry the entry (and any event it injects) completes first: MTF stops
 * L2 at the next instruction boundary after it (25.5.2), then the exit is made (*hold).
 */
enum hv_ret nested_l2_pending(struct hv_vcpu *v, void *state, bool *hold)
{
	struct nested *n = state;
	if (!n->guest_mode)
		return HV_RESUME;
	bool timer = n->timer12 && hv_retired(v) >= n->timer12_deadline;
	bool intr =
	    v->irq >= 0 && (nested_get12(n, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_EXT_INTR_EXITING);
	if (!timer && !intr)
		return HV_RESUME;
	if (n->run_pending && (!timer || v->inject.valid)) {
		*hold = true;
		return HV_RESUME;
	}
	if (timer)
		return synth_exit(v, n, VMX_EXIT_PREEMPTION_TIMER, 0);
	u32 info = 0;
	if (nested_get12(n, VMCS_VM_EXIT_CONTROLS) & EXIT_ACK_INTR_ON_EXIT) {
		info = VMX_INTR_INFO_VALID |
		       (u32)VMX_INTR_TYPE_EXT_INTR << VMX_INTR_INFO_TYPE_SHIFT | (u8)v->irq;
		v->irq = -1;
	}
	return synth_exit(v, n, VMX_EXIT_EXTERNAL_INTERRUPT, info);
}

u64 nested_l2_cr_mask(struct hv_vcpu *v, void *state, unsigned cr)
{
	(void)v;
	return nested_get12(state, cr == 0 ? VMCS_CR0_GUEST_HOST_MASK : VMCS_CR4_GUEST_HOST_MASK);
}
