// SPDX-License-Identifier: MIT
/*
 * ELF64 guest loader.  The file format facts (field offsets, e_ident values, PT_LOAD) are those
 * of the System V ABI "ELF-64 Object File Format" and its AMD64 supplement (EM_X86_64 = 62).
 * Fields are read byte by byte as little-endian, so a truncated or misaligned header can never
 * be read past its end; all address arithmetic is checked for overflow before use.
 */
#include "vm/loader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vx/boot.h"
#include "vx/cpu.h"

#define EHDR_SIZE 64u
#define PHDR_SIZE 56u
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3

struct phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz;
};

static u64 rd(const u8 *p, unsigned n)
{
	u64 v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static bool fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

#define FAIL(...) fail(err, errlen, __VA_ARGS__)

/* e_ident, e_type, e_machine, e_version, e_phentsize, e_phnum and the header table's bounds. */
static bool check_ehdr(const u8 *d, size_t len, char *err, size_t errlen)
{
	if (len < 4 || memcmp(d,
			      "\x7f"
			      "ELF",
			      4) != 0)
		return FAIL("not an ELF file (bad magic)");
	if (len < EHDR_SIZE)
		return FAIL("truncated ELF header (%zu bytes, need %u)", len, EHDR_SIZE);
	if (d[4] != ELFCLASS64)
		return FAIL("not a 64-bit ELF file (EI_CLASS %u, need 2 = ELFCLASS64)", d[4]);
	if (d[5] != ELFDATA2LSB)
		return FAIL("not a little-endian ELF file (EI_DATA %u, need 1)", d[5]);
	if (d[6] != EV_CURRENT || rd(d + 20, 4) != EV_CURRENT)
		return FAIL("unknown ELF version");
	u64 type = rd(d + 16, 2), machine = rd(d + 18, 2);
	if (machine != EM_X86_64)
		return FAIL("not an x86-64 ELF file (e_machine %llu, need 62)",
			    (unsigned long long)machine);
	if (type == ET_DYN)
		return FAIL("position-independent ELF (ET_DYN): link the guest with -no-pie");
	if (type != ET_EXEC)
		return FAIL("not an executable ELF file (e_type %llu, need 2 = ET_EXEC)",
			    (unsigned long long)type);
	u64 phoff = rd(d + 32, 8), phentsize = rd(d + 54, 2), phnum = rd(d + 56, 2);
	if (phnum == 0)
		return FAIL("no program headers");
	if (phentsize != PHDR_SIZE)
		return FAIL("bad program header size %llu (need %u)", (unsigned long long)phentsize,
			    PHDR_SIZE);
	if (phnum > VM_ELF_MAX_PHNUM)
		return FAIL("too many program headers (%llu, at most %u)",
			    (unsigned long long)phnum, VM_ELF_MAX_PHNUM);
	if (phoff > len || (len - phoff) / PHDR_SIZE < phnum)
		return FAIL("program header table (offset 0x%llx, %llu entries) is outside the "
			    "file (%zu bytes)",
			    (unsigned long long)phoff, (unsigned long long)phnum, len);
	return true;
}

static struct phdr read_phdr(const u8 *p)
{
	return (struct phdr){
	    .type = (u32)rd(p, 4),
	    .flags = (u32)rd(p + 4, 4),
	    .offset = rd(p + 8, 8),
	    .vaddr = rd(p + 16, 8),
	    .paddr = rd(p + 24, 8),
	    .filesz = rd(p + 32, 8),
	    .memsz = rd(p + 40, 8),
	};
}

/* One PT_LOAD: inside the file, p_filesz <= p_memsz, inside RAM and above the loader area. */
static bool check_load(const struct phdr *h, unsigned k, size_t len, u64 ram, char *err,
		       size_t errlen)
{
	if (h->filesz > h->memsz)
		return FAIL("segment %u: p_filesz 0x%llx > p_memsz 0x%llx", k,
			    (unsigned long long)h->filesz, (unsigned long long)h->memsz);
	if (h->offset > len || len - h->offset < h->filesz)
		return FAIL("segment %u: file range 0x%llx+0x%llx is outside the file (%zu bytes)",
			    k, (unsigned long long)h->offset, (unsigned long long)h->filesz, len);
	if (h->paddr < VX_BOOT_IMAGE_MIN)
		return FAIL("segment %u: p_paddr 0x%llx is below 0x%llx (reserved for the loader)",
			    k, (unsigned long long)h->paddr, (unsigned long long)VX_BOOT_IMAGE_MIN);
	if (h->paddr > ram || ram - h->paddr < h->memsz)
		return FAIL("segment %u: 0x%llx+0x%llx does not fit in RAM (0x%llx bytes)", k,
			    (unsigned long long)h->paddr, (unsigned long long)h->memsz,
			    (unsigned long long)ram);
	return true;
}

/* Segments [paddr, paddr + memsz) must not overlap (both are known to fit in RAM). */
static bool check_overlap(const struct phdr *h, unsigned n, char *err, size_t errlen)
{
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = a + 1; b < n; b++)
			if (h[a].paddr < h[b].paddr + h[b].memsz &&
			    h[b].paddr < h[a].paddr + h[a].memsz)
				return FAIL("segments at 0x%llx and 0x%llx overlap",
					    (unsigned long long)h[a].paddr,
					    (unsigned long long)h[b].paddr);
	return true;
}

/* The PT_LOAD headers with p_memsz > 0 into out[]; *n receives their count. */
static bool collect_loads(const u8 *d, size_t len, u64 ram, struct phdr *out, unsigned *n,
			  char *err, size_t errlen)
{
	u64 phoff = rd(d + 32, 8), phnum = rd(d + 56, 2);
	*n = 0;
	for (unsigned k = 0; k < phnum; k++) {
		struct phdr h = read_phdr(d + phoff + (u64)k * PHDR_SIZE);
		if (h.type == PT_INTERP || h.type == PT_DYNAMIC)
			return FAIL("dynamically linked ELF (segment %u is PT_%s): link the guest "
				    "with -static -nostdlib",
				    k, h.type == PT_INTERP ? "INTERP" : "DYNAMIC");
		if (h.type != PT_LOAD)
			continue;
		if (!check_load(&h, k, len, ram, err, errlen))
			return false;
		if (h.memsz)
			out[(*n)++] = h;
	}
	if (*n == 0)
		return FAIL("no loadable segment (PT_LOAD with p_memsz > 0)");
	return check_overlap(out, *n, err, errlen);
}

static bool check_all(const u8 *d, size_t len, u64 ram, struct phdr *loads, struct vm_image *img,
		      char *err, size_t errlen)
{
	if (!d)
		return FAIL("no data");
	if (!check_ehdr(d, len, err, errlen))
		return false;
	unsigned n;
	if (!collect_loads(d, len, ram, loads, &n, err, errlen))
		return false;
	*img = (struct vm_image){.entry = rd(d + 24, 8), .lo = UINT64_MAX, .nload = n};
	bool entry_ok = false;
	for (unsigned k = 0; k < n; k++) {
		if (loads[k].paddr < img->lo)
			img->lo = loads[k].paddr;
		if (loads[k].paddr + loads[k].memsz > img->hi)
			img->hi = loads[k].paddr + loads[k].memsz;
		/* Paging is an identity map at entry: the entry address is a physical one. */
		if (img->entry - loads[k].paddr < loads[k].memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return FAIL("entry point 0x%llx is not inside a loaded segment",
			    (unsigned long long)img->entry);
	return true;
}

bool vm_elf_check(const void *data, size_t len, u64 ram_size, struct vm_image *img, char *err,
		  size_t errlen)
{
	struct phdr loads[VM_ELF_MAX_PHNUM];
	struct vm_image tmp;
	return check_all(data, len, ram_size, loads, img ? img : &tmp, err, errlen);
}

bool vm_elf_load(struct vx_phys *phys, const void *data, size_t len, struct vm_image *img,
		 char *err, size_t errlen)
{
	struct phdr loads[VM_ELF_MAX_PHNUM];
	struct vm_image tmp;
	if (!img)
		img = &tmp;
	if (!check_all(data, len, vx_phys_ram_size(phys), loads, img, err, errlen))
		return false;
	static const u8 zero[4096];
	const u8 *d = data;
	for (unsigned k = 0; k < img->nload; k++) {
		const struct phdr *h = &loads[k];
		if (!vx_phys_copy_in(phys, h->paddr, d + h->offset, h->filesz))
			return FAIL("segment %u: copy to 0x%llx failed", k,
				    (unsigned long long)h->paddr);
		for (u64 a = h->paddr + h->filesz; a < h->paddr + h->memsz;) {
			u64 chunk = h->paddr + h->memsz - a;
			if (chunk > sizeof(zero))
				chunk = sizeof(zero);
			if (!vx_phys_copy_in(phys, a, zero, chunk))
				return FAIL("segment %u: zeroing 0x%llx failed", k,
					    (unsigned long long)a);
			a += chunk;
		}
	}
	return true;
}
