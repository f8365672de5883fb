// SPDX-License-Identifier: MIT
/* The processor core: decode cache, step loop, operand rules, lazy flags, paging, faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/vmx.h"
#include "cpu/flags.h"
#include "cpu_fixture.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

static void test_mov_add(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_non_null(f);
	/* mov rax, 5; add rax, 7; mov ecx, -1; add cl, 1 */
	fx_code(f, CODE(0x48, 0xc7, 0xc0, 5, 0, 0, 0, 0x48, 0x83, 0xc0, 7, 0xb9, 0xff, 0xff, 0xff,
			0xff, 0x80, 0xc1, 0x01));
	assert_int_equal(fx_steps(f, 4), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 12);
	/* 8-bit add keeps bits 63:8; the 32-bit mov zero-extended. */
	assert_true(f->cpu.gpr[1] == 0xffffff00ull);
	assert_true(flag_cf(&f->cpu) && flag_zf(&f->cpu) && flag_af(&f->cpu) && flag_pf(&f->cpu));
	assert_false(flag_of(&f->cpu) || flag_sf(&f->cpu));
	assert_int_equal(f->cpu.rip, FX_CODE + 19);
	assert_int_equal(f->cpu.retired, 4);
	fx_free(f);
}

/* Self-modifying code: a store over the next instruction is seen by the fetch. */
static void test_self_modifying(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* lea rbx,[rip+0]  (rbx = address of next insn);
	 * mov byte [rbx+8], 0x07 -> patches the imm of "mov eax, 1" below to 7 */
	fx_code(f, CODE(0x48, 0x8d, 0x1d, 0, 0, 0, 0,   /* lea rbx, [rip] */
			0xc6, 0x43, 0x05, 0x07,         /* mov byte [rbx+5], 7 */
			0xb8, 0x01, 0x00, 0x00, 0x00)); /* mov eax, 1 */
	/* Execute the mov eax once first so it is cached, then rerun from the start. */
	f->cpu.rip = FX_CODE + 11;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 1);
	f->cpu.rip = FX_CODE;
	assert_int_equal(fx_steps(f, 3), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 7);
	fx_free(f);
}

/* #PF: not-present page, error code and CR2 at delivery; RIP stays at the instruction. */
static void test_page_fault(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* mov rax, [0x40000000] (1 GiB: not mapped) */
	fx_code(f, CODE(0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x40));
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_PF);
	assert_int_equal(f->cpu.event.error_code, 0);
	assert_true(f->cpu.event.cr2 == 0x40000000);
	assert_int_equal(f->cpu.rip, FX_CODE);
	fx_free(f);
}

/* Stack: call/ret/push/pop round trip. */
static void test_call_ret(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* call +3; hlt-ish (nop nop nop); target: push 0x11; pop rbx; ret */
	fx_code(f, CODE(0xe8, 0x03, 0x00, 0x00, 0x00, 0x90, 0x90, 0x90, 0x6a, 0x11, 0x5b, 0xc3));
	assert_int_equal(fx_steps(f, 4), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[3], 0x11);
	assert_int_equal(f->cpu.rip, FX_CODE + 5);
	assert_int_equal(f->cpu.gpr[4], FX_STACK);
	fx_free(f);
}

/* Jcc after CMP: signed and unsigned conditions from lazy flags. */
static void test_jcc_loop(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* xor eax,eax; mov ecx,10; L: add eax,ecx; dec ecx; jnz L */
	fx_code(f, CODE(0x31, 0xc0, 0xb9, 10, 0, 0, 0, 0x01, 0xc8, 0xff, 0xc9, 0x75, 0xfa));
	assert_int_equal(fx_steps(f, 2 + 30), STEP_RETIRED);
	assert_int_equal(f->cpu.gpr[0], 55);
	assert_int_equal(f->cpu.rip, FX_CODE + 13);
	fx_free(f);
}

/* An instruction outside the model raises #UD. */
static void test_unsupported_ud(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	fx_code(f, CODE(0x0f, 0x28, 0xc1)); /* movaps xmm0, xmm1 */
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_UD);
	fx_code(f, CODE(0x0f, 0x04)); /* invalid opcode */
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_UD);
	fx_free(f);
}

/* cpu_cond_fast (the inline conditions after SUB/CMP and logic operations, SDM Vol. 1
 * Appendix B "EFLAGS Condition Codes") answers as cpu_cond, for every condition, operand
 * size and a spread of operands (edge values and pseudo-random ones). */
static void test_cond_fast_matches_cond(void **state)
{
	(void)state;
	static const u64 edge[] = {0,
				   1,
				   2,
				   0x7f,
				   0x80,
				   0xff,
				   0x7fff,
				   0x8000,
				   0xffff,
				   0x7fffffff,
				   0x80000000,
				   0xffffffff,
				   0x7fffffffffffffffull,
				   0x8000000000000000ull,
				   ~0ull};
	struct fx *f = fx_new(false);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	u64 x = 0x9e3779b97f4a7c15ull;
	for (unsigned n = 0; n < 20000; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned size = 1u << (n % 4);
		u64 m = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
		u64 a = (n & 8 ? edge[(x >> 8) % ARRAY_SIZE(edge)] : x) & m;
		u64 b = (n & 16 ? edge[(x >> 20) % ARRAY_SIZE(edge)] : x >> 17 ^ x << 5) & m;
		if (n & 4)
			lf_set(c, LF_SUB, size, a, b, (a - b) & m);
		else
			lf_set(c, LF_LOGIC, size, a, b, (n & 32 ? a & b : a ^ b) & m);
		for (unsigned cc = 0; cc < 16; cc++)
			assert_int_equal(cpu_cond_fast(c, cc), cpu_cond(c, cc));
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mov_add),        cmocka_unit_test(test_self_modifying),
	    cmocka_unit_test(test_page_fault),     cmocka_unit_test(test_call_ret),
	    cmocka_unit_test(test_jcc_loop),       cmocka_unit_test(test_cond_fast_matches_cond),
	    cmocka_unit_test(test_unsupported_ud),
	};
	return cmocka_run_group_tests_name("cpu_core", tests, NULL, NULL);
}
