// SPDX-License-Identifier: MIT
/*
 * The trace sink and record builder (see trace.h): JSON Lines and text renderings, and one
 * function per record type.  Exit-reason fields follow SDM Vol. 3C 24.9.1 "Basic VM-Exit
 * Information" (Table 24-14 "Format of Exit Reason"); interruption information 24.9.2
 * "Information for VM Exits Due to Vectored Events" (Table 24-15); EPT-violation
 * qualification 27.2.1 "Basic VM-Exit Information" (Table 27-7).
 */
#include "lib/trace.h"

#include <string.h>

#include "arch/vmx.h"
#include "lib/archinfo.h"
#include "lib/trace_stats.h"

static const struct {
	const char *name, *desc;
} events[] = {
#define TRACE_EVENT(n, d) {#n, d},
#include "lib/trace_events.def"
};

const char *trace_event_name(enum trace_event ev)
{
	return (unsigned)ev < TRACE_NR_EVENTS ? events[ev].name : NULL;
}

const char *trace_event_desc(enum trace_event ev)
{
	return (unsigned)ev < TRACE_NR_EVENTS ? events[ev].desc : NULL;
}

int trace_event_by_name(const char *name)
{
	for (int i = 0; i < TRACE_NR_EVENTS; i++)
		if (!strcmp(name, events[i].name))
			return i;
	return -1;
}

bool trace_mask_parse(const char *list, u64 *mask)
{
	u64 m = 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		char name[32];
		if (n == 0 || n >= sizeof(name))
			return false;
		memcpy(name, p, n);
		name[n] = 0;
		int ev = trace_event_by_name(name);
		if (!strcmp(name, "all"))
			m |= TRACE_MASK_ALL;
		else if (ev < 0)
			return false;
		else
			m |= TRACE_MASK(ev);
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return true;
}

bool trace_format_parse(const char *s, enum trace_format *fmt)
{
	static const char *const names[] = {
	    [TRACE_FMT_JSONL] = "jsonl", [TRACE_FMT_TEXT] = "text", [TRACE_FMT_CHROME] = "chrome"};
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*fmt = (enum trace_format)i;
			return true;
		}
	}
	return false;
}

/* ---- the sink ---- */

static void update_active(struct vx_trace *t)
{
	t->active = (t->f || t->hook) && !t->closed ? t->mask : 0;
}

void trace_init(struct vx_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->mask = TRACE_MASK_ALL;
}

void trace_open(struct vx_trace *t, FILE *f, enum trace_format fmt)
{
	t->f = f;
	t->fmt = fmt;
	t->closed = false;
	t->building = false;
	if (f && fmt == TRACE_FMT_CHROME)
		trace_chrome_open(t);
	update_active(t);
}

void trace_close(struct vx_trace *t)
{
	if (t->closed)
		return;
	t->building = false;
	if (t->f && t->fmt == TRACE_FMT_CHROME)
		trace_chrome_close(t);
	if (t->f)
		fflush(t->f);
	t->closed = true;
	update_active(t);
}

void trace_set_mask(struct vx_trace *t, u64 mask)
{
	t->mask = mask & TRACE_MASK_ALL;
	update_active(t);
}

void trace_set_clock(struct vx_trace *t, trace_clock_fn *fn, void *ctx)
{
	t->clock = fn;
	t->clock_ctx = ctx;
}

void trace_set_hook(struct vx_trace *t, trace_hook_fn *fn, void *ctx)
{
	t->hook = fn;
	t->hook_ctx = ctx;
	update_active(t);
}

/* ---- the record builder ---- */

bool trace_begin(struct vx_trace *t, enum trace_event ev, unsigned cpu, unsigned lvl)
{
	if (!trace_on(t, ev))
		return false;
	t->rec.ev = ev;
	t->rec.time = t->clock ? t->clock(t->clock_ctx, cpu) : 0;
	t->rec.cpu = cpu;
	t->rec.lvl = lvl;
	t->rec.n = 0;
	t->building = true;
	return true;
}

/* The next field slot, or NULL when no record is being built or the record is full. */
static struct trace_field *add(struct vx_trace *t, const char *key, enum trace_kind kind)
{
	if (!t || !t->building)
		return NULL;
	if (t->rec.n == TRACE_MAX_FIELDS) {
		t->overflow++;
		return NULL;
	}
	struct trace_field *fl = &t->rec.f[t->rec.n++];
	fl->key = key;
	fl->kind = (u8)kind;
	fl->flags = 0;
	return fl;
}

void trace_hex(struct vx_trace *t, const char *key, u64 v)
{
	struct trace_field *fl = add(t, key, TRACE_K_HEX);
	if (fl)
		fl->u = v;
}

void trace_hex32(struct vx_trace *t, const char *key, u32 v)
{
	struct trace_field *fl = add(t, key, TRACE_K_HEX32);
	if (fl)
		fl->u = v;
}

void trace_int(struct vx_trace *t, const char *key, s64 v)
{
	struct trace_field *fl = add(t, key, TRACE_K_INT);
	if (fl)
		fl->i = v;
}

void trace_str(struct vx_trace *t, const char *key, const char *s)
{
	struct trace_field *fl = s ? add(t, key, TRACE_K_STR) : NULL;
	if (fl)
		fl->s = s;
}

void trace_label(struct vx_trace *t, const char *key, const char *s)
{
	struct trace_field *fl = s ? add(t, key, TRACE_K_STR) : NULL;
	if (fl) {
		fl->s = s;
		fl->flags = TRACE_F_LABEL;
	}
}

void trace_bool(struct vx_trace *t, const char *key, bool v)
{
	struct trace_field *fl = add(t, key, TRACE_K_BOOL);
	if (fl)
		fl->b = v;
}

/* Marks the last field added (text rendering hints). */
static void flag_last(struct vx_trace *t, u8 flags)
{
	if (t->building && t->rec.n)
		t->rec.f[t->rec.n - 1].flags |= flags;
}

const struct trace_field *trace_field_get(const struct trace_record *r, const char *key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].key, key))
			return &r->f[i];
	return NULL;
}

/* ---- JSON ---- */

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), 0 when p does not start one. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0], n;
	u32 cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

static void json_char(FILE *f, unsigned char c)
{
	switch (c) {
	case '"': fputs("\\\"", f); return;
	case '\\': fputs("\\\\", f); return;
	case '\n': fputs("\\n", f); return;
	case '\r': fputs("\\r", f); return;
	case '\t': fputs("\\t", f); return;
	default:
		if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void trace_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0) /* a stray byte (guest console output): keep its value, Latin-1 style */
			fprintf(f, "\\u%04x", *p++);
		else if (n == 1)
			json_char(f, *p++);
		else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

void trace_json_value(FILE *f, const struct trace_field *fl)
{
	switch (fl->kind) {
	case TRACE_K_HEX: fprintf(f, "\"0x%llx\"", (unsigned long long)fl->u); break;
	case TRACE_K_HEX32: fprintf(f, "\"0x%08llx\"", (unsigned long long)fl->u); break;
	case TRACE_K_INT: fprintf(f, "%lld", (long long)fl->i); break;
	case TRACE_K_STR: trace_json_string(f, fl->s); break;
	default: fputs(fl->b ? "true" : "false", f); break;
	}
}

static void render_jsonl(FILE *f, const struct trace_record *r)
{
	fprintf(f, "{\"t\":%llu,\"cpu\":%u,\"lvl\":\"L%u\",\"ev\":\"%s\"",
		(unsigned long long)r->time, r->cpu, r->lvl, events[r->ev].name);
	for (unsigned i = 0; i < r->n; i++) {
		fputc(',', f);
		trace_json_string(f, r->f[i].key);
		fputc(':', f);
		trace_json_value(f, &r->f[i]);
	}
	fputs("}\n", f);
}

/* ---- text ---- */

/* A string the text line can show bare: printable ASCII without blanks, quotes or '='. */
static bool text_bare(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '=' || *p == '\\')
			return false;
	return true;
}

/* Numbers as in JSON but unquoted; strings bare when they can be, else JSON-quoted. */
static void text_value(FILE *f, const struct trace_field *fl)
{
	if (fl->kind == TRACE_K_HEX)
		fprintf(f, "0x%llx", (unsigned long long)fl->u);
	else if (fl->kind == TRACE_K_HEX32)
		fprintf(f, "0x%08llx", (unsigned long long)fl->u);
	else if (fl->kind == TRACE_K_STR && text_bare(fl->s))
		fputs(fl->s, f);
	else
		trace_json_value(f, fl);
}

static bool text_visible(const struct trace_field *fl)
{
	return !(fl->flags & TRACE_F_QUIET) && !(fl->kind == TRACE_K_BOOL && !fl->b);
}

/*
 * "t=1234       L1 vmexit         EPT_MISCONFIG (enclave) rip=0x401000 qual=0x0 ..."
 * Labels first, then true booleans as "(key)", then key=value; false booleans and quiet
 * fields are left out.
 */
static void render_text(FILE *f, const struct trace_record *r)
{
	unsigned visible = 0;
	for (unsigned i = 0; i < r->n; i++)
		visible += text_visible(&r->f[i]);
	fprintf(f, "t=%-10llu L%u", (unsigned long long)r->time, r->lvl);
	if (r->cpu)
		fprintf(f, " cpu%u", r->cpu);
	fprintf(f, visible ? " %-14s" : " %s", events[r->ev].name);
	for (unsigned pass = 0; pass < 3; pass++) {
		for (unsigned i = 0; i < r->n; i++) {
			const struct trace_field *fl = &r->f[i];
			bool label = fl->flags & TRACE_F_LABEL, flag = fl->kind == TRACE_K_BOOL;
			if (!text_visible(fl) || pass != (label ? 0u : flag ? 1u : 2u))
				continue;
			if (label)
				fputc(' ', f);
			else if (flag)
				fprintf(f, " (%s)", fl->key);
			else
				fprintf(f, " %s=", fl->key);
			if (!flag)
				text_value(f, fl);
		}
	}
	fputc('\n', f);
}

void trace_end(struct vx_trace *t)
{
	if (!t || !t->building)
		return;
	t->building = false;
	const struct trace_record *r = &t->rec;
	t->count[r->ev]++;
	if (r->time > t->last_time)
		t->last_time = r->time;
	if (t->f) {
		switch (t->fmt) {
		case TRACE_FMT_JSONL: render_jsonl(t->f, r); break;
		case TRACE_FMT_TEXT: render_text(t->f, r); break;
		case TRACE_FMT_CHROME: trace_chrome_record(t, r); break;
		}
	}
	if (t->hook)
		t->hook(t->hook_ctx, r);
}

/* ---- one call per record ---- */

const char *trace_intr_type_name(unsigned type)
{
	static const char *const names[8] = {
	    [VMX_INTR_TYPE_EXT_INTR] = "external",
	    [VMX_INTR_TYPE_RESERVED] = "reserved",
	    [VMX_INTR_TYPE_NMI] = "nmi",
	    [VMX_INTR_TYPE_HARD_EXCEPTION] = "hw_exception",
	    [VMX_INTR_TYPE_SOFT_INTR] = "sw_interrupt",
	    [VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION] = "priv_sw_exception",
	    [VMX_INTR_TYPE_SOFT_EXCEPTION] = "sw_exception",
	    [VMX_INTR_TYPE_OTHER_EVENT] = "other",
	};
	return names[type & 7];
}

static const char *reason_name(u32 raw)
{
	const struct vx_exit_reason_info *ri =
	    vx_exit_reason_info(raw & VMX_EXIT_REASON_BASIC_MASK);
	return ri ? ri->name : "UNKNOWN";
}

/* reason, basic, raw, enclave: the decoded exit reason (24.9.1, Table 24-14). */
static void exit_reason_fields(struct vx_trace *t, u32 raw)
{
	trace_label(t, "reason", reason_name(raw));
	trace_int(t, "basic", raw & VMX_EXIT_REASON_BASIC_MASK);
	flag_last(t, TRACE_F_QUIET);
	trace_hex32(t, "raw", raw);
	trace_bool(t, "enclave", raw & VMX_EXIT_REASON_ENCLAVE_MODE);
}

/* vector, type, name, error_code of an interruption-information field (Table 24-15). */
static void intr_info_fields(struct vx_trace *t, u32 info, u32 error_code)
{
	unsigned vector = info & VMX_INTR_INFO_VECTOR_MASK;
	unsigned type = (info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT;
	trace_int(t, "vector", vector);
	if (type == VMX_INTR_TYPE_HARD_EXCEPTION)
		trace_label(t, "name", vx_vector_mnemonic(vector));
	trace_str(t, "type", trace_intr_type_name(type));
	if (info & VMX_INTR_INFO_ERROR_CODE)
		trace_hex(t, "error_code", error_code);
}

void trace_vmentry(struct vx_trace *t, unsigned cpu, unsigned lvl, bool launch, u64 rip)
{
	if (!trace_begin(t, TRACE_vmentry, cpu, lvl))
		return;
	trace_bool(t, "launch", launch);
	trace_hex(t, "rip", rip);
	trace_end(t);
}

void trace_vmexit(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 raw, u64 rip, u64 qual,
		  u32 insn_len, u32 intr_info, u32 guest_intr)
{
	if (t && t->stats)
		trace_stats_add(t->stats, lvl, raw);
	if (!trace_begin(t, TRACE_vmexit, cpu, lvl))
		return;
	exit_reason_fields(t, raw);
	trace_hex(t, "rip", rip);
	trace_hex(t, "qual", qual);
	trace_int(t, "insn_len", insn_len);
	trace_hex32(t, "intr_info", intr_info);
	trace_hex32(t, "guest_intr", guest_intr);
	trace_end(t);
}

void trace_vmentry_fail(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *rule,
			const char *sdm)
{
	if (!trace_begin(t, TRACE_vmentry_fail, cpu, lvl))
		return;
	trace_str(t, "rule", rule);
	trace_str(t, "sdm", sdm);
	trace_end(t);
}

/* SDM Vol. 3C 30.2 "Conventions": VMfail is VMfailValid(ErrorNumber) when the VMCS pointer
 * is valid (the number goes to the VM-instruction error field), else VMfailInvalid. */
void trace_vmfail(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *insn, bool valid,
		  u32 error)
{
	if (!trace_begin(t, TRACE_vmfail, cpu, lvl))
		return;
	trace_label(t, "insn", insn);
	trace_str(t, "kind", valid ? "VMfailValid" : "VMfailInvalid");
	if (valid) {
		trace_int(t, "error", error);
		trace_str(t, "error_name", vx_insn_error_name(error));
	}
	trace_end(t);
}

void trace_inject(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 intr_info, u32 error_code)
{
	if (!trace_begin(t, TRACE_inject, cpu, lvl))
		return;
	intr_info_fields(t, intr_info, error_code);
	trace_hex32(t, "intr_info", intr_info);
	trace_end(t);
}

void trace_emulate(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip, u64 gpa,
		   const char *insn, bool refused)
{
	if (!trace_begin(t, TRACE_emulate, cpu, lvl))
		return;
	trace_hex(t, "rip", rip);
	trace_hex(t, "gpa", gpa);
	trace_label(t, "insn", insn);
	trace_bool(t, "refused", refused);
	trace_end(t);
}

void trace_skip(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip, u32 insn_len)
{
	if (!trace_begin(t, TRACE_skip, cpu, lvl))
		return;
	trace_hex(t, "rip", rip);
	trace_int(t, "insn_len", insn_len);
	trace_end(t);
}

void trace_skip_warn(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip, u32 insn_len, u32 raw)
{
	if (!trace_begin(t, TRACE_skip_warn, cpu, lvl))
		return;
	trace_hex(t, "rip", rip);
	trace_int(t, "insn_len", insn_len);
	trace_hex32(t, "raw", raw);
	trace_label(t, "reason", reason_name(raw));
	trace_end(t);
}

void trace_aex(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 aep, u32 cssa,
	       const char *cause)
{
	if (!trace_begin(t, TRACE_aex, cpu, lvl))
		return;
	trace_hex(t, "tcs", tcs);
	trace_hex(t, "rip", rip);
	trace_hex(t, "aep", aep);
	trace_int(t, "cssa", cssa);
	trace_label(t, "cause", cause);
	trace_end(t);
}

void trace_eenter(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 entry,
		  u64 aep, u32 cssa)
{
	if (!trace_begin(t, TRACE_eenter, cpu, lvl))
		return;
	trace_hex(t, "tcs", tcs);
	trace_hex(t, "rip", rip);
	trace_hex(t, "entry", entry);
	trace_hex(t, "aep", aep);
	trace_int(t, "cssa", cssa);
	trace_end(t);
}

void trace_eresume(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 resume,
		   u64 aep, u32 cssa)
{
	if (!trace_begin(t, TRACE_eresume, cpu, lvl))
		return;
	trace_hex(t, "tcs", tcs);
	trace_hex(t, "rip", rip);
	trace_hex(t, "resume", resume);
	trace_hex(t, "aep", aep);
	trace_int(t, "cssa", cssa);
	trace_end(t);
}

void trace_eexit(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 tcs, u64 rip, u64 target)
{
	if (!trace_begin(t, TRACE_eexit, cpu, lvl))
		return;
	trace_hex(t, "tcs", tcs);
	trace_hex(t, "rip", rip);
	trace_hex(t, "target", target);
	trace_end(t);
}

static void sgx_leaf(struct vx_trace *t, enum vx_list list, u32 leaf, u64 rbx, u64 rcx, u64 rdx)
{
	const struct vx_named *nm = vx_list_find(list, leaf);
	trace_int(t, "leaf", leaf);
	trace_label(t, "name", nm ? nm->name : NULL);
	trace_hex(t, "rbx", rbx);
	trace_hex(t, "rcx", rcx);
	trace_hex(t, "rdx", rdx);
	trace_end(t);
}

void trace_encls(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 leaf, u64 rbx, u64 rcx,
		 u64 rdx)
{
	if (trace_begin(t, TRACE_encls, cpu, lvl))
		sgx_leaf(t, VX_LIST_ENCLS, leaf, rbx, rcx, rdx);
}

void trace_enclu(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 leaf, u64 rbx, u64 rcx,
		 u64 rdx)
{
	if (trace_begin(t, TRACE_enclu, cpu, lvl))
		sgx_leaf(t, VX_LIST_ENCLU, leaf, rbx, rcx, rdx);
}

void trace_nested_reflect(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 raw, u64 qual,
			  u32 guest_intr)
{
	if (!trace_begin(t, TRACE_nested_reflect, cpu, lvl))
		return;
	exit_reason_fields(t, raw);
	trace_hex(t, "qual", qual);
	trace_hex32(t, "guest_intr", guest_intr);
	trace_end(t);
}

void trace_console(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *text)
{
	if (!trace_begin(t, TRACE_console, cpu, lvl))
		return;
	trace_label(t, "text", text);
	trace_end(t);
}

void trace_exit(struct vx_trace *t, unsigned cpu, unsigned lvl, int status, const char *reason,
		u64 rip)
{
	if (!trace_begin(t, TRACE_exit, cpu, lvl))
		return;
	trace_int(t, "status", status);
	trace_label(t, "reason", reason);
	trace_hex(t, "rip", rip);
	trace_end(t);
}

void trace_io(struct vx_trace *t, unsigned cpu, unsigned lvl, bool in, u16 port, u32 size,
	      u64 value)
{
	if (!trace_begin(t, TRACE_io, cpu, lvl))
		return;
	trace_label(t, "dir", in ? "in" : "out");
	trace_int(t, "port", port);
	trace_int(t, "size", size);
	trace_hex(t, "value", value);
	trace_end(t);
}

void trace_mmio(struct vx_trace *t, unsigned cpu, unsigned lvl, bool write, u64 pa, u32 size,
		u64 value)
{
	if (!trace_begin(t, TRACE_mmio, cpu, lvl))
		return;
	trace_label(t, "dir", write ? "write" : "read");
	trace_hex(t, "pa", pa);
	trace_int(t, "size", size);
	trace_hex(t, "value", value);
	trace_end(t);
}

/* CR2 is loaded only for a page fault (Vol. 3A 6.15 "Exception and Interrupt Reference",
 * Interrupt 14—Page-Fault Exception (#PF)). */
void trace_exception(struct vx_trace *t, unsigned cpu, unsigned lvl, u32 intr_info, u32 error_code,
		     u64 rip, u64 cr2)
{
	if (!trace_begin(t, TRACE_exception, cpu, lvl))
		return;
	intr_info_fields(t, intr_info, error_code);
	trace_hex(t, "rip", rip);
	if ((intr_info & VMX_INTR_INFO_VECTOR_MASK) == X86_VEC_PF &&
	    (intr_info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT ==
		VMX_INTR_TYPE_HARD_EXCEPTION)
		trace_hex(t, "cr2", cr2);
	trace_end(t);
}

void trace_interrupt(struct vx_trace *t, unsigned cpu, unsigned lvl, u8 vector, u64 rip)
{
	if (!trace_begin(t, TRACE_interrupt, cpu, lvl))
		return;
	trace_int(t, "vector", vector);
	trace_hex(t, "rip", rip);
	trace_end(t);
}

void trace_timer(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *action, u8 vector,
		 u64 deadline)
{
	if (!trace_begin(t, TRACE_timer, cpu, lvl))
		return;
	trace_label(t, "action", action);
	trace_int(t, "vector", vector);
	trace_int(t, "deadline", (s64)deadline);
	trace_end(t);
}

void trace_unsupported(struct vx_trace *t, unsigned cpu, unsigned lvl, const char *mnemonic,
		       u64 rip)
{
	if (!trace_begin(t, TRACE_unsupported, cpu, lvl))
		return;
	trace_label(t, "mnemonic", mnemonic);
	trace_hex(t, "rip", rip);
	trace_end(t);
}

void trace_triple_fault(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 rip)
{
	if (!trace_begin(t, TRACE_triple_fault, cpu, lvl))
		return;
	trace_hex(t, "rip", rip);
	trace_end(t);
}

void trace_hypercall(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 nr, u64 rip)
{
	if (!trace_begin(t, TRACE_hypercall, cpu, lvl))
		return;
	trace_hex(t, "nr", nr);
	trace_hex(t, "rip", rip);
	trace_end(t);
}

/* "rwx" letters of three qualification bits starting at lo, '-' for a clear bit. */
static void rwx(char out[4], u64 qual, unsigned lo)
{
	for (unsigned i = 0; i < 3; i++)
		out[i] = (qual >> (lo + i)) & 1 ? "rwx"[i] : '-';
	out[3] = 0;
}

/* Table 27-7 "Exit Qualification for EPT Violations": bits 2:0 the access (read, write,
 * instruction fetch), bits 5:3 what the EPT entries allowed (readable, writable, executable),
 * bit 7 set when the guest linear-address field is valid. */
void trace_ept_violation(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 gpa, u64 gla, u64 qual)
{
	char access[4], allowed[4];
	if (!trace_begin(t, TRACE_ept_violation, cpu, lvl))
		return;
	rwx(access, qual, 0);
	rwx(allowed, qual, 3);
	trace_hex(t, "gpa", gpa);
	trace_hex(t, "qual", qual);
	trace_str(t, "access", access);
	trace_str(t, "allowed", allowed);
	if (qual & BIT(7))
		trace_hex(t, "gla", gla);
	trace_end(t);
}

void trace_ept_misconfig(struct vx_trace *t, unsigned cpu, unsigned lvl, u64 gpa)
{
	if (!trace_begin(t, TRACE_ept_misconfig, cpu, lvl))
		return;
	trace_hex(t, "gpa", gpa);
	trace_end(t);
}
