// SPDX-License-Identifier: MIT
/*
 * Profiles shaped like a 3rd-generation Xeon Scalable processor (Ice Lake-SP, family 6
 * model 6AH): "icx-server" with SGX1, SGX2 and flexible launch control, "icx-nosgx" the
 * same processor without SGX.
 *
 * Only what the model executes is enumerated (docs/decisions.md "CPU profiles"):
 * - no x87/MMX/SSE/AVX/AES/SHA execution, so leaf 01H FPU, MMX, FXSR, SSE, SSE2 and every
 *   SIMD bit are 0; CR4.OSFXSR/OSXMMEXCPT stay writable (architectural on Intel 64, set by
 *   the boot protocol, required by EENTER);
 * - XSAVE is enumerated for XSETBV/XGETBV/XCR0/CR4.OSXSAVE, with supported XCR0 = x87|SSE,
 *   the two components SGX requires in XFRM (leaf 12H sub-leaf 1 ECX);
 * - no PCID, LA57, PKU, TSX, MPX, PT, APIC, MTRR, MCE/MCA, VME, SEP, BMI2, ADX, MOVBE, ERMS,
 *   TSC_ADJUST: the model does not implement them;
 * - MONITOR/MWAIT are enumerated with leaf 05H reporting 64-byte monitor lines and no MWAIT
 *   extensions (ECX = 0) or C-states (EDX = 0): MWAIT returns at once (op_misc.c);
 * - INVPCID is enumerated (CR4.PCIDE stays reserved: only PCID 000H exists);
 * - the integer extensions the model executes are enumerated: CX8, CMOV, CMPXCHG16B, POPCNT,
 *   LZCNT, BMI1, LAHF/SAHF in 64-bit mode, RDRAND, RDSEED, RDTSCP, RDPID, FSGSBASE, SMAP
 *   (CLAC/STAC), CLFLUSH, CLFLUSHOPT, PREFETCHW, SYSCALL, NX, 1-GByte pages, invariant TSC.
 * VMX capabilities: SDM Vol. 3D Appendix A; control names from src/arch/vmx_controls.def.
 */
#include "arch/msr.h"
#include "arch/sgx.h"
#include "arch/vmx.h"
#include "cpu/profile.h"
#include "cpu/profiles/builtin.h"

#define F(name) CPUID_BIT(name)
#define HAS(word, name) (((word)&F(name)) != 0)
#define CTL(group, name) BIT(group##_##name##_BITNO)
#define EPTCAP(name) BIT(MSR_IA32_VMX_EPT_VPID_CAP_##name##_SHIFT)

/* ---- CPUID ---- */
#define ICX_MAX_BASIC 0x12u
#define ICX_MAX_EXT 0x80000008u
/* Family 6, extended model 6, model AH, stepping 6 (Table 3-8 leaf 01H EAX). */
#define ICX_1_EAX 0x000606a6u
/* CLFLUSH line size 8 (x 8 bytes), 1 logical processor, initial APIC ID 0. */
#define ICX_1_EBX 0x00010800u
#define ICX_1_ECX (F(VMX) | F(CMPXCHG16B) | F(POPCNT) | F(XSAVE) | F(RDRAND) | F(MONITOR))
#define ICX_1_EDX \
	(F(DE) | F(PSE) | F(TSC) | F(MSR) | F(PAE) | F(CX8) | F(PGE) | F(CMOV) | F(PAT) | F(CLFSH))
#define ICX_7_EBX_BASE \
	(F(FSGSBASE) | F(BMI1) | F(SMEP) | F(INVPCID) | F(RDSEED) | F(SMAP) | F(CLFLUSHOPT))
#define ICX_7_ECX_BASE (F(UMIP) | F(RDPID))
/* Leaf 05H (Table 3-8 "MONITOR/MWAIT Leaf"): EAX[15:0] smallest and EBX[15:0] largest
 * monitor-line size, 64 bytes; ECX[0] (MWAIT extensions enumerated) and ECX[1] (interrupts as
 * break events) 0; EDX 0 (no C-state sub-states). */
#define ICX_MONITOR_LINE 64u
#define ICX_X1_ECX (F(LAHF_LM) | F(LZCNT) | F(PREFETCHW))
#define ICX_X1_EDX (F(SYSCALL) | F(NX) | F(PAGE1GB) | F(RDTSCP) | F(LM))
#define ICX_XCR0 0x3u /* x87 | SSE */
#define ICX_MAXPHYADDR 46
#define ICX_LINADDR 48

/* Leaf 12H: SGX1+SGX2; MISCSELECT.EXINFO; max enclave 2^31 (32-bit), 2^56 (64-bit);
 * ATTRIBUTES DEBUG, MODE64BIT, PROVISIONKEY, EINITTOKEN_KEY settable (INIT never is);
 * XFRM settable = the supported XCR0. */
#define ICX_12_0_EAX (F(SGX1) | F(SGX2))
#define ICX_12_0_EBX ((u32)BIT(SGX_MISC_EXINFO_BIT))
#define ICX_12_0_EDX 0x0000381fu
#define ICX_12_1_EAX                                                   \
	((u32)(BIT(SGX_ATTR_DEBUG_BIT) | BIT(SGX_ATTR_MODE64BIT_BIT) | \
	       BIT(SGX_ATTR_PROVISIONKEY_BIT) | BIT(SGX_ATTR_EINITTOKEN_KEY_BIT)))

/* CR4 bits the profile accepts (must equal cpu_profile_cr4_valid(); a test checks). */
#define ICX_CR4_VALID                                                                           \
	(X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCE |     \
	 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | X86_CR4_VMXE | X86_CR4_FSGSBASE | \
	 X86_CR4_OSXSAVE | X86_CR4_SMEP | X86_CR4_SMAP)

/* ---- VMX capability MSRs (Appendix A) ---- */
/* A.1: revision 4, 4 KiB regions, WB (6), INS/OUTS information, TRUE_* controls. */
#define ICX_VMX_BASIC                                               \
	(4ull | (4096ull << MSR_IA32_VMX_BASIC_REGION_SIZE_SHIFT) | \
	 (6ull << MSR_IA32_VMX_BASIC_MEM_TYPE_SHIFT) |              \
	 BIT(MSR_IA32_VMX_BASIC_INS_OUTS_INFO_SHIFT) | BIT(MSR_IA32_VMX_BASIC_TRUE_CTLS_SHIFT))
/* Allowed-1 settings; allowed-0 settings are the default1 classes (A.2), of which the TRUE
 * MSRs let CR3-load/store exiting and the debug-control save/load be 0. */
#define ICX_PIN_1                                                                \
	(VMX_PIN_DEFAULT1 | CTL(PIN, EXT_INTR_EXITING) | CTL(PIN, NMI_EXITING) | \
	 CTL(PIN, VIRTUAL_NMIS) | CTL(PIN, PREEMPTION_TIMER))
#define ICX_PROC_1                                                                                \
	(VMX_PROC_DEFAULT1 | CTL(PROC, INTR_WINDOW_EXITING) | CTL(PROC, USE_TSC_OFFSETTING) |     \
	 CTL(PROC, HLT_EXITING) | CTL(PROC, INVLPG_EXITING) | CTL(PROC, MWAIT_EXITING) |          \
	 CTL(PROC, RDPMC_EXITING) | CTL(PROC, RDTSC_EXITING) | CTL(PROC, CR3_LOAD_EXITING) |      \
	 CTL(PROC, CR3_STORE_EXITING) | CTL(PROC, CR8_LOAD_EXITING) |                             \
	 CTL(PROC, CR8_STORE_EXITING) | CTL(PROC, NMI_WINDOW_EXITING) |                           \
	 CTL(PROC, MOV_DR_EXITING) | CTL(PROC, UNCOND_IO_EXITING) | CTL(PROC, USE_IO_BITMAPS) |   \
	 CTL(PROC, MONITOR_TRAP_FLAG) | CTL(PROC, USE_MSR_BITMAPS) | CTL(PROC, MONITOR_EXITING) | \
	 CTL(PROC, PAUSE_EXITING) | CTL(PROC, ACTIVATE_SECONDARY_CONTROLS))
#define ICX_PROC_TRUE_0 \
	(VMX_PROC_DEFAULT1 & ~(CTL(PROC, CR3_LOAD_EXITING) | CTL(PROC, CR3_STORE_EXITING)))
#define ICX_PROC2_NOSGX                                                                          \
	(CTL(PROC2, ENABLE_EPT) | CTL(PROC2, DESC_TABLE_EXITING) | CTL(PROC2, ENABLE_RDTSCP) |   \
	 CTL(PROC2, ENABLE_VPID) | CTL(PROC2, WBINVD_EXITING) | CTL(PROC2, UNRESTRICTED_GUEST) | \
	 CTL(PROC2, PAUSE_LOOP_EXITING) | CTL(PROC2, RDRAND_EXITING) |                           \
	 CTL(PROC2, ENABLE_INVPCID) | CTL(PROC2, VMCS_SHADOWING) | CTL(PROC2, RDSEED_EXITING))
#define ICX_EXIT_1                                                                              \
	(VMX_EXIT_DEFAULT1 | CTL(EXIT, SAVE_DEBUG_CONTROLS) | CTL(EXIT, HOST_ADDR_SPACE_SIZE) | \
	 CTL(EXIT, ACK_INTR_ON_EXIT) | CTL(EXIT, SAVE_IA32_PAT) | CTL(EXIT, LOAD_IA32_PAT) |    \
	 CTL(EXIT, SAVE_IA32_EFER) | CTL(EXIT, LOAD_IA32_EFER) | CTL(EXIT, SAVE_PREEMPTION_TIMER))
#define ICX_ENTRY_1                                                                            \
	(VMX_ENTRY_DEFAULT1 | CTL(ENTRY, LOAD_DEBUG_CONTROLS) | CTL(ENTRY, IA32E_MODE_GUEST) | \
	 CTL(ENTRY, LOAD_IA32_PAT) | CTL(ENTRY, LOAD_IA32_EFER))
/* A.6: preemption timer ticks when TSC bit 5 changes; EFER.LMA stored on exit; activity
 * states HLT, shutdown, wait-for-SIPI; 4 CR3-target values; MSR lists up to 512; VMWRITE to
 * any supported field; injection with instruction length 0. */
#define ICX_VMX_MISC                                       \
	(5ull | BIT(MSR_IA32_VMX_MISC_STORE_LMA_SHIFT) |   \
	 BIT(MSR_IA32_VMX_MISC_ACTIVITY_HLT_SHIFT) |       \
	 BIT(MSR_IA32_VMX_MISC_ACTIVITY_SHUTDOWN_SHIFT) |  \
	 BIT(MSR_IA32_VMX_MISC_ACTIVITY_WAIT_SIPI_SHIFT) | \
	 (4ull << MSR_IA32_VMX_MISC_CR3_TARGETS_SHIFT) |   \
	 BIT(MSR_IA32_VMX_MISC_VMWRITE_ANY_SHIFT) | BIT(MSR_IA32_VMX_MISC_INJECT_ZERO_LEN_SHIFT))
/* A.10: execute-only, 4-level walks, UC and WB structures, 2 MiB and 1 GiB pages, INVEPT
 * single/all-context, INVVPID individual-address/single/all/single-retaining-globals. */
#define ICX_EPT_VPID                                                                            \
	(EPTCAP(EXEC_ONLY) | EPTCAP(PWL4) | EPTCAP(MEMTYPE_UC) | EPTCAP(MEMTYPE_WB) |           \
	 EPTCAP(PDE_2MB) | EPTCAP(PDPTE_1GB) | EPTCAP(INVEPT) | EPTCAP(INVEPT_SINGLE) |         \
	 EPTCAP(INVEPT_ALL) | EPTCAP(INVVPID) | EPTCAP(INVVPID_ADDR) | EPTCAP(INVVPID_SINGLE) | \
	 EPTCAP(INVVPID_ALL) | EPTCAP(INVVPID_SINGLE_NG))
/* A.9: highest field index 17H (VMX-preemption timer value 482EH, ENCLS-exiting bitmap
 * 202EH). */
#define ICX_VMCS_ENUM 0x2eull

#define ICX_VMX(proc2)                                                                           \
	{                                                                                        \
		.basic = ICX_VMX_BASIC, .pinbased = ((u64)ICX_PIN_1 << 32) | VMX_PIN_DEFAULT1,   \
		.procbased = ((u64)ICX_PROC_1 << 32) | VMX_PROC_DEFAULT1,                        \
		.exit = ((u64)ICX_EXIT_1 << 32) | VMX_EXIT_DEFAULT1,                             \
		.entry = ((u64)ICX_ENTRY_1 << 32) | VMX_ENTRY_DEFAULT1,                          \
		.true_pinbased = ((u64)ICX_PIN_1 << 32) | VMX_PIN_DEFAULT1,                      \
		.true_procbased = ((u64)ICX_PROC_1 << 32) | ICX_PROC_TRUE_0,                     \
		.true_exit = ((u64)ICX_EXIT_1 << 32) |                                           \
			     (VMX_EXIT_DEFAULT1 & ~CTL(EXIT, SAVE_DEBUG_CONTROLS)),              \
		.true_entry = ((u64)ICX_ENTRY_1 << 32) |                                         \
			      (VMX_ENTRY_DEFAULT1 & ~CTL(ENTRY, LOAD_DEBUG_CONTROLS)),           \
		.misc = ICX_VMX_MISC, .cr0_fixed0 = X86_CR0_PE | X86_CR0_NE | X86_CR0_PG,        \
		.cr0_fixed1 = 0xffffffffull, .cr4_fixed0 = X86_CR4_VMXE,                         \
		.cr4_fixed1 = ICX_CR4_VALID, .vmcs_enum = ICX_VMCS_ENUM,                         \
		.procbased2 = (u64)(proc2) << 32, .procbased3 = 0, .ept_vpid_cap = ICX_EPT_VPID, \
		.vmfunc = 0,                                                                     \
	}

#define LEAF(l, a, b, c, d)                             \
	{                                               \
		.leaf = (l), .r = {(a), (b), (c), (d) } \
	}
#define SUBLEAF(l, s, a, b, c, d)                                                        \
	{                                                                                \
		.leaf = (l), .subleaf = (s), .indexed = true, .r = {(a), (b), (c), (d) } \
	}

/* "GenuineIntel" in EBX, EDX, ECX. */
#define ICX_COMMON_LEAVES                                                                   \
	LEAF(0, ICX_MAX_BASIC, 0x756e6547, 0x6c65746e, 0x49656e69),                         \
	    LEAF(1, ICX_1_EAX, ICX_1_EBX, ICX_1_ECX, ICX_1_EDX),                            \
	    LEAF(5, ICX_MONITOR_LINE, ICX_MONITOR_LINE, 0, 0),                              \
	    SUBLEAF(0xd, 0, ICX_XCR0, XSAVE_LEGACY_AND_HEADER, XSAVE_LEGACY_AND_HEADER, 0), \
	    LEAF(0x80000000u, ICX_MAX_EXT, 0, 0, 0),                                        \
	    LEAF(0x80000001u, 0, 0, ICX_X1_ECX, ICX_X1_EDX),                                \
	    LEAF(0x80000002u, 0x73786d76, 0x6d207867, 0x6c65646f, 0x6e49203a),              \
	    LEAF(0x80000003u, 0x206c6574, 0x6e6f6558, 0x63492820, 0x614c2065),              \
	    LEAF(0x80000004u, 0x532d656b, 0x00002950, 0, 0),                                \
	    LEAF(0x80000007u, 0, 0, 0, CPUID_80000007_EDX_INVARIANT_TSC),                   \
	    LEAF(0x80000008u, ICX_MAXPHYADDR | (ICX_LINADDR << 8), 0, 0, 0)

#define ICX_HAS(ebx7, ecx7, eax12)                                                             \
	.has_vmx = HAS(ICX_1_ECX, VMX), .has_sgx1 = HAS(ebx7, SGX) && HAS(eax12, SGX1),        \
	.has_sgx2 = HAS(ebx7, SGX) && HAS(eax12, SGX2), .has_sgx_lc = HAS(ecx7, SGX_LC),       \
	.has_smep = HAS(ebx7, SMEP), .has_smap = HAS(ebx7, SMAP), .has_umip = HAS(ecx7, UMIP), \
	.has_fsgsbase = HAS(ebx7, FSGSBASE), .has_rdpid = HAS(ecx7, RDPID),                    \
	.has_rdtscp = HAS(ICX_X1_EDX, RDTSCP), .has_rdrand = HAS(ICX_1_ECX, RDRAND),           \
	.has_rdseed = HAS(ebx7, RDSEED), .has_xsave = HAS(ICX_1_ECX, XSAVE),                   \
	.has_nx = HAS(ICX_X1_EDX, NX), .has_syscall = HAS(ICX_X1_EDX, SYSCALL),                \
	.has_page1gb = HAS(ICX_X1_EDX, PAGE1GB), .has_pge = HAS(ICX_1_EDX, PGE),               \
	.has_pse = HAS(ICX_1_EDX, PSE), .has_pae = HAS(ICX_1_EDX, PAE),                        \
	.has_pat = HAS(ICX_1_EDX, PAT), .has_de = HAS(ICX_1_EDX, DE),                          \
	.has_tsc = HAS(ICX_1_EDX, TSC), .has_msr = HAS(ICX_1_EDX, MSR),                        \
	.has_cx8 = HAS(ICX_1_EDX, CX8), .has_cx16 = HAS(ICX_1_ECX, CMPXCHG16B),                \
	.has_cmov = HAS(ICX_1_EDX, CMOV), .has_popcnt = HAS(ICX_1_ECX, POPCNT),                \
	.has_lzcnt = HAS(ICX_X1_ECX, LZCNT), .has_bmi1 = HAS(ebx7, BMI1),                      \
	.has_lahf_lm = HAS(ICX_X1_ECX, LAHF_LM),                                               \
	/* leaf 80000007H EDX[8] */ .has_invariant_tsc = true, .has_lm = HAS(ICX_X1_EDX, LM)

#define ICX_SGX_EBX7 (ICX_7_EBX_BASE | F(SGX))
#define ICX_SGX_ECX7 (ICX_7_ECX_BASE | F(SGX_LC))

const struct cpu_profile cpu_profile_icx_server = {
    .name = "icx-server",
    .desc = "Ice Lake server: VMX (EPT, VPID, unrestricted guest, VMCS shadowing, ENCLS "
	    "exiting), SGX1, SGX2, flexible launch control",
    .nleaves = 15,
    .leaves =
	{
	    ICX_COMMON_LEAVES,
	    SUBLEAF(7, 0, 0, ICX_SGX_EBX7, ICX_SGX_ECX7, 0),
	    SUBLEAF(0x12, 0, ICX_12_0_EAX, ICX_12_0_EBX, 0, ICX_12_0_EDX),
	    SUBLEAF(0x12, 1, ICX_12_1_EAX, 0, ICX_XCR0, 0),
	    /* sub-leaf 2: the EPC section, set by cpu_profile_set_epc (type 0 until then) */
	    SUBLEAF(0x12, 2, 0, 0, 0, 0),
	},
    .vmx = ICX_VMX(ICX_PROC2_NOSGX | CTL(PROC2, ENCLS_EXITING)),
    .maxphyaddr = ICX_MAXPHYADDR,
    .linaddr = ICX_LINADDR,
    .xcr0_supported = ICX_XCR0,
    ICX_HAS(ICX_SGX_EBX7, ICX_SGX_ECX7, ICX_12_0_EAX),
};

const struct cpu_profile cpu_profile_icx_nosgx = {
    .name = "icx-nosgx",
    .desc = "Ice Lake server without SGX: VMX (EPT, VPID, unrestricted guest, VMCS shadowing)",
    .nleaves = 12,
    .leaves =
	{
	    ICX_COMMON_LEAVES,
	    SUBLEAF(7, 0, 0, ICX_7_EBX_BASE, ICX_7_ECX_BASE, 0),
	},
    .vmx = ICX_VMX(ICX_PROC2_NOSGX),
    .maxphyaddr = ICX_MAXPHYADDR,
    .linaddr = ICX_LINADDR,
    .xcr0_supported = ICX_XCR0,
    ICX_HAS(ICX_7_EBX_BASE, ICX_7_ECX_BASE, 0),
};
