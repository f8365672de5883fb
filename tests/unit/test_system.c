// SPDX-License-Identifier: MIT
/*
 * System instructions (op_system.c, msr.c, cpuid.c): every #GP/#UD rule, the TLB effects of
 * MOV CR3 / INVLPG / CR4.PGE, SYSCALL/SYSRET, IRETQ to CPL 3 and INT n back, descriptor
 * loads, MSR lock rules, CPUID values of each profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <Zydis/Register.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/msr.h"
#include "cpu/ops.h"
#include "cpu/profile.h"
#include "cpu_fixture.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})
#define EXEC(f, ...) exec(f, CODE(__VA_ARGS__))

/* Memory layout of the tests (all inside the fixture's identity map). */
#define GDT 0x10000
#define IDT 0x11000
#define TSS 0x12000
#define LDT 0x13000
#define PT 0x5000        /* 4 KiB page table for linear 0x600000..0x7fffff */
#define PAGE_LA 0x650000 /* TLB slot 0x50: no collision with code, stack or tables */
#define KSTACK 0x2f0000  /* TSS.RSP0 */
#define USTACK 0x280000

enum {
	SEL_CODE0 = 0x08,
	SEL_DATA0 = 0x10,
	SEL_CODE3 = 0x18,
	SEL_DATA3 = 0x20,
	SEL_TSS = 0x28,
	SEL_LDT = 0x38,
	SEL_NP = 0x48,
	SEL_XONLY = 0x50,
	SEL_RO = 0x58,
	SEL_BASED = 0x60,
	GDT_LIMIT = 0x67,
};

static const u64 gdt_rows[][2] = {
    {SEL_CODE0, 0x00af9b000000ffffull}, {SEL_DATA0, 0x00cf93000000ffffull},
    {SEL_CODE3, 0x00affb000000ffffull}, {SEL_DATA3, 0x00cff3000000ffffull},
    {SEL_TSS, 0x0000890120000067ull},   {SEL_TSS + 8, 0},
    {SEL_LDT, 0x000082013000001full},   {SEL_LDT + 8, 0},
    {SEL_NP, 0x00cf13000000ffffull},    /* data, not present */
    {SEL_XONLY, 0x00af98000000ffffull}, /* execute-only code */
    {SEL_RO, 0x00cf91000000ffffull},    /* read-only data */
    {SEL_BASED, 0x12cf92345678ffffull}, /* data, base 12345678H, accessed bit clear */
};

static struct fx *setup(const char *profile)
{
	struct fx *f = fx_new(true);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	c->profile = profile ? cpu_profile_find(profile) : NULL;
	msr_reset(c);
	c->msr.efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE; /* boot state */
	for (size_t k = 0; k < ARRAY_SIZE(gdt_rows); k++)
		phys_write(&f->phys, GDT + gdt_rows[k][0], 8, gdt_rows[k][1]);
	phys_write(&f->phys, LDT + 8, 8, 0x00cf93001000ffffull); /* LDT[1]: data, base 1000H */
	phys_write(&f->phys, TSS + 4, 8, KSTACK);
	c->gdtr = (struct dtr){GDT, GDT_LIMIT};
	c->seg[SEG_TR].base = TSS;
	return f;
}

static enum cpu_step exec(struct fx *f, const u8 *code, size_t n)
{
	fx_code(f, code, n);
	return cpu_step(&f->cpu);
}

/* Whether step result r is the exception (vec, err) with RIP left on the instruction. */
static bool is_fault(struct fx *f, enum cpu_step r, unsigned vec, u32 err)
{
	bool has_err = vec == X86_VEC_GP || vec == X86_VEC_NP || vec == X86_VEC_SS;
	return r == STEP_FAULT && f->cpu.event.vector == vec &&
	       (!has_err || f->cpu.event.error_code == err) && f->cpu.rip == FX_CODE;
}

#define assert_fault(f, r, vec, err)                                                             \
	do {                                                                                     \
		enum cpu_step r_ = (r);                                                          \
		if (!is_fault(f, r_, vec, err))                                                  \
			fail_msg("line %d: step %d vector %u error %#x, expected vector %u "     \
				 "error %#x",                                                    \
				 __LINE__, r_, (f)->cpu.event.vector, (f)->cpu.event.error_code, \
				 (unsigned)(vec), (unsigned)(err));                              \
	} while (0)

static u64 edx_eax_of(const struct vx_cpu *c)
{
	return (c->gpr[2] << 32) | (u32)c->gpr[0];
}

#define assert_gp(f, r, e) assert_fault(f, r, X86_VEC_GP, e)
#define assert_ud(f, r) assert_fault(f, r, X86_VEC_UD, 0)

/* ==== control registers ==== */

/* Every privileged instruction raises #GP(0) at CPL 3 before anything else. */
static void test_privileged_at_cpl3(void **state)
{
	(void)state;
	static const u8 insns[][6] = {
	    {3, 0x0f, 0x22, 0xc0},       /* mov cr0, rax */
	    {3, 0x0f, 0x20, 0xd8},       /* mov rax, cr3 */
	    {3, 0x0f, 0x22, 0xe0},       /* mov cr4, rax */
	    {4, 0x44, 0x0f, 0x22, 0xc0}, /* mov cr8, rax */
	    {3, 0x0f, 0x23, 0xf8},       /* mov dr7, rax */
	    {3, 0x0f, 0x21, 0xe0},       /* mov rax, dr4 (CR4.DE = 1: CPL first) */
	    {3, 0x0f, 0x01, 0x13},       /* lgdt [rbx] */
	    {3, 0x0f, 0x01, 0x1b},       /* lidt [rbx] */
	    {3, 0x0f, 0x00, 0xd0},       /* lldt ax */
	    {3, 0x0f, 0x00, 0xd8},       /* ltr ax */
	    {2, 0x0f, 0x32},             /* rdmsr */
	    {2, 0x0f, 0x30},             /* wrmsr */
	    {3, 0x0f, 0x01, 0xf8},       /* swapgs */
	    {1, 0xf4},                   /* hlt */
	    {3, 0x0f, 0x01, 0x3b},       /* invlpg [rbx] */
	    {2, 0x0f, 0x09},             /* wbinvd */
	    {2, 0x0f, 0x08},             /* invd */
	    {2, 0x0f, 0x06},             /* clts */
	    {3, 0x0f, 0x01, 0xf0},       /* lmsw ax */
	    {3, 0x0f, 0x01, 0xd1},       /* xsetbv (CR4.OSXSAVE = 1) */
	    {2, 0x0f, 0x33},             /* rdpmc (CR4.PCE = 0) */
	};
	for (size_t k = 0; k < ARRAY_SIZE(insns); k++) {
		struct fx *f = setup(NULL);
		struct vx_cpu *c = &f->cpu;
		c->cr4 |= X86_CR4_DE | X86_CR4_OSXSAVE;
		c->gpr[3] = FX_DATA;
		c->gpr[0] = 0;
		u64 cr0 = c->cr0, cr4 = c->cr4;
		cpu_set_flat64(c, 3);
		enum cpu_step r = exec(f, &insns[k][1], insns[k][0]);
		if (r != STEP_FAULT || c->event.vector != X86_VEC_GP || c->event.error_code)
			fail_msg("privileged instruction #%zu: no #GP(0) at CPL 3", k);
		assert_true(c->cr0 == cr0 && c->cr4 == cr4 && !c->halted);
		fx_free(f);
	}
}

/* MOV to CR0: bits 63:32, PG without PE, NW without CD, clearing PG in IA-32e mode -> #GP(0);
 * reserved bits 31:0 are ignored; ET reads 1; a WP change flushes the TLB. */
static void test_cr0_rules(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	u64 cr0 = c->cr0;
	c->gpr[0] = cr0 | BIT(32);
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xc0), 0);
	c->gpr[0] = cr0 & ~X86_CR0_PE;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xc0), 0);
	c->gpr[0] = cr0 | X86_CR0_NW;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xc0), 0);
	c->gpr[0] = cr0 & ~X86_CR0_PG;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xc0), 0);
	assert_int_equal(c->cr0, cr0);
	c->gpr[0] = (cr0 | X86_CR0_CD | X86_CR0_NW | BIT(6) | BIT(28)) & ~(X86_CR0_ET | X86_CR0_WP);
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xc0, 0x0f, 0x20, 0xc1), STEP_RETIRED);
	assert_int_equal(cpu_step(c), STEP_RETIRED); /* mov rcx, cr0 */
	assert_int_equal(c->gpr[1], (cr0 | X86_CR0_CD | X86_CR0_NW) & ~X86_CR0_WP);
	fx_free(f);
}

/* 4.1.2: setting CR0.PG with EFER.LME = 1 needs CR4.PAE (#GP(0) otherwise) and sets LMA. */
static void test_cr0_paging_enable(void **state)
{
	(void)state;
	struct fx *f = fx_new(false);
	struct vx_cpu *c = &f->cpu;
	fx_map_identity(f);
	msr_reset(c);
	c->msr.efer = X86_EFER_LME | X86_EFER_NXE;
	c->cr4 = 0;
	c->gpr[0] = c->cr0 | X86_CR0_PG;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xc0), 0);
	assert_false(c->msr.efer & X86_EFER_LMA);
	c->cr4 = X86_CR4_PAE;
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xc0), STEP_RETIRED);
	assert_true((c->cr0 & X86_CR0_PG) && (c->msr.efer & X86_EFER_LMA));
	fx_free(f);
}

/* MOV to CR4: unsupported bits (VME, MCE, LA57, SMXE, PCIDE, PKE, bit 32) -> #GP(0); clearing
 * PAE in IA-32e mode -> #GP(0); OSXSAVE needs XSAVE in the profile. */
static void test_cr4_rules(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	static const u64 bad[] = {X86_CR4_VME,  X86_CR4_PVI,   X86_CR4_MCE, X86_CR4_LA57,
				  X86_CR4_SMXE, X86_CR4_PCIDE, X86_CR4_PKE, BIT(32)};
	u64 cr4 = c->cr4;
	for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
		c->gpr[0] = cr4 | bad[k];
		assert_gp(f, EXEC(f, 0x0f, 0x22, 0xe0), 0);
	}
	c->gpr[0] = cr4 & ~X86_CR4_PAE;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xe0), 0);
	assert_int_equal(c->cr4, cr4);
	c->gpr[0] = cr4 | cpu_profile_cr4_valid(cpu_profile_default());
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xe0), STEP_RETIRED);
	assert_int_equal(c->cr4, c->gpr[0]);
	/* The same write on a profile without XSAVE or VMX: #GP(0). */
	struct cpu_profile q = *cpu_profile_default();
	q.leaves[1].r[CPUID_ECX] &= ~(CPUID_BIT(XSAVE) | CPUID_BIT(VMX));
	assert_int_equal(q.leaves[1].leaf, 1);
	cpu_profile_derive(&q);
	c->profile = &q;
	c->cr4 = cr4;
	c->gpr[0] = cr4 | X86_CR4_OSXSAVE;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xe0), 0);
	c->gpr[0] = cr4 | X86_CR4_VMXE;
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xe0), 0);
	fx_free(f);
}

/* MOV to CR3: bits 63:MAXPHYADDR -> #GP(0); bits 11:0 kept.  MOV to CR8: bits 63:4 -> #GP. */
static void test_cr3_cr8(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = FX_PML4 | BIT(46);
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xd8), 0);
	c->gpr[0] = FX_PML4 | BIT(63);
	assert_gp(f, EXEC(f, 0x0f, 0x22, 0xd8), 0);
	c->gpr[0] = FX_PML4 | 0x18;
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xd8), STEP_RETIRED);
	assert_int_equal(c->cr3, FX_PML4 | 0x18);
	c->gpr[0] = 0x10;
	assert_gp(f, EXEC(f, 0x44, 0x0f, 0x22, 0xc0), 0);
	c->gpr[0] = 0xf;
	assert_int_equal(EXEC(f, 0x44, 0x0f, 0x22, 0xc0, 0x44, 0x0f, 0x20, 0xc1), STEP_RETIRED);
	assert_int_equal(cpu_step(c), STEP_RETIRED);
	assert_int_equal(c->gpr[1], 0xf);
	c->gpr[0] = 0xfffff00000001234ull; /* CR2 takes any value */
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xd0), STEP_RETIRED);
	assert_int_equal(c->cr2, 0xfffff00000001234ull);
	fx_free(f);
}

/* ==== TLB effects ==== */

/* Maps PAGE_LA through a 4 KiB PTE to `pa`; `global` sets PTE.G. */
static void map_page(struct fx *f, u64 pa, bool global)
{
	phys_write(&f->phys, FX_PD + 3 * 8, 8, PT | 7);
	phys_write(&f->phys, PT + ((PAGE_LA >> 12) & 511) * 8, 8, pa | 0x67 | (global ? 0x100 : 0));
}

static u64 read_page(struct fx *f)
{
	/* mov rax, [PAGE_LA] */
	assert_int_equal(EXEC(f, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x65, 0x00), STEP_RETIRED);
	return f->cpu.gpr[0];
}

static struct fx *tlb_setup(bool global)
{
	struct fx *f = setup(NULL);
	if (global)
		f->cpu.cr4 |= X86_CR4_PGE;
	phys_write(&f->phys, 0x400000, 8, 0xaaaa);
	phys_write(&f->phys, 0x401000, 8, 0xbbbb);
	map_page(f, 0x400000, global);
	assert_int_equal(read_page(f), 0xaaaa);
	map_page(f, 0x401000, global); /* the PTE changes in memory only */
	return f;
}

/* After INVLPG the new translation is used (4.10.4.1).  Whether the old one persisted before
 * is the processor's choice and not asserted. */
static void test_invlpg_new_mapping(void **state)
{
	(void)state;
	struct fx *f = tlb_setup(false);
	f->cpu.gpr[3] = PAGE_LA;
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0x3b), STEP_RETIRED);
	assert_int_equal(read_page(f), 0xbbbb);
	f->cpu.gpr[3] = 0x8000000000000000ull; /* non-canonical: no fault, nothing invalidated */
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0x3b), STEP_RETIRED);
	fx_free(f);
}

/* After MOV to CR3 a non-global page's new translation is used. */
static void test_cr3_flushes_nonglobal(void **state)
{
	(void)state;
	struct fx *f = tlb_setup(false);
	f->cpu.gpr[0] = FX_PML4;
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xd8), STEP_RETIRED);
	assert_int_equal(read_page(f), 0xbbbb);
	fx_free(f);
}

/*
 * A global page (PTE.G with CR4.PGE = 1) keeps its translation across MOV to CR3: asserted,
 * because it is the only observable difference between "MOV CR3 invalidates non-global
 * entries" (what 4.10.4.1 specifies and the model implements) and "invalidates everything"
 * (which hardware may also do, since a TLB may drop entries at any time).  Toggling CR4.PGE
 * must invalidate global entries too (architectural): the new translation is used after.
 */
static void test_global_page_survives_cr3(void **state)
{
	(void)state;
	struct fx *f = tlb_setup(true);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = FX_PML4;
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xd8), STEP_RETIRED);
	assert_int_equal(read_page(f), 0xaaaa); /* model: the global entry survives */
	c->gpr[0] = c->cr4 & ~X86_CR4_PGE;
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xe0), STEP_RETIRED);
	assert_int_equal(read_page(f), 0xbbbb);
	fx_free(f);
}

/* A change of CR0.WP must take effect at once for supervisor writes to read-only pages. */
static void test_cr0_wp_change_takes_effect(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	phys_write(&f->phys, FX_PD + 3 * 8, 8, PT | 7);
	phys_write(&f->phys, PT + 0x50 * 8, 8, 0x400000 | 0x65); /* present, user, RO, A, D */
	c->cr0 &= ~X86_CR0_WP;
	tlb_flush_all(c);
	/* mov [PAGE_LA], rax : allowed with WP = 0 */
	assert_int_equal(EXEC(f, 0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x65, 0x00), STEP_RETIRED);
	c->gpr[0] = c->cr0 | X86_CR0_WP;
	assert_int_equal(EXEC(f, 0x0f, 0x22, 0xc0), STEP_RETIRED);
	assert_fault(f, EXEC(f, 0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x65, 0x00), X86_VEC_PF, 0);
	fx_free(f);
}

/* ==== debug registers ==== */

static void test_mov_dr(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->cr4 &= ~X86_CR4_DE;
	/* DR6 reads with its fixed bits; DR4 aliases DR6 and DR5 aliases DR7 when DE = 0. */
	c->gpr[0] = 0x4001;
	assert_int_equal(EXEC(f, 0x0f, 0x23, 0xe0, 0x0f, 0x21, 0xf1), STEP_RETIRED); /* dr4 */
	assert_int_equal(cpu_step(c), STEP_RETIRED); /* mov rcx, dr6 */
	assert_int_equal(c->gpr[1], 0xffff4ff1ull);
	c->gpr[0] = 0xffffdfffull; /* all but GD */
	assert_int_equal(EXEC(f, 0x0f, 0x23, 0xe8, 0x0f, 0x21, 0xf9), STEP_RETIRED); /* dr5 */
	assert_int_equal(cpu_step(c), STEP_RETIRED); /* mov rcx, dr7 */
	assert_int_equal(c->gpr[1], 0xffff07ffull);  /* bits 11, 12, 14, 15 read 0 */
	c->cr4 |= X86_CR4_DE;
	assert_ud(f, EXEC(f, 0x0f, 0x21, 0xe0));
	assert_ud(f, EXEC(f, 0x0f, 0x23, 0xe8));
	c->gpr[0] = BIT(32);
	assert_gp(f, EXEC(f, 0x0f, 0x23, 0xf0), 0); /* dr6 */
	assert_gp(f, EXEC(f, 0x0f, 0x23, 0xf8), 0); /* dr7 */
	c->gpr[0] = 0xffff800000001000ull;          /* DR0-DR3 take any address */
	assert_int_equal(EXEC(f, 0x0f, 0x23, 0xc0), STEP_RETIRED);
	assert_int_equal(c->dr[0], 0xffff800000001000ull);
	fx_free(f);
}

/* DR7.GD: any MOV DR raises a #DB fault with DR6.BD set and GD cleared. */
static void test_dr7_general_detect(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->dr[7] = 0x2400;
	c->dr[6] = 0;
	assert_fault(f, EXEC(f, 0x0f, 0x21, 0xc0), X86_VEC_DB, 0);
	assert_true(c->dr[6] & BIT(13));
	assert_false(c->dr[7] & BIT(13));
	assert_int_equal(EXEC(f, 0x0f, 0x21, 0xc0), STEP_RETIRED);
	fx_free(f);
}

/* ==== segment registers ==== */

static void test_mov_ds_rules(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = SEL_NP;
	assert_fault(f, EXEC(f, 0x8e, 0xd8), X86_VEC_NP, SEL_NP);
	c->gpr[0] = SEL_XONLY;
	assert_gp(f, EXEC(f, 0x8e, 0xd8), SEL_XONLY);
	c->gpr[0] = 0x80 | 3; /* beyond the GDT limit */
	assert_gp(f, EXEC(f, 0x8e, 0xd8), 0x80);
	c->gpr[0] = SEL_TSS; /* a system descriptor */
	assert_gp(f, EXEC(f, 0x8e, 0xd8), SEL_TSS);
	c->gpr[0] = 0x0c; /* LDT selector with LDTR null */
	assert_gp(f, EXEC(f, 0x8e, 0xd8), 0x0c);
	assert_int_equal(c->seg[SEG_DS].sel, SEL_DATA0);
	/* FS from a descriptor with base 12345678H: base loaded, accessed bit set in memory. */
	c->gpr[0] = SEL_BASED;
	c->seg[SEG_FS].base = 0xdead0000;
	assert_int_equal(EXEC(f, 0x8e, 0xe0), STEP_RETIRED);
	assert_int_equal(c->seg[SEG_FS].base, 0x12345678);
	assert_int_equal(phys_read(&f->phys, GDT + SEL_BASED + 5, 1), 0x93);
	/* A null selector loads an unusable segment with base 0. */
	c->gpr[0] = 3;
	assert_int_equal(EXEC(f, 0x8e, 0xe0), STEP_RETIRED);
	assert_true((c->seg[SEG_FS].ar & BIT(16)) && c->seg[SEG_FS].base == 0);
	/* CPL 3: DPL 0 data -> #GP(selector); DPL 3 data is fine; RPL > DPL -> #GP. */
	cpu_set_flat64(c, 3);
	c->gpr[0] = SEL_DATA0 | 3;
	assert_gp(f, EXEC(f, 0x8e, 0xd8), SEL_DATA0);
	c->gpr[0] = SEL_DATA3 | 3;
	assert_int_equal(EXEC(f, 0x8e, 0xd8), STEP_RETIRED);
	assert_int_equal(c->seg[SEG_DS].sel, SEL_DATA3 | 3);
	fx_free(f);
}

static void test_mov_ss_rules(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = SEL_RO;
	assert_gp(f, EXEC(f, 0x8e, 0xd0), SEL_RO);
	c->gpr[0] = SEL_DATA0 | 3; /* RPL != CPL */
	assert_gp(f, EXEC(f, 0x8e, 0xd0), SEL_DATA0);
	c->gpr[0] = SEL_DATA3; /* DPL != CPL */
	assert_gp(f, EXEC(f, 0x8e, 0xd0), SEL_DATA3);
	c->gpr[0] = SEL_NP;
	assert_fault(f, EXEC(f, 0x8e, 0xd0), X86_VEC_SS, SEL_NP);
	c->gpr[0] = 1; /* null with RPL != CPL */
	assert_gp(f, EXEC(f, 0x8e, 0xd0), 0);
	assert_int_equal(c->shadow, 0);
	c->gpr[0] = SEL_DATA0;
	assert_int_equal(EXEC(f, 0x8e, 0xd0), STEP_RETIRED);
	assert_int_equal(c->shadow, VMX_INTR_BLOCKING_BY_MOV_SS);
	c->gpr[0] = 0; /* null SS at CPL 0 is allowed in 64-bit mode */
	assert_int_equal(EXEC(f, 0x8e, 0xd0), STEP_RETIRED);
	assert_true(c->seg[SEG_SS].ar & BIT(16));
	/* The shadow holds off a pending interrupt for one instruction. */
	c->rflags |= RFLAGS_IF;
	c->pending_intr = 0x40;
	c->gpr[0] = SEL_DATA0;
	assert_int_equal(EXEC(f, 0x8e, 0xd0, 0x90), STEP_RETIRED);
	assert_false(cpu_interrupt_ready(c));
	cpu_set_flat64(c, 3);
	c->gpr[0] = 3; /* null SS at CPL 3 */
	assert_gp(f, EXEC(f, 0x8e, 0xd0), 0);
	fx_free(f);
}

/* MOV r32, Sreg zero-extends; MOV m16, Sreg writes two bytes only. */
static void test_mov_from_sreg(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = ~0ull;
	c->gpr[3] = FX_DATA;
	phys_write(&f->phys, FX_DATA, 8, ~0ull);
	assert_int_equal(EXEC(f, 0x8c, 0xd8, 0x8c, 0x1b), STEP_RETIRED);
	assert_int_equal(c->gpr[0], SEL_DATA0);
	assert_int_equal(cpu_step(c), STEP_RETIRED);
	assert_int_equal(phys_read(&f->phys, FX_DATA, 8), 0xffffffffffff0000ull | SEL_DATA0);
	fx_free(f);
}

/* PUSH/POP FS and GS, called directly with the operand the decoder must provide. */
static void test_push_pop_fs_gs(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	struct insn in = {.opsize = 8, .nops = 1};
	in.op[0] = (struct operand){.kind = OPK_SPECIAL, .size = 2, .special = ZYDIS_REGISTER_FS};
	c->seg[SEG_FS].sel = SEL_DATA0;
	phys_write(&f->phys, FX_STACK - 8, 8, ~0ull);
	assert_int_equal(op_push_sreg(c, &in), STEP_RETIRED);
	assert_int_equal(c->gpr[4], FX_STACK - 8);
	assert_int_equal(phys_read(&f->phys, FX_STACK - 8, 8), SEL_DATA0);
	phys_write(&f->phys, FX_STACK - 8, 8, SEL_BASED);
	in.op[0].special = ZYDIS_REGISTER_GS;
	assert_int_equal(op_pop_sreg(c, &in), STEP_RETIRED);
	assert_int_equal(c->gpr[4], FX_STACK);
	assert_int_equal(c->seg[SEG_GS].base, 0x12345678);
	/* A bad selector faults and leaves RSP. */
	c->gpr[4] = FX_STACK - 8;
	phys_write(&f->phys, FX_STACK - 8, 8, SEL_XONLY);
	assert_int_equal(op_pop_sreg(c, &in), STEP_FAULT);
	assert_int_equal(c->event.error_code, SEL_XONLY);
	assert_int_equal(c->gpr[4], FX_STACK - 8);
	in.op[0].special = ZYDIS_REGISTER_DS; /* PUSH DS is invalid in 64-bit mode */
	assert_int_equal(op_push_sreg(c, &in), STEP_FAULT);
	assert_int_equal(c->event.vector, X86_VEC_UD);
	in.opsize = 2;
	in.op[0].special = ZYDIS_REGISTER_FS;
	c->gpr[4] = FX_STACK;
	assert_int_equal(op_push_sreg(c, &in), STEP_RETIRED);
	assert_int_equal(c->gpr[4], FX_STACK - 2);
	/* Through the decoder: push fs; pop gs. */
	c->gpr[4] = FX_STACK;
	c->seg[SEG_FS].sel = SEL_BASED;
	assert_int_equal(EXEC(f, 0x0f, 0xa0, 0x0f, 0xa9), STEP_RETIRED);
	assert_int_equal(cpu_step(c), STEP_RETIRED);
	assert_true(c->gpr[4] == FX_STACK && c->seg[SEG_GS].sel == SEL_BASED);
	fx_free(f);
}

/* ==== descriptor tables ==== */

static void test_lgdt_sgdt(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[3] = FX_DATA;
	phys_write(&f->phys, FX_DATA, 2, 0x1234);
	phys_write(&f->phys, FX_DATA + 2, 8, 0x8000000000000000ull);
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0x13), 0); /* non-canonical base */
	assert_int_equal(c->gdtr.base, GDT);
	phys_write(&f->phys, FX_DATA + 2, 8, 0xffff800000020000ull);
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0x1b), STEP_RETIRED); /* lidt */
	assert_true(c->idtr.base == 0xffff800000020000ull && c->idtr.limit == 0x1234);
	c->gpr[3] = FX_DATA + 0x100;
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0x03), STEP_RETIRED); /* sgdt */
	assert_int_equal(phys_read(&f->phys, FX_DATA + 0x100, 2), GDT_LIMIT);
	assert_int_equal(phys_read(&f->phys, FX_DATA + 0x102, 8), GDT);
	/* SGDT/SIDT at CPL 3: allowed without UMIP, #GP(0) with it. */
	cpu_set_flat64(c, 3);
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0x0b), STEP_RETIRED); /* sidt */
	assert_int_equal(phys_read(&f->phys, FX_DATA + 0x100, 2), 0x1234);
	c->cr4 |= X86_CR4_UMIP;
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0x0b), 0);
	fx_free(f);
}

/* SGDT checks both pages before writing: nothing is stored when the second faults; a
 * non-canonical address is #GP(0). */
static void test_sgdt_no_partial_store(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	map_page(f, 0x400000, false);
	phys_write(&f->phys, PT + 0x51 * 8, 8, 0x401000 | 0x65); /* next page read-only */
	phys_write(&f->phys, 0x400ffa, 8, 0x1111111111111111ull);
	c->gpr[3] = PAGE_LA + 0xffa;
	assert_fault(f, EXEC(f, 0x0f, 0x01, 0x03), X86_VEC_PF, 0);
	assert_int_equal(c->event.cr2, PAGE_LA + 0x1000);
	assert_int_equal(phys_read(&f->phys, 0x400ffa, 8), 0x1111111111111111ull);
	c->gpr[3] = 0x0000800000000000ull;
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0x03), 0);
	fx_free(f);
}

static void test_lldt(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = SEL_DATA0; /* not an LDT descriptor */
	assert_gp(f, EXEC(f, 0x0f, 0x00, 0xd0), SEL_DATA0);
	c->gpr[0] = SEL_LDT | 4; /* TI = 1 */
	assert_gp(f, EXEC(f, 0x0f, 0x00, 0xd0), SEL_LDT | 4);
	c->gpr[0] = SEL_LDT;
	assert_int_equal(EXEC(f, 0x0f, 0x00, 0xd0), STEP_RETIRED);
	assert_true(c->seg[SEG_LDTR].base == LDT && c->seg[SEG_LDTR].limit == 0x1f);
	/* A TI = 1 selector now loads from the LDT. */
	c->gpr[0] = 0x0c;
	assert_int_equal(EXEC(f, 0x8e, 0xd8), STEP_RETIRED);
	assert_int_equal(c->seg[SEG_DS].base, 0x1000);
	c->gpr[0] = 0x24; /* LDT index 4: beyond its limit 1FH */
	assert_gp(f, EXEC(f, 0x8e, 0xd8), 0x24);
	c->seg[SEG_LDTR].ar |= BIT(16); /* unusable LDTR (base and limit left): no LDT */
	c->gpr[0] = 0x0c;
	assert_gp(f, EXEC(f, 0x8e, 0xd8), 0x0c);
	c->seg[SEG_LDTR].ar &= ~BIT(16);
	c->gpr[0] = 0; /* null: LDTR unusable */
	assert_int_equal(EXEC(f, 0x0f, 0x00, 0xd0), STEP_RETIRED);
	assert_true(c->seg[SEG_LDTR].ar & BIT(16));
	c->gpr[1] = ~0ull;
	assert_int_equal(EXEC(f, 0x0f, 0x00, 0xc1), STEP_RETIRED); /* sldt ecx */
	assert_int_equal(c->gpr[1], 0);
	fx_free(f);
}

static void test_ltr_busy(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[0] = 0;
	assert_gp(f, EXEC(f, 0x0f, 0x00, 0xd8), 0);
	c->gpr[0] = SEL_LDT; /* wrong type */
	assert_gp(f, EXEC(f, 0x0f, 0x00, 0xd8), SEL_LDT);
	c->gpr[0] = SEL_TSS;
	assert_int_equal(EXEC(f, 0x0f, 0x00, 0xd8), STEP_RETIRED);
	assert_int_equal(phys_read(&f->phys, GDT + SEL_TSS + 5, 1), 0x8b); /* busy */
	assert_true(c->seg[SEG_TR].base == TSS && (c->seg[SEG_TR].ar & 0xf) == 0xb);
	assert_gp(f, EXEC(f, 0x0f, 0x00, 0xd8), SEL_TSS); /* a busy TSS cannot be loaded */
	phys_write(&f->phys, GDT + SEL_TSS + 5, 1, 0x09); /* available, not present */
	assert_fault(f, EXEC(f, 0x0f, 0x00, 0xd8), X86_VEC_NP, SEL_TSS);
	assert_int_equal(EXEC(f, 0x0f, 0x00, 0xc9), STEP_RETIRED); /* str ecx */
	assert_int_equal(c->gpr[1], SEL_TSS);
	cpu_set_flat64(c, 3);
	c->cr4 |= X86_CR4_UMIP;
	assert_gp(f, EXEC(f, 0x0f, 0x00, 0xc9), 0);
	fx_free(f);
}

/* ==== MSRs ==== */

static enum cpu_step wrmsr(struct fx *f, u32 index, u64 v)
{
	f->cpu.gpr[1] = index;
	f->cpu.gpr[0] = (u32)v;
	f->cpu.gpr[2] = v >> 32;
	return EXEC(f, 0x0f, 0x30);
}

static enum cpu_step rdmsr(struct fx *f, u32 index, u64 *v)
{
	f->cpu.gpr[1] = index;
	enum cpu_step r = EXEC(f, 0x0f, 0x32);
	*v = (f->cpu.gpr[2] << 32) | f->cpu.gpr[0];
	return r;
}

static void test_msr_basic(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	u64 v;
	assert_gp(f, rdmsr(f, 0x12345, &v), 0);
	assert_gp(f, wrmsr(f, 0x12345, 0), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_LSTAR, 0x0000800000000000ull), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_KERNEL_GS_BASE, 0x1234567800000000ull), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_SYSENTER_EIP, 0x0000900000000000ull), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_FMASK, BIT(32)), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_TSC_AUX, BIT(32)), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_PAT, 0x0007040600070402ull), 0); /* type 2 reserved */
	assert_gp(f, wrmsr(f, MSR_IA32_PAT, 0x0007040600070408ull), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_APIC_BASE, 0xfee00900ull | BIT(10)), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_DEBUGCTL, 1), 0);
	assert_int_equal(wrmsr(f, MSR_IA32_PAT, 0x0606060606060606ull), STEP_RETIRED);
	assert_int_equal(rdmsr(f, MSR_IA32_PAT, &v), STEP_RETIRED);
	assert_int_equal(v, 0x0606060606060606ull);
	assert_int_equal(rdmsr(f, MSR_IA32_APIC_BASE, &v), STEP_RETIRED);
	assert_int_equal(v, 0xfee00900ull);
	assert_int_equal(wrmsr(f, MSR_IA32_FS_BASE, 0xffff800000001000ull), STEP_RETIRED);
	assert_int_equal(c->seg[SEG_FS].base, 0xffff800000001000ull);
	/* the upper halves of RAX and RDX are cleared by RDMSR */
	c->gpr[0] = c->gpr[2] = ~0ull;
	assert_int_equal(rdmsr(f, MSR_IA32_FS_BASE, &v), STEP_RETIRED);
	assert_true(c->gpr[0] == 0x1000 && c->gpr[2] == 0xffff8000ull);
	fx_free(f);
}

/* IA32_EFER: reserved bits #GP; LMA is read-only; LME cannot change with paging on. */
static void test_msr_efer(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	u64 v;
	assert_gp(f, wrmsr(f, MSR_IA32_EFER, 0xd01 | BIT(1)), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_EFER, 0xd01 | BIT(12)), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_EFER, 0xd01 & ~X86_EFER_LME), 0);
	assert_int_equal(wrmsr(f, MSR_IA32_EFER, X86_EFER_SCE | X86_EFER_LME), STEP_RETIRED);
	assert_int_equal(rdmsr(f, MSR_IA32_EFER, &v), STEP_RETIRED);
	assert_int_equal(v, X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA); /* LMA kept, NXE off */
	fx_free(f);
}

/* IA32_TIME_STAMP_COUNTER: a write sets the counter RDTSC then counts from. */
static void test_msr_tsc(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	u64 v;
	assert_int_equal(wrmsr(f, MSR_IA32_TIME_STAMP_COUNTER, 1000000), STEP_RETIRED);
	assert_int_equal(EXEC(f, 0x90, 0x90, 0x0f, 0x31), STEP_RETIRED);
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED);
	assert_int_equal(edx_eax_of(c), 1000003);
	assert_int_equal(rdmsr(f, MSR_IA32_TIME_STAMP_COUNTER, &v), STEP_RETIRED);
	assert_int_equal(v, 1000004);
	fx_free(f);
}

/* IA32_FEATURE_CONTROL lock and the launch-enclave hash MSRs (Table 35-2). */
static void test_msr_feature_control_lock(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	u64 v;
	u64 lock = MSR_IA32_FEATURE_CONTROL_LOCK_MASK, lc = MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK;
	u64 sgx = MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	u64 vmx = MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	assert_int_equal(rdmsr(f, MSR_IA32_SGXLEPUBKEYHASH0, &v), STEP_RETIRED);
	assert_int_equal(v, 0xa6053e051270b7acull);
	assert_gp(f, wrmsr(f, MSR_IA32_SGXLEPUBKEYHASH0, 1), 0);      /* not locked */
	assert_gp(f, wrmsr(f, MSR_IA32_FEATURE_CONTROL, BIT(1)), 0);  /* no SMX */
	assert_gp(f, wrmsr(f, MSR_IA32_FEATURE_CONTROL, BIT(20)), 0); /* no LMCE */
	assert_int_equal(wrmsr(f, MSR_IA32_FEATURE_CONTROL, vmx | sgx), STEP_RETIRED);
	assert_gp(f, wrmsr(f, MSR_IA32_SGXLEPUBKEYHASH2, 1), 0); /* LC enable clear, unlocked */
	assert_int_equal(wrmsr(f, MSR_IA32_FEATURE_CONTROL, lock | vmx | sgx | lc), STEP_RETIRED);
	assert_gp(f, wrmsr(f, MSR_IA32_FEATURE_CONTROL, lock | vmx | sgx | lc), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_FEATURE_CONTROL, 0), 0);
	assert_int_equal(rdmsr(f, MSR_IA32_FEATURE_CONTROL, &v), STEP_RETIRED);
	assert_int_equal(v, lock | vmx | sgx | lc);
	assert_int_equal(wrmsr(f, MSR_IA32_SGXLEPUBKEYHASH3, 0x1122334455667788ull), STEP_RETIRED);
	assert_int_equal(rdmsr(f, MSR_IA32_SGXLEPUBKEYHASH3, &v), STEP_RETIRED);
	assert_int_equal(v, 0x1122334455667788ull);
	fx_free(f);
	/* Locked without the LC enable: the hashes stay read-only. */
	f = setup(NULL);
	assert_int_equal(wrmsr(f, MSR_IA32_FEATURE_CONTROL, lock | sgx), STEP_RETIRED);
	assert_gp(f, wrmsr(f, MSR_IA32_SGXLEPUBKEYHASH1, 1), 0);
	fx_free(f);
	/* No SGX: SGX bits reserved, hash MSRs absent. */
	f = setup("icx-nosgx");
	assert_gp(f, wrmsr(f, MSR_IA32_FEATURE_CONTROL, lock | sgx), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_FEATURE_CONTROL, lock | lc), 0);
	assert_gp(f, rdmsr(f, MSR_IA32_SGXLEPUBKEYHASH0, &v), 0);
	assert_int_equal(wrmsr(f, MSR_IA32_FEATURE_CONTROL, lock | vmx), STEP_RETIRED);
	fx_free(f);
}

/* VMX capability MSRs: the profile's values, read-only, absent without VMX or when Appendix A
 * says they do not exist (VMFUNC, tertiary controls). */
static void test_msr_vmx_caps(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	const struct cpu_profile *p = cpu_profile_default();
	u64 v;
	assert_int_equal(rdmsr(f, MSR_IA32_VMX_BASIC, &v), STEP_RETIRED);
	assert_int_equal(v, p->vmx.basic);
	assert_int_equal(rdmsr(f, MSR_IA32_VMX_PROCBASED_CTLS2, &v), STEP_RETIRED);
	assert_int_equal(v, p->vmx.procbased2);
	assert_int_equal(rdmsr(f, MSR_IA32_VMX_TRUE_ENTRY_CTLS, &v), STEP_RETIRED);
	assert_int_equal(v, p->vmx.true_entry);
	assert_int_equal(rdmsr(f, MSR_IA32_VMX_EPT_VPID_CAP, &v), STEP_RETIRED);
	assert_int_equal(v, p->vmx.ept_vpid_cap);
	assert_gp(f, rdmsr(f, MSR_IA32_VMX_VMFUNC, &v), 0);
	assert_gp(f, rdmsr(f, MSR_IA32_VMX_PROCBASED_CTLS3, &v), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_VMX_BASIC, p->vmx.basic), 0);
	assert_gp(f, wrmsr(f, MSR_IA32_VMX_CR4_FIXED1, 0), 0);
	struct cpu_profile q = *p;
	q.leaves[1].r[CPUID_ECX] &= ~CPUID_BIT(VMX);
	cpu_profile_derive(&q);
	f->cpu.profile = &q;
	assert_gp(f, rdmsr(f, MSR_IA32_VMX_BASIC, &v), 0);
	assert_gp(f, rdmsr(f, MSR_IA32_VMX_MISC, &v), 0);
	fx_free(f);
}

static void test_swapgs(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->seg[SEG_GS].base = 0x1111;
	assert_int_equal(wrmsr(f, MSR_IA32_KERNEL_GS_BASE, 0x2222), STEP_RETIRED);
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xf8), STEP_RETIRED);
	assert_true(c->seg[SEG_GS].base == 0x2222 && c->msr.kernel_gs_base == 0x1111);
	fx_free(f);
}

/* ==== CPUID, time-stamp counter ==== */

static void cpuid(struct fx *f, u32 leaf, u32 sub)
{
	f->cpu.gpr[0] = 0xffffffff00000000ull | leaf;
	f->cpu.gpr[1] = sub;
	f->cpu.gpr[2] = f->cpu.gpr[3] = ~0ull;
	assert_int_equal(EXEC(f, 0x0f, 0xa2), STEP_RETIRED);
}

/* CPUID through the instruction equals the profile's table; upper halves are cleared; the
 * SGX bits follow the profile; OSXSAVE mirrors CR4; out-of-range leaves return the highest
 * basic leaf. */
static void test_cpuid_profiles(void **state)
{
	(void)state;
	const struct cpu_profile *p;
	for (unsigned n = 0; (p = cpu_profile_at(n)) != NULL; n++) {
		struct fx *f = setup(p->name);
		struct vx_cpu *c = &f->cpu;
		u32 t[4];
		static const u32 leaves[][2] = {{0, 0},           {1, 0},          {7, 0},
						{0xd, 0},         {0x12, 0},       {0x12, 1},
						{0x80000001u, 0}, {0x80000008u, 0}};
		for (size_t k = 0; k < ARRAY_SIZE(leaves); k++) {
			cpuid(f, leaves[k][0], leaves[k][1]);
			cpuid_lookup(p, leaves[k][0], leaves[k][1], t);
			if (leaves[k][0] == 1)
				t[CPUID_ECX] &= ~CPUID_BIT(OSXSAVE);
			assert_true(c->gpr[0] == t[0] && c->gpr[3] == t[1] && c->gpr[1] == t[2] &&
				    c->gpr[2] == t[3]);
		}
		cpuid(f, 0, 0);
		assert_true(c->gpr[3] == 0x756e6547 && c->gpr[2] == 0x49656e69 &&
			    c->gpr[1] == 0x6c65746e); /* GenuineIntel */
		cpuid(f, 7, 0);
		assert_int_equal(!!(c->gpr[3] & CPUID_BIT(SGX)), p->has_sgx1);
		assert_int_equal(!!(c->gpr[1] & CPUID_BIT(SGX_LC)), p->has_sgx_lc);
		cpuid(f, 0x12, 0);
		assert_int_equal(c->gpr[0], p->has_sgx1 ? 3 : 0);
		cpuid(f, 1, 0);
		assert_false(c->gpr[1] & CPUID_BIT(OSXSAVE));
		assert_false(c->gpr[2] & (CPUID_BIT(FPU) | CPUID_BIT(SSE) | CPUID_BIT(SSE2)));
		c->cr4 |= X86_CR4_OSXSAVE;
		cpuid(f, 1, 0);
		assert_true(c->gpr[1] & CPUID_BIT(OSXSAVE));
		cpuid(f, 0x40000000u, 0);
		cpuid_lookup(p, 0x12, 0, t);
		assert_int_equal(c->gpr[0], t[0]);
		cpuid(f, 0x80000009u, 1);
		cpuid_lookup(p, 0x12, 1, t);
		assert_int_equal(c->gpr[0], t[0]);
		cpuid(f, 2, 0); /* within range, not defined: zeros */
		assert_true(!c->gpr[0] && !c->gpr[1] && !c->gpr[2] && !c->gpr[3]);
		cpuid(f, 7, 1); /* sub-leaf beyond CPUID.(07H,0):EAX */
		assert_true(!c->gpr[0] && !c->gpr[1] && !c->gpr[2] && !c->gpr[3]);
		fx_free(f);
	}
}

static void test_rdtsc_rdtscp_rdpid(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->msr.tsc_aux = 0x77;
	cpu_set_flat64(c, 3);
	c->gpr[1] = ~0ull;
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xf9), STEP_RETIRED); /* rdtscp */
	assert_int_equal(c->gpr[1], 0x77);
	assert_int_equal(EXEC(f, 0xf3, 0x0f, 0xc7, 0xf8), STEP_RETIRED); /* rdpid rax */
	assert_int_equal(c->gpr[0], 0x77);
	c->cr4 |= X86_CR4_TSD;
	assert_gp(f, EXEC(f, 0x0f, 0x31), 0);
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0xf9), 0);
	assert_int_equal(EXEC(f, 0xf3, 0x0f, 0xc7, 0xf8), STEP_RETIRED); /* RDPID ignores TSD */
	cpu_set_flat64(c, 0);
	assert_int_equal(EXEC(f, 0x0f, 0x31), STEP_RETIRED);
	assert_gp(f, EXEC(f, 0x0f, 0x33), 0); /* rdpmc: no counters */
	fx_free(f);
}

/* ==== SYSCALL / SYSRET ==== */

static struct fx *syscall_setup(void)
{
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->msr.star = (0x08ull << 48) | (0x08ull << 32);
	c->msr.lstar = FX_CODE + 0x100;
	c->msr.sfmask = RFLAGS_IF | RFLAGS_DF | RFLAGS_TF;
	phys_copy_in(&f->phys, FX_CODE + 0x100, CODE(0x48, 0x0f, 0x07)); /* sysretq */
	return f;
}

/* CPL 3 -> SYSCALL -> CPL 0 handler -> SYSRETQ -> CPL 3 at the next instruction. */
static void test_syscall_sysret_round_trip(void **state)
{
	(void)state;
	struct fx *f = syscall_setup();
	struct vx_cpu *c = &f->cpu;
	cpu_set_flat64(c, 3);
	cpu_set_rflags(c, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_CF);
	u64 flags = cpu_rflags(c);
	assert_int_equal(EXEC(f, 0x0f, 0x05, 0x90), STEP_RETIRED);
	assert_int_equal(c->cpl, 0);
	assert_int_equal(c->rip, FX_CODE + 0x100);
	assert_int_equal(c->gpr[1], FX_CODE + 2);
	assert_int_equal(c->gpr[11], flags);
	assert_int_equal(cpu_rflags(c), flags & ~(RFLAGS_IF | RFLAGS_DF));
	assert_true(c->seg[SEG_CS].sel == 0x08 && c->seg[SEG_SS].sel == 0x10);
	assert_true((c->seg[SEG_CS].ar & BIT(13)) && ((c->seg[SEG_CS].ar >> 5) & 3) == 0);
	assert_int_equal(cpu_step(c), STEP_RETIRED); /* sysretq */
	assert_int_equal(c->cpl, 3);
	assert_int_equal(c->rip, FX_CODE + 2);
	assert_int_equal(cpu_rflags(c), flags);
	assert_true(c->seg[SEG_CS].sel == 0x1b && c->seg[SEG_SS].sel == 0x13);
	assert_int_equal((c->seg[SEG_SS].ar >> 5) & 3, 3);
	assert_int_equal(cpu_step(c), STEP_RETIRED); /* the nop after SYSCALL, at CPL 3 */
	fx_free(f);
}

static int unsupported_calls;
static void count_unsupported(struct vx_cpu *c, u64 rip, u16 mnemonic)
{
	(void)c;
	(void)rip;
	(void)mnemonic;
	unsupported_calls++;
}

static void test_syscall_sysret_faults(void **state)
{
	(void)state;
	struct fx *f = syscall_setup();
	struct vx_cpu *c = &f->cpu;
	struct cpu_hooks hooks = {.unsupported = count_unsupported};
	c->hooks = &hooks;
	c->msr.efer &= ~X86_EFER_SCE;
	assert_ud(f, EXEC(f, 0x0f, 0x05));
	assert_ud(f, EXEC(f, 0x48, 0x0f, 0x07));
	c->msr.efer |= X86_EFER_SCE;
	c->gpr[1] = 0x0000800000000000ull; /* non-canonical RCX: #GP(0) at CPL 0 */
	assert_gp(f, EXEC(f, 0x48, 0x0f, 0x07), 0);
	assert_true(c->cpl == 0 && c->seg[SEG_CS].sel == SEL_CODE0);
	unsupported_calls = 0;
	assert_ud(f, EXEC(f, 0x0f, 0x07)); /* SYSRET to compatibility mode: not modelled */
	assert_int_equal(unsupported_calls, 1);
	cpu_set_flat64(c, 3);
	assert_gp(f, EXEC(f, 0x48, 0x0f, 0x07), 0);
	fx_free(f);
}

/* ==== IRETQ and INT n ==== */

static void set_gate(struct fx *f, unsigned vec, u64 off, unsigned dpl)
{
	u64 lo = (off & 0xffff) | ((u64)SEL_CODE0 << 16) | ((u64)(0x8e | dpl << 5) << 40) |
		 (((off >> 16) & 0xffff) << 48);
	phys_write(&f->phys, IDT + 16 * vec, 8, lo);
	phys_write(&f->phys, IDT + 16 * vec + 8, 8, off >> 32);
}

/* Steps n instructions, delivering events as the run loop does. */
static enum cpu_step run_n(struct vx_cpu *c, unsigned n)
{
	enum cpu_step r = STEP_RETIRED;
	for (unsigned k = 0; k < n; k++) {
		r = cpu_step(c);
		if (r == STEP_FAULT)
			r = cpu_deliver(c);
		if (r != STEP_RETIRED)
			break;
	}
	return r;
}

/*
 * CPL 0 builds an IRETQ frame and returns to CPL 3 (data segments with DPL 0 are nulled);
 * CPL 3 executes INT 80H through a DPL-3 interrupt gate (stack from TSS.RSP0); the handler's
 * IRETQ returns to the instruction after INT.
 */
static void test_iretq_to_cpl3_and_int_back(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	const u64 user = FX_CODE + 0x200, handler = FX_CODE + 0x300;
	c->idtr = (struct dtr){IDT, 0xfff};
	set_gate(f, 0x80, handler, 3);
	u64 frame[5] = {user, SEL_CODE3 | 3, RFLAGS_FIXED | RFLAGS_IF, USTACK, SEL_DATA3 | 3};
	for (int k = 0; k < 5; k++)
		phys_write(&f->phys, FX_STACK - 40 + 8 * k, 8, frame[k]);
	c->gpr[4] = FX_STACK - 40;
	phys_copy_in(&f->phys, user, CODE(0xcd, 0x80, 0x90));
	phys_copy_in(&f->phys, handler, CODE(0x48, 0xcf));
	c->nmi_blocked = true;
	assert_int_equal(EXEC(f, 0x48, 0xcf), STEP_RETIRED);
	assert_true(c->cpl == 3 && c->rip == user && c->gpr[4] == USTACK);
	assert_true(c->seg[SEG_CS].sel == (SEL_CODE3 | 3) && c->seg[SEG_SS].sel == (SEL_DATA3 | 3));
	assert_false(c->nmi_blocked);
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS && s != SEG_SS)
			assert_true(c->seg[s].sel == 0 && (c->seg[s].ar & BIT(16)));
	assert_int_equal(run_n(c, 1), STEP_RETIRED); /* int 0x80 -> handler at CPL 0 */
	assert_true(c->cpl == 0 && c->rip == handler);
	assert_int_equal(c->gpr[4], KSTACK - 40);
	assert_int_equal(phys_read(&f->phys, KSTACK - 40, 8), user + 2);
	assert_int_equal(run_n(c, 1), STEP_RETIRED); /* iretq */
	assert_true(c->cpl == 3 && c->rip == user + 2 && c->gpr[4] == USTACK);
	assert_int_equal(run_n(c, 1), STEP_RETIRED); /* the nop, at CPL 3 */
	fx_free(f);
}

static void test_iret_other_sizes_unsupported(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct cpu_hooks hooks = {.unsupported = count_unsupported};
	f->cpu.hooks = &hooks;
	unsupported_calls = 0;
	assert_ud(f, EXEC(f, 0xcf));       /* iretd */
	assert_ud(f, EXEC(f, 0x66, 0xcf)); /* iret (16-bit) */
	assert_int_equal(unsupported_calls, 2);
	fx_free(f);
}

/* ==== HLT, CLI/STI, CLTS, LMSW, SMSW, CLAC/STAC ==== */

static void test_hlt(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	assert_int_equal(EXEC(f, 0xf4), STEP_HALT);
	assert_true(f->cpu.halted);
	assert_int_equal(f->cpu.rip, FX_CODE + 1);
	assert_int_equal(cpu_step(&f->cpu), STEP_HALT); /* waits */
	fx_free(f);
}

static void test_cli_sti(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	cpu_set_flat64(c, 3);
	assert_gp(f, EXEC(f, 0xfa), 0); /* IOPL 0 < CPL 3 */
	assert_gp(f, EXEC(f, 0xfb), 0);
	c->rflags |= RFLAGS_IOPL;
	assert_int_equal(EXEC(f, 0xfb), STEP_RETIRED);
	assert_true((c->rflags & RFLAGS_IF) && c->shadow == VMX_INTR_BLOCKING_BY_STI);
	assert_int_equal(EXEC(f, 0xfb), STEP_RETIRED); /* IF already 1: no shadow */
	assert_int_equal(c->shadow, 0);
	assert_int_equal(EXEC(f, 0xfa), STEP_RETIRED);
	assert_false(c->rflags & RFLAGS_IF);
	fx_free(f);
}

static void test_clts_lmsw_smsw(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->cr0 |= X86_CR0_TS;
	assert_int_equal(EXEC(f, 0x0f, 0x06), STEP_RETIRED);
	assert_false(c->cr0 & X86_CR0_TS);
	c->gpr[0] = 0xfff8; /* PE 0 (cannot clear), TS 1 */
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xf0), STEP_RETIRED);
	assert_true((c->cr0 & X86_CR0_PE) && (c->cr0 & X86_CR0_TS) && !(c->cr0 & X86_CR0_MP));
	c->gpr[3] = FX_DATA;
	phys_write(&f->phys, FX_DATA, 4, 0xffffffff);
	cpu_set_flat64(c, 3);
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0x23), STEP_RETIRED); /* smsw [rbx] */
	assert_int_equal(phys_read(&f->phys, FX_DATA, 4), 0xffff0000u | (c->cr0 & 0xffff));
	assert_int_equal(EXEC(f, 0x48, 0x0f, 0x01, 0xe0), STEP_RETIRED); /* smsw rax */
	assert_int_equal(c->gpr[0], c->cr0);
	c->cr4 |= X86_CR4_UMIP;
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0x23), 0);
	fx_free(f);
}

static void test_clac_stac(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xcb), STEP_RETIRED);
	assert_true(c->rflags & RFLAGS_AC);
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xca), STEP_RETIRED);
	assert_false(c->rflags & RFLAGS_AC);
	cpu_set_flat64(c, 3);
	assert_ud(f, EXEC(f, 0x0f, 0x01, 0xcb));
	fx_free(f);
}

/* ==== XCR0 ==== */

static void test_xsetbv_xgetbv(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	c->gpr[1] = 0;
	c->gpr[2] = 0;
	c->gpr[0] = 3;
	assert_int_equal(c->xcr0, 1);            /* reset value: x87 */
	assert_ud(f, EXEC(f, 0x0f, 0x01, 0xd1)); /* CR4.OSXSAVE = 0 */
	assert_ud(f, EXEC(f, 0x0f, 0x01, 0xd0));
	c->cr4 |= X86_CR4_OSXSAVE;
	c->gpr[0] = 2; /* x87 bit clear */
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0xd1), 0);
	c->gpr[0] = 7; /* AVX: not supported */
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0xd1), 0);
	c->gpr[0] = 3;
	c->gpr[2] = 1; /* bit 32 */
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0xd1), 0);
	c->gpr[2] = 0;
	c->gpr[1] = 1; /* XCR1 */
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0xd1), 0);
	assert_gp(f, EXEC(f, 0x0f, 0x01, 0xd0), 0);
	c->gpr[1] = 0;
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xd1), STEP_RETIRED);
	c->gpr[0] = c->gpr[2] = ~0ull;
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xd0), STEP_RETIRED);
	assert_true(c->gpr[0] == 3 && c->gpr[2] == 0);
	cpuid(f, 0xd, 0);
	assert_true(c->gpr[0] == 3 && c->gpr[3] == 576 && c->gpr[1] == 576);
	fx_free(f);
}

/* ==== FS/GS base ==== */

static void test_fsgsbase(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct vx_cpu *c = &f->cpu;
	cpu_set_flat64(c, 3);
	assert_ud(f, EXEC(f, 0xf3, 0x48, 0x0f, 0xae, 0xc0)); /* CR4.FSGSBASE = 0 */
	c->cr4 |= X86_CR4_FSGSBASE;
	c->gpr[0] = 0x0000800000000000ull;
	assert_gp(f, EXEC(f, 0xf3, 0x48, 0x0f, 0xae, 0xd8), 0); /* wrgsbase non-canonical */
	c->gpr[0] = 0xffffffff12345678ull;
	assert_int_equal(EXEC(f, 0xf3, 0x0f, 0xae, 0xd0), STEP_RETIRED); /* wrfsbase eax */
	assert_int_equal(c->seg[SEG_FS].base, 0x12345678);
	c->seg[SEG_GS].base = 0xffff800012345678ull;
	assert_int_equal(EXEC(f, 0xf3, 0x48, 0x0f, 0xae, 0xc8), STEP_RETIRED); /* rdgsbase rax */
	assert_int_equal(c->gpr[0], 0xffff800012345678ull);
	assert_int_equal(EXEC(f, 0xf3, 0x0f, 0xae, 0xc8), STEP_RETIRED); /* rdgsbase eax */
	assert_int_equal(c->gpr[0], 0x12345678);
	fx_free(f);
}

/* ==== VMX/SGX placeholders ==== */

static void test_vmx_sgx_ud(void **state)
{
	(void)state;
	struct fx *f = setup(NULL);
	struct cpu_hooks hooks = {.unsupported = count_unsupported};
	f->cpu.hooks = &hooks;
	f->cpu.gpr[0] = FX_DATA;
	unsupported_calls = 0;
	assert_ud(f, EXEC(f, 0xf3, 0x0f, 0xc7, 0x30)); /* vmxon [rax] */
	assert_ud(f, EXEC(f, 0x0f, 0x01, 0xc1));       /* vmcall */
	/* ENCLS with SGX in the profile but IA32_FEATURE_CONTROL not locked: #GP(0) (Table 37-3);
	 * ENCLU at CPL 0: #UD. */
	assert_int_equal(EXEC(f, 0x0f, 0x01, 0xcf), STEP_FAULT);
	assert_int_equal(f->cpu.event.vector, X86_VEC_GP);
	assert_ud(f, EXEC(f, 0x0f, 0x01, 0xd7)); /* enclu */
	assert_ud(f, EXEC(f, 0x0f, 0x37));       /* getsec */
	assert_int_equal(unsupported_calls, 0);  /* handled, not "unsupported" */
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_privileged_at_cpl3),
	    cmocka_unit_test(test_cr0_rules),
	    cmocka_unit_test(test_cr0_paging_enable),
	    cmocka_unit_test(test_cr4_rules),
	    cmocka_unit_test(test_cr3_cr8),
	    cmocka_unit_test(test_invlpg_new_mapping),
	    cmocka_unit_test(test_cr3_flushes_nonglobal),
	    cmocka_unit_test(test_global_page_survives_cr3),
	    cmocka_unit_test(test_cr0_wp_change_takes_effect),
	    cmocka_unit_test(test_mov_dr),
	    cmocka_unit_test(test_dr7_general_detect),
	    cmocka_unit_test(test_mov_ds_rules),
	    cmocka_unit_test(test_mov_ss_rules),
	    cmocka_unit_test(test_mov_from_sreg),
	    cmocka_unit_test(test_push_pop_fs_gs),
	    cmocka_unit_test(test_lgdt_sgdt),
	    cmocka_unit_test(test_sgdt_no_partial_store),
	    cmocka_unit_test(test_lldt),
	    cmocka_unit_test(test_ltr_busy),
	    cmocka_unit_test(test_msr_basic),
	    cmocka_unit_test(test_msr_efer),
	    cmocka_unit_test(test_msr_tsc),
	    cmocka_unit_test(test_msr_feature_control_lock),
	    cmocka_unit_test(test_msr_vmx_caps),
	    cmocka_unit_test(test_swapgs),
	    cmocka_unit_test(test_cpuid_profiles),
	    cmocka_unit_test(test_rdtsc_rdtscp_rdpid),
	    cmocka_unit_test(test_syscall_sysret_round_trip),
	    cmocka_unit_test(test_syscall_sysret_faults),
	    cmocka_unit_test(test_iretq_to_cpl3_and_int_back),
	    cmocka_unit_test(test_iret_other_sizes_unsupported),
	    cmocka_unit_test(test_hlt),
	    cmocka_unit_test(test_cli_sti),
	    cmocka_unit_test(test_clts_lmsw_smsw),
	    cmocka_unit_test(test_clac_stac),
	    cmocka_unit_test(test_xsetbv_xgetbv),
	    cmocka_unit_test(test_fsgsbase),
	    cmocka_unit_test(test_vmx_sgx_ud),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
