// SPDX-License-Identifier: MIT
/*
 * The trace library (src/lib/trace.c, trace_chrome.c, trace_stats.c): the JSON Lines
 * contract of DESIGN.md section 5 field by field, the text and Chrome renderings, string
 * escaping, the event mask and the off path, and the exit statistics.  Output is captured in
 * an open_memstream buffer and checked with a strict JSON parser (RFC 8259 grammar, UTF-8
 * validated) kept in this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/vmx.h"
#include "lib/out.h"
#include "lib/trace.h"
#include "lib/trace_stats.h"

/* ---- a strict JSON parser ---- */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	int type;
	bool b;
	bool is_int;
	long long i;
	char *s; /* J_STR, decoded */
	size_t n;
	char **keys; /* J_OBJ */
	struct jv **v;
};

struct jp {
	const unsigned char *p, *end;
};

static void jfree(struct jv *v)
{
	if (!v)
		return;
	for (size_t k = 0; k < v->n; k++) {
		jfree(v->v[k]);
		if (v->keys)
			free(v->keys[k]);
	}
	free(v->v);
	free(v->keys);
	free(v->s);
	free(v);
}

static void jws(struct jp *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p) && *j->p)
		j->p++;
}

static bool jlit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool ju4(struct jp *j, unsigned *out)
{
	unsigned v = 0;
	if (j->end - j->p < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		int h = hexval(j->p[k]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	j->p += 4;
	*out = v;
	return true;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* A raw UTF-8 sequence in a string: its length, 0 when malformed. */
static size_t jutf8(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p, n, cp;
	if (c < 0x80)
		return 1;
	n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
	if (!n || n > 4 || (size_t)(end - p) < n || c > 0xf4)
		return 0;
	cp = c & (0x7fu >> n);
	for (unsigned k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3fu);
	}
	static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static char *jstring(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return NULL;
	j->p++;
	char *out = malloc((size_t)(j->end - j->p) + 1), *o = out;
	while (j->p < j->end && *j->p != '"') {
		unsigned c = *j->p;
		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			size_t n = jutf8(j->p, j->end);
			if (!n)
				goto bad;
			memcpy(o, j->p, n);
			o += n;
			j->p += n;
			continue;
		}
		if (++j->p >= j->end)
			goto bad;
		c = *j->p++;
		const char *esc = strchr("\"\\/bfnrt", (int)c);
		if (c && esc) {
			*o++ = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
			continue;
		}
		unsigned cp, lo;
		if (c != 'u' || !ju4(j, &cp))
			goto bad;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			goto bad;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (!jlit(j, "\\u") || !ju4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
				goto bad;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			goto bad; /* a NUL would end the C string: never expected from the trace */
		o = put_utf8(o, cp);
	}
	if (j->p >= j->end)
		goto bad;
	j->p++;
	*o = 0;
	return out;
bad:
	free(out);
	return NULL;
}

static bool jnumber(struct jp *j, struct jv *v)
{
	const unsigned char *s = j->p;
	bool frac = false;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return false;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		frac = true;
		if (++j->p >= j->end || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		frac = true;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	char buf[64];
	size_t n = (size_t)(j->p - s);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	v->is_int = !frac;
	v->i = frac ? 0 : strtoll(buf, NULL, 10);
	return true;
}

static struct jv *jvalue(struct jp *j, int depth);

static bool jmembers(struct jp *j, struct jv *v, bool obj, int depth)
{
	char close = obj ? '}' : ']';
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		jws(j);
		if (obj) {
			if (!(key = jstring(j)))
				return false;
			jws(j);
			if (j->p >= j->end || *j->p++ != ':') {
				free(key);
				return false;
			}
		}
		struct jv *m = jvalue(j, depth + 1);
		if (!m) {
			free(key);
			return false;
		}
		v->v = realloc(v->v, (v->n + 1) * sizeof(*v->v));
		if (obj) {
			v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
			v->keys[v->n] = key;
		}
		v->v[v->n++] = m;
		jws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static struct jv *jvalue(struct jp *j, int depth)
{
	struct jv *v = calloc(1, sizeof(*v));
	bool ok;
	jws(j);
	if (depth > 64 || j->p >= j->end) {
		ok = false;
	} else if (*j->p == '{' || *j->p == '[') {
		v->type = *j->p == '{' ? J_OBJ : J_ARR;
		ok = jmembers(j, v, v->type == J_OBJ, depth);
	} else if (*j->p == '"') {
		v->type = J_STR;
		ok = (v->s = jstring(j)) != NULL;
	} else if (jlit(j, "true") || jlit(j, "false")) {
		v->type = J_BOOL;
		v->b = j->p[-1] == 'e' && j->p[-2] == 'u'; /* "true" */
		ok = true;
	} else if (jlit(j, "null")) {
		v->type = J_NULL;
		ok = true;
	} else {
		v->type = J_NUM;
		ok = jnumber(j, v);
	}
	if (!ok) {
		jfree(v);
		return NULL;
	}
	return v;
}

/* The whole text as one JSON value, or NULL when it is not exactly that. */
static struct jv *jparse(const char *text, size_t len)
{
	struct jp j = {(const unsigned char *)text, (const unsigned char *)text + len};
	struct jv *v = jvalue(&j, 0);
	jws(&j);
	if (v && j.p != j.end) {
		jfree(v);
		return NULL;
	}
	return v;
}

static struct jv *jget(const struct jv *o, const char *key)
{
	if (!o || o->type != J_OBJ)
		return NULL;
	for (size_t k = 0; k < o->n; k++)
		if (!strcmp(o->keys[k], key))
			return o->v[k];
	return NULL;
}

static const char *jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);
	assert_non_null(v);
	assert_int_equal(v->type, J_STR);
	return v->s;
}

static long long jint(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);
	assert_non_null(v);
	assert_int_equal(v->type, J_NUM);
	assert_true(v->is_int);
	return v->i;
}

static bool jbool(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);
	assert_non_null(v);
	assert_int_equal(v->type, J_BOOL);
	return v->b;
}

static void test_json_checker(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "{}",
	    "[]",
	    "[1,-2,0.5,1e3,true,false,null]",
	    "{\"a\":{\"b\":[\"\\u00e9\\n\"]}}",
	    "\"\\ud83d\\ude00\"",
	    "\"\xc3\xa9\"",
	};
	static const char *const bad[] = {
	    "",
	    "[1,]",
	    "{\"a\"}",
	    "[01]",
	    "\"a",
	    "[1 2]",
	    "{\"a\":1,}",
	    "\"\\x\"",
	    "\"\x01\"",
	    "\"\xff\"",
	    "\"\xc0\x80\"",
	    "\"\xed\xa0\x80\"",
	    "\"\\udc00\"",
	    "[1]]",
	    "tru",
	};
	for (size_t k = 0; k < ARRAY_SIZE(good); k++) {
		struct jv *v = jparse(good[k], strlen(good[k]));
		assert_non_null(v);
		jfree(v);
	}
	for (size_t k = 0; k < ARRAY_SIZE(bad); k++)
		assert_null(jparse(bad[k], strlen(bad[k])));
	struct jv *v = jparse("\"\\ud83d\\ude00\"", 14);
	assert_string_equal(v->s, "\xf0\x9f\x98\x80");
	jfree(v);
}

/* ---- capture ---- */

struct cap {
	char *buf;
	size_t len;
	FILE *f;
};

static u64 fake_now;
static unsigned clock_cpu;

static u64 fake_clock(void *ctx, unsigned cpu)
{
	(void)ctx;
	clock_cpu = cpu;
	return fake_now;
}

static void cap_open(struct cap *c, struct vx_trace *t, enum trace_format fmt)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	trace_init(t);
	trace_set_clock(t, fake_clock, NULL);
	trace_open(t, c->f, fmt);
	fake_now = 0;
}

/* Closes the trace and the stream; the text stays in c->buf (freed by the caller). */
static char *cap_close(struct cap *c, struct vx_trace *t)
{
	trace_close(t);
	fclose(c->f);
	return c->buf;
}

/* Lines of a JSON Lines text, each parsed; *n receives the count. */
static struct jv **jlines(const char *text, size_t *n)
{
	struct jv **out = NULL;
	*n = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl); /* every record ends with a newline */
		out = realloc(out, (*n + 1) * sizeof(*out));
		out[*n] = jparse(p, (size_t)(nl - p));
		assert_non_null(out[*n]);
		assert_int_equal(out[*n]->type, J_OBJ);
		++*n;
		p = nl + 1;
	}
	return out;
}

static void jlines_free(struct jv **v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		jfree(v[k]);
	free(v);
}

/* ---- one record of every type, and the contract's field list for each ---- */

static const struct {
	enum trace_event ev;
	const char
	    *fields; /* key:form, form h = hex, x = hex32, n = number, s = string, b = bool */
} contract[] = {
    {TRACE_vmentry, "launch:b rip:h"},
    {TRACE_vmexit,
     "reason:s basic:n raw:x enclave:b rip:h qual:h insn_len:n intr_info:x guest_intr:x"},
    {TRACE_vmentry_fail, "rule:s sdm:s"},
    {TRACE_vmfail, "insn:s kind:s error:n error_name:s"},
    {TRACE_inject, "vector:n name:s type:s error_code:h intr_info:x"},
    {TRACE_emulate, "rip:h gpa:h insn:s refused:b"},
    {TRACE_skip, "rip:h insn_len:n"},
    {TRACE_skip_warn, "rip:h insn_len:n raw:x reason:s"},
    {TRACE_aex, "tcs:h rip:h aep:h cssa:n cause:s"},
    {TRACE_eenter, "tcs:h rip:h entry:h aep:h cssa:n"},
    {TRACE_eexit, "tcs:h rip:h target:h"},
    {TRACE_eresume, "tcs:h rip:h resume:h aep:h cssa:n"},
    {TRACE_encls, "leaf:n name:s rbx:h rcx:h rdx:h"},
    {TRACE_enclu, "leaf:n name:s rbx:h rcx:h rdx:h"},
    {TRACE_nested_reflect, "reason:s basic:n raw:x enclave:b qual:h guest_intr:x"},
    {TRACE_console, "text:s"},
    {TRACE_exit, "status:n reason:s rip:h"},
    {TRACE_io, "dir:s port:n size:n value:h"},
    {TRACE_mmio, "dir:s pa:h size:n value:h"},
    {TRACE_exception, "vector:n name:s type:s error_code:h rip:h cr2:h"},
    {TRACE_interrupt, "vector:n rip:h"},
    {TRACE_timer, "action:s vector:n deadline:n"},
    {TRACE_unsupported, "mnemonic:s rip:h"},
    {TRACE_triple_fault, "rip:h"},
    {TRACE_hypercall, "nr:h rip:h"},
    {TRACE_ept_violation, "gpa:h qual:h access:s allowed:s gla:h"},
    {TRACE_ept_misconfig, "gpa:h"},
};
_Static_assert(ARRAY_SIZE(contract) == TRACE_NR_EVENTS, "one contract row per event");

/* Emits contract[k]'s record at time 100 + k, with every optional field present. */
static void emit(struct vx_trace *t, enum trace_event ev)
{
	fake_now = 100 + (u64)ev;
	switch (ev) {
	case TRACE_vmentry: trace_vmentry(t, 0, 1, true, 0x401000); break;
	case TRACE_vmexit: trace_vmexit(t, 0, 1, 0x08000031, 0x401000, 0, 3, 0, 0x10); break;
	case TRACE_vmentry_fail:
		trace_vmentry_fail(t, 0, 1, "ctls->pin & ~caps->pin_allowed1",
				   "26.2.1.1 \"VM-Execution Control Fields\"");
		break;
	case TRACE_vmfail: trace_vmfail(t, 0, 1, "VMLAUNCH", true, 7); break;
	case TRACE_inject: trace_inject(t, 0, 1, 0x80000b0d, 0x18); break;
	case TRACE_emulate: trace_emulate(t, 0, 1, 0x401000, 0xfeb00000, "mov", false); break;
	case TRACE_skip: trace_skip(t, 0, 1, 0x401000, 2); break;
	case TRACE_skip_warn: trace_skip_warn(t, 0, 1, 0x7000, 3, 0x0800000a); break;
	case TRACE_aex: trace_aex(t, 0, 1, 0x10000, 0x11234, 0x7000, 1, "#PF"); break;
	case TRACE_eenter: trace_eenter(t, 0, 1, 0x10000, 0x6ff0, 0x11000, 0x7000, 0); break;
	case TRACE_eexit: trace_eexit(t, 0, 1, 0x10000, 0x11100, 0x7010); break;
	case TRACE_eresume: trace_eresume(t, 0, 1, 0x10000, 0x7000, 0x11234, 0x7000, 0); break;
	case TRACE_encls: trace_encls(t, 0, 1, 0, 0x20000, 0x30000, 0); break;
	case TRACE_enclu: trace_enclu(t, 0, 1, 2, 0x10000, 0x7000, 0); break;
	case TRACE_nested_reflect: trace_nested_reflect(t, 0, 2, 0x08000030, 0x181, 0x10); break;
	case TRACE_console: trace_console(t, 0, 1, "hello\n"); break;
	case TRACE_exit: trace_exit(t, 0, 1, 0, "exit_port", 0x401020); break;
	case TRACE_io: trace_io(t, 0, 1, false, 0xe9, 1, 0x41); break;
	case TRACE_mmio: trace_mmio(t, 0, 1, true, 0xfeb00008, 8, 0x1122334455667788); break;
	case TRACE_exception: trace_exception(t, 0, 1, 0x80000b0e, 2, 0x401000, 0xdead000); break;
	case TRACE_interrupt: trace_interrupt(t, 0, 1, 0x20, 0x401004); break;
	case TRACE_timer: trace_timer(t, 0, 1, "arm", 0x20, 5000); break;
	case TRACE_unsupported: trace_unsupported(t, 0, 1, "fld", 0x401008); break;
	case TRACE_triple_fault: trace_triple_fault(t, 0, 1, 0x40100c); break;
	case TRACE_hypercall: trace_hypercall(t, 0, 1, 0x1234, 0x401010); break;
	case TRACE_ept_violation: trace_ept_violation(t, 0, 1, 0x5000, 0x405000, 0x181); break;
	case TRACE_ept_misconfig: trace_ept_misconfig(t, 0, 1, 0xfeb00000); break;
	case TRACE_NR_EVENTS: break;
	}
}

static void emit_all(struct vx_trace *t)
{
	for (int ev = 0; ev < TRACE_NR_EVENTS; ev++)
		emit(t, (enum trace_event)ev);
}

/* "0x" and lowercase hex digits: minimal (form h) or exactly eight (form x). */
static bool hex_form(const char *s, char form)
{
	size_t n = strlen(s);
	if (n < 3 || s[0] != '0' || s[1] != 'x' || strspn(s + 2, "0123456789abcdef") != n - 2)
		return false;
	return form == 'x' ? n == 10 : n == 3 || s[2] != '0';
}

static void check_field(const struct jv *rec, const char *key, char form)
{
	const struct jv *v = jget(rec, key);
	if (!v)
		fail_msg("field %s missing", key);
	switch (form) {
	case 'h':
	case 'x':
		assert_int_equal(v->type, J_STR);
		if (!hex_form(v->s, form))
			fail_msg("%s = \"%s\" is not form %c", key, v->s, form);
		break;
	case 'n':
		assert_int_equal(v->type, J_NUM);
		assert_true(v->is_int);
		break;
	case 's': assert_int_equal(v->type, J_STR); break;
	default: assert_int_equal(v->type, J_BOOL); break;
	}
}

/* The record has exactly t, cpu, lvl, ev and then the contract's fields, in that order. */
static void check_contract(const struct jv *rec, size_t row)
{
	char spec[160], *save = NULL;
	size_t k = 4;
	assert_true(rec->n >= 4);
	assert_string_equal(rec->keys[0], "t");
	assert_string_equal(rec->keys[1], "cpu");
	assert_string_equal(rec->keys[2], "lvl");
	assert_string_equal(rec->keys[3], "ev");
	assert_int_equal(jint(rec, "t"), 100 + contract[row].ev);
	assert_int_equal(jint(rec, "cpu"), 0);
	assert_string_equal(jstr(rec, "ev"), trace_event_name(contract[row].ev));
	snprintf(spec, sizeof(spec), "%s", contract[row].fields);
	for (char *f = strtok_r(spec, " ", &save); f; f = strtok_r(NULL, " ", &save), k++) {
		char *colon = strchr(f, ':');
		*colon = 0;
		if (k >= rec->n)
			fail_msg("%s: field %s missing", trace_event_name(contract[row].ev), f);
		assert_string_equal(rec->keys[k], f);
		check_field(rec, f, colon[1]);
	}
	assert_int_equal(rec->n, k);
}

/* ---- the event table ---- */

static void test_event_table(void **state)
{
	(void)state;
	static const char *const required[] = {
	    "vmentry",       "vmexit",        "vmentry_fail", "vmfail",       "inject",
	    "emulate",       "skip",          "skip_warn",    "aex",          "eenter",
	    "eexit",         "eresume",       "encls",        "enclu",        "nested_reflect",
	    "console",       "exit",          "io",           "mmio",         "exception",
	    "interrupt",     "timer",         "unsupported",  "triple_fault", "hypercall",
	    "ept_violation", "ept_misconfig",
	};
	for (size_t k = 0; k < ARRAY_SIZE(required); k++)
		assert_true(trace_event_by_name(required[k]) >= 0);
	for (int ev = 0; ev < TRACE_NR_EVENTS; ev++) {
		assert_int_equal(trace_event_by_name(trace_event_name(ev)), ev);
		assert_true(strlen(trace_event_desc(ev)) > 10);
		assert_int_equal(contract[ev].ev, ev);
	}
	assert_int_equal(trace_event_by_name("VMEXIT"), -1);
	assert_null(trace_event_name(TRACE_NR_EVENTS));
	assert_int_equal(TRACE_MASK_ALL, (1ull << TRACE_NR_EVENTS) - 1);

	enum trace_format fmt = TRACE_FMT_TEXT;
	assert_true(trace_format_parse("chrome", &fmt));
	assert_int_equal(fmt, TRACE_FMT_CHROME);
	assert_true(trace_format_parse("jsonl", &fmt));
	assert_int_equal(fmt, TRACE_FMT_JSONL);
	assert_true(trace_format_parse("text", &fmt));
	assert_int_equal(fmt, TRACE_FMT_TEXT);
	assert_false(trace_format_parse("json", &fmt));
	assert_int_equal(fmt, TRACE_FMT_TEXT);

	u64 m = 42;
	assert_true(trace_mask_parse("vmexit,inject", &m));
	assert_int_equal(m, TRACE_MASK(TRACE_vmexit) | TRACE_MASK(TRACE_inject));
	assert_true(trace_mask_parse("all", &m));
	assert_int_equal(m, TRACE_MASK_ALL);
	m = 42;
	assert_false(trace_mask_parse("vmexit,nope", &m));
	assert_false(trace_mask_parse("vmexit,", &m));
	assert_false(trace_mask_parse("", &m));
	assert_int_equal(m, 42);
}

/* ---- JSON Lines ---- */

/* The DESIGN.md example, byte for byte. */
static void test_jsonl_vmexit_exact(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_JSONL);
	fake_now = 1234;
	trace_vmexit(&t, 0, TRACE_L1, 0x08000031, 0x401000, 0, 3, 0, 0x10);
	fake_now = 1300;
	trace_vmexit(&t, 1, TRACE_L2, VMX_EXIT_REASON_FAILED_VMENTRY | VMX_EXIT_INVALID_STATE,
		     0xffffffff80001000ull, 0x2, 0, 0x80000306, 0);
	char *out = cap_close(&c, &t);
	assert_string_equal(
	    out, "{\"t\":1234,\"cpu\":0,\"lvl\":\"L1\",\"ev\":\"vmexit\",\"reason\":"
		 "\"EPT_MISCONFIG\",\"basic\":49,\"raw\":\"0x08000031\",\"enclave\":true,\"rip\":"
		 "\"0x401000\",\"qual\":\"0x0\",\"insn_len\":3,\"intr_info\":\"0x00000000\","
		 "\"guest_intr\":\"0x00000010\"}\n"
		 "{\"t\":1300,\"cpu\":1,\"lvl\":\"L2\",\"ev\":\"vmexit\",\"reason\":"
		 "\"INVALID_STATE\",\"basic\":33,\"raw\":\"0x80000021\",\"enclave\":false,\"rip\":"
		 "\"0xffffffff80001000\",\"qual\":\"0x2\",\"insn_len\":0,\"intr_info\":"
		 "\"0x80000306\",\"guest_intr\":\"0x00000000\"}\n");
	assert_int_equal(clock_cpu, 1);
	assert_int_equal(t.count[TRACE_vmexit], 2);
	free(out);
}

static void test_jsonl_every_event(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_JSONL);
	emit_all(&t);
	char *out = cap_close(&c, &t);
	size_t n;
	struct jv **rec = jlines(out, &n);
	assert_int_equal(n, TRACE_NR_EVENTS);
	for (size_t k = 0; k < n; k++) {
		check_contract(rec[k], k);
		assert_int_equal(t.count[k], 1);
		assert_string_equal(jstr(rec[k], "lvl"), k == TRACE_nested_reflect ? "L2" : "L1");
	}
	/* Values, decoded as the SDM says. */
	const struct jv *r = rec[TRACE_inject];
	assert_int_equal(jint(r, "vector"), 13);
	assert_string_equal(jstr(r, "name"), "#GP");
	assert_string_equal(jstr(r, "type"), "hw_exception");
	assert_string_equal(jstr(r, "error_code"), "0x18");
	assert_string_equal(jstr(r, "intr_info"), "0x80000b0d");
	r = rec[TRACE_nested_reflect];
	assert_string_equal(jstr(r, "raw"), "0x08000030");
	assert_string_equal(jstr(r, "reason"), "EPT_VIOLATION");
	assert_int_equal(jint(r, "basic"), 48);
	assert_true(jbool(r, "enclave"));
	assert_string_equal(jstr(r, "guest_intr"), "0x00000010");
	r = rec[TRACE_vmfail];
	assert_string_equal(jstr(r, "kind"), "VMfailValid");
	assert_int_equal(jint(r, "error"), 7);
	assert_string_equal(jstr(r, "error_name"), "ENTRY_INVALID_CONTROL_FIELD");
	r = rec[TRACE_skip_warn];
	assert_string_equal(jstr(r, "reason"), "CPUID");
	assert_string_equal(jstr(rec[TRACE_encls], "name"), "ECREATE");
	assert_string_equal(jstr(rec[TRACE_enclu], "name"), "EENTER");
	assert_string_equal(jstr(rec[TRACE_exception], "cr2"), "0xdead000");
	assert_string_equal(jstr(rec[TRACE_exception], "name"), "#PF");
	assert_string_equal(jstr(rec[TRACE_mmio], "value"), "0x1122334455667788");
	assert_string_equal(jstr(rec[TRACE_ept_violation], "access"), "r--");
	assert_string_equal(jstr(rec[TRACE_ept_violation], "allowed"), "---");
	assert_string_equal(jstr(rec[TRACE_ept_violation], "gla"), "0x405000");
	assert_int_equal(jint(rec[TRACE_timer], "deadline"), 5000);
	assert_string_equal(jstr(rec[TRACE_vmentry_fail], "sdm"),
			    "26.2.1.1 \"VM-Execution Control Fields\"");
	jlines_free(rec, n);
	free(out);
}

/* Optional fields are absent exactly when the SDM says the value is not there. */
static void test_jsonl_optional_fields(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_JSONL);
	trace_inject(&t, 0, 1, 0x80000020, 0x99);       /* external interrupt 0x20: no code */
	trace_inject(&t, 0, 1, 0x80000306, 0);          /* #UD: no error code */
	trace_inject(&t, 0, 1, 0x80000603, 0);          /* INT3: software exception, no name */
	trace_vmfail(&t, 0, 1, "VMPTRLD", false, 9);    /* VMfailInvalid: no error number */
	trace_exception(&t, 0, 1, 0x80000b0d, 0, 1, 5); /* #GP: error code, no cr2 */
	trace_exception(&t, 0, 1, 0x80000403, 0, 1, 5); /* INT 3 via INT n: no name, no cr2 */
	trace_ept_violation(&t, 0, 1, 0x5000, 0x405000, 0x2a); /* GLA invalid: no gla */
	trace_emulate(&t, 0, 1, 0x7000, 0x5000, NULL, true);   /* refused before decoding */
	trace_aex(&t, 0, 1, 1, 2, 3, 1, NULL);
	trace_vmexit(&t, 0, 1, 0x00000023, 1, 2, 3, 4, 5); /* 35: not an architectural reason */
	char *out = cap_close(&c, &t);
	size_t n;
	struct jv **r = jlines(out, &n);
	assert_int_equal(n, 10);
	assert_null(jget(r[0], "error_code"));
	assert_null(jget(r[0], "name"));
	assert_string_equal(jstr(r[0], "type"), "external");
	assert_int_equal(jint(r[0], "vector"), 0x20);
	assert_null(jget(r[1], "error_code"));
	assert_string_equal(jstr(r[1], "name"), "#UD");
	assert_null(jget(r[2], "name"));
	assert_string_equal(jstr(r[2], "type"), "sw_exception");
	assert_string_equal(jstr(r[3], "kind"), "VMfailInvalid");
	assert_null(jget(r[3], "error"));
	assert_null(jget(r[3], "error_name"));
	assert_string_equal(jstr(r[4], "error_code"), "0x0");
	assert_null(jget(r[4], "cr2"));
	assert_null(jget(r[5], "name"));
	assert_string_equal(jstr(r[5], "type"), "sw_interrupt");
	assert_null(jget(r[6], "gla"));
	assert_string_equal(jstr(r[6], "access"), "-w-");
	assert_string_equal(jstr(r[6], "allowed"), "r-x");
	assert_null(jget(r[7], "insn"));
	assert_true(jbool(r[7], "refused"));
	assert_null(jget(r[8], "cause"));
	assert_string_equal(jstr(r[9], "reason"), "UNKNOWN");
	assert_int_equal(jint(r[9], "basic"), 35);
	jlines_free(r, n);
	free(out);
}

/* Guest bytes can be anything: the output stays valid JSON and keeps every byte's value. */
static void test_string_escaping(void **state)
{
	(void)state;
	static const struct {
		const char *in, *json, *decoded;
	} cases[] = {
	    {"a\"b\\c", "\"a\\\"b\\\\c\"", "a\"b\\c"},
	    {"l1\nl2\r\t", "\"l1\\nl2\\r\\t\"", "l1\nl2\r\t"},
	    {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"", "\x01\x1f\x7f"},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
	    {"\xff", "\"\\u00ff\"", "\xc3\xbf"}, /* not UTF-8: the byte as U+00FF */
	    {"\xc3", "\"\\u00c3\"", "\xc3\x83"}, /* truncated sequence */
	    {"\xc0\x80", "\"\\u00c0\\u0080\"", "\xc3\x80\xc2\x80"}, /* overlong NUL */
	    {"\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"",
	     "\xc3\xad\xc2\xa0\xc2\x80"}, /* surrogate */
	    {"\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"",
	     "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80"}, /* above U+10FFFF */
	    {"", "\"\"", ""},
	};
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		trace_json_string(f, cases[k].in);
		fclose(f);
		assert_string_equal(buf, cases[k].json);
		struct jv *v = jparse(buf, len);
		assert_non_null(v);
		assert_string_equal(v->s, cases[k].decoded);
		jfree(v);
		free(buf);
	}
	/* The same through a record: a console line with quotes and a stray byte. */
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_JSONL);
	trace_console(&t, 0, 1, "say \"hi\"\xfe\n");
	char *out = cap_close(&c, &t);
	assert_non_null(strstr(out, "\"text\":\"say \\\"hi\\\"\\u00fe\\n\"}"));
	size_t n;
	struct jv **r = jlines(out, &n);
	assert_string_equal(jstr(r[0], "text"), "say \"hi\"\xc3\xbe\n");
	jlines_free(r, n);
	free(out);
}

/* The builder directly: typed appenders, NULL strings left out, field overflow counted. */
static void test_builder(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_JSONL);
	fake_now = 7;
	assert_true(trace_begin(&t, TRACE_io, 2, TRACE_L2));
	trace_str(&t, "dir", "out");
	trace_str(&t, "none", NULL);
	trace_int(&t, "port", 0xe9);
	trace_int(&t, "neg", -5);
	trace_hex(&t, "big", ~0ull);
	trace_hex32(&t, "small", 0x1f);
	trace_bool(&t, "no", false);
	trace_end(&t);
	trace_end(&t); /* a second end writes nothing */
	assert_true(trace_begin(&t, TRACE_io, 0, 1));
	for (int k = 0; k < TRACE_MAX_FIELDS + 3; k++)
		trace_int(&t, "k", k);
	trace_end(&t);
	char *out = cap_close(&c, &t);
	const char *first = "{\"t\":7,\"cpu\":2,\"lvl\":\"L2\",\"ev\":\"io\",\"dir\":\"out\","
			    "\"port\":233,\"neg\":-5,\"big\":\"0xffffffffffffffff\",\"small\":"
			    "\"0x0000001f\",\"no\":false}\n";
	assert_memory_equal(out, first, strlen(first));
	assert_int_equal(t.overflow, 3);
	assert_int_equal(t.count[TRACE_io], 2);
	size_t n;
	struct jv **r = jlines(out, &n);
	assert_int_equal(n, 2);
	assert_int_equal(r[1]->n, 4 + TRACE_MAX_FIELDS);
	jlines_free(r, n);
	free(out);
}

/* ---- text ---- */

static void test_text_lines(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_TEXT);
	fake_now = 1234;
	trace_vmexit(&t, 0, 1, 0x08000031, 0x401000, 0, 3, 0, 0x10);
	trace_vmexit(&t, 3, 2, 0x0000000c, 0x401000, 0, 1, 0, 0);
	trace_console(&t, 0, 1, "two words");
	trace_io(&t, 0, 1, true, 0xe9, 1, 0xe9);
	trace_emulate(&t, 0, 1, 0x7000, 0x5000, NULL, true);
	char *out = cap_close(&c, &t);
	assert_string_equal(
	    out,
	    "t=1234       L1 vmexit         EPT_MISCONFIG (enclave) raw=0x08000031 rip=0x401000 "
	    "qual=0x0 insn_len=3 intr_info=0x00000000 guest_intr=0x00000010\n"
	    "t=1234       L2 cpu3 vmexit         HLT raw=0x0000000c rip=0x401000 qual=0x0 "
	    "insn_len=1 intr_info=0x00000000 guest_intr=0x00000000\n"
	    "t=1234       L1 console        \"two words\"\n"
	    "t=1234       L1 io             in port=233 size=1 value=0xe9\n"
	    "t=1234       L1 emulate        (refused) rip=0x7000 gpa=0x5000\n");
	free(out);
}

/* Every record type gives one line: time, level, event name, no trailing blank. */
static void test_text_every_event(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_TEXT);
	emit_all(&t);
	char *out = cap_close(&c, &t), *save = NULL;
	int k = 0;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save), k++) {
		char head[64];
		snprintf(head, sizeof(head), "t=%-10d %s %-14s ", 100 + k,
			 k == TRACE_nested_reflect ? "L2" : "L1", trace_event_name(k));
		assert_memory_equal(l, head, strlen(head));
		assert_true(l[strlen(l) - 1] != ' ');
	}
	assert_int_equal(k, TRACE_NR_EVENTS);
	free(out);
}

/* ---- Chrome ---- */

static const struct jv *chrome_find(const struct jv *arr, const char *ph, const char *name,
				    size_t nth)
{
	for (size_t k = 0; k < arr->n; k++) {
		const struct jv *e = arr->v[k];
		if (!strcmp(jstr(e, "ph"), ph) && !strcmp(jstr(e, "name"), name) && !nth--)
			return e;
	}
	return NULL;
}

static struct jv *chrome_parse(const char *out)
{
	struct jv *arr = jparse(out, strlen(out));
	assert_non_null(arr);
	assert_int_equal(arr->type, J_ARR);
	return arr;
}

static void test_chrome_every_event(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_CHROME);
	emit_all(&t);
	char *out = cap_close(&c, &t);
	struct jv *arr = chrome_parse(out);
	size_t instants = 0;
	for (size_t k = 0; k < arr->n; k++) {
		const struct jv *e = arr->v[k];
		const char *ph = jstr(e, "ph");
		assert_true(!strcmp(ph, "i") || !strcmp(ph, "X") || !strcmp(ph, "M"));
		assert_true(jint(e, "pid") >= 0);
		assert_true(jint(e, "tid") >= 0);
		if (strcmp(ph, "i"))
			continue;
		/* Instants in emission order, each with its record's fields as args. */
		const struct jv *args = jget(e, "args");
		enum trace_event ev = (enum trace_event)instants++;
		assert_string_equal(jstr(e, "cat"), trace_event_name(ev));
		assert_string_equal(jstr(e, "s"), "t");
		assert_int_equal(jint(e, "ts"), 100 + ev);
		assert_int_equal(jint(e, "tid"), ev == TRACE_nested_reflect ? 2 : 1);
		assert_non_null(args);
		assert_int_equal(args->type, J_OBJ);
		assert_true(args->n >= 1);
	}
	assert_int_equal(instants, TRACE_NR_EVENTS);
	const struct jv *e = chrome_find(arr, "i", "vmexit EPT_MISCONFIG", 0);
	assert_non_null(e);
	assert_string_equal(jstr(jget(e, "args"), "raw"), "0x08000031");
	assert_true(jbool(jget(e, "args"), "enclave"));
	/* The vmentry at 100 and the vmexit at 101 bound one guest slice on L1. */
	e = chrome_find(arr, "X", "guest", 0);
	assert_non_null(e);
	assert_int_equal(jint(e, "ts"), 100);
	assert_int_equal(jint(e, "dur"), 1);
	assert_int_equal(jint(e, "tid"), 1);
	assert_false(jbool(jget(e, "args"), "unfinished"));
	assert_null(chrome_find(arr, "X", "guest", 1));
	/* Names for the process and both levels seen. */
	e = chrome_find(arr, "M", "process_name", 0);
	assert_string_equal(jstr(jget(e, "args"), "name"), "cpu0");
	assert_string_equal(jstr(jget(chrome_find(arr, "M", "thread_name", 0), "args"), "name"),
			    "L1");
	assert_string_equal(jstr(jget(chrome_find(arr, "M", "thread_name", 1), "args"), "name"),
			    "L2");
	jfree(arr);
	free(out);
}

/* Nested slices: L1 runs, exits on VMRESUME, L2 runs, exits; an entry that fails a check
 * leaves no slice. */
static void test_chrome_slices(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_CHROME);
	fake_now = 10;
	trace_vmentry(&t, 0, 1, true, 0x1000);
	fake_now = 50;
	trace_vmexit(&t, 0, 1, VMX_EXIT_VMRESUME, 0x1040, 0, 3, 0, 0);
	fake_now = 51;
	trace_vmentry(&t, 0, 2, false, 0x2000);
	fake_now = 80;
	trace_vmexit(&t, 0, 2, 0x08000001, 0x7000, 0, 0, 0x80000020, 0x10);
	fake_now = 90;
	trace_vmentry(&t, 0, 2, false, 0x7000);
	trace_vmentry_fail(&t, 0, 2, "rule", "sdm");
	fake_now = 95;
	trace_vmexit(&t, 0, 2, VMX_EXIT_REASON_FAILED_VMENTRY | 33, 0x7000, 0, 0, 0, 0);
	char *out = cap_close(&c, &t);
	struct jv *arr = chrome_parse(out);
	const struct jv *l1 = chrome_find(arr, "X", "guest", 0);
	const struct jv *l2 = chrome_find(arr, "X", "guest", 1);
	assert_non_null(l1);
	assert_non_null(l2);
	assert_null(chrome_find(arr, "X", "guest", 2));
	assert_int_equal(jint(l1, "tid"), 1);
	assert_int_equal(jint(l1, "ts"), 10);
	assert_int_equal(jint(l1, "dur"), 40);
	assert_int_equal(jint(l2, "tid"), 2);
	assert_int_equal(jint(l2, "ts"), 51);
	assert_int_equal(jint(l2, "dur"), 29);
	jfree(arr);
	free(out);
}

/* A run that ends inside a guest slice, or before any record, still leaves valid JSON; the
 * open slice ends at the last record's time. */
static void test_chrome_early_close(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_CHROME);
	char *out = cap_close(&c, &t);
	assert_string_equal(out, "[\n\n]\n");
	struct jv *arr = chrome_parse(out);
	assert_int_equal(arr->n, 0);
	jfree(arr);
	free(out);

	cap_open(&c, &t, TRACE_FMT_CHROME);
	fake_now = 5;
	trace_vmentry(&t, 0, 1, true, 0x1000);
	fake_now = 25;
	trace_io(&t, 0, 1, false, 0xf4, 4, 0);
	trace_close(&t);
	trace_close(&t);                    /* idempotent */
	trace_io(&t, 0, 1, false, 1, 1, 0); /* after the close: dropped */
	assert_false(trace_on(&t, TRACE_io));
	fclose(c.f);
	out = c.buf;
	arr = chrome_parse(out);
	const struct jv *e = chrome_find(arr, "X", "guest", 0);
	assert_non_null(e);
	assert_int_equal(jint(e, "ts"), 5);
	assert_int_equal(jint(e, "dur"), 20);
	assert_true(jbool(jget(e, "args"), "unfinished"));
	assert_int_equal(t.count[TRACE_io], 1);
	jfree(arr);
	free(out);
}

/* ---- mask, off path, hook ---- */

static void test_mask(void **state)
{
	(void)state;
	struct vx_trace t;
	struct cap c;
	cap_open(&c, &t, TRACE_FMT_JSONL);
	trace_set_mask(&t, TRACE_MASK(TRACE_vmexit));
	assert_true(trace_on(&t, TRACE_vmexit));
	assert_false(trace_on(&t, TRACE_inject));
	assert_false(trace_begin(&t, TRACE_inject, 0, 1));
	trace_int(&t, "x", 1); /* no record open: ignored */
	trace_end(&t);
	emit_all(&t);
	char *out = cap_close(&c, &t);
	size_t n;
	struct jv **r = jlines(out, &n);
	assert_int_equal(n, 1);
	assert_string_equal(jstr(r[0], "ev"), "vmexit");
	/* Counters count records written: the masked-out ones are not counted. */
	for (int ev = 0; ev < TRACE_NR_EVENTS; ev++)
		assert_int_equal(t.count[ev], ev == TRACE_vmexit);
	jlines_free(r, n);
	free(out);

	/* An empty mask with a file open: nothing at all is written. */
	cap_open(&c, &t, TRACE_FMT_JSONL);
	trace_set_mask(&t, 0);
	emit_all(&t);
	out = cap_close(&c, &t);
	assert_string_equal(out, "");
	free(out);
}

static unsigned hook_calls;
static char hook_seen[64];

static void hook(void *ctx, const struct trace_record *r)
{
	(void)ctx;
	hook_calls++;
	const struct trace_field *fl = trace_field_get(r, "reason");
	snprintf(hook_seen, sizeof(hook_seen), "%s L%u %s", trace_event_name(r->ev), r->lvl,
		 fl && fl->kind == TRACE_K_STR ? fl->s : "-");
}

/* No sink: nothing is on, nothing is written or counted, and a NULL trace is fine too; the
 * exit statistics still count.  A hook alone is a sink. */
static void test_off_path(void **state)
{
	(void)state;
	struct vx_trace t;
	struct vx_trace_stats st;
	trace_init(&t);
	trace_stats_init(&st);
	t.stats = &st;
	for (int ev = 0; ev < TRACE_NR_EVENTS; ev++) {
		assert_false(trace_on(&t, ev));
		assert_false(trace_on(NULL, ev));
	}
	emit_all(&t);
	emit_all(NULL);
	assert_false(trace_begin(NULL, TRACE_io, 0, 1));
	trace_hex(NULL, "k", 1);
	trace_end(NULL);
	for (int ev = 0; ev < TRACE_NR_EVENTS; ev++)
		assert_int_equal(t.count[ev], 0);
	struct vx_trace_stats_sum sum;
	trace_stats_sum(&st, &sum);
	assert_int_equal(sum.total, 1);
	assert_int_equal(sum.enclave, 1);

	hook_calls = 0;
	trace_set_hook(&t, hook, NULL);
	trace_set_mask(&t, TRACE_MASK(TRACE_nested_reflect));
	emit_all(&t);
	assert_int_equal(hook_calls, 1);
	assert_string_equal(hook_seen, "nested_reflect L2 EPT_VIOLATION");
	assert_int_equal(t.count[TRACE_nested_reflect], 1);
	trace_stats_sum(&st, &sum);
	assert_int_equal(sum.total, 2); /* vmexit masked out of the trace, still in the stats */
}

/* ---- exit statistics ---- */

static void fill_stats(struct vx_trace_stats *s)
{
	trace_stats_init(s);
	for (int k = 0; k < 3; k++)
		trace_stats_add(s, 1, VMX_EXIT_EPT_MISCONFIG);
	trace_stats_add(s, 2, VMX_EXIT_REASON_ENCLAVE_MODE | VMX_EXIT_EPT_MISCONFIG);
	trace_stats_add(s, 1, VMX_EXIT_HLT);
	trace_stats_add(s, 2, VMX_EXIT_REASON_ENCLAVE_MODE | VMX_EXIT_EXTERNAL_INTERRUPT);
	trace_stats_add(s, 2, VMX_EXIT_REASON_ENCLAVE_MODE | VMX_EXIT_EXTERNAL_INTERRUPT);
	trace_stats_add(s, 1, VMX_EXIT_REASON_FAILED_VMENTRY | VMX_EXIT_INVALID_STATE);
	trace_stats_add(s, 1, 35);     /* not architectural */
	trace_stats_add(s, 1, 0xbeef); /* beyond the table */
}

static void test_stats_counts(void **state)
{
	(void)state;
	struct vx_trace_stats s;
	fill_stats(&s);
	struct vx_trace_stats_sum sum;
	trace_stats_sum(&s, &sum);
	assert_int_equal(sum.total, 10);
	assert_int_equal(sum.l1, 7);
	assert_int_equal(sum.l2, 3);
	assert_int_equal(sum.enclave, 3);
	assert_int_equal(sum.failed_vmentry, 1);
	struct vx_trace_stats_row rows[TRACE_STATS_ROWS];
	size_t n = trace_stats_rows(&s, rows, ARRAY_SIZE(rows));
	assert_int_equal(n, 6);
	/* most frequent first, ties by reason number, the beyond-the-table row last */
	static const int order[] = {49, 1, 12, 33, 35, -1};
	static const u64 count[] = {4, 2, 1, 1, 1, 1};
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(rows[k].basic, order[k]);
		assert_int_equal(rows[k].count, count[k]);
		assert_int_equal(rows[k].l1 + rows[k].l2, rows[k].count);
	}
	assert_string_equal(rows[0].name, "EPT_MISCONFIG");
	assert_int_equal(rows[0].l1, 3);
	assert_int_equal(rows[0].l2, 1);
	assert_int_equal(rows[0].enclave, 1);
	assert_int_equal(rows[1].enclave, 2);
	assert_string_equal(rows[4].name, "UNKNOWN");
	assert_string_equal(rows[5].name, "UNKNOWN");
	assert_int_equal(trace_stats_rows(&s, rows, 2), 2);
	assert_int_equal(rows[1].basic, 1);
}

static char *stats_render(const struct vx_trace_stats *s, bool json)
{
	struct vx_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	out_init(&o, f, json);
	trace_stats_report(s, &o);
	fclose(f);
	return buf;
}

/* perf kvm stat report's columns: name right-aligned in 20, Samples in 10, Samples% in 9. */
static void test_stats_text_layout(void **state)
{
	(void)state;
	struct vx_trace_stats s;
	fill_stats(&s);
	char *out = stats_render(&s, false);
	assert_string_equal(
	    out, "Analyze events for all VMs, all VCPUs:\n"
		 "\n"
		 "             VM-EXIT    Samples  Samples%        L1        L2   Enclave\n"
		 "\n"
		 "       EPT_MISCONFIG          4    40.00%         3         1         1\n"
		 "  EXTERNAL_INTERRUPT          2    20.00%         0         2         2\n"
		 "                 HLT          1    10.00%         1         0         0\n"
		 "       INVALID_STATE          1    10.00%         1         0         0\n"
		 "         UNKNOWN(35)          1    10.00%         1         0         0\n"
		 "        UNKNOWN(>85)          1    10.00%         1         0         0\n"
		 "\n"
		 "Total Samples:10, L1:7, L2:3, enclave exits (bit 27):3, failed VM-entries (bit "
		 "31):1\n");
	free(out);
	trace_stats_init(&s);
	out = stats_render(&s, false);
	assert_non_null(strstr(out, "Samples%        L1        L2   Enclave\n\nTotal Samples:0, "));
	free(out);
}

static void test_stats_json(void **state)
{
	(void)state;
	struct vx_trace_stats s;
	fill_stats(&s);
	char *out = stats_render(&s, true);
	struct jv *o = jparse(out, strlen(out));
	assert_non_null(o);
	assert_int_equal(jint(o, "total"), 10);
	assert_int_equal(jint(o, "l1"), 7);
	assert_int_equal(jint(o, "l2"), 3);
	assert_int_equal(jint(o, "enclave"), 3);
	assert_int_equal(jint(o, "non_enclave"), 7);
	assert_int_equal(jint(o, "failed_vmentry"), 1);
	const struct jv *rs = jget(o, "reasons");
	assert_int_equal(rs->type, J_ARR);
	assert_int_equal(rs->n, 6);
	const struct jv *r = rs->v[0];
	assert_string_equal(jstr(r, "reason"), "EPT_MISCONFIG");
	assert_int_equal(jint(r, "basic"), 49);
	assert_int_equal(jint(r, "count"), 4);
	assert_int_equal(jint(r, "l1"), 3);
	assert_int_equal(jint(r, "l2"), 1);
	assert_int_equal(jint(r, "enclave"), 1);
	assert_int_equal(jint(r, "non_enclave"), 3);
	assert_non_null(strstr(out, "\"share\":40.00"));
	assert_null(jget(rs->v[5], "basic")); /* beyond the table: no number */
	assert_string_equal(jstr(rs->v[5], "reason"), "UNKNOWN");
	jfree(o);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_checker),
	    cmocka_unit_test(test_event_table),
	    cmocka_unit_test(test_jsonl_vmexit_exact),
	    cmocka_unit_test(test_jsonl_every_event),
	    cmocka_unit_test(test_jsonl_optional_fields),
	    cmocka_unit_test(test_string_escaping),
	    cmocka_unit_test(test_builder),
	    cmocka_unit_test(test_text_lines),
	    cmocka_unit_test(test_text_every_event),
	    cmocka_unit_test(test_chrome_every_event),
	    cmocka_unit_test(test_chrome_slices),
	    cmocka_unit_test(test_chrome_early_close),
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_off_path),
	    cmocka_unit_test(test_stats_counts),
	    cmocka_unit_test(test_stats_text_layout),
	    cmocka_unit_test(test_stats_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
