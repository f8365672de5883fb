/* SPDX-License-Identifier: MIT */
/*
 * Test helper: builds small ELF64 x86-64 executables in memory (header at 0, program headers
 * at 64, segment data from 0x200).  Fields are written little-endian byte by byte.
 */
#ifndef VX_TEST_ELF_BUILDER_H
#define VX_TEST_ELF_BUILDER_H

#include <string.h>

#include "arch/types.h"

#define EB_MAX 16384
#define EB_DATA 0x200

struct eb_seg {
	u32 type;
	u64 offset, paddr, filesz, memsz;
};

struct elf_builder {
	u8 buf[EB_MAX];
	size_t len;
};

static inline void eb_put(u8 *p, u64 v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* A valid header: ELFCLASS64, little-endian, ET_EXEC, EM_X86_64, nseg headers at 64. */
static inline void eb_header(struct elf_builder *b, u64 entry, unsigned nseg)
{
	u8 *h = b->buf;
	memset(b->buf, 0, sizeof(b->buf));
	memcpy(h,
	       "\x7f"
	       "ELF",
	       4);
	h[4] = 2;              /* ELFCLASS64 */
	h[5] = 1;              /* ELFDATA2LSB */
	h[6] = 1;              /* EV_CURRENT */
	eb_put(h + 16, 2, 2);  /* ET_EXEC */
	eb_put(h + 18, 62, 2); /* EM_X86_64 */
	eb_put(h + 20, 1, 4);
	eb_put(h + 24, entry, 8);
	eb_put(h + 32, 64, 8); /* e_phoff */
	eb_put(h + 52, 64, 2); /* e_ehsize */
	eb_put(h + 54, 56, 2); /* e_phentsize */
	eb_put(h + 56, nseg, 2);
	b->len = EB_DATA;
}

static inline void eb_seg(struct elf_builder *b, unsigned k, const struct eb_seg *s)
{
	u8 *p = b->buf + 64 + 56 * k;
	eb_put(p, s->type, 4);
	eb_put(p + 4, 7, 4); /* RWX */
	eb_put(p + 8, s->offset, 8);
	eb_put(p + 16, s->paddr, 8);
	eb_put(p + 24, s->paddr, 8);
	eb_put(p + 32, s->filesz, 8);
	eb_put(p + 40, s->memsz, 8);
	eb_put(p + 48, 0x1000, 8);
}

/* A one-segment executable: `code` at paddr (entry), memsz = len + bss. */
static inline void eb_simple(struct elf_builder *b, u64 paddr, const void *code, size_t len,
			     u64 bss)
{
	eb_header(b, paddr, 1);
	struct eb_seg s = {1, EB_DATA, paddr, len, len + bss};
	eb_seg(b, 0, &s);
	memcpy(b->buf + EB_DATA, code, len);
	b->len = EB_DATA + len;
}

#endif
