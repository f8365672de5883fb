// SPDX-License-Identifier: MIT
/*
 * Port I/O: IN, OUT (imm8 and DX forms, 8/16/32 bits), INS, OUTS (with REP), through the
 * owner's cpu_hooks.io callback.  SDM Vol. 2 pages "IN—Input from Port", "OUT—Output to Port",
 * "INS/INSB/INSW/INSD—Input from Port to String", "OUTS/OUTSB/OUTSW/OUTSD—Output String to
 * Port"; Vol. 1 18.5 "Protected-Mode I/O", 18.5.1 "I/O Privilege Level", 18.5.2 "I/O
 * Permission Bit Map" (SDM-059 numbering; chapter 19 in later revisions).
 *
 * Without a hook (or hook->io NULL) IN reads all ones (no device answers) and OUT is dropped.
 *
 * VMX non-root operation: SDM Vol. 3C 25.1.3 "IN, INS/INSB/INSW/INSD, OUT, OUTS/OUTSB/OUTSW/
 * OUTSD" (unconditional I/O exiting, I/O bitmaps; src/vmx/intercept.c), exit qualification
 * 27.2.1 Table 27-5, instruction information for INS/OUTS 27.2.4 Table 27-8.
 */
#include <Zydis/Mnemonic.h>

#include "arch/vmx.h"
#include "cpu/ops.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"

/* From op_string.c (the repeat engine); to move into ops.h. */

#define TSS_IOMAP_BASE 102 /* offset of the 16-bit I/O map base address (Figure 7-11) */

enum { R_AX = 0, R_DX = 2, R_SI = 6, R_DI = 7 };

/*
 * 18.5.1 "I/O Privilege Level" and 18.5.2 "I/O Permission Bit Map": when CPL > IOPL, every
 * bit of the bitmap for the ports accessed must be 0, else #GP(0).  The map starts at the
 * 16-bit offset stored at TSS+102; the processor reads two bytes of it for every access, and
 * both must lie within the TSS limit (ports the map does not span count as set bits).  A TSS
 * too short to hold the map base (limit < 103) has no map.  The TSS is read as an implicit
 * supervisor access, which may itself page-fault.
 */
static enum cpu_step io_permitted(struct vx_cpu *c, u16 port, unsigned size)
{
	unsigned iopl = (unsigned)((c->rflags & RFLAGS_IOPL) >> 12);
	if (c->cpl <= iopl)
		return STEP_RETIRED;
	const struct seg *tr = &c->seg[SEG_TR];
	if (tr->limit < TSS_IOMAP_BASE + 1)
		return fault_gp(c, 0);
	u64 base, bits;
	enum cpu_step r = mem_read(c, tr->base + TSS_IOMAP_BASE, 2, &base, ACC_READ | ACC_IMPLICIT);
	if (r != STEP_RETIRED)
		return r;
	u32 off = (u32)base + port / 8u;
	if (off + 1 > tr->limit)
		return fault_gp(c, 0);
	if ((r = mem_read(c, tr->base + off, 2, &bits, ACC_READ | ACC_IMPLICIT)) != STEP_RETIRED)
		return r;
	u64 want = ((1ull << size) - 1) << (port & 7);
	return (bits & want) ? fault_gp(c, 0) : STEP_RETIRED;
}

/* One port access through the owner; IN returns all ones when nobody answers. */
static u32 io_access(struct vx_cpu *c, bool in, u16 port, unsigned size, u32 value)
{
	u32 mask = (u32)size_mask(size);
	struct io_req req = {
	    .in = in, .port = port, .size = (u8)size, .value = in ? mask : value & mask};
	if (c->hooks && c->hooks->io)
		c->hooks->io(c, &req);
	return req.value & mask;
}

/* IN/OUT: the port is an imm8 operand or DX. */
static bool io_imm(const struct insn *i)
{
	for (unsigned k = 0; k < i->nops && k < 3; k++)
		if (i->op[k].kind == OPK_IMM)
			return true;
	return false;
}

/* IN/OUT: port from the imm8 operand, else DX; size 1, 2 or 4 (REX.W ignored). */
static u16 io_port(const struct vx_cpu *c, const struct insn *i)
{
	return io_imm(i) ? (u16)(i->imm & 0xff) : (u16)c->gpr[R_DX];
}

static unsigned io_size(const struct insn *i)
{
	return i->opsize > 4 ? 4 : i->opsize;
}

/* The VM exit of an I/O instruction (reason 30): qualification Table 27-5; for INS/OUTS the
 * instruction information of Table 27-8 (INS: ES; OUTS: DS or the FS/GS override); IN/OUT
 * have none (undefined: 0). */
static enum cpu_step io_exit(struct vx_cpu *c, const struct insn *i, u16 port, unsigned size)
{
	u16 m = i->mnemonic;
	bool in = m == ZYDIS_MNEMONIC_IN || m == ZYDIS_MNEMONIC_INSB || m == ZYDIS_MNEMONIC_INSW ||
		  m == ZYDIS_MNEMONIC_INSD;
	bool string = m != ZYDIS_MNEMONIC_IN && m != ZYDIS_MNEMONIC_OUT;
	bool rep = string && (i->prefix & (INSN_REP | INSN_REPNE));
	u64 qual = vmx_qual_io(port, size, in, string, rep, !string && io_imm(i));
	u32 info = string ? vmx_info_io(i, in ? SEG_ES : i->seg_ovr) : 0;
	return vmexit_insn(c, i, VMX_EXIT_IO_INSTRUCTION, qual, info);
}

/*
 * Checks before the port is touched: the I/O permission check (25.1.1 "Relative Priority of
 * Faults and VM Exits": its #GP has priority over a VM exit), then in VMX non-root operation
 * the I/O VM exit, which for INS/OUTS comes before the segment, limit, alignment and paging
 * faults of the memory operand (25.1.1).  INS/OUTS ask it for each element before touching
 * memory: the port and size are the same for every element, so a REP string instruction exits
 * before its first iteration or never; with a count of 0 it accesses no port and does not exit
 * (docs/decisions.md).
 */
static enum cpu_step io_checks(struct vx_cpu *c, const struct insn *i, u16 port, unsigned size)
{
	enum cpu_step r = io_permitted(c, port, size);
	if (r == STEP_RETIRED && c->vmx.non_root && vmx_io_exits(c, port, size))
		return io_exit(c, i, port, size);
	return r;
}

static enum cpu_step op_in(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = io_size(i);
	u16 port = io_port(c, i);
	enum cpu_step r = io_checks(c, i, port, size);
	if (r != STEP_RETIRED)
		return r;
	reg_set(c, R_AX, size, io_access(c, true, port, size, 0));
	return STEP_RETIRED;
}

static enum cpu_step op_out(struct vx_cpu *c, const struct insn *i)
{
	unsigned size = io_size(i);
	u16 port = io_port(c, i);
	enum cpu_step r = io_checks(c, i, port, size);
	if (r != STEP_RETIRED)
		return r;
	io_access(c, false, port, size, (u32)c->gpr[R_AX]);
	return STEP_RETIRED;
}

static inline u64 amask_of(const struct insn *i)
{
	return i->addrsize == 4 ? 0xffffffffull : ~0ull;
}

static void str_step(struct vx_cpu *c, const struct insn *i, unsigned reg, unsigned size)
{
	u64 v = (c->rflags & RFLAGS_DF) ? c->gpr[reg] - size : c->gpr[reg] + size;
	reg_set(c, reg, i->addrsize, v);
}

/* The destination element must be writable before the port is read (docs/decisions.md). */
static enum cpu_step probe_write(struct vx_cpu *c, u64 la, unsigned size)
{
	u64 pa;
	enum cpu_step r = mmu_translate_step(c, la, ACC_WRITE, &pa);
	if (r == STEP_RETIRED && (la & 4095) + size > 4096)
		r = mmu_translate_step(c, la + size - 1, ACC_WRITE, &pa);
	return r;
}

/* INS: port DX -> ES:[rDI] (ES base ignored in 64-bit mode). */
static enum cpu_step ins_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	(void)src_base;
	unsigned size = io_size(i);
	u16 port = (u16)c->gpr[R_DX];
	u64 la = c->gpr[R_DI] & amask_of(i);
	enum cpu_step r = io_checks(c, i, port, size);
	if (r != STEP_RETIRED)
		return r;
	if ((r = probe_write(c, la, size)) != STEP_RETIRED)
		return r;
	u32 v = io_access(c, true, port, size, 0);
	if ((r = mem_write(c, la, size, v, 0)) != STEP_RETIRED)
		return r;
	str_step(c, i, R_DI, size);
	return STEP_RETIRED;
}

/* OUTS: DS:[rSI] (FS/GS override) -> port DX. */
static enum cpu_step outs_one(struct vx_cpu *c, const struct insn *i, u64 src_base)
{
	unsigned size = io_size(i);
	u16 port = (u16)c->gpr[R_DX];
	u64 v;
	enum cpu_step r = io_checks(c, i, port, size);
	if (r != STEP_RETIRED)
		return r;
	r = mem_read(c, (c->gpr[R_SI] & amask_of(i)) + src_base, size, &v, ACC_READ);
	if (r != STEP_RETIRED)
		return r;
	io_access(c, false, port, size, (u32)v);
	str_step(c, i, R_SI, size);
	return STEP_RETIRED;
}

static enum cpu_step op_ins(struct vx_cpu *c, const struct insn *i)
{
	return str_repeat(c, i, false, ins_one);
}

static enum cpu_step op_outs(struct vx_cpu *c, const struct insn *i)
{
	return str_repeat(c, i, true, outs_one);
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_IN, op_in},      {ZYDIS_MNEMONIC_OUT, op_out},
    {ZYDIS_MNEMONIC_INSB, op_ins},   {ZYDIS_MNEMONIC_INSW, op_ins},
    {ZYDIS_MNEMONIC_INSD, op_ins},   {ZYDIS_MNEMONIC_OUTSB, op_outs},
    {ZYDIS_MNEMONIC_OUTSW, op_outs}, {ZYDIS_MNEMONIC_OUTSD, op_outs},
};
OP_FAMILY_DEFINE(io, defs);
