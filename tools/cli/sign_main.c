// SPDX-License-Identifier: MIT
/* vx_sign: `vmxsgx sign` as a program of its own, which the build uses to sign the test
 * enclaves (the vmxsgx binary embeds the demo guest, which embeds a signed enclave). */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return cli_sign(argc - 1, argv + 1);
}
