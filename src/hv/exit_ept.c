// SPDX-License-Identifier: MIT
/*
 * EPT exits (reasons 48 and 49): MMIO.  The guest-physical address of the access is in the
 * exit's guest-physical-address field (27.2.1 "Basic VM-Exit Information"); an EPT violation
 * also has the exit qualification of Table 27-7 "Exit Qualification for EPT Violations" (bits
 * 2:0 read/write/fetch, 5:3 what the entries allowed, bit 7 guest-linear address valid, bit 8
 * the access was to the translated address rather than to a guest paging-structure entry).
 *
 *   EPT misconfiguration: L0 made the MMIO test device's page misconfigured on purpose
 *     (ept.c); KVM's handle_ept_misconfig: first the emulation gate (after an exit from enclave
 *     mode: #UD, resume, nothing fetched), then the MMIO emulation of the instruction at RIP.
 *   EPT violation: guest RAM and the device are mapped, so the address has no memory; the
 *     data access is emulated as bare mode's "no device answers" (reads all ones, writes
 *     dropped), through the same gate and emulator.  An instruction fetch or a guest
 *     paging-structure access there cannot be emulated: the VM stops.
 */
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"

#define QUAL_FETCH BIT(2)
#define QUAL_GLA_VALID BIT(7)
#define QUAL_TRANSLATED BIT(8)

static enum hv_ret vectoring(struct hv_vcpu *v, u64 gpa)
{
	return hv_fatal(v,
			"MMIO access to 0x%llx during event delivery (IDT-vectoring information "
			"0x%08x) at RIP 0x%llx",
			(unsigned long long)gpa, v->exit.idt_info, (unsigned long long)v->exit.rip);
}

enum hv_ret hv_exit_ept_misconfig(struct hv_vcpu *v)
{
	u64 gpa = v->exit.gpa;
	trace_ept_misconfig(v->trace, 0, v->lvl, gpa);
	switch (hv_check_emulate(v, gpa)) {
	case HV_EMUL_PROPAGATE_FAULT: return HV_RESUME; /* #UD queued */
	case HV_EMUL_UNHANDLEABLE_VECTORING: return vectoring(v, gpa);
	case HV_EMUL_CONTINUE: break;
	}
	if (!hv_gpa_is_mmio(v, gpa))
		return hv_fatal(v,
				"EPT misconfiguration at guest-physical 0x%llx, outside the MMIO "
				"test device (RIP 0x%llx)",
				(unsigned long long)gpa, (unsigned long long)v->exit.rip);
	return hv_emulate_mmio(v, gpa);
}

enum hv_ret hv_exit_ept_violation(struct hv_vcpu *v)
{
	const struct hv_exit *e = &v->exit;
	trace_ept_violation(v->trace, 0, v->lvl, e->gpa, e->gla, e->qual);
	if (hv_gpa_is_ram(v, e->gpa, 1) || hv_gpa_is_mmio(v, e->gpa))
		return hv_fatal(v,
				"EPT violation at mapped guest-physical 0x%llx (qualification "
				"0x%llx, RIP 0x%llx)",
				(unsigned long long)e->gpa, (unsigned long long)e->qual,
				(unsigned long long)e->rip);
	switch (hv_check_emulate(v, e->gpa)) {
	case HV_EMUL_PROPAGATE_FAULT: return HV_RESUME;
	case HV_EMUL_UNHANDLEABLE_VECTORING: return vectoring(v, e->gpa);
	case HV_EMUL_CONTINUE: break;
	}
	if ((e->qual & QUAL_FETCH) || !(e->qual & QUAL_GLA_VALID) || !(e->qual & QUAL_TRANSLATED))
		return hv_fatal(v,
				"guest %s at guest-physical 0x%llx, where no memory is (RIP "
				"0x%llx)",
				(e->qual & QUAL_FETCH) ? "instruction fetch"
						       : "paging-structure access",
				(unsigned long long)e->gpa, (unsigned long long)e->rip);
	return hv_emulate_mmio(v, e->gpa);
}
