/* SPDX-License-Identifier: MIT */
/*
 * `vmxsgx decode`: explains VMX values and the diagnostics Linux KVM and Xen print.
 * Every decoder writes through struct vx_out (text or --json) and returns the process exit
 * status: 0 decoded, 1 input problem (reported on stderr as "FILE:LINE: problem").
 */
#ifndef VX_CLI_DECODE_H
#define VX_CLI_DECODE_H

#include <stdio.h>

#include "lib/archinfo.h"
#include "lib/out.h"

struct dec_opts {
	bool json;
	bool verbose; /* kvm-trace: decode each line, not only the statistics */
};

/* ---- input: a text file read whole and normalised (dec_input.c) ---- */
struct dec_line {
	char *text;    /* normalised: no CR/LF, quote markers and QP escapes removed, NBSP -> ' ' */
	size_t lineno; /* 1-based line number in the original file (first physical line) */
};
struct dec_input {
	const char *name; /* file name for messages ("-" reads stdin, shown as "<stdin>") */
	struct dec_line *lines;
	size_t n;
	bool quoted_printable; /* QP soft breaks or escapes were decoded */
	bool mail_quoted;      /* "> " markers were removed */
};
/* Reads and normalises; on failure prints "vmxsgx: NAME: reason" and returns false. */
bool dec_input_read(struct dec_input *in, const char *path);
void dec_input_free(struct dec_input *in);
/* Appends continuation text to line i (for wrapped lines); the joined text replaces it. */
void dec_input_join(struct dec_input *in, size_t i, const char *more);

/* ---- value explainers (dec_values.c), shared by every decoder ---- */
/* Parses "0x1f", "1f" (hex if hex_default), "31", or "UNKNOWN (2147483681)"-style decimals. */
bool dec_parse_u64(const char *s, bool hex_default, u64 *v);
void dec_exit_reason(struct vx_out *o, const char *key, u32 v);
/* One-line human summary of an exit reason: "INVALID_STATE (33), VM-entry failure, from
 * enclave mode". */
void dec_exit_reason_summary(u32 v, char *buf, size_t len);
void dec_layout(struct vx_out *o, const char *key, enum vx_layout l, u64 v, unsigned width);
void dec_controls(struct vx_out *o, const char *key, unsigned group, u64 v);
/* Exit qualification by basic exit reason; intr_info disambiguates EXCEPTION_NMI (#DB, #PF). */
void dec_qualification(struct vx_out *o, const char *key, u32 basic, u64 qual, u32 intr_info);
void dec_field(struct vx_out *o, const char *key, u64 encoding);
/* "EXCEPTION_NMI" etc. or "reason 0x4d" for a non-architectural value. */
const char *dec_reason_name(u32 basic, char *buf, size_t len);

/* ---- whole-file decoders ---- */
int dec_dump_vmcs(struct vx_out *o, const struct dec_opts *opts, const char *path);
int dec_kvm_trace(struct vx_out *o, const struct dec_opts *opts, const char *path);

#endif
