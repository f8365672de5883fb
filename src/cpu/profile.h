/* SPDX-License-Identifier: MIT */
/*
 * CPU profiles: what a modelled processor enumerates, as data (DESIGN.md section 2).  A
 * profile is the CPUID table (SDM Vol. 2A "CPUID—CPU Identification", Table 3-8; Vol. 3D
 * 37.7 "Discovering Support for Intel SGX and Enabling Enclave Instructions"), the VMX
 * capability MSRs (Vol. 3D Appendix A "VMX Capability Reporting Facility"), MAXPHYADDR and
 * the XCR0 bits the processor supports, plus booleans derived from those for quick checks.
 *
 * A profile enumerates only what the model executes: no x87, MMX, SSE or AVX instruction
 * executes, so their CPUID bits are 0 (docs/decisions.md, "CPU profiles").
 *
 * Profiles are plain values: a machine copies one (`struct cpu_profile p = *found;`), sets
 * its EPC section and SGX options on the copy, and keeps the copy alive as long as its
 * processors (vx_cpu.profile points at it).
 */
#ifndef VX_CPU_PROFILE_H
#define VX_CPU_PROFILE_H

#include "cpu/cpu.h"
#include "cpu/cpuid.h"

#define CPU_PROFILE_MAX_LEAVES 32

/* Control-register bits (SDM Vol. 3A 2.5 "Control Registers"; src/arch/bitfields.def). */
#define X86_CR0_PE BIT(0)
#define X86_CR0_MP BIT(1)
#define X86_CR0_EM BIT(2)
#define X86_CR0_TS BIT(3)
#define X86_CR0_ET BIT(4)
#define X86_CR0_NE BIT(5)
#define X86_CR0_WP BIT(16)
#define X86_CR0_AM BIT(18)
#define X86_CR0_NW BIT(29)
#define X86_CR0_CD BIT(30)
#define X86_CR0_PG BIT(31)
#define X86_CR4_VME BIT(0)
#define X86_CR4_PVI BIT(1)
#define X86_CR4_TSD BIT(2)
#define X86_CR4_DE BIT(3)
#define X86_CR4_PSE BIT(4)
#define X86_CR4_PAE BIT(5)
#define X86_CR4_MCE BIT(6)
#define X86_CR4_PGE BIT(7)
#define X86_CR4_PCE BIT(8)
#define X86_CR4_OSFXSR BIT(9)
#define X86_CR4_OSXMMEXCPT BIT(10)
#define X86_CR4_UMIP BIT(11)
#define X86_CR4_LA57 BIT(12)
#define X86_CR4_VMXE BIT(13)
#define X86_CR4_SMXE BIT(14)
#define X86_CR4_FSGSBASE BIT(16)
#define X86_CR4_PCIDE BIT(17)
#define X86_CR4_OSXSAVE BIT(18)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)
#define X86_CR4_PKE BIT(22)
#define X86_EFER_SCE BIT(0)
#define X86_EFER_LME BIT(8)
#define X86_EFER_LMA BIT(10)
#define X86_EFER_NXE BIT(11)

/* CPUID.80000007H:EDX[8] "Invariant TSC available" (Table 3-8; not in cpuid_fields.def). */
#define CPUID_80000007_EDX_INVARIANT_TSC ((u32)BIT(8))

/* Appendix A capability MSRs, IA32_VMX_BASIC (480H) .. IA32_VMX_PROCBASED_CTLS3 (492H). */
struct vmx_caps {
	u64 basic;
	u64 pinbased, procbased, exit, entry; /* A.3.1, A.3.2, A.4, A.5 */
	u64 true_pinbased, true_procbased, true_exit, true_entry;
	u64 misc;                   /* A.6 */
	u64 cr0_fixed0, cr0_fixed1; /* A.7 */
	u64 cr4_fixed0, cr4_fixed1; /* A.8 */
	u64 vmcs_enum;              /* A.9 */
	u64 procbased2;             /* A.3.3 */
	u64 procbased3;             /* A.3.4 (later SDMs): allowed-1 settings only */
	u64 ept_vpid_cap;           /* A.10 */
	u64 vmfunc;                 /* A.11 */
};

struct cpu_profile {
	const char *name;
	const char *desc;
	unsigned nleaves;
	struct cpuid_leaf leaves[CPU_PROFILE_MAX_LEAVES];
	struct vmx_caps vmx; /* meaningful when has_vmx */
	u8 maxphyaddr;       /* CPUID.80000008H:EAX[7:0] */
	u8 linaddr;          /* CPUID.80000008H:EAX[15:8] */
	u64 xcr0_supported;  /* CPUID.(0DH,0):EDX:EAX */

	/* Derived from the CPUID table (cpu_profile_derive); a test keeps them in step. */
	bool has_vmx, has_sgx1, has_sgx2, has_sgx_lc;
	bool has_smep, has_smap, has_umip, has_fsgsbase, has_rdpid, has_rdtscp;
	bool has_rdrand, has_rdseed, has_xsave, has_nx, has_syscall, has_page1gb;
	bool has_pge, has_pse, has_pae, has_pat, has_de, has_tsc, has_msr;
	bool has_cx8, has_cx16, has_cmov, has_popcnt, has_lzcnt, has_bmi1, has_lahf_lm;
	bool has_invariant_tsc, has_lm;
};

/* Built-in profiles by name ("icx-server", "icx-nosgx"); NULL when unknown. */
const struct cpu_profile *cpu_profile_find(const char *name);
/* The profile used when none is named: "icx-server". */
const struct cpu_profile *cpu_profile_default(void);
/* The n-th built-in profile, NULL past the end (for listings and tests). */
const struct cpu_profile *cpu_profile_at(unsigned n);

/* The profile a processor runs with (the default when the owner gave none). */
static inline const struct cpu_profile *cpu_profile_of(const struct vx_cpu *c)
{
	return c->profile ? c->profile : cpu_profile_default();
}

/* Recomputes the has_* booleans from the CPUID table. */
void cpu_profile_derive(struct cpu_profile *p);

/*
 * Sets the EPC section reported by CPUID.(12H, 2) (37.7.2 Table 37-6): base and size must be
 * 4 KiB aligned and below 2^MAXPHYADDR; sub-leaf 3 stays invalid (type 0), ending the list.
 * Returns false (profile unchanged) without SGX or for a bad section.
 */
bool cpu_profile_set_epc(struct cpu_profile *p, u64 base, u64 size);

enum cpu_sgx_mode { CPU_SGX_OFF, CPU_SGX1, CPU_SGX2 };
/*
 * Narrows the SGX the profile exposes (command line --sgx, --sgx-lc): CPUID 07H EBX[2] and
 * ECX[30], leaf 12H, and the "enable ENCLS exiting" allowed-1 bit.  Returns false (profile
 * unchanged) when asked for more than the profile has.
 */
bool cpu_profile_restrict_sgx(struct cpu_profile *p, enum cpu_sgx_mode mode, bool lc);

/* CR4 bits MOV to CR4 accepts (SDM Vol. 3A 2.5 "Control Registers"); = IA32_VMX_CR4_FIXED1
 * when the profile has VMX. */
u64 cpu_profile_cr4_valid(const struct cpu_profile *p);

/* The EPC section set by cpu_profile_set_epc (false when there is none). */
bool cpu_profile_epc(const struct cpu_profile *p, u64 *base, u64 *size);

#endif
