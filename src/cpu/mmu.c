// SPDX-License-Identifier: MIT
/*
 * 4-level paging walk, access rights, #PF error codes, A/D flags and the software TLB.
 * SDM Vol. 3A 4.5 "4-Level Paging", 4.6 "Access Rights", 4.7 "Page-Fault Exceptions",
 * 4.8 "Accessed and Dirty Flags", 4.10 "Caching Translation Information".
 *
 * In VMX non-root operation with "enable EPT", every guest-physical address the walk
 * produces -- each paging-structure entry it reads, each accessed/dirty-flag update and the
 * final translation -- is translated through EPT (SDM Vol. 3C 28.2.1 "EPT Overview", 28.2.2
 * "EPT Translation Mechanism": "If CR0.PG = 1, the translation of a linear address to a
 * physical address requires multiple translations of guest-physical addresses using EPT");
 * an EPT violation or misconfiguration ends the access in a VM exit (src/vmx/ept.c).  The
 * TLB then holds the combined translation (linear -> host physical, guest rights ANDed with
 * EPT rights); see src/vmx/ept.h for when it is flushed.
 */
#include "cpu/mmu.h"

#include "arch/vmx.h"
#include "cpu/flags.h"
#include "cpu/fault.h"
#include "sgx/sgx.h"
#include "vmx/ept.h"

#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)
#define PTE_G BIT(8)
#define PTE_XD BIT(63)
#define PTE_ADDR (GENMASK(MAXPHYADDR - 1, 12))
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PGE BIT(7)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define EFER_NXE BIT(11)

/* A generation no tag in the TLB carries: after a wrap of the counter the array is cleared and
 * every context's generation is void. */
static u64 new_gen(struct vx_cpu *c)
{
	c->tlb_last_gen += 1ull << TLB_GEN_SHIFT;
	if (!c->tlb_last_gen) { /* wrapped: entries of the first generation could match again */
		memset(c->tlb, 0, sizeof(c->tlb));
		for (unsigned k = 0; k < TLB_NCTX; k++)
			c->tlb_ctx[k].gen = 0;
		c->tlb_last_gen = 1ull << TLB_GEN_SHIFT;
	}
	return c->tlb_last_gen;
}

/* The current context takes the processor's paging state (what it is left with). */
static void ctx_state(struct vx_cpu *c, struct tlb_ctx *x)
{
	x->cr0 = c->cr0;
	x->cr3 = c->cr3;
	x->cr4 = c->cr4;
	x->efer = c->msr.efer;
}

static bool ctx_matches(const struct vx_cpu *c, const struct tlb_ctx *x, u16 vpid, u64 eptp)
{
	return x->gen && x->vpid == vpid && x->eptp == eptp && x->cr3 == c->cr3 &&
	       x->cr0 == c->cr0 && x->cr4 == c->cr4 && x->efer == c->msr.efer;
}

void tlb_init(struct vx_cpu *c)
{
	memset(c->tlb, 0, sizeof(c->tlb));
	memset(c->tlb_ctx, 0, sizeof(c->tlb_ctx));
	c->tlb_last_gen = 0;
	c->tlb_cur = 0;
	c->tlb_victim = 1;
	c->tlb_ctx[0].eptp = ~0ull;
	ctx_state(c, &c->tlb_ctx[0]);
	c->tlb_gen = c->tlb_ctx[0].gen = new_gen(c);
	c->cc.cur_lin = 0;
}

void tlb_leave(struct vx_cpu *c)
{
	struct tlb_ctx *x = &c->tlb_ctx[c->tlb_cur];
	ctx_state(c, x);
	x->cur_lin = c->cc.cur_lin;
	x->cur_block = c->cc.cur_block;
	x->cur_cpl = c->cc.cur_cpl;
	x->cs_ar = c->seg[SEG_CS].ar;
	x->writes = c->cc.writes;
}

/* Back in a kept context: the code page it was executing is still looked up (same mappings,
 * no code written since, same CS mode), so the next fetch need not translate RIP again. */
static void resume_code_page(struct vx_cpu *c, const struct tlb_ctx *x)
{
	if (x->writes != c->cc.writes || x->cs_ar != c->seg[SEG_CS].ar)
		return;
	c->cc.cur_lin = x->cur_lin;
	c->cc.cur_block = x->cur_block;
	c->cc.cur_cpl = x->cur_cpl;
}

void tlb_flush_all(struct vx_cpu *c)
{
	for (unsigned k = 0; k < TLB_NCTX; k++)
		if (k != c->tlb_cur)
			c->tlb_ctx[k].gen = 0;
	c->tlb_gen = c->tlb_ctx[c->tlb_cur].gen = new_gen(c);
	c->cc.cur_lin = 0;
}

/*
 * The paging state is part of the key, so state a VM entry or exit loads (CR3 from the VMCS,
 * CR0.WP, CR4.SMEP, IA32_EFER.NXE ...) never meets mappings made under other values; keeping
 * fewer mappings than the SDM allows is always permitted (28.3.3.2 "a logical processor may
 * invalidate any cached mappings at any time").
 */
void tlb_switch(struct vx_cpu *c, u16 vpid, u64 eptp)
{
	unsigned k;
	const struct tlb_ctx *cur = &c->tlb_ctx[c->tlb_cur];
	if (ctx_matches(c, cur, vpid, eptp)) {
		/* the context left is the one entered (a VM entry after an exit that did not
		 * load host state, D79): as leaving and finding it again would */
		if (!cur->cur_block || !cur->cur_lin || cur->writes != c->cc.writes ||
		    cur->cs_ar != c->seg[SEG_CS].ar)
			c->cc.cur_lin = 0;
		return;
	}
	c->cc.cur_lin = 0;
	for (k = 0; k < TLB_NCTX; k++)
		if (ctx_matches(c, &c->tlb_ctx[k], vpid, eptp))
			break;
	if (k == TLB_NCTX) {
		/* round robin over the other slots: the context being left stays */
		k = c->tlb_victim == c->tlb_cur ? (c->tlb_cur + 1) % TLB_NCTX : c->tlb_victim;
		c->tlb_victim = (k + 1) % TLB_NCTX;
		struct tlb_ctx *x = &c->tlb_ctx[k];
		x->vpid = vpid;
		x->eptp = eptp;
		ctx_state(c, x);
		x->cur_lin = 0; /* nothing executed in it yet */
		x->gen = new_gen(c);
	}
	c->tlb_cur = k;
	c->tlb_gen = c->tlb_ctx[k].gen;
	if (c->tlb_ctx[k].cur_block && c->tlb_ctx[k].cur_lin)
		resume_code_page(c, &c->tlb_ctx[k]);
}

void tlb_flush_nonglobal(struct vx_cpu *c)
{
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (!(c->tlb[i].perm & TLB_GLOBAL))
			c->tlb[i].tag = 0;
	c->cc.cur_lin = 0;
}

void tlb_flush_page(struct vx_cpu *c, u64 la)
{
	struct tlb_entry *e = &c->tlb[(la >> 12) & (TLB_SIZE - 1)];
	if (e->tag == tlb_key(c, la))
		e->tag = 0;
	c->cc.cur_lin = 0;
}

void tlb_protect_code(struct vx_cpu *c, u64 pa)
{
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (c->tlb[i].tag && c->tlb[i].pa == (pa & ~4095ull))
			c->tlb[i].perm &= ~(u32)(TLB_W | TLB_UW);
}

/*
 * Reserved bits of a paging-structure entry at `level` (4 = PML4E .. 1 = PTE), 4.5 Tables
 * 4-14 .. 4-19: bits 51:MAXPHYADDR; XD when IA32_EFER.NXE = 0; PS in a PML4E; bits 29:13 of
 * a 1-GByte PDPTE and bits 20:13 of a 2-MByte PDE.
 */
static bool pte_reserved(const struct vx_cpu *c, u64 e, int level)
{
	if (e & GENMASK(51, MAXPHYADDR))
		return true;
	if ((e & PTE_XD) && !(c->msr.efer & EFER_NXE))
		return true;
	if (level == 4 && (e & PTE_PS))
		return true;
	if (level == 3 && (e & PTE_PS) && (e & GENMASK(29, 13)))
		return true;
	if (level == 2 && (e & PTE_PS) && (e & GENMASK(20, 13)))
		return true;
	return false;
}

struct walk {
	u64 pa;     /* translated physical address */
	u64 page;   /* physical address of the 4 KiB frame */
	bool user;  /* U/S = 1 at every level */
	bool write; /* R/W = 1 at every level */
	bool nx;    /* XD = 1 at some level (and NXE) */
	bool dirty; /* D already set in the final entry */
	bool global;
	u64 leaf_pa; /* (guest-)physical address of the final entry */
	u64 leaf_e;  /* its value, accessed flag included */
	u64 pfec;    /* error code when the walk failed */
};

static enum cpu_step page_fault(struct vx_cpu *c, u64 la, u64 pfec)
{
	return fault_pf(c, la, (u32)pfec);
}

/* A VM exit during an instruction fetch is reported at c->rip (the instruction is not being
 * executed yet); any other at the instruction being executed. */
static bool exit_at_insn(unsigned acc)
{
	return (acc & ACC_KIND) != ACC_EXEC;
}

/*
 * Guest-physical address gpa of a guest paging-structure entry -> host-physical, for a read
 * of it (`write` false) or an accessed/dirty-flag update (28.2.3.2 "EPT Violations": the
 * walk's reads are data reads, the flag updates data writes).  x is NULL without EPT
 * (guest-physical = host-physical).
 */
static inline enum cpu_step pte_host(struct vx_cpu *c, const struct ept_ctx *x, u64 la, u64 gpa,
				     unsigned acc, bool write, u64 *hpa)
{
	if (__builtin_expect(!x, 1)) {
		*hpa = gpa;
		return STEP_RETIRED;
	}
	unsigned kind = write ? EPT_ACC_WRITE : EPT_ACC_READ;
	return ept_access(c, x, la, gpa, kind | EPT_ACC_PAGING, exit_at_insn(acc), hpa, NULL);
}

/* Sets `flags` in the guest paging-structure entry at gpa whose value is e (4.8). */
static enum cpu_step pte_set_flags(struct vx_cpu *c, const struct ept_ctx *x, u64 la, u64 gpa,
				   unsigned acc, u64 e, u64 flags)
{
	u64 hpa;
	enum cpu_step r = pte_host(c, x, la, gpa, acc, true, &hpa);
	if (r == STEP_RETIRED)
		phys_write(c->phys, hpa, 8, e | flags);
	return r;
}

/* Access-rights check on a completed walk (4.6.1 "Determination of Access Rights"). */
static bool rights_ok(const struct vx_cpu *c, const struct walk *w, unsigned acc, bool user_acc)
{
	unsigned kind = acc & ACC_KIND;
	bool write = kind == ACC_WRITE || (acc & ACC_RMW);
	if (user_acc) {
		if (!w->user)
			return false;
		if (write && !w->write)
			return false;
		return !(kind == ACC_EXEC && w->nx);
	}
	if (kind == ACC_EXEC) {
		if (w->nx)
			return false;
		/* SMEP: no supervisor fetches from user-mode pages. */
		return !(w->user && (c->cr4 & CR4_SMEP));
	}
	/* SMAP: explicit supervisor data accesses to user pages need AC=1 (and CPL < 3);
	 * implicit ones are never allowed. */
	if (w->user && (c->cr4 & CR4_SMAP)) {
		bool ac = (c->rflags & RFLAGS_AC) && c->cpl < 3 && !(acc & ACC_IMPLICIT);
		if (!ac)
			return false;
	}
	if (write && !w->write && (c->cr0 & CR0_WP))
		return false;
	return true;
}

static u64 pfec_base(const struct vx_cpu *c, unsigned acc, bool user_acc)
{
	unsigned kind = acc & ACC_KIND;
	u64 e = 0;
	if (kind == ACC_WRITE || (acc & ACC_RMW))
		e |= PFEC_W;
	if (user_acc)
		e |= PFEC_U;
	/* I/D is reported only when NXE or SMEP is on (4.7). */
	if (kind == ACC_EXEC && ((c->msr.efer & EFER_NXE) || (c->cr4 & CR4_SMEP)))
		e |= PFEC_I;
	return e;
}

/* The leaf e at ea maps la; all_of / any_of: the AND / OR of the entries walked. */
static void walk_leaf(const struct vx_cpu *c, u64 la, unsigned shift, u64 ea, u64 e, u64 all_of,
		      u64 any_of, struct walk *w)
{
	w->user = all_of & PTE_US;
	w->write = all_of & PTE_RW;
	w->nx = (any_of & PTE_XD) && (c->msr.efer & EFER_NXE);
	u64 frame = e & PTE_ADDR & ~GENMASK(shift - 1, 0);
	w->pa = frame | (la & GENMASK(shift - 1, 0));
	w->page = w->pa & ~4095ull;
	w->dirty = e & PTE_D;
	w->global = (e & PTE_G) && (c->cr4 & CR4_PGE);
	w->leaf_pa = ea;
	w->leaf_e = e;
}

/* STEP_RETIRED (translated), STEP_FAULT (#PF with w->pfec, not raised yet) or STEP_VMEXIT.
 * x: the EPT context, NULL without EPT. */
static enum cpu_step walk(struct vx_cpu *c, const struct ept_ctx *x, u64 la, unsigned acc,
			  bool user_acc, struct walk *w)
{
	u64 table = c->cr3 & PTE_ADDR, all_of = ~0ull, any_of = 0;
	u64 base = pfec_base(c, acc, user_acc);
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 ea = table + ((la >> shift) & 511) * 8, hea;
		enum cpu_step r = pte_host(c, x, la, ea, acc, false, &hea);
		if (r != STEP_RETIRED)
			return r;
		u64 e = phys_read(c->phys, hea, 8);
		if (!(e & PTE_P)) {
			w->pfec = base;
			return STEP_FAULT;
		}
		if (pte_reserved(c, e, level)) {
			w->pfec = base | PFEC_P | PFEC_RSVD;
			return STEP_FAULT;
		}
		all_of &= e;
		any_of |= e;
		if (!(e & PTE_A)) {
			r = pte_set_flags(c, x, la, ea, acc, e, PTE_A);
			if (r != STEP_RETIRED)
				return r;
			e |= PTE_A;
		}
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			walk_leaf(c, la, shift, ea, e, all_of, any_of, w);
			return STEP_RETIRED;
		}
		table = e & PTE_ADDR;
	}
	return STEP_FAULT; /* not reached: level 1 is always a leaf */
}

/* allow: the TLB_* rights EPT grants (all of them without EPT). */
static void tlb_fill(struct vx_cpu *c, u64 la, const struct walk *w, u32 allow)
{
	struct tlb_entry *e = &c->tlb[(la >> 12) & (TLB_SIZE - 1)];
	bool code = phys_is_code(c->phys, w->page);
	bool smap = c->cr4 & CR4_SMAP, smep = c->cr4 & CR4_SMEP, wp = c->cr0 & CR0_WP;
	u32 p = 0;
	if (!w->user || !smap)
		p |= TLB_R;
	if ((!w->user || !smap) && (w->write || !wp) && w->dirty && !code)
		p |= TLB_W;
	if (!w->nx && !(w->user && smep))
		p |= TLB_X;
	if (w->user) {
		p |= TLB_UR | TLB_USER;
		if (w->write && w->dirty && !code)
			p |= TLB_UW;
		if (!w->nx)
			p |= TLB_UX;
	}
	if (w->global)
		p |= TLB_GLOBAL;
	e->tag = tlb_key(c, la);
	e->pa = w->page;
	e->host = phys_ram_ptr(c->phys, w->page);
	if (e->host && c->phys->ram_size - w->page < 4096)
		e->host = NULL;
	if (__builtin_expect(c->sgx.active, 0) && !e->host)
		e->host = sgx_host_ptr(c, w->page); /* an EPC page sgx_access() let through */
	e->perm = p & allow;
}

/* The EPT access kind of a linear access (28.2.3.2; a read-modify-write is a write). */
static unsigned ept_kind(unsigned acc)
{
	unsigned kind = acc & ACC_KIND;
	if (kind == ACC_EXEC)
		return EPT_ACC_FETCH;
	return kind == ACC_WRITE || (acc & ACC_RMW) ? EPT_ACC_WRITE : EPT_ACC_READ;
}

/*
 * The TLB rights EPT allows for the page (28.3.1 "Information That May Be Cached":
 * combined mappings carry the EPT rights): reads need bit 0, fetches bit 2, writes bit 1
 * and, with EPT accessed/dirty flags, the leaf's dirty flag already set (so that the first
 * write walks and sets it, 28.2.4).
 */
static u32 ept_tlb_allow(const struct ept_result *r)
{
	u32 p = TLB_USER | TLB_GLOBAL;
	if (r->perm & EPT_R)
		p |= TLB_R | TLB_UR;
	if ((r->perm & EPT_W) && r->dirty)
		p |= TLB_W | TLB_UW;
	if (r->perm & EPT_X)
		p |= TLB_X | TLB_UX;
	return p;
}

/* The final access, to the translation of la (Table 27-7 bit 8 set). */
static enum cpu_step final_host(struct vx_cpu *c, const struct ept_ctx *x, u64 la, u64 gpa,
				unsigned acc, u64 *hpa, u32 *allow)
{
	struct ept_result er;
	enum cpu_step r =
	    ept_access(c, x, la, gpa, ept_kind(acc) | EPT_ACC_FINAL, exit_at_insn(acc), hpa, &er);
	if (r == STEP_RETIRED)
		*allow = ept_tlb_allow(&er);
	return r;
}

/*
 * CR0.PG = 0 in VMX non-root operation ("unrestricted guest"): "a linear address is treated
 * as a guest-physical address and is translated using EPT" (28.2.2).  Not cached in the TLB.
 */
static enum cpu_step translate_unpaged(struct vx_cpu *c, u64 la, unsigned acc, u64 *pa)
{
	struct ept_ctx ctx;
	const struct ept_ctx *x = ept_ctx_get(c, &ctx);
	u32 allow;
	*pa = la;
	return x ? final_host(c, x, la, la, acc, pa, &allow) : STEP_RETIRED;
}

/* The walk, the rights, the dirty flag, EPT of the final address, then the TLB fill. */
static enum cpu_step translate_walk(struct vx_cpu *c, u64 la, unsigned acc, u64 *pa)
{
	bool user_acc = c->cpl == 3 && !(acc & ACC_IMPLICIT);
	struct ept_ctx ctx;
	struct walk w;
	const struct ept_ctx *x = ept_ctx_get(c, &ctx);
	enum cpu_step r = walk(c, x, la, acc, user_acc, &w);
	if (r == STEP_FAULT)
		return page_fault(c, la, w.pfec);
	if (r != STEP_RETIRED)
		return r;
	if (!rights_ok(c, &w, acc, user_acc))
		return page_fault(c, la, pfec_base(c, acc, user_acc) | PFEC_P);
	unsigned kind = acc & ACC_KIND;
	if ((kind == ACC_WRITE || (acc & ACC_RMW)) && !w.dirty) {
		r = pte_set_flags(c, x, la, w.leaf_pa, acc, w.leaf_e, PTE_D);
		if (r != STEP_RETIRED)
			return r;
		w.dirty = true;
	}
	u32 allow = ~0u;
	if (x) {
		r = final_host(c, x, la, w.pa, acc, &w.pa, &allow);
		if (r != STEP_RETIRED)
			return r;
		w.page = w.pa & ~4095ull;
	}
	/* Enclave mode: the EPCM checks come after paging and EPT (38.3, 42.5). */
	if (__builtin_expect(c->sgx.active, 0)) {
		r = sgx_access(c, la, w.pa, acc, &allow);
		if (r != STEP_RETIRED)
			return r;
	}
	tlb_fill(c, la, &w, allow);
	*pa = w.pa;
	return STEP_RETIRED;
}

enum cpu_step mmu_translate_step(struct vx_cpu *c, u64 la, unsigned acc, u64 *pa)
{
	if (!is_canonical(la))
		return (acc & ACC_STACK) ? fault_ss(c, 0) : fault_gp(c, 0);
	if (!(c->cr0 & CR0_PG)) {
		if (__builtin_expect(!c->vmx.non_root, 1)) {
			*pa = la;
			return STEP_RETIRED;
		}
		return translate_unpaged(c, la, acc, pa);
	}
	/* The TLB first (4.10.2 "Translation Lookaside Buffers (TLBs)"): an entry holds the
	 * rights computed at fill time; implicit supervisor accesses always walk. */
	if (!(acc & ACC_IMPLICIT)) {
		unsigned kind = (acc & ACC_RMW) ? ACC_WRITE : (acc & ACC_KIND);
		const struct tlb_entry *e = &c->tlb[(la >> 12) & (TLB_SIZE - 1)];
		if (e->tag == tlb_key(c, la) && (e->perm & tlb_need(c, kind))) {
			*pa = e->pa | (la & 4095);
			return STEP_RETIRED;
		}
	}
	return translate_walk(c, la, acc, pa);
}

/* Splits an access at a page boundary; both pages are translated before any byte moves. */
static enum cpu_step translate_span(struct vx_cpu *c, u64 la, unsigned size, unsigned acc,
				    u64 pa[2], unsigned *first)
{
	*first = size;
	if ((la & 4095) + size > 4096)
		*first = 4096 - (unsigned)(la & 4095);
	enum cpu_step r = mmu_translate_step(c, la, acc, &pa[0]);
	if (r == STEP_RETIRED && *first < size)
		r = mmu_translate_step(c, la + *first, acc, &pa[1]);
	return r;
}

enum cpu_step mem_read_slow(struct vx_cpu *c, u64 la, unsigned size, u64 *v, unsigned acc)
{
	u64 pa[2];
	unsigned first;
	enum cpu_step r = translate_span(c, la, size, (acc & ~ACC_KIND) | ACC_READ, pa, &first);
	if (r != STEP_RETIRED)
		return r;
	u64 x = mmu_pa_read(c, pa[0], first);
	if (first < size)
		x |= mmu_pa_read(c, pa[1], size - first) << (8 * first);
	*v = x;
	return STEP_RETIRED;
}

enum cpu_step mem_write_slow(struct vx_cpu *c, u64 la, unsigned size, u64 v, unsigned acc)
{
	u64 pa[2];
	unsigned first;
	enum cpu_step r = translate_span(c, la, size, (acc & ~ACC_KIND) | ACC_WRITE, pa, &first);
	if (r != STEP_RETIRED)
		return r;
	mmu_pa_write(c, pa[0], first, v);
	if (first < size)
		mmu_pa_write(c, pa[1], size - first, v >> (8 * first));
	return STEP_RETIRED;
}

u64 mmu_pa_read(struct vx_cpu *c, u64 pa, unsigned size)
{
	u8 *h = c->sgx.active ? sgx_host_ptr(c, pa) : NULL;
	if (!h)
		return phys_read(c->phys, pa, size);
	u64 v = 0;
	memcpy(&v, h, size);
	return v;
}

void mmu_pa_write(struct vx_cpu *c, u64 pa, unsigned size, u64 v)
{
	u8 *h = c->sgx.active ? sgx_host_ptr(c, pa) : NULL;
	if (!h)
		phys_write(c->phys, pa, size, v);
	else
		memcpy(h, &v, size);
}
