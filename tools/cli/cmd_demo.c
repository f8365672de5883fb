// SPDX-License-Identifier: MIT
/*
 * `vmxsgx demo`: until the processor lands, the built-in scenario is the decoder on values
 * a hypervisor engineer meets when an enclave is involved: an exit from enclave mode, a
 * failed VM entry, and a real dump_vmcs block.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "decode.h"

static void banner(const char *what)
{
	printf("\n=== %s ===\n", what);
}

int cli_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct vx_out o;
	out_init(&o, stdout, false);
	puts("vmxsgx demo: decoding VMX values (the processor and hypervisor scenario lands with "
	     "the next issues)");

	banner("1. An I/O instruction executed inside a guest enclave: exit reason 0x0800001e");
	out_begin(&o, NULL);
	dec_exit_reason(&o, "exit_reason", 0x0800001e);
	out_end(&o);
	banner("   ...with guest interruptibility 0x10 and instruction length 0");
	out_begin(&o, NULL);
	dec_layout(&o, "interruptibility", LAYOUT_INTERRUPTIBILITY, 0x10, 32);
	out_end(&o);

	banner("2. A VM entry that failed on invalid guest state while re-entering an enclave: "
	       "0x88000021");
	out_begin(&o, NULL);
	dec_exit_reason(&o, "exit_reason", 0x88000021);
	out_end(&o);

	banner("3. A real dump_vmcs block (tests/data/samples/dump_vmcs_02.txt, kvm@vger 2021)");
	struct dec_opts opts = {0};
	const char *sample = VX_SOURCE_DIR "/tests/data/samples/dump_vmcs_02.txt";
	FILE *f = fopen(sample, "r");
	if (!f) {
		printf("(run from the source tree to decode %s)\n", sample);
		return 0;
	}
	fclose(f);
	dec_dump_vmcs(&o, &opts, sample);
	return 0;
}
