// SPDX-License-Identifier: MIT
/* Creating and resetting a logical processor. */
#include "cpu/cpu_api.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "cpu/flags.h"
#include "cpu/mmu.h"
#include "cpu/msr.h"
#include "cpu/step.h"

bool cpu_init(struct vx_cpu *c, struct vx_phys *phys, const struct cpu_profile *profile)
{
	memset(c, 0, sizeof(*c));
	c->phys = phys;
	c->profile = profile;
	c->decoder = decode_new();
	if (!c->decoder || !cc_init(c)) {
		cpu_destroy(c);
		return false;
	}
	c->pending_intr = -1;
	c->rflags = RFLAGS_FIXED;
	c->rng_state = 0x9e3779b97f4a7c15ull;
	tlb_init(c);  /* empty, in the root context (VPID 0000H, no EPT) */
	msr_reset(c); /* power-up values (SDM Vol. 3A 9.1.1 "Processor State After Reset") */
	vmx_reset(c); /* outside VMX operation, no current VMCS */
	return true;
}

void cpu_destroy(struct vx_cpu *c)
{
	cc_free(c);
	decode_free(c->decoder);
	c->decoder = NULL;
}

/*
 * 64-bit flat state for tests and tools: CS a 64-bit code segment with DPL = cpl, flat data
 * segments, paging as the caller's CR0/CR3 say.
 */
void cpu_set_flat64(struct vx_cpu *c, unsigned cpl)
{
	static const u32 code_ar = 0xa09b, data_ar = 0xc093;
	for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
		c->seg[s] = (struct seg){
		    .sel = (u16)(0x10 | cpl), .ar = data_ar | (cpl << 5), .limit = 0xffffffff};
	}
	c->seg[SEG_CS] = (struct seg){.sel = (u16)((cpl ? 0x18 : 0x08) | cpl),
				      .ar = code_ar | (cpl << 5),
				      .limit = 0xffffffff};
	c->seg[SEG_TR] = (struct seg){.sel = 0x28, .ar = 0x8b, .limit = 0x67};
	c->seg[SEG_LDTR] = (struct seg){.ar = 1u << 16};
	c->cpl = (u8)cpl;
	tlb_flush_all(c);
}
