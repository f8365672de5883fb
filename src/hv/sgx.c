// SPDX-License-Identifier: MIT
/*
 * SGX virtualization in L0 (KVM's arch/x86/kvm/vmx/sgx.c is the model; rules and checklist in
 * ../shared/spec/kvm-sgx.md section 4 and 9, items 24-41):
 *   - the ENCLS-exiting bitmap (SDM Vol. 3C 24.6.16; 25.1.3 "ENCLS"): all ones when the VM has
 *     no SGX or its IA32_FEATURE_CONTROL does not enable it; otherwise the leaves the VM may
 *     run natively are clear: SGX1 leaves 00H-0CH, and SGX2 0DH-0FH when SGX2 is exposed.
 *     (ECREATE and EINIT pass through for now: their interception, which KVM does to apply
 *     CPUID restrictions and launch control, is not written yet; docs/decisions.md D60.)
 *   - the ENCLS exit handler's gates: #UD without SGX; #GP(0) for SGX2 leaves without SGX2, a
 *     leaf number >= 10H, IA32_FEATURE_CONTROL not locked with SGX_ENABLE, or CR0.PG = 0;
 *   - IA32_SGXLEPUBKEYHASH0-3: readable with CPUID SGX_LC, writable when also
 *     IA32_FEATURE_CONTROL.SGX_LC (the VM's MSR is locked); the VM's values are written to the
 *     processor, whose EINIT checks them (KVM loads them just before EINIT).
 * The guest's EPC is host EPC mapped by EPT (ept.c), CPUID 12H is filtered (exit_cpuid.c).
 */
#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "vx/vmx.h"

static bool sgx_enabled(const struct hv_config *cfg, u64 feature_control)
{
	u64 need = MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	return cfg->sgx != VX_SGX_OFF && (feature_control & need) == need;
}

u64 hv_encls_bitmap(const struct hv_config *cfg, u64 feature_control)
{
	if (!sgx_enabled(cfg, feature_control))
		return ~0ull;
	u64 bm = ~GENMASK(ENCLS_ETRACK, ENCLS_ECREATE);
	if (cfg->sgx == VX_SGX2)
		bm &= ~GENMASK(ENCLS_EMODT, ENCLS_EAUG);
	return bm;
}

enum hv_ret hv_exit_encls(struct hv_vcpu *v)
{
	if (v->cfg.sgx == VX_SGX_OFF) {
		hv_inject_ud(v);
		return HV_RESUME;
	}
	u32 leaf = (u32)hv_gpr(v, VX_RAX);
	bool sgx2_leaf = leaf >= ENCLS_EAUG && leaf <= ENCLS_EMODT;
	if ((sgx2_leaf && v->cfg.sgx != VX_SGX2) || leaf > ENCLS_EMODT ||
	    !sgx_enabled(&v->cfg, v->feature_control) ||
	    !(hv_vmread(v, VMCS_GUEST_CR0) & BIT(31))) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	/* A leaf the bitmap lets through never exits here. */
	return hv_stop_vm(v, HV_STOP_ERROR, 1, "unexpected ENCLS exit for leaf %u", leaf);
}

static bool lc_exposed(const struct hv_vcpu *v)
{
	return v->cfg.sgx != VX_SGX_OFF && v->cfg.sgx_lc;
}

bool hv_lehash_read(struct hv_vcpu *v, u32 msr, u64 *val)
{
	if (!lc_exposed(v))
		return false;
	*val = v->lehash[msr - MSR_IA32_SGXLEPUBKEYHASH0];
	return true;
}

bool hv_lehash_write(struct hv_vcpu *v, u32 msr, u64 val)
{
	if (!lc_exposed(v) || !(v->feature_control & MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK))
		return false;
	v->lehash[msr - MSR_IA32_SGXLEPUBKEYHASH0] = val;
	return vx_cpu_set_msr(v->cpu, msr, val);
}

void hv_lehash_reset(struct hv_vcpu *v)
{
	for (u32 k = 0; k < 4; k++)
		vx_cpu_get_msr(v->cpu, MSR_IA32_SGXLEPUBKEYHASH0 + k, &v->lehash[k]);
}
