/* SPDX-License-Identifier: MIT */
/*
 * Structured output for the command line: one writer, two renderings.  JSON mode writes one
 * compact JSON object per top-level out_begin/out_end (JSON Lines); text mode writes indented
 * "key: value" lines.  64-bit values are written as "0x..." strings in JSON (DESIGN.md 5).
 */
#ifndef VX_LIB_OUT_H
#define VX_LIB_OUT_H

#include <stdio.h>

#include "arch/types.h"

#define VX_OUT_MAX_DEPTH 16

struct vx_out {
	FILE *f;
	bool json;
	int depth;
	bool first[VX_OUT_MAX_DEPTH]; /* no member written yet at this depth */
	bool array[VX_OUT_MAX_DEPTH]; /* this depth is an array */
};

void out_init(struct vx_out *o, FILE *f, bool json);
/* Objects and arrays: key is NULL inside arrays and for the top-level object. */
void out_begin(struct vx_out *o, const char *key);
void out_end(struct vx_out *o);
void out_array(struct vx_out *o, const char *key);
void out_end_array(struct vx_out *o);
void out_str(struct vx_out *o, const char *key, const char *s);
void out_strf(struct vx_out *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void out_int(struct vx_out *o, const char *key, long long v); /* JSON number */
void out_hex(struct vx_out *o, const char *key, u64 v);       /* "0x..." */
void out_bool(struct vx_out *o, const char *key, bool v);
/* A decimal number with `decimals` digits after the point (shares, percentages). */
void out_double(struct vx_out *o, const char *key, double v, int decimals);
/* A titled group: in JSON an object under json_key; in text a heading line ("title") with
 * its members indented below it. */
void out_section(struct vx_out *o, const char *json_key, const char *title);
void out_section_end(struct vx_out *o);
/* Text mode only: a free line at the current indentation (ignored in JSON mode). */
void out_text(struct vx_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON string escaping, shared with the trace writer. */
void out_json_string(FILE *f, const char *s);

#endif
