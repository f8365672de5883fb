// SPDX-License-Identifier: MIT
/*
 * ENCLS and ENCLU as instructions (SDM Vol. 3D 41.3 ENCLS and ENCLU pages, "Operation" and
 * "Protected Mode Exceptions"): the checks every leaf shares, in the pages' order, then the
 * leaf (encls.c, encls2.c, enclu.c, enclu_keys.c).
 *
 * ENCLS: #UD if CR0.PE = 0, RFLAGS.VM = 1, in SMM (not modelled) or CPUID.(12H,0):EAX.SGX1 = 0,
 * or with a LOCK/REP prefix; #UD if CPL > 0 (so always inside an enclave); then, in VMX
 * non-root operation, the VM exit of 25.1.3 "ENCLS" (ENCLS-exiting bitmap, reason 60,
 * qualification 0); #GP(0) if IA32_FEATURE_CONTROL.LOCK = 0 or SGX_ENABLE = 0; #GP(0) for a
 * leaf the processor does not enumerate; #GP(0) if CR0.PG = 0 (docs/decisions.md D58).
 * ENCLU: the same #UD conditions; #NM if CR0.TS = 1; #UD if CPL < 3; the FEATURE_CONTROL
 * #GP(0); #GP(0) for an unknown leaf; #GP(0) if CR0.PG = 0 or CR0.NE = 0.  ENCLU has no VM-exit
 * control.
 */
#include <Zydis/Mnemonic.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/profile.h"
#include "sgx/sgx_int.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"

bool sgx_mode_ud(const struct vx_cpu *c)
{
	return !(c->cr0 & X86_CR0_PE) || (c->rflags & RFLAGS_VM) || !cpu_profile_of(c)->has_sgx1;
}

static bool sgx_ud(const struct vx_cpu *c, const struct insn *i)
{
	return sgx_mode_ud(c) || (i->prefix & (INSN_LOCK | INSN_REP | INSN_REPNE));
}

/* Table 37-3 "Intel SGX Opt-in and Enabling Behavior": SGX available only with
 * IA32_FEATURE_CONTROL locked and SGX_ENABLE set. */
static bool sgx_disabled(const struct vx_cpu *c)
{
	u64 fc = c->msr.feature_control;
	return !(fc & MSR_IA32_FEATURE_CONTROL_LOCK_MASK) ||
	       !(fc & MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK);
}

/* ENCLS leaves the profile enumerates: SGX1 00H-0CH, SGX2 0DH-0FH. */
static bool encls_leaf_valid(const struct vx_cpu *c, u32 leaf)
{
	return leaf <= ENCLS_ETRACK || (leaf <= ENCLS_EMODT && cpu_profile_of(c)->has_sgx2);
}

static bool enclu_leaf_valid(const struct vx_cpu *c, u32 leaf)
{
	return leaf <= ENCLU_EEXIT || (leaf <= ENCLU_EACCEPTCOPY && cpu_profile_of(c)->has_sgx2);
}

/* ENCLS after its VM-exit test: the #GP checks, then the leaf. */
enum cpu_step sgx_encls_checked(struct vx_cpu *c)
{
	u32 leaf = (u32)c->gpr[GPR_RAX];
	if (sgx_disabled(c) || !encls_leaf_valid(c, leaf) || !(c->cr0 & X86_CR0_PG))
		return fault_gp(c, 0);
	return sgx_encls(c);
}

static enum cpu_step op_encls(struct vx_cpu *c, const struct insn *i)
{
	if (sgx_ud(c, i) || c->cpl > 0)
		return fault_ud(c);
	u32 leaf = (u32)c->gpr[GPR_RAX];
	if (c->vmx.non_root && vmx_encls_exits(c, leaf))
		return vmexit_insn(c, i, VMX_EXIT_ENCLS, 0, 0);
	return sgx_encls_checked(c);
}

static enum cpu_step op_enclu(struct vx_cpu *c, const struct insn *i)
{
	if (sgx_ud(c, i))
		return fault_ud(c);
	if (c->cr0 & X86_CR0_TS)
		return fault_raise(c, X86_VEC_NM, false, 0);
	if (c->cpl < 3)
		return fault_ud(c);
	u32 leaf = (u32)c->gpr[GPR_RAX];
	if (sgx_disabled(c) || !enclu_leaf_valid(c, leaf) || !(c->cr0 & X86_CR0_PG) ||
	    !(c->cr0 & X86_CR0_NE))
		return fault_gp(c, 0);
	return sgx_enclu(c);
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_ENCLS, op_encls},
    {ZYDIS_MNEMONIC_ENCLU, op_enclu},
};

OP_FAMILY_DEFINE(sgx, defs);
