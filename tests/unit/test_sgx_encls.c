// SPDX-License-Identifier: MIT
/*
 * ENCLS on the processor (SDM Vol. 3D ENCLS page and 41.4 leaf pages): the instruction-level
 * checks (#UD, #GP for IA32_FEATURE_CONTROL, unknown leaves, paging off) and, per leaf, the
 * order of its checks: alignment (#GP(0)) before EPC residence (#PF with PFEC.SGX,
 * docs/decisions.md D52) before EPCM state, then the leaf's own #GP checks and its status
 * codes.  Memory: identity paging of the fixture's 8 MiB plus an EPC section at 16 MiB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "arch/vmx.h"
#include "cpu/profile.h"
#include "cpu_fixture.h"
#include "sgx/epc.h"

#define EPC_PA 0x1000000ull
#define PI 0x300000ull  /* PAGEINFO */
#define SI 0x300040ull  /* SECINFO */
#define SRC 0x301000ull /* source page (SECS contents, EADD data) */
#define SIG 0x302000ull /* SIGSTRUCT */
#define TOK 0x304000ull /* EINITTOKEN */
#define BASE 0x40000000ull

static struct fx *sgx_fx(void)
{
	struct fx *f = fx_new(true);
	static const u8 key[16];
	f->phys.epc = epc_create(EPC_PA, 0x20000, key);
	phys_write(&f->phys, FX_PD + 8 * 8, 8, EPC_PA | 0x87);
	f->cpu.msr.feature_control =
	    MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	return f;
}

/* ENCLS with RAX/RBX/RCX/RDX; the step result, the fault in f->cpu.event. */
static enum cpu_step encls(struct fx *f, u64 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	static const u8 code[] = {0x0f, 0x01, 0xcf};
	fx_code(f, code, sizeof(code));
	f->cpu.gpr[0] = leaf;
	f->cpu.gpr[3] = rbx;
	f->cpu.gpr[1] = rcx;
	f->cpu.gpr[2] = rdx;
	return fx_steps(f, 1);
}

static void assert_fault(struct fx *f, enum cpu_step r, unsigned vec, u32 ec)
{
	assert_int_equal(r, STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, vec);
	assert_int_equal(f->cpu.event.error_code, ec);
}

static void put_secs(struct fx *f, u64 size, u64 attributes)
{
	struct sgx_secs s = {
	    .size = size, .baseaddr = BASE, .ssaframesize = 1, .attributes = attributes, .xfrm = 3};
	phys_copy_in(&f->phys, SRC, &s, sizeof(s));
	struct sgx_pageinfo pi = {0, SRC, SI, 0};
	phys_copy_in(&f->phys, PI, &pi, sizeof(pi));
	phys_write(&f->phys, SI, 8, (u64)SGX_PT_SECS << 8);
}

/* The instruction's own checks: #UD at CPL 3, #GP for FEATURE_CONTROL, leaves, paging. */
static void test_instruction_checks(void **state)
{
	(void)state;
	struct fx *f = sgx_fx();
	cpu_set_flat64(&f->cpu, 3);
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), X86_VEC_UD, 0);
	cpu_set_flat64(&f->cpu, 0);
	assert_fault(f, encls(f, 0x10, PI, EPC_PA, 0), X86_VEC_GP, 0);       /* unknown leaf */
	assert_fault(f, encls(f, ENCLS_ELDB, PI, EPC_PA, 0), X86_VEC_UD, 0); /* D56 */
	f->cpu.msr.feature_control = MSR_IA32_FEATURE_CONTROL_LOCK_MASK;
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), X86_VEC_GP, 0);
	fx_free(f);
}

/* ECREATE: RBX 32-byte / RCX 4 KiB alignment, RCX in the EPC, PAGEINFO fields, SECINFO,
 * EPCM valid, then the SECS checks; a success makes the page a valid SECS. */
static void test_ecreate_order(void **state)
{
	(void)state;
	struct fx *f = sgx_fx();
	put_secs(f, 0x10000, SGX_ATTR_MODE64BIT);
	assert_fault(f, encls(f, ENCLS_ECREATE, PI + 8, EPC_PA, 0), X86_VEC_GP, 0);
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA + 8, 0), X86_VEC_GP, 0);
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, 0x200000, 0), X86_VEC_PF, 0x8003);
	assert_int_equal(f->cpu.event.cr2, 0x200000);
	phys_write(&f->phys, SI, 8, (u64)SGX_PT_REG << 8); /* not PT_SECS */
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), X86_VEC_GP, 0);
	put_secs(f, 0x10000, SGX_ATTR_MODE64BIT | SGX_ATTR_INIT); /* INIT at ECREATE */
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), X86_VEC_GP, 0);
	put_secs(f, 0x3000, SGX_ATTR_MODE64BIT); /* not a power of two */
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), X86_VEC_GP, 0);
	put_secs(f, 0x10000, SGX_ATTR_MODE64BIT);
	assert_int_equal(encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), STEP_RETIRED);
	const struct epcm *m = &f->phys.epc->map[0];
	assert_true(m->valid && m->pt == SGX_PT_SECS && !m->initialized);
	/* EPCM valid: #PF */
	assert_fault(f, encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), X86_VEC_PF, 0x8003);
	/* the page reads as all ones from outside (D53) */
	assert_int_equal(phys_read(&f->phys, EPC_PA, 8), ~0ull);
	fx_free(f);
}

/* EADD, EEXTEND, EREMOVE, EINIT on the SECS made above. */
static void test_build_leaves(void **state)
{
	(void)state;
	struct fx *f = sgx_fx();
	put_secs(f, 0x10000, SGX_ATTR_MODE64BIT);
	assert_int_equal(encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), STEP_RETIRED);
	struct sgx_pageinfo pi = {BASE + 0x20000, SRC, SI, EPC_PA}; /* outside ELRANGE */
	phys_copy_in(&f->phys, PI, &pi, sizeof(pi));
	phys_write(&f->phys, SI, 8, (u64)SGX_PT_REG << 8 | SGX_SECINFO_R);
	assert_fault(f, encls(f, ENCLS_EADD, PI, EPC_PA + 0x1000, 0), X86_VEC_GP, 0);
	pi.linaddr = BASE;
	phys_copy_in(&f->phys, PI, &pi, sizeof(pi));
	phys_write(&f->phys, SI, 8, (u64)SGX_PT_REG << 8 | SGX_SECINFO_W); /* W without R */
	assert_fault(f, encls(f, ENCLS_EADD, PI, EPC_PA + 0x1000, 0), X86_VEC_GP, 0);
	phys_write(&f->phys, SI, 8, (u64)SGX_PT_REG << 8 | SGX_SECINFO_R | SGX_SECINFO_W);
	assert_int_equal(encls(f, ENCLS_EADD, PI, EPC_PA + 0x1000, 0), STEP_RETIRED);
	assert_int_equal(f->phys.epc->map[0].children, 1);
	/* EEXTEND: 256-byte alignment, the chunk's SECS must be RBX's */
	assert_fault(f, encls(f, ENCLS_EEXTEND, EPC_PA, EPC_PA + 0x1080, 0), X86_VEC_GP, 0);
	assert_fault(f, encls(f, ENCLS_EEXTEND, 0x200000, EPC_PA + 0x1100, 0), X86_VEC_PF, 0x8001);
	assert_fault(f, encls(f, ENCLS_EEXTEND, EPC_PA + 0x2000, EPC_PA + 0x1100, 0), X86_VEC_GP,
		     0);
	assert_int_equal(encls(f, ENCLS_EEXTEND, EPC_PA, EPC_PA + 0x1100, 0), STEP_RETIRED);
	/* EINIT: alignment first; a bad SIGSTRUCT is a status, RIP advances, ZF set */
	assert_fault(f, encls(f, ENCLS_EINIT, SIG + 8, EPC_PA, TOK), X86_VEC_GP, 0);
	assert_fault(f, encls(f, ENCLS_EINIT, SIG, EPC_PA, TOK + 64), X86_VEC_GP, 0);
	assert_int_equal(encls(f, ENCLS_EINIT, SIG, EPC_PA, TOK), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], SGX_INVALID_SIG_STRUCT);
	assert_true(cpu_rflags(&f->cpu) & RFLAGS_ZF);
	/* EREMOVE: the SECS has a child; the child goes, then the SECS; an invalid page: 0 */
	assert_int_equal(encls(f, ENCLS_EREMOVE, 0, EPC_PA, 0), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], SGX_CHILD_PRESENT);
	assert_int_equal(encls(f, ENCLS_EREMOVE, 0, EPC_PA + 0x1000, 0), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 0);
	assert_false(cpu_rflags(&f->cpu) & RFLAGS_ZF);
	assert_int_equal(encls(f, ENCLS_EREMOVE, 0, EPC_PA, 0), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 0);
	assert_false(f->phys.epc->map[0].valid);
	assert_int_equal(encls(f, ENCLS_EREMOVE, 0, EPC_PA + 0x5000, 0), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 0);
	fx_free(f);
}

/* EDBGRD/EDBGWR need a DEBUG enclave (#GP(0) otherwise); EAUG needs an initialized one. */
static void test_debug_and_eaug(void **state)
{
	(void)state;
	struct fx *f = sgx_fx();
	put_secs(f, 0x10000, SGX_ATTR_MODE64BIT);
	assert_int_equal(encls(f, ENCLS_ECREATE, PI, EPC_PA, 0), STEP_RETIRED);
	struct sgx_pageinfo pi = {BASE, SRC, SI, EPC_PA};
	phys_copy_in(&f->phys, PI, &pi, sizeof(pi));
	phys_write(&f->phys, SI, 8, (u64)SGX_PT_REG << 8 | SGX_SECINFO_R | SGX_SECINFO_W);
	assert_int_equal(encls(f, ENCLS_EADD, PI, EPC_PA + 0x1000, 0), STEP_RETIRED);
	assert_fault(f, encls(f, ENCLS_EDBGRD, 0, EPC_PA + 0x1004, 0), X86_VEC_GP, 0);
	assert_fault(f, encls(f, ENCLS_EDBGRD, 0, EPC_PA + 0x1008, 0), X86_VEC_GP, 0);
	pi = (struct sgx_pageinfo){BASE + 0x1000, 0, 0, EPC_PA};
	phys_copy_in(&f->phys, PI, &pi, sizeof(pi));
	assert_fault(f, encls(f, ENCLS_EAUG, PI, EPC_PA + 0x2000, 0), X86_VEC_GP, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_instruction_checks),
	    cmocka_unit_test(test_ecreate_order),
	    cmocka_unit_test(test_build_leaves),
	    cmocka_unit_test(test_debug_and_eaug),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
