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

#include "arch/msr.h"
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
	u64 efer01; /* L1's IA32_EFER (vmcs01's guest EFER) */
};

static void read_vmcs01(struct hv_vcpu *v, struct carry *k)
{
	k->n = 0;
	k->efer01 = hv_vmread(v, VMCS_GUEST_IA32_EFER);
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

/* I/O and MSR exiting in vmcs02 (24.6.4, 24.6.9): what either level wants.  L0 exits on
 * every port (unconditional I/O exiting, no bitmaps), so vmcs02 does too; without L0 I/O
 * exiting, vmcs12's own settings and bitmaps (L1's guest-physical = host-physical addresses
 * for RAM under L0's identity EPT).  MSRs: vmcs02's bitmap is L0's ORed with vmcs12's, or
 * no bitmap (every access exits) when vmcs12 uses none. */
static void merge_io_msr(struct hv_vcpu *v, struct nested *n, const struct carry *k)
{
	u64 p01 = carried(k, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 p12 = get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	u64 p02 = p01 | p12;
	if (p01 & PROC_UNCOND_IO_EXITING && !(p01 & PROC_USE_IO_BITMAPS)) {
		p02 &= ~(u64)PROC_USE_IO_BITMAPS;
	} else if (p12 & PROC_USE_IO_BITMAPS) {
		hv_vmwrite(v, VMCS_IO_BITMAP_A, get12(n, VMCS_IO_BITMAP_A));
		hv_vmwrite(v, VMCS_IO_BITMAP_B, get12(n, VMCS_IO_BITMAP_B));
	}
	if (!(p12 & PROC_USE_MSR_BITMAPS)) {
		p02 &= ~(u64)PROC_USE_MSR_BITMAPS;
	} else if (p01 & PROC_USE_MSR_BITMAPS) {
		u64 a = carried(k, VMCS_MSR_BITMAP), b = get12(n, VMCS_MSR_BITMAP);
		for (u64 off = 0; off < 4096; off += 8)
			vx_phys_write(v->phys, v->lay.msr_bitmap02 + off, 8,
				      vx_phys_read(v->phys, a + off, 8) |
					  vx_phys_read(v->phys, b + off, 8));
		hv_vmwrite(v, VMCS_MSR_BITMAP, v->lay.msr_bitmap02);
	}
	hv_vmwrite(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, p02);
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
	merge_io_msr(v, n, k);
	/* VMCS shadowing is L0's for L1 (shadow.c); L2's VMREAD/VMWRITE use vmcs12's own
	 * shadowing setup if L1 has one (its addresses are host-physical, L0's EPT is 1:1). */
	u64 p2_12 = get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL);
	hv_vmwrite(v, VMCS_SECONDARY_VM_EXEC_CONTROL,
		   (carried(k, VMCS_SECONDARY_VM_EXEC_CONTROL) & ~(u64)PROC2_VMCS_SHADOWING) |
		       p2_12);
	if (p2_12 & PROC2_VMCS_SHADOWING) {
		hv_vmwrite(v, VMCS_VMREAD_BITMAP, get12(n, VMCS_VMREAD_BITMAP));
		hv_vmwrite(v, VMCS_VMWRITE_BITMAP, get12(n, VMCS_VMWRITE_BITMAP));
	}
	static const u32 from12[] = {VMCS_VM_ENTRY_CONTROLS, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
				     VMCS_VM_ENTRY_INSTRUCTION_LEN, VMCS_PAGE_FAULT_ERROR_CODE_MASK,
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
	/* IA32_EFER: L0 switches it on every entry (its vmcs01 loads EFER), so vmcs02 loads
	 * vmcs12's guest EFER when L1 asked for that, else L1's EFER with LMA = LME = the
	 * "IA-32e mode guest" control, what an entry without "load IA32_EFER" leaves (26.3.2.1). */
	u64 entry12 = get12(n, VMCS_VM_ENTRY_CONTROLS);
	u64 efer = entry12 & ENTRY_LOAD_IA32_EFER ? get12(n, VMCS_GUEST_IA32_EFER) : k->efer01;
	if (!(entry12 & ENTRY_LOAD_IA32_EFER))
		efer = entry12 & ENTRY_IA32E_MODE_GUEST ? efer | 0x500 : efer & ~0x500ull;
	hv_vmwrite(v, VMCS_VM_ENTRY_CONTROLS, entry12 | ENTRY_LOAD_IA32_EFER);
	hv_vmwrite(v, VMCS_GUEST_IA32_EFER, efer);
	hv_vmwrite(v, VMCS_VMCS_LINK_POINTER, get12(n, VMCS_VMCS_LINK_POINTER));
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	/* vmcs12's event injection (26.5) is the event of this entry: L0's entry path writes
	 * v->inject into vmcs02 (run.c), so it goes there, not straight into the field. */
	u64 ei = get12(n, VMCS_VM_ENTRY_INTR_INFO);
	v->inject = (struct hv_event){.valid = ei & VMX_INTR_INFO_VALID,
				      .info = (u32)ei,
				      .error = (u32)get12(n, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE),
				      .insn_len = (u32)get12(n, VMCS_VM_ENTRY_INSTRUCTION_LEN)};
}

enum hv_ret nested_run_l2(struct hv_vcpu *v, struct nested *n)
{
	u64 eptp02 = 0;
	bool ept12 =
	    (get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL) & PROC_ACTIVATE_SECONDARY_CONTROLS) &&
	    (get12(n, VMCS_SECONDARY_VM_EXEC_CONTROL) & PROC2_ENABLE_EPT);
	if (ept12 && !nested_shadow_ept(v, get12(n, VMCS_EPT_POINTER), &eptp02))
		return hv_stop_vm(v, HV_STOP_ERROR, 1,
				  "nested VMX: L1's EPT needs more than %u shadow pages",
				  (unsigned)v->lay.sept_pages);
	n->ept12 = ept12;
	n->eptp12 = get12(n, VMCS_EPT_POINTER);
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
	if (ept12)
		hv_vmwrite(v, VMCS_EPT_POINTER, eptp02);
	v->proc = (u32)hv_vmread(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	v->proc_keep = (u32)get12(n, VMCS_CPU_BASED_VM_EXEC_CONTROL) &
		       (PROC_INTR_WINDOW_EXITING | PROC_MONITOR_TRAP_FLAG);
	v->launched = false;
	n->guest_mode = true;
	n->run_pending = true;
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

/* An EPT violation of L2 with L1's EPT: the shadow maps what L1's EPT maps, with L1's
 * rights, wherever L0 backs the L1 page (sept.c).  So it is L1's when L1's EPT does not map
 * the address or L0 backs the page (then L1's rights refused the access); L0's when L1 maps it
 * to an L1 guest-physical address where L0 has nothing ("no device answers", exit_ept.c). */
static bool l1_ept_fault(struct hv_vcpu *v, struct nested *n)
{
	u64 l1;
	if (!nested_l2_gpa(v, n, v->exit.gpa, &l1))
		return true;
	return hv_gpa_is_ram(v, l1, 1) || hv_gpa_is_mmio(v, l1) ||
	       (v->lay.epc_size && l1 - VX_EPC_BASE < v->lay.epc_size);
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
	case VMX_EXIT_INTERRUPT_WINDOW: return proc & PROC_INTR_WINDOW_EXITING;
	case VMX_EXIT_MONITOR_TRAP_FLAG: return proc & PROC_MONITOR_TRAP_FLAG;
	case VMX_EXIT_EPT_VIOLATION: return n->ept12 && l1_ept_fault(v, n);
	default: return false; /* L0's: its EPT, timer, MTF, its windows */
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

/* Guest-state fields a VM exit saves only when vmcs12's exit controls say so (27.3.1 "Saving
 * Control Registers, Debug Registers, and MSRs"): DR7 and IA32_DEBUGCTL with "save debug
 * controls", IA32_PAT and IA32_EFER with their "save" controls. */
static bool saved(struct nested *n, u32 enc)
{
	u64 exit12 = get12(n, VMCS_VM_EXIT_CONTROLS);
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
	for (unsigned i = 0; i < sizeof(all_fields) / sizeof(all_fields[0]); i++) {
		u32 enc = all_fields[i];
		u64 val;
		if (!(enc & 1) && field_type(enc) == 2 && saved(n, enc) &&
		    vx_vmread(v->cpu, enc, &val).outcome == VX_VMSUCCEED)
			vx_vmcs_put(n->l1, enc, val);
	}
	u64 ei = get12(n, VMCS_VM_ENTRY_INTR_INFO);
	vx_vmcs_put(n->l1, VMCS_VM_ENTRY_INTR_INFO, ei & ~(u64)VMX_INTR_INFO_VALID);
}

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
	write_guest_state(v, n);
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
	if (r.outcome != VX_VMX_EXITED)
		return hv_fatal(v, "nested VMX: VMX abort of L1's VMCS");
	r = vx_vmptrld(v->cpu, v->lay.vmcs);
	if (r.outcome != VX_VMSUCCEED)
		return hv_fatal(v, "nested VMX: cannot load vmcs01");
	n->guest_mode = false;
	v->proc_keep = 0;
	v->lvl = TRACE_L1;
	v->launched = true;
	v->proc = n->proc01;
	nested_l1_state_from(v, n->l1);
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
	n->run_pending = false;
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

/*
 * An external interrupt for the VM while L2 runs and vmcs12 has "external-interrupt exiting":
 * the VM exit the processor would make (25.2, 27.2.2), synthesized by L0 since its interrupts
 * are virtual: reason 1, with bit 27 when L2 was in enclave mode (the last hardware exit, which
 * stopped L2, carried it: the AEX is done and RIP is the AEP; KVM's prepare_vmcs12 ORs the bit
 * the same way); with "acknowledge interrupt on exit" the vector in the exit interruption
 * information (the interrupt is taken), else that field invalid and the interrupt still
 * pending for L1.  An event L0 was about to inject into L2 becomes vmcs12's IDT-vectoring
 * information (27.2.3).  Exit qualification and instruction length 0.
 */
enum hv_ret nested_l2_interrupt(struct hv_vcpu *v, void *state, bool *hold)
{
	struct nested *n = state;
	if (!n->guest_mode || v->irq < 0 ||
	    !(get12(n, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_EXT_INTR_EXITING))
		return HV_RESUME;
	if (n->run_pending) {
		/* The entry (and any event it injects) completes first; MTF stops L2 at the
		 * next instruction boundary after it (25.5.2), then the exit is made. */
		*hold = true;
		return HV_RESUME;
	}
	u32 full = VMX_EXIT_EXTERNAL_INTERRUPT | (v->exit.full & VMX_EXIT_REASON_ENCLAVE_MODE);
	u32 info = 0;
	if (get12(n, VMCS_VM_EXIT_CONTROLS) & EXIT_ACK_INTR_ON_EXIT) {
		info = VMX_INTR_INFO_VALID | (u8)v->irq; /* type 0: external interrupt */
		v->irq = -1;
	}
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
