// SPDX-License-Identifier: MIT
/* vmxsgx: the command line (DESIGN.md section 6). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *f)
{
	fputs("usage: vmxsgx COMMAND [ARGS]\n"
	      "\n"
	      "  demo                         built-in scenario\n"
	      "  decode KIND [--json] VALUE|FILE\n"
	      "      exit-reason V            basic reason, SDM name, flag bits (27 enclave, 31 "
	      "entry failure)\n"
	      "      interruptibility V       guest interruptibility state (bit 4 enclave "
	      "interruption)\n"
	      "      intr-info V              VM-exit interruption information\n"
	      "      entry-intr-info V        VM-entry interruption information\n"
	      "      idt-vectoring V          IDT-vectoring information\n"
	      "      qualification --reason R V   exit qualification of exit reason R (number or "
	      "name)\n"
	      "      field ENCODING|NAME      VMCS field: name, width, type, access\n"
	      "      insn-error N             VM-instruction error number\n"
	      "      controls --pin|--proc|--proc2|--proc3|--exit|--entry V\n"
	      "      cr0|cr4|efer|rflags|access-rights|eptp|pending-dbg|activity V\n"
	      "      msr INDEX|NAME [VALUE]   MSR name, and its bit fields for VALUE\n"
	      "      sgx-error N | encls-leaf N | enclu-leaf N | enclv-leaf N\n"
	      "      dump-vmcs FILE|-         KVM dump_vmcs / Xen vmcs_dump_vcpu text, with "
	      "diagnosis\n"
	      "      kvm-trace [--verbose] FILE|-   kvm_exit & co. trace lines: statistics\n"
	      "  bench [--json]               benchmark suite\n"
	      "  run --bare [--max-insns N] [--trace FILE|-] [--mem SIZE] [--cpu PROFILE]\n"
	      "      [--guest-args STR] GUEST.elf   run a guest on the processor alone\n"
	      "  sign --key KEY.pem --out BUNDLE [options] ENCLAVE.elf\n"
	      "      lay out, measure (MRENCLAVE) and sign an enclave (SIGSTRUCT, RSA-3072 e=3)\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		cli_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "decode"))
		return cli_decode(argc - 2, argv + 2);
	if (!strcmp(cmd, "demo"))
		return cli_demo(argc - 2, argv + 2);
	if (!strcmp(cmd, "bench"))
		return cli_bench(argc - 2, argv + 2);
	if (!strcmp(cmd, "run"))
		return cli_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "sign"))
		return cli_sign(argc - 2, argv + 2);
	fprintf(stderr, "vmxsgx: unknown command '%s' (try 'vmxsgx --help')\n", cmd);
	return 2;
}
