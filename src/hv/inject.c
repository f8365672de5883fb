// SPDX-License-Identifier: MIT
/*
 * Event injection, instruction skipping and the emulation gate: the three places where the
 * KVM change "Add basic handling of VM-Exit from SGX enclave" (../shared/spec/kvm-sgx.md
 * sections 1 and 3) lives in L0.
 *
 * Injection: an event is written to the VM-entry interruption-information field (SDM Vol. 3C
 * 24.8.3 "VM-Entry Controls for Event Injection", Table 24-13) with its error code and, for
 * software interrupts and exceptions, the VM-entry instruction length, and delivered by the
 * next VM entry (26.5 "Event Injection").  One event per entry: hv_inject_* queue it in
 * v->inject and hv_prepare_entry() writes it (a later queueing in the same exit replaces an
 * earlier one).  An injected #PF does not load CR2 (26.5.1.2 "Injection of Events"), so the
 * hypervisor loads the faulting address into CR2 itself; CR2 is not part of the VMCS and
 * stays the guest's across VM exits (27.5 "Loading Host State" does not touch it).
 *
 * Skip (KVM's skip_emulated_instruction): RIP advances by the VM-exit instruction length
 * (27.2.4 "Information for VM Exits Due to Instruction Execution").  A length of 0 leaves RIP
 * alone: an exit from enclave mode (exit-reason bit 27, 27.2.1 "Basic VM-Exit Information")
 * follows an asynchronous enclave exit (SDM Vol. 3D 40.4 "AEX Flow") that loaded RIP with the
 * AEP, which must not move, and the processor reports length 0 for it (KVM relies on that for
 * INT1/INT3 intercepts from debug enclaves).
 * Asked to skip a non-zero length after an enclave exit, L0 warns once (KVM's WARN_ONCE
 * "skipping instruction after SGX enclave VM-Exit": a skip_warn trace record and a line on the
 * diagnostics stream the first time; skip_warn_count counts every occurrence) and skips.
 * Either way blocking by STI and by MOV SS ends (the instruction completed: Vol. 3A 6.8.3
 * "Masking Exceptions and Interrupts When Switching Stacks", STI); bit 4 (enclave
 * interruption) and the NMI/SMI bits of the interruptibility state are left as they are.
 * Outside 64-bit mode the instruction pointer is EIP: the sum wraps at 32 bits.
 *
 * Emulation gate (KVM's vmx_check_emulate_instruction): after an exit from enclave mode RIP is
 * the AEP, not the instruction that exited, and the enclave's code cannot be read, so L0
 * refuses to emulate and injects #UD (resume, no exit to the user); then, an exit that
 * happened while an event was being delivered (IDT-vectoring information valid) cannot be
 * emulated either (KVM: X86EMUL_UNHANDLEABLE_VECTORING).  The enclave check comes first.
 */
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"

void hv_inject_event(struct hv_vcpu *v, u8 vector, unsigned type, bool has_error, u32 error,
		     u32 insn_len)
{
	u32 info = VMX_INTR_INFO_VALID | ((type & 7u) << VMX_INTR_INFO_TYPE_SHIFT) | vector;
	if (has_error)
		info |= VMX_INTR_INFO_ERROR_CODE;
	v->inject = (struct hv_event){
	    .valid = true, .info = info, .error = has_error ? error : 0, .insn_len = insn_len};
}

void hv_inject_ud(struct hv_vcpu *v)
{
	hv_inject_event(v, X86_VEC_UD, VMX_INTR_TYPE_HARD_EXCEPTION, false, 0, 0);
}

void hv_inject_gp(struct hv_vcpu *v, u32 error)
{
	hv_inject_event(v, X86_VEC_GP, VMX_INTR_TYPE_HARD_EXCEPTION, true, error, 0);
}

void hv_inject_pf(struct hv_vcpu *v, u64 cr2, u32 error)
{
	vx_cpu_set_reg(v->cpu, VX_CR2, cr2);
	hv_inject_event(v, X86_VEC_PF, VMX_INTR_TYPE_HARD_EXCEPTION, true, error, 0);
}

void hv_inject_interrupt(struct hv_vcpu *v, u8 vector)
{
	hv_inject_event(v, vector, VMX_INTR_TYPE_EXT_INTR, false, 0, 0);
}

static void skip_warn(struct hv_vcpu *v, u64 rip, u32 len)
{
	v->skip_warn_count++;
	if (v->skip_warned)
		return;
	v->skip_warned = true;
	trace_skip_warn(v->trace, 0, v->lvl, rip, len, v->exit.full);
	if (v->cfg.diag)
		fprintf(
		    v->cfg.diag,
		    "vmxsgx: warning: skipping instruction after SGX enclave VM-Exit (exit reason "
		    "0x%08x, RIP 0x%llx, length %u)\n",
		    v->exit.full, (unsigned long long)rip, len);
}

void hv_skip_len(struct hv_vcpu *v, u32 len)
{
	if (len) {
		u64 rip = hv_vmread(v, VMCS_GUEST_RIP);
		if (v->exit.enclave_mode)
			skip_warn(v, rip, len);
		u64 next = rip + len;
		/* Outside 64-bit mode RIP is EIP: the sum wraps at 32 bits (only a sum above 4 GB
		 * needs the mode). */
		if ((next >> 32) && !hv_guest_64bit(v))
			next &= 0xffffffffull;
		hv_vmwrite(v, VMCS_GUEST_RIP, next);
		if (trace_on(v->trace, TRACE_skip))
			trace_skip(v->trace, 0, v->lvl, rip, len);
	}
	u64 intr = hv_vmread(v, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	u64 shadow = VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_MOV_SS;
	if (intr & shadow)
		hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr & ~shadow);
}

void hv_set_status_flags(struct hv_vcpu *v, u64 set)
{
	hv_vmwrite(v, VMCS_GUEST_RFLAGS,
		   (hv_vmread(v, VMCS_GUEST_RFLAGS) & ~HV_RFLAGS_STATUS) | set);
}

void hv_skip_insn(struct hv_vcpu *v)
{
	hv_skip_len(v, v->exit.insn_len);
}

enum hv_emul hv_check_emulate(struct hv_vcpu *v, u64 gpa)
{
	if (v->exit.enclave_mode) {
		hv_inject_ud(v);
		trace_emulate(v->trace, 0, v->lvl, v->exit.rip, gpa, NULL, true);
		return HV_EMUL_PROPAGATE_FAULT;
	}
	if (v->exit.idt_info & VMX_INTR_INFO_VALID)
		return HV_EMUL_UNHANDLEABLE_VECTORING;
	return HV_EMUL_CONTINUE;
}
