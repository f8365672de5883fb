// SPDX-License-Identifier: MIT
/*
 * Loading host state at a VM exit: SDM Vol. 3C 27.5.1 "Loading Host Control Registers, Debug
 * Registers, MSRs" and 27.5.2 "Loading Host Segment and Descriptor-Table Registers".
 *
 * What the host-state fields and the VM-exit controls give is an image (struct
 * vmx_host_image) built from them and the processor's capabilities alone, then applied to the
 * processor together with what depends on its state at the exit (the CR0 and CR4 bits that
 * are not modified, IA32_EFER without "load IA32_EFER", IA32_PAT without "load IA32_PAT").
 * The image is kept while no store touches those fields (vmcs.host_gen) -- the VMCS cached
 * in the processor's own format: a VMM writes its host state once and exits thousands of
 * times.  The rest of 27.5 (RIP, RSP, RFLAGS, non-register state, the TLB, the MSR-load
 * area) is vmexit.c's.
 */
#include "vmx/vmexit.h"

#include <string.h>

#include "cpu/profile.h"

#define F(c, name) vmcs_get(&(c)->vmx.vmcs, VMCS_SLOT_##name)

#define AR_UNUSABLE BIT(16)
/* 27.5.2: CS "Type set to 11 and S set to 1", DPL 0, P 1, G 1, L per host address-space
 * size, D/B its inverse; SS/DS/ES/FS/GS "type set to 3 and S set to 1", DPL 0, P, D/B, G;
 * TR "Type set to 11 and S set to 0", P 1, D/B 0, G 0. */
#define AR_HOST_CODE64 0xa09bu
#define AR_HOST_DATA 0xc093u
#define AR_HOST_TR 0x008bu

/* 27.5.1 */
static void build_control_regs(const struct vx_cpu *c, struct vmx_host_image *m)
{
	const struct cpu_profile *p = cpu_profile_of(c);
	/* CR0: "The following bits are not modified: ... ET, CD, NW; bits 63:32 ..., 28:19, 17,
	 * and 15:6; and any bits that are fixed in VMX operation". */
	m->keep0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW | GENMASK(63, 32) | GENMASK(28, 19) |
		   BIT(17) | GENMASK(15, 6) | p->vmx.cr0_fixed0 | ~p->vmx.cr0_fixed1;
	m->cr0 = F(c, HOST_CR0) & ~m->keep0;
	/* CR3: "bits 63:52 and bits in the range 51:32 beyond the processor's physical-address
	 * width ... are cleared to 0". */
	unsigned pw = p->maxphyaddr > 32 ? p->maxphyaddr : 32;
	m->cr3 = F(c, HOST_CR3) & (pw >= 52 ? GENMASK(51, 0) : GENMASK(pw - 1, 0));
	/* CR4: bits fixed in VMX operation keep their value; "CR4.PAE is set to 1 if the 'host
	 * address-space size' VM-exit control is 1" (it is: vmexit.c checks it first). */
	m->keep4 = p->vmx.cr4_fixed0 | ~p->vmx.cr4_fixed1;
	m->cr4 = (F(c, HOST_CR4) & ~m->keep4) | X86_CR4_PAE;
	m->sysenter_cs = F(c, HOST_IA32_SYSENTER_CS) & 0xffffffffull;
	m->sysenter_esp = vmx_canonical(c, F(c, HOST_IA32_SYSENTER_ESP));
	m->sysenter_eip = vmx_canonical(c, F(c, HOST_IA32_SYSENTER_EIP));
	u32 exit = (u32)F(c, VM_EXIT_CONTROLS);
	m->load_efer = exit & EXIT_LOAD_IA32_EFER;
	m->efer = F(c, HOST_IA32_EFER);
	m->load_pat = exit & EXIT_LOAD_IA32_PAT;
	m->pat = F(c, HOST_IA32_PAT);
}

static void set_seg(struct seg *g, u16 sel, u32 ar, u32 limit, u64 base)
{
	g->sel = sel;
	g->ar = ar;
	g->limit = limit;
	g->base = base;
}

static void host_data_seg(struct seg *g, u16 sel, u64 base)
{
	/* "The segment is unusable if its selector is loaded with zero"; its other fields are
	 * then undefined (base kept for FS/GS, "64-bit mode"). */
	if (sel == 0)
		set_seg(g, 0, AR_UNUSABLE, 0, base);
	else
		set_seg(g, sel, AR_HOST_DATA, 0xffffffff, base);
}

/* 27.5.2 */
static void build_segments(const struct vx_cpu *c, struct vmx_host_image *m)
{
	set_seg(&m->seg[SEG_CS], (u16)F(c, HOST_CS_SELECTOR), AR_HOST_CODE64, 0xffffffff, 0);
	host_data_seg(&m->seg[SEG_SS], (u16)F(c, HOST_SS_SELECTOR), 0);
	host_data_seg(&m->seg[SEG_DS], (u16)F(c, HOST_DS_SELECTOR), 0);
	host_data_seg(&m->seg[SEG_ES], (u16)F(c, HOST_ES_SELECTOR), 0);
	host_data_seg(&m->seg[SEG_FS], (u16)F(c, HOST_FS_SELECTOR),
		      vmx_canonical(c, F(c, HOST_FS_BASE)));
	host_data_seg(&m->seg[SEG_GS], (u16)F(c, HOST_GS_SELECTOR),
		      vmx_canonical(c, F(c, HOST_GS_BASE)));
	set_seg(&m->seg[SEG_TR], (u16)F(c, HOST_TR_SELECTOR), AR_HOST_TR, 0x67,
		vmx_canonical(c, F(c, HOST_TR_BASE)));
	/* "LDTR ... the selector is cleared to 0000H, the segment is marked unusable". */
	set_seg(&m->seg[SEG_LDTR], 0, AR_UNUSABLE, 0, 0);
	/* "The GDTR and IDTR limits are each set to FFFFH." */
	m->gdtr = (struct dtr){.base = vmx_canonical(c, F(c, HOST_GDTR_BASE)), .limit = 0xffff};
	m->idtr = (struct dtr){.base = vmx_canonical(c, F(c, HOST_IDTR_BASE)), .limit = 0xffff};
}

void vmx_load_host_regs(struct vx_cpu *c)
{
	struct vmx_host_image *m = &c->vmx_host;
	if (!m->valid || m->gen != c->vmx.vmcs.host_gen) {
		build_control_regs(c, m);
		build_segments(c, m);
		m->valid = true;
		m->gen = c->vmx.vmcs.host_gen;
	}
	c->cr0 = m->cr0 | (c->cr0 & m->keep0);
	c->cr3 = m->cr3;
	c->cr4 = m->cr4 | (c->cr4 & m->keep4);
	/* "DR7 is set to 400H"; "The IA32_DEBUGCTL MSR is cleared". */
	c->dr[7] = 0x400;
	c->msr.debugctl = 0;
	c->msr.sysenter_cs = m->sysenter_cs;
	c->msr.sysenter_esp = m->sysenter_esp;
	c->msr.sysenter_eip = m->sysenter_eip;
	/* "The LMA and LME bits in the IA32_EFER MSR are each loaded with the setting of the
	 * 'host address-space size' VM-exit control"; then the "load IA32_EFER"/"load
	 * IA32_PAT" controls. */
	c->msr.efer = m->load_efer ? m->efer : c->msr.efer | X86_EFER_LMA | X86_EFER_LME;
	if (m->load_pat)
		c->msr.pat = m->pat;
	memcpy(c->seg, m->seg, sizeof(m->seg));
	c->gdtr = m->gdtr;
	c->idtr = m->idtr;
	c->cpl = 0;
	c->vmx_segs.regs_img = false; /* the registers are the host's now */
}
