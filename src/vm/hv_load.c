// SPDX-License-Identifier: MIT
/* The hv_config.load hook of the machine (hv_load.h). */
#include "vm/hv_load.h"
#include "vm/boot.h"
#include "vm/loader.h"
#include "vx/boot.h"

bool vm_hv_load(void *ctx, const struct hv_config *cfg, struct vx_phys *ram, struct vx_cpu *cpu,
		const void *elf, size_t len, char *err, size_t errlen)
{
	(void)ctx;
	struct vm_image img;
	if (!vm_elf_load(ram, elf, len, &img, err, errlen))
		return false;
	struct vm_boot_params bp = {
	    .entry = img.entry,
	    .image_end = img.hi,
	    .mmio_test_base = VX_MMIO_TEST_BASE,
	    .console_port = VX_PORT_CONSOLE,
	    .exit_port = VX_PORT_EXIT,
	    .timer_port = VX_PORT_TIMER,
	    .cmdline = cfg->guest_args,
	    .l2_elf = cfg->l2_elf,
	    .l2_len = cfg->l2_len,
	    .epc_base = cfg->sgx != VX_SGX_OFF ? VX_EPC_BASE : 0,
	    .epc_size = cfg->sgx == VX_SGX_OFF ? 0
			: cfg->epc_size        ? cfg->epc_size
					       : VX_EPC_DEFAULT,
	};
	return vm_boot_setup(ram, cpu, &bp, err, errlen);
}
