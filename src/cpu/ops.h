/* SPDX-License-Identifier: MIT */
/*
 * What every instruction family file needs: operand access (registers with the 8/16/32/64-bit
 * write rules of SDM Vol. 1 3.4.1.1 "General-Purpose Registers in 64-Bit Mode", memory
 * operands with effective-address computation of 3.7.5 "Specifying an Offset"), and the
 * family tables that decode.c links to mnemonics.
 */
#ifndef VX_CPU_OPS_H
#define VX_CPU_OPS_H

#include "cpu/cpu.h"
#include "cpu/fault.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"

/* One row of a family table: a Zydis mnemonic and its handler. */
struct op_def {
	u16 mnemonic; /* ZydisMnemonic */
	op_fn *fn;
};

/* Optional: picks a specialised handler from the decoded operands once, at decode time (for
 * hot instructions such as MOV). */
struct op_select {
	u16 mnemonic;
	op_fn *(*select)(const struct insn *i);
};

struct op_family {
	const char *name;
	const struct op_def *defs;
	size_t n;
	const struct op_select *sel;
	size_t nsel;
};

#define OP_FAMILY(name) const struct op_family op_family_##name
#define OP_FAMILY_DEFINE(fam, table) \
	OP_FAMILY(fam) = {#fam, table, sizeof(table) / sizeof(table[0]), NULL, 0}
#define OP_FAMILY_DEFINE_SEL(fam, table, sels)                                 \
	OP_FAMILY(fam) = {#fam, table, sizeof(table) / sizeof(table[0]), sels, \
			  sizeof(sels) / sizeof(sels[0])}

extern const struct op_family op_family_mov, op_family_alu, op_family_shift, op_family_muldiv,
    op_family_bit, op_family_string, op_family_branch, op_family_stack, op_family_system,
    op_family_io, op_family_misc, op_family_vmx, op_family_sgx;

/* MOV to/from segment, control and debug registers; PUSH/POP FS/GS (op_system.c). */
op_fn op_mov_special;
op_fn op_push_sreg;
op_fn op_pop_sreg;

/* String-instruction engine shared by op_string.c, op_io.c (INS/OUTS) and op_misc.c (XLAT):
 * one element at src_base (FS/GS base or 0), repeated per REP prefix with chunking. */
typedef enum cpu_step str_elem_fn(struct vx_cpu *c, const struct insn *i, u64 src_base);
enum cpu_step str_repeat(struct vx_cpu *c, const struct insn *i, bool src, str_elem_fn *elem);
enum cpu_step insn_src_base(struct vx_cpu *c, const struct insn *i, u64 *base);

/* ---- registers ---- */

static inline u64 reg_get(const struct vx_cpu *c, unsigned reg, unsigned size)
{
	if (reg >= REG_AH)
		return (c->gpr[reg - REG_AH] >> 8) & 0xff;
	return c->gpr[reg] & size_mask(size);
}

/* 32-bit writes zero-extend to 64 bits; 8- and 16-bit writes keep the upper bits. */
static inline void reg_set(struct vx_cpu *c, unsigned reg, unsigned size, u64 v)
{
	if (reg >= REG_AH) {
		u64 *r = &c->gpr[reg - REG_AH];
		*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	switch (size) {
	case 1: c->gpr[reg] = (c->gpr[reg] & ~0xffull) | (v & 0xff); break;
	case 2: c->gpr[reg] = (c->gpr[reg] & ~0xffffull) | (v & 0xffff); break;
	case 4: c->gpr[reg] = v & 0xffffffffull; break;
	default: c->gpr[reg] = v; break;
	}
}

/* ---- memory operands ---- */

/* Effective address plus the FS/GS base (64-bit mode ignores ES/CS/SS/DS bases). */
static inline u64 op_la(const struct vx_cpu *c, const struct insn *i, const struct operand *o)
{
	if (o->abs)
		return i->imm + ((o->seg == SEG_FS || o->seg == SEG_GS) ? c->seg[o->seg].base : 0);
	u64 ea = (u64)(s64)o->disp;
	if (o->base == REG_RIP)
		ea += c->rip; /* c->rip is already the next instruction's address */
	else if (o->base != REG_NONE)
		ea += c->gpr[o->base];
	if (o->index != REG_NONE)
		ea += c->gpr[o->index] * o->scale;
	if (i->addrsize == 4)
		ea &= 0xffffffffull;
	if (o->seg == SEG_FS || o->seg == SEG_GS)
		ea += c->seg[o->seg].base;
	return ea;
}

static inline unsigned op_acc(const struct operand *o)
{
	return o->seg == SEG_SS ? ACC_STACK : 0;
}

/* Memory side of op_get/op_put, out of line to keep the register paths small. */
enum cpu_step op_get_mem(struct vx_cpu *c, const struct insn *i, const struct operand *o, u64 *v,
			 unsigned acc);
enum cpu_step op_put_mem(struct vx_cpu *c, const struct insn *i, const struct operand *o, u64 v);

/* Register operand, branch-free: AH..BH are bits 15:8 of gpr[reg & 15] (shift 8). */
static inline __attribute__((always_inline)) u64 opr_get(const struct vx_cpu *c,
							 const struct operand *o)
{
	return (c->gpr[o->reg & 15] >> o->shift) & size_mask(o->size);
}

/* 8/16-bit writes merge, 32-bit writes zero-extend, 64-bit writes replace. */
static inline __attribute__((always_inline)) void opr_put(struct vx_cpu *c, const struct operand *o,
							  u64 v)
{
	u64 m = size_mask(o->size);
	u64 keep = o->size >= 4 ? 0 : ~(m << o->shift);
	u64 *r = &c->gpr[o->reg & 15];
	*r = (*r & keep) | ((v & m) << o->shift);
}

/*
 * Register operands of a width fixed at decode time (`sz` 4 or 8; 0 = the operand's own):
 * whole GPRs (AH..BH are byte operands), a 4-byte write zero-extends.  Constant masks,
 * no shift or merge.
 */
static inline __attribute__((always_inline)) u64 size_mask_sz(unsigned sz, unsigned size)
{
	return sz == 8 ? ~0ull : sz == 4 ? 0xffffffffull : size_mask(size);
}

static inline __attribute__((always_inline)) u64 opr_get_sz(const struct vx_cpu *c,
							    const struct operand *o, unsigned sz)
{
	return sz ? c->gpr[o->reg & 15] & size_mask_sz(sz, sz) : opr_get(c, o);
}

static inline __attribute__((always_inline)) void
opr_put_sz(struct vx_cpu *c, const struct operand *o, unsigned sz, u64 v)
{
	if (sz)
		c->gpr[o->reg & 15] = v & size_mask_sz(sz, sz);
	else
		opr_put(c, o, v);
}

/* Read operand n; `acc` ACC_RMW when the instruction will write the same operand. */
static inline __attribute__((always_inline)) enum cpu_step
op_get(struct vx_cpu *c, const struct insn *i, unsigned n, u64 *v, unsigned acc)
{
	const struct operand *o = &i->op[n];
	if (o->kind == OPK_REG) {
		*v = opr_get(c, o);
		return STEP_RETIRED;
	}
	if (o->kind == OPK_IMM) {
		*v = i->imm & size_mask(o->size);
		return STEP_RETIRED;
	}
	/* TLB hit on RAM: inline; misses, faults and wide operands: out of line. */
	u64 la = op_la(c, i, o);
	const struct tlb_entry *e =
	    tlb_hit(c, la, tlb_need(c, (acc & ACC_RMW) ? ACC_WRITE : ACC_READ), o->size);
	if (__builtin_expect(e && o->size <= 8, 1)) {
		*v = host_load(e->host + (la & 4095), o->size);
		return STEP_RETIRED;
	}
	return op_get_mem(c, i, o, v, acc);
}

static inline __attribute__((always_inline)) enum cpu_step
op_put(struct vx_cpu *c, const struct insn *i, unsigned n, u64 v)
{
	const struct operand *o = &i->op[n];
	if (o->kind == OPK_REG) {
		opr_put(c, o, v);
		return STEP_RETIRED;
	}
	u64 la = op_la(c, i, o);
	const struct tlb_entry *e = tlb_hit(c, la, tlb_need(c, ACC_WRITE), o->size);
	if (__builtin_expect(e && o->size <= 8, 1)) {
		host_store(e->host + (la & 4095), o->size, v);
		return STEP_RETIRED;
	}
	return op_put_mem(c, i, o, v);
}

/*
 * The memory-operand shape compilers emit almost always: a base GPR, an optional index GPR,
 * 64-bit addressing, no FS/GS override.  Handlers specialised at decode time for it compute
 * the address with op_la_simple (same value as op_la) and skip the shape tests of op_la.
 */
static inline bool op_mem_simple(const struct insn *i, const struct operand *o)
{
	return o->kind == OPK_MEM && !o->abs && o->base < 16 &&
	       (o->index < 16 || o->index == REG_NONE) && i->addrsize == 8 && o->seg != SEG_FS &&
	       o->seg != SEG_GS;
}

static inline __attribute__((always_inline)) u64 op_la_simple(const struct vx_cpu *c,
							      const struct operand *o)
{
	u64 ea = c->gpr[o->base] + (u64)(s64)o->disp;
	if (o->index != REG_NONE)
		ea += c->gpr[o->index] * o->scale;
	return ea;
}

/*
 * Read or write a `size`-byte operand of a simple shape (op_mem_simple) when it is a TLB hit
 * on RAM; false otherwise, and nothing is done.  The handler then runs its generic form
 * (misses, faults, MMIO), as a tail call: the fast path needs no stack frame.
 */
static inline __attribute__((always_inline)) bool
op_load_simple(struct vx_cpu *c, const struct operand *o, unsigned size, unsigned kind, u64 *v)
{
	u64 la = op_la_simple(c, o);
	const struct tlb_entry *e = tlb_hit(c, la, tlb_need(c, kind), size);
	if (__builtin_expect(e == NULL, 0))
		return false;
	*v = host_load(e->host + (la & 4095), size);
	return true;
}

static inline __attribute__((always_inline)) bool
op_store_simple(struct vx_cpu *c, const struct operand *o, unsigned size, u64 v)
{
	u64 la = op_la_simple(c, o);
	const struct tlb_entry *e = tlb_hit(c, la, tlb_need(c, ACC_WRITE), size);
	if (__builtin_expect(e == NULL, 0))
		return false;
	host_store(e->host + (la & 4095), size, v);
	return true;
}

/* Check that one byte at la is writable without writing it (ENTER's allocation). */
static inline enum cpu_step mem_write_probe(struct vx_cpu *c, u64 la)
{
	u64 pa;
	return mmu_translate_step(c, la, ACC_WRITE | ACC_STACK, &pa);
}

static inline u64 sext(u64 v, unsigned size)
{
	unsigned sh = 64 - 8 * size;
	return (u64)((s64)(v << sh) >> sh);
}

#endif
