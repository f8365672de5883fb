// SPDX-License-Identifier: MIT
/*
 * Running L2 (DESIGN.md section 3, KVM's nested.c prepare_vmcs02 / nested_vmx_vmexit as the
 * model): after VMLAUNCH/VMRESUME of vmcs12 passed the L1 processor's checks, L0 builds vmcs02
 * -- its own controls and host state (vmcs01), vmcs12's guest state, the controls merged so
 * that both L0 and L1 get the exits they asked for -- and runs L2 with it.  Each exit of L2 is
 * L0's (its devices, its EPT, its timer) or L1's (what vmcs12 asks for); L1's are reflected:
 * vmcs12's exit-information fields and guest state written as the processor writes them
 * (27.2, 27.3; the exit reason with bit 27 and the interruptibility with bit 4 as they were,
 * only reason and qualification for a failed entry), then the L1 processor loads vmcs12's host
 * state (27.5), which becomes L1's state in vmcs01.
 *
 * Scope of this step: L1 without EPT for L2 (L2's guest-physical addresses are L1's; vmcs02
 * uses L0's EPT), no VM-entry/exit MSR areas; interrupts for L1 wait while L2 runs.
 */
#include <string.h>

#include "arch/vmcs.h"
#include "arch/vmx.h"
#include "lib/trace.h"
#include "nested/nested.h"

static const u32 all_fields[] = {
#define VMCS_FIELD(name, enc, width, desc) enc,
#include "arch/vmcs_fields.def"
};

static unsigned field_type(u32 enc)
{
	return (enc >> 10) & 3; /* 0 control, 1 exit information, 2 guest state, 3 host state */
}

static u64 get12(struct nested *n, u32 enc)
{
	u64 v = 0;
	vx_vmread(n->l1, enc, &v);
	return v;
}

/* vmcs01's controls and host state, kept while vmcs02 is current. */
struct carry {
	u32 enc[256];
	u64 val[256];
	unsigned n;
};

static void read_vmcs01(struct hv_vcpu *v, struct carry *k)
{
	k->n = 0;
	for (unsigned i = 0; i < sizeof(all_fields) / sizeof(all_fields[0]); i++) {
		u32 enc = all_fields[i];
		u64 val;
		if ((enc & 1) || field_type(enc) == 1 || field_type(enc) == 2)
			continue;
		if (vx_vmread(v->cpu, enc, &val).outcome == VX_VMSUCCEED && k->n < 256) {
			k->enc[k->n] = enc;
			k->val[k->n++] = val;
		}
	}
}

static u64 carried(const struct carry *k, u32 enc)
{
	for (unsigned i = 0; i < k->n; i++)
		if (k->enc[i] == enc)
			return k->val[i];
	return 0;
}

/* Controls both want (the OR), L1's guest state, L1's event injection. */
static void merge(struct hv_vcpu *v, struct nested *n, const struct carry *k)
{
	for (unsigned i = 0; i < k->n; i++)
		hv_vmwrite(v, k->enc[i], k->val[i]);
	for (unsigned i = 0; i < sizeof(all_fields) / sizeof(all_fields[0]); i++) {
		u32 enc = all_fields[i];
		u64 val;
		if (!(enc & 1) && field_type(enc) == 2 &&
		    vx_vmread(n->l1, enc, &val).outcome == VX_VMSUCCEED)
			hv_vmwrite(v, enc, val);
	}
	static const u32 ored[] = {VMCS_PIN_BASED_VM_EXEC_CONTROL, VMCS_CPU_BASED_VM_EXEC_CONTROL,
				   VMCS_SECONDARY_VM_EXEC_CONTROL, VMCS_EXCEPTION_BITMAP,
				   VMCS_ENCLS_EXITING_BITMAP};
	for (unsigned i = 0; i < sizeof(ored) / sizeof(ored[0]); i++)
		hv_vmwrite(v, ored[i], carried(k, ored[i]) | get12(n, ored[i]));
	static const u32 from12[] = {VMCS_VM_ENTRY_CONTROLS,
				     VMCS_VM_ENTRY_INTR_INFO,
				     VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
				     VMCS_VM_ENTRY_INSTRUCTION_LEN,
				     VMCS_PAGE_FAULT_ERROR_CODE_MASK,
				     VMCS_PAGE_FAULT_ERROR_CODE_MATCH};
	for (unsigned i = 0; i < sizeof(from12) / sizeof(from12[0]); i++)
		hv_vmwrite(v, from12[i], get12(n, from12[i]));
	/* CR0/CR4: a bit either owns is intercepted; L2 reads L1's shadow for L1's bits. */
	static const u32 mask[2] = {VMCS_CR0_GUEST_HOST_MASK, VMCS_CR4_GUEST_HOST_MASK};
	static const u32 shadow[2] = {VMCS_CR0_READ_SHADOW, VMCS_CR4_READ_SHADOW};
	static const u32 cr[2] = {VMCS_GUEST_CR0, VMCS_GUEST_CR4};
	for (int c = 0; c < 2; c++) {
		u64 m12 = get12(n, mask[c]);
		hv_vmwrite(v, mask[c], m12 | carried(k, mask[c]));
		hv_vmwrite(v, shadow[c], (get12(n, shadow[c]) & m12) | (get12(n, cr[c]) & ~m12));
	}
	hv_vmwrite(v, VMCS_VMCS_LINK_POINTER, ~0ull);
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
}

enum hv_ret nested_run_l2(struct hv_vcpu *v, struct nested *n)
{
	if (get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL) & PROC2_ENABLE_EPT &&
	    get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_ACTIVATE_SECONDARY_CONTROLS)
		return hv_stop_vm(v, HV_STOP_ERROR, 1,
				  "nested VMX: L1 enables EPT for L2; shadow EPT is not "
				  "implemented yet");
	struct carry k;
	read_vmcs01(v, &k);
	n->proc01 = v->proc;
	vx_phys_write(v->phys, v->lay.vmcs02, 4, vx_vmx_revision_id(v->cpu));
	struct vx_vmx_result r = vx_vmclear(v->cpu, v->lay.vmcs02);
	if (r.outcome == VX_VMSUCCEED)
		r = vx_vmptrld(v->cpu, v->lay.vmcs02);
	if (r.outcome != VX_VMSUCCEED)
		return hv_fatal(v, "nested VMX: cannot load vmcs02 (%s)",
				vx_vmx_outcome_name(r.outcome));
	merge(v, n, &k);
	v->proc = (u32)hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	v->launched = false;
	n->guest_mode = true;
	v->lvl = TRACE_L2;
	return HV_RESUME;
}

/* ---- exits while L2 runs ---- */

/* An I/O port L1 intercepts: unconditional I/O exiting, or its bit in vmcs12's I/O bitmaps
 * (24.6.4; a string access spanning ports counts each, here the first). */
static bool l1_wants_io(struct hv_vcpu *v, struct nested *n)
{
	u64 proc = get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	if (!(proc & PROC_USE_IO_BITMAPS))
		return proc & PROC_UNCOND_IO_EXITING;
	u16 port = (u16)(v->exit.qual >> 16);
	u64 map = get12(n, port < 0x8000 ? VMCS_IO_BITMAP_A : VMCS_IO_BITMAP_B);
	u64 byte = vx_phys_read(v->phys, map + (port & 0x7fff) / 8, 1);
	return (byte >> (port & 7)) & 1;
}

/* An MSR access L1 intercepts: without MSR bitmaps all do; else its bitmap bit (24.6.9). */
static bool l1_wants_msr(struct hv_vcpu *v, struct nested *n, bool write)
{
	if (!(get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_USE_MSR_BITMAPS))
		return true;
	u32 msr = (u32)hv_gpr(v, VX_RCX);
	u64 base = get12(n, VMCS_MSR_BITMAP) + (write ? 2048 : 0);
	if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		base += 1024;
	else if (msr > 0x1fffu)
		return true;
	return (vx_phys_read(v->phys, base + (msr & 0x1fff) / 8, 1) >> (msr & 7)) & 1;
}

/* Whether vmcs12 asks for this exit (25.1-25.5 with vmcs12's controls); the exits L0 caused
 * for itself (its EPT, its timer, its MTF, its interrupt window) stay L0's. */
static bool l1_wants(struct hv_vcpu *v, struct nested *n)
{
	u64 proc = get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 proc2 =
	    proc & PROC_ACTIVATE_SECONDARY_CONTROLS ? get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
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
	case VMX_EXIT_PAUSE_INSTRUCTION: return proc & PROC_PAUSE_EXITING;
	case VMX_EXIT_RDTSC: return proc & PROC_RDTSC_EXITING;
	case VMX_EXIT_IO_INSTRUCTION: return l1_wants_io(v, n);
	case VMX_EXIT_MSR_READ: return l1_wants_msr(v, n, false);
	case VMX_EXIT_MSR_WRITE: return l1_wants_msr(v, n, true);
	case VMX_EXIT_RDRAND: return proc2 & PROC2_RDRAND_EXITING;
	case VMX_EXIT_RDSEED: return proc2 & PROC2_RDSEED_EXITING;
	case VMX_EXIT_ENCLS: {
		u32 leaf = (u32)hv_gpr(v, VX_RAX);
		return (proc2 & PROC2_ENCLS_EXITING) &&
		       ((get12(n, VMCS_ENCLS_EXITING_BITMAP) >> (leaf > 62 ? 63 : leaf)) & 1);
	}
	case VMX_EXIT_EXCEPTION_NMI: {
		u32 vec = v->exit.intr_info & 0xff;
		return (get12(n, VMCS_EXCEPTION_BITMAP) >> (vec & 31)) & 1;
	}
	case VMX_EXIT_CR_ACCESS: return true;
	default: return false; /* L0's: EPT, timer, MTF, windows, external interrupts */
	}
}

static const u32 exit_info_fields[] = {
    VMCS_EXIT_QUALIFICATION,
    VMCS_GUEST_LINEAR_ADDRESS,
    VMCS_GUEST_PHYSICAL_ADDRESS,
    VMCS_VM_EXIT_INTR_INFO,
    VMCS_VM_EXIT_INTR_ERROR_CODE,
    VMCS_IDT_VECTORING_INFO,
    VMCS_IDT_VECTORING_ERROR_CODE,
    VMCS_VM_EXIT_INSTRUCTION_LEN,
    VMCS_VMX_INSTRUCTION_INFO,
    VMCS_IO_RCX,
    VMCS_IO_RSI,
    VMCS_IO_RDI,
    VMCS_IO_RIP,
};

/* 27.2/27.3 into vmcs12: the exit information and L2's guest state as vmcs02 holds them. */
static void write_vmcs12(struct hv_vcpu *v, struct nested *n)
{
	vx_vmcs_put(n->l1, VMCS_EXIT_REASON, v->exit.full);
	if (v->exit.failed_vmentry) { /* only reason and qualification (checklist item 22) */
		vx_vmcs_put(n->l1, VMCS_EXIT_QUALIFICATION, v->exit.qual);
		return;
	}
	for (unsigned i = 0; i < sizeof(exit_info_fields) / sizeof(exit_info_fields[0]); i++) {
		u64 val;
		if (vx_vmread(v->cpu, exit_info_fields[i], &val).outcome == VX_VMSUCCEED)
			vx_vmcs_put(n->l1, exit_info_fields[i], val);
	}
	for (unsigned i = 0; i < sizeof(all_fields) / sizeof(all_fields[0]); i++) {
		u32 enc = all_fields[i];
		u64 val;
		if (!(enc & 1) && field_type(enc) == 2 &&
		    vx_vmread(v->cpu, enc, &val).outcome == VX_VMSUCCEED)
			vx_vmcs_put(n->l1, enc, val);
	}
	u64 ei = get12(n, VMCS_VM_ENTRY_INTR_INFO);
	vx_vmcs_put(n->l1, VMCS_VM_ENTRY_INTR_INFO, ei & ~(u64)VMX_INTR_INFO_VALID);
}

static enum hv_ret reflect(struct hv_vcpu *v, struct nested *n)
{
	write_vmcs12(v, n);
	trace_nested_reflect(v->trace, 0, TRACE_L2, v->exit.full, v->exit.qual,
			     (u32)v->exit.guest_intr);
	struct vx_vmx_result r;
	vx_vmx_exit_to_host(n->l1, &r);
	if (r.outcome != VX_VMX_EXITED)
		return hv_fatal(v, "nested VMX: VMX abort of L1's VMCS");
	r = vx_vmptrld(v->cpu, v->lay.vmcs);
	if (r.outcome != VX_VMSUCCEED)
		return hv_fatal(v, "nested VMX: cannot load vmcs01");
	n->guest_mode = false;
	v->lvl = TRACE_L1;
	v->launched = true;
	v->proc = n->proc01;
	nested_l1_state_from(v, n->l1);
	return HV_RESUME;
}

bool nested_l2_exit(struct hv_vcpu *v, void *state, enum hv_ret *r)
{
	struct nested *n = state;
	if (!n->guest_mode || !(v->exit.failed_vmentry || l1_wants(v, n)))
		return false;
	*r = reflect(v, n);
	return true;
}
