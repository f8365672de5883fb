/* SPDX-License-Identifier: MIT */
/*
 * Exit statistics for `--stats` (DESIGN.md section 5): VM exits counted per basic exit
 * reason (SDM Vol. 3C 24.9.1 "Basic VM-Exit Information", Table 24-14 "Format of Exit
 * Reason": bits 15:0 basic reason, bit 27 enclave mode, bit 31 VM-entry failure), per level
 * (L1, L2) and enclave / non-enclave, reported like `perf kvm stat report` or as one JSON
 * object.  Fed by trace_vmexit() when attached to a sink (struct vx_trace.stats).
 */
#ifndef VX_LIB_TRACE_STATS_H
#define VX_LIB_TRACE_STATS_H

#include "arch/vmx.h"
#include "lib/out.h"

/* One row per basic reason 0..VMX_EXIT_MAX_BASIC, and a last row for larger values. */
#define TRACE_STATS_ROWS (VMX_EXIT_MAX_BASIC + 2)
#define TRACE_STATS_BEYOND (VMX_EXIT_MAX_BASIC + 1)

struct vx_trace_stats {
	/* [basic reason or TRACE_STATS_BEYOND][0 = L1, 1 = L2][0 = non-enclave, 1 = enclave] */
	u64 n[TRACE_STATS_ROWS][2][2];
	u64 failed_vmentry; /* exits with bit 31 set (counted in their row as well) */
};

struct vx_trace_stats_row {
	int basic;        /* -1 for the row of reasons beyond VMX_EXIT_MAX_BASIC */
	const char *name; /* SDM name ("EPT_MISCONFIG") or "UNKNOWN" */
	u64 count, l1, l2, enclave;
};

struct vx_trace_stats_sum {
	u64 total, l1, l2, enclave, failed_vmentry;
};

void trace_stats_init(struct vx_trace_stats *s);
/* Counts one exit with the full 32-bit reason; lvl 2 or more counts as L2, else L1. */
void trace_stats_add(struct vx_trace_stats *s, unsigned lvl, u32 raw);
void trace_stats_sum(const struct vx_trace_stats *s, struct vx_trace_stats_sum *sum);
/* The non-empty rows, most frequent first (ties by basic reason); returns how many, at most
 * max. */
size_t trace_stats_rows(const struct vx_trace_stats *s, struct vx_trace_stats_row *rows,
			size_t max);
/*
 * Text (o->json false), in the layout of `perf kvm stat report`:
 *
 *   Analyze events for all VMs, all VCPUs:
 *
 *                VM-EXIT    Samples  Samples%        L1        L2   Enclave
 *
 *          EPT_MISCONFIG          3    60.00%         2         1         1
 *
 *   Total Samples:5, L1:4, L2:1, enclave exits (bit 27):1, failed VM-entries (bit 31):0
 *
 * JSON: {"total":5,"l1":4,"l2":1,"enclave":1,"non_enclave":4,"failed_vmentry":0,
 *        "reasons":[{"reason":"EPT_MISCONFIG","basic":49,"count":3,"share":60.00,"l1":2,
 *                    "l2":1,"enclave":1,"non_enclave":2}, ...]}
 */
void trace_stats_report(const struct vx_trace_stats *s, struct vx_out *o);

#endif
