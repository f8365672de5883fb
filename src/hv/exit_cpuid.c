// SPDX-License-Identifier: MIT
/*
 * CPUID (exit reason 10; CPUID exits unconditionally in VMX non-root operation, SDM Vol. 3C
 * 25.1.2 "Instructions That Cause VM Exits Unconditionally").  L0 answers with the processor's
 * CPUID filtered by what the VM exposes, writes EAX, EBX, ECX, EDX (zero-extended into the
 * 64-bit registers) and skips the instruction.
 *
 * The processor's CPUID comes from vx_cpu_cpuid() with the guest's CR4 and XCR0, the state the
 * instruction's output depends on (CPUID.1:ECX[27] mirrors CR4.OSXSAVE; CPUID.(0DH,0):EBX is
 * the XSAVE size for XCR0), so the answer is what the guest would have read natively.  A second
 * processor with the same profile, "the oracle", in a small memory of its own, still answers
 * the capability MSRs at vCPU creation (vcpu.c).
 *
 * The VM's filter (KVM: the CPUID table userspace sets, kvm_set_cpu_caps):
 *   hide_vmx      CPUID.1:ECX[5] VMX = 0
 *   hide_rdrand   CPUID.1:ECX[30] RDRAND = 0 (and RDRAND exits to #UD, ctls.c)
 *   hide_rdseed   CPUID.(7,0):EBX[18] RDSEED = 0 (and RDSEED exits to #UD)
 *   sgx off       CPUID.(7,0):EBX[2] SGX = 0, ECX[30] SGX_LC = 0, leaf 12H all zeros (Vol. 3D
 *                 37.7.2 "Intel SGX Resource Enumeration Leaves": no sub-leaf is valid)
 *   sgx1          CPUID.(12H,0):EAX[1] SGX2 = 0; sgx_lc off: SGX_LC = 0
 */
#include <string.h>

#include "arch/vmx.h"
#include "hv/vcpu.h"

bool hv_oracle_create(struct hv_vcpu *v)
{
	v->o_phys = vx_phys_create(HV_HOST_ENV_SIZE);
	v->oracle = v->o_phys ? vx_cpu_create(v->o_phys, v->cfg.profile) : NULL;
	if (!v->oracle)
		return false;
	hv_host_env_build(v->o_phys, 0);
	hv_host_env_load(v->oracle, 0, 0);
	return true;
}

void hv_oracle_destroy(struct hv_vcpu *v)
{
	vx_cpu_destroy(v->oracle);
	vx_phys_destroy(v->o_phys);
	v->oracle = NULL;
	v->o_phys = NULL;
}

/* The guest state the processor's answer depends on (the output mirrors CR4.OSXSAVE and
 * XCR0): the guest's, or power-up values while the vCPU is being planned (the oracle). */
static struct vx_cpu *answering(struct hv_vcpu *v, u64 *cr4, u64 *xcr0)
{
	if (!v->cpu) {
		*cr4 = 0;
		*xcr0 = 1;
		return v->oracle;
	}
	*cr4 = hv_vmread(v, VMCS_GUEST_CR4);
	*xcr0 = vx_cpu_get_reg(v->cpu, VX_XCR0);
	return v->cpu;
}

void hv_cpuid_raw(struct hv_vcpu *v, u32 leaf, u32 subleaf, u32 r[4])
{
	u64 cr4, xcr0;
	struct vx_cpu *c = answering(v, &cr4, &xcr0);
	vx_cpu_cpuid(c, leaf, subleaf, cr4, xcr0, r, NULL);
}

enum { EAX, EBX, ECX, EDX };

/* CPUID.(12H,2) (Vol. 3D 37.7.2 Table 37-6): the guest's own EPC section, type 1 (EPC),
 * property 1 (confidentiality and integrity protected). */
static void epc_section(const struct hv_config *cfg, u32 r[4])
{
	u64 base = VX_EPC_BASE, size = vx_epc_size(cfg->epc_size);
	r[EAX] = 1u | ((u32)base & 0xfffff000u);
	r[EBX] = (u32)(base >> 32) & 0xfffffu;
	r[ECX] = 1u | ((u32)size & 0xfffff000u);
	r[EDX] = (u32)(size >> 32) & 0xfffffu;
}

void hv_cpuid_filter(const struct hv_config *cfg, u32 leaf, u32 subleaf, u32 r[4])
{
	switch (leaf) {
	case 1:
		if (cfg->hide_vmx)
			r[ECX] &= ~(u32)BIT(5);
		if (cfg->hide_rdrand)
			r[ECX] &= ~(u32)BIT(30);
		break;
	case 7:
		if (subleaf != 0)
			break;
		if (cfg->hide_rdseed)
			r[EBX] &= ~(u32)BIT(18);
		if (cfg->sgx == VX_SGX_OFF)
			r[EBX] &= ~(u32)BIT(2);
		if (cfg->sgx == VX_SGX_OFF || !cfg->sgx_lc)
			r[ECX] &= ~(u32)BIT(30);
		break;
	case 0x12:
		if (cfg->sgx == VX_SGX_OFF || subleaf > 2) {
			r[EAX] = r[EBX] = r[ECX] = r[EDX] = 0;
		} else if (subleaf == 0) {
			if (cfg->sgx == VX_SGX1)
				r[EAX] &= ~(u32)BIT(1);
		} else if (subleaf == 1) {
			/* PROVISIONKEY (ATTRIBUTES bit 4) only for VMs allowed to provision
			 * (KVM_CAP_SGX_ATTRIBUTE): never here. */
			r[EAX] &= ~(u32)BIT(4);
		} else {
			epc_section(cfg, r);
		}
		break;
	default: break;
	}
}

/*
 * The guest's answer for (leaf, subleaf) under its CR4 and XCR0 (the only guest state the
 * processor's answer depends on; the filter depends on the VM configuration alone), kept in a
 * small table as KVM keeps its vCPU's CPUID entries (not while planning: the oracle answers).
 * A kept answer is used again while the state it depends on (vx_cpu_cpuid_inputs: CR4 for
 * leaf 01H, XCR0 for leaf 0DH) is unchanged; the others are read only for those leaves.
 */
void hv_cpuid_guest(struct hv_vcpu *v, u32 leaf, u32 subleaf, u32 r[4])
{
	struct hv_cpuid_memo *m = &v->cpuid_memo[(leaf ^ subleaf ^ (leaf >> 27)) % HV_CPUID_MEMO];
	if (v->cpu && m->valid && m->leaf == leaf && m->subleaf == subleaf &&
	    (!(m->inputs & VX_CPUID_IN_CR4) || m->cr4 == hv_vmread(v, VMCS_GUEST_CR4)) &&
	    (!(m->inputs & VX_CPUID_IN_XCR0) || m->xcr0 == vx_cpu_get_reg(v->cpu, VX_XCR0))) {
		memcpy(r, m->r, sizeof(m->r));
		return;
	}
	u64 cr4, xcr0;
	struct vx_cpu *c = answering(v, &cr4, &xcr0);
	u32 eff;
	vx_cpu_cpuid(c, leaf, subleaf, cr4, xcr0, r, &eff);
	/* The filter applies to the leaf the processor answers (CPUID page: an input above the
	 * maximum basic or extended leaf returns the highest basic leaf). */
	hv_cpuid_filter(&v->cfg, eff, subleaf, r);
	if (!v->cpu)
		return;
	*m = (struct hv_cpuid_memo){.valid = true,
				    .leaf = leaf,
				    .subleaf = subleaf,
				    .inputs = vx_cpu_cpuid_inputs(c, eff, subleaf),
				    .cr4 = cr4,
				    .xcr0 = xcr0};
	memcpy(m->r, r, sizeof(m->r));
}

enum hv_ret hv_exit_cpuid(struct hv_vcpu *v)
{
	u32 leaf = (u32)hv_gpr(v, VX_RAX), subleaf = (u32)hv_gpr(v, VX_RCX), r[4];
	hv_cpuid_guest(v, leaf, subleaf, r);
	hv_set_gpr(v, VX_RAX, r[EAX]);
	hv_set_gpr(v, VX_RBX, r[EBX]);
	hv_set_gpr(v, VX_RCX, r[ECX]);
	hv_set_gpr(v, VX_RDX, r[EDX]);
	hv_skip_insn(v);
	return HV_RESUME;
}
