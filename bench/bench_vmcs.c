// SPDX-License-Identifier: MIT
/* VMREAD/VMWRITE data path of the VMCS model: the cost every VM exit handler pays. */
#include "bench/bench.h"
#include "vmx/vmcs.h"

/* A mix of fields a KVM-style exit handler touches, full and high encodings. */
static const u32 hot_fields[] = {
    VMCS_EXIT_REASON,
    VMCS_EXIT_QUALIFICATION,
    VMCS_GUEST_RIP,
    VMCS_GUEST_RSP,
    VMCS_VM_EXIT_INTR_INFO,
    VMCS_VM_EXIT_INSTRUCTION_LEN,
    VMCS_GUEST_INTERRUPTIBILITY_INFO,
    VMCS_GUEST_PHYSICAL_ADDRESS,
    VMCS_GUEST_PHYSICAL_ADDRESS | 1,
    VMCS_IDT_VECTORING_INFO,
};

#define BENCH_ITERS 20000000ull

/* What the loops compute goes here, so that the compiler cannot drop them (vmcs_vmread is
 * inline: with an unused result the loop disappears). */
static volatile u64 bench_sink;

void bench_vmcs_vmread(struct bench_result *r)
{
	static struct vmcs v;
	struct vmcs_caps caps;
	vmcs_caps_all(&caps);
	for (unsigned s = 0; s < VMCS_NSLOTS; s++)
		v.field[s] = s * 0x9e3779b97f4a7c15ull;
	/* the compiler must not know what the VMCS holds (a constant would fold the loop) */
	struct vmcs *vp = &v;
	__asm__ volatile("" : "+r"(vp));
	u64 sink = 0, val = 0;
	u32 err;
	double t0 = bench_now();
	for (u64 i = 0; i < BENCH_ITERS; i++) {
		vmcs_vmread(vp, &caps, hot_fields[i % ARRAY_SIZE(hot_fields)], 64, &val, &err);
		sink += val;
	}
	double dt = bench_now() - t0;
	r->name = "vmcs_vmread";
	r->unit = "Mops/s";
	bench_sink = sink;
	r->iterations = BENCH_ITERS;
	r->value = (double)BENCH_ITERS / dt / 1e6;
}

void bench_vmcs_vmwrite(struct bench_result *r)
{
	static struct vmcs v;
	struct vmcs_caps caps;
	vmcs_caps_all(&caps);
	caps.vmwrite_any_field = true;
	u32 err;
	double t0 = bench_now();
	for (u64 i = 0; i < BENCH_ITERS; i++)
		vmcs_vmwrite(&v, &caps, hot_fields[i % ARRAY_SIZE(hot_fields)], i, 64, &err);
	double dt = bench_now() - t0;
	r->name = "vmcs_vmwrite";
	r->unit = "Mops/s";
	bench_sink = v.field[0];
	r->iterations = BENCH_ITERS;
	r->value = (double)BENCH_ITERS / dt / 1e6;
}
