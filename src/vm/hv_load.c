// SPDX-License-Identifier: MIT
/* The hv_config.load hook of the machine (hv_load.h). */
#include "vm/hv_load.h"
#include "vm/boot.h"
#include "vx/boot.h"

bool vm_hv_load(void *ctx, const struct hv_config *cfg, struct vx_phys *ram, struct vx_cpu *cpu,
		const void *elf, size_t len, char *err, size_t errlen)
{
	(void)ctx;
	u64 epc = cfg->sgx == VX_SGX_OFF ? 0 : vx_epc_size(cfg->epc_size);
	return vm_boot_elf(ram, cpu, elf, len, cfg->guest_args, epc, cfg->l2_elf, cfg->l2_len, err,
			   errlen);
}
