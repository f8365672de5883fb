// SPDX-License-Identifier: MIT
/* `vmxsgx run`: placeholder until the bare-mode machine lands (issue 3). */
#include <stdio.h>

#include "cli.h"

int cli_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vmxsgx: 'run' is not available yet: the machine has not landed\n");
	return 2;
}
