/* SPDX-License-Identifier: MIT */
/*
 * The boot protocol between the machine (src/vm) and guests (DESIGN.md section 4): the layout
 * of struct vx_boot_info, whose guest-physical address is in RDI at the guest's entry, and the
 * default addresses and I/O ports of the machine.  The struct is only ever extended at the
 * end.  Guests include this header too (freestanding: it needs only <stdint.h> & co.).
 *
 * Guest-physical memory map of the bare machine (everything below VX_BOOT_IMAGE_MIN belongs to
 * the loader; images load at or above it):
 *
 *   0x00001000  struct vx_boot_info
 *   0x00002000  --guest-args string (NUL-terminated, at most VX_BOOT_CMDLINE_MAX bytes)
 *   0x00003000  GDT (selectors VX_SEL_*)
 *   0x00004000  TSS (64-bit, RSP0 = VX_BOOT_STACK_TOP, IST1-7 = 0, no I/O bitmap)
 *   0x00010000  PML4, 0x11000 PDPT, 0x12000.. one page directory per GiB (2 MiB pages)
 *   0x00060000  loader-provided stack, top at VX_BOOT_STACK_TOP
 *   0x00100000  the guest image (PT_LOAD segments at their p_paddr)
 *   free_base   first byte not used by any of the above (page-aligned)
 */
#ifndef VX_BOOT_H
#define VX_BOOT_H

#include "arch/types.h"

#define VX_BOOT_INFO_MAGIC 0x49425856u /* "VXBI" little-endian */
#define VX_BOOT_INFO_VERSION 1u

struct vx_boot_info {
	u32 magic;          /* VX_BOOT_INFO_MAGIC */
	u32 version;        /* VX_BOOT_INFO_VERSION */
	u64 ram_size;       /* bytes of guest RAM from address 0 */
	u64 epc_base;       /* guest-physical base of the EPC section, 0 when SGX is off */
	u64 epc_size;       /* bytes of EPC */
	u64 mmio_test_base; /* MMIO test device base */
	u16 console_port;   /* debug console: byte written = byte printed */
	u16 exit_port;      /* 32-bit write of N ends the run with status N & 0xff */
	u16 timer_port;     /* 8-bit write = vector; 32-bit write to timer_port + 4 = delay */
	u16 reserved;       /* 0 */
	u64 free_base;      /* first guest-physical byte of RAM not used by the loader */
	u64 cmdline;        /* guest-physical address of the --guest-args string, 0 if none */
	u64 l2_image;       /* with --l1: guest-physical address of the L2 ELF file, else 0 */
	u64 l2_size;        /* its size in bytes */
};

/* The layout is a contract with outside guests (DESIGN.md section 4): never move a field. */
_Static_assert(offsetof(struct vx_boot_info, magic) == 0, "vx_boot_info.magic");
_Static_assert(offsetof(struct vx_boot_info, version) == 4, "vx_boot_info.version");
_Static_assert(offsetof(struct vx_boot_info, ram_size) == 8, "vx_boot_info.ram_size");
_Static_assert(offsetof(struct vx_boot_info, epc_base) == 16, "vx_boot_info.epc_base");
_Static_assert(offsetof(struct vx_boot_info, epc_size) == 24, "vx_boot_info.epc_size");
_Static_assert(offsetof(struct vx_boot_info, mmio_test_base) == 32, "vx_boot_info.mmio");
_Static_assert(offsetof(struct vx_boot_info, console_port) == 40, "vx_boot_info.console");
_Static_assert(offsetof(struct vx_boot_info, exit_port) == 42, "vx_boot_info.exit_port");
_Static_assert(offsetof(struct vx_boot_info, timer_port) == 44, "vx_boot_info.timer_port");
_Static_assert(offsetof(struct vx_boot_info, reserved) == 46, "vx_boot_info.reserved");
_Static_assert(offsetof(struct vx_boot_info, free_base) == 48, "vx_boot_info.free_base");
_Static_assert(offsetof(struct vx_boot_info, cmdline) == 56, "vx_boot_info.cmdline");
_Static_assert(offsetof(struct vx_boot_info, l2_image) == 64, "vx_boot_info.l2_image");
_Static_assert(offsetof(struct vx_boot_info, l2_size) == 72, "vx_boot_info.l2_size");
_Static_assert(sizeof(struct vx_boot_info) == 80, "vx_boot_info size");

/* ---- devices (guest view) ---- */
#define VX_PORT_CONSOLE 0xE9u
#define VX_PORT_EXIT 0xF4u
#define VX_PORT_TIMER 0xE0u /* vector at 0xE0 (8-bit), delay at 0xE4 (32-bit) */
#define VX_TIMER_DELAY_OFFSET 4u
#define VX_MMIO_TEST_BASE 0xFEB00000ull
#define VX_MMIO_TEST_SIZE 0x1000ull

/* ---- memory ---- */
#define VX_BOOT_RAM_DEFAULT (64ull << 20)
#define VX_BOOT_RAM_MIN (4ull << 20)
#define VX_BOOT_RAM_MAX (3ull << 30) /* RAM ends below the MMIO hole at 3 GiB */
/* The EPC section (with --sgx sgx1|sgx2): guest-physical VX_EPC_BASE, in the hole above RAM and
 * below the MMIO test device, inside the boot identity map; --epc sets the size. */
#define VX_EPC_BASE 0xC0000000ull
#define VX_EPC_DEFAULT (8ull << 20)
#define VX_EPC_MAX (256ull << 20)

/* The EPC size a configuration asks for (0 = VX_EPC_DEFAULT), and whether a size is one the
 * machine takes: a multiple of 4 KiB up to VX_EPC_MAX. */
static inline u64 vx_epc_size(u64 asked)
{
	return asked ? asked : VX_EPC_DEFAULT;
}

static inline bool vx_epc_size_ok(u64 size)
{
	return !(size & 4095) && size <= VX_EPC_MAX;
}
#define VX_BOOT_IMAGE_MIN 0x100000ull /* images load at or above this address */

#define VX_BOOT_INFO_ADDR 0x1000ull
#define VX_BOOT_CMDLINE_ADDR 0x2000ull
#define VX_BOOT_CMDLINE_MAX 0x1000ull /* bytes including the NUL */
#define VX_BOOT_GDT_ADDR 0x3000ull
#define VX_BOOT_TSS_ADDR 0x4000ull
#define VX_BOOT_TSS_SIZE 0x68u /* 104 bytes: limit 0x67 */
#define VX_BOOT_PML4_ADDR 0x10000ull
#define VX_BOOT_PDPT_ADDR 0x11000ull
#define VX_BOOT_PD_ADDR 0x12000ull /* one 4 KiB page directory per GiB mapped */
#define VX_BOOT_STACK_BOTTOM 0x60000ull
#define VX_BOOT_STACK_TOP 0x80000ull

/* ---- GDT selectors at entry ---- */
#define VX_SEL_CODE0 0x08u /* 64-bit code, DPL 0 */
#define VX_SEL_DATA0 0x10u /* data, DPL 0 */
#define VX_SEL_CODE3 0x1bu /* 64-bit code, DPL 3 (RPL 3) */
#define VX_SEL_DATA3 0x23u /* data, DPL 3 (RPL 3) */
#define VX_SEL_TSS 0x28u   /* 64-bit TSS (16-byte descriptor) */
#define VX_GDT_ENTRIES 7u  /* null, code0, data0, code3, data3, TSS (2 slots) */

/* ---- control registers at entry ---- */
#define VX_BOOT_CR0 0x80010033ull /* PE MP ET NE WP PG */
#define VX_BOOT_CR4 0x620ull      /* PAE OSFXSR OSXMMEXCPT */
#define VX_BOOT_EFER 0xD01ull     /* SCE LME LMA NXE */

/* ---- exit statuses of `vmxsgx run` that are not the guest's own ---- */
#define VX_EXIT_HALTED 3       /* halted with nothing that could wake it */
#define VX_EXIT_TRIPLE_FAULT 4 /* shutdown after a triple fault */
#define VX_EXIT_BUDGET 124     /* --max-insns exhausted (timeout(1)'s status) */

#endif
