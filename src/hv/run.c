// SPDX-License-Identifier: MIT
/*
 * The run loop of DESIGN.md section 3: prepare the entry, VMLAUNCH/VMRESUME (the call returns
 * at the VM exit with host state loaded, 27.5 "Loading Host State"), read the exit once, trace
 * it, dispatch it on the basic reason.
 *
 * Exit reason (SDM Vol. 3C 24.9.1 "Basic VM-Exit Information", Table 24-14 "Format of Exit
 * Reason"): bits 15:0 basic reason, bit 26 bus lock (later SDMs), bit 27 "VM exit from enclave
 * mode", bit 28 pending MTF VM exit, bit 29 VM exit from VMX root operation (SMM), bit 31
 * VM-entry failure.  The order of the checks after an exit is KVM's __vmx_handle_exit
 * (../shared/spec/kvm-sgx.md section 2): a failed VM entry first (26.7 "VM-Entry Failures
 * During or After Loading Guest State": nothing else is valid then); then an exit during event
 * delivery (27.2.3 "Information for VM Exits During Event Delivery") whose reason cannot have
 * happened while delivering an event stops the VM; then the table.  An event whose delivery a
 * VM exit interrupted is delivered again by the next entry (re-injected from the IDT-vectoring
 * information, KVM's vmx_complete_interrupts), unless the handler queues another.
 *
 * The table has a row for every reason of src/arch/vmx_exit_reasons.def (tests/unit/
 * test_hv_dispatch.c walks the .def): a handler, hv_exit_unexpected (a reason L0 never enables,
 * so the exit means the processor or L0 is wrong: the VM stops with the raw reason, as KVM's
 * "unexpected exit reason" does) or hv_exit_ud (an instruction L0 does not expose: #UD).
 *
 * Before each entry (hv_prepare_entry): the interrupt timer fires when its deadline has
 * passed; the instruction budget ends the run with status 124; the queued event is injected
 * (24.8.3 "VM-Entry Controls for Event Injection"), else a pending external interrupt is
 * injected when the guest can take it (26.3.1.5 "Checks on Guest Non-Register State": RFLAGS.IF
 * = 1, no blocking by STI or MOV SS) or interrupt-window exiting is set (24.6.2 Table 24-6;
 * the exit comes when the guest can take it, 25.2 "Other Causes of VM Exits"); the
 * VMX-preemption timer is armed to stop the guest at the budget or the timer deadline (25.5.1
 * "VMX-Preemption Timer": it counts down by 1 each time TSC bit X changes, X =
 * IA32_VMX_MISC[4:0]); when the next stop is closer than the timer's granularity the monitor
 * trap flag makes every instruction exit (25.5.2 "Monitor Trap Flag").
 */
#include <string.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/archinfo.h"
#include "lib/trace.h"
#include "vx/vmx.h"

#define RFLAGS_IF BIT(9)

void hv_exit_decode_reason(u32 full, struct hv_exit *e)
{
	e->full = full;
	e->basic = (u16)(full & VMX_EXIT_REASON_BASIC_MASK);
	e->bus_lock = full & VMX_EXIT_REASON_BUS_LOCK;
	e->enclave_mode = full & VMX_EXIT_REASON_ENCLAVE_MODE;
	e->smi_pending_mtf = full & VMX_EXIT_REASON_PENDING_MTF;
	e->smi_from_root = full & VMX_EXIT_REASON_FROM_VMX_ROOT;
	e->failed_vmentry = full & VMX_EXIT_REASON_FAILED_VMENTRY;
}

/* Reasons whose handlers or src/nested read the VM-exit instruction-information field
 * (27.2.4: I/O and the VMX instructions). */
static bool wants_insn_info(u16 basic)
{
	return (basic >= VMX_EXIT_VMCALL && basic <= VMX_EXIT_VMXON) ||
	       basic == VMX_EXIT_IO_INSTRUCTION || basic == VMX_EXIT_INVEPT ||
	       basic == VMX_EXIT_INVVPID;
}

/*
 * The fields every exit writes (27.2: reason, qualification, the interruption and IDT-vectoring
 * information, whose valid bits say whether their error codes mean anything), RIP, the
 * interruptibility state and the instruction length, in one batch of VMREADs; the addresses
 * only for the EPT exits that write them (27.2.1) and the instruction information for the
 * reasons that use it, as KVM reads them on demand.  A field not read stays 0 in v->exit.
 */
void hv_exit_read(struct hv_vcpu *v)
{
	static const u32 enc[] = {VMCS_EXIT_REASON,
				  VMCS_EXIT_QUALIFICATION,
				  VMCS_GUEST_RIP,
				  VMCS_GUEST_INTERRUPTIBILITY_INFO,
				  VMCS_VM_EXIT_INTR_INFO,
				  VMCS_IDT_VECTORING_INFO,
				  VMCS_VM_EXIT_INSTRUCTION_LEN};
	u64 f[ARRAY_SIZE(enc)] = {0};
	struct hv_exit *e = &v->exit;
	*e = (struct hv_exit){0};
	v->exit_fields.enc = enc;
	v->exit_fields.n = ARRAY_SIZE(enc);
	hv_vmread_list(v, &v->exit_fields, f);
	hv_exit_decode_reason((u32)f[0], e);
	e->qual = f[1];
	e->rip = f[2];
	e->guest_intr = (u32)f[3];
	/* the exit saved new guest state: the register cache starts from these two */
	hv_cache_fields(v, f[2], (u32)f[3]);
	if (e->failed_vmentry)
		return; /* 26.7: only the exit reason and qualification are written */
	if (e->basic == VMX_EXIT_EPT_VIOLATION || e->basic == VMX_EXIT_EPT_MISCONFIG)
		e->gpa = hv_vmread(v, VMCS_GUEST_PHYSICAL_ADDRESS);
	if (e->basic == VMX_EXIT_EPT_VIOLATION)
		e->gla = hv_vmread(v, VMCS_GUEST_LINEAR_ADDRESS);
	e->intr_info = (u32)f[4];
	if ((e->intr_info & VMX_INTR_INFO_VALID) && (e->intr_info & VMX_INTR_INFO_ERROR_CODE))
		e->intr_error = (u32)hv_vmread(v, VMCS_VM_EXIT_INTR_ERROR_CODE);
	e->idt_info = (u32)f[5];
	if ((e->idt_info & VMX_INTR_INFO_VALID) && (e->idt_info & VMX_INTR_INFO_ERROR_CODE))
		e->idt_error = (u32)hv_vmread(v, VMCS_IDT_VECTORING_ERROR_CODE);
	e->insn_len = (u32)f[6];
	if (wants_insn_info(e->basic))
		e->insn_info = (u32)hv_vmread(v, VMCS_VMX_INSTRUCTION_INFO);
}

/* ---- the dispatch table ---- */

#define ROW(reason, fn) [VMX_EXIT_##reason] = fn
static hv_exit_fn *const handlers[VMX_EXIT_MAX_BASIC + 1] = {
    ROW(EXCEPTION_NMI, hv_exit_exception_nmi),
    ROW(EXTERNAL_INTERRUPT, hv_exit_external_interrupt),
    ROW(TRIPLE_FAULT, hv_exit_triple_fault),
    ROW(INIT_SIGNAL, hv_exit_unexpected), /* no INIT source in the machine */
    ROW(SIPI_SIGNAL, hv_exit_unexpected),
    ROW(IO_SMI, hv_exit_unexpected), /* no SMM */
    ROW(OTHER_SMI, hv_exit_unexpected),
    ROW(INTERRUPT_WINDOW, hv_exit_interrupt_window),
    ROW(NMI_WINDOW, hv_exit_unexpected),  /* NMI-window exiting is never set */
    ROW(TASK_SWITCH, hv_exit_unexpected), /* no task switch in IA-32e mode (7.7) */
    ROW(CPUID, hv_exit_cpuid),
    ROW(GETSEC, hv_exit_ud), /* SMX is not exposed */
    ROW(HLT, hv_exit_hlt),
    ROW(INVD, hv_exit_invd),
    ROW(INVLPG, hv_exit_unexpected), /* INVLPG exiting is never set (EPT) */
    ROW(RDPMC, hv_exit_unexpected),
    ROW(RDTSC, hv_exit_unexpected),
    ROW(RSM, hv_exit_ud), /* no SMM */
    ROW(VMCALL, hv_exit_vmcall),
    ROW(VMCLEAR, hv_exit_vmx_insn),
    ROW(VMLAUNCH, hv_exit_vmx_insn),
    ROW(VMPTRLD, hv_exit_vmx_insn),
    ROW(VMPTRST, hv_exit_vmx_insn),
    ROW(VMREAD, hv_exit_vmx_insn),
    ROW(VMRESUME, hv_exit_vmx_insn),
    ROW(VMWRITE, hv_exit_vmx_insn),
    ROW(VMXOFF, hv_exit_vmx_insn),
    ROW(VMXON, hv_exit_vmx_insn),
    ROW(CR_ACCESS, hv_exit_cr_access),
    ROW(DR_ACCESS, hv_exit_unexpected), /* MOV-DR exiting is never set */
    ROW(IO_INSTRUCTION, hv_exit_io),
    ROW(MSR_READ, hv_exit_msr_read),
    ROW(MSR_WRITE, hv_exit_msr_write),
    ROW(INVALID_STATE, hv_exit_failed_entry),
    ROW(MSR_LOAD_FAIL, hv_exit_failed_entry),
    ROW(MWAIT_INSTRUCTION, hv_exit_unexpected),
    ROW(MONITOR_TRAP_FLAG, hv_exit_mtf),
    ROW(MONITOR_INSTRUCTION, hv_exit_unexpected),
    ROW(PAUSE_INSTRUCTION, hv_exit_unexpected), /* PAUSE exiting is never set */
    ROW(MCE_DURING_VMENTRY, hv_exit_failed_entry),
    ROW(TPR_BELOW_THRESHOLD, hv_exit_unexpected),
    ROW(APIC_ACCESS, hv_exit_unexpected),
    ROW(EOI_INDUCED, hv_exit_unexpected),
    ROW(GDTR_IDTR, hv_exit_unexpected),
    ROW(LDTR_TR, hv_exit_unexpected),
    ROW(EPT_VIOLATION, hv_exit_ept_violation),
    ROW(EPT_MISCONFIG, hv_exit_ept_misconfig),
    ROW(INVEPT, hv_exit_vmx_insn),
    ROW(RDTSCP, hv_exit_unexpected),
    ROW(PREEMPTION_TIMER, hv_exit_preemption_timer),
    ROW(INVVPID, hv_exit_vmx_insn),
    ROW(WBINVD, hv_exit_unexpected),
    ROW(XSETBV, hv_exit_xsetbv),
    ROW(APIC_WRITE, hv_exit_unexpected),
    ROW(RDRAND, hv_exit_ud), /* RDRAND exiting is set only when the VM hides RDRAND */
    ROW(INVPCID, hv_exit_unexpected),
    ROW(VMFUNC, hv_exit_ud), /* VM functions are not enabled */
    ROW(ENCLS, hv_exit_encls),
    ROW(RDSEED, hv_exit_ud), /* RDSEED exiting is set only when the VM hides RDSEED */
    ROW(PML_FULL, hv_exit_unexpected),
    ROW(XSAVES, hv_exit_unexpected),
    ROW(XRSTORS, hv_exit_unexpected),
    ROW(PCONFIG, hv_exit_unexpected),
    ROW(SPP_EVENT, hv_exit_unexpected),
    ROW(UMWAIT, hv_exit_unexpected),
    ROW(TPAUSE, hv_exit_unexpected),
    ROW(LOADIWKEY, hv_exit_unexpected),
    ROW(ENCLV, hv_exit_unexpected), /* ENCLV exiting is never set (KVM never uses it) */
    ROW(SGX_CONFLICT, hv_exit_unexpected),
    ROW(ENQCMD_PASID_FAIL, hv_exit_unexpected),
    ROW(ENQCMDS_PASID_FAIL, hv_exit_unexpected),
    ROW(BUS_LOCK, hv_exit_unexpected), /* VMM bus-lock detection is never set */
    ROW(NOTIFY, hv_exit_unexpected),
    ROW(SEAMCALL, hv_exit_ud), /* KVM: SEAMCALL and TDCALL from a guest #UD */
    ROW(TDCALL, hv_exit_ud),
    ROW(RDMSRLIST, hv_exit_unexpected),
    ROW(WRMSRLIST, hv_exit_unexpected),
    ROW(URDMSR, hv_exit_unexpected),
    ROW(UWRMSR, hv_exit_unexpected),
    ROW(MSR_READ_IMM, hv_exit_unexpected),
    ROW(MSR_WRITE_IMM, hv_exit_unexpected),
};

hv_exit_fn *hv_exit_handler(u32 basic)
{
	return basic < ARRAY_SIZE(handlers) ? handlers[basic] : NULL;
}

static const char *reason_name(u32 basic)
{
	const struct vx_exit_reason_info *i = vx_exit_reason_info(basic);
	return i ? i->name : "not architectural";
}

enum hv_ret hv_exit_unexpected(struct hv_vcpu *v)
{
	return hv_fatal(v,
			"unexpected VM exit reason 0x%08x (%s) at RIP 0x%llx, qualification "
			"0x%llx",
			v->exit.full, reason_name(v->exit.basic), (unsigned long long)v->exit.rip,
			(unsigned long long)v->exit.qual);
}

enum hv_ret hv_exit_ud(struct hv_vcpu *v)
{
	hv_inject_ud(v);
	return HV_RESUME;
}

/* KVM's list of reasons that may legitimately interrupt event delivery. */
static bool vectoring_ok(u16 basic)
{
	return basic == VMX_EXIT_EXCEPTION_NMI || basic == VMX_EXIT_EPT_VIOLATION ||
	       basic == VMX_EXIT_PML_FULL || basic == VMX_EXIT_APIC_ACCESS ||
	       basic == VMX_EXIT_TASK_SWITCH || basic == VMX_EXIT_NOTIFY;
}

/* 27.2.3 and 26.5.1.1: the interrupted event goes back into the VM-entry fields, software
 * events with the VM-exit instruction length. */
static void requeue_vectoring(struct hv_vcpu *v)
{
	u32 info = v->exit.idt_info;
	unsigned type = (info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	bool soft = type == VMX_INTR_TYPE_SOFT_INTR || type == VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION ||
		    type == VMX_INTR_TYPE_SOFT_EXCEPTION;
	hv_inject_event(v, (u8)info, type, info & VMX_INTR_INFO_ERROR_CODE, v->exit.idt_error,
			soft ? v->exit.insn_len : 0);
}

enum hv_ret hv_dispatch(struct hv_vcpu *v)
{
	const struct hv_exit *e = &v->exit;
	enum hv_ret nr;
	if (v->nested && v->lvl == TRACE_L2 && v->cfg.nested->l2_exit(v, v->nested, &nr))
		return nr; /* an exit of L2 that L1 handles (src/nested reflected it) */
	if (e->failed_vmentry)
		return hv_exit_failed_entry(v);
	if (e->idt_info & VMX_INTR_INFO_VALID) {
		if (!vectoring_ok(e->basic))
			return hv_fatal(v,
					"VM exit %s (0x%08x) during event delivery (IDT-vectoring "
					"information 0x%08x) at RIP 0x%llx",
					reason_name(e->basic), e->full, e->idt_info,
					(unsigned long long)e->rip);
		requeue_vectoring(v);
	}
	hv_exit_fn *fn = hv_exit_handler(e->basic);
	enum hv_ret r = fn ? fn(v) : hv_exit_unexpected(v);
	if (r == HV_RESUME && e->bus_lock)
		hv_warn_once(v, 1u << 8, "a VM exit reported a bus lock (exit-reason bit 26)");
	return r;
}

/* ---- before each entry ---- */

/* The guest can take an external interrupt now (26.3.1.5, 24.4.2 "Guest Non-Register State"). */
static bool interruptible(struct hv_vcpu *v)
{
	u64 intr = hv_vmread(v, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	return (hv_vmread(v, VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(intr & (VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_MOV_SS)) &&
	       hv_vmread(v, VMCS_GUEST_ACTIVITY_STATE) <= VMX_ACTIVITY_HLT; /* active or HLT */
}

static u32 inject_pending(struct hv_vcpu *v, u32 proc)
{
	if (!v->inject.valid && v->irq >= 0 && interruptible(v)) {
		hv_inject_interrupt(v, (u8)v->irq);
		v->irq = -1;
	}
	if (v->irq >= 0)
		proc |= PROC_INTR_WINDOW_EXITING;
	if (!v->inject.valid) {
		/* A VM exit clears the valid bit (27.2), a failed VM entry does not (26.7) */
		if (v->entry_intr_valid)
			hv_vmwrite(v, VMCS_VM_ENTRY_INTR_INFO, 0);
		v->entry_intr_valid = false;
		return proc;
	}
	const struct hv_event *ev = &v->inject;
	hv_vmwrite(v, VMCS_VM_ENTRY_INTR_INFO, ev->info);
	v->entry_intr_valid = ev->info & VMX_INTR_INFO_VALID;
	if (ev->info & VMX_INTR_INFO_ERROR_CODE)
		hv_vmwrite(v, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error);
	hv_vmwrite(v, VMCS_VM_ENTRY_INSTRUCTION_LEN, ev->insn_len);
	trace_inject(v->trace, 0, v->lvl, ev->info, ev->error);
	v->inject.valid = false;
	return proc;
}

static u64 sat_add(u64 a, u64 b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Preemption-timer value (or MTF) that stops the guest after at most `limit` instructions:
 * the timer expires after the TSC crossed ticks multiples of 2^X from tsc. */
static u32 arm_budget(struct hv_vcpu *v, u32 proc, u64 now)
{
	if (!v->ctls.preempt_timer)
		return proc;
	u64 limit = UINT64_MAX, ticks = 0xffffffffu;
	if (v->cfg.max_insns)
		limit = v->cfg.max_insns - now;
	if (v->timer.armed && v->timer.deadline - now < limit)
		limit = v->timer.deadline - now;
	if (v->stop_at && v->stop_at > now && v->stop_at - now < limit)
		limit = v->stop_at - now;
	if (limit != UINT64_MAX) {
		u64 tsc = 0;
		vx_cpu_get_msr(v->cpu, MSR_IA32_TIME_STAMP_COUNTER, &tsc);
		unsigned x = v->ctls.timer_shift;
		ticks = (sat_add(tsc, limit) >> x) - (tsc >> x);
		if (ticks == 0 && ((v->caps.proc >> 32) & PROC_MONITOR_TRAP_FLAG)) {
			/* MTF stops the guest after one instruction, except inside an enclave
			 * entered through an opt-out TCS, where MTF is suppressed (SDM Vol. 3D
			 * 43.2.3): the timer, 2^X instructions at most, is the backstop. */
			proc |= PROC_MONITOR_TRAP_FLAG;
			ticks = 1;
		} else if (ticks == 0) {
			ticks = 1; /* no MTF: the stop may come up to 2^X instructions late */
		} else if (ticks > 0xffffffffu) {
			ticks = 0xffffffffu;
		}
	}
	if (!v->timer_known || v->timer_value != ticks) {
		hv_vmwrite(v, VMCS_VMX_PREEMPTION_TIMER_VALUE, ticks);
		v->timer_value = (u32)ticks;
		v->timer_known = true;
	}
	return proc;
}

bool hv_prepare_entry(struct hv_vcpu *v)
{
	u64 now = hv_retired(v);
	if (v->timer.armed && now >= v->timer.deadline)
		hv_timer_fire(v);
	if (v->cfg.max_insns && now >= v->cfg.max_insns) {
		hv_stop_vm(v, HV_STOP_BUDGET, VX_EXIT_BUDGET,
			   "instruction budget exhausted: %llu instructions retired, RIP 0x%llx",
			   (unsigned long long)now,
			   (unsigned long long)hv_vmread(v, VMCS_GUEST_RIP));
		return false;
	}
	bool hold = false;
	if (v->nested && v->lvl == TRACE_L2 && v->cfg.nested->l2_pending &&
	    v->cfg.nested->l2_pending(v, v->nested, &hold) != HV_RESUME)
		return false; /* src/nested could not take L2 back to L1 */
	u32 proc = (v->proc & ~(PROC_INTR_WINDOW_EXITING | PROC_MONITOR_TRAP_FLAG)) | v->proc_keep;
	if (hold && ((v->caps.proc >> 32) & PROC_MONITOR_TRAP_FLAG))
		proc |= PROC_MONITOR_TRAP_FLAG; /* without MTF the next exit of L2 will do */
	else if (!hold)
		proc = inject_pending(v, proc);
	proc = arm_budget(v, proc, now);
	if (proc != v->proc) {
		hv_vmwrite(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
		v->proc = proc;
	}
	return true;
}

/* ---- entering the guest ---- */

/*
 * L1 resumed L2 in the HLT activity state (24.4.2; how an L1 handles L2's HLT) and the
 * processor found nothing to wake it: as L0's own HLT handling (exit_misc.c), the armed timer
 * fires now (time is retired instructions) and the next entry delivers or reflects the
 * interrupt; a halt nothing can end stops the VM with status 3.
 */
static enum hv_ret l2_halted(struct hv_vcpu *v)
{
	if (v->timer.armed) {
		hv_timer_fire(v);
		v->halt_spins = 0;
		return HV_RESUME;
	}
	if (v->irq >= 0 && v->halt_spins++ < 2)
		return HV_RESUME; /* it waits for L1 (external-interrupt exiting) or a window */
	return hv_stop_vm(v, HV_STOP_HALT, VX_EXIT_HALTED,
			  "L2 halted at RIP 0x%llx with nothing that can wake it",
			  (unsigned long long)hv_vmread(v, VMCS_GUEST_RIP));
}

static enum hv_ret entry_failed(struct hv_vcpu *v, const char *insn, struct vx_vmx_result r)
{
	switch (r.outcome) {
	case VX_VMFAIL_VALID: {
		const char *name = vx_insn_error_name(r.error);
		return hv_fatal(v, "%s failed: VMfailValid, VM-instruction error %u (%s)", insn,
				r.error, name ? name : "?");
	}
	case VX_VMX_ABORT:
		/* 27.7 "VMX Aborts": the indicator is at byte 4 of the VMCS region.  With vmcs02
		 * (L0's host state), only vmcs12's VM-exit MSR-store list can cause it: L1's
		 * abort, after which its logical processor shuts down, as on the bare machine. */
		if (v->nested && v->lvl == TRACE_L2)
			return hv_stop_vm(v, HV_STOP_TRIPLE_FAULT, VX_EXIT_TRIPLE_FAULT,
					  "VMX abort (indicator %u) at a VM exit of L2 (vmcs12's "
					  "VM-exit MSR-store list): L1 shuts down",
					  (unsigned)vx_phys_read(v->phys, v->lay.vmcs02 + 4, 4));
		return hv_fatal(v, "VMX abort (indicator %u) at a VM exit",
				(unsigned)vx_phys_read(v->phys, v->lay.vmcs + 4, 4));
	case VX_VMX_GUEST_HALTED:
		if (v->nested && v->lvl == TRACE_L2)
			return l2_halted(v);
		/* HLT exiting is set: a halted guest means the processor did not exit. */
		return hv_fatal(v,
				"the guest halted in VMX non-root operation without a VM exit "
				"(HLT exiting is set), RIP 0x%llx",
				(unsigned long long)vx_cpu_get_reg(v->cpu, VX_RIP));
	case VX_VMX_GUEST_STOPPED:
		/* L0 never asks the processor to stop: an exception loop that retires nothing
		 * (bare mode's "stuck", status 124). */
		return hv_stop_vm(v, HV_STOP_BUDGET, VX_EXIT_BUDGET,
				  "guest stuck in VMX non-root operation without a VM exit (RIP "
				  "0x%llx)",
				  (unsigned long long)vx_cpu_get_reg(v->cpu, VX_RIP));
	default:
		return hv_fatal(v, "%s failed: %s (vector %u)", insn,
				vx_vmx_outcome_name(r.outcome), r.vector);
	}
}

static void trace_exit_record(struct hv_vcpu *v)
{
	const struct hv_exit *e = &v->exit;
	if (!v->trace || (!v->trace->stats && !trace_on(v->trace, TRACE_vmexit)))
		return; /* no record, no --stats count: not even the call */
	trace_vmexit(v->trace, 0, v->lvl, e->full, e->rip, e->qual, e->insn_len, e->intr_info,
		     e->guest_intr);
}

/* VMLAUNCH or VMRESUME: the guest runs until a VM exit (or a failed VM entry) loads host
 * state; HV_RESUME when the exit was read into v->exit. */
static enum hv_ret enter(struct hv_vcpu *v, bool *exited)
{
	bool launch = !v->launched;
	const char *insn = launch ? "VMLAUNCH" : "VMRESUME";
	if (trace_on(v->trace, TRACE_vmentry))
		trace_vmentry(v->trace, 0, v->lvl, launch, hv_vmread(v, VMCS_GUEST_RIP));
	struct vx_vmx_result r = launch ? vx_vmlaunch(v->cpu) : vx_vmresume(v->cpu);
	if (r.outcome != VX_VMX_EXITED) {
		*exited = false;
		return entry_failed(v, insn, r);
	}
	*exited = true;
	v->halt_spins = 0;
	hv_exit_read(v);
	v->exits++;
	/* KVM: a failed VM entry leaves the VMCS "clear" (not launched). */
	if (!v->exit.failed_vmentry)
		v->launched = true;
	trace_exit_record(v);
	return HV_RESUME;
}

/* ---- processor events during the guest's run (trace, messages) ---- */

static void on_event(void *ctx, struct vx_cpu *c, const struct vx_event *ev)
{
	struct hv_vcpu *v = ctx;
	(void)c;
	switch (ev->kind) {
	case VX_EV_EXCEPTION: {
		if (v->nchain == 3)
			memmove(v->exc_chain, v->exc_chain + 1, 2);
		v->exc_chain[v->nchain < 3 ? v->nchain++ : 2] = ev->vector;
		v->exc_rip = ev->rip;
		u32 info = VMX_INTR_INFO_VALID | ((u32)(ev->type & 7) << VMX_INTR_INFO_TYPE_SHIFT) |
			   ev->vector | (ev->has_error ? VMX_INTR_INFO_ERROR_CODE : 0);
		trace_exception(v->trace, 0, v->lvl, info, ev->error_code, ev->rip, ev->cr2);
		return;
	}
	case VX_EV_INTERRUPT: trace_interrupt(v->trace, 0, v->lvl, ev->vector, ev->rip); return;
	case VX_EV_UNSUPPORTED:
		trace_unsupported(v->trace, 0, v->lvl, ev->mnemonic, ev->rip);
		return;
	case VX_EV_SHUTDOWN: return; /* in VMX non-root operation a triple fault is a VM exit */
	}
}

/* ---- the loop ---- */

static const char *why_name(const struct hv_vcpu *v)
{
	switch (v->why) {
	case HV_STOP_EXIT: return v->via_hypercall ? "hypercall" : "exit_port";
	case HV_STOP_HALT: return "halt";
	case HV_STOP_TRIPLE_FAULT: return "triple_fault";
	case HV_STOP_BUDGET: return "max_insns";
	default: return "error";
	}
}

static void finish(struct hv_vcpu *v, struct hv_result *res)
{
	u64 rip = hv_vmread(v, VMCS_GUEST_RIP);
	*res = (struct hv_result){.why = v->why,
				  .status = v->status,
				  .rip = rip,
				  .retired = hv_retired(v),
				  .exits = v->exits};
	snprintf(res->msg, sizeof(res->msg), "%s", v->msg);
	hv_console_flush(v, true);
	trace_exit(v->trace, 0, v->lvl, v->status, why_name(v), rip);
	if (v->cfg.console)
		fflush(v->cfg.console);
	if (v->trace && v->trace->f)
		fflush(v->trace->f);
}

/* Exits in a row without a retired guest instruction: a guest that makes no progress (e.g. a
 * REP string I/O of 2^64 iterations, which L0 emulates in batches) ends like bare mode's
 * "stuck" run, even without a budget. */
static enum hv_ret progress(struct hv_vcpu *v, u64 *last, u64 *stalls)
{
	u64 now = hv_retired(v);
	*stalls = now == *last ? *stalls + 1 : 0;
	*last = now;
	if (*stalls < HV_STUCK_EXITS)
		return HV_RESUME;
	return hv_stop_vm(v, HV_STOP_BUDGET, VX_EXIT_BUDGET,
			  "guest stuck: %u VM exits in a row without retiring an instruction, RIP "
			  "0x%llx",
			  HV_STUCK_EXITS, (unsigned long long)v->exit.rip);
}

void hv_vcpu_run(struct hv_vcpu *v, struct hv_result *res)
{
	enum hv_ret r = v->loaded ? HV_RESUME : hv_fatal(v, "no guest image loaded");
	u64 last = hv_retired(v), stalls = 0;
	vx_cpu_set_event_hook(v->cpu, on_event, v);
	while (r == HV_RESUME) {
		if (!hv_prepare_entry(v))
			break;
		bool exited;
		r = enter(v, &exited);
		if (r == HV_RESUME && exited)
			r = hv_dispatch(v);
		if (v->vmcs_err_field)
			r = hv_fatal(v, "VMREAD/VMWRITE of VMCS field 0x%x failed (error %u)",
				     v->vmcs_err_field & 0x7fffffffu, v->vmcs_err);
		if (r == HV_RESUME)
			r = progress(v, &last, &stalls);
	}
	vx_cpu_set_event_hook(v->cpu, NULL, NULL);
	finish(v, res);
}
