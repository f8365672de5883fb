/* SPDX-License-Identifier: MIT */
/*
 * The boot state a guest finds at its entry point (DESIGN.md section 4): identity page tables,
 * GDT and TSS, control registers, EFER, IA32_FEATURE_CONTROL, the loader stack and struct
 * vx_boot_info.  Addresses are those of include/vx/boot.h.
 */
#ifndef VX_VM_BOOT_H
#define VX_VM_BOOT_H

#include "arch/types.h"

struct vx_phys;
struct vx_cpu;

struct vm_boot_params {
	u64 entry;          /* RIP at entry */
	u64 image_end;      /* end of the image: free_base is this rounded up to 4 KiB */
	u64 mmio_test_base; /* MMIO test device base */
	u64 epc_base, epc_size;
	u16 console_port, exit_port, timer_port;
	const char *cmdline; /* NULL: vx_boot_info.cmdline = 0 */
	/* With --l1: the L2 ELF file, copied whole at free_base for the L1 hypervisor
	 * (vx_boot_info.l2_image/l2_size); NULL = none. */
	const void *l2_elf;
	size_t l2_len;
};

/* Number of page directories (one per GiB) the identity map of `ram_size` needs. */
u64 vm_boot_pd_count(u64 ram_size);

/*
 * Writes the boot structures into guest RAM and loads the processor's state.  False with a
 * one-line message in err when they do not fit (RAM too small, argument string too long).
 */
bool vm_boot_setup(struct vx_phys *phys, struct vx_cpu *cpu, const struct vm_boot_params *bp,
		   char *err, size_t errlen);

/* The guest's ELF image (loader.h) and then its boot state, with the devices of
 * include/vx/boot.h: what `vmxsgx run` does for a bare machine and for L0's loader hook.
 * epc_size 0: no EPC. */
bool vm_boot_elf(struct vx_phys *phys, struct vx_cpu *cpu, const void *elf, size_t len,
		 const char *cmdline, u64 epc_size, const void *l2_elf, size_t l2_len, char *err,
		 size_t errlen);

#endif
