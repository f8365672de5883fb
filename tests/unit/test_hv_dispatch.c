// SPDX-License-Identifier: MIT
/*
 * The L0 dispatch table (src/hv/run.c): a row for EVERY architectural basic exit reason of
 * src/arch/vmx_exit_reasons.def (the list is walked here through its X-macro, so a reason
 * added to the .def without a row fails this test), no row for numbers that are not
 * architectural, dispatch on the basic reason whatever the flag bits (SDM Vol. 3C 24.9.1
 * Table 24-14; KVM's rule: "handler dispatch uses basic"), and the decoding of the flag bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hv_fixture.h"
#include "lib/archinfo.h"

static const struct {
	u32 nr;
	const char *name;
} reasons[] = {
#define VMX_EXIT_REASON(name, nr, sdm, kvm) {nr, #name},
#include "arch/vmx_exit_reasons.def"
};

static void test_every_reason_has_a_row(void **state)
{
	(void)state;
	unsigned missing = 0;
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		if (!hv_exit_handler(reasons[i].nr)) {
			print_error("no dispatch row for exit reason %u (%s)\n", reasons[i].nr,
				    reasons[i].name);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
	/* the .def and the generated table agree on how many reasons there are */
	size_t n;
	vx_exit_reason_table(&n);
	assert_int_equal(n, ARRAY_SIZE(reasons));
}

static bool architectural(u32 nr)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (reasons[i].nr == nr)
			return true;
	return false;
}

static void test_no_row_for_other_numbers(void **state)
{
	(void)state;
	for (u32 nr = 0; nr < 300; nr++)
		if (!architectural(nr))
			assert_null(hv_exit_handler(nr));
	assert_null(hv_exit_handler(0xffff));
	assert_null(hv_exit_handler(35)); /* gaps of Table C-1 */
	assert_null(hv_exit_handler(38));
	assert_null(hv_exit_handler(42));
}

/* The rows that must be the generic ones: instructions L0 hides are #UD, reasons L0 never
 * enables are "unexpected", and PAUSE (never intercepted, KVM) is unexpected. */
static void test_policy_rows(void **state)
{
	(void)state;
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_RDRAND), hv_exit_ud);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_RDSEED), hv_exit_ud);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_PAUSE_INSTRUCTION), hv_exit_unexpected);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_ENCLV), hv_exit_unexpected);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_EPT_MISCONFIG), hv_exit_ept_misconfig);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_EPT_VIOLATION), hv_exit_ept_violation);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_VMXON), hv_exit_vmx_insn);
	assert_ptr_equal(hv_exit_handler(VMX_EXIT_HLT), hv_exit_hlt);
}

static void test_decode_reason(void **state)
{
	(void)state;
	struct hv_exit e;
	hv_exit_decode_reason(0x08000031u, &e); /* EPT misconfiguration from enclave mode */
	assert_int_equal(e.basic, VMX_EXIT_EPT_MISCONFIG);
	assert_true(e.enclave_mode);
	assert_false(e.failed_vmentry);
	assert_false(e.bus_lock);
	assert_int_equal(e.full, 0x08000031u);
	hv_exit_decode_reason(0x80000021u, &e); /* invalid guest state */
	assert_int_equal(e.basic, 33);
	assert_true(e.failed_vmentry);
	assert_false(e.enclave_mode);
	hv_exit_decode_reason(0x3c00004au, &e); /* bus lock 26, enclave 27, bits 28, 29 */
	assert_int_equal(e.basic, VMX_EXIT_BUS_LOCK);
	assert_true(e.bus_lock && e.enclave_mode && e.smi_pending_mtf && e.smi_from_root);
	assert_false(e.failed_vmentry);
}

/* RDRAND (57) from enclave mode: the basic reason selects the #UD row; RIP is not moved. */
static void test_dispatch_uses_basic(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	hvf_exit(f, VMX_EXIT_RDRAND | VMX_EXIT_REASON_ENCLAVE_MODE, 0x100000, 0, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_UD);
	assert_int_equal(hvf_rip(f), 0x100000);
	hvf_free(f);
}

/* ../shared/spec/kvm-sgx.md 9.1-9.2: 0x0800001E is basic 30 (I/O) with the enclave bit; the
 * I/O row handles it and the cached value keeps bit 27.  With length 0 (an exit from an
 * enclave) RIP does not move and nothing warns. */
static void test_dispatch_io_from_enclave(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	hv_set_gpr(f->v, VX_RAX, 'e');
	hvf_exit(f, 0x0800001eu, 0x100000, 0, (0xe9ull << 16), 0);
	assert_int_equal(hv_dispatch(f->v), HV_RESUME);
	assert_string_equal(hvf_console(f), "e");
	assert_int_equal(f->v->exit.full, 0x0800001eu);
	assert_int_equal(f->v->exit.basic, VMX_EXIT_IO_INSTRUCTION);
	assert_int_equal(hvf_rip(f), 0x100000);
	assert_int_equal(f->v->skip_warn_count, 0);
	hvf_free(f);
}

/* 9.11: an EPT violation on an MMIO address from an enclave reaches the emulation gate: #UD,
 * RIP unchanged, nothing fetched or accessed. */
static void test_dispatch_ept_violation_from_enclave(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	hvf_exit(f, 0x08000030u, 0x7f8000000000ull, 0, 0x181, 0x50000000);
	assert_int_equal(hv_dispatch(f->v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_UD);
	assert_int_equal(hvf_rip(f), 0x7f8000000000ull);
	assert_int_equal(hvf_u(hvf_find(f, TRACE_emulate, 0), "refused"), 1);
	hvf_free(f);
}

static void test_dispatch_unexpected(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	hvf_exit(f, VMX_EXIT_PAUSE_INSTRUCTION | VMX_EXIT_REASON_ENCLAVE_MODE, 0x100000, 2, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_FATAL);
	assert_non_null(strstr(f->v->msg, "unexpected VM exit reason 0x08000028"));
	assert_int_equal(f->v->status, 1);
	hvf_exit(f, 82, 0x100000, 0, 0, 0); /* not architectural */
	assert_int_equal(hv_dispatch(f->v), HV_FATAL);
	assert_non_null(strstr(f->v->msg, "0x00000052 (not architectural)"));
	hvf_free(f);
}

/* Bit 31: the failed VM entry is handled before the table, whatever the basic reason. */
static void test_dispatch_failed_entry(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	hvf_exit(f, VMX_EXIT_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY, 0x100000, 0, 4, 0);
	assert_int_equal(hv_dispatch(f->v), HV_FATAL);
	assert_non_null(strstr(f->v->msg, "VM entry failed: exit reason 0x80000021 (INVALID_STATE)"
					  ", qualification 0x4"));
	hvf_exit(f, VMX_EXIT_CPUID | VMX_EXIT_REASON_FAILED_VMENTRY, 0x100000, 2, 0, 0);
	assert_int_equal(hv_dispatch(f->v), HV_FATAL);
	assert_int_equal(hvf_rip(f), 0x100000); /* CPUID was not emulated */
	hvf_free(f);
}

/* 27.2.3: an exit during event delivery: re-injected for reasons that may interrupt delivery
 * (KVM's list), a stop for the others. */
static void test_dispatch_vectoring(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	u32 ext = VMX_INTR_INFO_VALID | 0x30; /* external interrupt 30H */
	hvf_exit(f, VMX_EXIT_CPUID, 0x100000, 2, 0, 0);
	f->v->exit.idt_info = ext;
	assert_int_equal(hv_dispatch(f->v), HV_FATAL);
	assert_non_null(strstr(f->v->msg, "during event delivery"));
	hvf_exit(f, VMX_EXIT_EPT_VIOLATION, 0x100000, 0, 0x181, 0x50000000);
	f->v->exit.idt_info = ext;
	assert_int_equal(hv_dispatch(f->v), HV_FATAL); /* the MMIO gate refuses vectoring */
	/* A #PF that exits while the interrupt is delivered: the #PF goes to the guest (CR2 =
	 * the qualification), replacing the re-injection of the interrupt. */
	hvf_exit(f, VMX_EXIT_EXCEPTION_NMI, 0x100000, 0, 0xdead000, 0);
	f->v->exit.idt_info = ext;
	f->v->exit.intr_info = HVF_PF;
	f->v->exit.intr_error = 2;
	assert_int_equal(hv_dispatch(f->v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_PF);
	assert_int_equal(f->v->inject.error, 2);
	assert_int_equal(vx_cpu_get_reg(f->v->cpu, VX_CR2), 0xdead000);
	/* A preemption-timer exit cannot happen during delivery. */
	hvf_exit(f, VMX_EXIT_PREEMPTION_TIMER, 0x100000, 0, 0, 0);
	f->v->exit.idt_info = ext;
	assert_int_equal(hv_dispatch(f->v), HV_FATAL);
	hvf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_reason_has_a_row),
	    cmocka_unit_test(test_no_row_for_other_numbers),
	    cmocka_unit_test(test_policy_rows),
	    cmocka_unit_test(test_decode_reason),
	    cmocka_unit_test(test_dispatch_uses_basic),
	    cmocka_unit_test(test_dispatch_io_from_enclave),
	    cmocka_unit_test(test_dispatch_ept_violation_from_enclave),
	    cmocka_unit_test(test_dispatch_unexpected),
	    cmocka_unit_test(test_dispatch_failed_entry),
	    cmocka_unit_test(test_dispatch_vectoring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
