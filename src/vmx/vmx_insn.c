// SPDX-License-Identifier: MIT
/*
 * The VMX instructions in VMX root operation and outside VMX operation (SDM Vol. 3C chapter
 * 30 "VMX Instruction Reference"; 23.7 "Enabling and Entering VMX Operation"; 23.8
 * "Restrictions on VMX Operation"; 24.1 "Overview"; 24.2 "Format of the VMCS Region"; 24.11.1
 * "Software Use of Virtual-Machine Control Structures"; 24.11.3 "Initializing a VMCS"; 26.1
 * "Basic VM-Entry Checks").
 *
 * VMCS storage: the processor caches the current VMCS (c->vmx.vmcs and its launch state);
 * every other VMCS is in its region in physical memory (layout in vmx_insn.h).  24.11.1
 * allows the processor to keep "some VMCS data ... on the processor" and requires VMCLEAR
 * to "ensure that data for VMCS referenced by the operand is in memory": the cache is
 * written back when another VMCS becomes current (VMPTRLD), when the current VMCS is
 * cleared (VMCLEAR) and at VMXOFF; VMPTRLD of another VMCS loads it from its region, so the
 * launch state lives in the region as 24.11.3 says ("A logical processor uses the VMCS
 * region to maintain the launch state of the corresponding VMCS").
 *
 * In VMX non-root operation every one of these instructions causes a VM exit (or, for
 * VMREAD/VMWRITE with VMCS shadowing and VMFUNC, does what the controls say); that engine
 * does not exist yet: vmx_insn_begin() reports VMX_OUT_VMEXIT at that point.
 */
#include "lib/trace.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmexit.h"

#include <assert.h>
#include <stdatomic.h>
#include <string.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/fault.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "cpu/phys.h"
#include "cpu/profile.h"
#include "vmx/vmentry_checks.h"

/* 24.2 Table 24-1: bits 30:0 of the first word are the revision identifier, bit 31 the
 * shadow-VMCS indicator. */
#define REV_MASK 0x7fffffffu
#define REV_SHADOW BIT(31)

static_assert(VMX_REGION_FIELDS + 8 * VMCS_NSLOTS <= 4096,
	      "the VMCS data must fit in a 4-KByte VMCS region");

static struct vmx_result succeed(void)
{
	return vmx_result_of(VMX_OUT_SUCCEED, 0);
}

static struct vmx_result ud(struct vx_cpu *c)
{
	fault_ud(c);
	return vmx_result_of(VMX_OUT_FAULT, 0);
}

static struct vmx_result gp0(struct vx_cpu *c)
{
	fault_gp(c, 0);
	return vmx_result_of(VMX_OUT_FAULT, 0);
}

static bool have_current(const struct vx_cpu *c)
{
	return c->vmx.current_vmcs != VMX_VMCS_INVALID;
}

struct vmx_result vmx_fail_valid(struct vx_cpu *c, u32 error)
{
	vmcs_set(&c->vmx.vmcs, VMCS_SLOT_VM_INSTRUCTION_ERROR, error);
	return vmx_result_of(VMX_OUT_FAIL_VALID, error);
}

/* 30.2: "VMfail(ErrorNumber): IF VMCS pointer is valid THEN VMfailValid(ErrorNumber); ELSE
 * VMfailInvalid". */
static struct vmx_result vmfail(struct vx_cpu *c, u32 error)
{
	if (!have_current(c))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	return vmx_fail_valid(c, error);
}

bool vmx_outcome_rflags(struct vx_cpu *c, struct vmx_result r)
{
	u64 bits;
	switch (r.out) {
	case VMX_OUT_SUCCEED: bits = 0; break;
	case VMX_OUT_FAIL_INVALID: bits = RFLAGS_CF; break;
	case VMX_OUT_FAIL_VALID: bits = RFLAGS_ZF; break;
	default: return false;
	}
	flags_set_arith(c, RFLAGS_ARITH, bits);
	return true;
}

void vmx_reset(struct vx_cpu *c)
{
	memset(&c->vmx, 0, sizeof(c->vmx));
	memset(&c->vmx_segs, 0, sizeof(c->vmx_segs));
	memset(&c->vmx_host, 0, sizeof(c->vmx_host));
	c->vmx.current_vmcs = VMX_VMCS_INVALID;
	c->vmx.vmxon_ptr = VMX_VMCS_INVALID;
}

/* ==== capabilities of the profile ==== */

/* Allowed-1 settings of a control group (A.3 "VM-Execution Controls", A.4, A.5): the
 * secondary and tertiary controls exist only when the primary controls allow activating
 * them (A.3.3, A.3.4). */
static u64 allowed1(const struct cpu_profile *p, unsigned group)
{
	const struct vmx_caps *v = &p->vmx;
	u64 proc = v->procbased >> 32;
	switch (group) {
	case VMX_CTL_PIN: return v->pinbased >> 32;
	case VMX_CTL_PROC: return proc;
	case VMX_CTL_PROC2:
		return (proc & PROC_ACTIVATE_SECONDARY_CONTROLS) ? v->procbased2 >> 32 : 0;
	case VMX_CTL_PROC3: return (proc & PROC_ACTIVATE_TERTIARY_CONTROLS) ? v->procbased3 : 0;
	case VMX_CTL_EXIT: return v->exit >> 32;
	case VMX_CTL_ENTRY: return v->entry >> 32;
	default: return 0;
	}
}

static u32 revision_id(const struct cpu_profile *p)
{
	return (u32)(p->vmx.basic & MSR_IA32_VMX_BASIC_REVISION_MASK);
}

/* INVEPT page: "#UD If the logical processor does not support EPT
 * (IA32_VMX_PROCBASED_CTLS2[33]=0)" or "does not support the INVEPT instruction
 * (IA32_VMX_EPT_VPID_CAP[20]=0)". */
static bool has_invept(const struct cpu_profile *p)
{
	return p->has_vmx && (allowed1(p, VMX_CTL_PROC2) & PROC2_ENABLE_EPT) &&
	       (p->vmx.ept_vpid_cap & MSR_IA32_VMX_EPT_VPID_CAP_INVEPT_MASK);
}

/* INVVPID page: #UD without VPIDs (IA32_VMX_PROCBASED_CTLS2[37]=0) or without INVVPID
 * (IA32_VMX_EPT_VPID_CAP[32]=0). */
static bool has_invvpid(const struct cpu_profile *p)
{
	return p->has_vmx && (allowed1(p, VMX_CTL_PROC2) & PROC2_ENABLE_VPID) &&
	       (p->vmx.ept_vpid_cap & MSR_IA32_VMX_EPT_VPID_CAP_INVVPID_MASK);
}

/* VMPTRLD page: "rev[31] = 1 AND processor does not support 1-setting of 'VMCS
 * shadowing'" fails. */
static bool has_vmcs_shadowing(const struct cpu_profile *p)
{
	return allowed1(p, VMX_CTL_PROC2) & PROC2_VMCS_SHADOWING;
}

/* ---- which VMCS fields exist (Appendix B footnotes) ---- */

enum { REQ_NONE = VMX_CTL_NGROUPS, REQ_NEVER, REQ_VMFUNC };

/* A field that "exists only on processors that support the 1-setting of" control b1 of
 * group g1 ("either ... or that of" control b2 of g2 when g2 is not REQ_NONE). */
struct field_req {
	u32 enc;
	u8 g1, b1, g2, b2;
};

#define REQ(f, g, n)                                                \
	{                                                           \
		VMCS_##f, VMX_CTL_##g, g##_##n##_BITNO, REQ_NONE, 0 \
	}
#define REQ2(f, g, n, h, m)                                                          \
	{                                                                            \
		VMCS_##f, VMX_CTL_##g, g##_##n##_BITNO, VMX_CTL_##h, h##_##m##_BITNO \
	}
/* Fields of features no profile of this model has and no control of vmx_controls.def
 * enables (FRED state, the TDX shared EPTP). */
#define NEVER(f)                                    \
	{                                           \
		VMCS_##f, REQ_NEVER, 0, REQ_NONE, 0 \
	}

static const struct field_req field_reqs[] = {
    REQ(VPID, PROC2, ENABLE_VPID),
    REQ(POSTED_INTR_NV, PIN, POSTED_INTR),
    REQ(EPTP_INDEX, PROC2, EPT_VIOLATION_VE),
    REQ(HLAT_PREFIX_SIZE, PROC3, ENABLE_HLAT),
    REQ(LAST_PID_POINTER_INDEX, PROC3, IPI_VIRTUALIZATION),
    REQ(GUEST_INTR_STATUS, PROC2, VIRTUAL_INTR_DELIVERY),
    REQ(GUEST_PML_INDEX, PROC2, ENABLE_PML),
    REQ2(GUEST_UINV, ENTRY, LOAD_UINV, EXIT, CLEAR_UINV),
    REQ(MSR_BITMAP, PROC, USE_MSR_BITMAPS),
    REQ(PML_ADDRESS, PROC2, ENABLE_PML),
    REQ(VIRTUAL_APIC_PAGE_ADDR, PROC, USE_TPR_SHADOW),
    REQ(APIC_ACCESS_ADDR, PROC2, VIRTUALIZE_APIC_ACCESSES),
    REQ(POSTED_INTR_DESC_ADDR, PIN, POSTED_INTR),
    REQ(VM_FUNCTION_CONTROL, PROC2, ENABLE_VMFUNC),
    REQ(EPT_POINTER, PROC2, ENABLE_EPT),
    REQ(EOI_EXIT_BITMAP0, PROC2, VIRTUAL_INTR_DELIVERY),
    REQ(EOI_EXIT_BITMAP1, PROC2, VIRTUAL_INTR_DELIVERY),
    REQ(EOI_EXIT_BITMAP2, PROC2, VIRTUAL_INTR_DELIVERY),
    REQ(EOI_EXIT_BITMAP3, PROC2, VIRTUAL_INTR_DELIVERY),
    /* "EPTP switching" is VM-function control 0 (A.11 "VM Functions") */
    {VMCS_EPTP_LIST_ADDRESS, REQ_VMFUNC, 0, REQ_NONE, 0},
    REQ(VMREAD_BITMAP, PROC2, VMCS_SHADOWING),
    REQ(VMWRITE_BITMAP, PROC2, VMCS_SHADOWING),
    REQ(VE_INFO_ADDRESS, PROC2, EPT_VIOLATION_VE),
    REQ(XSS_EXIT_BITMAP, PROC2, ENABLE_XSAVES_XRSTORS),
    REQ(ENCLS_EXITING_BITMAP, PROC2, ENCLS_EXITING),
    REQ(SPP_TABLE_POINTER, PROC2, SUBPAGE_WRITE_PERMISSIONS),
    REQ(TSC_MULTIPLIER, PROC2, USE_TSC_SCALING),
    REQ(TERTIARY_VM_EXEC_CONTROL, PROC, ACTIVATE_TERTIARY_CONTROLS),
    REQ(ENCLV_EXITING_BITMAP, PROC2, ENCLV_EXITING),
    REQ(LOW_PASID_DIRECTORY_ADDR, PROC2, PASID_TRANSLATION),
    REQ(HIGH_PASID_DIRECTORY_ADDR, PROC2, PASID_TRANSLATION),
    NEVER(SHARED_EPT_POINTER),
    REQ(PCONFIG_EXITING_BITMAP, PROC2, ENABLE_PCONFIG),
    REQ(HLAT_POINTER, PROC3, ENABLE_HLAT),
    REQ(PID_POINTER_TABLE, PROC3, IPI_VIRTUALIZATION),
    REQ(SECONDARY_VM_EXIT_CONTROLS, EXIT, ACTIVATE_SECONDARY_CONTROLS),
    REQ(IA32_SPEC_CTRL_MASK, PROC3, VIRTUALIZE_IA32_SPEC_CTRL),
    REQ(IA32_SPEC_CTRL_SHADOW, PROC3, VIRTUALIZE_IA32_SPEC_CTRL),
    REQ(GUEST_PHYSICAL_ADDRESS, PROC2, ENABLE_EPT),
    REQ2(GUEST_IA32_PAT, ENTRY, LOAD_IA32_PAT, EXIT, SAVE_IA32_PAT),
    REQ2(GUEST_IA32_EFER, ENTRY, LOAD_IA32_EFER, EXIT, SAVE_IA32_EFER),
    REQ(GUEST_IA32_PERF_GLOBAL_CTRL, ENTRY, LOAD_IA32_PERF_GLOBAL_CTRL),
    REQ(GUEST_PDPTR0, PROC2, ENABLE_EPT),
    REQ(GUEST_PDPTR1, PROC2, ENABLE_EPT),
    REQ(GUEST_PDPTR2, PROC2, ENABLE_EPT),
    REQ(GUEST_PDPTR3, PROC2, ENABLE_EPT),
    REQ2(GUEST_IA32_BNDCFGS, ENTRY, LOAD_IA32_BNDCFGS, EXIT, CLEAR_IA32_BNDCFGS),
    REQ2(GUEST_IA32_RTIT_CTL, ENTRY, LOAD_IA32_RTIT_CTL, EXIT, CLEAR_IA32_RTIT_CTL),
    REQ2(GUEST_IA32_LBR_CTL, ENTRY, LOAD_IA32_LBR_CTL, EXIT, CLEAR_IA32_LBR_CTL),
    REQ(GUEST_IA32_PKRS, ENTRY, LOAD_PKRS),
    NEVER(GUEST_IA32_FRED_CONFIG),
    NEVER(GUEST_IA32_FRED_RSP1),
    NEVER(GUEST_IA32_FRED_RSP2),
    NEVER(GUEST_IA32_FRED_RSP3),
    NEVER(GUEST_IA32_FRED_STKLVLS),
    NEVER(GUEST_IA32_FRED_SSP1),
    NEVER(GUEST_IA32_FRED_SSP2),
    NEVER(GUEST_IA32_FRED_SSP3),
    REQ(HOST_IA32_PAT, EXIT, LOAD_IA32_PAT),
    REQ(HOST_IA32_EFER, EXIT, LOAD_IA32_EFER),
    REQ(HOST_IA32_PERF_GLOBAL_CTRL, EXIT, LOAD_IA32_PERF_GLOBAL_CTRL),
    REQ(HOST_IA32_PKRS, EXIT, LOAD_PKRS),
    NEVER(HOST_IA32_FRED_CONFIG),
    NEVER(HOST_IA32_FRED_RSP1),
    NEVER(HOST_IA32_FRED_RSP2),
    NEVER(HOST_IA32_FRED_RSP3),
    NEVER(HOST_IA32_FRED_STKLVLS),
    NEVER(HOST_IA32_FRED_SSP1),
    NEVER(HOST_IA32_FRED_SSP2),
    NEVER(HOST_IA32_FRED_SSP3),
    REQ(TPR_THRESHOLD, PROC, USE_TPR_SHADOW),
    REQ(SECONDARY_VM_EXEC_CONTROL, PROC, ACTIVATE_SECONDARY_CONTROLS),
    REQ(PLE_GAP, PROC2, PAUSE_LOOP_EXITING),
    REQ(PLE_WINDOW, PROC2, PAUSE_LOOP_EXITING),
    REQ(NOTIFY_WINDOW, PROC2, INSTRUCTION_TIMEOUT),
    REQ(VMX_PREEMPTION_TIMER_VALUE, PIN, PREEMPTION_TIMER),
    REQ(GUEST_S_CET, ENTRY, LOAD_CET_STATE),
    REQ(GUEST_SSP, ENTRY, LOAD_CET_STATE),
    REQ(GUEST_INTR_SSP_TABLE, ENTRY, LOAD_CET_STATE),
    REQ(HOST_S_CET, EXIT, LOAD_CET_STATE),
    REQ(HOST_SSP, EXIT, LOAD_CET_STATE),
    REQ(HOST_INTR_SSP_TABLE, EXIT, LOAD_CET_STATE),
};

static const u32 field_encodings[] = {
#define VMCS_FIELD(name, enc, width, sdm) enc,
#include "arch/vmcs_fields.def"
};

static bool req_met(const struct cpu_profile *p, unsigned group, unsigned bit)
{
	if (group == REQ_NEVER || group == REQ_NONE)
		return false;
	if (group == REQ_VMFUNC)
		return (allowed1(p, VMX_CTL_PROC2) & PROC2_ENABLE_VMFUNC) &&
		       (p->vmx.vmfunc >> bit & 1);
	return allowed1(p, group) >> bit & 1;
}

void vmx_caps_from_profile(const struct cpu_profile *p, struct vmcs_caps *caps)
{
	vmcs_caps_all(caps);
	/* A.6 "Miscellaneous Data": "If bit 29 is read as 1, software can use VMWRITE to write to
	 * any supported field in the VMCS"; otherwise the VM-exit information fields are
	 * read-only (VMWRITE page, error 13). */
	caps->vmwrite_any_field = p->vmx.misc & MSR_IA32_VMX_MISC_VMWRITE_ANY_MASK;
	/* A.9 "VMCS Enumeration": IA32_VMX_VMCS_ENUM bits 9:1 are "the highest index value used
	 * for any VMCS encoding". */
	unsigned max_index = (unsigned)(p->vmx.vmcs_enum >> 1) & 0x1ff;
	for (size_t k = 0; k < ARRAY_SIZE(field_encodings); k++)
		if (VMCS_ENC_INDEX(field_encodings[k]) > max_index)
			vmcs_caps_set_unsupported(caps, field_encodings[k], true);
	for (size_t k = 0; k < ARRAY_SIZE(field_reqs); k++) {
		const struct field_req *f = &field_reqs[k];
		if (!req_met(p, f->g1, f->b1) && !req_met(p, f->g2, f->b2))
			vmcs_caps_set_unsupported(caps, f->enc, true);
	}
}

/* caps and slot_map from the profile */
static void caps_load(struct vx_cpu *c)
{
	struct vmx_state *x = &c->vmx;
	vmx_caps_from_profile(cpu_profile_of(c), &x->caps);
	memset(x->slot_map, 0, sizeof(x->slot_map));
	for (u32 enc = 0; enc < ARRAY_SIZE(x->slot_map); enc++) {
		bool high;
		int s = vmcs_supported_slot(&x->caps, enc, &high);
		if (s < 0)
			continue;
		bool ro = VMCS_ENC_TYPE(enc) == VMCS_TYPE_EXIT_INFO && !x->caps.vmwrite_any_field;
		x->slot_map[enc] =
		    (u16)((s + 1) | (high ? VMX_SLOT_MAP_HIGH : 0) | (ro ? VMX_SLOT_MAP_RO : 0));
	}
	x->caps_ready = true;
	/* unique across processors, even one created again at the same address */
	static _Atomic u64 layouts;
	x->layout = atomic_fetch_add(&layouts, 1) + 1;
}

const struct vmcs_caps *vmx_caps_slow(struct vx_cpu *c)
{
	caps_load(c);
	return &c->vmx.caps;
}

/* ==== VMCS regions in physical memory ==== */

/* VMXON, VMCLEAR, VMPTRLD: "addr is not 4KB-aligned OR addr sets any bits beyond the
 * physical-address width"; "If IA32_VMX_BASIC[48] is read as 1, VMfail occurs if addr sets
 * any bits in the range 63:32" (A.1 "Basic VMX Information"). */
static bool region_addr_ok(const struct cpu_profile *p, u64 pa)
{
	unsigned width = (p->vmx.basic & MSR_IA32_VMX_BASIC_PA_32BIT_MASK) ? 32 : p->maxphyaddr;
	if (pa & 0xfff)
		return false;
	return width >= 64 || !(pa >> width);
}

static u32 launch_word(enum vmx_launch_state s)
{
	switch (s) {
	case VMX_LAUNCH_CLEAR: return VMX_REGION_LAUNCH_CLEAR;
	case VMX_LAUNCH_LAUNCHED: return VMX_REGION_LAUNCH_LAUNCHED;
	default: return 0;
	}
}

static enum vmx_launch_state launch_state_of(u32 word)
{
	if (word == VMX_REGION_LAUNCH_CLEAR)
		return VMX_LAUNCH_CLEAR;
	if (word == VMX_REGION_LAUNCH_LAUNCHED)
		return VMX_LAUNCH_LAUNCHED;
	return VMX_LAUNCH_UNDEFINED;
}

/* Loads the VMCS at pa into the processor's cache (VMPTRLD of a VMCS that is not current).
 * Field data is stored as the processor holds it: truncated to the field's width. */
static void vmcs_load(struct vx_cpu *c, u64 pa)
{
	struct vmcs *v = &c->vmx.vmcs;
	v->checked = false; /* new contents: the next VM entry checks everything */
	v->seg_gen++;       /* and loads and saves the segment registers whole, */
	v->host_gen++;      /* and host state */
	v->revision_id = (u32)phys_read(c->phys, pa + VMX_REGION_REVISION, 4);
	v->abort = (u32)phys_read(c->phys, pa + VMX_REGION_ABORT, 4);
	c->vmx.launch = (u8)launch_state_of((u32)phys_read(c->phys, pa + VMX_REGION_LAUNCH, 4));
	/* one bulk copy when the region is in RAM (the usual case), field by field otherwise */
	bool bulk = phys_copy_out(c->phys, pa + VMX_REGION_FIELDS, v->field, sizeof(v->field));
	for (unsigned s = 0; s < VMCS_NSLOTS; s++) {
		u64 x =
		    bulk ? v->field[s] : phys_read(c->phys, pa + VMX_REGION_FIELDS + 8ull * s, 8);
		v->field[s] = x & vmcs_slot_mask(s);
	}
}

/* Writes the cached current VMCS back to its region ("ensure that data for VMCS ... is in
 * memory").  Bytes 0-3 belong to software (24.2: it writes the revision identifier). */
static void vmcs_writeback(struct vx_cpu *c)
{
	const struct vmcs *v = &c->vmx.vmcs;
	u64 pa = c->vmx.current_vmcs;
	phys_write(c->phys, pa + VMX_REGION_ABORT, 4, v->abort);
	phys_write(c->phys, pa + VMX_REGION_LAUNCH, 8, launch_word(c->vmx.launch));
	if (phys_copy_in(c->phys, pa + VMX_REGION_FIELDS, v->field, sizeof(v->field)))
		return;
	for (unsigned s = 0; s < VMCS_NSLOTS; s++)
		phys_write(c->phys, pa + VMX_REGION_FIELDS + 8ull * s, 8, v->field[s]);
}

/* ==== checks before the operands ==== */

/* 23.8 "Restrictions on VMX Operation", A.7 "VMX-Fixed Bits in CR0", A.8 "VMX-Fixed Bits in
 * CR4": "If bit X is 1 in IA32_VMX_CR0_FIXED0, then that bit of CR0 is fixed to 1 in VMX
 * operation.  Similarly, if bit X is 0 in IA32_VMX_CR0_FIXED1, then that bit of CR0 is
 * fixed to 0". */
static bool fixed_ok(u64 v, u64 fixed0, u64 fixed1)
{
	return (v & fixed0) == fixed0 && !(v & ~fixed1);
}

/* 23.7 "Enabling and Entering VMX Operation": VMXON raises #GP if the lock bit (0) of
 * IA32_FEATURE_CONTROL is clear, or (outside SMX operation; the model has no SMX) if bit 2
 * "enables VMXON outside SMX operation" is clear. */
static bool feature_control_ok(const struct vx_cpu *c)
{
	u64 need =
	    MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	return (c->msr.feature_control & need) == need;
}

/*
 * VMXON page: "IF (register operand) or (CR0.PE = 0) or (CR4.VMXE = 0) or (RFLAGS.VM = 1)
 * or (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD; ELSIF not in VMX operation THEN IF (CPL > 0)
 * or ... (the values of CR0 and CR4 are not supported in VMX operation) or (bit 0 (lock
 * bit) of IA32_FEATURE_CONTROL MSR is clear) or ... THEN #GP(0); ELSE [operand] ... ELSIF in
 * VMX non-root operation THEN VMexit; ELSIF CPL > 0 THEN #GP(0); ELSE VMfail("VMXON executed
 * in VMX root operation")".  The register form is the caller's #UD.
 */
static struct vmx_result begin_vmxon(struct vx_cpu *c, const struct cpu_profile *p)
{
	if (!p->has_vmx || !(c->cr4 & X86_CR4_VMXE) || vmx_mode_ud(c))
		return ud(c);
	if (c->vmx.in_vmx) {
		if (c->vmx.non_root)
			return vmx_result_of(VMX_OUT_VMEXIT, 0);
		if (c->cpl > 0)
			return gp0(c);
		return vmfail(c, VMXERR_VMXON_IN_ROOT);
	}
	const struct vmx_caps *v = &p->vmx;
	if (c->cpl > 0 || !fixed_ok(c->cr0, v->cr0_fixed0, v->cr0_fixed1) ||
	    !fixed_ok(c->cr4, v->cr4_fixed0, v->cr4_fixed1) || !feature_control_ok(c))
		return gp0(c);
	return vmx_result_of(VMX_OUT_CONTINUE, 0);
}

/* VMCALL page: "IF not in VMX operation THEN #UD; ELSIF in VMX non-root operation THEN VM
 * exit; ELSIF (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD; ELSIF CPL > 0
 * THEN #GP(0)". */
static struct vmx_result begin_vmcall(struct vx_cpu *c)
{
	if (!c->vmx.in_vmx)
		return ud(c);
	if (c->vmx.non_root)
		return vmx_result_of(VMX_OUT_VMEXIT, 0);
	if ((c->rflags & RFLAGS_VM) || vmx_compat_mode(c))
		return ud(c);
	if (c->cpl > 0)
		return gp0(c);
	return vmx_result_of(VMX_OUT_CONTINUE, 0);
}

/* VMFUNC page: "#UD If executed outside VMX non-root operation".  In non-root operation
 * the VM-function controls decide (#UD, VM exit or EPTP switching): the engine's part. */
static struct vmx_result begin_vmfunc(struct vx_cpu *c)
{
	if (!c->vmx.in_vmx || !c->vmx.non_root)
		return ud(c);
	return vmx_result_of(VMX_OUT_VMEXIT, 0);
}

/*
 * The other instructions (their pages' Operation sections): "IF (not in VMX operation) or
 * (CR0.PE = 0) or (RFLAGS.VM = 1) or (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD; ELSIF in
 * VMX non-root operation THEN VMexit; ELSIF CPL > 0 THEN #GP(0)"; INVEPT/INVVPID raise #UD
 * first when the processor lacks them.  VMREAD/VMWRITE: "ELSIF current-VMCS pointer is not
 * valid THEN VMfailInvalid" before any memory operand is accessed (VMREAD: "any faults
 * resulting from accessing a memory destination operand can occur only after determining
 * ... that the VMCS pointer is valid and that the specified VMCS field is supported";
 * VMWRITE: "after determining ... that the VMCS pointer is valid but before determining if
 * the destination VMCS field is supported").
 */
struct vmx_result vmx_insn_begin(struct vx_cpu *c, enum vmx_insn_id id)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	switch (id) {
	case VMXI_VMXON: return begin_vmxon(c, p);
	case VMXI_VMCALL: return begin_vmcall(c);
	case VMXI_VMFUNC: return begin_vmfunc(c);
	case VMXI_INVEPT:
		if (!has_invept(p))
			return ud(c);
		break;
	case VMXI_INVVPID:
		if (!has_invvpid(p))
			return ud(c);
		break;
	default: break;
	}
	/* After a parked VM exit (D79) the processor's mode is the host state's: 64-bit mode
	 * (the exit required "host address-space size" = 1, 27.5.2 CS.L = 1), CR0.PE = 1 (26.2.2,
	 * IA32_VMX_CR0_FIXED0), RFLAGS.VM = 0 (27.5.3), CPL 0 (27.5.2: CS.DPL = 0); the registers
	 * still hold the guest's and say nothing. */
	bool parked = c->vmx.parked;
	if (!c->vmx.in_vmx || (!parked && vmx_mode_ud(c)))
		return ud(c);
	if (c->vmx.non_root)
		return vmx_result_of(VMX_OUT_VMEXIT, 0);
	if (!parked && c->cpl > 0)
		return gp0(c);
	if ((id == VMXI_VMREAD || id == VMXI_VMWRITE) && !have_current(c))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	return vmx_result_of(VMX_OUT_CONTINUE, 0);
}

/* ==== VMXON, VMXOFF ==== */

/*
 * VMXON page, operand part: "IF addr is not 4KB-aligned or addr sets any bits beyond the
 * physical-address width THEN VMfailInvalid; ELSE rev ← 32 bits located at physical address
 * addr; IF rev[30:0] ≠ VMCS revision identifier supported by processor OR rev[31] = 1 THEN
 * VMfailInvalid; ELSE current-VMCS pointer ← FFFFFFFF_FFFFFFFFH; enter VMX operation; ...
 * VMsucceed".
 */
struct vmx_result vmx_insn_vmxon(struct vx_cpu *c, u64 pa)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	if (!region_addr_ok(p, pa))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	u32 rev = (u32)phys_read(c->phys, pa, 4);
	if ((rev & REV_MASK) != revision_id(p) || (rev & REV_SHADOW))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	struct vmx_state *x = &c->vmx;
	x->in_vmx = true;
	x->non_root = false;
	x->vmxon_ptr = pa;
	x->current_vmcs = VMX_VMCS_INVALID;
	x->launch = VMX_LAUNCH_UNDEFINED;
	caps_load(c);
	c->vmx_host.valid = false; /* built again against the profile in force now */
	return succeed();
}

/*
 * VMXOFF page: "ELSIF dual-monitor treatment of SMIs and SMM is active THEN VMfail(VMXOFF
 * under dual-monitor treatment of SMIs and SMM); ELSE leave VMX operation; ... VMsucceed".
 * The model has no SMM (IA32_VMX_BASIC[49] = 0), so error 23 never happens.  24.11.1: "If a
 * logical processor leaves VMX operation, any VMCSs active on that logical processor may
 * be corrupted"; this model writes the current VMCS back intact (docs/decisions.md).
 */
struct vmx_result vmx_insn_vmxoff(struct vx_cpu *c)
{
	if (have_current(c))
		vmcs_writeback(c);
	c->vmx.in_vmx = false;
	c->vmx.current_vmcs = VMX_VMCS_INVALID;
	c->vmx.launch = VMX_LAUNCH_UNDEFINED;
	/* An INIT blocked in VMX root operation (23.8) would reset the processor once VMX
	 * operation ends; the model has no INIT reset (docs/decisions.md): it is dropped. */
	c->vmxsig.pending = 0;
	return succeed();
}

/* ==== VMCLEAR, VMPTRLD, VMPTRST ==== */

/*
 * VMCLEAR page: "IF addr is not 4KB-aligned OR addr sets any bits beyond the
 * physical-address width THEN VMfail(VMCLEAR with invalid physical address); ELSIF addr =
 * VMXON pointer THEN VMfail(VMCLEAR with VMXON pointer); ELSE ensure that data for VMCS
 * referenced by the operand is in memory; initialize implementation-specific data in VMCS
 * region; launch state of VMCS referenced by the operand ← 'clear'; IF operand addr =
 * current-VMCS pointer THEN current-VMCS pointer ← FFFFFFFF_FFFFFFFFH; VMsucceed".
 */
struct vmx_result vmx_insn_vmclear(struct vx_cpu *c, u64 pa)
{
	if (!region_addr_ok(cpu_profile_of(c), pa))
		return vmfail(c, VMXERR_VMCLEAR_INVALID_ADDRESS);
	if (pa == c->vmx.vmxon_ptr)
		return vmfail(c, VMXERR_VMCLEAR_VMXON_POINTER);
	if (pa == c->vmx.current_vmcs) {
		c->vmx.launch = VMX_LAUNCH_CLEAR;
		vmcs_writeback(c);
		c->vmx.current_vmcs = VMX_VMCS_INVALID;
		c->vmx.launch = VMX_LAUNCH_UNDEFINED;
	} else {
		/* Not current: its data is in memory already (written back when it stopped
		 * being current); the launch word and the reserved word after it are the
		 * implementation-specific data VMCLEAR initialises. */
		phys_write(c->phys, pa + VMX_REGION_LAUNCH, 8, VMX_REGION_LAUNCH_CLEAR);
	}
	return succeed();
}

/*
 * VMPTRLD page: "IF addr is not 4KB-aligned OR addr sets any bits beyond the
 * physical-address width THEN VMfail(VMPTRLD with invalid physical address); ELSIF addr =
 * VMXON pointer THEN VMfail(VMPTRLD with VMXON pointer); ELSE rev ← 32 bits located at
 * physical address addr; IF rev[30:0] ≠ VMCS revision identifier supported by processor OR
 * rev[31] = 1 AND processor does not support 1-setting of 'VMCS shadowing' THEN
 * VMfail(VMPTRLD with incorrect VMCS revision identifier); ELSE current-VMCS pointer ← addr;
 * VMsucceed".  VMPTRLD of the current VMCS changes nothing (24.11.1: "VMPTRLD X when X is
 * already current").
 */
struct vmx_result vmx_insn_vmptrld(struct vx_cpu *c, u64 pa)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	if (!region_addr_ok(p, pa))
		return vmfail(c, VMXERR_VMPTRLD_INVALID_ADDRESS);
	if (pa == c->vmx.vmxon_ptr)
		return vmfail(c, VMXERR_VMPTRLD_VMXON_POINTER);
	u32 rev = (u32)phys_read(c->phys, pa, 4);
	if ((rev & REV_MASK) != revision_id(p) || ((rev & REV_SHADOW) && !has_vmcs_shadowing(p)))
		return vmfail(c, VMXERR_VMPTRLD_INCORRECT_REVISION);
	if (pa != c->vmx.current_vmcs) {
		if (have_current(c))
			vmcs_writeback(c);
		vmcs_load(c, pa);
		c->vmx.current_vmcs = pa;
	}
	return succeed();
}

/* VMPTRST page: "64-bit in-memory destination operand ← current-VMCS pointer; VMsucceed"
 * (FFFFFFFF_FFFFFFFFH when there is no current VMCS, 24.1). */
struct vmx_result vmx_insn_vmptrst(struct vx_cpu *c, u64 *pa)
{
	*pa = c->vmx.current_vmcs;
	return succeed();
}

/* ==== VMREAD, VMWRITE ==== */

/* VMREAD page: "ELSIF register source operand does not correspond to any VMCS field THEN
 * VMfailValid(VMREAD/VMWRITE from/to unsupported VMCS component); ELSE DEST ← contents of
 * VMCS field indexed by register source operand; VMsucceed".  In 64-bit mode the operands
 * are 64 bits; encodings with bits 63:32 set name no field (vmcs.c). */
struct vmx_result vmx_insn_vmread(struct vx_cpu *c, u64 enc, u64 *val)
{
	u32 error = 0;
	if (!have_current(c))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	if (vmcs_vmread(&c->vmx.vmcs, vmx_caps(c), enc, 64, val, &error) != VMX_SUCCEED)
		return vmx_fail_valid(c, error);
	return succeed();
}

/* VMWRITE page: unsupported component -> VMfailValid(12); "VMCS field indexed by register
 * destination operand is read-only" (a VM-exit information field without IA32_VMX_MISC[29])
 * -> VMfailValid(VMWRITE to read-only VMCS component); else the field is written. */
struct vmx_result vmx_insn_vmwrite(struct vx_cpu *c, u64 enc, u64 val)
{
	u32 error = 0;
	if (!have_current(c))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	if (vmcs_vmwrite(&c->vmx.vmcs, vmx_caps(c), enc, val, 64, &error) != VMX_SUCCEED)
		return vmx_fail_valid(c, error);
	return succeed();
}

/* ==== VMLAUNCH, VMRESUME ==== */

/* "events are being blocked by MOV SS" (Table 24-3 "Format of Interruptibility State", bit
 * 1): the shadow that MOV SS / POP SS leaves for the next instruction. */
static bool mov_ss_blocking(const struct vx_cpu *c)
{
	return (c->shadow | c->blocking) & VMX_INTR_BLOCKING_BY_MOV_SS;
}

/*
 * VM entry proper, after every check of 26.1 and 26.2 passed: 26.3.2 "Loading Guest State",
 * 26.4 "Loading MSRs" (VM-entry failures: exit reasons 33/34 with bit 31), then "IF VMLAUNCH
 * THEN launch state of VMCS <- 'launched'" (VMLAUNCH/VMRESUME page), 26.5 "Event Injection"
 * (src/vmx/vmentry_load.c).  The processor then runs in VMX non-root operation until a VM
 * exit (chapter 27, src/vmx/vmexit.c) loads host state.
 */
static struct vmx_result entered(enum cpu_step step)
{
	struct vmx_result r = vmx_result_of(VMX_OUT_ENTERED, 0);
	r.step = (u8)step;
	return r;
}

/*
 * VMLAUNCH/VMRESUME page and 26.1 "Basic VM-Entry Checks": "3. If there is no current VMCS,
 * RFLAGS.CF is set to 1 ... 4. If there is a current VMCS but the current VMCS is a shadow
 * VMCS ..., RFLAGS.CF is set to 1 ... 5. ... evaluated in order: a. if there is MOV-SS
 * blocking b. if the VM entry is invoked by VMLAUNCH and the VMCS launch state is not clear
 * c. if the VM entry is invoked by VMRESUME and the VMCS launch state is not launched"
 * (errors 26, 4, 5); then 26.2 (VMfailValid 7 for controls, 8 for host state) and 26.3.1
 * (guest state: VM-entry failure) through vmentry_check().
 */
struct vmx_result vmx_insn_vmlaunch(struct vx_cpu *c, bool resume)
{
	return vmx_insn_vmentry(c, resume, false);
}

struct vmx_result vmx_insn_vmentry(struct vx_cpu *c, bool resume, bool check_only)
{
	struct vmx_state *x = &c->vmx;
	if (!have_current(c) || (x->vmcs.revision_id & REV_SHADOW))
		return vmx_result_of(VMX_OUT_FAIL_INVALID, 0);
	if (mov_ss_blocking(c))
		return vmx_fail_valid(c, VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
	if (!resume && x->launch != VMX_LAUNCH_CLEAR)
		return vmx_fail_valid(c, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
	if (resume && x->launch != VMX_LAUNCH_LAUNCHED)
		return vmx_fail_valid(c, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
	struct vmentry_result er = {0};
	struct vmentry_env env = {.phys = c->phys, .vmcs_ptr = x->current_vmcs};
	enum vmentry_outcome e = vmentry_check_cached(&x->vmcs, cpu_profile_of(c), &env, &er);
	/* DESIGN.md 2: each failing VM-entry check is recorded with its condition and the SDM
	 * section title. */
	if (e != VMENTRY_OK)
		trace_vmentry_fail(c->trace, 0, c->trace_lvl ? TRACE_L2 : TRACE_L1, er.rule,
				   er.sdm);
	if (e == VMENTRY_FAIL_CONTROLS)
		return vmx_fail_valid(c, VMXERR_ENTRY_INVALID_CONTROL_FIELD);
	if (e == VMENTRY_FAIL_HOST)
		return vmx_fail_valid(c, VMXERR_ENTRY_INVALID_HOST_STATE_FIELD);
	/* 26.8 "VM-Entry Failures During or After Loading Guest State" */
	if (e == VMENTRY_FAIL_GUEST)
		return entered(vmexit_entry_failure(c, VMX_EXIT_INVALID_STATE, er.qual));
	if (check_only)
		return vmx_result_of(VMX_OUT_SUCCEED, 0);
	return entered(vmentry_enter(c, !resume));
}

/* ==== INVEPT, INVVPID ==== */

/* INVEPT/INVVPID pages: "IF IA32_VMX_EPT_VPID_CAP MSR indicates that processor does not
 * support INVEPT_TYPE [INVVPID_TYPE] THEN VMfail(Invalid operand to INVEPT/INVVPID)"
 * (A.10: INVEPT types 1, 2 in bits 25, 26; INVVPID types 0-3 in bits 40-43).  The type
 * register has 64 bits in 64-bit mode. */
struct vmx_result vmx_insn_inv_type(struct vx_cpu *c, enum vmx_insn_id id, u64 type)
{
	u64 cap = cpu_profile_of(c)->vmx.ept_vpid_cap;
	bool ok;
	if (id == VMXI_INVEPT)
		ok = (type == 1 && (cap & MSR_IA32_VMX_EPT_VPID_CAP_INVEPT_SINGLE_MASK)) ||
		     (type == 2 && (cap & MSR_IA32_VMX_EPT_VPID_CAP_INVEPT_ALL_MASK));
	else
		ok = type <= 3 &&
		     (cap >> (MSR_IA32_VMX_EPT_VPID_CAP_INVVPID_ADDR_SHIFT + (unsigned)type) & 1);
	if (!ok)
		return vmfail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	return vmx_result_of(VMX_OUT_CONTINUE, 0);
}

/*
 * INVEPT page: "CASE INVEPT_TYPE OF 1: IF VM entry ... would fail due to the EPTP value THEN
 * VMfail(Invalid operand to INVEPT/INVVPID); ELSE Invalidate mappings associated with
 * EPTP[51:12]; VMsucceed; 2: Invalidate mappings associated with all EPTPs; VMsucceed".
 * The operation does not check descriptor bits 127:64 (Figure 30-1 calls them reserved).
 * The model flushes every translation context (src/vmx/ept.h "Caching"), whatever the type:
 * "It may invalidate other mappings as well".
 */
struct vmx_result vmx_insn_invept(struct vx_cpu *c, u64 type, u64 lo, u64 hi)
{
	(void)hi;
	if (type == 1 && !vmentry_eptp_valid(cpu_profile_of(c), lo))
		return vmfail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	tlb_flush_all(c);
	return succeed();
}

/*
 * INVVPID page: "IF INVVPID_DESC[63:16] ≠ 0 THEN VMfail(Invalid operand to INVEPT/INVVPID);
 * ELSE CASE INVVPID_TYPE OF 0: ... IF VPID = 0 THEN VMfail(...); ELSE GL_ADDR ←
 * INVVPID_DESC[127:64]; IF (GL_ADDR is not in a canonical form) THEN VMfail(...) ... 1: ...
 * IF VPID = 0 THEN VMfail(...) ... 2: Invalidate all mappings tagged with all non-zero
 * VPIDs ... 3: ... IF VPID = 0 THEN VMfail(...)".  The model flushes every translation
 * context, whatever the type ("In some cases, it may invalidate mappings for other linear
 * addresses (or other VPIDs) as well").
 */
/* Vol. 1 3.3.7.1 "Canonical Addressing": bits 63 through the most-significant implemented
 * bit (CPUID.80000008H:EAX[15:8] of the profile) all equal. */
static bool canonical(const struct cpu_profile *p, u64 la)
{
	unsigned n = p->linaddr;
	if (n == 0 || n >= 64)
		return true;
	return (u64)((s64)(la << (64 - n)) >> (64 - n)) == la;
}

struct vmx_result vmx_insn_invvpid(struct vx_cpu *c, u64 type, u64 lo, u64 hi)
{
	u64 vpid = lo & 0xffff;
	if (lo >> 16)
		return vmfail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	if (type != 2 && vpid == 0)
		return vmfail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	if (type == 0 && !canonical(cpu_profile_of(c), hi))
		return vmfail(c, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
	tlb_flush_all(c);
	return succeed();
}

/* ==== VMCALL ==== */

/* VMCALL page: "ELSIF in SMM or the logical processor does not support the dual-monitor
 * treatment of SMIs and SMM or the valid bit in the IA32_SMM_MONITOR_CTL MSR is clear THEN
 * VMfail (VMCALL executed in VMX root operation)": the model has no dual-monitor treatment
 * (IA32_VMX_BASIC[49] = 0). */
struct vmx_result vmx_insn_vmcall(struct vx_cpu *c)
{
	return vmfail(c, VMXERR_VMCALL_IN_ROOT);
}
