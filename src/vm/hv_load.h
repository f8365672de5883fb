/* SPDX-License-Identifier: MIT */
/*
 * The machine's loader for the L0 hypervisor: an hv_config.load hook (src/hv/hv.h) made of the
 * ELF loader (loader.h) and the boot-state builder (boot.h) with the devices of
 * include/vx/boot.h.  src/hv may not include src/vm (DESIGN.md section 1), so every caller
 * of hv_run_elf (the `run` and `demo` commands, the benchmarks) registers this hook.
 */
#ifndef VX_VM_HV_LOAD_H
#define VX_VM_HV_LOAD_H

#include "hv/hv.h"

/* hv_load_fn: ctx is unused (NULL); the argument string is cfg->guest_args. */
bool vm_hv_load(void *ctx, const struct hv_config *cfg, struct vx_phys *ram, struct vx_cpu *cpu,
		const void *elf, size_t len, char *err, size_t errlen);

#endif
