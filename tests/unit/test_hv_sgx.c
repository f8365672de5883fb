// SPDX-License-Identifier: MIT
/*
 * SGX virtualization in L0 (src/hv/sgx.c, exit_cpuid.c, exit_msr.c) against the KVM checklist
 * of ../shared/spec/kvm-sgx.md section 9: the ENCLS-exiting bitmap (items 24-26), the ENCLS
 * handler's gates (30-31), ECREATE's operand and policy checks and its execution by L0 (33-35),
 * EINIT's status convention (36), fault translation (37), the LE-hash MSRs (39) and CPUID leaf
 * 12H (41).  Exits are made by hand (hv_fixture.h); ECREATE really runs on the processor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "hv_fixture.h"

#define FC_ON (MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK)
#define RIP0 0x100000ull

static struct hvf *sgx_vm(enum vx_sgx_mode m, bool lc)
{
	struct hv_config cfg = {.sgx = m, .sgx_lc = lc};
	return hvf_new_cfg(&cfg);
}

/* Items 24-26: all ones without SGX or without SGX_ENABLE; SGX1 leaves native except ECREATE
 * (CPUID differs: no PROVISIONKEY) and EINIT (launch control); SGX2 leaves native with SGX2. */
static void test_encls_bitmap(void **state)
{
	(void)state;
	struct hv_config off = {0}, s1 = {.sgx = VX_SGX1}, s2 = {.sgx = VX_SGX2};
	assert_int_equal(hv_encls_bitmap(&off, FC_ON), ~0ull);
	assert_int_equal(hv_encls_bitmap(&s1, MSR_IA32_FEATURE_CONTROL_LOCK_MASK), ~0ull);
	assert_int_equal(hv_encls_bitmap(&s1, FC_ON), 0xFFFFFFFFFFFFE005ull);
	assert_int_equal(hv_encls_bitmap(&s2, FC_ON), 0xFFFFFFFFFFFF0005ull);
	struct hvf *f = sgx_vm(VX_SGX2, true);
	assert_non_null(f);
	assert_int_equal(hv_vmread(f->v, VMCS_ENCLS_EXITING_BITMAP), 0xFFFFFFFFFFFF0005ull);
	hvf_free(f);
	f = hvf_new();
	assert_int_equal(hv_vmread(f->v, VMCS_ENCLS_EXITING_BITMAP), ~0ull);
	hvf_free(f);
}

static u32 encls_exit(struct hvf *f, u64 leaf)
{
	hv_set_gpr(f->v, VX_RAX, leaf);
	hvf_exit(f, VMX_EXIT_ENCLS, RIP0, 3, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_RESUME);
	return hvf_injected(f);
}

/* Items 30-31: #UD without SGX; #GP(0) for SGX2 leaves without SGX2, leaves >= 16 and paging
 * off; RIP unchanged. */
static void test_encls_gates(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_int_equal(encls_exit(f, ENCLS_ECREATE), HVF_UD);
	assert_int_equal(hvf_rip(f), RIP0);
	hvf_free(f);
	f = sgx_vm(VX_SGX1, false);
	assert_int_equal(encls_exit(f, ENCLS_EAUG), HVF_GP);
	assert_int_equal(encls_exit(f, 16), HVF_GP);
	assert_int_equal(encls_exit(f, 0x100000000ull | ENCLS_EMODT), HVF_GP);
	u64 cr0 = hv_vmread(f->v, VMCS_GUEST_CR0);
	hv_vmwrite(f->v, VMCS_GUEST_CR0, cr0 & ~BIT(31));
	assert_int_equal(encls_exit(f, ENCLS_EINIT), HVF_GP);
	assert_int_equal(hvf_rip(f), RIP0);
	hv_vmwrite(f->v, VMCS_GUEST_CR0, cr0);
	/* Item 32: an enabled leaf L0 does not emulate (the bitmap lets it through, so only a
	 * broken bitmap brings it here): the run stops with a clear message. */
	hv_set_gpr(f->v, VX_RAX, ENCLS_EADD);
	hvf_exit(f, VMX_EXIT_ENCLS, RIP0, 3, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_TO_USER);
	assert_non_null(strstr(f->v->msg, "unexpected ENCLS exit for leaf 1"));
	hvf_free(f);
}

/* Guest memory for ECREATE: PAGEINFO at 0x300000, SECINFO at 0x300040, SECS at 0x301000. */
#define PI_GVA 0x300000ull
#define SI_GVA 0x300040ull
#define SECS_GVA 0x301000ull

static void put_ecreate(struct hvf *f, u64 attributes, u32 misc, u64 size)
{
	struct sgx_pageinfo pi = {0, SECS_GVA, SI_GVA, 0};
	struct sgx_secinfo si = {.flags = (u64)SGX_PT_SECS << SGX_SECINFO_PT_SHIFT};
	static struct sgx_secs s;
	memset(&s, 0, sizeof(s));
	s.size = size;
	s.baseaddr = 0x40000000;
	s.ssaframesize = 1;
	s.miscselect = misc;
	s.attributes = attributes;
	s.xfrm = 3;
	hvf_poke(f, PI_GVA, &pi, sizeof(pi));
	hvf_poke(f, SI_GVA, &si, sizeof(si));
	hvf_poke(f, SECS_GVA, &s, sizeof(s));
}

static u32 ecreate(struct hvf *f, u64 pageinfo, u64 epc)
{
	hv_set_gpr(f->v, VX_RBX, pageinfo);
	hv_set_gpr(f->v, VX_RCX, epc);
	return encls_exit(f, ENCLS_ECREATE);
}

/* Items 33-35 and 37: operand alignment, policy, execution by L0, fault translation. */
static void test_ecreate(void **state)
{
	(void)state;
	struct hvf *f = sgx_vm(VX_SGX2, true);
	assert_non_null(f);
	const u64 epc = VX_EPC_BASE + 0x5000;
	put_ecreate(f, SGX_ATTR_MODE64BIT, 0, 0x10000);
	assert_int_equal(ecreate(f, PI_GVA + 8, epc), HVF_GP); /* PAGEINFO not 32-byte aligned */
	assert_int_equal(ecreate(f, PI_GVA, epc + 8), HVF_GP); /* SECS not 4 KiB aligned */
	put_ecreate(f, SGX_ATTR_MODE64BIT | SGX_ATTR_PROVISIONKEY, 0, 0x10000);
	assert_int_equal(ecreate(f, PI_GVA, epc), HVF_GP); /* item 34: PROVISIONKEY */
	put_ecreate(f, SGX_ATTR_MODE64BIT, 2, 0x10000);
	assert_int_equal(ecreate(f, PI_GVA, epc), HVF_GP); /* MISCSELECT bit 1: not offered */
	put_ecreate(f, SGX_ATTR_MODE64BIT, 0, 1ull << 60);
	assert_int_equal(ecreate(f, PI_GVA, epc), HVF_GP); /* SIZE >= 2^EDX[15:8] */
	assert_int_equal(hvf_rip(f), RIP0);
	assert_int_equal(hvf_count(f, TRACE_encls), 5);
	/* A good SECS: L0 runs ECREATE in root and skips the 3-byte instruction. */
	put_ecreate(f, SGX_ATTR_MODE64BIT, 0, 0x10000);
	assert_int_equal(ecreate(f, PI_GVA, epc), 0);
	assert_int_equal(hvf_rip(f), RIP0 + 3);
	/* Again on the same page: the processor's #PF (EPCM valid) becomes the guest's #PF
	 * 0x8003 at the SECS address (host and guest SGX2, item 37). */
	assert_int_equal(ecreate(f, PI_GVA, epc), HVF_PF);
	assert_int_equal(f->v->inject.error, 0x8003);
	/* An address outside the guest's EPC: #PF 0x8003 without running ECREATE. */
	assert_int_equal(ecreate(f, PI_GVA, 0x200000), HVF_PF);
	/* Item 38: a PAGEINFO the guest's paging does not map: the walker's #PF at that GVA. */
	assert_int_equal(ecreate(f, 0x7fff00000000ull, epc + 0x1000), HVF_PF);
	assert_int_equal(hv_vmread(f->v, VMCS_GUEST_RIP), RIP0);
	hvf_free(f);
}

/* Item 36: EINIT's status in RAX and ZF, arithmetic flags cleared, RIP advanced. */
static void test_einit_status(void **state)
{
	(void)state;
	struct hvf *f = sgx_vm(VX_SGX2, true);
	const u64 epc = VX_EPC_BASE + 0x5000;
	put_ecreate(f, SGX_ATTR_MODE64BIT, 0, 0x10000);
	assert_int_equal(ecreate(f, PI_GVA, epc), 0);
	static const u8 junk[1808] = {1}; /* bad header: SGX_INVALID_SIG_STRUCT */
	hvf_poke(f, 0x304000, junk, sizeof(junk));
	hv_vmwrite(f->v, VMCS_GUEST_RFLAGS, 0x2 | BIT(0) | BIT(11));
	hv_set_gpr(f->v, VX_RBX, 0x304000);
	hv_set_gpr(f->v, VX_RCX, epc);
	hv_set_gpr(f->v, VX_RDX, 0x306000);
	assert_int_equal(encls_exit(f, ENCLS_EINIT), 0);
	assert_int_equal(hv_gpr(f->v, VX_RAX), SGX_INVALID_SIG_STRUCT);
	assert_int_equal(hv_vmread(f->v, VMCS_GUEST_RFLAGS), 0x2 | BIT(6));
	assert_int_equal(hvf_rip(f), RIP0 + 3);
	hv_set_gpr(f->v, VX_RDX, 0x306100); /* token not 512-byte aligned */
	assert_int_equal(encls_exit(f, ENCLS_EINIT), HVF_GP);
	hvf_free(f);
}

static u32 msr_exit(struct hvf *f, bool write, u32 msr, u64 val)
{
	hv_set_gpr(f->v, VX_RCX, msr);
	hv_set_gpr(f->v, VX_RAX, val & 0xffffffff);
	hv_set_gpr(f->v, VX_RDX, val >> 32);
	hvf_exit(f, write ? VMX_EXIT_MSR_WRITE : VMX_EXIT_MSR_READ, RIP0, 2, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_RESUME);
	return hvf_injected(f);
}

/* Item 39: IA32_SGXLEPUBKEYHASHn only with SGX_LC; writable with FEATURE_CONTROL.SGX_LC;
 * the reset value is Intel's hash; a write reaches the processor. */
static void test_lehash_msrs(void **state)
{
	(void)state;
	struct hvf *f = sgx_vm(VX_SGX1, false);
	assert_int_equal(msr_exit(f, false, MSR_IA32_SGXLEPUBKEYHASH0, 0), HVF_GP);
	assert_int_equal(msr_exit(f, true, MSR_IA32_SGXLEPUBKEYHASH0, 1), HVF_GP);
	hvf_free(f);
	f = sgx_vm(VX_SGX2, true);
	assert_int_equal(msr_exit(f, false, MSR_IA32_SGXLEPUBKEYHASH0, 0), 0);
	assert_int_equal(hv_gpr(f->v, VX_RAX) | hv_gpr(f->v, VX_RDX) << 32, 0xa6053e051270b7acull);
	assert_int_equal(msr_exit(f, true, MSR_IA32_SGXLEPUBKEYHASH3, 0x1122334455667788ull), 0);
	assert_int_equal(hvf_rip(f), RIP0 + 2);
	u64 hw = 0;
	assert_true(vx_cpu_get_msr(f->v->cpu, MSR_IA32_SGXLEPUBKEYHASH3, &hw));
	assert_int_equal(hw, 0x1122334455667788ull);
	assert_int_equal(msr_exit(f, false, MSR_IA32_SGXLEPUBKEYHASH3, 0), 0);
	assert_int_equal(hv_gpr(f->v, VX_RAX), 0x55667788);
	hvf_free(f);
}

/* 4.12: ENCLS exiting is offered to L1 (IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 15) only
 * when the VM has SGX. */
static void test_nested_encls_cap(void **state)
{
	(void)state;
	for (int sgx = 0; sgx < 2; sgx++) {
		struct hvf *f = sgx ? sgx_vm(VX_SGX1, false) : hvf_new();
		assert_int_equal(msr_exit(f, false, MSR_IA32_VMX_PROCBASED_CTLS2, 0), 0);
		assert_int_equal((hv_gpr(f->v, VX_RDX) >> 15) & 1, sgx);
		hvf_free(f);
	}
}

/* Item 41 and the EPC section: leaf 12H as the VM sees it. */
static void test_cpuid_12(void **state)
{
	(void)state;
	struct hvf *f = sgx_vm(VX_SGX1, false);
	u32 r[4];
	hv_cpuid_guest(f->v, 0x12, 0, r);
	assert_int_equal(r[0] & ~(u32)(BIT(0) | BIT(11)), 0); /* SGX1 only */
	assert_int_equal(r[1] & ~1u, 0);                      /* MISCSELECT: EXINFO */
	hv_cpuid_guest(f->v, 0x12, 1, r);
	assert_int_equal(r[0] & ~(u32)(BIT(1) | BIT(2) | BIT(4) | BIT(5) | BIT(7) | BIT(10)), 0);
	assert_int_equal(r[0] & BIT(4), 0); /* no PROVISIONKEY */
	assert_int_equal(r[1], 0);
	hv_cpuid_guest(f->v, 0x12, 2, r);
	assert_int_equal(r[0], 1u | (u32)VX_EPC_BASE);
	assert_int_equal(r[2], 1u | (u32)VX_EPC_DEFAULT);
	hv_cpuid_guest(f->v, 0x12, 3, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	hv_cpuid_guest(f->v, 7, 0, r);
	assert_int_equal(r[1] & BIT(2), BIT(2));
	assert_int_equal(r[2] & BIT(30), 0); /* no SGX_LC without --sgx-lc on */
	hvf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encls_bitmap),     cmocka_unit_test(test_encls_gates),
	    cmocka_unit_test(test_ecreate),          cmocka_unit_test(test_einit_status),
	    cmocka_unit_test(test_lehash_msrs),      cmocka_unit_test(test_cpuid_12),
	    cmocka_unit_test(test_nested_encls_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
