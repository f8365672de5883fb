/* SPDX-License-Identifier: MIT */
/*
 * Host physical memory of the modelled machine: RAM from address 0, MMIO regions served by
 * callbacks, and the processor-reserved range (PRM) that will hold the EPC.  Physical
 * addresses outside every region read as all ones and ignore writes (no device answers).
 */
#ifndef VX_CPU_PHYS_H
#define VX_CPU_PHYS_H

#include "arch/types.h"

struct vx_phys;
struct sgx_epc;

typedef u64 mmio_read_fn(void *ctx, u64 pa, unsigned size);
typedef void mmio_write_fn(void *ctx, u64 pa, unsigned size, u64 value);

struct mmio_region {
	u64 base, size;
	mmio_read_fn *read;
	mmio_write_fn *write;
	void *ctx;
};

#define PHYS_MAX_MMIO 8
#define PHYS_MAX_CPUS 4

struct vx_phys {
	u8 *ram;
	u64 ram_size;
	struct mmio_region mmio[PHYS_MAX_MMIO];
	unsigned nmmio;
	/* The EPC section of the processor-reserved range (src/sgx/epc.h); NULL without SGX.
	 * phys_read/phys_write treat it as unbacked: abort-page semantics. */
	struct sgx_epc *epc;
	/* One bit per RAM page: the page holds decoded instructions (writes must invalidate). */
	u64 *code_pages;
	/* Called when a code page is written: each processor on this memory invalidates its
	 * decoded instructions (several processors may share one memory). */
	struct phys_code_listener {
		void (*fn)(void *ctx, u64 pa);
		void *ctx;
	} code_listener[PHYS_MAX_CPUS];
};

/* RAM of ram_size bytes (a multiple of 4 KiB); false when out of memory. */
bool phys_init(struct vx_phys *p, u64 ram_size);
void phys_free(struct vx_phys *p);
bool phys_add_mmio(struct vx_phys *p, u64 base, u64 size, mmio_read_fn *rd, mmio_write_fn *wr,
		   void *ctx);
/* A processor's code-write listener (false: PHYS_MAX_CPUS already there); removed on exit. */
bool phys_listen_code(struct vx_phys *p, void (*fn)(void *ctx, u64 pa), void *ctx);
void phys_unlisten_code(struct vx_phys *p, void *ctx);

/* Host pointer for a RAM page (pa page-aligned or not), NULL for non-RAM. */
static inline u8 *phys_ram_ptr(struct vx_phys *p, u64 pa)
{
	return pa < p->ram_size ? p->ram + pa : NULL;
}

static inline bool phys_is_code(const struct vx_phys *p, u64 pa)
{
	u64 pn = pa >> 12;
	return pa < p->ram_size && (p->code_pages[pn / 64] >> (pn % 64) & 1);
}

/* Any-size access that may cross regions; little-endian; size 1..8. */
u64 phys_read(struct vx_phys *p, u64 pa, unsigned size);
void phys_write(struct vx_phys *p, u64 pa, unsigned size, u64 value);
/* Bulk copies for loaders and the hypervisor (RAM only; false if outside RAM). */
bool phys_copy_in(struct vx_phys *p, u64 pa, const void *src, u64 len);
bool phys_copy_out(struct vx_phys *p, u64 pa, void *dst, u64 len);

#endif
