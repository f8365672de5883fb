// SPDX-License-Identifier: MIT
/* `vmxsgx bench`: runs the benchmark programs' measurements in-process and prints figures. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "bench/bench.h"

int cli_bench(int argc, char **argv)
{
	bool json = argc > 0 && !strcmp(argv[0], "--json");
	return vx_bench_run_all(stdout, json);
}
