// SPDX-License-Identifier: MIT
/*
 * The VMX controls L0 runs its guest with, computed from the capability MSRs.
 *
 * Allowed settings: SDM Vol. 3D A.3.1 "Pin-Based VM-Execution Controls", A.3.2 "Primary
 * Processor-Based VM-Execution Controls", A.3.3 "Secondary Processor-Based VM-Execution
 * Controls", A.4 "VM-Exit Controls", A.5 "VM-Entry Controls": bits 31:0 of a capability MSR are
 * the allowed 0-settings (a 1 there forces the control to 1), bits 63:32 the allowed
 * 1-settings (a 0 there forces the control to 0).  When IA32_VMX_BASIC[55] is 1 the
 * IA32_VMX_TRUE_* MSRs report the settings of every control, the default1 class included
 * (A.2 "Reserved Controls and Default Settings"), and are the only ones consulted.
 *
 * Choice of the settings: SDM Vol. 3C 31.5.1 "Algorithms for Determining VMX Capabilities",
 * algorithm 3: a control with a single allowed setting gets it; a flexible control whose
 * meaning L0 knows gets the setting L0 wants; a flexible control L0 does not know (a bit of
 * no row of src/arch/vmx_controls.def) gets its default setting (1 for default1, else 0).
 *
 * What L0 wants (the KVM policies cited in ../shared/spec/kvm-sgx.md section 1):
 *   pin      VMX-preemption timer (--max-insns and the interrupt timer), when supported
 *   primary  HLT exiting, unconditional I/O exiting, MSR bitmaps, secondary controls; PAUSE
 *            exiting never (KVM: PAUSE is not intercepted so it cannot exit from an enclave,
 *            where it does not #UD); interrupt-window exiting and MTF are switched per entry
 *   second.  EPT (64-bit guests: no unrestricted guest), VPID when supported (KVM's
 *            enable_vpid: the guest's TLB entries survive its exits, 28.3.3.1; L0 gives its
 *            guest VPID 1), enable RDTSCP (RDTSCP and RDPID
 *            would #UD without it, 24.6.2 Table 24-7), ENCLS exiting when the processor has it
 *            (KVM traps every ENCLS leaf it does not virtualize), RDRAND/RDSEED exiting only
 *            when the VM hides the feature (KVM sets them only to inject #UD itself)
 *   exit     host address-space size, save/load IA32_EFER, save/load IA32_PAT, save debug
 *            controls
 *   entry    IA-32e mode guest, load IA32_EFER, load IA32_PAT, load debug controls
 * CR0/CR4 guest/host masks (24.6.6 "Guest/Host Masks and Read Shadows for CR0 and CR4"): the
 * bits fixed to 1 in VMX operation (A.7 "VMX-Fixed Bits in CR0", A.8 "VMX-Fixed Bits in CR4"),
 * so the guest sees its own values of PE, NE, PG and VMXE through the read shadows.
 */
#include <stdio.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/archinfo.h"
#include "vx/vmx.h"

bool hv_caps_read(const struct vx_cpu *c, struct hv_caps *k)
{
	*k = (struct hv_caps){0};
	if (!vx_vmx_read_cap(c, MSR_IA32_VMX_BASIC, &k->basic))
		return false;
	bool true_ctls = k->basic & MSR_IA32_VMX_BASIC_TRUE_CTLS_MASK;
	bool ok =
	    vx_vmx_read_cap(
		c, true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
		&k->pin) &&
	    vx_vmx_read_cap(
		c, true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
		&k->proc) &&
	    vx_vmx_read_cap(c, true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
			    &k->exit) &&
	    vx_vmx_read_cap(c, true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
			    &k->entry) &&
	    vx_vmx_read_cap(c, MSR_IA32_VMX_MISC, &k->misc) &&
	    vx_vmx_read_cap(c, MSR_IA32_VMX_CR0_FIXED0, &k->cr0_fixed0) &&
	    vx_vmx_read_cap(c, MSR_IA32_VMX_CR0_FIXED1, &k->cr0_fixed1) &&
	    vx_vmx_read_cap(c, MSR_IA32_VMX_CR4_FIXED0, &k->cr4_fixed0) &&
	    vx_vmx_read_cap(c, MSR_IA32_VMX_CR4_FIXED1, &k->cr4_fixed1);
	if (!ok)
		return false;
	/* A.3.3: IA32_VMX_PROCBASED_CTLS2 exists only if "activate secondary controls" may be
	 * 1; A.10: IA32_VMX_EPT_VPID_CAP only if EPT or VPID may be 1. */
	if ((k->proc >> 32) & PROC_ACTIVATE_SECONDARY_CONTROLS) {
		vx_vmx_read_cap(c, MSR_IA32_VMX_PROCBASED_CTLS2, &k->proc2);
		vx_vmx_read_cap(c, MSR_IA32_VMX_EPT_VPID_CAP, &k->ept_vpid);
	}
	return true;
}

/* One group of controls: `want` (required) and `opt` (used when allowed) of the bits L0
 * knows (`known`); unknown flexible bits take their default setting (`default1`). */
struct group {
	u64 cap;
	u32 want, opt, forbid, known, default1;
	const char *name;
};

static bool adjust(const struct group *g, u32 *out, char *err, size_t errlen)
{
	u32 must1 = (u32)g->cap, may1 = (u32)(g->cap >> 32);
	u32 missing = g->want & ~may1, forced = g->forbid & must1;
	if (missing || forced) {
		snprintf(
		    err, errlen,
		    "the processor cannot run the hypervisor: %s controls 0x%08x %s (capability "
		    "MSR 0x%016llx)",
		    g->name, missing ? missing : forced,
		    missing ? "are not allowed to be 1" : "are forced to 1",
		    (unsigned long long)g->cap);
		return false;
	}
	*out = must1 | ((g->want | g->opt) & may1) | (g->default1 & may1 & ~g->known);
	return true;
}

static u32 known(unsigned group)
{
	return (u32)vx_ctl_defined_mask(group);
}

static bool pin_proc(const struct hv_caps *k, struct hv_ctls *o, char *err, size_t errlen)
{
	const struct group pin = {
	    .cap = k->pin,
	    .opt = PIN_PREEMPTION_TIMER,
	    .known = known(VMX_CTL_PIN),
	    .default1 = VMX_PIN_DEFAULT1,
	    .name = "pin-based",
	};
	/* Interrupt-window exiting and MTF are set per entry; they must be allowed to be 0. */
	const struct group proc = {
	    .cap = k->proc,
	    .want = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_USE_MSR_BITMAPS |
		    PROC_ACTIVATE_SECONDARY_CONTROLS,
	    .forbid = PROC_PAUSE_EXITING | PROC_INTR_WINDOW_EXITING | PROC_MONITOR_TRAP_FLAG |
		      PROC_USE_IO_BITMAPS,
	    .known = known(VMX_CTL_PROC),
	    .default1 = VMX_PROC_DEFAULT1,
	    .name = "primary processor-based",
	};
	if (!adjust(&pin, &o->pin, err, errlen) || !adjust(&proc, &o->proc, err, errlen))
		return false;
	o->preempt_timer = o->pin & PIN_PREEMPTION_TIMER;
	return true;
}

static bool secondary(const struct hv_caps *k, const struct hv_config *cfg, struct hv_ctls *o,
		      char *err, size_t errlen)
{
	u32 want = PROC2_ENABLE_EPT;
	if (cfg->hide_rdrand)
		want |= PROC2_RDRAND_EXITING;
	if (cfg->hide_rdseed)
		want |= PROC2_RDSEED_EXITING;
	const struct group g = {
	    .cap = k->proc2,
	    .want = want,
	    .opt = PROC2_ENABLE_RDTSCP | PROC2_ENCLS_EXITING | PROC2_ENABLE_VPID,
	    .forbid = PROC2_UNRESTRICTED_GUEST | PROC2_PAUSE_LOOP_EXITING |
		      (cfg->hide_rdrand ? 0 : PROC2_RDRAND_EXITING) |
		      (cfg->hide_rdseed ? 0 : PROC2_RDSEED_EXITING),
	    .known = known(VMX_CTL_PROC2),
	    .default1 = 0, /* 31.5.1: no secondary control is in the default1 class */
	    .name = "secondary processor-based",
	};
	if (!adjust(&g, &o->proc2, err, errlen))
		return false;
	o->encls_exiting = o->proc2 & PROC2_ENCLS_EXITING;
	return true;
}

static bool exit_entry(const struct hv_caps *k, struct hv_ctls *o, char *err, size_t errlen)
{
	u32 ex1 = (u32)(k->exit >> 32), en1 = (u32)(k->entry >> 32);
	/* IA32_PAT and DR7/IA32_DEBUGCTL travel both ways or not at all: loaded at entry but not
	 * saved at exit, a guest's change would be undone by the next entry. */
	bool pat =
	    (ex1 & EXIT_SAVE_IA32_PAT) && (ex1 & EXIT_LOAD_IA32_PAT) && (en1 & ENTRY_LOAD_IA32_PAT);
	bool dbg = (ex1 & EXIT_SAVE_DEBUG_CONTROLS) && (en1 & ENTRY_LOAD_DEBUG_CONTROLS);
	const struct group ex = {
	    .cap = k->exit,
	    .want = EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER,
	    .opt = (dbg ? EXIT_SAVE_DEBUG_CONTROLS : 0) |
		   (pat ? EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT : 0),
	    .known = known(VMX_CTL_EXIT),
	    .default1 = VMX_EXIT_DEFAULT1,
	    .name = "VM-exit",
	};
	const struct group en = {
	    .cap = k->entry,
	    .want = ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_IA32_EFER,
	    .opt = (dbg ? ENTRY_LOAD_DEBUG_CONTROLS : 0) | (pat ? ENTRY_LOAD_IA32_PAT : 0),
	    .forbid = ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR,
	    .known = known(VMX_CTL_ENTRY),
	    .default1 = VMX_ENTRY_DEFAULT1,
	    .name = "VM-entry",
	};
	return adjust(&ex, &o->exit, err, errlen) && adjust(&en, &o->entry, err, errlen);
}

/* EPT (A.10 "VPID and EPT Capabilities"): a 4-level walk, a supported paging-structure memory
 * type (WB preferred, else UC), 2-MByte pages when PDEs may map them. */
static bool ept_caps(const struct hv_caps *k, struct hv_ctls *o, char *err, size_t errlen)
{
	u64 c = k->ept_vpid;
	if (!(c & MSR_IA32_VMX_EPT_VPID_CAP_PWL4_MASK)) {
		snprintf(err, errlen,
			 "the processor cannot run the hypervisor: no 4-level EPT walk");
		return false;
	}
	if (c & MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_WB_MASK)
		o->ept_memtype = 6;
	else if (c & MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_UC_MASK)
		o->ept_memtype = 0;
	else {
		snprintf(err, errlen,
			 "the processor cannot run the hypervisor: no EPT paging-structure memory "
			 "type (WB or UC)");
		return false;
	}
	o->ept_2m = c & MSR_IA32_VMX_EPT_VPID_CAP_PDE_2MB_MASK;
	return true;
}

bool hv_ctls_compute(const struct hv_caps *k, const struct hv_config *cfg, struct hv_ctls *o,
		     char *err, size_t errlen)
{
	*o = (struct hv_ctls){0};
	if (!pin_proc(k, o, err, errlen) || !secondary(k, cfg, o, err, errlen) ||
	    !exit_entry(k, o, err, errlen) || !ept_caps(k, o, err, errlen))
		return false;
	o->timer_shift = (u8)(k->misc & MSR_IA32_VMX_MISC_PREEMPT_TIMER_RATE_MASK);
	/* 24.6.6: a bit set in a mask is owned by L0; the guest reads the shadow and writing a
	 * different value exits (25.1.3 "Instructions That Cause VM Exits Conditionally"). */
	o->cr0_mask = k->cr0_fixed0 & 0xffffffffull;
	o->cr4_mask = k->cr4_fixed0;
	return true;
}
