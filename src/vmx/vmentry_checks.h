/* SPDX-License-Identifier: MIT */
/*
 * The checks VM entry performs on the VMCS, as functions of the VMCS contents, the
 * processor's capabilities and (for the few rules that read memory) host physical memory:
 * Intel SDM Vol. 3C 26.2 "Checks on VMX Controls and Host-State Area" (26.2.1.1-26.2.1.3,
 * 26.2.2, 26.2.3, 26.2.4) and 26.3.1 "Checks on the Guest State Area" (26.3.1.1-26.3.1.6).
 * Each failing rule is reported with its condition (the C expression, stringified) and the
 * SDM section title; VMLAUNCH/VMRESUME turn the result into VMfailValid(7/8) or a VM-entry
 * failure (exit reason 33 | bit 31).  The MSR-load area (exit reason 34) is not checked here.
 *
 * The processor these checks model executes VMLAUNCH/VMRESUME only in 64-bit mode
 * (IA32_EFER.LMA = 1; DESIGN.md section 2: legacy and compatibility modes are out of scope)
 * and never in SMM (the model has no SMM).  Rules that depend on those two facts use them as
 * constants; docs/decisions.md lists every choice the SDM leaves to the implementation.
 */
#ifndef VX_VMX_VMENTRY_CHECKS_H
#define VX_VMX_VMENTRY_CHECKS_H

#include "arch/vmx.h"
#include "cpu/profile.h"
#include "vmx/vmcs.h"

struct cpu_profile;
struct vx_phys;

enum vmentry_outcome {
	VMENTRY_OK,
	VMENTRY_FAIL_CONTROLS, /* VMfailValid(7): 26.2.1 */
	VMENTRY_FAIL_HOST,     /* VMfailValid(8): 26.2.2-26.2.4 */
	VMENTRY_FAIL_GUEST,    /* exit reason 33 | bit 31, qualification in `qual`: 26.3.1 */
};

struct vmentry_result {
	enum vmentry_outcome outcome;
	u32 qual;         /* VMENTRY_FAIL_GUEST: exit qualification (0, 2, 3 or 4) */
	const char *rule; /* the failing condition, as written in the check */
	const char *sdm;  /* SDM section number and title of the rule */
	const char *reg; /* the register a per-register rule failed on ("CS", "TR", ...), or NULL */
};

/*
 * What VM entry reads besides the VMCS and the profile.
 *   phys:     host physical memory, for the rules that read it: the VMCS link pointer's
 *             revision identifier (26.3.1.5), VTPR against the TPR threshold (26.2.1.1) and
 *             the guest PDPTEs without EPT (26.3.1.6).  NULL: those reads are not made and
 *             the rules that need them pass (for callers with no memory, e.g. fuzzers).
 *   vmcs_ptr: the current-VMCS pointer (the VMCS link pointer must differ from it).
 * A NULL env means no memory and no current-VMCS pointer (all ones).
 */
struct vmentry_env {
	struct vx_phys *phys;
	u64 vmcs_ptr;
};

/*
 * Checks in the SDM's order: controls (26.2.1), host state (26.2.2-26.2.4), guest state
 * (26.3.1).  Stops at the first failing rule; *r always holds the outcome (rule, sdm and reg
 * are NULL and qual 0 for VMENTRY_OK).
 */
enum vmentry_outcome vmentry_check(const struct vmcs *v, const struct cpu_profile *p,
				   const struct vmentry_env *env, struct vmentry_result *r);

/*
 * The same outcome as vmentry_check() for the processor's current VMCS, which remembers
 * (v->checked) that its contents passed: then only the rules that read the always-rewritten
 * fields run again (src/vmx/vmentry_check.c says why that is exact).
 */
enum vmentry_outcome vmentry_check_cached(struct vmcs *v, const struct cpu_profile *p,
					  const struct vmentry_env *env, struct vmentry_result *r);

/* ---- Shared by src/vmx/vmentry_*.c (and the tests); not for other callers ---- */

/* One check run: the inputs and the controls as VM entry uses them. */
struct vmentry_ctx {
	const struct vmcs *v;
	const struct cpu_profile *p;
	struct vx_phys *phys;
	u64 vmcs_ptr;
	struct vmentry_result *r;
	/* 24.6.2: with "activate secondary controls" (resp. "activate tertiary controls") 0 the
	 * processor operates as if all secondary (tertiary) controls were 0. */
	u32 pin, proc, proc2, exit, entry;
	u64 proc3;
	bool ug;    /* "unrestricted guest" (effective) */
	bool ia32e; /* "IA-32e mode guest" VM-entry control */
};

void vmentry_ctx_init(struct vmentry_ctx *c, const struct vmcs *v, const struct cpu_profile *p,
		      const struct vmentry_env *env, struct vmentry_result *r);
/* Each stage returns true when a rule failed (r->rule, r->sdm, r->qual, r->reg set). */
bool vmentry_check_controls(struct vmentry_ctx *c); /* 26.2.1 */
bool vmentry_check_host(struct vmentry_ctx *c);     /* 26.2.2, 26.2.3, 26.2.4 */
bool vmentry_check_guest(struct vmentry_ctx *c);    /* 26.3.1.1-26.3.1.6 */
/* The rules of each stage that read a field of vmcs_unchecked_bits, in the stage's order. */
bool vmentry_check_controls_volatile(struct vmentry_ctx *c); /* 26.2.1.3 event injection */
bool vmentry_check_guest_volatile(struct vmentry_ctx *c);    /* 26.3.1.4, 26.3.1.5 */
bool vmentry_check_guest_rip(struct vmentry_ctx *c);         /* 26.3.1.4 RIP and RFLAGS */

/* Records a failed rule; returns true. */
bool vmentry_fail(struct vmentry_result *r, const char *rule, const char *sdm, u32 qual);

/* CHECK(r, cond, sdm): one rule; `cond` is the condition under which VM entry FAILS. */
#define CHECK(r, cond, sdm)                                                             \
	do {                                                                            \
		if (cond)                                                               \
			return vmentry_fail((r), #cond, (sdm), VMX_ENTRY_FAIL_DEFAULT); \
	} while (0)
/* A guest-state rule whose failure has its own exit qualification (26.8 "VM-Entry Failures
 * During or After Loading Guest State": 2 PDPTEs, 3 NMI injection with STI blocking, 4 VMCS
 * link pointer). */
#define CHECK_QUAL(r, cond, sdm, qual)                                \
	do {                                                          \
		if (cond)                                             \
			return vmentry_fail((r), #cond, (sdm), qual); \
	} while (0)
/* A rule checked for one of several registers: also records the register's name. */
#define CHECK_REG(r, name, cond, sdm)                                                   \
	do {                                                                            \
		if (cond) {                                                             \
			(r)->reg = (name);                                              \
			return vmentry_fail((r), #cond, (sdm), VMX_ENTRY_FAIL_DEFAULT); \
		}                                                                       \
	} while (0)

/* Capability helpers (Vol. 3D Appendix A), from the profile. */
/* IA32_VMX_(TRUE_)PINBASED/PROCBASED/EXIT/ENTRY_CTLS or PROCBASED_CTLS2 as VM entry applies
 * them: the TRUE_* MSR when IA32_VMX_BASIC[55] = 1 (A.2).  Bits 31:0 allowed-0 settings (1:
 * the control must be 1), bits 63:32 allowed-1 settings (0: the control must be 0). */
u64 vmentry_ctl_cap(const struct cpu_profile *p, enum vmx_ctl_group g);
/* An address in a VMCS pointer field sets a bit beyond the physical-address width
 * (CPUID.80000008H:EAX[7:0]; bits 63:32 when IA32_VMX_BASIC[48] = 1). */
bool vmentry_pa_bad(const struct cpu_profile *p, u64 pa);
/* Bits 63:N identical, N = the processor's linear-address width (CPUID.80000008H:EAX[15:8]). */
static inline bool vmentry_canonical(const struct cpu_profile *p, u64 la)
{
	/* Vol. 1 3.3.7.1 "Canonical Addressing": bits 63 through the most-significant
	 * implemented bit are all ones or all zeros. */
	unsigned n = p->linaddr;
	if (n == 0 || n >= 64)
		return true;
	return (u64)((s64)(la << (64 - n)) >> (64 - n)) == la;
}
/* Bits of IA32_EFER, IA32_PERF_GLOBAL_CTRL and IA32_DEBUGCTL that are not reserved. */
u64 vmentry_efer_valid(const struct cpu_profile *p);
u64 vmentry_perf_global_valid(const struct cpu_profile *p);
u64 vmentry_debugctl_valid(const struct cpu_profile *p);
/* CR3 bits that must be 0 (26.2.2, 26.3.1.1): "bits 63:52 and bits in the range 51:32 beyond
 * the processor's physical-address width". */
u64 vmentry_cr3_reserved(const struct cpu_profile *p);

/* The EPTP validity rules of 26.2.1.1 (memory type, walk length, A/D, reserved bits) as one
 * predicate, for INVEPT. */
bool vmentry_eptp_valid(const struct cpu_profile *p, u64 eptp);

#endif
