/* SPDX-License-Identifier: MIT */
/*
 * The benchmark suite: each benchmark measures one path and reports a figure.  Figures are
 * printed, never asserted (tests do not time anything).
 */
#ifndef VX_BENCH_H
#define VX_BENCH_H

#include <stdio.h>

#include "arch/types.h"

struct bench_result {
	const char *name;
	const char *unit; /* "Mops/s", "ns/op", "MB/s", ... */
	double value;
	u64 iterations;
	double ratio; /* model time / native time for the same work, 0 if not measured */
};

typedef void bench_fn(struct bench_result *r);

/* Seconds on a monotonic clock. */
double bench_now(void);
/* The whole file at path (malloc'd, *len its size), or NULL with *len 0. */
void *bench_read_file(const char *path, size_t *len);

bench_fn bench_vmcs_vmread;
bench_fn bench_vmcs_vmwrite;
bench_fn bench_exit_reason_summary;
bench_fn bench_dump_vmcs_parse;
bench_fn bench_cpu_loop;
bench_fn bench_guest_sha256;
/* SGX in bare mode: EENTER+EEXIT round trip of the sgx_enter guest. */
bench_fn bench_sgx_enter_exit;
/* AEX + ERESUME round trip: an interrupted enclave computation against an uninterrupted one. */
bench_fn bench_sgx_aex_eresume;
/* Guests under L0 (bench_hv.c): whole-run wall time / VM exits, and exits per second. */
bench_fn bench_hv_cpuid_roundtrip;
bench_fn bench_hv_cpuid_marginal;
bench_fn bench_hv_cpuid_exit_rate;
bench_fn bench_hv_ept_roundtrip;
bench_fn bench_hv_ept_exit_rate;
bench_fn bench_hv_eptviol_roundtrip;
bench_fn bench_hv_eptviol_exit_rate;
/* Nested: L2 CPUID handled by L1, per round trip. */
bench_fn bench_hv_nested_cpuid_roundtrip;
bench_fn bench_hv_nested_cpuid_noshadow;
bench_fn bench_hv_nested_builtin_l1;

/* Runs every benchmark and prints "name value unit" lines, or one JSON object per line. */
int vx_bench_run_all(FILE *f, bool json);

#endif
