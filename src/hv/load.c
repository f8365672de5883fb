// SPDX-License-Identifier: MIT
/*
 * Loading a guest: the image and the boot state of DESIGN.md section 4 come from the caller's
 * loader hook (src/vm's ELF loader and boot builder, hv.h), made on a scratch RAM of the
 * guest's size and a scratch processor; L0 copies that RAM to the guest RAM's host backing
 * (guest-physical = host-physical, ept.c) and the scratch processor's state into the VMCS
 * guest-state area (SDM Vol. 3C 24.4 "Guest-State Area": 24.4.1 "Guest Register State", 24.4.2
 * "Guest Non-Register State"), as a VMM turns a reset/boot state into a VMCS.
 *
 * What does not go into the VMCS stays in the processor, which is the guest's between exits
 * (a VM exit loads only the host state of 27.5 "Loading Host State"): the general-purpose
 * registers but RSP, CR2, XCR0, and the MSRs the VMCS does not switch (STAR, LSTAR, CSTAR,
 * FMASK, KERNEL_GS_BASE, TSC_AUX).
 *
 * CR0 and CR4: the guest's values go into the read shadows; the VMCS fields get them with the
 * VMX-fixed bits (A.7 "VMX-Fixed Bits in CR0", A.8 "VMX-Fixed Bits in CR4": CR4.VMXE = 1 in
 * VMX operation), which L0 owns through the guest/host masks (ctls.c).  The guest's debug state
 * is the power-up one: DR7 = 400H, IA32_DEBUGCTL = 0 (Vol. 3A 9.1.1 "Processor State After
 * Reset").  No shadow VMCS: link pointer all ones; activity state active, no blocking, no
 * pending debug exceptions (24.4.2).
 */
#include <stdlib.h>
#include <string.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"

static bool fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return false;
}

/* The guest image into host RAM, page by page; all-zero pages are already zero. */
static bool copy_ram(struct hv_vcpu *v, struct vx_phys *scratch)
{
	static const u8 zero[4096];
	u8 page[4096];
	for (u64 pa = 0; pa < v->ram; pa += sizeof(page)) {
		if (!vx_phys_copy_out(scratch, pa, page, sizeof(page)))
			return false;
		if (memcmp(page, zero, sizeof(page)) &&
		    !vx_phys_copy_in(v->phys, pa, page, sizeof(page)))
			return false;
	}
	return true;
}

static const struct {
	enum vx_seg seg;
	u32 sel, base, limit, ar;
} seg_fields[] = {
    {VX_ES, VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT,
     VMCS_GUEST_ES_AR_BYTES},
    {VX_CS, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT,
     VMCS_GUEST_CS_AR_BYTES},
    {VX_SS, VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT,
     VMCS_GUEST_SS_AR_BYTES},
    {VX_DS, VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT,
     VMCS_GUEST_DS_AR_BYTES},
    {VX_FS, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT,
     VMCS_GUEST_FS_AR_BYTES},
    {VX_GS, VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT,
     VMCS_GUEST_GS_AR_BYTES},
    {VX_LDTR, VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT,
     VMCS_GUEST_LDTR_AR_BYTES},
    {VX_TR, VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT,
     VMCS_GUEST_TR_AR_BYTES},
};

static void guest_segments(struct hv_vcpu *v, const struct vx_cpu *s)
{
	for (unsigned k = 0; k < ARRAY_SIZE(seg_fields); k++) {
		struct vx_segment seg;
		vx_cpu_get_seg(s, seg_fields[k].seg, &seg);
		hv_vmwrite(v, seg_fields[k].sel, seg.sel);
		hv_vmwrite(v, seg_fields[k].base, seg.base);
		hv_vmwrite(v, seg_fields[k].limit, seg.limit);
		hv_vmwrite(v, seg_fields[k].ar, seg.ar);
	}
	struct vx_dtable gdtr, idtr;
	vx_cpu_get_gdtr(s, &gdtr);
	vx_cpu_get_idtr(s, &idtr);
	hv_vmwrite(v, VMCS_GUEST_GDTR_BASE, gdtr.base);
	hv_vmwrite(v, VMCS_GUEST_GDTR_LIMIT, gdtr.limit);
	hv_vmwrite(v, VMCS_GUEST_IDTR_BASE, idtr.base);
	hv_vmwrite(v, VMCS_GUEST_IDTR_LIMIT, idtr.limit);
}

static u64 msr(const struct vx_cpu *c, u32 index)
{
	u64 val = 0;
	vx_cpu_get_msr(c, index, &val);
	return val;
}

static void guest_control(struct hv_vcpu *v, const struct vx_cpu *s)
{
	u64 cr0 = vx_cpu_get_reg(s, VX_CR0), cr4 = vx_cpu_get_reg(s, VX_CR4);
	hv_vmwrite(v, VMCS_CR0_READ_SHADOW, cr0);
	hv_vmwrite(v, VMCS_GUEST_CR0, (cr0 | v->caps.cr0_fixed0) & v->caps.cr0_fixed1);
	hv_vmwrite(v, VMCS_CR4_READ_SHADOW, cr4);
	hv_vmwrite(v, VMCS_GUEST_CR4, (cr4 | v->caps.cr4_fixed0) & v->caps.cr4_fixed1);
	hv_vmwrite(v, VMCS_GUEST_CR3, vx_cpu_get_reg(s, VX_CR3));
	hv_vmwrite(v, VMCS_GUEST_DR7, 0x400);
	hv_vmwrite(v, VMCS_GUEST_RSP, vx_cpu_get_reg(s, VX_RSP));
	hv_vmwrite(v, VMCS_GUEST_RIP, vx_cpu_get_reg(s, VX_RIP));
	hv_vmwrite(v, VMCS_GUEST_RFLAGS, vx_cpu_get_reg(s, VX_RFLAGS));
	hv_vmwrite(v, VMCS_GUEST_IA32_EFER, msr(s, MSR_IA32_EFER));
	hv_vmwrite(v, VMCS_GUEST_SYSENTER_CS, msr(s, MSR_IA32_SYSENTER_CS));
	hv_vmwrite(v, VMCS_GUEST_SYSENTER_ESP, msr(s, MSR_IA32_SYSENTER_ESP));
	hv_vmwrite(v, VMCS_GUEST_SYSENTER_EIP, msr(s, MSR_IA32_SYSENTER_EIP));
	if (v->ctls.entry & ENTRY_LOAD_DEBUG_CONTROLS)
		hv_vmwrite(v, VMCS_GUEST_IA32_DEBUGCTL, 0);
	if (v->ctls.entry & ENTRY_LOAD_IA32_PAT)
		hv_vmwrite(v, VMCS_GUEST_IA32_PAT, msr(s, MSR_IA32_PAT));
	hv_vmwrite(v, VMCS_GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE);
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	hv_vmwrite(v, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

void hv_guest_state_from(struct hv_vcpu *v, const struct vx_cpu *s)
{
	guest_segments(v, s);
	guest_control(v, s);
}

/* The state the VMCS does not hold, from the scratch processor into the real one. */
static void guest_in_processor(struct hv_vcpu *v, const struct vx_cpu *s)
{
	for (unsigned r = VX_RAX; r <= VX_R15; r++)
		if (r != VX_RSP)
			vx_cpu_set_reg(v->cpu, (enum vx_reg)r, vx_cpu_get_reg(s, (enum vx_reg)r));
	vx_cpu_set_reg(v->cpu, VX_CR2, vx_cpu_get_reg(s, VX_CR2));
	vx_cpu_set_reg(v->cpu, VX_XCR0, vx_cpu_get_reg(s, VX_XCR0));
	static const u32 kept[] = {MSR_IA32_STAR,  MSR_IA32_LSTAR,          MSR_IA32_CSTAR,
				   MSR_IA32_FMASK, MSR_IA32_KERNEL_GS_BASE, MSR_IA32_TSC_AUX};
	for (unsigned k = 0; k < ARRAY_SIZE(kept); k++) {
		u64 val;
		if (vx_cpu_get_msr(s, kept[k], &val))
			vx_cpu_set_msr(v->cpu, kept[k], val);
	}
}

bool hv_vcpu_load(struct hv_vcpu *v, const void *elf, size_t len, char *err, size_t errlen)
{
	if (!v->cfg.load)
		return fail(err, errlen, "no loader registered (hv_config.load)");
	struct vx_phys *ram = vx_phys_create(v->ram);
	struct vx_cpu *s = ram ? vx_cpu_create(ram, v->cfg.profile) : NULL;
	bool ok = s != NULL;
	if (!ok)
		fail(err, errlen, "out of memory loading the guest");
	if (ok) {
		vx_cpu_restrict_sgx(s, v->cfg.sgx, v->cfg.sgx_lc);
		ok = v->cfg.load(v->cfg.load_ctx, &v->cfg, ram, s, elf, len, err, errlen);
	}
	if (ok && !copy_ram(v, ram))
		ok = fail(err, errlen, "copying the guest image failed");
	if (ok) {
		hv_guest_state_from(v, s);
		guest_in_processor(v, s);
		if (v->vmcs_err_field) {
			snprintf(err, errlen, "VMWRITE of guest field 0x%x failed (error %u)",
				 v->vmcs_err_field, v->vmcs_err);
			ok = false;
		}
	}
	vx_cpu_destroy(s);
	vx_phys_destroy(ram);
	v->loaded = ok;
	return ok;
}

int hv_run_elf(const struct hv_config *cfg, const void *elf, size_t len, struct hv_result *res)
{
	char err[256];
	*res = (struct hv_result){0};
	struct hv_vcpu *v = hv_vcpu_create(cfg, err, sizeof(err));
	if (!v) {
		*res = (struct hv_result){.why = HV_STOP_CONFIG, .status = 2};
		snprintf(res->msg, sizeof(res->msg), "%s", err);
		return res->status;
	}
	if (!hv_vcpu_load(v, elf, len, err, sizeof(err))) {
		hv_vcpu_destroy(v);
		*res = (struct hv_result){.why = HV_STOP_LOAD, .status = 1};
		snprintf(res->msg, sizeof(res->msg), "%s", err);
		return res->status;
	}
	hv_vcpu_run(v, res);
	hv_vcpu_destroy(v);
	return res->status;
}
