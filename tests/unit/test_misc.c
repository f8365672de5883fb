// SPDX-License-Identifier: MIT
/*
 * Miscellaneous instructions (src/cpu/op_misc.c): flag instructions, LAHF/SAHF, software
 * interrupts, UDn, RDRAND/RDSEED, CLFLUSH, hints, XLAT, MONITOR/MWAIT, INVPCID.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/vmx.h"
#include "cpu/profile.h"
#include "cpu_fixture.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

enum { RAX, RCX, RDX, RBX, RSP };

static struct fx *fx_setup(void)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	return f;
}

static u64 arith(const struct vx_cpu *c)
{
	return cpu_rflags(c) & RFLAGS_ARITH;
}

/* CLC, STC, CMC change CF only; CLD, STD change DF only. */
static void test_flag_instructions(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xf9, 0xf5, 0xf5, 0xf8, 0xfd, 0xfc)); /* stc cmc cmc clc std cld */
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_ZF | RFLAGS_OF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_CF | RFLAGS_ZF | RFLAGS_OF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_ZF | RFLAGS_OF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_CF | RFLAGS_ZF | RFLAGS_OF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_ZF | RFLAGS_OF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(cpu_rflags(c) & RFLAGS_DF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_false(cpu_rflags(c) & RFLAGS_DF);
	assert_int_equal(arith(c), RFLAGS_ZF | RFLAGS_OF);

	/* CMC after a lazily computed carry: add al, 0xff with AL = 1 carries. */
	fx_code(f, CODE(0xb0, 0x01, 0x80, 0xc0, 0xff, 0xf5)); /* mov al, 1; add al, 0xff; cmc */
	assert_int_equal(fx_steps(f, 3), STEP_RETIRED);
	assert_false(flag_cf(c));
	assert_true(flag_zf(c));
	fx_free(f);
}

/* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF.  SAHF loads SF, ZF, AF, PF, CF from AH; OF unchanged. */
static void test_lahf_sahf(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0x9f, 0x9e, 0x9e)); /* lahf; sahf; sahf */
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_ARITH | RFLAGS_TF);
	c->gpr[RAX] = 0x1122334455660077ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RAX] == 0x112233445566d777ull);

	c->gpr[RAX] = 0x0000;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_OF);
	assert_true(cpu_rflags(c) & RFLAGS_TF);

	c->gpr[RAX] = 0xff00;
	cpu_set_rflags(c, RFLAGS_FIXED);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	/* bits 5 and 3 of AH do not reach RFLAGS; bit 1 stays 1 */
	assert_int_equal(cpu_rflags(c),
			 RFLAGS_FIXED | RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF);

	/* LAHF after a lazy SUB: 1 - 2 gives SF, AF, PF, CF (0xff has even parity). */
	fx_code(f, CODE(0xb0, 0x01, 0x80, 0xe8, 0x02, 0x9f)); /* mov al, 1; sub al, 2; lahf */
	assert_int_equal(fx_steps(f, 3), STEP_RETIRED);
	assert_int_equal((c->gpr[RAX] >> 8) & 0xff, 0x97);
	fx_free(f);
}

/* Software interrupts: vector, event type, no error code, RIP after the instruction. */
static void check_soft(const u8 *code, size_t len, unsigned vector, unsigned type)
{
	struct fx *f = fx_setup();
	fx_code(f, code, len);
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_true(f->cpu.event.valid);
	assert_int_equal(f->cpu.event.vector, vector);
	assert_int_equal(f->cpu.event.type, type);
	assert_false(f->cpu.event.has_error);
	assert_true(f->cpu.rip == FX_CODE + len);
	fx_free(f);
}

static void test_software_interrupts(void **state)
{
	(void)state;
	check_soft(CODE(0xcc), X86_VEC_BP, VMX_INTR_TYPE_SOFT_EXCEPTION);
	check_soft(CODE(0xcd, 0x03), 3, VMX_INTR_TYPE_SOFT_INTR);
	check_soft(CODE(0xcd, 0x80), 0x80, VMX_INTR_TYPE_SOFT_INTR);
	check_soft(CODE(0xcd, 0xff), 0xff, VMX_INTR_TYPE_SOFT_INTR);
	check_soft(CODE(0xf1), X86_VEC_DB, VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION);
}

/* UD0, UD1, UD2: #UD as a fault (RIP at the instruction). */
static void test_ud(void **state)
{
	(void)state;
	static const u8 codes[][3] = {{0x0f, 0x0b, 0x90}, {0x0f, 0xb9, 0xc0}, {0x0f, 0xff, 0xc0}};
	for (size_t k = 0; k < ARRAY_SIZE(codes); k++) {
		struct fx *f = fx_setup();
		fx_code(f, codes[k], 3);
		assert_int_equal(fx_steps(f, 1), STEP_FAULT);
		assert_int_equal(f->cpu.event.vector, X86_VEC_UD);
		assert_int_equal(f->cpu.event.type, VMX_INTR_TYPE_HARD_EXCEPTION);
		assert_true(f->cpu.rip == FX_CODE);
		fx_free(f);
	}
}

/* ---- RDRAND / RDSEED ---- */

/* rdrand rax; rdrand ecx; rdrand dx; rdseed rbx */
static const u8 rng_code[] = {0x48, 0x0f, 0xc7, 0xf0, 0x0f, 0xc7, 0xf1, 0x66,
			      0x0f, 0xc7, 0xf2, 0x48, 0x0f, 0xc7, 0xfb};

static void run_rng(struct fx *f, u64 seed, u64 out[4])
{
	struct vx_cpu *c = &f->cpu;
	fx_code(f, rng_code, sizeof(rng_code));
	c->rng_state = seed;
	c->gpr[RCX] = ~0ull;
	c->gpr[RDX] = 0x1111222233334444ull;
	assert_int_equal(fx_steps(f, 4), STEP_RETIRED);
	out[0] = c->gpr[RAX];
	out[1] = c->gpr[RCX];
	out[2] = c->gpr[RDX];
	out[3] = c->gpr[RBX];
}

static void test_rdrand_deterministic(void **state)
{
	(void)state;
	struct fx *a = fx_setup(), *b = fx_setup();
	u64 x[4], y[4], z[4];
	run_rng(a, 0, x);
	run_rng(b, 0, y);
	assert_memory_equal(x, y, sizeof(x));
	/* SplitMix64 from state 0: the published first output. */
	assert_true(x[0] == 0xe220a8397b1dcdafull);
	assert_true(x[1] <= 0xffffffffull);                         /* 32-bit: zero-extended */
	assert_true((x[2] >> 16) == 0x111122223333ull);             /* 16-bit: bits 63:16 kept */
	assert_true(x[0] != x[3] && (x[1] != (x[0] & 0xffffffff))); /* the sequence moves on */
	run_rng(b, 12345, z);
	assert_true(z[0] != x[0]);
	run_rng(a, 12345, y);
	assert_memory_equal(y, z, sizeof(y));
	fx_free(a);
	fx_free(b);
}

/* Success: CF = 1 and OF, SF, ZF, AF, PF = 0 (other flags untouched). */
static void test_rdrand_flags(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0x0f, 0xc7, 0xf0, 0x0f, 0xc7, 0xf8)); /* rdrand eax; rdseed eax */
	cpu_set_rflags(c, RFLAGS_FIXED | (RFLAGS_ARITH & ~RFLAGS_CF) | RFLAGS_DF);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_CF);
	assert_true(cpu_rflags(c) & RFLAGS_DF);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_ARITH);
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(arith(c), RFLAGS_CF);
	fx_free(f);
}

/* ---- CPUID-enumerated instructions ---- */

/* Sets or clears one CPUID bit in a profile copy and re-derives its has_* booleans. */
static void profile_bit(struct cpu_profile *p, u32 leaf, unsigned reg, unsigned bit, bool on)
{
	for (unsigned k = 0; k < p->nleaves; k++) {
		struct cpuid_leaf *l = &p->leaves[k];
		if (l->leaf == leaf && (!l->indexed || l->subleaf == 0)) {
			l->r[reg] = on ? l->r[reg] | (u32)BIT(bit) : l->r[reg] & ~(u32)BIT(bit);
			cpu_profile_derive(p);
			return;
		}
	}
	fail_msg("leaf %x is not in the profile", leaf);
}

/* The default profile with CLFLUSH (01H EDX[19]) and CLFLUSHOPT (07H EBX[23]) reported. */
static struct cpu_profile clflush_profile;

static void use_clflush_profile(struct vx_cpu *c)
{
	clflush_profile = *cpu_profile_default();
	profile_bit(&clflush_profile, 1, CPUID_EDX, 19, true);
	profile_bit(&clflush_profile, 7, CPUID_EBX, 23, true);
	c->profile = &clflush_profile;
}

/* Without its own CPUID bit (only that one cleared), each of RDRAND, RDSEED, LAHF, SAHF,
 * CLFLUSH, CLFLUSHOPT, MONITOR and MWAIT raises #UD; with it, the same bytes execute. */
static void test_cpuid_gated_ud(void **state)
{
	(void)state;
	static struct cpu_profile p;
	static const struct {
		u8 code[4];
		u8 len;
		u32 leaf;
		u8 reg, bit;
	} insns[] = {
	    {{0x0f, 0xc7, 0xf0}, 3, 1, CPUID_ECX, 30},       /* rdrand eax: RDRAND */
	    {{0x0f, 0xc7, 0xf8}, 3, 7, CPUID_EBX, 18},       /* rdseed eax: RDSEED */
	    {{0x9f}, 1, 0x80000001, CPUID_ECX, 0},           /* lahf: LAHF-SAHF */
	    {{0x9e}, 1, 0x80000001, CPUID_ECX, 0},           /* sahf: LAHF-SAHF */
	    {{0x0f, 0xae, 0x38}, 3, 1, CPUID_EDX, 19},       /* clflush [rax]: CLFSH */
	    {{0x66, 0x0f, 0xae, 0x38}, 4, 7, CPUID_EBX, 23}, /* clflushopt: CLFLUSHOPT */
	    {{0x0f, 0x01, 0xc8}, 3, 1, CPUID_ECX, 3},        /* monitor: MONITOR */
	    {{0x0f, 0x01, 0xc9}, 3, 1, CPUID_ECX, 3},        /* mwait: MONITOR */
	};
	for (size_t k = 0; k < ARRAY_SIZE(insns); k++) {
		struct fx *f = fx_setup();
		use_clflush_profile(&f->cpu);
		p = clflush_profile;
		profile_bit(&p, insns[k].leaf, insns[k].reg, insns[k].bit, false);
		f->cpu.profile = &p;
		f->cpu.gpr[RAX] = FX_DATA;
		fx_code(f, insns[k].code, insns[k].len);
		assert_int_equal(fx_steps(f, 1), STEP_FAULT);
		assert_int_equal(f->cpu.event.vector, X86_VEC_UD);
		assert_true(f->cpu.rip == FX_CODE);
		f->cpu.profile = &clflush_profile;
		assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
		fx_free(f);
	}
}

/* ---- CLFLUSH ---- */

#define FX_PT 0x5000
#define PT_BASE 0x600000ull /* 2 MiB region remapped with 4 KiB supervisor pages */

/* Replaces the 2 MiB page at 6 MiB by 4 KiB pages: P, R/W, supervisor, A = D = 0. */
static void map_small_pages(struct fx *f)
{
	phys_write(&f->phys, FX_PD + 8 * 3, 8, FX_PT | 7);
	for (u64 k = 0; k < 512; k++)
		phys_write(&f->phys, FX_PT + 8 * k, 8, (PT_BASE + 4096 * k) | 3);
}

static void test_clflush(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	use_clflush_profile(c);
	map_small_pages(f);
	/* clflush [rax]; clflushopt [rax] */
	fx_code(f, CODE(0x0f, 0xae, 0x38, 0x66, 0x0f, 0xae, 0x38));
	c->gpr[RAX] = 0x40000000; /* not mapped */
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_int_equal(c->event.error_code, 0); /* a read, not a write */
	assert_true(c->event.cr2 == 0x40000000);
	assert_true(c->rip == FX_CODE);

	/* Mapped: no fault; A is set, D is not (like a load). */
	c->gpr[RAX] = PT_BASE + 0x1234;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	u64 pte = phys_read(&f->phys, FX_PT + 8, 8);
	assert_true(pte & BIT(5));
	assert_false(pte & BIT(6));
	/* CLFLUSHOPT: the same checks. */
	c->gpr[RAX] = 0x40000040;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_true(c->rip == FX_CODE + 3);
	fx_free(f);
}

/* CPL 3 on a supervisor page: #PF(P|U); non-canonical: #GP(0), or #SS(0) through RSP. */
static void test_clflush_rights(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	use_clflush_profile(c);
	map_small_pages(f);
	cpu_set_flat64(c, 3);
	fx_code(f, CODE(0x0f, 0xae, 0x38, 0x0f, 0xae, 0x3c, 0x24)); /* clflush [rax]; [rsp] */
	c->gpr[RAX] = PT_BASE;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_PF);
	assert_int_equal(c->event.error_code, PFEC_P | PFEC_U);

	c->gpr[RAX] = 0x8000000000000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_GP);
	assert_int_equal(c->event.error_code, 0);

	c->rip = FX_CODE + 3;
	c->gpr[RSP] = 0x0000900000000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_SS);
	fx_free(f);
}

/* Prefetches never fault; fences, PAUSE and ENDBR retire as NOPs. */
static void test_hints(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0x0f, 0x18, 0x08,         /* prefetcht0 [rax] */
			0x0f, 0x18, 0x00,         /* prefetchnta [rax] */
			0x0f, 0x0d, 0x08,         /* prefetchw [rax] */
			0x0f, 0x18, 0x10,         /* prefetcht1 [rax] */
			0x0f, 0x18, 0x18,         /* prefetcht2 [rax] */
			0xf3, 0x90,               /* pause */
			0x0f, 0xae, 0xe8,         /* lfence */
			0x0f, 0xae, 0xf8,         /* sfence */
			0x0f, 0xae, 0xf0,         /* mfence */
			0xf3, 0x0f, 0x1e, 0xfa,   /* endbr64 */
			0xf3, 0x0f, 0x1e, 0xfb)); /* endbr32 */
	c->gpr[RAX] = 0x8000000000000000ull;      /* non-canonical, and unmapped */
	assert_int_equal(fx_steps(f, 11), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 34);
	assert_int_equal(c->retired, 11);
	fx_free(f);
}

/* ---- MONITOR / MWAIT ---- */

#define MONITOR_INSN 0x0f, 0x01, 0xc8
#define MWAIT_INSN 0x0f, 0x01, 0xc9

/* The next instruction raises `vector` with `error` and leaves RIP on it. */
static void step_faults(struct fx *f, unsigned vector, u32 error, int line)
{
	u64 rip = f->cpu.rip;
	enum cpu_step r = fx_steps(f, 1);
	if (r != STEP_FAULT || f->cpu.event.vector != vector || f->cpu.event.error_code != error ||
	    f->cpu.rip != rip)
		fail_msg("line %d: step %d vector %u error %#x, expected fault %u (%#x)", line, r,
			 f->cpu.event.vector, f->cpu.event.error_code, vector, error);
}

#define STEP_FAULTS(f, v, e) step_faults(f, v, e, __LINE__)

/* CPUID: leaf 01H ECX[3] MONITOR, leaf 05H 64-byte monitor lines and no extensions, leaf
 * (07H, 0) EBX[10] INVPCID, on every profile. */
static void test_monitor_cpuid(void **state)
{
	(void)state;
	for (unsigned n = 0; cpu_profile_at(n); n++) {
		const struct cpu_profile *p = cpu_profile_at(n);
		u32 r[4];
		cpuid_lookup(p, 1, 0, r);
		assert_true(r[CPUID_ECX] & BIT(3));
		cpuid_lookup(p, 5, 0, r);
		assert_int_equal(r[CPUID_EAX], 64);
		assert_int_equal(r[CPUID_EBX], 64);
		assert_int_equal(r[CPUID_ECX], 0);
		assert_int_equal(r[CPUID_EDX], 0);
		cpuid_lookup(p, 7, 0, r);
		assert_true(r[CPUID_EBX] & BIT(10));
	}
}

/* MONITOR: ECX must be 0 (#GP(0)); the address is checked like a byte load (#PF with a read
 * error code, A set but not D; #GP(0) when non-canonical); 67H takes EAX; CPL 3 is #UD.  (The
 * instructions sit at different addresses: the decoded-instruction cache keys on the address.) */
static void test_monitor(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	map_small_pages(f);
	fx_code(f, CODE(MONITOR_INSN, MONITOR_INSN, 0x67, MONITOR_INSN, MONITOR_INSN));
	c->gpr[RAX] = PT_BASE + 0x1234;
	c->gpr[RCX] = 1;
	STEP_FAULTS(f, X86_VEC_GP, 0);
	c->gpr[RCX] = 0xffffffff00000000ull; /* only ECX counts */
	c->gpr[RDX] = 0xffffffff;            /* hints are ignored */
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	u64 pte = phys_read(&f->phys, FX_PT + 8, 8);
	assert_true((pte & BIT(5)) && !(pte & BIT(6)));
	c->gpr[RAX] = 0x40000000; /* unmapped */
	STEP_FAULTS(f, X86_VEC_PF, 0);
	assert_true(c->event.cr2 == 0x40000000);
	c->gpr[RAX] = 0x8000000000000000ull;
	STEP_FAULTS(f, X86_VEC_GP, 0);
	c->gpr[RAX] = FX_DATA;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	/* 67H: EAX = 0x00300000 (mapped), although RAX is non-canonical */
	c->gpr[RAX] = 0x8000000000300000ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 10);
	cpu_set_flat64(c, 3);
	c->rip = FX_CODE + 10;
	STEP_FAULTS(f, X86_VEC_UD, 0);
	fx_free(f);
}

/* MWAIT: retires at once (a NOP) with ECX = 0; any other ECX is #GP(0) (no extensions
 * enumerated); CPL 3 is #UD. */
static void test_mwait(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(MWAIT_INSN, MWAIT_INSN, MWAIT_INSN));
	c->gpr[RAX] = 0xf0; /* hints are ignored */
	c->gpr[RCX] = 0xffffffff00000000ull;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_false(c->halted);
	c->gpr[RCX] = 1; /* extension bit 0: not enumerated */
	STEP_FAULTS(f, X86_VEC_GP, 0);
	c->gpr[RCX] = 2;
	STEP_FAULTS(f, X86_VEC_GP, 0);
	c->gpr[RCX] = 0;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 6);
	cpu_set_flat64(c, 3);
	c->rip = FX_CODE + 6;
	STEP_FAULTS(f, X86_VEC_UD, 0);
	fx_free(f);
}

/* ---- INVPCID ---- */

#define DESC 0x310000ull
#define INVPCID_RAX_RBX 0x66, 0x0f, 0x38, 0x82, 0x03 /* invpcid rax, [rbx] */

static void set_desc(struct fx *f, u64 pcid_word, u64 la)
{
	phys_write(&f->phys, DESC, 8, pcid_word);
	phys_write(&f->phys, DESC + 8, 8, la);
}

/* Runs INVPCID with type `type` on the descriptor at DESC. */
static enum cpu_step invpcid(struct fx *f, u64 type)
{
	fx_code(f, CODE(INVPCID_RAX_RBX));
	f->cpu.gpr[RAX] = type;
	f->cpu.gpr[RBX] = DESC;
	return fx_steps(f, 1);
}

static void invpcid_gp(struct fx *f, u64 type)
{
	assert_int_equal(invpcid(f, type), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_GP);
	assert_int_equal(f->cpu.event.error_code, 0);
	assert_true(f->cpu.rip == FX_CODE);
}

/* #UD without CPUID.(7,0):EBX[10]; #GP(0) at CPL 3, for a type above 3, for descriptor bits
 * 63:12, for a non-canonical type-0 address, and for PCID != 0 with types 0/1 (CR4.PCIDE = 0);
 * #PF on the descriptor read. */
static void test_invpcid_checks(void **state)
{
	(void)state;
	static struct cpu_profile p;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	p = *cpu_profile_default();
	profile_bit(&p, 7, CPUID_EBX, 10, false);
	c->profile = &p;
	set_desc(f, 0, 0x1000);
	assert_int_equal(invpcid(f, 0), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_UD);
	c->profile = NULL;
	assert_int_equal(invpcid(f, 0), STEP_RETIRED);
	assert_true(c->rip == FX_CODE + 5);
	for (u64 t = 0; t < 4; t++)
		assert_int_equal(invpcid(f, t), STEP_RETIRED);
	invpcid_gp(f, 4);
	invpcid_gp(f, 1ull << 32);
	set_desc(f, 1ull << 12, 0x1000); /* reserved bit 12 */
	for (u64 t = 0; t < 4; t++)
		invpcid_gp(f, t);
	set_desc(f, 1, 0x1000); /* PCID 1: types 0 and 1 only */
	invpcid_gp(f, 0);
	invpcid_gp(f, 1);
	assert_int_equal(invpcid(f, 2), STEP_RETIRED);
	assert_int_equal(invpcid(f, 3), STEP_RETIRED);
	set_desc(f, 0, 0x0000800000000000ull); /* non-canonical: only type 0 uses it */
	invpcid_gp(f, 0);
	assert_int_equal(invpcid(f, 1), STEP_RETIRED);
	set_desc(f, 0, 0);
	fx_code(f, CODE(INVPCID_RAX_RBX));
	c->gpr[RAX] = 0;
	c->gpr[RBX] = 0x40000000; /* descriptor unmapped */
	STEP_FAULTS(f, X86_VEC_PF, 0);
	phys_write(&f->phys, FX_PD + 8 * 2, 8, 0); /* unmap 4-6 MiB: the second quadword */
	c->gpr[RBX] = 0x3ffff8;
	STEP_FAULTS(f, X86_VEC_PF, 0);
	assert_true(c->event.cr2 == 0x400000);
	cpu_set_flat64(c, 3);
	invpcid_gp(f, 0);
	fx_free(f);
}

#define OLD_PA 0x700000ull
#define NEW_PA 0x701000ull
#define LOAD_CODE (FX_CODE + 0x100) /* not where INVPCID is: decoded instructions are cached */
#define STALE_LA (PT_BASE + 0x5000) /* TLB index 5: the code page uses index 0 */

/* Reads the quadword at `la` through the TLB. */
static u64 load(struct fx *f, u64 la)
{
	static const u8 mov[] = {0x48, 0x8b, 0x01}; /* mov rax, [rcx] */
	phys_copy_in(&f->phys, LOAD_CODE, mov, sizeof(mov));
	f->cpu.rip = LOAD_CODE;
	f->cpu.gpr[RCX] = la;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	return f->cpu.gpr[RAX];
}

/* STALE_LA maps OLD_PA (G as asked), loaded into the TLB, then the PTE is changed to NEW_PA. */
static void stale_mapping(struct fx *f, bool global)
{
	u64 flags = 0x63 | (global ? BIT(8) : 0); /* P, R/W, A, D */
	map_small_pages(f);
	phys_write(&f->phys, OLD_PA, 8, 0x01d);
	phys_write(&f->phys, NEW_PA, 8, 0x2e);
	phys_write(&f->phys, FX_PT + 8 * 5, 8, OLD_PA | flags);
	tlb_flush_all(&f->cpu);
	assert_int_equal(load(f, STALE_LA), 0x01d);
	phys_write(&f->phys, FX_PT + 8 * 5, 8, NEW_PA | flags);
	assert_int_equal(load(f, STALE_LA), 0x01d); /* the TLB still holds the old mapping */
}

/* The TLB effect: type 0 invalidates the descriptor's address only; types 1 and 3 spare
 * global translations, type 2 does not. */
static void test_invpcid_tlb(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	f->cpu.cr4 |= X86_CR4_PGE;
	stale_mapping(f, false);
	set_desc(f, 0, STALE_LA + 0x1000); /* another page */
	assert_int_equal(invpcid(f, 0), STEP_RETIRED);
	assert_int_equal(load(f, STALE_LA), 0x01d);
	set_desc(f, 0, STALE_LA + 0x10);
	assert_int_equal(invpcid(f, 0), STEP_RETIRED);
	assert_int_equal(load(f, STALE_LA), 0x2e);
	for (u64 t = 1; t < 4; t++) {
		stale_mapping(f, false);
		assert_int_equal(invpcid(f, t), STEP_RETIRED);
		assert_int_equal(load(f, STALE_LA), 0x2e);
	}
	for (u64 t = 1; t < 4; t++) {
		stale_mapping(f, true);
		assert_int_equal(invpcid(f, t), STEP_RETIRED);
		assert_int_equal(load(f, STALE_LA), t == 2 ? 0x2e : 0x01d);
	}
	fx_free(f);
}

/*
 * Full flushes advance the TLB generation instead of clearing the array: a translation
 * cached before a flush must miss after it, after a later non-global flush, and after the
 * generation counter wraps (4.10.4 "Invalidation of TLBs and Paging-Structure Caches").
 */
static void test_tlb_flush_generations(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	f->cpu.cr4 |= X86_CR4_PGE;
	stale_mapping(f, true);
	tlb_flush_all(&f->cpu);
	tlb_flush_nonglobal(&f->cpu);
	assert_int_equal(load(f, STALE_LA), 0x2e);
	for (unsigned wraps = 0; wraps < 2; wraps++) {
		stale_mapping(f, true);
		const struct tlb_entry *e = &f->cpu.tlb[(STALE_LA >> 12) & (TLB_SIZE - 1)];
		for (u64 k = 0; k < (1ull << (64 - TLB_GEN_SHIFT)); k++) {
			tlb_flush_all(&f->cpu);
			assert_true(e->tag != tlb_key(&f->cpu, STALE_LA));
		}
		assert_true(f->cpu.tlb_gen != 0);
		assert_int_equal(load(f, STALE_LA), 0x2e);
	}
	fx_free(f);
}

/* XLAT: AL <- [RBX + AL]; 67H uses EBX; FS override adds its base. */
static void test_xlat(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	for (unsigned k = 0; k < 256; k++)
		phys_write(&f->phys, FX_DATA + k, 1, (u8)(255 - k));
	fx_code(f, CODE(0xd7, 0x67, 0xd7, 0x64, 0xd7)); /* xlat; xlat (32-bit); fs xlat */
	c->gpr[RAX] = 0x1234567890abcd05ull;
	c->gpr[RBX] = FX_DATA;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_true(c->gpr[RAX] == 0x1234567890abcdfaull);
	c->gpr[RAX] = 0x10;
	c->gpr[RBX] = 0xabcd00000000ull | FX_DATA;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX], 0xef);
	c->seg[SEG_FS].base = FX_DATA;
	c->gpr[RAX] = 0x20;
	c->gpr[RBX] = 0x80;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX], 255 - 0xa0);
	fx_free(f);
}

/*
 * Rewriting code at an address already decoded must run the new bytes ("Self-Modifying
 * Code" in SDM Vol. 3 8.1.3: the processor detects writes to code it may have cached).
 * Three writers: the host's bulk copy, a host byte write, and a guest store.
 */
static void test_code_rewrite_same_address(void **state)
{
	(void)state;
	struct fx *f = fx_setup();
	struct vx_cpu *c = &f->cpu;
	fx_code(f, CODE(0xb0, 0x11)); /* mov al, 0x11 */
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX] & 0xff, 0x11);
	fx_code(f, CODE(0xb0, 0x22)); /* same address, new immediate */
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX] & 0xff, 0x22);
	phys_write(&f->phys, FX_CODE + 1, 1, 0x33);
	c->rip = FX_CODE;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX] & 0xff, 0x33);
	/* mov byte [rbx], 0x44 patches the immediate of the mov at FX_CODE + 3. */
	fx_code(f, CODE(0xc6, 0x03, 0x44, 0xb0, 0x55));
	c->gpr[RBX] = FX_CODE + 4;
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX] & 0xff, 0x44);
	c->rip = FX_CODE + 3;
	assert_int_equal(fx_steps(f, 1), STEP_RETIRED);
	assert_int_equal(c->gpr[RAX] & 0xff, 0x44);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flag_instructions),
	    cmocka_unit_test(test_lahf_sahf),
	    cmocka_unit_test(test_software_interrupts),
	    cmocka_unit_test(test_ud),
	    cmocka_unit_test(test_rdrand_deterministic),
	    cmocka_unit_test(test_rdrand_flags),
	    cmocka_unit_test(test_cpuid_gated_ud),
	    cmocka_unit_test(test_clflush),
	    cmocka_unit_test(test_clflush_rights),
	    cmocka_unit_test(test_hints),
	    cmocka_unit_test(test_tlb_flush_generations),
	    cmocka_unit_test(test_xlat),
	    cmocka_unit_test(test_code_rewrite_same_address),
	    cmocka_unit_test(test_monitor_cpuid),
	    cmocka_unit_test(test_monitor),
	    cmocka_unit_test(test_mwait),
	    cmocka_unit_test(test_invpcid_checks),
	    cmocka_unit_test(test_invpcid_tlb),
	};
	return cmocka_run_group_tests_name("misc", tests, NULL, NULL);
}
