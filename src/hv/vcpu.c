// SPDX-License-Identifier: MIT
/*
 * The vCPU: host-physical memory, the processor in VMX root operation, the VMCS with L0's
 * controls and host state.
 *
 * Host-physical memory is guest RAM [0, ram) (the guest's RAM is identity-mapped by EPT to
 * its backing, ept.c) followed, from the next 2-MByte boundary, by L0's own area, which EPT
 * never maps:
 *   +0x00000  host environment (HV_HOST_ENV_SIZE): GDT, TSS, IDT, code page, stack, identity
 *             page tables of the first 4 GiB
 *   +0x10000  VMXON region       +0x11000  VMCS       +0x12000  MSR bitmap
 *   +0x13000  ENCLS operand copies (2 pages)   +0x15000  vmcs02   +0x16000  EPT structures
 *
 * Root mode (SDM Vol. 3C 23.7 "Enabling and Entering VMX Operation", 23.8 "Restrictions on
 * VMX Operation"): the processor is put in 64-bit mode at CPL 0 with CR0 and CR4 inside the
 * VMX-fixed bits (A.7, A.8: CR4.VMXE = 1), IA32_FEATURE_CONTROL locked with "enable VMX
 * outside SMX"; the VMXON region and the VMCS region start with the VMCS revision identifier
 * (24.2 "Format of the VMCS Region"); VMXON, VMCLEAR, VMPTRLD (30.3 "VMX Instructions").
 * Host-state area (24.5 "Host-State Area"): what that root-mode state is, as KVM's
 * vmx_set_constant_host_state copies it from the running processor; it must pass 26.2.2
 * "Checks on Host Control Registers and MSRs", 26.2.3 "Checks on Host Segment and
 * Descriptor-Table Registers" and 26.2.4 "Checks Related to Address-Space Size".
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch/msr.h"
#include "arch/vmx.h"
#include "hv/vcpu.h"
#include "lib/trace.h"
#include "vx/vmx.h"

#define MIB2 (1ull << 21)
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PS BIT(7)

/* VMX access rights (24.4.1 Table 24-2) of the host segments. */
#define AR_CODE64 0xa09bu /* execute/read accessed, S, DPL 0, P, L = 1, G = 1 */
#define AR_DATA 0xc093u   /* read/write accessed, S, DPL 0, P, D/B = 1, G = 1 */
#define AR_TSS_BUSY 0x8bu /* 64-bit TSS (busy), P */
#define TSS_LIMIT 0x67u

#define CR0_HOST 0x80010033ull            /* PE MP ET NE WP PG */
#define CR4_HOST 0x620ull                 /* PAE OSFXSR OSXMMEXCPT (+ the VMX-fixed bits) */
#define EFER_HOST 0xd01ull                /* SCE LME LMA NXE */
#define PAT_DEFAULT 0x0007040600070406ull /* IA32_PAT at power-up (Vol. 3A 11.12.4) */

enum {
	L0_VMXON = HV_HOST_ENV_SIZE,
	L0_VMCS = L0_VMXON + 0x1000,
	L0_MSR_BITMAP = L0_VMCS + 0x1000,
	L0_SGX = L0_MSR_BITMAP + 0x1000, /* 2 pages: L0's copies of ENCLS operands (sgx.c) */
	L0_VMCS02 = L0_SGX + 0x2000,     /* the VMCS L0 runs L2 with (src/nested) */
	L0_NESTED = L0_VMCS02 + 0x1000,  /* 4 pages: vmcs02's MSR bitmap, the shadow VMCS, the
					  * VMREAD and VMWRITE bitmaps (src/nested) */
	L0_SEPT = L0_NESTED + 0x4000,    /* shadow EPT pool (src/nested/sept.c) */
	L0_EPT = L0_SEPT + HV_SEPT_PAGES * 0x1000,
};

/* ---- messages ---- */

enum hv_ret hv_stop_vm(struct hv_vcpu *v, enum hv_stop why, int status, const char *fmt, ...)
{
	v->why = why;
	v->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	return HV_TO_USER;
}

enum hv_ret hv_fatal(struct hv_vcpu *v, const char *fmt, ...)
{
	v->why = HV_STOP_ERROR;
	v->status = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	return HV_FATAL;
}

void hv_warn_once(struct hv_vcpu *v, unsigned bit, const char *msg)
{
	if (v->warned & bit)
		return;
	v->warned |= bit;
	if (v->cfg.diag)
		fprintf(v->cfg.diag, "vmxsgx: warning: %s\n", msg);
}

/* ---- VMCS and register access ---- */

/* The first failed VMREAD/VMWRITE (field, bit 31 for a read) and its VM-instruction error. */
static void remember_failure(struct hv_vcpu *v, u32 field, struct vx_vmx_result r)
{
	if (r.outcome == VX_VMSUCCEED || v->vmcs_err_field)
		return;
	v->vmcs_err_field = field;
	v->vmcs_err = r.outcome == VX_VMFAIL_VALID ? r.error : 0;
}

/* The out-of-line halves of hv_vmread/hv_vmwrite (vcpu.h): the processor's VMREAD, then
 * the register cache filled, or a failure remembered. */
u64 hv_vmread_slow(struct hv_vcpu *v, u32 enc, int k)
{
	u64 val = 0;
	struct vx_vmx_result r = vx_vmread(v->cpu, enc, &val);
	remember_failure(v, enc | 0x80000000u, r);
	if (r.outcome == VX_VMSUCCEED && k >= 0) {
		v->cache[k] = val;
		v->cached |= (u8)(1u << k);
	}
	return val;
}

void hv_vmread_list(struct hv_vcpu *v, struct vx_vmcs_list *l, u64 *val)
{
	if (vx_vmread_list(v->cpu, l, val).outcome == VX_VMSUCCEED)
		return;
	for (unsigned k = 0; k < l->n && !v->vmcs_err_field; k++) /* the first that fails */
		hv_vmread_slow(v, l->enc[k], -1);
}

void hv_vmwrite_slow(struct hv_vcpu *v, u32 enc, u64 val)
{
	remember_failure(v, enc, vx_vmwrite(v->cpu, enc, val));
}

/* The CPL is SS.DPL (Vol. 3A 5.5 "Privilege Levels"; 26.3.1.2 requires CS.DPL = SS.DPL). */
unsigned hv_guest_cpl(struct hv_vcpu *v)
{
	return (unsigned)(hv_vmread(v, VMCS_GUEST_SS_AR_BYTES) >> 5) & 3;
}

bool hv_guest_64bit(struct hv_vcpu *v)
{
	return (hv_vmread(v, VMCS_GUEST_IA32_EFER) & MSR_IA32_EFER_LMA_MASK) &&
	       (hv_vmread(v, VMCS_GUEST_CS_AR_BYTES) & BIT(13)); /* CS.L (24.4.1, Table 24-2) */
}

struct vx_vmx_result hv_vmptrld(struct hv_vcpu *v, u64 pa)
{
	v->entry_intr_valid = true;
	v->timer_known = false;
	v->cached = 0;
	return vx_vmptrld(v->cpu, pa);
}

u64 hv_retired(const struct hv_vcpu *v)
{
	return vx_cpu_retired(v->cpu);
}

/* ---- the host environment ---- */

static u64 descriptor(u64 base, u32 limit, u32 ar)
{
	if (ar & BIT(15))
		limit >>= 12;
	return (limit & 0xffffull) | ((base & 0xffffffull) << 16) | ((u64)(ar & 0xff) << 40) |
	       ((u64)((limit >> 16) & 0xf) << 48) | ((u64)((ar >> 12) & 0xf) << 52) |
	       (((base >> 24) & 0xff) << 56);
}

void hv_host_env_build(struct vx_phys *p, u64 base)
{
	static const u8 zero[HV_HOST_ENV_SIZE];
	vx_phys_copy_in(p, base, zero, sizeof(zero));
	u64 gdt = base + HV_ENV_GDT, tss = base + HV_ENV_TSS;
	vx_phys_write(p, gdt + HV_SEL_CODE, 8, descriptor(0, 0xffffffff, AR_CODE64));
	vx_phys_write(p, gdt + HV_SEL_DATA, 8, descriptor(0, 0xffffffff, AR_DATA));
	vx_phys_write(p, gdt + HV_SEL_TSS, 8, descriptor(tss, TSS_LIMIT, AR_TSS_BUSY));
	vx_phys_write(p, gdt + HV_SEL_TSS + 8, 8, tss >> 32);
	vx_phys_write(p, tss + 4, 8, base + HV_ENV_STACK_TOP); /* RSP0 */
	vx_phys_write(p, tss + 102, 2, TSS_LIMIT + 1);         /* no I/O permission map */
	/* HLT at the host RIP (L0's code is C, never run by the processor); CPUID; HLT. */
	static const u8 code[] = {0xf4};
	static const u8 cpuid[] = {0x0f, 0xa2, 0xf4};
	vx_phys_copy_in(p, base + HV_ENV_CODE, code, sizeof(code));
	vx_phys_copy_in(p, base + HV_ENV_CODE + HV_ENV_CPUID_STUB, cpuid, sizeof(cpuid));
	/* Identity map of the first 4 GiB with 2-MByte pages (Vol. 3A 4.5 "IA-32e Paging"). */
	u64 pml4 = base + HV_ENV_PML4, pdpt = pml4 + 0x1000;
	vx_phys_write(p, pml4, 8, pdpt | PTE_P | PTE_RW);
	for (u64 i = 0; i < HV_HOST_PDS; i++) {
		u64 pd = pdpt + 0x1000 * (i + 1);
		vx_phys_write(p, pdpt + i * 8, 8, pd | PTE_P | PTE_RW);
		for (u64 j = 0; j < 512; j++)
			vx_phys_write(p, pd + j * 8, 8,
				      ((i << 30) + (j << 21)) | PTE_P | PTE_RW | PTE_PS);
	}
}

static void set_seg(struct vx_cpu *c, enum vx_seg s, u16 sel, u64 base, u32 limit, u32 ar)
{
	struct vx_segment seg = {.sel = sel, .ar = ar, .limit = limit, .base = base};
	vx_cpu_set_seg(c, s, &seg);
}

void hv_host_env_load(struct vx_cpu *c, u64 base, u64 cr4_fixed0)
{
	set_seg(c, VX_CS, HV_SEL_CODE, 0, 0xffffffff, AR_CODE64);
	for (enum vx_seg s = VX_ES; s <= VX_GS; s++)
		if (s != VX_CS)
			set_seg(c, s, HV_SEL_DATA, 0, 0xffffffff, AR_DATA);
	set_seg(c, VX_LDTR, 0, 0, 0, BIT(16));
	set_seg(c, VX_TR, HV_SEL_TSS, base + HV_ENV_TSS, TSS_LIMIT, AR_TSS_BUSY);
	vx_cpu_set_gdtr(c, &(struct vx_dtable){base + HV_ENV_GDT, HV_SEL_TSS + 15});
	vx_cpu_set_idtr(c, &(struct vx_dtable){base + HV_ENV_IDT, 0xfff});
	vx_cpu_set_msr(c, MSR_IA32_EFER, EFER_HOST);
	vx_cpu_set_reg(c, VX_CR3, base + HV_ENV_PML4);
	vx_cpu_set_reg(c, VX_CR4, CR4_HOST | cr4_fixed0);
	vx_cpu_set_reg(c, VX_CR0, CR0_HOST);
	vx_cpu_set_reg(c, VX_RFLAGS, 0x2);
	vx_cpu_set_reg(c, VX_RIP, base + HV_ENV_CODE);
	vx_cpu_set_reg(c, VX_RSP, base + HV_ENV_STACK_TOP);
}

/* ---- VMX operation ---- */

static bool vmx_ok(struct vx_vmx_result r, const char *what, char *err, size_t errlen)
{
	if (r.outcome == VX_VMSUCCEED)
		return true;
	snprintf(err, errlen, "%s failed: %s (error %u, vector %u)", what,
		 vx_vmx_outcome_name(r.outcome), r.error, r.vector);
	return false;
}

/* 23.7: IA32_FEATURE_CONTROL locked with VMX outside SMX (and the SGX enables the processor
 * has); CR4.VMXE = 1; then VMXON, VMCLEAR and VMPTRLD of the VMCS. */
static bool enter_root(struct hv_vcpu *v, char *err, size_t errlen)
{
	unsigned f = vx_cpu_features(v->cpu);
	u64 fc = MSR_IA32_FEATURE_CONTROL_LOCK_MASK | MSR_IA32_FEATURE_CONTROL_VMX_OUTSIDE_SMX_MASK;
	if (f & VX_FEAT_SGX1)
		fc |= MSR_IA32_FEATURE_CONTROL_SGX_ENABLE_MASK;
	if (f & VX_FEAT_SGX_LC)
		fc |= MSR_IA32_FEATURE_CONTROL_SGX_LC_MASK;
	vx_cpu_set_msr(v->cpu, MSR_IA32_FEATURE_CONTROL, fc);
	u32 rev = vx_vmx_revision_id(v->cpu);
	vx_phys_write(v->phys, v->lay.vmxon, 4, rev);
	vx_phys_write(v->phys, v->lay.vmcs, 4, rev);
	return vmx_ok(vx_vmxon(v->cpu, v->lay.vmxon), "VMXON", err, errlen) &&
	       vmx_ok(vx_vmclear(v->cpu, v->lay.vmcs), "VMCLEAR", err, errlen) &&
	       vmx_ok(hv_vmptrld(v, v->lay.vmcs), "VMPTRLD", err, errlen);
}

/* 24.6 "VM-Execution Control Fields", 24.7 "VM-Exit Control Fields", 24.8 "VM-Entry Control
 * Fields". */
static void write_controls(struct hv_vcpu *v, u64 eptp)
{
	const struct hv_ctls *k = &v->ctls;
	v->proc = k->proc;
	hv_vmwrite(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, k->pin);
	hv_vmwrite(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, k->proc);
	hv_vmwrite(v, VMCS_SECONDARY_VM_EXEC_CONTROL, k->proc2);
	hv_vmwrite(v, VMCS_VM_EXIT_CONTROLS, k->exit);
	hv_vmwrite(v, VMCS_VM_ENTRY_CONTROLS, k->entry);
	/* 24.6.3: no exception causes a VM exit; the guest handles its own. */
	hv_vmwrite(v, VMCS_EXCEPTION_BITMAP, 0);
	hv_vmwrite(v, VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	hv_vmwrite(v, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	hv_vmwrite(v, VMCS_CR3_TARGET_COUNT, 0);
	hv_vmwrite(v, VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	hv_vmwrite(v, VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	hv_vmwrite(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	hv_vmwrite(v, VMCS_VM_ENTRY_INTR_INFO, 0);
	hv_vmwrite(v, VMCS_MSR_BITMAP, v->lay.msr_bitmap);
	hv_vmwrite(v, VMCS_EPT_POINTER, eptp);
	if (k->proc2 & PROC2_ENABLE_VPID)
		hv_vmwrite(v, VMCS_VPID, HV_VPID); /* 24.6.12: not 0000H (26.2.1.1) */
	hv_vmwrite(v, VMCS_CR0_GUEST_HOST_MASK, k->cr0_mask);
	hv_vmwrite(v, VMCS_CR4_GUEST_HOST_MASK, k->cr4_mask);
	/* 24.4.2: no shadow VMCS: the VMCS link pointer is all ones (26.3.1.5). */
	hv_vmwrite(v, VMCS_VMCS_LINK_POINTER, ~0ull);
	/* 24.6.16 (later SDMs: "ENCLS-Exiting Bitmap"): KVM's vmx_write_encls_bitmap (sgx.c). */
	if (k->encls_exiting)
		hv_vmwrite(v, VMCS_ENCLS_EXITING_BITMAP,
			   hv_encls_bitmap(&v->cfg, hv_guest_feature_control(
							&v->cfg, vx_cpu_features(v->cpu))));
	if (k->preempt_timer)
		hv_vmwrite(v, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0xffffffffu);
}

static u64 seg_base(const struct vx_cpu *c, enum vx_seg s)
{
	struct vx_segment seg;
	vx_cpu_get_seg(c, s, &seg);
	return seg.base;
}

static u64 msr(const struct vx_cpu *c, u32 index)
{
	u64 val = 0;
	vx_cpu_get_msr(c, index, &val);
	return val;
}

/* 24.5 "Host-State Area": the processor's current root-mode state. */
static void write_host_state(struct hv_vcpu *v)
{
	struct vx_cpu *c = v->cpu;
	struct vx_dtable gdtr, idtr;
	vx_cpu_get_gdtr(c, &gdtr);
	vx_cpu_get_idtr(c, &idtr);
	hv_vmwrite(v, VMCS_HOST_CR0, vx_cpu_get_reg(c, VX_CR0));
	hv_vmwrite(v, VMCS_HOST_CR3, vx_cpu_get_reg(c, VX_CR3));
	hv_vmwrite(v, VMCS_HOST_CR4, vx_cpu_get_reg(c, VX_CR4));
	hv_vmwrite(v, VMCS_HOST_CS_SELECTOR, HV_SEL_CODE);
	hv_vmwrite(v, VMCS_HOST_SS_SELECTOR, HV_SEL_DATA);
	hv_vmwrite(v, VMCS_HOST_DS_SELECTOR, HV_SEL_DATA);
	hv_vmwrite(v, VMCS_HOST_ES_SELECTOR, HV_SEL_DATA);
	hv_vmwrite(v, VMCS_HOST_FS_SELECTOR, HV_SEL_DATA);
	hv_vmwrite(v, VMCS_HOST_GS_SELECTOR, HV_SEL_DATA);
	hv_vmwrite(v, VMCS_HOST_TR_SELECTOR, HV_SEL_TSS);
	hv_vmwrite(v, VMCS_HOST_FS_BASE, seg_base(c, VX_FS));
	hv_vmwrite(v, VMCS_HOST_GS_BASE, seg_base(c, VX_GS));
	hv_vmwrite(v, VMCS_HOST_TR_BASE, seg_base(c, VX_TR));
	hv_vmwrite(v, VMCS_HOST_GDTR_BASE, gdtr.base);
	hv_vmwrite(v, VMCS_HOST_IDTR_BASE, idtr.base);
	hv_vmwrite(v, VMCS_HOST_IA32_SYSENTER_CS, msr(c, MSR_IA32_SYSENTER_CS));
	hv_vmwrite(v, VMCS_HOST_IA32_SYSENTER_ESP, msr(c, MSR_IA32_SYSENTER_ESP));
	hv_vmwrite(v, VMCS_HOST_IA32_SYSENTER_EIP, msr(c, MSR_IA32_SYSENTER_EIP));
	hv_vmwrite(v, VMCS_HOST_IA32_EFER, msr(c, MSR_IA32_EFER));
	if (v->ctls.exit & EXIT_LOAD_IA32_PAT)
		hv_vmwrite(v, VMCS_HOST_IA32_PAT, PAT_DEFAULT);
	hv_vmwrite(v, VMCS_HOST_RSP, vx_cpu_get_reg(c, VX_RSP));
	hv_vmwrite(v, VMCS_HOST_RIP, vx_cpu_get_reg(c, VX_RIP));
}

/* ---- life cycle ---- */

static bool fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return false;
}

static bool check_config(const struct hv_config *cfg, u64 ram, char *err, size_t errlen)
{
	if (ram < VX_BOOT_RAM_MIN || ram > VX_BOOT_RAM_MAX || (ram & 4095))
		return fail(err, errlen,
			    "RAM size must be a multiple of 4 KiB from 4 MiB to 3 GiB");
	if (!vx_cpu_profile_known(cfg->profile))
		return fail(err, errlen, "unknown CPU profile");
	if (!vx_epc_size_ok(cfg->epc_size))
		return fail(err, errlen, "EPC size must be a multiple of 4 KiB up to 256 MiB");
	return true;
}

static void layout(struct hv_vcpu *v)
{
	struct hv_layout *l = &v->lay;
	l->base = (v->ram + MIB2 - 1) & ~(MIB2 - 1);
	l->ept = l->base + L0_EPT;
	l->ept_pages = hv_ept_pages(v->ram, VX_MMIO_TEST_BASE, v->ctls.ept_2m);
	if (v->cfg.sgx != VX_SGX_OFF) {
		l->epc_size = vx_epc_size(v->cfg.epc_size);
		l->epc_tables = l->ept + l->ept_pages * 4096;
		l->ept_pages += (l->epc_size + MIB2 - 1) / MIB2;
	}
	l->size = L0_EPT + l->ept_pages * 4096;
	l->vmxon = l->base + L0_VMXON;
	l->vmcs = l->base + L0_VMCS;
	l->msr_bitmap = l->base + L0_MSR_BITMAP;
	l->sgx = l->base + L0_SGX;
	l->vmcs02 = l->base + L0_VMCS02;
	l->msr_bitmap02 = l->base + L0_NESTED;
	l->shadow_vmcs = l->base + L0_NESTED + 0x1000;
	l->vmread_bitmap = l->base + L0_NESTED + 0x2000;
	l->vmwrite_bitmap = l->base + L0_NESTED + 0x3000;
	l->sept = l->base + L0_SEPT;
	l->sept_pages = HV_SEPT_PAGES;
	l->gdt = l->base + HV_ENV_GDT;
	l->tss = l->base + HV_ENV_TSS;
	l->idt = l->base + HV_ENV_IDT;
	l->code = l->base + HV_ENV_CODE;
	l->stack_top = l->base + HV_ENV_STACK_TOP;
	l->pml4 = l->base + HV_ENV_PML4;
}

/* The processor's capabilities (read on the CPUID oracle, a processor with the same profile:
 * the host processor needs the layout, which needs the EPT capabilities) and the controls. */
static bool plan(struct hv_vcpu *v, char *err, size_t errlen)
{
	if (!hv_oracle_create(v))
		return fail(err, errlen, "out of memory creating the hypervisor");
	if (!(vx_cpu_features(v->oracle) & VX_FEAT_VMX))
		return fail(err, errlen,
			    "the CPU profile has no VMX: the hypervisor cannot run "
			    "(run the guest with --bare)");
	unsigned f = vx_cpu_features(v->oracle);
	enum vx_sgx_mode sgx = v->cfg.sgx;
	if ((sgx != VX_SGX_OFF && !(f & VX_FEAT_SGX1)) || (sgx == VX_SGX2 && !(f & VX_FEAT_SGX2)) ||
	    (v->cfg.sgx_lc && (sgx == VX_SGX_OFF || !(f & VX_FEAT_SGX_LC))))
		return fail(err, errlen, "the CPU profile does not have the SGX asked for");
	if (!hv_caps_read(v->oracle, &v->caps))
		return fail(err, errlen, "the VMX capability MSRs cannot be read");
	u32 r[4];
	hv_cpuid_raw(v, 0x80000008u, 0, r); /* EAX[7:0]: physical-address width */
	v->maxphyaddr = (u8)r[0];
	return hv_ctls_compute(&v->caps, &v->cfg, &v->ctls, err, errlen);
}

static bool build(struct hv_vcpu *v, char *err, size_t errlen)
{
	layout(v);
	v->phys = vx_phys_create(v->lay.base + v->lay.size);
	v->cpu = v->phys ? vx_cpu_create(v->phys, v->cfg.profile) : NULL;
	if (!v->cpu)
		return fail(err, errlen, "out of memory creating the machine");
	v->gprs = vx_cpu_gprs(v->cpu);
	hv_host_env_build(v->phys, v->lay.base);
	hv_host_env_load(v->cpu, v->lay.base, v->caps.cr4_fixed0);
	if (!enter_root(v, err, errlen))
		return false;
	u64 eptp = hv_ept_build(v->phys, v->lay.ept, v->ram, VX_MMIO_TEST_BASE, v->ctls.ept_2m,
				v->ctls.ept_memtype);
	if (v->lay.epc_size) {
		/* The host EPC section, enumerated to L0 by its processor's CPUID.(12H,2), backs
		 * the guest's EPC page for page. */
		if (!vx_phys_add_epc(v->phys, HV_HOST_EPC_BASE, v->lay.epc_size, 1) ||
		    !vx_cpu_set_epc(v->cpu, HV_HOST_EPC_BASE, v->lay.epc_size))
			return fail(err, errlen, "cannot create the EPC section");
		hv_ept_map_epc(v->phys, v->lay.ept, v->lay.epc_tables, VX_EPC_BASE,
			       HV_HOST_EPC_BASE, v->lay.epc_size);
	}
	hv_msr_bitmap_build(v);
	write_controls(v, eptp);
	write_host_state(v);
	if (v->vmcs_err_field) {
		snprintf(err, errlen, "VMWRITE of VMCS field 0x%x failed (error %u)",
			 v->vmcs_err_field, v->vmcs_err);
		return false;
	}
	return true;
}

static u64 trace_clock(void *ctx, unsigned cpu)
{
	(void)cpu;
	return hv_retired(ctx);
}

struct hv_vcpu *hv_vcpu_create(const struct hv_config *cfg, char *err, size_t errlen)
{
	u64 ram = cfg->ram_size ? cfg->ram_size : VX_BOOT_RAM_DEFAULT;
	if (!check_config(cfg, ram, err, errlen))
		return NULL;
	struct hv_vcpu *v = calloc(1, sizeof(*v));
	if (!v) {
		fail(err, errlen, "out of memory creating the hypervisor");
		return NULL;
	}
	v->cfg = *cfg;
	v->cfg.ram_size = v->ram = ram;
	v->irq = -1;
	v->lvl = TRACE_L1; /* the processor (created by build) starts at level 1 */
	v->timer.vector = 0x20;
	if (!plan(v, err, errlen) || !build(v, err, errlen)) {
		hv_vcpu_destroy(v);
		return NULL;
	}
	v->feature_control = hv_guest_feature_control(&v->cfg, vx_cpu_features(v->cpu));
	hv_lehash_reset(v);
	if (cfg->nested && !(v->nested = cfg->nested->create(v))) {
		hv_vcpu_destroy(v);
		fail(err, errlen, "out of memory creating the nested VMX state");
		return NULL;
	}
	v->trace = cfg->trace;
	vx_cpu_set_trace(v->cpu, cfg->trace); /* failed VM-entry checks: rule and SDM title */
	if (v->trace)
		trace_set_clock(v->trace, trace_clock, v);
	return v;
}

void hv_vcpu_destroy(struct hv_vcpu *v)
{
	if (!v)
		return;
	if (v->trace && v->trace->clock_ctx == v)
		trace_set_clock(v->trace, NULL, NULL);
	if (v->nested)
		v->cfg.nested->destroy(v->nested);
	hv_oracle_destroy(v);
	vx_cpu_destroy(v->cpu);
	vx_phys_destroy(v->phys);
	free(v);
}
