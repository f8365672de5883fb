/* SPDX-License-Identifier: MIT */
/*
 * The checks VM entry performs on the VMCS, as pure functions of the VMCS contents and the
 * processor's capabilities (SDM Vol. 3C 26.2 "Checks on VMX Controls and Host-State Area",
 * 26.3.1 "Checks on the Guest State Area").  Each failing rule is reported with its condition
 * and the SDM section title; VMLAUNCH/VMRESUME turn the result into VMfailValid(7/8) or a
 * VM-entry failure (exit reason 33 | bit 31).
 */
#ifndef VX_VMX_VMENTRY_CHECKS_H
#define VX_VMX_VMENTRY_CHECKS_H

#include "arch/vmx.h"
#include "vmx/vmcs.h"

struct cpu_profile;

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
	const char *sdm;  /* SDM section title of the rule */
};

/* Checks in the SDM's order: controls (26.2.1), host state (26.2.2-26.2.4), guest state
 * (26.3.1).  Stops at the first failing rule. */
enum vmentry_outcome vmentry_check(const struct vmcs *v, const struct cpu_profile *p,
				   struct vmentry_result *r);

#endif
