// SPDX-License-Identifier: MIT
/*
 * Interpreter speed on a gcc-compiled workload: the sha256_bench guest (SHA-256 over 16 MiB)
 * run by the bare-mode machine, in guest instructions per second, and the ratio of its time
 * to the same C code (guests/tests/sha256_impl.h) run natively.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "guests/tests/sha256_buf.h"
#include "guests/tests/sha256_impl.h"
#include "vm/machine.h"

#ifndef SHA_MIB
#define SHA_MIB 16u
#endif

/* The same work natively: fill the buffer, hash it. */
static double native_sha(void)
{
	size_t len = (size_t)SHA_MIB << 20;
	u8 *buf = malloc(len);
	if (!buf)
		return 0;
	double t0 = bench_now();
	sha256_buf_fill(buf, len);
	struct sha256 s;
	u8 d[32];
	sha256_init(&s);
	sha256_update(&s, buf, len);
	sha256_final(&s, d);
	double dt = bench_now() - t0;
	volatile u8 sink = d[0];
	(void)sink;
	free(buf);
	return dt;
}

void bench_guest_sha256(struct bench_result *r)
{
	r->name = "guest_sha256_16MiB";
	r->unit = "MIPS";
	size_t len;
	void *elf = bench_read_file(VX_BINARY_DIR "/guests/sha256_bench.elf", &len);
	if (!elf)
		return;
	char err[256];
	char mib[16];
	snprintf(mib, sizeof(mib), "%u", SHA_MIB);
	struct vm_config cfg = {.guest_args = mib, .ram_size = 64u << 20};
	struct vm *vm = vm_create(&cfg, err, sizeof(err));
	if (!vm || !vm_load_elf(vm, elf, len, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		vm_destroy(vm);
		free(elf);
		return;
	}
	struct vm_result res;
	double t0 = bench_now();
	vm_run(vm, &res);
	double dt = bench_now() - t0;
	vm_destroy(vm);
	free(elf);
	if (res.why != VM_STOP_EXIT || res.status != 0)
		return;
	double native = native_sha();
	r->iterations = res.retired;
	r->value = (double)res.retired / dt / 1e6;
	r->ratio = native > 0 ? dt / native : 0;
}

/* One bare-mode run of a benchmark guest with SGX2 and launch control: wall seconds, the
 * console text in *out (caller frees); < 0 on failure. */
static double run_sgx_guest(const char *elf_path, const char *args, char **out)
{
	size_t len, outlen = 0;
	void *elf = bench_read_file(elf_path, &len);
	FILE *con = open_memstream(out, &outlen);
	if (!elf || !con) {
		free(elf);
		if (con)
			fclose(con);
		return -1;
	}
	char err[256];
	struct vm_config cfg = {.guest_args = args, .sgx = VX_SGX2, .sgx_lc = true, .console = con};
	struct vm *vm = vm_create(&cfg, err, sizeof(err));
	double dt = -1;
	if (vm && vm_load_elf(vm, elf, len, err, sizeof(err))) {
		struct vm_result res;
		double t0 = bench_now();
		vm_run(vm, &res);
		dt = bench_now() - t0;
		if (res.why != VM_STOP_EXIT || res.status != 0)
			dt = -1;
	}
	vm_destroy(vm);
	free(elf);
	fclose(con);
	return dt;
}

/* EENTER + EEXIT round trip (bare mode, SGX2 with launch control): wall time / round trips of
 * the sgx_enter guest, which makes them from one CPL 3 loop. */
void bench_sgx_enter_exit(struct bench_result *r)
{
	r->name = "sgx_eenter_eexit_roundtrip";
	r->unit = "ns/op";
	char *out = NULL;
	double dt = run_sgx_guest(VX_BINARY_DIR "/guests/sgx_enter.elf", "20000", &out);
	free(out);
	if (dt < 0)
		return;
	r->iterations = 20000;
	r->value = dt / 20000 * 1e9;
}

/* AEX + ERESUME round trip (bare mode): the same enclave computation with and without a timer
 * interrupt every 25 instructions; (difference of wall time) / interrupts.  Each interrupt
 * is an AEX, an IDT delivery to the guest's handler, its IRETQ to the AEP and ERESUME.  With
 * ~500,000 interrupts the difference (about a second) stands well above the noise of the
 * ~0.7 s both runs share; with one every 1,000 instructions it did not (a negative figure). */
void bench_sgx_aex_eresume(struct bench_result *r)
{
	r->name = "sgx_aex_eresume_roundtrip";
	r->unit = "ns/op";
	const char *elf = VX_BINARY_DIR "/guests/sgx_aex.elf";
	char *plain_out = NULL, *int_out = NULL;
	/* the difference of two runs, the fastest of three each */
	double plain = -1, with = -1;
	for (int k = 0; k < 3; k++) {
		free(plain_out);
		free(int_out);
		plain_out = int_out = NULL;
		double a = run_sgx_guest(elf, "200000", &plain_out);
		double b = run_sgx_guest(elf, "200000i25", &int_out);
		if (a < 0 || b < 0) {
			plain = with = -1;
			break;
		}
		plain = plain < 0 || a < plain ? a : plain;
		with = with < 0 || b < with ? b : with;
	}
	unsigned n = 0;
	const char *p = int_out ? strstr(int_out, "sgx_aex: ") : NULL;
	if (p)
		n = (unsigned)strtoul(p + 9, NULL, 10);
	free(plain_out);
	free(int_out);
	if (plain < 0 || with < 0 || !n)
		return;
	r->iterations = n;
	r->value = (with - plain) / n * 1e9;
}
