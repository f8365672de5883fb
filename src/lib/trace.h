/* SPDX-License-Identifier: MIT */
/*
 * The trace (DESIGN.md section 5): typed records from trace_events.def, emitted by the
 * processor, the hypervisor and the machine, rendered as JSON Lines, aligned text or a
 * Chrome/Perfetto timeline.  Field meanings follow the SDM: exit reason 24.9.1 Table 24-14
 * "Format of Exit Reason", interruption information 24.9.2 Table 24-15, interruptibility
 * 24.4.2 Table 24-3, EPT-violation qualification 27.2.1 Table 27-7.
 *
 * A record is built in the sink's fixed field array and rendered at trace_end(): nothing is
 * allocated, ever.  With tracing off, an emitter costs one inline test (trace_on) or, for the
 * trace_<event>() helpers, a call that returns after that test.
 *
 *   if (trace_begin(t, TRACE_io, cpu, TRACE_L1)) {
 *           trace_str(t, "dir", "out");
 *           trace_int(t, "port", 0xe9);
 *           trace_end(t);
 *   }
 *
 * JSON Lines contract (stable: extend, never rename).  Every record:
 *   t     number  model time = retired guest instructions (the sink's clock)
 *   cpu   number  logical processor
 *   lvl   string  "L1" (a guest run by L0) or "L2" (a guest run by an L1 hypervisor)
 *   ev    string  event name from trace_events.def
 * then the event's fields in the order listed at its trace_<event>() function below.  Value
 * forms: "hex" is a JSON string "0x..." without leading zeros; "hex32" a JSON string of
 * exactly eight hex digits ("0x08000031"); "num" a JSON number; "str" a JSON string
 * (invalid UTF-8 bytes become \u00XX); "bool" true/false.  "[opt]" fields may be absent.
 */
#ifndef VX_LIB_TRACE_H
#define VX_LIB_TRACE_H

#include <stdio.h>

#include "arch/types.h"

enum trace_event {
#define TRACE_EVENT(name, desc) TRACE_##name,
#include "lib/trace_events.def"
	TRACE_NR_EVENTS
};
_Static_assert(TRACE_NR_EVENTS <= 64, "the event mask is a u64");

#define TRACE_MASK(ev) (1ull << (ev))
#define TRACE_MASK_ALL (~0ull >> (64 - TRACE_NR_EVENTS))

/* Levels (`lvl`): the guest run by L0 is L1, a guest run by an L1 hypervisor is L2. */
enum { TRACE_L1 = 1, TRACE_L2 = 2 };

enum trace_format { TRACE_FMT_JSONL, TRACE_FMT_TEXT, TRACE_FMT_CHROME };

enum trace_kind {
	TRACE_K_HEX,   /* u64 as "0x..." */
	TRACE_K_HEX32, /* u32 as "0x%08x" */
	TRACE_K_INT,   /* JSON number */
	TRACE_K_STR,   /* JSON string */
	TRACE_K_BOOL,
};
/* Field flags for the text and Chrome renderings (JSON Lines ignores them). */
enum {
	TRACE_F_LABEL = 1, /* the record's label: text prints the bare value first; Chrome
			    * appends it to the event name ("vmexit EPT_MISCONFIG") */
	TRACE_F_QUIET = 2, /* left out of the text line (derivable from another field) */
};

struct trace_field {
	const char *key; /* a string literal */
	u8 kind;         /* enum trace_kind */
	u8 flags;
	union {
		u64 u;
		s64 i;
		const char *s; /* borrowed: valid until trace_end() returns */
		bool b;
	};
};

#define TRACE_MAX_FIELDS 16

struct trace_record {
	enum trace_event ev;
	u64 time;
	unsigned cpu, lvl;
	unsigned n;
	struct trace_field f[TRACE_MAX_FIELDS];
};

/* Chrome rendering: one slot per (cpu, level) seen, for thread names and guest slices. */
#define TRACE_CHROME_SLOTS 16
struct trace_slot {
	unsigned cpu, lvl;
	bool used;
	bool running; /* a vmentry opened a guest slice not yet closed by a vmexit */
	u64 start;
};

typedef u64 trace_clock_fn(void *ctx, unsigned cpu);
/* Sees every record that passes the mask; pointers inside are valid during the call only.
 * It must not emit trace records itself. */
typedef void trace_hook_fn(void *ctx, const struct trace_record *r);

struct vx_trace_stats;

struct vx_trace {
	FILE *f; /* NULL: no output */
	enum trace_format fmt;
	u64 mask;   /* events the user asked for */
	u64 active; /* mask when a sink (file or hook) is open, else 0: trace_on() tests this */
	u64 count[TRACE_NR_EVENTS]; /* records emitted (output or hook) per event */
	u64 overflow;               /* fields dropped beyond TRACE_MAX_FIELDS (a bug) */
	trace_clock_fn *clock;
	void *clock_ctx;
	trace_hook_fn *hook;
	void *hook_ctx;
	struct vx_trace_stats *stats; /* NULL, or fed by every trace_vmexit() even when off */
	/* rendering state */
	struct trace_record rec;
	bool building;   /* trace_begin() passed and trace_end() not yet called */
	bool closed;     /* trace_close() ran: records are dropped */
	bool chrome_any; /* an element was written: the next one needs a comma */
	u64 last_time;   /* latest record time, to close open slices at trace_close() */
	struct trace_slot slot[TRACE_CHROME_SLOTS];
};

/* ---- the sink ---- */

/* All off: no file, no hook, every event enabled in the mask, zero counters. */
void trace_init(struct vx_trace *t);
/* Start writing to f (not owned; NULL = no output) in fmt.  Chrome writes "[" now. */
void trace_open(struct vx_trace *t, FILE *f, enum trace_format fmt);
/* Finish the output (Chrome: close open guest slices and the array) and flush; the file is
 * not closed.  Later records are dropped; counters stay readable.  Idempotent. */
void trace_close(struct vx_trace *t);
void trace_set_mask(struct vx_trace *t, u64 mask);
void trace_set_clock(struct vx_trace *t, trace_clock_fn *fn, void *ctx);
void trace_set_hook(struct vx_trace *t, trace_hook_fn *fn, void *ctx);

/* "jsonl" | "text" | "chrome"; false when unknown. */
bool trace_format_parse(const char *s, enum trace_format *fmt);
const char *trace_event_name(enum trace_event ev); /* "vmexit"; NULL when out of range */
const char *trace_event_desc(enum trace_event ev);
int trace_event_by_name(const char *name); /* -1 when unknown */
/* Comma-separated event names or "all" into a mask; false (and *mask untouched) when a name
 * is unknown. */
bool trace_mask_parse(const char *list, u64 *mask);

/* ---- the record builder ---- */

static inline bool trace_on(const struct vx_trace *t, enum trace_event ev)
{
	return t && (t->active & TRACE_MASK(ev));
}

/* Starts a record when ev is enabled and returns whether it did. */
bool trace_begin(struct vx_trace *t, enum trace_event ev, unsigned cpu, unsigned lvl);
void trace_hex(struct vx_trace *t, const char *key, u64 v);
void trace_hex32(struct vx_trace *t, const char *key, u32 v);
void trace_int(struct vx_trace *t, const char *key, s64 v);
void trace_str(struct vx_trace *t, const char *key, const char *s);   /* NULL: field left out */
void trace_label(struct vx_trace *t, const char *key, const char *s); /* str + TRACE_F_LABEL */
void trace_bool(struct vx_trace *t, const char *key, bool v);
/* Renders the record to the file and the hook; counts it. */
void trace_end(struct vx_trace *t);

/* The field named key of a record (for hooks and tests), NULL when absent. */
const struct trace_field *trace_field_get(const struct trace_record *r, const char *key);
/* JSON string with escapes; bytes that are not valid UTF-8 are written as \u00XX. */
void trace_json_string(FILE *f, const char *s);
/* Interruption type names (Table 24-15): "external", "nmi", "hw_exception", ... */
const char *trace_intr_type_name(unsigned type);

/* ---- one call per record: the field lists of the JSON Lines contract ---- */

/* vmentry: launch bool (VMLAUNCH, else VMRESUME), rip hex (guest RIP entered). */
void trace_vmentry(struct vx_trace *t, unsigned cpu, unsigned lvl, bool launch, u64 rip);
/* vmexit: reason str (SDM name, "UNKNOWN" if none), basic num (bits 15:0), raw hex32,
 * enclave bool (bit 27), rip hex, qual hex, insn_len num, intr_info hex32 (VM-exit
 * interruption information), guest_intr hex32 (guest interruptibility state).
 * Also counts the exit in t->stats when attached, whether or not tracing is on. */
void trace_vmexit(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 raw, u64 rip, u64 qual,
		  u32 insn_len, u32 intr_info, u32 guest_intr);
/* vmentry_fail: rule str (the failing condition), sdm str (SDM section number and title). */
void trace_vmentry_fail(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *rule,
			const char *sdm);
/* vmfail: insn str ("VMLAUNCH"), kind str ("VMfailValid" | "VMfailInvalid"), for
 * VMfailValid also error num (VM-instruction error) and error_name str [opt]. */
void trace_vmfail(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *insn, bool valid,
		  u32 error);
/* inject: vector num, type str (trace_intr_type_name), name str [opt] (hardware exceptions:
 * "#GP"), error_code hex [opt] (when bit 11 is set), intr_info hex32. */
void trace_inject(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 intr_info, u32 error_code);
/* emulate: rip hex, gpa hex, insn str [opt] (NULL before decoding), refused bool (the
 * emulation gate refused: enclave exit, #UD injected). */
void trace_emulate(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip, u64 gpa,
		   const char *insn, bool refused);
/* skip: rip hex (before the skip), insn_len num. */
void trace_skip(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip, u32 insn_len);
/* skip_warn: rip hex, insn_len num, raw hex32 (the exit reason, bit 27 set), reason str. */
void trace_skip_warn(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip, u32 insn_len,
		     u32 raw);
/* aex: tcs hex, rip hex (enclave RIP saved in the SSA), aep hex, cssa num (after the
 * increment), cause str [opt] ("#PF", "VM exit", ...). */
void trace_aex(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 aep, u32 cssa,
	       const char *cause);
/* eenter: tcs hex, rip hex (the EENTER), entry hex (enclave entry point), aep hex, cssa num. */
void trace_eenter(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 entry,
		  u64 aep, u32 cssa);
/* eresume: tcs hex, rip hex (the ERESUME), resume hex (enclave RIP from the SSA), aep hex,
 * cssa num (the frame resumed). */
void trace_eresume(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 resume,
		   u64 aep, u32 cssa);
/* eexit: tcs hex, rip hex (the EEXIT), target hex (RBX). */
void trace_eexit(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 target);
/* encls / enclu: leaf num (EAX), name str [opt] ("ECREATE"), rbx hex, rcx hex, rdx hex. */
void trace_encls(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 leaf, u64 rbx, u64 rcx,
		 u64 rdx);
void trace_enclu(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 leaf, u64 rbx, u64 rcx,
		 u64 rdx);
/* nested_reflect (lvl = 2, the level that exited): raw hex32 (the reason written to vmcs12),
 * reason str, basic num, enclave bool, qual hex, guest_intr hex32 (vmcs12's). */
void trace_nested_reflect(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 raw, u64 qual,
			  u32 guest_intr);
/* console: text str (what the guest wrote; the emitter chooses the chunking). */
void trace_console(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *text);
/* exit: status num (the run's exit status), reason str ("exit_port", "halt", ...), rip hex. */
void trace_exit(struct vx_trace *t, unsigned cpu, unsigned lvl, int status, const char *reason,
		u64 rip);
/* io: dir str ("in" | "out"), port num, size num, value hex. */
void trace_io(struct vx_trace *t, unsigned cpu, unsigned lvl, bool in, u16 port, u32 size,
	      u64 value);
/* mmio: dir str ("read" | "write"), pa hex, size num, value hex. */
void trace_mmio(struct vx_trace *t, unsigned cpu, unsigned lvl, bool write, u64 pa, u32 size,
		u64 value);
/* exception: vector num, name str [opt] (hardware exceptions), type str, error_code hex [opt]
 * (bit 11 of intr_info), rip hex, cr2 hex [opt] (#PF). */
void trace_exception(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 intr_info, u32 error_code,
		     u64 rip, u64 cr2);
/* interrupt: vector num, rip hex (the interrupted RIP). */
void trace_interrupt(struct vx_trace *t, unsigned cpu, unsigned lvl, u8 vector, u64 rip);
/* timer: action str ("arm" | "fire"), vector num, deadline num (model time). */
void trace_timer(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *action, u8 vector,
		 u64 deadline);
/* unsupported: mnemonic str, rip hex. */
void trace_unsupported(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *mnemonic,
		       u64 rip);
/* triple_fault: rip hex. */
void trace_triple_fault(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip);
/* hypercall: nr hex (RAX), rip hex. */
void trace_hypercall(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 nr, u64 rip);
/* ept_violation: gpa hex, qual hex, access str ("rwx" letters of bits 2:0, '-' when clear),
 * allowed str (bits 5:3, same form), gla hex [opt] (when bit 7 says it is valid). */
void trace_ept_violation(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 gpa, u64 gla,
			 u64 qual);
/* ept_misconfig: gpa hex. */
void trace_ept_misconfig(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 gpa);

/* ---- internal: between trace.c and trace_chrome.c ---- */

/* A field's value in JSON. */
void trace_json_value(FILE *f, const struct trace_field *fl);
void trace_chrome_open(struct vx_trace *t);
void trace_chrome_record(struct vx_trace *t, const struct trace_record *r);
void trace_chrome_close(struct vx_trace *t);

#endif
