// SPDX-License-Identifier: MIT
/*
 * SGX virtualization in L0 (KVM's arch/x86/kvm/vmx/sgx.c is the model; rules and checklist in
 * ../shared/spec/kvm-sgx.md section 4 and 9, items 24-41):
 *   - the ENCLS-exiting bitmap (SDM Vol. 3C 24.6.16; 25.1.3 "ENCLS"): all ones when the VM has
 *     no SGX or its IA32_FEATURE_CONTROL does not enable it; otherwise the leaves the VM may
 *     run natively are clear: SGX1 leaves 00H-0CH, and SGX2 0DH-0FH when SGX2 is exposed;
 *     ECREATE stays set (the VM's CPUID 12H differs from the host's: PROVISIONKEY is never
 *     offered), and EINIT stays set because the processor has flexible launch control;
 *   - the ENCLS exit handler's gates: #UD without SGX; #GP(0) for SGX2 leaves without SGX2, a
 *     leaf number >= 10H, IA32_FEATURE_CONTROL not locked with SGX_ENABLE, or CR0.PG = 0;
 *   - ECREATE and EINIT executed by L0 in VMX root operation on copies of the operands
 *     (vx_cpu_encls), after ECREATE's checks against the VM's CPUID; faults translated back
 *     (checklist item 37), RAX/ZF and RIP as the instruction would leave them;
 *   - IA32_SGXLEPUBKEYHASH0-3: readable with CPUID SGX_LC, writable when also
 *     IA32_FEATURE_CONTROL.SGX_LC (the VM's MSR is locked); the VM's values are written to the
 *     processor, whose EINIT checks them (KVM loads them just before EINIT).
 * The guest's EPC is host EPC mapped by EPT (ept.c), CPUID 12H is filtered (exit_cpuid.c).
 */
#include <stddef.h>

#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/sgx_structs.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"
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
	return bm | BIT(ENCLS_ECREATE) | BIT(ENCLS_EINIT);
}

/* ---- operands (KVM's sgx_get_encls_gva / sgx_gva_to_gpa / sgx_read_hva) ---- */

/* A guest operand: aligned (else #GP(0)) and canonical (64-bit mode, else #GP(0)). */
static bool operand_gva(struct hv_vcpu *v, u64 gva, u64 align)
{
	if ((gva & (align - 1)) || (u64)((s64)(gva << 16) >> 16) != gva) {
		hv_inject_gp(v, 0);
		return false;
	}
	return true;
}

/* GVA -> GPA through the guest's paging; a fault is injected as the walker reports it. */
static bool gva_to_gpa(struct hv_vcpu *v, u64 gva, bool write, u64 *gpa)
{
	u32 pfec = 0;
	if (hv_gla_to_gpa(v, gva, write ? HV_ACC_WRITE : HV_ACC_READ, false, gpa, &pfec))
		return true;
	if (pfec == ~0u)
		hv_inject_gp(v, 0);
	else
		hv_inject_pf(v, gva, pfec);
	return false;
}

/* Copies len bytes of guest-linear memory at gva (in guest RAM) to host-physical dst. */
static bool read_guest(struct hv_vcpu *v, u64 gva, u64 dst, size_t len)
{
	for (size_t k = 0; k < len;) {
		u64 gpa;
		size_t n = 4096 - ((gva + k) & 4095);
		if (n > len - k)
			n = len - k;
		if (!gva_to_gpa(v, gva + k, false, &gpa))
			return false;
		if (!hv_gpa_is_ram(v, gpa, n)) {
			hv_inject_gp(v, 0);
			return false;
		}
		for (size_t b = 0; b < n; b += 8)
			vx_phys_write(v->phys, dst + k + b, 8, vx_phys_read(v->phys, gpa + b, 8));
		k += n;
	}
	return true;
}

/* The host EPC page behind a guest EPC operand (the guest's EPC is host EPC, ept.c). */
static bool epc_operand(struct hv_vcpu *v, u64 gva, u64 *hpa)
{
	u64 gpa;
	if (!gva_to_gpa(v, gva, true, &gpa))
		return false;
	if (gpa - VX_EPC_BASE >= v->lay.epc_size) {
		hv_inject_pf(v, gva, 0x8003); /* "not an EPC page": P | W | SGX, item 37 */
		return false;
	}
	*hpa = HV_HOST_EPC_BASE + (gpa - VX_EPC_BASE);
	return true;
}

/* Item 37: a fault of L0's ENCLS, as the guest sees it.  The host has SGX2. */
static void inject_fault(struct hv_vcpu *v, const struct vx_encls_result *r, u64 secs_gva)
{
	if (r->vector == 14 && v->cfg.sgx == VX_SGX2)
		hv_inject_pf(v, secs_gva, 0x8003);
	else
		hv_inject_gp(v, 0);
}

/* Item 36: RAX = status, ZF = (status != 0), CF PF AF SF OF cleared, RIP past ENCLS. */
static enum hv_ret leaf_done(struct hv_vcpu *v, u64 status)
{
	hv_set_status_flags(v, status ? HV_RFLAGS_ZF : 0);
	hv_set_gpr(v, VX_RAX, status);
	hv_skip_insn(v);
	return HV_RESUME;
}

/* ---- ECREATE (KVM's handle_encls_ecreate, checklist items 33-35) ---- */

/* Item 34: the SECS against the VM's CPUID 12H and XCR0 (#GP(0) otherwise). */
static bool secs_allowed(struct hv_vcpu *v, u64 secs)
{
	u64 size = vx_phys_read(v->phys, secs + offsetof(struct sgx_secs, size), 8);
	u32 misc = (u32)vx_phys_read(v->phys, secs + offsetof(struct sgx_secs, miscselect), 4);
	u64 attr = vx_phys_read(v->phys, secs + offsetof(struct sgx_secs, attributes), 8);
	u64 xfrm = vx_phys_read(v->phys, secs + offsetof(struct sgx_secs, xfrm), 8);
	u32 l0[4], l1[4]; /* CPUID.(12H,0) and (12H,1) as the VM sees them */
	hv_cpuid_guest(v, 0x12, 0, l0);
	hv_cpuid_guest(v, 0x12, 1, l1);
	u64 attr_ok = l1[0] | (u64)l1[1] << 32, xfrm_ok = l1[2] | (u64)l1[3] << 32;
	unsigned max_log = (attr & SGX_ATTR_MODE64BIT) ? (l0[3] >> 8) & 0xff : l0[3] & 0xff;
	u64 xcr0 = vx_cpu_get_reg(v->cpu, VX_XCR0) | 3;
	if ((attr & SGX_ATTR_PROVISIONKEY) || (misc & ~l0[1]) || (attr & ~attr_ok) ||
	    (xfrm & ~xfrm_ok) || (xfrm & ~xcr0) || (xfrm & 3) != 3)
		return false;
	return max_log >= 64 || size < (1ull << max_log);
}

static enum hv_ret hv_encls_ecreate(struct hv_vcpu *v)
{
	u64 rbx = hv_gpr(v, VX_RBX), rcx = hv_gpr(v, VX_RCX);
	u64 copy = v->lay.sgx, pageinfo = copy + 4096 + 512, secinfo = copy + 4096 + 576;
	u64 hpa;
	if (!operand_gva(v, rbx, 32) || !operand_gva(v, rcx, 4096))
		return HV_RESUME;
	struct sgx_pageinfo pi;
	if (!read_guest(v, rbx, pageinfo, sizeof(pi)) ||
	    !vx_phys_copy_out(v->phys, pageinfo, &pi, sizeof(pi)))
		return HV_RESUME;
	if (!operand_gva(v, pi.srcpge, 4096) || !operand_gva(v, pi.secinfo, 64) ||
	    !read_guest(v, pi.secinfo, secinfo, 64) || !read_guest(v, pi.srcpge, copy, 4096))
		return HV_RESUME;
	if (!secs_allowed(v, copy)) {
		hv_inject_gp(v, 0);
		return HV_RESUME;
	}
	if (!epc_operand(v, rcx, &hpa))
		return HV_RESUME;
	vx_phys_write(v->phys, pageinfo + offsetof(struct sgx_pageinfo, srcpge), 8, copy);
	vx_phys_write(v->phys, pageinfo + offsetof(struct sgx_pageinfo, secinfo), 8, secinfo);
	struct vx_encls_result r;
	vx_cpu_encls(v->cpu, ENCLS_ECREATE, pageinfo, hpa, 0, &r);
	if (r.fault) {
		inject_fault(v, &r, rcx);
		return HV_RESUME;
	}
	hv_skip_insn(v); /* item 35: ECREATE returns no status */
	return HV_RESUME;
}

/* ---- EINIT (KVM's handle_encls_einit, item 36) ---- */

static enum hv_ret hv_encls_einit(struct hv_vcpu *v)
{
	u64 sig = hv_gpr(v, VX_RBX), secs = hv_gpr(v, VX_RCX), tok = hv_gpr(v, VX_RDX);
	u64 sig_copy = v->lay.sgx, tok_copy = v->lay.sgx + 4096, hpa;
	if (!operand_gva(v, sig, 4096) || !operand_gva(v, secs, 4096) || !operand_gva(v, tok, 512))
		return HV_RESUME;
	if (!read_guest(v, sig, sig_copy, sizeof(struct sgx_sigstruct)) ||
	    !read_guest(v, tok, tok_copy, sizeof(struct sgx_einittoken)) ||
	    !epc_operand(v, secs, &hpa))
		return HV_RESUME;
	/* With launch control, the VM's IA32_SGXLEPUBKEYHASH0-3 go to the processor first. */
	for (u32 k = 0; k < 4; k++)
		vx_cpu_set_msr(v->cpu, MSR_IA32_SGXLEPUBKEYHASH0 + k, v->lehash[k]);
	struct vx_encls_result r;
	vx_cpu_encls(v->cpu, ENCLS_EINIT, sig_copy, hpa, tok_copy, &r);
	if (r.fault) {
		inject_fault(v, &r, secs);
		return HV_RESUME;
	}
	return leaf_done(v, r.rax);
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
	trace_encls(v->trace, 0, v->lvl, leaf, hv_gpr(v, VX_RBX), hv_gpr(v, VX_RCX),
		    hv_gpr(v, VX_RDX));
	if (leaf == ENCLS_ECREATE)
		return hv_encls_ecreate(v);
	if (leaf == ENCLS_EINIT)
		return hv_encls_einit(v);
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
