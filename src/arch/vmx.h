/* SPDX-License-Identifier: MIT */
/*
 * VMX architecture constants, generated from the .def tables of this directory: basic exit
 * reasons, VM-instruction errors, control bits, VMCS field encodings, and the bit layouts of
 * exit information.  Intel SDM Vol. 3C chapters 24 "Virtual Machine Control Structures" and
 * 27 "VM Exits", Vol. 3D Appendices B and C.
 */
#ifndef VX_ARCH_VMX_H
#define VX_ARCH_VMX_H

#include "arch/types.h"

/* Appendix C "VMX Basic Exit Reasons". */
enum vmx_exit_reason {
#define VMX_EXIT_REASON(name, nr, sdm, kvm) VMX_EXIT_##name = nr,
#include "arch/vmx_exit_reasons.def"
	VMX_EXIT_MAX_BASIC = 85, /* highest basic reason in vmx_exit_reasons.def */
};

/* 24.9.1 "Basic VM-Exit Information", Table 24-14 "Format of Exit Reason". */
#define VMX_EXIT_REASON_BASIC_MASK 0xffffu
#define VMX_EXIT_REASON_BUS_LOCK BIT(26)
#define VMX_EXIT_REASON_ENCLAVE_MODE BIT(27)
#define VMX_EXIT_REASON_PENDING_MTF BIT(28)
#define VMX_EXIT_REASON_FROM_VMX_ROOT BIT(29)
#define VMX_EXIT_REASON_FAILED_VMENTRY BIT(31)
/* Bits 25:16 and 30 are reserved (cleared by the processor). */
#define VMX_EXIT_REASON_RESERVED (GENMASK(25, 16) | BIT(30))

/* 30.4 "VM Instruction Error Numbers". */
enum vmx_insn_error {
	VMXERR_NONE = 0,
#define VMX_INSN_ERROR(name, nr, text) VMXERR_##name = nr,
#include "arch/vmx_insn_errors.def"
};

/* 24.6 "VM-Execution Control Fields", 24.7.1 "VM-Exit Controls", 24.8.1 "VM-Entry Controls". */
enum vmx_ctl_group {
	VMX_CTL_PIN,
	VMX_CTL_PROC,
	VMX_CTL_PROC2,
	VMX_CTL_PROC3,
	VMX_CTL_EXIT,
	VMX_CTL_ENTRY,
	VMX_CTL_NGROUPS
};
/* PROC2_ENCLS_EXITING is the mask BIT(15); PROC2_ENCLS_EXITING_BITNO is 15 (a constant
 * expression, for static tables). */
enum vmx_ctl_bitno {
#define VMX_CTL(group, name, bit, sdm) group##_##name##_BITNO = bit,
#include "arch/vmx_controls.def"
};
#define VMX_CTL(group, name, bit, sdm) static const u64 group##_##name = BIT(bit);
#include "arch/vmx_controls.def"

/*
 * Default settings of reserved control bits (A.2 "Reserved Controls and Default Settings"):
 * the "default1" class must be 1 unless the TRUE_* capability MSRs allow 0.
 */
#define VMX_PIN_DEFAULT1 0x00000016u
#define VMX_PROC_DEFAULT1 0x0401e172u
#define VMX_EXIT_DEFAULT1 0x00036dffu
#define VMX_ENTRY_DEFAULT1 0x000011ffu

/* 24.4.2 "Guest Non-Register State", Table 24-3 "Format of Interruptibility State". */
#define VMX_INTR_BLOCKING_BY_STI BIT(0)
#define VMX_INTR_BLOCKING_BY_MOV_SS BIT(1)
#define VMX_INTR_BLOCKING_BY_SMI BIT(2)
#define VMX_INTR_BLOCKING_BY_NMI BIT(3)
#define VMX_INTR_ENCLAVE_INTERRUPTION BIT(4)
#define VMX_INTR_RESERVED GENMASK(31, 5)

/* 24.4.2 "Guest Non-Register State": activity states. */
enum vmx_activity {
	VMX_ACTIVITY_ACTIVE,
	VMX_ACTIVITY_HLT,
	VMX_ACTIVITY_SHUTDOWN,
	VMX_ACTIVITY_WAIT_SIPI
};

/* Tables 24-13/15/16: interruption-information fields. */
#define VMX_INTR_INFO_VECTOR_MASK 0xffu
#define VMX_INTR_INFO_TYPE_SHIFT 8
#define VMX_INTR_INFO_TYPE_MASK (7u << 8)
#define VMX_INTR_INFO_ERROR_CODE BIT(11)
#define VMX_INTR_INFO_NMI_UNBLOCKING BIT(12)
#define VMX_INTR_INFO_VALID BIT(31)
enum vmx_intr_type {
	VMX_INTR_TYPE_EXT_INTR = 0,
	VMX_INTR_TYPE_RESERVED = 1,
	VMX_INTR_TYPE_NMI = 2,
	VMX_INTR_TYPE_HARD_EXCEPTION = 3,
	VMX_INTR_TYPE_SOFT_INTR = 4,
	VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION = 5,
	VMX_INTR_TYPE_SOFT_EXCEPTION = 6,
	VMX_INTR_TYPE_OTHER_EVENT = 7,
};

/* Table 6-1: exception vectors. */
enum x86_vector {
#define EXCEPTION(mn, vec, desc, ec) X86_VEC_##mn = vec,
#include "arch/exceptions.def"
};

/* Exit qualification for VM-entry failure due to invalid guest state (26.8 "VM-Entry Failures
 * During or After Loading Guest State"). */
enum vmx_entry_fail_qual {
	VMX_ENTRY_FAIL_DEFAULT = 0,
	VMX_ENTRY_FAIL_PDPTE = 2,
	VMX_ENTRY_FAIL_NMI_STI = 3,
	VMX_ENTRY_FAIL_LINK_POINTER = 4,
};

#include "arch/vmcs.h"

/* Bits of an EPT paging-structure entry (28.2.2 "EPT Translation Mechanism", Tables 28-1 ..
 * 28-6). */
#define EPT_R BIT(0)   /* read access */
#define EPT_W BIT(1)   /* write access */
#define EPT_X BIT(2)   /* execute access */
#define EPT_RWX 7ull   /* bits 2:0; 000b = not present */
#define EPT_MT_SHIFT 3 /* bits 5:3 of an entry that maps a page: its memory type */
#define EPT_MT_MASK (7ull << EPT_MT_SHIFT)
#define EPT_IPAT BIT(6)  /* ignore PAT memory type */
#define EPT_LARGE BIT(7) /* PDPTE: maps a 1-GByte page; PDE: maps a 2-MByte page */
#define EPT_A BIT(8)     /* accessed flag (EPTP[6] = 1) */
#define EPT_D BIT(9)     /* dirty flag of an entry that maps a page (EPTP[6] = 1) */
#define EPT_MT_WB 6ull   /* 28.2.6 "EPT and Memory Typing": write-back */

/* EPTP (24.6.11 "Extended-Page-Table Pointer (EPTP)", Table 24-8). */
#define EPTP_MT_WB 6ull        /* bits 2:0: paging-structure memory type write-back */
#define EPTP_PWL_4 (3ull << 3) /* bits 5:3: page-walk length minus 1 */
#define EPTP_AD BIT(6)         /* enable accessed and dirty flags for EPT */

#endif
