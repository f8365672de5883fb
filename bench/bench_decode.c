// SPDX-License-Identifier: MIT
/* Decoder throughput: exit-reason summaries and whole dump_vmcs files. */
#include <stdio.h>
#include <sys/stat.h>

#include "bench/bench.h"
#include "tools/cli/decode.h"

void bench_exit_reason_summary(struct bench_result *r)
{
	enum { N = 2000000 };
	char buf[160];
	u64 sink = 0;
	double t0 = bench_now();
	for (u32 i = 0; i < N; i++) {
		dec_exit_reason_summary((i % 86) | ((i & 1) << 27), buf, sizeof(buf));
		sink += (u8)buf[0];
	}
	double dt = bench_now() - t0;
	r->name = "exit_reason_summary";
	r->unit = "Mops/s";
	r->iterations = N + (sink & 0);
	r->value = N / dt / 1e6;
}

void bench_dump_vmcs_parse(struct bench_result *r)
{
	const char *path = VX_SOURCE_DIR "/tests/data/samples/dump_vmcs_02.txt";
	struct stat st;
	r->name = "dump_vmcs_decode";
	r->unit = "MB/s";
	FILE *devnull = fopen("/dev/null", "w");
	if (stat(path, &st) || !devnull) {
		if (devnull)
			fclose(devnull);
		return;
	}
	enum { N = 2000 };
	struct vx_out o;
	struct dec_opts opts = {0};
	out_init(&o, devnull, true);
	double t0 = bench_now();
	for (int i = 0; i < N; i++)
		dec_dump_vmcs(&o, &opts, path);
	double dt = bench_now() - t0;
	fclose(devnull);
	r->iterations = N;
	r->value = (double)st.st_size * N / dt / 1e6;
}
