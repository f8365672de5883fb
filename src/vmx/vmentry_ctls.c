// SPDX-License-Identifier: MIT
/*
 * VM-entry checks on the VMX controls: SDM Vol. 3C 26.2.1 "Checks on VMX Controls" --
 * 26.2.1.1 "VM-Execution Control Fields", 26.2.1.2 "VM-Exit Control Fields", 26.2.1.3
 * "VM-Entry Control Fields" (event injection included).  A failure is VMfailValid with
 * VM-instruction error 7 ("VM entry with invalid control field(s)").
 *
 * Rules are listed in the SDM's order; rules for controls defined after the 2016 SDM (mode-
 * based execute control, sub-page write permissions, Intel PT using guest-physical addresses,
 * tertiary controls, supervisor shadow-stack control in the EPTP) are marked "later SDM".
 * The SDM words some address rules "should not set any bits beyond the processor's
 * physical-address width"; this processor fails VM entry for them, as for the "must" rules.
 */
#include "vmx/vmentry_checks.h"

#include "arch/msr.h"
#include "cpu/phys.h"
#include "cpu/profile.h"

#define SDM_EXEC "26.2.1.1 VM-Execution Control Fields"
#define SDM_EXIT "26.2.1.2 VM-Exit Control Fields"
#define SDM_ENTRY "26.2.1.3 VM-Entry Control Fields"

#define F(name) vmcs_get(c->v, VMCS_SLOT_##name)

/* Allowed settings of a capability MSR (A.3-A.5): bits that must be 1 / may be 1. */
static u32 must1(u64 cap)
{
	return (u32)cap;
}

static u32 may1(u64 cap)
{
	return (u32)(cap >> 32);
}

/* Bits 63:n. */
static u64 bits_from(unsigned n)
{
	return n >= 64 ? 0 : ~0ull << n;
}

/* ---- 26.2.1.1 ---- */

static bool exec_reserved(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u32 pin = c->pin, proc = c->proc, proc2 = c->proc2;
	u64 pin_cap = vmentry_ctl_cap(p, VMX_CTL_PIN), proc_cap = vmentry_ctl_cap(p, VMX_CTL_PROC);
	u64 proc2_cap = vmentry_ctl_cap(p, VMX_CTL_PROC2);
	/* "Reserved bits in the pin-based VM-execution controls must be set properly" (A.3.1),
	 * likewise the primary processor-based controls (A.3.2). */
	CHECK(r, pin & ~may1(pin_cap), SDM_EXEC);
	CHECK(r, ~pin & must1(pin_cap), SDM_EXEC);
	CHECK(r, proc & ~may1(proc_cap), SDM_EXEC);
	CHECK(r, ~proc & must1(proc_cap), SDM_EXEC);
	/* "If the 'activate secondary controls' primary processor-based VM-execution control is
	 * 1, reserved bits in the secondary processor-based VM-execution controls must be
	 * cleared" (A.3.3); with it 0, no checks are performed on them. */
	if (proc & PROC_ACTIVATE_SECONDARY_CONTROLS) {
		CHECK(r, proc2 & ~may1(proc2_cap), SDM_EXEC);
		CHECK(r, ~proc2 & must1(proc2_cap), SDM_EXEC);
	}
	/* Later SDM: the same for the tertiary controls (A.3.4, a 64-bit allowed-1 mask). */
	if (proc & PROC_ACTIVATE_TERTIARY_CONTROLS)
		CHECK(r, c->proc3 & ~p->vmx.procbased3, SDM_EXEC);
	return false;
}

/* IA32_VMX_MISC[24:16]: CR3-target values supported (A.6). */
static u64 cr3_targets(const struct cpu_profile *p)
{
	return bits_get(p->vmx.misc, 24, 16);
}

static bool exec_bitmaps(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	/* "The CR3-target count must not be greater than 4.  Future processors may support a
	 * different number of CR3-target values.  Software should read ... IA32_VMX_MISC": the
	 * limit is the number this processor reports (4 on every built-in profile). */
	CHECK(r, F(CR3_TARGET_COUNT) > cr3_targets(p), SDM_EXEC);
	/* "If the 'use I/O bitmaps' VM-execution control is 1, bits 11:0 of each I/O-bitmap
	 * address must be 0.  Neither address should set any bits beyond the processor's
	 * physical-address width." */
	if (c->proc & PROC_USE_IO_BITMAPS) {
		CHECK(r, F(IO_BITMAP_A) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(p, F(IO_BITMAP_A)), SDM_EXEC);
		CHECK(r, F(IO_BITMAP_B) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(p, F(IO_BITMAP_B)), SDM_EXEC);
	}
	/* "If the 'use MSR bitmaps' VM-execution control is 1, bits 11:0 of the MSR-bitmap
	 * address must be 0.  The address should not set any bits beyond ... width." */
	if (c->proc & PROC_USE_MSR_BITMAPS) {
		CHECK(r, F(MSR_BITMAP) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(p, F(MSR_BITMAP)), SDM_EXEC);
	}
	return false;
}

/*
 * "The following check is performed if the 'use TPR shadow' VM-execution control is 1 and
 * the 'virtualize APIC accesses' and 'virtual-interrupt delivery' VM-execution controls are
 * both 0: the value of bits 3:0 of the TPR threshold VM-execution control field should not be
 * greater than the value of bits 7:4 of VTPR (see Section 29.1.1)."  VTPR is byte 80H of the
 * virtual-APIC page; without memory (env->phys NULL) the check is not made.
 */
static bool tpr_threshold_above_vtpr(const struct vmentry_ctx *c)
{
	if (!c->phys)
		return false;
	u64 vtpr = phys_read(c->phys, F(VIRTUAL_APIC_PAGE_ADDR) + 0x80, 1);
	return (F(TPR_THRESHOLD) & 0xf) > ((vtpr >> 4) & 0xf);
}

static bool exec_tpr_shadow(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u32 proc2 = c->proc2;
	bool tpr = c->proc & PROC_USE_TPR_SHADOW;
	/* "If the 'use TPR shadow' VM-execution control is 1, the virtual-APIC address must
	 * satisfy: bits 11:0 of the address must be 0; the address should not set any bits
	 * beyond the processor's physical-address width."  The clearing of VTPR bytes 3:1 that
	 * may follow ("behavior may be implementation-specific") is not done: this processor
	 * leaves the virtual-APIC page alone. */
	if (tpr) {
		CHECK(r, F(VIRTUAL_APIC_PAGE_ADDR) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(c->p, F(VIRTUAL_APIC_PAGE_ADDR)), SDM_EXEC);
	}
	/* "If the 'use TPR shadow' VM-execution control is 0, the following VM-execution
	 * controls must also be 0: 'virtualize x2APIC mode', 'APIC-register virtualization', and
	 * 'virtual-interrupt delivery'." */
	CHECK(r, !tpr && (proc2 & PROC2_VIRTUALIZE_X2APIC_MODE), SDM_EXEC);
	CHECK(r, !tpr && (proc2 & PROC2_APIC_REGISTER_VIRT), SDM_EXEC);
	CHECK(r, !tpr && (proc2 & PROC2_VIRTUAL_INTR_DELIVERY), SDM_EXEC);
	/* "If the 'use TPR shadow' VM-execution control is 1 and the 'virtual-interrupt delivery'
	 * VM-execution control is 0, bits 31:4 of the TPR threshold ... must be 0." */
	CHECK(r, tpr && !(proc2 & PROC2_VIRTUAL_INTR_DELIVERY) && (F(TPR_THRESHOLD) & ~0xfull),
	      SDM_EXEC);
	CHECK(r,
	      tpr && !(proc2 & (PROC2_VIRTUALIZE_APIC_ACCESSES | PROC2_VIRTUAL_INTR_DELIVERY)) &&
		  tpr_threshold_above_vtpr(c),
	      SDM_EXEC);
	return false;
}

static bool exec_nmi_apic(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u32 pin = c->pin, proc2 = c->proc2;
	bool posted = pin & PIN_POSTED_INTR;
	/* "If the 'NMI exiting' VM-execution control is 0, the 'virtual NMIs' VM-execution
	 * control must be 0."  "If the 'virtual NMIs' VM-execution control is 0, the
	 * 'NMI-window exiting' VM-execution control must be 0." */
	CHECK(r, !(pin & PIN_NMI_EXITING) && (pin & PIN_VIRTUAL_NMIS), SDM_EXEC);
	CHECK(r, !(pin & PIN_VIRTUAL_NMIS) && (c->proc & PROC_NMI_WINDOW_EXITING), SDM_EXEC);
	/* "If the 'virtualize APIC-accesses' VM-execution control is 1, the APIC-access address
	 * must satisfy: bits 11:0 of the address must be 0; the address should not set any
	 * bits beyond the processor's physical-address width." */
	if (proc2 & PROC2_VIRTUALIZE_APIC_ACCESSES) {
		CHECK(r, F(APIC_ACCESS_ADDR) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(c->p, F(APIC_ACCESS_ADDR)), SDM_EXEC);
	}
	/* "If the 'virtualize x2APIC mode' VM-execution control is 1, the 'virtualize APIC
	 * accesses' VM-execution control must be 0." */
	CHECK(r, (proc2 & PROC2_VIRTUALIZE_X2APIC_MODE) && (proc2 & PROC2_VIRTUALIZE_APIC_ACCESSES),
	      SDM_EXEC);
	/* "If the 'virtual-interrupt delivery' VM-execution control is 1, the 'external-
	 * interrupt exiting' VM-execution control must be 1." */
	CHECK(r, (proc2 & PROC2_VIRTUAL_INTR_DELIVERY) && !(pin & PIN_EXT_INTR_EXITING), SDM_EXEC);
	/* "If the 'process posted interrupts' VM-execution control is 1, the following must be
	 * true: 'virtual-interrupt delivery' is 1; the 'acknowledge interrupt on exit' VM-exit
	 * control is 1; the posted-interrupt notification vector has a value in the range 0-255
	 * (bits 15:8 are all 0); bits 5:0 of the posted-interrupt descriptor address are all 0;
	 * the posted-interrupt descriptor address does not set any bits beyond the processor's
	 * physical-address width." */
	CHECK(r, posted && !(proc2 & PROC2_VIRTUAL_INTR_DELIVERY), SDM_EXEC);
	CHECK(r, posted && !(c->exit & EXIT_ACK_INTR_ON_EXIT), SDM_EXEC);
	CHECK(r, posted && (F(POSTED_INTR_NV) & 0xff00), SDM_EXEC);
	CHECK(r, posted && (F(POSTED_INTR_DESC_ADDR) & 0x3f), SDM_EXEC);
	CHECK(r, posted && vmentry_pa_bad(c->p, F(POSTED_INTR_DESC_ADDR)), SDM_EXEC);
	return false;
}

/* EPTP bits 2:0: a memory type IA32_VMX_EPT_VPID_CAP reports (A.10: bit 8 UC, bit 14 WB). */
static bool ept_memtype_ok(const struct cpu_profile *p, u64 mt)
{
	u64 cap = p->vmx.ept_vpid_cap;
	return (mt == 0 && (cap & MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_UC_MASK)) ||
	       (mt == 6 && (cap & MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_WB_MASK));
}

/* EPTP bits 5:3 (page-walk length - 1): 3 needs A.10 bit 6, 4 (later SDM) bit 7. */
static bool ept_walk_ok(const struct cpu_profile *p, u64 len1)
{
	u64 cap = p->vmx.ept_vpid_cap;
	return (len1 == 3 && (cap & MSR_IA32_VMX_EPT_VPID_CAP_PWL4_MASK)) ||
	       (len1 == 4 && (cap & MSR_IA32_VMX_EPT_VPID_CAP_PWL5_MASK));
}

#define EPTP_SSS BIT(7)

/* The EPTP rules of 26.2.1.1 as one predicate (INVEPT single-context uses it: "IF VM entry
 * ... would fail due to the EPTP value"); VM entry checks them one CHECK at a time below. */
bool vmentry_eptp_valid(const struct cpu_profile *p, u64 eptp)
{
	u64 cap = p->vmx.ept_vpid_cap;
	return ept_memtype_ok(p, eptp & 7) && ept_walk_ok(p, bits_get(eptp, 5, 3)) &&
	       (!(eptp & EPTP_AD) || (cap & MSR_IA32_VMX_EPT_VPID_CAP_AD_FLAGS_MASK)) &&
	       (!(eptp & EPTP_SSS) || (cap & MSR_IA32_VMX_EPT_VPID_CAP_SSS_CONTROL_MASK)) &&
	       !(eptp & (GENMASK(11, 8) | bits_from(p->maxphyaddr)));
}

static bool exec_vpid_ept(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u64 cap = p->vmx.ept_vpid_cap;
	/* "If the 'enable VPID' VM-execution control is 1, the value of the VPID VM-execution
	 * control field must not be 0000H." */
	CHECK(r, (c->proc2 & PROC2_ENABLE_VPID) && F(VPID) == 0, SDM_EXEC);
	if (!(c->proc2 & PROC2_ENABLE_EPT))
		return false;
	/* "If the 'enable EPT' VM-execution control is 1, the EPTP VM-execution control field
	 * must satisfy: the EPT memory type (bits 2:0) must be a value supported by the processor
	 * as indicated in the IA32_VMX_EPT_VPID_CAP MSR; bits 5:3 (1 less than the EPT page-walk
	 * length) must be 3 [later SDM: a supported length]; bit 6 (enable bit for accessed and
	 * dirty flags for EPT) must be 0 if bit 21 of IA32_VMX_EPT_VPID_CAP is read as 0;
	 * reserved bits 11:7 and 63:N (where N is the processor's physical-address width) must
	 * all be 0."  Later SDM: bit 7 is allowed when IA32_VMX_EPT_VPID_CAP[23] = 1. */
	u64 eptp = F(EPT_POINTER);
	CHECK(r, !ept_memtype_ok(p, eptp & 7), SDM_EXEC);
	CHECK(r, !ept_walk_ok(p, bits_get(eptp, 5, 3)), SDM_EXEC);
	CHECK(r, (eptp & EPTP_AD) && !(cap & MSR_IA32_VMX_EPT_VPID_CAP_AD_FLAGS_MASK), SDM_EXEC);
	CHECK(r, (eptp & EPTP_SSS) && !(cap & MSR_IA32_VMX_EPT_VPID_CAP_SSS_CONTROL_MASK),
	      SDM_EXEC);
	CHECK(r, eptp & (GENMASK(11, 8) | bits_from(p->maxphyaddr)), SDM_EXEC);
	return false;
}

static bool exec_ept_users(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u32 proc2 = c->proc2;
	bool ept = proc2 & PROC2_ENABLE_EPT, pml = proc2 & PROC2_ENABLE_PML;
	bool spp = proc2 & PROC2_SUBPAGE_WRITE_PERMISSIONS, pt_gpa = proc2 & PROC2_PT_USES_GPA;
	/* "If the 'enable PML' VM-execution control is 1, the 'enable EPT' VM-execution control
	 * must also be 1.  In addition, the PML address must satisfy: bits 11:0 of the address
	 * must be 0; the address should not set any bits beyond ... width." */
	CHECK(r, pml && !ept, SDM_EXEC);
	CHECK(r, pml && (F(PML_ADDRESS) & 0xfff), SDM_EXEC);
	CHECK(r, pml && vmentry_pa_bad(p, F(PML_ADDRESS)), SDM_EXEC);
	/* "If the 'unrestricted guest' VM-execution control is 1, the 'enable EPT' VM-execution
	 * control must also be 1." */
	CHECK(r, (proc2 & PROC2_UNRESTRICTED_GUEST) && !ept, SDM_EXEC);
	/* Later SDM: "If the 'mode-based execute control for EPT' VM-execution control is 1, the
	 * 'enable EPT' VM-execution control must also be 1." */
	CHECK(r, (proc2 & PROC2_MODE_BASED_EPT_EXEC) && !ept, SDM_EXEC);
	/* Later SDM: "If the 'sub-page write permissions for EPT' VM-execution control is 1, the
	 * 'enable EPT' VM-execution control must also be 1.  In addition, the SPPTP ... bits 11:0
	 * must be 0; the address should not set any bits beyond ... width." */
	CHECK(r, spp && !ept, SDM_EXEC);
	CHECK(r, spp && (F(SPP_TABLE_POINTER) & 0xfff), SDM_EXEC);
	CHECK(r, spp && vmentry_pa_bad(p, F(SPP_TABLE_POINTER)), SDM_EXEC);
	/* Later SDM: "If the 'Intel PT uses guest physical addresses' VM-execution control is 1,
	 * the following controls must also be 1: 'enable EPT'; the 'load IA32_RTIT_CTL' VM-entry
	 * control; the 'clear IA32_RTIT_CTL' VM-exit control." */
	CHECK(r, pt_gpa && !ept, SDM_EXEC);
	CHECK(r, pt_gpa && !(c->entry & ENTRY_LOAD_IA32_RTIT_CTL), SDM_EXEC);
	CHECK(r, pt_gpa && !(c->exit & EXIT_CLEAR_IA32_RTIT_CTL), SDM_EXEC);
	return false;
}

#define VMFUNC_EPTP_SWITCHING BIT(0)

static bool exec_vmfunc_shadow_ve(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u32 proc2 = c->proc2;
	bool vmfunc = proc2 & PROC2_ENABLE_VMFUNC;
	u64 fn = F(VM_FUNCTION_CONTROL);
	bool eptp_switching = vmfunc && (fn & VMFUNC_EPTP_SWITCHING);
	/* "If the 'enable VM functions' processor-based VM-execution control is 1, reserved bits
	 * in the VM-function controls must be clear (A.11).  If 'EPTP switching' VM-function
	 * control is 1, the 'enable EPT' VM-execution control must also be 1.  In addition, the
	 * EPTP-list address must satisfy: bits 11:0 of the address must be 0; the address must
	 * not set any bits beyond the processor's physical-address width." */
	CHECK(r, vmfunc && (fn & ~p->vmx.vmfunc), SDM_EXEC);
	CHECK(r, eptp_switching && !(proc2 & PROC2_ENABLE_EPT), SDM_EXEC);
	CHECK(r, eptp_switching && (F(EPTP_LIST_ADDRESS) & 0xfff), SDM_EXEC);
	CHECK(r, eptp_switching && vmentry_pa_bad(p, F(EPTP_LIST_ADDRESS)), SDM_EXEC);
	/* "If the 'VMCS shadowing' VM-execution control is 1, the VMREAD-bitmap and
	 * VMWRITE-bitmap addresses must each satisfy: bits 11:0 of the address must be 0; the
	 * address must not set any bits beyond the processor's physical-address width." */
	if (proc2 & PROC2_VMCS_SHADOWING) {
		CHECK(r, F(VMREAD_BITMAP) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(p, F(VMREAD_BITMAP)), SDM_EXEC);
		CHECK(r, F(VMWRITE_BITMAP) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(p, F(VMWRITE_BITMAP)), SDM_EXEC);
	}
	/* "If the 'EPT-violation #VE' VM-execution control is 1, the virtualization-exception
	 * information address must satisfy: bits 11:0 of the address must be 0; the address
	 * must not set any bits beyond the processor's physical-address width." */
	if (proc2 & PROC2_EPT_VIOLATION_VE) {
		CHECK(r, F(VE_INFO_ADDRESS) & 0xfff, SDM_EXEC);
		CHECK(r, vmentry_pa_bad(p, F(VE_INFO_ADDRESS)), SDM_EXEC);
	}
	return false;
}

/* ---- 26.2.1.2 ---- */

/*
 * An MSR area (VM-exit MSR-store, VM-exit MSR-load, VM-entry MSR-load): "The following checks
 * are performed for the ... address if the ... count field is non-zero: the lower 4 bits of
 * the ... address must be 0.  The address should not set any bits beyond the processor's
 * physical-address width.  The address of the last byte in the ... area should not set any
 * bits beyond the processor's physical-address width.  The address of this last byte is ...
 * address + (MSR count * 16) - 1.  (The arithmetic used for the computation uses more bits
 * than the processor's physical-address width.)"  The last byte is computed after the address
 * passed the width check, so it cannot overflow.  result.reg names the area.
 */
static bool msr_area(struct vmentry_result *r, const char *area, u64 addr, u64 n,
		     const struct cpu_profile *p, const char *sdm)
{
	CHECK_REG(r, area, n && (addr & 0xf), sdm);
	CHECK_REG(r, area, n && vmentry_pa_bad(p, addr), sdm);
	CHECK_REG(r, area, n && vmentry_pa_bad(p, addr + n * 16 - 1), sdm);
	return false;
}

static bool exit_controls(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u32 ex = c->exit;
	u64 cap = vmentry_ctl_cap(p, VMX_CTL_EXIT);
	/* "Reserved bits in the VM-exit controls must be set properly" (A.4). */
	CHECK(r, ex & ~may1(cap), SDM_EXIT);
	CHECK(r, ~ex & must1(cap), SDM_EXIT);
	/* "If the 'activate VMX-preemption timer' VM-execution control is 0, the 'save
	 * VMX-preemption timer value' VM-exit control must also be 0." */
	CHECK(r, !(c->pin & PIN_PREEMPTION_TIMER) && (ex & EXIT_SAVE_PREEMPTION_TIMER), SDM_EXIT);
	/* The VM-exit MSR-store and MSR-load areas (msr_area). */
	return msr_area(r, "VM-exit MSR-store", F(VM_EXIT_MSR_STORE_ADDR),
			F(VM_EXIT_MSR_STORE_COUNT), p, SDM_EXIT) ||
	       msr_area(r, "VM-exit MSR-load", F(VM_EXIT_MSR_LOAD_ADDR), F(VM_EXIT_MSR_LOAD_COUNT),
			p, SDM_EXIT);
}

/* ---- 26.2.1.3 ---- */

static unsigned intr_type(u64 info)
{
	return (unsigned)bits_get(info, 10, 8);
}

static bool soft_event(unsigned type)
{
	return type == VMX_INTR_TYPE_SOFT_INTR || type == VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION ||
	       type == VMX_INTR_TYPE_SOFT_EXCEPTION;
}

/* The vectors of exceptions that "would normally deliver an error code (8 = #DF; 10 = TS;
 * 11 = #NP; 12 = #SS; 13 = #GP; 14 = #PF; or 17 = #AC)". */
static bool vector_has_error_code(unsigned vec)
{
	return vec == X86_VEC_DF || (vec >= X86_VEC_TS && vec <= X86_VEC_PF) || vec == X86_VEC_AC;
}

/* The setting the deliver-error-code bit must have: 1 iff "(1) either (a) the 'unrestricted
 * guest' VM-execution control is 0; or (b) bit 0 (corresponding to CR0.PE) is set in the CR0
 * field in the guest-state area; (2) the interruption type is hardware exception; and (3) the
 * vector indicates an exception that would normally deliver an error code". */
static bool error_code_expected(const struct vmentry_ctx *c, u64 info)
{
	bool pe = F(GUEST_CR0) & X86_CR0_PE;
	return (!c->ug || pe) && intr_type(info) == VMX_INTR_TYPE_HARD_EXCEPTION &&
	       vector_has_error_code(info & VMX_INTR_INFO_VECTOR_MASK);
}

static bool entry_injection(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u64 info = F(VM_ENTRY_INTR_INFO), len = F(VM_ENTRY_INSTRUCTION_LEN);
	if (!(info & VMX_INTR_INFO_VALID))
		return false;
	u64 mtf_ok = may1(vmentry_ctl_cap(c->p, VMX_CTL_PROC)) & PROC_MONITOR_TRAP_FLAG;
	u64 zero_len_ok = c->p->vmx.misc & MSR_IA32_VMX_MISC_INJECT_ZERO_LEN_MASK;
	unsigned type = intr_type(info), vec = info & VMX_INTR_INFO_VECTOR_MASK;
	/* "The field's interruption type (bits 10:8) is not set to a reserved value.  Value 1 is
	 * reserved on all logical processors; value 7 (other event) is reserved on logical
	 * processors that do not support the 1-setting of the 'monitor trap flag' control." */
	CHECK(r, type == VMX_INTR_TYPE_RESERVED, SDM_ENTRY);
	CHECK(r, type == VMX_INTR_TYPE_OTHER_EVENT && !mtf_ok, SDM_ENTRY);
	/* "The field's vector (bits 7:0) is consistent with the interruption type: NMI -> 2;
	 * hardware exception -> at most 31; other event -> 0 (pending MTF VM exit)." */
	CHECK(r, type == VMX_INTR_TYPE_NMI && vec != X86_VEC_NMI, SDM_ENTRY);
	CHECK(r, type == VMX_INTR_TYPE_HARD_EXCEPTION && vec > 31, SDM_ENTRY);
	CHECK(r, type == VMX_INTR_TYPE_OTHER_EVENT && vec != 0, SDM_ENTRY);
	CHECK(r, !!(info & VMX_INTR_INFO_ERROR_CODE) != error_code_expected(c, info), SDM_ENTRY);
	/* "Reserved bits in the field (30:12) are 0." */
	CHECK(r, info & GENMASK(30, 12), SDM_ENTRY);
	/* "If the deliver-error-code bit (bit 11) is 1, bits 31:16 of the VM-entry exception
	 * error-code field are 0" (later SDM; the 2016 SDM says 31:15, but bit 15 is the SGX bit
	 * of a #PF error code, Vol. 3A 4.7, which a VMM must be able to re-inject). */
	CHECK(r, (info & VMX_INTR_INFO_ERROR_CODE) && (F(VM_ENTRY_EXCEPTION_ERROR_CODE) >> 16),
	      SDM_ENTRY);
	/* "If the interruption type is software interrupt, software exception, or privileged
	 * software exception, the VM-entry instruction-length field is in the range 0-15.  A
	 * VM-entry instruction length of 0 is allowed only if IA32_VMX_MISC[30] is read as 1." */
	CHECK(r, soft_event(type) && len > 15, SDM_ENTRY);
	CHECK(r, soft_event(type) && len == 0 && !zero_len_ok, SDM_ENTRY);
	return false;
}

static bool entry_controls(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u32 en = c->entry;
	u64 cap = vmentry_ctl_cap(p, VMX_CTL_ENTRY);
	/* "Reserved bits in the VM-entry controls must be set properly" (A.5). */
	CHECK(r, en & ~may1(cap), SDM_ENTRY);
	CHECK(r, ~en & must1(cap), SDM_ENTRY);
	if (entry_injection(c))
		return true;
	/* "The following checks are performed for the VM-entry MSR-load address if the VM-entry
	 * MSR-load count field is non-zero": as for the VM-exit MSR areas. */
	if (msr_area(r, "VM-entry MSR-load", F(VM_ENTRY_MSR_LOAD_ADDR), F(VM_ENTRY_MSR_LOAD_COUNT),
		     p, SDM_ENTRY))
		return true;
	/* "The 'entry to SMM' and 'deactivate dual-monitor treatment' VM-entry controls cannot
	 * both be 1."  "If the processor is not in SMM, [they] must be 0": this processor is
	 * never in SMM. */
	CHECK(r, (en & ENTRY_ENTRY_TO_SMM) && (en & ENTRY_DEACTIVATE_DUAL_MONITOR), SDM_ENTRY);
	CHECK(r, en & (ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR), SDM_ENTRY);
	return false;
}

bool vmentry_check_controls_volatile(struct vmentry_ctx *c)
{
	c->r->reg = NULL;
	return entry_injection(c);
}

bool vmentry_check_controls(struct vmentry_ctx *c)
{
	c->r->reg = NULL;
	return exec_reserved(c) || exec_bitmaps(c) || exec_tpr_shadow(c) || exec_nmi_apic(c) ||
	       exec_vpid_ept(c) || exec_ept_users(c) || exec_vmfunc_shadow_ve(c) ||
	       exit_controls(c) || entry_controls(c);
}
