// SPDX-License-Identifier: MIT
/*
 * String instructions: MOVS, STOS, LODS, CMPS, SCAS at 8/16/32/64 bits with the repeat
 * prefixes, and the repeat engine that INS/OUTS (op_io.c) share.  SDM Vol. 2 pages
 * "MOVS/MOVSB/MOVSW/MOVSD/MOVSQ—Move Data from String to String", "STOS/STOSB/STOSW/STOSD/
 * STOSQ—Store String", "LODS/LODSB/LODSW/LODSD/LODSQ—Load String", "CMPS/CMPSB/CMPSW/CMPSD/
 * CMPSQ—Compare String Operands", "SCAS/SCASB/SCASW/SCASD—Scan String",
 * "REP/REPE/REPZ/REPNE/REPNZ—Repeat String Operation Prefix"; Vol. 1 7.3.9.1 "Repeating String
 * Operations", 7.3.9.2 "Fast-String Operation"; Vol. 1 3.4.2.1
 * "Segment Registers in 64-Bit Mode".
 *
 * Model:
 * - The element size is the operand size; the address size (64, or 32 with 67H) selects
 *   RSI/RDI/RCX or ESI/EDI/ECX, and the 32-bit forms write the registers as 32-bit registers
 *   (zero-extended, like LOOP in op_branch.c).
 * - The source is DS:[rSI] and may be overridden; in 64-bit mode only an FS or GS override has an
 *   effect (its base is added), ES/CS/SS/DS overrides are ignored.  The destination is always
 *   ES:[rDI] and the ES base is ignored.
 * - Every iteration is a complete instruction for faults: RCX/RSI/RDI and the flags reflect the
 *   iterations that completed, RIP stays at the instruction (step.c puts it back).
 * - At most STR_CHUNK iterations run per step; if the count is not exhausted RIP is put back on
 *   the instruction so the next step continues it (interrupts are recognised between the
 *   steps, as between iterations on hardware; the retired-instruction count stays exact).
 * - REP MOVS/STOS over RAM copy or fill a page chunk at a time through host pointers the TLB
 *   grants (permissions checked, A/D set, never a code page); everything else (MMIO, code pages,
 *   elements that straddle a page, SMAP slow paths) goes one element at a time through
 *   mem_read/mem_write, which keep self-modifying code and device accesses exact.
 */
#include <Zydis/Mnemonic.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/ops.h"

/* Shared with op_io.c and op_misc.c (to move into ops.h). */

/* Iterations per step before the instruction yields (see the header comment). */
#define STR_CHUNK 4096u

enum { R_AX = 0, R_CX = 1, R_SI = 6, R_DI = 7 };

/* ---- prefixes ---- */

/*
 * Segment base of an implicit DS:[reg] operand (string source, XLAT table): the base of the
 * FS or GS override, else 0.  SDM Vol. 1 3.4.2.1 "Segment Registers in 64-Bit Mode": the ES,
 * DS, SS and CS overrides are ignored.
 */
enum cpu_step insn_src_base(struct vx_cpu *c, const struct insn *i, u64 *base)
{
	*base = (i->seg_ovr == SEG_FS || i->seg_ovr == SEG_GS) ? c->seg[i->seg_ovr].base : 0;
	return STEP_RETIRED;
}

/* ---- registers ---- */

static inline u64 amask_of(const struct insn *i)
{
	return i->addrsize == 4 ? 0xffffffffull : ~0ull;
}

static inline bool df_set(const struct vx_cpu *c)
{
	return c->rflags & RFLAGS_DF;
}

/* rSI/rDI += or -= bytes per DF, written at the address size. */
static inline void str_advance(struct vx_cpu *c, const struct insn *i, unsigned reg, u64 bytes)
{
	u64 v = df_set(c) ? c->gpr[reg] - bytes : c->gpr[reg] + bytes;
	reg_set(c, reg, i->addrsize, v);
}

static inline u64 src_la(const struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	return (c->gpr[R_SI] & amask_of(i)) + src_base;
}

static inline u64 dst_la(const struct vx_cpu *c, const struct insn *i)
{
	return c->gpr[R_DI] & amask_of(i);
}

/* ---- one element ---- */

static enum cpu_step movs_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	unsigned size = i->opsize;
	u64 v;
	enum cpu_step r = mem_read(c, src_la(c, i, src_base), size, &v, ACC_READ);
	if (r != STEP_RETIRED)
		return r;
	if ((r = mem_write(c, dst_la(c, i), size, v, 0)) != STEP_RETIRED)
		return r;
	str_advance(c, i, R_SI, size);
	str_advance(c, i, R_DI, size);
	return STEP_RETIRED;
}

static enum cpu_step stos_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	(void)src_base;
	unsigned size = i->opsize;
	enum cpu_step r = mem_write(c, dst_la(c, i), size, c->gpr[R_AX] & size_mask(size), 0);
	if (r != STEP_RETIRED)
		return r;
	str_advance(c, i, R_DI, size);
	return STEP_RETIRED;
}

static enum cpu_step lods_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	unsigned size = i->opsize;
	u64 v;
	enum cpu_step r = mem_read(c, src_la(c, i, src_base), size, &v, ACC_READ);
	if (r != STEP_RETIRED)
		return r;
	reg_set(c, R_AX, size, v);
	str_advance(c, i, R_SI, size);
	return STEP_RETIRED;
}

/* CMPS: SRC1 = [rSI] (read first), SRC2 = [rDI]; flags as SUB SRC1, SRC2. */
static enum cpu_step cmps_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	unsigned size = i->opsize;
	u64 a, b;
	enum cpu_step r = mem_read(c, src_la(c, i, src_base), size, &a, ACC_READ);
	if (r != STEP_RETIRED)
		return r;
	if ((r = mem_read(c, dst_la(c, i), size, &b, ACC_READ)) != STEP_RETIRED)
		return r;
	lf_set(c, LF_SUB, size, a, b, (a - b) & size_mask(size));
	str_advance(c, i, R_SI, size);
	str_advance(c, i, R_DI, size);
	return STEP_RETIRED;
}

/* SCAS: flags as SUB rAX, [rDI]. */
static enum cpu_step scas_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	(void)src_base;
	unsigned size = i->opsize;
	u64 a = c->gpr[R_AX] & size_mask(size), b;
	enum cpu_step r = mem_read(c, dst_la(c, i), size, &b, ACC_READ);
	if (r != STEP_RETIRED)
		return r;
	lf_set(c, LF_SUB, size, a, b, (a - b) & size_mask(size));
	str_advance(c, i, R_DI, size);
	return STEP_RETIRED;
}

/* ---- page chunks over RAM (REP MOVS / REP STOS) ---- */

/*
 * Elements of `size` bytes at la, la+size, ... (DF=0) or la, la-size, ... (DF=1) that lie
 * wholly inside la's page, and (32-bit address size) whose offset does not wrap at 4 GiB.
 */
static u64 page_elems(u64 la, u64 off, unsigned size, bool down, u64 amask)
{
	u64 in = la & 4095, n;
	if (in + size > 4096)
		return 0;
	if (!down) {
		n = (4096 - in) / size;
		if (amask != ~0ull && (amask - off + 1) / size < n)
			n = (amask - off + 1) / size;
	} else {
		n = in / size + 1;
		if (amask != ~0ull && off / size + 1 < n)
			n = off / size + 1;
	}
	return n;
}

/*
 * Host pointer for la when the TLB grants the access `kind` on a plain RAM page: rights
 * checked, A (and for writes D) set, and never a page holding decoded instructions (those
 * lose TLB_W, so their writes take the element path and reach phys_write's SMC invalidation).
 * NULL without a fault: use the element path.  NULL with *r = STEP_FAULT: the translation
 * faulted, exactly as the first element's access would.
 */
static u8 *chunk_host(struct vx_cpu *c, u64 la, unsigned kind, enum cpu_step *r)
{
	u32 need = tlb_need(c, kind);
	struct tlb_entry *e = tlb_hit(c, la, need, 1);
	if (!e) {
		u64 pa;
		enum cpu_step t = mmu_translate_step(c, la, kind, &pa);
		if (t != STEP_RETIRED) {
			*r = t; /* #PF, or a VM exit (EPT) */
			return NULL;
		}
		e = tlb_hit(c, la, need, 1);
		if (!e)
			return NULL;
	}
	return e->host + (la & 4095);
}

static void fill_elems(u8 *p, u64 n, unsigned size, u64 v)
{
	if (size == 1) {
		memset(p, (int)(v & 0xff), n);
		return;
	}
	for (u64 k = 0; k < n; k++)
		memcpy(p + k * size, &v, size);
}

static u64 stos_bulk(struct vx_cpu *c, const struct insn *i, u64 src_base, u64 max,
		     enum cpu_step *r)
{
	(void)src_base;
	unsigned size = i->opsize;
	bool down = df_set(c);
	u64 la = dst_la(c, i);
	u64 n = page_elems(la, la, size, down, amask_of(i));
	if (n > max)
		n = max;
	if (n == 0)
		return 0;
	u8 *p = chunk_host(c, la, ACC_WRITE, r);
	if (!p)
		return 0;
	fill_elems(down ? p - (n - 1) * size : p, n, size, c->gpr[R_AX]);
	str_advance(c, i, R_DI, n * size);
	return n;
}

/*
 * Copy n elements in the architectural order (7.3.9.1: one element after another).  When
 * the destination lies ahead of the source in the direction of travel and within reach, later
 * elements read what earlier ones wrote, so the copy goes element by element; otherwise the
 * result equals a copy through a buffer (memmove).
 */
static void copy_elems(u8 *d, const u8 *s, u64 n, unsigned size, bool down)
{
	u64 len = n * size;
	bool hazard = down ? (s > d && (u64)(s - d) < len) : (d > s && (u64)(d - s) < len);
	if (!hazard) {
		memmove(d, s, len);
		return;
	}
	for (u64 k = 0; k < n; k++) {
		u64 at = down ? (n - 1 - k) * size : k * size;
		memmove(d + at, s + at, size);
	}
}

static u64 movs_bulk(struct vx_cpu *c, const struct insn *i, u64 src_base, u64 max,
		     enum cpu_step *r)
{
	unsigned size = i->opsize;
	bool down = df_set(c);
	u64 amask = amask_of(i);
	u64 soff = c->gpr[R_SI] & amask, sla = soff + src_base, dla = dst_la(c, i);
	u64 n = page_elems(sla, soff, size, down, amask);
	u64 nd = page_elems(dla, dla, size, down, amask);
	if (nd < n)
		n = nd;
	if (n > max)
		n = max;
	if (n == 0)
		return 0;
	/* The first element reads before it writes: translate in that order. */
	u8 *s = chunk_host(c, sla, ACC_READ, r);
	if (!s)
		return 0;
	u8 *d = chunk_host(c, dla, ACC_WRITE, r);
	if (!d)
		return 0;
	u64 back = down ? (n - 1) * size : 0;
	copy_elems(d - back, s - back, n, size, down);
	str_advance(c, i, R_SI, n * size);
	str_advance(c, i, R_DI, n * size);
	return n;
}

/* ---- the repeat engine ---- */

typedef u64 str_bulk_fn(struct vx_cpu *c, const struct insn *i, u64 src_base, u64 max,
			enum cpu_step *r);

struct str_kind {
	str_elem_fn *elem;
	str_bulk_fn *bulk; /* NULL: element by element */
	bool src;          /* reads DS:[rSI]: segment override applies */
	bool cond;         /* CMPS/SCAS: REPE/REPNE end on ZF */
};

/* REP/REPE/REPZ/REPNE/REPNZ "Operation": REPE ends when ZF = 0, REPNE when ZF = 1. */
static bool cond_ends(const struct vx_cpu *c, const struct insn *i)
{
	bool zf = flag_zf(c);
	return (i->prefix & INSN_REPNE) ? zf : !zf;
}

/*
 * REP/REPE/REPZ/REPNE/REPNZ "Operation": with a count of 0 nothing happens (no flags, no
 * registers); otherwise each iteration runs, then the count is decremented, then (CMPS/SCAS)
 * ZF is tested.  F2H on MOVS/STOS/LODS/INS/OUTS repeats like F3H (docs/decisions.md).
 */
static enum cpu_step str_drive(struct vx_cpu *c, const struct insn *i, const struct str_kind *k)
{
	u64 base = 0;
	enum cpu_step r = STEP_RETIRED;
	if (i->opsize == 0 || i->opsize > 8)
		return fault_ud(c); /* not produced by the decoder; keeps the divisions defined */
	if (k->src && (r = insn_src_base(c, i, &base)) != STEP_RETIRED)
		return r;
	if (!(i->prefix & (INSN_REP | INSN_REPNE)))
		return k->elem(c, i, base);
	u64 count = c->gpr[R_CX] & amask_of(i), budget = STR_CHUNK;
	while (count && budget) {
		u64 n = k->bulk ? k->bulk(c, i, base, count < budget ? count : budget, &r) : 0;
		if (r != STEP_RETIRED)
			return r;
		if (n == 0) {
			if ((r = k->elem(c, i, base)) != STEP_RETIRED)
				return r;
			n = 1;
		}
		count -= n;
		budget -= n;
		reg_set(c, R_CX, i->addrsize, count);
		if (k->cond && cond_ends(c, i))
			return STEP_RETIRED;
		if (c->stop)
			break; /* the owner asked to stop (I/O hook): continue on the next step */
	}
	if (count)
		c->rip = c->insn_rip; /* more to do: the next step continues the instruction */
	return STEP_RETIRED;
}

enum cpu_step str_repeat(struct vx_cpu *c, const struct insn *i, bool src, str_elem_fn *elem)
{
	const struct str_kind k = {.elem = elem, .src = src};
	return str_drive(c, i, &k);
}

/* ---- handlers ---- */

/* MOVSD and CMPSD are also SSE2 mnemonics (with explicit XMM operands): not modelled. */
static enum cpu_step sse_form(struct vx_cpu *c, const struct insn *i)
{
	return decode_handler(ZYDIS_MNEMONIC_INVALID)(c, i);
}

static enum cpu_step op_movs(struct vx_cpu *c, const struct insn *i)
{
	static const struct str_kind k = {movs_one, movs_bulk, true, false};
	return i->nops ? sse_form(c, i) : str_drive(c, i, &k);
}

static enum cpu_step op_stos(struct vx_cpu *c, const struct insn *i)
{
	static const struct str_kind k = {stos_one, stos_bulk, false, false};
	return str_drive(c, i, &k);
}

static enum cpu_step op_lods(struct vx_cpu *c, const struct insn *i)
{
	static const struct str_kind k = {lods_one, NULL, true, false};
	return str_drive(c, i, &k);
}

static enum cpu_step op_cmps(struct vx_cpu *c, const struct insn *i)
{
	static const struct str_kind k = {cmps_one, NULL, true, true};
	return i->nops ? sse_form(c, i) : str_drive(c, i, &k);
}

static enum cpu_step op_scas(struct vx_cpu *c, const struct insn *i)
{
	static const struct str_kind k = {scas_one, NULL, false, true};
	return str_drive(c, i, &k);
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_MOVSB, op_movs}, {ZYDIS_MNEMONIC_MOVSW, op_movs},
    {ZYDIS_MNEMONIC_MOVSD, op_movs}, {ZYDIS_MNEMONIC_MOVSQ, op_movs},
    {ZYDIS_MNEMONIC_STOSB, op_stos}, {ZYDIS_MNEMONIC_STOSW, op_stos},
    {ZYDIS_MNEMONIC_STOSD, op_stos}, {ZYDIS_MNEMONIC_STOSQ, op_stos},
    {ZYDIS_MNEMONIC_LODSB, op_lods}, {ZYDIS_MNEMONIC_LODSW, op_lods},
    {ZYDIS_MNEMONIC_LODSD, op_lods}, {ZYDIS_MNEMONIC_LODSQ, op_lods},
    {ZYDIS_MNEMONIC_CMPSB, op_cmps}, {ZYDIS_MNEMONIC_CMPSW, op_cmps},
    {ZYDIS_MNEMONIC_CMPSD, op_cmps}, {ZYDIS_MNEMONIC_CMPSQ, op_cmps},
    {ZYDIS_MNEMONIC_SCASB, op_scas}, {ZYDIS_MNEMONIC_SCASW, op_scas},
    {ZYDIS_MNEMONIC_SCASD, op_scas}, {ZYDIS_MNEMONIC_SCASQ, op_scas},
};
OP_FAMILY_DEFINE(string, defs);
