/* SPDX-License-Identifier: MIT */
/*
 * JSON Lines trace records of the machine (DESIGN.md section 5): every record has `t`
 * (retired guest instructions), `cpu`, `lvl` and `ev`; 64-bit values are "0x..." strings.
 * Small numbers (ports, sizes, vectors, statuses) are JSON numbers.
 *
 *   vm_trace_begin(t, now, 0, "io");
 *   vm_trace_str(t, "dir", "out"); vm_trace_int(t, "port", 0xe9); vm_trace_hex(...);
 *   vm_trace_end(t);
 */
#ifndef VX_VM_TRACE_H
#define VX_VM_TRACE_H

#include <stdio.h>

#include "arch/types.h"

struct vm_trace {
	FILE *f;         /* NULL: tracing off (every call is a no-op) */
	const char *lvl; /* "L1" for a guest run by L0 */
};

void vm_trace_begin(struct vm_trace *t, u64 now, unsigned cpu, const char *ev);
void vm_trace_str(struct vm_trace *t, const char *key, const char *v);
void vm_trace_int(struct vm_trace *t, const char *key, long long v);
void vm_trace_hex(struct vm_trace *t, const char *key, u64 v);
void vm_trace_bool(struct vm_trace *t, const char *key, bool v);
void vm_trace_end(struct vm_trace *t);

#endif
