// SPDX-License-Identifier: MIT
/*
 * The profile registry and the operations a machine applies to its copy of a profile: EPC
 * section (SDM Vol. 3D 37.7.2 "Intel SGX Resource Enumeration Leaves", Table 37-6), SGX
 * narrowing, and the booleans derived from the CPUID table.
 */
#include <string.h>

#include "arch/vmx.h"
#include "cpu/profile.h"
#include "cpu/profiles/builtin.h"

static const struct cpu_profile *const builtin[] = {
    &cpu_profile_icx_server,
    &cpu_profile_icx_nosgx,
};

const struct cpu_profile *cpu_profile_at(unsigned n)
{
	return n < ARRAY_SIZE(builtin) ? builtin[n] : NULL;
}

const struct cpu_profile *cpu_profile_find(const char *name)
{
	for (unsigned k = 0; name && k < ARRAY_SIZE(builtin); k++)
		if (strcmp(builtin[k]->name, name) == 0)
			return builtin[k];
	return NULL;
}

const struct cpu_profile *cpu_profile_default(void)
{
	return &cpu_profile_icx_server;
}

static bool field(const struct cpu_profile *p, enum cpuid_field f)
{
	return cpuid_field_get(p, f) != 0;
}

void cpu_profile_derive(struct cpu_profile *p)
{
	bool sgx = field(p, CPUID_F_SGX);
	u32 r[4];
	p->has_vmx = field(p, CPUID_F_VMX);
	p->has_sgx1 = sgx && field(p, CPUID_F_SGX1);
	p->has_sgx2 = sgx && field(p, CPUID_F_SGX2);
	p->has_sgx_lc = field(p, CPUID_F_SGX_LC);
	p->has_smep = field(p, CPUID_F_SMEP);
	p->has_smap = field(p, CPUID_F_SMAP);
	p->has_umip = field(p, CPUID_F_UMIP);
	p->has_fsgsbase = field(p, CPUID_F_FSGSBASE);
	p->has_rdpid = field(p, CPUID_F_RDPID);
	p->has_rdtscp = field(p, CPUID_F_RDTSCP);
	p->has_rdrand = field(p, CPUID_F_RDRAND);
	p->has_rdseed = field(p, CPUID_F_RDSEED);
	p->has_xsave = field(p, CPUID_F_XSAVE);
	p->has_nx = field(p, CPUID_F_NX);
	p->has_syscall = field(p, CPUID_F_SYSCALL);
	p->has_page1gb = field(p, CPUID_F_PAGE1GB);
	p->has_pge = field(p, CPUID_F_PGE);
	p->has_pse = field(p, CPUID_F_PSE);
	p->has_pae = field(p, CPUID_F_PAE);
	p->has_pat = field(p, CPUID_F_PAT);
	p->has_de = field(p, CPUID_F_DE);
	p->has_tsc = field(p, CPUID_F_TSC);
	p->has_msr = field(p, CPUID_F_MSR);
	p->has_cx8 = field(p, CPUID_F_CX8);
	p->has_cx16 = field(p, CPUID_F_CMPXCHG16B);
	p->has_cmov = field(p, CPUID_F_CMOV);
	p->has_popcnt = field(p, CPUID_F_POPCNT);
	p->has_lzcnt = field(p, CPUID_F_LZCNT);
	p->has_bmi1 = field(p, CPUID_F_BMI1);
	p->has_lahf_lm = field(p, CPUID_F_LAHF_LM);
	p->has_lm = field(p, CPUID_F_LM);
	cpuid_lookup(p, 0x80000007u, 0, r);
	p->has_invariant_tsc = (r[CPUID_EDX] & CPUID_80000007_EDX_INVARIANT_TSC) != 0;
}

/*
 * SDM Vol. 3A 2.5 "Control Registers": each CR4 feature bit exists when CPUID enumerates its
 * feature (TSD/TSC, DE, PSE, PAE, PGE, UMIP, VMXE/VMX, FSGSBASE, OSXSAVE/XSAVE, SMEP, SMAP);
 * setting a bit of an absent feature is setting a reserved bit (MOV to CR4: #GP(0)).  PCE,
 * OSFXSR and OSXMMEXCPT are kept writable on every profile (docs/decisions.md).
 */
u64 cpu_profile_cr4_valid(const struct cpu_profile *p)
{
	u64 m = X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	m |= p->has_tsc ? X86_CR4_TSD : 0;
	m |= p->has_de ? X86_CR4_DE : 0;
	m |= p->has_pse ? X86_CR4_PSE : 0;
	m |= p->has_pae ? X86_CR4_PAE : 0;
	m |= p->has_pge ? X86_CR4_PGE : 0;
	m |= p->has_umip ? X86_CR4_UMIP : 0;
	m |= p->has_vmx ? X86_CR4_VMXE : 0;
	m |= p->has_fsgsbase ? X86_CR4_FSGSBASE : 0;
	m |= p->has_xsave ? X86_CR4_OSXSAVE : 0;
	m |= p->has_smep ? X86_CR4_SMEP : 0;
	m |= p->has_smap ? X86_CR4_SMAP : 0;
	return m;
}

static struct cpuid_leaf *row(struct cpu_profile *p, u32 leaf, u32 subleaf)
{
	for (unsigned k = 0; k < p->nleaves; k++)
		if (p->leaves[k].leaf == leaf && p->leaves[k].subleaf == subleaf)
			return &p->leaves[k];
	return NULL;
}

bool cpu_profile_set_epc(struct cpu_profile *p, u64 base, u64 size)
{
	if (!p->has_sgx1 || p->maxphyaddr > 52)
		return false;
	u64 limit = 1ull << p->maxphyaddr;
	if ((base | size) & 0xfff || size == 0 || base >= limit || size > limit - base)
		return false;
	struct cpuid_leaf *l = row(p, 0x12, 2);
	if (!l) {
		if (p->nleaves >= CPU_PROFILE_MAX_LEAVES)
			return false;
		l = &p->leaves[p->nleaves++];
	}
	/* Table 37-6: EAX[3:0] type 1 (EPC section), EAX[31:12]/EBX[19:0] base; ECX[3:0]
	 * property 1 (confidentiality and integrity protected), ECX[31:12]/EDX[19:0] size. */
	*l = (struct cpuid_leaf){
	    .leaf = 0x12,
	    .subleaf = 2,
	    .indexed = true,
	    .r = {1u | ((u32)base & 0xfffff000u), (u32)(base >> 32) & 0xfffffu,
		  1u | ((u32)size & 0xfffff000u), (u32)(size >> 32) & 0xfffffu},
	};
	return true;
}

bool cpu_profile_epc(const struct cpu_profile *p, u64 *base, u64 *size)
{
	u32 r[4];
	if (!p->has_sgx1)
		return false;
	cpuid_lookup(p, 0x12, 2, r);
	if ((r[CPUID_EAX] & 0xf) != 1)
		return false;
	*base = (r[CPUID_EAX] & 0xfffff000u) | ((u64)(r[CPUID_EBX] & 0xfffffu) << 32);
	*size = (r[CPUID_ECX] & 0xfffff000u) | ((u64)(r[CPUID_EDX] & 0xfffffu) << 32);
	return true;
}

static void remove_leaf(struct cpu_profile *p, u32 leaf)
{
	unsigned out = 0;
	for (unsigned k = 0; k < p->nleaves; k++)
		if (p->leaves[k].leaf != leaf)
			p->leaves[out++] = p->leaves[k];
	for (unsigned k = out; k < p->nleaves; k++)
		memset(&p->leaves[k], 0, sizeof(p->leaves[k]));
	p->nleaves = out;
}

static void clear_bit(struct cpu_profile *p, enum cpuid_field f)
{
	const struct cpuid_field_info *fi = &cpuid_fields[f];
	struct cpuid_leaf *l = row(p, fi->leaf, fi->subleaf < 0 ? 0 : (u32)fi->subleaf);
	if (l)
		l->r[fi->reg] &= ~(u32)GENMASK(fi->hi, fi->lo);
}

bool cpu_profile_restrict_sgx(struct cpu_profile *p, enum cpu_sgx_mode mode, bool lc)
{
	enum cpu_sgx_mode have = p->has_sgx2 ? CPU_SGX2 : p->has_sgx1 ? CPU_SGX1 : CPU_SGX_OFF;
	if (mode > have || (lc && (!p->has_sgx_lc || mode == CPU_SGX_OFF)))
		return false;
	if (!lc)
		clear_bit(p, CPUID_F_SGX_LC);
	if (mode < CPU_SGX2)
		clear_bit(p, CPUID_F_SGX2);
	if (mode == CPU_SGX_OFF) {
		clear_bit(p, CPUID_F_SGX);
		remove_leaf(p, 0x12);
		/* 24.6.2 Table 24-7: "enable ENCLS exiting" exists with SGX only. */
		p->vmx.procbased2 &= ~(BIT(PROC2_ENCLS_EXITING_BITNO) << 32);
	}
	cpu_profile_derive(p);
	return true;
}
