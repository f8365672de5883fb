// SPDX-License-Identifier: MIT
/*
 * The step loop: fetch from the decoded-instruction cache (decode on a miss), execute,
 * retire; interrupts are recognised at instruction boundaries (SDM Vol. 3A 6.9 "Priority
 * Among Simultaneous Exceptions and Interrupts"; 6.8.3 "Masking Exceptions and Interrupts
 * When Switching Stacks" for the MOV SS / STI shadows).
 *
 * Decoded-instruction cache: one block per physical page of RAM, allocated when the page is
 * first executed: an index by byte offset and the page's records packed densely.  A write to
 * such a page (phys code_write callback) marks the block stale; it is cleared at the next
 * fetch, so the running instruction's record stays valid while it executes (self-modifying
 * code, SDM 11.6 "Self-Modifying Code").
 */
#include <stdlib.h>
#include <string.h>

#include "arch/vmx.h"
#include "cpu/decode.h"
#include "cpu/ops.h"
#include "cpu/step.h"

static void code_write(void *ctx, u64 pa)
{
	struct vx_cpu *c = ctx;
	u64 pn = pa >> 12;
	if (pn < c->cc.npages && c->cc.page[pn]) {
		c->cc.stale[pn / 64] |= BIT(pn % 64);
		c->phys->code_pages[pn / 64] &= ~BIT(pn % 64);
	}
	c->cc.cur_lin = 0;
}

bool cc_init(struct vx_cpu *c)
{
	c->cc.npages = c->phys->ram_size >> 12;
	c->cc.page = calloc(c->cc.npages + 1, sizeof(*c->cc.page));
	c->cc.stale = calloc(c->cc.npages / 64 + 1, sizeof(u64));
	c->phys->code_write = code_write;
	c->phys->code_ctx = c;
	return c->cc.page && c->cc.stale;
}

void cc_free(struct vx_cpu *c)
{
	for (u64 p = 0; c->cc.page && p < c->cc.npages; p++) {
		if (c->cc.page[p])
			free(c->cc.page[p]->rec);
		free(c->cc.page[p]);
	}
	free(c->cc.page);
	free(c->cc.stale);
	c->cc.page = NULL;
	c->cc.stale = NULL;
}

/* The decode block of a RAM page, cleared if stale; NULL for non-RAM or out of memory. */
static struct code_block *code_block(struct vx_cpu *c, u64 pa)
{
	u64 pn = pa >> 12;
	if (pn >= c->cc.npages)
		return NULL;
	struct code_block *b = c->cc.page[pn];
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		b->n = 1;
		c->cc.page[pn] = b;
	} else if (c->cc.stale[pn / 64] & BIT(pn % 64)) {
		memset(b->idx, 0, sizeof(b->idx));
		b->n = 1;
		c->cc.stale[pn / 64] &= ~BIT(pn % 64);
	}
	if (!phys_is_code(c->phys, pa)) {
		c->phys->code_pages[pn / 64] |= BIT(pn % 64);
		tlb_protect_code(c, pa);
	}
	return b;
}

/* A free record of the block (grown on demand; only between instructions, so no record in
 * use moves); NULL when out of memory. */
static struct insn *block_new_record(struct code_block *b)
{
	if (b->n >= 4097)
		return NULL; /* cannot happen: at most one record per byte offset */
	if (b->n >= b->cap) {
		u32 cap = b->cap ? b->cap * 2 : 64;
		if (cap > 4097)
			cap = 4097;
		struct insn *r = realloc(b->rec, cap * sizeof(*r));
		if (!r)
			return NULL;
		b->rec = r;
		b->cap = cap;
	}
	return &b->rec[b->n];
}

/*
 * Fetch and decode the instruction at RIP without caching (page-crossing instructions, MMIO
 * code).  Bytes of the second page are fetched only when the decoder needs them, so a #PF on
 * it is raised only for instructions that really extend into it.
 */
static enum cpu_step fetch_uncached(struct vx_cpu *c, struct insn *out)
{
	u8 buf[16];
	u64 rip = c->rip;
	size_t have = 0;
	for (;;) {
		size_t want = 15 - have;
		size_t in_page = 4096 - ((rip + have) & 4095);
		if (want > in_page)
			want = in_page;
		u64 pa;
		if (!mmu_translate(c, rip + have, ACC_EXEC, &pa))
			return STEP_FAULT;
		for (size_t k = 0; k < want; k++)
			buf[have + k] = (u8)phys_read(c->phys, pa + k, 1);
		have += want;
		enum decode_status st = decode_insn(c->decoder, buf, have, out);
		if (st == DECODE_OK)
			return STEP_RETIRED;
		if (st == DECODE_INVALID || have >= 15)
			return fault_ud(c);
	}
}

/* Slow path of the fetch: translate RIP, find or fill the decode block. */
static const struct insn *fetch_slow(struct vx_cpu *c, struct insn *scratch, enum cpu_step *r)
{
	u64 pa;
	*r = STEP_RETIRED;
	if (!mmu_translate(c, c->rip, ACC_EXEC, &pa)) {
		*r = STEP_FAULT;
		return NULL;
	}
	struct code_block *b = code_block(c, pa);
	struct insn *e = b ? block_new_record(b) : NULL;
	if (!b || (!b->idx[pa & 4095] && !e)) {
		*r = fetch_uncached(c, scratch);
		return *r == STEP_RETIRED ? scratch : NULL;
	}
	c->cc.cur_lin = (c->rip >> 12) + 1;
	c->cc.cur_block = b;
	c->cc.cur_cpl = c->cpl;
	if (b->idx[pa & 4095])
		return &b->rec[b->idx[pa & 4095]];
	u8 buf[15];
	size_t avail = 4096 - (pa & 4095);
	size_t n = avail < 15 ? avail : 15;
	memcpy(buf, c->phys->ram + pa, n);
	enum decode_status st = decode_insn(c->decoder, buf, n, e);
	if (st == DECODE_OK) {
		b->idx[pa & 4095] = (u16)b->n++;
		return e;
	}
	if (st == DECODE_NEED_MORE && n < 15) {
		*r = fetch_uncached(c, scratch); /* crosses into the next page: not cached */
		return *r == STEP_RETIRED ? scratch : NULL;
	}
	*r = fault_ud(c);
	return NULL;
}

bool cpu_interrupt_ready(const struct vx_cpu *c)
{
	return c->pending_intr >= 0 && (c->rflags & RFLAGS_IF) && !c->shadow;
}

/*
 * Fetch and execute one instruction.  Hot path: RIP is in the code page looked up last and
 * its record is decoded, so the step is a compare, an indirect call and a counter.
 */
static inline enum cpu_step exec_one(struct vx_cpu *c)
{
	const struct insn *i = NULL;
	enum cpu_step r;
	if (__builtin_expect(c->cc.cur_lin == (c->rip >> 12) + 1 && c->cc.cur_cpl == c->cpl, 1)) {
		const struct code_block *b = c->cc.cur_block;
		unsigned k = b->idx[c->rip & 4095];
		if (__builtin_expect(k != 0, 1))
			i = &b->rec[k];
	}
	if (__builtin_expect(!i, 0)) {
		i = fetch_slow(c, &c->scratch, &r);
		if (!i) {
			c->insn_rip = c->rip;
			return r;
		}
	}
	c->insn_rip = c->rip;
	c->rip += i->len;
	r = i->fn(c, i);
	if (__builtin_expect(r == STEP_RETIRED, 1) || r == STEP_HALT) {
		c->retired++;
		return r;
	}
	if (r == STEP_FAULT && c->event.type == VMX_INTR_TYPE_HARD_EXCEPTION)
		c->rip = c->insn_rip; /* faults report the faulting instruction */
	return r;
}

enum cpu_step cpu_step(struct vx_cpu *c)
{
	if (cpu_interrupt_ready(c)) {
		unsigned v = (unsigned)c->pending_intr;
		c->pending_intr = -1;
		c->halted = false;
		return cpu_deliver_interrupt(c, v);
	}
	if (c->halted)
		return STEP_HALT;
	c->shadow = 0;
	return exec_one(c);
}

/* Deliveries in a row without a retired instruction before cpu_run gives up (an IST stack
 * that faults on every delivery would otherwise spin forever). */
#define CPU_STUCK_EVENTS (1u << 20)

enum cpu_step cpu_run(struct vx_cpu *c, u64 budget)
{
	u64 end = budget > ~0ull - c->retired ? ~0ull : c->retired + budget;
	u64 last = c->retired;
	unsigned stuck = 0;
	while (c->retired < end) {
		enum cpu_step r;
		/* Boundaries with nothing pending (no interrupt, shadow, halt or stop request)
		 * skip cpu_step: one compare. */
		if (__builtin_expect(c->attn == CPU_ATTN_QUIET, 1)) {
			r = exec_one(c);
		} else {
			if (c->stop)
				return STEP_STOP;
			r = cpu_step(c);
		}
		if (__builtin_expect(r == STEP_RETIRED, 1))
			continue;
		if (r == STEP_FAULT) {
			r = cpu_deliver(c);
			if (c->retired != last) {
				last = c->retired;
				stuck = 0;
			} else if (++stuck >= CPU_STUCK_EVENTS) {
				return STEP_STUCK;
			}
			if (r == STEP_RETIRED)
				continue;
		}
		return r;
	}
	return c->stop ? STEP_STOP : STEP_RETIRED;
}
