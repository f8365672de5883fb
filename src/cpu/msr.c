// SPDX-License-Identifier: MIT
/*
 * RDMSR/WRMSR semantics of the MSRs the model implements (SDM Vol. 2B "RDMSR", "WRMSR";
 * Vol. 3C Table 35-2 "IA-32 Architectural MSRs"; Vol. 3D Appendix A).  An MSR that the
 * profile does not enumerate does not exist: "Specifying a reserved or unimplemented MSR
 * address in ECX will also cause a general protection exception" (RDMSR/WRMSR pages).
 */
#include "cpu/msr.h"

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/mmu.h"
#include "cpu/profile.h"

/* Reset value of IA32_SGXLEPUBKEYHASH0..3: SHA-256 of Intel's launch-enclave signing key
 * modulus (the value processors without launch control have fixed; Linux and KVM use the
 * same constants). */
static const u64 intel_le_hash[4] = {
    0xa6053e051270b7acull,
    0x6cfbe8ba8b3b413dull,
    0xc4916d99f2b3735dull,
    0xd4f8c05909f9bb3bull,
};

#define PAT_RESET 0x0007040600070406ull /* 11.12.4 "Programming the PAT", Table 11-12 */
#define APIC_BASE_RESET 0xfee00900ull   /* base FEE00000H, BSP (bit 8), enable (bit 11) */
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_ENABLE BIT(11)

void msr_reset(struct vx_cpu *c)
{
	struct msrs *m = &c->msr;
	*m = (struct msrs){0};
	m->pat = PAT_RESET;
	m->apic_base = APIC_BASE_RESET;
	for (unsigned k = 0; k < 4; k++)
		m->sgx_lepubkeyhash[k] = intel_le_hash[k];
	/* XCR0 too (13.3 "Enabling the XSAVE Feature Set": "XCR0[0] is always 1"; the reset
	 * value is 1). */
	c->xcr0 = 1;
}

bool msr_pat_valid(u64 pat)
{
	for (unsigned k = 0; k < 8; k++) {
		u64 t = (pat >> (8 * k)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* ---- VMX capability MSRs (Appendix A) ---- */

/*
 * Whether a capability MSR exists: A.3.3 (PROCBASED_CTLS2 iff primary bit 63), A.10
 * (EPT_VPID_CAP iff secondary allowed-1 bit 33 "enable EPT" or bit 37 "enable VPID"),
 * A.3.1/A.3.2/A.4/A.5 (TRUE_* iff IA32_VMX_BASIC[55]), A.11 (VMFUNC iff secondary bit 45
 * "enable VM functions"), tertiary controls iff primary bit 49 "activate tertiary controls".
 */
static bool vmx_cap(const struct vmx_caps *v, u32 index, u64 *val)
{
	bool second = v->procbased & BIT(32 + PROC_ACTIVATE_SECONDARY_CONTROLS_BITNO);
	u64 p2 = second ? v->procbased2 : 0;
	bool tru = v->basic & BIT(MSR_IA32_VMX_BASIC_TRUE_CTLS_SHIFT);
	switch (index) {
	case MSR_IA32_VMX_BASIC: *val = v->basic; return true;
	case MSR_IA32_VMX_PINBASED_CTLS: *val = v->pinbased; return true;
	case MSR_IA32_VMX_PROCBASED_CTLS: *val = v->procbased; return true;
	case MSR_IA32_VMX_EXIT_CTLS: *val = v->exit; return true;
	case MSR_IA32_VMX_ENTRY_CTLS: *val = v->entry; return true;
	case MSR_IA32_VMX_MISC: *val = v->misc; return true;
	case MSR_IA32_VMX_CR0_FIXED0: *val = v->cr0_fixed0; return true;
	case MSR_IA32_VMX_CR0_FIXED1: *val = v->cr0_fixed1; return true;
	case MSR_IA32_VMX_CR4_FIXED0: *val = v->cr4_fixed0; return true;
	case MSR_IA32_VMX_CR4_FIXED1: *val = v->cr4_fixed1; return true;
	case MSR_IA32_VMX_VMCS_ENUM: *val = v->vmcs_enum; return true;
	case MSR_IA32_VMX_PROCBASED_CTLS2: *val = v->procbased2; return second;
	case MSR_IA32_VMX_EPT_VPID_CAP:
		*val = v->ept_vpid_cap;
		return p2 & (BIT(32 + PROC2_ENABLE_EPT_BITNO) | BIT(32 + PROC2_ENABLE_VPID_BITNO));
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS: *val = v->true_pinbased; return tru;
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS: *val = v->true_procbased; return tru;
	case MSR_IA32_VMX_TRUE_EXIT_CTLS: *val = v->true_exit; return tru;
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS: *val = v->true_entry; return tru;
	case MSR_IA32_VMX_VMFUNC: *val = v->vmfunc; return p2 & BIT(32 + PROC2_ENABLE_VMFUNC_BITNO);
	case MSR_IA32_VMX_PROCBASED_CTLS3:
		*val = v->procbased3;
		return v->procbased & BIT(32 + PROC_ACTIVATE_TERTIARY_CONTROLS_BITNO);
	default: return false;
	}
}

static bool is_vmx_cap(u32 index)
{
	return index >= MSR_IA32_VMX_BASIC && index <= MSR_IA32_VMX_EXIT_CTLS2;
}

/* ---- IA32_FEATURE_CONTROL and launch control (Table 35-2; Vol. 3D 42.2) ---- */

static bool has_feature_control(const struct cpu_profile *p)
{
	/* "If any one enumeration condition for defined bit field holds" (Table 35-2). */
	return p->has_vmx || p->has_sgx1;
}

static u64 feature_control_valid(const struct cpu_profile *p)
{
	u64 m = MSR_IA32_FEATURE_CONTROL_LOCK_MASK;
	if (p->has_vmx)
		m |= MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	if (p->has_sgx_lc)
		m |= MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK;
	if (p->has_sgx1)
		m |= MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	return m;
}

/*
 * Bit 0 "Lock bit (R/WO): (1 = locked). When set, locks this MSR from being written, writes
 * to this bit will result in GP(0)."  Bits of absent features (SMX, LMCE, launch control
 * without CPUID.(07H,0):ECX[30], SGX without SGX) are reserved.
 */
static bool write_feature_control(struct vx_cpu *c, const struct cpu_profile *p, u64 v)
{
	if (!has_feature_control(p) ||
	    (c->msr.feature_control & MSR_IA32_FEATURE_CONTROL_LOCK_MASK))
		return false;
	if (v & ~feature_control_valid(p))
		return false;
	c->msr.feature_control = v;
	return true;
}

/*
 * IA32_SGXLEPUBKEYHASH0-3 (8CH-8FH), later SDM Vol. 4 Table 2-2: "Read permitted if
 * CPUID.(EAX=12H,ECX=0H):EAX[0]=1 && CPUID.(EAX=07H,ECX=0H):ECX[30]=1. Write permitted if
 * CPUID.(EAX=12H,ECX=0H):EAX[0]=1 && IA32_FEATURE_CONTROL[17]=1 && IA32_FEATURE_CONTROL[0]=1."
 * (docs/decisions.md: the read also needs launch control.)
 */
static bool lehash_readable(const struct cpu_profile *p)
{
	return p->has_sgx1 && p->has_sgx_lc;
}

static bool lehash_writable(const struct vx_cpu *c, const struct cpu_profile *p)
{
	u64 need = MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK;
	return lehash_readable(p) && (c->msr.feature_control & need) == need;
}

/* ---- RDMSR ---- */

static bool read_plain(const struct vx_cpu *c, const struct cpu_profile *p, u32 index, u64 *v)
{
	const struct msrs *m = &c->msr;
	switch (index) {
	case MSR_IA32_TIME_STAMP_COUNTER: *v = cpu_tsc(c); return p->has_tsc;
	case MSR_IA32_APIC_BASE: *v = m->apic_base; return true;
	case MSR_IA32_FEATURE_CONTROL: *v = m->feature_control; return has_feature_control(p);
	case MSR_IA32_SYSENTER_CS: *v = m->sysenter_cs; return true;
	case MSR_IA32_SYSENTER_ESP: *v = m->sysenter_esp; return true;
	case MSR_IA32_SYSENTER_EIP: *v = m->sysenter_eip; return true;
	case MSR_IA32_DEBUGCTL: *v = m->debugctl; return true;
	case MSR_IA32_PAT: *v = m->pat; return p->has_pat;
	case MSR_IA32_EFER: *v = m->efer; return true;
	case MSR_IA32_STAR: *v = m->star; return p->has_syscall;
	case MSR_IA32_LSTAR: *v = m->lstar; return p->has_syscall;
	case MSR_IA32_CSTAR: *v = m->cstar; return p->has_syscall;
	case MSR_IA32_FMASK: *v = m->sfmask; return p->has_syscall;
	case MSR_IA32_FS_BASE: *v = c->seg[SEG_FS].base; return p->has_lm;
	case MSR_IA32_GS_BASE: *v = c->seg[SEG_GS].base; return p->has_lm;
	case MSR_IA32_KERNEL_GS_BASE: *v = m->kernel_gs_base; return p->has_lm;
	case MSR_IA32_TSC_AUX: *v = m->tsc_aux; return p->has_rdtscp || p->has_rdpid;
	default: return false;
	}
}

bool msr_read(struct vx_cpu *c, u32 index, u64 *val)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	u64 v = 0;
	bool ok;
	if (is_vmx_cap(index))
		ok = p->has_vmx && vmx_cap(&p->vmx, index, &v);
	else if (index >= MSR_IA32_SGXLEPUBKEYHASH0 && index <= MSR_IA32_SGXLEPUBKEYHASH3) {
		ok = lehash_readable(p);
		v = c->msr.sgx_lepubkeyhash[index & 3];
	} else
		ok = read_plain(c, p, index, &v);
	if (ok)
		*val = v;
	return ok;
}

/* ---- WRMSR ---- */

/*
 * IA32_EFER (Table 35-2; 2.2.1 "Extended Feature Enable Register"): SCE, LME, NXE are
 * writable when CPUID enumerates SYSCALL, Intel 64 and XD; LMA is read-only (the written
 * value is ignored); other bits are reserved.  Changing LME while CR0.PG = 1 raises #GP(0)
 * (9.8.5 "Initializing IA-32e Mode": LME may be changed only with paging disabled).
 */
static bool write_efer(struct vx_cpu *c, const struct cpu_profile *p, u64 v)
{
	u64 ok = (p->has_syscall ? X86_EFER_SCE : 0) | (p->has_lm ? X86_EFER_LME : 0) |
		 (p->has_nx ? X86_EFER_NXE : 0);
	u64 old = c->msr.efer;
	if (v & ~(ok | X86_EFER_LMA))
		return false;
	if ((c->cr0 & X86_CR0_PG) && ((v ^ old) & X86_EFER_LME))
		return false;
	c->msr.efer = (v & ok) | (old & X86_EFER_LMA);
	/* The software TLB holds execute rights computed with the old NXE. */
	if ((v ^ old) & X86_EFER_NXE)
		tlb_flush_all(c);
	return true;
}

/* IA32_APIC_BASE: bits 7:0, 9, 10 (no x2APIC) and MAXPHYADDR..63 are reserved. */
static bool write_apic_base(struct vx_cpu *c, const struct cpu_profile *p, u64 v)
{
	u64 valid = APIC_BASE_BSP | APIC_BASE_ENABLE | GENMASK(p->maxphyaddr - 1, 12);
	if (v & ~valid)
		return false;
	c->msr.apic_base = v;
	return true;
}

/* MSRs holding linear addresses: "WRMSR ... #GP(0) if a non-canonical address is written to
 * IA32_FS_BASE, IA32_GS_BASE, IA32_KERNEL_GS_BASE, IA32_LSTAR, IA32_CSTAR,
 * IA32_SYSENTER_ESP or IA32_SYSENTER_EIP" (WRMSR page; 2.2.1.3).  NULL: not such an MSR. */
static u64 *address_msr(struct vx_cpu *c, const struct cpu_profile *p, u32 index, bool *exists)
{
	*exists = true;
	switch (index) {
	case MSR_IA32_SYSENTER_ESP: return &c->msr.sysenter_esp;
	case MSR_IA32_SYSENTER_EIP: return &c->msr.sysenter_eip;
	case MSR_IA32_LSTAR: *exists = p->has_syscall; return &c->msr.lstar;
	case MSR_IA32_CSTAR: *exists = p->has_syscall; return &c->msr.cstar;
	case MSR_IA32_FS_BASE: *exists = p->has_lm; return &c->seg[SEG_FS].base;
	case MSR_IA32_GS_BASE: *exists = p->has_lm; return &c->seg[SEG_GS].base;
	case MSR_IA32_KERNEL_GS_BASE: *exists = p->has_lm; return &c->msr.kernel_gs_base;
	default: return NULL;
	}
}

static bool write_plain(struct vx_cpu *c, const struct cpu_profile *p, u32 index, u64 v)
{
	struct msrs *m = &c->msr;
	switch (index) {
	case MSR_IA32_TIME_STAMP_COUNTER:
		/* 17.17: a write sets the counter; later reads count on from the value. */
		m->tsc_offset = (s64)(v - c->retired);
		return p->has_tsc;
	case MSR_IA32_APIC_BASE: return write_apic_base(c, p, v);
	case MSR_IA32_FEATURE_CONTROL: return write_feature_control(c, p, v);
	case MSR_IA32_SYSENTER_CS: m->sysenter_cs = v & 0xffffffffull; return true;
	case MSR_IA32_DEBUGCTL: return v == 0; /* no LBR/BTF/... modelled: all bits reserved */
	case MSR_IA32_PAT:
		if (!p->has_pat || !msr_pat_valid(v))
			return false;
		m->pat = v;
		return true;
	case MSR_IA32_EFER: return write_efer(c, p, v);
	case MSR_IA32_STAR: m->star = v; return p->has_syscall;
	case MSR_IA32_FMASK: /* bits 63:32 reserved */
		if (!p->has_syscall || (v >> 32))
			return false;
		m->sfmask = v;
		return true;
	case MSR_IA32_TSC_AUX: /* bits 63:32 reserved */
		if (!(p->has_rdtscp || p->has_rdpid) || (v >> 32))
			return false;
		m->tsc_aux = v;
		return true;
	default: return false;
	}
}

bool msr_write(struct vx_cpu *c, u32 index, u64 val)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	if (is_vmx_cap(index))
		return false; /* Appendix A: the capability MSRs are read-only */
	if (index >= MSR_IA32_SGXLEPUBKEYHASH0 && index <= MSR_IA32_SGXLEPUBKEYHASH3) {
		if (!lehash_writable(c, p))
			return false;
		c->msr.sgx_lepubkeyhash[index & 3] = val;
		return true;
	}
	bool exists;
	u64 *addr = address_msr(c, p, index, &exists);
	if (addr) {
		if (!exists || !is_canonical(val))
			return false;
		*addr = val;
		return true;
	}
	return write_plain(c, p, index, val);
}
