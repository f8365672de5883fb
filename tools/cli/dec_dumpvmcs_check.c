// SPDX-License-Identifier: MIT
/*
 * Diagnosis of a parsed VMCS dump: the VM-entry checks of Intel SDM Vol. 3C (2016) chapter
 * 26 "VM Entries" that the dumped values allow evaluating, one rule per CHECK line:
 *   26.2.1.1 "VM-Execution Control Fields", 26.2.1.2 "VM-Exit Control Fields",
 *   26.2.1.3 "VM-Entry Control Fields", 26.2.2 "Checks on Host Control Registers and MSRs",
 *   26.2.3 "Checks on Host Segment and Descriptor-Table Registers", 26.2.4 "Checks Related to
 *   Address-Space Size", 26.3.1.1-26.3.1.6 (guest state), 26.4 "Loading MSRs";
 * and a plain-words account of the exit (triple fault, EPT violation or misconfiguration,
 * exit from enclave mode, VMfail).
 *
 * CHECK(requirement, sdm, message...) records a finding when the requirement does not hold;
 * the message is worded like the SDM rule.  Rules whose outcome depends on capability MSRs
 * that no dump shows use LIKELY(requirement, sdm, assumption, message...).  A rule runs
 * only when the dump shows every input it reads; skipped rules are counted.
 */
#include <stdarg.h>
#include <string.h>

#include "dumpvmcs.h"

#define SDM_GCR "26.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SDM_GSEG "26.3.1.2 Checks on Guest Segment Registers"
#define SDM_GDTR "26.3.1.3 Checks on Guest Descriptor-Table Registers"
#define SDM_GRIP "26.3.1.4 Checks on Guest RIP and RFLAGS"
#define SDM_GNRS "26.3.1.5 Checks on Guest Non-Register State"
#define SDM_GPDPTE "26.3.1.6 Checks on Guest Page-Directory-Pointer-Table Entries"
#define SDM_EXEC "26.2.1.1 VM-Execution Control Fields"
#define SDM_EXIT "26.2.1.2 VM-Exit Control Fields"
#define SDM_ENTRY "26.2.1.3 VM-Entry Control Fields"
#define SDM_HCR "26.2.2 Checks on Host Control Registers and MSRs"
#define SDM_HSEG "26.2.3 Checks on Host Segment and Descriptor-Table Registers"
#define SDM_ASZ "26.2.4 Checks Related to Address-Space Size"
#define SDM_MSR "26.4 Loading MSRs"

/* Typical Intel capability values assumed by LIKELY rules (A.7 "VMX-Fixed Bits in CR0",
 * A.8 "VMX-Fixed Bits in CR4"). */
#define CR0_FIXED0 0x80000021ull /* PE, NE, PG */
#define CR4_FIXED0 0x00002000ull /* VMXE */
#define ASSUME_CR0 "IA32_VMX_CR0_FIXED0 = 0x80000021 (PE, NE, PG), as on Intel CPUs"
#define ASSUME_CR4 "IA32_VMX_CR4_FIXED0 = 0x2000 (VMXE), as on Intel CPUs"
#define ASSUME_CR4_1 "IA32_VMX_CR4_FIXED1 allows no bit the SDM leaves undefined"
#define ASSUME_CANON "48-bit linear addresses (no 5-level paging)"
#define ASSUME_CTL "the capability MSRs fix the SDM's undefined control bits as in A.2"

struct ck {
	const struct vmcs_dump *d;
	struct dv_findings *out;
	char vals[200];
	/* derived inputs, each with "known" */
	bool ctl, ug, ia32e, v86, pe;
	bool rflags, cr0;
};

#define V(id) (c->d->f[DV_F_##id].v)
#define HAS(id) dv_has(c->d, DV_F_##id)
#define SEG(s) (&c->d->seg[s])
/* IF_KNOWN(k) RULE: runs RULE when k (the dump shows the inputs), else counts it skipped. */
#define IF_KNOWN(known)     \
	if (!(known))       \
		skip(c, 1); \
	else
#define CHECK(cond, sdm, ...) rule(c, (cond), DV_CERTAIN, NULL, sdm, __VA_ARGS__)
#define LIKELY(cond, sdm, why, ...) rule(c, (cond), DV_LIKELY, why, sdm, __VA_ARGS__)

static void rule(struct ck *c, bool ok, enum dv_confidence conf, const char *why, const char *sdm,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void rule(struct ck *c, bool ok, enum dv_confidence conf, const char *why, const char *sdm,
		 const char *fmt, ...)
{
	struct dv_findings *o = c->out;
	o->evaluated++;
	if (ok)
		return;
	if (o->n == DV_MAX_FINDINGS) {
		o->dropped++;
		return;
	}
	struct dv_finding *f = &o->f[o->n++];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->check, sizeof(f->check), fmt, ap);
	va_end(ap);
	snprintf(f->values, sizeof(f->values), "%s", c->vals);
	f->sdm = sdm;
	f->confidence = conf;
	f->assumption = why;
}

static void vals(struct ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vals(struct ck *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->vals, sizeof(c->vals), fmt, ap);
	va_end(ap);
}

static void skip(struct ck *c, unsigned n)
{
	c->out->skipped += n;
}

static void note(struct ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ck *c, const char *fmt, ...)
{
	struct dv_findings *o = c->out;
	if (o->nnotes == DV_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->notes[o->nnotes++], sizeof(o->notes[0]), fmt, ap);
	va_end(ap);
}

/* Canonical with 57 (certain) or 48 (likely) linear-address bits. */
static bool canon(u64 a, unsigned bits)
{
	u64 top = (u64)((s64)(a << (64 - bits)) >> (64 - bits));
	return top == a;
}

#define CANON(addr, sdm, ...)                                                    \
	do {                                                                     \
		CHECK(canon(addr, 57), sdm, __VA_ARGS__);                        \
		if (canon(addr, 57))                                             \
			LIKELY(canon(addr, 48), sdm, ASSUME_CANON, __VA_ARGS__); \
	} while (0)

static unsigned ar_type(u64 ar)
{
	return ar & 15;
}

static unsigned ar_dpl(u64 ar)
{
	return (ar >> 5) & 3;
}

static bool usable(const struct dv_segreg *s)
{
	return !(s->ar.v & BIT(16));
}

/* Rule bodies keep one rule per line (clang-format would split them). */
/* clang-format off */
/* ------------------------------------------------------------ 26.3.1.1 guest CRs and MSRs */

static void check_guest_cr0_cr4(struct ck *c)
{
	if (!HAS(CR0) || !HAS(CR4)) {
		skip(c, 7);
		return;
	}
	u64 cr0 = V(CR0), cr4 = V(CR4);
	u64 fixed0 = c->ctl ? (c->ug ? CR0_FIXED0 & ~0x80000001ull : CR0_FIXED0) : 0x20;
	vals(c, "CR0=0x%llx CR4=0x%llx unrestricted guest=%s", (unsigned long long)cr0, (unsigned long long)cr4, c->ctl ? (c->ug ? "1" : "0") : "unknown");
	/* 26.3.1.1: CR0 must not set any bit to a value not supported in VMX operation; PE and
	 * PG are not checked when "unrestricted guest" is 1. */
	LIKELY((cr0 & fixed0) == fixed0, SDM_GCR, ASSUME_CR0, "CR0 must have the bits IA32_VMX_CR0_FIXED0 requires (missing: 0x%llx%s)", (unsigned long long)(fixed0 & ~cr0), (fixed0 & ~cr0 & 0x80000001) ? "; PE/PG may be 0 only with unrestricted guest" : "");
	LIKELY(!(cr0 >> 32), SDM_GCR, "IA32_VMX_CR0_FIXED1 bits 63:32 are 0", "CR0 bits 63:32 must be 0");
	CHECK(!(cr0 & BIT(31)) || (cr0 & BIT(0)), SDM_GCR, "If CR0.PG (bit 31) is 1, CR0.PE (bit 0) must be 1");
	LIKELY((cr4 & CR4_FIXED0) == CR4_FIXED0, SDM_GCR, ASSUME_CR4, "CR4 must have the bits IA32_VMX_CR4_FIXED0 requires (CR4.VMXE)");
	LIKELY(!(cr4 & vx_layout_reserved(LAYOUT_CR4, 64)), SDM_GCR, ASSUME_CR4_1, "CR4 must not set bits unsupported in VMX operation (reserved bits 0x%llx)", (unsigned long long)(cr4 & vx_layout_reserved(LAYOUT_CR4, 64)));
	if (!c->ctl) {
		skip(c, 2);
		return;
	}
	vals(c, "CR0=0x%llx CR4=0x%llx IA-32e mode guest=%d", (unsigned long long)cr0, (unsigned long long)cr4, c->ia32e);
	CHECK(!c->ia32e || ((cr0 & BIT(31)) && (cr4 & BIT(5))), SDM_GCR, "If the \"IA-32e mode guest\" VM-entry control is 1, CR0.PG and CR4.PAE must be 1");
	CHECK(c->ia32e || !(cr4 & BIT(17)), SDM_GCR, "If the \"IA-32e mode guest\" VM-entry control is 0, CR4.PCIDE must be 0");
}

static void check_guest_msrs(struct ck *c)
{
	if (HAS(CR3)) {
		vals(c, "CR3=0x%llx", (unsigned long long)V(CR3));
		CHECK(!(V(CR3) >> 52), SDM_GCR, "CR3 bits 63:52 must be 0 (bit 63 is the PCID no-flush bit of MOV to CR3, never a CR3 bit)");
	}
	if (HAS(SYSENTER_ESP) && HAS(SYSENTER_EIP)) {
		vals(c, "SYSENTER_ESP=0x%llx SYSENTER_EIP=0x%llx", (unsigned long long)V(SYSENTER_ESP), (unsigned long long)V(SYSENTER_EIP));
		CANON(V(SYSENTER_ESP), SDM_GCR, "The IA32_SYSENTER_ESP field must contain a canonical address");
		CANON(V(SYSENTER_EIP), SDM_GCR, "The IA32_SYSENTER_EIP field must contain a canonical address");
	}
	if (!c->ctl) {
		skip(c, 8);
		return;
	}
	u64 entry = V(ENTRY);
	if ((entry & ENTRY_LOAD_DEBUG_CONTROLS) && HAS(DR7)) {
		vals(c, "DR7=0x%llx EntryControls=0x%llx", (unsigned long long)V(DR7), (unsigned long long)entry);
		CHECK(!(V(DR7) >> 32), SDM_GCR, "If \"load debug controls\" is 1, DR7 bits 63:32 must be 0");
	}
	if ((entry & ENTRY_LOAD_DEBUG_CONTROLS) && HAS(DEBUGCTL)) {
		vals(c, "DebugCtl=0x%llx", (unsigned long long)V(DEBUGCTL));
		LIKELY(!(V(DEBUGCTL) & (~0xffffull | 0x3c)), SDM_GCR, "IA32_DEBUGCTL defines bits 0, 1 and 6-15 (Vol. 3B 17.4.1)", "If \"load debug controls\" is 1, reserved IA32_DEBUGCTL bits must be 0");
	}
	if ((entry & ENTRY_LOAD_IA32_PAT) && HAS(PAT)) {
		bool ok = true;
		for (int i = 0; i < 8; i++) {
			unsigned t = (V(PAT) >> (8 * i)) & 0xff;
			ok &= t <= 1 || (t >= 4 && t <= 7);
		}
		vals(c, "PAT=0x%016llx", (unsigned long long)V(PAT));
		CHECK(ok, SDM_GCR, "If \"load IA32_PAT\" is 1, each byte of the PAT field must be 0, 1, 4, 5, 6 or 7");
	}
	if ((entry & ENTRY_LOAD_IA32_EFER) && HAS(EFER)) {
		u64 e = V(EFER);
		bool lma = e & BIT(10), lme = e & BIT(8);
		vals(c, "EFER=0x%llx IA-32e mode guest=%d CR0=0x%llx", (unsigned long long)e, c->ia32e, (unsigned long long)V(CR0));
		LIKELY(!(e & ~0xd01ull), SDM_GCR, "Intel IA32_EFER defines only SCE, LME, LMA and NXE", "If \"load IA32_EFER\" is 1, reserved IA32_EFER bits must be 0");
		CHECK(lma == c->ia32e, SDM_GCR, "If \"load IA32_EFER\" is 1, EFER.LMA must equal the \"IA-32e mode guest\" VM-entry control");
		if (HAS(CR0))
			CHECK(!(V(CR0) & BIT(31)) || lma == lme, SDM_GCR, "If \"load IA32_EFER\" is 1 and CR0.PG is 1, EFER.LMA must equal EFER.LME");
	}
	if ((entry & ENTRY_LOAD_IA32_BNDCFGS) && HAS(BNDCFGS)) {
		vals(c, "BndCfgS=0x%llx", (unsigned long long)V(BNDCFGS));
		CHECK(!(V(BNDCFGS) & 0xffcull), SDM_GCR, "If \"load IA32_BNDCFGS\" is 1, reserved IA32_BNDCFGS bits 11:2 must be 0");
		CANON(V(BNDCFGS) & ~0xfffull, SDM_GCR, "If \"load IA32_BNDCFGS\" is 1, the linear address in IA32_BNDCFGS bits 63:12 must be canonical");
	}
}

/* ------------------------------------------------------------ 26.3.1.2 guest segments */

static void seg_vals(struct ck *c, enum dv_seg s)
{
	const struct dv_segreg *r = SEG(s);
	char type[64];
	dumpvmcs_seg_type((u32)r->ar.v, type, sizeof(type));
	vals(c, "%s sel=0x%04llx attr=0x%05llx (type %u: %s, DPL %u) limit=0x%08llx base=0x%llx", dumpvmcs_seg_name(s), (unsigned long long)r->sel.v, (unsigned long long)r->ar.v, ar_type(r->ar.v), type, ar_dpl(r->ar.v), (unsigned long long)r->limit.v, (unsigned long long)r->base.v);
}

/* Granularity and the reserved access-rights bits, shared by every register. */
static void check_ar_common(struct ck *c, enum dv_seg s)
{
	const struct dv_segreg *r = SEG(s);
	const char *n = dumpvmcs_seg_name(s);
	u64 ar = r->ar.v, lim = r->limit.v;
	bool g = ar & BIT(15);
	CHECK(ar & BIT(7), SDM_GSEG, "%s: the segment must be present (P, bit 7, must be 1)", n);
	CHECK(!(ar & 0xf00), SDM_GSEG, "%s: access-rights bits 11:8 are reserved and must be 0", n);
	CHECK(!(ar >> 17), SDM_GSEG, "%s: access-rights bits 31:17 are reserved and must be 0", n);
	if (!r->limit.present) {
		skip(c, 2);
		return;
	}
	CHECK((lim & 0xfff) == 0xfff || !g, SDM_GSEG, "%s: if any of limit bits 11:0 is 0, G (bit 15) must be 0", n);
	CHECK(!(lim & 0xfff00000) || g, SDM_GSEG, "%s: if any of limit bits 31:20 is 1, G (bit 15) must be 1", n);
}

/* Virtual-8086 guests: the six data/code registers look like real-mode segments. */
static void check_seg_v86(struct ck *c, enum dv_seg s)
{
	const struct dv_segreg *r = SEG(s);
	const char *n = dumpvmcs_seg_name(s);
	CHECK(!r->sel.present || !r->base.present || r->base.v == r->sel.v << 4, SDM_GSEG, "%s: with RFLAGS.VM = 1 the base must be the selector shifted left 4 bits", n);
	CHECK(!r->limit.present || r->limit.v == 0xffff, SDM_GSEG, "%s: with RFLAGS.VM = 1 the limit must be 0000FFFFH", n);
	CHECK(r->ar.v == 0xf3, SDM_GSEG, "%s: with RFLAGS.VM = 1 the access rights must be 000000F3H", n);
}

static void check_cs(struct ck *c)
{
	const struct dv_segreg *cs = SEG(DV_CS), *ss = SEG(DV_SS);
	unsigned t = ar_type(cs->ar.v), dpl = ar_dpl(cs->ar.v);
	bool code = t == 9 || t == 11 || t == 13 || t == 15;
	IF_KNOWN(c->ctl)
		CHECK(c->ug ? code || t == 3 : code, SDM_GSEG, "CS: the type must be 9, 11, 13 or 15 (accessed code)%s", c->ug ? " or 3 (unrestricted guest)" : "; a real-mode-style data type needs unrestricted guest");
	CHECK(cs->ar.v & BIT(4), SDM_GSEG, "CS: S (bit 4) must be 1 (code or data segment)");
	CHECK(t != 3 || dpl == 0, SDM_GSEG, "CS: if the type is 3 (read/write accessed data, unrestricted guest), the DPL must be 0");
	if (ss->ar.present) {
		CHECK(!(t == 9 || t == 11) || dpl == ar_dpl(ss->ar.v), SDM_GSEG, "CS: if the type is 9 or 11 (non-conforming code), the DPL must equal SS.DPL (%u)", ar_dpl(ss->ar.v));
		CHECK(!(t == 13 || t == 15) || dpl <= ar_dpl(ss->ar.v), SDM_GSEG, "CS: if the type is 13 or 15 (conforming code), the DPL cannot be greater than SS.DPL (%u)", ar_dpl(ss->ar.v));
	}
	IF_KNOWN(c->ctl)
		CHECK(!c->ia32e || !(cs->ar.v & BIT(13)) || !(cs->ar.v & BIT(14)), SDM_GSEG, "CS: D/B (bit 14) must be 0 when the guest is IA-32e mode and CS.L (bit 13) is 1");
	CHECK(!cs->base.present || !(cs->base.v >> 32), SDM_GSEG, "CS: base bits 63:32 must be 0");
}

static void check_ss(struct ck *c)
{
	const struct dv_segreg *ss = SEG(DV_SS), *cs = SEG(DV_CS);
	unsigned t = ar_type(ss->ar.v), dpl = ar_dpl(ss->ar.v);
	IF_KNOWN(c->ctl) if (!c->ug && ss->sel.present && cs->sel.present)
		CHECK((ss->sel.v & 3) == (cs->sel.v & 3), SDM_GSEG, "SS: without unrestricted guest, the selector RPL (%llu) must equal the CS selector RPL (%llu)", (unsigned long long)(ss->sel.v & 3), (unsigned long long)(cs->sel.v & 3));
	IF_KNOWN(c->ctl) if (!c->ug && ss->sel.present)
		CHECK(dpl == (ss->sel.v & 3), SDM_GSEG, "SS: without unrestricted guest, the DPL must equal the selector RPL (%llu)", (unsigned long long)(ss->sel.v & 3));
	IF_KNOWN(c->cr0)
		CHECK(!(ar_type(cs->ar.v) == 3 || !c->pe) || dpl == 0, SDM_GSEG, "SS: the DPL must be 0 when the CS type is 3 or CR0.PE is 0");
	if (!usable(ss))
		return;
	CHECK(t == 3 || t == 7, SDM_GSEG, "SS: a usable SS must have type 3 or 7 (read/write, accessed data)");
	CHECK(ss->ar.v & BIT(4), SDM_GSEG, "SS: a usable SS must have S (bit 4) = 1");
	CHECK(!ss->base.present || !(ss->base.v >> 32), SDM_GSEG, "SS: if usable, base bits 63:32 must be 0");
}

static void check_data_seg(struct ck *c, enum dv_seg s)
{
	const struct dv_segreg *r = SEG(s);
	const char *n = dumpvmcs_seg_name(s);
	unsigned t = ar_type(r->ar.v);
	if (s == DV_FS || s == DV_GS)
		CANON(r->base.v, SDM_GSEG, "%s: the base must be canonical", n);
	if (!usable(r))
		return;
	CHECK(t & 1, SDM_GSEG, "%s: usable data segments must have the accessed bit (type bit 0) set", n);
	CHECK(!(t & 8) || (t & 2), SDM_GSEG, "%s: a usable code segment in %s must be readable (type bit 1)", n, n);
	CHECK(r->ar.v & BIT(4), SDM_GSEG, "%s: a usable %s must have S (bit 4) = 1", n, n);
	IF_KNOWN(c->ctl) if (!c->ug && r->sel.present)
		CHECK(t > 11 || ar_dpl(r->ar.v) >= (r->sel.v & 3), SDM_GSEG, "%s: without unrestricted guest, the DPL of a usable data or non-conforming code segment cannot be less than the selector RPL (%llu)", n, (unsigned long long)(r->sel.v & 3));
	if (s != DV_FS && s != DV_GS && r->base.present)
		CHECK(!(r->base.v >> 32), SDM_GSEG, "%s: if usable, base bits 63:32 must be 0", n);
}

static void check_tr(struct ck *c)
{
	const struct dv_segreg *tr = SEG(DV_TR);
	unsigned t = ar_type(tr->ar.v);
	if (tr->sel.present)
		CHECK(!(tr->sel.v & 4), SDM_GSEG, "TR: the selector TI flag (bit 2) must be 0");
	if (tr->base.present)
		CANON(tr->base.v, SDM_GSEG, "TR: the base must be canonical");
	IF_KNOWN(c->ctl)
		CHECK(c->ia32e ? t == 11 : t == 3 || t == 11, SDM_GSEG, "TR: the type must be %s", c->ia32e ? "11 (64-bit busy TSS) in IA-32e mode" : "3 or 11 (busy TSS)");
	CHECK(!(tr->ar.v & BIT(4)), SDM_GSEG, "TR: S (bit 4) must be 0 (system segment)");
	CHECK(!(tr->ar.v & BIT(16)), SDM_GSEG, "TR: the unusable bit (bit 16) must be 0");
}

static void check_ldtr(struct ck *c)
{
	const struct dv_segreg *l = SEG(DV_LDTR);
	if (!usable(l))
		return;
	if (l->sel.present)
		CHECK(!(l->sel.v & 4), SDM_GSEG, "LDTR: if usable, the selector TI flag (bit 2) must be 0");
	if (l->base.present)
		CANON(l->base.v, SDM_GSEG, "LDTR: if usable, the base must be canonical");
	CHECK(ar_type(l->ar.v) == 2, SDM_GSEG, "LDTR: if usable, the type must be 2 (LDT)");
	CHECK(!(l->ar.v & BIT(4)), SDM_GSEG, "LDTR: if usable, S (bit 4) must be 0");
	check_ar_common(c, DV_LDTR);
}

static void check_segments(struct ck *c)
{
	static const enum dv_seg six[] = {DV_CS, DV_SS, DV_DS, DV_ES, DV_FS, DV_GS};
	/* without RFLAGS.VM nothing is known: virtual-8086 changes every rule */
	if (!c->rflags || !SEG(DV_CS)->ar.present || !SEG(DV_SS)->ar.present) {
		skip(c, 60);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(six); i++) {
		enum dv_seg s = six[i];
		if (!SEG(s)->ar.present) {
			skip(c, 8);
			continue;
		}
		seg_vals(c, s);
		if (c->v86) {
			check_seg_v86(c, s);
			continue;
		}
		if (s == DV_CS)
			check_cs(c);
		else if (s == DV_SS)
			check_ss(c);
		else
			check_data_seg(c, s);
		if (s == DV_CS || usable(SEG(s)))
			check_ar_common(c, s);
	}
	if (SEG(DV_TR)->ar.present) {
		seg_vals(c, DV_TR);
		check_tr(c);
		check_ar_common(c, DV_TR);
	}
	if (SEG(DV_LDTR)->ar.present) {
		seg_vals(c, DV_LDTR);
		check_ldtr(c);
	}
}

/* ------------------------------------------------------------ 26.3.1.3 GDTR and IDTR */

static void check_dtr(struct ck *c)
{
	for (enum dv_seg s = DV_GDTR; s <= DV_IDTR; s++) {
		const struct dv_segreg *r = SEG(s);
		const char *n = dumpvmcs_seg_name(s);
		if (!r->limit.present || !r->base.present) {
			skip(c, 2);
			continue;
		}
		vals(c, "%s limit=0x%08llx base=0x%llx", n, (unsigned long long)r->limit.v, (unsigned long long)r->base.v);
		CANON(r->base.v, SDM_GDTR, "%s: the base must be canonical", n);
		CHECK(!(r->limit.v >> 16), SDM_GDTR, "%s: limit bits 31:16 must be 0", n);
	}
}

/* ------------------------------------------------------------ 26.3.1.4 RIP and RFLAGS */

static void check_rip_rflags(struct ck *c)
{
	if (!c->rflags) {
		skip(c, 6);
		return;
	}
	u64 rf = V(RFLAGS);
	vals(c, "RFLAGS=0x%llx", (unsigned long long)rf);
	CHECK(!(rf & (GENMASK(63, 22) | BIT(15) | BIT(5) | BIT(3))) && (rf & BIT(1)), SDM_GRIP, "RFLAGS bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1");
	if (!c->ctl || !c->cr0) {
		skip(c, 4);
		return;
	}
	vals(c, "RFLAGS=0x%llx IA-32e mode guest=%d CR0.PE=%d", (unsigned long long)rf, c->ia32e, c->pe);
	CHECK(!(rf & BIT(17)) || (!c->ia32e && c->pe), SDM_GRIP, "RFLAGS.VM must be 0 when the guest is IA-32e mode or CR0.PE is 0");
	u64 ii = V(ENTRY_INTR_INFO);
	if (HAS(ENTRY_INTR_INFO)) {
		vals(c, "RFLAGS=0x%llx VMEntry intr_info=0x%08llx", (unsigned long long)rf, (unsigned long long)ii);
		CHECK(!((ii & BIT(31)) && bits_get(ii, 10, 8) == 0) || (rf & BIT(9)), SDM_GRIP, "RFLAGS.IF must be 1 when VM entry injects an external interrupt");
	}
	if (!HAS(RIP) || !SEG(DV_CS)->ar.present) {
		skip(c, 2);
		return;
	}
	bool l = SEG(DV_CS)->ar.v & BIT(13);
	vals(c, "RIP=0x%llx IA-32e mode guest=%d CS.L=%d", (unsigned long long)V(RIP), c->ia32e, l);
	CHECK((c->ia32e && l) || !(V(RIP) >> 32), SDM_GRIP, "RIP bits 63:32 must be 0 unless the guest is IA-32e mode with CS.L = 1");
	if (c->ia32e && l)
		CANON(V(RIP), SDM_GRIP, "In 64-bit mode RIP must be canonical");
}

/* ------------------------------------------------------------ 26.3.1.5 non-register state */

/* Events an activity state lets VM entry inject (26.3.1.5, "Activity state"). */
static bool injectable(unsigned act, u64 ii)
{
	unsigned type = (unsigned)bits_get(ii, 10, 8), vec = ii & 0xff;
	switch (act) {
	case VMX_ACTIVITY_ACTIVE: return true;
	case VMX_ACTIVITY_HLT:
		return type == VMX_INTR_TYPE_EXT_INTR || type == VMX_INTR_TYPE_NMI ||
		       (type == VMX_INTR_TYPE_HARD_EXCEPTION && (vec == 1 || vec == 18)) ||
		       (type == VMX_INTR_TYPE_OTHER_EVENT && vec == 0);
	case VMX_ACTIVITY_SHUTDOWN:
		return type == VMX_INTR_TYPE_NMI ||
		       (type == VMX_INTR_TYPE_HARD_EXCEPTION && vec == 18);
	default: return false;
	}
}

static void check_activity(struct ck *c)
{
	if (!HAS(ACTIVITY)) {
		skip(c, 5);
		return;
	}
	u64 act = V(ACTIVITY), is = V(INTERRUPTIBILITY), ii = V(ENTRY_INTR_INFO);
	vals(c, "ActivityState=%llu", (unsigned long long)act);
	CHECK(act <= 3, SDM_GNRS, "The activity state must be 0-3 (active, HLT, shutdown, wait-for-SIPI)");
	if (SEG(DV_SS)->ar.present) {
		vals(c, "ActivityState=%llu SS.DPL=%u", (unsigned long long)act, ar_dpl(SEG(DV_SS)->ar.v));
		CHECK(act != VMX_ACTIVITY_HLT || ar_dpl(SEG(DV_SS)->ar.v) == 0, SDM_GNRS, "The activity state must not be HLT when SS.DPL is not 0");
	}
	if (HAS(INTERRUPTIBILITY)) {
		vals(c, "ActivityState=%llu Interruptibility=0x%08llx", (unsigned long long)act, (unsigned long long)is);
		CHECK(act == 0 || !(is & 3), SDM_GNRS, "The activity state must be active when interruptibility shows blocking by STI or by MOV SS");
	}
	if (HAS(ENTRY_INTR_INFO) && (ii & BIT(31))) {
		vals(c, "ActivityState=%llu VMEntry intr_info=0x%08llx", (unsigned long long)act, (unsigned long long)ii);
		CHECK(injectable((unsigned)act, ii), SDM_GNRS, "The injected event must be one the activity state does not block (HLT: external interrupt, NMI, #DB, #MC, MTF; shutdown: NMI, #MC; wait-for-SIPI: none)");
	}
	IF_KNOWN(c->ctl)
		CHECK(act != VMX_ACTIVITY_WAIT_SIPI || !(V(ENTRY) & ENTRY_ENTRY_TO_SMM), SDM_GNRS, "The activity state must not be wait-for-SIPI when the \"entry to SMM\" VM-entry control is 1");
}

static void check_interruptibility(struct ck *c)
{
	if (!HAS(INTERRUPTIBILITY)) {
		skip(c, 9);
		return;
	}
	u64 is = V(INTERRUPTIBILITY), ii = HAS(ENTRY_INTR_INFO) ? V(ENTRY_INTR_INFO) : 0;
	bool inj = ii & BIT(31);
	unsigned type = (unsigned)bits_get(ii, 10, 8);
	vals(c, "Interruptibility=0x%08llx", (unsigned long long)is);
	CHECK(!(is & VMX_INTR_RESERVED), SDM_GNRS, "Interruptibility bits 31:5 are reserved and must be 0");
	CHECK((is & 3) != 3, SDM_GNRS, "Interruptibility cannot show blocking by both STI (bit 0) and MOV SS (bit 1)");
	CHECK(!(is & VMX_INTR_ENCLAVE_INTERRUPTION) || !(is & VMX_INTR_BLOCKING_BY_MOV_SS), SDM_GNRS, "If bit 4 (enclave interruption) is 1, bit 1 (blocking by MOV SS) must be 0");
	LIKELY(!(is & VMX_INTR_BLOCKING_BY_SMI), SDM_GNRS, "the VM entry was not from SMM (true for KVM and Xen)", "Bit 2 (blocking by SMI) must be 0 outside SMM");
	if (c->rflags) {
		vals(c, "Interruptibility=0x%08llx RFLAGS=0x%llx", (unsigned long long)is, (unsigned long long)V(RFLAGS));
		CHECK(!(is & 1) || (V(RFLAGS) & BIT(9)), SDM_GNRS, "Bit 0 (blocking by STI) must be 0 when RFLAGS.IF is 0");
	}
	if (!inj)
		return;
	vals(c, "Interruptibility=0x%08llx VMEntry intr_info=0x%08llx", (unsigned long long)is, (unsigned long long)ii);
	CHECK(type != VMX_INTR_TYPE_EXT_INTR || !(is & 3), SDM_GNRS, "Injecting an external interrupt requires bits 0 and 1 (blocking by STI / MOV SS) to be 0");
	CHECK(type != VMX_INTR_TYPE_NMI || !(is & 2), SDM_GNRS, "Injecting an NMI requires bit 1 (blocking by MOV SS) to be 0");
	LIKELY(type != VMX_INTR_TYPE_NMI || !(is & 1), SDM_GNRS, "the processor requires it (most do; exit qualification 3 reports it)", "Injecting an NMI with bit 0 (blocking by STI) set fails on processors that require bit 0 to be 0");
	IF_KNOWN(c->ctl)
		CHECK(!(V(PIN) & PIN_VIRTUAL_NMIS) || type != VMX_INTR_TYPE_NMI || !(is & 8), SDM_GNRS, "With \"virtual NMIs\", injecting an NMI requires bit 3 (blocking by NMI) to be 0");
}

static void check_pending_dbg(struct ck *c)
{
	if (!HAS(PENDING_DBG)) {
		skip(c, 4);
		return;
	}
	u64 p = V(PENDING_DBG);
	vals(c, "DebugExceptions=0x%llx", (unsigned long long)p);
	CHECK(!(p & (GENMASK(11, 4) | BIT(13) | BIT(15) | GENMASK(63, 17))), SDM_GNRS, "Pending debug exceptions bits 11:4, 13, 15 and 63:17 must be 0");
	if (p & BIT(16))
		CHECK(!(p & (GENMASK(11, 0) | BIT(14) | BIT(15))) && (p & BIT(12)), SDM_GNRS, "With bit 16 (RTM) set, pending debug exceptions bits 11:0, 14 and 15 must be 0 and bit 12 must be 1");
	bool blocked = (HAS(INTERRUPTIBILITY) && (V(INTERRUPTIBILITY) & 3)) ||
		       (HAS(ACTIVITY) && V(ACTIVITY) == VMX_ACTIVITY_HLT);
	if (!blocked)
		return;
	if (!c->rflags || !HAS(DEBUGCTL)) {
		skip(c, 2);
		return;
	}
	bool tf = V(RFLAGS) & BIT(8), btf = V(DEBUGCTL) & BIT(1), bs = p & BIT(14);
	vals(c, "DebugExceptions=0x%llx RFLAGS.TF=%d DebugCtl.BTF=%d (STI/MOV-SS blocking or HLT)", (unsigned long long)p, tf, btf);
	CHECK(!(tf && !btf) || bs, SDM_GNRS, "BS (bit 14) must be 1 when RFLAGS.TF = 1 and IA32_DEBUGCTL.BTF = 0 (with STI/MOV-SS blocking or HLT)");
	CHECK((tf && !btf) || !bs, SDM_GNRS, "BS (bit 14) must be 0 when RFLAGS.TF = 0 or IA32_DEBUGCTL.BTF = 1 (with STI/MOV-SS blocking or HLT)");
}

/* ------------------------------------------------------------ 26.3.1.6 PDPTEs */

static void check_pdptes(struct ck *c)
{
	if (!c->ctl || !HAS(CR0) || !HAS(CR4) || !HAS(PDPTE0))
		return;
	bool ept = (V(PROC) & PROC_ACTIVATE_SECONDARY_CONTROLS) && (V(PROC2) & PROC2_ENABLE_EPT);
	if (!(V(CR0) & BIT(31)) || !(V(CR4) & BIT(5)) || c->ia32e || !ept)
		return; /* PAE paging with EPT is the only case that checks the PDPTE fields */
	for (int i = 0; i < 4; i++) {
		u64 e = c->d->f[DV_F_PDPTE0 + i].v;
		if (!c->d->f[DV_F_PDPTE0 + i].present)
			continue;
		vals(c, "PDPTE%d=0x%016llx", i, (unsigned long long)e);
		CHECK(!(e & 1) || !(e & 0x1e6), SDM_GPDPTE, "A present PDPTE%d must have reserved bits 2:1 and 8:5 clear (PAE paging with EPT)", i);
	}
}

/* ------------------------------------------------------------ 26.2.1 controls */

static void reserved_bits(struct ck *c, enum vmx_ctl_group g, u64 v, u64 default1, const char *sdm,
			  const char *name)
{
	u64 defined = vx_ctl_defined_mask(g), width = g == VMX_CTL_PROC3 ? ~0ull : 0xffffffffull;
	u64 must1 = default1 & ~defined, must0 = width & ~defined & ~default1;
	vals(c, "%s=0x%llx", name, (unsigned long long)v);
	LIKELY((v & must1) == must1, sdm, ASSUME_CTL, "%s: reserved default-1 bits 0x%llx must be 1", name, (unsigned long long)(must1 & ~v));
	LIKELY(!(v & must0), sdm, ASSUME_CTL, "%s: reserved bits 0x%llx must be 0", name, (unsigned long long)(v & must0));
}

static void check_exec_apic(struct ck *c, u64 pin, u64 proc, u64 p2)
{
	bool tpr = proc & PROC_USE_TPR_SHADOW;
	vals(c, "PinBased=0x%08llx CPUBased=0x%08llx SecondaryExec=0x%08llx", (unsigned long long)pin, (unsigned long long)proc, (unsigned long long)p2);
	CHECK(tpr || !(p2 & (PROC2_VIRTUALIZE_X2APIC_MODE | PROC2_APIC_REGISTER_VIRT | PROC2_VIRTUAL_INTR_DELIVERY)), SDM_EXEC, "Without \"use TPR shadow\", \"virtualize x2APIC mode\", \"APIC-register virtualization\" and \"virtual-interrupt delivery\" must be 0");
	CHECK(!(p2 & PROC2_VIRTUALIZE_X2APIC_MODE) || !(p2 & PROC2_VIRTUALIZE_APIC_ACCESSES), SDM_EXEC, "If \"virtualize x2APIC mode\" is 1, \"virtualize APIC accesses\" must be 0");
	CHECK(!(p2 & PROC2_VIRTUAL_INTR_DELIVERY) || (pin & PIN_EXT_INTR_EXITING), SDM_EXEC, "If \"virtual-interrupt delivery\" is 1, \"external-interrupt exiting\" must be 1");
	if (pin & PIN_POSTED_INTR) {
		CHECK(p2 & PROC2_VIRTUAL_INTR_DELIVERY, SDM_EXEC, "If \"process posted interrupts\" is 1, \"virtual-interrupt delivery\" must be 1");
		if (HAS(EXIT))
			CHECK(V(EXIT) & EXIT_ACK_INTR_ON_EXIT, SDM_EXEC, "If \"process posted interrupts\" is 1, the \"acknowledge interrupt on exit\" VM-exit control must be 1");
		if (HAS(PI_VECTOR))
			CHECK(!(V(PI_VECTOR) >> 8), SDM_EXEC, "The posted-interrupt notification vector bits 15:8 must be 0");
	}
	if (tpr && HAS(TPR_THRESHOLD) && !(p2 & PROC2_VIRTUAL_INTR_DELIVERY)) {
		vals(c, "TPR Threshold=0x%llx", (unsigned long long)V(TPR_THRESHOLD));
		CHECK(!(V(TPR_THRESHOLD) >> 4), SDM_EXEC, "With \"use TPR shadow\" and without virtual-interrupt delivery, TPR-threshold bits 31:4 must be 0");
	}
	if (tpr && HAS(VAPIC_ADDR)) {
		vals(c, "virt-APIC addr=0x%llx", (unsigned long long)V(VAPIC_ADDR));
		CHECK(!(V(VAPIC_ADDR) & 0xfff), SDM_EXEC, "With \"use TPR shadow\", the virtual-APIC address bits 11:0 must be 0");
	}
	if ((p2 & PROC2_VIRTUALIZE_APIC_ACCESSES) && HAS(APIC_ACCESS_ADDR)) {
		vals(c, "APIC-access addr=0x%llx", (unsigned long long)V(APIC_ACCESS_ADDR));
		CHECK(!(V(APIC_ACCESS_ADDR) & 0xfff), SDM_EXEC, "With \"virtualize APIC accesses\", the APIC-access address bits 11:0 must be 0");
	}
}

static void check_eptp(struct ck *c)
{
	u64 e = V(EPTP);
	unsigned mt = e & 7, walk = (unsigned)bits_get(e, 5, 3);
	vals(c, "EPT pointer=0x%llx", (unsigned long long)e);
	CHECK(mt == 0 || mt == 6, SDM_EXEC, "The EPT memory type (EPTP bits 2:0) must be 0 (UC) or 6 (WB); other values are reserved");
	CHECK(walk == 3 || walk == 4, SDM_EXEC, "EPTP bits 5:3 (page-walk length - 1) must be 3 (4-level EPT)");
	if (walk == 4)
		LIKELY(false, SDM_EXEC, "the CPU does not support 5-level EPT", "EPTP bits 5:3 = 4 (5-level EPT) needs IA32_VMX_EPT_VPID_CAP bit 7");
	CHECK(!(e & 0xf00), SDM_EXEC, "EPTP reserved bits 11:8 must be 0");
	LIKELY( !(e & BIT(7)), SDM_EXEC, "the CPU lacks supervisor shadow-stack control for EPT (2016 SDM: bits 11:7 reserved)", "EPTP bit 7 must be 0");
	CHECK(!(e >> 52), SDM_EXEC, "EPTP bits 63:52 must be 0 (beyond any physical-address width)");
}

static void check_exec_controls(struct ck *c)
{
	if (!c->ctl || !HAS(PROC2)) {
		skip(c, 20);
		return;
	}
	u64 pin = V(PIN), proc = V(PROC),
	    p2 = (proc & PROC_ACTIVATE_SECONDARY_CONTROLS) ? V(PROC2) : 0;
	reserved_bits(c, VMX_CTL_PIN, pin, VMX_PIN_DEFAULT1, SDM_EXEC, "PinBased");
	reserved_bits(c, VMX_CTL_PROC, proc, VMX_PROC_DEFAULT1, SDM_EXEC, "CPUBased");
	if (p2)
		reserved_bits(c, VMX_CTL_PROC2, p2, 0, SDM_EXEC, "SecondaryExec");
	if ((proc & PROC_ACTIVATE_TERTIARY_CONTROLS) && HAS(PROC3))
		reserved_bits(c, VMX_CTL_PROC3, V(PROC3), 0, SDM_EXEC, "TertiaryExec");
	if (HAS(CR3_TARGET_COUNT)) {
		vals(c, "CR3 target_count=%llu", (unsigned long long)V(CR3_TARGET_COUNT));
		LIKELY(V(CR3_TARGET_COUNT) <= 4, SDM_EXEC, "IA32_VMX_MISC reports 4 CR3-target values", "The CR3-target count must not be greater than 4");
	}
	vals(c, "PinBased=0x%08llx CPUBased=0x%08llx", (unsigned long long)pin, (unsigned long long)proc);
	CHECK((pin & PIN_NMI_EXITING) || !(pin & PIN_VIRTUAL_NMIS), SDM_EXEC, "If \"NMI exiting\" is 0, \"virtual NMIs\" must be 0");
	CHECK((pin & PIN_VIRTUAL_NMIS) || !(proc & PROC_NMI_WINDOW_EXITING), SDM_EXEC, "If \"virtual NMIs\" is 0, \"NMI-window exiting\" must be 0");
	check_exec_apic(c, pin, proc, p2);
	vals(c, "SecondaryExec=0x%08llx", (unsigned long long)p2);
	CHECK(!(p2 & PROC2_UNRESTRICTED_GUEST) || (p2 & PROC2_ENABLE_EPT), SDM_EXEC, "If \"unrestricted guest\" is 1, \"enable EPT\" must be 1");
	CHECK(!(p2 & PROC2_ENABLE_PML) || (p2 & PROC2_ENABLE_EPT), SDM_EXEC, "If \"enable PML\" is 1, \"enable EPT\" must be 1");
	if ((p2 & PROC2_ENABLE_VPID) && HAS(VPID)) {
		vals(c, "SecondaryExec=0x%08llx VPID=0x%04llx", (unsigned long long)p2, (unsigned long long)V(VPID));
		CHECK(V(VPID) != 0, SDM_EXEC, "If \"enable VPID\" is 1, the VPID must not be 0000H");
	}
	if ((p2 & PROC2_ENABLE_EPT) && HAS(EPTP))
		check_eptp(c);
	if ((p2 & PROC2_EPT_VIOLATION_VE) && HAS(VE_INFO_ADDR)) {
		vals(c, "VE info address=0x%llx", (unsigned long long)V(VE_INFO_ADDR));
		CHECK(!(V(VE_INFO_ADDR) & 0xfff), SDM_EXEC, "If \"EPT-violation #VE\" is 1, the virtualization-exception information address must be 4-KByte aligned");
	}
	if ((p2 & PROC2_ENABLE_VMFUNC) && HAS(VMFUNC)) {
		vals(c, "VMfunc controls=0x%llx", (unsigned long long)V(VMFUNC));
		LIKELY(!(V(VMFUNC) & ~1ull), SDM_EXEC, "the CPU supports only VM function 0 (EPTP switching)", "Reserved VM-function controls must be 0");
		CHECK(!(V(VMFUNC) & 1) || (p2 & PROC2_ENABLE_EPT), SDM_EXEC, "If EPTP switching (VM function 0) is enabled, \"enable EPT\" must be 1");
	}
}

static void check_exit_entry_controls(struct ck *c)
{
	if (!c->ctl) {
		skip(c, 8);
		return;
	}
	u64 ex = V(EXIT), en = V(ENTRY);
	reserved_bits(c, VMX_CTL_EXIT, ex, VMX_EXIT_DEFAULT1, SDM_EXIT, "ExitControls");
	vals(c, "PinBased=0x%08llx ExitControls=0x%08llx", (unsigned long long)V(PIN), (unsigned long long)ex);
	CHECK((V(PIN) & PIN_PREEMPTION_TIMER) || !(ex & EXIT_SAVE_PREEMPTION_TIMER), SDM_EXIT, "If \"activate VMX-preemption timer\" is 0, \"save VMX-preemption timer value\" must be 0");
	reserved_bits(c, VMX_CTL_ENTRY, en, VMX_ENTRY_DEFAULT1, SDM_ENTRY, "EntryControls");
	vals(c, "EntryControls=0x%08llx", (unsigned long long)en);
	LIKELY(!(en & (ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR)), SDM_ENTRY, "the VM entry was not from SMM (true for KVM and Xen)", "Outside SMM, \"entry to SMM\" and \"deactivate dual-monitor treatment\" must be 0");
	CHECK((en & (ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR)) != (ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR), SDM_ENTRY, "\"Entry to SMM\" and \"deactivate dual-monitor treatment\" cannot both be 1");
	vals(c, "EntryControls=0x%08llx ExitControls=0x%08llx", (unsigned long long)en, (unsigned long long)ex);
	CHECK((ex & EXIT_HOST_ADDR_SPACE_SIZE) || !(en & ENTRY_IA32E_MODE_GUEST), SDM_ASZ, "If \"host address-space size\" is 0, \"IA-32e mode guest\" must be 0");
	if (HAS(H_EFER) && (ex & EXIT_LOAD_IA32_EFER)) {
		vals(c, "host EFER=0x%llx ExitControls=0x%08llx", (unsigned long long)V(H_EFER), (unsigned long long)ex);
		CHECK(!!(V(H_EFER) & BIT(10)) == !!(ex & EXIT_HOST_ADDR_SPACE_SIZE) && !!(V(H_EFER) & BIT(8)) == !!(ex & EXIT_HOST_ADDR_SPACE_SIZE), SDM_HCR, "If \"load IA32_EFER\" (exit) is 1, host EFER.LMA and EFER.LME must each equal \"host address-space size\"");
	} else {
		LIKELY(ex & EXIT_HOST_ADDR_SPACE_SIZE, SDM_ASZ, "the hypervisor runs in IA-32e mode (64-bit KVM or Xen)", "In IA-32e mode (host EFER.LMA = 1), \"host address-space size\" must be 1");
	}
}

/* 26.2.1.3: the VM-entry interruption-information field and its companions. */
static void check_injection(struct ck *c)
{
	if (!HAS(ENTRY_INTR_INFO) || !(V(ENTRY_INTR_INFO) & BIT(31)))
		return;
	u64 ii = V(ENTRY_INTR_INFO);
	unsigned type = (unsigned)bits_get(ii, 10, 8), vec = ii & 0xff;
	bool ec = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
	vals(c, "VMEntry intr_info=0x%08llx (type %u, vector %u)", (unsigned long long)ii, type, vec);
	CHECK(type != VMX_INTR_TYPE_RESERVED, SDM_ENTRY, "The interruption type must not be 1 (reserved)");
	CHECK(type != VMX_INTR_TYPE_NMI || vec == 2, SDM_ENTRY, "An injected NMI must have vector 2");
	CHECK(type != VMX_INTR_TYPE_HARD_EXCEPTION || vec <= 31, SDM_ENTRY, "An injected hardware exception must have a vector of at most 31");
	CHECK(type != VMX_INTR_TYPE_OTHER_EVENT || vec == 0, SDM_ENTRY, "An injected \"other event\" must have vector 0 (pending MTF VM exit)");
	CHECK(!(ii & GENMASK(30, 12)), SDM_ENTRY, "VM-entry interruption-information bits 30:12 are reserved and must be 0");
	if (c->ctl && c->cr0) {
		bool want = (!c->ug || c->pe) && type == VMX_INTR_TYPE_HARD_EXCEPTION && ec;
		vals(c, "VMEntry intr_info=0x%08llx (type %u, vector %u) CR0.PE=%d unrestricted guest=%d", (unsigned long long)ii, type, vec, c->pe, c->ug);
		if (vec == 21 && type == VMX_INTR_TYPE_HARD_EXCEPTION)
			LIKELY(!!(ii & BIT(11)) == want, SDM_ENTRY, "the CPU predates CET (2016 SDM: #CP has no error code)", "\"Deliver error code\" (bit 11) must be 1 exactly for hardware exceptions 8, 10-14 and 17 in protected mode");
		else
			CHECK(!!(ii & BIT(11)) == want, SDM_ENTRY, "\"Deliver error code\" (bit 11) must be 1 exactly for hardware exceptions 8, 10-14 and 17 (when CR0.PE = 1 or unrestricted guest is 0)");
	}
	if ((ii & BIT(11)) && HAS(ENTRY_ERRCODE)) {
		vals(c, "VMEntry errcode=0x%08llx", (unsigned long long)V(ENTRY_ERRCODE));
		CHECK(!(V(ENTRY_ERRCODE) >> 16), SDM_ENTRY, "With \"deliver error code\", error-code bits 31:16 must be 0");
	}
	if ((type == 4 || type == 5 || type == 6) && HAS(ENTRY_ILEN)) {
		vals(c, "VMEntry intr_info=0x%08llx ilen=%llu", (unsigned long long)ii, (unsigned long long)V(ENTRY_ILEN));
		CHECK(V(ENTRY_ILEN) <= 15, SDM_ENTRY, "For software interrupts and exceptions the VM-entry instruction length must be 0-15");
		LIKELY(V(ENTRY_ILEN) != 0, SDM_ENTRY, "IA32_VMX_MISC bit 30 is 0 (no zero-length injection)", "For software interrupts and exceptions the VM-entry instruction length must be 1-15");
	}
}

/* ------------------------------------------------------------ 26.2.2/26.2.3 host state */

static void check_host(struct ck *c)
{
	if (!HAS(H_CR0) || !HAS(H_CR4) || !HAS(H_CR3)) {
		skip(c, 14);
		return;
	}
	u64 cr0 = V(H_CR0), cr4 = V(H_CR4);
	bool hasz = c->ctl && (V(EXIT) & EXIT_HOST_ADDR_SPACE_SIZE);
	vals(c, "host CR0=0x%llx CR4=0x%llx CR3=0x%llx", (unsigned long long)cr0, (unsigned long long)cr4, (unsigned long long)V(H_CR3));
	LIKELY((cr0 & CR0_FIXED0) == CR0_FIXED0, SDM_HCR, ASSUME_CR0, "Host CR0 must have the bits IA32_VMX_CR0_FIXED0 requires (PE, NE, PG)");
	LIKELY((cr4 & CR4_FIXED0) == CR4_FIXED0, SDM_HCR, ASSUME_CR4, "Host CR4 must have CR4.VMXE set");
	CHECK(!(V(H_CR3) >> 52), SDM_HCR, "Host CR3 bits 63:52 must be 0");
	if (hasz)
		CHECK(cr4 & BIT(5), SDM_ASZ, "If \"host address-space size\" is 1, host CR4.PAE must be 1");
	if (hasz && HAS(H_RIP)) {
		vals(c, "host RIP=0x%llx", (unsigned long long)V(H_RIP));
		CANON(V(H_RIP), SDM_ASZ, "If \"host address-space size\" is 1, the host RIP must be canonical");
	}
	if (c->ctl && (V(EXIT) & EXIT_LOAD_IA32_PAT) && HAS(H_PAT)) {
		bool ok = true;
		for (int i = 0; i < 8; i++) {
			unsigned t = (V(H_PAT) >> (8 * i)) & 0xff;
			ok &= t <= 1 || (t >= 4 && t <= 7);
		}
		vals(c, "host PAT=0x%016llx", (unsigned long long)V(H_PAT));
		CHECK(ok, SDM_HCR, "If \"load IA32_PAT\" (exit) is 1, each byte of the host PAT must be 0, 1, 4, 5, 6 or 7");
	}
}

static void check_host_segs(struct ck *c)
{
	static const enum dv_field sels[] = {DV_F_H_CS, DV_F_H_SS, DV_F_H_DS, DV_F_H_ES,
					     DV_F_H_FS, DV_F_H_GS, DV_F_H_TR};
	static const char *const names[] = {"CS", "SS", "DS", "ES", "FS", "GS", "TR"};
	for (size_t i = 0; i < ARRAY_SIZE(sels); i++) {
		if (!c->d->f[sels[i]].present) {
			skip(c, 1);
			continue;
		}
		u64 s = c->d->f[sels[i]].v;
		vals(c, "host %s=0x%04llx", names[i], (unsigned long long)s);
		CHECK(!(s & 7), SDM_HSEG, "Host %s selector: RPL (bits 1:0) and TI (bit 2) must be 0", names[i]);
		if (sels[i] == DV_F_H_CS || sels[i] == DV_F_H_TR)
			CHECK(s != 0, SDM_HSEG, "The host %s selector cannot be 0000H", names[i]);
		if (sels[i] == DV_F_H_SS && c->ctl)
			CHECK(s != 0 || (V(EXIT) & EXIT_HOST_ADDR_SPACE_SIZE), SDM_HSEG, "The host SS selector cannot be 0000H when \"host address-space size\" is 0");
	}
	static const enum dv_field bases[] = {DV_F_H_FS_BASE, DV_F_H_GS_BASE, DV_F_H_GDTR_BASE,
					      DV_F_H_IDTR_BASE, DV_F_H_TR_BASE};
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		if (!c->d->f[bases[i]].present)
			continue;
		vals(c, "host %s=0x%llx", dumpvmcs_field_key(bases[i]), (unsigned long long)c->d->f[bases[i]].v);
		CANON(c->d->f[bases[i]].v, SDM_HSEG, "The host %s must be canonical", dumpvmcs_field_key(bases[i]));
	}
}

/* ------------------------------------------------------------ 26.4 MSR-load entries */

static void check_msr_entry(struct ck *c, u32 msr, const char *where)
{
	vals(c, "%s msr=0x%08x", where, msr);
	CHECK((msr >> 8) != 0x8, SDM_MSR, "A VM-entry MSR-load entry must not name an x2APIC MSR (800H-8FFH)");
	CHECK(msr != 0xc0000100 && msr != 0xc0000101, SDM_MSR, "A VM-entry MSR-load entry must not name IA32_FS_BASE or IA32_GS_BASE");
	LIKELY( msr != 0x9b, SDM_MSR, "the VM entry was not from SMM", "A VM-entry MSR-load entry must not name IA32_SMM_MONITOR_CTL (writable only in SMM)");
}

static void check_msr_loads(struct ck *c)
{
	const struct dv_msrlist *l = &c->d->msrs[DV_MSR_GUEST_LOAD];
	for (size_t i = 0; i < l->n; i++) {
		char where[32];
		snprintf(where, sizeof(where), "MSR guest autoload %u:", l->e[i].idx);
		check_msr_entry(c, l->e[i].msr, where);
	}
	if (c->d->xen_msr_index.present)
		check_msr_entry(c, (u32)c->d->xen_msr_index.v, "Xen failing MSR-load entry:");
}

/* ------------------------------------------------------------ what happened */

static void explain_failure(struct ck *c, u32 basic, u64 q, bool hq)
{
	struct dv_findings *o = c->out;
	switch (basic) {
	case VMX_EXIT_INVALID_STATE:
		snprintf(o->event, sizeof(o->event), "VM entry failed: invalid guest state (exit reason 33%s)", hq && q == 2   ? ", loading PDPTEs" : hq && q == 3 ? ", NMI injection blocked by STI" : hq && q == 4 ? ", invalid VMCS link pointer" : "");
		if (hq && q == 4)
			note(c, "qualification 4: the VMCS link pointer is invalid; dumps do not show it (must be all ones unless VMCS shadowing is used)");
		if (hq && q == 2)
			note(c, "qualification 2: a PDPTE loaded from guest memory (EPT off) has reserved bits set; the dump cannot show memory");
		break;
	case VMX_EXIT_MSR_LOAD_FAIL: {
		snprintf(o->event, sizeof(o->event), "VM entry failed while loading MSRs: entry %llu (1-based) of the VM-entry MSR-load area", (unsigned long long)q);
		const struct dv_msrlist *l = &c->d->msrs[DV_MSR_GUEST_LOAD];
		if (hq && q >= 1 && q <= l->n) {
			const struct dv_msr *e = &l->e[q - 1];
			const char *nm = dumpvmcs_msr_name(e->msr);
			note(c, "the failing entry is autoload %u: msr=0x%08x%s%s value=0x%016llx (WRMSR of this value at CPL 0 would #GP, or the MSR may not be loaded this way)", e->idx, e->msr, nm ? " " : "", nm ? nm : "", (unsigned long long)e->value);
		}
		break;
	}
	case VMX_EXIT_MCE_DURING_VMENTRY:
		snprintf(o->event, sizeof(o->event), "VM entry failed: machine-check event during VM entry (exit reason 41): a hardware error, not a VMCS problem");
		break;
	default:
		snprintf(o->event, sizeof(o->event), "VM-entry failure bit set with basic reason %u, which is not 33, 34 or 41", basic);
	}
}

static void explain_ept_violation(struct ck *c, u64 q)
{
	const char *acc = q & 4 ? "instruction fetch" : q & 2 ? "write" : q & 1 ? "read" : "access";
	if (!(q & 0x38))
		note(c, "EPT violation: guest %s of a guest-physical address whose EPT entry is not present (qualification 0x%llx)", acc, (unsigned long long)q);
	else
		note(c, "EPT violation: guest %s; the EPT entry allowed%s%s%s (qualification 0x%llx)", acc, q & 8 ? " read" : "", q & 16 ? " write" : "", q & 32 ? " execute" : "", (unsigned long long)q);
	note(c, "%s; the guest-physical address itself is not in dumps (KVM prints it in kvm_page_fault traces)", q & BIT(7) ? (q & BIT(8) ? "the guest-linear address is valid and the access was to the translated address" : "the guest-linear address is valid; the access was to a guest paging-structure entry") : "no guest-linear address (e.g. an access by the processor)");
}

static void explain_exit(struct ck *c, u32 reason, u64 q, bool hq)
{
	struct dv_findings *o = c->out;
	u32 basic = reason & 0xffff;
	char sum[160];
	dec_exit_reason_summary(reason, sum, sizeof(sum));
	snprintf(o->event, sizeof(o->event), "VM exit: %s", sum);
	if (basic == VMX_EXIT_TRIPLE_FAULT)
		note(c, "triple fault: the guest took an exception while delivering a double fault (or hit another shutdown condition); look at the guest IDTR, the IDT-vectoring information and RIP");
	if (basic == VMX_EXIT_EPT_VIOLATION && hq)
		explain_ept_violation(c, q);
	if (basic == VMX_EXIT_EPT_MISCONFIG)
		note(c, "EPT misconfiguration: an EPT paging-structure entry holds an unsupported value (write without read, reserved bits, reserved memory type); KVM sets such entries on purpose for MMIO, so this is usually MMIO emulation, not a bug; the guest-physical address is not in the dump");
	if (reason & VMX_EXIT_REASON_ENCLAVE_MODE) {
		note(c, "exit from enclave mode (exit reason bit 27): an asynchronous enclave exit ran first; guest RIP%s is the AEP (the ERESUME trampoline) and RSP the synthetic AEX state, the enclave's registers are in its SSA; the hypervisor must not emulate or skip the instruction at RIP", HAS(RIP) ? "" : " (not dumped)");
		if (HAS(INTERRUPTIBILITY) && !(V(INTERRUPTIBILITY) & VMX_INTR_ENCLAVE_INTERRUPTION))
			note(c, "inconsistent: exit reason bit 27 is set but interruptibility bit 4 (enclave interruption) is 0");
		if (HAS(EXIT_ILEN) && V(EXIT_ILEN))
			note(c, "VM-exit instruction length is %llu: after an enclave exit RIP is the AEP, so it must not be advanced by it", (unsigned long long)V(EXIT_ILEN));
	}
}

/* One line on the guest's mode: what the VM entry loads (or the last exit saved). */
static void explain_mode(struct ck *c)
{
	if (!c->cr0 || !c->rflags || !HAS(CR4) || !SEG(DV_CS)->ar.present || !SEG(DV_SS)->ar.present)
		return;
	u64 cr0 = V(CR0), cr4 = V(CR4), cs = SEG(DV_CS)->ar.v;
	bool p2 = c->ctl && (V(PROC) & PROC_ACTIVATE_SECONDARY_CONTROLS);
	const char *mode = !c->pe ? "real-address mode" : c->v86 ? "virtual-8086 mode" : c->ia32e ? (cs & BIT(13) ? "64-bit mode" : "compatibility mode") : cs & BIT(14) ? "32-bit protected mode" : "16-bit protected mode";
	const char *paging = !(cr0 & BIT(31)) ? "no paging" : !(cr4 & BIT(5)) ? "32-bit paging" : !c->ia32e ? "PAE paging" : cr4 & BIT(12) ? "5-level paging" : "4-level paging";
	note(c, "guest state: %s, %s, CPL %u (SS.DPL)%s; unrestricted guest %s, EPT %s", mode, paging, ar_dpl(SEG(DV_SS)->ar.v), c->ctl ? "" : " (IA-32e mode unknown: no controls)", !c->ctl ? "unknown" : c->ug ? "on" : "off", !c->ctl ? "unknown" : p2 && (V(PROC2) & PROC2_ENABLE_EPT) ? "on" : "off");
}

static void explain_context(struct ck *c)
{
	const struct vmcs_dump *d = c->d;
	explain_mode(c);
	if (HAS(INTERRUPTIBILITY) && (V(INTERRUPTIBILITY) & VMX_INTR_ENCLAVE_INTERRUPTION) &&
	    !(HAS(EXIT_REASON) && (V(EXIT_REASON) & VMX_EXIT_REASON_ENCLAVE_MODE)))
		note(c, "interruptibility bit 4 (enclave interruption) is set: the last exit, or the event being re-injected, interrupted enclave mode");
	if (HAS(IDT_VEC_INFO) && (V(IDT_VEC_INFO) & BIT(31)))
		note(c, "the exit happened while delivering an event: IDT-vectoring info 0x%08llx (type %llu, vector %llu); it must be re-injected", (unsigned long long)V(IDT_VEC_INFO), (unsigned long long)bits_get(V(IDT_VEC_INFO), 10, 8), (unsigned long long)(V(IDT_VEC_INFO) & 0xff));
	if (HAS(ACTIVITY) && V(ACTIVITY) == VMX_ACTIVITY_SHUTDOWN)
		note(c, "the guest activity state is shutdown (after a triple fault)");
	if (d->xen_vmfail_error.present) {
		const char *t = vx_insn_error_text((u32)d->xen_vmfail_error.v);
		note(c, "Xen reports VMLAUNCH/VMRESUME error %llu (%s): a VMfail, not a VM exit; the exit-reason field is left over from the previous exit, and error 7/8 point at the control-field/host-state checks below", (unsigned long long)d->xen_vmfail_error.v, t ? t : "unknown");
	}
	if (d->qemu_hw_error.present && !(d->qemu_hw_error.v & BIT(31))) {
		const char *t = vx_insn_error_text((u32)d->qemu_hw_error.v);
		note(c, "QEMU reports \"hardware error 0x%llx\": VM-instruction error %llu (%s), a VMfail", (unsigned long long)d->qemu_hw_error.v, (unsigned long long)d->qemu_hw_error.v, t ? t : "unknown");
	} else if (d->qemu_hw_error.present) {
		note(c, "QEMU reports KVM_EXIT_FAIL_ENTRY, hardware_entry_failure_reason 0x%llx", (unsigned long long)d->qemu_hw_error.v);
	}
	if (d->xen_domain.present && !d->xen_fail_reason.present && !d->xen_vmfail_error.present)
		note(c, "Xen 'v' debug-key dump of domain %llu vCPU %llu: the live VMCS, not a failure", (unsigned long long)d->xen_domain.v, (unsigned long long)d->xen_vcpu.v);
	if (HAS(XEN_RIP) && HAS(RIP) && V(XEN_RIP) != V(RIP))
		note(c, "Xen's saved RIP 0x%llx is the VMCS RIP + %llu%s: Xen has handled the exit and skipped the instruction, the VMCS is written back at the next VM entry", (unsigned long long)V(XEN_RIP), (unsigned long long)(V(XEN_RIP) - V(RIP)), HAS(EXIT_ILEN) && V(XEN_RIP) - V(RIP) == V(EXIT_ILEN) ? " (the exit instruction length)" : "");
	if (d->kvm_unexpected.present)
		note(c, "KVM did not expect exit reason 0x%llx and stopped the guest (KVM_EXIT_INTERNAL_ERROR, suberror 4)", (unsigned long long)d->kvm_unexpected.v);
	for (int s = 0; s < DV_NSECTIONS; s++)
		if (!dumpvmcs_section_present(d, (enum dv_section)s))
			note(c, "%s is missing (dump cut short or not pasted)%s", dumpvmcs_section_name((enum dv_section)s), s == DV_SEC_CONTROL ? ": the exit reason and the VM-execution/entry controls are unknown, so checks that depend on them were skipped" : "");
}

static void explain(struct ck *c)
{
	struct dv_findings *o = c->out;
	bool hq = HAS(EXIT_QUAL);
	u64 q = V(EXIT_QUAL);
	if (!HAS(EXIT_REASON))
		snprintf(o->event, sizeof(o->event), "exit reason not in the dump");
	else if (V(EXIT_REASON) & VMX_EXIT_REASON_FAILED_VMENTRY)
		explain_failure(c, (u32)V(EXIT_REASON) & 0xffff, q, hq);
	else
		explain_exit(c, (u32)V(EXIT_REASON), q, hq);
	if (c->d->xen_fail_reason.present && !HAS(EXIT_REASON))
		snprintf(o->event, sizeof(o->event), "Xen reports a VM-entry failure, reason 0x%llx", (unsigned long long)c->d->xen_fail_reason.v);
	explain_context(c);
}

static void summarize(struct ck *c)
{
	struct dv_findings *o = c->out;
	bool failed = HAS(EXIT_REASON) && (V(EXIT_REASON) & VMX_EXIT_REASON_FAILED_VMENTRY);
	size_t guest = 0, other = 0, msr = 0;
	for (size_t i = 0; i < o->n; i++)
		*(!strncmp(o->f[i].sdm, "26.3", 4) ? &guest : !strncmp(o->f[i].sdm, "26.2", 4) ? &other : &msr) += 1;
	if (failed && (V(EXIT_REASON) & 0xffff) == VMX_EXIT_INVALID_STATE && !guest)
		note(c, "no guest-state rule the dump allows evaluating is violated; the cause is in state the dump does not show (VMCS link pointer, PDPTEs in memory, MSR values, capability-MSR-dependent bits)");
	if (failed && (V(EXIT_REASON) & 0xffff) == VMX_EXIT_MSR_LOAD_FAIL && !msr)
		note(c, "no MSR-load entry the dump shows breaks a 26.4 rule; the failing value is probably one WRMSR would refuse for that MSR (reserved bits, non-canonical address)");
	if (failed && (V(EXIT_REASON) & 0xffff) == VMX_EXIT_INVALID_STATE && other)
		note(c, "control-field and host-state violations make VMLAUNCH/VMRESUME fail with VM-instruction error 7 or 8 before guest state is checked; with exit reason 33 those findings rest on assumed capability values");
	if (!failed && HAS(EXIT_REASON) && o->n)
		note(c, "this exit is not a VM-entry failure; the findings describe what the next VM entry would reject if the state stayed as dumped");
}

/* clang-format on */

/* ------------------------------------------------------------ entry point */

size_t dumpvmcs_diagnose(const struct vmcs_dump *d, struct dv_findings *out)
{
	memset(out, 0, sizeof(*out));
	struct ck ck = {.d = d, .out = out}, *c = &ck;
	c->ctl = HAS(PIN) && HAS(PROC) && HAS(ENTRY) && HAS(EXIT);
	c->ug = c->ctl && (V(PROC) & PROC_ACTIVATE_SECONDARY_CONTROLS) &&
		(V(PROC2) & PROC2_UNRESTRICTED_GUEST);
	c->ia32e = c->ctl && (V(ENTRY) & ENTRY_IA32E_MODE_GUEST);
	c->rflags = HAS(RFLAGS);
	c->v86 = c->rflags && (V(RFLAGS) & BIT(17));
	c->cr0 = HAS(CR0);
	c->pe = c->cr0 && (V(CR0) & 1);
	check_guest_cr0_cr4(c);
	check_guest_msrs(c);
	check_segments(c);
	check_dtr(c);
	check_rip_rflags(c);
	check_activity(c);
	check_interruptibility(c);
	check_pending_dbg(c);
	check_pdptes(c);
	check_exec_controls(c);
	check_exit_entry_controls(c);
	check_injection(c);
	check_host(c);
	check_host_segs(c);
	check_msr_loads(c);
	explain(c);
	summarize(c);
	return out->n;
}
