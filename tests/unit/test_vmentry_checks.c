// SPDX-License-Identifier: MIT
/*
 * VM-entry checks (SDM Vol. 3C 26.2.1 "Checks on VMX Controls", 26.2.2-26.2.4 host state,
 * 26.3.1 "Checks on the Guest State Area"), in the style of kvm-unit-tests: valid baselines
 * (64-bit guest, unrestricted-guest real mode, virtual-8086, 32-bit PAE) under a flat 64-bit
 * host, then every control bit swept against the capability MSRs, then for every rule a case
 * that passes and a case that fails with the exact outcome, qualification, rule and section.
 * A last test reads the check sources and fails if some rule has no failing case here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/msr.h"
#include "cpu/cpuid.h"
#include "cpu/phys.h"
#include "cpu/profile.h"
#include "vmx/vmentry_checks.h"

#define S(name) VMCS_SLOT_##name

#define SDM_EXEC "26.2.1.1 VM-Execution Control Fields"
#define SDM_EXIT "26.2.1.2 VM-Exit Control Fields"
#define SDM_ENTRY "26.2.1.3 VM-Entry Control Fields"
#define SDM_HCR "26.2.2 Checks on Host Control Registers and MSRs"
#define SDM_HSEG "26.2.3 Checks on Host Segment and Descriptor-Table Registers"
#define SDM_ASZ "26.2.4 Checks Related to Address-Space Size"
#define SDM_GCR "26.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SDM_GSEG "26.3.1.2 Checks on Guest Segment Registers"
#define SDM_GDTR "26.3.1.3 Checks on Guest Descriptor-Table Registers"
#define SDM_GRIP "26.3.1.4 Checks on Guest RIP and RFLAGS"
#define SDM_GNRS "26.3.1.5 Checks on Guest Non-Register State"
#define SDM_GPDPTE "26.3.1.6 Checks on Guest Page-Directory-Pointer-Table Entries"

/* Host-physical layout of the structures the baseline VMCS points at. */
#define PDPT_PA 0x3000ull
#define VMCS_PA 0x5000ull
#define LINK_PA 0x6000ull
#define IO_A_PA 0x10000ull
#define IO_B_PA 0x11000ull
#define MSR_BITMAP_PA 0x12000ull
#define VAPIC_PA 0x13000ull
#define APIC_ACCESS_PA 0x14000ull
#define PID_PA 0x15000ull
#define PML_PA 0x16000ull
#define EPTP_LIST_PA 0x17000ull
#define VMREAD_PA 0x18000ull
#define VMWRITE_PA 0x19000ull
#define VE_PA 0x1a000ull
#define SPP_PA 0x1b000ull
#define EXIT_STORE_PA 0x1c000ull
#define EXIT_LOAD_PA 0x1d000ull
#define ENTRY_LOAD_PA 0x1e000ull
#define EPT_PML4_PA 0x20000ull
#define RAM_SIZE 0x100000ull

#define TOP46 (1ull << 46) /* first address beyond MAXPHYADDR 46 */
#define NONCANON (1ull << 47)
#define HIGHCANON 0xffff800000000000ull
#define EPTP_WB_4 (6ull | 3ull << 3)

#define RF_IF BIT(9)
#define RF_TF BIT(8)
#define RF_VM BIT(17)

/* Interruption information (Table 24-13): valid | type << 8 | vector. */
#define INTR(type, vec) (VMX_INTR_INFO_VALID | (u64)(type) << 8 | (vec))
#define EXTINT(vec) INTR(VMX_INTR_TYPE_EXT_INTR, vec)
#define NMI INTR(VMX_INTR_TYPE_NMI, 2)
#define HWEXC(vec) INTR(VMX_INTR_TYPE_HARD_EXCEPTION, vec)
#define HWEXC_EC(vec) (HWEXC(vec) | VMX_INTR_INFO_ERROR_CODE)
#define SOFTINT(vec) INTR(VMX_INTR_TYPE_SOFT_INTR, vec)
#define MTF INTR(VMX_INTR_TYPE_OTHER_EVENT, 0)

#define STI VMX_INTR_BLOCKING_BY_STI
#define MOVSS VMX_INTR_BLOCKING_BY_MOV_SS
#define SMI VMX_INTR_BLOCKING_BY_SMI
#define BLOCK_NMI VMX_INTR_BLOCKING_BY_NMI
#define ENCLAVE VMX_INTR_ENCLAVE_INTERRUPTION

enum base_kind { B64, BREAL, BV86, BPAE };
enum prof_kind { PDEF, PNOSGX, PFULL, NPROF };

static struct cpu_profile profiles[NPROF];
static struct vx_phys ram;
static struct vmcs v;

/* ---- profiles ---- */

static void add_leaf(struct cpu_profile *p, u32 leaf, u32 a, u32 b, u32 c, u32 d)
{
	assert_true(p->nleaves < CPU_PROFILE_MAX_LEAVES);
	p->leaves[p->nleaves++] = (struct cpuid_leaf){.leaf = leaf, .r = {a, b, c, d}};
}

static void set_leaf7_ebx(struct cpu_profile *p, u32 bits)
{
	for (unsigned k = 0; k < p->nleaves; k++)
		if (p->leaves[k].leaf == 7 && p->leaves[k].subleaf == 0)
			p->leaves[k].r[CPUID_EBX] |= bits;
}

/* Every control allowed-1, EPT A/D, 5-level walks and shadow-stack control, CR4.PCIDE, VM
 * function 0, RTM, architectural performance monitoring v2 (4 general, 3 fixed counters). */
static void make_full(struct cpu_profile *p)
{
	*p = *cpu_profile_default();
	struct vmx_caps *x = &p->vmx;
	u64 all1 = 0xffffffffull << 32;
	x->pinbased |= all1;
	x->true_pinbased |= all1;
	x->procbased |= all1;
	x->true_procbased |= all1;
	x->procbased2 = all1;
	x->procbased3 = BIT(PROC3_LOADIWKEY_EXITING_BITNO);
	x->exit |= all1;
	x->true_exit |= all1;
	x->entry |= all1;
	x->true_entry |= all1;
	x->vmfunc = 1;
	x->ept_vpid_cap |= MSR_IA32_VMX_EPT_VPID_CAP_AD_FLAGS_MASK |
			   MSR_IA32_VMX_EPT_VPID_CAP_PWL5_MASK |
			   MSR_IA32_VMX_EPT_VPID_CAP_SSS_CONTROL_MASK;
	x->cr4_fixed1 |= X86_CR4_PCIDE;
	set_leaf7_ebx(p, CPUID_BIT(RTM));
	add_leaf(p, 0x0a, 2 | 4u << 8 | 48u << 16, 0, 0, 3);
}

static int group_setup(void **state)
{
	(void)state;
	profiles[PDEF] = *cpu_profile_default();
	profiles[PNOSGX] = *cpu_profile_find("icx-nosgx");
	make_full(&profiles[PFULL]);
	return phys_init(&ram, RAM_SIZE) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	phys_free(&ram);
	return 0;
}

/* Profile patches: one capability changed. */
static void patch_notrue(struct cpu_profile *p)
{
	p->vmx.basic &= ~MSR_IA32_VMX_BASIC_TRUE_CTLS_MASK;
}

static void patch_proc2_must_rdrand(struct cpu_profile *p)
{
	p->vmx.procbased2 |= PROC2_RDRAND_EXITING;
}

static void patch_basic48(struct cpu_profile *p)
{
	p->vmx.basic |= MSR_IA32_VMX_BASIC_PA_32BIT_MASK;
}

static void patch_no_wb(struct cpu_profile *p)
{
	p->vmx.ept_vpid_cap &= ~MSR_IA32_VMX_EPT_VPID_CAP_MEMTYPE_WB_MASK;
}

static void patch_no_mtf(struct cpu_profile *p)
{
	p->vmx.procbased &= ~(PROC_MONITOR_TRAP_FLAG << 32);
	p->vmx.true_procbased &= ~(PROC_MONITOR_TRAP_FLAG << 32);
}

static void patch_no_zero_len(struct cpu_profile *p)
{
	p->vmx.misc &= ~MSR_IA32_VMX_MISC_INJECT_ZERO_LEN_MASK;
}

static void patch_no_hlt(struct cpu_profile *p)
{
	p->vmx.misc &= ~MSR_IA32_VMX_MISC_ACTIVITY_HLT_MASK;
}

static void patch_cr3_targets2(struct cpu_profile *p)
{
	p->vmx.misc = (p->vmx.misc & ~MSR_IA32_VMX_MISC_CR3_TARGETS_MASK) |
		      2ull << MSR_IA32_VMX_MISC_CR3_TARGETS_SHIFT;
}

static void patch_cr0_nw_cd_fixed0(struct cpu_profile *p)
{
	p->vmx.cr0_fixed1 &= ~(X86_CR0_NW | X86_CR0_CD);
}

static void patch_maxphy36(struct cpu_profile *p)
{
	p->maxphyaddr = 36;
}

/* ---- the baseline VMCS ---- */

static void set(enum vmcs_slot s, u64 val)
{
	vmcs_set(&v, s, val);
}

/* A control field: the settings the TRUE capability MSR requires plus `want`, which must be
 * allowed; `maybe` bits are added when the profile allows them. */
static u32 ctl(u64 cap, u64 want, u64 maybe)
{
	u32 may = (u32)(cap >> 32);
	assert_true((want & ~(u64)may) == 0);
	return (u32)cap | (u32)want | ((u32)maybe & may);
}

static void build_controls(const struct cpu_profile *p)
{
	const struct vmx_caps *x = &p->vmx;
	set(S(PIN_BASED_VM_EXEC_CONTROL),
	    ctl(x->true_pinbased, PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0));
	set(S(CPU_BASED_VM_EXEC_CONTROL),
	    ctl(x->true_procbased,
		PROC_HLT_EXITING | PROC_USE_TSC_OFFSETTING | PROC_MWAIT_EXITING |
		    PROC_MONITOR_EXITING | PROC_RDPMC_EXITING | PROC_USE_IO_BITMAPS |
		    PROC_USE_MSR_BITMAPS | PROC_ACTIVATE_SECONDARY_CONTROLS,
		0));
	set(S(SECONDARY_VM_EXEC_CONTROL), ctl(x->procbased2,
					      PROC2_ENABLE_EPT | PROC2_ENABLE_VPID |
						  PROC2_ENABLE_RDTSCP | PROC2_UNRESTRICTED_GUEST,
					      PROC2_ENCLS_EXITING));
	set(S(VM_EXIT_CONTROLS),
	    ctl(x->true_exit,
		EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_ACK_INTR_ON_EXIT |
		    EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT | EXIT_SAVE_IA32_EFER |
		    EXIT_LOAD_IA32_EFER,
		0));
	set(S(VM_ENTRY_CONTROLS), ctl(x->true_entry,
				      ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE_GUEST |
					  ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER,
				      0));
	set(S(EXCEPTION_BITMAP), BIT(X86_VEC_MC) | BIT(X86_VEC_UD) | BIT(X86_VEC_AC));
	set(S(IO_BITMAP_A), IO_A_PA);
	set(S(IO_BITMAP_B), IO_B_PA);
	set(S(MSR_BITMAP), MSR_BITMAP_PA);
	set(S(VIRTUAL_APIC_PAGE_ADDR), VAPIC_PA);
	set(S(APIC_ACCESS_ADDR), APIC_ACCESS_PA);
	set(S(POSTED_INTR_DESC_ADDR), PID_PA);
	set(S(POSTED_INTR_NV), 0xf2);
	set(S(PML_ADDRESS), PML_PA);
	set(S(EPTP_LIST_ADDRESS), EPTP_LIST_PA);
	set(S(VMREAD_BITMAP), VMREAD_PA);
	set(S(VMWRITE_BITMAP), VMWRITE_PA);
	set(S(VE_INFO_ADDRESS), VE_PA);
	set(S(SPP_TABLE_POINTER), SPP_PA);
	set(S(EPT_POINTER), EPT_PML4_PA | EPTP_WB_4);
	set(S(VPID), 1);
	set(S(VM_EXIT_MSR_STORE_ADDR), EXIT_STORE_PA);
	set(S(VM_EXIT_MSR_LOAD_ADDR), EXIT_LOAD_PA);
	set(S(VM_ENTRY_MSR_LOAD_ADDR), ENTRY_LOAD_PA);
	set(S(CR0_GUEST_HOST_MASK), X86_CR0_PE | X86_CR0_NE | X86_CR0_PG);
	set(S(CR4_GUEST_HOST_MASK), X86_CR4_VMXE);
	set(S(CR0_READ_SHADOW), 0x80010033);
	set(S(CR4_READ_SHADOW), 0x620);
}

/* Host: flat 64-bit, the way a 64-bit kernel runs. */
static void build_host(void)
{
	set(S(HOST_CR0), 0x80050033);
	set(S(HOST_CR3), 0x1000);
	set(S(HOST_CR4),
	    X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_VMXE);
	set(S(HOST_CS_SELECTOR), 0x08);
	set(S(HOST_SS_SELECTOR), 0x10);
	set(S(HOST_TR_SELECTOR), 0x40);
	set(S(HOST_GS_BASE), 0xffff888000000000ull);
	set(S(HOST_TR_BASE), 0xfffffe0000003000ull);
	set(S(HOST_GDTR_BASE), 0xfffffe0000001000ull);
	set(S(HOST_IDTR_BASE), 0xfffffe0000000000ull);
	set(S(HOST_IA32_SYSENTER_CS), 0x10);
	set(S(HOST_IA32_SYSENTER_ESP), 0xfffffe0000002000ull);
	set(S(HOST_IA32_SYSENTER_EIP), 0xffffffff81a00000ull);
	set(S(HOST_IA32_PAT), 0x0007040600070406ull);
	set(S(HOST_IA32_EFER), 0xd01);
	set(S(HOST_RSP), 0xffffc90000010000ull);
	set(S(HOST_RIP), 0xffffffff81000000ull);
}

static void seg(unsigned k, u64 sel, u64 base, u64 limit, u64 ar)
{
	set(S(GUEST_ES_SELECTOR) + k, sel);
	set(S(GUEST_ES_BASE) + k, base);
	set(S(GUEST_ES_LIMIT) + k, limit);
	set(S(GUEST_ES_AR_BYTES) + k, ar);
}

enum { ES, CS, SS, DS, FS, GS, LDTR, TR };
#define AR_UNUSABLE 0x10000u

/* Guest: DESIGN.md's boot state (64-bit, CPL 0, paging, flat segments 0x08/0x10, TSS 0x28). */
static void build_guest64(void)
{
	set(S(GUEST_CR0), 0x80010033);
	set(S(GUEST_CR3), PDPT_PA);
	set(S(GUEST_CR4), 0x620 | X86_CR4_VMXE);
	set(S(GUEST_DR7), 0x400);
	set(S(GUEST_IA32_EFER), 0xd01);
	set(S(GUEST_IA32_PAT), 0x0007040600070406ull);
	seg(CS, 0x08, 0, 0xffffffff, 0xa09b);
	for (unsigned k = ES; k <= GS; k++)
		if (k != CS)
			seg(k, 0x10, 0, 0xffffffff, 0xc093);
	seg(LDTR, 0, 0, 0, AR_UNUSABLE);
	seg(TR, 0x28, 0x7000, 0x67, 0x8b);
	set(S(GUEST_GDTR_BASE), 0x8000);
	set(S(GUEST_GDTR_LIMIT), 0x2f);
	set(S(GUEST_IDTR_BASE), 0x9000);
	set(S(GUEST_IDTR_LIMIT), 0);
	set(S(GUEST_RIP), 0x100000);
	set(S(GUEST_RSP), 0x200000);
	set(S(GUEST_RFLAGS), 0x2);
	set(S(VMCS_LINK_POINTER), ~0ull);
	for (unsigned k = 0; k < 4; k++)
		set(S(GUEST_PDPTR0) + k, (0x10000ull + k * 0x1000) | 1);
}

/* Unrestricted guest in real mode: CR0.PE = PG = 0, reset-like segments. */
static void build_real(void)
{
	set(S(VM_ENTRY_CONTROLS), vmcs_get(&v, S(VM_ENTRY_CONTROLS)) & ~ENTRY_IA32E_MODE_GUEST);
	set(S(GUEST_CR0), X86_CR0_ET | X86_CR0_NE);
	set(S(GUEST_CR3), 0);
	set(S(GUEST_CR4), X86_CR4_VMXE);
	set(S(GUEST_IA32_EFER), 0);
	seg(CS, 0xf000, 0xf0000, 0xffff, 0x9b);
	for (unsigned k = ES; k <= GS; k++)
		if (k != CS)
			seg(k, 0, 0, 0xffff, 0x93);
	seg(TR, 0, 0, 0xffff, 0x8b);
	set(S(GUEST_GDTR_BASE), 0);
	set(S(GUEST_GDTR_LIMIT), 0xffff);
	set(S(GUEST_IDTR_BASE), 0);
	set(S(GUEST_IDTR_LIMIT), 0x3ff);
	set(S(GUEST_RIP), 0xfff0);
}

/* Virtual-8086 under a hypervisor without unrestricted guest: 32-bit paging, RFLAGS.VM. */
static void build_v86(void)
{
	set(S(SECONDARY_VM_EXEC_CONTROL),
	    vmcs_get(&v, S(SECONDARY_VM_EXEC_CONTROL)) & ~PROC2_UNRESTRICTED_GUEST);
	set(S(VM_ENTRY_CONTROLS), vmcs_get(&v, S(VM_ENTRY_CONTROLS)) & ~ENTRY_IA32E_MODE_GUEST);
	set(S(GUEST_CR0), 0x80010031);
	set(S(GUEST_CR4), X86_CR4_VMXE);
	set(S(GUEST_IA32_EFER), 0);
	set(S(GUEST_RFLAGS), 0x2 | RF_VM | RF_IF);
	seg(CS, 0x1000, 0x10000, 0xffff, 0xf3);
	seg(SS, 0x2000, 0x20000, 0xffff, 0xf3);
	for (unsigned k = DS; k <= GS; k++)
		seg(k, 0, 0, 0xffff, 0xf3);
	seg(ES, 0x3000, 0x30000, 0xffff, 0xf3);
	seg(TR, 0x28, 0x7000, 0x2067, 0x8b);
	set(S(GUEST_IDTR_LIMIT), 0x7ff);
	set(S(GUEST_RIP), 0x100);
}

/* 32-bit protected mode with PAE paging (the PDPTE checks of 26.3.1.6 apply). */
static void build_pae(void)
{
	set(S(VM_ENTRY_CONTROLS), vmcs_get(&v, S(VM_ENTRY_CONTROLS)) & ~ENTRY_IA32E_MODE_GUEST);
	set(S(GUEST_IA32_EFER), 0);
	seg(CS, 0x08, 0, 0xffffffff, 0xc09b);
}

static void build(const struct cpu_profile *p, enum base_kind b)
{
	memset(&v, 0, sizeof(v));
	v.revision_id = (u32)(p->vmx.basic & MSR_IA32_VMX_BASIC_REVISION_MASK);
	build_controls(p);
	build_host();
	build_guest64();
	if (b == BREAL)
		build_real();
	else if (b == BV86)
		build_v86();
	else if (b == BPAE)
		build_pae();
}

/* Memory the checks may read: the current VMCS and a second VMCS region (revision 4), VTPR
 * 0, and PAE PDPTEs at guest CR3. */
static void reset_ram(void)
{
	phys_write(&ram, VMCS_PA, 4, 4);
	phys_write(&ram, LINK_PA, 4, 4);
	phys_write(&ram, VAPIC_PA + 0x80, 1, 0);
	for (unsigned k = 0; k < 4; k++)
		phys_write(&ram, PDPT_PA + 8 * k, 8, (0x10000ull + k * 0x1000) | 1);
}

static const struct vmentry_env env = {.phys = &ram, .vmcs_ptr = VMCS_PA};

static enum vmentry_outcome check(const struct cpu_profile *p, struct vmentry_result *r)
{
	return vmentry_check(&v, p, &env, r);
}

static void assert_ok(const struct cpu_profile *p)
{
	struct vmentry_result r;
	reset_ram();
	enum vmentry_outcome o = check(p, &r);
	if (o != VMENTRY_OK)
		fail_msg("outcome %d: %s [%s] reg %s", o, r.rule, r.sdm, r.reg ? r.reg : "-");
	assert_int_equal(r.outcome, VMENTRY_OK);
	assert_null(r.rule);
	assert_null(r.sdm);
	assert_null(r.reg);
	assert_int_equal(r.qual, 0);
}

/* ---- baselines ---- */

static void test_baseline_64bit(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NPROF; k++) {
		build(&profiles[k], B64);
		assert_ok(&profiles[k]);
	}
}

static void test_baseline_real_mode_unrestricted(void **state)
{
	(void)state;
	build(&profiles[PDEF], BREAL);
	assert_ok(&profiles[PDEF]);
	/* Unrestricted guest with CS type 3 (real-mode-like data segment), DPL 0. */
	set(S(GUEST_CS_AR_BYTES), 0x93);
	assert_ok(&profiles[PDEF]);
	/* Protected mode without paging (PE = 1, PG = 0) is also allowed with UG. */
	set(S(GUEST_CR0), X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	assert_ok(&profiles[PDEF]);
}

static void test_baseline_v86(void **state)
{
	(void)state;
	build(&profiles[PDEF], BV86);
	assert_ok(&profiles[PDEF]);
	/* With unrestricted guest on, too. */
	set(S(SECONDARY_VM_EXEC_CONTROL),
	    vmcs_get(&v, S(SECONDARY_VM_EXEC_CONTROL)) | PROC2_UNRESTRICTED_GUEST);
	assert_ok(&profiles[PDEF]);
}

static void test_baseline_pae(void **state)
{
	(void)state;
	build(&profiles[PDEF], BPAE);
	assert_ok(&profiles[PDEF]);
	/* Without EPT the PDPTEs come from memory at CR3. */
	set(S(SECONDARY_VM_EXEC_CONTROL), PROC2_ENABLE_VPID);
	assert_ok(&profiles[PDEF]);
}

/* No memory and no current-VMCS pointer: the rules that read memory are not made. */
static void test_no_env(void **state)
{
	(void)state;
	struct vmentry_result r;
	build(&profiles[PDEF], B64);
	set(S(VMCS_LINK_POINTER), LINK_PA);
	assert_int_equal(vmentry_check(&v, &profiles[PDEF], NULL, &r), VMENTRY_OK);
	struct vmentry_env nomem = {.phys = NULL, .vmcs_ptr = LINK_PA};
	assert_int_equal(vmentry_check(&v, &profiles[PDEF], &nomem, &r), VMENTRY_FAIL_GUEST);
	assert_string_equal(r.rule, "link == c->vmcs_ptr");
	assert_int_equal(r.qual, VMX_ENTRY_FAIL_LINK_POINTER);
}

/* Controls are checked before host state, host state before guest state (26.2, 26.3). */
static void test_order(void **state)
{
	(void)state;
	struct vmentry_result r;
	build(&profiles[PDEF], B64);
	set(S(GUEST_RFLAGS), 0);     /* guest error */
	set(S(HOST_CS_SELECTOR), 0); /* host error */
	reset_ram();
	assert_int_equal(check(&profiles[PDEF], &r), VMENTRY_FAIL_HOST);
	set(S(CR3_TARGET_COUNT), 9); /* control error */
	assert_int_equal(check(&profiles[PDEF], &r), VMENTRY_FAIL_CONTROLS);
	assert_string_equal(r.sdm, SDM_EXEC);
	set(S(CR3_TARGET_COUNT), 0);
	set(S(HOST_CS_SELECTOR), 8);
	assert_int_equal(check(&profiles[PDEF], &r), VMENTRY_FAIL_GUEST);
	assert_int_equal(r.qual, 0);
	assert_string_equal(r.sdm, SDM_GRIP);
}

/* Interruptibility bit 4 follows CPUID.(EAX=07H,ECX=0):EBX.SGX[bit 2]: a profile narrowed with
 * --sgx off (cpu_profile_restrict_sgx) rejects it like a profile without SGX. */
static void test_enclave_bit_follows_cpuid(void **state)
{
	(void)state;
	struct cpu_profile p = profiles[PDEF];
	struct vmentry_result r;
	build(&p, B64);
	set(S(GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_ENCLAVE_INTERRUPTION);
	reset_ram();
	assert_int_equal(check(&p, &r), VMENTRY_OK);
	assert_true(cpu_profile_restrict_sgx(&p, CPU_SGX_OFF, false));
	build(&p, B64); /* without ENCLS exiting, which --sgx off removes */
	set(S(GUEST_INTERRUPTIBILITY_INFO), VMX_INTR_ENCLAVE_INTERRUPTION);
	assert_int_equal(check(&p, &r), VMENTRY_FAIL_GUEST);
	assert_int_equal(r.qual, 0);
	assert_string_equal(r.rule, "(intr & VMX_INTR_ENCLAVE_INTERRUPTION) && !sgx");
	assert_string_equal(r.sdm, SDM_GNRS);
}

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Guest (here: hypervisor) input never crashes the checker: random VMCS contents, and the
 * baseline with a few random fields, give a well-formed result. */
static void test_random_vmcs(void **state)
{
	(void)state;
	unsigned seen_out[4] = {0};
	for (unsigned i = 0; i < 20000; i++) {
		const struct cpu_profile *p = &profiles[i % NPROF];
		struct vmentry_result r;
		build(p, (enum base_kind)(i % 4));
		unsigned n = i & 1 ? 1 + rnd() % 3 : VMCS_NSLOTS;
		for (unsigned k = 0; k < n; k++) {
			u64 x = rnd();
			set(i & 1 ? (enum vmcs_slot)(rnd() % VMCS_NSLOTS) : (enum vmcs_slot)k,
			    x & (rnd() & 1 ? ~0ull : 0xfff));
		}
		reset_ram();
		enum vmentry_outcome o = check(p, &r);
		assert_true(o <= VMENTRY_FAIL_GUEST);
		assert_int_equal(r.outcome, o);
		assert_true((o == VMENTRY_OK) == (r.rule == NULL));
		assert_true((o == VMENTRY_OK) == (r.sdm == NULL));
		assert_true(r.qual == 0 || (o == VMENTRY_FAIL_GUEST && r.qual >= 2 && r.qual <= 4));
		seen_out[o]++;
	}
	for (unsigned o = 0; o < 4; o++)
		assert_true(seen_out[o] > 0);
}

/* ---- the check cache of the current VMCS (vmentry_check_cached) ---- */

/* The fields the cached path re-checks, and some values worth writing to them. */
static const enum vmcs_slot volatile_slots[] = {
    S(GUEST_RIP),
    S(GUEST_RFLAGS),
    S(GUEST_INTERRUPTIBILITY_INFO),
    S(GUEST_ACTIVITY_STATE),
    S(GUEST_PENDING_DBG_EXCEPTIONS),
    S(VM_ENTRY_INTR_INFO),
    S(VM_ENTRY_EXCEPTION_ERROR_CODE),
    S(VM_ENTRY_INSTRUCTION_LEN),
};

static u64 mutated(enum vmcs_slot s)
{
	u64 old = vmcs_get(&v, s);
	switch (rnd() % 4) {
	case 0: return old ^ BIT(rnd() % 64);
	case 1: return old ^ BIT(rnd() % 20);
	case 2: return rnd() & 0xffff;
	default:
		return s == S(VM_ENTRY_INTR_INFO) ? INTR(rnd() % 8, rnd() % 40) |
							(rnd() & 1 ? VMX_INTR_INFO_ERROR_CODE : 0)
						  : rnd() % 8;
	}
}

static void mutate(void)
{
	enum vmcs_slot s = rnd() & 1 ? volatile_slots[rnd() % ARRAY_SIZE(volatile_slots)]
				     : (enum vmcs_slot)(rnd() % VMCS_NSLOTS);
	set(s, mutated(s));
}

/*
 * A VMCS that passed keeps v.checked and the next entry re-runs only the rules on the
 * always-rewritten fields: after any sequence of field changes (by vmcs_set, the path of
 * VMWRITE and of VM exits) the cached path finds exactly what the full checks find: the same
 * outcome, rule, section, register and qualification.  Fails if a field is missing from
 * vmcs_unchecked_bits' complement or a rule on such a field from the re-run stages.
 */
static void test_cached_checks_match(void **state)
{
	(void)state;
	unsigned fast = 0, fast_fail = 0;
	for (unsigned i = 0; i < 40000; i++) {
		/* v.checked is about one processor's capabilities: one profile per baseline */
		const struct cpu_profile *p = &profiles[i / 8 % NPROF];
		struct vmentry_result rc, rf;
		if (i % 8 == 0) {
			build(p, (enum base_kind)(i / 24 % 4));
			reset_ram();
			assert_int_equal(vmentry_check_cached(&v, p, &env, &rc), VMENTRY_OK);
		}
		for (unsigned k = rnd() % 3; k-- > 0;)
			mutate();
		struct vmcs copy = v;
		bool was_checked = v.checked;
		enum vmentry_outcome oc = vmentry_check_cached(&v, p, &env, &rc);
		enum vmentry_outcome of = vmentry_check(&copy, p, &env, &rf);
		if (oc != of)
			fail_msg("step %u: cached %d (%s), full %d (%s)", i, oc, rc.rule, of,
				 rf.rule);
		assert_int_equal(oc, of);
		assert_int_equal(rc.qual, rf.qual);
		assert_true(rc.rule == rf.rule || !strcmp(rc.rule, rf.rule));
		assert_true(rc.sdm == rf.sdm || !strcmp(rc.sdm, rf.sdm));
		assert_true(rc.reg == rf.reg || !strcmp(rc.reg, rf.reg));
		fast += was_checked;
		fast_fail += was_checked && oc != VMENTRY_OK;
	}
	/* the cached path ran, and found failures */
	assert_true(fast > 5000);
	assert_true(fast_fail > 500);
}

/* A change to a field outside the always-checked set clears v.checked, one inside does not;
 * a new VMCS (VMPTRLD) starts unchecked (src/vmx/vmx_insn.c). */
static void test_check_cache_invalidation(void **state)
{
	(void)state;
	const struct cpu_profile *p = &profiles[PDEF];
	struct vmentry_result r;
	build(p, B64);
	assert_false(v.checked);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	assert_true(v.checked);
	set(S(GUEST_RIP), vmcs_get(&v, S(GUEST_RIP)) + 2);
	set(S(EXIT_REASON), 10);
	set(S(GUEST_RFLAGS), vmcs_get(&v, S(GUEST_RFLAGS)) ^ RF_IF);
	assert_true(v.checked);
	set(S(GUEST_CS_AR_BYTES), vmcs_get(&v, S(GUEST_CS_AR_BYTES))); /* same value */
	assert_true(v.checked);
	set(S(GUEST_RFLAGS), vmcs_get(&v, S(GUEST_RFLAGS)) ^ RF_VM);
	assert_false(v.checked);
	assert_int_not_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	assert_false(v.checked);
	set(S(GUEST_RFLAGS), vmcs_get(&v, S(GUEST_RFLAGS)) ^ RF_VM);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	set(S(HOST_CR3), vmcs_get(&v, S(HOST_CR3)) | TOP46);
	assert_false(v.checked);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_FAIL_HOST);
}

/* Between two passing entries only the rules on fields whose value changed run again
 * (v.vdirty): guest RIP alone re-runs the RIP/RFLAGS rule, an arithmetic flag or RSP nothing,
 * IF all the always-run rules; a failing RIP is still found, and found again at the next entry
 * until it is mended. */
static void test_check_cache_narrowed(void **state)
{
	(void)state;
	const struct cpu_profile *p = &profiles[PDEF];
	struct vmentry_result r;
	build(p, B64);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	assert_int_equal(v.vdirty, 0);
	set(S(GUEST_RFLAGS), vmcs_get(&v, S(GUEST_RFLAGS)) ^ (BIT(0) | BIT(6) | BIT(11)));
	set(S(GUEST_RSP), vmcs_get(&v, S(GUEST_RSP)) + 8);
	set(S(GUEST_RIP), vmcs_get(&v, S(GUEST_RIP))); /* same value */
	assert_int_equal(v.vdirty, 0);
	u64 rip = vmcs_get(&v, S(GUEST_RIP));
	set(S(GUEST_RIP), rip + 2);
	assert_int_equal(v.vdirty, VMCS_VDIRTY_RIP);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	assert_int_equal(v.vdirty, 0);
	set(S(GUEST_RIP), NONCANON);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_FAIL_GUEST);
	assert_string_equal(r.sdm, "26.3.1.4 Checks on Guest RIP and RFLAGS");
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_FAIL_GUEST);
	set(S(GUEST_RIP), rip);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	set(S(GUEST_RFLAGS), vmcs_get(&v, S(GUEST_RFLAGS)) ^ RF_IF);
	assert_int_equal(v.vdirty, VMCS_VDIRTY_ALL);
	assert_int_equal(vmentry_check_cached(&v, p, &env, &r), VMENTRY_OK);
	assert_int_equal(v.vdirty, 0);
	assert_true(v.checked);
}

/* ---- control-bit sweeps against the capability MSRs ---- */

struct group {
	const char *name;
	enum vmcs_slot slot;
	const char *sdm, *may1_rule, *must1_rule;
};

static const struct group groups[] = {
    {"pin", S(PIN_BASED_VM_EXEC_CONTROL), SDM_EXEC, "pin & ~may1(pin_cap)",
     "~pin & must1(pin_cap)"},
    {"primary", S(CPU_BASED_VM_EXEC_CONTROL), SDM_EXEC, "proc & ~may1(proc_cap)",
     "~proc & must1(proc_cap)"},
    {"secondary", S(SECONDARY_VM_EXEC_CONTROL), SDM_EXEC, "proc2 & ~may1(proc2_cap)",
     "~proc2 & must1(proc2_cap)"},
    {"exit", S(VM_EXIT_CONTROLS), SDM_EXIT, "ex & ~may1(cap)", "~ex & must1(cap)"},
    {"entry", S(VM_ENTRY_CONTROLS), SDM_ENTRY, "en & ~may1(cap)", "~en & must1(cap)"},
};

/* The capability MSR as the test reads Appendix A: TRUE_* (IA32_VMX_BASIC[55] = 1). */
static u64 cap_of(const struct cpu_profile *p, unsigned g)
{
	const struct vmx_caps *x = &p->vmx;
	const u64 caps[] = {x->true_pinbased, x->true_procbased, x->procbased2, x->true_exit,
			    x->true_entry};
	return caps[g];
}

static bool is_reserved_rule(const struct group *g, const struct vmentry_result *r)
{
	return r->rule && (!strcmp(r->rule, g->may1_rule) || !strcmp(r->rule, g->must1_rule));
}

static void sweep(const struct cpu_profile *p, unsigned *bad, unsigned *allowed)
{
	for (unsigned gi = 0; gi < ARRAY_SIZE(groups); gi++) {
		const struct group *g = &groups[gi];
		u64 cap = cap_of(p, gi);
		for (unsigned bit = 0; bit < 32; bit++) {
			struct vmentry_result r;
			build(p, B64);
			reset_ram();
			u64 val = vmcs_get(&v, g->slot) ^ BIT(bit);
			set(g->slot, val);
			bool on = val & BIT(bit);
			bool reserved = on ? !((cap >> 32) & BIT(bit)) : (cap & BIT(bit)) != 0;
			enum vmentry_outcome o = check(p, &r);
			if (!reserved) {
				if (o == VMENTRY_FAIL_CONTROLS && is_reserved_rule(g, &r))
					fail_msg("%s bit %u = %d is allowed: %s", g->name, bit, on,
						 r.rule);
				(*allowed)++;
				continue;
			}
			(*bad)++;
			if (o != VMENTRY_FAIL_CONTROLS || strcmp(r.sdm, g->sdm) ||
			    strcmp(r.rule, on ? g->may1_rule : g->must1_rule))
				fail_msg("%s bit %u = %d: outcome %d rule %s", g->name, bit, on, o,
					 r.rule ? r.rule : "-");
		}
	}
}

static void test_sweep_control_bits(void **state)
{
	(void)state;
	unsigned bad = 0, allowed = 0;
	sweep(&profiles[PDEF], &bad, &allowed);
	sweep(&profiles[PNOSGX], &bad, &allowed);
	/* Both kinds occur: set-but-not-allowed-1 and cleared-but-allowed-0 = 1. */
	assert_true(bad > 100);
	assert_true(allowed > 50);
}

/* The primary controls' default1 bits 15 and 16 (CR3-load/store exiting) may be 0 only
 * because IA32_VMX_BASIC[55] = 1 and the TRUE MSR says so (A.2). */
static void test_true_controls_matter(void **state)
{
	(void)state;
	struct cpu_profile p = profiles[PDEF];
	struct vmentry_result r;
	patch_notrue(&p);
	build(&p, B64);
	reset_ram();
	assert_int_equal(check(&p, &r), VMENTRY_FAIL_CONTROLS);
	assert_string_equal(r.rule, "~proc & must1(proc_cap)");
	set(S(CPU_BASED_VM_EXEC_CONTROL), vmcs_get(&v, S(CPU_BASED_VM_EXEC_CONTROL)) |
					      PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING);
	set(S(VM_EXIT_CONTROLS), vmcs_get(&v, S(VM_EXIT_CONTROLS)) | EXIT_SAVE_DEBUG_CONTROLS);
	assert_ok(&p);
}

/* Tertiary controls: a 64-bit allowed-1 mask (A.3.4); ignored unless activated. */
static void test_sweep_tertiary(void **state)
{
	(void)state;
	const struct cpu_profile *p = &profiles[PFULL];
	struct vmentry_result r;
	for (unsigned bit = 0; bit < 64; bit++) {
		build(p, B64);
		reset_ram();
		set(S(TERTIARY_VM_EXEC_CONTROL), BIT(bit));
		assert_int_equal(check(p, &r), VMENTRY_OK);
		set(S(CPU_BASED_VM_EXEC_CONTROL),
		    vmcs_get(&v, S(CPU_BASED_VM_EXEC_CONTROL)) | PROC_ACTIVATE_TERTIARY_CONTROLS);
		enum vmentry_outcome o = check(p, &r);
		if (p->vmx.procbased3 & BIT(bit)) {
			assert_int_equal(o, VMENTRY_OK);
		} else {
			assert_int_equal(o, VMENTRY_FAIL_CONTROLS);
			assert_string_equal(r.rule, "c->proc3 & ~p->vmx.procbased3");
		}
	}
}

/* ---- one passing and one failing case per rule ---- */

struct mod {
	enum vmcs_slot s;
	u64 clear, set;
};

struct row {
	const char *what;
	enum base_kind base;
	enum prof_kind prof;
	void (*patch)(struct cpu_profile *p);
	struct mod m[6];
	u64 ram_pa, ram_val; /* one 8-byte write when ram_pa != 0 */
	bool guest_stage;    /* run vmentry_check_guest() alone (rules the controls pre-empt) */
	enum vmentry_outcome out;
	u32 qual;
	const char *sdm, *rule, *reg;
};

/* The row notation below reads best unwrapped. */
/* clang-format off */
#define SET(f, val) {S(f), ~0ull, (val)}
#define OR(f, bits) {S(f), 0, (bits)}
#define CLR(f, bits) {S(f), (bits), 0}
#define PIN(bits) OR(PIN_BASED_VM_EXEC_CONTROL, bits)
#define NOPIN(bits) CLR(PIN_BASED_VM_EXEC_CONTROL, bits)
#define PROC(bits) OR(CPU_BASED_VM_EXEC_CONTROL, bits)
#define NOPROC(bits) CLR(CPU_BASED_VM_EXEC_CONTROL, bits)
#define P2(bits) OR(SECONDARY_VM_EXEC_CONTROL, bits)
#define NOP2(bits) CLR(SECONDARY_VM_EXEC_CONTROL, bits)
#define EXITC(bits) OR(VM_EXIT_CONTROLS, bits)
#define NOEXITC(bits) CLR(VM_EXIT_CONTROLS, bits)
#define ENTRYC(bits) OR(VM_ENTRY_CONTROLS, bits)
#define NOENTRYC(bits) CLR(VM_ENTRY_CONTROLS, bits)
#define NOEPT NOP2(PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST)
#define TPR PROC(PROC_USE_TPR_SHADOW)
#define NOHASS NOEXITC(EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_IA32_EFER)
#define NOUG NOP2(PROC2_UNRESTRICTED_GUEST)
#define INFO(val) SET(VM_ENTRY_INTR_INFO, val)
#define IF_ON OR(GUEST_RFLAGS, RF_IF)
#define INTR_ST(val) SET(GUEST_INTERRUPTIBILITY_INFO, val)
#define ACT(val) SET(GUEST_ACTIVITY_STATE, val)
#define PDE(val) SET(GUEST_PENDING_DBG_EXCEPTIONS, val)
/* CPL 3 in protected mode: CS 0x1b (DPL 3), SS 0x23 (DPL 3). */
#define CPL3                                                          \
	SET(GUEST_CS_SELECTOR, 0x1b), SET(GUEST_CS_AR_BYTES, 0xa0fb), \
	    SET(GUEST_SS_SELECTOR, 0x23), SET(GUEST_SS_AR_BYTES, 0xc0f3)

#define OK(w, ...) {.what = w, .out = VMENTRY_OK, __VA_ARGS__}
#define BAD(w, o, s, r, ...) {.what = w, .out = o, .sdm = s, .rule = r, __VA_ARGS__}
#define EXEC(w, r, ...) BAD(w, VMENTRY_FAIL_CONTROLS, SDM_EXEC, r, __VA_ARGS__)
#define EXIT(w, r, ...) BAD(w, VMENTRY_FAIL_CONTROLS, SDM_EXIT, r, __VA_ARGS__)
#define ENTRY(w, r, ...) BAD(w, VMENTRY_FAIL_CONTROLS, SDM_ENTRY, r, __VA_ARGS__)
#define HCR(w, r, ...) BAD(w, VMENTRY_FAIL_HOST, SDM_HCR, r, __VA_ARGS__)
#define HSEG(w, r, ...) BAD(w, VMENTRY_FAIL_HOST, SDM_HSEG, r, __VA_ARGS__)
#define ASZ(w, r, ...) BAD(w, VMENTRY_FAIL_HOST, SDM_ASZ, r, __VA_ARGS__)
#define GCR(w, r, ...) BAD(w, VMENTRY_FAIL_GUEST, SDM_GCR, r, __VA_ARGS__)
#define GSEG(w, r, ...) BAD(w, VMENTRY_FAIL_GUEST, SDM_GSEG, r, __VA_ARGS__)
#define GDTR(w, r, ...) BAD(w, VMENTRY_FAIL_GUEST, SDM_GDTR, r, __VA_ARGS__)
#define GRIP(w, r, ...) BAD(w, VMENTRY_FAIL_GUEST, SDM_GRIP, r, __VA_ARGS__)
#define GNRS(w, r, ...) BAD(w, VMENTRY_FAIL_GUEST, SDM_GNRS, r, __VA_ARGS__)
#define GPDPTE(w, r, ...) BAD(w, VMENTRY_FAIL_GUEST, SDM_GPDPTE, r, __VA_ARGS__)

static const struct row exec_rows[] = {
    /* reserved bits (each bit is swept above; these name the rules) */
    OK("pin: preemption timer is allowed-1", .m = {PIN(PIN_PREEMPTION_TIMER)}),
    EXEC("pin: posted interrupts not allowed-1", "pin & ~may1(pin_cap)",
	 .m = {PIN(PIN_POSTED_INTR)}),
    OK("pin: virtual NMIs may be 0", .m = {NOPIN(PIN_VIRTUAL_NMIS)}),
    EXEC("pin: default1 bit 1 cleared", "~pin & must1(pin_cap)", .m = {NOPIN(BIT(1))}),
    OK("primary: RDTSC exiting allowed-1", .m = {PROC(PROC_RDTSC_EXITING)}),
    EXEC("primary: TPR shadow not allowed-1", "proc & ~may1(proc_cap)", .m = {TPR}),
    OK("primary: CR3-load exiting may be 0 (TRUE MSR)", .m = {NOPROC(PROC_CR3_LOAD_EXITING)}),
    EXEC("primary: default1 bit 1 cleared", "~proc & must1(proc_cap)", .m = {NOPROC(BIT(1))}),
    OK("secondary: WBINVD exiting allowed-1", .m = {P2(PROC2_WBINVD_EXITING)}),
    EXEC("secondary: PML not allowed-1", "proc2 & ~may1(proc2_cap)", .m = {P2(PROC2_ENABLE_PML)}),
    OK("secondary: garbage ignored without activate secondary",
       .m = {NOPROC(PROC_ACTIVATE_SECONDARY_CONTROLS), SET(SECONDARY_VM_EXEC_CONTROL, 0xffffffff)}),
    OK("secondary: allowed-0 bit set", .patch = patch_proc2_must_rdrand),
    EXEC("secondary: allowed-0 bit clear", "~proc2 & must1(proc2_cap)",
	 .patch = patch_proc2_must_rdrand, .m = {NOP2(PROC2_RDRAND_EXITING)}),
    OK("tertiary: allowed bit", .prof = PFULL,
       .m = {PROC(PROC_ACTIVATE_TERTIARY_CONTROLS), SET(TERTIARY_VM_EXEC_CONTROL, 1)}),
    EXEC("tertiary: reserved bit", "c->proc3 & ~p->vmx.procbased3", .prof = PFULL,
	 .m = {PROC(PROC_ACTIVATE_TERTIARY_CONTROLS), SET(TERTIARY_VM_EXEC_CONTROL, 2)}),
    /* CR3-target count against IA32_VMX_MISC[24:16] */
    OK("CR3-target count 4", .m = {SET(CR3_TARGET_COUNT, 4)}),
    EXEC("CR3-target count 5", "F(CR3_TARGET_COUNT) > cr3_targets(p)",
	 .m = {SET(CR3_TARGET_COUNT, 5)}),
    EXEC("CR3-target count 3 with 2 supported", "F(CR3_TARGET_COUNT) > cr3_targets(p)",
	 .patch = patch_cr3_targets2, .m = {SET(CR3_TARGET_COUNT, 3)}),
    /* I/O and MSR bitmaps */
    OK("I/O bitmap A at the top page", .m = {SET(IO_BITMAP_A, TOP46 - 0x1000)}),
    OK("I/O bitmaps unused",
       .m = {NOPROC(PROC_USE_IO_BITMAPS), SET(IO_BITMAP_A, 1), SET(IO_BITMAP_B, TOP46)}),
    EXEC("I/O bitmap A unaligned", "F(IO_BITMAP_A) & 0xfff",
	 .m = {SET(IO_BITMAP_A, IO_A_PA | 0x800)}),
    EXEC("I/O bitmap A beyond MAXPHYADDR", "vmentry_pa_bad(p, F(IO_BITMAP_A))",
	 .m = {SET(IO_BITMAP_A, TOP46)}),
    EXEC("I/O bitmap A above 4G with IA32_VMX_BASIC[48]", "vmentry_pa_bad(p, F(IO_BITMAP_A))",
	 .patch = patch_basic48, .m = {SET(IO_BITMAP_A, 1ull << 32)}),
    OK("I/O bitmap A below 4G with IA32_VMX_BASIC[48]", .patch = patch_basic48,
       .m = {SET(IO_BITMAP_A, 0xfffff000)}),
    EXEC("I/O bitmap B unaligned", "F(IO_BITMAP_B) & 0xfff", .m = {SET(IO_BITMAP_B, IO_B_PA | 1)}),
    EXEC("I/O bitmap B beyond MAXPHYADDR", "vmentry_pa_bad(p, F(IO_BITMAP_B))",
	 .m = {SET(IO_BITMAP_B, TOP46)}),
    OK("MSR bitmap unused", .m = {NOPROC(PROC_USE_MSR_BITMAPS), SET(MSR_BITMAP, 7)}),
    EXEC("MSR bitmap unaligned", "F(MSR_BITMAP) & 0xfff",
	 .m = {SET(MSR_BITMAP, MSR_BITMAP_PA | 0x10)}),
    EXEC("MSR bitmap beyond MAXPHYADDR", "vmentry_pa_bad(p, F(MSR_BITMAP))",
	 .m = {SET(MSR_BITMAP, TOP46 | MSR_BITMAP_PA)}),
    /* TPR shadow */
    OK("TPR shadow", .prof = PFULL, .m = {TPR}),
    EXEC("virtual-APIC address unaligned", "F(VIRTUAL_APIC_PAGE_ADDR) & 0xfff", .prof = PFULL,
	 .m = {TPR, SET(VIRTUAL_APIC_PAGE_ADDR, VAPIC_PA | 8)}),
    EXEC("virtual-APIC address beyond MAXPHYADDR",
	 "vmentry_pa_bad(c->p, F(VIRTUAL_APIC_PAGE_ADDR))", .prof = PFULL,
	 .m = {TPR, SET(VIRTUAL_APIC_PAGE_ADDR, TOP46)}),
    OK("x2APIC virtualization with TPR shadow", .prof = PFULL,
       .m = {TPR, P2(PROC2_VIRTUALIZE_X2APIC_MODE)}),
    EXEC("x2APIC virtualization without TPR shadow",
	 "!tpr && (proc2 & PROC2_VIRTUALIZE_X2APIC_MODE)", .prof = PFULL,
	 .m = {P2(PROC2_VIRTUALIZE_X2APIC_MODE)}),
    OK("APIC-register virtualization with TPR shadow", .prof = PFULL,
       .m = {TPR, P2(PROC2_APIC_REGISTER_VIRT)}),
    EXEC("APIC-register virtualization without TPR shadow",
	 "!tpr && (proc2 & PROC2_APIC_REGISTER_VIRT)", .prof = PFULL,
	 .m = {P2(PROC2_APIC_REGISTER_VIRT)}),
    OK("virtual-interrupt delivery with TPR shadow", .prof = PFULL,
       .m = {TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY)}),
    EXEC("virtual-interrupt delivery without TPR shadow",
	 "!tpr && (proc2 & PROC2_VIRTUAL_INTR_DELIVERY)", .prof = PFULL,
	 .m = {P2(PROC2_VIRTUAL_INTR_DELIVERY)}),
    OK("TPR threshold 31:4 ignored with virtual-interrupt delivery", .prof = PFULL,
       .m = {TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY), SET(TPR_THRESHOLD, 0x10)}),
    EXEC("TPR threshold bits 31:4",
	 "tpr && !(proc2 & PROC2_VIRTUAL_INTR_DELIVERY) && (F(TPR_THRESHOLD) & ~0xfull)",
	 .prof = PFULL, .m = {TPR, SET(TPR_THRESHOLD, 0x10)}),
    OK("TPR threshold 4 <= VTPR[7:4] 4", .prof = PFULL, .m = {TPR, SET(TPR_THRESHOLD, 4)},
       .ram_pa = VAPIC_PA + 0x80, .ram_val = 0x40),
    OK("TPR threshold above VTPR with APIC-access virtualization", .prof = PFULL,
       .m = {TPR, P2(PROC2_VIRTUALIZE_APIC_ACCESSES), SET(TPR_THRESHOLD, 5)},
       .ram_pa = VAPIC_PA + 0x80, .ram_val = 0x40),
    EXEC("TPR threshold 5 > VTPR[7:4] 4",
	 "tpr && !(proc2 & (PROC2_VIRTUALIZE_APIC_ACCESSES | "
	 "PROC2_VIRTUAL_INTR_DELIVERY)) && tpr_threshold_above_vtpr(c)",
	 .prof = PFULL, .m = {TPR, SET(TPR_THRESHOLD, 5)}, .ram_pa = VAPIC_PA + 0x80,
	 .ram_val = 0x40),
    /* NMIs */
    OK("no NMI exiting, no virtual NMIs", .m = {NOPIN(PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)}),
    EXEC("virtual NMIs without NMI exiting", "!(pin & PIN_NMI_EXITING) && (pin & PIN_VIRTUAL_NMIS)",
	 .m = {NOPIN(PIN_NMI_EXITING)}),
    OK("NMI-window exiting with virtual NMIs", .m = {PROC(PROC_NMI_WINDOW_EXITING)}),
    EXEC("NMI-window exiting without virtual NMIs",
	 "!(pin & PIN_VIRTUAL_NMIS) && (c->proc & PROC_NMI_WINDOW_EXITING)",
	 .m = {NOPIN(PIN_VIRTUAL_NMIS), PROC(PROC_NMI_WINDOW_EXITING)}),
    /* APIC virtualization */
    OK("APIC-access virtualization", .prof = PFULL, .m = {TPR, P2(PROC2_VIRTUALIZE_APIC_ACCESSES)}),
    EXEC("APIC-access address unaligned", "F(APIC_ACCESS_ADDR) & 0xfff", .prof = PFULL,
	 .m = {P2(PROC2_VIRTUALIZE_APIC_ACCESSES), SET(APIC_ACCESS_ADDR, APIC_ACCESS_PA | 1)}),
    EXEC("APIC-access address beyond MAXPHYADDR", "vmentry_pa_bad(c->p, F(APIC_ACCESS_ADDR))",
	 .prof = PFULL, .m = {P2(PROC2_VIRTUALIZE_APIC_ACCESSES), SET(APIC_ACCESS_ADDR, TOP46)}),
    EXEC("x2APIC and APIC-access virtualization",
	 "(proc2 & PROC2_VIRTUALIZE_X2APIC_MODE) && "
	 "(proc2 & PROC2_VIRTUALIZE_APIC_ACCESSES)",
	 .prof = PFULL,
	 .m = {TPR, P2(PROC2_VIRTUALIZE_X2APIC_MODE | PROC2_VIRTUALIZE_APIC_ACCESSES)}),
    EXEC("virtual-interrupt delivery without external-interrupt exiting",
	 "(proc2 & PROC2_VIRTUAL_INTR_DELIVERY) && !(pin & PIN_EXT_INTR_EXITING)", .prof = PFULL,
	 .m = {TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY), NOPIN(PIN_EXT_INTR_EXITING)}),
    /* posted interrupts */
    OK("posted interrupts", .prof = PFULL,
       .m = {PIN(PIN_POSTED_INTR), TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY)}),
    EXEC("posted interrupts without virtual-interrupt delivery",
	 "posted && !(proc2 & PROC2_VIRTUAL_INTR_DELIVERY)", .prof = PFULL,
	 .m = {PIN(PIN_POSTED_INTR)}),
    EXEC("posted interrupts without acknowledge on exit",
	 "posted && !(c->exit & EXIT_ACK_INTR_ON_EXIT)", .prof = PFULL,
	 .m = {PIN(PIN_POSTED_INTR), TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY),
	       NOEXITC(EXIT_ACK_INTR_ON_EXIT)}),
    EXEC("posted-interrupt vector bits 15:8", "posted && (F(POSTED_INTR_NV) & 0xff00)",
	 .prof = PFULL,
	 .m = {PIN(PIN_POSTED_INTR), TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY),
	       SET(POSTED_INTR_NV, 0x1f2)}),
    EXEC("posted-interrupt descriptor not 64-byte aligned",
	 "posted && (F(POSTED_INTR_DESC_ADDR) & 0x3f)", .prof = PFULL,
	 .m = {PIN(PIN_POSTED_INTR), TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY),
	       SET(POSTED_INTR_DESC_ADDR, PID_PA | 0x20)}),
    OK("posted-interrupt descriptor 64-byte aligned", .prof = PFULL,
       .m = {PIN(PIN_POSTED_INTR), TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY),
	     SET(POSTED_INTR_DESC_ADDR, PID_PA | 0x40)}),
    EXEC("posted-interrupt descriptor beyond MAXPHYADDR",
	 "posted && vmentry_pa_bad(c->p, F(POSTED_INTR_DESC_ADDR))", .prof = PFULL,
	 .m = {PIN(PIN_POSTED_INTR), TPR, P2(PROC2_VIRTUAL_INTR_DELIVERY),
	       SET(POSTED_INTR_DESC_ADDR, TOP46)}),
    /* VPID, EPTP */
    OK("VPID 0 without enable VPID", .m = {NOP2(PROC2_ENABLE_VPID), SET(VPID, 0)}),
    EXEC("VPID 0", "(c->proc2 & PROC2_ENABLE_VPID) && F(VPID) == 0", .m = {SET(VPID, 0)}),
    OK("EPT memory type UC", .m = {SET(EPT_POINTER, EPT_PML4_PA | 3 << 3)}),
    EXEC("EPT memory type WC", "!ept_memtype_ok(p, eptp & 7)",
	 .m = {SET(EPT_POINTER, EPT_PML4_PA | 3 << 3 | 1)}),
    EXEC("EPT memory type WB unsupported", "!ept_memtype_ok(p, eptp & 7)", .patch = patch_no_wb),
    EXEC("EPT walk length 3", "!ept_walk_ok(p, bits_get(eptp, 5, 3))",
	 .m = {SET(EPT_POINTER, EPT_PML4_PA | 6 | 2 << 3)}),
    EXEC("EPT walk length 5 unsupported", "!ept_walk_ok(p, bits_get(eptp, 5, 3))",
	 .m = {SET(EPT_POINTER, EPT_PML4_PA | 6 | 4 << 3)}),
    OK("EPT walk length 5 supported", .prof = PFULL,
       .m = {SET(EPT_POINTER, EPT_PML4_PA | 6 | 4 << 3)}),
    EXEC("EPT A/D unsupported",
	 "(eptp & EPTP_AD) && !(cap & MSR_IA32_VMX_EPT_VPID_CAP_AD_FLAGS_MASK)",
	 .m = {OR(EPT_POINTER, BIT(6))}),
    OK("EPT A/D supported", .prof = PFULL, .m = {OR(EPT_POINTER, BIT(6))}),
    EXEC("EPTP bit 7 without shadow-stack control",
	 "(eptp & EPTP_SSS) && !(cap & MSR_IA32_VMX_EPT_VPID_CAP_SSS_CONTROL_MASK)",
	 .m = {OR(EPT_POINTER, BIT(7))}),
    OK("EPTP bit 7 with shadow-stack control", .prof = PFULL, .m = {OR(EPT_POINTER, BIT(7))}),
    EXEC("EPTP reserved bit 8", "eptp & (GENMASK(11, 8) | bits_from(p->maxphyaddr))",
	 .m = {OR(EPT_POINTER, BIT(8))}),
    EXEC("EPTP beyond MAXPHYADDR", "eptp & (GENMASK(11, 8) | bits_from(p->maxphyaddr))",
	 .m = {OR(EPT_POINTER, TOP46)}),
    OK("EPT PML4 at the top page", .m = {SET(EPT_POINTER, (TOP46 - 0x1000) | EPTP_WB_4)}),
    OK("EPTP ignored without EPT", .m = {NOEPT, SET(EPT_POINTER, 0xfff)}),
    /* controls that need EPT */
    OK("PML", .prof = PFULL, .m = {P2(PROC2_ENABLE_PML)}),
    EXEC("PML without EPT", "pml && !ept", .prof = PFULL, .m = {P2(PROC2_ENABLE_PML), NOEPT}),
    EXEC("PML address unaligned", "pml && (F(PML_ADDRESS) & 0xfff)", .prof = PFULL,
	 .m = {P2(PROC2_ENABLE_PML), SET(PML_ADDRESS, PML_PA | 0x100)}),
    EXEC("PML address beyond MAXPHYADDR", "pml && vmentry_pa_bad(p, F(PML_ADDRESS))", .prof = PFULL,
	 .m = {P2(PROC2_ENABLE_PML), SET(PML_ADDRESS, TOP46)}),
    OK("neither unrestricted guest nor EPT", .m = {NOEPT}),
    EXEC("unrestricted guest without EPT", "(proc2 & PROC2_UNRESTRICTED_GUEST) && !ept",
	 .m = {NOP2(PROC2_ENABLE_EPT)}),
    OK("mode-based execute control", .prof = PFULL, .m = {P2(PROC2_MODE_BASED_EPT_EXEC)}),
    EXEC("mode-based execute control without EPT", "(proc2 & PROC2_MODE_BASED_EPT_EXEC) && !ept",
	 .prof = PFULL, .m = {P2(PROC2_MODE_BASED_EPT_EXEC), NOEPT}),
    OK("sub-page write permissions", .prof = PFULL, .m = {P2(PROC2_SUBPAGE_WRITE_PERMISSIONS)}),
    EXEC("sub-page write permissions without EPT", "spp && !ept", .prof = PFULL,
	 .m = {P2(PROC2_SUBPAGE_WRITE_PERMISSIONS), NOEPT}),
    EXEC("SPPTP unaligned", "spp && (F(SPP_TABLE_POINTER) & 0xfff)", .prof = PFULL,
	 .m = {P2(PROC2_SUBPAGE_WRITE_PERMISSIONS), SET(SPP_TABLE_POINTER, SPP_PA | 8)}),
    EXEC("SPPTP beyond MAXPHYADDR", "spp && vmentry_pa_bad(p, F(SPP_TABLE_POINTER))", .prof = PFULL,
	 .m = {P2(PROC2_SUBPAGE_WRITE_PERMISSIONS), SET(SPP_TABLE_POINTER, TOP46)}),
    OK("PT uses guest-physical addresses", .prof = PFULL,
       .m = {P2(PROC2_PT_USES_GPA), ENTRYC(ENTRY_LOAD_IA32_RTIT_CTL),
	     EXITC(EXIT_CLEAR_IA32_RTIT_CTL)}),
    EXEC("PT uses GPAs without EPT", "pt_gpa && !ept", .prof = PFULL,
	 .m = {P2(PROC2_PT_USES_GPA), ENTRYC(ENTRY_LOAD_IA32_RTIT_CTL),
	       EXITC(EXIT_CLEAR_IA32_RTIT_CTL), NOEPT}),
    EXEC("PT uses GPAs without load IA32_RTIT_CTL",
	 "pt_gpa && !(c->entry & ENTRY_LOAD_IA32_RTIT_CTL)", .prof = PFULL,
	 .m = {P2(PROC2_PT_USES_GPA), EXITC(EXIT_CLEAR_IA32_RTIT_CTL)}),
    EXEC("PT uses GPAs without clear IA32_RTIT_CTL",
	 "pt_gpa && !(c->exit & EXIT_CLEAR_IA32_RTIT_CTL)", .prof = PFULL,
	 .m = {P2(PROC2_PT_USES_GPA), ENTRYC(ENTRY_LOAD_IA32_RTIT_CTL)}),
    /* VM functions, VMCS shadowing, #VE */
    OK("VM-function controls ignored without enable VM functions",
       .m = {SET(VM_FUNCTION_CONTROL, 0xff)}),
    OK("EPTP switching", .prof = PFULL,
       .m = {P2(PROC2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 1)}),
    EXEC("VM function 1 unsupported", "vmfunc && (fn & ~p->vmx.vmfunc)", .prof = PFULL,
	 .m = {P2(PROC2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 2)}),
    EXEC("EPTP switching without EPT", "eptp_switching && !(proc2 & PROC2_ENABLE_EPT)",
	 .prof = PFULL, .m = {P2(PROC2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 1), NOEPT}),
    EXEC("EPTP list unaligned", "eptp_switching && (F(EPTP_LIST_ADDRESS) & 0xfff)", .prof = PFULL,
	 .m = {P2(PROC2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 1),
	       SET(EPTP_LIST_ADDRESS, EPTP_LIST_PA | 0x800)}),
    EXEC(
	"EPTP list beyond MAXPHYADDR", "eptp_switching && vmentry_pa_bad(p, F(EPTP_LIST_ADDRESS))",
	.prof = PFULL,
	.m = {P2(PROC2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 1), SET(EPTP_LIST_ADDRESS, TOP46)}),
    OK("VMCS shadowing", .m = {P2(PROC2_VMCS_SHADOWING)}),
    EXEC("VMREAD bitmap unaligned", "F(VMREAD_BITMAP) & 0xfff",
	 .m = {P2(PROC2_VMCS_SHADOWING), SET(VMREAD_BITMAP, VMREAD_PA | 1)}),
    EXEC("VMREAD bitmap beyond MAXPHYADDR", "vmentry_pa_bad(p, F(VMREAD_BITMAP))",
	 .m = {P2(PROC2_VMCS_SHADOWING), SET(VMREAD_BITMAP, TOP46)}),
    EXEC("VMWRITE bitmap unaligned", "F(VMWRITE_BITMAP) & 0xfff",
	 .m = {P2(PROC2_VMCS_SHADOWING), SET(VMWRITE_BITMAP, VMWRITE_PA | 0x400)}),
    EXEC("VMWRITE bitmap beyond MAXPHYADDR", "vmentry_pa_bad(p, F(VMWRITE_BITMAP))",
	 .m = {P2(PROC2_VMCS_SHADOWING), SET(VMWRITE_BITMAP, TOP46)}),
    OK("EPT-violation #VE", .prof = PFULL, .m = {P2(PROC2_EPT_VIOLATION_VE)}),
    EXEC("#VE information address unaligned", "F(VE_INFO_ADDRESS) & 0xfff", .prof = PFULL,
	 .m = {P2(PROC2_EPT_VIOLATION_VE), SET(VE_INFO_ADDRESS, VE_PA | 4)}),
    EXEC("#VE information address beyond MAXPHYADDR", "vmentry_pa_bad(p, F(VE_INFO_ADDRESS))",
	 .prof = PFULL, .m = {P2(PROC2_EPT_VIOLATION_VE), SET(VE_INFO_ADDRESS, TOP46)}),
};

static const struct row exit_entry_rows[] = {
    /* 26.2.1.2 */
    OK("exit: acknowledge interrupt may be 0", .m = {NOEXITC(EXIT_ACK_INTR_ON_EXIT)}),
    EXIT("exit: load PERF_GLOBAL_CTRL not allowed-1", "ex & ~may1(cap)",
	 .m = {EXITC(EXIT_LOAD_IA32_PERF_GLOBAL_CTRL)}),
    OK("exit: save debug controls may be 0 (TRUE MSR)", .m = {NOEXITC(EXIT_SAVE_DEBUG_CONTROLS)}),
    EXIT("exit: default1 bit 0 cleared", "~ex & must1(cap)", .m = {NOEXITC(BIT(0))}),
    OK("save preemption timer with the timer",
       .m = {PIN(PIN_PREEMPTION_TIMER), EXITC(EXIT_SAVE_PREEMPTION_TIMER)}),
    EXIT("save preemption timer without the timer",
	 "!(c->pin & PIN_PREEMPTION_TIMER) && (ex & EXIT_SAVE_PREEMPTION_TIMER)",
	 .m = {EXITC(EXIT_SAVE_PREEMPTION_TIMER)}),
    OK("exit MSR-store area 16-byte aligned",
       .m = {SET(VM_EXIT_MSR_STORE_COUNT, 1), SET(VM_EXIT_MSR_STORE_ADDR, EXIT_STORE_PA | 0x10)}),
    OK("exit MSR-store count 0, address ignored", .m = {SET(VM_EXIT_MSR_STORE_ADDR, TOP46 | 1)}),
    EXIT("exit MSR-store address unaligned", "n && (addr & 0xf)", .reg = "VM-exit MSR-store",
	 .m = {SET(VM_EXIT_MSR_STORE_COUNT, 1), SET(VM_EXIT_MSR_STORE_ADDR, EXIT_STORE_PA | 8)}),
    EXIT("exit MSR-store address beyond MAXPHYADDR", "n && vmentry_pa_bad(p, addr)",
	 .reg = "VM-exit MSR-store",
	 .m = {SET(VM_EXIT_MSR_STORE_COUNT, 1), SET(VM_EXIT_MSR_STORE_ADDR, TOP46)}),
    OK("exit MSR-store area ends at MAXPHYADDR",
       .m = {SET(VM_EXIT_MSR_STORE_COUNT, 1), SET(VM_EXIT_MSR_STORE_ADDR, TOP46 - 16)}),
    EXIT("exit MSR-store area crosses MAXPHYADDR", "n && vmentry_pa_bad(p, addr + n * 16 - 1)",
	 .reg = "VM-exit MSR-store",
	 .m = {SET(VM_EXIT_MSR_STORE_COUNT, 2), SET(VM_EXIT_MSR_STORE_ADDR, TOP46 - 16)}),
    OK("exit MSR-load area", .m = {SET(VM_EXIT_MSR_LOAD_COUNT, 3)}),
    EXIT("exit MSR-load address unaligned", "n && (addr & 0xf)", .reg = "VM-exit MSR-load",
	 .m = {SET(VM_EXIT_MSR_LOAD_COUNT, 1), SET(VM_EXIT_MSR_LOAD_ADDR, EXIT_LOAD_PA | 4)}),
    EXIT("exit MSR-load address beyond MAXPHYADDR", "n && vmentry_pa_bad(p, addr)",
	 .reg = "VM-exit MSR-load",
	 .m = {SET(VM_EXIT_MSR_LOAD_COUNT, 1), SET(VM_EXIT_MSR_LOAD_ADDR, ~0xfull)}),
    EXIT("exit MSR-load area crosses MAXPHYADDR", "n && vmentry_pa_bad(p, addr + n * 16 - 1)",
	 .reg = "VM-exit MSR-load",
	 .m = {SET(VM_EXIT_MSR_LOAD_COUNT, 0xffffffff),
	       SET(VM_EXIT_MSR_LOAD_ADDR, TOP46 - (1ull << 35))}),
    /* 26.2.1.3: controls */
    OK("entry: load IA32_PAT may be 0", .m = {NOENTRYC(ENTRY_LOAD_IA32_PAT)}),
    ENTRY("entry: load BNDCFGS not allowed-1", "en & ~may1(cap)",
	  .m = {ENTRYC(ENTRY_LOAD_IA32_BNDCFGS)}),
    OK("entry: load debug controls may be 0 (TRUE MSR)",
       .m = {NOENTRYC(ENTRY_LOAD_DEBUG_CONTROLS)}),
    ENTRY("entry: default1 bit 0 cleared", "~en & must1(cap)", .m = {NOENTRYC(BIT(0))}),
    /* 26.2.1.3: event injection */
    OK("inject external interrupt", .m = {INFO(EXTINT(0x20)), IF_ON}),
    ENTRY("inject type 1", "type == VMX_INTR_TYPE_RESERVED",
	  .m = {INFO(INTR(VMX_INTR_TYPE_RESERVED, 0x20))}),
    OK("inject pending MTF (other event)", .m = {INFO(MTF)}),
    ENTRY("inject other event without MTF support", "type == VMX_INTR_TYPE_OTHER_EVENT && !mtf_ok",
	  .patch = patch_no_mtf, .m = {INFO(MTF)}),
    OK("inject NMI", .m = {INFO(NMI)}),
    ENTRY("inject NMI with vector 3", "type == VMX_INTR_TYPE_NMI && vec != X86_VEC_NMI",
	  .m = {INFO(INTR(VMX_INTR_TYPE_NMI, 3))}),
    OK("inject hardware exception 31", .m = {INFO(HWEXC(31))}),
    ENTRY("inject hardware exception 32", "type == VMX_INTR_TYPE_HARD_EXCEPTION && vec > 31",
	  .m = {INFO(HWEXC(32))}),
    ENTRY("inject other event with vector 1", "type == VMX_INTR_TYPE_OTHER_EVENT && vec != 0",
	  .m = {INFO(INTR(VMX_INTR_TYPE_OTHER_EVENT, 1))}),
    OK("inject #GP with error code", .m = {INFO(HWEXC_EC(13))}),
    OK("inject #AC with error code", .m = {INFO(HWEXC_EC(17))}),
    OK("inject #GP without error code in real mode (UG)", .base = BREAL, .m = {INFO(HWEXC(13))}),
    ENTRY("inject #GP without error code",
	  "!!(info & VMX_INTR_INFO_ERROR_CODE) != error_code_expected(c, info)",
	  .m = {INFO(HWEXC(13))}),
    ENTRY("inject #UD with error code",
	  "!!(info & VMX_INTR_INFO_ERROR_CODE) != error_code_expected(c, info)",
	  .m = {INFO(HWEXC_EC(6))}),
    ENTRY("inject #GP with error code in real mode (UG)",
	  "!!(info & VMX_INTR_INFO_ERROR_CODE) != error_code_expected(c, info)", .base = BREAL,
	  .m = {INFO(HWEXC_EC(13))}),
    ENTRY("inject software exception 13 with error code",
	  "!!(info & VMX_INTR_INFO_ERROR_CODE) != error_code_expected(c, info)",
	  .m = {INFO(INTR(VMX_INTR_TYPE_SOFT_EXCEPTION, 13) | VMX_INTR_INFO_ERROR_CODE),
		SET(VM_ENTRY_INSTRUCTION_LEN, 2)}),
    ENTRY("injection bit 12 set", "info & GENMASK(30, 12)",
	  .m = {INFO(EXTINT(0x20) | BIT(12)), IF_ON}),
    ENTRY("injection bit 30 set", "info & GENMASK(30, 12)",
	  .m = {INFO(EXTINT(0x20) | BIT(30)), IF_ON}),
    OK("inject #PF with the SGX error-code bit 15",
       .m = {INFO(HWEXC_EC(14)), SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x8005)}),
    OK("error code bits 31:16 ignored without deliver-error-code",
       .m = {INFO(HWEXC(6)), SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000)}),
    ENTRY("error code bit 16",
	  "(info & VMX_INTR_INFO_ERROR_CODE) && (F(VM_ENTRY_EXCEPTION_ERROR_CODE) >> 16)",
	  .m = {INFO(HWEXC_EC(13)), SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000)}),
    OK("software interrupt length 15",
       .m = {INFO(SOFTINT(0x80)), SET(VM_ENTRY_INSTRUCTION_LEN, 15)}),
    ENTRY("software interrupt length 16", "soft_event(type) && len > 15",
	  .m = {INFO(SOFTINT(0x80)), SET(VM_ENTRY_INSTRUCTION_LEN, 16)}),
    ENTRY(
	"privileged software exception length 16", "soft_event(type) && len > 15",
	.m = {INFO(INTR(VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION, 1)), SET(VM_ENTRY_INSTRUCTION_LEN, 16)}),
    OK("software interrupt length 0 with IA32_VMX_MISC[30]", .m = {INFO(SOFTINT(0x80))}),
    ENTRY("software exception length 0 without IA32_VMX_MISC[30]",
	  "soft_event(type) && len == 0 && !zero_len_ok", .patch = patch_no_zero_len,
	  .m = {INFO(INTR(VMX_INTR_TYPE_SOFT_EXCEPTION, 3))}),
    OK("hardware exception length 0 without IA32_VMX_MISC[30]", .patch = patch_no_zero_len,
       .m = {INFO(HWEXC(3))}),
    /* 26.2.1.3: VM-entry MSR-load area */
    OK("entry MSR-load area", .m = {SET(VM_ENTRY_MSR_LOAD_COUNT, 2)}),
    ENTRY("entry MSR-load address unaligned", "n && (addr & 0xf)", .reg = "VM-entry MSR-load",
	  .m = {SET(VM_ENTRY_MSR_LOAD_COUNT, 1), SET(VM_ENTRY_MSR_LOAD_ADDR, ENTRY_LOAD_PA | 2)}),
    ENTRY("entry MSR-load address beyond MAXPHYADDR", "n && vmentry_pa_bad(p, addr)",
	  .reg = "VM-entry MSR-load",
	  .m = {SET(VM_ENTRY_MSR_LOAD_COUNT, 1), SET(VM_ENTRY_MSR_LOAD_ADDR, TOP46)}),
    ENTRY("entry MSR-load area crosses MAXPHYADDR", "n && vmentry_pa_bad(p, addr + n * 16 - 1)",
	  .reg = "VM-entry MSR-load",
	  .m = {SET(VM_ENTRY_MSR_LOAD_COUNT, 2), SET(VM_ENTRY_MSR_LOAD_ADDR, TOP46 - 16)}),
    /* 26.2.1.3: SMM */
    OK("entry to SMM and deactivate dual-monitor both 0", .prof = PFULL),
    ENTRY("entry to SMM and deactivate dual-monitor both 1",
	  "(en & ENTRY_ENTRY_TO_SMM) && (en & ENTRY_DEACTIVATE_DUAL_MONITOR)", .prof = PFULL,
	  .m = {ENTRYC(ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR)}),
    ENTRY("entry to SMM outside SMM", "en & (ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR)",
	  .prof = PFULL, .m = {ENTRYC(ENTRY_ENTRY_TO_SMM)}),
    ENTRY("deactivate dual-monitor outside SMM",
	  "en & (ENTRY_ENTRY_TO_SMM | ENTRY_DEACTIVATE_DUAL_MONITOR)", .prof = PFULL,
	  .m = {ENTRYC(ENTRY_DEACTIVATE_DUAL_MONITOR)}),
};

static const struct row host_rows[] = {
    /* 26.2.2 */
    OK("host CR0.CD set (IA32_VMX_CR0_FIXED1 allows it)", .m = {OR(HOST_CR0, X86_CR0_CD)}),
    HCR("host CR0.NE clear", "~cr0 & x->cr0_fixed0", .m = {CLR(HOST_CR0, X86_CR0_NE)}),
    HCR("host CR0.PG clear", "~cr0 & x->cr0_fixed0", .m = {CLR(HOST_CR0, X86_CR0_PG)}),
    HCR("host CR0 bit 32", "cr0 & ~x->cr0_fixed1", .m = {OR(HOST_CR0, 1ull << 32)}),
    OK("host CR4.SMEP and SMAP", .m = {OR(HOST_CR4, X86_CR4_SMEP | X86_CR4_SMAP)}),
    HCR("host CR4.VMXE clear", "~cr4 & x->cr4_fixed0", .m = {CLR(HOST_CR4, X86_CR4_VMXE)}),
    HCR("host CR4.LA57 unsupported", "cr4 & ~x->cr4_fixed1", .m = {OR(HOST_CR4, X86_CR4_LA57)}),
    OK("host CR3 at the top page", .m = {SET(HOST_CR3, TOP46 - 0x1000)}),
    HCR("host CR3 beyond MAXPHYADDR", "F(HOST_CR3) & vmentry_cr3_reserved(p)",
	.m = {SET(HOST_CR3, TOP46)}),
    HCR("host CR3 bit 63", "F(HOST_CR3) & vmentry_cr3_reserved(p)", .m = {OR(HOST_CR3, BIT(63))}),
    OK("host CR3 bit 35 with MAXPHYADDR 36", .patch = patch_maxphy36,
       .m = {SET(HOST_CR3, 1ull << 35)}),
    HCR("host CR3 bit 36 with MAXPHYADDR 36", "F(HOST_CR3) & vmentry_cr3_reserved(p)",
	.patch = patch_maxphy36, .m = {SET(HOST_CR3, 1ull << 36)}),
    OK("host SYSENTER_ESP/EIP canonical high",
       .m = {SET(HOST_IA32_SYSENTER_ESP, HIGHCANON),
	     SET(HOST_IA32_SYSENTER_EIP, HIGHCANON + 0x1000)}),
    HCR("host SYSENTER_ESP non-canonical", "!vmentry_canonical(p, F(HOST_IA32_SYSENTER_ESP))",
	.m = {SET(HOST_IA32_SYSENTER_ESP, NONCANON)}),
    HCR("host SYSENTER_EIP non-canonical", "!vmentry_canonical(p, F(HOST_IA32_SYSENTER_EIP))",
	.m = {SET(HOST_IA32_SYSENTER_EIP, 0xfff0000000000000ull)}),
    OK("host PERF_GLOBAL_CTRL: 4 general and 3 fixed counters", .prof = PFULL,
       .m = {EXITC(EXIT_LOAD_IA32_PERF_GLOBAL_CTRL),
	     SET(HOST_IA32_PERF_GLOBAL_CTRL, 0xf | 7ull << 32)}),
    HCR("host PERF_GLOBAL_CTRL: counter 4",
	"(c->exit & EXIT_LOAD_IA32_PERF_GLOBAL_CTRL) && "
	"(F(HOST_IA32_PERF_GLOBAL_CTRL) & ~vmentry_perf_global_valid(p))",
	.prof = PFULL,
	.m = {EXITC(EXIT_LOAD_IA32_PERF_GLOBAL_CTRL), SET(HOST_IA32_PERF_GLOBAL_CTRL, BIT(4))}),
    HCR("host PERF_GLOBAL_CTRL: fixed counter 3",
	"(c->exit & EXIT_LOAD_IA32_PERF_GLOBAL_CTRL) && "
	"(F(HOST_IA32_PERF_GLOBAL_CTRL) & ~vmentry_perf_global_valid(p))",
	.prof = PFULL,
	.m = {EXITC(EXIT_LOAD_IA32_PERF_GLOBAL_CTRL), SET(HOST_IA32_PERF_GLOBAL_CTRL, BIT(35))}),
    OK("host PAT: every valid type", .m = {SET(HOST_IA32_PAT, 0x0706050401000706ull)}),
    OK("host PAT ignored without load IA32_PAT",
       .m = {NOEXITC(EXIT_LOAD_IA32_PAT), SET(HOST_IA32_PAT, 0x02)}),
    HCR("host PAT type 2", "(c->exit & EXIT_LOAD_IA32_PAT) && !msr_pat_valid(F(HOST_IA32_PAT))",
	.m = {SET(HOST_IA32_PAT, 0x0007040600070402ull)}),
    HCR("host PAT type 8", "(c->exit & EXIT_LOAD_IA32_PAT) && !msr_pat_valid(F(HOST_IA32_PAT))",
	.m = {SET(HOST_IA32_PAT, 0x0807040600070406ull)}),
    OK("host EFER without SCE/NXE", .m = {SET(HOST_IA32_EFER, 0x500)}),
    OK("host EFER ignored without load IA32_EFER",
       .m = {NOEXITC(EXIT_LOAD_IA32_EFER), SET(HOST_IA32_EFER, 0)}),
    HCR("host EFER reserved bit 1", "efer & ~vmentry_efer_valid(p)",
	.m = {OR(HOST_IA32_EFER, BIT(1))}),
    HCR("host EFER.LMA 0", "!!(efer & X86_EFER_LMA) != hass",
	.m = {CLR(HOST_IA32_EFER, X86_EFER_LMA)}),
    HCR("host EFER.LME 0", "!!(efer & X86_EFER_LME) != hass",
	.m = {CLR(HOST_IA32_EFER, X86_EFER_LME)}),
    OK("host PKRS bits 31:0", .prof = PFULL,
       .m = {EXITC(EXIT_LOAD_PKRS), SET(HOST_IA32_PKRS, 0xffffffff)}),
    HCR("host PKRS bit 32", "(c->exit & EXIT_LOAD_PKRS) && (F(HOST_IA32_PKRS) >> 32)",
	.prof = PFULL, .m = {EXITC(EXIT_LOAD_PKRS), SET(HOST_IA32_PKRS, 1ull << 32)}),
    /* 26.2.3 */
    OK("host selectors with RPL 0, TI 0",
       .m = {SET(HOST_DS_SELECTOR, 0x18), SET(HOST_ES_SELECTOR, 0x18), SET(HOST_FS_SELECTOR, 0x20),
	     SET(HOST_GS_SELECTOR, 0x20)}),
    HSEG("host ES RPL 3", "sel & SEL_RPL_TI", .reg = "ES", .m = {SET(HOST_ES_SELECTOR, 0x13)}),
    HSEG("host CS RPL 1", "sel & SEL_RPL_TI", .reg = "CS", .m = {SET(HOST_CS_SELECTOR, 0x09)}),
    HSEG("host SS TI", "sel & SEL_RPL_TI", .reg = "SS", .m = {SET(HOST_SS_SELECTOR, 0x14)}),
    HSEG("host DS RPL 2", "sel & SEL_RPL_TI", .reg = "DS", .m = {SET(HOST_DS_SELECTOR, 0x02)}),
    HSEG("host FS TI", "sel & SEL_RPL_TI", .reg = "FS", .m = {SET(HOST_FS_SELECTOR, 0x04)}),
    HSEG("host GS RPL 3", "sel & SEL_RPL_TI", .reg = "GS", .m = {SET(HOST_GS_SELECTOR, 0x03)}),
    HSEG("host TR TI", "sel & SEL_RPL_TI", .reg = "TR", .m = {SET(HOST_TR_SELECTOR, 0x44)}),
    HSEG("host CS 0", "F(HOST_CS_SELECTOR) == 0", .m = {SET(HOST_CS_SELECTOR, 0)}),
    HSEG("host TR 0", "F(HOST_TR_SELECTOR) == 0", .m = {SET(HOST_TR_SELECTOR, 0)}),
    OK("host SS 0 with host address-space size 1", .m = {SET(HOST_SS_SELECTOR, 0)}),
    HSEG("host SS 0 with host address-space size 0", "F(HOST_SS_SELECTOR) == 0 && !hass",
	 .m = {SET(HOST_SS_SELECTOR, 0), NOHASS}),
    OK("host bases canonical high",
       .m = {SET(HOST_FS_BASE, HIGHCANON), SET(HOST_IDTR_BASE, 0x00007ffffffff000ull)}),
    HSEG("host FS base non-canonical", "!vmentry_canonical(c->p, base)", .reg = "FS",
	 .m = {SET(HOST_FS_BASE, NONCANON)}),
    HSEG("host GS base non-canonical", "!vmentry_canonical(c->p, base)", .reg = "GS",
	 .m = {SET(HOST_GS_BASE, 0x0000800000000000ull)}),
    HSEG("host TR base non-canonical", "!vmentry_canonical(c->p, base)", .reg = "TR",
	 .m = {SET(HOST_TR_BASE, 0x8000000000000000ull)}),
    HSEG("host GDTR base non-canonical", "!vmentry_canonical(c->p, base)", .reg = "GDTR",
	 .m = {SET(HOST_GDTR_BASE, 0xfffe000000000000ull)}),
    HSEG("host IDTR base non-canonical", "!vmentry_canonical(c->p, base)", .reg = "IDTR",
	 .m = {SET(HOST_IDTR_BASE, NONCANON)}),
    /* 26.2.4 (the processor runs VMLAUNCH in IA-32e mode) */
    ASZ("host address-space size 0 with an IA-32e guest", "!hass && c->ia32e", .m = {NOHASS}),
    ASZ("host address-space size 0 with CR4.PCIDE", "!hass && (cr4 & X86_CR4_PCIDE)", .prof = PFULL,
	.m = {NOHASS, NOENTRYC(ENTRY_IA32E_MODE_GUEST), OR(HOST_CR4, X86_CR4_PCIDE)}),
    ASZ("host address-space size 0 with RIP bits 63:32", "!hass && (rip >> 32)",
	.m = {NOHASS, NOENTRYC(ENTRY_IA32E_MODE_GUEST)}),
    ASZ("host address-space size 0 in IA-32e mode", "!hass",
	.m = {NOHASS, NOENTRYC(ENTRY_IA32E_MODE_GUEST), SET(HOST_RIP, 0x1000)}),
    OK("host CR4.PCIDE with host address-space size 1", .prof = PFULL,
       .m = {OR(HOST_CR4, X86_CR4_PCIDE)}),
    ASZ("host CR4.PAE 0", "hass && !(cr4 & X86_CR4_PAE)", .m = {CLR(HOST_CR4, X86_CR4_PAE)}),
    OK("host RIP canonical low", .m = {SET(HOST_RIP, 0x00007ffffffff000ull)}),
    ASZ("host RIP non-canonical", "hass && !vmentry_canonical(c->p, rip)",
	.m = {SET(HOST_RIP, NONCANON)}),
};

static const struct row guest_cr_rows[] = {
    /* 26.3.1.1 */
    OK("guest CR0.PE = PG = 0 with unrestricted guest", .base = BREAL),
    GCR("guest CR0.NE clear", "~cr0 & x->cr0_fixed0 & ~cr0_unchecked(c)",
	.m = {CLR(GUEST_CR0, X86_CR0_NE)}),
    GCR("guest CR0.PG clear without unrestricted guest", "~cr0 & x->cr0_fixed0 & ~cr0_unchecked(c)",
	.m = {NOUG, CLR(GUEST_CR0, X86_CR0_PG)}),
    GCR("guest CR0.PE clear in virtual-8086 without unrestricted guest",
	"~cr0 & x->cr0_fixed0 & ~cr0_unchecked(c)", .base = BV86,
	.m = {CLR(GUEST_CR0, X86_CR0_PE | X86_CR0_PG)}),
    OK("guest CR0.CD and NW are never checked", .patch = patch_cr0_nw_cd_fixed0,
       .m = {OR(GUEST_CR0, X86_CR0_CD | X86_CR0_NW)}),
    GCR("guest CR0 bit 32", "cr0 & ~x->cr0_fixed1 & ~cr0_unchecked(c)",
	.m = {OR(GUEST_CR0, 1ull << 32)}),
    GCR("guest CR0.PG without PE (unrestricted guest)", "(cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)",
	.base = BREAL, .m = {OR(GUEST_CR0, X86_CR0_PG)}),
    OK("guest CR4.SMEP/SMAP/FSGSBASE",
       .m = {OR(GUEST_CR4, X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_FSGSBASE)}),
    GCR("guest CR4.VMXE clear", "~cr4 & x->cr4_fixed0", .m = {CLR(GUEST_CR4, X86_CR4_VMXE)}),
    GCR("guest CR4.LA57 unsupported", "cr4 & ~x->cr4_fixed1", .m = {OR(GUEST_CR4, X86_CR4_LA57)}),
    OK("guest DEBUGCTL ignored without load debug controls",
       .m = {NOENTRYC(ENTRY_LOAD_DEBUG_CONTROLS), SET(GUEST_IA32_DEBUGCTL, 1),
	     OR(GUEST_DR7, 1ull << 32)}),
    GCR("guest DEBUGCTL.LBR (no DEBUGCTL bit is implemented)",
	"dbg && (F(GUEST_IA32_DEBUGCTL) & ~vmentry_debugctl_valid(p))",
	.m = {SET(GUEST_IA32_DEBUGCTL, 1)}),
    GCR("IA-32e guest with CR0.PG 0 (unrestricted guest)", "c->ia32e && !(cr0 & X86_CR0_PG)",
	.m = {CLR(GUEST_CR0, X86_CR0_PG)}),
    GCR("IA-32e guest with CR4.PAE 0", "c->ia32e && !(cr4 & X86_CR4_PAE)",
	.m = {CLR(GUEST_CR4, X86_CR4_PAE)}),
    OK("IA-32e guest with CR4.PCIDE", .prof = PFULL, .m = {OR(GUEST_CR4, X86_CR4_PCIDE)}),
    GCR("CR4.PCIDE outside IA-32e mode", "!c->ia32e && (cr4 & X86_CR4_PCIDE)", .prof = PFULL,
	.base = BPAE, .m = {OR(GUEST_CR4, X86_CR4_PCIDE)}),
    OK("guest CR3 at the top page", .m = {SET(GUEST_CR3, TOP46 - 0x1000)}),
    GCR("guest CR3 beyond MAXPHYADDR", "F(GUEST_CR3) & vmentry_cr3_reserved(p)",
	.m = {SET(GUEST_CR3, TOP46)}),
    GCR("guest DR7 bit 32", "dbg && (F(GUEST_DR7) >> 32)", .m = {OR(GUEST_DR7, 1ull << 32)}),
    OK("guest SYSENTER_ESP/EIP canonical high",
       .m = {SET(GUEST_SYSENTER_ESP, HIGHCANON), SET(GUEST_SYSENTER_EIP, ~0ull)}),
    GCR("guest SYSENTER_ESP non-canonical", "!vmentry_canonical(p, F(GUEST_SYSENTER_ESP))",
	.m = {SET(GUEST_SYSENTER_ESP, NONCANON)}),
    GCR("guest SYSENTER_EIP non-canonical", "!vmentry_canonical(p, F(GUEST_SYSENTER_EIP))",
	.m = {SET(GUEST_SYSENTER_EIP, 0x0001000000000000ull)}),
    OK("guest PERF_GLOBAL_CTRL valid", .prof = PFULL,
       .m = {ENTRYC(ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL),
	     SET(GUEST_IA32_PERF_GLOBAL_CTRL, 7ull << 32 | 1)}),
    GCR("guest PERF_GLOBAL_CTRL fixed counter 3",
	"(en & ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL) && "
	"(F(GUEST_IA32_PERF_GLOBAL_CTRL) & ~vmentry_perf_global_valid(p))",
	.prof = PFULL,
	.m = {ENTRYC(ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL),
	      SET(GUEST_IA32_PERF_GLOBAL_CTRL, 1ull << 35)}),
    OK("guest PAT ignored without load IA32_PAT",
       .m = {NOENTRYC(ENTRY_LOAD_IA32_PAT), SET(GUEST_IA32_PAT, 8)}),
    GCR("guest PAT type 8", "(en & ENTRY_LOAD_IA32_PAT) && !msr_pat_valid(F(GUEST_IA32_PAT))",
	.m = {SET(GUEST_IA32_PAT, 8)}),
    GCR("guest PAT type 3", "(en & ENTRY_LOAD_IA32_PAT) && !msr_pat_valid(F(GUEST_IA32_PAT))",
	.m = {SET(GUEST_IA32_PAT, 0x0300000000000000ull)}),
    OK("guest EFER without NXE", .m = {SET(GUEST_IA32_EFER, 0x501)}),
    GCR("guest EFER reserved bit 2", "efer & ~vmentry_efer_valid(p)",
	.m = {OR(GUEST_IA32_EFER, BIT(2))}),
    GCR("guest EFER.LMA 0 for an IA-32e guest", "!!(efer & X86_EFER_LMA) != c->ia32e",
	.m = {CLR(GUEST_IA32_EFER, X86_EFER_LMA)}),
    GCR("guest EFER.LMA 1 outside IA-32e mode", "!!(efer & X86_EFER_LMA) != c->ia32e", .base = BPAE,
	.m = {OR(GUEST_IA32_EFER, X86_EFER_LMA | X86_EFER_LME)}),
    OK("guest EFER.LME 1, LMA 0 with paging off", .base = BREAL,
       .m = {SET(GUEST_IA32_EFER, X86_EFER_LME)}),
    GCR("guest EFER.LME 0, LMA 1 with paging on",
	"(cr0 & X86_CR0_PG) && !!(efer & X86_EFER_LMA) != !!(efer & X86_EFER_LME)",
	.m = {CLR(GUEST_IA32_EFER, X86_EFER_LME)}),
    GCR("guest EFER.LME 1, LMA 0 with PAE paging",
	"(cr0 & X86_CR0_PG) && !!(efer & X86_EFER_LMA) != !!(efer & X86_EFER_LME)", .base = BPAE,
	.m = {OR(GUEST_IA32_EFER, X86_EFER_LME)}),
    OK("guest BNDCFGS valid", .prof = PFULL,
       .m = {ENTRYC(ENTRY_LOAD_IA32_BNDCFGS), SET(GUEST_IA32_BNDCFGS, 0xffff800000001003ull)}),
    GCR("guest BNDCFGS reserved bit 2", "bndcfgs & BNDCFGS_RESERVED", .prof = PFULL,
	.m = {ENTRYC(ENTRY_LOAD_IA32_BNDCFGS), SET(GUEST_IA32_BNDCFGS, 0x1004)}),
    GCR("guest BNDCFGS base non-canonical", "!vmentry_canonical(p, bndcfgs & ~0xfffull)",
	.prof = PFULL,
	.m = {ENTRYC(ENTRY_LOAD_IA32_BNDCFGS), SET(GUEST_IA32_BNDCFGS, NONCANON | 1)}),
    OK("guest PKRS bits 31:0", .prof = PFULL,
       .m = {ENTRYC(ENTRY_LOAD_PKRS), SET(GUEST_IA32_PKRS, 0x55555555)}),
    GCR("guest PKRS bit 63", "(en & ENTRY_LOAD_PKRS) && (F(GUEST_IA32_PKRS) >> 32)", .prof = PFULL,
	.m = {ENTRYC(ENTRY_LOAD_PKRS), SET(GUEST_IA32_PKRS, BIT(63))}),
};

#define LDTR_OK                                                        \
	SET(GUEST_LDTR_SELECTOR, 0x30), SET(GUEST_LDTR_LIMIT, 0xffff), \
	    SET(GUEST_LDTR_AR_BYTES, 0x82)

static const struct row guest_seg_rows[] = {
    /* selectors */
    GSEG("TR selector TI", "tr->sel & SEL_TI", .reg = "TR", .m = {SET(GUEST_TR_SELECTOR, 0x2c)}),
    OK("usable LDTR", .m = {LDTR_OK}),
    OK("unusable LDTR with TI set", .m = {SET(GUEST_LDTR_SELECTOR, 0x34)}),
    GSEG("usable LDTR selector TI", "usable(ldtr) && (ldtr->sel & SEL_TI)", .reg = "LDTR",
	 .m = {LDTR_OK, SET(GUEST_LDTR_SELECTOR, 0x34)}),
    OK("SS RPL differs from CS RPL with unrestricted guest", .m = {SET(GUEST_SS_SELECTOR, 0x13)}),
    GSEG("SS RPL differs from CS RPL", "!v86 && !c->ug && SEL_RPL(ss->sel) != SEL_RPL(cs->sel)",
	 .reg = "SS", .m = {NOUG, SET(GUEST_SS_SELECTOR, 0x13)}),
    /* bases */
    GSEG("virtual-8086 DS base", "v86 && s[k].base != s[k].sel << 4", .reg = "DS", .base = BV86,
	 .m = {SET(GUEST_DS_BASE, 0x10)}),
    GSEG("virtual-8086 CS base", "v86 && s[k].base != s[k].sel << 4", .reg = "CS", .base = BV86,
	 .m = {SET(GUEST_CS_SELECTOR, 0x1001)}),
    OK("FS/GS bases canonical high",
       .m = {SET(GUEST_FS_BASE, HIGHCANON), SET(GUEST_GS_BASE, ~0ull)}),
    GSEG("FS base non-canonical", "!vmentry_canonical(p, s[k].base)", .reg = "FS",
	 .m = {SET(GUEST_FS_BASE, NONCANON)}),
    GSEG("unusable GS base non-canonical", "!vmentry_canonical(p, s[k].base)", .reg = "GS",
	 .m = {SET(GUEST_GS_AR_BYTES, AR_UNUSABLE), SET(GUEST_GS_BASE, NONCANON)}),
    GSEG("TR base non-canonical", "!vmentry_canonical(p, s[G_TR].base)", .reg = "TR",
	 .m = {SET(GUEST_TR_BASE, NONCANON)}),
    OK("unusable LDTR base non-canonical", .m = {SET(GUEST_LDTR_BASE, NONCANON)}),
    GSEG("usable LDTR base non-canonical",
	 "usable(&s[G_LDTR]) && !vmentry_canonical(p, s[G_LDTR].base)", .reg = "LDTR",
	 .m = {LDTR_OK, SET(GUEST_LDTR_BASE, NONCANON)}),
    GSEG("CS base bit 32", "s[G_CS].base >> 32", .reg = "CS",
	 .m = {SET(GUEST_CS_BASE, 1ull << 32)}),
    OK("unusable DS base bit 32",
       .m = {SET(GUEST_DS_AR_BYTES, AR_UNUSABLE), SET(GUEST_DS_BASE, 1ull << 32)}),
    GSEG("ES base bit 32", "usable(&s[k]) && (s[k].base >> 32)", .reg = "ES",
	 .m = {SET(GUEST_ES_BASE, 1ull << 32)}),
    GSEG("SS base bit 40", "usable(&s[k]) && (s[k].base >> 32)", .reg = "SS",
	 .m = {SET(GUEST_SS_BASE, 1ull << 40)}),
    GSEG("DS base bit 63", "usable(&s[k]) && (s[k].base >> 32)", .reg = "DS",
	 .m = {SET(GUEST_DS_BASE, HIGHCANON)}),
    /* virtual-8086 limits and access rights */
    GSEG("virtual-8086 GS limit", "s[k].limit != 0xffff", .reg = "GS", .base = BV86,
	 .m = {SET(GUEST_GS_LIMIT, 0xfffff)}),
    GSEG("virtual-8086 CS access rights", "s[k].ar != AR_V86", .reg = "CS", .base = BV86,
	 .m = {SET(GUEST_CS_AR_BYTES, 0xfb)}),
    GSEG("virtual-8086 unusable SS", "s[k].ar != AR_V86", .reg = "SS", .base = BV86,
	 .m = {SET(GUEST_SS_AR_BYTES, AR_UNUSABLE | 0xf3)}),
    /* CS */
    OK("CS type 3 with unrestricted guest (real mode)", .base = BREAL,
       .m = {SET(GUEST_CS_AR_BYTES, 0x93)}),
    GSEG("CS type 3 without unrestricted guest", "!c->ug && !accessed_code(t)", .reg = "CS",
	 .m = {NOUG, SET(GUEST_CS_AR_BYTES, 0xa093)}),
    GSEG("CS type 1 with unrestricted guest", "c->ug && t != 3 && !accessed_code(t)", .reg = "CS",
	 .m = {SET(GUEST_CS_AR_BYTES, 0xa091)}),
    GSEG("CS type 10 (code not accessed)", "c->ug && t != 3 && !accessed_code(t)", .reg = "CS",
	 .m = {SET(GUEST_CS_AR_BYTES, 0xa09a)}),
    GSEG("CS S 0", "!(cs->ar & AR_S)", .reg = "CS", .m = {SET(GUEST_CS_AR_BYTES, 0xa08b)}),
    GSEG("CS type 3 DPL 3", "t == 3 && dpl != 0", .reg = "CS", .base = BREAL,
	 .m = {SET(GUEST_CS_AR_BYTES, 0xf3)}),
    OK("CPL 3 (CS and SS DPL 3)", .m = {CPL3}),
    GSEG("CS type 11 DPL 0 with SS DPL 3", "(t == 9 || t == 11) && dpl != AR_DPL(ss->ar)",
	 .reg = "CS", .m = {SET(GUEST_SS_AR_BYTES, 0xc0f3)}),
    OK("conforming CS DPL 0 below SS DPL 3",
       .m = {NOUG, SET(GUEST_CS_AR_BYTES, 0xa09f), SET(GUEST_SS_SELECTOR, 0x13),
	     SET(GUEST_CS_SELECTOR, 0x0b), SET(GUEST_SS_AR_BYTES, 0xc0f3)}),
    GSEG("conforming CS DPL 3 above SS DPL 0", "(t == 13 || t == 15) && dpl > AR_DPL(ss->ar)",
	 .reg = "CS", .m = {SET(GUEST_CS_AR_BYTES, 0xa0ff)}),
    OK("compatibility-mode CS (L 0, D 1)", .m = {SET(GUEST_CS_AR_BYTES, 0xc09b)}),
    GSEG("64-bit CS with D/B 1", "c->ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB)", .reg = "CS",
	 .m = {SET(GUEST_CS_AR_BYTES, 0xe09b)}),
    /* SS */
    GSEG("SS DPL 3 with RPL 0 (conforming CS)", "!c->ug && dpl != SEL_RPL(ss->sel)", .reg = "SS",
	 .m = {NOUG, SET(GUEST_CS_AR_BYTES, 0xa09f), SET(GUEST_SS_AR_BYTES, 0xc0f3)}),
    GSEG("SS DPL 3 in real mode (CS type 11 DPL 3)", "(AR_TYPE(cs->ar) == 3 || !pe) && dpl != 0",
	 .reg = "SS", .base = BREAL,
	 .m = {SET(GUEST_CS_AR_BYTES, 0xfb), SET(GUEST_SS_AR_BYTES, 0xf3)}),
    OK("CS and SS DPL 3 with CR0.PE 1 (unrestricted guest)", .base = BREAL,
       .m = {OR(GUEST_CR0, X86_CR0_PE), SET(GUEST_CS_AR_BYTES, 0xfb),
	     SET(GUEST_SS_AR_BYTES, 0xf3)}),
    GSEG("SS DPL 3 with CS type 3", "(AR_TYPE(cs->ar) == 3 || !pe) && dpl != 0", .reg = "SS",
	 .base = BREAL,
	 .m = {OR(GUEST_CR0, X86_CR0_PE), SET(GUEST_CS_AR_BYTES, 0x93),
	       SET(GUEST_SS_AR_BYTES, 0xf3)}),
    OK("SS type 7 (expand-down)", .m = {SET(GUEST_SS_AR_BYTES, 0xc097)}),
    OK("unusable SS (64-bit null SS)",
       .m = {SET(GUEST_SS_SELECTOR, 0), SET(GUEST_SS_AR_BYTES, AR_UNUSABLE)}),
    GSEG("SS type 1", "t != 3 && t != 7", .reg = "SS", .m = {SET(GUEST_SS_AR_BYTES, 0xc091)}),
    GSEG("SS type 11", "t != 3 && t != 7", .reg = "SS", .m = {SET(GUEST_SS_AR_BYTES, 0xc09b)}),
    GSEG("SS S 0", "!(ss->ar & AR_S)", .reg = "SS", .m = {SET(GUEST_SS_AR_BYTES, 0xc083)}),
    /* DS, ES, FS, GS */
    OK("unusable DS with junk access rights",
       .m = {SET(GUEST_DS_AR_BYTES, AR_UNUSABLE | 0xfffe0000)}),
    GSEG("DS type 2 (not accessed)", "!(t & 1)", .reg = "DS",
	 .m = {SET(GUEST_DS_AR_BYTES, 0xc092)}),
    OK("ES readable code segment", .m = {SET(GUEST_ES_AR_BYTES, 0xc09b)}),
    GSEG("ES execute-only code segment", "(t & 8) && !(t & 2)", .reg = "ES",
	 .m = {SET(GUEST_ES_AR_BYTES, 0xc099)}),
    GSEG("FS S 0", "!(s->ar & AR_S)", .reg = "FS", .m = {SET(GUEST_FS_AR_BYTES, 0xc083)}),
    OK("DS DPL below RPL with unrestricted guest", .m = {SET(GUEST_DS_SELECTOR, 0x13)}),
    OK("DS conforming code DPL below RPL",
       .m = {NOUG, SET(GUEST_DS_SELECTOR, 0x13), SET(GUEST_DS_AR_BYTES, 0xc09f)}),
    GSEG("GS DPL 0 below RPL 3", "!c->ug && t <= 11 && AR_DPL(s->ar) < SEL_RPL(s->sel)",
	 .reg = "GS", .m = {NOUG, SET(GUEST_GS_SELECTOR, 0x13)}),
    /* P, reserved bits, G (shared by CS, usable SS-GS, TR, usable LDTR) */
    GSEG("CS not present", "!(s->ar & AR_P)", .reg = "CS", .m = {SET(GUEST_CS_AR_BYTES, 0xa01b)}),
    GSEG("DS not present", "!(s->ar & AR_P)", .reg = "DS", .m = {SET(GUEST_DS_AR_BYTES, 0xc013)}),
    GSEG("TR not present", "!(s->ar & AR_P)", .reg = "TR", .m = {SET(GUEST_TR_AR_BYTES, 0x0b)}),
    GSEG("usable LDTR not present", "!(s->ar & AR_P)", .reg = "LDTR",
	 .m = {LDTR_OK, SET(GUEST_LDTR_AR_BYTES, 0x02)}),
    GSEG("SS access-rights bit 8", "s->ar & AR_RSVD_11_8", .reg = "SS",
	 .m = {SET(GUEST_SS_AR_BYTES, 0xc193)}),
    GSEG("TR access-rights bit 11", "s->ar & AR_RSVD_11_8", .reg = "TR",
	 .m = {SET(GUEST_TR_AR_BYTES, 0x88b)}),
    OK("ES byte-granular limit 0xfff",
       .m = {SET(GUEST_ES_LIMIT, 0xfff), SET(GUEST_ES_AR_BYTES, 0x4093)}),
    OK("FS byte-granular limit 0xfffff",
       .m = {SET(GUEST_FS_LIMIT, 0xfffff), SET(GUEST_FS_AR_BYTES, 0x4093)}),
    GSEG("ES G 1 with limit bits 11:0 not all ones",
	 "(s->limit & 0xfff) != 0xfff && (s->ar & AR_G)", .reg = "ES",
	 .m = {SET(GUEST_ES_LIMIT, 0xfffff000)}),
    GSEG("TR G 1 with limit 0x67", "(s->limit & 0xfff) != 0xfff && (s->ar & AR_G)", .reg = "TR",
	 .m = {SET(GUEST_TR_AR_BYTES, 0x808b)}),
    GSEG("FS G 0 with limit 0x100000", "(s->limit & 0xfff00000) && !(s->ar & AR_G)", .reg = "FS",
	 .m = {SET(GUEST_FS_LIMIT, 0x100fff), SET(GUEST_FS_AR_BYTES, 0x4093)}),
    GSEG("CS G 0 with limit 0xffffffff", "(s->limit & 0xfff00000) && !(s->ar & AR_G)", .reg = "CS",
	 .m = {SET(GUEST_CS_AR_BYTES, 0x209b)}),
    GSEG("GS access-rights bit 17", "s->ar & AR_RSVD_31_17", .reg = "GS",
	 .m = {OR(GUEST_GS_AR_BYTES, BIT(17))}),
    GSEG("usable LDTR access-rights bit 31", "s->ar & AR_RSVD_31_17", .reg = "LDTR",
	 .m = {LDTR_OK, OR(GUEST_LDTR_AR_BYTES, BIT(31))}),
    /* TR and LDTR */
    OK("TR type 3 outside IA-32e mode", .base = BPAE, .m = {SET(GUEST_TR_AR_BYTES, 0x83)}),
    GSEG("TR type 3 in IA-32e mode", "c->ia32e && t != 11", .reg = "TR",
	 .m = {SET(GUEST_TR_AR_BYTES, 0x83)}),
    GSEG("TR type 9 (available TSS) outside IA-32e mode", "!c->ia32e && t != 3 && t != 11",
	 .reg = "TR", .base = BPAE, .m = {SET(GUEST_TR_AR_BYTES, 0x89)}),
    GSEG("TR S 1", "tr->ar & AR_S", .reg = "TR", .m = {SET(GUEST_TR_AR_BYTES, 0x9b)}),
    GSEG("TR unusable", "tr->ar & AR_UNUSABLE", .reg = "TR",
	 .m = {SET(GUEST_TR_AR_BYTES, AR_UNUSABLE | 0x8b)}),
    GSEG("usable LDTR type 3", "AR_TYPE(ldtr->ar) != 2", .reg = "LDTR",
	 .m = {LDTR_OK, SET(GUEST_LDTR_AR_BYTES, 0x83)}),
    GSEG("usable LDTR S 1", "ldtr->ar & AR_S", .reg = "LDTR",
	 .m = {LDTR_OK, SET(GUEST_LDTR_AR_BYTES, 0x92)}),
};

static const struct row guest_rows[] = {
    /* 26.3.1.3 */
    OK("GDTR/IDTR limit 0xffff, bases canonical high",
       .m = {SET(GUEST_GDTR_LIMIT, 0xffff), SET(GUEST_IDTR_LIMIT, 0xffff),
	     SET(GUEST_GDTR_BASE, HIGHCANON), SET(GUEST_IDTR_BASE, ~0xfffull)}),
    GDTR("GDTR base non-canonical", "!vmentry_canonical(c->p, F(GUEST_GDTR_BASE))", .reg = "GDTR",
	 .m = {SET(GUEST_GDTR_BASE, NONCANON)}),
    GDTR("IDTR base non-canonical", "!vmentry_canonical(c->p, F(GUEST_IDTR_BASE))", .reg = "IDTR",
	 .m = {SET(GUEST_IDTR_BASE, 0x7fff000000000000ull)}),
    GDTR("GDTR limit bit 16", "F(GUEST_GDTR_LIMIT) >> 16", .reg = "GDTR",
	 .m = {SET(GUEST_GDTR_LIMIT, 0x10000)}),
    GDTR("IDTR limit bit 31", "F(GUEST_IDTR_LIMIT) >> 16", .reg = "IDTR",
	 .m = {SET(GUEST_IDTR_LIMIT, 0x80000fff)}),
    /* 26.3.1.4 */
    OK("compatibility-mode RIP below 4G",
       .m = {SET(GUEST_CS_AR_BYTES, 0xc09b), SET(GUEST_RIP, 0xfffffff0)}),
    GRIP("compatibility-mode RIP bit 32", "!mode64 && (rip >> 32)",
	 .m = {SET(GUEST_CS_AR_BYTES, 0xc09b), SET(GUEST_RIP, 1ull << 32)}),
    GRIP("PAE guest RIP bit 63", "!mode64 && (rip >> 32)", .base = BPAE,
	 .m = {SET(GUEST_RIP, HIGHCANON)}),
    OK("64-bit RIP canonical high", .m = {SET(GUEST_RIP, HIGHCANON)}),
    GRIP("64-bit RIP non-canonical", "mode64 && !vmentry_canonical(c->p, rip)",
	 .m = {SET(GUEST_RIP, NONCANON)}),
    OK("RFLAGS every defined flag but VM", .m = {SET(GUEST_RFLAGS, 0x3d7fd7)}),
    GRIP("RFLAGS bit 22", "rf & RFLAGS_RESERVED0", .m = {OR(GUEST_RFLAGS, BIT(22))}),
    GRIP("RFLAGS bit 15", "rf & RFLAGS_RESERVED0", .m = {OR(GUEST_RFLAGS, BIT(15))}),
    GRIP("RFLAGS bit 5", "rf & RFLAGS_RESERVED0", .m = {OR(GUEST_RFLAGS, BIT(5))}),
    GRIP("RFLAGS bit 3", "rf & RFLAGS_RESERVED0", .m = {OR(GUEST_RFLAGS, BIT(3))}),
    GRIP("RFLAGS bit 63", "rf & RFLAGS_RESERVED0", .m = {OR(GUEST_RFLAGS, BIT(63))}),
    GRIP("RFLAGS bit 1 clear", "!(rf & RFLAGS_FIXED1)", .m = {SET(GUEST_RFLAGS, 0)}),
    GRIP("RFLAGS.VM with CR0.PE 0 (unrestricted guest)",
	 "(rf & RFLAGS_VM) && (c->ia32e || !(cr0 & X86_CR0_PE))", .base = BV86,
	 .m = {P2(PROC2_UNRESTRICTED_GUEST), CLR(GUEST_CR0, X86_CR0_PE | X86_CR0_PG)}),
    GRIP("RFLAGS.VM for an IA-32e guest", "(rf & RFLAGS_VM) && (c->ia32e || !(cr0 & X86_CR0_PE))",
	 .base = BV86,
	 .m = {ENTRYC(ENTRY_IA32E_MODE_GUEST), OR(GUEST_CR4, X86_CR4_PAE),
	       SET(GUEST_IA32_EFER, 0x500)}),
    GRIP("inject external interrupt with RFLAGS.IF 0",
	 "ev == VMX_INTR_TYPE_EXT_INTR && !(rf & RFLAGS_IF)", .m = {INFO(EXTINT(0x30))}),
    /* 26.3.1.5: activity state */
    OK("activity HLT", .m = {ACT(VMX_ACTIVITY_HLT)}),
    OK("activity shutdown", .m = {ACT(VMX_ACTIVITY_SHUTDOWN)}),
    OK("activity wait-for-SIPI", .m = {ACT(VMX_ACTIVITY_WAIT_SIPI)}),
    GNRS("activity 4", "!activity_supported(c->p, act)", .m = {ACT(4)}),
    GNRS("activity HLT unsupported", "!activity_supported(c->p, act)", .patch = patch_no_hlt,
	 .m = {ACT(VMX_ACTIVITY_HLT)}),
    GNRS("activity HLT at CPL 3", "act == VMX_ACTIVITY_HLT && AR_DPL(F(GUEST_SS_AR_BYTES)) != 0",
	 .m = {CPL3, ACT(VMX_ACTIVITY_HLT)}),
    OK("active with blocking by MOV SS", .m = {INTR_ST(MOVSS)}),
    GNRS("HLT with blocking by MOV SS",
	 "act != VMX_ACTIVITY_ACTIVE && (intr & BLOCKING_STI_OR_MOV_SS)",
	 .m = {ACT(VMX_ACTIVITY_HLT), INTR_ST(MOVSS)}),
    GNRS("shutdown with blocking by STI",
	 "act != VMX_ACTIVITY_ACTIVE && (intr & BLOCKING_STI_OR_MOV_SS)",
	 .m = {ACT(VMX_ACTIVITY_SHUTDOWN), INTR_ST(STI), IF_ON}),
    OK("HLT: inject #DB", .m = {ACT(VMX_ACTIVITY_HLT), INFO(HWEXC(1))}),
    OK("HLT: inject #MC", .m = {ACT(VMX_ACTIVITY_HLT), INFO(HWEXC(18))}),
    OK("HLT: inject external interrupt", .m = {ACT(VMX_ACTIVITY_HLT), INFO(EXTINT(0x40)), IF_ON}),
    OK("HLT: inject NMI", .m = {ACT(VMX_ACTIVITY_HLT), INFO(NMI)}),
    OK("HLT: inject pending MTF", .m = {ACT(VMX_ACTIVITY_HLT), INFO(MTF)}),
    OK("shutdown: inject NMI", .m = {ACT(VMX_ACTIVITY_SHUTDOWN), INFO(NMI)}),
    OK("shutdown: inject #MC", .m = {ACT(VMX_ACTIVITY_SHUTDOWN), INFO(HWEXC(18))}),
    GNRS("HLT: inject #GP", "(info & VMX_INTR_INFO_VALID) && !injection_allowed(act, info)",
	 .m = {ACT(VMX_ACTIVITY_HLT), INFO(HWEXC_EC(13))}),
    GNRS("HLT: inject software interrupt",
	 "(info & VMX_INTR_INFO_VALID) && !injection_allowed(act, info)",
	 .m = {ACT(VMX_ACTIVITY_HLT), INFO(SOFTINT(0x80)), SET(VM_ENTRY_INSTRUCTION_LEN, 2)}),
    GNRS("shutdown: inject external interrupt",
	 "(info & VMX_INTR_INFO_VALID) && !injection_allowed(act, info)",
	 .m = {ACT(VMX_ACTIVITY_SHUTDOWN), INFO(EXTINT(0x40)), IF_ON}),
    GNRS("shutdown: inject #DB", "(info & VMX_INTR_INFO_VALID) && !injection_allowed(act, info)",
	 .m = {ACT(VMX_ACTIVITY_SHUTDOWN), INFO(HWEXC(1))}),
    GNRS("wait-for-SIPI: inject NMI",
	 "(info & VMX_INTR_INFO_VALID) && !injection_allowed(act, info)",
	 .m = {ACT(VMX_ACTIVITY_WAIT_SIPI), INFO(NMI)}),
    OK("guest stage: wait-for-SIPI without entry to SMM", .guest_stage = true, .prof = PFULL,
       .m = {ACT(VMX_ACTIVITY_WAIT_SIPI)}),
    GNRS("guest stage: wait-for-SIPI with entry to SMM",
	 "act == VMX_ACTIVITY_WAIT_SIPI && (c->entry & ENTRY_ENTRY_TO_SMM)", .guest_stage = true,
	 .prof = PFULL, .m = {ACT(VMX_ACTIVITY_WAIT_SIPI), ENTRYC(ENTRY_ENTRY_TO_SMM)}),
    /* 26.3.1.5: interruptibility state */
    OK("interruptibility: enclave interruption (SGX enumerated)", .m = {INTR_ST(ENCLAVE)}),
    OK("interruptibility: enclave interruption with blocking by STI and NMI",
       .m = {INTR_ST(ENCLAVE | STI | BLOCK_NMI), IF_ON}),
    OK("interruptibility: enclave interruption while injecting #PF (SGX error-code bit)",
       .m = {INTR_ST(ENCLAVE), INFO(HWEXC_EC(14)), SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x8007)}),
    GNRS("interruptibility bit 5", "intr & VMX_INTR_RESERVED", .m = {INTR_ST(BIT(5))}),
    GNRS("interruptibility bit 31", "intr & VMX_INTR_RESERVED", .m = {INTR_ST(BIT(31) | ENCLAVE)}),
    GNRS("blocking by STI and MOV SS", "(intr & BLOCKING_STI_OR_MOV_SS) == BLOCKING_STI_OR_MOV_SS",
	 .m = {INTR_ST(STI | MOVSS), IF_ON}),
    OK("blocking by STI with RFLAGS.IF 1", .m = {INTR_ST(STI), IF_ON}),
    GNRS("blocking by STI with RFLAGS.IF 0",
	 "(intr & VMX_INTR_BLOCKING_BY_STI) && !(rf & RFLAGS_IF)", .m = {INTR_ST(STI)}),
    GNRS("inject external interrupt with blocking by STI",
	 "ev == VMX_INTR_TYPE_EXT_INTR && (intr & BLOCKING_STI_OR_MOV_SS)",
	 .m = {INFO(EXTINT(0x40)), IF_ON, INTR_ST(STI)}),
    GNRS("inject external interrupt with blocking by MOV SS",
	 "ev == VMX_INTR_TYPE_EXT_INTR && (intr & BLOCKING_STI_OR_MOV_SS)",
	 .m = {INFO(EXTINT(0x40)), IF_ON, INTR_ST(MOVSS)}),
    OK("inject #GP with blocking by MOV SS", .m = {INFO(HWEXC_EC(13)), INTR_ST(MOVSS)}),
    GNRS("inject NMI with blocking by MOV SS",
	 "ev == VMX_INTR_TYPE_NMI && (intr & VMX_INTR_BLOCKING_BY_MOV_SS)",
	 .m = {INFO(NMI), INTR_ST(MOVSS)}),
    GNRS("guest stage: entry to SMM without blocking by SMI",
	 "(c->entry & ENTRY_ENTRY_TO_SMM) && !(intr & VMX_INTR_BLOCKING_BY_SMI)",
	 .guest_stage = true, .prof = PFULL, .m = {ENTRYC(ENTRY_ENTRY_TO_SMM)}),
    GNRS("guest stage: entry to SMM with blocking by SMI (not in SMM)",
	 "intr & VMX_INTR_BLOCKING_BY_SMI", .guest_stage = true, .prof = PFULL,
	 .m = {ENTRYC(ENTRY_ENTRY_TO_SMM), INTR_ST(SMI)}),
    GNRS("blocking by SMI outside SMM", "intr & VMX_INTR_BLOCKING_BY_SMI", .m = {INTR_ST(SMI)}),
    BAD("inject NMI with blocking by STI (qualification 3)", VMENTRY_FAIL_GUEST, SDM_GNRS,
	"ev == VMX_INTR_TYPE_NMI && (intr & VMX_INTR_BLOCKING_BY_STI)", .qual = 3,
	.m = {INFO(NMI), INTR_ST(STI), IF_ON}),
    OK("inject NMI with blocking by NMI without virtual NMIs",
       .m = {NOPIN(PIN_VIRTUAL_NMIS), INFO(NMI), INTR_ST(BLOCK_NMI)}),
    GNRS("inject NMI with virtual-NMI blocking",
	 "(c->pin & PIN_VIRTUAL_NMIS) && ev == VMX_INTR_TYPE_NMI && "
	 "(intr & VMX_INTR_BLOCKING_BY_NMI)",
	 .m = {INFO(NMI), INTR_ST(BLOCK_NMI)}),
    GNRS("enclave interruption with blocking by MOV SS",
	 "(intr & VMX_INTR_ENCLAVE_INTERRUPTION) && (intr & VMX_INTR_BLOCKING_BY_MOV_SS)",
	 .m = {INTR_ST(ENCLAVE | MOVSS)}),
    GNRS("enclave interruption without SGX", "(intr & VMX_INTR_ENCLAVE_INTERRUPTION) && !sgx",
	 .prof = PNOSGX, .m = {INTR_ST(ENCLAVE)}),
    /* 26.3.1.5: pending debug exceptions */
    OK("pending B3-B0 and enabled breakpoint", .m = {PDE(0xf | BIT(12))}),
    OK("pending BS without blocking", .m = {PDE(BIT(14))}),
    GNRS("pending debug bit 4", "pde & PDE_RESERVED", .m = {PDE(BIT(4))}),
    GNRS("pending debug bit 13", "pde & PDE_RESERVED", .m = {PDE(BIT(13))}),
    GNRS("pending debug bit 15", "pde & PDE_RESERVED", .m = {PDE(BIT(15))}),
    GNRS("pending debug bit 17", "pde & PDE_RESERVED", .m = {PDE(BIT(17))}),
    OK("STI blocking, TF 1: BS 1",
       .m = {INTR_ST(STI), OR(GUEST_RFLAGS, RF_IF | RF_TF), PDE(BIT(14))}),
    GNRS("STI blocking, TF 1: BS 0", "held && single_step && !(pde & PDE_BS)",
	 .m = {INTR_ST(STI), OR(GUEST_RFLAGS, RF_IF | RF_TF)}),
    GNRS("HLT, TF 1: BS 0", "held && single_step && !(pde & PDE_BS)",
	 .m = {ACT(VMX_ACTIVITY_HLT), OR(GUEST_RFLAGS, RF_TF)}),
    GNRS("MOV-SS blocking, TF 0: BS 1", "held && !single_step && (pde & PDE_BS)",
	 .m = {INTR_ST(MOVSS), PDE(BIT(14))}),
    GNRS("STI blocking, TF 1 and BTF 1: BS 1", "held && !single_step && (pde & PDE_BS)",
	 .m = {NOENTRYC(ENTRY_LOAD_DEBUG_CONTROLS), SET(GUEST_IA32_DEBUGCTL, BIT(1)), INTR_ST(STI),
	       OR(GUEST_RFLAGS, RF_IF | RF_TF), PDE(BIT(14))}),
    OK("RTM pending debug exception", .prof = PFULL, .m = {PDE(BIT(16) | BIT(12))}),
    GNRS("RTM with B0", "(pde & PDE_RTM) && (pde & PDE_RTM_ZERO)", .prof = PFULL,
	 .m = {PDE(BIT(16) | BIT(12) | 1)}),
    GNRS("RTM with BS", "(pde & PDE_RTM) && (pde & PDE_RTM_ZERO)", .prof = PFULL,
	 .m = {PDE(BIT(16) | BIT(12) | BIT(14))}),
    GNRS("RTM without enabled breakpoint", "(pde & PDE_RTM) && !(pde & PDE_ENABLED_BP)",
	 .prof = PFULL, .m = {PDE(BIT(16))}),
    GNRS("RTM with blocking by MOV SS", "(pde & PDE_RTM) && (intr & VMX_INTR_BLOCKING_BY_MOV_SS)",
	 .prof = PFULL, .m = {PDE(BIT(16) | BIT(12)), INTR_ST(MOVSS)}),
    GNRS("RTM not enumerated", "(pde & PDE_RTM) && !rtm", .m = {PDE(BIT(16) | BIT(12))}),
    /* 26.3.1.5: VMCS link pointer (qualification 4) */
    OK("link pointer to a VMCS region", .m = {SET(VMCS_LINK_POINTER, LINK_PA)}),
    OK("link pointer to a shadow VMCS with VMCS shadowing",
       .m = {P2(PROC2_VMCS_SHADOWING), SET(VMCS_LINK_POINTER, LINK_PA)}, .ram_pa = LINK_PA,
       .ram_val = 4 | BIT(31)),
    BAD("link pointer unaligned", VMENTRY_FAIL_GUEST, SDM_GNRS, "link & 0xfff", .qual = 4,
	.m = {SET(VMCS_LINK_POINTER, LINK_PA | 8)}),
    BAD("link pointer beyond MAXPHYADDR", VMENTRY_FAIL_GUEST, SDM_GNRS, "vmentry_pa_bad(p, link)",
	.qual = 4, .m = {SET(VMCS_LINK_POINTER, TOP46)}),
    BAD("link pointer: wrong revision", VMENTRY_FAIL_GUEST, SDM_GNRS,
	"(hdr & MSR_IA32_VMX_BASIC_REVISION_MASK) != revision", .qual = 4,
	.m = {SET(VMCS_LINK_POINTER, LINK_PA)}, .ram_pa = LINK_PA, .ram_val = 5),
    BAD("link pointer: outside RAM reads all ones", VMENTRY_FAIL_GUEST, SDM_GNRS,
	"(hdr & MSR_IA32_VMX_BASIC_REVISION_MASK) != revision", .qual = 4,
	.m = {SET(VMCS_LINK_POINTER, RAM_SIZE)}),
    BAD("link pointer: shadow VMCS without VMCS shadowing", VMENTRY_FAIL_GUEST, SDM_GNRS,
	"!!(hdr & VMCS_SHADOW_INDICATOR) != shadowing", .qual = 4,
	.m = {SET(VMCS_LINK_POINTER, LINK_PA)}, .ram_pa = LINK_PA, .ram_val = 4 | BIT(31)),
    BAD("link pointer: ordinary VMCS with VMCS shadowing", VMENTRY_FAIL_GUEST, SDM_GNRS,
	"!!(hdr & VMCS_SHADOW_INDICATOR) != shadowing", .qual = 4,
	.m = {P2(PROC2_VMCS_SHADOWING), SET(VMCS_LINK_POINTER, LINK_PA)}),
    BAD("link pointer: the current VMCS", VMENTRY_FAIL_GUEST, SDM_GNRS, "link == c->vmcs_ptr",
	.qual = 4, .m = {SET(VMCS_LINK_POINTER, VMCS_PA)}),
    /* 26.3.1.6 (qualification 2) */
    OK("PAE, EPT: a not-present PDPTE with reserved bits", .base = BPAE,
       .m = {SET(GUEST_PDPTR3, 0xfe)}),
    OK("PAE, EPT: the PDPTE fields are used, not memory", .base = BPAE, .ram_pa = PDPT_PA,
       .ram_val = 0x1007),
    OK("IA-32e guest: PDPTEs not checked", .m = {SET(GUEST_PDPTR0, 0xff)}),
    OK("PAE, no EPT: PDPTE fields not used", .base = BPAE, .m = {NOEPT, SET(GUEST_PDPTR0, 0xff)}),
    BAD("PAE, EPT: PDPTE2 bit 1", VMENTRY_FAIL_GUEST, SDM_GPDPTE,
	"pdpte_bad(c->p, guest_pdpte(c, k, ept))", .qual = 2, .reg = "PDPTE2", .base = BPAE,
	.m = {OR(GUEST_PDPTR2, BIT(1))}),
    BAD("PAE, EPT: PDPTE0 bit 7", VMENTRY_FAIL_GUEST, SDM_GPDPTE,
	"pdpte_bad(c->p, guest_pdpte(c, k, ept))", .qual = 2, .reg = "PDPTE0", .base = BPAE,
	.m = {OR(GUEST_PDPTR0, BIT(7))}),
    BAD("PAE, EPT: PDPTE3 beyond MAXPHYADDR", VMENTRY_FAIL_GUEST, SDM_GPDPTE,
	"pdpte_bad(c->p, guest_pdpte(c, k, ept))", .qual = 2, .reg = "PDPTE3", .base = BPAE,
	.m = {OR(GUEST_PDPTR3, TOP46)}),
    BAD("PAE, no EPT: PDPTE1 in memory bit 5", VMENTRY_FAIL_GUEST, SDM_GPDPTE,
	"pdpte_bad(c->p, guest_pdpte(c, k, ept))", .qual = 2, .reg = "PDPTE1", .base = BPAE,
	.m = {NOEPT}, .ram_pa = PDPT_PA + 8, .ram_val = 0x11021),
    BAD("PAE, no EPT: PDPTE0 in memory bit 63", VMENTRY_FAIL_GUEST, SDM_GPDPTE,
	"pdpte_bad(c->p, guest_pdpte(c, k, ept))", .qual = 2, .reg = "PDPTE0", .base = BPAE,
	.m = {NOEPT, OR(GUEST_CR3, 0x1f)}, .ram_pa = PDPT_PA, .ram_val = BIT(63) | 0x10001),
};
/* clang-format on */

/* Rules seen failing in the tables, for test_every_rule_has_a_failing_case. */
#define MAX_SEEN 512
static const char *seen[MAX_SEEN];
static unsigned nseen;

static void remember(const char *rule)
{
	for (unsigned k = 0; k < nseen; k++)
		if (!strcmp(seen[k], rule))
			return;
	assert_true(nseen < MAX_SEEN);
	seen[nseen++] = rule;
}

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Runs one row; returns false (after printing why) when the outcome differs. */
static bool run_row(const struct row *t)
{
	struct cpu_profile p = profiles[t->prof];
	struct vmentry_result r;
	enum vmentry_outcome o;
	if (t->patch)
		t->patch(&p);
	build(&p, t->base);
	for (unsigned k = 0; k < ARRAY_SIZE(t->m); k++)
		set(t->m[k].s, (vmcs_get(&v, t->m[k].s) & ~t->m[k].clear) | t->m[k].set);
	reset_ram();
	if (t->ram_pa)
		phys_write(&ram, t->ram_pa, 8, t->ram_val);
	if (t->guest_stage) {
		struct vmentry_ctx c;
		vmentry_ctx_init(&c, &v, &p, &env, &r);
		o = vmentry_check_guest(&c) ? VMENTRY_FAIL_GUEST : VMENTRY_OK;
	} else {
		o = vmentry_check(&v, &p, &env, &r);
		if (r.outcome != o) {
			print_error("%s: result.outcome %d, returned %d\n", t->what, r.outcome, o);
			return false;
		}
	}
	if (o != VMENTRY_OK && r.rule)
		remember(r.rule);
	if (o == t->out && r.qual == t->qual && same(r.rule, t->rule) && same(r.sdm, t->sdm) &&
	    same(r.reg, t->reg))
		return true;
	print_error("%s:\n  want %d qual %u rule \"%s\" [%s] reg %s\n  got  %d qual %u rule \"%s\" "
		    "[%s] reg %s\n",
		    t->what, t->out, t->qual, str(t->rule), str(t->sdm), str(t->reg), o, r.qual,
		    str(r.rule), str(r.sdm), str(r.reg));
	return false;
}

static unsigned run_rows(const struct row *rows, size_t n)
{
	unsigned bad = 0, pass = 0, failing = 0;
	for (size_t k = 0; k < n; k++) {
		bad += !run_row(&rows[k]);
		*(rows[k].out == VMENTRY_OK ? &pass : &failing) += 1;
	}
	/* Every table has both kinds of case. */
	assert_true(pass > 0 && failing > 0);
	return bad;
}

#define RUN_TABLE(rows) assert_int_equal(run_rows(rows, ARRAY_SIZE(rows)), 0)

static void test_rules_exec_controls(void **state)
{
	(void)state;
	RUN_TABLE(exec_rows);
}

static void test_rules_exit_entry_controls(void **state)
{
	(void)state;
	RUN_TABLE(exit_entry_rows);
}

static void test_rules_host_state(void **state)
{
	(void)state;
	RUN_TABLE(host_rows);
}

static void test_rules_guest_cr_msr(void **state)
{
	(void)state;
	RUN_TABLE(guest_cr_rows);
}

static void test_rules_guest_segments(void **state)
{
	(void)state;
	RUN_TABLE(guest_seg_rows);
}

static void test_rules_guest_other(void **state)
{
	(void)state;
	RUN_TABLE(guest_rows);
}

/* ---- every CHECK in the sources has a failing case above ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The argument `want` (0-based) of the call whose '(' is at *s, with whitespace runs
 * collapsed as the preprocessor's # operator does; NULL when unbalanced. */
static char *macro_arg(const char *s, unsigned want)
{
	char *out = calloc(1, strlen(s) + 1);
	unsigned depth = 0, arg = 0;
	size_t n = 0;
	bool space = false;
	for (const char *c = s; *c; c++) {
		if (*c == '(' && depth++ == 0)
			continue;
		if (*c == ')' && --depth == 0)
			return out;
		if (*c == ',' && depth == 1) {
			arg++;
			continue;
		}
		if (arg != want)
			continue;
		if (*c == ' ' || *c == '\t' || *c == '\n') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = *c;
	}
	free(out);
	return NULL;
}

static unsigned missing_rules(const char *path, unsigned *count)
{
	char *src = slurp(path);
	unsigned missing = 0;
	if (!src)
		fail_msg("cannot read %s", path);
	static const struct {
		const char *name;
		unsigned arg;
	} macros[] = {{"CHECK(", 1}, {"CHECK_QUAL(", 1}, {"CHECK_REG(", 2}};
	for (unsigned m = 0; m < ARRAY_SIZE(macros); m++) {
		for (const char *c = strstr(src, macros[m].name); c;
		     c = strstr(c + 1, macros[m].name)) {
			if (c > src && (c[-1] == '_' || (c[-1] >= 'A' && c[-1] <= 'Z')))
				continue; /* CHECK( inside CHECK_REG( etc. */
			char *cond = macro_arg(c + strlen(macros[m].name) - 1, macros[m].arg);
			assert_non_null(cond);
			(*count)++;
			bool found = false;
			for (unsigned k = 0; k < nseen && !found; k++)
				found = !strcmp(seen[k], cond);
			if (!found) {
				print_error("%s: no failing case for rule \"%s\"\n", path, cond);
				missing++;
			}
			free(cond);
		}
	}
	free(src);
	return missing;
}

static void test_every_rule_has_a_failing_case(void **state)
{
	(void)state;
	static const char *const files[] = {"vmentry_ctls.c", "vmentry_host.c", "vmentry_guest.c"};
	unsigned missing = 0, count = 0;
	/* Collect the rules the tables make fail (again, so this test stands alone). */
	run_rows(exec_rows, ARRAY_SIZE(exec_rows));
	run_rows(exit_entry_rows, ARRAY_SIZE(exit_entry_rows));
	run_rows(host_rows, ARRAY_SIZE(host_rows));
	run_rows(guest_cr_rows, ARRAY_SIZE(guest_cr_rows));
	run_rows(guest_seg_rows, ARRAY_SIZE(guest_seg_rows));
	run_rows(guest_rows, ARRAY_SIZE(guest_rows));
	for (unsigned k = 0; k < ARRAY_SIZE(files); k++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/../../src/vmx/%s", VX_TEST_DATA, files[k]);
		missing += missing_rules(path, &count);
	}
	assert_true(count >= 190);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_baseline_64bit),
	    cmocka_unit_test(test_baseline_real_mode_unrestricted),
	    cmocka_unit_test(test_baseline_v86),
	    cmocka_unit_test(test_baseline_pae),
	    cmocka_unit_test(test_no_env),
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_enclave_bit_follows_cpuid),
	    cmocka_unit_test(test_random_vmcs),
	    cmocka_unit_test(test_cached_checks_match),
	    cmocka_unit_test(test_check_cache_invalidation),
	    cmocka_unit_test(test_check_cache_narrowed),
	    cmocka_unit_test(test_sweep_control_bits),
	    cmocka_unit_test(test_true_controls_matter),
	    cmocka_unit_test(test_sweep_tertiary),
	    cmocka_unit_test(test_rules_exec_controls),
	    cmocka_unit_test(test_rules_exit_entry_controls),
	    cmocka_unit_test(test_rules_host_state),
	    cmocka_unit_test(test_rules_guest_cr_msr),
	    cmocka_unit_test(test_rules_guest_segments),
	    cmocka_unit_test(test_rules_guest_other),
	    cmocka_unit_test(test_every_rule_has_a_failing_case),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
