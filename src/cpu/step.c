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
 *
 * In VMX non-root operation a boundary goes through step_non_root(): the events of SDM Vol. 3C
 * 25.2 "Other Causes of VM Exits" (src/vmx/vmx_events.c) before each instruction and the
 * monitor trap flag after it -- except a boundary where none of them can happen
 * (vmx_non_root_quiet), which runs the instruction on the chained fast path.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/vmx.h"
#include "cpu/decode.h"
#include "cpu/ops.h"
#include "cpu/step.h"
#include "sgx/sgx.h"
#include "vmx/vmexit.h"
#include "vmx/vmx_events.h"

static void code_write(void *ctx, u64 pa)
{
	struct vx_cpu *c = ctx;
	u64 pn = pa >> 12;
	if (pn < c->cc.npages && c->cc.page[pn]) {
		c->cc.stale[pn / 64] |= BIT(pn % 64);
		c->phys->code_pages[pn / 64] &= ~BIT(pn % 64);
	}
	c->cc.cur_lin = 0;
	c->cc.writes++;
}

bool cc_init(struct vx_cpu *c)
{
	c->cc.npages = c->phys->ram_size >> 12;
	c->cc.page = calloc(c->cc.npages + 1, sizeof(*c->cc.page));
	c->cc.stale = calloc(c->cc.npages / 64 + 1, sizeof(u64));
	return c->cc.page && c->cc.stale && phys_listen_code(c->phys, code_write, c);
}

void cc_free(struct vx_cpu *c)
{
	if (c->phys)
		phys_unlisten_code(c->phys, c);
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
		enum cpu_step r = mmu_translate_step(c, rip + have, ACC_EXEC, &pa);
		if (r != STEP_RETIRED)
			return r; /* #PF, or a VM exit (EPT) on the fetch */
		for (size_t k = 0; k < want; k++)
			buf[have + k] = (u8)mmu_pa_read(c, pa + k, 1);
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
	*r = mmu_translate_step(c, c->rip, ACC_EXEC, &pa);
	if (*r != STEP_RETIRED)
		return NULL;
	struct code_block *b = code_block(c, pa);
	struct insn *e = b ? block_new_record(b) : NULL;
	if (!b || (!b->idx[pa & 4095] && !e)) {
		*r = fetch_uncached(c, scratch);
		/* Enclave code lives in the EPC, never in a RAM code block: every instruction an
		 * enclave runs comes through here and meets Table 39-1 (src/sgx/aex.c). */
		if (*r == STEP_RETIRED && c->sgx.active)
			*r = sgx_fetch_check(c, scratch);
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

/* The decoded instruction at RIP; NULL with *r set when fetching it faulted (or made a VM
 * exit).  Hot path: RIP is in the code page looked up last and its record is decoded. */
static inline const struct insn *fetch(struct vx_cpu *c, enum cpu_step *r)
{
	if (__builtin_expect(c->cc.cur_lin == (c->rip >> 12) + 1 && c->cc.cur_cpl == c->cpl, 1)) {
		const struct code_block *b = c->cc.cur_block;
		unsigned k = b->idx[c->rip & 4095];
		if (__builtin_expect(k != 0, 1))
			return &b->rec[k];
	}
	const struct insn *i = fetch_slow(c, &c->scratch, r);
	if (!i)
		c->insn_rip = c->rip;
	return i;
}

/* Execute and retire the instruction at `rip` (c->rip), whose end is `end` = rip + length. */
static inline enum cpu_step execute_at(struct vx_cpu *c, const struct insn *i, u64 rip, u64 end)
{
	c->insn_rip = rip;
	c->rip = end;
	enum cpu_step r = i->fn(c, i);
	if (__builtin_expect(r == STEP_RETIRED, 1) || r == STEP_HALT) {
		c->retired++;
		return r;
	}
	if (r == STEP_FAULT && c->event.type == VMX_INTR_TYPE_HARD_EXCEPTION)
		c->rip = c->insn_rip; /* faults report the faulting instruction */
	return r;
}

/* Execute and retire one fetched instruction. */
static inline enum cpu_step execute(struct vx_cpu *c, const struct insn *i)
{
	return execute_at(c, i, c->rip, c->rip + i->len);
}

/* Fetch and execute one instruction: a compare, an indirect call and a counter. */
static inline enum cpu_step exec_one(struct vx_cpu *c)
{
	enum cpu_step r;
	const struct insn *i = fetch(c, &r);
	if (__builtin_expect(!i, 0))
		return r;
	return execute(c, i);
}

/*
 * Record chaining, the fast path of cpu_run.  `p` is the record of cur_block executed last
 * (NULL = none) and `end` the RIP after it.  While the code page is still cur_lin (no TLB flush,
 * code write or CPL change since: the same check as fetch), a record links the record at
 * two fixed linear addresses in its page: `next` at `end` (straight-line code) and `alt` at
 * `end` + imm (the target of a relative branch; for other instructions an address like any
 * other).  Following a link, the next record's address does not wait for RIP -> index.  A
 * link stays right until the block is cleared, which discards every record of the block.  A
 * link is followed only from a record of the current block: cur_block can change without a
 * fetch (a VM entry resuming a TLB context's code page, mmu.c), and the linear page alone
 * does not say whose code it is.
 */
struct chain {
	struct insn *p; /* &blk->rec[k], NULL when k = 0 */
	u64 end;
	const struct code_block *blk; /* the block of p (rec moves only in fetch_slow) */
};

/* The link of record ch->p that covers `rip` in block b, NULL if none does. */
static inline u16 *chain_link(struct chain *ch, u64 rip, const struct code_block *b)
{
	struct insn *p = ch->p;
	if (!p || ch->blk != b)
		return NULL;
	if (__builtin_expect(rip == ch->end, 1))
		return &p->next;
	return rip == ch->end + p->imm ? &p->alt : NULL;
}

/* exec_one in VMX non-root operation: the mnemonic of the instruction being executed is
 * kept for the exit information (IRET and NMI unblocking, 27.2.2). */
static inline enum cpu_step exec_one_non_root(struct vx_cpu *c)
{
	enum cpu_step r;
	c->vmxnr.mnemonic = 0;
	const struct insn *i = fetch(c, &r);
	if (__builtin_expect(!i, 0))
		return r;
	c->vmxnr.mnemonic = i->mnemonic;
	return execute(c, i);
}

/* non_root: a boundary of VMX non-root operation where nothing happens (vmx_non_root_quiet),
 * so the instruction runs as step_non_root would run it. */
static inline __attribute__((always_inline)) enum cpu_step
exec_chained(struct vx_cpu *c, struct chain *ch, bool non_root)
{
	u64 rip = c->rip;
	struct insn *p = ch->p;
	/* After a pure record (no memory write, TLB flush, CPL or mode change) the code page,
	 * its block and the CPL are those it was fetched under: its link is followed without
	 * the fetch check. */
	if (p && p->pure) {
		u32 k = rip == ch->end ? p->next : rip == ch->end + p->imm ? p->alt : 0;
		if (__builtin_expect(k != 0, 1)) {
			ch->p = &ch->blk->rec[k];
			ch->end = rip + ch->p->len;
			if (non_root)
				c->vmxnr.mnemonic = ch->p->mnemonic;
			return execute_at(c, ch->p, rip, ch->end);
		}
	}
	if (__builtin_expect(c->cc.cur_lin == (rip >> 12) + 1 && c->cc.cur_cpl == c->cpl, 1)) {
		struct code_block *b = c->cc.cur_block;
		u16 *link = chain_link(ch, rip, b);
		u32 k = link ? *link : 0;
		if (__builtin_expect(!k, 0)) {
			k = b->idx[rip & 4095];
			if (link && k)
				*link = (u16)k;
		}
		if (__builtin_expect(k != 0, 1)) {
			ch->blk = b;
			ch->p = &b->rec[k];
			ch->end = rip + ch->p->len;
			if (non_root)
				c->vmxnr.mnemonic = ch->p->mnemonic;
			return execute_at(c, ch->p, rip, ch->end);
		}
	}
	ch->p = NULL;
	return non_root ? exec_one_non_root(c) : exec_one(c);
}

/*
 * One step in VMX non-root operation: the events of the instruction boundary (vmx_events.c,
 * in the priority order of SDM Vol. 3A 6.9 and Vol. 3C 25.2 "Other Causes of VM Exits"),
 * then one instruction, then what follows it (the monitor trap flag, 25.5.2).
 */
static enum cpu_step step_non_root(struct vx_cpu *c)
{
	enum cpu_step r;
	c->vmxnr.mnemonic = 0;
	if (!vmx_boundary_quiet(c) && vmx_boundary(c, &r))
		return r;
	c->blocking = c->shadow;
	c->shadow = 0;
	const struct insn *i = fetch(c, &r);
	if (!i)
		return r;
	c->vmxnr.mnemonic = i->mnemonic; /* IRET and NMI unblocking (27.2.2) */
	r = execute(c, i);
	return vmx_after_insn_needed(c, r) ? vmx_after_insn(c, r) : r;
}

enum cpu_step cpu_step(struct vx_cpu *c)
{
	vmx_unpark(c); /* an instruction runs in VMX root operation: host state first (D79) */
	if (c->vmx.non_root)
		return step_non_root(c);
	if (cpu_interrupt_ready(c)) {
		unsigned v = (unsigned)c->pending_intr;
		c->pending_intr = -1;
		c->halted = false;
		return cpu_deliver_interrupt(c, v);
	}
	if (c->halted)
		return STEP_HALT;
	c->blocking = c->shadow;
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
	struct chain ch = {NULL, 0, NULL};
	vmx_unpark(c); /* host state before any root-mode instruction (D79) */
	while (c->retired < end) {
		enum cpu_step r;
		/* Boundaries with nothing pending (no interrupt, shadow, halt or stop request)
		 * outside VMX non-root operation skip cpu_step: two compares. */
		if (__builtin_expect(c->attn == CPU_ATTN_QUIET, 1) &&
		    __builtin_expect(!c->vmx.non_root, 1)) {
			r = exec_chained(c, &ch, false);
		} else if (c->attn == CPU_ATTN_QUIET &&
			   (ch.p && ch.p->pure ? c->retired < c->vmxnr.timer_deadline
					       : vmx_non_root_quiet(c))) {
			/* step_non_root with nothing at the boundary and no monitor trap flag:
			 * only HLT has something to do after the instruction.  After a pure
			 * instruction at a quiet boundary, only the VMX-preemption timer can have
			 * made this one different. */
			r = exec_chained(c, &ch, true);
			if (r == STEP_HALT)
				r = vmx_after_insn(c, r);
		} else {
			if (c->stop)
				return STEP_STOP;
			ch.p = NULL;
			r = cpu_step(c);
		}
		if (__builtin_expect(r == STEP_RETIRED, 1))
			continue;
		ch.p = NULL;
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
