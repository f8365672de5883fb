// SPDX-License-Identifier: MIT
/*
 * String instructions (MOVS/STOS/LODS/CMPS/SCAS with REP/REPE/REPNE) and port I/O (IN/OUT/
 * INS/OUTS, I/O permission bitmap): src/cpu/op_string.c, src/cpu/op_io.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/vmx.h"
#include "cpu_fixture.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

static struct fx *fx_setup(void)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	return f;
}

static void set_df(struct fx *f, bool on)
{
	u64 fl = cpu_rflags(&f->cpu);
	cpu_set_rflags(&f->cpu, on ? fl | RFLAGS_DF : fl & ~RFLAGS_DF);
}

static u8 rd8(struct fx *f, u64 pa)
{
	return (u8)phys_read(&f->phys, pa, 1);
}

static void fill_pattern(struct fx *f, u64 pa, size_t n, unsigned seed)
{
	for (size_t k = 0; k < n; k++)
		phys_write(&f->phys, pa + k, 1, (u8)(k * 7 + seed * 13 + 1));
}

/* Steps until the instruction at `at` is left (or a fault); returns the last step result. */
static enum cpu_step run_insn(struct fx *f, u64 at, unsigned max_steps)
{
	enum cpu_step r = STEP_RETIRED;
	for (unsigned k = 0; k < max_steps && r == STEP_RETIRED && f->cpu.rip == at; k++)
		r = cpu_step(&f->cpu);
	return r;
}

/* ---- MOVS against a reference model (element after element, each read then written) ---- */

#define WIN FX_DATA
#define WIN_SIZE (4 * 4096)

static void ref_movs(u8 *mem, u64 s, u64 d, u64 n, unsigned size, bool down)
{
	for (u64 k = 0; k < n; k++) {
		u8 t[8];
		memcpy(t, mem + s, size);
		memcpy(mem + d, t, size);
		s = down ? s - size : s + size;
		d = down ? d - size : d + size;
	}
}

struct movs_case {
	u64 soff, doff, n;
	unsigned size;
	bool down;
};

static void check_movs_case(const struct movs_case *m)
{
	static u8 want[WIN_SIZE], got[WIN_SIZE];
	struct fx *f = fx_setup();
	fill_pattern(f, WIN, WIN_SIZE, (unsigned)m->soff);
	phys_copy_out(&f->phys, WIN, want, WIN_SIZE);
	ref_movs(want, m->soff, m->doff, m->n, m->size, m->down);
	switch (m->size) {
	case 1: fx_code(f, CODE(0xf3, 0xa4)); break;
	case 2: fx_code(f, CODE(0xf3, 0x66, 0xa5)); break;
	case 4: fx_code(f, CODE(0xf3, 0xa5)); break;
	default: fx_code(f, CODE(0xf3, 0x48, 0xa5)); break;
	}
	struct vx_cpu *c = &f->cpu;
	set_df(f, m->down);
	c->gpr[RSI] = WIN + m->soff;
	c->gpr[RDI] = WIN + m->doff;
	c->gpr[RCX] = m->n;
	assert_int_equal(run_insn(f, FX_CODE, 100), STEP_RETIRED);
	phys_copy_out(&f->phys, WIN, got, WIN_SIZE);
	assert_memory_equal(got, want, WIN_SIZE);
	u64 moved = m->n * m->size;
	assert_true(c->gpr[RSI] == WIN + (m->down ? m->soff - moved : m->soff + moved));
	assert_true(c->gpr[RDI] == WIN + (m->down ? m->doff - moved : m->doff + moved));
	assert_int_equal(c->gpr[RCX], 0);
	fx_free(f);
}

/*
 * REP MOVS at every size, both directions, across page boundaries, with elements that
 * straddle pages, and with overlapping source and destination in both the harmless and the
 * order-dependent direction (forward copy with RDI = RSI + 1 replicates the first byte).
 */
static void test_rep_movs_reference(void **state)
{
	(void)state;
	static const struct movs_case cases[] = {
	    {0x100, 0x2000, 300, 1, false},   {0xf80, 0x1f00, 64, 8, false},
	    {0x1010, 0x1011, 40, 1, false},   {0x1011, 0x1010, 40, 1, false},
	    {0x1050, 0x1051, 40, 1, true},    {0x1051, 0x1050, 40, 1, true},
	    {0x1000, 0x1003, 20, 8, false},   {0x1ff8, 0x1ffb, 30, 4, true},
	    {0xffd, 0x2ffe, 10, 2, false},    {0x2ff0, 0x0ff8, 200, 2, true},
	    {0x0400, 0x0404, 100, 4, false},  {0x1f00, 0x1e00, 1000, 1, true},
	    {0x1100, 0x0f00, 0x300, 1, true}, {0x0f00, 0x0f10, 0x300, 2, false},
	};
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++)
		check_movs_case(&cases[k]);
}

/* Forward REP MOVSB with RDI = RSI + 1 is not memmove: every byte becomes the first one. */
static void test_movsb_overlap_replicates(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, FX_DATA, "ABCDEFGHIJ", 10);
	fx_code(f, CODE(0xf3, 0xa4));
	c->gpr[RSI] = FX_DATA;
	c->gpr[RDI] = FX_DATA + 1;
	c->gpr[RCX] = 8;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	u8 got[10];
	phys_copy_out(&f->phys, FX_DATA, got, 10);
	assert_memory_equal(got, "AAAAAAAAAJ", 10);
	fx_free(f);
}

/* ---- STOS / LODS ---- */

static void test_rep_stosq_both_directions(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf3, 0x48, 0xab)); /* rep stosq */
	c->gpr[RAX] = 0x1122334455667788ull;
	c->gpr[RDI] = FX_DATA + 8;
	c->gpr[RCX] = 5;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	for (unsigned k = 0; k < 5; k++)
		assert_true(phys_read(&f->phys, FX_DATA + 8 + 8 * k, 8) == 0x1122334455667788ull);
	assert_true(phys_read(&f->phys, FX_DATA, 8) == 0);
	assert_true(phys_read(&f->phys, FX_DATA + 48, 8) == 0);
	assert_true(c->gpr[RDI] == FX_DATA + 48);
	assert_int_equal(c->gpr[RCX], 0);
	assert_true(c->rip == FX_CODE + 3);

	/* DF = 1: from RDI downwards; RDI ends one element below the last one written. */
	fx_code(f, CODE(0xf3, 0x48, 0xab));
	set_df(f, true);
	c->gpr[RAX] = 0xaabbccddeeff0011ull;
	c->gpr[RDI] = FX_DATA + 0x1000;
	c->gpr[RCX] = 3;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	for (unsigned k = 0; k < 3; k++)
		assert_true(phys_read(&f->phys, FX_DATA + 0x1000 - 8 * k, 8) ==
			    0xaabbccddeeff0011ull);
	assert_true(phys_read(&f->phys, FX_DATA + 0x1000 - 24, 8) == 0);
	assert_true(phys_read(&f->phys, FX_DATA + 0x1008, 8) == 0);
	assert_true(c->gpr[RDI] == FX_DATA + 0x1000 - 24);
	fx_free(f);
}

/* STOSW/STOSD without REP: one element, RCX untouched; LODS keeps or zero-extends RAX. */
static void test_stos_lods_single(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	/* stosw; stosd; lodsb; lodsd; lodsq */
	fx_code(f, CODE(0x66, 0xab, 0xab, 0xac, 0xad, 0x48, 0xad));
	c->gpr[RAX] = 0xffffffff87654321ull;
	c->gpr[RCX] = 77;
	c->gpr[RDI] = FX_DATA;
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED);
	assert_true(phys_read(&f->phys, FX_DATA, 2) == 0x4321);
	assert_true(phys_read(&f->phys, FX_DATA + 2, 4) == 0x87654321);
	assert_true(c->gpr[RDI] == FX_DATA + 6);
	assert_int_equal(c->gpr[RCX], 77);

	phys_write(&f->phys, FX_DATA + 0x100, 8, 0x0807060504030201ull);
	phys_write(&f->phys, FX_DATA + 0x108, 8, 0x8877665544332211ull);
	c->gpr[RSI] = FX_DATA + 0x100;
	c->gpr[RAX] = 0xdeadbeefcafef00dull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* lodsb: bits 63:8 kept */
	assert_true(c->gpr[RAX] == 0xdeadbeefcafef001ull);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* lodsd: zero-extended */
	assert_true(c->gpr[RAX] == 0x05040302ull);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* lodsq */
	assert_true(c->gpr[RAX] == 0x5544332211080706ull);
	assert_true(c->gpr[RSI] == FX_DATA + 0x100 + 13);
	fx_free(f);
}

/* F2H on MOVS/LODS repeats like F3H (docs/decisions.md); REP LODS leaves the last element. */
static void test_repne_prefix_and_rep_lods(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, FX_DATA, "12345678", 8);
	fx_code(f, CODE(0xf2, 0xa4, 0xf3, 0x66, 0xad)); /* repne movsb; rep lodsw */
	c->gpr[RSI] = FX_DATA;
	c->gpr[RDI] = FX_DATA + 0x40;
	c->gpr[RCX] = 6;
	cpu_set_rflags(c, RFLAGS_FIXED); /* ZF = 0 would end a REPE/REPNE compare loop */
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	u8 got[7];
	phys_copy_out(&f->phys, FX_DATA + 0x40, got, 7);
	assert_memory_equal(got, "123456\0", 7);
	assert_int_equal(c->gpr[RCX], 0);
	c->gpr[RSI] = FX_DATA;
	c->gpr[RCX] = 3;
	c->gpr[RAX] = 0xabcdef0000000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RAX] == (0xabcdef0000000000ull | ('6' << 8) | '5'));
	assert_true(c->gpr[RSI] == FX_DATA + 6);
	fx_free(f);
}

/* ---- count 0, address size ---- */

/* REP with a count of 0: nothing happens (no memory, no registers, no flags). */
static void test_rep_count_zero(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf3, 0xa4, 0xf3, 0xa6, 0x67, 0xf3, 0xaa));
	c->gpr[RSI] = FX_DATA;
	c->gpr[RDI] = FX_DATA + 0x100;
	phys_write(&f->phys, FX_DATA, 1, 0x5a);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_ZF | RFLAGS_CF);
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED); /* rep movsb; repe cmpsb */
	assert_int_equal(rd8(f, FX_DATA + 0x100), 0);
	assert_true(c->gpr[RSI] == FX_DATA && c->gpr[RDI] == FX_DATA + 0x100);
	assert_true(cpu_rflags(c) == (RFLAGS_FIXED | RFLAGS_ZF | RFLAGS_CF));
	/* 32-bit address size: ECX = 0 counts as 0 even with RCX bits 63:32 set; RCX kept. */
	c->gpr[RCX] = 0xffffffff00000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RCX] == 0xffffffff00000000ull);
	assert_int_equal(rd8(f, FX_DATA + 0x100), 0);
	assert_true(c->rip == FX_CODE + 7);
	fx_free(f);
}

/* 67H: ESI/EDI/ECX are used and written as 32-bit registers (bits 63:32 cleared). */
static void test_address_size_32(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, FX_DATA, "wxyz", 4);
	fx_code(f, CODE(0x67, 0xf3, 0xa4)); /* rep movsb [edi], [esi] */
	c->gpr[RSI] = 0xdead00000000ull | FX_DATA;
	c->gpr[RDI] = 0xbeef00000000ull | (FX_DATA + 0x80);
	c->gpr[RCX] = 0x100000004ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	u8 got[5];
	phys_copy_out(&f->phys, FX_DATA + 0x80, got, 5);
	assert_memory_equal(got, "wxyz\0", 5);
	assert_true(c->gpr[RSI] == FX_DATA + 4);
	assert_true(c->gpr[RDI] == FX_DATA + 0x84);
	assert_true(c->gpr[RCX] == 0);

	/* The 32-bit offset wraps: STOSB at EDI = 0 with DF = 1 leaves EDI = 0xFFFFFFFF. */
	fx_code(f, CODE(0x67, 0xaa));
	set_df(f, true);
	c->gpr[RAX] = 0x3c;
	c->gpr[RDI] = 0x700000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(rd8(f, 0), 0x3c);
	assert_true(c->gpr[RDI] == 0xffffffffull);
	fx_free(f);
}

/* ---- CMPS / SCAS ---- */

static void test_repe_cmpsb(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, FX_DATA, "abcde\x10xyzw", 10);
	phys_copy_in(&f->phys, FX_DATA + 0x100, "abcde\x20xyzw", 10);
	/* repe cmpsb: stops after the 6th compare (ZF = 0), 4 left */
	fx_code(f, CODE(0xf3, 0xa6));
	c->gpr[RSI] = FX_DATA;
	c->gpr[RDI] = FX_DATA + 0x100;
	c->gpr[RCX] = 10;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RCX], 4);
	assert_true(c->gpr[RSI] == FX_DATA + 6 && c->gpr[RDI] == FX_DATA + 0x106);
	assert_false(flag_zf(c));
	assert_true(flag_cf(c)); /* [RSI] - [RDI] = 0x10 - 0x20 borrows */
	assert_true(flag_sf(c));
	assert_true(c->rip == FX_CODE + 2);

	/* All equal: the count runs out with ZF = 1. */
	fx_code(f, CODE(0xf3, 0xa6));
	c->gpr[RSI] = FX_DATA;
	c->gpr[RDI] = FX_DATA + 0x100;
	c->gpr[RCX] = 5;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RCX], 0);
	assert_true(flag_zf(c));

	/* DF = 1, REPNE: from the end backwards until the first equal pair ('w' at 9). */
	phys_write(&f->phys, FX_DATA + 0x109, 1, 'w');
	phys_write(&f->phys, FX_DATA + 0x10a, 1, 'Q');
	phys_write(&f->phys, FX_DATA + 0x0a, 1, 'R');
	fx_code(f, CODE(0xf2, 0xa6));
	set_df(f, true);
	c->gpr[RSI] = FX_DATA + 0xa;
	c->gpr[RDI] = FX_DATA + 0x10a;
	c->gpr[RCX] = 10;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RCX], 8);
	assert_true(c->gpr[RSI] == FX_DATA + 8 && c->gpr[RDI] == FX_DATA + 0x108);
	assert_true(flag_zf(c));
	fx_free(f);
}

static void test_repne_scasb(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, FX_DATA, "hello", 6);
	/* strlen: repne scasb with AL = 0, RCX = -1 */
	fx_code(f, CODE(0xf2, 0xae));
	c->gpr[RAX] = 0xff00;
	c->gpr[RDI] = FX_DATA;
	c->gpr[RCX] = ~0ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RDI] == FX_DATA + 6);
	assert_true(c->gpr[RCX] == ~0ull - 6);
	assert_true(flag_zf(c));

	/* DF = 1: scan back from 'o' for 'h'. */
	fx_code(f, CODE(0xf2, 0xae));
	set_df(f, true);
	c->gpr[RAX] = 'h';
	c->gpr[RDI] = FX_DATA + 4;
	c->gpr[RCX] = 100;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RDI] == FX_DATA - 1);
	assert_int_equal(c->gpr[RCX], 95);
	assert_true(flag_zf(c));

	/* SCASW without REP: flags of AX - [RDI]. */
	phys_write(&f->phys, FX_DATA + 0x20, 2, 0x0002);
	fx_code(f, CODE(0x66, 0xaf));
	set_df(f, false);
	c->gpr[RAX] = 0x1230001;
	c->gpr[RDI] = FX_DATA + 0x20;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(flag_cf(c) && flag_sf(c) && !flag_zf(c) && !flag_of(c));
	assert_true(c->gpr[RDI] == FX_DATA + 0x22);
	fx_free(f);
}

/* ---- faults in the middle of a REP ---- */

/* 0x800000 is the end of the fixture's identity map: the next byte is not present. */
#define MAP_END 0x800000ull

static void test_rep_fault_midway(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf3, 0xaa)); /* rep stosb */
	c->gpr[RAX] = 0xab;
	c->gpr[RDI] = MAP_END - 2;
	c->gpr[RCX] = 5;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_int_equal(c->event.error_code, PFEC_W); /* not present, write, supervisor */
	assert_true(c->event.cr2 == MAP_END);
	assert_int_equal(c->gpr[RCX], 3);
	assert_true(c->gpr[RDI] == MAP_END);
	assert_true(c->rip == FX_CODE);
	assert_int_equal(c->retired, 0);
	assert_int_equal(rd8(f, MAP_END - 2), 0xab);
	assert_int_equal(rd8(f, MAP_END - 1), 0xab);

	/* MOVSQ with the source running off the map after two elements: a read fault. */
	fx_code(f, CODE(0xf3, 0x48, 0xa5));
	c->gpr[RSI] = MAP_END - 16;
	c->gpr[RDI] = FX_DATA;
	c->gpr[RCX] = 4;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.error_code, 0);
	assert_true(c->event.cr2 == MAP_END);
	assert_int_equal(c->gpr[RCX], 2);
	assert_true(c->gpr[RSI] == MAP_END && c->gpr[RDI] == FX_DATA + 16);

	/* STOSQ whose 2nd element straddles into the hole: nothing of it is written. */
	fx_code(f, CODE(0xf3, 0x48, 0xab));
	phys_write(&f->phys, MAP_END - 4, 4, 0);
	c->gpr[RAX] = ~0ull;
	c->gpr[RDI] = MAP_END - 12;
	c->gpr[RCX] = 3;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_true(c->event.cr2 == MAP_END);
	assert_int_equal(c->gpr[RCX], 2);
	assert_true(c->gpr[RDI] == MAP_END - 4);
	assert_true(phys_read(&f->phys, MAP_END - 4, 4) == 0);
	assert_true(phys_read(&f->phys, MAP_END - 12, 8) == ~0ull);
	fx_free(f);
}

/* REPE CMPSB faulting in its 3rd iteration: the flags are those of the 2 completed ones. */
static void test_repe_cmps_fault_flags(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	phys_copy_in(&f->phys, MAP_END - 2, "zz", 2);
	phys_copy_in(&f->phys, FX_DATA, "zz", 2);
	fx_code(f, CODE(0xf3, 0xa6));
	cpu_set_rflags(c, RFLAGS_FIXED);
	c->gpr[RSI] = MAP_END - 2;
	c->gpr[RDI] = FX_DATA;
	c->gpr[RCX] = 9;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_int_equal(c->gpr[RCX], 7);
	assert_true(flag_zf(c));
	assert_true(c->rip == FX_CODE);
	fx_free(f);
}

/* A non-canonical string address raises #GP(0), not #PF. */
static void test_string_noncanonical(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	fx_code(f, CODE(0xaa));
	f->cpu.gpr[RDI] = 0x0000800000000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_GP);
	assert_int_equal(f->cpu.event.error_code, 0);
	fx_free(f);
}

/* ---- self-modifying code, chunking ---- */

/* REP STOSB over the instructions that follow it: the new bytes execute, not the cached. */
static void test_rep_stosb_own_code(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf3, 0xaa, 0xb8, 0x01, 0x00, 0x00, 0x00)); /* rep stosb; mov eax, 1 */
	c->rip = FX_CODE + 2;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* decode and cache mov eax, 1 */
	assert_int_equal(c->gpr[RAX], 1);
	c->rip = FX_CODE;
	c->gpr[RAX] = 0x90; /* NOP */
	c->gpr[RDI] = FX_CODE + 2;
	c->gpr[RCX] = 5;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 2);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 3); /* a 1-byte NOP ran, not the 5-byte MOV */
	assert_int_equal(fx_steps(f, 4), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX], 0x90);
	assert_true(c->rip == FX_CODE + 7);

	/* A long fill of the code page (bulk path after the first store) lands completely. */
	fx_code(f, CODE(0xf3, 0xaa, 0xb8, 0x01, 0x00, 0x00, 0x00));
	c->rip = FX_CODE + 2;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	c->rip = FX_CODE;
	c->gpr[RAX] = 0x90;
	c->gpr[RDI] = FX_CODE + 2;
	c->gpr[RCX] = 4000;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	for (u64 a = FX_CODE + 2; a < FX_CODE + 4002; a++)
		assert_int_equal(rd8(f, a), 0x90);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 3);
	fx_free(f);
}

/* REP MOVSB copying "mov eax, 7" over a cached "mov eax, 1". */
static void test_rep_movsb_own_code(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf3, 0xa4, 0xb8, 0x01, 0x00, 0x00, 0x00));
	phys_copy_in(&f->phys, FX_DATA, (const u8[]){0xb8, 0x07, 0x00, 0x00, 0x00}, 5);
	c->rip = FX_CODE + 2;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	c->rip = FX_CODE;
	c->gpr[RSI] = FX_DATA;
	c->gpr[RDI] = FX_CODE + 2;
	c->gpr[RCX] = 5;
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX], 7);
	fx_free(f);
}

/*
 * At most 4096 iterations per step; RIP stays on the instruction until the count is done, and
 * each step counts as one retired instruction.
 */
static void test_rep_chunking(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf3, 0xaa));
	c->gpr[RAX] = 0x11;
	c->gpr[RDI] = FX_DATA;
	c->gpr[RCX] = 10000;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE);
	assert_int_equal(c->gpr[RCX], 10000 - 4096);
	assert_true(c->gpr[RDI] == FX_DATA + 4096);
	assert_int_equal(rd8(f, FX_DATA + 4095), 0x11);
	assert_int_equal(rd8(f, FX_DATA + 4096), 0);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RCX], 10000 - 8192);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RCX], 0);
	assert_true(c->rip == FX_CODE + 2);
	assert_int_equal(c->retired, 3);
	assert_int_equal(rd8(f, FX_DATA + 9999), 0x11);
	assert_int_equal(rd8(f, FX_DATA + 10000), 0);

	/* The element path (REPNE SCASB) is bounded the same way. */
	fx_code(f, CODE(0xf2, 0xae));
	c->gpr[RAX] = 0x77;
	c->gpr[RDI] = FX_DATA + 0x10000;
	c->gpr[RCX] = 5000;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE);
	assert_int_equal(c->gpr[RCX], 5000 - 4096);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RCX], 0);
	assert_false(flag_zf(c));
	assert_true(c->rip == FX_CODE + 2);
	fx_free(f);
}

/* ---- segment overrides ---- */

/* FS/GS overrides add their base to the source; ES/DS/SS/CS overrides and the ES base of the
 * destination are ignored in 64-bit mode. */
static void test_segment_override(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	c->seg[SEG_FS].base = FX_DATA + 0x1000;
	c->seg[SEG_GS].base = FX_DATA + 0x2000;
	c->seg[SEG_ES].base = 0x10000;
	c->seg[SEG_DS].base = 0x20000;
	phys_write(&f->phys, FX_DATA + 0x1010, 1, 0xf5);
	phys_write(&f->phys, FX_DATA + 0x2010, 1, 0x95);
	phys_write(&f->phys, FX_DATA + 0x10, 1, 0xd5);
	/* fs movsb; gs lodsb; es movsb; fs rep movsq (2) */
	fx_code(f, CODE(0x64, 0xa4, 0x65, 0xac, 0x26, 0xa4, 0x64, 0xf3, 0x48, 0xa5));
	c->gpr[RSI] = 0x10;
	c->gpr[RDI] = FX_DATA + 0x100;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(rd8(f, FX_DATA + 0x100), 0xf5);
	c->gpr[RSI] = 0x10;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX] & 0xff, 0x95);
	c->gpr[RSI] = FX_DATA + 0x10;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(rd8(f, FX_DATA + 0x101), 0xd5);
	phys_write(&f->phys, FX_DATA + 0x1020, 8, 0x0102030405060708ull);
	phys_write(&f->phys, FX_DATA + 0x1028, 8, 0x1112131415161718ull);
	c->gpr[RSI] = 0x20;
	c->gpr[RDI] = FX_DATA + 0x200;
	c->gpr[RCX] = 2;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(phys_read(&f->phys, FX_DATA + 0x200, 8) == 0x0102030405060708ull);
	assert_true(phys_read(&f->phys, FX_DATA + 0x208, 8) == 0x1112131415161718ull);
	assert_true(c->gpr[RSI] == 0x30);
	fx_free(f);
}

/* MOVSD/CMPSD with XMM operands are SSE2, not string instructions: #UD in this model. */
static void test_sse_movsd_not_string(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	f->cpu.gpr[RCX] = 3;
	fx_code(f, CODE(0xf2, 0x0f, 0x10, 0xc1)); /* movsd xmm0, xmm1 */
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_UD);
	fx_code(f, CODE(0xf2, 0x0f, 0xc2, 0xc1, 0x00)); /* cmpsd xmm0, xmm1, 0 */
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_UD);
	assert_int_equal(f->cpu.gpr[RCX], 3);
	fx_free(f);
}

/* ---- MMIO: element by element ---- */

#define MMIO_BASE 0xfeb00000ull
#define FX_PD_HI 0x4000

struct mmio_log {
	unsigned n;
	u64 pa[16];
	unsigned size[16];
	u64 val[16];
	bool write[16];
};

static u64 mmio_rd(void *ctx, u64 pa, unsigned size)
{
	struct mmio_log *m = ctx;
	if (m->n < 16) {
		m->pa[m->n] = pa;
		m->size[m->n] = size;
		m->write[m->n++] = false;
	}
	return 0x4142434445464748ull & size_mask(size);
}

static void mmio_wr(void *ctx, u64 pa, unsigned size, u64 v)
{
	struct mmio_log *m = ctx;
	if (m->n < 16) {
		m->pa[m->n] = pa;
		m->size[m->n] = size;
		m->val[m->n] = v;
		m->write[m->n++] = true;
	}
}

static void map_mmio(struct fx *f, struct mmio_log *log)
{
	phys_write(&f->phys, FX_PDPT + 8 * 3, 8, FX_PD_HI | 7);
	phys_write(&f->phys, FX_PD_HI + 8 * ((0xfea00000ull >> 21) & 511), 8, 0xfea00000ull | 0x87);
	assert_true(phys_add_mmio(&f->phys, MMIO_BASE, 4096, mmio_rd, mmio_wr, log));
}

static void test_rep_string_mmio(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	struct mmio_log log = {0};
	map_mmio(f, &log);
	fx_code(f, CODE(0xf3, 0x66, 0xab, 0xf3, 0xa4)); /* rep stosw; rep movsb */
	c->gpr[RAX] = 0xbeef;
	c->gpr[RDI] = MMIO_BASE + 0x10;
	c->gpr[RCX] = 3;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(log.n, 3);
	for (unsigned k = 0; k < 3; k++) {
		assert_true(log.write[k] && log.size[k] == 2 && log.val[k] == 0xbeef);
		assert_true(log.pa[k] == MMIO_BASE + 0x10 + 2 * k);
	}
	log.n = 0;
	c->gpr[RSI] = MMIO_BASE + 0x40;
	c->gpr[RDI] = FX_DATA;
	c->gpr[RCX] = 2;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(log.n, 2);
	assert_true(!log.write[0] && log.pa[1] == MMIO_BASE + 0x41 && log.size[1] == 1);
	assert_int_equal(rd8(f, FX_DATA), 0x48);
	fx_free(f);
}

/* ---- port I/O ---- */

struct io_log {
	unsigned n;
	struct io_req req[16];
	u32 next_in;
};

static struct io_log *g_io;

static void io_hook(struct vx_cpu *c, struct io_req *req)
{
	(void)c;
	if (req->in)
		req->value = g_io->next_in++;
	if (g_io->n < 16)
		g_io->req[g_io->n++] = *req;
}

static const struct cpu_hooks hooks = {.io = io_hook};

static void assert_req(const struct io_req *r, bool in, u16 port, u8 size, u32 value)
{
	assert_int_equal(r->in, in);
	assert_int_equal(r->port, port);
	assert_int_equal(r->size, size);
	assert_int_equal(r->value, value);
}

static void test_in_out_hook(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	struct io_log log = {.next_in = 0xa1b2c3d4};
	g_io = &log;
	c->hooks = &hooks;
	/* out 0x80, al; out dx, ax; out dx, eax; in al, 0x71; in ax, dx; in eax, dx */
	fx_code(f, CODE(0xe6, 0x80, 0x66, 0xef, 0xef, 0xe4, 0x71, 0x66, 0xed, 0xed));
	c->gpr[RAX] = 0x1122334455667788ull;
	c->gpr[RDX] = 0xffff03f8;
	assert_int_equal(fx_steps(f, 3), STEP_RETIRED);
	assert_req(&log.req[0], false, 0x80, 1, 0x88);
	assert_req(&log.req[1], false, 0x3f8, 2, 0x7788);
	assert_req(&log.req[2], false, 0x3f8, 4, 0x55667788);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);     /* in al: bits 63:8 kept */
	assert_req(&log.req[3], true, 0x71, 1, 0xa1b2c3d4); /* as the hook left it */
	assert_true(c->gpr[RAX] == 0x11223344556677d4ull);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* in ax: bits 63:16 kept */
	assert_true(c->gpr[RAX] == 0x112233445566c3d5ull);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* in eax: zero-extended */
	assert_true(c->gpr[RAX] == 0xa1b2c3d6ull);
	assert_int_equal(log.n, 6);
	assert_true(c->rip == FX_CODE + 10);
	fx_free(f);
}

/* Without an I/O hook, IN reads all ones and OUT goes nowhere. */
static void test_io_no_hook(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xe6, 0x80, 0xed, 0xe4, 0x60)); /* out 0x80, al; in eax, dx; in al, 0x60 */
	c->gpr[RAX] = 0x123456789abcdef0ull;
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED);
	assert_true(c->gpr[RAX] == 0xffffffffull);
	c->gpr[RAX] = 0x1200;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RAX] == 0x12ff);
	fx_free(f);
}

/* TSS at FX_DATA with the I/O map at offset 0x68, all ports denied except those cleared. */
#define TSS FX_DATA
#define IOMAP 0x68

static void setup_user_io(struct fx *f, u32 map_bytes)
{
	struct vx_cpu *c = &f->cpu;
	cpu_set_flat64(c, 3);
	c->seg[SEG_TR].base = TSS;
	c->seg[SEG_TR].limit = IOMAP + map_bytes - 1;
	phys_write(&f->phys, TSS + 102, 2, IOMAP);
	for (u32 k = 0; k < map_bytes; k++)
		phys_write(&f->phys, TSS + IOMAP + k, 1, 0xff);
	cpu_set_rflags(c, RFLAGS_FIXED); /* IOPL = 0 */
}

static void allow_port(struct fx *f, u16 port)
{
	u64 a = TSS + IOMAP + port / 8;
	phys_write(&f->phys, a, 1, rd8(f, a) & ~(1u << (port & 7)));
}

static void expect_gp(struct fx *f, u64 rip)
{
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_GP);
	assert_int_equal(f->cpu.event.error_code, 0);
	assert_true(f->cpu.rip == rip);
}

/* SDM Vol. 1 18.5.2 "I/O Permission Bit Map" at CPL 3 with IOPL 0. */
static void test_io_bitmap(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	struct io_log log = {0};
	g_io = &log;
	c->hooks = &hooks;
	setup_user_io(f, 8192 + 1);
	allow_port(f, 0x80);
	allow_port(f, 0x7f);
	for (u16 p = 0x3f8; p < 0x3fb; p++)
		allow_port(f, p);
	/* out 0x80, al (allowed); out 0x81, al (denied) */
	fx_code(f, CODE(0xe6, 0x80, 0xe6, 0x81));
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(log.n, 1);
	expect_gp(f, FX_CODE + 2);
	assert_int_equal(log.n, 1); /* the device never saw the denied access */

	/* in ax, dx at 0x3f8 (3f8, 3f9 clear) passes; in eax, dx needs 3fb too: #GP. */
	fx_code(f, CODE(0x66, 0xed, 0xed));
	c->gpr[RDX] = 0x3f8;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	expect_gp(f, FX_CODE + 2);
	/* A 2-byte access across a bitmap byte (ports 0x7f, 0x80) tests both bytes. */
	fx_code(f, CODE(0x66, 0xef));
	c->gpr[RDX] = 0x7f;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(log.n, 3);

	/* IOPL = 3: every port, whatever the map says. */
	fx_code(f, CODE(0xe6, 0x81));
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IOPL);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	/* CPL 0 with IOPL 0 is not checked either. */
	cpu_set_flat64(c, 0);
	cpu_set_rflags(c, RFLAGS_FIXED);
	fx_code(f, CODE(0xe6, 0x81));
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	fx_free(f);
}

/* The map must cover both bytes the processor reads; a TSS without a map base field denies. */
static void test_io_bitmap_limit(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	setup_user_io(f, 16); /* map bytes 0..15: ports 0..127, and no byte 16 */
	allow_port(f, 0x10);
	allow_port(f, 0x78);
	fx_code(f, CODE(0xe6, 0x10, 0xe6, 0x78));
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	expect_gp(f, FX_CODE + 2); /* bit clear but byte 16 is past the limit */
	c->seg[SEG_TR].limit = IOMAP + 16;
	phys_write(&f->phys, TSS + IOMAP + 16, 1, 0xff);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);

	/* Too short for the map base at 102..103: denied even if a map at offset 0 would allow. */
	c->seg[SEG_TR].limit = 101;
	phys_write(&f->phys, TSS + 102, 2, 0);
	phys_write(&f->phys, TSS, 8, 0);
	fx_code(f, CODE(0xe6, 0x10));
	expect_gp(f, FX_CODE);
	fx_free(f);
}

/* REP INSB / REP OUTSW through the hook; INSD ignores REX.W (4-byte elements). */
static void test_rep_ins_outs(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	struct io_log log = {.next_in = 0x40};
	g_io = &log;
	c->hooks = &hooks;
	fx_code(f, CODE(0xf3, 0x6c, 0xf3, 0x66, 0x6f, 0x48, 0x6d, 0x64, 0x6e));
	c->gpr[RDX] = 0x60;
	c->gpr[RDI] = FX_DATA;
	c->gpr[RCX] = 4;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* rep insb */
	assert_true(phys_read(&f->phys, FX_DATA, 4) == 0x43424140);
	assert_true(c->gpr[RDI] == FX_DATA + 4 && c->gpr[RCX] == 0);
	assert_int_equal(log.n, 4);

	log.n = 0;
	set_df(f, true);
	phys_write(&f->phys, FX_DATA + 0x100, 4, 0x22221111);
	c->gpr[RSI] = FX_DATA + 0x102;
	c->gpr[RCX] = 2;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* rep outsw, DF = 1 */
	assert_req(&log.req[0], false, 0x60, 2, 0x2222);
	assert_req(&log.req[1], false, 0x60, 2, 0x1111);
	assert_true(c->gpr[RSI] == FX_DATA + 0xfe);

	set_df(f, false);
	log.n = 0;
	c->gpr[RDI] = FX_DATA + 0x200;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* insd with REX.W */
	assert_req(&log.req[0], true, 0x60, 4, 0x44);
	assert_true(c->gpr[RDI] == FX_DATA + 0x204);

	c->seg[SEG_FS].base = FX_DATA + 0x300;
	phys_write(&f->phys, FX_DATA + 0x305, 1, 0x5e);
	c->gpr[RSI] = 5;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED); /* fs outsb */
	assert_req(&log.req[1], false, 0x60, 1, 0x5e);
	fx_free(f);
}

/* INS to a page that is not present: #PF before the port is read (no data is lost). */
static void test_ins_fault_before_io(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	struct io_log log = {0};
	g_io = &log;
	c->hooks = &hooks;
	fx_code(f, CODE(0xf3, 0x6c));
	c->gpr[RDX] = 0x60;
	c->gpr[RDI] = MAP_END - 1;
	c->gpr[RCX] = 3;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_int_equal(c->event.error_code, PFEC_W);
	assert_int_equal(log.n, 1); /* the first element, inside the map */
	assert_int_equal(c->gpr[RCX], 2);
	assert_true(c->rip == FX_CODE);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rep_movs_reference),
	    cmocka_unit_test(test_movsb_overlap_replicates),
	    cmocka_unit_test(test_rep_stosq_both_directions),
	    cmocka_unit_test(test_stos_lods_single),
	    cmocka_unit_test(test_repne_prefix_and_rep_lods),
	    cmocka_unit_test(test_rep_count_zero),
	    cmocka_unit_test(test_address_size_32),
	    cmocka_unit_test(test_repe_cmpsb),
	    cmocka_unit_test(test_repne_scasb),
	    cmocka_unit_test(test_rep_fault_midway),
	    cmocka_unit_test(test_repe_cmps_fault_flags),
	    cmocka_unit_test(test_string_noncanonical),
	    cmocka_unit_test(test_rep_stosb_own_code),
	    cmocka_unit_test(test_rep_movsb_own_code),
	    cmocka_unit_test(test_rep_chunking),
	    cmocka_unit_test(test_segment_override),
	    cmocka_unit_test(test_sse_movsd_not_string),
	    cmocka_unit_test(test_rep_string_mmio),
	    cmocka_unit_test(test_in_out_hook),
	    cmocka_unit_test(test_io_no_hook),
	    cmocka_unit_test(test_io_bitmap),
	    cmocka_unit_test(test_io_bitmap_limit),
	    cmocka_unit_test(test_rep_ins_outs),
	    cmocka_unit_test(test_ins_fault_before_io),
	};
	return cmocka_run_group_tests_name("string_io", tests, NULL, NULL);
}
