/* SPDX-License-Identifier: MIT */
/*
 * Extended page tables: translation of guest-physical addresses in VMX non-root operation.
 * SDM Vol. 3C 28.2 "The Extended Page Table Mechanism (EPT)": 28.2.1 "EPT Overview", 28.2.2
 * "EPT Translation Mechanism" (Tables 28-1 .. 28-6), 28.2.3.1 "EPT Misconfigurations",
 * 28.2.3.2 "EPT Violations", 28.2.4 "Accessed and Dirty Flags for EPT", 28.2.6 "EPT and
 * Memory Typing" (only the reserved memory types); 27.2.1 "Basic VM-Exit Information",
 * Table 27-7 "Exit Qualification for EPT Violations".
 *
 * Two layers:
 *   - ept_translate(): the pure walk over EPT paging structures in host-physical memory.  It
 *     reads the entries, sets the EPT accessed/dirty flags when EPTP[6] enables them, and
 *     returns the host-physical address, or an EPT violation with its exit qualification,
 *     or an EPT misconfiguration.  It knows nothing of VMX state and never exits.
 *   - ept_access(): the processor's use of it (src/cpu/mmu.c): translates one guest-physical
 *     access and, on failure, performs the VM exit (reason 48 or 49) through vmexit(), the
 *     exit engine of src/vmx/vmexit.c.
 *
 * Caching (SDM 28.3 "Caching Translation Information"): in VMX non-root operation with EPT
 * the software TLB of src/cpu/mmu.c holds combined mappings (28.3.1 "Information That May
 * Be Cached"): linear -> host physical, with the guest rights ANDed with the EPT rights.
 * Mappings belong to a translation context: VPID, EPTP (all ones without EPT) and the paging
 * state (CR0, CR3, CR4, IA32_EFER) they were made under.  28.3.3.1 "Operations that
 * Invalidate Cached Mappings": with "enable VPID" 0, VM entries and VM exits invalidate the
 * mappings of VPID 0000H, which root operation shares: the whole TLB is flushed; with "enable
 * VPID" 1 they invalidate nothing: the processor switches between the guest's context and
 * the root context (VPID 0, no EPT), each kept (vmx_tlb_to_guest, vmx_tlb_to_host).  INVEPT
 * and INVVPID of any type flush everything ("may invalidate other mappings as well").
 * Keying on the paging state only drops more mappings than the SDM requires, which is
 * permitted: "a logical processor may invalidate any cached mappings at any time" (28.3.3.2).
 */
#ifndef VX_VMX_EPT_H
#define VX_VMX_EPT_H

#include "arch/vmx.h"
#include "cpu/cpu.h"

/*
 * The access being translated.  Bits 0-2 and 7-8 are placed where Table 27-7 reports them:
 *   bit 0 data read, bit 1 data write, bit 2 instruction fetch (exactly one of them;
 *   a read-modify-write is given as a write);
 *   bit 7 the guest-physical address comes from the translation of a guest-linear address
 *   (the guest-linear-address field will be valid);
 *   bit 8 the access is to the translation of that linear address, not to a guest
 *   paging-structure entry (meaningful only with bit 7).
 * EPT_ACC_PAGING marks an access to a guest paging-structure entry (the walk's reads and
 * the accessed/dirty-flag writes): with EPTP[6] = 1 it is treated as a write (28.2.3.2).
 */
enum {
	EPT_ACC_READ = 1u << 0,
	EPT_ACC_WRITE = 1u << 1,
	EPT_ACC_FETCH = 1u << 2,
	EPT_ACC_GLA = 1u << 7,
	EPT_ACC_FINAL = 1u << 8,
	EPT_ACC_PAGING = 1u << 16,
};

/* What the processor supports (A.10 "VPID and EPT Capabilities", CPUID 80000008H). */
struct ept_caps {
	bool exec_only; /* IA32_VMX_EPT_VPID_CAP[0]: bits 2:0 = 100b allowed */
	bool page_2m;   /* [16]: an EPT PDE may map a 2-MByte page */
	bool page_1g;   /* [17]: an EPT PDPTE may map a 1-GByte page */
	u8 maxphyaddr;  /* physical-address width N (bits 51:N of entries are reserved) */
};

void ept_caps_from_msr(struct ept_caps *k, u64 ept_vpid_cap, unsigned maxphyaddr);

enum ept_outcome { EPT_OK, EPT_VIOLATION, EPT_MISCONFIG };

struct ept_result {
	u64 hpa;      /* EPT_OK: host-physical address of the access */
	u64 qual;     /* EPT_VIOLATION: exit qualification bits 8:0 (Table 27-7); bit 12 (NMI
		       * unblocking due to IRET) is the exit engine's */
	u8 perm;      /* EPT_R | EPT_W | EPT_X: AND over the entries walked (0 if one was not
		       * present) */
	bool dirty;   /* EPT_OK: a later write needs no dirty-flag update (EPTP[6] = 0, or the
		       * leaf's dirty flag is set) */
	u8 level;     /* level of the last entry read: 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE; for
		       * EPT_OK the leaf (3: 1-GByte page, 2: 2-MByte page, 1: 4-KByte page) */
	u64 entry_pa; /* host-physical address of that entry */
};

/*
 * Translate gpa for `access` through the EPT paging structures rooted at eptp (28.2.2: a
 * 4-level walk over bits 47:0 of gpa; the EPTP's memory type, walk length and reserved bits
 * are VM-entry checks, 26.2.1.1).  Sets accessed and dirty flags when EPTP[6] = 1.
 */
enum ept_outcome ept_translate(struct vx_phys *phys, u64 eptp, u64 gpa, unsigned access,
			       const struct ept_caps *caps, struct ept_result *r);

/* ---- the processor's use of EPT (src/cpu/mmu.c) ---- */

/* EPT as it applies to the accesses of one translation. */
struct ept_ctx {
	u64 eptp;
	struct ept_caps caps;
};

bool ept_ctx_load_nonroot(const struct vx_cpu *c, struct ept_ctx *x);

/*
 * The EPT context for c's guest-physical accesses, in buf; NULL when EPT does not apply:
 * outside VMX non-root operation, or with "activate secondary controls" or "enable EPT" 0
 * (28.2.1 "EPT Overview"; guest-physical addresses are then host-physical).
 */
static inline const struct ept_ctx *ept_ctx_get(const struct vx_cpu *c, struct ept_ctx *buf)
{
	if (__builtin_expect(!c->vmx.non_root, 1))
		return NULL;
	return ept_ctx_load_nonroot(c, buf) ? buf : NULL;
}

/*
 * One access of the processor to guest-physical address gpa, made for guest-linear address
 * gla (EPT_ACC_GLA is added: every access the model makes comes from a linear address).
 * STEP_RETIRED with *hpa (and *res when not NULL); or the VM exit has happened through
 * vmexit() (reason 48 with qualification, guest-linear and guest-physical address; reason 49
 * with the guest-physical address) and its result is returned: STEP_VMEXIT (STEP_SHUTDOWN
 * after a VMX abort).  at_insn: an access of the instruction being executed (guest RIP =
 * c->insn_rip); false for an instruction fetch (guest RIP = c->rip).  During event delivery
 * (c->vmxnr.delivering) the exit is reported at c->rip whatever at_insn says.
 */
enum cpu_step ept_access(struct vx_cpu *c, const struct ept_ctx *x, u64 gla, u64 gpa,
			 unsigned access, bool at_insn, u64 *hpa, struct ept_result *res);

/* 28.2.3.1: a present entry at `level` (4 PML4E .. 1 PTE) is misconfigured; *leaf: it maps a
 * page. */
bool ept_misconfigured(const struct ept_caps *k, u64 e, int level, bool *leaf);

/* The TLB after a VM entry loaded guest state, and after a VM exit loaded host state
 * (28.3.3.1; the current VMCS's "enable VPID" and EPTP). */
void vmx_tlb_to_guest(struct vx_cpu *c);
void vmx_tlb_to_host(struct vx_cpu *c, bool vpid); /* vpid: the exit's "enable VPID" */

#endif
