// SPDX-License-Identifier: MIT
/*
 * The L0 hypervisor's parts that run without a guest (src/hv): the VMX controls computed from
 * the capability MSRs (SDM Vol. 3D Appendix A, Vol. 3C 31.5.1 algorithm 3), the EPT tables
 * (checked with the processor's own EPT walk, SDM 28.2), hv_skip_insn's rules and the
 * emulation gate after an enclave exit (the KVM change "Add basic handling of VM-Exit from SGX
 * enclave"), the CPUID filter and the MSR policy.  The MMIO emulator: test_hv_emul.c; the
 * other exits: test_hv_exits.c; whole runs: test_hv_run.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "arch/msr.h"
#include "hv_fixture.h"
#include "vmx/ept.h"

#define ALL1 (0xffffffffull << 32)

/* ---- controls ---- */

/* A processor that allows everything (TRUE controls: every default1 control may be 0). */
static struct hv_caps open_caps(void)
{
	return (struct hv_caps){
	    .basic = MSR_IA32_VMX_BASIC_TRUE_CTLS_MASK,
	    .pin = ALL1,
	    .proc = ALL1,
	    .exit = ALL1,
	    .entry = ALL1,
	    .proc2 = ALL1,
	    .misc = 5,
	    .cr0_fixed0 = 0x80000021,
	    .cr0_fixed1 = 0xffffffff,
	    .cr4_fixed0 = 0x2000,
	    .cr4_fixed1 = 0x3767ff,
	    .ept_vpid = MSR_IA32_VMX_EPT_VPID_CAP_PWL4_MASK |
			MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_WB_MASK |
			MSR_IA32_VMX_EPT_VPID_CAP_PDE_2MB_MASK,
	};
}

static bool compute(const struct hv_caps *k, const struct hv_config *cfg, struct hv_ctls *o,
		    char *err)
{
	return hv_ctls_compute(k, cfg, o, err, 256);
}

static void test_ctls_default_profile(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	const struct hv_ctls *k = &f->v->ctls;
	assert_true(k->proc & PROC_HLT_EXITING);
	assert_true(k->proc & PROC_UNCOND_IO_EXITING);
	assert_true(k->proc & PROC_USE_MSR_BITMAPS);
	assert_true(k->proc & PROC_ACTIVATE_SECONDARY_CONTROLS);
	assert_false(k->proc & PROC_PAUSE_EXITING);
	/* TRUE_PROCBASED_CTLS lets CR3-load/store exiting be 0: with EPT L0 does not want them */
	assert_false(k->proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING));
	assert_true(k->proc2 & PROC2_ENABLE_EPT);
	assert_false(k->proc2 & PROC2_UNRESTRICTED_GUEST);
	assert_false(k->proc2 & PROC2_PAUSE_LOOP_EXITING);
	assert_false(k->proc2 & (PROC2_RDRAND_EXITING | PROC2_RDSEED_EXITING));
	assert_true(k->proc2 & PROC2_ENABLE_RDTSCP);
	assert_true(k->proc2 & PROC2_ENCLS_EXITING); /* icx-server has it */
	assert_true(k->pin & PIN_PREEMPTION_TIMER);
	assert_true(k->exit & EXIT_HOST_ADDR_SPACE_SIZE);
	assert_true((k->exit & (EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER)) ==
		    (EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER));
	assert_true(k->entry & ENTRY_IA32E_MODE_GUEST);
	assert_true(k->entry & ENTRY_LOAD_IA32_EFER);
	assert_int_equal(k->cr0_mask, 0x80000021); /* PE NE PG */
	assert_int_equal(k->cr4_mask, 0x2000);     /* VMXE */
	assert_int_equal(k->timer_shift, 5);
	assert_true(k->ept_2m);
	assert_int_equal(k->ept_memtype, 6);
	/* the VMCS holds what was computed */
	assert_int_equal(hv_vmread(f->v, VMCS_CPU_BASED_VM_EXEC_CONTROL), k->proc);
	assert_int_equal(hv_vmread(f->v, VMCS_SECONDARY_VM_EXEC_CONTROL), k->proc2);
	/* KVM's enable_vpid: the guest runs with a VPID of its own (not 0000H, 26.2.1.1) */
	assert_true(k->proc2 & PROC2_ENABLE_VPID);
	assert_int_equal(hv_vmread(f->v, VMCS_VPID), HV_VPID);
	assert_int_equal(hv_vmread(f->v, VMCS_ENCLS_EXITING_BITMAP), ~0ull);
	assert_int_equal(hv_vmread(f->v, VMCS_EXCEPTION_BITMAP), 0);
	assert_int_equal(f->v->vmcs_err_field, 0);
	hvf_free(f);
}

/* 31.5.1 algorithm 3: flexible controls L0 knows get L0's setting, flexible controls it does
 * not know get their default setting (default1 -> 1). */
static void test_ctls_algorithm3(void **state)
{
	(void)state;
	struct hv_caps k = open_caps();
	struct hv_config cfg = {0};
	struct hv_ctls o;
	char err[256];
	assert_true(compute(&k, &cfg, &o, err));
	/* primary default1 bits no row of vmx_controls.def names: 1, 4, 5, 6, 8, 13, 14, 26 */
	u32 unknown1 = BIT(1) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(13) | BIT(14) | BIT(26);
	assert_int_equal(o.proc & unknown1, unknown1);
	assert_int_equal(o.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING), 0);
	assert_int_equal(o.proc & ~(unknown1 | PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
				    PROC_USE_MSR_BITMAPS | PROC_ACTIVATE_SECONDARY_CONTROLS),
			 0);
	/* pin default1 bits 1, 2, 4 are unknown too */
	assert_int_equal(o.pin, BIT(1) | BIT(2) | BIT(4) | PIN_PREEMPTION_TIMER);
	/* no secondary control is default1: only what L0 wants */
	assert_int_equal(o.proc2, PROC2_ENABLE_EPT | PROC2_ENABLE_RDTSCP | PROC2_ENCLS_EXITING |
				      PROC2_ENABLE_VPID);
	assert_true(o.exit & EXIT_SAVE_IA32_PAT && o.exit & EXIT_LOAD_IA32_PAT);
	assert_true(o.entry & ENTRY_LOAD_IA32_PAT);
	assert_true(o.entry & ENTRY_LOAD_DEBUG_CONTROLS && o.exit & EXIT_SAVE_DEBUG_CONTROLS);
}

/* Without TRUE controls the default1 class is forced to 1 by the allowed-0 settings. */
static void test_ctls_allowed0(void **state)
{
	(void)state;
	struct hv_caps k = open_caps();
	k.basic = 0;
	k.proc = ALL1 | VMX_PROC_DEFAULT1;
	struct hv_config cfg = {0};
	struct hv_ctls o;
	char err[256];
	assert_true(compute(&k, &cfg, &o, err));
	assert_int_equal(o.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING),
			 PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING);
}

static void test_ctls_refused(void **state)
{
	(void)state;
	struct hv_config cfg = {0};
	struct hv_ctls o;
	char err[256];
	struct hv_caps k = open_caps();
	k.proc &= ~((u64)PROC_HLT_EXITING << 32); /* HLT exiting not allowed to be 1 */
	assert_false(compute(&k, &cfg, &o, err));
	assert_non_null(strstr(err, "primary processor-based controls 0x00000080 are not allowed"));
	k = open_caps();
	k.proc |= PROC_PAUSE_EXITING; /* PAUSE exiting forced to 1 */
	assert_false(compute(&k, &cfg, &o, err));
	assert_non_null(strstr(err, "0x40000000 are forced to 1"));
	k = open_caps();
	k.proc2 = ALL1 & ~((u64)PROC2_ENABLE_EPT << 32);
	assert_false(compute(&k, &cfg, &o, err));
	assert_non_null(strstr(err, "secondary"));
	k = open_caps();
	k.ept_vpid &= ~MSR_IA32_VMX_EPT_VPID_CAP_PWL4_MASK;
	assert_false(compute(&k, &cfg, &o, err));
	assert_non_null(strstr(err, "4-level EPT"));
	/* hiding RDRAND needs RDRAND exiting */
	k = open_caps();
	k.proc2 &= ~((u64)PROC2_RDRAND_EXITING << 32);
	cfg.hide_rdrand = true;
	assert_false(compute(&k, &cfg, &o, err));
	cfg.hide_rdrand = false;
	assert_true(compute(&k, &cfg, &o, err));
}

static void test_ctls_options(void **state)
{
	(void)state;
	struct hv_config cfg = {.hide_rdrand = true, .hide_rdseed = true};
	struct hv_ctls o;
	char err[256];
	struct hv_caps k = open_caps();
	assert_true(compute(&k, &cfg, &o, err));
	assert_true(o.proc2 & PROC2_RDRAND_EXITING);
	assert_true(o.proc2 & PROC2_RDSEED_EXITING);
	/* optional features absent: no preemption timer, no ENCLS exiting, no PAT switching, UC
	 * paging structures, 4-KByte EPT pages */
	k.pin = ALL1 & ~((u64)PIN_PREEMPTION_TIMER << 32);
	k.proc2 = ALL1 & ~((u64)PROC2_ENCLS_EXITING << 32);
	k.entry = ALL1 & ~((u64)ENTRY_LOAD_IA32_PAT << 32);
	k.ept_vpid =
	    MSR_IA32_VMX_EPT_VPID_CAP_PWL4_MASK | MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_UC_MASK;
	cfg = (struct hv_config){0};
	assert_true(compute(&k, &cfg, &o, err));
	assert_false(o.preempt_timer);
	assert_false(o.encls_exiting);
	assert_false(o.exit & (EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT));
	assert_int_equal(o.ept_memtype, 0);
	assert_false(o.ept_2m);
	k.ept_vpid = MSR_IA32_VMX_EPT_VPID_CAP_PWL4_MASK;
	assert_false(compute(&k, &cfg, &o, err)); /* neither WB nor UC */
}

/* ---- EPT ---- */

static void check_ept(u64 ram, bool use_2m)
{
	u64 base = 0x10000000; /* above guest RAM in this private memory */
	u64 pages = hv_ept_pages(ram, VX_MMIO_TEST_BASE, use_2m);
	struct vx_phys *p = vx_phys_create(base + pages * 4096);
	assert_non_null(p);
	u64 eptp = hv_ept_build(p, base, ram, VX_MMIO_TEST_BASE, use_2m, 6);
	assert_int_equal(eptp, base | (3 << 3) | 6);
	struct ept_caps caps;
	ept_caps_from_msr(&caps, MSR_IA32_VMX_EPT_VPID_CAP_PDE_2MB_MASK, 46);
	struct ept_result r;
	static const u64 in_ram[] = {0, 0x1000, 0x100000, 0x1fffff, 0x200000};
	for (unsigned i = 0; i < ARRAY_SIZE(in_ram); i++) {
		u64 g = in_ram[i];
		assert_int_equal(ept_translate(p, eptp, g, EPT_ACC_WRITE, &caps, &r), EPT_OK);
		assert_int_equal(r.hpa, g); /* identity */
		assert_int_equal(ept_translate(p, eptp, g, EPT_ACC_FETCH, &caps, &r), EPT_OK);
	}
	assert_int_equal(ept_translate(p, eptp, ram - 1, EPT_ACC_READ, &caps, &r), EPT_OK);
	assert_int_equal(r.hpa, ram - 1);
	assert_int_equal(r.level, use_2m && !(ram % (2 << 20)) ? 2 : 1);
	assert_int_equal(ept_translate(p, eptp, ram, EPT_ACC_READ, &caps, &r), EPT_VIOLATION);
	assert_int_equal(ept_translate(p, eptp, VX_MMIO_TEST_BASE, EPT_ACC_READ, &caps, &r),
			 EPT_MISCONFIG);
	assert_int_equal(
	    ept_translate(p, eptp, VX_MMIO_TEST_BASE + 0xff8, EPT_ACC_WRITE, &caps, &r),
	    EPT_MISCONFIG);
	assert_int_equal(ept_translate(p, eptp, VX_MMIO_TEST_BASE - 1, EPT_ACC_READ, &caps, &r),
			 EPT_VIOLATION);
	assert_int_equal(
	    ept_translate(p, eptp, VX_MMIO_TEST_BASE + 0x1000, EPT_ACC_READ, &caps, &r),
	    EPT_VIOLATION);
	assert_int_equal(ept_translate(p, eptp, 0xbfffffff, EPT_ACC_READ, &caps, &r),
			 EPT_VIOLATION);
	assert_int_equal(ept_translate(p, eptp, 1ull << 32, EPT_ACC_READ, &caps, &r),
			 EPT_VIOLATION);
	vx_phys_destroy(p);
}

static void test_ept_tables(void **state)
{
	(void)state;
	check_ept(64 << 20, true);
	check_ept(64 << 20, false);
	check_ept((4 << 20) + 0x3000, true); /* a 4-KByte tail after the 2-MByte pages */
	assert_int_equal(hv_ept_pages(64 << 20, VX_MMIO_TEST_BASE, true), 7);
	assert_int_equal(hv_ept_pages(64 << 20, VX_MMIO_TEST_BASE, false), 6 + 32 + 1);
}

/* The vCPU's EPTP points at the tables L0 built in its own area, above guest RAM. */
static void test_ept_in_vcpu(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	u64 eptp = hv_vmread(f->v, VMCS_EPT_POINTER);
	assert_int_equal(eptp & ~0xfffull, f->v->lay.ept);
	assert_true(f->v->lay.ept >= f->v->ram);
	struct ept_caps caps;
	ept_caps_from_msr(&caps, f->v->caps.ept_vpid, 46);
	struct ept_result r;
	assert_int_equal(ept_translate(f->v->phys, eptp, HVF_CODE, EPT_ACC_FETCH, &caps, &r),
			 EPT_OK);
	/* L0's own area is not reachable from the guest */
	assert_int_equal(ept_translate(f->v->phys, eptp, f->v->lay.vmcs, EPT_ACC_READ, &caps, &r),
			 EPT_VIOLATION);
	hvf_free(f);
}

/* ---- the VMX-preemption timer value ---- */

/* L0 writes the VMX-preemption timer value only when it differs from the one it wrote last
 * (no VM-exit control of L0's saves it); a VMPTRLD makes that value unknown, so the next
 * entry writes it again even if the VMCS was changed behind L0's back. */
static void test_timer_value_rewritten_after_vmptrld(void **state)
{
	(void)state;
	struct hv_config cfg = {.max_insns = 5000};
	struct hvf *f = hvf_new_cfg(&cfg);
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	if (!v->ctls.preempt_timer) {
		hvf_free(f);
		skip();
	}
	assert_true(hv_prepare_entry(v));
	u64 t1 = 0, t2 = 0;
	assert_int_equal(vx_vmread(v->cpu, VMCS_VMX_PREEMPTION_TIMER_VALUE, &t1).outcome,
			 VX_VMSUCCEED);
	assert_int_not_equal(t1, 5);
	assert_int_equal(vx_vmwrite(v->cpu, VMCS_VMX_PREEMPTION_TIMER_VALUE, 5).outcome,
			 VX_VMSUCCEED);
	assert_true(hv_prepare_entry(v)); /* L0 believes its value is there */
	vx_vmread(v->cpu, VMCS_VMX_PREEMPTION_TIMER_VALUE, &t2);
	assert_int_equal(t2, 5);
	assert_int_equal(hv_vmptrld(v, v->lay.vmcs).outcome, VX_VMSUCCEED);
	assert_true(hv_prepare_entry(v));
	vx_vmread(v->cpu, VMCS_VMX_PREEMPTION_TIMER_VALUE, &t2);
	assert_int_equal(t2, t1);
	hvf_free(f);
}

/* ---- hv_skip_insn ---- */

static void test_skip_rules(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	/* length 0: RIP stays; STI/MOV-SS blocking ends, bit 4 (enclave) and NMI stay */
	hvf_exit(f, VMX_EXIT_EXCEPTION_NMI, 0x100000, 0, 0, 0);
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x1 | 0x8 | 0x10);
	hv_skip_insn(v);
	assert_int_equal(hvf_rip(f), 0x100000);
	assert_int_equal(hv_vmread(v, VMCS_GUEST_INTERRUPTIBILITY_INFO), 0x18);
	assert_int_equal(hvf_count(f, TRACE_skip), 0);
	/* a length: RIP advances, a skip record */
	hvf_exit(f, VMX_EXIT_CPUID, 0x100000, 2, 0, 0);
	hv_vmwrite(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0x2);
	hv_skip_insn(v);
	assert_int_equal(hvf_rip(f), 0x100002);
	assert_int_equal(hv_vmread(v, VMCS_GUEST_INTERRUPTIBILITY_INFO), 0);
	const struct hvf_rec *r = hvf_find(f, TRACE_skip, 0);
	assert_non_null(r);
	assert_int_equal(hvf_u(r, "rip"), 0x100000);
	assert_int_equal(hvf_u(r, "insn_len"), 2);
	assert_int_equal(v->skip_warn_count, 0);
	/* outside 64-bit mode (CS.L = 0) EIP wraps at 32 bits */
	u64 cs_ar = hv_vmread(v, VMCS_GUEST_CS_AR_BYTES);
	hv_vmwrite(v, VMCS_GUEST_CS_AR_BYTES, (cs_ar & ~BIT(13)) | BIT(14));
	hvf_exit(f, VMX_EXIT_CPUID, 0xfffffffe, 3, 0, 0);
	hv_skip_insn(v);
	assert_int_equal(hvf_rip(f), 1);
	hv_vmwrite(v, VMCS_GUEST_CS_AR_BYTES, cs_ar);
	hvf_exit(f, VMX_EXIT_CPUID, 0xfffffffe, 3, 0, 0);
	hv_skip_insn(v);
	assert_int_equal(hvf_rip(f), 0x100000001ull);
	hvf_free(f);
}

/* After an enclave exit a non-zero length is still skipped, with one warning (WARN_ONCE):
 * one skip_warn record and one diagnostic line for two skips; the counter counts both. */
static void test_skip_warns_once_after_enclave_exit(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	for (int i = 0; i < 2; i++) {
		hvf_exit(f, VMX_EXIT_CPUID | VMX_EXIT_REASON_ENCLAVE_MODE, 0x100000, 2, 0, 0);
		hv_skip_insn(v);
		assert_int_equal(hvf_rip(f), 0x100002);
	}
	assert_int_equal(v->skip_warn_count, 2);
	assert_int_equal(hvf_count(f, TRACE_skip_warn), 1);
	const struct hvf_rec *r = hvf_find(f, TRACE_skip_warn, 0);
	assert_int_equal(hvf_u(r, "raw"), 0x0800000a);
	assert_int_equal(hvf_u(r, "insn_len"), 2);
	assert_int_equal(hvf_u(r, "rip"), 0x100000);
	const char *d = hvf_diag(f);
	const char *w = strstr(d, "skipping instruction after SGX enclave VM-Exit");
	assert_non_null(w);
	assert_null(strstr(w + 1, "skipping instruction after SGX enclave VM-Exit"));
	/* length 0 after an enclave exit: nothing to warn about */
	hvf_exit(f, VMX_EXIT_EXCEPTION_NMI | VMX_EXIT_REASON_ENCLAVE_MODE, 0x1000, 0, 0, 0);
	hv_skip_insn(v);
	assert_int_equal(v->skip_warn_count, 2);
	assert_int_equal(hvf_rip(f), 0x1000);
	hvf_free(f);
}

/* ---- the emulation gate ---- */

static void test_gate_refuses_after_enclave_exit(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	/* the AEP: a page the boot page tables do not map, so any fetch would fault */
	u64 aep = 0x7f8000003000ull;
	hvf_exit(f, VMX_EXIT_EPT_MISCONFIG | VMX_EXIT_REASON_ENCLAVE_MODE, aep, 0, 0,
		 VX_MMIO_TEST_BASE);
	v->mmio[0] = 0x5a;
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_injected(f), HVF_UD); /* #UD, not the #PF of a fetch */
	assert_int_equal(hvf_rip(f), aep);
	assert_int_equal(v->mmio[0], 0x5a);
	assert_int_equal(hvf_count(f, TRACE_mmio), 0);
	const struct hvf_rec *r = hvf_find(f, TRACE_emulate, 0);
	assert_non_null(r);
	assert_int_equal(hvf_u(r, "refused"), 1);
	assert_int_equal(hvf_u(r, "gpa"), VX_MMIO_TEST_BASE);
	assert_int_equal(hvf_count(f, TRACE_ept_misconfig), 1);
	/* the gate itself, and its order: enclave first, then event vectoring */
	v->inject.valid = false;
	v->exit.idt_info = VMX_INTR_INFO_VALID | 0x20;
	assert_int_equal(hv_check_emulate(v, 0), HV_EMUL_PROPAGATE_FAULT);
	v->exit.enclave_mode = false;
	v->inject.valid = false;
	assert_int_equal(hv_check_emulate(v, 0), HV_EMUL_UNHANDLEABLE_VECTORING);
	assert_false(v->inject.valid);
	v->exit.idt_info = 0;
	assert_int_equal(hv_check_emulate(v, 0), HV_EMUL_CONTINUE);
	hvf_free(f);
}

/* ---- CPUID ---- */

static void cpuid(struct hvf *f, u32 leaf, u32 sub, u32 r[4])
{
	struct hv_vcpu *v = f->v;
	hv_set_gpr(v, VX_RAX, leaf | 0xffffffff00000000ull);
	hv_set_gpr(v, VX_RCX, sub);
	hvf_exit(f, VMX_EXIT_CPUID, 0x100000, 2, 0, 0);
	assert_int_equal(hv_dispatch(v), HV_RESUME);
	assert_int_equal(hvf_rip(f), 0x100002);
	r[0] = (u32)hv_gpr(v, VX_RAX);
	r[1] = (u32)hv_gpr(v, VX_RBX);
	r[2] = (u32)hv_gpr(v, VX_RCX);
	r[3] = (u32)hv_gpr(v, VX_RDX);
	assert_int_equal(hv_gpr(v, VX_RAX) >> 32, 0); /* zero-extended */
}

static void test_cpuid_exit(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	u32 r[4];
	cpuid(f, 0, 0, r);
	assert_int_equal(r[0], 0x12);
	assert_memory_equal(&r[1], "Genu", 4);
	cpuid(f, 1, 0, r);
	assert_true(r[2] & BIT(5));   /* VMX exposed by default (DESIGN.md 4) */
	assert_true(r[2] & BIT(30));  /* RDRAND */
	assert_false(r[2] & BIT(27)); /* OSXSAVE mirrors the guest's CR4 (0x620 at boot) */
	u64 cr4 = hv_vmread(f->v, VMCS_GUEST_CR4);
	hv_vmwrite(f->v, VMCS_GUEST_CR4, cr4 | BIT(18));
	cpuid(f, 1, 0, r);
	assert_true(r[2] & BIT(27));
	hv_vmwrite(f->v, VMCS_GUEST_CR4, cr4);
	cpuid(f, 1, 0, r); /* the kept answer depends on CR4: asked again */
	assert_false(r[2] & BIT(27));
	/* what a kept answer depends on (the profile's XSAVE area has x87 and SSE only, so XCR0
	 * cannot change leaf 0DH's size here) */
	assert_int_equal(vx_cpu_cpuid_inputs(f->v->cpu, 1, 0), VX_CPUID_IN_CR4);
	assert_int_equal(vx_cpu_cpuid_inputs(f->v->cpu, 0xd, 0), VX_CPUID_IN_XCR0);
	assert_int_equal(vx_cpu_cpuid_inputs(f->v->cpu, 0xd, 1), 0);
	assert_int_equal(vx_cpu_cpuid_inputs(f->v->cpu, 0, 0), 0);
	assert_int_equal(vx_cpu_cpuid_inputs(f->v->cpu, 7, 0), 0);
	cpuid(f, 7, 0, r);
	assert_false(r[1] & BIT(2));  /* SGX off */
	assert_false(r[2] & BIT(30)); /* SGX_LC off */
	assert_true(r[1] & BIT(18));  /* RDSEED */
	cpuid(f, 0x12, 0, r);
	assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
	/* above the maximum leaf the processor answers leaf 12H: filtered the same way */
	cpuid(f, 0x13, 0, r);
	assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
	u32 raw[4];
	hv_cpuid_raw(f->v, 0x13, 0, raw);
	assert_int_not_equal(raw[0], 0); /* the processor itself has SGX1/SGX2 */
	cpuid(f, 0x80000008u, 0, r);
	assert_int_equal(r[0] & 0xff, 46);
	hvf_free(f);
}

static void test_cpuid_hiding(void **state)
{
	(void)state;
	struct hv_config cfg = {.hide_vmx = true, .hide_rdrand = true, .hide_rdseed = true};
	struct hvf *f = hvf_new_cfg(&cfg);
	assert_non_null(f);
	u32 r[4];
	cpuid(f, 1, 0, r);
	assert_false(r[2] & BIT(5));
	assert_false(r[2] & BIT(30));
	assert_true(r[2] & BIT(26)); /* XSAVE untouched */
	cpuid(f, 7, 0, r);
	assert_false(r[1] & BIT(18));
	assert_true(r[1] & BIT(0)); /* FSGSBASE untouched */
	assert_true(f->v->ctls.proc2 & PROC2_RDRAND_EXITING);
	/* and the filter alone: sgx1 hides SGX2 */
	struct hv_config sgx1 = {.sgx = VX_SGX1};
	u32 l12[4] = {3, 1, 0, 0x381f};
	hv_cpuid_filter(&sgx1, 0x12, 0, l12);
	assert_int_equal(l12[0], 1);
	u32 l7[4] = {0, BIT(2), BIT(30), 0};
	hv_cpuid_filter(&sgx1, 7, 0, l7);
	assert_int_equal(l7[1], BIT(2));
	assert_int_equal(l7[2], 0); /* no --sgx-lc */
	hvf_free(f);
}

/* ---- MSRs ---- */

static enum hv_ret msr_access(struct hvf *f, bool write, u32 msr, u64 val)
{
	hv_set_gpr(f->v, VX_RCX, msr);
	hv_set_gpr(f->v, VX_RAX, val & 0xffffffff);
	hv_set_gpr(f->v, VX_RDX, val >> 32);
	hvf_exit(f, write ? VMX_EXIT_MSR_WRITE : VMX_EXIT_MSR_READ, 0x100000, 2, 0, 0);
	return hv_dispatch(f->v);
}

static bool bitmap_bit(struct hvf *f, unsigned off, u32 msr)
{
	u32 idx = msr & 0x1fff;
	u64 pa = f->v->lay.msr_bitmap + off + (msr >= 0xc0000000u ? 1024 : 0) + idx / 8;
	return (vx_phys_read(f->v->phys, pa, 1) >> (idx % 8)) & 1;
}

static void test_msr_policy(void **state)
{
	(void)state;
	struct hvf *f = hvf_new();
	assert_non_null(f);
	struct hv_vcpu *v = f->v;
	assert_int_equal(msr_access(f, false, MSR_IA32_FEATURE_CONTROL, 0), HV_RESUME);
	assert_int_equal(hvf_rip(f), 0x100002);
	assert_int_equal(hv_gpr(v, VX_RAX), 5); /* locked, VMX outside SMX, no SGX */
	assert_int_equal(hv_gpr(v, VX_RDX), 0);
	msr_access(f, true, MSR_IA32_FEATURE_CONTROL, 5); /* locked: #GP */
	assert_int_equal(hvf_injected(f), HVF_GP);
	assert_int_equal(hvf_rip(f), 0x100000);
	msr_access(f, false, 0x1234, 0); /* denied */
	assert_int_equal(hvf_injected(f), HVF_GP);
	msr_access(f, false, MSR_IA32_SGXLEPUBKEYHASH0, 0);
	assert_int_equal(hvf_injected(f), HVF_GP);
	msr_access(f, false, MSR_IA32_VMX_BASIC, 0);
	assert_int_equal(hvf_injected(f), 0);
	assert_int_equal(hv_gpr(v, VX_RAX), (u32)f->v->caps.basic);
	msr_access(f, true, MSR_IA32_VMX_BASIC, 0);
	assert_int_equal(hvf_injected(f), HVF_GP);
	/* the bitmap: pass-through both ways, exits for the rest */
	static const u32 pass[] = {MSR_IA32_EFER,    MSR_IA32_LSTAR,        MSR_IA32_FS_BASE,
				   MSR_IA32_TSC_AUX, MSR_IA32_SYSENTER_ESP, MSR_IA32_PAT};
	for (unsigned i = 0; i < ARRAY_SIZE(pass); i++) {
		assert_false(bitmap_bit(f, 0, pass[i]));
		assert_false(bitmap_bit(f, 2048, pass[i]));
	}
	assert_true(bitmap_bit(f, 0, MSR_IA32_FEATURE_CONTROL));
	assert_true(bitmap_bit(f, 2048, MSR_IA32_FEATURE_CONTROL));
	assert_true(bitmap_bit(f, 0, MSR_IA32_VMX_BASIC));
	assert_true(bitmap_bit(f, 0, 0xc0000104));
	hvf_free(f);
	struct hv_config cfg = {.hide_vmx = true};
	f = hvf_new_cfg(&cfg);
	assert_non_null(f);
	msr_access(f, false, MSR_IA32_FEATURE_CONTROL, 0);
	assert_int_equal(hv_gpr(f->v, VX_RAX), 1); /* locked only */
	msr_access(f, false, MSR_IA32_VMX_BASIC, 0);
	assert_int_equal(hvf_injected(f), HVF_GP);
	hvf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ctls_default_profile),
	    cmocka_unit_test(test_ctls_algorithm3),
	    cmocka_unit_test(test_ctls_allowed0),
	    cmocka_unit_test(test_ctls_refused),
	    cmocka_unit_test(test_ctls_options),
	    cmocka_unit_test(test_ept_tables),
	    cmocka_unit_test(test_ept_in_vcpu),
	    cmocka_unit_test(test_timer_value_rewritten_after_vmptrld),
	    cmocka_unit_test(test_skip_rules),
	    cmocka_unit_test(test_skip_warns_once_after_enclave_exit),
	    cmocka_unit_test(test_gate_refuses_after_enclave_exit),
	    cmocka_unit_test(test_cpuid_exit),
	    cmocka_unit_test(test_cpuid_hiding),
	    cmocka_unit_test(test_msr_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
