// SPDX-License-Identifier: MIT
/*
 * The VM exit, the one chokepoint every exit goes through (DESIGN.md section 2): SDM Vol. 3C
 * 27.2 "Recording VM-Exit Information and Updating VM-Entry Control Fields", 27.3 "Saving
 * Guest State", 27.4 "Saving MSRs", 27.5 "Loading Host State", 27.6 "Loading MSRs", 27.7
 * "VMX Aborts"; and VM-entry failures after the guest-state checks, 26.7 "VM-Entry Failures
 * During or After Loading Guest State".
 *
 * The processor caches the current VMCS (c->vmx.vmcs): exits write the cache; the VMX
 * instructions write it back to the region (vmx_insn.c).  The processor executing VMLAUNCH is
 * in IA-32e mode and the host-state checks require "host address-space size" = 1
 * (vmentry_host.c), so every exit returns to 64-bit mode and no host PDPTEs are loaded
 * (27.5.4).  Values the SDM leaves undefined are listed in docs/decisions.md.
 */
#include "vmx/vmexit.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "arch/msr.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "cpu/msr.h"
#include "cpu/profile.h"
#include "sgx/sgx.h"
#include "vmx/ept.h"
#include "vmx/intercept.h"
#include "vmx/vmx_events.h"
#include "vmx/vmx_insn.h"

#define F(c, name) vmcs_get(&(c)->vmx.vmcs, VMCS_SLOT_##name)
#define SET(c, name, val) VMCS_SET_FIELD(&(c)->vmx.vmcs, name, (val))

#define AR_UNUSABLE BIT(16)
/* 27.3.2: "Bits 31:17 and 11:8 in the access-rights field are always cleared." */
#define AR_SAVED_MASK 0x1f0ffu
#define PENDING_DBG_SAVED (GENMASK(3, 0) | BIT(12) | BIT(14) | BIT(16))

static_assert(VMCS_SLOT_GUEST_TR_SELECTOR - VMCS_SLOT_GUEST_ES_SELECTOR == SEG_TR &&
		  VMCS_SLOT_GUEST_TR_BASE - VMCS_SLOT_GUEST_ES_BASE == SEG_TR &&
		  VMCS_SLOT_GUEST_TR_LIMIT - VMCS_SLOT_GUEST_ES_LIMIT == SEG_TR &&
		  VMCS_SLOT_GUEST_TR_AR_BYTES - VMCS_SLOT_GUEST_ES_AR_BYTES == SEG_TR,
	      "guest segment fields follow enum SEG_ES..SEG_TR");

u64 vmx_canonical(const struct vx_cpu *c, u64 la)
{
	unsigned n = cpu_profile_of(c)->linaddr;
	if (n == 0 || n >= 64)
		return la;
	return (u64)((s64)(la << (64 - n)) >> (64 - n));
}

u32 vmx_msr_list_max(const struct vx_cpu *c)
{
	u64 misc = cpu_profile_of(c)->vmx.misc;
	return 512u * (u32)(bits_get(misc, 27, 25) + 1);
}

/*
 * 26.4 / 27.6: processing fails if "The value of bits 31:0 is either C0000100H (the
 * IA32_FS_BASE MSR) or C0000101H (the IA32_GS_BASE MSR)", "The value of bits 31:8 is
 * 000008H" (x2APIC), the MSR "can be written only in system-management mode (SMM)"
 * (IA32_SMM_MONITOR_CTL), "Bits 63:32 are not all 0", or "An attempt to write bits 127:64 to
 * the MSR ... would cause a general-protection exception if executed via WRMSR with CPL = 0".
 */
bool vmx_msr_entry_load(struct vx_cpu *c, u64 pa)
{
	u64 head = phys_read(c->phys, pa, 8), val = phys_read(c->phys, pa + 8, 8);
	u32 index = (u32)head;
	if (index == MSR_IA32_FS_BASE || index == MSR_IA32_GS_BASE || (index >> 8) == 0x8 ||
	    index == MSR_IA32_SMM_MONITOR_CTL || (head >> 32) != 0)
		return false;
	return msr_write(c, index, val);
}

/*
 * 27.4 "Saving MSRs": each entry gets "the value of the MSR indexed by bits 31:0 (as they
 * would be read by RDMSR)"; processing fails for x2APIC MSRs (bits 31:8 = 000008H), MSRs
 * readable "only in system-management mode (SMM)" (IA32_SMBASE), "Bits 63:32 of the entry are
 * not all 0", or when RDMSR at CPL 0 would #GP.
 */
static bool store_msrs(struct vx_cpu *c)
{
	u32 n = (u32)F(c, VM_EXIT_MSR_STORE_COUNT);
	u64 area = F(c, VM_EXIT_MSR_STORE_ADDR);
	for (u32 k = 0; k < n; k++) {
		u64 pa = area + 16ull * k, val;
		u64 head = phys_read(c->phys, pa, 8);
		u32 index = (u32)head;
		if (k >= vmx_msr_list_max(c) || (head >> 32) != 0 || (index >> 8) == 0x8 ||
		    index == MSR_IA32_SMBASE || !msr_read(c, index, &val))
			return false;
		phys_write(c->phys, pa + 8, 8, val);
	}
	return true;
}

/*
 * 27.7 "VMX Aborts": "a logical processor saves a nonzero 32-bit VMX-abort indicator field at
 * byte offset 4 in the VMCS region of the VMCS whose misconfiguration caused the failure",
 * then, outside SMX operation, "the logical processor transitions to the shutdown state".
 */
static enum cpu_step vmx_abort(struct vx_cpu *c, enum vmx_abort code)
{
	phys_write(c->phys, c->vmx.current_vmcs + VMX_REGION_ABORT, 4, code);
	c->vmx.vmcs.abort = code; /* the cached copy of the region's word */
	c->vmx.non_root = false;
	c->vmxnr.delivering = false;
	cpu_report_event(c, NULL);
	return STEP_SHUTDOWN;
}

/* ==== 27.2 recording VM-exit information ==== */

/* Exit-reason bit 27 and interruptibility bit 4 (SDM Vol. 3D A1 in the project's spec): the
 * exit comes from enclave mode, or is incident to delivery of an event injected with
 * interruptibility bit 4 set ("left unmodified"). */
static bool enclave_exit(const struct vx_cpu *c)
{
	return vmx_in_enclave(c) || c->vmxnr.cur_aex ||
	       (c->vmxnr.cur_injected && c->vmxnr.inj_enclave);
}

/* 27.2.3: "IDT-vectoring information ... for VM exits that occur during event delivery";
 * "For other VM exits, the field is marked invalid (by clearing bit 31)". */
static void record_vectoring(struct vx_cpu *c)
{
	const struct event *d = &c->vmxnr.cur;
	if (!c->vmxnr.delivering) {
		SET(c, IDT_VECTORING_INFO, 0);
		return;
	}
	u32 info = VMX_INTR_INFO_VALID | (u32)d->type << VMX_INTR_INFO_TYPE_SHIFT | d->vector;
	if (d->has_error) {
		info |= VMX_INTR_INFO_ERROR_CODE;
		SET(c, IDT_VECTORING_ERROR_CODE, d->error_code);
	}
	SET(c, IDT_VECTORING_INFO, info);
}

/*
 * 27.2.4: the instruction length for instruction exits, for exits due to software exceptions,
 * and for "VM exits that occur during delivery of a software interrupt, privileged software
 * exception, or software exception"; the instruction information for instruction exits.
 * Otherwise both are undefined and left as they are.  In enclave mode both are cleared.
 */
static void record_insn(struct vx_cpu *c, const struct vmexit_info *e)
{
	if (vmx_in_enclave(c)) {
		SET(c, VM_EXIT_INSTRUCTION_LEN, 0);
		SET(c, VMX_INSTRUCTION_INFO, 0);
		SET(c, IO_RCX, 0);
		SET(c, IO_RSI, 0);
		SET(c, IO_RDI, 0);
		SET(c, IO_RIP, 0);
		return;
	}
	u64 len = e->insn_len;
	if (c->vmxnr.delivering && event_is_soft(&c->vmxnr.cur))
		len = c->rip - c->insn_rip;
	if (len)
		SET(c, VM_EXIT_INSTRUCTION_LEN, len);
	if (e->insn_info_valid)
		SET(c, VMX_INSTRUCTION_INFO, e->insn_info);
}

static void record_addresses(struct vx_cpu *c, const struct vmexit_info *e)
{
	/* 27.2.1: EPT violations write the guest-physical address and, when qualification bit
	 * 7 says it is valid, the guest-linear address; EPT misconfigurations the former. */
	bool ept = e->reason == VMX_EXIT_EPT_VIOLATION || e->reason == VMX_EXIT_EPT_MISCONFIG;
	/* 27.2.1: for an access during execution of an instruction in enclave mode, bits 11:0
	 * of both addresses are cleared (not for one while delivering an event after the AEX). */
	u64 low = vmx_in_enclave(c) && !c->vmxnr.delivering ? ~0xfffull : ~0ull;
	if (e->gpa_valid || ept)
		SET(c, GUEST_PHYSICAL_ADDRESS, e->gpa & low);
	if (e->gla_valid || (e->reason == VMX_EXIT_EPT_VIOLATION && (e->qual & BIT(7))))
		SET(c, GUEST_LINEAR_ADDRESS, e->gla & low);
}

static void record_exit(struct vx_cpu *c, const struct vmexit_info *e, bool enclave)
{
	/* Table 24-14: basic reason in 15:0, bit 27 enclave mode, bits 31:16 otherwise 0. */
	SET(c, EXIT_REASON,
	    (e->reason & VMX_EXIT_REASON_BASIC_MASK) |
		(enclave ? VMX_EXIT_REASON_ENCLAVE_MODE : 0));
	/* "For all other VM exits, this field is cleared"; bits 11:0 of a #PF address are
	 * cleared for a fault on an enclave instruction (A1). */
	u64 qual = e->qual;
	if (vmx_in_enclave(c) && !c->vmxnr.delivering &&
	    ((e->reason == VMX_EXIT_EXCEPTION_NMI &&
	      (e->intr_info & VMX_INTR_INFO_VECTOR_MASK) == X86_VEC_PF) ||
	     e->reason == VMX_EXIT_APIC_ACCESS))
		qual &= ~0xfffull;
	SET(c, EXIT_QUALIFICATION, qual);
	record_addresses(c, e);
	/* 27.2.2: the field is invalid for other exits; the error code is written with bit 11. */
	SET(c, VM_EXIT_INTR_INFO, e->intr_info);
	if (e->intr_info & VMX_INTR_INFO_ERROR_CODE)
		SET(c, VM_EXIT_INTR_ERROR_CODE, e->intr_error);
	record_vectoring(c);
	record_insn(c, e);
	/* 27.2: "the valid bit in the VM-entry interruption-information field is cleared";
	 * with IA32_VMX_MISC[5], "IA-32e mode guest" receives IA32_EFER.LMA. */
	SET(c, VM_ENTRY_INTR_INFO, F(c, VM_ENTRY_INTR_INFO) & ~(u64)VMX_INTR_INFO_VALID);
	if (cpu_profile_of(c)->vmx.misc & MSR_IA32_VMX_MISC_STORE_LMA_MASK) {
		u64 ctl = F(c, VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST;
		if (c->msr.efer & X86_EFER_LMA)
			ctl |= ENTRY_IA32E_MODE_GUEST;
		SET(c, VM_ENTRY_CONTROLS, ctl);
	}
}

/* ==== 27.3 saving guest state ==== */

static void save_control_regs(struct vx_cpu *c)
{
	/* 27.3.1 "Saving Control Registers, Debug Registers, and MSRs" */
	u32 exit = (u32)F(c, VM_EXIT_CONTROLS);
	SET(c, GUEST_CR0, c->cr0);
	SET(c, GUEST_CR3, c->cr3);
	SET(c, GUEST_CR4, c->cr4);
	if (exit & EXIT_SAVE_DEBUG_CONTROLS) {
		SET(c, GUEST_DR7, c->dr[7]);
		SET(c, GUEST_IA32_DEBUGCTL, c->msr.debugctl);
	}
	SET(c, GUEST_SYSENTER_CS, c->msr.sysenter_cs & 0xffffffffull);
	SET(c, GUEST_SYSENTER_ESP, c->msr.sysenter_esp);
	SET(c, GUEST_SYSENTER_EIP, c->msr.sysenter_eip);
	if (exit & EXIT_SAVE_IA32_PAT)
		SET(c, GUEST_IA32_PAT, c->msr.pat);
	if (exit & EXIT_SAVE_IA32_EFER)
		SET(c, GUEST_IA32_EFER, c->msr.efer);
}

/* The registers still hold what the last load from the fields gave (compared as bytes:
 * padding that differs only makes the save run), and no store touched those fields since. */
/* ES..TR, GDTR and IDTR lie in one block, in the processor and in its image: one compare. */
#define SEG_BLOCK \
	(offsetof(struct vx_cpu, idtr) + sizeof(struct dtr) - offsetof(struct vx_cpu, seg))
static_assert(offsetof(struct vx_cpu, gdtr) - offsetof(struct vx_cpu, seg) ==
		      offsetof(struct vmx_seg_cache, img_gdtr) -
			  offsetof(struct vmx_seg_cache, img) &&
		  offsetof(struct vx_cpu, idtr) - offsetof(struct vx_cpu, seg) ==
		      offsetof(struct vmx_seg_cache, img_idtr) -
			  offsetof(struct vmx_seg_cache, img) &&
		  sizeof(((struct vx_cpu *)0)->seg) == sizeof(((struct vmx_seg_cache *)0)->img),
	      "the segment block has the same layout in struct vx_cpu and its image");

static bool segments_as_loaded(const struct vx_cpu *c)
{
	const struct vmx_seg_cache *k = &c->vmx_segs;
	return k->loaded && !memcmp(c->seg, k->img, SEG_BLOCK);
}

/* The base saved for a register (27.3.2): for an unusable one "bits 63:32 of the value saved
 * for the base address are always zero" for SS, DS and ES, the LDTR base "is always
 * canonical". */
u64 vmx_saved_base(const struct vx_cpu *c, unsigned s, const struct seg *g)
{
	u64 base = g->base;
	if (g->ar & AR_UNUSABLE) {
		if (s == SEG_SS || s == SEG_DS || s == SEG_ES)
			base &= 0xffffffffull;
		if (s == SEG_LDTR)
			base = vmx_canonical(c, base);
	}
	return base;
}

/*
 * 27.3.2 "Saving Segment Registers and Descriptor-Table Registers".  For an unusable
 * register the base, limit and access rights are undefined except: "bits 63:32 of the value
 * saved for the base address are always zero" for SS, DS and ES; the LDTR base "is always
 * canonical"; CS, SS's DPL, FS and GS bases are saved.  The model saves what it holds, with
 * those rules applied -- nothing when that is what the fields hold (struct vmx_seg_cache).
 */
static void save_segments(struct vx_cpu *c)
{
	struct vmx_seg_cache *k = &c->vmx_segs;
	k->regs_img = segments_as_loaded(c);
	if (k->regs_img && k->round_trips && k->loaded_gen == c->vmx.vmcs.seg_gen)
		return; /* the fields hold what saving the registers stores */
	for (unsigned s = SEG_ES; s <= SEG_TR; s++) {
		const struct seg *g = &c->seg[s];
		vmcs_set(&c->vmx.vmcs, VMCS_SLOT_GUEST_ES_SELECTOR + s, g->sel);
		vmcs_set(&c->vmx.vmcs, VMCS_SLOT_GUEST_ES_BASE + s, vmx_saved_base(c, s, g));
		vmcs_set(&c->vmx.vmcs, VMCS_SLOT_GUEST_ES_LIMIT + s, g->limit);
		vmcs_set(&c->vmx.vmcs, VMCS_SLOT_GUEST_ES_AR_BYTES + s, g->ar & AR_SAVED_MASK);
	}
	SET(c, GUEST_GDTR_BASE, c->gdtr.base);
	SET(c, GUEST_GDTR_LIMIT, c->gdtr.limit);
	SET(c, GUEST_IDTR_BASE, c->idtr.base);
	SET(c, GUEST_IDTR_LIMIT, c->idtr.limit);
}

/* RF of the RFLAGS image the event being delivered would push (27.3.3): as loaded for an
 * injected event (26.5.1.1 "The value pushed for the RF flag is not modified"), 1 for a
 * fault, else the current value. */
static u64 image_rf(const struct vx_cpu *c, u64 rf)
{
	if (!c->vmxnr.cur_injected && vmx_event_is_fault(c, &c->vmxnr.cur))
		return RFLAGS_RF;
	return rf;
}

/*
 * 27.3.3 "Saving RIP, RSP, and RFLAGS".  RIP: the instruction for instruction exits and for
 * exits during delivery of a software interrupt or exception, else the return pointer of the
 * event (c->rip).  RF: 0 for instruction exits; for APIC-access and EPT exits 1, or the
 * delivered event's image when they happen during delivery; for events that exit directly
 * the image they would push; otherwise the current value.
 */
static void save_rip_rsp_rflags(struct vx_cpu *c, const struct vmexit_info *e)
{
	bool at_insn = e->at_insn;
	if (c->vmxnr.delivering) /* the event's return pointer, whoever reports the exit */
		at_insn = event_is_soft(&c->vmxnr.cur);
	SET(c, GUEST_RIP, at_insn ? c->insn_rip : c->rip);
	SET(c, GUEST_RSP, c->gpr[4]);
	u64 f = cpu_rflags(c), rf = f & RFLAGS_RF;
	if (e->reason == VMX_EXIT_APIC_ACCESS || e->reason == VMX_EXIT_EPT_VIOLATION ||
	    e->reason == VMX_EXIT_EPT_MISCONFIG)
		rf = c->vmxnr.delivering ? image_rf(c, rf) : RFLAGS_RF;
	else if (e->rf == VMEXIT_RF_CLEAR)
		rf = 0;
	if (vmx_in_enclave(c)) /* the AEX cleared RF; "other RF rules" do not apply */
		rf = 0;
	else if (e->rf == VMEXIT_RF_SET)
		rf = RFLAGS_RF;
	SET(c, GUEST_RFLAGS, (f & ~RFLAGS_RF) | rf);
}

/*
 * 27.3.4 "Saving Non-Register State".  An exit during event delivery found the processor
 * active and without STI/MOV-SS blocking (27.1).  Bit 3 per the NMI controls; bit 2 (SMI) is 0
 * outside SMM.  Pending debug exceptions "saved as clear for all VM exits except" MTF exits
 * and exits other than #DB ones during MOV-SS blocking, which save those still pending.
 */
static void save_nonregister(struct vx_cpu *c, const struct vmexit_info *e, bool enclave)
{
	bool during = c->vmxnr.delivering;
	SET(c, GUEST_ACTIVITY_STATE, during ? VMX_ACTIVITY_ACTIVE : vmx_activity(c));
	/* An exit caused by an instruction (fault-like: it did not complete, 27.1) saves the
	 * blocking that was in effect for it; an exit at a boundary, the shadow for the next. */
	u8 sh = e->at_insn ? c->blocking : c->shadow;
	u32 is = during ? 0 : sh & (VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_MOV_SS);
	if (vmx_nmi_blocking_saved(c))
		is |= VMX_INTR_BLOCKING_BY_NMI;
	if (enclave)
		is |= VMX_INTR_ENCLAVE_INTERRUPTION;
	SET(c, GUEST_INTERRUPTIBILITY_INFO, is);
	bool db_exit = e->reason == VMX_EXIT_EXCEPTION_NMI &&
		       (e->intr_info & VMX_INTR_INFO_VECTOR_MASK) == X86_VEC_DB;
	/* 27.3.4: "saved as clear for all VM exits except ... a VM exit caused by an INIT
	 * signal ... MTF ... and VM exits that are not caused by debug exceptions and that occur
	 * while there is MOV-SS blocking". */
	bool keep = e->reason == VMX_EXIT_MONITOR_TRAP_FLAG || e->reason == VMX_EXIT_INIT_SIGNAL ||
		    ((is & VMX_INTR_BLOCKING_BY_MOV_SS) && !db_exit);
	SET(c, GUEST_PENDING_DBG_EXCEPTIONS, keep ? c->vmxnr.pending_dbg & PENDING_DBG_SAVED : 0);
	if (F(c, VM_EXIT_CONTROLS) & EXIT_SAVE_PREEMPTION_TIMER)
		SET(c, VMX_PREEMPTION_TIMER_VALUE, vmx_preemption_timer_left(c));
}

/* ==== 27.5 loading host state ==== */

/*
 * The registers of host state (27.5.1, 27.5.2, 27.5.3 "RFLAGS is cleared, except bit 1") and
 * the TLB ("If the 'enable VPID' VM-execution control is 0, the logical processor invalidates
 * linear mappings and combined mappings associated with VPID 0000H"; with VPID the root
 * context comes back, src/vmx/ept.h).  vpid: the exit's "enable VPID".
 */
static void load_host_registers(struct vx_cpu *c, bool vpid)
{
	tlb_leave(c);
	vmx_load_host_regs(c);
	c->rip = F(c, HOST_RIP);
	c->gpr[4] = F(c, HOST_RSP);
	cpu_set_rflags(c, RFLAGS_FIXED);
	vmx_tlb_to_host(c, vpid);
}

/* 27.5.5 "Updating Non-Register State": "always in the active state", no STI/MOV-SS blocking,
 * no pending debug exceptions, NMI blocking as given; then VMX root operation. */
static void load_host_nonregister(struct vx_cpu *c, bool nmi_blocked)
{
	c->halted = false;
	c->shadow = 0;
	c->nmi_blocked = nmi_blocked;
	c->vmxnr = (struct vmx_nonroot){.nmi_pending = c->vmxnr.nmi_pending};
	c->vmx.non_root = false;
}

/* "enable VPID", a secondary control (24.6.2: 0 when secondary controls are not activated) */
static bool exit_vpid(const struct vx_cpu *c)
{
	return (F(c, CPU_BASED_VM_EXEC_CONTROL) & PROC_ACTIVATE_SECONDARY_CONTROLS) &&
	       (F(c, SECONDARY_VM_EXEC_CONTROL) & PROC2_ENABLE_VPID);
}

/* Host state of 27.5, then the VM-exit MSR-load area (27.6). */
static enum cpu_step load_host(struct vx_cpu *c, bool nmi_blocked)
{
	if (!(F(c, VM_EXIT_CONTROLS) & EXIT_HOST_ADDR_SPACE_SIZE))
		return vmx_abort(c, VMX_ABORT_HOST_ASZ);
	load_host_registers(c, exit_vpid(c));
	load_host_nonregister(c, nmi_blocked);
	u32 n = (u32)F(c, VM_EXIT_MSR_LOAD_COUNT);
	u64 area = F(c, VM_EXIT_MSR_LOAD_ADDR);
	for (u32 k = 0; k < n; k++)
		if (k >= vmx_msr_list_max(c) || !vmx_msr_entry_load(c, area + 16ull * k))
			return vmx_abort(c, VMX_ABORT_LOAD_MSR);
	return STEP_VMEXIT;
}

/*
 * D79: the root-mode software that made this VM entry runs outside the processor (c->vmx.native)
 * and sees it only through include/vx, so loading the host-state registers may wait until
 * something could observe them (vmx_unpark) -- or never happen, when the next VMRESUME loads
 * the guest state over them.  Only when the exit loads no MSR (a list entry would change what
 * the host sees at once) and cannot abort (27.7: "host address-space size" 0).
 */
static bool may_park(const struct vx_cpu *c)
{
	return c->vmx.native && !F(c, VM_EXIT_MSR_LOAD_COUNT) &&
	       (F(c, VM_EXIT_CONTROLS) & EXIT_HOST_ADDR_SPACE_SIZE);
}

static enum cpu_step park(struct vx_cpu *c, bool nmi_blocked)
{
	load_host_nonregister(c, nmi_blocked);
	c->vmx.parked = true;
	c->vmx.park_vpid = exit_vpid(c);
	return STEP_VMEXIT;
}

void vmx_unpark_now(struct vx_cpu *c)
{
	c->vmx.parked = false;
	load_host_registers(c, c->vmx.park_vpid);
}

/*
 * NMI blocking after the exit (27.5.5): "VM exits caused directly by non-maskable interrupts
 * (NMIs) cause blocking by NMI ... Other VM exits do not affect blocking by NMI" (with
 * "virtual NMIs", NMIs were not blocked in VMX non-root operation).
 */
static bool host_nmi_blocking(const struct vx_cpu *c, const struct vmexit_info *e)
{
	u32 type = (e->intr_info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	bool nmi_exit = e->reason == VMX_EXIT_EXCEPTION_NMI &&
			(e->intr_info & VMX_INTR_INFO_VALID) && type == VMX_INTR_TYPE_NMI;
	return nmi_exit || vmx_nmi_blocking_real(c);
}

/* 40.3: a VM exit in enclave mode runs the AEX first.  SSA.RIP is what the exit would save
 * as guest RIP; EXITINFO reports the exception for exception exits; a #PF exiting directly
 * writes no CR2. */
static void exit_aex(struct vx_cpu *c, const struct vmexit_info *e)
{
	struct event ev, *pev = NULL;
	if (e->reason == VMX_EXIT_EXCEPTION_NMI && (e->intr_info & VMX_INTR_INFO_VALID)) {
		ev = (struct event){
		    .valid = true,
		    .vector = e->intr_info & VMX_INTR_INFO_VECTOR_MASK,
		    .type =
			(u8)((e->intr_info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT),
		    .has_error = e->intr_info & VMX_INTR_INFO_ERROR_CODE,
		    .error_code = e->intr_error,
		    .has_cr2 = true,
		    .cr2 = e->qual,
		};
		pev = &ev;
	}
	sgx_aex(c, pev, e->at_insn ? c->insn_rip : c->rip, e->rf == VMEXIT_RF_SET, true);
}

enum cpu_step vmexit(struct vx_cpu *c, const struct vmexit_info *e)
{
	assert(c->vmx.non_root);
	c->vmxnr.aex_exit = c->sgx.active;
	if (c->vmxnr.aex_exit)
		exit_aex(c, e);
	bool enclave = enclave_exit(c);
	record_exit(c, e, enclave);
	save_control_regs(c);
	save_segments(c);
	save_rip_rsp_rflags(c, e);
	save_nonregister(c, e, enclave);
	c->vmxnr.aex_exit = false;
	c->vmxnr.cur_aex = false;
	if (!store_msrs(c))
		return vmx_abort(c, VMX_ABORT_SAVE_MSR);
	bool nmi = host_nmi_blocking(c, e);
	return may_park(c) ? park(c, nmi) : load_host(c, nmi);
}

enum cpu_step vmexit_insn(struct vx_cpu *c, const struct insn *i, u32 reason, u64 qual,
			  u32 insn_info)
{
	struct vmexit_info e = {
	    .reason = reason,
	    .qual = qual,
	    .insn_len = i->len,
	    .insn_info = insn_info,
	    .insn_info_valid = true,
	    .at_insn = true,
	    .rf = VMEXIT_RF_CLEAR,
	};
	return vmexit(c, &e);
}

/*
 * 26.7: "Information about the VM-entry failure is recorded in the VM-exit information
 * fields" (exit reason with bit 31, exit qualification; "All other VM-exit information fields
 * are unmodified"); "Processor state is loaded as would be done on a VM exit"; "The state of
 * blocking by NMI is what it was before VM entry"; "MSRs are loaded as specified in the VM-exit
 * MSR-load area".  Guest state is not saved, no MSR is stored, and the valid bit of the
 * VM-entry interruption-information field is not cleared.
 */
enum cpu_step vmexit_entry_failure(struct vx_cpu *c, u32 reason, u64 qual)
{
	c->vmx.parked = false; /* the host state is loaded in full below */
	SET(c, EXIT_REASON, (reason & VMX_EXIT_REASON_BASIC_MASK) | VMX_EXIT_REASON_FAILED_VMENTRY);
	SET(c, EXIT_QUALIFICATION, qual);
	return load_host(c, c->nmi_blocked);
}

enum cpu_step vmexit_load_host_state(struct vx_cpu *c)
{
	vmx_unpark(c);
	return load_host(c, c->nmi_blocked);
}
