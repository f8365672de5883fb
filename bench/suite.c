// SPDX-License-Identifier: MIT
/* The benchmark table and its runner (`vmxsgx bench`, `make bench`). */
#include <stdlib.h>
#include <time.h>

#include "bench/bench.h"

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *bench_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	void *b = NULL;
	long n = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0)
		b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = b ? (size_t)n : 0;
	return b;
}

static bench_fn *const suite[] = {
    bench_vmcs_vmread,
    bench_vmcs_vmwrite,
    bench_exit_reason_summary,
    bench_dump_vmcs_parse,
    bench_cpu_loop,
    bench_guest_sha256,
    bench_sgx_enter_exit,
    bench_sgx_aex_eresume,
    bench_hv_cpuid_roundtrip,
    bench_hv_cpuid_marginal,
    bench_hv_cpuid_exit_rate,
    bench_hv_ept_roundtrip,
    bench_hv_ept_exit_rate,
    bench_hv_eptviol_roundtrip,
    bench_hv_eptviol_exit_rate,
    bench_hv_nested_cpuid_roundtrip,
    bench_hv_nested_cpuid_noshadow,
    bench_hv_nested_builtin_l1,
};

int vx_bench_run_all(FILE *f, bool json)
{
	for (size_t i = 0; i < ARRAY_SIZE(suite); i++) {
		struct bench_result r = {0};
		suite[i](&r);
		if (json)
			fprintf(f,
				"{\"bench\":\"%s\",\"value\":%.3f,\"unit\":\"%s\","
				"\"iterations\":%llu,\"native_ratio\":%.2f}\n",
				r.name, r.value, r.unit, (unsigned long long)r.iterations, r.ratio);
		else if (r.ratio > 0)
			fprintf(f,
				"%-28s %12.3f %-8s (%llu iterations; %.1fx slower than native)\n",
				r.name, r.value, r.unit, (unsigned long long)r.iterations, r.ratio);
		else
			fprintf(f, "%-28s %12.3f %-8s (%llu iterations)\n", r.name, r.value, r.unit,
				(unsigned long long)r.iterations);
	}
	return 0;
}
