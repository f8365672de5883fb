// SPDX-License-Identifier: MIT
/*
 * Exit handlers without a device or memory behind them: exceptions, external interrupts,
 * triple fault, interrupt window, HLT, INVD, VMCALL (the hypercalls of hv.h), the VMX
 * instructions, failed VM entries, MTF, the VMX-preemption timer, XSETBV and ENCLS.
 * Handler contract: src/hv/vcpu.h.  Exit qualifications and information fields: SDM Vol. 3C
 * 27.2 "Recording VM-Exit Information and Updating VM-Entry Control Fields".
 */
#include <string.h>

#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/archinfo.h"
#include "lib/trace.h"

#define RFLAGS_IF BIT(9)

/*
 * Exception or NMI (reason 0; 27.2.2 "Information for VM Exits Due to Vectored Events").  L0's
 * exception bitmap is empty, so this exit comes only from an L0 that asks for it later; the
 * event goes back to the guest as KVM's handle_exception_nmi sends it: a hardware exception
 * with its error code (#PF with CR2 = the exit qualification, which holds the faulting linear
 * address: a #PF that exits does not load CR2, 27.1 "Architectural State Before a VM Exit"),
 * an NMI as an NMI, INT3/INTO as a software exception with the instruction length (26.5.1.1
 * "Details of Vectored-Event Injection"), and INT1/ICEBP (privileged software exception) by
 * skipping the instruction and injecting #DB, which after an enclave exit leaves RIP at the AEP
 * because the length is 0 (the debug-enclave case of the KVM change).
 */
enum hv_ret hv_exit_exception_nmi(struct hv_vcpu *v)
{
	u32 info = v->exit.intr_info;
	u8 vector = (u8)info;
	unsigned type = (info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	bool ec = info & VMX_INTR_INFO_ERROR_CODE;
	if (!(info & VMX_INTR_INFO_VALID))
		return hv_exit_unexpected(v);
	switch (type) {
	case VMX_INTR_TYPE_NMI: hv_inject_event(v, X86_VEC_NMI, type, false, 0, 0); break;
	case VMX_INTR_TYPE_HARD_EXCEPTION:
		if (vector == X86_VEC_PF)
			vx_cpu_set_reg(v->cpu, VX_CR2, v->exit.qual);
		hv_inject_event(v, vector, type, ec, v->exit.intr_error, 0);
		break;
	case VMX_INTR_TYPE_SOFT_EXCEPTION:
		hv_inject_event(v, vector, type, false, 0, v->exit.insn_len);
		break;
	case VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION:
		hv_skip_insn(v);
		hv_inject_event(v, X86_VEC_DB, VMX_INTR_TYPE_HARD_EXCEPTION, false, 0, 0);
		break;
	default: return hv_exit_unexpected(v);
	}
	return HV_RESUME;
}

/* Reason 1: external-interrupt exiting is not set and the machine has no host interrupt
 * source; KVM handles the interrupt in the host and resumes. */
enum hv_ret hv_exit_external_interrupt(struct hv_vcpu *v)
{
	(void)v;
	return HV_RESUME;
}

static void describe_faults(const struct hv_vcpu *v, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	if (!v->nchain)
		return;
	n = (size_t)snprintf(buf, len, "; exceptions:");
	for (unsigned k = 0; k < v->nchain && n < len; k++) {
		const char *mn = vx_vector_mnemonic(v->exc_chain[k]);
		n += (size_t)snprintf(buf + n, len - n, "%s %s", k ? " ->" : "",
				      mn ? mn : "interrupt");
	}
	if (n < len)
		snprintf(buf + n, len - n, " (last at RIP 0x%llx)", (unsigned long long)v->exc_rip);
}

/* Reason 2 (25.2 "Other Causes of VM Exits": a triple fault exits instead of shutdown): the
 * VM ends with status 4, as bare mode's shutdown does. */
enum hv_ret hv_exit_triple_fault(struct hv_vcpu *v)
{
	char extra[128];
	describe_faults(v, extra, sizeof(extra));
	trace_triple_fault(v->trace, 0, v->lvl, v->exit.rip);
	return hv_stop_vm(v, HV_STOP_TRIPLE_FAULT, VX_EXIT_TRIPLE_FAULT,
			  "guest triple fault (shutdown) at RIP 0x%llx%s",
			  (unsigned long long)v->exit.rip, extra);
}

/* Reason 7: the guest can take the pending interrupt; hv_prepare_entry injects it and
 * clears the control. */
enum hv_ret hv_exit_interrupt_window(struct hv_vcpu *v)
{
	(void)v;
	return HV_RESUME;
}

/*
 * HLT (reason 12; KVM's kvm_emulate_halt skips the instruction, then halts the vCPU).  Time is
 * retired instructions, so a halt with interrupts enabled and an interrupt coming (the armed
 * timer, or one already pending) skips the idle time: the timer fires now and the interrupt is
 * injected at once.  Anything else can never wake the guest: status 3, as bare mode.
 */
enum hv_ret hv_exit_hlt(struct hv_vcpu *v)
{
	hv_skip_insn(v);
	bool iff = hv_vmread(v, VMCS_GUEST_RFLAGS) & RFLAGS_IF;
	if (iff && (v->timer.armed || v->irq >= 0)) {
		if (v->timer.armed)
			hv_timer_fire(v);
		return HV_RESUME;
	}
	return hv_stop_vm(v, HV_STOP_HALT, VX_EXIT_HALTED,
			  "guest halted at RIP 0x%llx with %s, without writing the exit port",
			  (unsigned long long)hv_vmread(v, VMCS_GUEST_RIP),
			  iff ? "interrupts enabled but no interrupt source armed"
			      : "interrupts disabled");
}

/* INVD (reason 13, exits unconditionally, 25.1.2): the model has no caches to invalidate. */
enum hv_ret hv_exit_invd(struct hv_vcpu *v)
{
	hv_skip_insn(v);
	return HV_RESUME;
}

static u64 hypercall(struct hv_vcpu *v, u64 nr, bool *stop)
{
	switch (nr) {
	case HV_HC_PUTC: hv_console_putc(v, (u8)hv_gpr(v, VX_RBX)); return 0;
	case HV_HC_EXIT: *stop = true; return 0;
	case HV_HC_INFO: hv_set_gpr(v, VX_RBX, hv_retired(v)); return HV_HC_INFO_MAGIC;
	default: return (u64) - (s64)HV_HC_ENOSYS;
	}
}

/* VMCALL (reason 18, exits unconditionally in VMX non-root operation, 25.1.2): the hypercalls
 * of hv.h; at CPL > 0 nothing happens but RAX = -EPERM (KVM's kvm_emulate_hypercall). */
enum hv_ret hv_exit_vmcall(struct hv_vcpu *v)
{
	u64 nr = hv_gpr(v, VX_RAX);
	trace_hypercall(v->trace, 0, v->lvl, nr, v->exit.rip);
	bool stop = false;
	u64 ret = hv_guest_cpl(v) ? (u64) - (s64)HV_HC_EPERM : hypercall(v, nr, &stop);
	hv_set_gpr(v, VX_RAX, ret);
	hv_skip_insn(v);
	if (!stop)
		return HV_RESUME;
	v->via_hypercall = true;
	return hv_stop_vm(v, HV_STOP_EXIT, (int)(hv_gpr(v, VX_RBX) & 0xff), "%s", "");
}

/* The VMX instructions (reasons 19-27, 50, 53; unconditional exits, 25.1.2): emulated by
 * src/nested when the run has it (hv_config.nested) and the VM exposes VMX; otherwise #UD, as
 * in KVM without nested support (handle_vmx_instruction). */
enum hv_ret hv_exit_vmx_insn(struct hv_vcpu *v)
{
	if (v->nested && !v->cfg.hide_vmx)
		return v->cfg.nested->vmx_insn(v, v->nested);
	hv_inject_ud(v);
	return HV_RESUME;
}

/* A VM entry that failed while or after loading guest state (reasons 33, 34, 41 with bit 31;
 * 26.7): KVM exits to user space with KVM_EXIT_FAIL_ENTRY and the full reason. */
enum hv_ret hv_exit_failed_entry(struct hv_vcpu *v)
{
	const struct vx_exit_reason_info *i = vx_exit_reason_info(v->exit.basic);
	return hv_fatal(v, "VM entry failed: exit reason 0x%08x (%s), qualification 0x%llx",
			v->exit.full, i ? i->name : "?", (unsigned long long)v->exit.qual);
}

/* MTF (reason 37) and the VMX-preemption timer (reason 52): the stop L0 asked for; the next
 * hv_prepare_entry decides (budget, timer). */
enum hv_ret hv_exit_mtf(struct hv_vcpu *v)
{
	(void)v;
	return HV_RESUME;
}

/*
 * The VMX-preemption timer (reason 52) stops the guest at L0's budget or timer deadline
 * (run.c).  The armed interrupt timer fires now when
 *   - the guest is in the HLT activity state (an L2 its L1 halted): it retires nothing, so as
 *     in L0's own HLT handling the idle time is skipped;
 *   - the stop came from enclave mode within the timer's granularity (2^X instructions,
 *     IA32_VMX_MISC[4:0]) of the deadline (D65): the exit already made the AEX an interrupt
 *     in the enclave makes, and stepping on to the exact deadline would run the untrusted
 *     AEP code and deliver it outside the enclave, an artifact of L0's timing.
 */
enum hv_ret hv_exit_preemption_timer(struct hv_vcpu *v)
{
	if (!v->timer.armed)
		return HV_RESUME;
	u64 left = v->timer.deadline - hv_retired(v);
	if (hv_vmread(v, VMCS_GUEST_ACTIVITY_STATE) == VMX_ACTIVITY_HLT ||
	    (v->exit.enclave_mode && left <= (1ull << v->ctls.timer_shift)))
		hv_timer_fire(v);
	return HV_RESUME;
}

/*
 * XSETBV (reason 55, exits unconditionally; the #UD for CR4.OSXSAVE = 0 and the #GP for CPL > 0
 * come first, 25.1.1 "Relative Priority of Faults and VM Exits").  The rules of the XSETBV page
 * and 13.3 "Enabling the XSAVE Feature Set and XSAVE-Enabled Features", against the XCR0 bits
 * the guest's CPUID.(0DH,0):EDX:EAX reports: #GP(0) when ECX != 0, bit 0 clear, an unsupported
 * bit set, AVX without SSE, the two MPX bits different, or the AVX-512 bits partly set or
 * without AVX.  XCR0 is not switched by VM entry or exit: the processor's XCR0 is the guest's.
 */
static bool xcr0_ok(u64 v, u64 supported)
{
	u64 avx512 = GENMASK(7, 5);
	if ((v & ~supported) || !(v & BIT(0)))
		return false;
	if ((v & BIT(2)) && !(v & BIT(1)))
		return false;
	if (!!(v & BIT(3)) != !!(v & BIT(4)))
		return false;
	return !(v & avx512) || ((v & avx512) == avx512 && (v & BIT(2)));
}

enum hv_ret hv_exit_xsetbv(struct hv_vcpu *v)
{
	u32 r[4];
	hv_cpuid_raw(v, 0xd, 0, r);
	hv_cpuid_filter(&v->cfg, 0xd, 0, r);
	u64 supported = ((u64)r[3] << 32) | r[0];
	u64 val = (hv_gpr(v, VX_RDX) << 32) | (u32)hv_gpr(v, VX_RAX);
	if ((u32)hv_gpr(v, VX_RCX) != 0 || !xcr0_ok(val, supported)) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	vx_cpu_set_reg(v->cpu, VX_XCR0, val);
	hv_skip_insn(v);
	return HV_RESUME;
}
