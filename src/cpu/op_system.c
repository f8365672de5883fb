// SPDX-License-Identifier: MIT
/*
 * System instructions in 64-bit mode (SDM Vol. 2 pages of each instruction; Vol. 3A 2.5
 * "Control Registers", 2.7 "System Instruction Summary", 4.10.4 "Invalidation of TLBs and
 * Paging-Structure Caches", 5.8.8 "Fast System Calls in 64-Bit Mode", 17.2 "Debug
 * Registers"): MOV to/from CR0/CR2/CR3/CR4/CR8, DR0-DR7 and segment registers, PUSH/POP
 * FS/GS, LGDT/LIDT/SGDT/SIDT/LLDT/SLDT/LTR/STR, RDMSR/WRMSR (msr.c), CPUID (cpuid.c),
 * RDTSC/RDTSCP/RDPID/RDPMC, SWAPGS, SYSCALL/SYSRET, IRETQ (fault.c), HLT, CLI/STI, INVLPG,
 * XGETBV/XSETBV, WBINVD/INVD/CLTS/LMSW/SMSW, CLAC/STAC, RD/WR FS/GS BASE.
 *
 * Privileged instructions check CPL first: "#GP(0) If the current privilege level is not 0"
 * comes before every other check.  The VMX and SGX instructions raise #UD here until their
 * families exist (op_vmx.c / op_sgx.c take the mnemonics over).
 *
 * VMX non-root operation (src/vmx/intercept.h): SDM Vol. 3C 25.1.1 "Relative Priority of
 * Faults and VM Exits" puts #UD, the faults based on privilege level (CPL, CR4.TSD, CR4.PCE,
 * CR4.UMIP) and the faults of fetching an operand the exit depends on before the VM exits of
 * 25.1.2 and 25.1.3; the exit comes before every other fault ("RDMSR of a non-existent MSR
 * with CPL = 0 generates a VM exit").  MOV DR is the exception: its exit comes first.  25.3
 * "Changes to Instruction Behavior in VMX Non-Root Operation" applies when no exit occurs.
 */
#include <Zydis/Mnemonic.h>
#include <Zydis/Register.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "cpu/ops.h"
#include "cpu/profile.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"

#define RAX 0
#define RCX 1
#define RDX 2
#define R11 11

/* CR0 bits MOV to CR0 stores; "Attempting to set any reserved bits in CR0[31:0] is ignored"
 * (MOV—Move to/from Control Registers). */
#define CR0_DEFINED                                                                    \
	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | \
	 X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
/* 17.2.3 "Debug Status Register (DR6)": bits 4-11 and 16-31 read as 1, bit 12 as 0 (no RTM,
 * no bus-lock detection); 17.2.4 "Debug Control Register (DR7)": bit 10 reads as 1, bits 11,
 * 12, 14 and 15 as 0. */
#define DR6_FIXED1 0xffff0ff0ull
#define DR6_WRITABLE 0x0000e00full
#define DR6_BD BIT(13)
#define DR7_FIXED1 0x400ull
#define DR7_RESERVED0 0xd800ull
#define DR7_GD BIT(13)

static inline enum cpu_step priv(struct vx_cpu *c)
{
	return c->cpl ? fault_gp(c, 0) : STEP_RETIRED;
}

/* Writes EDX:EAX (each zero-extended, as every 32-bit register write in 64-bit mode). */
static void set_edx_eax(struct vx_cpu *c, u64 v)
{
	c->gpr[RAX] = (u32)v;
	c->gpr[RDX] = v >> 32;
}

static u64 edx_eax(const struct vx_cpu *c)
{
	return (c->gpr[RDX] << 32) | (u32)c->gpr[RAX];
}

/* CR4.UMIP (2.5): SGDT, SIDT, SLDT, SMSW and STR at CPL > 0 raise #GP(0). */
static bool umip_blocked(const struct vx_cpu *c)
{
	return (c->cr4 & X86_CR4_UMIP) && c->cpl > 0;
}

/* ==== control registers ==== */

/*
 * MOV to CR0 (MOV—Move to/from Control Registers, 64-bit mode exceptions; 2.5; 4.1.2
 * "Paging-Mode Enabling"): bits 63:32 set -> #GP(0); PG = 1 with PE = 0 -> #GP(0); NW = 1
 * with CD = 0 -> #GP(0); clearing PG while IA-32e mode is active -> #GP(0); setting PG with
 * EFER.LME = 1 and CR4.PAE = 0 -> #GP(0).  ET is hardwired to 1.
 */
static enum cpu_step write_cr0(struct vx_cpu *c, u64 v)
{
	u64 old = c->cr0;
	if (v >> 32)
		return fault_gp(c, 0);
	v = (v & CR0_DEFINED) | X86_CR0_ET;
	if ((v & X86_CR0_PG) && !(v & X86_CR0_PE))
		return fault_gp(c, 0);
	if ((v & X86_CR0_NW) && !(v & X86_CR0_CD))
		return fault_gp(c, 0);
	bool pg_on = !(old & X86_CR0_PG) && (v & X86_CR0_PG);
	bool pg_off = (old & X86_CR0_PG) && !(v & X86_CR0_PG);
	if (pg_off && (c->msr.efer & X86_EFER_LMA))
		return fault_gp(c, 0);
	if (pg_on && (c->msr.efer & X86_EFER_LME) && !(c->cr4 & X86_CR4_PAE))
		return fault_gp(c, 0);
	c->cr0 = v;
	/* 4.1.2: "IA32_EFER.LMA is set when CR0.PG is set with IA32_EFER.LME = 1". */
	if (pg_on && (c->msr.efer & X86_EFER_LME))
		c->msr.efer |= X86_EFER_LMA;
	/* 4.10.4.1: a change of PG invalidates all TLB entries; the model's TLB also holds
	 * rights computed with WP, so a WP change flushes too. */
	if ((old ^ v) & (X86_CR0_PG | X86_CR0_WP))
		tlb_flush_all(c);
	return STEP_RETIRED;
}

/*
 * MOV to CR3: "Attempting to set any reserved bits in CR3[63:MAXPHYADDR] results in #GP(0)"
 * (CR4.PCIDE = 0 here: bit 63 is one of them).  Bits 11:0 are kept as written (PWT, PCD and
 * ignored bits).  4.10.4.1: the write invalidates all non-global TLB entries.
 */
static enum cpu_step write_cr3(struct vx_cpu *c, u64 v)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	if (v & GENMASK(63, p->maxphyaddr))
		return fault_gp(c, 0);
	c->cr3 = v;
	tlb_flush_nonglobal(c);
	return STEP_RETIRED;
}

/*
 * MOV to CR4: a bit the profile does not support is reserved -> #GP(0); clearing PAE while
 * IA-32e mode is active -> #GP(0) ("If an attempt is made to leave IA-32e mode by clearing
 * CR4.PAE[bit 5]").  4.10.4.1: changing PGE invalidates all TLB entries including global
 * ones; PAE, PSE, SMEP and SMAP changes flush all too (the TLB holds rights computed with
 * them).
 */
static enum cpu_step write_cr4(struct vx_cpu *c, u64 v)
{
	u64 old = c->cr4;
	if (v & ~cpu_profile_cr4_valid(cpu_profile_of(c)))
		return fault_gp(c, 0);
	if ((c->msr.efer & X86_EFER_LMA) && !(v & X86_CR4_PAE))
		return fault_gp(c, 0);
	c->cr4 = v;
	u64 flush = X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE | X86_CR4_SMEP | X86_CR4_SMAP;
	if ((old ^ v) & flush)
		tlb_flush_all(c);
	return STEP_RETIRED;
}

/* MOV to CR8: "If an attempt is made to write a 1 to any reserved bit in CR8" -> #GP(0);
 * CR8[3:0] is the task-priority class (10.8.6.1 "Interaction of Task Priorities between CR8
 * and APIC"), bits 63:4 reserved. */
static enum cpu_step write_cr8(struct vx_cpu *c, u64 v)
{
	if (v & ~0xfull)
		return fault_gp(c, 0);
	c->cr8 = v;
	return STEP_RETIRED;
}

static enum cpu_step mov_to_cr(struct vx_cpu *c, unsigned n, u64 v)
{
	switch (n) {
	case 0: return write_cr0(c, v);
	case 2: c->cr2 = v; return STEP_RETIRED;
	case 3: return write_cr3(c, v);
	case 4: return write_cr4(c, v);
	case 8: return write_cr8(c, v);
	default: return fault_ud(c); /* CR1, CR5-CR7, CR9-CR15: #UD */
	}
}

static bool read_cr(const struct vx_cpu *c, unsigned n, u64 *v)
{
	switch (n) {
	case 0: *v = c->cr0 | X86_CR0_ET; return true;
	case 2: *v = c->cr2; return true;
	case 3: *v = c->cr3; return true;
	case 4: *v = c->cr4; return true;
	case 8: *v = c->cr8; return true;
	default: return false;
	}
}

/* ==== debug registers ==== */

static u64 read_dr(const struct vx_cpu *c, unsigned n)
{
	if (n == 6)
		return (c->dr[6] & DR6_WRITABLE) | DR6_FIXED1;
	if (n == 7)
		return ((c->dr[7] & 0xffffffffull) & ~DR7_RESERVED0) | DR7_FIXED1;
	return c->dr[n];
}

/*
 * MOV—Move to/from Debug Registers: #GP(0) at CPL > 0; DR4/DR5 are DR6/DR7 when CR4.DE = 0
 * and #UD when CR4.DE = 1 (17.2.2 "Debug Registers DR4 and DR5"); "#DB If any debug
 * register is accessed while the DR7.GD[bit 13] = 1": a fault with DR6.BD set, GD cleared
 * (17.2.4, 17.3.1.2 "General-Detect Exception Condition"); writing 1 to bits 63:32 of DR6 or
 * DR7 -> #GP(0).
 */
static enum cpu_step dr_access(struct vx_cpu *c, unsigned *n)
{
	if (c->cpl)
		return fault_gp(c, 0);
	if (*n == 4 || *n == 5) {
		if (c->cr4 & X86_CR4_DE)
			return fault_ud(c);
		*n += 2;
	}
	if (c->dr[7] & DR7_GD) {
		c->dr[6] |= DR6_BD;
		c->dr[7] &= ~DR7_GD;
		return fault_raise(c, X86_VEC_DB, false, 0);
	}
	return STEP_RETIRED;
}

static enum cpu_step mov_to_dr(struct vx_cpu *c, unsigned n, u64 v)
{
	enum cpu_step r = dr_access(c, &n);
	if (r != STEP_RETIRED)
		return r;
	if (n >= 6 && (v >> 32))
		return fault_gp(c, 0);
	c->dr[n] = n == 6   ? (v & DR6_WRITABLE) | DR6_FIXED1
		   : n == 7 ? (v & ~DR7_RESERVED0) | DR7_FIXED1
			    : v;
	return STEP_RETIRED;
}

/* ==== segment registers and descriptors ==== */

static int sreg_of(u16 zreg)
{
	if (zreg >= ZYDIS_REGISTER_ES && zreg <= ZYDIS_REGISTER_GS)
		return SEG_ES + (zreg - ZYDIS_REGISTER_ES);
	return -1;
}

static u32 sel_err(u16 sel)
{
	return sel & 0xfffcu;
}

/*
 * Reads the descriptor a selector names in the GDT or, with TI = 1, in the LDT (3.4.2
 * "Segment Selectors", 3.5.1 "Segment Descriptor Tables").  `size` is 8 for code/data and 16
 * for 64-bit system descriptors (7.2.3 "TSS Descriptor in 64-bit mode"): the whole
 * descriptor must be inside the table's limit.  False with *fault when the table read
 * faulted (#PF in c->event); false alone when the selector is outside the table.
 */
static bool desc_read(struct vx_cpu *c, u16 sel, unsigned size, u64 desc[2], bool *fault)
{
	u64 base;
	u32 limit;
	*fault = false;
	if (sel & 4) {
		if (c->seg[SEG_LDTR].ar & BIT(16))
			return false; /* null LDT */
		base = c->seg[SEG_LDTR].base;
		limit = c->seg[SEG_LDTR].limit;
	} else {
		base = c->gdtr.base;
		limit = c->gdtr.limit;
	}
	u32 idx = sel & ~7u;
	if ((u64)idx + size - 1 > limit)
		return false;
	desc[1] = 0;
	for (unsigned k = 0; k < size / 8; k++) {
		if (mem_read(c, base + idx + 8 * k, 8, &desc[k], ACC_IMPLICIT) != STEP_RETIRED) {
			*fault = true;
			return false;
		}
	}
	return true;
}

/* Linear address of a descriptor's access byte (type in bits 3:0, S bit 4, DPL, P). */
static u64 desc_type_addr(const struct vx_cpu *c, u16 sel)
{
	u64 base = (sel & 4) ? c->seg[SEG_LDTR].base : c->gdtr.base;
	return base + (sel & ~7u) + 5;
}

/* 3.4.5.1 "Code- and Data-Segment Descriptor Types": loading a segment register sets the
 * descriptor's accessed bit (type bit 0) in memory if it is clear. */
static enum cpu_step set_accessed(struct vx_cpu *c, u16 sel, u64 desc[2])
{
	if (desc[0] & BIT(40))
		return STEP_RETIRED;
	u64 a = desc_type_addr(c, sel);
	u64 byte = (desc[0] >> 40) & 0xff;
	enum cpu_step r = mem_write(c, a, 1, byte | 1, ACC_IMPLICIT);
	if (r == STEP_RETIRED)
		desc[0] |= BIT(40);
	return r;
}

enum { AR_TYPE = 0xf, AR_S = BIT(4), AR_P = BIT(7) };

static unsigned ar_dpl(u32 ar)
{
	return (ar >> 5) & 3;
}

/*
 * MOV SS / the SS checks of the MOV page in 64-bit mode: a null selector is allowed only at
 * CPL < 3 with RPL = CPL (#GP(0) otherwise); else RPL = CPL, DPL = CPL and a writable data
 * segment (#GP(selector)), present (#SS(selector)).
 */
static enum cpu_step load_ss(struct vx_cpu *c, u16 sel)
{
	unsigned rpl = sel & 3;
	u64 desc[2];
	bool fault;
	if ((sel & 0xfffc) == 0) {
		if (c->cpl == 3 || rpl != c->cpl)
			return fault_gp(c, 0);
		seg_set(c, SEG_SS, sel, NULL);
		c->seg[SEG_SS].ar |= (u32)c->cpl << 5; /* SS.DPL stays the CPL */
		return STEP_RETIRED;
	}
	if (!desc_read(c, sel, 8, desc, &fault))
		return fault ? STEP_FAULT : fault_gp(c, sel_err(sel));
	u32 ar = seg_desc_ar(desc);
	bool writable_data = (ar & AR_S) && (ar & 0xa) == 0x2;
	if (rpl != c->cpl || ar_dpl(ar) != c->cpl || !writable_data)
		return fault_gp(c, sel_err(sel));
	if (!(ar & AR_P))
		return fault_raise(c, X86_VEC_SS, true, sel_err(sel));
	enum cpu_step r = set_accessed(c, sel, desc);
	if (r != STEP_RETIRED)
		return r;
	seg_set(c, SEG_SS, sel, desc);
	return STEP_RETIRED;
}

/*
 * DS, ES, FS, GS (MOV page): a null selector loads a null segment (Intel processors clear
 * the base; the register becomes unusable); else the descriptor must be data or readable
 * code (#GP(selector)), for data and non-conforming code RPL <= DPL and CPL <= DPL
 * (#GP(selector)), present (#NP(selector)).  In 64-bit mode the FS/GS base comes from the
 * descriptor's 32-bit base.
 */
static enum cpu_step load_data_seg(struct vx_cpu *c, unsigned s, u16 sel)
{
	u64 desc[2];
	bool fault;
	if ((sel & 0xfffc) == 0) {
		seg_set(c, s, sel, NULL);
		return STEP_RETIRED;
	}
	if (!desc_read(c, sel, 8, desc, &fault))
		return fault ? STEP_FAULT : fault_gp(c, sel_err(sel));
	u32 ar = seg_desc_ar(desc);
	bool code = ar & 0x8, readable = ar & 0x2, conforming = code && (ar & 0x4);
	if (!(ar & AR_S) || (code && !readable))
		return fault_gp(c, sel_err(sel));
	if (!conforming && ((sel & 3u) > ar_dpl(ar) || c->cpl > ar_dpl(ar)))
		return fault_gp(c, sel_err(sel));
	if (!(ar & AR_P))
		return fault_raise(c, X86_VEC_NP, true, sel_err(sel));
	enum cpu_step r = set_accessed(c, sel, desc);
	if (r != STEP_RETIRED)
		return r;
	seg_set(c, s, sel, desc);
	return STEP_RETIRED;
}

static enum cpu_step load_sreg(struct vx_cpu *c, unsigned s, u16 sel)
{
	if (s == SEG_CS)
		return fault_ud(c); /* MOV CS: "#UD If attempt is made to load the CS register" */
	if (s == SEG_SS) {
		enum cpu_step r = load_ss(c, sel);
		/* 6.8.3 "Masking Exceptions and Interrupts When Switching Stacks": interrupts
		 * are inhibited until the instruction after MOV SS completes. */
		if (r == STEP_RETIRED)
			c->shadow = VMX_INTR_BLOCKING_BY_MOV_SS;
		return r;
	}
	return load_data_seg(c, s, sel);
}

/* MOV Sreg, r/m16 and MOV r/m, Sreg: to a 32/64-bit register the selector is
 * zero-extended; to memory 16 bits are written ("MOV r64/m16, Sreg"). */
static enum cpu_step mov_sreg(struct vx_cpu *c, const struct insn *i, bool to_sreg)
{
	int s = sreg_of(i->op[to_sreg ? 0 : 1].special);
	if (s < 0)
		return fault_ud(c);
	if (!to_sreg)
		return op_put(c, i, 0, c->seg[s].sel);
	u64 v;
	enum cpu_step r = op_get(c, i, 1, &v, 0);
	return r == STEP_RETIRED ? load_sreg(c, (unsigned)s, (u16)v) : r;
}

/*
 * MOV to/from CR in VMX non-root operation, after the CPL check: #UD for a register that does
 * not exist, then the VM exit (25.1.3 "MOV from CR3", "MOV from CR8", "MOV to CR0", "MOV to
 * CR3", "MOV to CR4", "MOV to CR8"; exit qualification Table 27-3), then 25.3: CR0 and CR4
 * read through the guest/host mask and read shadow; a write keeps the host-owned bits and
 * must honour the VMX-fixed bits (#GP(0)).
 */
static enum cpu_step nonroot_mov_cr(struct vx_cpu *c, const struct insn *i, unsigned n, bool to)
{
	unsigned gpr = i->op[to ? 1 : 0].reg & 15;
	u64 v;
	if (!read_cr(c, n, &v))
		return fault_ud(c);
	if (!to) {
		if (vmx_exits_cr_read(c, n))
			return vmexit_insn(c, i, VMX_EXIT_CR_ACCESS,
					   vmx_qual_cr(n, VMX_CR_MOV_FROM, gpr), 0);
		reg_set(c, gpr, 8, (n == 0 || n == 4) ? vmx_cr_read_shadowed(c, n, v) : v);
		return STEP_RETIRED;
	}
	v = c->gpr[gpr];
	if (vmx_exits_cr_write(c, n, v))
		return vmexit_insn(c, i, VMX_EXIT_CR_ACCESS, vmx_qual_cr(n, VMX_CR_MOV_TO, gpr), 0);
	if (n == 0 || n == 4) {
		v = vmx_cr_guest_write(c, n, v);
		if (!vmx_cr_fixed_ok(c, n, v))
			return fault_gp(c, 0);
	}
	return mov_to_cr(c, n, v);
}

enum cpu_step op_mov_special(struct vx_cpu *c, const struct insn *i)
{
	bool to = i->op[0].kind == OPK_SPECIAL;
	u16 z = i->op[to ? 0 : 1].special;
	u64 v;
	if (z >= ZYDIS_REGISTER_CR0 && z <= ZYDIS_REGISTER_CR15) {
		unsigned n = z - ZYDIS_REGISTER_CR0;
		enum cpu_step r = priv(c);
		if (r != STEP_RETIRED)
			return r;
		if (c->vmx.non_root)
			return nonroot_mov_cr(c, i, n, to);
		if (to)
			return mov_to_cr(c, n, reg_get(c, i->op[1].reg, 8));
		if (!read_cr(c, n, &v))
			return fault_ud(c);
		reg_set(c, i->op[0].reg, 8, v);
		return STEP_RETIRED;
	}
	if (z >= ZYDIS_REGISTER_DR0 && z <= ZYDIS_REGISTER_DR7) {
		unsigned n = z - ZYDIS_REGISTER_DR0;
		/* 25.1.3 "MOV DR": the VM exit takes priority over the CPL #GP and the #UD of
		 * DR4/DR5 with CR4.DE = 1 (and, as a fault-like exit, over the general-detect #DB);
		 * Table 27-4 reports the register number as encoded. */
		if (c->vmx.non_root && vmx_exits_mov_dr(c))
			return vmexit_insn(c, i, VMX_EXIT_DR_ACCESS,
					   vmx_qual_dr(n, !to, i->op[to ? 1 : 0].reg & 15), 0);
		if (to)
			return mov_to_dr(c, n, reg_get(c, i->op[1].reg, 8));
		enum cpu_step r = dr_access(c, &n);
		if (r == STEP_RETIRED)
			reg_set(c, i->op[0].reg, 8, read_dr(c, n));
		return r;
	}
	return mov_sreg(c, i, to);
}

/* PUSH FS / PUSH GS: the selector zero-extended to the operand size (8, or 2 with 66H). */
enum cpu_step op_push_sreg(struct vx_cpu *c, const struct insn *i)
{
	int s = sreg_of(i->op[0].special);
	unsigned size = i->opsize == 2 ? 2 : 8;
	if (s != SEG_FS && s != SEG_GS)
		return fault_ud(c); /* PUSH CS/SS/DS/ES: invalid in 64-bit mode */
	u64 rsp = c->gpr[4] - size;
	enum cpu_step r = mem_write(c, rsp, size, c->seg[s].sel, ACC_STACK);
	if (r == STEP_RETIRED)
		c->gpr[4] = rsp;
	return r;
}

/* POP FS / POP GS: load checks as MOV; RSP moves only when the load succeeds. */
enum cpu_step op_pop_sreg(struct vx_cpu *c, const struct insn *i)
{
	int s = sreg_of(i->op[0].special);
	unsigned size = i->opsize == 2 ? 2 : 8;
	u64 v;
	if (s != SEG_FS && s != SEG_GS)
		return fault_ud(c); /* POP SS/DS/ES: invalid in 64-bit mode */
	enum cpu_step r = mem_read(c, c->gpr[4], size, &v, ACC_STACK);
	if (r == STEP_RETIRED)
		r = load_data_seg(c, (unsigned)s, (u16)v);
	if (r == STEP_RETIRED)
		c->gpr[4] += size;
	return r;
}

/* ==== descriptor-table registers ==== */

/*
 * 25.1.3 "LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR": VM exits if "descriptor-table
 * exiting" is 1, after the CPL (UMIP) #GP and before the operand is accessed (the exit does not
 * depend on it).  Exit reason 46 (GDTR/IDTR) or 47 (LDTR/TR), qualification the displacement
 * (27.2.1), instruction information Table 27-10 or 27-11.  False outside non-root operation.
 */
static bool dt_exits(const struct vx_cpu *c)
{
	return c->vmx.non_root && vmx_exits_simple(c, VMX_X_DTABLE);
}

static enum cpu_step dt_exit(struct vx_cpu *c, const struct insn *i, u32 reason, u32 info)
{
	return vmexit_insn(c, i, reason, vmx_qual_disp(c, &i->op[0]), info);
}

static enum vmx_dt_id gdt_id(const struct insn *i)
{
	switch (i->mnemonic) {
	case ZYDIS_MNEMONIC_SGDT: return VMX_DT_SGDT;
	case ZYDIS_MNEMONIC_SIDT: return VMX_DT_SIDT;
	case ZYDIS_MNEMONIC_LGDT: return VMX_DT_LGDT;
	default: return VMX_DT_LIDT;
	}
}

/* LGDT/LIDT m16&64: limit then base; a non-canonical base -> #GP(0) (64-bit mode). */
static enum cpu_step op_lgdt_lidt(struct vx_cpu *c, const struct insn *i)
{
	u64 la = op_la(c, i, &i->op[0]), limit, base;
	enum cpu_step r = priv(c);
	if (r == STEP_RETIRED && dt_exits(c))
		return dt_exit(c, i, VMX_EXIT_GDTR_IDTR, vmx_info_gdt(i, gdt_id(i)));
	if (r == STEP_RETIRED)
		r = mem_read(c, la, 2, &limit, op_acc(&i->op[0]));
	if (r == STEP_RETIRED)
		r = mem_read(c, la + 2, 8, &base, op_acc(&i->op[0]));
	if (r != STEP_RETIRED)
		return r;
	if (!is_canonical(base))
		return fault_gp(c, 0);
	struct dtr *t = i->mnemonic == ZYDIS_MNEMONIC_LGDT ? &c->gdtr : &c->idtr;
	t->base = base;
	t->limit = (u32)limit;
	return STEP_RETIRED;
}

/* SGDT/SIDT m16&64 (UMIP at CPL > 0: #GP(0)); both ends of the 10 bytes are checked for
 * write access before either part is written. */
static enum cpu_step op_sgdt_sidt(struct vx_cpu *c, const struct insn *i)
{
	if (umip_blocked(c))
		return fault_gp(c, 0);
	if (dt_exits(c))
		return dt_exit(c, i, VMX_EXIT_GDTR_IDTR, vmx_info_gdt(i, gdt_id(i)));
	const struct dtr *t = i->mnemonic == ZYDIS_MNEMONIC_SGDT ? &c->gdtr : &c->idtr;
	u64 la = op_la(c, i, &i->op[0]), pa;
	u64 next_page = (la + 9) & ~0xfffull; /* a fault there reports the page's first byte */
	unsigned acc = op_acc(&i->op[0]);
	enum cpu_step r = mmu_translate_step(c, la, ACC_WRITE | acc, &pa);
	if (r == STEP_RETIRED)
		r = mmu_translate_step(c, next_page > la ? next_page : la + 9, ACC_WRITE | acc,
				       &pa);
	if (r != STEP_RETIRED)
		return r;
	r = mem_write(c, la, 2, t->limit & 0xffff, acc);
	if (r == STEP_RETIRED)
		r = mem_write(c, la + 2, 8, t->base, acc);
	return r;
}

/* The checks LLDT and LTR share for a 16-byte system descriptor in 64-bit mode: TI = 0,
 * inside the GDT, S = 0 with the expected type, upper type field (bits 12:8 of the second
 * quadword) 0, canonical base: else #GP(selector); present: else #NP(selector). */
static enum cpu_step sysdesc_check(struct vx_cpu *c, u16 sel, unsigned type, u64 desc[2])
{
	bool fault;
	if (sel & 4)
		return fault_gp(c, sel_err(sel));
	if (!desc_read(c, sel, 16, desc, &fault))
		return fault ? STEP_FAULT : fault_gp(c, sel_err(sel));
	u32 ar = seg_desc_ar(desc);
	u64 base = ((desc[0] >> 16) & 0xffffff) | (((desc[0] >> 56) & 0xff) << 24) |
		   ((desc[1] & 0xffffffff) << 32);
	if ((ar & AR_S) || (ar & AR_TYPE) != type || (desc[1] & GENMASK(12, 8)) ||
	    !is_canonical(base))
		return fault_gp(c, sel_err(sel));
	if (!(ar & AR_P))
		return fault_raise(c, X86_VEC_NP, true, sel_err(sel));
	return STEP_RETIRED;
}

static enum cpu_step read_selector(struct vx_cpu *c, const struct insn *i, enum vmx_lt_id id,
				   u16 *sel)
{
	u64 v = 0;
	enum cpu_step r = priv(c);
	if (r == STEP_RETIRED && dt_exits(c))
		return dt_exit(c, i, VMX_EXIT_LDTR_TR, vmx_info_ldt(i, id));
	if (r == STEP_RETIRED)
		r = op_get(c, i, 0, &v, 0);
	*sel = (u16)v;
	return r;
}

/* LLDT r/m16: a null selector (bits 15:2 zero) marks LDTR unusable; else an LDT descriptor
 * (type 2). */
static enum cpu_step op_lldt(struct vx_cpu *c, const struct insn *i)
{
	u16 sel = 0;
	u64 desc[2];
	enum cpu_step r = read_selector(c, i, VMX_LT_LLDT, &sel);
	if (r != STEP_RETIRED)
		return r;
	if ((sel & 0xfffc) == 0) {
		seg_set(c, SEG_LDTR, sel, NULL);
		return STEP_RETIRED;
	}
	if ((r = sysdesc_check(c, sel, 0x2, desc)) != STEP_RETIRED)
		return r;
	seg_set(c, SEG_LDTR, sel, desc);
	return STEP_RETIRED;
}

/* LTR r/m16: null -> #GP(0); an available 64-bit TSS (type 9); the descriptor is marked busy
 * (type 11) in the GDT and in TR. */
static enum cpu_step op_ltr(struct vx_cpu *c, const struct insn *i)
{
	u16 sel = 0;
	u64 desc[2];
	enum cpu_step r = read_selector(c, i, VMX_LT_LTR, &sel);
	if (r != STEP_RETIRED)
		return r;
	if ((sel & 0xfffc) == 0)
		return fault_gp(c, 0);
	if ((r = sysdesc_check(c, sel, 0x9, desc)) != STEP_RETIRED)
		return r;
	u64 byte = ((desc[0] >> 40) & 0xff) | 0x2;
	if ((r = mem_write(c, desc_type_addr(c, sel), 1, byte, ACC_IMPLICIT)) != STEP_RETIRED)
		return r;
	desc[0] |= BIT(41);
	seg_set(c, SEG_TR, sel, desc);
	return STEP_RETIRED;
}

/* SLDT/STR r/m: the selector, zero-extended in a 32/64-bit register, 16 bits in memory. */
static enum cpu_step op_sldt_str(struct vx_cpu *c, const struct insn *i)
{
	bool sldt = i->mnemonic == ZYDIS_MNEMONIC_SLDT;
	if (umip_blocked(c))
		return fault_gp(c, 0);
	if (dt_exits(c))
		return dt_exit(c, i, VMX_EXIT_LDTR_TR,
			       vmx_info_ldt(i, sldt ? VMX_LT_SLDT : VMX_LT_STR));
	unsigned s = sldt ? SEG_LDTR : SEG_TR;
	return op_put(c, i, 0, c->seg[s].sel);
}

/* ==== MSRs, CPUID, time-stamp counter ==== */

/*
 * RDMSR in VMX non-root operation, after the CPL check: the VM exit of 25.1.3 "RDMSR" (MSR
 * bitmaps) before the MSR's own #GP; 25.3 "RDMSR": with "use TSC offsetting" the value read
 * from IA32_TIME_STAMP_COUNTER is the TSC plus the TSC offset.
 */
static enum cpu_step nonroot_rdmsr(struct vx_cpu *c, const struct insn *i, u32 index)
{
	u64 v;
	if (vmx_msr_exits(c, index, false))
		return vmexit_insn(c, i, VMX_EXIT_MSR_READ, 0, 0);
	if (!msr_read(c, index, &v))
		return fault_gp(c, 0);
	set_edx_eax(c, index == MSR_IA32_TIME_STAMP_COUNTER ? vmx_guest_tsc(c, v) : v);
	return STEP_RETIRED;
}

static enum cpu_step op_rdmsr(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	u32 index = (u32)c->gpr[RCX];
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	if (c->vmx.non_root)
		return nonroot_rdmsr(c, i, index);
	if (!msr_read(c, index, &v))
		return fault_gp(c, 0);
	set_edx_eax(c, v);
	return STEP_RETIRED;
}

/* WRMSR: in VMX non-root operation the VM exit of 25.1.3 "WRMSR" (MSR bitmaps) comes after the
 * CPL check and before the MSR's own #GP. */
static enum cpu_step op_wrmsr(struct vx_cpu *c, const struct insn *i)
{
	u32 index = (u32)c->gpr[RCX];
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	if (c->vmx.non_root && vmx_msr_exits(c, index, true))
		return vmexit_insn(c, i, VMX_EXIT_MSR_WRITE, 0, 0);
	return msr_write(c, index, edx_eax(c)) ? STEP_RETIRED : fault_gp(c, 0);
}

/* CPUID: EAX = leaf, ECX = sub-leaf; the four outputs zero-extended into RAX..RDX.  25.1.2: a
 * VM exit in VMX non-root operation, unconditionally. */
static enum cpu_step op_cpuid(struct vx_cpu *c, const struct insn *i)
{
	u32 r[4];
	if (c->vmx.non_root)
		return vmexit_insn(c, i, VMX_EXIT_CPUID, 0, 0);
	cpuid_exec(c, (u32)c->gpr[RAX], (u32)c->gpr[RCX], r);
	c->gpr[RAX] = r[CPUID_EAX];
	c->gpr[3] = r[CPUID_EBX];
	c->gpr[RCX] = r[CPUID_ECX];
	c->gpr[RDX] = r[CPUID_EDX];
	return STEP_RETIRED;
}

static bool tsd_blocked(const struct vx_cpu *c)
{
	return (c->cr4 & X86_CR4_TSD) && c->cpl > 0;
}

/* RDTSC: "#GP(0) If the TSD flag in register CR4 is set and the CPL is greater than 0" (a
 * fault based on privilege level: before the VM exit of 25.1.3 "RDTSC"); without the exit,
 * 25.3 "RDTSC" adds the TSC offset when "use TSC offsetting" is 1. */
static enum cpu_step op_rdtsc(struct vx_cpu *c, const struct insn *i)
{
	if (tsd_blocked(c))
		return fault_gp(c, 0);
	u64 tsc = cpu_tsc(c);
	if (c->vmx.non_root) {
		if (vmx_exits_simple(c, VMX_X_RDTSC))
			return vmexit_insn(c, i, VMX_EXIT_RDTSC, 0, 0);
		tsc = vmx_guest_tsc(c, tsc);
	}
	set_edx_eax(c, tsc);
	return STEP_RETIRED;
}

static enum cpu_step rdtscp_done(struct vx_cpu *c, u64 tsc)
{
	set_edx_eax(c, tsc);
	c->gpr[RCX] = (u32)c->msr.tsc_aux;
	return STEP_RETIRED;
}

/* RDTSCP in VMX non-root operation (25.3 "RDTSCP"): #UD when "enable RDTSCP" is 0, ahead of
 * every other exception; the TSD #GP; the VM exit (reason 51) when "RDTSC exiting" is 1
 * (25.1.3); else the TSC plus the offset with "use TSC offsetting". */
static enum cpu_step nonroot_rdtscp(struct vx_cpu *c, const struct insn *i)
{
	if (!vmx_rdtscp_enabled(c))
		return fault_ud(c);
	if (tsd_blocked(c))
		return fault_gp(c, 0);
	if (vmx_exits_simple(c, VMX_X_RDTSC))
		return vmexit_insn(c, i, VMX_EXIT_RDTSCP, 0, 0);
	return rdtscp_done(c, vmx_guest_tsc(c, cpu_tsc(c)));
}

/* RDTSCP: #UD without CPUID.80000001H:EDX[27]; TSD as RDTSC; ECX = IA32_TSC_AUX[31:0]. */
static enum cpu_step op_rdtscp(struct vx_cpu *c, const struct insn *i)
{
	if (!cpu_profile_of(c)->has_rdtscp)
		return fault_ud(c);
	if (c->vmx.non_root)
		return nonroot_rdtscp(c, i);
	if (tsd_blocked(c))
		return fault_gp(c, 0);
	return rdtscp_done(c, cpu_tsc(c));
}

/* RDPID r64: #UD without CPUID.(07H,0):ECX[22]; the register gets IA32_TSC_AUX. */
static enum cpu_step op_rdpid(struct vx_cpu *c, const struct insn *i)
{
	if (!cpu_profile_of(c)->has_rdpid)
		return fault_ud(c);
	reg_set(c, i->op[0].reg, 8, c->msr.tsc_aux);
	return STEP_RETIRED;
}

/* RDPMC: "#GP(0) If the current privilege level is not 0 and the PCE flag in the CR4
 * register is clear. If an invalid performance counter index is specified."  The profiles
 * enumerate no counters (CPUID leaf 0AH is all zeros), so every index is invalid.  The first
 * #GP is based on privilege level and comes before the VM exit of 25.1.3 "RDPMC"; the second
 * comes after it. */
static enum cpu_step op_rdpmc(struct vx_cpu *c, const struct insn *i)
{
	if (c->cpl > 0 && !(c->cr4 & X86_CR4_PCE))
		return fault_gp(c, 0);
	if (c->vmx.non_root && vmx_exits_simple(c, VMX_X_RDPMC))
		return vmexit_insn(c, i, VMX_EXIT_RDPMC, 0, 0);
	return fault_gp(c, 0);
}

/* ==== SWAPGS, SYSCALL, SYSRET, IRET ==== */

/* SWAPGS: #GP(0) at CPL > 0; exchanges GS.base and IA32_KERNEL_GS_BASE. */
static enum cpu_step op_swapgs(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	u64 t = c->seg[SEG_GS].base;
	c->seg[SEG_GS].base = c->msr.kernel_gs_base;
	c->msr.kernel_gs_base = t;
	return STEP_RETIRED;
}

/* The fixed descriptor caches SYSCALL/SYSRET load (SYSCALL/SYSRET Operation sections):
 * base 0, limit FFFFFH with G = 1, code type 11 (execute/read, accessed) L = 1, or data
 * type 3 (read/write, accessed) B = 1. */
static void set_flat(struct vx_cpu *c, unsigned s, u16 sel, unsigned dpl, bool code)
{
	u32 ar = (code ? 0xb | BIT(13) : 0x3 | BIT(14)) | AR_S | AR_P | BIT(15);
	c->seg[s] = (struct seg){.sel = sel, .ar = ar | (dpl << 5), .limit = 0xffffffffu};
}

/*
 * SYSCALL (64-bit mode): #UD if IA32_EFER.SCE = 0; RCX <- next RIP, RIP <- IA32_LSTAR,
 * R11 <- RFLAGS, RFLAGS <- RFLAGS AND NOT IA32_FMASK (RF cleared: "None of the bits in RFLAGS
 * are automatically cleared (except for RF)"); CS = STAR[47:32] AND FFFCH, SS = STAR[47:32]
 * + 8, CPL 0.
 */
static enum cpu_step op_syscall(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->msr.efer & X86_EFER_SCE))
		return fault_ud(c);
	u64 f = cpu_rflags(c);
	u16 cs = (u16)(c->msr.star >> 32) & 0xfffc;
	c->gpr[RCX] = c->rip;
	c->gpr[R11] = f;
	c->rip = c->msr.lstar;
	cpu_set_rflags(c, f & ~(c->msr.sfmask | RFLAGS_RF));
	set_flat(c, SEG_CS, cs, 0, true);
	set_flat(c, SEG_SS, (u16)(cs + 8), 0, false);
	c->cpl = 0;
	return STEP_RETIRED;
}

static void report_unsupported(struct vx_cpu *c, const struct insn *i)
{
	if (c->hooks && c->hooks->unsupported)
		c->hooks->unsupported(c, c->insn_rip, i->mnemonic);
}

/*
 * SYSRET with REX.W (return to 64-bit mode): #UD if SCE = 0; #GP(0) at CPL > 0; #GP(0) if
 * RCX is not canonical (checked at CPL 0, before any state changes); RIP <- RCX, RFLAGS <-
 * (R11 AND 3C7FD7H) OR 2; CS = STAR[63:48] + 16 OR 3, SS = STAR[63:48] + 8 OR 3, CPL 3.
 * SYSRET without REX.W returns to compatibility mode, which the model does not execute:
 * reported as unsupported, #UD.
 */
static enum cpu_step op_sysret(struct vx_cpu *c, const struct insn *i)
{
	if (!(c->msr.efer & X86_EFER_SCE))
		return fault_ud(c);
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	if (i->opsize != 8) {
		report_unsupported(c, i);
		return fault_ud(c);
	}
	if (!is_canonical(c->gpr[RCX]))
		return fault_gp(c, 0);
	u16 base = (u16)(c->msr.star >> 48);
	c->rip = c->gpr[RCX];
	cpu_set_rflags(c, (c->gpr[R11] & 0x3c7fd7) | RFLAGS_FIXED);
	set_flat(c, SEG_CS, (u16)((base + 16) | 3), 3, true);
	set_flat(c, SEG_SS, (u16)((base + 8) | 3), 3, false);
	c->cpl = 3;
	return STEP_RETIRED;
}

/*
 * IRETQ: the frame pop and checks are cpu_iretq (fault.c).  Then (IRET page, "RETURN-TO-
 * OUTER-PRIVILEGE-LEVEL"): a data or non-conforming code segment in DS/ES/FS/GS whose DPL is
 * below the new CPL is nulled; and 6.7.1 "Handling Multiple NMIs": IRET unblocks NMIs.
 * IRET/IRETD (16/32-bit operand size) are not modelled: reported as unsupported, #UD.
 */
static enum cpu_step op_iret(struct vx_cpu *c, const struct insn *i)
{
	if (i->mnemonic != ZYDIS_MNEMONIC_IRETQ) {
		report_unsupported(c, i);
		return fault_ud(c);
	}
	unsigned old_cpl = c->cpl;
	enum cpu_step r = cpu_iretq(c);
	if (r != STEP_RETIRED)
		return r;
	c->nmi_blocked = false;
	for (unsigned s = SEG_ES; s <= SEG_GS && c->cpl > old_cpl; s++) {
		u32 ar = c->seg[s].ar;
		bool conforming_code = (ar & 0xc) == 0xc;
		if (s == SEG_CS || s == SEG_SS || (ar & BIT(16)) || conforming_code)
			continue;
		if (ar_dpl(ar) < c->cpl)
			seg_set(c, s, 0, NULL);
	}
	return STEP_RETIRED;
}

/* ==== interrupts, halting, caches, TLB ==== */

/* HLT: #GP(0) at CPL > 0; the processor waits for an interrupt.  25.1.3 "HLT": a VM exit
 * when "HLT exiting" is 1. */
static enum cpu_step op_hlt(struct vx_cpu *c, const struct insn *i)
{
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	if (c->vmx.non_root && vmx_exits_simple(c, VMX_X_HLT))
		return vmexit_insn(c, i, VMX_EXIT_HLT, 0, 0);
	c->halted = true;
	return STEP_HALT;
}

static bool iopl_allows(const struct vx_cpu *c)
{
	return c->cpl <= ((c->rflags & RFLAGS_IOPL) >> 12);
}

/* CLI: IF <- 0 when CPL <= IOPL, else #GP(0) (CR4.PVI is not supported by the profiles). */
static enum cpu_step op_cli(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	if (!iopl_allows(c))
		return fault_gp(c, 0);
	c->rflags &= ~RFLAGS_IF;
	return STEP_RETIRED;
}

/* STI: as CLI; "If IF = 0, maskable hardware interrupts remain inhibited on the instruction
 * boundary following an execution of STI" (the STI shadow). */
static enum cpu_step op_sti(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	if (!iopl_allows(c))
		return fault_gp(c, 0);
	if (!(c->rflags & RFLAGS_IF))
		c->shadow = VMX_INTR_BLOCKING_BY_STI;
	c->rflags |= RFLAGS_IF;
	return STEP_RETIRED;
}

/* INVLPG m: #GP(0) at CPL > 0; invalidates the page's translation (4.10.4.1).  A
 * non-canonical address invalidates nothing and does not fault.  25.1.3 "INVLPG": a VM exit
 * when "INVLPG exiting" is 1, with "the linear-address operand of the instruction" as exit
 * qualification (27.2.1; 64-bit mode: all 64 bits). */
static enum cpu_step op_invlpg(struct vx_cpu *c, const struct insn *i)
{
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	u64 la = op_la(c, i, &i->op[0]);
	if (c->vmx.non_root && vmx_exits_simple(c, VMX_X_INVLPG))
		return vmexit_insn(c, i, VMX_EXIT_INVLPG, la, 0);
	if (is_canonical(la))
		tlb_flush_page(c, la);
	return STEP_RETIRED;
}

/* WBINVD, INVD: #GP(0) at CPL > 0; the model has no caches to write back or drop.  In VMX
 * non-root operation INVD exits unconditionally (25.1.2), WBINVD when "WBINVD exiting" is 1
 * (25.1.3). */
static enum cpu_step op_cache(struct vx_cpu *c, const struct insn *i)
{
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED || !c->vmx.non_root)
		return r;
	if (i->mnemonic == ZYDIS_MNEMONIC_INVD)
		return vmexit_insn(c, i, VMX_EXIT_INVD, 0, 0);
	if (vmx_exits_simple(c, VMX_X_WBINVD))
		return vmexit_insn(c, i, VMX_EXIT_WBINVD, 0, 0);
	return STEP_RETIRED;
}

/* CLTS: #GP(0) at CPL > 0; CR0.TS <- 0.  VMX non-root operation: the VM exit of 25.1.3
 * "CLTS" (Table 27-3 access type 2); else 25.3 "CLTS": with TS set in the CR0 guest/host mask
 * (and clear in the read shadow) CR0.TS is not modified. */
static enum cpu_step op_clts(struct vx_cpu *c, const struct insn *i)
{
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	if (!c->vmx.non_root) {
		c->cr0 &= ~X86_CR0_TS;
		return STEP_RETIRED;
	}
	if (vmx_exits_clts(c))
		return vmexit_insn(c, i, VMX_EXIT_CR_ACCESS, vmx_qual_cr(0, VMX_CR_CLTS, 0), 0);
	c->cr0 = vmx_cr_guest_write(c, 0, c->cr0 & ~X86_CR0_TS);
	return STEP_RETIRED;
}

/* LMSW in VMX non-root operation, once the operand is fetched (25.1.1: its faults come first,
 * the exit depends on it): the VM exit of 25.1.3 "LMSW" (Table 27-3 access type 3 with the
 * source data), else 25.3 "LMSW": host-owned bits unchanged, VMX-fixed bits -> #GP(0). */
static enum cpu_step nonroot_lmsw(struct vx_cpu *c, const struct insn *i, u16 src, u64 cr0)
{
	if (vmx_exits_lmsw(c, src))
		return vmexit_insn(c, i, VMX_EXIT_CR_ACCESS,
				   vmx_qual_lmsw(i->op[0].kind == OPK_MEM, src), 0);
	cr0 = vmx_cr_guest_write(c, 0, cr0);
	if (!vmx_cr_fixed_ok(c, 0, cr0))
		return fault_gp(c, 0);
	c->cr0 = cr0;
	return STEP_RETIRED;
}

/* LMSW r/m16: #GP(0) at CPL > 0; loads CR0[3:0] (PE, MP, EM, TS) but cannot clear PE. */
static enum cpu_step op_lmsw(struct vx_cpu *c, const struct insn *i)
{
	u64 v;
	enum cpu_step r = priv(c);
	if (r == STEP_RETIRED)
		r = op_get(c, i, 0, &v, 0);
	if (r != STEP_RETIRED)
		return r;
	u64 low = (v & 0xf) | (c->cr0 & X86_CR0_PE);
	u64 cr0 = (c->cr0 & ~0xfull) | low;
	if (c->vmx.non_root)
		return nonroot_lmsw(c, i, (u16)v, cr0);
	c->cr0 = cr0;
	return STEP_RETIRED;
}

/* SMSW r/m: UMIP at CPL > 0 -> #GP(0); CR0 zero-extended into a 32/64-bit register, CR0[15:0]
 * into r16 or memory.  25.3 "SMSW": in VMX non-root operation the host-owned bits come from the
 * CR0 read shadow. */
static enum cpu_step op_smsw(struct vx_cpu *c, const struct insn *i)
{
	if (umip_blocked(c))
		return fault_gp(c, 0);
	u64 v = c->cr0 | X86_CR0_ET;
	if (c->vmx.non_root)
		v = vmx_cr_read_shadowed(c, 0, v);
	return op_put(c, i, 0, v);
}

/* CLAC/STAC: "#UD If the LOCK prefix is used. If the CPL > 0. If
 * CPUID.(EAX=07H, ECX=0H):EBX.SMAP[bit 20] = 0." */
static enum cpu_step op_clac_stac(struct vx_cpu *c, const struct insn *i)
{
	if (!cpu_profile_of(c)->has_smap || c->cpl > 0)
		return fault_ud(c);
	if (i->mnemonic == ZYDIS_MNEMONIC_STAC)
		c->rflags |= RFLAGS_AC;
	else
		c->rflags &= ~RFLAGS_AC;
	return STEP_RETIRED;
}

/* ==== XCR0 ==== */

/* XGETBV: #UD if CR4.OSXSAVE = 0; #GP(0) for an XCR other than XCR0 (XGETBV with ECX = 1
 * needs CPUID.(0DH,1):EAX[2], not enumerated). */
static enum cpu_step op_xgetbv(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->cr4 & X86_CR4_OSXSAVE))
		return fault_ud(c);
	if ((u32)c->gpr[RCX] != 0)
		return fault_gp(c, 0);
	set_edx_eax(c, c->xcr0);
	return STEP_RETIRED;
}

/*
 * XSETBV (and 13.3 "Enabling the XSAVE Feature Set and XSAVE-Enabled Features"): #UD if
 * CR4.OSXSAVE = 0; #GP(0) if CPL > 0, ECX != 0, a bit the processor does not support
 * (CPUID.(0DH,0):EDX:EAX) is set, bit 0 is clear, bit 2 (AVX) is set with bit 1 clear, bits
 * 3 and 4 (MPX) differ, bits 7:5 (AVX-512) are set but not all of them or without bit 2.
 */
static bool xcr0_valid(const struct cpu_profile *p, u64 v)
{
	u64 avx512 = GENMASK(7, 5);
	if ((v & ~p->xcr0_supported) || !(v & BIT(0)))
		return false;
	if ((v & BIT(2)) && !(v & BIT(1)))
		return false;
	if (!!(v & BIT(3)) != !!(v & BIT(4)))
		return false;
	if ((v & avx512) && ((v & avx512) != avx512 || !(v & BIT(2))))
		return false;
	return true;
}

/* 25.1.2: in VMX non-root operation XSETBV exits unconditionally, after the #UD and the CPL
 * #GP and before the #GP for the value. */
static enum cpu_step op_xsetbv(struct vx_cpu *c, const struct insn *i)
{
	if (!(c->cr4 & X86_CR4_OSXSAVE))
		return fault_ud(c);
	enum cpu_step r = priv(c);
	if (r != STEP_RETIRED)
		return r;
	if (c->vmx.non_root)
		return vmexit_insn(c, i, VMX_EXIT_XSETBV, 0, 0);
	u64 v = edx_eax(c);
	if ((u32)c->gpr[RCX] != 0 || !xcr0_valid(cpu_profile_of(c), v))
		return fault_gp(c, 0);
	c->xcr0 = v;
	return STEP_RETIRED;
}

/* ==== FS/GS base ==== */

/*
 * RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE: "#UD If CR4.FSGSBASE[bit 16] = 0. If CPUID.07H.0H:
 * EBX.FSGSBASE[bit 0] = 0."  Reads zero-extend a 32-bit destination; a 64-bit write of a
 * non-canonical address -> #GP(0); a 32-bit write loads the zero-extended value.
 */
static enum cpu_step op_fsgsbase(struct vx_cpu *c, const struct insn *i)
{
	if (!cpu_profile_of(c)->has_fsgsbase || !(c->cr4 & X86_CR4_FSGSBASE))
		return fault_ud(c);
	u16 m = i->mnemonic;
	unsigned s =
	    (m == ZYDIS_MNEMONIC_RDFSBASE || m == ZYDIS_MNEMONIC_WRFSBASE) ? SEG_FS : SEG_GS;
	const struct operand *o = &i->op[0];
	if (m == ZYDIS_MNEMONIC_RDFSBASE || m == ZYDIS_MNEMONIC_RDGSBASE) {
		reg_set(c, o->reg, o->size, c->seg[s].base);
		return STEP_RETIRED;
	}
	u64 v = reg_get(c, o->reg, o->size);
	if (!is_canonical(v))
		return fault_gp(c, 0);
	c->seg[s].base = v;
	return STEP_RETIRED;
}

/* ==== instructions that raise #UD on the modelled profiles ==== */

/*
 * ENCLV: #UD (no profile enumerates its leaves; ENCLS/ENCLU are src/sgx/op_sgx.c).  (MONITOR/MWAIT:
 * op_misc.c.)
 */
static enum cpu_step op_ud(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_ud(c);
}

/* GETSEC: "#UD If CR4.SMXE = 0" (the profiles have no SMX, so software cannot set CR4.SMXE).
 * 25.1.2, footnote: "An execution of GETSEC in VMX non-root operation causes a VM exit if
 * CR4.SMXE[Bit 14] = 1 regardless of the value of CPL or RAX"; the leaves are not modelled. */
static enum cpu_step op_getsec(struct vx_cpu *c, const struct insn *i)
{
	if ((c->cr4 & X86_CR4_SMXE) && c->vmx.non_root)
		return vmexit_insn(c, i, VMX_EXIT_GETSEC, 0, 0);
	return fault_ud(c);
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_LGDT, op_lgdt_lidt},
    {ZYDIS_MNEMONIC_LIDT, op_lgdt_lidt},
    {ZYDIS_MNEMONIC_SGDT, op_sgdt_sidt},
    {ZYDIS_MNEMONIC_SIDT, op_sgdt_sidt},
    {ZYDIS_MNEMONIC_LLDT, op_lldt},
    {ZYDIS_MNEMONIC_SLDT, op_sldt_str},
    {ZYDIS_MNEMONIC_LTR, op_ltr},
    {ZYDIS_MNEMONIC_STR, op_sldt_str},
    {ZYDIS_MNEMONIC_RDMSR, op_rdmsr},
    {ZYDIS_MNEMONIC_WRMSR, op_wrmsr},
    {ZYDIS_MNEMONIC_CPUID, op_cpuid},
    {ZYDIS_MNEMONIC_RDTSC, op_rdtsc},
    {ZYDIS_MNEMONIC_RDTSCP, op_rdtscp},
    {ZYDIS_MNEMONIC_RDPID, op_rdpid},
    {ZYDIS_MNEMONIC_RDPMC, op_rdpmc},
    {ZYDIS_MNEMONIC_SWAPGS, op_swapgs},
    {ZYDIS_MNEMONIC_SYSCALL, op_syscall},
    {ZYDIS_MNEMONIC_SYSRET, op_sysret},
    {ZYDIS_MNEMONIC_IRETQ, op_iret},
    {ZYDIS_MNEMONIC_IRETD, op_iret},
    {ZYDIS_MNEMONIC_IRET, op_iret},
    {ZYDIS_MNEMONIC_HLT, op_hlt},
    {ZYDIS_MNEMONIC_CLI, op_cli},
    {ZYDIS_MNEMONIC_STI, op_sti},
    {ZYDIS_MNEMONIC_INVLPG, op_invlpg},
    {ZYDIS_MNEMONIC_WBINVD, op_cache},
    {ZYDIS_MNEMONIC_INVD, op_cache},
    {ZYDIS_MNEMONIC_CLTS, op_clts},
    {ZYDIS_MNEMONIC_LMSW, op_lmsw},
    {ZYDIS_MNEMONIC_SMSW, op_smsw},
    {ZYDIS_MNEMONIC_CLAC, op_clac_stac},
    {ZYDIS_MNEMONIC_STAC, op_clac_stac},
    {ZYDIS_MNEMONIC_XGETBV, op_xgetbv},
    {ZYDIS_MNEMONIC_XSETBV, op_xsetbv},
    {ZYDIS_MNEMONIC_RDFSBASE, op_fsgsbase},
    {ZYDIS_MNEMONIC_RDGSBASE, op_fsgsbase},
    {ZYDIS_MNEMONIC_WRFSBASE, op_fsgsbase},
    {ZYDIS_MNEMONIC_WRGSBASE, op_fsgsbase},
    /* #UD placeholders (see op_ud) */
    {ZYDIS_MNEMONIC_ENCLV, op_ud},
    {ZYDIS_MNEMONIC_GETSEC, op_getsec},
};
OP_FAMILY_DEFINE(system, defs);
