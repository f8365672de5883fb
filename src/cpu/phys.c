// SPDX-License-Identifier: MIT
/* Host physical memory: RAM, MMIO callbacks, unbacked addresses (see phys.h). */
#include "cpu/phys.h"

#include <stdlib.h>
#include <string.h>

#include "sgx/epc.h"

bool phys_init(struct vx_phys *p, u64 ram_size)
{
	memset(p, 0, sizeof(*p));
	ram_size = (ram_size + 4095) & ~4095ull;
	p->ram = calloc(1, ram_size ? ram_size : 4096);
	p->code_pages = calloc((ram_size / 4096 + 63) / 64 + 1, sizeof(u64));
	if (!p->ram || !p->code_pages) {
		phys_free(p);
		return false;
	}
	p->ram_size = ram_size;
	return true;
}

void phys_free(struct vx_phys *p)
{
	epc_destroy(p->epc);
	p->epc = NULL;
	free(p->ram);
	free(p->code_pages);
	p->ram = NULL;
	p->code_pages = NULL;
	p->ram_size = 0;
}

bool phys_add_mmio(struct vx_phys *p, u64 base, u64 size, mmio_read_fn *rd, mmio_write_fn *wr,
		   void *ctx)
{
	if (p->nmmio == PHYS_MAX_MMIO)
		return false;
	p->mmio[p->nmmio++] = (struct mmio_region){base, size, rd, wr, ctx};
	return true;
}

bool phys_listen_code(struct vx_phys *p, void (*fn)(void *ctx, u64 pa), void *ctx)
{
	for (unsigned k = 0; k < PHYS_MAX_CPUS; k++)
		if (!p->code_listener[k].fn) {
			p->code_listener[k] = (struct phys_code_listener){fn, ctx};
			return true;
		}
	return false;
}

void phys_unlisten_code(struct vx_phys *p, void *ctx)
{
	for (unsigned k = 0; k < PHYS_MAX_CPUS; k++)
		if (p->code_listener[k].ctx == ctx)
			p->code_listener[k] = (struct phys_code_listener){0};
}

static struct mmio_region *find_mmio(struct vx_phys *p, u64 pa)
{
	for (unsigned i = 0; i < p->nmmio; i++)
		if (pa - p->mmio[i].base < p->mmio[i].size)
			return &p->mmio[i];
	return NULL;
}

static u64 read_byte(struct vx_phys *p, u64 pa)
{
	if (pa < p->ram_size)
		return p->ram[pa];
	struct mmio_region *m = find_mmio(p, pa);
	return m ? m->read(m->ctx, pa, 1) & 0xff : 0xff;
}

u64 phys_read(struct vx_phys *p, u64 pa, unsigned size)
{
	if (pa < p->ram_size && p->ram_size - pa >= size) {
		u64 v = 0;
		memcpy(&v, p->ram + pa, size);
		return v;
	}
	struct mmio_region *m = find_mmio(p, pa);
	if (m && m->size - (pa - m->base) >= size)
		return m->read(m->ctx, pa, size);
	u64 v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= read_byte(p, pa + i) << (8 * i);
	return v;
}

static void note_code_write(struct vx_phys *p, u64 pa, unsigned size)
{
	if (phys_is_code(p, pa) || phys_is_code(p, pa + size - 1))
		for (unsigned k = 0; k < PHYS_MAX_CPUS; k++)
			if (p->code_listener[k].fn)
				p->code_listener[k].fn(p->code_listener[k].ctx, pa);
}

void phys_write(struct vx_phys *p, u64 pa, unsigned size, u64 value)
{
	if (pa < p->ram_size && p->ram_size - pa >= size) {
		note_code_write(p, pa, size);
		memcpy(p->ram + pa, &value, size);
		return;
	}
	struct mmio_region *m = find_mmio(p, pa);
	if (m && m->size - (pa - m->base) >= size) {
		m->write(m->ctx, pa, size, value);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		u64 b = pa + i;
		if (b < p->ram_size) {
			note_code_write(p, b, 1);
			p->ram[b] = (u8)(value >> (8 * i));
		} else if ((m = find_mmio(p, b)) != NULL) {
			m->write(m->ctx, b, 1, (value >> (8 * i)) & 0xff);
		}
	}
}

bool phys_copy_in(struct vx_phys *p, u64 pa, const void *src, u64 len)
{
	if (pa > p->ram_size || p->ram_size - pa < len)
		return false;
	for (u64 a = pa & ~4095ull; a < pa + len; a += 4096)
		note_code_write(p, a, 1);
	memcpy(p->ram + pa, src, len);
	return true;
}

bool phys_copy_out(struct vx_phys *p, u64 pa, void *dst, u64 len)
{
	if (pa > p->ram_size || p->ram_size - pa < len)
		return false;
	memcpy(dst, p->ram + pa, len);
	return true;
}
