// SPDX-License-Identifier: MIT
/*
 * Instruction decode: Zydis decodes the bytes once; the result becomes our own compact
 * record (struct insn) with the handler chosen through the mnemonic table that the family
 * files (op_*.c) contribute.  Instructions without a handler (x87, SSE, AVX, ...) decode to
 * op_unsupported, which raises #UD and reports them to the owner.
 */
#include <Zydis/Zydis.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/ops.h"

static const struct op_family *const families[] = {
    &op_family_mov,    &op_family_alu,    &op_family_shift, &op_family_muldiv, &op_family_bit,
    &op_family_string, &op_family_branch, &op_family_stack, &op_family_system, &op_family_io,
    &op_family_misc,   &op_family_vmx,    &op_family_sgx,
};

static op_fn *handler_of[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static op_fn *(*select_of[ZYDIS_MNEMONIC_MAX_VALUE + 1])(const struct insn *i);
static bool table_ready;

static enum cpu_step op_unsupported(struct vx_cpu *c, const struct insn *i)
{
	if (c->hooks && c->hooks->unsupported)
		c->hooks->unsupported(c, c->insn_rip, i->mnemonic);
	return fault_ud(c);
}

/* Builds the mnemonic table once; a mnemonic claimed by two families is a bug in ours. */
static void build_table(void)
{
	for (size_t m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; m++)
		handler_of[m] = op_unsupported;
	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		for (size_t k = 0; k < families[f]->n; k++)
			if (families[f]->defs[k].fn)
				handler_of[families[f]->defs[k].mnemonic] = families[f]->defs[k].fn;
	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		for (size_t k = 0; k < families[f]->nsel; k++)
			select_of[families[f]->sel[k].mnemonic] = families[f]->sel[k].select;
	table_ready = true;
}

op_fn *decode_handler(unsigned mnemonic)
{
	if (!table_ready)
		build_table();
	return mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE ? handler_of[mnemonic] : op_unsupported;
}

bool decode_has_handler(unsigned mnemonic)
{
	return decode_handler(mnemonic) != op_unsupported;
}

void *decode_new(void)
{
	ZydisDecoder *d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (!table_ready)
		build_table();
	return d;
}

void decode_free(void *dec)
{
	free(dec);
}

/* GPR number of a Zydis general-purpose register (REG_AH.. for AH/CH/DH/BH). */
static int gpr_number(ZydisRegister r)
{
	ZydisRegisterClass cls = ZydisRegisterGetClass(r);
	int id = (int)ZydisRegisterGetId(r);
	switch (cls) {
	case ZYDIS_REGCLASS_GPR8:
		/* AL CL DL BL AH CH DH BH SPL BPL SIL DIL R8B..R15B */
		if (id < 4)
			return id;
		if (id < 8)
			return REG_AH + id - 4;
		return id - 4;
	case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32:
	case ZYDIS_REGCLASS_GPR64: return id;
	default: return -1;
	}
}

static u8 seg_number(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return SEG_ES;
	case ZYDIS_REGISTER_CS: return SEG_CS;
	case ZYDIS_REGISTER_SS: return SEG_SS;
	case ZYDIS_REGISTER_FS: return SEG_FS;
	case ZYDIS_REGISTER_GS: return SEG_GS;
	default: return SEG_DS;
	}
}

static bool convert_mem(const ZydisDecodedOperand *zo, struct operand *o)
{
	o->kind = OPK_MEM;
	o->seg = seg_number(zo->mem.segment);
	if (zo->mem.base == ZYDIS_REGISTER_RIP || zo->mem.base == ZYDIS_REGISTER_EIP) {
		o->base = REG_RIP;
	} else if (zo->mem.base == ZYDIS_REGISTER_NONE) {
		o->base = REG_NONE;
	} else {
		int b = gpr_number(zo->mem.base);
		if (b < 0)
			return false;
		o->base = (u8)b;
	}
	if (zo->mem.index == ZYDIS_REGISTER_NONE) {
		o->index = REG_NONE;
		o->scale = 1;
	} else {
		int x = gpr_number(zo->mem.index);
		if (x < 0)
			return false; /* VSIB */
		o->index = (u8)x;
		o->scale = zo->mem.scale ? zo->mem.scale : 1;
	}
	if (zo->mem.disp.value < INT32_MIN || zo->mem.disp.value > INT32_MAX)
		return false; /* moffs64: handled by the caller */
	o->disp = (s32)zo->mem.disp.value;
	return true;
}

/* Register operands that are not GPRs keep their Zydis register in `reg` via OPK_SPECIAL. */
static bool convert_operand(const ZydisDecodedOperand *zo, struct insn *in, struct operand *o)
{
	memset(o, 0, sizeof(*o));
	o->size = (u8)(zo->size / 8);
	switch (zo->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER: {
		int g = gpr_number(zo->reg.value);
		if (g >= 0) {
			o->kind = OPK_REG;
			o->reg = (u8)g;
			o->shift = g >= REG_AH ? 8 : 0;
		} else {
			o->kind = OPK_SPECIAL;
			o->special = (u16)zo->reg.value;
		}
		return true;
	}
	case ZYDIS_OPERAND_TYPE_MEMORY:
		if (zo->mem.type == ZYDIS_MEMOP_TYPE_MIB || zo->mem.type == ZYDIS_MEMOP_TYPE_VSIB)
			return false;
		if (!convert_mem(zo, o)) {
			/* MOV AL/AX/EAX/RAX, moffs64: absolute 64-bit address in imm. */
			if (zo->mem.base != ZYDIS_REGISTER_NONE ||
			    zo->mem.index != ZYDIS_REGISTER_NONE)
				return false;
			o->kind = OPK_MEM;
			o->base = REG_NONE;
			o->index = REG_NONE;
			o->scale = 1;
			o->disp = 0;
			o->abs = true;
			in->imm = (u64)zo->mem.disp.value;
		}
		return true;
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		o->kind = OPK_IMM;
		if (zo->imm.is_relative) {
			in->imm = (u64)zo->imm.value.s; /* target = next RIP + imm */
			o->size = 8;
		} else if (in->nimm++ == 0) {
			in->imm = zo->imm.is_signed ? (u64)zo->imm.value.s : zo->imm.value.u;
			/* A sign-extended immediate has the instruction's operand size (ADD RBX,
			 * imm8 adds a 64-bit value), not its encoded size. */
			if (zo->imm.is_signed && in->opsize > o->size)
				o->size = in->opsize;
		} else {
			in->imm2 = (u8)zo->imm.value.u; /* ENTER's second immediate */
		}
		return true;
	default: return false; /* far pointers: invalid in 64-bit mode */
	}
}

/* A memory operand that is accessed (LEA computes its address only). */
static bool accesses_memory(const struct insn *in)
{
	if (in->mnemonic == ZYDIS_MNEMONIC_LEA)
		return false;
	for (unsigned k = 0; k < in->nops; k++)
		if (in->op[k].kind == OPK_MEM)
			return true;
	return false;
}

enum decode_status decode_insn(void *dec, const u8 *bytes, size_t len, struct insn *in)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	ZyanStatus st = ZydisDecoderDecodeFull(dec, bytes, len, &zi, zo);
	memset(in, 0, sizeof(*in));
	if (st == ZYDIS_STATUS_NO_MORE_DATA)
		return DECODE_NEED_MORE;
	if (!ZYAN_SUCCESS(st))
		return DECODE_INVALID; /* #UD (includes "too long": #GP is for > 15 bytes, 6.15) */
	in->mnemonic = (u16)zi.mnemonic;
	in->len = zi.length;
	in->opsize = (u8)(zi.operand_width / 8);
	in->addrsize = (u8)(zi.address_width / 8);
	if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
		in->prefix |= INSN_LOCK;
	if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
		in->prefix |= INSN_REP;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
		in->prefix |= INSN_REPNE;
	in->cc = (u8)(zi.opcode & 0xf);
	/* 64-bit mode honours only FS and GS overrides (SDM Vol. 1 3.4.2.1 "Segment Registers in
	 * 64-Bit Mode"); recorded for implicit operands (string source, XLAT). */
	in->seg_ovr = (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_FS)   ? SEG_FS
		      : (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_GS) ? SEG_GS
								      : SEG_DS;
	in->fn = decode_handler(zi.mnemonic);
	/* Far JMP/CALL/RET (through memory in 64-bit mode) are not modelled: the guests of this
	 * project use flat code segments; they raise #UD with an "unsupported" trace record
	 * (docs/decisions.md). */
	if (zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
		in->fn = decode_handler(ZYDIS_MNEMONIC_INVALID);
	/*
	 * Visible operands, implicit ones included: the accumulator of the short ALU forms
	 * (ADD AL, imm8; TEST EAX, imm32; MOV AL, moffs), the 1 and CL of shifts.  IN/OUT keep
	 * only their explicit operand (port immediate); their handlers know AL/AX/EAX and DX.
	 */
	bool io = zi.mnemonic == ZYDIS_MNEMONIC_IN || zi.mnemonic == ZYDIS_MNEMONIC_OUT;
	for (unsigned k = 0; k < zi.operand_count_visible && in->nops < 3; k++) {
		if (zo[k].visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN ||
		    (io && zo[k].visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT))
			continue;
		if (!convert_operand(&zo[k], in, &in->op[in->nops])) {
			in->fn = decode_handler(ZYDIS_MNEMONIC_INVALID);
			break;
		}
		in->nops++;
	}
	if (in->fn == handler_of[zi.mnemonic] && select_of[zi.mnemonic])
		in->fn = select_of[zi.mnemonic](in);
	in->pure = in->fn != handler_of[zi.mnemonic] && !accesses_memory(in);
	return DECODE_OK;
}
