/* SPDX-License-Identifier: MIT */
/*
 * Linear-address translation (SDM Vol. 3A chapter 4 "Paging": 4.5 "4-Level Paging", 4.6
 * "Access Rights", 4.7 "Page-Fault Exceptions", 4.8 "Accessed and Dirty Flags", 4.10
 * "Caching Translation Information") and linear memory access for instructions.
 */
#ifndef VX_CPU_MMU_H
#define VX_CPU_MMU_H

#include <string.h>

#include "cpu/cpu.h"

/* Access kinds and modifiers. */
enum {
	ACC_READ = 0,
	ACC_WRITE = 1,
	ACC_EXEC = 2,
	ACC_KIND = 3,
	ACC_RMW = 4,      /* a read that will be followed by a write: check write rights */
	ACC_IMPLICIT = 8, /* implicit supervisor access (GDT, IDT, TSS): CPL ignored */
	ACC_STACK = 16,   /* through SS: a non-canonical address raises #SS, not #GP */
};

/* #PF error code bits (4.7, Figure 4-12). */
#define PFEC_P BIT(0)
#define PFEC_W BIT(1)
#define PFEC_U BIT(2)
#define PFEC_RSVD BIT(3)
#define PFEC_I BIT(4)
#define PFEC_PK BIT(5)
#define PFEC_SS BIT(6)
#define PFEC_SGX BIT(15)

#define MAXPHYADDR 46 /* physical-address width of the modelled processor (CPUID 80000008H) */

static inline bool is_canonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) == la; /* bits 63:47 all equal */
}

/*
 * Translate la for an access.  STEP_RETIRED with *pa, the host-physical address; STEP_FAULT
 * with c->event set (#PF, or #GP/#SS for non-canonical); STEP_VMEXIT when, in VMX non-root
 * operation with EPT, a guest-physical address of the walk or of the result caused an EPT
 * violation or misconfiguration: the VM exit has happened (vmexit(): guest state saved,
 * host state loaded) and the caller ends the instruction by returning the result as it is
 * (STEP_SHUTDOWN when that exit ended in a VMX abort).
 */
enum cpu_step mmu_translate_step(struct vx_cpu *c, u64 la, unsigned acc, u64 *pa);

/* The same as a boolean (false: fault or VM exit).  A caller that turns false into
 * STEP_FAULT must use mmu_translate_step() instead, or a VM exit would be reported as a
 * fault. */
static inline bool mmu_translate(struct vx_cpu *c, u64 la, unsigned acc, u64 *pa)
{
	return mmu_translate_step(c, la, acc, pa) == STEP_RETIRED;
}

/*
 * TLB maintenance (4.10.4 "Invalidation of TLBs and Paging-Structure Caches").  The TLB holds
 * the mappings of up to TLB_NCTX translation contexts (Vol. 3C 28.3.1 "Information That May
 * Be Cached": mappings are associated with a VPID and, with EPT, an EP4TA); tlb_flush_all()
 * invalidates every context's mappings (INVEPT, INVVPID, VM transitions without VPID, MOV to
 * CR0/CR4 ...); tlb_switch() makes the context of the processor's new state current, keeping
 * what the others cached (VM entries and exits with "enable VPID", src/vmx/ept.h).
 */
void tlb_flush_all(struct vx_cpu *c);
/* At power-up: no mapping, the current context is VPID 0000H without EPT. */
void tlb_init(struct vx_cpu *c);
/* Makes current the context of VPID `vpid`, EPTP `eptp` (~0: no EPT) and the processor's
 * paging state now; a context never seen or invalidated starts empty. */
void tlb_switch(struct vx_cpu *c, u16 vpid, u64 eptp);
/* Before a VM entry or exit loads new paging state: the current context's key takes the
 * state its mappings were made under. */
void tlb_leave(struct vx_cpu *c);
void tlb_flush_nonglobal(struct vx_cpu *c);
void tlb_flush_page(struct vx_cpu *c, u64 la);
/* A physical page became a code page: later writes must go through the slow path. */
void tlb_protect_code(struct vx_cpu *c, u64 pa);

/* Linear memory access of 1..8 bytes (16 for CMPXCHG16B through two calls): STEP_RETIRED,
 * STEP_FAULT or STEP_VMEXIT as for mmu_translate_step(). */
enum cpu_step mem_read_slow(struct vx_cpu *c, u64 la, unsigned size, u64 *v, unsigned acc);
enum cpu_step mem_write_slow(struct vx_cpu *c, u64 la, unsigned size, u64 v, unsigned acc);

/* A physical access of an instruction within one page, after its translation: RAM and MMIO
 * through phys.c; in enclave mode an EPC page the EPCM checks allowed (src/sgx/access.c). */
u64 mmu_pa_read(struct vx_cpu *c, u64 pa, unsigned size);
void mmu_pa_write(struct vx_cpu *c, u64 pa, unsigned size, u64 v);

/* Sized host loads and stores: one move each (a byte-wise copy into a u64 on the stack
 * would stall on store forwarding in the hot path). */
static inline u64 host_load(const u8 *p, unsigned size)
{
	u8 b;
	u16 w;
	u32 d;
	u64 q;
	switch (size) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&w, p, 2); return w;
	case 4: memcpy(&d, p, 4); return d;
	default: memcpy(&q, p, 8); return q;
	}
}

static inline void host_store(u8 *p, unsigned size, u64 v)
{
	u8 b = (u8)v;
	u16 w = (u16)v;
	u32 d = (u32)v;
	switch (size) {
	case 1: memcpy(p, &b, 1); break;
	case 2: memcpy(p, &w, 2); break;
	case 4: memcpy(p, &d, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

/* The tag of la's page in the current flush generation. */
static inline u64 tlb_key(const struct vx_cpu *c, u64 la)
{
	return ((la >> 12) + 1) | c->tlb_gen;
}

static inline struct tlb_entry *tlb_hit(struct vx_cpu *c, u64 la, u32 need, unsigned size)
{
	struct tlb_entry *e = &c->tlb[(la >> 12) & (TLB_SIZE - 1)];
	if (e->tag == tlb_key(c, la) && (e->perm & need) && e->host && (la & 4095) + size <= 4096)
		return e;
	return NULL;
}

static inline u32 tlb_need(const struct vx_cpu *c, unsigned kind)
{
	static const u32 need[2][3] = {{TLB_R, TLB_W, TLB_X}, {TLB_UR, TLB_UW, TLB_UX}};
	return need[c->cpl == 3][kind];
}

static inline enum cpu_step mem_read(struct vx_cpu *c, u64 la, unsigned size, u64 *v, unsigned acc)
{
	struct tlb_entry *e =
	    tlb_hit(c, la, tlb_need(c, (acc & ACC_RMW) ? ACC_WRITE : ACC_READ), size);
	if (e && !(acc & ACC_IMPLICIT)) {
		*v = host_load(e->host + (la & 4095), size);
		return STEP_RETIRED;
	}
	return mem_read_slow(c, la, size, v, acc);
}

static inline enum cpu_step mem_write(struct vx_cpu *c, u64 la, unsigned size, u64 v, unsigned acc)
{
	struct tlb_entry *e = tlb_hit(c, la, tlb_need(c, ACC_WRITE), size);
	if (e && !(acc & ACC_IMPLICIT)) {
		host_store(e->host + (la & 4095), size, v);
		return STEP_RETIRED;
	}
	return mem_write_slow(c, la, size, v, acc);
}

/* Stack accesses through SS in 64-bit mode. */
static inline enum cpu_step push64(struct vx_cpu *c, u64 v)
{
	u64 rsp = c->gpr[4] - 8;
	enum cpu_step r = mem_write(c, rsp, 8, v, ACC_STACK);
	if (r == STEP_RETIRED)
		c->gpr[4] = rsp;
	return r;
}

#endif
