// SPDX-License-Identifier: MIT
/*
 * The MMIO instruction emulator: decodes the guest instruction at RIP (fetched through the
 * guest's paging, gmem.c) and performs its one memory access on the device, as KVM's x86
 * emulator does for MMIO.  Only the MOV family is handled (SDM Vol. 2A/2B instruction pages
 * MOV, MOVZX, MOVSX/MOVSXD), 8/16/32/64-bit:
 *
 *   88 /r  MOV r/m8, r8        89 /r  MOV r/m16/32/64, r      C6 /0 ib  MOV r/m8, imm8
 *   8A /r  MOV r8, r/m8        8B /r  MOV r16/32/64, r/m      C7 /0 iw/id  MOV r/m, imm
 *   A0-A3  MOV AL/rAX <-> moffs (64-bit: 8-byte offset, 4 with 67H)
 *   0F B6/B7 MOVZX r, r/m8/16  0F BE/BF MOVSX r, r/m8/16      63 /r  MOVSXD r64, r/m32
 *
 * Encoding (Vol. 2A chapter 2 "Instruction Format"): legacy prefixes 66H (operand size), 67H
 * (address size), segment overrides (64H/65H give FS/GS bases; 26H/2EH/36H/3EH are null in
 * 64-bit mode, 3.4.4 "Segment Loading Instructions in IA-32e Mode"); a REX prefix right before
 * the opcode (2.2.1 "REX Prefixes": W 64-bit operand, R/X/B extend ModRM.reg, SIB.index,
 * ModRM.rm/SIB.base; without REX, byte registers 4-7 are AH, CH, DH, BH); ModRM and SIB
 * (2.1.5, Tables 2-2/2-3; 2.2.1.6 "RIP-Relative Addressing": mod = 00, r/m = 101 in 64-bit
 * mode is [RIP + disp32]; SIB base 101 with mod = 00 has no base and a disp32); at most 15
 * bytes (2.1 "Instruction Format for Protected Mode, Real-Address Mode, and Virtual-8086
 * Mode").  LOCK, REP/REPNE and register-only forms are not emulated.  MOV with C7 and REX.W
 * sign-extends its imm32 to 64 bits.  A 32-bit register destination clears bits 63:32 (3.4.1.1
 * "General-Purpose Registers in 64-Bit Mode"); 8- and 16-bit ones leave the rest alone.
 *
 * Before the access L0 checks that the instruction's memory operand really translates to the
 * guest-physical address of the exit (a guest that rewrote the instruction or its page tables
 * between the exit and the emulation is not emulated: the VM stops, as KVM's emulation
 * failure exits to user space), and that the access stays inside one page.
 */
#include <string.h>

#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"

#define MAX_INSN 15u
#define REX_W 8u
#define REX_R 4u
#define REX_X 2u
#define REX_B 1u
#define RIP_REL 16

struct cursor {
	const u8 *b;
	unsigned n, i;
	bool ok;
};

static u64 take(struct cursor *c, unsigned bytes)
{
	u64 v = 0;
	if (c->i + bytes > c->n) {
		c->ok = false;
		return 0;
	}
	for (unsigned k = 0; k < bytes; k++)
		v |= (u64)c->b[c->i + k] << (8 * k);
	c->i += bytes;
	return v;
}

static s64 sext(u64 v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;
	return (s64)(v << sh) >> sh;
}

/* Legacy prefixes; false for LOCK/REP (not emulated). */
static bool prefixes(struct cursor *c, struct hv_insn *in, bool *opsz)
{
	while (c->i < c->n) {
		u8 p = c->b[c->i];
		if (p == 0x66)
			*opsz = true;
		else if (p == 0x67)
			in->addr32 = true;
		else if (p == 0x64 || p == 0x65)
			in->seg = p - 0x60;
		else if (p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e)
			in->seg = -1;
		else if (p == 0xf0 || p == 0xf2 || p == 0xf3)
			return false;
		else
			return true;
		c->i++;
	}
	return true;
}

/* ModRM (+ SIB, displacement): the memory operand; false for a register operand. */
static bool modrm(struct cursor *c, struct hv_insn *in, u8 rex, unsigned *reg_field)
{
	u8 m = (u8)take(c, 1);
	unsigned mod = m >> 6, rm = m & 7;
	*reg_field = ((m >> 3) & 7) | (rex & REX_R ? 8 : 0);
	if (!c->ok || mod == 3)
		return false;
	in->base = (int)(rm | (rex & REX_B ? 8 : 0));
	if (rm == 4) {
		u8 sib = (u8)take(c, 1);
		unsigned idx = ((sib >> 3) & 7) | (rex & REX_X ? 8 : 0);
		in->scale = 1u << (sib >> 6);
		in->index = idx == 4 ? -1 : (int)idx;
		in->base = (int)((sib & 7) | (rex & REX_B ? 8 : 0));
		if ((sib & 7) == 5 && mod == 0) {
			in->base = -1;
			in->disp = sext(take(c, 4), 4);
		}
	} else if (rm == 5 && mod == 0) {
		in->base = RIP_REL;
		in->disp = sext(take(c, 4), 4);
	}
	if (mod == 1)
		in->disp = sext(take(c, 1), 1);
	else if (mod == 2)
		in->disp = sext(take(c, 4), 4);
	return c->ok;
}

/* A byte register: without REX, encodings 4-7 are AH, CH, DH, BH. */
static int byte_reg(unsigned r, u8 rex)
{
	return !rex && r >= 4 && r < 8 ? 16 + (int)(r - 4) : (int)r;
}

/* The opcodes with a ModRM memory operand; osz is the operand size. */
static bool op_modrm(struct cursor *c, struct hv_insn *in, u8 op, u8 rex, unsigned osz)
{
	unsigned r;
	if (!modrm(c, in, rex, &r))
		return false;
	switch (op) {
	case 0x88:
		in->op = HV_OP_STORE;
		in->size = 1;
		in->reg = byte_reg(r, rex);
		break;
	case 0x89:
		in->op = HV_OP_STORE;
		in->size = osz;
		in->reg = (int)r;
		break;
	case 0x8a:
		in->op = HV_OP_LOAD;
		in->size = in->dst_size = 1;
		in->reg = byte_reg(r, rex);
		break;
	case 0x8b:
		in->op = HV_OP_LOAD;
		in->size = in->dst_size = osz;
		in->reg = (int)r;
		break;
	case 0xc6:
	case 0xc7: {
		if ((r & 7) != 0)
			return false; /* C6/C7 /0 only */
		in->op = HV_OP_STORE;
		in->size = op == 0xc6 ? 1 : osz;
		in->has_imm = true;
		unsigned isz = in->size == 8 ? 4 : in->size;
		in->imm = (u64)sext(take(c, isz), isz); /* imm32 sign-extended for REX.W */
		if (in->size < 8)
			in->imm &= (1ull << (8 * in->size)) - 1;
		break;
	}
	case 0x63: /* MOVSXD; without REX.W a 32-bit (or 16-bit) MOV */
		in->op = HV_OP_LOAD;
		in->size = osz == 8 ? 4 : osz;
		in->dst_size = osz;
		in->sign_extend = osz == 8;
		in->reg = (int)r;
		in->mnemonic = osz == 8 ? "movsxd" : "mov";
		break;
	default: return false;
	}
	return c->ok;
}

/* 0F B6/B7/BE/BF: MOVZX/MOVSX r, r/m8 or r/m16. */
static bool op_ext(struct cursor *c, struct hv_insn *in, u8 op2, u8 rex, unsigned osz)
{
	unsigned r;
	if ((op2 & 0xf6) != 0xb6 || !modrm(c, in, rex, &r))
		return false;
	in->op = HV_OP_LOAD;
	in->size = (op2 & 1) ? 2 : 1;
	in->dst_size = osz;
	in->sign_extend = op2 >= 0xbe;
	in->reg = (int)r;
	in->mnemonic = in->sign_extend ? "movsx" : "movzx";
	return true;
}

/* A0-A3: AL/rAX and an absolute offset (moffs) of the address size. */
static bool op_moffs(struct cursor *c, struct hv_insn *in, u8 op, unsigned osz)
{
	in->moffs = true;
	in->disp = (s64)take(c, in->addr32 ? 4 : 8);
	in->op = op < 0xa2 ? HV_OP_LOAD : HV_OP_STORE;
	in->size = (op & 1) ? osz : 1;
	in->dst_size = in->size;
	in->reg = 0; /* AL / rAX */
	return c->ok;
}

bool hv_insn_decode(const u8 *bytes, unsigned n, struct hv_insn *in)
{
	struct cursor c = {.b = bytes, .n = n < MAX_INSN ? n : MAX_INSN, .ok = true};
	bool opsz = false;
	*in = (struct hv_insn){.base = -1, .index = -1, .seg = -1, .mnemonic = "mov"};
	if (!prefixes(&c, in, &opsz))
		return false;
	u8 rex = 0;
	if (c.i < c.n && (c.b[c.i] & 0xf0) == 0x40)
		rex = c.b[c.i++];
	u8 op = (u8)take(&c, 1);
	unsigned osz = rex & REX_W ? 8 : opsz ? 2 : 4;
	bool ok;
	if (!c.ok)
		return false;
	if (op == 0x0f)
		ok = op_ext(&c, in, (u8)take(&c, 1), rex, osz);
	else if (op >= 0xa0 && op <= 0xa3)
		ok = op_moffs(&c, in, op, osz);
	else
		ok = op_modrm(&c, in, op, rex, osz);
	in->len = c.i;
	return ok && c.ok;
}

/* ---- emulation ---- */

enum { FETCH_FAULT = -1, FETCH_NO_WALK = -2 };

/* Up to 15 bytes at guest RIP through the guest's paging: the count fetched, FETCH_FAULT (a
 * #PF on the first byte, injected) or FETCH_NO_WALK (page tables outside guest RAM).  The bytes
 * of a first page may be enough to decode when the next one cannot be read. */
static int fetch(struct hv_vcpu *v, u64 rip, u8 *buf)
{
	unsigned n = 0;
	while (n < MAX_INSN) {
		u64 la = rip + n, gpa;
		u32 pfec;
		if (!hv_gla_to_gpa(v, la, HV_ACC_FETCH, false, &gpa, &pfec)) {
			if (n)
				return (int)n;
			if (pfec == ~0u)
				return FETCH_NO_WALK;
			hv_inject_pf(v, la, pfec);
			return FETCH_FAULT;
		}
		unsigned chunk = 4096 - (unsigned)(la & 4095);
		if (chunk > MAX_INSN - n)
			chunk = MAX_INSN - n;
		if (!hv_gpa_is_ram(v, gpa, chunk) ||
		    !vx_phys_copy_out(v->phys, gpa, buf + n, chunk))
			return (int)n;
		n += chunk;
	}
	return (int)n;
}

static u64 reg_read(struct hv_vcpu *v, int reg)
{
	if (reg >= 16)
		return (hv_gpr(v, (unsigned)(reg - 16)) >> 8) & 0xff; /* AH, CH, DH, BH */
	return hv_gpr(v, (unsigned)reg);
}

static void reg_write(struct hv_vcpu *v, int reg, unsigned size, u64 val)
{
	if (reg >= 16) {
		unsigned n = (unsigned)(reg - 16);
		hv_set_gpr(v, n, (hv_gpr(v, n) & ~0xff00ull) | ((val & 0xff) << 8));
		return;
	}
	u64 old = hv_gpr(v, (unsigned)reg);
	if (size == 1)
		val = (old & ~0xffull) | (val & 0xff);
	else if (size == 2)
		val = (old & ~0xffffull) | (val & 0xffff);
	else if (size == 4)
		val &= 0xffffffffull;
	hv_set_gpr(v, (unsigned)reg, val);
}

/* The linear address of the memory operand (Vol. 1 3.7.5 "Specifying an Offset"). */
static u64 operand_address(struct hv_vcpu *v, const struct hv_insn *in, u64 rip)
{
	u64 ea = (u64)in->disp;
	if (in->base == RIP_REL)
		ea += rip + in->len;
	else if (in->base >= 0)
		ea += hv_gpr(v, (unsigned)in->base);
	if (in->index >= 0)
		ea += hv_gpr(v, (unsigned)in->index) * in->scale;
	if (in->addr32)
		ea &= 0xffffffffull;
	if (in->seg == 4)
		ea += hv_vmread(v, VMCS_GUEST_FS_BASE);
	else if (in->seg == 5)
		ea += hv_vmread(v, VMCS_GUEST_GS_BASE);
	return ea;
}

static u64 extend(const struct hv_insn *in, u64 val)
{
	return in->sign_extend ? (u64)sext(val, in->size) : val;
}

static enum hv_ret check_operand(struct hv_vcpu *v, const struct hv_insn *in, u64 rip, u64 gpa)
{
	u64 la = operand_address(v, in, rip), mapped;
	u32 pfec;
	enum hv_access acc = in->op == HV_OP_STORE ? HV_ACC_WRITE : HV_ACC_READ;
	if (!hv_gla_to_gpa(v, la, acc, false, &mapped, &pfec) || mapped != gpa)
		return hv_fatal(v,
				"MMIO emulation failure at RIP 0x%llx: the operand 0x%llx does not "
				"translate to the exit's guest-physical address 0x%llx",
				(unsigned long long)rip, (unsigned long long)la,
				(unsigned long long)gpa);
	if ((gpa & 4095) + in->size > 4096)
		return hv_fatal(v,
				"MMIO emulation failure at RIP 0x%llx: a %u-byte access at 0x%llx "
				"crosses a page boundary",
				(unsigned long long)rip, in->size, (unsigned long long)gpa);
	return HV_RESUME;
}

static enum hv_ret undecodable(struct hv_vcpu *v, u64 rip, const u8 *b, unsigned n)
{
	char hex[3 * MAX_INSN + 1] = "";
	for (unsigned i = 0, k = 0; i < n && i < MAX_INSN; i++)
		k += (unsigned)snprintf(hex + k, sizeof(hex) - k, "%s%02x", i ? " " : "", b[i]);
	return hv_fatal(v,
			"MMIO emulation failure at RIP 0x%llx: instruction bytes %s are not an "
			"emulated MOV",
			(unsigned long long)rip, n ? hex : "(unreadable)");
}

enum hv_ret hv_emulate_mmio(struct hv_vcpu *v, u64 gpa)
{
	u64 rip = hv_vmread(v, VMCS_GUEST_RIP);
	u8 bytes[MAX_INSN];
	int n = fetch(v, rip, bytes);
	if (n == FETCH_FAULT)
		return HV_RESUME;
	if (n < 0)
		n = 0;
	struct hv_insn in;
	if (!hv_insn_decode(bytes, (unsigned)n, &in))
		return undecodable(v, rip, bytes, (unsigned)n);
	if (check_operand(v, &in, rip, gpa) != HV_RESUME)
		return HV_FATAL;
	if (in.op == HV_OP_LOAD) {
		reg_write(v, in.reg, in.dst_size, extend(&in, hv_gpa_read(v, gpa, in.size)));
	} else {
		u64 val = in.has_imm ? in.imm : reg_read(v, in.reg);
		hv_gpa_write(v, gpa, in.size,
			     val & (in.size == 8 ? ~0ull : (1ull << (8 * in.size)) - 1));
	}
	trace_emulate(v->trace, 0, v->lvl, rip, gpa, in.mnemonic, false);
	/* The VM-exit instruction length is not defined for EPT exits (27.2.4): the decoded
	 * length is used (KVM: EMULTYPE_SKIP when the hardware length is not trusted). */
	hv_skip_len(v, in.len);
	return HV_RESUME;
}
