// SPDX-License-Identifier: MIT
/*
 * EPT: the walk over EPT paging structures and the VM exits it causes.  SDM Vol. 3C 28.2.2
 * "EPT Translation Mechanism", 28.2.3.1 "EPT Misconfigurations", 28.2.3.2 "EPT Violations",
 * 28.2.4 "Accessed and Dirty Flags for EPT", 28.2.6 "EPT and Memory Typing" (only as far as
 * validity goes: the reserved memory types of 28.2.3.1); 27.2.1 "Basic VM-Exit Information",
 * Table 27-7 "Exit Qualification for EPT Violations".  See ept.h for the interface and the
 * TLB contract.
 */
#include "vmx/ept.h"

#include <assert.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "cpu/mmu.h"
#include "cpu/profile.h"
#include "vmx/vmexit.h"

/* The access bits sit where Table 27-7 reports them (src/arch/bitfields.def, QUAL_EPT), and
 * EPTP_AD where Table 24-8 has it. */
enum ept_bitfield_lo {
#define BITFIELD(layout, name, hi, lo, kind, meaning) EPT_BF_##layout##_##name = lo,
#include "arch/bitfields.def"
};
static_assert(EPT_ACC_READ == 1u << EPT_BF_QUAL_EPT_READ, "Table 27-7 bit 0");
static_assert(EPT_ACC_WRITE == 1u << EPT_BF_QUAL_EPT_WRITE, "Table 27-7 bit 1");
static_assert(EPT_ACC_FETCH == 1u << EPT_BF_QUAL_EPT_FETCH, "Table 27-7 bit 2");
static_assert(EPT_BF_QUAL_EPT_READABLE == 3 && EPT_BF_QUAL_EPT_EXECUTABLE == 5, "bits 5:3");
static_assert(EPT_ACC_GLA == 1u << EPT_BF_QUAL_EPT_GLA_VALID, "Table 27-7 bit 7");
static_assert(EPT_ACC_FINAL == 1u << EPT_BF_QUAL_EPT_TRANSLATED_ACCESS, "Table 27-7 bit 8");
static_assert(EPTP_AD == BIT(EPT_BF_EPTP_AD_ENABLE), "Table 24-8 bit 6");

void ept_caps_from_msr(struct ept_caps *k, u64 ept_vpid_cap, unsigned maxphyaddr)
{
	k->exec_only = ept_vpid_cap & MSR_IA32_VMX_EPT_VPID_CAP_EXEC_ONLY_MASK;
	k->page_2m = ept_vpid_cap & MSR_IA32_VMX_EPT_VPID_CAP_PDE_2MB_MASK;
	k->page_1g = ept_vpid_cap & MSR_IA32_VMX_EPT_VPID_CAP_PDPTE_1GB_MASK;
	k->maxphyaddr = (u8)(maxphyaddr > 52 ? 52 : maxphyaddr < 32 ? 32 : maxphyaddr);
}

/* Bits 51:N of every entry are reserved (28.2.2, Tables 28-1 .. 28-6). */
static u64 ept_high_reserved(const struct ept_caps *k)
{
	return k->maxphyaddr < 52 ? GENMASK(51, k->maxphyaddr) : 0;
}

/*
 * Reserved bits of a present entry at `level` (4 PML4E .. 1 PTE) and whether it maps a page.
 * 28.2.2: PML4E bits 7:3 (Table 28-1; bit 7 of a PML4E is reserved); PDPTE with bit 7 = 1
 * bits 29:12 (Table 28-2), with bit 7 = 0 bits 7:3 (Table 28-3); PDE with bit 7 = 1 bits
 * 20:12 (Table 28-4), with bit 7 = 0 bits 6:3 (Table 28-5); a PTE has none below bit N
 * (Table 28-6; its bit 7 is ignored).  "Not all processors allow bit 7 of an EPT PDPTE [PDE]
 * to be set to 1" (IA32_VMX_EPT_VPID_CAP[17] [16]): where not allowed, bit 7 is reserved.
 */
static bool ept_reserved(const struct ept_caps *k, u64 e, int level, bool *leaf)
{
	bool large = e & EPT_LARGE;
	*leaf = level == 1 || (large && (level == 3 || level == 2));
	if (e & ept_high_reserved(k))
		return true;
	switch (level) {
	case 4: return e & GENMASK(7, 3);
	case 3:
		if (large)
			return !k->page_1g || (e & GENMASK(29, 12));
		return e & GENMASK(6, 3);
	case 2:
		if (large)
			return !k->page_2m || (e & GENMASK(20, 12));
		return e & GENMASK(6, 3);
	default: return false;
	}
}

/*
 * 28.2.3.1 "EPT Misconfigurations", for a present entry (bits 2:0 not 000b): bits 2:0 are
 * 010b (write-only) or 110b (write/execute); 100b (execute-only) without support for it
 * (IA32_VMX_EPT_VPID_CAP[0]); a reserved bit is set; or the entry maps a page ("the last one
 * used to translate a guest-physical address") and its memory type (bits 5:3) is 2, 3 or 7.
 */
bool ept_misconfigured(const struct ept_caps *k, u64 e, int level, bool *leaf)
{
	u64 rwx = e & EPT_RWX;
	if ((rwx & (EPT_R | EPT_W)) == EPT_W)
		return true;
	if (rwx == EPT_X && !k->exec_only)
		return true;
	if (ept_reserved(k, e, level, leaf))
		return true;
	if (*leaf) {
		u64 mt = bits_get(e, 5, 3);
		return mt == 2 || mt == 3 || mt == 7;
	}
	return false;
}

/*
 * The rights an access needs (28.2.3.2 "EPT Violations"): data reads need bit 0, data writes
 * bit 1, instruction fetches bit 2.  "Reads by the logical processor of guest paging
 * structures ... are considered to be data reads"; "writes ... to update accessed and dirty
 * flags are considered to be data writes"; and "if bit 6 of the EPT pointer (EPTP) is 1
 * ..., processor accesses to guest paging-structure entries are treated as writes with
 * regard to EPT violations" -- reported with both bit 0 and bit 1 of the qualification
 * (Table 27-7, footnote).
 */
static unsigned ept_need(u64 eptp, unsigned access)
{
	unsigned need = access & (EPT_ACC_READ | EPT_ACC_WRITE | EPT_ACC_FETCH);
	if ((access & EPT_ACC_PAGING) && (eptp & EPTP_AD))
		need |= EPT_ACC_READ | EPT_ACC_WRITE;
	return need;
}

/*
 * Exit qualification of an EPT violation (Table 27-7): bits 2:0 the access, bits 5:3 the
 * logical AND of bits 2:0 of the entries used (so 0 when one was not present), bit 6
 * reserved (0), bit 7 guest-linear-address field valid, bit 8 (only when bit 7 is 1) set for
 * an access to the translation of the linear address, clear for an access to a
 * paging-structure entry.  Bits 11:9 are reserved (0); bit 12 belongs to the exit engine.
 */
static u64 ept_qual(unsigned need, unsigned perm, unsigned access)
{
	u64 q = need | ((u64)perm << 3);
	if (access & EPT_ACC_GLA)
		q |= EPT_ACC_GLA | (access & EPT_ACC_FINAL);
	return q;
}

static enum ept_outcome ept_violation(struct ept_result *r, unsigned need, unsigned perm,
				      unsigned access)
{
	r->perm = (u8)perm;
	r->qual = ept_qual(need, perm, access);
	return EPT_VIOLATION;
}

/*
 * 28.2.4 "Accessed and Dirty Flags for EPT": with EPTP[6] = 1, "whenever the processor uses
 * an EPT paging-structure entry as part of guest-physical-address translation, it sets the
 * accessed flag in that entry (if it is not already set)".  The model sets it as each entry
 * is used, before the rights of the whole walk are known (docs/decisions.md).
 */
static u64 ept_mark_accessed(struct vx_phys *phys, u64 eptp, u64 ea, u64 e)
{
	if ((eptp & EPTP_AD) && !(e & EPT_A)) {
		e |= EPT_A;
		phys_write(phys, ea, 8, e);
	}
	return e;
}

/*
 * The leaf: rights (28.2.3.2), then the dirty flag -- "whenever there is a write to a
 * guest-physical address, the processor sets the dirty flag (if it is not already set) in
 * the EPT paging-structure entry that identifies the final physical address" (28.2.4);
 * guest paging-structure accesses count as writes when EPTP[6] = 1.
 */
static enum ept_outcome ept_leaf(struct vx_phys *phys, u64 eptp, u64 gpa, unsigned access,
				 unsigned perm, u64 e, u64 frame_mask, struct ept_result *r)
{
	unsigned need = ept_need(eptp, access);
	unsigned shift = 12 + 9 * (r->level - 1);
	if ((need & perm) != need)
		return ept_violation(r, need, perm, access);
	bool ad = eptp & EPTP_AD;
	if (ad && (need & EPT_ACC_WRITE) && !(e & EPT_D)) {
		e |= EPT_D;
		phys_write(phys, r->entry_pa, 8, e);
	}
	r->perm = (u8)perm;
	r->dirty = !ad || (e & EPT_D);
	r->hpa = (e & frame_mask & ~GENMASK(shift - 1, 0)) | (gpa & GENMASK(shift - 1, 0));
	return EPT_OK;
}

enum ept_outcome ept_translate(struct vx_phys *phys, u64 eptp, u64 gpa, unsigned access,
			       const struct ept_caps *caps, struct ept_result *r)
{
	/* Addresses in EPTP and entries: bits N-1:12 (28.2.2). */
	u64 frame_mask = GENMASK(caps->maxphyaddr - 1, 12);
	u64 table = eptp & frame_mask;
	unsigned perm = (unsigned)EPT_RWX;
	*r = (struct ept_result){0};
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 ea = table + ((gpa >> shift) & 511) * 8;
		u64 e = phys_read(phys, ea, 8);
		r->level = (u8)level;
		r->entry_pa = ea;
		/* 28.2.2: bits 2:0 all 0 = not present; the rest of the entry is ignored.  Using
		 * it is an EPT violation (28.2.3.2). */
		if (!(e & EPT_RWX))
			return ept_violation(r, ept_need(eptp, access), 0, access);
		bool leaf = false;
		if (ept_misconfigured(caps, e, level, &leaf))
			return EPT_MISCONFIG;
		perm &= (unsigned)(e & EPT_RWX);
		e = ept_mark_accessed(phys, eptp, ea, e);
		if (leaf)
			return ept_leaf(phys, eptp, gpa, access, perm, e, frame_mask, r);
		table = e & frame_mask;
	}
	return EPT_MISCONFIG; /* not reached: level 1 is always a leaf */
}

/* ---- the processor's use of EPT ---- */

/* The secondary controls as they apply (24.6.2 "Processor-Based VM-Execution Controls": only
 * when "activate secondary controls", primary bit 31, is 1). */
static u32 proc2_of(const struct vmcs *v)
{
	if (!(vmcs_get(v, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL) & PROC_ACTIVATE_SECONDARY_CONTROLS))
		return 0;
	return (u32)vmcs_get(v, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL);
}

void vmx_tlb_to_guest(struct vx_cpu *c)
{
	const struct vmcs *v = &c->vmx.vmcs;
	u32 p2 = proc2_of(v);
	if (!(p2 & PROC2_ENABLE_VPID)) {
		tlb_flush_all(c);
		return;
	}
	tlb_switch(c, (u16)vmcs_get(v, VMCS_SLOT_VPID),
		   p2 & PROC2_ENABLE_EPT ? vmcs_get(v, VMCS_SLOT_EPT_POINTER) : ~0ull);
}

void vmx_tlb_to_host(struct vx_cpu *c, bool vpid)
{
	if (!vpid)
		tlb_flush_all(c);
	else
		tlb_switch(c, 0, ~0ull);
}

bool ept_ctx_load_nonroot(const struct vx_cpu *c, struct ept_ctx *x)
{
	const struct vmcs *v = &c->vmx.vmcs;
	if (!(proc2_of(v) & PROC2_ENABLE_EPT))
		return false;
	const struct cpu_profile *p = cpu_profile_of(c);
	x->eptp = vmcs_get(v, VMCS_SLOT_EPT_POINTER);
	ept_caps_from_msr(&x->caps, p->vmx.ept_vpid_cap, p->maxphyaddr);
	return true;
}

/*
 * The EPT-induced VM exit (28.2.3 "EPT-Induced VM Exits"; 27.2.1 "Basic VM-Exit
 * Information"): reason 48 with the qualification, the guest-physical address and, as
 * qualification bit 7 says, the guest-linear address; reason 49 with the guest-physical
 * address (its qualification is cleared).  The instruction-length field is undefined for
 * both (27.2.4): nothing is passed.  Guest RIP (27.3.3): the instruction for an access made
 * while executing it; RIP for a fetch and for an access made while delivering an event (the
 * engine then reports the IDT-vectoring information and, for a software interrupt or
 * exception, the instruction).  Enclave-mode clearing of bits 11:0, the NMI-unblocking bit
 * and RFLAGS.RF are the engine's.
 */
static enum cpu_step ept_vmexit(struct vx_cpu *c, enum ept_outcome o, const struct ept_result *r,
				u64 gla, u64 gpa, bool at_insn)
{
	bool violation = o == EPT_VIOLATION;
	struct vmexit_info e = {
	    .reason = violation ? VMX_EXIT_EPT_VIOLATION : VMX_EXIT_EPT_MISCONFIG,
	    .qual = violation ? r->qual : 0,
	    .gla = gla,
	    .gla_valid = violation && (r->qual & EPT_ACC_GLA),
	    .gpa = gpa,
	    .gpa_valid = true,
	    .at_insn = at_insn && !c->vmxnr.delivering,
	};
	return vmexit(c, &e);
}

enum cpu_step ept_access(struct vx_cpu *c, const struct ept_ctx *x, u64 gla, u64 gpa,
			 unsigned access, bool at_insn, u64 *hpa, struct ept_result *res)
{
	struct ept_result local;
	struct ept_result *r = res ? res : &local;
	enum ept_outcome o =
	    ept_translate(c->phys, x->eptp, gpa, access | EPT_ACC_GLA, &x->caps, r);
	if (__builtin_expect(o == EPT_OK, 1)) {
		*hpa = r->hpa;
		return STEP_RETIRED;
	}
	return ept_vmexit(c, o, r, gla, gpa, at_insn);
}
