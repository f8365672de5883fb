/* SPDX-License-Identifier: MIT */
/*
 * The bare-mode machine (DESIGN.md section 4, `vmxsgx run --bare`): one processor, RAM, and
 * the devices of the boot protocol: debug console (port 0xE9), exit device (port 0xF4), MMIO
 * test device, interrupt timer.  The machine owns the run loop: it runs the processor in
 * slices bounded by the timer's deadline and the instruction budget.
 */
#ifndef VX_VM_MACHINE_H
#define VX_VM_MACHINE_H

#include <stdio.h>

#include "arch/types.h"
#include "vx/cpu.h"

struct vm;
struct vx_trace;

struct vm_config {
	u64 ram_size;           /* bytes; 0 = VX_BOOT_RAM_DEFAULT */
	const char *profile;    /* CPU profile; NULL = "default" */
	u64 max_insns;          /* instruction budget; 0 = unlimited */
	const char *guest_args; /* string at vx_boot_info.cmdline; NULL = none */
	const void *l2_elf;     /* --l1: the L2 ELF handed to the L1 guest; NULL = none */
	size_t l2_len;
	FILE *console; /* console stream; NULL = discarded */
	/* Trace sink (src/lib/trace.h), not owned; NULL = off.  vm_create sets its clock to the
	 * processor's retired-instruction count (cpu 0, level L1); vm_destroy clears it. */
	struct vx_trace *trace;
	FILE *diag; /* one-line warnings (misused device ports); NULL = none */
	/* SGX the machine exposes (--sgx, --sgx-lc, --epc): off by default; with SGX an EPC
	 * section of epc_size bytes (0 = VX_EPC_DEFAULT) at VX_EPC_BASE. */
	enum vx_sgx_mode sgx;
	bool sgx_lc;
	u64 epc_size;
};

enum vm_stop {
	VM_STOP_EXIT,         /* the guest wrote the exit port */
	VM_STOP_HALT,         /* halted with nothing that could wake it */
	VM_STOP_TRIPLE_FAULT, /* shutdown */
	VM_STOP_BUDGET,       /* --max-insns used up */
	VM_STOP_STUCK,        /* exceptions delivered over and over, nothing retiring */
	VM_STOP_ERROR,        /* the processor stopped for a reason bare mode cannot serve */
};

struct vm_result {
	enum vm_stop why;
	int status;    /* exit status of `vmxsgx run` */
	u64 rip;       /* RIP when the run ended */
	u64 retired;   /* instructions retired */
	char msg[256]; /* one line for stderr (empty for VM_STOP_EXIT) */
};

/* NULL with a message in err (bad RAM size, unknown profile, out of memory). */
struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen);
void vm_destroy(struct vm *vm);
/* Load an ELF image and set up the boot state; false with a one-line message in err. */
bool vm_load_elf(struct vm *vm, const void *elf, size_t len, char *err, size_t errlen);
/* Run until the guest exits, halts for good, triple-faults or uses up the budget. */
void vm_run(struct vm *vm, struct vm_result *res);

struct vx_cpu *vm_cpu(struct vm *vm);
struct vx_phys *vm_phys(struct vm *vm);
/* The machine's port-I/O handler (the processor's I/O hook), callable directly by tests. */
void vm_port_io(void *vm, struct vx_cpu *c, struct vx_io *io);

#endif
