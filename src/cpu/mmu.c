// SPDX-License-Identifier: MIT
/*
 * 4-level paging walk, access rights, #PF error codes, A/D flags and the software TLB.
 * SDM Vol. 3A 4.5 "4-Level Paging", 4.6 "Access Rights", 4.7 "Page-Fault Exceptions",
 * 4.8 "Accessed and Dirty Flags", 4.10 "Caching Translation Information".
 */
#include "cpu/mmu.h"

#include "arch/vmx.h"
#include "cpu/flags.h"
#include "cpu/fault.h"

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

void tlb_flush_all(struct vx_cpu *c)
{
	memset(c->tlb, 0, sizeof(c->tlb));
	c->cc.cur_lin = 0;
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
	if (e->tag == (la >> 12) + 1)
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
	u64 leaf_pa; /* physical address of the final entry */
	u64 pfec;    /* error code when the walk failed */
};

static bool page_fault(struct vx_cpu *c, u64 la, u64 pfec)
{
	fault_pf(c, la, (u32)pfec);
	return false;
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

static bool walk(struct vx_cpu *c, u64 la, unsigned acc, bool user_acc, struct walk *w)
{
	u64 table = c->cr3 & PTE_ADDR;
	w->user = w->write = true;
	w->nx = false;
	u64 base = pfec_base(c, acc, user_acc);
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 ea = table + ((la >> shift) & 511) * 8;
		u64 e = phys_read(c->phys, ea, 8);
		if (!(e & PTE_P)) {
			w->pfec = base;
			return false;
		}
		if (pte_reserved(c, e, level)) {
			w->pfec = base | PFEC_P | PFEC_RSVD;
			return false;
		}
		w->user &= !!(e & PTE_US);
		w->write &= !!(e & PTE_RW);
		w->nx |= (e & PTE_XD) && (c->msr.efer & EFER_NXE);
		bool leaf = level == 1 || (level <= 3 && (e & PTE_PS));
		if (!(e & PTE_A))
			phys_write(c->phys, ea, 8, e | PTE_A);
		if (leaf) {
			u64 frame = e & PTE_ADDR & ~GENMASK(shift - 1, 0);
			w->pa = frame | (la & GENMASK(shift - 1, 0));
			w->page = w->pa & ~4095ull;
			w->dirty = e & PTE_D;
			w->global = (e & PTE_G) && (c->cr4 & CR4_PGE);
			w->leaf_pa = ea;
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false; /* not reached */
}

static void tlb_fill(struct vx_cpu *c, u64 la, const struct walk *w)
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
	e->tag = (la >> 12) + 1;
	e->pa = w->page;
	e->host = phys_ram_ptr(c->phys, w->page);
	if (e->host && c->phys->ram_size - w->page < 4096)
		e->host = NULL;
	e->perm = p;
}

bool mmu_translate(struct vx_cpu *c, u64 la, unsigned acc, u64 *pa)
{
	if (!is_canonical(la)) {
		if (acc & ACC_STACK)
			fault_ss(c, 0);
		else
			fault_gp(c, 0);
		return false;
	}
	if (!(c->cr0 & CR0_PG)) {
		*pa = la;
		return true;
	}
	/* The TLB first (4.10.2 "Translation Lookaside Buffers (TLBs)"): an entry holds the
	 * rights computed at fill time; implicit supervisor accesses always walk. */
	if (!(acc & ACC_IMPLICIT)) {
		unsigned kind = (acc & ACC_RMW) ? ACC_WRITE : (acc & ACC_KIND);
		const struct tlb_entry *e = &c->tlb[(la >> 12) & (TLB_SIZE - 1)];
		if (e->tag == (la >> 12) + 1 && (e->perm & tlb_need(c, kind))) {
			*pa = e->pa | (la & 4095);
			return true;
		}
	}
	bool user_acc = c->cpl == 3 && !(acc & ACC_IMPLICIT);
	struct walk w;
	if (!walk(c, la, acc, user_acc, &w))
		return page_fault(c, la, w.pfec);
	if (!rights_ok(c, &w, acc, user_acc))
		return page_fault(c, la, pfec_base(c, acc, user_acc) | PFEC_P);
	unsigned kind = acc & ACC_KIND;
	if ((kind == ACC_WRITE || (acc & ACC_RMW)) && !w.dirty) {
		u64 e = phys_read(c->phys, w.leaf_pa, 8);
		phys_write(c->phys, w.leaf_pa, 8, e | PTE_D);
		w.dirty = true;
	}
	tlb_fill(c, la, &w);
	*pa = w.pa;
	return true;
}

/* Splits an access at a page boundary; both pages are translated before any byte moves. */
static bool translate_span(struct vx_cpu *c, u64 la, unsigned size, unsigned acc, u64 pa[2],
			   unsigned *first)
{
	*first = size;
	if ((la & 4095) + size > 4096)
		*first = 4096 - (unsigned)(la & 4095);
	if (!mmu_translate(c, la, acc, &pa[0]))
		return false;
	if (*first < size && !mmu_translate(c, la + *first, acc, &pa[1]))
		return false;
	return true;
}

enum cpu_step mem_read_slow(struct vx_cpu *c, u64 la, unsigned size, u64 *v, unsigned acc)
{
	u64 pa[2];
	unsigned first;
	if (!translate_span(c, la, size, (acc & ~ACC_KIND) | ACC_READ, pa, &first))
		return STEP_FAULT;
	u64 x = phys_read(c->phys, pa[0], first);
	if (first < size)
		x |= phys_read(c->phys, pa[1], size - first) << (8 * first);
	*v = x;
	return STEP_RETIRED;
}

enum cpu_step mem_write_slow(struct vx_cpu *c, u64 la, unsigned size, u64 v, unsigned acc)
{
	u64 pa[2];
	unsigned first;
	if (!translate_span(c, la, size, (acc & ~ACC_KIND) | ACC_WRITE, pa, &first))
		return STEP_FAULT;
	phys_write(c->phys, pa[0], first, v);
	if (first < size)
		phys_write(c->phys, pa[1], size - first, v >> (8 * first));
	return STEP_RETIRED;
}
