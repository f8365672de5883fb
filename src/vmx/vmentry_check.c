// SPDX-License-Identifier: MIT
/*
 * VM-entry checks, the driver: SDM Vol. 3C 26.2 "Checks on VMX Controls and Host-State Area"
 * and 26.3.1 "Checks on the Guest State Area", in that order, and the capability helpers the
 * three check files share (Vol. 3D Appendix A "VMX Capability Reporting Facility").
 *
 * 26.2: "These checks may be performed in any order.  Thus, an indication by error number of
 * one cause (for example, host state) does not imply that there are not also other errors."
 * This processor checks the VM-execution, VM-exit and VM-entry control fields first (error 7),
 * then the host-state area (error 8), then the guest-state area (26.3.1, also "in any order"),
 * each in the order the SDM lists the rules, and stops at the first failure.
 */
#include "vmx/vmentry_checks.h"

#include "arch/msr.h"
#include "cpu/cpuid.h"
#include "cpu/profile.h"

bool vmentry_fail(struct vmentry_result *r, const char *rule, const char *sdm, u32 qual)
{
	r->rule = rule;
	r->sdm = sdm;
	r->qual = qual;
	return true;
}

u64 vmentry_ctl_cap(const struct cpu_profile *p, enum vmx_ctl_group g)
{
	/* A.2 "Reserved Controls and Default Settings": with IA32_VMX_BASIC[55] = 1 the TRUE
	 * MSRs give the settings the processor supports (default1 controls may be 0). */
	bool t = (p->vmx.basic & MSR_IA32_VMX_BASIC_TRUE_CTLS_MASK) != 0;
	switch (g) {
	case VMX_CTL_PIN: return t ? p->vmx.true_pinbased : p->vmx.pinbased;
	case VMX_CTL_PROC: return t ? p->vmx.true_procbased : p->vmx.procbased;
	case VMX_CTL_EXIT: return t ? p->vmx.true_exit : p->vmx.exit;
	case VMX_CTL_ENTRY: return t ? p->vmx.true_entry : p->vmx.entry;
	case VMX_CTL_PROC2:
		/* A.3.3: the MSR exists only with the allowed-1 setting of primary bit 31. */
		return (p->vmx.procbased >> 32) & PROC_ACTIVATE_SECONDARY_CONTROLS
			   ? p->vmx.procbased2
			   : 0;
	default: return 0; /* PROC3 is a 64-bit allowed-1 mask: p->vmx.procbased3 */
	}
}

bool vmentry_pa_bad(const struct cpu_profile *p, u64 pa)
{
	/* A.1 "Basic VMX Information": IA32_VMX_BASIC[48] = 1 limits the addresses of the VMXON
	 * region, VMCSs and the structures VMCS pointers reference to 32 bits. */
	unsigned width = p->vmx.basic & MSR_IA32_VMX_BASIC_PA_32BIT_MASK ? 32 : p->maxphyaddr;
	return width < 64 && (pa >> width) != 0;
}

u64 vmentry_efer_valid(const struct cpu_profile *p)
{
	/* Vol. 3A 2.2.1 "Extended Feature Enable Register": SCE with SYSCALL, LME and LMA with
	 * Intel 64, NXE with execute-disable; the same bits WRMSR accepts (src/cpu/msr.c). */
	return (p->has_syscall ? X86_EFER_SCE : 0) | (p->has_lm ? X86_EFER_LME | X86_EFER_LMA : 0) |
	       (p->has_nx ? X86_EFER_NXE : 0);
}

u64 vmentry_cr3_reserved(const struct cpu_profile *p)
{
	unsigned n = p->maxphyaddr > 32 ? p->maxphyaddr : 32;
	return n >= 64 ? 0 : ~0ull << n;
}

static u64 low_bits(unsigned n)
{
	return n == 0 ? 0 : n >= 64 ? ~0ull : ~0ull >> (64 - n);
}

u64 vmentry_perf_global_valid(const struct cpu_profile *p)
{
	/* Vol. 3B 18.2.2 "Architectural Performance Monitoring Version 2" (Figure 18-3): the
	 * MSR exists from version 2 on (CPUID.0AH:EAX[7:0]); bit n enables general-purpose
	 * counter n < CPUID.0AH:EAX[15:8], bit 32 + n fixed counter n < CPUID.0AH:EDX[4:0]. */
	u32 r[4];
	cpuid_lookup(p, 0x0a, 0, r);
	if ((r[CPUID_EAX] & 0xff) < 2)
		return 0;
	unsigned gp = (r[CPUID_EAX] >> 8) & 0xff, fixed = r[CPUID_EDX] & 0x1f;
	return low_bits(gp < 32 ? gp : 32) | low_bits(fixed) << 32;
}

u64 vmentry_debugctl_valid(const struct cpu_profile *p)
{
	/* The model implements no IA32_DEBUGCTL bit (LBR, BTF, TR, BTS ...): WRMSR accepts only
	 * 0 (src/cpu/msr.c), so every bit is reserved on every profile. */
	(void)p;
	return 0;
}

void vmentry_ctx_init(struct vmentry_ctx *c, const struct vmcs *v, const struct cpu_profile *p,
		      const struct vmentry_env *env, struct vmentry_result *r)
{
	*c = (struct vmentry_ctx){.v = v, .p = p, .r = r, .vmcs_ptr = ~0ull};
	if (env) {
		c->phys = env->phys;
		c->vmcs_ptr = env->vmcs_ptr;
	}
	c->pin = (u32)vmcs_get(v, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL);
	c->proc = (u32)vmcs_get(v, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
	c->exit = (u32)vmcs_get(v, VMCS_SLOT_VM_EXIT_CONTROLS);
	c->entry = (u32)vmcs_get(v, VMCS_SLOT_VM_ENTRY_CONTROLS);
	/* 24.6.2 "Processor-Based VM-Execution Controls": bit 31 (bit 17) of the primary
	 * controls 0 -> the processor operates as if the secondary (tertiary) controls were 0. */
	if (c->proc & PROC_ACTIVATE_SECONDARY_CONTROLS)
		c->proc2 = (u32)vmcs_get(v, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL);
	if (c->proc & PROC_ACTIVATE_TERTIARY_CONTROLS)
		c->proc3 = vmcs_get(v, VMCS_SLOT_TERTIARY_VM_EXEC_CONTROL);
	c->ug = (c->proc2 & PROC2_UNRESTRICTED_GUEST) != 0;
	c->ia32e = (c->entry & ENTRY_IA32E_MODE_GUEST) != 0;
	*r = (struct vmentry_result){.outcome = VMENTRY_OK};
}

static enum vmentry_outcome check_all(struct vmentry_ctx *c)
{
	if (vmentry_check_controls(c))
		c->r->outcome = VMENTRY_FAIL_CONTROLS;
	else if (vmentry_check_host(c))
		c->r->outcome = VMENTRY_FAIL_HOST;
	else if (vmentry_check_guest(c))
		c->r->outcome = VMENTRY_FAIL_GUEST;
	return c->r->outcome;
}

enum vmentry_outcome vmentry_check(const struct vmcs *v, const struct cpu_profile *p,
				   const struct vmentry_env *env, struct vmentry_result *r)
{
	struct vmentry_ctx c;
	vmentry_ctx_init(&c, v, p, env, r);
	return check_all(&c);
}

/*
 * The rules whose outcome depends on memory as well as on the VMCS: the VMCS link pointer's
 * revision identifier (26.3.1.5), VTPR against the TPR threshold with "use TPR shadow"
 * (26.2.1.1) and the PDPTEs of PAE paging (26.3.1.6).  Memory may change without a VMWRITE,
 * so a VMCS that uses one of them is checked whole at every entry.
 */
static bool reads_memory(const struct vmentry_ctx *c)
{
	u64 cr0 = vmcs_get(c->v, VMCS_SLOT_GUEST_CR0), cr4 = vmcs_get(c->v, VMCS_SLOT_GUEST_CR4);
	bool pae = (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !c->ia32e;
	return vmcs_get(c->v, VMCS_SLOT_VMCS_LINK_POINTER) != ~0ull ||
	       (c->proc & PROC_USE_TPR_SHADOW) || pae;
}

/*
 * The checks are a function of the VMCS, the processor's capabilities and (reads_memory)
 * memory; the SDM says what must hold, not how often a processor re-examines a VMCS it has
 * already validated.  After a VMCS passed every check, a later entry re-runs only the rules
 * that read the fields of vmcs_unchecked_bits (the fields every VM exit or every L0 round
 * trip rewrites): VM-entry event injection (26.2.1.3), guest RIP and RFLAGS (26.3.1.4) and
 * activity, interruptibility and pending debug exceptions (26.3.1.5), in their order -- and
 * of those only the ones reading a field whose value changed since they last passed
 * (v->vdirty): when only guest RIP changed, the RIP/RFLAGS rule.  Every other rule read only
 * fields that did not change (vmcs_set clears v->checked when one does), so it passes again;
 * the first failing rule is the one the full order finds.  tests/unit/test_vmentry_checks.c
 * compares both paths on random VMCS changes.
 */
enum vmentry_outcome vmentry_check_cached(struct vmcs *v, const struct cpu_profile *p,
					  const struct vmentry_env *env, struct vmentry_result *r)
{
	struct vmentry_ctx c;
	if (v->checked && !(v->vdirty & VMCS_VDIRTY_ALL)) {
		/* the RIP/RFLAGS rule reads the VMCS, the profile and "IA-32e mode guest" alone */
		*r = (struct vmentry_result){.outcome = VMENTRY_OK};
		if (v->vdirty) {
			c = (struct vmentry_ctx){.v = v, .p = p, .r = r};
			c.ia32e = vmcs_get(v, VMCS_SLOT_VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST;
			if (vmentry_check_guest_rip(&c))
				return r->outcome = VMENTRY_FAIL_GUEST;
		}
		v->vdirty = 0;
		return VMENTRY_OK;
	}
	vmentry_ctx_init(&c, v, p, env, r);
	/* v->checked implies !reads_memory: it is set only then, and reads_memory reads fields
	 * whose change clears it */
	if (!v->checked) {
		check_all(&c);
		v->checked = r->outcome == VMENTRY_OK && !reads_memory(&c);
	} else if (vmentry_check_controls_volatile(&c)) {
		r->outcome = VMENTRY_FAIL_CONTROLS;
	} else if (vmentry_check_guest_volatile(&c)) {
		r->outcome = VMENTRY_FAIL_GUEST;
	}
	/* the always-run rules now passed on the fields as they are (or failed: again next time) */
	if (r->outcome == VMENTRY_OK)
		v->vdirty = 0;
	return r->outcome;
}
