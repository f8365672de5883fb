// SPDX-License-Identifier: MIT
/*
 * Miscellaneous user-level instructions (SDM Vol. 2 pages of these names): flag instructions
 * CLC, STC, CMC, CLD, STD, LAHF, SAHF; hints and ordering PAUSE, LFENCE, SFENCE, MFENCE,
 * PREFETCHh, PREFETCHW, ENDBR32/ENDBR64; cache control CLFLUSH, CLFLUSHOPT; UD0/UD1/UD2; the
 * software interrupts INT3, INT1 (ICEBP), INT n; RDRAND, RDSEED; XLAT; MONITOR, MWAIT,
 * INVPCID.
 *
 * The model is sequentially consistent and has no caches, so fences, prefetches and flushes
 * do nothing beyond their architectural checks.  CET is not advertised, so ENDBR32/ENDBR64
 * are NOPs (their encodings are NOPs on processors without CET).  RDRAND and RDSEED draw from a
 * deterministic SplitMix64 sequence on c->rng_state, so runs are reproducible; they always
 * succeed.
 *
 * Instructions that CPUID enumerates raise #UD when the processor's profile does not report
 * them (each page's "Exceptions": RDRAND, RDSEED, LAHF/SAHF in 64-bit mode, CLFLUSH,
 * CLFLUSHOPT).
 *
 * VMX non-root operation (SDM Vol. 3C 25.1.3; src/vmx/intercept.c): PAUSE ("PAUSE exiting",
 * "PAUSE-loop exiting"), RDRAND and RDSEED ("RDRAND exiting", "RDSEED exiting", after their
 * #UD checks, 25.1.1), MWAIT and MONITOR ("MWAIT exiting", "MONITOR exiting"), INVPCID ("enable
 * INVPCID", "INVLPG exiting").
 */
#include <Zydis/Mnemonic.h>

#include "arch/vmx.h"
#include "cpu/ops.h"
#include "cpu/profile.h"
#include "vmx/intercept.h"
#include "vmx/vmexit.h"

#define RAX 0
#define RCX 1

/* From op_string.c (implicit DS:[reg] segment override); to move into ops.h. */

static bool has_field(const struct vx_cpu *c, enum cpuid_field f)
{
	return cpuid_field_get(cpu_profile_of(c), f) != 0;
}

/* ---- flags ---- */

static enum cpu_step op_clc(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	flags_set_arith(c, RFLAGS_CF, 0);
	return STEP_RETIRED;
}

static enum cpu_step op_stc(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	flags_set_arith(c, RFLAGS_CF, RFLAGS_CF);
	return STEP_RETIRED;
}

static enum cpu_step op_cmc(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	flags_set_arith(c, RFLAGS_CF, flag_cf(c) ? 0 : RFLAGS_CF);
	return STEP_RETIRED;
}

static enum cpu_step op_cld(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	c->rflags &= ~RFLAGS_DF;
	return STEP_RETIRED;
}

static enum cpu_step op_std(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	c->rflags |= RFLAGS_DF;
	return STEP_RETIRED;
}

/*
 * LAHF: AH <- SF:ZF:0:AF:0:PF:1:CF.  SAHF: SF, ZF, AF, PF, CF <- AH bits 7, 6, 4, 2, 0 (OF
 * and the reserved bits unchanged).  In 64-bit mode #UD unless CPUID.80000001H:ECX.LAHF-SAHF
 * [bit 0] = 1 (the LAHF and SAHF pages, "64-Bit Mode Exceptions").
 */
#define LAHF_FLAGS (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF)

static enum cpu_step op_lahf(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	if (!cpu_profile_of(c)->has_lahf_lm)
		return fault_ud(c);
	reg_set(c, REG_AH, 1, (cpu_rflags(c) & LAHF_FLAGS) | RFLAGS_FIXED);
	return STEP_RETIRED;
}

static enum cpu_step op_sahf(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	if (!cpu_profile_of(c)->has_lahf_lm)
		return fault_ud(c);
	flags_set_arith(c, LAHF_FLAGS, reg_get(c, REG_AH, 1));
	return STEP_RETIRED;
}

/* ---- hints, fences, CET markers ---- */

static enum cpu_step op_hint(struct vx_cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
	return STEP_RETIRED;
}

/* PAUSE: a hint, except for the VM exit of 25.1.3 "PAUSE" (reason 40) in VMX non-root
 * operation. */
static enum cpu_step op_pause(struct vx_cpu *c, const struct insn *i)
{
	if (c->vmx.non_root && vmx_pause_exits(c))
		return vmexit_insn(c, i, VMX_EXIT_PAUSE_INSTRUCTION, 0, 0);
	return STEP_RETIRED;
}

/*
 * CLFLUSH/CLFLUSHOPT: "subject to all permission checking and faults associated with a byte
 * load"; "like a load, ... sets the A bit but not the D bit in the page tables" (CLFLUSH and
 * CLFLUSHOPT pages, "Description").  Only the translation is done: no device sees a read.
 * #UD when CPUID.01H:EDX.CLFSH[bit 19] (CLFLUSH) or CPUID.(EAX=07H,ECX=0):EBX.CLFLUSHOPT[bit 23]
 * (CLFLUSHOPT) is 0.
 */
static enum cpu_step op_clflush(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *o = &i->op[0];
	bool opt = i->mnemonic == ZYDIS_MNEMONIC_CLFLUSHOPT;
	u64 pa;
	if (o->kind != OPK_MEM || !has_field(c, opt ? CPUID_F_CLFLUSHOPT : CPUID_F_CLFSH))
		return fault_ud(c);
	return mmu_translate_step(c, op_la(c, i, o), ACC_READ | op_acc(o), &pa);
}

/* ---- exceptions on purpose ---- */

static enum cpu_step op_ud(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_ud(c);
}

/*
 * Software interrupts: delivered with RIP after the instruction (step.c rewinds only hardware
 * exceptions).  Event types per SDM Vol. 3C 27.2.2 "Information for VM Exits Due to Vectored
 * Events" and 24.8.3 "VM-Entry Controls for Event Injection" (Table 24-13): INT3 (CC) is a
 * software exception, INT1/ICEBP (F1) a privileged software exception, INT n (CD ib, CD 03
 * included) a software interrupt.
 */
static enum cpu_step op_int3(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_soft(c, X86_VEC_BP, VMX_INTR_TYPE_SOFT_EXCEPTION);
}

static enum cpu_step op_int1(struct vx_cpu *c, const struct insn *i)
{
	(void)i;
	return fault_soft(c, X86_VEC_DB, VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION);
}

static enum cpu_step op_int(struct vx_cpu *c, const struct insn *i)
{
	return fault_soft(c, (unsigned)(i->imm & 0xff), VMX_INTR_TYPE_SOFT_INTR);
}

/* ---- RDRAND / RDSEED ---- */

/* SplitMix64 (Steele, Lea, Flood 2014): one step of the deterministic source. */
static u64 rng_next(struct vx_cpu *c)
{
	u64 z = (c->rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * RDRAND/RDSEED "Operation" and "Flags Affected": on success the destination (16, 32 or 64
 * bits) receives random data, CF = 1 and OF, SF, ZF, AF, PF = 0.  The source never runs dry.
 * #UD when CPUID.01H:ECX.RDRAND[bit 30] (RDRAND) or CPUID.(EAX=07H,ECX=0):EBX.RDSEED[bit 18]
 * (RDSEED) is 0.  25.1.3 "RDRAND"/"RDSEED": a VM exit (reasons 57/61, instruction information
 * Table 27-12) after the #UD checks.
 */
static enum cpu_step op_rdrand(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *o = &i->op[0];
	const struct cpu_profile *p = cpu_profile_of(c);
	bool seed = i->mnemonic == ZYDIS_MNEMONIC_RDSEED;
	if (o->kind != OPK_REG || !(seed ? p->has_rdseed : p->has_rdrand))
		return fault_ud(c);
	if (c->vmx.non_root && vmx_exits_simple(c, seed ? VMX_X_RDSEED : VMX_X_RDRAND))
		return vmexit_insn(c, i, seed ? VMX_EXIT_RDSEED : VMX_EXIT_RDRAND, 0,
				   vmx_info_rdrand(i));
	reg_set(c, o->reg, o->size, rng_next(c));
	flags_set_arith(c, RFLAGS_ARITH, RFLAGS_CF);
	return STEP_RETIRED;
}

/* ---- MONITOR / MWAIT ---- */

/* The monitor's state (armed, monitored linear address): struct vx_cpu's `monitor`. */
static bool mon_armed(const struct vx_cpu *c)
{
	return c->monitor.armed;
}

static void mon_set(struct vx_cpu *c, bool armed, u64 la)
{
	c->monitor.armed = armed;
	c->monitor.la = la;
}

/*
 * MONITOR and MWAIT pages, "Exceptions" (64-Bit Mode): "#UD If CPUID.01H:ECX.MONITOR[bit 3] =
 * 0", and "If executed at privilege level 1 through 3 when the instruction is not available"
 * (the Description: "MONITOR may be executed only at privilege level 0 (use at any other
 * privilege level results in an invalid-opcode exception)"; no profile enumerates ring-3
 * MONITOR/MWAIT).  These #UD come before the VM exits (25.1.1).
 */
static bool monitor_ud(const struct vx_cpu *c)
{
	return !has_field(c, CPUID_F_MONITOR) || c->cpl > 0;
}

/*
 * MONITOR: "The address is specified in RAX/EAX/AX and the size is based on the effective
 * address size"; DS by default, segment overrides allowed; "subject to the permission checking
 * and faults associated with a byte load. Like a load, MONITOR sets the A-bit but not the D-bit
 * in page tables."  "#GP(0) If ECX != 0" (no extensions are defined).  25.1.3 "MONITOR": a VM
 * exit (reason 39, qualification 0) when "MONITOR exiting" is 1, before those faults (25.1.1).
 * The monitored range is the 64-byte line (CPUID leaf 05H) holding the address.
 */
static enum cpu_step op_monitor(struct vx_cpu *c, const struct insn *i)
{
	u64 base, pa;
	if (monitor_ud(c))
		return fault_ud(c);
	if (c->vmx.non_root && vmx_exits_simple(c, VMX_X_MONITOR))
		return vmexit_insn(c, i, VMX_EXIT_MONITOR_INSTRUCTION, 0, 0);
	enum cpu_step r = insn_src_base(c, i, &base);
	if (r != STEP_RETIRED)
		return r;
	if ((u32)c->gpr[RCX] != 0)
		return fault_gp(c, 0);
	u64 ea = i->addrsize == 4   ? (u32)c->gpr[RAX]
		 : i->addrsize == 2 ? (u16)c->gpr[RAX]
				    : c->gpr[RAX];
	u64 la = ea + base;
	if ((r = mmu_translate_step(c, la, ACC_READ, &pa)) != STEP_RETIRED)
		return r;
	mon_set(c, true, la & ~63ull);
	return STEP_RETIRED;
}

/*
 * MWAIT: "#GP(0) If ECX[31:1] != 0. If ECX[0] = 1 and CPUID.05H:ECX[bit 1] = 0"; leaf 05H
 * enumerates no extension (ECX[0] = 0), so any ECX other than 0 is reserved.  The model treats
 * MWAIT as a NOP: the page allows it to return at once ("the processor may ... exit the
 * implementation-dependent-optimized state" on any event; a MWAIT that does not enter the
 * optimized state simply retires), after which the monitor is no longer armed (MONITOR must
 * arm it again).  25.1.3 "MWAIT": a VM exit (reason 36) when "MWAIT exiting" is 1; 27.2.1: the
 * qualification's bit 0 is 1 if the monitor hardware is armed.
 */
static enum cpu_step op_mwait(struct vx_cpu *c, const struct insn *i)
{
	if (monitor_ud(c))
		return fault_ud(c);
	if (c->vmx.non_root && vmx_exits_simple(c, VMX_X_MWAIT))
		return vmexit_insn(c, i, VMX_EXIT_MWAIT_INSTRUCTION, mon_armed(c) ? 1 : 0, 0);
	if ((u32)c->gpr[RCX] != 0 && !cpuid_field_get(cpu_profile_of(c), CPUID_F_MONITOR_EMX))
		return fault_gp(c, 0);
	mon_set(c, false, 0);
	return STEP_RETIRED;
}

/* ---- INVPCID ---- */

/* 4.10.1 "Process-Context Identifiers (PCIDs)": CR4.PCIDE cannot be set on these profiles,
 * so every translation belongs to PCID 000H. */
static enum cpu_step invpcid_do(struct vx_cpu *c, u64 type, u64 pcid, u64 la)
{
	/* INVPCID "64-Bit Mode Exceptions": #GP(0) "If an invalid type is specified in the
	 * register operand, i.e., INVPCID_TYPE > 3"; "If bits 63:12 of INVPCID_DESC are not
	 * all zero"; "If INVPCID_TYPE is 0 and the linear address in INVPCID_DESC[127:64] is not
	 * canonical"; "If CR4.PCIDE=0, INVPCID_TYPE is either 0 or 1, and INVPCID_DESC[11:0] is
	 * not all zero". */
	if (type > 3 || (pcid >> 12) != 0 || (type == 0 && !is_canonical(la)))
		return fault_gp(c, 0);
	if (!(c->cr4 & X86_CR4_PCIDE) && type <= 1 && pcid != 0)
		return fault_gp(c, 0);
	/* "Operation": type 0 invalidates the address (not global translations; invalidating
	 * more is allowed), 1 and 3 every non-global mapping (of PCID 000H: all there is), 2
	 * every mapping including global ones. */
	switch (type) {
	case 0: tlb_flush_page(c, la); break;
	case 2: tlb_flush_all(c); break;
	default: tlb_flush_nonglobal(c); break;
	}
	return STEP_RETIRED;
}

/*
 * INVPCID r64, m128 (INVPCID page): #UD if CPUID.(EAX=07H,ECX=0):EBX.INVPCID[bit 10] = 0;
 * in VMX non-root operation #UD when "enable INVPCID" is 0, before any other exception (25.3
 * "INVPCID"); "#GP(0) If the current privilege level is not 0"; then the VM exit of 25.1.3
 * "INVPCID" when "INVLPG exiting" is 1 (reason 58, qualification = displacement 27.2.1,
 * instruction information Table 27-9); then the descriptor is read ("INVPCID_DESC <- value
 * of memory operand" precedes the CASE on the type in "Operation": #GP/#PF of the read come
 * before the type check) and checked.
 */
static enum cpu_step op_invpcid(struct vx_cpu *c, const struct insn *i)
{
	const struct operand *t = &i->op[0], *d = &i->op[1];
	u64 lo, hi;
	if (!has_field(c, CPUID_F_INVPCID) || t->kind != OPK_REG || d->kind != OPK_MEM)
		return fault_ud(c);
	if (c->vmx.non_root && !vmx_invpcid_enabled(c))
		return fault_ud(c);
	if (c->cpl > 0)
		return fault_gp(c, 0);
	if (c->vmx.non_root && vmx_exits_simple(c, VMX_X_INVLPG))
		return vmexit_insn(c, i, VMX_EXIT_INVPCID, vmx_qual_disp(c, d),
				   vmx_info_inv(i, d, t->reg));
	u64 type = reg_get(c, t->reg, t->size);
	u64 la = op_la(c, i, d);
	enum cpu_step r = mem_read(c, la, 8, &lo, ACC_READ | op_acc(d));
	if (r == STEP_RETIRED)
		r = mem_read(c, la + 8, 8, &hi, ACC_READ | op_acc(d));
	if (r != STEP_RETIRED)
		return r;
	return invpcid_do(c, type, lo, hi);
}

/* ---- XLAT ---- */

/* XLAT/XLATB: AL <- [rBX + ZeroExtend(AL)] (EBX with 67H), DS or an FS/GS override. */
static enum cpu_step op_xlat(struct vx_cpu *c, const struct insn *i)
{
	u64 base, v;
	enum cpu_step r = insn_src_base(c, i, &base);
	if (r != STEP_RETIRED)
		return r;
	u64 ea = c->gpr[3] + (c->gpr[0] & 0xff);
	if (i->addrsize == 4)
		ea &= 0xffffffffull;
	if ((r = mem_read(c, ea + base, 1, &v, ACC_READ)) != STEP_RETIRED)
		return r;
	reg_set(c, 0, 1, v);
	return STEP_RETIRED;
}

static const struct op_def defs[] = {
    {ZYDIS_MNEMONIC_CLC, op_clc},          {ZYDIS_MNEMONIC_STC, op_stc},
    {ZYDIS_MNEMONIC_CMC, op_cmc},          {ZYDIS_MNEMONIC_CLD, op_cld},
    {ZYDIS_MNEMONIC_STD, op_std},          {ZYDIS_MNEMONIC_LAHF, op_lahf},
    {ZYDIS_MNEMONIC_SAHF, op_sahf},        {ZYDIS_MNEMONIC_PAUSE, op_pause},
    {ZYDIS_MNEMONIC_LFENCE, op_hint},      {ZYDIS_MNEMONIC_SFENCE, op_hint},
    {ZYDIS_MNEMONIC_MFENCE, op_hint},      {ZYDIS_MNEMONIC_PREFETCH, op_hint},
    {ZYDIS_MNEMONIC_PREFETCHNTA, op_hint}, {ZYDIS_MNEMONIC_PREFETCHT0, op_hint},
    {ZYDIS_MNEMONIC_PREFETCHT1, op_hint},  {ZYDIS_MNEMONIC_PREFETCHT2, op_hint},
    {ZYDIS_MNEMONIC_PREFETCHW, op_hint},   {ZYDIS_MNEMONIC_PREFETCHWT1, op_hint},
    {ZYDIS_MNEMONIC_ENDBR32, op_hint},     {ZYDIS_MNEMONIC_ENDBR64, op_hint},
    {ZYDIS_MNEMONIC_CLFLUSH, op_clflush},  {ZYDIS_MNEMONIC_CLFLUSHOPT, op_clflush},
    {ZYDIS_MNEMONIC_UD0, op_ud},           {ZYDIS_MNEMONIC_UD1, op_ud},
    {ZYDIS_MNEMONIC_UD2, op_ud},           {ZYDIS_MNEMONIC_INT3, op_int3},
    {ZYDIS_MNEMONIC_INT1, op_int1},        {ZYDIS_MNEMONIC_INT, op_int},
    {ZYDIS_MNEMONIC_RDRAND, op_rdrand},    {ZYDIS_MNEMONIC_RDSEED, op_rdrand},
    {ZYDIS_MNEMONIC_XLAT, op_xlat},        {ZYDIS_MNEMONIC_MONITOR, op_monitor},
    {ZYDIS_MNEMONIC_MWAIT, op_mwait},      {ZYDIS_MNEMONIC_INVPCID, op_invpcid},
};
OP_FAMILY_DEFINE(misc, defs);
