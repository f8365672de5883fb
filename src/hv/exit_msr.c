// SPDX-License-Identifier: MIT
/*
 * MSR access policy: RDMSR/WRMSR exits (reasons 31, 32) and the MSR bitmaps.
 *
 * MSR bitmaps (SDM Vol. 3C 24.6.9 "MSR-Bitmap Address"): one 4-KByte page, read bitmap for
 * MSRs 00000000H-00001FFFH at byte 0, read bitmap for C0000000H-C0001FFFH at byte 1024, the
 * write bitmaps at 2048 and 3072; a set bit makes the access exit, and an MSR outside both
 * ranges always exits (25.1.3 "Instructions That Cause VM Exits Conditionally").
 *
 * Three lists:
 *   allow   the access runs natively (bit clear): MSRs the VMCS switches (IA32_EFER, IA32_PAT
 *           and IA32_DEBUGCTL when L0 saves and loads them, SYSENTER_CS/ESP/EIP, FS/GS base in
 *           the segment fields) or that L0 never uses (TSC, APIC_BASE, STAR, LSTAR, CSTAR,
 *           FMASK, KERNEL_GS_BASE, TSC_AUX): the processor's own RDMSR/WRMSR checks apply;
 *   emulate the access exits and L0 answers: IA32_FEATURE_CONTROL (the VM's value, locked:
 *           a write raises #GP(0)), the VMX capability MSRs (the processor's values when the
 *           VM exposes VMX, read-only: Appendix A "VMX capability MSRs are read-only"),
 *           IA32_SGXLEPUBKEYHASH0-3 (the VM's values, sgx.c);
 *   deny    everything else: #GP(0), which is also what the processor would do for an MSR it
 *           does not have (RDMSR/WRMSR pages: "#GP(0) if ECX specifies a reserved or
 *           unimplemented MSR address").
 * RDMSR returns EDX:EAX = the value (bits 63:32 of RAX and RDX cleared, 64-bit mode); WRMSR
 * takes EDX:EAX.  The #GP comes without advancing RIP.
 */
#include <string.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "vx/vmx.h"

static const u32 allowed[] = {
    MSR_IA32_TIME_STAMP_COUNTER,
    MSR_IA32_APIC_BASE,
    MSR_IA32_SYSENTER_CS,
    MSR_IA32_SYSENTER_ESP,
    MSR_IA32_SYSENTER_EIP,
    MSR_IA32_EFER,
    MSR_IA32_STAR,
    MSR_IA32_LSTAR,
    MSR_IA32_CSTAR,
    MSR_IA32_FMASK,
    MSR_IA32_FS_BASE,
    MSR_IA32_GS_BASE,
    MSR_IA32_KERNEL_GS_BASE,
    MSR_IA32_TSC_AUX,
};

/* Byte offset and bit of an MSR in the bitmap page (read half); false outside both ranges. */
static bool bitmap_pos(u32 msr, u32 *byte, u8 *bit)
{
	u32 low = msr & 0x1fffu;
	if (msr <= 0x1fffu)
		*byte = low / 8;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		*byte = 1024 + low / 8;
	else
		return false;
	*bit = (u8)(low % 8);
	return true;
}

bool hv_msr_native_write(const struct hv_vcpu *v, u32 msr)
{
	u32 byte;
	u8 bit;
	if (!bitmap_pos(msr, &byte, &bit))
		return false;
	return !((vx_phys_read(v->phys, v->lay.msr_bitmap + 2048 + byte, 1) >> bit) & 1);
}

static void pass(struct hv_vcpu *v, u32 msr)
{
	u32 byte;
	u8 bit;
	if (!bitmap_pos(msr, &byte, &bit))
		return;
	for (u32 half = 0; half <= 2048; half += 2048) {
		u64 pa = v->lay.msr_bitmap + half + byte;
		vx_phys_write(v->phys, pa, 1, vx_phys_read(v->phys, pa, 1) & ~(1u << bit));
	}
}

void hv_msr_bitmap_build(struct hv_vcpu *v)
{
	u8 ones[4096];
	memset(ones, 0xff, sizeof(ones));
	vx_phys_copy_in(v->phys, v->lay.msr_bitmap, ones, sizeof(ones));
	for (unsigned i = 0; i < ARRAY_SIZE(allowed); i++)
		pass(v, allowed[i]);
	if (v->ctls.entry & ENTRY_LOAD_IA32_PAT)
		pass(v, MSR_IA32_PAT);
	if (v->ctls.entry & ENTRY_LOAD_DEBUG_CONTROLS)
		pass(v, MSR_IA32_DEBUGCTL);
}

/* IA32_FEATURE_CONTROL as the boot protocol sets it (DESIGN.md section 4), for what the VM
 * exposes: locked; VMX outside SMX with VMX; SGX_ENABLE and SGX_LC with SGX and launch control
 * (Vol. 3C 23.7 "Enabling and Entering VMX Operation", Vol. 3D 37.7.1 "Intel SGX Opt-In
 * Configuration"). */
u64 hv_guest_feature_control(const struct hv_config *cfg, unsigned features)
{
	u64 v = MSR_IA32_FEATURE_CONTROL_LOCK_MASK;
	if ((features & VX_FEAT_VMX) && !cfg->hide_vmx)
		v |= MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	if ((features & VX_FEAT_SGX1) && cfg->sgx != VX_SGX_OFF) {
		v |= MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
		if ((features & VX_FEAT_SGX_LC) && cfg->sgx_lc)
			v |= MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK;
	}
	return v;
}

static bool is_vmx_cap(u32 msr)
{
	return msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_EXIT_CTLS2;
}

/* The emulated reads; false: #GP(0). */
static bool emulated_read(struct hv_vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_IA32_FEATURE_CONTROL) {
		*val = v->feature_control;
		return true;
	}
	if (is_vmx_cap(msr)) {
		if (v->cfg.hide_vmx || !vx_vmx_read_cap(v->cpu, msr, val))
			return false;
		/* KVM's nested_vmx_setup_secondary_ctls: "enable ENCLS exiting" is offered to L1
		 * only when the VM has SGX (checklist 4.12). */
		if (msr == MSR_IA32_VMX_PROCBASED_CTLS2 && v->cfg.sgx == VX_SGX_OFF)
			*val &= ~((u64)PROC2_ENCLS_EXITING << 32);
		return true;
	}
	if (msr >= MSR_IA32_SGXLEPUBKEYHASH0 && msr <= MSR_IA32_SGXLEPUBKEYHASH3)
		return hv_lehash_read(v, msr, val);
	return false; /* everything denied */
}

enum hv_ret hv_exit_msr_read(struct hv_vcpu *v)
{
	u32 msr = (u32)hv_gpr(v, VX_RCX);
	u64 val = 0;
	if (!emulated_read(v, msr, &val)) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	hv_set_gpr(v, VX_RAX, val & 0xffffffffull);
	hv_set_gpr(v, VX_RDX, val >> 32);
	hv_skip_insn(v);
	return HV_RESUME;
}

/* IA32_FEATURE_CONTROL is locked, the capability MSRs are read-only, the others are denied;
 * only IA32_SGXLEPUBKEYHASH0-3 may be written (sgx.c). */
enum hv_ret hv_exit_msr_write(struct hv_vcpu *v)
{
	u32 msr = (u32)hv_gpr(v, VX_RCX);
	u64 val = (hv_gpr(v, VX_RDX) << 32) | (hv_gpr(v, VX_RAX) & 0xffffffffull);
	if (msr < MSR_IA32_SGXLEPUBKEYHASH0 || msr > MSR_IA32_SGXLEPUBKEYHASH3 ||
	    !hv_lehash_write(v, msr, val)) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	hv_skip_insn(v);
	return HV_RESUME;
}
