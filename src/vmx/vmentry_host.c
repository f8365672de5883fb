// SPDX-License-Identifier: MIT
/*
 * VM-entry checks on the host-state area: SDM Vol. 3C 26.2.2 "Checks on Host Control
 * Registers and MSRs", 26.2.3 "Checks on Host Segment and Descriptor-Table Registers" and
 * 26.2.4 "Checks Related to Address-Space Size".  A failure is VMfailValid with VM-instruction
 * error 8 ("VM entry with invalid host-state field(s)").
 *
 * The processor executing VMLAUNCH/VMRESUME is in IA-32e mode (64-bit mode; see
 * vmentry_checks.h), so of 26.2.4 the rules "outside IA-32e mode" never apply and "host
 * address-space size" must be 1.
 */
#include "vmx/vmentry_checks.h"

#include "cpu/msr.h"
#include "cpu/profile.h"

#define SDM_HCR "26.2.2 Checks on Host Control Registers and MSRs"
#define SDM_HSEG "26.2.3 Checks on Host Segment and Descriptor-Table Registers"
#define SDM_ASZ "26.2.4 Checks Related to Address-Space Size"

#define F(name) vmcs_get(c->v, VMCS_SLOT_##name)

static bool host_cr_msr(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	const struct vmx_caps *x = &p->vmx;
	u64 cr0 = F(HOST_CR0), cr4 = F(HOST_CR4), efer = F(HOST_IA32_EFER);
	bool hass = c->exit & EXIT_HOST_ADDR_SPACE_SIZE;
	/* "The CR0 field must not set any bit to a value not supported in VMX operation" and
	 * the same for CR4 (23.8 "Restrictions on VMX Operation": IA32_VMX_CR0_FIXED0/1,
	 * IA32_VMX_CR4_FIXED0/1, A.7, A.8). */
	CHECK(r, ~cr0 & x->cr0_fixed0, SDM_HCR);
	CHECK(r, cr0 & ~x->cr0_fixed1, SDM_HCR);
	CHECK(r, ~cr4 & x->cr4_fixed0, SDM_HCR);
	CHECK(r, cr4 & ~x->cr4_fixed1, SDM_HCR);
	/* "On processors that support Intel 64 architecture, the CR3 field must be such that
	 * bits 63:52 and bits in the range 51:32 beyond the processor's physical-address width
	 * must be 0." */
	CHECK(r, F(HOST_CR3) & vmentry_cr3_reserved(p), SDM_HCR);
	/* "The IA32_SYSENTER_ESP field and the IA32_SYSENTER_EIP field must each contain a
	 * canonical address." */
	CHECK(r, !vmentry_canonical(p, F(HOST_IA32_SYSENTER_ESP)), SDM_HCR);
	CHECK(r, !vmentry_canonical(p, F(HOST_IA32_SYSENTER_EIP)), SDM_HCR);
	/* "If the 'load IA32_PERF_GLOBAL_CTRL' VM-exit control is 1, bits reserved in the
	 * IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register." */
	CHECK(r,
	      (c->exit & EXIT_LOAD_IA32_PERF_GLOBAL_CTRL) &&
		  (F(HOST_IA32_PERF_GLOBAL_CTRL) & ~vmentry_perf_global_valid(p)),
	      SDM_HCR);
	/* "If the 'load IA32_PAT' VM-exit control is 1, the value of the field for the IA32_PAT
	 * MSR must be one that could be written by WRMSR without fault at CPL 0.  Specifically,
	 * each of the 8 bytes in the field must have one of the values 0 (UC), 1 (WC), 4 (WT),
	 * 5 (WP), 6 (WB), or 7 (UC-)." */
	CHECK(r, (c->exit & EXIT_LOAD_IA32_PAT) && !msr_pat_valid(F(HOST_IA32_PAT)), SDM_HCR);
	/* "If the 'load IA32_EFER' VM-exit control is 1, bits reserved in the IA32_EFER MSR must
	 * be 0 in the field for that register.  In addition, the values of the LMA and LME bits
	 * in the field must each be that of the 'host address-space size' VM-exit control." */
	if (c->exit & EXIT_LOAD_IA32_EFER) {
		CHECK(r, efer & ~vmentry_efer_valid(p), SDM_HCR);
		CHECK(r, !!(efer & X86_EFER_LMA) != hass, SDM_HCR);
		CHECK(r, !!(efer & X86_EFER_LME) != hass, SDM_HCR);
	}
	/* Later SDM: "If the 'load PKRS' VM-exit control is 1, bits 63:32 of the IA32_PKRS
	 * field must be 0." */
	CHECK(r, (c->exit & EXIT_LOAD_PKRS) && (F(HOST_IA32_PKRS) >> 32), SDM_HCR);
	return false;
}

static const char *const host_sel_name[] = {"ES", "CS", "SS", "DS", "FS", "GS", "TR"};
static const char *const host_base_name[] = {"FS", "GS", "TR", "GDTR", "IDTR"};

static_assert(VMCS_SLOT_HOST_TR_SELECTOR - VMCS_SLOT_HOST_ES_SELECTOR == 6,
	      "host selectors ES..TR are consecutive slots");
static_assert(VMCS_SLOT_HOST_IDTR_BASE - VMCS_SLOT_HOST_FS_BASE == 4,
	      "host bases FS, GS, TR, GDTR, IDTR are consecutive slots");

#define SEL_RPL_TI 7u

static bool host_segments(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	bool hass = c->exit & EXIT_HOST_ADDR_SPACE_SIZE;
	/* "In the selector field for each of CS, SS, DS, ES, FS, GS and TR, the RPL (bits 1:0)
	 * and the TI flag (bit 2) must be 0." */
	for (unsigned k = 0; k < ARRAY_SIZE(host_sel_name); k++) {
		u64 sel = vmcs_get(c->v, VMCS_SLOT_HOST_ES_SELECTOR + k);
		CHECK_REG(r, host_sel_name[k], sel & SEL_RPL_TI, SDM_HSEG);
	}
	/* "The selector fields for CS and TR cannot be 0000H.  The selector field for SS cannot
	 * be 0000H if the 'host address-space size' VM-exit control is 0." */
	CHECK(r, F(HOST_CS_SELECTOR) == 0, SDM_HSEG);
	CHECK(r, F(HOST_TR_SELECTOR) == 0, SDM_HSEG);
	CHECK(r, F(HOST_SS_SELECTOR) == 0 && !hass, SDM_HSEG);
	/* "On processors that support Intel 64 architecture, the base-address fields for FS,
	 * GS, GDTR, IDTR, and TR must contain canonical addresses." */
	for (unsigned k = 0; k < ARRAY_SIZE(host_base_name); k++) {
		u64 base = vmcs_get(c->v, VMCS_SLOT_HOST_FS_BASE + k);
		CHECK_REG(r, host_base_name[k], !vmentry_canonical(c->p, base), SDM_HSEG);
	}
	return false;
}

static bool host_address_space(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	bool hass = c->exit & EXIT_HOST_ADDR_SPACE_SIZE;
	u64 rip = F(HOST_RIP), cr4 = F(HOST_CR4);
	/* "If the 'host address-space size' VM-exit control is 0, the following must hold: the
	 * 'IA-32e mode guest' VM-entry control is 0; bit 17 of the CR4 field (corresponding to
	 * CR4.PCIDE) is 0; bits 63:32 in the RIP field are 0." */
	CHECK(r, !hass && c->ia32e, SDM_ASZ);
	CHECK(r, !hass && (cr4 & X86_CR4_PCIDE), SDM_ASZ);
	CHECK(r, !hass && (rip >> 32), SDM_ASZ);
	/* "If the logical processor is in IA-32e mode (if IA32_EFER.LMA = 1) at the time of VM
	 * entry, the 'host address-space size' VM-exit control must be 1" -- always, here. */
	CHECK(r, !hass, SDM_ASZ);
	/* "If the 'host address-space size' VM-exit control is 1, the following must hold: bit 5
	 * of the CR4 field (corresponding to CR4.PAE) is 1; the RIP field contains a canonical
	 * address." */
	CHECK(r, hass && !(cr4 & X86_CR4_PAE), SDM_ASZ);
	CHECK(r, hass && !vmentry_canonical(c->p, rip), SDM_ASZ);
	return false;
}

bool vmentry_check_host(struct vmentry_ctx *c)
{
	c->r->reg = NULL;
	return host_cr_msr(c) || host_segments(c) || host_address_space(c);
}
