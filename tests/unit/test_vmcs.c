// SPDX-License-Identifier: MIT
/*
 * VMCS model: VMREAD/VMWRITE data semantics for every field of vmcs_fields.def
 * (SDM 24.11.2 "VMREAD, VMWRITE, and Encodings of VMCS Fields"; 30.3 VMREAD, VMWRITE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "lib/archinfo.h"
#include "vmx/vmcs.h"

static struct vmcs v;
static struct vmcs_caps caps;

static int setup(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	vmcs_caps_all(&caps);
	return 0;
}

static u64 cookie(u32 enc)
{
	return 0x8badf00d00000000ull ^ ((u64)enc * 0x9e3779b97f4a7c15ull) ^ 0xfedcba98u;
}

static u64 mask_of(unsigned width)
{
	return width == VMCS_W16 ? 0xffff : width == VMCS_W32 ? 0xffffffffu : ~0ull;
}

/* Every field written with a cookie reads back the cookie under its width mask. */
static void test_every_field_roundtrip(void **state)
{
	(void)state;
	size_t n;
	const struct vx_vmcs_field_info *t = vx_vmcs_field_table(&n);
	caps.vmwrite_any_field = true;
	for (size_t i = 0; i < n; i++) {
		u32 err = 0;
		u64 got = 0;
		assert_int_equal(vmcs_vmwrite(&v, &caps, t[i].enc, cookie(t[i].enc), 64, &err),
				 VMX_SUCCEED);
		assert_int_equal(vmcs_vmread(&v, &caps, t[i].enc, 64, &got, &err), VMX_SUCCEED);
		if (got != (cookie(t[i].enc) & mask_of(t[i].width)))
			fail_msg("field %s (0x%x): read 0x%llx", t[i].name, t[i].enc,
				 (unsigned long long)got);
	}
	/* Fields are independent: re-read all after all writes. */
	for (size_t i = 0; i < n; i++) {
		u32 err;
		u64 got;
		vmcs_vmread(&v, &caps, t[i].enc, 64, &got, &err);
		assert_true(got == (cookie(t[i].enc) & mask_of(t[i].width)));
	}
}

/* High access (encoding bit 0) exists only for 64-bit fields and touches bits 63:32. */
static void test_high_full_pairs(void **state)
{
	(void)state;
	size_t n;
	const struct vx_vmcs_field_info *t = vx_vmcs_field_table(&n);
	caps.vmwrite_any_field = true;
	for (size_t i = 0; i < n; i++) {
		u32 err = 0, enc = t[i].enc, hi = enc | 1;
		u64 got;
		if (t[i].width != VMCS_W64) {
			assert_int_equal(vmcs_vmread(&v, &caps, hi, 64, &got, &err),
					 VMX_FAIL_VALID);
			assert_int_equal(err, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
			assert_int_equal(vmcs_vmwrite(&v, &caps, hi, 1, 64, &err), VMX_FAIL_VALID);
			assert_int_equal(err, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
			continue;
		}
		vmcs_vmwrite(&v, &caps, enc, 0x1122334455667788ull, 64, &err);
		assert_int_equal(vmcs_vmread(&v, &caps, hi, 64, &got, &err), VMX_SUCCEED);
		assert_true(got == 0x11223344ull);
		/* VMWRITE high: bits 31:0 of the source go to bits 63:32; the rest is ignored. */
		assert_int_equal(vmcs_vmwrite(&v, &caps, hi, 0xffffffffaabbccddull, 64, &err),
				 VMX_SUCCEED);
		vmcs_vmread(&v, &caps, enc, 64, &got, &err);
		assert_true(got == 0xaabbccdd55667788ull);
	}
}

/* Truncation and zero-extension with a 32-bit operand size (outside 64-bit mode). */
static void test_operand_size_32(void **state)
{
	(void)state;
	u32 err;
	u64 got;
	/* VMREAD of a longer field: high bits of the field are not read. */
	vmcs_vmwrite(&v, &caps, VMCS_GUEST_RIP, 0xffffffff12345678ull, 64, &err);
	assert_int_equal(vmcs_vmread(&v, &caps, VMCS_GUEST_RIP, 32, &got, &err), VMX_SUCCEED);
	assert_true(got == 0x12345678ull);
	/* VMWRITE to a longer field: the field's high bits are cleared. */
	vmcs_vmwrite(&v, &caps, VMCS_GUEST_RIP, 0xdeadbeefull, 32, &err);
	vmcs_vmread(&v, &caps, VMCS_GUEST_RIP, 64, &got, &err);
	assert_true(got == 0xdeadbeefull);
	vmcs_vmwrite(&v, &caps, VMCS_TSC_OFFSET, ~0ull, 64, &err);
	vmcs_vmwrite(&v, &caps, VMCS_TSC_OFFSET, 0x1ffffffffull, 32, &err);
	vmcs_vmread(&v, &caps, VMCS_TSC_OFFSET, 64, &got, &err);
	assert_true(got == 0xffffffffull);
	/* VMWRITE to a shorter field: the source's high bits are ignored. */
	vmcs_vmwrite(&v, &caps, VMCS_GUEST_CS_SELECTOR, 0xabcd1234ull, 64, &err);
	vmcs_vmread(&v, &caps, VMCS_GUEST_CS_SELECTOR, 64, &got, &err);
	assert_true(got == 0x1234);
}

/* Read-only VM-exit information fields: VMfailValid(13) unless IA32_VMX_MISC[29]. */
static void test_read_only(void **state)
{
	(void)state;
	size_t n, ro = 0;
	const struct vx_vmcs_field_info *t = vx_vmcs_field_table(&n);
	for (size_t i = 0; i < n; i++) {
		u32 err = 0;
		u64 got;
		enum vmx_insn_result r = vmcs_vmwrite(&v, &caps, t[i].enc, 0x5a5a, 64, &err);
		if (VMCS_ENC_TYPE(t[i].enc) != VMCS_TYPE_EXIT_INFO) {
			assert_int_equal(r, VMX_SUCCEED);
			continue;
		}
		ro++;
		assert_int_equal(r, VMX_FAIL_VALID);
		assert_int_equal(err, VMXERR_VMWRITE_READ_ONLY_COMPONENT);
		vmcs_vmread(&v, &caps, t[i].enc, 64, &got, &err);
		assert_true(got == 0); /* unchanged */
		if (t[i].width == VMCS_W64) {
			assert_int_equal(vmcs_vmwrite(&v, &caps, t[i].enc | 1, 1, 64, &err),
					 VMX_FAIL_VALID);
			assert_int_equal(err, VMXERR_VMWRITE_READ_ONLY_COMPONENT);
		}
	}
	/* exit reason, qualification, GPA, GLA, intr info/error, IDT vectoring info/error,
	 * insn len/info, VM-instruction error, I/O RCX/RSI/RDI/RIP at least */
	assert_true(ro >= 15);
	caps.vmwrite_any_field = true;
	u32 err;
	assert_int_equal(vmcs_vmwrite(&v, &caps, VMCS_EXIT_REASON, 0x0800001e, 64, &err),
			 VMX_SUCCEED);
}

/* Unsupported encodings: bits 63:32, reserved bit 12, bits 31:15, unknown indices. */
static void test_unsupported_encodings(void **state)
{
	(void)state;
	u32 err = 0;
	u64 got;
	static const u64 bad[] = {
	    VMCS_GUEST_RIP | (1ull << 32),    VMCS_GUEST_RIP | 0x1000, VMCS_GUEST_RIP | 0x8000,
	    0x80000000ull | VMCS_EXIT_REASON, 0xffffffffffffffffull,   0x6ffe,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = 0;
		assert_int_equal(vmcs_vmread(&v, &caps, bad[i], 64, &got, &err), VMX_FAIL_VALID);
		assert_int_equal(err, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		err = 0;
		assert_int_equal(vmcs_vmwrite(&v, &caps, bad[i], 0, 64, &err), VMX_FAIL_VALID);
		assert_int_equal(err, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	}
	/* Sweep: an encoding in 0..0x7fff is accepted exactly when the table has it. */
	for (u32 enc = 0; enc < 0x8000; enc++) {
		bool high;
		const struct vx_vmcs_field_info *f = vx_vmcs_field_lookup(enc, &high);
		bool ok = vmcs_vmread(&v, &caps, enc, 64, &got, &err) == VMX_SUCCEED;
		if (ok != (f != NULL))
			fail_msg("encoding 0x%x: model %d table %d", enc, ok, f != NULL);
	}
}

/* A field the processor does not support behaves like an unknown encoding. */
static void test_caps_unsupported(void **state)
{
	(void)state;
	u32 err = 0;
	u64 got;
	vmcs_caps_set_unsupported(&caps, VMCS_ENCLS_EXITING_BITMAP, true);
	assert_int_equal(vmcs_vmwrite(&v, &caps, VMCS_ENCLS_EXITING_BITMAP, 1, 64, &err),
			 VMX_FAIL_VALID);
	assert_int_equal(err, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	assert_int_equal(vmcs_vmread(&v, &caps, VMCS_ENCLS_EXITING_BITMAP | 1, 64, &got, &err),
			 VMX_FAIL_VALID);
	vmcs_caps_set_unsupported(&caps, VMCS_ENCLS_EXITING_BITMAP, false);
	assert_int_equal(vmcs_vmwrite(&v, &caps, VMCS_ENCLS_EXITING_BITMAP, 1, 64, &err),
			 VMX_SUCCEED);
}

/* The SGX fields the project depends on, with the SDM's encodings and widths. */
static void test_sgx_fields(void **state)
{
	(void)state;
	assert_int_equal(VMCS_ENCLS_EXITING_BITMAP, 0x202e);
	assert_int_equal(VMCS_ENCLV_EXITING_BITMAP, 0x2036);
	assert_int_equal(VMCS_EXIT_REASON, 0x4402);
	assert_int_equal(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x4824);
	assert_int_equal(VMCS_VM_EXIT_INSTRUCTION_LEN, 0x440c);
	assert_int_equal(VMCS_VMX_INSTRUCTION_INFO, 0x440e);
	bool high;
	int s = vmcs_slot_of(0x202f, &high);
	assert_int_equal(s, VMCS_SLOT_ENCLS_EXITING_BITMAP);
	assert_true(high);
}

/* VM-instruction error numbers: every number of Table 30-1, and the unused ones. */
static void test_insn_errors(void **state)
{
	(void)state;
	for (u32 nr = 1; nr <= 28; nr++) {
		bool unused = nr == 14 || nr == 21 || nr == 27;
		assert_int_equal(vx_insn_error_name(nr) == NULL, unused);
	}
	assert_null(vx_insn_error_name(0));
	assert_null(vx_insn_error_name(29));
	assert_string_equal(vx_insn_error_text(12),
			    "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vx_insn_error_text(13), "VMWRITE to read-only VMCS component");
	assert_int_equal(VMXERR_ENTRY_INVALID_CONTROL_FIELD, 7);
	assert_int_equal(VMXERR_ENTRY_INVALID_HOST_STATE_FIELD, 8);
	assert_int_equal(VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS, 26);
	assert_int_equal(VMXERR_INVALID_INVEPT_INVVPID_OPERAND, 28);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_every_field_roundtrip, setup),
	    cmocka_unit_test_setup(test_high_full_pairs, setup),
	    cmocka_unit_test_setup(test_operand_size_32, setup),
	    cmocka_unit_test_setup(test_read_only, setup),
	    cmocka_unit_test_setup(test_unsupported_encodings, setup),
	    cmocka_unit_test_setup(test_caps_unsupported, setup),
	    cmocka_unit_test_setup(test_sgx_fields, setup),
	    cmocka_unit_test_setup(test_insn_errors, setup),
	};
	return cmocka_run_group_tests_name("vmcs", tests, NULL, NULL);
}
