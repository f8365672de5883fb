// SPDX-License-Identifier: MIT
/*
 * EPT (src/vmx/ept.c) and its use by the paging walk (src/cpu/mmu.c): SDM Vol. 3C 28.2.2
 * "EPT Translation Mechanism", 28.2.3.1 "EPT Misconfigurations", 28.2.3.2 "EPT Violations",
 * 28.2.4 "Accessed and Dirty Flags for EPT", 27.2.1 Table 27-7 "Exit Qualification for EPT
 * Violations".
 *
 * Part 1 runs the pure walk on EPT tables built by hand in a vx_phys.  Part 2 runs a guest in
 * VMX non-root operation (state set directly, no VM entry) and checks the VM exits that EPT
 * causes, through the exit engine (src/vmx/vmexit.c), in the VMCS exit-information fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/vmx.h"
#include "cpu_fixture.h"
#include "vmx/ept.h"
#include "vx/vmx.h"
#include "cpu/profile.h"

#define CODE(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})

/* ---- part 1: the pure walk ---- */

#define W_RAM (4u << 20)
#define W_PML4 0x10000ull
#define W_PDPT 0x11000ull
#define W_PD 0x12000ull
#define W_PT 0x13000ull
#define MT_WB (6ull << 3)
#define Q_GLA (1u << 7)
#define Q_FINAL (1u << 8)

struct wfx {
	struct vx_phys phys;
	struct ept_caps caps;
	u64 eptp;
};

static u64 rd(struct wfx *w, u64 pa)
{
	return phys_read(&w->phys, pa, 8);
}

static void wr(struct wfx *w, u64 pa, u64 v)
{
	phys_write(&w->phys, pa, 8, v);
}

/* Entry addresses for gpa at each level of the tables above. */
static u64 pml4e(u64 gpa)
{
	return W_PML4 + ((gpa >> 39) & 511) * 8;
}
static u64 pdpte(u64 gpa)
{
	return W_PDPT + ((gpa >> 30) & 511) * 8;
}
static u64 pde(u64 gpa)
{
	return W_PD + ((gpa >> 21) & 511) * 8;
}
static u64 pte(u64 gpa)
{
	return W_PT + ((gpa >> 12) & 511) * 8;
}

/* gpa -> hpa as a 4-KByte page with rights rwx at the leaf, RWX above. */
static void map4k(struct wfx *w, u64 gpa, u64 hpa, u64 rwx)
{
	wr(w, pml4e(gpa), W_PDPT | 7);
	wr(w, pdpte(gpa), W_PD | 7);
	wr(w, pde(gpa), W_PT | 7);
	wr(w, pte(gpa), hpa | MT_WB | rwx);
}

static struct wfx *wfx_new(void)
{
	struct wfx *w = calloc(1, sizeof(*w));
	if (!w || !phys_init(&w->phys, W_RAM)) {
		free(w);
		return NULL;
	}
	/* What the default profile enumerates: execute-only, 2 MiB and 1 GiB pages, N = 46. */
	w->caps = (struct ept_caps){
	    .exec_only = true, .page_2m = true, .page_1g = true, .maxphyaddr = 46};
	w->eptp = W_PML4 | 6 | (3 << 3); /* WB, walk length 4 */
	return w;
}

static void wfx_free(struct wfx *w)
{
	phys_free(&w->phys);
	free(w);
}

static enum ept_outcome xlate(struct wfx *w, u64 gpa, unsigned acc, struct ept_result *r)
{
	return ept_translate(&w->phys, w->eptp, gpa, acc, &w->caps, r);
}

/* 28.2.2: a 4-KByte page; the page offset comes from the guest-physical address. */
static void test_walk_4k(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x5000, 0x234000, 7);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x5abc, EPT_ACC_READ, &r), EPT_OK);
	assert_true(r.hpa == 0x234abc);
	assert_int_equal(r.level, 1);
	assert_int_equal(r.perm, 7);
	assert_true(r.entry_pa == pte(0x5000));
	/* EPTP bits 11:0 (memory type, walk length, A/D) do not move the PML4 table. */
	w->eptp = W_PML4 | 0 | (3 << 3);
	assert_int_equal(xlate(w, 0x5abc, EPT_ACC_WRITE, &r), EPT_OK);
	assert_true(r.hpa == 0x234abc);
	wfx_free(w);
}

/* 28.2.2, Table 28-4: a PDE with bit 7 maps 2 MiB: bits 20:0 from the guest-physical address. */
static void test_walk_2m(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	u64 gpa = 0x40000000ull + 0x600000 + 0x12345;
	wr(w, pml4e(gpa), W_PDPT | 7);
	wr(w, pdpte(gpa), W_PD | 7);
	wr(w, pde(gpa), 0x3e00000ull | EPT_LARGE | MT_WB | 5);
	struct ept_result r;
	assert_int_equal(xlate(w, gpa, EPT_ACC_FETCH, &r), EPT_OK);
	assert_true(r.hpa == 0x3e12345);
	assert_int_equal(r.level, 2);
	assert_int_equal(r.perm, 5);
	wfx_free(w);
}

/* 28.2.2, Table 28-2: a PDPTE with bit 7 maps 1 GiB: bits 29:0 from the guest-physical address. */
static void test_walk_1g(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	u64 gpa = (5ull << 39) | (3ull << 30) | 0x2345678;
	wr(w, pml4e(gpa), W_PDPT | 7);
	wr(w, pdpte(gpa), (0x1234ull << 30) | EPT_LARGE | MT_WB | 3);
	struct ept_result r;
	assert_int_equal(xlate(w, gpa, EPT_ACC_WRITE, &r), EPT_OK);
	assert_true(r.hpa == ((0x1234ull << 30) | 0x2345678));
	assert_int_equal(r.level, 3);
	assert_int_equal(r.perm, 3);
	wfx_free(w);
}

/* 28.2.3.2: a not-present entry (bits 2:0 = 000b) at any level is an EPT violation; Table
 * 27-7 bits 5:3 are the AND over the entries used, so 0; bits 2:0 name the access. */
static void test_not_present_each_level(void **state)
{
	(void)state;
	static const unsigned accs[] = {EPT_ACC_READ, EPT_ACC_WRITE, EPT_ACC_FETCH};
	for (int level = 4; level >= 1; level--) {
		for (unsigned k = 0; k < 3; k++) {
			struct wfx *w = wfx_new();
			assert_non_null(w);
			map4k(w, 0x7000, 0x9000, 7);
			u64 at = level == 4   ? pml4e(0x7000)
				 : level == 3 ? pdpte(0x7000)
				 : level == 2 ? pde(0x7000)
					      : pte(0x7000);
			/* bits 63:3 are ignored in a not-present entry: no misconfiguration */
			wr(w, at, rd(w, at) | 0xfff0000000000ff8ull);
			wr(w, at, rd(w, at) & ~7ull);
			struct ept_result r;
			unsigned acc = accs[k] | EPT_ACC_GLA | EPT_ACC_FINAL;
			assert_int_equal(xlate(w, 0x7010, acc, &r), EPT_VIOLATION);
			assert_true(r.qual == (accs[k] | Q_GLA | Q_FINAL));
			assert_int_equal(r.level, level);
			assert_int_equal(r.perm, 0);
			wfx_free(w);
		}
	}
}

/* 28.2.3.2 + Table 27-7: rights are the AND over all levels; bits 5:3 report that AND. */
static void test_partial_rights(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 7);
	wr(w, pdpte(0x8000), W_PD | 5); /* R-X */
	wr(w, pde(0x8000), W_PT | 3);   /* RW- */
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_READ, &r), EPT_OK);
	assert_int_equal(r.perm, 1);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x2 | (1 << 3)));
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_FETCH | EPT_ACC_GLA, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x4 | (1 << 3) | Q_GLA));
	/* the leaf alone: R only */
	map4k(w, 0x8000, 0x20000, 1);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE | EPT_ACC_GLA | EPT_ACC_FINAL, &r),
			 EPT_VIOLATION);
	assert_true(r.qual == (0x2 | (1 << 3) | Q_GLA | Q_FINAL));
	/* W and X at the leaf but R-X above: bits 5:3 = 101b for a write */
	map4k(w, 0x8000, 0x20000, 7);
	wr(w, pml4e(0x8000), W_PDPT | 5);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x2 | (5 << 3)));
	wfx_free(w);
}

/* Table 27-7: bit 8 is reported only with bit 7 (reserved, 0, otherwise). */
static void test_qual_linear_bits(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 1);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE | EPT_ACC_FINAL, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x2 | (1 << 3)));
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE | EPT_ACC_GLA, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x2 | (1 << 3) | Q_GLA));
	wfx_free(w);
}

/* 28.2.3.1: 100b (execute-only) is allowed when IA32_VMX_EPT_VPID_CAP[0] says so. */
static void test_execute_only(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 4);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_FETCH, &r), EPT_OK);
	assert_int_equal(r.perm, 4);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_READ, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x1 | (4 << 3)));
	w->caps.exec_only = false;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_FETCH, &r), EPT_MISCONFIG);
	/* also at a non-leaf level */
	map4k(w, 0x8000, 0x20000, 7);
	wr(w, pdpte(0x8000), W_PD | 4);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_FETCH, &r), EPT_MISCONFIG);
	assert_int_equal(r.level, 3);
	wfx_free(w);
}

/* 28.2.3.1: bits 2:0 = 010b (write-only) or 110b (write/execute) at any level. */
static void test_misconfig_write_without_read(void **state)
{
	(void)state;
	for (int level = 4; level >= 1; level--) {
		for (u64 bad = 2; bad <= 6; bad += 4) {
			struct wfx *w = wfx_new();
			assert_non_null(w);
			map4k(w, 0x8000, 0x20000, 7);
			u64 at = level == 4   ? pml4e(0x8000)
				 : level == 3 ? pdpte(0x8000)
				 : level == 2 ? pde(0x8000)
					      : pte(0x8000);
			wr(w, at, (rd(w, at) & ~7ull) | bad);
			struct ept_result r;
			assert_int_equal(xlate(w, 0x8000, EPT_ACC_READ, &r), EPT_MISCONFIG);
			assert_int_equal(r.level, level);
			wfx_free(w);
		}
	}
}

/* One entry with one extra bit: what the walk says. */
static enum ept_outcome with_bit(struct wfx *w, u64 at, unsigned bit)
{
	struct ept_result r;
	u64 old = rd(w, at);
	wr(w, at, old | BIT(bit));
	enum ept_outcome o = xlate(w, 0x8000, EPT_ACC_READ, &r);
	wr(w, at, old);
	return o;
}

/* 28.2.2 Tables 28-1, 28-3, 28-5, 28-6: reserved bits of 4-KByte walks; bits 51:N everywhere.
 * Ignored bits (11:8 without A/D, 62:52, 63 without "EPT-violation #VE", bit 7 of a PTE)
 * change nothing. */
static void test_misconfig_reserved_4k(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 7);
	const u64 e4 = pml4e(0x8000), e3 = pdpte(0x8000), e2 = pde(0x8000), e1 = pte(0x8000);
	for (unsigned b = 3; b <= 7; b++) {
		assert_int_equal(with_bit(w, e4, b), EPT_MISCONFIG); /* PML4E 7:3, incl. bit 7 */
		if (b <= 6) {
			assert_int_equal(with_bit(w, e3, b), EPT_MISCONFIG); /* PDPTE 6:3 */
			assert_int_equal(with_bit(w, e2, b), EPT_MISCONFIG); /* PDE 6:3 */
		}
	}
	const u64 at[4] = {e4, e3, e2, e1};
	for (unsigned k = 0; k < 4; k++) {
		assert_int_equal(with_bit(w, at[k], 46), EPT_MISCONFIG);
		assert_int_equal(with_bit(w, at[k], 51), EPT_MISCONFIG);
		for (unsigned b = 52; b <= 63; b++)
			assert_int_equal(with_bit(w, at[k], b), EPT_OK);
		for (unsigned b = 8; b <= 11; b++)
			assert_int_equal(with_bit(w, at[k], b), EPT_OK);
	}
	assert_int_equal(with_bit(w, e1, 7), EPT_OK);  /* PTE bit 7: ignored */
	assert_int_equal(with_bit(w, e1, 6), EPT_OK);  /* PTE bit 6: ignore PAT */
	assert_int_equal(with_bit(w, e1, 45), EPT_OK); /* an address bit below N */
	w->caps.maxphyaddr = 39;                       /* bits 51:39 reserved with N = 39 */
	assert_int_equal(with_bit(w, e1, 39), EPT_MISCONFIG);
	assert_int_equal(with_bit(w, e1, 38), EPT_OK);
	wfx_free(w);
}

/* Tables 28-2, 28-4: bits 29:12 of a 1-GByte PDPTE and 20:12 of a 2-MByte PDE are reserved. */
static void test_misconfig_reserved_large(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	const u64 gpa = 0x8000;
	wr(w, pml4e(gpa), W_PDPT | 7);
	wr(w, pdpte(gpa), W_PD | 7);
	wr(w, pde(gpa), 0x200000 | EPT_LARGE | MT_WB | 7);
	assert_int_equal(with_bit(w, pde(gpa), 12), EPT_MISCONFIG);
	assert_int_equal(with_bit(w, pde(gpa), 20), EPT_MISCONFIG);
	assert_int_equal(with_bit(w, pde(gpa), 21), EPT_OK);
	assert_int_equal(with_bit(w, pde(gpa), 6), EPT_OK); /* ignore PAT */
	wr(w, pdpte(gpa), (1ull << 30) | EPT_LARGE | MT_WB | 7);
	assert_int_equal(with_bit(w, pdpte(gpa), 12), EPT_MISCONFIG);
	assert_int_equal(with_bit(w, pdpte(gpa), 29), EPT_MISCONFIG);
	assert_int_equal(with_bit(w, pdpte(gpa), 30), EPT_OK);
	assert_int_equal(with_bit(w, pdpte(gpa), 46), EPT_MISCONFIG);
	/* Without 1-GByte (2-MByte) page support, bit 7 of a PDPTE (PDE) is reserved. */
	w->caps.page_1g = false;
	struct ept_result r;
	assert_int_equal(xlate(w, gpa, EPT_ACC_READ, &r), EPT_MISCONFIG);
	assert_int_equal(r.level, 3);
	wr(w, pdpte(gpa), W_PD | 7);
	assert_int_equal(xlate(w, gpa, EPT_ACC_READ, &r), EPT_OK);
	w->caps.page_2m = false;
	assert_int_equal(xlate(w, gpa, EPT_ACC_READ, &r), EPT_MISCONFIG);
	assert_int_equal(r.level, 2);
	wfx_free(w);
}

/* 28.2.3.1: memory type 2, 3 or 7 in the entry that maps the page (4K, 2M and 1G). */
static void test_misconfig_memtype(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	const u64 gpa = 0x8000;
	for (u64 mt = 0; mt < 8; mt++) {
		bool bad = mt == 2 || mt == 3 || mt == 7;
		enum ept_outcome want = bad ? EPT_MISCONFIG : EPT_OK;
		struct ept_result r;
		wr(w, pml4e(gpa), W_PDPT | 7);
		wr(w, pdpte(gpa), W_PD | 7);
		wr(w, pde(gpa), W_PT | 7);
		wr(w, pte(gpa), 0x20000 | (mt << 3) | 7);
		assert_int_equal(xlate(w, gpa, EPT_ACC_READ, &r), want);
		wr(w, pde(gpa), (mt << 3) | EPT_LARGE | 7);
		assert_int_equal(xlate(w, gpa, EPT_ACC_READ, &r), want);
		wr(w, pdpte(gpa), (mt << 3) | EPT_LARGE | 7);
		assert_int_equal(xlate(w, gpa, EPT_ACC_READ, &r), want);
	}
	wfx_free(w);
}

/* 28.2.3.2: "An EPT violation may occur ... whose translation does not cause an EPT
 * misconfiguration": a misconfigured lower entry wins over missing rights above it; a
 * not-present entry ends the walk before anything below it is looked at. */
static void test_misconfig_before_violation(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 7);
	wr(w, pml4e(0x8000), W_PDPT | 4); /* execute-only: a read is not allowed */
	wr(w, pte(0x8000), 0x20000 | (7ull << 3) | 7);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_READ, &r), EPT_MISCONFIG);
	assert_int_equal(r.level, 1);
	wr(w, pdpte(0x8000), 0); /* not present above the bad PTE */
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_READ, &r), EPT_VIOLATION);
	assert_int_equal(r.level, 3);
	wfx_free(w);
}

/* 28.2.4: with EPTP[6] = 0 bits 8 and 9 are ignored and never written. */
static void test_ad_disabled(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 7);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE, &r), EPT_OK);
	assert_true(r.dirty);
	assert_true(rd(w, pml4e(0x8000)) == (W_PDPT | 7));
	assert_true(rd(w, pte(0x8000)) == (0x20000 | MT_WB | 7));
	wfx_free(w);
}

/* 28.2.4: with EPTP[6] = 1 every entry used gets the accessed flag (bit 8); a write sets
 * the dirty flag (bit 9) of the entry that maps the page only. */
static void test_ad_enabled(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	w->eptp |= EPTP_AD;
	map4k(w, 0x8000, 0x20000, 7);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_READ, &r), EPT_OK);
	assert_false(r.dirty);
	const u64 at[4] = {pml4e(0x8000), pdpte(0x8000), pde(0x8000), pte(0x8000)};
	for (unsigned k = 0; k < 4; k++)
		assert_true((rd(w, at[k]) & (EPT_A | EPT_D)) == EPT_A);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE, &r), EPT_OK);
	assert_true(r.dirty);
	for (unsigned k = 0; k < 3; k++)
		assert_true((rd(w, at[k]) & (EPT_A | EPT_D)) == EPT_A);
	assert_true((rd(w, at[3]) & (EPT_A | EPT_D)) == (EPT_A | EPT_D));
	/* a fetch from the now dirty page reports it dirty */
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_FETCH, &r), EPT_OK);
	assert_true(r.dirty);
	/* a 2-MByte leaf gets the dirty flag in the PDE */
	wr(w, pde(0x8000), 0x200000 | EPT_LARGE | MT_WB | 7);
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE, &r), EPT_OK);
	assert_true((rd(w, pde(0x8000)) & (EPT_A | EPT_D)) == (EPT_A | EPT_D));
	wfx_free(w);
}

/* 28.2.3.2 / Table 27-7 footnote: with EPTP[6] = 1 guest paging-structure accesses are
 * writes: a read-only page fails with bits 0 and 1 set, and the dirty flag is set. */
static void test_ad_paging_structures_are_writes(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	map4k(w, 0x8000, 0x20000, 5);
	struct ept_result r;
	unsigned acc = EPT_ACC_READ | EPT_ACC_PAGING | EPT_ACC_GLA;
	assert_int_equal(xlate(w, 0x8000, acc, &r), EPT_OK); /* EPTP[6] = 0: a read */
	w->eptp |= EPTP_AD;
	assert_int_equal(xlate(w, 0x8000, acc, &r), EPT_VIOLATION);
	assert_true(r.qual == (0x3 | (5 << 3) | Q_GLA));
	assert_true((rd(w, pte(0x8000)) & EPT_D) == 0);
	map4k(w, 0x8000, 0x20000, 7);
	assert_int_equal(xlate(w, 0x8000, acc, &r), EPT_OK);
	assert_true(rd(w, pte(0x8000)) & EPT_D);
	wfx_free(w);
}

/* Model choice (docs/decisions.md): accessed flags are set as the walk uses each entry, so a
 * violation found below leaves the flags above set; the dirty flag only when allowed. */
static void test_ad_on_failure(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	w->eptp |= EPTP_AD;
	map4k(w, 0x8000, 0x20000, 5);
	struct ept_result r;
	assert_int_equal(xlate(w, 0x8000, EPT_ACC_WRITE, &r), EPT_VIOLATION);
	assert_true((rd(w, pte(0x8000)) & (EPT_A | EPT_D)) == EPT_A);
	map4k(w, 0x9000, 0x21000, 7);
	wr(w, pde(0x9000), 0);
	wr(w, pdpte(0x9000), W_PD | 7);
	assert_int_equal(xlate(w, 0x9000, EPT_ACC_READ, &r), EPT_VIOLATION);
	assert_true(rd(w, pdpte(0x9000)) & EPT_A);
	assert_true(rd(w, pde(0x9000)) == 0);
	wfx_free(w);
}

/* EPT tables outside RAM read as all ones: a misconfiguration, never a crash. */
static void test_tables_outside_ram(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	w->eptp = (1ull << 40) | 6 | (3 << 3);
	struct ept_result r;
	assert_int_equal(xlate(w, ~0ull, EPT_ACC_READ, &r), EPT_MISCONFIG);
	wfx_free(w);
}

static u64 xorshift(u64 *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

/* Mostly well-formed entries (all rights or random ones, a table page as address, or a
 * large leaf with a random memory type), one in eight raw random bits. */
static u64 random_entry(u64 *x)
{
	u64 v = xorshift(x), frame = W_PML4 + ((v >> 20) & 3) * 4096;
	if ((v >> 40) % 8 == 0)
		return v;
	u64 rwx = (v >> 44) % 3 ? 7 : v & 7, ad = (v >> 12) & 0x300; /* bits 9:8 random */
	if ((v >> 3) % 4 == 0)
		return EPT_LARGE | (((v >> 5) % 8) << 3) | ad | rwx; /* leaf above level 1 */
	return frame | ad | rwx;
}

/* Arbitrary EPT contents never crash the walk; whatever comes out is consistent: a
 * translation keeps the page offset and grants the access; a violation reports the access in
 * bits 2:0 and no right it lacked in bits 5:3. */
static void test_random_tables(void **state)
{
	(void)state;
	struct wfx *w = wfx_new();
	assert_non_null(w);
	u64 x = 0x243f6a8885a308d3ull;
	static const unsigned kinds[] = {EPT_ACC_READ, EPT_ACC_WRITE, EPT_ACC_FETCH};
	unsigned seen[3] = {0, 0, 0};
	for (unsigned n = 0; n < 20000; n++) {
		xorshift(&x);
		if (n % 64 == 0) /* new tables: entries point back into the four table pages */
			for (u64 a = W_PML4; a < W_PT + 4096; a += 8)
				wr(w, a, random_entry(&x));
		w->eptp = W_PML4 | 6 | (3 << 3) | (x & 1 ? EPTP_AD : 0);
		unsigned kind = kinds[(x >> 8) % 3];
		unsigned acc = kind | (x & 2 ? EPT_ACC_PAGING : 0) | EPT_ACC_GLA;
		u64 gpa = x >> 11;
		struct ept_result r;
		enum ept_outcome o = xlate(w, gpa, acc, &r);
		seen[o]++;
		if (o == EPT_OK) {
			assert_true((r.hpa & 4095) == (gpa & 4095));
			assert_true((r.perm & kind) == kind);
		} else if (o == EPT_VIOLATION) {
			assert_true(r.qual & kind);
			assert_true((r.qual >> 3 & 7) == r.perm);
			assert_true((r.perm & (r.qual & 7)) != (r.qual & 7));
		} else {
			assert_int_equal(o, EPT_MISCONFIG);
		}
	}
	/* all three outcomes were exercised */
	assert_true(seen[EPT_OK] > 1000 && seen[EPT_VIOLATION] > 1000 &&
		    seen[EPT_MISCONFIG] > 1000);
	wfx_free(w);
}

/* ---- part 2: a guest in VMX non-root operation ---- */

/* Host-physical EPT tables at the top of the fixture's 8 MiB. */
#define E_PML4 0x7f0000ull
#define E_PDPT 0x7f1000ull
#define E_PD 0x7f2000ull
#define E_PT 0x7f3000ull  /* a 4-KByte EPT page table */
#define E_PT2 0x7f4000ull /* another */

static u64 hrd(struct fx *f, u64 pa)
{
	return phys_read(&f->phys, pa, 8);
}

static void hwr(struct fx *f, u64 pa, u64 v)
{
	phys_write(&f->phys, pa, 8, v);
}

/* Identity EPT of 0 .. 8 MiB in 2-MByte pages, RWX, write-back. */
static void ept_identity(struct fx *f)
{
	hwr(f, E_PML4, E_PDPT | 7);
	hwr(f, E_PDPT, E_PD | 7);
	for (u64 k = 0; k < 4; k++)
		hwr(f, E_PD + 8 * k, (k << 21) | EPT_LARGE | MT_WB | 7);
}

/* Replaces the 2-MByte EPT page k by a table of 4-KByte identity pages, RWX. */
static void ept_split(struct fx *f, u64 k, u64 pt)
{
	for (u64 i = 0; i < 512; i++)
		hwr(f, pt + 8 * i, (k << 21) | (i << 12) | MT_WB | 7);
	hwr(f, E_PD + 8 * k, pt | 7);
}

static void ept_set_4k(u64 pt, struct fx *f, u64 gpa, u64 v)
{
	hwr(f, pt + ((gpa >> 12) & 511) * 8, v);
}

static void nonroot(struct fx *f, u64 eptp_flags)
{
	struct vx_cpu *c = &f->cpu;
	struct vmcs *v = &c->vmx.vmcs;
	c->vmx.in_vmx = true;
	c->vmx.non_root = true;
	vmcs_set(v, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL,
		 VMX_PROC_DEFAULT1 | PROC_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set(v, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_EPT);
	vmcs_set(v, VMCS_SLOT_EPT_POINTER, E_PML4 | 6 | (3 << 3) | eptp_flags);
	/* what the exit loads: a 64-bit host on the same page tables */
	vmcs_set(v, VMCS_SLOT_VM_EXIT_CONTROLS, VMX_EXIT_DEFAULT1 | EXIT_HOST_ADDR_SPACE_SIZE);
	vmcs_set(v, VMCS_SLOT_HOST_CR0, c->cr0);
	vmcs_set(v, VMCS_SLOT_HOST_CR3, FX_PML4);
	vmcs_set(v, VMCS_SLOT_HOST_CR4, c->cr4 | X86_CR4_VMXE);
	vmcs_set(v, VMCS_SLOT_HOST_CS_SELECTOR, 0x08);
	vmcs_set(v, VMCS_SLOT_HOST_TR_SELECTOR, 0x28);
	vmcs_set(v, VMCS_SLOT_HOST_RIP, 0x1ff000);
	vmcs_set(v, VMCS_SLOT_HOST_RSP, 0x1ff000);
	tlb_flush_all(c);
}

static struct fx *guest(u64 eptp_flags)
{
	struct fx *f = fx_new(true);
	if (!f)
		return NULL;
	ept_identity(f);
	nonroot(f, eptp_flags);
	return f;
}

static u64 field(struct fx *f, enum vmcs_slot s)
{
	return vmcs_get(&f->cpu.vmx.vmcs, s);
}

/* An EPT-violation exit with this qualification, guest-linear and guest-physical address. */
static void assert_violation(struct fx *f, u64 qual, u64 gla, u64 gpa)
{
	assert_false(f->cpu.vmx.non_root);
	assert_int_equal(field(f, VMCS_SLOT_EXIT_REASON) & 0xffff, VMX_EXIT_EPT_VIOLATION);
	assert_true((field(f, VMCS_SLOT_EXIT_QUALIFICATION) & 0x1ff) == qual);
	assert_true(field(f, VMCS_SLOT_GUEST_LINEAR_ADDRESS) == gla);
	assert_true(field(f, VMCS_SLOT_GUEST_PHYSICAL_ADDRESS) == gpa);
}

#define QD (Q_GLA | Q_FINAL) /* an access to the translation of a linear address */

/* A data read of a guest-physical address EPT does not map: exit 48 at the instruction, with
 * GLA and GPA, qualification "read, not readable/writable/executable, GLA valid, translated
 * access" (Table 27-7); the destination is untouched. */
static void test_guest_read_unmapped(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 2, 0); /* guest-physical 4 .. 6 MiB not present */
	f->cpu.gpr[0] = 0x1111;
	/* mov rax, [0x500008] */
	fx_code(f, CODE(0x48, 0x8b, 0x04, 0x25, 0x08, 0x00, 0x50, 0x00));
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_violation(f, 0x1 | QD, 0x500008, 0x500008);
	assert_true(field(f, VMCS_SLOT_GUEST_RIP) == FX_CODE);
	assert_true(f->cpu.gpr[0] == 0x1111);
	assert_int_equal(f->cpu.retired, 0);
	fx_free(f);
}

/* A write to an EPT read/execute page: bits 5:3 = 101b; memory unchanged. */
static void test_guest_write_readonly(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 1, (1ull << 21) | EPT_LARGE | MT_WB | 5);
	f->cpu.gpr[0] = 0x77;
	/* mov [0x300010], rax  (FX_DATA, in the 2 .. 4 MiB page) */
	fx_code(f, CODE(0x48, 0x89, 0x04, 0x25, 0x10, 0x00, 0x30, 0x00));
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_violation(f, 0x2 | (5 << 3) | QD, 0x300010, 0x300010);
	assert_true(hrd(f, 0x300010) == 0);
	fx_free(f);
}

/* Model choice: a read-modify-write (ADD to memory) reports a data write only (Table 27-7:
 * whether bit 0 is also set is implementation-specific). */
static void test_guest_rmw_is_write(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 1, (1ull << 21) | EPT_LARGE | MT_WB | 1);
	/* add [0x300000], rax */
	fx_code(f, CODE(0x48, 0x01, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00));
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_violation(f, 0x2 | (1 << 3) | QD, 0x300000, 0x300000);
	fx_free(f);
}

/* An instruction fetch from a page EPT does not let execute: reported at RIP. */
static void test_guest_fetch_not_executable(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 1, (1ull << 21) | EPT_LARGE | MT_WB | 3);
	f->cpu.rip = 0x300ff0;
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_violation(f, 0x4 | (3 << 3) | QD, 0x300ff0, 0x300ff0);
	assert_true(field(f, VMCS_SLOT_GUEST_RIP) == 0x300ff0);
	fx_free(f);
}

/* EPT misconfiguration (an "MMIO" page marked write-only): exit 49 with the guest-physical
 * address; the exit qualification is not used (0). */
static void test_guest_misconfig(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	ept_split(f, 2, E_PT2);
	ept_set_4k(E_PT2, f, 0x4b0000, 0x4b0000 | MT_WB | 2);
	/* mov rax, [0x4b0ff8] */
	fx_code(f, CODE(0x48, 0x8b, 0x04, 0x25, 0xf8, 0x0f, 0x4b, 0x00));
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_false(f->cpu.vmx.non_root);
	assert_int_equal(field(f, VMCS_SLOT_EXIT_REASON) & 0xffff, VMX_EXIT_EPT_MISCONFIG);
	assert_true(field(f, VMCS_SLOT_GUEST_PHYSICAL_ADDRESS) == 0x4b0ff8);
	assert_true(field(f, VMCS_SLOT_GUEST_RIP) == FX_CODE);
	fx_free(f);
}

/* The guest's paging-structure reads go through EPT: a not-present EPT page under the guest
 * PDPT exits with GPA = the PDPTE's address, qualification "read, GLA valid, access to a
 * paging-structure entry" (bit 8 clear). */
static void test_guest_walk_read_violation(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	ept_split(f, 0, E_PT);
	ept_set_4k(E_PT, f, FX_PDPT, 0);
	u64 pa;
	f->cpu.insn_rip = FX_CODE;
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_READ, &pa), STEP_VMEXIT);
	assert_violation(f, 0x1 | Q_GLA, 0x300000, FX_PDPT);
	fx_free(f);
}

/* The accessed-flag update of a guest paging-structure entry is a data write (28.2.3.2):
 * EPT read-only page tables fail on it (EPTP[6] = 0); the entry keeps A clear. */
static void test_guest_walk_accessed_write(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	ept_split(f, 0, E_PT);
	for (u64 p = FX_PML4; p <= FX_PD; p += 0x1000)
		ept_set_4k(E_PT, f, p, p | MT_WB | 5);
	u64 pa;
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_READ, &pa), STEP_VMEXIT);
	assert_violation(f, 0x2 | (5 << 3) | Q_GLA, 0x300000, FX_PML4);
	assert_true((hrd(f, FX_PML4) & 0x20) == 0);
	fx_free(f);
}

/* With EPTP[6] = 1 the walk's reads are writes: the same tables fail at the first read with
 * bits 0 and 1 set (Table 27-7 footnote). */
static void test_guest_walk_ad_read_is_write(void **state)
{
	(void)state;
	struct fx *f = guest(EPTP_AD);
	assert_non_null(f);
	ept_split(f, 0, E_PT);
	for (u64 p = FX_PML4; p <= FX_PD; p += 0x1000)
		ept_set_4k(E_PT, f, p, p | MT_WB | 5);
	/* the guest's own accessed flags already set: only the EPT rule can fail */
	hwr(f, FX_PML4, hrd(f, FX_PML4) | 0x20);
	hwr(f, FX_PDPT, hrd(f, FX_PDPT) | 0x20);
	u64 pa;
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_READ, &pa), STEP_VMEXIT);
	assert_violation(f, 0x3 | (5 << 3) | Q_GLA, 0x300000, FX_PML4);
	fx_free(f);
}

/* The dirty-flag update of the guest's leaf is a paging-structure write too. */
static void test_guest_walk_dirty_write(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	ept_split(f, 0, E_PT);
	for (u64 p = FX_PML4; p <= FX_PD; p += 0x1000) {
		ept_set_4k(E_PT, f, p, p | MT_WB | 5);
		for (u64 k = 0; k < 4; k++)
			hwr(f, p + 8 * k, hrd(f, p + 8 * k) | (hrd(f, p + 8 * k) ? 0x20 : 0));
	}
	u64 pa, pde_gpa = FX_PD + 8 * 1; /* maps 2 .. 4 MiB */
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_READ, &pa), STEP_RETIRED);
	assert_true(pa == 0x300000);
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_WRITE, &pa), STEP_VMEXIT);
	assert_violation(f, 0x2 | (5 << 3) | Q_GLA, 0x300000, pde_gpa);
	assert_true((hrd(f, pde_gpa) & 0x40) == 0);
	fx_free(f);
}

/* A successful translation goes guest-linear -> guest-physical -> host-physical; the TLB keeps
 * the combined mapping. */
static void test_guest_remap(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	ept_split(f, 1, E_PT2);
	ept_set_4k(E_PT2, f, 0x300000, 0x680000 | MT_WB | 7);
	f->cpu.gpr[0] = 0xfeedface;
	/* mov [0x300008], rax; mov rbx, [0x300008] */
	fx_code(f, CODE(0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x30, 0x00, 0x48, 0x8b, 0x1c, 0x25,
			0x08, 0x00, 0x30, 0x00));
	assert_int_equal(fx_steps(f, 2), STEP_RETIRED);
	assert_true(f->cpu.vmx.non_root);
	assert_true(hrd(f, 0x680008) == 0xfeedface);
	assert_true(hrd(f, 0x300008) == 0);
	assert_true(f->cpu.gpr[3] == 0xfeedface);
	const struct tlb_entry *e = &f->cpu.tlb[(0x300000 >> 12) & (TLB_SIZE - 1)];
	assert_true(e->tag == tlb_key(&f->cpu, 0x300000) && e->pa == 0x680000);
	fx_free(f);
}

/* The TLB carries the EPT rights: a read fills it, a later write to the same page must not
 * hit it but exit. */
static void test_guest_tlb_keeps_ept_rights(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 1, (1ull << 21) | EPT_LARGE | MT_WB | 5);
	hwr(f, FX_PD + 8, hrd(f, FX_PD + 8) | 0x60); /* guest A and D set: guest allows W */
	/* mov rbx, [0x310000]; mov [0x310000], rax (TLB slot 0x10: apart from the code's) */
	fx_code(f, CODE(0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x31, 0x00, 0x48, 0x89, 0x04, 0x25,
			0x00, 0x00, 0x31, 0x00));
	assert_int_equal(cpu_step(&f->cpu), STEP_RETIRED);
	const struct tlb_entry *e = &f->cpu.tlb[(0x310000 >> 12) & (TLB_SIZE - 1)];
	assert_true(e->tag == tlb_key(&f->cpu, 0x310000));
	assert_true((e->perm & (TLB_W | TLB_UW | TLB_X | TLB_UX)) == (TLB_X | TLB_UX));
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_violation(f, 0x2 | (5 << 3) | QD, 0x310000, 0x310000);
	assert_true(field(f, VMCS_SLOT_GUEST_RIP) == FX_CODE + 8);
	fx_free(f);
}

/* With EPT dirty flags, a read leaves the page unwritable in the TLB so that the first write
 * walks and sets the EPT dirty flag (28.2.4). */
static void test_guest_ept_dirty_via_tlb(void **state)
{
	(void)state;
	struct fx *f = guest(EPTP_AD);
	assert_non_null(f);
	const u64 pde2 = E_PD + 8 * 1;
	hwr(f, FX_PD + 8, hrd(f, FX_PD + 8) | 0x60); /* guest A and D set: guest allows W */
	/* mov rbx, [0x310000]; mov [0x310000], rax (TLB slot 0x10: apart from the code's) */
	fx_code(f, CODE(0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x31, 0x00, 0x48, 0x89, 0x04, 0x25,
			0x00, 0x00, 0x31, 0x00));
	assert_int_equal(cpu_step(&f->cpu), STEP_RETIRED);
	assert_true((hrd(f, pde2) & (EPT_A | EPT_D)) == EPT_A);
	assert_int_equal(cpu_step(&f->cpu), STEP_RETIRED);
	assert_true((hrd(f, pde2) & (EPT_A | EPT_D)) == (EPT_A | EPT_D));
	assert_true(hrd(f, E_PML4) & EPT_A);
	fx_free(f);
}

/* An access split over two pages is translated whole first: nothing is written when the
 * second page exits. */
static void test_guest_split_access(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 2, 0);
	f->cpu.insn_rip = FX_CODE;
	assert_int_equal(mem_write(&f->cpu, 0x3ffffc, 8, ~0ull, 0), STEP_VMEXIT);
	assert_violation(f, 0x2 | QD, 0x400000, 0x400000);
	assert_true(hrd(f, 0x3ffff8) == 0);
	fx_free(f);
}

/* EPT applies only in VMX non-root operation with "activate secondary controls" and "enable
 * EPT" both 1; otherwise guest-physical addresses are host-physical. */
static void test_ept_off(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 1, 0); /* EPT would fault on 2 .. 4 MiB */
	struct vmcs *v = &f->cpu.vmx.vmcs;
	u64 x = 0, pa;
	vmcs_set(v, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL, VMX_PROC_DEFAULT1);
	assert_int_equal(mem_read(&f->cpu, 0x300000, 8, &x, 0), STEP_RETIRED);
	tlb_flush_all(&f->cpu);
	vmcs_set(v, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL,
		 VMX_PROC_DEFAULT1 | PROC_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set(v, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, 0);
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_WRITE, &pa), STEP_RETIRED);
	assert_true(pa == 0x300000);
	tlb_flush_all(&f->cpu);
	vmcs_set(v, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, PROC2_ENABLE_EPT);
	f->cpu.vmx.non_root = false; /* VMX root operation: no EPT */
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_WRITE, &pa), STEP_RETIRED);
	tlb_flush_all(&f->cpu);
	f->cpu.vmx.non_root = true;
	assert_int_equal(mmu_translate_step(&f->cpu, 0x300000, ACC_WRITE, &pa), STEP_VMEXIT);
	fx_free(f);
}

/* CR0.PG = 0 in VMX non-root operation: the linear address is the guest-physical address
 * and goes through EPT (28.2.2), reported as a translated access with GLA valid. */
static void test_guest_unpaged(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	f->cpu.cr0 &= ~(1ull << 31);
	ept_split(f, 1, E_PT2);
	ept_set_4k(E_PT2, f, 0x301000, 0x682000 | MT_WB | 7);
	u64 pa;
	assert_int_equal(mmu_translate_step(&f->cpu, 0x301234, ACC_READ, &pa), STEP_RETIRED);
	assert_true(pa == 0x682234);
	ept_set_4k(E_PT2, f, 0x302000, 0);
	assert_int_equal(mmu_translate_step(&f->cpu, 0x302008, ACC_READ, &pa), STEP_VMEXIT);
	assert_violation(f, 0x1 | QD, 0x302008, 0x302008);
	fx_free(f);
}

/* An EPT violation while delivering an event through the guest IDT: the access is to the
 * translation of the gate's linear address (bits 7 and 8 set), the IDT-vectoring information
 * names the event, and guest RIP is the one the delivery would have pushed: the faulting
 * instruction for a fault ... */
static void test_guest_delivery_fault(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 2, 0);
	f->cpu.idtr = (struct dtr){.base = 0x500000, .limit = 0xfff};
	fx_code(f, CODE(0x0f, 0x0b)); /* ud2 */
	assert_int_equal(cpu_run(&f->cpu, 10), STEP_VMEXIT);
	assert_violation(f, 0x1 | QD, 0x500000 + 16 * X86_VEC_UD, 0x500000 + 16 * X86_VEC_UD);
	assert_true(field(f, VMCS_SLOT_IDT_VECTORING_INFO) ==
		    (VMX_INTR_INFO_VALID | VMX_INTR_TYPE_HARD_EXCEPTION << 8 | X86_VEC_UD));
	assert_true(field(f, VMCS_SLOT_GUEST_RIP) == FX_CODE);
	fx_free(f);
}

/* ... and the next instruction for an external interrupt taken at a boundary. */
static void test_guest_delivery_interrupt(void **state)
{
	(void)state;
	struct fx *f = guest(0);
	assert_non_null(f);
	hwr(f, E_PD + 8 * 2, 0);
	f->cpu.idtr = (struct dtr){.base = 0x500000, .limit = 0xfff};
	fx_code(f, CODE(0x90, 0x90)); /* nop; nop */
	assert_int_equal(cpu_step(&f->cpu), STEP_RETIRED);
	f->cpu.rflags |= RFLAGS_IF;
	f->cpu.pending_intr = 0x30;
	assert_int_equal(cpu_step(&f->cpu), STEP_VMEXIT);
	assert_violation(f, 0x1 | QD, 0x500000 + 16 * 0x30, 0x500000 + 16 * 0x30);
	assert_true(field(f, VMCS_SLOT_IDT_VECTORING_INFO) ==
		    (VMX_INTR_INFO_VALID | VMX_INTR_TYPE_EXT_INTR << 8 | 0x30));
	assert_true(field(f, VMCS_SLOT_GUEST_RIP) == FX_CODE + 1);
	fx_free(f);
}

/* include/vx/vmx.h vx_ept_misconfigured: the processor's 28.2.3.1 rule for a hypervisor that
 * shadows another's EPT (src/nested/sept.c) -- not present is not misconfigured. */
static void test_api_misconfigured(void **state)
{
	(void)state;
	struct fx *f = fx_new(false);
	assert_non_null(f);
	struct vx_cpu *c = &f->cpu;
	assert_false(vx_ept_misconfigured(c, 0, 1));                            /* not present */
	assert_false(vx_ept_misconfigured(c, 0x5000 | MT_WB | 7, 1));           /* RWX WB page */
	assert_true(vx_ept_misconfigured(c, 0x5000 | MT_WB | 2, 1));            /* write-only */
	assert_true(vx_ept_misconfigured(c, 0x5000 | MT_WB | 6, 1));            /* write+execute */
	assert_true(vx_ept_misconfigured(c, 0x5000 | (2ull << 3) | 7, 1));      /* memory type 2 */
	assert_false(vx_ept_misconfigured(c, 0x5000 | 7, 2));                   /* PDE -> PT */
	assert_true(vx_ept_misconfigured(c, 0x5000 | (2ull << 3) | 7, 2));      /* its bits 6:3 */
	assert_true(vx_ept_misconfigured(c, 0x5000 | BIT(7) | 7, 4));           /* PML4E bit 7 */
	assert_true(vx_ept_misconfigured(c, 0x201000 | BIT(7) | MT_WB | 7, 2)); /* 2M, bit 12 */
	assert_false(vx_ept_misconfigured(c, 0x200000 | BIT(7) | MT_WB | 7, 2));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_4k),
	    cmocka_unit_test(test_walk_2m),
	    cmocka_unit_test(test_walk_1g),
	    cmocka_unit_test(test_not_present_each_level),
	    cmocka_unit_test(test_partial_rights),
	    cmocka_unit_test(test_qual_linear_bits),
	    cmocka_unit_test(test_execute_only),
	    cmocka_unit_test(test_misconfig_write_without_read),
	    cmocka_unit_test(test_misconfig_reserved_4k),
	    cmocka_unit_test(test_misconfig_reserved_large),
	    cmocka_unit_test(test_misconfig_memtype),
	    cmocka_unit_test(test_misconfig_before_violation),
	    cmocka_unit_test(test_ad_disabled),
	    cmocka_unit_test(test_ad_enabled),
	    cmocka_unit_test(test_ad_paging_structures_are_writes),
	    cmocka_unit_test(test_ad_on_failure),
	    cmocka_unit_test(test_tables_outside_ram),
	    cmocka_unit_test(test_random_tables),
	    cmocka_unit_test(test_guest_read_unmapped),
	    cmocka_unit_test(test_guest_write_readonly),
	    cmocka_unit_test(test_guest_rmw_is_write),
	    cmocka_unit_test(test_guest_fetch_not_executable),
	    cmocka_unit_test(test_guest_misconfig),
	    cmocka_unit_test(test_guest_walk_read_violation),
	    cmocka_unit_test(test_guest_walk_accessed_write),
	    cmocka_unit_test(test_guest_walk_ad_read_is_write),
	    cmocka_unit_test(test_guest_walk_dirty_write),
	    cmocka_unit_test(test_guest_remap),
	    cmocka_unit_test(test_guest_tlb_keeps_ept_rights),
	    cmocka_unit_test(test_guest_ept_dirty_via_tlb),
	    cmocka_unit_test(test_guest_split_access),
	    cmocka_unit_test(test_ept_off),
	    cmocka_unit_test(test_guest_unpaged),
	    cmocka_unit_test(test_guest_delivery_fault),
	    cmocka_unit_test(test_guest_delivery_interrupt),
	    cmocka_unit_test(test_api_misconfigured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
