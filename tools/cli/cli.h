/* SPDX-License-Identifier: MIT */
/* The command line: one cmd_<verb>.c per verb, dispatched by main.c. */
#ifndef VX_CLI_H
#define VX_CLI_H

int cli_decode(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_sign(int argc, char **argv);
void cli_usage(FILE *f);

#endif
