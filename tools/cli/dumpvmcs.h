/* SPDX-License-Identifier: MIT */
/*
 * `vmxsgx decode dump-vmcs`: the VMCS dumps that Linux KVM's dump_vmcs() and Xen's
 * vmcs_dump_vcpu() print (layouts in docs: diagnostic-formats.md sections 7 and 8), parsed
 * into one struct per dump, and diagnosed against the VM-entry checks of Intel SDM Vol. 3C
 * chapter 26 "VM Entries" (26.2 "Checks on VMX Controls and Host-State Area", 26.3.1
 * "Checks on the Guest State Area", 26.4 "Loading MSRs").
 *
 * Files: dec_dumpvmcs.c parses, dec_dumpvmcs_check.c diagnoses, dec_dumpvmcs_out.c renders
 * (text and --json) and holds the command entry point dec_dump_vmcs() of decode.h.
 *
 * dumpvmcs_parse() never fails on bad input: lines it does not understand are counted, bad
 * values are listed as problems, missing sections are reported.  It returns false only when
 * the input holds no dump at all.
 */
#ifndef VX_CLI_DUMPVMCS_H
#define VX_CLI_DUMPVMCS_H

#include "decode.h"

enum dv_producer { DV_PROD_UNKNOWN, DV_PROD_KVM, DV_PROD_XEN };

/* Layout eras (diagnostic-formats.md 7.2, 7.3, 8.2, 8.3). */
enum dv_era {
	DV_ERA_UNKNOWN,
	DV_ERA_KVM_OLD, /* Linux 4.3-5.12: no VMCS header line */
	DV_ERA_KVM_513, /* Linux 5.13+: "VMCS %p, last attempted VM-entry on CPU %d", EFER= */
	DV_ERA_KVM_518, /* Linux ~5.18+: "CPUBased=0x..." control lines with TertiaryExec */
	DV_ERA_XEN_44,  /* Xen <= 4.5: KVM-like sel=/attr= segment lines */
	DV_ERA_XEN_46,  /* Xen 4.6-4.9: segment table, "EFER = " */
	DV_ERA_XEN_410, /* Xen 4.10-4.18: "EFER(VMCS) = " or "EFER(MSR LL) = " */
	DV_ERA_XEN_419, /* Xen >= 4.19: split PinBased/CPUBased and SecondaryExec lines */
};

enum dv_section { DV_SEC_GUEST, DV_SEC_HOST, DV_SEC_CONTROL, DV_NSECTIONS };

/* How a field is explained (dec_dumpvmcs_out.c). */
enum dv_kind { DK_HEX, DK_DEC, DK_LAYOUT, DK_CTL, DK_SEL, DK_REASON, DK_QUAL, DK_EXCBMP };

/*
 * Every scalar field a dump can show:
 *   X(id, section, "json key", "dump labels", kind, arg, width, "meaning")
 * Dump labels are the texts before '=' in KVM and Xen dumps, ';'-separated; fields read
 * from "Name: a=.., b=.." lines, or with compound values, have none here (dec_dumpvmcs.c).
 * arg is the layout (DK_LAYOUT) or control group (DK_CTL).
 */
/* clang-format off */
#define DV_FIELDS(X) \
	X(CR0, GUEST, "cr0", "", DK_LAYOUT, LAYOUT_CR0, 64, "guest CR0 (actual)") \
	X(CR0_SHADOW, GUEST, "cr0_read_shadow", "", DK_LAYOUT, LAYOUT_CR0, 64, "CR0 read shadow: what the guest reads for host-owned bits") \
	X(CR0_MASK, GUEST, "cr0_guest_host_mask", "", DK_HEX, 0, 64, "CR0 guest/host mask: 1 = host-owned") \
	X(CR4, GUEST, "cr4", "", DK_LAYOUT, LAYOUT_CR4, 64, "guest CR4 (actual)") \
	X(CR4_SHADOW, GUEST, "cr4_read_shadow", "", DK_LAYOUT, LAYOUT_CR4, 64, "CR4 read shadow: what the guest reads for host-owned bits") \
	X(CR4_MASK, GUEST, "cr4_guest_host_mask", "", DK_HEX, 0, 64, "CR4 guest/host mask: 1 = host-owned") \
	X(CR3, GUEST, "cr3", "CR3", DK_HEX, 0, 64, "guest CR3") \
	X(PDPTE0, GUEST, "pdpte0", "PDPTR0;PDPTE0", DK_HEX, 0, 64, "guest PDPTE 0 (PAE paging with EPT)") \
	X(PDPTE1, GUEST, "pdpte1", "PDPTR1;PDPTE1", DK_HEX, 0, 64, "guest PDPTE 1") \
	X(PDPTE2, GUEST, "pdpte2", "PDPTR2;PDPTE2", DK_HEX, 0, 64, "guest PDPTE 2") \
	X(PDPTE3, GUEST, "pdpte3", "PDPTR3;PDPTE3", DK_HEX, 0, 64, "guest PDPTE 3") \
	X(RSP, GUEST, "rsp", "RSP", DK_HEX, 0, 64, "guest RSP") \
	X(RIP, GUEST, "rip", "RIP", DK_HEX, 0, 64, "guest RIP") \
	X(RFLAGS, GUEST, "rflags", "RFLAGS", DK_LAYOUT, LAYOUT_RFLAGS, 64, "guest RFLAGS") \
	X(XEN_RSP, GUEST, "xen_saved_rsp", "", DK_HEX, 0, 64, "Xen's saved copy of RSP") \
	X(XEN_RIP, GUEST, "xen_saved_rip", "", DK_HEX, 0, 64, "Xen's saved copy of RIP") \
	X(XEN_RFLAGS, GUEST, "xen_saved_rflags", "", DK_HEX, 0, 64, "Xen's saved copy of RFLAGS") \
	X(DR7, GUEST, "dr7", "DR7", DK_HEX, 0, 64, "guest DR7") \
	X(SYSENTER_ESP, GUEST, "sysenter_esp", "Sysenter RSP", DK_HEX, 0, 64, "guest IA32_SYSENTER_ESP") \
	X(SYSENTER_CS, GUEST, "sysenter_cs", "", DK_HEX, 0, 32, "guest IA32_SYSENTER_CS") \
	X(SYSENTER_EIP, GUEST, "sysenter_eip", "", DK_HEX, 0, 64, "guest IA32_SYSENTER_EIP") \
	X(EFER, GUEST, "efer", "", DK_LAYOUT, LAYOUT_EFER, 64, "guest IA32_EFER") \
	X(PAT, GUEST, "pat", "PAT;Guest PAT", DK_HEX, 0, 64, "guest IA32_PAT") \
	X(DEBUGCTL, GUEST, "debugctl", "DebugCtl", DK_HEX, 0, 64, "guest IA32_DEBUGCTL") \
	X(PENDING_DBG, GUEST, "pending_debug_exceptions", "DebugExceptions", DK_LAYOUT, LAYOUT_PENDING_DBG, 64, "pending debug exceptions") \
	X(PERF_GLOBAL_CTRL, GUEST, "perf_global_ctrl", "PerfGlobCtl", DK_HEX, 0, 64, "guest IA32_PERF_GLOBAL_CTRL") \
	X(BNDCFGS, GUEST, "bndcfgs", "BndCfgS", DK_HEX, 0, 64, "guest IA32_BNDCFGS") \
	X(INTERRUPTIBILITY, GUEST, "interruptibility", "Interruptibility", DK_LAYOUT, LAYOUT_INTERRUPTIBILITY, 32, "guest interruptibility state") \
	X(ACTIVITY, GUEST, "activity_state", "ActivityState", DK_LAYOUT, LAYOUT_ACTIVITY, 32, "guest activity state") \
	X(INTR_STATUS, GUEST, "interrupt_status", "InterruptStatus", DK_HEX, 0, 16, "guest interrupt status: RVI bits 7:0, SVI bits 15:8") \
	X(PREEMPT_TIMER, GUEST, "preemption_timer", "PreemptionTimer", DK_HEX, 0, 32, "VMX-preemption timer value") \
	X(SMBASE, GUEST, "smbase", "SM Base", DK_HEX, 0, 32, "guest SMBASE") \
	X(S_CET, GUEST, "s_cet", "S_CET", DK_HEX, 0, 64, "guest IA32_S_CET") \
	X(SSP, GUEST, "ssp", "SSP", DK_HEX, 0, 64, "guest shadow-stack pointer") \
	X(SSP_TABLE, GUEST, "ssp_table", "SSP TABLE", DK_HEX, 0, 64, "guest IA32_INTERRUPT_SSP_TABLE_ADDR") \
	X(SPEC_CTRL_MASK, GUEST, "spec_ctrl_mask", "SPEC_CTRL mask", DK_HEX, 0, 64, "IA32_SPEC_CTRL mask") \
	X(SPEC_CTRL_SHADOW, GUEST, "spec_ctrl_shadow", "shadow", DK_HEX, 0, 64, "IA32_SPEC_CTRL shadow") \
	X(H_RIP, HOST, "rip", "RIP", DK_HEX, 0, 64, "host RIP (where VM exits land)") \
	X(H_RSP, HOST, "rsp", "RSP", DK_HEX, 0, 64, "host RSP") \
	X(H_CS, HOST, "cs", "CS", DK_SEL, 0, 16, "host CS selector") \
	X(H_SS, HOST, "ss", "SS", DK_SEL, 0, 16, "host SS selector") \
	X(H_DS, HOST, "ds", "DS", DK_SEL, 0, 16, "host DS selector") \
	X(H_ES, HOST, "es", "ES", DK_SEL, 0, 16, "host ES selector") \
	X(H_FS, HOST, "fs", "FS", DK_SEL, 0, 16, "host FS selector") \
	X(H_GS, HOST, "gs", "GS", DK_SEL, 0, 16, "host GS selector") \
	X(H_TR, HOST, "tr", "TR", DK_SEL, 0, 16, "host TR selector") \
	X(H_FS_BASE, HOST, "fs_base", "FSBase", DK_HEX, 0, 64, "host FS base") \
	X(H_GS_BASE, HOST, "gs_base", "GSBase", DK_HEX, 0, 64, "host GS base") \
	X(H_TR_BASE, HOST, "tr_base", "TRBase", DK_HEX, 0, 64, "host TR base") \
	X(H_GDTR_BASE, HOST, "gdtr_base", "GDTBase", DK_HEX, 0, 64, "host GDTR base") \
	X(H_IDTR_BASE, HOST, "idtr_base", "IDTBase", DK_HEX, 0, 64, "host IDTR base") \
	X(H_CR0, HOST, "cr0", "CR0", DK_LAYOUT, LAYOUT_CR0, 64, "host CR0") \
	X(H_CR3, HOST, "cr3", "CR3", DK_HEX, 0, 64, "host CR3") \
	X(H_CR4, HOST, "cr4", "CR4", DK_LAYOUT, LAYOUT_CR4, 64, "host CR4") \
	X(H_SYSENTER_ESP, HOST, "sysenter_esp", "Sysenter RSP", DK_HEX, 0, 64, "host IA32_SYSENTER_ESP") \
	X(H_SYSENTER_CS, HOST, "sysenter_cs", "", DK_HEX, 0, 32, "host IA32_SYSENTER_CS") \
	X(H_SYSENTER_EIP, HOST, "sysenter_eip", "", DK_HEX, 0, 64, "host IA32_SYSENTER_EIP") \
	X(H_EFER, HOST, "efer", "", DK_LAYOUT, LAYOUT_EFER, 64, "host IA32_EFER") \
	X(H_PAT, HOST, "pat", "PAT;Host PAT", DK_HEX, 0, 64, "host IA32_PAT") \
	X(H_PERF_GLOBAL_CTRL, HOST, "perf_global_ctrl", "PerfGlobCtl", DK_HEX, 0, 64, "host IA32_PERF_GLOBAL_CTRL") \
	X(H_S_CET, HOST, "s_cet", "S_CET", DK_HEX, 0, 64, "host IA32_S_CET") \
	X(H_SSP, HOST, "ssp", "SSP", DK_HEX, 0, 64, "host shadow-stack pointer") \
	X(H_SSP_TABLE, HOST, "ssp_table", "SSP TABLE", DK_HEX, 0, 64, "host IA32_INTERRUPT_SSP_TABLE_ADDR") \
	X(PIN, CONTROL, "pin_based", "PinBased", DK_CTL, VMX_CTL_PIN, 32, "pin-based VM-execution controls") \
	X(PROC, CONTROL, "primary", "CPUBased", DK_CTL, VMX_CTL_PROC, 32, "primary processor-based VM-execution controls") \
	X(PROC2, CONTROL, "secondary", "SecondaryExec", DK_CTL, VMX_CTL_PROC2, 32, "secondary processor-based VM-execution controls") \
	X(PROC3, CONTROL, "tertiary", "TertiaryExec", DK_CTL, VMX_CTL_PROC3, 64, "tertiary processor-based VM-execution controls") \
	X(ENTRY, CONTROL, "entry_controls", "EntryControls", DK_CTL, VMX_CTL_ENTRY, 32, "VM-entry controls") \
	X(EXIT, CONTROL, "exit_controls", "ExitControls", DK_CTL, VMX_CTL_EXIT, 32, "VM-exit controls") \
	X(EXC_BITMAP, CONTROL, "exception_bitmap", "ExceptionBitmap", DK_EXCBMP, 0, 32, "exception bitmap: vectors that cause VM exits") \
	X(PFEC_MASK, CONTROL, "pfec_mask", "PFECmask", DK_HEX, 0, 32, "page-fault error-code mask") \
	X(PFEC_MATCH, CONTROL, "pfec_match", "PFECmatch", DK_HEX, 0, 32, "page-fault error-code match") \
	X(ENTRY_INTR_INFO, CONTROL, "entry_intr_info", "", DK_LAYOUT, LAYOUT_ENTRY_INTR_INFO, 32, "VM-entry interruption information (event to inject)") \
	X(ENTRY_ERRCODE, CONTROL, "entry_error_code", "", DK_HEX, 0, 32, "VM-entry exception error code") \
	X(ENTRY_ILEN, CONTROL, "entry_insn_len", "", DK_DEC, 0, 32, "VM-entry instruction length") \
	X(EXIT_INTR_INFO, CONTROL, "exit_intr_info", "", DK_LAYOUT, LAYOUT_EXIT_INTR_INFO, 32, "VM-exit interruption information") \
	X(EXIT_ERRCODE, CONTROL, "exit_error_code", "", DK_HEX, 0, 32, "VM-exit interruption error code") \
	X(EXIT_ILEN, CONTROL, "exit_insn_len", "", DK_DEC, 0, 32, "VM-exit instruction length") \
	X(EXIT_REASON, CONTROL, "exit_reason", "reason", DK_REASON, 0, 32, "exit reason") \
	X(EXIT_QUAL, CONTROL, "exit_qualification", "qualification", DK_QUAL, 0, 64, "exit qualification") \
	X(IDT_VEC_INFO, CONTROL, "idt_vectoring_info", "", DK_LAYOUT, LAYOUT_IDT_VECTORING, 32, "IDT-vectoring information (event being delivered at the exit)") \
	X(IDT_VEC_ERRCODE, CONTROL, "idt_vectoring_error_code", "", DK_HEX, 0, 32, "IDT-vectoring error code") \
	X(CR3_TARGET_COUNT, CONTROL, "cr3_target_count", "", DK_DEC, 0, 32, "CR3-target count") \
	X(TSC_OFFSET, CONTROL, "tsc_offset", "TSC Offset", DK_HEX, 0, 64, "TSC offset") \
	X(TSC_MULTIPLIER, CONTROL, "tsc_multiplier", "TSC Multiplier", DK_HEX, 0, 64, "TSC multiplier") \
	X(SVI, CONTROL, "svi", "", DK_HEX, 0, 8, "servicing virtual interrupt") \
	X(RVI, CONTROL, "rvi", "", DK_HEX, 0, 8, "requesting virtual interrupt") \
	X(TPR_THRESHOLD, CONTROL, "tpr_threshold", "TPR Threshold", DK_HEX, 0, 32, "TPR threshold") \
	X(APIC_ACCESS_ADDR, CONTROL, "apic_access_addr", "APIC-access addr", DK_HEX, 0, 64, "APIC-access address") \
	X(VAPIC_ADDR, CONTROL, "virtual_apic_addr", "virt-APIC addr", DK_HEX, 0, 64, "virtual-APIC address") \
	X(PI_VECTOR, CONTROL, "posted_intr_vector", "PostedIntrVec", DK_HEX, 0, 16, "posted-interrupt notification vector") \
	X(EPTP, CONTROL, "eptp", "EPT pointer", DK_LAYOUT, LAYOUT_EPTP, 64, "EPT pointer") \
	X(EPTP_INDEX, CONTROL, "eptp_index", "EPTP index", DK_HEX, 0, 16, "EPTP index") \
	X(PLE_GAP, CONTROL, "ple_gap", "PLE Gap", DK_HEX, 0, 32, "PAUSE-loop exiting gap") \
	X(PLE_WINDOW, CONTROL, "ple_window", "Window", DK_HEX, 0, 32, "PAUSE-loop exiting window") \
	X(VPID, CONTROL, "vpid", "Virtual processor ID", DK_HEX, 0, 16, "virtual-processor identifier") \
	X(VMFUNC, CONTROL, "vmfunc_controls", "VMfunc controls", DK_HEX, 0, 64, "VM-function controls") \
	X(VE_INFO_ADDR, CONTROL, "ve_info_addr", "VE info address", DK_HEX, 0, 64, "virtualization-exception information address")
/* clang-format on */

enum dv_field {
#define DV_ENUM(id, sec, key, labels, kind, arg, width, what) DV_F_##id,
	DV_FIELDS(DV_ENUM)
#undef DV_ENUM
	    DV_NFIELDS
};

struct dv_val {
	u64 v;
	u32 line; /* 1-based input line; 0 = not present */
	bool present;
};

/* Segment registers in the SDM's encoding order, then LDTR, TR, GDTR, IDTR. */
enum dv_seg {
	DV_ES,
	DV_CS,
	DV_SS,
	DV_DS,
	DV_FS,
	DV_GS,
	DV_LDTR,
	DV_TR,
	DV_GDTR,
	DV_IDTR,
	DV_NSEGS
};
struct dv_segreg {
	struct dv_val sel, ar, limit, base;
};

enum dv_msr_list { DV_MSR_GUEST_LOAD, DV_MSR_GUEST_STORE, DV_MSR_HOST_LOAD, DV_NMSRLISTS };
#define DV_MAX_MSRS 32
struct dv_msr {
	u32 idx; /* the index printed by KVM ("%2d:") */
	u32 msr;
	u64 value;
};
struct dv_msrlist {
	bool present;
	size_t n, dropped; /* entries kept; entries beyond DV_MAX_MSRS */
	struct dv_msr e[DV_MAX_MSRS];
};

#define DV_MAX_PROBLEMS 16
#define DV_MAX_UNKNOWN 16
#define DV_PROBLEM_LEN 160

struct vmcs_dump {
	enum dv_producer producer;
	enum dv_era era;
	size_t first_line, last_line;      /* input line numbers of the dump block */
	bool section_header[DV_NSECTIONS]; /* "*** Guest State ***" etc. seen */
	u32 section_line[DV_NSECTIONS];
	struct dv_val f[DV_NFIELDS];
	struct dv_segreg seg[DV_NSEGS];
	struct dv_msrlist msrs[DV_NMSRLISTS];
	char efer_source[16]; /* "autoload", "effective", "MSR LL", "VMCS" or "" */
	/* Line prefix seen on dump lines, e.g. "dmesg timestamp", "(XEN)". */
	char prefix[32];
	/* KVM 5.13+ header. */
	char vmcs_ptr[24];
	struct dv_val last_cpu;
	/* Xen debug-key banner and failure lines. */
	struct dv_val xen_domain, xen_vcpu;
	struct dv_val xen_fail_reason;  /* "vmentry failure (reason %#x)" / "Failed vm entry" */
	struct dv_val xen_vmfail_error; /* "VMLAUNCH error: %#lx" / "VMRESUME error" */
	struct dv_val xen_msr_index, xen_msr_value; /* "  msr %08x val %016lx (mbz %#x)" */
	/* Surrounding KVM/QEMU lines. */
	struct dv_val qemu_hw_error;  /* "KVM: entry failed, hardware error 0x%x" */
	struct dv_val kvm_unexpected; /* "vmx: unexpected exit reason 0x%x" */
	bool dump_disabled_hint;      /* "set kvm_intel.dump_invalid_vmcs=1 ..." seen */
	/* Input quality. */
	bool quoted_printable, mail_quoted;
	size_t joined_lines;  /* wrapped physical lines joined back */
	size_t unknown_lines; /* lines inside the block not understood */
	u32 unknown_at[DV_MAX_UNKNOWN];
	size_t nproblems, problems_dropped; /* values that did not parse, etc. */
	struct dv_problem {
		u32 line;
		char text[DV_PROBLEM_LEN];
	} problems[DV_MAX_PROBLEMS];
};

/* Parses the first dump of the input.  False when the input holds none (see
 * dumpvmcs_no_dump_reason()). */
bool dumpvmcs_parse(const struct dec_input *in, struct vmcs_dump *d);
/* Parses the dump that starts at or after input line index *pos (0-based index into
 * in->lines); on return *pos is where the next dump may start.  False when none is left. */
bool dumpvmcs_parse_next(const struct dec_input *in, size_t *pos, struct vmcs_dump *d);
/* Why the input holds no dump, for the error line (never NULL). */
const char *dumpvmcs_no_dump_reason(const struct dec_input *in);

/* Section is missing when its header was not seen and none of its fields were found. */
bool dumpvmcs_section_present(const struct vmcs_dump *d, enum dv_section s);
const char *dumpvmcs_seg_name(enum dv_seg s); /* "CS", "LDTR", ... */
const char *dumpvmcs_field_key(enum dv_field f);

/* ---- names and explanations shown to people (dec_dumpvmcs_out.c) ---- */
const char *dumpvmcs_section_name(enum dv_section s); /* "Guest State", ... */
const char *dumpvmcs_producer_name(enum dv_producer p);
const char *dumpvmcs_era_name(enum dv_era e);
/* SDM name of an MSR index ("IA32_EFER"), NULL when not in msr_index.def. */
const char *dumpvmcs_msr_name(u32 msr);
/* "code, execute/read, accessed", "system: LDT", "unusable" for an access-rights value. */
void dumpvmcs_seg_type(u32 ar, char *buf, size_t len);

/* ---- diagnosis (dec_dumpvmcs_check.c) ---- */
enum dv_confidence { DV_CERTAIN, DV_LIKELY };
#define DV_MAX_FINDINGS 48
#define DV_MAX_NOTES 12
struct dv_finding {
	char check[200];  /* the rule, worded like the SDM */
	char values[200]; /* the dumped values involved */
	const char *sdm;  /* SDM section number and title */
	enum dv_confidence confidence;
	const char *assumption; /* for DV_LIKELY: what the verdict assumes; else NULL */
};
struct dv_findings {
	size_t n, dropped;
	struct dv_finding f[DV_MAX_FINDINGS];
	unsigned evaluated; /* rules whose inputs the dump shows */
	unsigned skipped;   /* rules skipped for lack of inputs */
	char event[240];    /* one line: what happened */
	size_t nnotes;
	char notes[DV_MAX_NOTES][320]; /* what happened, in more detail; what is not visible */
};
/* Runs every check the dump allows; returns the number of findings. */
size_t dumpvmcs_diagnose(const struct vmcs_dump *d, struct dv_findings *out);

/* Whether field f was dumped. */
static inline bool dv_has(const struct vmcs_dump *d, enum dv_field f)
{
	return d->f[f].present;
}

/* ---- internal: shared by dec_dumpvmcs.c (parser) and dec_dumpvmcs_out.c (output) ---- */

/* One row of DV_FIELDS: section, JSON key, dump labels, how it is explained, meaning. */
struct dv_field_info {
	u8 sec; /* enum dv_section */
	const char *key, *labels;
	u8 kind, arg, width; /* enum dv_kind; layout or control group; bits */
	const char *what;
};
extern const struct dv_field_info dv_fields[DV_NFIELDS]; /* indexed by enum dv_field */

#endif
