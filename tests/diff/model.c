// SPDX-License-Identifier: MIT
/*
 * Differential test, model side: one processor from the unit-test fixture at CPL 3 like the
 * host child.  The fixture's 2 MiB identity map is narrowed to two 4 KiB user pages, the code
 * page and the data page (present, writable, user), so that a stray access by a wrong
 * handler faults (#PF) instead of silently corrupting the page tables or other cases.  The code
 * slots of up to DIFF_SLOTS cases are written to the code page at once (one invalidation of the
 * decoded-instruction cache per group); each case then loads its registers, RFLAGS and
 * data page and steps until RIP leaves the instruction (REP forms may take several steps),
 * a fault, or a step budget.  Compiled as part of tests/unit/test_diff.c.
 */
#include "../unit/cpu_fixture.h"
#include "diff.h"

#define MODEL_STEP_BUDGET 100000u
#define MODEL_PT_LO 0x4000ull /* page table for 0 .. 2 MiB (the code page) */
#define MODEL_PT_HI 0x5000ull /* page table for 2 .. 4 MiB (the data page) */

struct diff_model {
	struct fx *f;
	du8 code[DIFF_SLOTS * DIFF_SLOT_SIZE];
	du8 data[DIFF_DATA_SIZE];
};

struct diff_model *diff_model_new(void)
{
	struct diff_model *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->f = fx_new(true);
	if (!m->f) {
		free(m);
		return NULL;
	}
	struct vx_phys *p = &m->f->phys;
	phys_write(p, FX_PD + 0, 8, MODEL_PT_LO | 7);
	phys_write(p, FX_PD + 8, 8, MODEL_PT_HI | 7);
	phys_write(p, FX_PD + 16, 8, 0);
	phys_write(p, FX_PD + 24, 8, 0);
	phys_write(p, MODEL_PT_LO + 8 * ((DIFF_CODE >> 12) & 511), 8, DIFF_CODE | 7);
	phys_write(p, MODEL_PT_HI + 8 * ((DIFF_DATA >> 12) & 511), 8, DIFF_DATA | 7);
	cpu_set_flat64(&m->f->cpu, 3); /* also flushes the TLB */
	return m;
}

void diff_model_free(struct diff_model *m)
{
	if (!m)
		return;
	fx_free(m->f);
	free(m);
}

void diff_model_load_code(struct diff_model *m, const struct dcase *cases, unsigned n)
{
	memset(m->code, 0xcc, sizeof(m->code));
	for (unsigned k = 0; k < n; k++)
		memcpy(m->code + DIFF_SLOT_SIZE * cases[k].slot, cases[k].bytes, cases[k].len);
	phys_copy_in(&m->f->phys, DIFF_CODE, m->code, sizeof(m->code));
}

void diff_model_run(struct diff_model *m, const struct dcase *c, struct dresult *out)
{
	struct vx_cpu *cpu = &m->f->cpu;
	du64 start = diff_code_addr(c);
	enum cpu_step r = STEP_RETIRED;
	memcpy(cpu->gpr, c->gpr, sizeof(cpu->gpr));
	cpu->gpr[4] = FX_STACK;
	cpu_set_rflags(cpu, c->rflags | RFLAGS_IF);
	cpu->rip = start;
	cpu->event.valid = false;
	cpu->halted = false;
	cpu->shadow = 0;
	cpu->pending_intr = -1;
	diff_fill_data(c, m->data);
	phys_copy_in(&m->f->phys, DIFF_DATA, m->data, DIFF_DATA_SIZE);
	for (unsigned n = 0; n < MODEL_STEP_BUDGET; n++) {
		r = cpu_step(cpu);
		if (r != STEP_RETIRED || cpu->rip != start)
			break;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->gpr, cpu->gpr, sizeof(out->gpr));
	out->rflags = cpu_rflags(cpu);
	out->rip = cpu->rip;
	out->rsp_delta = cpu->gpr[4] - FX_STACK;
	if (r == STEP_FAULT)
		out->fault = cpu->event.vector;
	else if (r == STEP_RETIRED && cpu->rip != start)
		out->fault = -1;
	else
		out->fault = 1000 + (int)r; /* halted, shut down, or still on the instruction */
	phys_copy_out(&m->f->phys, DIFF_DATA, out->data, DIFF_DATA_SIZE);
}
