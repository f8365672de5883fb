// SPDX-License-Identifier: MIT
/*
 * VM entry after its checks: SDM Vol. 3C 26.3.2 "Loading Guest State" (26.3.2.1 control
 * registers, debug registers and MSRs; 26.3.2.2 segment and descriptor-table registers;
 * 26.3.2.3 RIP, RSP and RFLAGS; 26.3.2.5 non-register state), 26.4 "Loading MSRs", the
 * VMLAUNCH/VMRESUME page ("IF VMLAUNCH THEN launch state of VMCS <- 'launched'"), 26.6
 * "Special Features of VM Entry" (interruptibility, activity state, pending debug
 * exceptions, VMX-preemption timer, MTF) and 26.5 "Event Injection" (vmx_events.c).
 *
 * The guests this processor executes are 64-bit ("IA-32e mode guest" = 1; DESIGN.md section
 * 2): 26.3.2.4 (PDPTEs of PAE paging outside IA-32e mode) never applies.
 */
#include <string.h>

#include "arch/msr.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "cpu/profile.h"
#include "vmx/ept.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"
#include "vmx/vmx_events.h"

#define F(c, name) vmcs_get(&(c)->vmx.vmcs, VMCS_SLOT_##name)

#define AR_UNUSABLE BIT(16)
/* Table 24-4: B3-B0, enabled breakpoint, BS, RTM. */
#define PENDING_DBG_BITS (GENMASK(3, 0) | BIT(12) | BIT(14) | BIT(16))
#define PENDING_DBG_VALID (BIT(12) | BIT(14))

/* 26.3.2.1 "Loading Guest Control Registers, Debug Registers, and MSRs". */
static void load_guest_control_regs(struct vx_cpu *c)
{
	u32 entry = (u32)F(c, VM_ENTRY_CONTROLS);
	/* "CR0 is loaded from the CR0 field with the exception of the following bits, which are
	 * never modified on VM entry: ET (bit 4); reserved bits 15:6, 17, and 28:19; NW (bit 29)
	 * and CD (bit 30)." */
	u64 keep =
	    X86_CR0_ET | GENMASK(15, 6) | BIT(17) | GENMASK(28, 19) | X86_CR0_NW | X86_CR0_CD;
	c->cr0 = (F(c, GUEST_CR0) & ~keep) | (c->cr0 & keep);
	c->cr3 = F(c, GUEST_CR3);
	c->cr4 = F(c, GUEST_CR4);
	/* "If the 'load debug controls' VM-entry control is 1, DR7 is loaded from the DR7 field
	 * with the exception that bit 12 and bits 15:14 are always 0 and bit 10 is always 1";
	 * IA32_DEBUGCTL from its field. */
	if (entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		c->dr[7] = (F(c, GUEST_DR7) & ~(BIT(12) | BIT(14) | BIT(15))) | BIT(10);
		c->msr.debugctl = F(c, GUEST_IA32_DEBUGCTL);
	}
	c->msr.sysenter_cs = F(c, GUEST_SYSENTER_CS) & 0xffffffffull;
	c->msr.sysenter_esp = F(c, GUEST_SYSENTER_ESP);
	c->msr.sysenter_eip = F(c, GUEST_SYSENTER_EIP);
	/* "If the 'load IA32_EFER' VM-entry control is 0, the LMA and LME bits in the
	 * IA32_EFER MSR are each loaded with the setting of the 'IA-32e mode guest' VM-entry
	 * control"; else IA32_EFER is loaded from its field.  Then IA32_PAT. */
	if (entry & ENTRY_LOAD_IA32_EFER) {
		c->msr.efer = F(c, GUEST_IA32_EFER);
	} else {
		c->msr.efer &= ~(X86_EFER_LMA | X86_EFER_LME);
		if (entry & ENTRY_IA32E_MODE_GUEST)
			c->msr.efer |= X86_EFER_LMA | X86_EFER_LME;
	}
	if (entry & ENTRY_LOAD_IA32_PAT)
		c->msr.pat = F(c, GUEST_IA32_PAT);
}

/*
 * 26.3.2.2 "Loading Guest Segment Registers and Descriptor-Table Registers": selector, base,
 * limit and access rights from the guest-state area; "The unusable bit is loaded from the
 * access-rights field" (the rest of an unusable register is undefined: loaded as given).
 * The FS and GS bases are the IA32_FS_BASE/IA32_GS_BASE MSRs.  CPL is SS.DPL.
 */
static void load_guest_segments(struct vx_cpu *c)
{
	const struct vmcs *v = &c->vmx.vmcs;
	struct vmx_seg_cache *k = &c->vmx_segs;
	bool regs_img = k->regs_img;
	k->regs_img = false;                            /* the guest will run */
	if (k->loaded && k->loaded_gen == v->seg_gen) { /* the fields of the last load */
		if (!regs_img) {
			memcpy(c->seg, k->img, sizeof(k->img));
			c->gdtr = k->img_gdtr;
			c->idtr = k->img_idtr;
		}
		c->cpl = (c->seg[SEG_SS].ar >> 5) & 3;
		return;
	}
	bool round_trips = true;
	for (unsigned s = SEG_ES; s <= SEG_TR; s++) {
		u64 ar = vmcs_get(v, VMCS_SLOT_GUEST_ES_AR_BYTES + s);
		c->seg[s] = (struct seg){
		    .sel = (u16)vmcs_get(v, VMCS_SLOT_GUEST_ES_SELECTOR + s),
		    .ar = (u32)ar & 0x1f0ffu,
		    .limit = (u32)vmcs_get(v, VMCS_SLOT_GUEST_ES_LIMIT + s),
		    .base = vmcs_get(v, VMCS_SLOT_GUEST_ES_BASE + s),
		};
		/* what a VM exit would save from this register is the field (vmexit.c) */
		round_trips = round_trips && ar == c->seg[s].ar &&
			      vmx_saved_base(c, s, &c->seg[s]) == c->seg[s].base;
	}
	c->gdtr = (struct dtr){.base = F(c, GUEST_GDTR_BASE), .limit = (u32)F(c, GUEST_GDTR_LIMIT)};
	c->idtr = (struct dtr){.base = F(c, GUEST_IDTR_BASE), .limit = (u32)F(c, GUEST_IDTR_LIMIT)};
	c->cpl = (c->seg[SEG_SS].ar >> 5) & 3;
	memcpy(k->img, c->seg, sizeof(k->img));
	k->img_gdtr = c->gdtr;
	k->img_idtr = c->idtr;
	k->loaded = true;
	k->round_trips = round_trips;
	k->loaded_gen = v->seg_gen;
}

/* 26.3.2.3 "Loading Guest RIP, RSP, and RFLAGS". */
static void load_guest_rip_rsp_rflags(struct vx_cpu *c)
{
	c->rip = F(c, GUEST_RIP);
	c->gpr[4] = F(c, GUEST_RSP);
	cpu_set_rflags(c, F(c, GUEST_RFLAGS));
}

/* 26.4 "Loading MSRs": entries processed in order; 0, or the 1-based index of the entry
 * whose processing failed (the exit qualification of the VM-entry failure, 26.7). */
static u32 load_msr_area(struct vx_cpu *c)
{
	u32 n = (u32)F(c, VM_ENTRY_MSR_LOAD_COUNT);
	u64 area = F(c, VM_ENTRY_MSR_LOAD_ADDR);
	for (u32 k = 0; k < n; k++)
		if (k >= vmx_msr_list_max(c) || !vmx_msr_entry_load(c, area + 16ull * k))
			return k + 1;
	return 0;
}

/*
 * 26.6.3: "No pending debug exceptions are considered after VM entry if ... The VM entry is
 * vectoring with one of the following interruption types: external interrupt, non-maskable
 * interrupt (NMI), hardware exception, or privileged software exception ... The
 * interruptibility-state field does not indicate blocking by MOV SS and the VM entry is
 * vectoring with either of the following interruption type: software interrupt or software
 * exception ... The VM entry is not vectoring and the activity-state field indicates either
 * shutdown or wait-for-SIPI."  "There are valid pending debug exceptions if either the BS bit
 * (bit 14) or the enable-breakpoint bit (bit 12) is 1."  Injection of a software interrupt
 * or exception with MOV-SS blocking delivers them after the injected event ("may be lost or
 * they may be delivered after injection").
 */
static u64 pending_debug(const struct vx_cpu *c, u32 info, u32 is, unsigned act)
{
	u64 dbg = F(c, GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DBG_BITS;
	unsigned type = (info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	bool vectoring = (info & VMX_INTR_INFO_VALID) && type != VMX_INTR_TYPE_OTHER_EVENT;
	if (!(dbg & PENDING_DBG_VALID))
		return 0;
	if (vectoring && type != VMX_INTR_TYPE_SOFT_INTR && type != VMX_INTR_TYPE_SOFT_EXCEPTION)
		return 0;
	if (vectoring && !(is & VMX_INTR_BLOCKING_BY_MOV_SS))
		return 0;
	if (!vectoring && (act == VMX_ACTIVITY_SHUTDOWN || act == VMX_ACTIVITY_WAIT_SIPI))
		return 0;
	return dbg;
}

/*
 * 26.6 "Special Features of VM Entry".  26.6.1: "If the VM entry is vectoring, there is no
 * blocking by STI or by MOV SS following the VM entry"; otherwise bits 0 and 1 give it; bit 3
 * gives NMI blocking or virtual-NMI blocking.  26.6.2: a vectoring entry leaves the processor
 * active, else it ends "in the activity state specified in the guest-state area".  26.6.4:
 * the VMX-preemption timer starts with the timer-value field.  26.5.2 and 25.5.2: MTF.
 */
static void load_nonregister(struct vx_cpu *c, u32 info)
{
	unsigned type = (info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	bool vectoring = (info & VMX_INTR_INFO_VALID) && type != VMX_INTR_TYPE_OTHER_EVENT;
	u32 is = (u32)F(c, GUEST_INTERRUPTIBILITY_INFO);
	unsigned act = vectoring ? VMX_ACTIVITY_ACTIVE : (unsigned)F(c, GUEST_ACTIVITY_STATE);
	c->vmxnr = (struct vmx_nonroot){
	    .timer_deadline = ~0ull,
	    .nmi_pending = c->vmxnr.nmi_pending,
	    .inj_enclave = vectoring && (is & VMX_INTR_ENCLAVE_INTERRUPTION),
	    .pending_dbg = pending_debug(c, info, is, act),
	    .activity = (u8)(act == VMX_ACTIVITY_HLT ? VMX_ACTIVITY_ACTIVE : act),
	};
	c->shadow =
	    vectoring ? 0 : (u8)(is & (VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_MOV_SS));
	vmx_nmi_blocking_load(c, is & VMX_INTR_BLOCKING_BY_NMI);
	c->halted = act == VMX_ACTIVITY_HLT;
	vmx_controls_load(c);
	if (F(c, PIN_BASED_VM_EXEC_CONTROL) & PIN_PREEMPTION_TIMER)
		vmx_preemption_timer_start(c, (u32)F(c, VMX_PREEMPTION_TIMER_VALUE));
}

/*
 * D79: the registers a parked exit left unloaded that this entry loads over: all of them
 * unless the exit loads one the entry does not -- DR7 and IA32_DEBUGCTL (27.5.1: always 400H
 * and 0; 26.3.2.1: loaded only with "load debug controls"), IA32_PAT with the exit's "load
 * IA32_PAT" but not the entry's, IA32_EFER with the exit's "load IA32_EFER" but not the
 * entry's (which then sets LMA and LME only).  Those keep the host's values in the guest.
 */
static bool loads_over_host(const struct vx_cpu *c)
{
	u32 entry = (u32)F(c, VM_ENTRY_CONTROLS), exit = (u32)F(c, VM_EXIT_CONTROLS);
	return (entry & ENTRY_LOAD_DEBUG_CONTROLS) &&
	       (!(exit & EXIT_LOAD_IA32_PAT) || (entry & ENTRY_LOAD_IA32_PAT)) &&
	       (!(exit & EXIT_LOAD_IA32_EFER) || (entry & ENTRY_LOAD_IA32_EFER));
}

enum cpu_step vmentry_enter(struct vx_cpu *c, bool launch)
{
	if (c->vmx.parked && !loads_over_host(c))
		vmx_unpark_now(c);
	/* D79: after a parked exit the host-state registers were never loaded; the guest state
	 * is loaded over the registers that exit left, and the TLB context left is the guest's
	 * own (vmx_tlb_to_guest finds it again). */
	c->vmx.parked = false;
	tlb_leave(c);
	load_guest_control_regs(c);
	load_guest_segments(c);
	load_guest_rip_rsp_rflags(c);
	/* 26.3.2.5: without VPID "VM entry invalidates linear mappings ... associated with VPID
	 * 0000H"; with VPID the guest's context is kept (src/vmx/ept.h, "Caching"). */
	vmx_tlb_to_guest(c);
	u32 bad = load_msr_area(c);
	if (bad)
		return vmexit_entry_failure(c, VMX_EXIT_MSR_LOAD_FAIL, bad);
	if (launch)
		c->vmx.launch = VMX_LAUNCH_LAUNCHED;
	u32 info = (u32)F(c, VM_ENTRY_INTR_INFO);
	load_nonregister(c, info);
	c->vmx.non_root = true;
	vmx_intercept_vmentry(c); /* 25.1.3: the first PAUSE after VM entry begins a loop */
	/* 26.5: "If the valid bit in the VM-entry interruption-information field is 1, VM entry
	 * causes an event to be delivered (or made pending)". */
	if (info & VMX_INTR_INFO_VALID)
		return vmx_inject(c, info);
	return STEP_RETIRED;
}
