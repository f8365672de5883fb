/* SPDX-License-Identifier: MIT */
/*
 * Test fixture: one processor in 64-bit mode on 8 MiB of RAM, optionally with identity
 * paging (2 MiB pages, user + writable), code at FX_CODE, stack below FX_STACK.
 */
#ifndef VX_TEST_CPU_FIXTURE_H
#define VX_TEST_CPU_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_api.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"

#define FX_RAM (8u << 20)
#define FX_PML4 0x1000
#define FX_PDPT 0x2000
#define FX_PD 0x3000
#define FX_CODE 0x100000
#define FX_STACK 0x200000
#define FX_DATA 0x300000

struct fx {
	struct vx_phys phys;
	struct vx_cpu cpu;
};

static inline void fx_map_identity(struct fx *f)
{
	u64 e;
	e = FX_PDPT | 7;
	phys_write(&f->phys, FX_PML4, 8, e);
	e = FX_PD | 7;
	phys_write(&f->phys, FX_PDPT, 8, e);
	for (u64 k = 0; k < 4; k++) /* 0 .. 8 MiB */
		phys_write(&f->phys, FX_PD + 8 * k, 8, (k << 21) | 0x87);
}

/* Returns NULL on out-of-memory (tests then fail loudly). */
static inline struct fx *fx_new(bool paging)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !phys_init(&f->phys, FX_RAM) || !cpu_init(&f->cpu, &f->phys, NULL)) {
		free(f);
		return NULL;
	}
	struct vx_cpu *c = &f->cpu;
	cpu_set_flat64(c, 0);
	c->cr0 = 0x80010033 & (paging ? ~0ull : ~(1ull << 31));
	c->cr4 = 0x620;
	c->msr.efer = 0xd01;
	c->cr3 = FX_PML4;
	if (paging)
		fx_map_identity(f);
	c->rip = FX_CODE;
	c->gpr[4] = FX_STACK;
	return f;
}

static inline void fx_free(struct fx *f)
{
	if (!f)
		return;
	cpu_destroy(&f->cpu);
	phys_free(&f->phys);
	free(f);
}

static inline void fx_code(struct fx *f, const void *bytes, size_t len)
{
	phys_copy_in(&f->phys, FX_CODE, bytes, len);
	f->cpu.rip = FX_CODE;
}

/* Runs n steps (no delivery of faults: a fault stops and is returned). */
static inline enum cpu_step fx_steps(struct fx *f, unsigned n)
{
	enum cpu_step r = STEP_RETIRED;
	for (unsigned k = 0; k < n && r == STEP_RETIRED; k++)
		r = cpu_step(&f->cpu);
	return r;
}

#endif
