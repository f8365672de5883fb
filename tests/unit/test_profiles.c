// SPDX-License-Identifier: MIT
/*
 * CPU profiles as data: every built-in profile's VMX capability MSRs obey SDM Vol. 3D
 * Appendix A, its CPUID leaf 12H agrees with CPUID.(07H,0):EBX[2], its derived booleans
 * agree with its CPUID table, every integer feature it advertises has a handler, and it
 * advertises nothing the model does not execute.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <Zydis/Mnemonic.h>

#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/vmx.h"
#include "cpu/decode.h"
#include "cpu/profile.h"
#include "lib/archinfo.h"

#define FOR_EACH_PROFILE(p) for (unsigned _n = 0; ((p) = cpu_profile_at(_n)) != NULL; _n++)

static void test_registry(void **state)
{
	(void)state;
	const struct cpu_profile *s = cpu_profile_find("icx-server");
	const struct cpu_profile *n = cpu_profile_find("icx-nosgx");
	assert_non_null(s);
	assert_non_null(n);
	assert_ptr_equal(cpu_profile_default(), s);
	assert_null(cpu_profile_find("icx"));
	assert_null(cpu_profile_find(NULL));
	assert_ptr_equal(cpu_profile_at(0), s);
	assert_ptr_equal(cpu_profile_at(1), n);
	assert_null(cpu_profile_at(2));
	assert_true(s->has_sgx1 && s->has_sgx2 && s->has_sgx_lc && s->has_vmx);
	assert_false(n->has_sgx1 || n->has_sgx2 || n->has_sgx_lc);
	assert_true(n->has_vmx);
}

/* The booleans of the static data equal what cpu_profile_derive computes from CPUID. */
static void test_derived_booleans(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	FOR_EACH_PROFILE(p)
	{
		/* has_vmx .. has_lm are consecutive bools (the last members of the struct). */
		size_t nb = offsetof(struct cpu_profile, has_lm) -
			    offsetof(struct cpu_profile, has_vmx) + 1;
		for (int init = 0; init < 2; init++) {
			struct cpu_profile q = *p;
			bool *b = &q.has_vmx;
			for (size_t k = 0; k < nb; k++)
				b[k] = init; /* a boolean derive forgot would keep this */
			cpu_profile_derive(&q);
			for (size_t k = 0; k < nb; k++)
				if ((&p->has_vmx)[k] != b[k])
					fail_msg("%s: derived boolean #%zu differs", p->name, k);
		}
	}
}

/* The table is well formed: unique keys, zero tail, max leaves cover every row, sub-leaf
 * rows only for the leaves that take an ECX input. */
static void test_table_shape(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	FOR_EACH_PROFILE(p)
	{
		u32 r[4];
		cpuid_lookup(p, 0, 0, r);
		u32 max_basic = r[0];
		cpuid_lookup(p, 0x80000000u, 0, r);
		u32 max_ext = r[0];
		assert_true(p->nleaves <= CPU_PROFILE_MAX_LEAVES);
		for (unsigned k = 0; k < CPU_PROFILE_MAX_LEAVES; k++) {
			const struct cpuid_leaf *l = &p->leaves[k];
			if (k >= p->nleaves) {
				assert_true(l->leaf == 0 && !l->indexed && !l->r[0] && !l->r[1]);
				continue;
			}
			assert_true(l->leaf <= max_basic ||
				    (l->leaf >= 0x80000000u && l->leaf <= max_ext));
			assert_int_equal(l->indexed,
					 l->leaf == 7 || l->leaf == 0xd || l->leaf == 0x12);
			for (unsigned j = 0; j < k; j++)
				assert_false(p->leaves[j].leaf == l->leaf &&
					     p->leaves[j].subleaf == l->subleaf);
		}
		assert_int_equal(cpuid_field_get(p, CPUID_F_PHYS_ADDR_BITS), p->maxphyaddr);
		assert_int_equal(cpuid_field_get(p, CPUID_F_LIN_ADDR_BITS), p->linaddr);
		cpuid_lookup(p, 0xd, 0, r);
		assert_int_equal(((u64)r[3] << 32) | r[0], p->xcr0_supported);
	}
}

/* ---- Appendix A ---- */

struct ctl_pair {
	const char *name;
	u64 ctl, true_ctl;
	u32 default1;
	unsigned group;
};

/*
 * A.3.1/A.3.2/A.4/A.5: allowed-0 settings in bits 31:0 (1 = must be 1), allowed-1 settings in
 * 63:32 (0 = must be 0), so must-be-1 is a subset of may-be-1; the non-TRUE MSR reports every
 * default1 control as must-be-1 (A.2); the TRUE MSR has the same allowed-1 half and may only
 * relax default1 bits; reserved bits that are not default1 are never allowed to be 1.
 * Returns NULL when the pair is consistent, else the rule it breaks.
 */
static const char *ctl_pair_error(const struct ctl_pair *c)
{
	u32 lo = (u32)c->ctl, hi = (u32)(c->ctl >> 32);
	u32 tlo = (u32)c->true_ctl, thi = (u32)(c->true_ctl >> 32);
	u64 defined = vx_ctl_defined_mask(c->group) | c->default1;
	if ((lo & ~hi) || (tlo & ~thi))
		return "a must-be-1 bit is not allowed to be 1";
	if ((lo & c->default1) != c->default1)
		return "default1 bits not reported as must-be-1";
	if (thi != hi)
		return "TRUE allowed-1 differs";
	if ((tlo & ~lo) || ((lo & ~tlo) & ~c->default1))
		return "TRUE allowed-0 relaxes a non-default1 bit or adds one";
	if (hi & ~defined)
		return "allowed-1 has reserved bits";
	return NULL;
}

static bool allowed1(u64 msr, unsigned bit)
{
	return msr & BIT(32 + bit);
}

static void check_basic_misc(const struct cpu_profile *p)
{
	const struct vmx_caps *v = &p->vmx;
	/* A.1: revision in bits 30:0, bit 31 = 0; region size 4096; WB; 64-bit addresses;
	 * INS/OUTS information; TRUE_* MSRs. */
	assert_true((v->basic & GENMASK(30, 0)) != 0 && !(v->basic & BIT(31)));
	assert_int_equal(bits_get(v->basic, 44, 32), 4096);
	assert_int_equal(bits_get(v->basic, 53, 50), 6);
	assert_false(v->basic & BIT(48));
	assert_true((v->basic & BIT(54)) && (v->basic & BIT(55)));
	assert_int_equal(v->basic & (GENMASK(47, 45) | GENMASK(63, 57) | BIT(31)), 0);
	/* A.6: activity states HLT, shutdown, wait-for-SIPI; 4 CR3 targets; VMWRITE to any
	 * field; injection with length 0; LMA stored on exit. */
	assert_int_equal(bits_get(v->misc, 8, 6), 7);
	assert_int_equal(bits_get(v->misc, 24, 16), 4);
	assert_true((v->misc & BIT(29)) && (v->misc & BIT(30)) && (v->misc & BIT(5)));
	assert_int_equal(v->misc & (GENMASK(13, 9) | BIT(31)), 0);
	/* A.9: highest index in bits 9:1. */
	assert_int_equal(v->vmcs_enum & ~GENMASK(9, 1), 0);
	assert_int_equal(v->vmcs_enum, 0x2e);
}

/* A.7/A.8: a bit fixed to 1 is allowed to be 1; CR0 PE, NE, PG and CR4.VMXE are fixed to 1;
 * CR4_FIXED1 is what MOV to CR4 accepts. */
static void check_fixed(const struct cpu_profile *p)
{
	const struct vmx_caps *v = &p->vmx;
	assert_int_equal(v->cr0_fixed0 & ~v->cr0_fixed1, 0);
	assert_int_equal(v->cr4_fixed0 & ~v->cr4_fixed1, 0);
	assert_int_equal(v->cr0_fixed0, X86_CR0_PE | X86_CR0_NE | X86_CR0_PG);
	assert_int_equal(v->cr4_fixed0, X86_CR4_VMXE);
	assert_int_equal(v->cr4_fixed1, cpu_profile_cr4_valid(p));
	assert_int_equal(v->cr0_fixed1 >> 32, 0);
}

/* A.3.3, A.10, A.11: secondary controls exist (primary bit 63); no secondary default1;
 * unrestricted guest needs EPT (26.2.1.1); EPT allowed => 4-level walks, WB, INVEPT;
 * VPID allowed => INVVPID with a type; ENCLS exiting exists with SGX only; no VM functions
 * and no tertiary controls. */
static void check_secondary(const struct cpu_profile *p)
{
	const struct vmx_caps *v = &p->vmx;
	u64 ept = v->ept_vpid_cap;
	assert_true(allowed1(v->procbased, PROC_ACTIVATE_SECONDARY_CONTROLS_BITNO));
	assert_int_equal((u32)v->procbased2, 0);
	assert_int_equal((v->procbased2 >> 32) & ~vx_ctl_defined_mask(VMX_CTL_PROC2), 0);
	if (allowed1(v->procbased2, PROC2_UNRESTRICTED_GUEST_BITNO))
		assert_true(allowed1(v->procbased2, PROC2_ENABLE_EPT_BITNO));
	if (allowed1(v->procbased2, PROC2_ENABLE_EPT_BITNO))
		assert_true((ept & BIT(6)) && (ept & BIT(14)) && (ept & BIT(20)) &&
			    (ept & (BIT(25) | BIT(26))));
	if (allowed1(v->procbased2, PROC2_ENABLE_VPID_BITNO))
		assert_true((ept & BIT(32)) && (ept & GENMASK(43, 40)));
	assert_int_equal(allowed1(v->procbased2, PROC2_ENCLS_EXITING_BITNO), p->has_sgx1);
	assert_false(allowed1(v->procbased2, PROC2_ENABLE_VMFUNC_BITNO));
	assert_false(allowed1(v->procbased, PROC_ACTIVATE_TERTIARY_CONTROLS_BITNO));
	assert_int_equal(v->vmfunc, 0);
	/* The controls the profile promises (the list). */
	static const unsigned must[] = {
	    PROC2_ENABLE_EPT_BITNO,     PROC2_UNRESTRICTED_GUEST_BITNO, PROC2_ENABLE_VPID_BITNO,
	    PROC2_VMCS_SHADOWING_BITNO, PROC2_PAUSE_LOOP_EXITING_BITNO, PROC2_RDRAND_EXITING_BITNO,
	    PROC2_RDSEED_EXITING_BITNO, PROC2_ENABLE_RDTSCP_BITNO};
	for (size_t k = 0; k < ARRAY_SIZE(must); k++)
		assert_true(allowed1(v->procbased2, must[k]));
	assert_true(allowed1(v->pinbased, PIN_PREEMPTION_TIMER_BITNO));
}

static void test_vmx_appendix_a(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	FOR_EACH_PROFILE(p)
	{
		if (!p->has_vmx)
			continue;
		const struct vmx_caps *v = &p->vmx;
		const struct ctl_pair pairs[] = {
		    {"pin-based", v->pinbased, v->true_pinbased, VMX_PIN_DEFAULT1, VMX_CTL_PIN},
		    {"primary", v->procbased, v->true_procbased, VMX_PROC_DEFAULT1, VMX_CTL_PROC},
		    {"exit", v->exit, v->true_exit, VMX_EXIT_DEFAULT1, VMX_CTL_EXIT},
		    {"entry", v->entry, v->true_entry, VMX_ENTRY_DEFAULT1, VMX_CTL_ENTRY},
		};
		for (size_t k = 0; k < ARRAY_SIZE(pairs); k++) {
			const char *e = ctl_pair_error(&pairs[k]);
			if (e)
				fail_msg("%s %s: %s", p->name, pairs[k].name, e);
		}
		check_basic_misc(p);
		check_fixed(p);
		check_secondary(p);
	}
}

/* The Appendix A checker rejects each kind of inconsistency (so the test above can fail). */
static void test_appendix_a_checker_catches(void **state)
{
	(void)state;
	const struct vmx_caps *v = &cpu_profile_default()->vmx;
	const struct ctl_pair good = {"pin", v->pinbased, v->true_pinbased, VMX_PIN_DEFAULT1,
				      VMX_CTL_PIN};
	struct ctl_pair bad;
	assert_null(ctl_pair_error(&good));
	bad = good;
	bad.ctl &= ~BIT(32 + 1); /* default1 bit 1 must be 1 but is not allowed to be 1 */
	assert_non_null(ctl_pair_error(&bad));
	bad = good;
	bad.ctl &= ~(u64)BIT(2); /* default1 bit reported as may-be-0 in the non-TRUE MSR */
	bad.true_ctl &= ~(u64)BIT(2);
	assert_non_null(ctl_pair_error(&bad));
	bad = good;
	bad.true_ctl &= ~BIT(32 + 3); /* TRUE allowed-1 half differs */
	assert_non_null(ctl_pair_error(&bad));
	bad = good;
	bad.ctl |= BIT(0);
	bad.true_ctl &= ~(u64)BIT(0); /* TRUE relaxes a bit that is not default1 */
	assert_non_null(ctl_pair_error(&bad));
	bad = good;
	bad.ctl |= BIT(32 + 9);
	bad.true_ctl |= BIT(32 + 9); /* pin-based bit 9 is reserved and not default1 */
	assert_non_null(ctl_pair_error(&bad));
}

/* ---- SGX enumeration ---- */

static void check_leaf12_absent(const struct cpu_profile *p)
{
	u32 r[4];
	for (u32 sub = 0; sub < 4; sub++) {
		cpuid_lookup(p, 0x12, sub, r);
		assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
	}
	assert_int_equal(cpuid_field_get(p, CPUID_F_SGX_LC), 0);
}

/* Table 37-4/37-5/37-6 and 38.7: SGX1 set; MISCSELECT and ATTRIBUTES only name defined bits;
 * INIT is never settable; XFRM settable bits are supported XCR0 bits and include x87|SSE;
 * the EPC list ends with a type-0 sub-leaf. */
static void check_leaf12_present(const struct cpu_profile *p)
{
	u32 r[4];
	u32 misc_defined = BIT(SGX_MISC_EXINFO_BIT) | BIT(SGX_MISC_CPINFO_BIT);
	cpuid_lookup(p, 0x12, 0, r);
	assert_true(r[0] & CPUID_BIT(SGX1));
	assert_int_equal(r[0] & ~(CPUID_BIT(SGX1) | CPUID_BIT(SGX2)), 0);
	assert_int_equal(r[1] & ~misc_defined, 0);
	assert_int_equal(r[2], 0);
	assert_true((r[3] & 0xff) <= 32 && ((r[3] >> 8) & 0xff) <= 64);
	assert_int_equal(r[3] >> 16, 0);
	cpuid_lookup(p, 0x12, 1, r);
	assert_false(r[0] & BIT(SGX_ATTR_INIT_BIT));
	assert_true(r[0] & BIT(SGX_ATTR_MODE64BIT_BIT));
	u64 xfrm = ((u64)r[3] << 32) | r[2];
	assert_int_equal(xfrm & ~p->xcr0_supported, 0);
	assert_int_equal(xfrm & 3, 3);
	cpuid_lookup(p, 0x12, 2, r);
	assert_true((r[0] & 0xf) <= 1);
	cpuid_lookup(p, 0x12, 3, r);
	assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
}

static void test_leaf12_consistent(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	FOR_EACH_PROFILE(p)
	{
		bool sgx = cpuid_field_get(p, CPUID_F_SGX);
		assert_int_equal(sgx, p->has_sgx1);
		if (sgx)
			check_leaf12_present(p);
		else
			check_leaf12_absent(p);
		if (p->has_sgx2)
			assert_true(p->has_sgx1);
		if (p->has_sgx_lc)
			assert_true(p->has_sgx1);
	}
}

/* cpu_profile_set_epc: Table 37-6 encoding, validation, and a copy leaves the original. */
static void test_set_epc(void **state)
{
	(void)state;
	struct cpu_profile q = *cpu_profile_find("icx-server");
	u64 base, size;
	u32 r[4];
	assert_false(cpu_profile_epc(&q, &base, &size)); /* none until the machine sets one */
	assert_true(cpu_profile_set_epc(&q, 0x123456789000ull, 0x80000000ull));
	cpuid_lookup(&q, 0x12, 2, r);
	assert_int_equal(r[0], 0x56789001u);
	assert_int_equal(r[1], 0x1234u);
	assert_int_equal(r[2], 0x80000001u);
	assert_int_equal(r[3], 0);
	assert_true(cpu_profile_epc(&q, &base, &size));
	assert_true(base == 0x123456789000ull && size == 0x80000000ull);
	cpuid_lookup(&q, 0x12, 3, r);
	assert_int_equal(r[0], 0);
	assert_false(cpu_profile_set_epc(&q, 0x1000, 0x800));      /* size not 4K */
	assert_false(cpu_profile_set_epc(&q, 0x1800, 0x1000));     /* base not 4K */
	assert_false(cpu_profile_set_epc(&q, 1ull << 46, 0x1000)); /* beyond MAXPHYADDR */
	assert_false(cpu_profile_set_epc(&q, (1ull << 46) - 0x1000, 0x2000));
	assert_false(cpu_profile_set_epc(&q, 0x1000, 0));
	assert_true(cpu_profile_epc(&q, &base, &size) && base == 0x123456789000ull);
	struct cpu_profile n = *cpu_profile_find("icx-nosgx");
	assert_false(cpu_profile_set_epc(&n, 0x1000000, 0x1000000));
	assert_false(cpu_profile_epc(cpu_profile_find("icx-server"), &base, &size));
}

static void assert_same_enumeration(const struct cpu_profile *a, const struct cpu_profile *b)
{
	u32 ra[4], rb[4];
	for (unsigned k = 0; k < a->nleaves; k++) {
		cpuid_lookup(a, a->leaves[k].leaf, a->leaves[k].subleaf, ra);
		cpuid_lookup(b, a->leaves[k].leaf, a->leaves[k].subleaf, rb);
		if (memcmp(ra, rb, sizeof(ra)))
			fail_msg("leaf %#x.%u differs", a->leaves[k].leaf, a->leaves[k].subleaf);
	}
	assert_int_equal(a->nleaves, b->nleaves);
	assert_memory_equal(&a->vmx, &b->vmx, sizeof(a->vmx));
}

/* --sgx off on icx-server gives exactly icx-nosgx; sgx1 clears SGX2; --sgx-lc off clears
 * CPUID.(07H,0):ECX[30]; asking for more than the profile has fails and changes nothing. */
static void test_restrict_sgx(void **state)
{
	(void)state;
	const struct cpu_profile *server = cpu_profile_find("icx-server");
	struct cpu_profile q = *server;
	assert_true(cpu_profile_restrict_sgx(&q, CPU_SGX_OFF, false));
	assert_same_enumeration(&q, cpu_profile_find("icx-nosgx"));
	assert_false(q.has_sgx1);
	q = *server;
	assert_true(cpu_profile_restrict_sgx(&q, CPU_SGX1, false));
	assert_true(q.has_sgx1 && !q.has_sgx2 && !q.has_sgx_lc);
	assert_int_equal(cpuid_field_get(&q, CPUID_F_SGX2), 0);
	assert_int_equal(cpuid_field_get(&q, CPUID_F_SGX_LC), 0);
	q = *server;
	assert_true(cpu_profile_restrict_sgx(&q, CPU_SGX2, true));
	assert_same_enumeration(&q, server);
	q = *server;
	assert_false(cpu_profile_restrict_sgx(&q, CPU_SGX_OFF, true));
	assert_same_enumeration(&q, server);
	struct cpu_profile n = *cpu_profile_find("icx-nosgx");
	assert_false(cpu_profile_restrict_sgx(&n, CPU_SGX1, false));
	assert_true(cpu_profile_restrict_sgx(&n, CPU_SGX_OFF, false));
}

/* ---- what is advertised is executed, and nothing else ---- */

struct feature_insns {
	enum cpuid_field f;
	u16 mnemonics[7];
};

/* Each integer feature bit and the instructions it enumerates (CPUID Table 3-8 and the
 * instruction pages' "CPUID Feature Flag" column). */
static const struct feature_insns executed[] = {
    {CPUID_F_TSC, {ZYDIS_MNEMONIC_RDTSC}},
    {CPUID_F_MSR, {ZYDIS_MNEMONIC_RDMSR, ZYDIS_MNEMONIC_WRMSR}},
    {CPUID_F_CX8, {ZYDIS_MNEMONIC_CMPXCHG8B}},
    {CPUID_F_CMOV, {ZYDIS_MNEMONIC_CMOVB, ZYDIS_MNEMONIC_CMOVNLE}},
    {CPUID_F_CLFSH, {ZYDIS_MNEMONIC_CLFLUSH}},
    {CPUID_F_CMPXCHG16B, {ZYDIS_MNEMONIC_CMPXCHG16B}},
    {CPUID_F_POPCNT, {ZYDIS_MNEMONIC_POPCNT}},
    {CPUID_F_RDRAND, {ZYDIS_MNEMONIC_RDRAND}},
    {CPUID_F_XSAVE, {ZYDIS_MNEMONIC_XGETBV, ZYDIS_MNEMONIC_XSETBV}},
    {CPUID_F_FSGSBASE,
     {ZYDIS_MNEMONIC_RDFSBASE, ZYDIS_MNEMONIC_RDGSBASE, ZYDIS_MNEMONIC_WRFSBASE,
      ZYDIS_MNEMONIC_WRGSBASE}},
    {CPUID_F_BMI1,
     {ZYDIS_MNEMONIC_ANDN, ZYDIS_MNEMONIC_BEXTR, ZYDIS_MNEMONIC_BLSI, ZYDIS_MNEMONIC_BLSMSK,
      ZYDIS_MNEMONIC_BLSR, ZYDIS_MNEMONIC_TZCNT}},
    {CPUID_F_RDSEED, {ZYDIS_MNEMONIC_RDSEED}},
    {CPUID_F_SMAP, {ZYDIS_MNEMONIC_CLAC, ZYDIS_MNEMONIC_STAC}},
    {CPUID_F_CLFLUSHOPT, {ZYDIS_MNEMONIC_CLFLUSHOPT}},
    {CPUID_F_RDPID, {ZYDIS_MNEMONIC_RDPID}},
    {CPUID_F_LAHF_LM, {ZYDIS_MNEMONIC_LAHF, ZYDIS_MNEMONIC_SAHF}},
    {CPUID_F_LZCNT, {ZYDIS_MNEMONIC_LZCNT}},
    {CPUID_F_PREFETCHW, {ZYDIS_MNEMONIC_PREFETCHW}},
    {CPUID_F_SYSCALL, {ZYDIS_MNEMONIC_SYSCALL, ZYDIS_MNEMONIC_SYSRET}},
    {CPUID_F_RDTSCP, {ZYDIS_MNEMONIC_RDTSCP}},
    {CPUID_F_MONITOR, {ZYDIS_MNEMONIC_MONITOR, ZYDIS_MNEMONIC_MWAIT}},
    {CPUID_F_INVPCID, {ZYDIS_MNEMONIC_INVPCID}},
};

static void test_advertised_have_handlers(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	FOR_EACH_PROFILE(p)
	{
		for (size_t k = 0; k < ARRAY_SIZE(executed); k++) {
			if (!cpuid_field_get(p, executed[k].f))
				fail_msg("%s: %s not advertised", p->name,
					 cpuid_fields[executed[k].f].name);
			for (size_t m = 0; m < 7 && executed[k].mnemonics[m]; m++)
				if (!decode_has_handler(executed[k].mnemonics[m]))
					fail_msg("%s advertised but %s has no handler",
						 cpuid_fields[executed[k].f].name,
						 ZydisMnemonicGetString(executed[k].mnemonics[m]));
		}
	}
}

/* Features whose instructions the model does not execute are not advertised, and indeed
 * have no handler (x87, MMX, SSE..SSE4.2, AVX, AES, PCLMULQDQ, SHA, MOVBE, BMI2, ADX, ...). */
static const struct feature_insns not_executed[] = {
    {CPUID_F_FPU, {ZYDIS_MNEMONIC_FLD, ZYDIS_MNEMONIC_FADD}},
    {CPUID_F_MMX, {ZYDIS_MNEMONIC_PADDB, ZYDIS_MNEMONIC_EMMS}},
    {CPUID_F_FXSR, {ZYDIS_MNEMONIC_FXSAVE, ZYDIS_MNEMONIC_FXRSTOR}},
    {CPUID_F_SSE, {ZYDIS_MNEMONIC_ADDPS, ZYDIS_MNEMONIC_MOVAPS}},
    {CPUID_F_SSE2, {ZYDIS_MNEMONIC_ADDPD, ZYDIS_MNEMONIC_MOVDQA}},
    {CPUID_F_SSE3, {ZYDIS_MNEMONIC_ADDSUBPS}},
    {CPUID_F_SSSE3, {ZYDIS_MNEMONIC_PSHUFB}},
    {CPUID_F_SSE4_1, {ZYDIS_MNEMONIC_PTEST}},
    {CPUID_F_SSE4_2, {ZYDIS_MNEMONIC_CRC32}},
    {CPUID_F_AVX, {ZYDIS_MNEMONIC_VADDPS}},
    {CPUID_F_AVX2, {ZYDIS_MNEMONIC_VPADDB}},
    {CPUID_F_FMA, {ZYDIS_MNEMONIC_VFMADD132PS}},
    {CPUID_F_F16C, {ZYDIS_MNEMONIC_VCVTPH2PS}},
    {CPUID_F_AESNI, {ZYDIS_MNEMONIC_AESENC}},
    {CPUID_F_PCLMULQDQ, {ZYDIS_MNEMONIC_PCLMULQDQ}},
    {CPUID_F_SHA, {ZYDIS_MNEMONIC_SHA256RNDS2}},
    {CPUID_F_MOVBE, {ZYDIS_MNEMONIC_MOVBE}},
    {CPUID_F_BMI2, {ZYDIS_MNEMONIC_PDEP, ZYDIS_MNEMONIC_SHLX}},
    {CPUID_F_ADX, {ZYDIS_MNEMONIC_ADCX}},
    {CPUID_F_PCID, {0}},
    {CPUID_F_LA57, {0}},
    {CPUID_F_PKU, {0}},
    {CPUID_F_RTM, {ZYDIS_MNEMONIC_XBEGIN}},
    {CPUID_F_HLE, {0}},
    {CPUID_F_MPX, {ZYDIS_MNEMONIC_BNDMK}},
    {CPUID_F_SMX, {0}},
    {CPUID_F_VME, {0}},
    {CPUID_F_MCE, {0}},
    {CPUID_F_MCA, {0}},
    {CPUID_F_MTRR, {0}},
    {CPUID_F_APIC, {0}},
    {CPUID_F_X2APIC, {0}},
    {CPUID_F_SEP, {ZYDIS_MNEMONIC_SYSENTER}},
    {CPUID_F_HYPERVISOR, {0}},
};

static void test_nothing_else_advertised(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	FOR_EACH_PROFILE(p)
	{
		for (size_t k = 0; k < ARRAY_SIZE(not_executed); k++) {
			if (cpuid_field_get(p, not_executed[k].f))
				fail_msg("%s advertises %s", p->name,
					 cpuid_fields[not_executed[k].f].name);
			for (size_t m = 0; m < 7 && not_executed[k].mnemonics[m]; m++)
				assert_false(decode_has_handler(not_executed[k].mnemonics[m]));
		}
		assert_int_equal(p->xcr0_supported, 3); /* x87 | SSE state only */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_derived_booleans),
	    cmocka_unit_test(test_table_shape),
	    cmocka_unit_test(test_vmx_appendix_a),
	    cmocka_unit_test(test_appendix_a_checker_catches),
	    cmocka_unit_test(test_leaf12_consistent),
	    cmocka_unit_test(test_set_epc),
	    cmocka_unit_test(test_restrict_sgx),
	    cmocka_unit_test(test_advertised_have_handlers),
	    cmocka_unit_test(test_nothing_else_advertised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
