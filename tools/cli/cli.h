/* SPDX-License-Identifier: MIT */
/* The command line: one cmd_<verb>.c per verb, dispatched by main.c. */
#ifndef VX_CLI_H
#define VX_CLI_H

#include <stddef.h>
#include <stdio.h>

int cli_decode(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_sign(int argc, char **argv);
void cli_usage(FILE *f);

/* The built-in L1 hypervisor (guests/l1), embedded by tools/cli/demo_guest.cmake. */
extern const unsigned char vx_l1_guest_elf[];
extern const size_t vx_l1_guest_elf_len;

#endif
