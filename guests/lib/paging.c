// SPDX-License-Identifier: MIT
/*
 * Page-table helpers over the loader's identity map (SDM Vol. 3A 4.5 "4-Level Paging"): a
 * 2-MByte mapping is split into a page table of 512 4-KByte entries with the same rights when
 * a test wants to change one 4 KiB page; TLB entries are invalidated with INVLPG (4.10.4.1
 * "Operations that Invalidate TLBs and Paging-Structure Caches").
 */
#include "guest.h"

#define ADDR_MASK 0x000ffffffffff000ull

static u64 next_free;

void *page_alloc(void)
{
	if (!next_free)
		next_free = (boot_info->free_base + 4095) & ~4095ull;
	u64 p = next_free;
	next_free += 4096;
	return memset((void *)p, 0, 4096);
}

static volatile u64 *table(u64 entry)
{
	return (volatile u64 *)(entry & ADDR_MASK);
}

/* Replace a 2-MByte PDE by a page table mapping the same 512 frames with the same bits. */
static void split(volatile u64 *pde)
{
	u64 e = *pde, base = e & ADDR_MASK & ~0x1fffffull;
	u64 bits = (e & ~ADDR_MASK & ~PTE_PS) | (e & PTE_NX);
	u64 *pt = page_alloc();
	for (u64 k = 0; k < 512; k++)
		pt[k] = (base + (k << 12)) | bits;
	*pde = (u64)pt | PTE_P | PTE_W | PTE_U;
	flush_tlb();
}

volatile u64 *pte_of(u64 va)
{
	volatile u64 *pml4 = table(read_cr3());
	volatile u64 *e = &pml4[(va >> 39) & 511];
	if (!(*e & PTE_P))
		return 0;
	e = &table(*e)[(va >> 30) & 511];
	if (!(*e & PTE_P) || (*e & PTE_PS))
		return 0; /* 1-GByte pages: not used by the loader */
	e = &table(*e)[(va >> 21) & 511];
	if (!(*e & PTE_P))
		return 0;
	if (*e & PTE_PS)
		split(e);
	return &table(*e)[(va >> 12) & 511];
}

void pt_map(u64 va, u64 pa, u64 flags)
{
	volatile u64 *pte = pte_of(va);
	if (!pte) {
		printf("FAIL: pt_map: 0x%lx has no page table\n", va);
		exit(1);
	}
	*pte = (pa & ADDR_MASK) | flags;
	invlpg((void *)va);
}

void pt_update(u64 va, u64 set, u64 clear)
{
	volatile u64 *pte = pte_of(va);
	if (!pte) {
		printf("FAIL: pt_update: 0x%lx is not mapped\n", va);
		exit(1);
	}
	*pte = (*pte & ~clear) | set;
	invlpg((void *)va);
}

#define ALIAS_BASE (1ull << 39) /* PML4 entry 1: above the loader's identity map */

static volatile u64 *alias_pt;
static unsigned alias_next;

u64 pt_alias(u64 pa, u64 flags)
{
	if (!alias_pt) {
		volatile u64 *pml4 = table(read_cr3());
		u64 *pdpt = page_alloc(), *pd = page_alloc(), *pt = page_alloc();
		pd[0] = (u64)pt | PTE_P | PTE_W | PTE_U;
		pdpt[0] = (u64)pd | PTE_P | PTE_W | PTE_U;
		pml4[1] = (u64)pdpt | PTE_P | PTE_W | PTE_U;
		alias_pt = pt;
	}
	if (alias_next == 512) {
		printf("FAIL: pt_alias: out of alias slots\n");
		exit(1);
	}
	u64 va = ALIAS_BASE + ((u64)alias_next << 12);
	alias_pt[alias_next++] = (pa & ADDR_MASK) | flags;
	invlpg((void *)va);
	return va;
}

void pt_identity_user(bool user)
{
	volatile u64 *pml4 = table(read_cr3());
	pml4[0] = user ? pml4[0] | PTE_U : pml4[0] & ~PTE_U;
	flush_tlb();
}
