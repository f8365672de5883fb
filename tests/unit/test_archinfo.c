// SPDX-License-Identifier: MIT
/* The architecture tables: well-formedness and the values the rest of the project relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "decode.h"
#include "lib/archinfo.h"

static void test_vmcs_table_sorted_unique(void **state)
{
	(void)state;
	size_t n;
	const struct vx_vmcs_field_info *t = vx_vmcs_field_table(&n);
	assert_true(n >= 190);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(t[i].slot, i);
		assert_int_equal(t[i].enc & 1, 0);
		if (i)
			assert_true(t[i - 1].enc < t[i].enc);
		assert_ptr_equal(vx_vmcs_field_by_enc(t[i].enc), &t[i]);
		assert_ptr_equal(vx_vmcs_field_by_name(t[i].name), &t[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(t[i].name, t[j].name);
	}
}

static void test_exit_reasons(void **state)
{
	(void)state;
	size_t n;
	const struct vx_exit_reason_info *t = vx_exit_reason_table(&n);
	for (size_t i = 1; i < n; i++)
		assert_true(t[i - 1].nr < t[i].nr);
	assert_int_equal(t[n - 1].nr, VMX_EXIT_MAX_BASIC);
	assert_int_equal(VMX_EXIT_ENCLS, 60);
	assert_int_equal(VMX_EXIT_ENCLV, 70);
	assert_int_equal(VMX_EXIT_EPT_MISCONFIG, 49);
	assert_string_equal(vx_exit_reason_info(49)->name, "EPT_MISCONFIG");
	assert_null(vx_exit_reason_info(35));
	assert_null(vx_exit_reason_info(38));
	assert_null(vx_exit_reason_info(42));
	/* Linux's spellings, old and new, and case-insensitivity. */
	assert_int_equal(vx_exit_reason_by_name("PENDING_INTERRUPT"), 7);
	assert_int_equal(vx_exit_reason_by_name("INTERRUPT_WINDOW"), 7);
	assert_int_equal(vx_exit_reason_by_name("VMOFF"), 26);
	assert_int_equal(vx_exit_reason_by_name("vmxon"), 27);
	assert_int_equal(vx_exit_reason_by_name("io_instruction"), 30);
	assert_int_equal(vx_exit_reason_by_name("NOPE"), -1);
}

static void test_exit_reason_bits(void **state)
{
	(void)state;
	char buf[160];
	dec_exit_reason_summary(0x88000021, buf, sizeof(buf));
	assert_string_equal(buf, "INVALID_STATE (33), VM-entry failure, from enclave mode");
	dec_exit_reason_summary(0x0800001e, buf, sizeof(buf));
	assert_string_equal(buf, "IO_INSTRUCTION (30), from enclave mode");
	dec_exit_reason_summary(0x40000052, buf, sizeof(buf));
	assert_string_equal(buf, "reason 0x52 (82), reserved bits 0x40000000 set");
	assert_int_equal(VMX_EXIT_REASON_ENCLAVE_MODE, 0x08000000);
	assert_int_equal(VMX_EXIT_REASON_FAILED_VMENTRY, 0x80000000u);
}

/* Rows of a layout are contiguous, within 64 bits and do not overlap. */
static void test_layouts(void **state)
{
	(void)state;
	size_t total = 0;
	for (int l = 0; l < LAYOUT_COUNT; l++) {
		size_t n;
		const struct vx_bitfield *f = vx_layout_fields((enum vx_layout)l, &n);
		assert_true(n > 0);
		total += n;
		u64 used = 0;
		for (size_t i = 0; i < n; i++) {
			assert_true(f[i].hi >= f[i].lo && f[i].hi < 64);
			u64 m = GENMASK(f[i].hi, f[i].lo);
			assert_true((used & m) == 0);
			used |= m;
			if (f[i].kind == FK_FLAG)
				assert_int_equal(f[i].hi, f[i].lo);
			if (f[i].kind == FK_ENUM) {
				enum vx_layout lay = (enum vx_layout)l;
				assert_true(vx_bitvalue_name(lay, f[i].name, 0) ||
					    vx_bitvalue_name(lay, f[i].name, 1));
			}
		}
	}
	assert_true(total > 100);
	assert_true(vx_layout_reserved(LAYOUT_INTERRUPTIBILITY, 32) == GENMASK(31, 5));
	assert_true(vx_layout_reserved(LAYOUT_EXIT_REASON, 32) == (GENMASK(25, 16) | BIT(30)));
}

static void test_controls(void **state)
{
	(void)state;
	assert_true(PROC2_ENCLS_EXITING == BIT(15));
	assert_true(PROC2_ENCLV_EXITING == BIT(28));
	assert_true(PROC2_UNRESTRICTED_GUEST == BIT(7));
	assert_true(PROC_ACTIVATE_SECONDARY_CONTROLS == BIT(31));
	assert_true(ENTRY_IA32E_MODE_GUEST == BIT(9));
	assert_true(EXIT_ACK_INTR_ON_EXIT == BIT(15));
	assert_true(PIN_VIRTUAL_NMIS == BIT(5));
	/* A.2 "Reserved Controls and Default Settings": the default1 class holds reserved bits
	 * plus exactly these named controls (which the TRUE_* MSRs may allow to be 0). */
	assert_true((vx_ctl_defined_mask(VMX_CTL_PIN) & VMX_PIN_DEFAULT1) == 0);
	assert_true((vx_ctl_defined_mask(VMX_CTL_PROC) & VMX_PROC_DEFAULT1) ==
		    (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING));
	assert_true((vx_ctl_defined_mask(VMX_CTL_EXIT) & VMX_EXIT_DEFAULT1) ==
		    EXIT_SAVE_DEBUG_CONTROLS);
	assert_true((vx_ctl_defined_mask(VMX_CTL_ENTRY) & VMX_ENTRY_DEFAULT1) ==
		    ENTRY_LOAD_DEBUG_CONTROLS);
}

static void test_vectors(void **state)
{
	(void)state;
	assert_string_equal(vx_vector_mnemonic(14), "#PF");
	assert_string_equal(vx_vector_mnemonic(6), "#UD");
	assert_null(vx_vector_mnemonic(15));
	assert_null(vx_vector_mnemonic(32));
	static const unsigned with_ec[] = {8, 10, 11, 12, 13, 14, 17, 21};
	unsigned k = 0;
	for (unsigned v = 0; v < 32; v++) {
		bool ec = k < 8 && with_ec[k] == v;
		k += ec;
		assert_int_equal(vx_vector_has_error_code(v), ec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vmcs_table_sorted_unique),
	    cmocka_unit_test(test_exit_reasons),
	    cmocka_unit_test(test_exit_reason_bits),
	    cmocka_unit_test(test_layouts),
	    cmocka_unit_test(test_controls),
	    cmocka_unit_test(test_vectors),
	};
	return cmocka_run_group_tests_name("archinfo", tests, NULL, NULL);
}
