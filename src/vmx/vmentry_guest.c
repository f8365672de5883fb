// SPDX-License-Identifier: MIT
/*
 * VM-entry checks on the guest-state area: SDM Vol. 3C 26.3.1 "Checks on the Guest State
 * Area" -- 26.3.1.1 "Checks on Guest Control Registers, Debug Registers, and MSRs", 26.3.1.2
 * "Checks on Guest Segment Registers", 26.3.1.3 "Checks on Guest Descriptor-Table Registers",
 * 26.3.1.4 "Checks on Guest RIP and RFLAGS", 26.3.1.5 "Checks on Guest Non-Register State",
 * 26.3.1.6 "Checks on Guest Page-Directory-Pointer-Table Entries".  A failure is a VM-entry
 * failure: exit reason 33 | bit 31 with the exit qualification of 26.8 "VM-Entry Failures
 * During or After Loading Guest State" (0; 2 PDPTEs; 3 NMI injection with blocking by STI;
 * 4 VMCS link pointer).
 *
 * Segment registers are checked for every mode the controls allow: IA-32e mode guest,
 * protected mode, virtual-8086 mode (RFLAGS.VM = 1), and -- with "unrestricted guest" -- real
 * mode (CR0.PE = 0) and protected mode with real-mode-like segments (CS type 3).  26.3.1.2
 * terms: "The guest will be virtual-8086 if the VM flag (bit 17) is 1 in the RFLAGS field";
 * "A segment register is unusable if bit 16 (unusable) of its access-rights field is 1".
 */
#include "vmx/vmentry_checks.h"

#include "arch/msr.h"
#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "cpu/phys.h"
#include "cpu/profile.h"

#define F(name) vmcs_get(c->v, VMCS_SLOT_##name)

#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_VM BIT(17)

/* ---- 26.3.1.1 ---- */

#define SDM_GCR "26.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs"

/* CR0 bits not checked against IA32_VMX_CR0_FIXED0/1: "Bit 0 (corresponding to CR0.PE) and
 * bit 31 (PG) are not checked if the 'unrestricted guest' VM-execution control is 1.  Bit 29
 * (corresponding to CR0.NW) and bit 30 (CD) are never checked because the values of these
 * bits are not changed by VM entry." */
static u64 cr0_unchecked(const struct vmentry_ctx *c)
{
	return X86_CR0_NW | X86_CR0_CD | (c->ug ? X86_CR0_PE | X86_CR0_PG : 0);
}

static bool guest_control_regs(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	const struct vmx_caps *x = &p->vmx;
	u64 cr0 = F(GUEST_CR0), cr4 = F(GUEST_CR4);
	bool dbg = c->entry & ENTRY_LOAD_DEBUG_CONTROLS;
	/* "The CR0 field must not set any bit to a value not supported in VMX operation (see
	 * Section 23.8)", with the exceptions above.  "If bit 31 in the CR0 field (corresponding
	 * to PG) is 1, bit 0 in that field (PE) must also be 1."  "The CR4 field must not set
	 * any bit to a value not supported in VMX operation." */
	CHECK(r, ~cr0 & x->cr0_fixed0 & ~cr0_unchecked(c), SDM_GCR);
	CHECK(r, cr0 & ~x->cr0_fixed1 & ~cr0_unchecked(c), SDM_GCR);
	CHECK(r, (cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE), SDM_GCR);
	CHECK(r, ~cr4 & x->cr4_fixed0, SDM_GCR);
	CHECK(r, cr4 & ~x->cr4_fixed1, SDM_GCR);
	/* "If the 'load debug controls' VM-entry control is 1, bits reserved in the
	 * IA32_DEBUGCTL MSR must be 0 in the field for that register." */
	CHECK(r, dbg && (F(GUEST_IA32_DEBUGCTL) & ~vmentry_debugctl_valid(p)), SDM_GCR);
	/* "If the 'IA-32e mode guest' VM-entry control is 1, bit 31 in the CR0 field
	 * (corresponding to CR0.PG) and bit 5 in the CR4 field (corresponding to CR4.PAE) must
	 * each be 1.  If the 'IA-32e mode guest' VM-entry control is 0, bit 17 in the CR4 field
	 * (corresponding to CR4.PCIDE) must be 0." */
	CHECK(r, c->ia32e && !(cr0 & X86_CR0_PG), SDM_GCR);
	CHECK(r, c->ia32e && !(cr4 & X86_CR4_PAE), SDM_GCR);
	CHECK(r, !c->ia32e && (cr4 & X86_CR4_PCIDE), SDM_GCR);
	/* "The CR3 field must be such that bits 63:52 and bits in the range 51:32 beyond the
	 * processor's physical-address width are 0." */
	CHECK(r, F(GUEST_CR3) & vmentry_cr3_reserved(p), SDM_GCR);
	/* "If the 'load debug controls' VM-entry control is 1, bits 63:32 in the DR7 field must
	 * be 0."  "The IA32_SYSENTER_ESP field and the IA32_SYSENTER_EIP field must each
	 * contain a canonical address." */
	CHECK(r, dbg && (F(GUEST_DR7) >> 32), SDM_GCR);
	CHECK(r, !vmentry_canonical(p, F(GUEST_SYSENTER_ESP)), SDM_GCR);
	CHECK(r, !vmentry_canonical(p, F(GUEST_SYSENTER_EIP)), SDM_GCR);
	return false;
}

#define BNDCFGS_RESERVED GENMASK(11, 2)

static bool guest_msrs(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u64 efer = F(GUEST_IA32_EFER), cr0 = F(GUEST_CR0), bndcfgs = F(GUEST_IA32_BNDCFGS);
	u32 en = c->entry;
	/* "If the 'load IA32_PERF_GLOBAL_CTRL' VM-entry control is 1, bits reserved in the
	 * IA32_PERF_GLOBAL_CTRL MSR must be 0 in the field for that register." */
	CHECK(r,
	      (en & ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL) &&
		  (F(GUEST_IA32_PERF_GLOBAL_CTRL) & ~vmentry_perf_global_valid(p)),
	      SDM_GCR);
	/* "If the 'load IA32_PAT' VM-entry control is 1, the value of the field for the IA32_PAT
	 * MSR must be one that could be written by WRMSR without fault at CPL 0." */
	CHECK(r, (en & ENTRY_LOAD_IA32_PAT) && !msr_pat_valid(F(GUEST_IA32_PAT)), SDM_GCR);
	/* "If the 'load IA32_EFER' VM-entry control is 1: bits reserved in the IA32_EFER MSR
	 * must be 0; bit 10 (corresponding to IA32_EFER.LMA) must equal the value of the 'IA-32e
	 * mode guest' VM-entry control.  It must also be identical to bit 8 (LME) if bit 31 in
	 * the CR0 field (corresponding to CR0.PG) is 1." */
	if (en & ENTRY_LOAD_IA32_EFER) {
		CHECK(r, efer & ~vmentry_efer_valid(p), SDM_GCR);
		CHECK(r, !!(efer & X86_EFER_LMA) != c->ia32e, SDM_GCR);
		CHECK(r, (cr0 & X86_CR0_PG) && !!(efer & X86_EFER_LMA) != !!(efer & X86_EFER_LME),
		      SDM_GCR);
	}
	/* "If the 'load IA32_BNDCFGS' VM-entry control is 1: bits reserved in the IA32_BNDCFGS
	 * MSR must be 0; the linear address in bits 63:12 must be canonical." */
	if (en & ENTRY_LOAD_IA32_BNDCFGS) {
		CHECK(r, bndcfgs & BNDCFGS_RESERVED, SDM_GCR);
		CHECK(r, !vmentry_canonical(p, bndcfgs & ~0xfffull), SDM_GCR);
	}
	/* Later SDM: "If the 'load PKRS' VM-entry control is 1, bits 63:32 of the IA32_PKRS
	 * field must be 0." */
	CHECK(r, (en & ENTRY_LOAD_PKRS) && (F(GUEST_IA32_PKRS) >> 32), SDM_GCR);
	return false;
}

/* ---- 26.3.1.2 ---- */

#define SDM_GSEG "26.3.1.2 Checks on Guest Segment Registers"

enum { G_ES, G_CS, G_SS, G_DS, G_FS, G_GS, G_LDTR, G_TR, G_NSEG };
static const char *const seg_name[G_NSEG] = {"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"};

static_assert(VMCS_SLOT_GUEST_TR_SELECTOR - VMCS_SLOT_GUEST_ES_SELECTOR == G_TR &&
		  VMCS_SLOT_GUEST_TR_LIMIT - VMCS_SLOT_GUEST_ES_LIMIT == G_TR &&
		  VMCS_SLOT_GUEST_TR_AR_BYTES - VMCS_SLOT_GUEST_ES_AR_BYTES == G_TR &&
		  VMCS_SLOT_GUEST_TR_BASE - VMCS_SLOT_GUEST_ES_BASE == G_TR,
	      "guest segment fields ES..TR are consecutive slots in the same order");

struct gseg {
	const char *name;
	u64 sel, base, limit, ar;
};

/* Access-rights format (24.4.1 "Guest Register State", Table 24-2). */
#define AR_TYPE(ar) ((unsigned)((ar)&0xf))
#define AR_S BIT(4)
#define AR_DPL(ar) ((unsigned)(((ar) >> 5) & 3))
#define AR_P BIT(7)
#define AR_RSVD_11_8 GENMASK(11, 8)
#define AR_L BIT(13)
#define AR_DB BIT(14)
#define AR_G BIT(15)
#define AR_UNUSABLE BIT(16)
#define AR_RSVD_31_17 GENMASK(31, 17)
#define AR_V86 0xf3u /* type 3, S, DPL 3, P */
#define SEL_RPL(sel) ((unsigned)((sel)&3))
#define SEL_TI BIT(2)

static void load_segs(const struct vmcs *v, struct gseg s[G_NSEG])
{
	for (unsigned k = 0; k < G_NSEG; k++)
		s[k] = (struct gseg){
		    .name = seg_name[k],
		    .sel = vmcs_get(v, VMCS_SLOT_GUEST_ES_SELECTOR + k),
		    .base = vmcs_get(v, VMCS_SLOT_GUEST_ES_BASE + k),
		    .limit = vmcs_get(v, VMCS_SLOT_GUEST_ES_LIMIT + k),
		    .ar = vmcs_get(v, VMCS_SLOT_GUEST_ES_AR_BYTES + k),
		};
}

static bool usable(const struct gseg *s)
{
	return !(s->ar & AR_UNUSABLE);
}

/* Type 9, 11, 13 or 15: an accessed code segment. */
static bool accessed_code(unsigned type)
{
	return (type & 9) == 9;
}

/* ---- the rules common to CS, usable SS..GS, TR and usable LDTR: P, 11:8, G, 31:17 ---- */
static bool ar_common(struct vmentry_result *r, const struct gseg *s)
{
	/* "Bit 7 (P). P must be 1."  "Bits 11:8 (reserved) ... must all be 0." */
	CHECK_REG(r, s->name, !(s->ar & AR_P), SDM_GSEG);
	CHECK_REG(r, s->name, s->ar & AR_RSVD_11_8, SDM_GSEG);
	/* "Bit 15 (G): if any bit in the limit field in the range 11:0 is 0, G must be 0; if any
	 * bit in the limit field in the range 31:20 is 1, G must be 1." */
	CHECK_REG(r, s->name, (s->limit & 0xfff) != 0xfff && (s->ar & AR_G), SDM_GSEG);
	CHECK_REG(r, s->name, (s->limit & 0xfff00000) && !(s->ar & AR_G), SDM_GSEG);
	/* "Bits 31:17 (reserved) ... must all be 0." */
	CHECK_REG(r, s->name, s->ar & AR_RSVD_31_17, SDM_GSEG);
	return false;
}

static bool selectors(struct vmentry_ctx *c, const struct gseg *s, bool v86)
{
	struct vmentry_result *r = c->r;
	const struct gseg *tr = &s[G_TR], *ldtr = &s[G_LDTR], *ss = &s[G_SS], *cs = &s[G_CS];
	/* "TR. The TI flag (bit 2) must be 0."  "LDTR. If LDTR is usable, the TI flag (bit 2)
	 * must be 0." */
	CHECK_REG(r, tr->name, tr->sel & SEL_TI, SDM_GSEG);
	CHECK_REG(r, ldtr->name, usable(ldtr) && (ldtr->sel & SEL_TI), SDM_GSEG);
	/* "SS. If the guest will not be virtual-8086 and the 'unrestricted guest' VM-execution
	 * control is 0, the RPL (bits 1:0) must equal the RPL of the selector field for CS." */
	CHECK_REG(r, ss->name, !v86 && !c->ug && SEL_RPL(ss->sel) != SEL_RPL(cs->sel), SDM_GSEG);
	return false;
}

static bool bases(struct vmentry_ctx *c, const struct gseg *s, bool v86)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	/* "CS, SS, DS, ES, FS, GS. If the guest will be virtual-8086, the address must be the
	 * selector field shifted left 4 bits (multiplied by 16)." */
	for (unsigned k = G_ES; k <= G_GS; k++)
		CHECK_REG(r, s[k].name, v86 && s[k].base != s[k].sel << 4, SDM_GSEG);
	/* "The following checks are performed on processors that support Intel 64 architecture:
	 * TR, FS, GS. The address must be canonical.  LDTR. If LDTR is usable, the address must
	 * be canonical.  CS. Bits 63:32 of the address must be zero.  SS, DS, ES. If the
	 * register is usable, bits 63:32 of the address must be zero." */
	for (unsigned k = G_FS; k <= G_GS; k++)
		CHECK_REG(r, s[k].name, !vmentry_canonical(p, s[k].base), SDM_GSEG);
	CHECK_REG(r, s[G_TR].name, !vmentry_canonical(p, s[G_TR].base), SDM_GSEG);
	CHECK_REG(r, s[G_LDTR].name, usable(&s[G_LDTR]) && !vmentry_canonical(p, s[G_LDTR].base),
		  SDM_GSEG);
	CHECK_REG(r, s[G_CS].name, s[G_CS].base >> 32, SDM_GSEG);
	for (unsigned k = G_ES; k <= G_DS; k++)
		if (k != G_CS)
			CHECK_REG(r, s[k].name, usable(&s[k]) && (s[k].base >> 32), SDM_GSEG);
	return false;
}

/* Virtual-8086: "the limit field must be 0000FFFFH"; "the access-rights field must be
 * 000000F3H" (CS, SS, DS, ES, FS, GS). */
static bool v86_segments(struct vmentry_result *r, const struct gseg *s)
{
	for (unsigned k = G_ES; k <= G_GS; k++) {
		CHECK_REG(r, s[k].name, s[k].limit != 0xffff, SDM_GSEG);
		CHECK_REG(r, s[k].name, s[k].ar != AR_V86, SDM_GSEG);
	}
	return false;
}

static bool cs_access_rights(struct vmentry_ctx *c, const struct gseg *cs, const struct gseg *ss)
{
	struct vmentry_result *r = c->r;
	unsigned t = AR_TYPE(cs->ar), dpl = AR_DPL(cs->ar);
	/* "Type. CS: if the 'unrestricted guest' VM-execution control is 0, the Type must be 9,
	 * 11, 13, or 15 (accessed code segment); if it is 1, the Type must be either 3
	 * (read/write accessed expand-up data segment) or one of 9, 11, 13, and 15." */
	CHECK_REG(r, cs->name, !c->ug && !accessed_code(t), SDM_GSEG);
	CHECK_REG(r, cs->name, c->ug && t != 3 && !accessed_code(t), SDM_GSEG);
	/* "Bit 4 (S). If the register is CS ..., S must be 1." */
	CHECK_REG(r, cs->name, !(cs->ar & AR_S), SDM_GSEG);
	/* "DPL. CS: if the Type is 3 (read/write accessed expand-up data segment), the DPL must
	 * be 0; if the Type is 9 or 11 (non-conforming code segment), the DPL must equal the DPL
	 * in the access-rights field for SS; if the Type is 13 or 15 (conforming code segment),
	 * the DPL cannot be greater than the DPL in the access-rights field for SS." */
	CHECK_REG(r, cs->name, t == 3 && dpl != 0, SDM_GSEG);
	CHECK_REG(r, cs->name, (t == 9 || t == 11) && dpl != AR_DPL(ss->ar), SDM_GSEG);
	CHECK_REG(r, cs->name, (t == 13 || t == 15) && dpl > AR_DPL(ss->ar), SDM_GSEG);
	/* "Bit 14 (D/B). For CS, D/B must be 0 if the guest will be IA-32e mode and the L bit
	 * (bit 13) in the access-rights field is 1." */
	CHECK_REG(r, cs->name, c->ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB), SDM_GSEG);
	return ar_common(r, cs);
}

static bool ss_access_rights(struct vmentry_ctx *c, const struct gseg *ss, const struct gseg *cs)
{
	struct vmentry_result *r = c->r;
	unsigned t = AR_TYPE(ss->ar), dpl = AR_DPL(ss->ar);
	bool pe = vmcs_get(c->v, VMCS_SLOT_GUEST_CR0) & X86_CR0_PE;
	/* "DPL. SS: if the 'unrestricted guest' VM-execution control is 0, the DPL must equal the
	 * RPL from the selector field.  The DPL must be 0 either if the Type in the access-rights
	 * field for CS is 3 (indicating a real-mode guest) or if bit 0 in the CR0 field
	 * (corresponding to CR0.PE) is 0." */
	CHECK_REG(r, ss->name, !c->ug && dpl != SEL_RPL(ss->sel), SDM_GSEG);
	CHECK_REG(r, ss->name, (AR_TYPE(cs->ar) == 3 || !pe) && dpl != 0, SDM_GSEG);
	if (!usable(ss))
		return false;
	/* "SS. If SS is usable, the Type must be 3 or 7 (read/write, accessed data segment)."
	 * "Bit 4 (S). If the register is ... usable, S must be 1." */
	CHECK_REG(r, ss->name, t != 3 && t != 7, SDM_GSEG);
	CHECK_REG(r, ss->name, !(ss->ar & AR_S), SDM_GSEG);
	return ar_common(r, ss);
}

static bool data_access_rights(struct vmentry_ctx *c, const struct gseg *s)
{
	struct vmentry_result *r = c->r;
	unsigned t = AR_TYPE(s->ar);
	if (!usable(s))
		return false;
	/* "DS, ES, FS, GS. The following checks apply if the register is usable: bit 0 of the
	 * Type must be 1 (accessed); if bit 3 of the Type is 1 (code segment), then bit 1 of the
	 * Type must be 1 (readable)." */
	CHECK_REG(r, s->name, !(t & 1), SDM_GSEG);
	CHECK_REG(r, s->name, (t & 8) && !(t & 2), SDM_GSEG);
	CHECK_REG(r, s->name, !(s->ar & AR_S), SDM_GSEG);
	/* "DS, ES, FS, GS. The DPL cannot be less than the RPL in the selector field if (1) the
	 * 'unrestricted guest' VM-execution control is 0; (2) the register is usable; and (3) the
	 * Type in the access-rights field is in the range 0 - 11 (data segment or non-conforming
	 * code segment)." */
	CHECK_REG(r, s->name, !c->ug && t <= 11 && AR_DPL(s->ar) < SEL_RPL(s->sel), SDM_GSEG);
	return ar_common(r, s);
}

static bool tr_ldtr_access_rights(struct vmentry_ctx *c, const struct gseg *tr,
				  const struct gseg *ldtr)
{
	struct vmentry_result *r = c->r;
	unsigned t = AR_TYPE(tr->ar);
	/* "TR. Bits 3:0 (Type): if the guest will not be IA-32e mode, the Type must be 3 (16-bit
	 * busy TSS) or 11 (32-bit busy TSS); if the guest will be IA-32e mode, the Type must be
	 * 11 (64-bit busy TSS).  Bit 4 (S). S must be 0. ... Bit 16 (Unusable). The unusable
	 * bit must be 0." */
	CHECK_REG(r, tr->name, c->ia32e && t != 11, SDM_GSEG);
	CHECK_REG(r, tr->name, !c->ia32e && t != 3 && t != 11, SDM_GSEG);
	CHECK_REG(r, tr->name, tr->ar & AR_S, SDM_GSEG);
	if (ar_common(r, tr))
		return true;
	CHECK_REG(r, tr->name, tr->ar & AR_UNUSABLE, SDM_GSEG);
	/* "LDTR. The following checks on the different sub-fields apply only if LDTR is usable:
	 * Bits 3:0 (Type). The Type must be 2 (LDT).  Bit 4 (S). S must be 0. ..." */
	if (!usable(ldtr))
		return false;
	CHECK_REG(r, ldtr->name, AR_TYPE(ldtr->ar) != 2, SDM_GSEG);
	CHECK_REG(r, ldtr->name, ldtr->ar & AR_S, SDM_GSEG);
	return ar_common(r, ldtr);
}

static bool access_rights(struct vmentry_ctx *c, const struct gseg *s, bool v86)
{
	if (v86) {
		if (v86_segments(c->r, s))
			return true;
	} else {
		if (cs_access_rights(c, &s[G_CS], &s[G_SS]) ||
		    ss_access_rights(c, &s[G_SS], &s[G_CS]))
			return true;
		for (unsigned k = G_ES; k <= G_GS; k++)
			if (k != G_CS && k != G_SS && data_access_rights(c, &s[k]))
				return true;
	}
	return tr_ldtr_access_rights(c, &s[G_TR], &s[G_LDTR]);
}

static bool guest_segments(struct vmentry_ctx *c)
{
	struct gseg s[G_NSEG];
	bool v86 = vmcs_get(c->v, VMCS_SLOT_GUEST_RFLAGS) & RFLAGS_VM;
	load_segs(c->v, s);
	return selectors(c, s, v86) || bases(c, s, v86) || access_rights(c, s, v86);
}

/* ---- 26.3.1.3 ---- */

#define SDM_GDTR "26.3.1.3 Checks on Guest Descriptor-Table Registers"

static bool guest_descriptor_tables(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	/* "The base-address fields must contain canonical addresses.  Bits 31:16 of each limit
	 * field must be 0." */
	CHECK_REG(r, "GDTR", !vmentry_canonical(c->p, F(GUEST_GDTR_BASE)), SDM_GDTR);
	CHECK_REG(r, "IDTR", !vmentry_canonical(c->p, F(GUEST_IDTR_BASE)), SDM_GDTR);
	CHECK_REG(r, "GDTR", F(GUEST_GDTR_LIMIT) >> 16, SDM_GDTR);
	CHECK_REG(r, "IDTR", F(GUEST_IDTR_LIMIT) >> 16, SDM_GDTR);
	return false;
}

/* ---- 26.3.1.4 ---- */

#define SDM_GRIP "26.3.1.4 Checks on Guest RIP and RFLAGS"

/* RFLAGS: "Reserved bits 63:22, bit 15, bit 5 and bit 3 must be 0 in the field, and reserved
 * bit 1 must be 1." */
#define RFLAGS_RESERVED0 (GENMASK(63, 22) | BIT(15) | BIT(5) | BIT(3))

/* The interruption type VM entry injects, or -1 when the valid bit is 0. */
static int injected_type(u64 info)
{
	return info & VMX_INTR_INFO_VALID ? (int)bits_get(info, 10, 8) : -1;
}

/* The RFLAGS bits these rules and 26.3.1.5's read: a change of another bit leaves them passing
 * (vmcs.vdirty). */
static_assert((RFLAGS_RESERVED0 | RFLAGS_FIXED1 | RFLAGS_TF | RFLAGS_IF | RFLAGS_VM) ==
		  VMCS_RFLAGS_CHECKED,
	      "vmcs.h's VMCS_RFLAGS_CHECKED names the RFLAGS bits the checks read");

static bool guest_rip_rflags(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u64 rip = F(GUEST_RIP), rf = F(GUEST_RFLAGS), cr0 = F(GUEST_CR0);
	bool mode64 = c->ia32e && (F(GUEST_CS_AR_BYTES) & AR_L);
	int ev = injected_type(F(VM_ENTRY_INTR_INFO));
	/* "RIP: bits 63:32 must be 0 if the 'IA-32e mode guest' VM-entry control is 0 or if the
	 * L bit (bit 13) in the access-rights field for CS is 0.  If the processor supports N <
	 * 64 linear-address bits, bits 63:N must be identical if the 'IA-32e mode guest'
	 * VM-entry control is 1 and the L bit in the access-rights field for CS is 1." */
	CHECK(r, !mode64 && (rip >> 32), SDM_GRIP);
	CHECK(r, mode64 && !vmentry_canonical(c->p, rip), SDM_GRIP);
	CHECK(r, rf & RFLAGS_RESERVED0, SDM_GRIP);
	CHECK(r, !(rf & RFLAGS_FIXED1), SDM_GRIP);
	/* "The VM flag (bit 17) must be 0 either if the 'IA-32e mode guest' VM-entry control is
	 * 1 or if bit 0 in the CR0 field (corresponding to CR0.PE) is 0." */
	CHECK(r, (rf & RFLAGS_VM) && (c->ia32e || !(cr0 & X86_CR0_PE)), SDM_GRIP);
	/* "The IF flag (RFLAGS[bit 9]) must be 1 if the valid bit (bit 31) in the VM-entry
	 * interruption-information field is 1 and the interruption type (bits 10:8) is external
	 * interrupt." */
	CHECK(r, ev == VMX_INTR_TYPE_EXT_INTR && !(rf & RFLAGS_IF), SDM_GRIP);
	return false;
}

/* ---- 26.3.1.5 ---- */

#define SDM_GNRS "26.3.1.5 Checks on Guest Non-Register State"

/* "The activity-state field must contain a value in the range 0 - 3, indicating an activity
 * state supported by the implementation": IA32_VMX_MISC bits 6, 7, 8 (A.6). */
static bool activity_supported(const struct cpu_profile *p, u64 act)
{
	switch (act) {
	case VMX_ACTIVITY_ACTIVE: return true;
	case VMX_ACTIVITY_HLT: return p->vmx.misc & MSR_IA32_VMX_MISC_ACTIVITY_HLT_MASK;
	case VMX_ACTIVITY_SHUTDOWN: return p->vmx.misc & MSR_IA32_VMX_MISC_ACTIVITY_SHUTDOWN_MASK;
	case VMX_ACTIVITY_WAIT_SIPI: return p->vmx.misc & MSR_IA32_VMX_MISC_ACTIVITY_WAIT_SIPI_MASK;
	default: return false;
	}
}

/*
 * "The interruptions (as specified in the VM-entry interruption-information field) whose
 * injection is allowed for the different activity states: Active. Any interruption is
 * allowed.  HLT. The only events allowed are the following: those with interruption type
 * external interrupt or non-maskable interrupt (NMI); those with interruption type hardware
 * exception and vector 1 (debug exception) or vector 18 (machine-check exception); those with
 * interruption type other event and vector 0 (pending MTF VM exit).  Shutdown. Only NMIs and
 * machine-check exceptions are allowed.  Wait-for-SIPI. No interruptions are allowed."
 */
static bool injection_allowed(u64 act, u64 info)
{
	int type = injected_type(info);
	unsigned vec = info & VMX_INTR_INFO_VECTOR_MASK;
	bool hw = type == VMX_INTR_TYPE_HARD_EXCEPTION;
	switch (act) {
	case VMX_ACTIVITY_ACTIVE: return true;
	case VMX_ACTIVITY_HLT:
		return type == VMX_INTR_TYPE_EXT_INTR || type == VMX_INTR_TYPE_NMI ||
		       (hw && (vec == X86_VEC_DB || vec == X86_VEC_MC)) ||
		       (type == VMX_INTR_TYPE_OTHER_EVENT && vec == 0);
	case VMX_ACTIVITY_SHUTDOWN: return type == VMX_INTR_TYPE_NMI || (hw && vec == X86_VEC_MC);
	default: return false;
	}
}

#define BLOCKING_STI_OR_MOV_SS (VMX_INTR_BLOCKING_BY_STI | VMX_INTR_BLOCKING_BY_MOV_SS)

static bool guest_activity(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u64 act = F(GUEST_ACTIVITY_STATE), intr = F(GUEST_INTERRUPTIBILITY_INFO);
	u64 info = F(VM_ENTRY_INTR_INFO);
	CHECK(r, !activity_supported(c->p, act), SDM_GNRS);
	/* "The activity-state field must not indicate the HLT state if the DPL (bits 6:5) in the
	 * access-rights field for SS is not 0." */
	CHECK(r, act == VMX_ACTIVITY_HLT && AR_DPL(F(GUEST_SS_AR_BYTES)) != 0, SDM_GNRS);
	/* "The activity-state field must indicate the active state if the interruptibility-state
	 * field indicates blocking by either MOV-SS or by STI." */
	CHECK(r, act != VMX_ACTIVITY_ACTIVE && (intr & BLOCKING_STI_OR_MOV_SS), SDM_GNRS);
	/* "If the valid bit (bit 31) in the VM-entry interruption-information field is 1, the
	 * interruption to be delivered ... must not be one that would normally be blocked while a
	 * logical processor is in the activity state corresponding to the contents of the
	 * activity-state field." */
	CHECK(r, (info & VMX_INTR_INFO_VALID) && !injection_allowed(act, info), SDM_GNRS);
	/* "The activity-state field must not indicate the wait-for-SIPI state if the 'entry to
	 * SMM' VM-entry control is 1." */
	CHECK(r, act == VMX_ACTIVITY_WAIT_SIPI && (c->entry & ENTRY_ENTRY_TO_SMM), SDM_GNRS);
	return false;
}

static bool guest_interruptibility(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u64 intr = F(GUEST_INTERRUPTIBILITY_INFO), rf = F(GUEST_RFLAGS);
	int ev = injected_type(F(VM_ENTRY_INTR_INFO));
	/* CPUID.(EAX=07H,ECX=0):EBX.SGX, looked up only when bit 4 asks (every entry runs this) */
	bool sgx = !(intr & VMX_INTR_ENCLAVE_INTERRUPTION) || cpuid_field_get(c->p, CPUID_F_SGX);
	/* "The reserved bits (bits 31:5) must be 0.  The field cannot indicate blocking by both
	 * STI and MOV SS (bits 0 and 1 cannot both be 1).  Bit 0 (blocking by STI) must be 0 if
	 * the IF flag (bit 9) is 0 in the RFLAGS field." */
	CHECK(r, intr & VMX_INTR_RESERVED, SDM_GNRS);
	CHECK(r, (intr & BLOCKING_STI_OR_MOV_SS) == BLOCKING_STI_OR_MOV_SS, SDM_GNRS);
	CHECK(r, (intr & VMX_INTR_BLOCKING_BY_STI) && !(rf & RFLAGS_IF), SDM_GNRS);
	/* "Bit 0 (blocking by STI) and bit 1 (blocking by MOV-SS) must both be 0 if the valid
	 * bit ... is 1 and the interruption type ... has value 0, indicating external interrupt.
	 * Bit 1 (blocking by MOV-SS) must be 0 if ... value 2, indicating non-maskable interrupt
	 * (NMI)." */
	CHECK(r, ev == VMX_INTR_TYPE_EXT_INTR && (intr & BLOCKING_STI_OR_MOV_SS), SDM_GNRS);
	CHECK(r, ev == VMX_INTR_TYPE_NMI && (intr & VMX_INTR_BLOCKING_BY_MOV_SS), SDM_GNRS);
	/* "Bit 2 (blocking by SMI) must be 1 if the 'entry to SMM' VM-entry control is 1.  Bit 2
	 * (blocking by SMI) must be 0 if the processor is not in SMM" -- this one never is. */
	CHECK(r, (c->entry & ENTRY_ENTRY_TO_SMM) && !(intr & VMX_INTR_BLOCKING_BY_SMI), SDM_GNRS);
	CHECK(r, intr & VMX_INTR_BLOCKING_BY_SMI, SDM_GNRS);
	/* "A processor may require bit 0 (blocking by STI) to be 0 if the valid bit ... is 1 and
	 * the interruption type ... has value 2, indicating NMI.  Other processors may not make
	 * this requirement."  This processor requires it, and reports the failure with exit
	 * qualification 3 (26.8: "Such failures are implementation-specific"). */
	CHECK_QUAL(r, ev == VMX_INTR_TYPE_NMI && (intr & VMX_INTR_BLOCKING_BY_STI), SDM_GNRS,
		   VMX_ENTRY_FAIL_NMI_STI);
	/* "Bit 3 (blocking by NMI) must be 0 if the 'virtual NMIs' VM-execution control is 1,
	 * the valid bit ... is 1, and the interruption type ... has value 2 (indicating NMI)." */
	CHECK(r,
	      (c->pin & PIN_VIRTUAL_NMIS) && ev == VMX_INTR_TYPE_NMI &&
		  (intr & VMX_INTR_BLOCKING_BY_NMI),
	      SDM_GNRS);
	/* "If bit 4 (enclave interruption) is 1, bit 1 (blocking by MOV-SS) must be 0 and the
	 * processor must support for SGX by enumerating CPUID.(EAX=07H,ECX=0):EBX.SGX[bit 2] as
	 * 1."  (An injected event with bit 4 = 1 is allowed: if its delivery causes a VM exit,
	 * the exit sets exit-reason bit 27 and leaves bit 4 set; 27.2.1, 27.3.4.) */
	CHECK(r, (intr & VMX_INTR_ENCLAVE_INTERRUPTION) && (intr & VMX_INTR_BLOCKING_BY_MOV_SS),
	      SDM_GNRS);
	CHECK(r, (intr & VMX_INTR_ENCLAVE_INTERRUPTION) && !sgx, SDM_GNRS);
	return false;
}

/* Pending debug exceptions (24.4.2, Table 24-4): B3-B0 3:0, enabled breakpoint 12, BS 14,
 * RTM 16; the others reserved. */
#define PDE_ENABLED_BP BIT(12)
#define PDE_BS BIT(14)
#define PDE_RTM BIT(16)
#define PDE_RESERVED (GENMASK(11, 4) | BIT(13) | BIT(15) | GENMASK(63, 17))
#define PDE_RTM_ZERO (GENMASK(11, 0) | GENMASK(15, 13) | GENMASK(63, 17))
#define DEBUGCTL_BTF BIT(1)

static bool guest_pending_debug(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	u64 pde = F(GUEST_PENDING_DBG_EXCEPTIONS), intr = F(GUEST_INTERRUPTIBILITY_INFO);
	u64 rf = F(GUEST_RFLAGS);
	/* CPUID.(EAX=07H,ECX=0):EBX.RTM, looked up only when the RTM bit asks */
	bool rtm = !(pde & PDE_RTM) || cpuid_field_get(c->p, CPUID_F_RTM);
	/* "The following checks are performed if any of the following holds: (1) the
	 * interruptibility-state field indicates blocking by STI; (2) [it] indicates blocking by
	 * MOV SS; or (3) the activity-state field indicates HLT." */
	bool held = (intr & BLOCKING_STI_OR_MOV_SS) || F(GUEST_ACTIVITY_STATE) == VMX_ACTIVITY_HLT;
	bool single_step = (rf & RFLAGS_TF) && !(F(GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF);
	/* "Bits 11:4, bit 13, bit 15, and bits 63:17 must be 0." */
	CHECK(r, pde & PDE_RESERVED, SDM_GNRS);
	/* "Bit 14 (BS) must be 1 if the TF flag (bit 8) in the RFLAGS field is 1 and the BTF
	 * flag (bit 1) in the IA32_DEBUGCTL field is 0.  Bit 14 (BS) must be 0 if the TF flag
	 * (bit 8) in the RFLAGS field is 0 or the BTF flag (bit 1) in the IA32_DEBUGCTL field is
	 * 1." */
	CHECK(r, held && single_step && !(pde & PDE_BS), SDM_GNRS);
	CHECK(r, held && !single_step && (pde & PDE_BS), SDM_GNRS);
	/* "The following checks are performed if bit 16 (RTM) of the pending debug exceptions
	 * field is 1: bits 11:0, bits 15:13, and bits 63:17 must be 0; bit 12 must be 1; the
	 * processor must support for RTM by enumerating CPUID.(EAX=07H,ECX=0):EBX[bit 11] as 1;
	 * the interruptibility-state field must not indicate blocking by MOV SS." */
	CHECK(r, (pde & PDE_RTM) && (pde & PDE_RTM_ZERO), SDM_GNRS);
	CHECK(r, (pde & PDE_RTM) && !(pde & PDE_ENABLED_BP), SDM_GNRS);
	CHECK(r, (pde & PDE_RTM) && (intr & VMX_INTR_BLOCKING_BY_MOV_SS), SDM_GNRS);
	CHECK(r, (pde & PDE_RTM) && !rtm, SDM_GNRS);
	return false;
}

#define VMCS_SHADOW_INDICATOR BIT(31)

static bool guest_link_pointer(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	const struct cpu_profile *p = c->p;
	u64 link = F(VMCS_LINK_POINTER);
	u64 revision = p->vmx.basic & MSR_IA32_VMX_BASIC_REVISION_MASK;
	bool shadowing = c->proc2 & PROC2_VMCS_SHADOWING;
	/* "The following checks apply if the field contains a value other than
	 * FFFFFFFF_FFFFFFFFH: bits 11:0 must be 0; bits beyond the processor's physical-address
	 * width must be 0; the 4 bytes located in memory referenced by the value of the field (as
	 * a physical address) must satisfy: bits 30:0 must contain the processor's VMCS revision
	 * identifier; bit 31 must contain the setting of the 'VMCS shadowing' VM-execution
	 * control; if the processor is not in SMM or the 'entry to SMM' VM-entry control is 1,
	 * the field must not contain the current VMCS pointer."  Failures: qualification 4. */
	if (link == ~0ull)
		return false;
	CHECK_QUAL(r, link & 0xfff, SDM_GNRS, VMX_ENTRY_FAIL_LINK_POINTER);
	CHECK_QUAL(r, vmentry_pa_bad(p, link), SDM_GNRS, VMX_ENTRY_FAIL_LINK_POINTER);
	u64 hdr = c->phys ? phys_read(c->phys, link, 4) : revision | (shadowing ? BIT(31) : 0);
	CHECK_QUAL(r, (hdr & MSR_IA32_VMX_BASIC_REVISION_MASK) != revision, SDM_GNRS,
		   VMX_ENTRY_FAIL_LINK_POINTER);
	CHECK_QUAL(r, !!(hdr & VMCS_SHADOW_INDICATOR) != shadowing, SDM_GNRS,
		   VMX_ENTRY_FAIL_LINK_POINTER);
	CHECK_QUAL(r, link == c->vmcs_ptr, SDM_GNRS, VMX_ENTRY_FAIL_LINK_POINTER);
	return false;
}

/* ---- 26.3.1.6 ---- */

#define SDM_GPDPTE "26.3.1.6 Checks on Guest Page-Directory-Pointer-Table Entries"

static const char *const pdpte_name[4] = {"PDPTE0", "PDPTE1", "PDPTE2", "PDPTE3"};

/* A present PDPTE with a reserved bit set: what MOV to CR3 rejects with PAE paging (Vol. 3A
 * 4.4.1 "PDPTE Registers", Table 4-8: bits 2:1, 8:5 and 63:MAXPHYADDR reserved). */
static bool pdpte_bad(const struct cpu_profile *p, u64 e)
{
	u64 rsvd =
	    GENMASK(2, 1) | GENMASK(8, 5) | (p->maxphyaddr >= 64 ? 0 : ~0ull << p->maxphyaddr);
	return (e & 1) && (e & rsvd);
}

/* PDPTE k as VM entry loads it: the guest-state field with EPT, else the entry of the
 * page-directory-pointer table at CR3 bits 31:5 (a physical address without EPT). */
static u64 guest_pdpte(const struct vmentry_ctx *c, unsigned k, bool ept)
{
	if (ept)
		return vmcs_get(c->v, VMCS_SLOT_GUEST_PDPTR0 + k);
	return phys_read(c->phys, (F(GUEST_CR3) & 0xffffffe0ull) + 8 * k, 8);
}

static_assert(VMCS_SLOT_GUEST_PDPTR3 - VMCS_SLOT_GUEST_PDPTR0 == 3, "PDPTE0..3 consecutive");

static bool guest_pdptes(struct vmentry_ctx *c)
{
	struct vmentry_result *r = c->r;
	bool ept = c->proc2 & PROC2_ENABLE_EPT;
	/* "A VM entry is to a guest that uses PAE paging if (1) bit 31 (PG) is set in the CR0
	 * field in the guest-state area; (2) bit 5 (PAE) is set in the CR4 field; and (3) the
	 * 'IA-32e mode guest' VM-entry control is 0.  Such a VM entry checks the validity of the
	 * PDPTEs: if the 'enable EPT' VM-execution control is 0, ... the PDPTEs referenced by the
	 * CR3 field; if [it] is 1, ... the PDPTE fields in the guest-state area.  ... If MOV to
	 * CR3 would cause a general-protection exception due to the PDPTEs that would be loaded
	 * (e.g., because a reserved bit is set), the VM entry fails."  Qualification 2 for both
	 * (26.8: "a problem loading the PDPTRs").  Without memory the EPT-off case is skipped. */
	bool pae = (F(GUEST_CR0) & X86_CR0_PG) && (F(GUEST_CR4) & X86_CR4_PAE) && !c->ia32e;
	if (!pae || (!ept && !c->phys))
		return false;
	for (unsigned k = 0; k < 4; k++) {
		r->reg = pdpte_name[k];
		CHECK_QUAL(r, pdpte_bad(c->p, guest_pdpte(c, k, ept)), SDM_GPDPTE,
			   VMX_ENTRY_FAIL_PDPTE);
	}
	r->reg = NULL;
	return false;
}

bool vmentry_check_guest_rip(struct vmentry_ctx *c)
{
	c->r->reg = NULL;
	return guest_rip_rflags(c);
}

bool vmentry_check_guest_volatile(struct vmentry_ctx *c)
{
	c->r->reg = NULL;
	return guest_rip_rflags(c) || guest_activity(c) || guest_interruptibility(c) ||
	       guest_pending_debug(c);
}

bool vmentry_check_guest(struct vmentry_ctx *c)
{
	c->r->reg = NULL;
	return guest_control_regs(c) || guest_msrs(c) || guest_segments(c) ||
	       guest_descriptor_tables(c) || guest_rip_rflags(c) || guest_activity(c) ||
	       guest_interruptibility(c) || guest_pending_debug(c) || guest_link_pointer(c) ||
	       guest_pdptes(c);
}
