// SPDX-License-Identifier: MIT
/*
 * The ELF loader (src/vm/loader.c): a valid image loads byte-exact with .bss zeroed; every
 * malformed image is refused with one clear line and no crash (run under ASan/UBSan too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include "elf_builder.h"
#include "vm/loader.h"
#include "vx/boot.h"
#include "vx/cpu.h"

#define RAM (8ull << 20)

static const u8 code[] = {0x48, 0xc7, 0xc0, 0x2a, 0, 0, 0, 0xf4}; /* mov rax, 42; hlt */

/* Expect vm_elf_check to refuse b with a message containing `want`. */
static void refuse(const struct elf_builder *b, size_t len, const char *want)
{
	char err[256] = "";
	struct vm_image img;
	assert_false(vm_elf_check(b->buf, len, RAM, &img, err, sizeof(err)));
	assert_non_null(strstr(err, want));
	assert_null(strchr(err, '\n'));
}

static void test_valid_loads(void **state)
{
	(void)state;
	struct elf_builder b;
	eb_simple(&b, 0x200000, code, sizeof(code), 0x3000);
	struct vx_phys *p = vx_phys_create(RAM);
	assert_non_null(p);
	/* Dirty RAM first: the loader must zero p_memsz - p_filesz. */
	for (u64 a = 0x200000; a < 0x204000; a += 8)
		vx_phys_write(p, a, 8, 0xaaaaaaaaaaaaaaaaull);
	struct vm_image img;
	char err[256] = "";
	assert_true(vm_elf_load(p, b.buf, b.len, &img, err, sizeof(err)));
	assert_int_equal(img.entry, 0x200000);
	assert_int_equal(img.lo, 0x200000);
	assert_int_equal(img.hi, 0x200000 + sizeof(code) + 0x3000);
	assert_int_equal(img.nload, 1);
	u8 got[sizeof(code)];
	assert_true(vx_phys_copy_out(p, 0x200000, got, sizeof(got)));
	assert_memory_equal(got, code, sizeof(code));
	assert_int_equal(vx_phys_read(p, 0x200000 + sizeof(code), 1), 0);
	assert_int_equal(vx_phys_read(p, 0x200000 + sizeof(code) + 0x2ff8, 8), 0);
	/* The first byte after p_memsz is untouched. */
	assert_int_equal(vx_phys_read(p, 0x200000 + sizeof(code) + 0x3000, 1), 0xaa);
	vx_phys_destroy(p);
}

static void test_header_checks(void **state)
{
	(void)state;
	struct elf_builder b;
	eb_simple(&b, 0x100000, code, sizeof(code), 0);
	struct elf_builder x = b;
	x.buf[0] = 0x7e;
	refuse(&x, x.len, "bad magic");
	refuse(&b, 3, "bad magic");
	refuse(&b, 63, "truncated ELF header");
	x = b;
	x.buf[4] = 1; /* ELFCLASS32 */
	refuse(&x, x.len, "not a 64-bit ELF");
	x = b;
	x.buf[5] = 2; /* big-endian */
	refuse(&x, x.len, "little-endian");
	x = b;
	x.buf[6] = 0;
	refuse(&x, x.len, "ELF version");
	x = b;
	eb_put(x.buf + 18, 3, 2); /* EM_386 */
	refuse(&x, x.len, "not an x86-64");
	x = b;
	eb_put(x.buf + 16, 1, 2); /* ET_REL */
	refuse(&x, x.len, "not an executable");
	x = b;
	eb_put(x.buf + 16, 3, 2); /* ET_DYN */
	refuse(&x, x.len, "-no-pie");
}

static void test_phdr_table_checks(void **state)
{
	(void)state;
	struct elf_builder b, x;
	eb_simple(&b, 0x100000, code, sizeof(code), 0);
	x = b;
	eb_put(x.buf + 56, 0, 2);
	refuse(&x, x.len, "no program headers");
	x = b;
	eb_put(x.buf + 54, 32, 2);
	refuse(&x, x.len, "program header size");
	x = b;
	eb_put(x.buf + 56, 0xffff, 2); /* PN_XNUM / huge */
	refuse(&x, x.len, "too many program headers");
	x = b;
	eb_put(x.buf + 56, VM_ELF_MAX_PHNUM, 2); /* allowed count, but beyond the file */
	refuse(&x, 64 + 56 * 3, "outside the file");
	x = b;
	eb_put(x.buf + 32, ~0ull - 8, 8); /* e_phoff + table size overflows */
	refuse(&x, x.len, "outside the file");
	x = b;
	eb_put(x.buf + 32, x.len, 8); /* table starts at the end of the file */
	refuse(&x, x.len, "outside the file");
}

static void test_segment_checks(void **state)
{
	(void)state;
	struct elf_builder b;
	struct eb_seg s = {1, EB_DATA, 0x100000, sizeof(code), sizeof(code)};
	eb_simple(&b, 0x100000, code, sizeof(code), 0);

	struct elf_builder x = b;
	s.filesz = 0x100;
	s.memsz = 0x10;
	eb_seg(&x, 0, &s);
	refuse(&x, x.len, "p_filesz 0x100 > p_memsz 0x10");

	s = (struct eb_seg){1, ~0ull - 4, 0x100000, 0x10, 0x10}; /* offset + filesz overflows */
	x = b;
	eb_seg(&x, 0, &s);
	refuse(&x, x.len, "outside the file");

	s = (struct eb_seg){1, EB_DATA, 0x100000, 0x1000, 0x1000}; /* more than the file has */
	x = b;
	eb_seg(&x, 0, &s);
	refuse(&x, x.len, "outside the file");

	s = (struct eb_seg){1, EB_DATA, 0xff000, sizeof(code), sizeof(code)};
	x = b;
	eb_seg(&x, 0, &s);
	refuse(&x, x.len, "below 0x100000");

	s = (struct eb_seg){1, EB_DATA, RAM - 0x10, sizeof(code), 0x20};
	x = b;
	eb_put(x.buf + 24, RAM - 0x10, 8);
	eb_seg(&x, 0, &s);
	refuse(&x, x.len, "does not fit in RAM");

	s = (struct eb_seg){1, EB_DATA, ~0ull - 0xff, sizeof(code), 0x1000}; /* paddr + memsz */
	x = b;
	eb_seg(&x, 0, &s);
	refuse(&x, x.len, "does not fit in RAM");

	s = (struct eb_seg){1, EB_DATA, 0x100000, sizeof(code), sizeof(code)};
	x = b;
	eb_seg(&x, 0, &s);
	eb_put(x.buf + 24, 0x100000 + sizeof(code), 8); /* entry one past the segment */
	refuse(&x, x.len, "entry point 0x100008 is not inside a loaded segment");
}

static void test_overlap_and_kinds(void **state)
{
	(void)state;
	struct elf_builder b;
	eb_header(&b, 0x100000, 3);
	struct eb_seg a = {1, EB_DATA, 0x100000, sizeof(code), 0x2000};
	struct eb_seg note = {4, 0, 0, 0, 0};                         /* PT_NOTE: ignored */
	struct eb_seg c = {1, EB_DATA, 0x101fff, sizeof(code), 0x10}; /* overlaps a */
	eb_seg(&b, 0, &a);
	eb_seg(&b, 1, &note);
	eb_seg(&b, 2, &c);
	memcpy(b.buf + EB_DATA, code, sizeof(code));
	b.len = EB_DATA + sizeof(code);
	refuse(&b, b.len, "overlap");

	c.paddr = 0x102000; /* adjacent: fine */
	eb_seg(&b, 2, &c);
	struct vm_image img;
	char err[256];
	assert_true(vm_elf_check(b.buf, b.len, RAM, &img, err, sizeof(err)));
	assert_int_equal(img.nload, 2);
	assert_int_equal(img.hi, 0x102010);

	struct eb_seg interp = {3, EB_DATA, 0, 4, 4}; /* PT_INTERP */
	eb_seg(&b, 1, &interp);
	refuse(&b, b.len, "dynamically linked");

	struct elf_builder e;
	eb_header(&e, 0x100000, 1);
	struct eb_seg empty = {1, EB_DATA, 0x100000, 0, 0};
	eb_seg(&e, 0, &empty);
	refuse(&e, e.len, "no loadable segment");
}

/* Every prefix of a valid file either loads (only the whole file) or is refused cleanly. */
static void test_every_truncation(void **state)
{
	(void)state;
	struct elf_builder b;
	eb_simple(&b, 0x100000, code, sizeof(code), 0x100);
	char err[256];
	struct vm_image img;
	for (size_t len = 0; len < b.len; len++) {
		err[0] = 0;
		assert_false(vm_elf_check(b.buf, len, RAM, &img, err, sizeof(err)));
		assert_true(err[0] != 0);
	}
	assert_true(vm_elf_check(b.buf, b.len, RAM, &img, err, sizeof(err)));
	assert_false(vm_elf_check(NULL, 0, RAM, &img, err, sizeof(err)));
}

/* Random corruption of header and program headers: never a crash; what loads fits in RAM. */
static void test_random_corruption(void **state)
{
	(void)state;
	struct elf_builder b;
	eb_header(&b, 0x100000, 2);
	struct eb_seg s0 = {1, EB_DATA, 0x100000, sizeof(code), 0x1000};
	struct eb_seg s1 = {1, EB_DATA, 0x300000, 4, 0x40};
	eb_seg(&b, 0, &s0);
	eb_seg(&b, 1, &s1);
	memcpy(b.buf + EB_DATA, code, sizeof(code));
	b.len = EB_DATA + sizeof(code);
	struct vx_phys *p = vx_phys_create(RAM);
	assert_non_null(p);
	u64 rng = 0x243f6a8885a308d3ull;
	unsigned loaded = 0;
	for (int iter = 0; iter < 20000; iter++) {
		struct elf_builder x = b;
		int flips = 1 + iter % 4;
		for (int k = 0; k < flips; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			x.buf[(rng >> 8) % (64 + 2 * 56)] ^= (u8)(1u << (rng % 8));
		}
		struct vm_image img;
		char err[256];
		if (vm_elf_load(p, x.buf, x.len, &img, err, sizeof(err))) {
			loaded++;
			assert_true(img.lo >= VX_BOOT_IMAGE_MIN && img.hi <= RAM);
			assert_true(img.entry >= img.lo && img.entry < img.hi);
		} else {
			assert_true(err[0] != 0 && !strchr(err, '\n'));
		}
	}
	assert_true(loaded > 0); /* flips of ignored fields still load */
	vx_phys_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_loads),       cmocka_unit_test(test_header_checks),
	    cmocka_unit_test(test_phdr_table_checks), cmocka_unit_test(test_segment_checks),
	    cmocka_unit_test(test_overlap_and_kinds), cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
