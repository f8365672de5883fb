/* SPDX-License-Identifier: MIT */
/*
 * ELF64 loader for guests (DESIGN.md section 4): every PT_LOAD segment is copied to its
 * guest-physical p_paddr, the rest of p_memsz is zeroed.  The file is validated completely
 * before anything is copied; a malformed file gives one clear message, never a crash.
 */
#ifndef VX_VM_LOADER_H
#define VX_VM_LOADER_H

#include "arch/types.h"

struct vx_phys;

#define VM_ELF_MAX_PHNUM 64 /* more program headers than any guest needs: refused */

struct vm_image {
	u64 entry;      /* e_entry */
	u64 lo, hi;     /* lowest p_paddr and highest p_paddr + p_memsz of the PT_LOAD segments */
	unsigned nload; /* PT_LOAD segments with p_memsz > 0 */
};

/*
 * Validates data[0..len) as a guest image for `ram_size` bytes of RAM (x86-64 ET_EXEC,
 * little-endian, every PT_LOAD inside the file, at or above VX_BOOT_IMAGE_MIN, inside RAM,
 * not overlapping another, the entry point inside a loaded segment).  On failure returns false
 * and leaves a one-line message (no trailing newline) in err.
 */
bool vm_elf_check(const void *data, size_t len, u64 ram_size, struct vm_image *img, char *err,
		  size_t errlen);
/* vm_elf_check, then copy the segments into phys. */
bool vm_elf_load(struct vx_phys *phys, const void *data, size_t len, struct vm_image *img,
		 char *err, size_t errlen);

#endif
