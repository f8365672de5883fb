/* SPDX-License-Identifier: MIT */
/*
 * The L0 hypervisor's public entry (DESIGN.md section 3): run a guest ELF image as an L1 guest
 * in VMX non-root operation on the modelled processor, with the devices and the boot protocol
 * of DESIGN.md section 4.  The exit-status contract is bare mode's: the guest's exit code, 3
 * halted for good, 4 triple fault, 124 instruction budget used up (include/vx/boot.h).
 *
 * Layering: src/hv may not include src/vm (DESIGN.md section 1), so the ELF loader and the
 * boot-state builder of src/vm reach the hypervisor as a hook the caller registers
 * (hv_config.load), the ops-table pattern of DESIGN.md section 1.  The hook writes the image
 * and the boot structures into a scratch RAM of exactly the guest's size and loads the boot
 * state into a scratch processor; the hypervisor then places that RAM at its host-physical
 * backing and copies the processor state into the VMCS guest-state area.
 *
 * Hypercalls (VMCALL from the guest at CPL 0; RAX = number, result in RAX):
 *   HV_HC_PUTC   0  print the low byte of RBX on the debug console (as an OUT to port 0xE9)
 *   HV_HC_EXIT   1  end the run with status RBX & 0xff (as a 32-bit OUT to port 0xF4)
 *   HV_HC_INFO   2  RAX = HV_HC_INFO_MAGIC ("VXHV"), RBX = retired guest instructions
 * An unknown number returns RAX = -HV_HC_ENOSYS (-1000); VMCALL at CPL > 0 returns
 * RAX = -HV_HC_EPERM (-1) and does nothing (the numbering of Linux's KVM hypercall ABI).
 */
#ifndef VX_HV_HV_H
#define VX_HV_HV_H

#include <stdio.h>

#include "arch/types.h"
#include "vx/cpu.h"

struct vx_trace;
struct hv_config;
struct hv_nested_ops; /* src/hv/vcpu.h */

enum {
	HV_HC_PUTC = 0,
	HV_HC_EXIT = 1,
	HV_HC_INFO = 2,
	HV_HC_ENOSYS = 1000,
	HV_HC_EPERM = 1,
};
#define HV_HC_INFO_MAGIC 0x56485856u /* "VXHV" little-endian */

/*
 * The loader hook: copy the ELF image into `ram` (guest-physical = offset in ram, exactly the
 * guest's RAM size) and load the boot state of DESIGN.md section 4 into `cpu` (a scratch
 * processor on `ram` with the run's CPU profile).  False with a one-line message in err.
 */
typedef bool hv_load_fn(void *ctx, const struct hv_config *cfg, struct vx_phys *ram,
			struct vx_cpu *cpu, const void *elf, size_t len, char *err, size_t errlen);

struct hv_config {
	u64 ram_size;           /* bytes; 0 = VX_BOOT_RAM_DEFAULT */
	const char *profile;    /* CPU profile; NULL = "default" */
	u64 max_insns;          /* instruction budget; 0 = unlimited */
	const char *guest_args; /* for the loader hook: vx_boot_info.cmdline; NULL = none */
	const void *l2_elf;     /* --l1: the L2 ELF the loader hands to the L1 guest; NULL = none */
	size_t l2_len;
	bool no_vmcs_shadowing; /* nested: L0 does not use VMCS shadowing for L1 */
	FILE *console;          /* console stream; NULL = discarded */
	struct vx_trace *trace; /* not owned; NULL = off (clock set while the vCPU lives) */
	FILE *diag;             /* one-line warnings; NULL = none */
	/* What the VM exposes (guest CPUID, IA32_FEATURE_CONTROL); the processor keeps its own. */
	enum vx_sgx_mode sgx; /* SGX the VM exposes (CPUID, FEATURE_CONTROL, an EPC section) */
	bool sgx_lc;          /* flexible launch control exposed */
	u64 epc_size;         /* bytes of guest EPC at VX_EPC_BASE; 0 = VX_EPC_DEFAULT */
	bool hide_vmx;        /* CPUID.1:ECX.VMX = 0 (VMX is exposed by default, DESIGN.md 4) */
	bool hide_rdrand;     /* CPUID.1:ECX.RDRAND = 0 and RDRAND exiting: #UD */
	bool hide_rdseed;     /* CPUID.(7,0):EBX.RDSEED = 0 and RDSEED exiting: #UD */
	hv_load_fn *load;     /* required by hv_run_elf / hv_vcpu_load */
	void *load_ctx;
	/* Nested VMX (src/nested registers it: hv may not include nested, DESIGN.md section 1).
	 * NULL: L1's VMX instructions raise #UD, as in KVM without nested support. */
	const struct hv_nested_ops *nested;
};

enum hv_stop {
	HV_STOP_EXIT,         /* the guest wrote the exit port or made the exit hypercall */
	HV_STOP_HALT,         /* halted with nothing that could wake it */
	HV_STOP_TRIPLE_FAULT, /* triple-fault VM exit */
	HV_STOP_BUDGET,       /* --max-insns used up */
	HV_STOP_CONFIG,       /* the configuration was refused (status 2) */
	HV_STOP_LOAD,         /* the image could not be loaded (status 1) */
	HV_STOP_ERROR,        /* the hypervisor or the processor failed (status 1) */
};

struct hv_result {
	enum hv_stop why;
	int status;    /* exit status of `vmxsgx run` */
	u64 rip;       /* guest RIP when the run ended */
	u64 retired;   /* guest instructions retired */
	u64 exits;     /* VM exits handled */
	char msg[256]; /* one line for stderr (empty for HV_STOP_EXIT) */
};

/* Create the vCPU, load the image through cfg->load, run it; returns res->status. */
int hv_run_elf(const struct hv_config *cfg, const void *elf, size_t len, struct hv_result *res);

#endif
