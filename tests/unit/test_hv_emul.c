// SPDX-License-Identifier: MIT
/*
 * L0's MMIO emulation (src/hv/emulate.c, gmem.c, exit_ept.c): the MOV-family decoder (SDM Vol.
 * 2A chapter 2 "Instruction Format", the MOV/MOVZX/MOVSX pages), the guest page walk from
 * GUEST_CR3 (Vol. 3A 4.5 "IA-32e Paging", 4.6 "Access Rights", 4.7 "Page-Fault Exceptions")
 * on hand-made page tables, and whole EPT-misconfiguration and EPT-violation exits emulated on
 * the MMIO test device (8/16/32/64-bit loads and stores, sign and zero extension, RIP
 * advanced by the decoded length) built by hand, without a VM entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hv_fixture.h"

#define DEV VX_MMIO_TEST_BASE
#define CODE HVF_SCRATCH
#define QUAL_EPT_READ 0x181ull /* read, GLA valid, access to the translation */
#define QUAL_EPT_WRITE 0x182ull

/* ---- the MOV decoder ---- */

struct dcase {
	const char *what;
	u8 b[15];
	unsigned n, len, size, dst;
	int op, reg, base, index;
	u64 imm;
	s64 disp;
	bool sx;
};

static void test_decode_forms(void **state)
{
	(void)state;
	static const struct dcase c[] = {
	    {"mov [rax],rbx", {0x48, 0x89, 0x18}, 3, 3, 8, 0, HV_OP_STORE, 3, 0, -1, 0, 0, false},
	    {"mov [rax+8],ebx", {0x89, 0x58, 0x08}, 3, 3, 4, 0, HV_OP_STORE, 3, 0, -1, 0, 8, false},
	    {"mov [r9+r10*4-0x10],cx",
	     {0x66, 0x43, 0x89, 0x4c, 0x91, 0xf0},
	     6,
	     6,
	     2,
	     0,
	     HV_OP_STORE,
	     1,
	     9,
	     10,
	     0,
	     -16,
	     false},
	    {"mov byte [rbx+0x100],0xab",
	     {0xc6, 0x83, 0x00, 0x01, 0, 0, 0xab},
	     7,
	     7,
	     1,
	     0,
	     HV_OP_STORE,
	     0,
	     3,
	     -1,
	     0xab,
	     0x100,
	     false},
	    {"mov qword [rbx],-2",
	     {0x48, 0xc7, 0x03, 0xfe, 0xff, 0xff, 0xff},
	     7,
	     7,
	     8,
	     0,
	     HV_OP_STORE,
	     0,
	     3,
	     -1,
	     0xfffffffffffffffeull,
	     0,
	     false},
	    {"mov ah,[rbx]", {0x8a, 0x23}, 2, 2, 1, 1, HV_OP_LOAD, 16, 3, -1, 0, 0, false},
	    {"mov spl,[rbx] (REX)",
	     {0x40, 0x8a, 0x23},
	     3,
	     3,
	     1,
	     1,
	     HV_OP_LOAD,
	     4,
	     3,
	     -1,
	     0,
	     0,
	     false},
	    {"mov r12,[rip+0x20]",
	     {0x4c, 0x8b, 0x25, 0x20, 0, 0, 0},
	     7,
	     7,
	     8,
	     8,
	     HV_OP_LOAD,
	     12,
	     16,
	     -1,
	     0,
	     0x20,
	     false},
	    {"mov eax,[disp32] (SIB, no base)",
	     {0x8b, 0x04, 0x25, 0x00, 0x00, 0xb0, 0xfe},
	     7,
	     7,
	     4,
	     4,
	     HV_OP_LOAD,
	     0,
	     -1,
	     -1,
	     0,
	     (s64)(s32)0xfeb00000u,
	     false},
	    {"movzx ecx,word [rbx]",
	     {0x0f, 0xb7, 0x0b},
	     3,
	     3,
	     2,
	     4,
	     HV_OP_LOAD,
	     1,
	     3,
	     -1,
	     0,
	     0,
	     false},
	    {"movsx rcx,byte [rbx]",
	     {0x48, 0x0f, 0xbe, 0x0b},
	     4,
	     4,
	     1,
	     8,
	     HV_OP_LOAD,
	     1,
	     3,
	     -1,
	     0,
	     0,
	     true},
	    {"movsxd rcx,[rbx]", {0x48, 0x63, 0x0b}, 3, 3, 4, 8, HV_OP_LOAD, 1, 3, -1, 0, 0, true},
	    {"mov rax,[moffs64]",
	     {0x48, 0xa1, 0x40, 0, 0xb0, 0xfe, 0, 0, 0, 0},
	     10,
	     10,
	     8,
	     8,
	     HV_OP_LOAD,
	     0,
	     -1,
	     -1,
	     0,
	     0xfeb00040,
	     false},
	    {"mov [moffs32],al (67H)",
	     {0x67, 0xa2, 0x40, 0, 0xb0, 0xfe},
	     6,
	     6,
	     1,
	     1,
	     HV_OP_STORE,
	     0,
	     -1,
	     -1,
	     0,
	     0xfeb00040,
	     false},
	    {"mov rax,fs:[rbx]",
	     {0x64, 0x48, 0x8b, 0x03},
	     4,
	     4,
	     8,
	     8,
	     HV_OP_LOAD,
	     0,
	     3,
	     -1,
	     0,
	     0,
	     false},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		struct hv_insn in;
		if (!hv_insn_decode(c[i].b, c[i].n, &in))
			fail_msg("%s: not decoded", c[i].what);
		if (in.len != c[i].len || in.size != c[i].size || (int)in.op != c[i].op ||
		    in.reg != c[i].reg || in.base != c[i].base || in.index != c[i].index ||
		    in.disp != c[i].disp || in.sign_extend != c[i].sx ||
		    (c[i].op == HV_OP_LOAD && in.dst_size != c[i].dst) ||
		    (in.has_imm && in.imm != c[i].imm))
			fail_msg("%s: len %u size %u op %d reg %d base %d index %d disp %lld imm "
				 "0x%llx",
				 c[i].what, in.len, in.size, in.op, in.reg, in.base, in.index,
				 (long long)in.disp, (unsigned long long)in.imm);
	}
	struct hv_insn in;
	assert_true(hv_insn_decode((const u8[]){0x43, 0x89, 0x4c, 0x91, 0xf0}, 5, &in));
	assert_int_equal(in.scale, 4);
	assert_true(hv_insn_decode((const u8[]){0x64, 0x48, 0x8b, 0x03}, 4, &in));
	assert_int_equal(in.seg, 4);
	assert_true(hv_insn_decode((const u8[]){0x67, 0xa2, 0x40, 0, 0xb0, 0xfe}, 6, &in));
	assert_true(in.addr32 && in.moffs);
}

static void test_decode_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		u8 b[15];
		unsigned n;
	} c[] = {
	    {"register form", {0x48, 0x89, 0xd8}, 3},
	    {"add [rax],rbx", {0x48, 0x01, 0x18}, 3},
	    {"lock mov", {0xf0, 0x89, 0x18}, 3},
	    {"rep mov", {0xf3, 0x89, 0x18}, 3},
	    {"C6 /1", {0xc6, 0x08, 0x01}, 3},
	    {"truncated disp32", {0x8b, 0x05, 0x01, 0x02}, 4},
	    {"truncated imm", {0xc7, 0x00, 0x01}, 3},
	    {"truncated SIB", {0x8b, 0x04}, 2},
	    {"0F other", {0x0f, 0xaf, 0x03}, 3},
	    {"prefixes only", {0x66, 0x66, 0x66}, 3},
	    {"REX only", {0x48}, 1},
	    {"nothing", {0}, 0},
	    {"16 bytes of prefixes",
	     {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	      0x66},
	     15},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		struct hv_insn in;
		if (hv_insn_decode(c[i].b, c[i].n, &in))
			fail_msg("%s: decoded (len %u)", c[i].what, in.len);
	}
}

/* Every byte string of up to 4 bytes (prefix-led): no crash, and a decoded length never
 * exceeds what was given. */
static void test_decode_never_overruns(void **state)
{
	(void)state;
	u8 b[4];
	for (u32 x = 0; x < (1u << 24); x += 7) {
		b[0] = (u8)x;
		b[1] = (u8)(x >> 8);
		b[2] = (u8)(x >> 16);
		b[3] = (u8)(x * 13);
		struct hv_insn in;
		if (hv_insn_decode(b, 4, &in))
			assert_true(in.len <= 4);
	}
}

/* ---- the guest page walk ---- */

#define PML4 0x300000ull
#define PDPT 0x301000ull
#define PDIR 0x302000ull
#define PTAB 0x303000ull
#define LIN 0x7f8000000000ull /* PML4 index 255 */
#define P_ BIT(0)
#define RW BIT(1)
#define US BIT(2)
#define PS BIT(7)
#define XD BIT(63)

static void wr64(struct hvf *f, u64 pa, u64 v)
{
	vx_phys_write(f->v->phys, pa, 8, v);
}

/* Page tables for LIN: +0 MMIO page (user, writable), +0x1000 read-only supervisor page,
 * +0x2000 XD page, +0x3000 not present, +0x4000 a reserved bit, +0x5000 the code page at
 * HVF_SCRATCH; LIN + 2 MiB a 2-MByte page at 0x600000; LIN + 1 GiB a 1-GByte page at 1 GiB. */
static void build_tables(struct hvf *f)
{
	wr64(f, PML4 + 255 * 8, PDPT | P_ | RW | US);
	wr64(f, PDPT, PDIR | P_ | RW | US);
	wr64(f, PDPT + 8, (1ull << 30) | P_ | RW | US | PS);
	wr64(f, PDIR, PTAB | P_ | RW | US);
	wr64(f, PDIR + 8, 0x600000 | P_ | RW | US | PS);
	wr64(f, PTAB + 0 * 8, VX_MMIO_TEST_BASE | P_ | RW | US);
	wr64(f, PTAB + 1 * 8, 0x400000 | P_);
	wr64(f, PTAB + 2 * 8, 0x401000 | P_ | RW | US | XD);
	wr64(f, PTAB + 4 * 8, 0x402000 | P_ | RW | BIT(51));
	wr64(f, PTAB + 5 * 8, HVF_SCRATCH | P_ | RW);
	hv_vmwrite(f->v, VMCS_GUEST_CR3, PML4);
}

static u32 walk(struct hvf *f, u64 la, enum hv_access acc, u64 *gpa)
{
	u32 pfec = 0xbad;
	u64 g = 0;
	if (hv_gla_to_gpa(f->v, la, acc, false, &g, &pfec)) {
		if (gpa)
			*gpa = g;
		return 0xffff; /* no fault */
	}
	return pfec;
}

static void set_cpl(struct hvf *f, unsigned cpl)
{
	hv_vmwrite(f->v, VMCS_GUEST_SS_AR_BYTES, cpl ? 0xc0f3 : 0xc093);
}

static void test_walk(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	build_tables(f);
	u64 cr0 = hv_vmread(f->v, VMCS_GUEST_CR0), cr4 = hv_vmread(f->v, VMCS_GUEST_CR4), g = 0;
	assert_int_equal(walk(f, LIN + 0x10, HV_ACC_READ, &g), 0xffff);
	assert_int_equal(g, VX_MMIO_TEST_BASE + 0x10);
	assert_int_equal(walk(f, LIN + 0x200000 + 0x1234, HV_ACC_WRITE, &g), 0xffff);
	assert_int_equal(g, 0x601234);
	assert_int_equal(walk(f, LIN + (1ull << 30) + 0x12345, HV_ACC_READ, &g), 0xffff);
	assert_int_equal(g, (1ull << 30) + 0x12345);
	/* 4.7: not present: P = 0; W/R from the access; RSVD with P = 1 */
	assert_int_equal(walk(f, LIN + 0x3000, HV_ACC_READ, NULL), 0);
	assert_int_equal(walk(f, LIN + 0x3000, HV_ACC_WRITE, NULL), 2);
	assert_int_equal(walk(f, LIN + 0x4000, HV_ACC_READ, NULL), 9);
	/* 4.6: CR0.WP = 1 protects read-only pages from supervisor writes */
	assert_int_equal(walk(f, LIN + 0x1000, HV_ACC_WRITE, NULL), 3);
	hv_vmwrite(f->v, VMCS_GUEST_CR0, cr0 & ~BIT(16));
	assert_int_equal(walk(f, LIN + 0x1000, HV_ACC_WRITE, NULL), 0xffff);
	hv_vmwrite(f->v, VMCS_GUEST_CR0, cr0);
	/* XD with IA32_EFER.NXE = 1 (the boot EFER): fetch faults with I/D */
	assert_int_equal(walk(f, LIN + 0x2000, HV_ACC_FETCH, NULL), 0x11);
	assert_int_equal(walk(f, LIN + 0x2000, HV_ACC_READ, NULL), 0xffff);
	/* user accesses need U/S = 1 at every level */
	set_cpl(f, 3);
	assert_int_equal(walk(f, LIN + 0x1000, HV_ACC_READ, NULL), 5);
	assert_int_equal(walk(f, LIN + 0x10, HV_ACC_WRITE, NULL), 0xffff);
	u64 gpa;
	u32 pfec;
	/* an implicit supervisor access (e.g. a descriptor-table read) is not a user access */
	assert_true(hv_gla_to_gpa(f->v, LIN + 0x1000, HV_ACC_READ, true, &gpa, &pfec));
	set_cpl(f, 0);
	/* SMEP: no supervisor fetch from a user page; SMAP: no supervisor data access to a user
	 * page unless RFLAGS.AC = 1 (and never for implicit accesses) */
	hv_vmwrite(f->v, VMCS_GUEST_CR4, cr4 | BIT(20) | BIT(21));
	assert_int_equal(walk(f, LIN + 0x10, HV_ACC_FETCH, NULL), 0x11);
	assert_int_equal(walk(f, LIN + 0x10, HV_ACC_READ, NULL), 1);
	hv_vmwrite(f->v, VMCS_GUEST_RFLAGS, 0x2 | BIT(18));
	assert_int_equal(walk(f, LIN + 0x10, HV_ACC_READ, NULL), 0xffff);
	assert_false(hv_gla_to_gpa(f->v, LIN + 0x10, HV_ACC_READ, true, &gpa, &pfec));
	hv_vmwrite(f->v, VMCS_GUEST_RFLAGS, 0x2);
	hv_vmwrite(f->v, VMCS_GUEST_CR4, cr4);
	/* paging structures outside guest RAM: the walk cannot be done */
	hv_vmwrite(f->v, VMCS_GUEST_CR3, VX_MMIO_TEST_BASE);
	assert_int_equal(walk(f, LIN, HV_ACC_READ, NULL), ~0u);
	hvf_free(f);
}

static u64 dev64(struct hvf *f, unsigned off)
{
	u64 v = 0;
	memcpy(&v, f->v->mmio + off, 8);
	return v;
}

/* Runs the EPT exit of `bytes` at CODE accessing gpa; returns the handler's result. */
static enum hv_ret mmio(struct hvf *f, const u8 *bytes, size_t n, u32 reason, u64 gpa)
{
	hvf_poke(f, CODE, bytes, n);
	hvf_exit(f, reason, CODE, 0, reason == VMX_EXIT_EPT_VIOLATION ? QUAL_EPT_READ : 0, gpa);
	return hv_dispatch(f->v);
}

#define MMIO(f, gpa, ...)                                                     \
	mmio(f, (const u8[]){__VA_ARGS__}, sizeof((const u8[]){__VA_ARGS__}), \
	     VMX_EXIT_EPT_MISCONFIG, gpa)

static void test_mmio_stores(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	hv_set_gpr(v, VX_RAX, DEV + 0x10);
	hv_set_gpr(v, VX_RBX, 0x1122334455667788ull);
	assert_int_equal(MMIO(f, DEV + 0x10, 0x48, 0x89, 0x18), HV_RESUME); /* mov [rax],rbx */
	assert_int_equal(dev64(f, 0x10), 0x1122334455667788ull);
	assert_int_equal(hvf_rip(f), CODE + 3);
	assert_int_equal(MMIO(f, DEV + 0x30, 0xc6, 0x40, 0x20, 0xab),
			 HV_RESUME); /* mov [rax+20h],0xab */
	assert_int_equal(v->mmio[0x30], 0xab);
	assert_int_equal(v->mmio[0x31], 0);
	assert_int_equal(hvf_rip(f), CODE + 4);
	hv_set_gpr(v, VX_RCX, 0xaaaabbbbccccddddull);
	assert_int_equal(MMIO(f, DEV + 0x10, 0x66, 0x89, 0x08), HV_RESUME); /* mov [rax],cx */
	assert_int_equal(dev64(f, 0x10), 0x112233445566ddddull);
	/* mov qword [rax],-2: imm32 sign-extended */
	assert_int_equal(MMIO(f, DEV + 0x10, 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff), HV_RESUME);
	assert_int_equal(dev64(f, 0x10), 0xfffffffffffffffeull);
	assert_int_equal(hvf_rip(f), CODE + 7);
	/* mov [rbx+rcx*8+8],eax with a SIB byte; RBX = DEV, RCX = 2 */
	hv_set_gpr(v, VX_RBX, DEV);
	hv_set_gpr(v, VX_RCX, 2);
	hv_set_gpr(v, VX_RAX, 0xcafef00d);
	assert_int_equal(MMIO(f, DEV + 0x18, 0x89, 0x44, 0xcb, 0x08), HV_RESUME);
	assert_int_equal((u32)dev64(f, 0x18), 0xcafef00d);
	/* trace: emulate + mmio write records */
	const struct hvf_rec *e = hvf_find(f, TRACE_emulate, 0);
	assert_non_null(e);
	assert_string_equal(hvf_s(e, "insn"), "mov");
	assert_int_equal(hvf_u(e, "refused"), 0);
	assert_int_equal(hvf_u(e, "rip"), CODE);
	const struct hvf_rec *m = hvf_find(f, TRACE_mmio, 0);
	assert_string_equal(hvf_s(m, "dir"), "write");
	assert_int_equal(hvf_u(m, "size"), 8);
	assert_int_equal(hvf_u(m, "value"), 0x1122334455667788ull);
	hvf_free(f);
}

static void test_mmio_loads(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	u64 pattern = 0x8877665544332211ull;
	memcpy(v->mmio, &pattern, 8);
	hv_set_gpr(v, VX_RBX, DEV);
	hv_set_gpr(v, VX_RCX, ~0ull);
	assert_int_equal(MMIO(f, DEV, 0x8b, 0x0b), HV_RESUME); /* mov ecx,[rbx]: zero-extends */
	assert_int_equal(hv_gpr(v, VX_RCX), 0x44332211);
	hv_set_gpr(v, VX_RAX, 0x1111);
	assert_int_equal(MMIO(f, DEV + 1, 0x8a, 0x63, 0x01), HV_RESUME); /* mov ah,[rbx+1] */
	assert_int_equal(hv_gpr(v, VX_RAX), 0x2211);
	hv_set_gpr(v, VX_RCX, ~0ull);
	assert_int_equal(MMIO(f, DEV, 0x66, 0x8b, 0x0b), HV_RESUME); /* mov cx,[rbx] */
	assert_int_equal(hv_gpr(v, VX_RCX), 0xffffffffffff2211ull);
	assert_int_equal(MMIO(f, DEV + 6, 0x0f, 0xb7, 0x4b, 0x06), HV_RESUME); /* movzx ecx,word */
	assert_int_equal(hv_gpr(v, VX_RCX), 0x8877);
	assert_int_equal(MMIO(f, DEV + 7, 0x48, 0x0f, 0xbe, 0x4b, 0x07), HV_RESUME); /* movsx */
	assert_int_equal(hv_gpr(v, VX_RCX), 0xffffffffffffff88ull);
	assert_int_equal(MMIO(f, DEV + 4, 0x48, 0x63, 0x4b, 0x04), HV_RESUME); /* movsxd */
	assert_int_equal(hv_gpr(v, VX_RCX), 0xffffffff88776655ull);
	/* mov r9,[disp32] with a 67H prefix: the 32-bit address is zero-extended (without it,
	 * disp32 is sign-extended to 0xfffffffffeb00000) */
	assert_int_equal(MMIO(f, DEV, 0x67, 0x4c, 0x8b, 0x0c, 0x25, 0x00, 0x00, 0xb0, 0xfe),
			 HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_R9), pattern);
	assert_int_equal(MMIO(f, DEV, 0x48, 0xa1, 0, 0, 0xb0, 0xfe, 0, 0, 0, 0), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RAX), pattern);
	assert_int_equal(hvf_rip(f), CODE + 10);
	/* FS override: FS.base + RBX */
	hv_vmwrite(v, VMCS_GUEST_FS_BASE, 0x1000);
	hv_set_gpr(v, VX_RBX, DEV - 0x1000);
	assert_int_equal(MMIO(f, DEV, 0x64, 0x48, 0x8b, 0x03), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RAX), pattern);
	const struct hvf_rec *m = hvf_find(f, TRACE_mmio, 0);
	assert_string_equal(hvf_s(m, "dir"), "read");
	assert_int_equal(hvf_u(m, "size"), 4);
	hvf_free(f);
}

static void test_mmio_failures(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	hv_set_gpr(v, VX_RAX, DEV + 8);
	hv_set_gpr(v, VX_RBX, 1);
	/* the operand (DEV + 8) is not the exit's address (DEV) */
	assert_int_equal(MMIO(f, DEV, 0x48, 0x89, 0x18), HV_FATAL);
	assert_non_null(strstr(v->msg, "does not translate"));
	assert_int_equal(hvf_rip(f), CODE);
	assert_int_equal(dev64(f, 0), 0);
	/* not a MOV */
	assert_int_equal(MMIO(f, DEV + 8, 0x48, 0x01, 0x18), HV_FATAL);
	assert_non_null(strstr(v->msg, "instruction bytes 48 01 18"));
	/* a misconfiguration outside the device is L0's bug */
	assert_int_equal(MMIO(f, 0x50000000, 0x48, 0x89, 0x18), HV_FATAL);
	assert_non_null(strstr(v->msg, "outside the MMIO test device"));
	/* the instruction page is not mapped: the fetch's #PF goes to the guest */
	hvf_exit(f, VMX_EXIT_EPT_MISCONFIG, 0x7f8000000000ull, 0, 0, DEV);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_PF);
	assert_int_equal(v->inject.error, 0x10); /* not present, fetch (NXE = 1) */
	assert_int_equal(vx_cpu_get_reg(v->cpu, VX_CR2), 0x7f8000000000ull);
	hvf_free(f);
}

/* EPT violation outside RAM and the device: "no device answers" (all ones, writes dropped). */
static void test_ept_violation_unbacked(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	u64 gpa = 0x50000000;
	hv_set_gpr(v, VX_RBX, gpa);
	hv_set_gpr(v, VX_RAX, 0);
	static const u8 load[] = {0x48, 0x8b, 0x03};
	assert_int_equal(mmio(f, load, 3, VMX_EXIT_EPT_VIOLATION, gpa), HV_RESUME);
	assert_int_equal(hv_gpr(v, VX_RAX), ~0ull);
	assert_int_equal(hvf_rip(f), CODE + 3);
	assert_int_equal(hvf_count(f, TRACE_mmio), 0);
	const struct hvf_rec *r = hvf_find(f, TRACE_ept_violation, 0);
	assert_int_equal(hvf_u(r, "gpa"), gpa);
	/* an instruction fetch there, and an EPT violation on RAM, stop the VM */
	hvf_exit(f, VMX_EXIT_EPT_VIOLATION, gpa, 0, 0x184, gpa);
	assert_int_equal(hv_dispatch(v), HV_FATAL);
	assert_non_null(strstr(v->msg, "instruction fetch"));
	hvf_exit(f, VMX_EXIT_EPT_VIOLATION, CODE, 0, QUAL_EPT_WRITE, 0x1000);
	assert_int_equal(hv_dispatch(v), HV_FATAL);
	assert_non_null(strstr(v->msg, "mapped guest-physical"));
	hvf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_forms),
	    cmocka_unit_test(test_decode_rejects),
	    cmocka_unit_test(test_decode_never_overruns),
	    cmocka_unit_test(test_walk),
	    cmocka_unit_test(test_mmio_stores),
	    cmocka_unit_test(test_mmio_loads),
	    cmocka_unit_test(test_mmio_failures),
	    cmocka_unit_test(test_ept_violation_unbacked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
