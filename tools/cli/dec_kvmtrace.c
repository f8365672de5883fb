// SPDX-License-Identifier: MIT
/*
 * Parser for Linux KVM tracepoint lines (shared/spec/diagnostic-formats.md 4-6): the line
 * prefixes of the ftrace `trace` file, `trace-cmd report` and `perf script`, and the payloads
 * of kvm_exit, kvm_nested_vmexit, kvm_nested_vmexit_inject, kvm_nested_vmenter, kvm_entry and
 * kvm_inj_exception in every kernel era and in the libtraceevent kvm plugin's rendering.
 * The exit reason is the 32-bit field of SDM 24.9.1 "Basic VM-Exit Information".
 *
 * Everything here is bounded: lines over KT_LINE_MAX bytes are refused, payloads are split
 * into at most KT_MAX_TOKENS tokens, every number is checked for overflow, strings copied
 * into events are truncated to their buffers.  Statistics and output: dec_kvmtrace_stats.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmtrace.h"

#define KT_LINE_MAX (64u << 10) /* longer lines are not trace lines */
#define KT_PAYLOAD_MAX 4096     /* payload bytes read; the rest counts as extra text */
#define KT_MAX_TOKENS 96
#define KT_MAX_JOIN 8 /* continuation lines joined to one event at most */

struct tok {
	const char *s;
	size_t n;
};

/* ---- small helpers ---- */

/* Replaces bytes that are not part of a valid UTF-8 sequence with '?' (input text ends up
 * in JSON strings; a truncated copy may also have cut a sequence). */
void kvmtrace_utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80             ? 1
			   : (*p & 0xe0) == 0xc0 ? 2
			   : (*p & 0xf0) == 0xe0 ? 3
			   : (*p & 0xf8) == 0xf0 ? 4
						 : 0;
		bool ok = n > 0 && !(n == 2 && *p < 0xc2) && !(n == 4 && *p > 0xf4);
		for (size_t i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

static void copy_n(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	kvmtrace_utf8_clean(dst);
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

/* Hex number with optional 0x; no sign, no trailing text; false on overflow. */
static bool parse_hex(const char *s, size_t n, u64 *v)
{
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	u64 r = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval((unsigned char)s[i]);
		if (h < 0 || (r >> 60))
			return false;
		r = r << 4 | (u64)h;
	}
	*v = r;
	return true;
}

static bool parse_dec(const char *s, size_t n, u64 *v)
{
	if (n == 0)
		return false;
	u64 r = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (r > (UINT64_MAX - d) / 10)
			return false;
		r = r * 10 + d;
	}
	*v = r;
	return true;
}

static bool is_hex_prefixed(struct tok t)
{
	return t.n >= 3 && t.s[0] == '0' && (t.s[1] == 'x' || t.s[1] == 'X');
}

static bool tok_is(struct tok t, const char *lit)
{
	size_t l = strlen(lit);
	return t.n == l && !memcmp(t.s, lit, l);
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* Splits s (not modified) at spaces; returns the count, *more when tokens were dropped. */
static size_t tokenize(const char *s, struct tok *t, size_t max, bool *more)
{
	size_t n = 0;
	*more = false;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *b = s;
		while (*s && *s != ' ')
			s++;
		if (n == max) {
			*more = true;
			break;
		}
		t[n].s = b;
		t[n].n = (size_t)(s - b);
		n++;
	}
	return n;
}

static void tok_copy(char *dst, size_t cap, struct tok t)
{
	copy_n(dst, cap, t.s, t.n);
}

/* Joins tokens [a, b) with single spaces into dst. */
static void toks_join(char *dst, size_t cap, const struct tok *t, size_t a, size_t b)
{
	size_t w = 0;
	dst[0] = '\0';
	for (size_t i = a; i < b && w + 1 < cap; i++) {
		if (i > a && w + 1 < cap)
			dst[w++] = ' ';
		size_t n = t[i].n;
		if (w + n >= cap)
			n = cap - 1 - w;
		memcpy(dst + w, t[i].s, n);
		w += n;
	}
	dst[w] = '\0';
	kvmtrace_utf8_clean(dst);
}

static void problem(struct kt_event *ev, const char *fmt, const char *arg, size_t argn)
{
	char a[48];
	copy_n(a, sizeof(a), arg ? arg : "", arg ? argn : 0);
	snprintf(ev->problem, sizeof(ev->problem), fmt, ev->event, a);
	kvmtrace_utf8_clean(ev->problem);
}

static void era_min(struct kt_event *ev, u16 v)
{
	if (v > ev->era_min)
		ev->era_min = v;
}

static void era_max(struct kt_event *ev, u16 v)
{
	if (v < ev->era_max)
		ev->era_max = v;
}

static void ev_init(struct kt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->pid = -1;
	ev->tgid = -1;
	ev->cpu = -1;
	ev->vcpu = -1;
	ev->vector = -1;
	ev->era_min = KT_ERA_MIN;
	ev->era_max = KT_ERA_MAX;
}

/* Basic reasons the libtraceevent kvm plugin can name (plugin_kvm.c VMX_EXIT_REASONS); all
 * others print as "UNKNOWN (n)". */
static bool plugin_names(u32 basic)
{
	static const u8 tbl[] = {0,         1,  2,  7,  8,  9,  10, 12, 13, 14, 15, 16,
				 17 /*no*/, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
				 29,        30, 31, 32, 36, 39, 40, 41, 43, 44, 45, 48,
				 49,        50, 52, 54, 55, 56, 58, 62, 63, 64};
	if (basic == 17)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(tbl); i++)
		if (tbl[i] == basic)
			return true;
	return false;
}

/* ---- the exit reason: name, 0x%x, UNKNOWN (%d), name + FAILED_VMENTRY / 0x8000000 ---- */

static bool parse_reason(const struct tok *t, size_t n, struct kt_event *ev)
{
	toks_join(ev->reason_text, sizeof(ev->reason_text), t, 0, n);
	if (n == 0) {
		problem(ev, "%s: \"reason\" without a value", NULL, 0);
		return false;
	}
	size_t used = 1;
	u64 v = 0;
	if (tok_is(t[0], "UNKNOWN") && n >= 2 && t[1].n >= 3 && t[1].s[0] == '(' &&
	    t[1].s[t[1].n - 1] == ')') {
		/* libtraceevent kvm plugin: the full 32-bit value, in decimal */
		if (!parse_dec(t[1].s + 1, t[1].n - 2, &v) || v > 0xffffffffu) {
			problem(ev, "%s: exit reason \"UNKNOWN %s\" is not a 32-bit decimal number",
				t[1].s, t[1].n);
			return false;
		}
		ev->reason = (u32)v;
		ev->reason_form = KT_R_UNKNOWN_DEC;
		ev->plugin = true;
		used = 2;
	} else if (is_hex_prefixed(t[0])) {
		if (!parse_hex(t[0].s, t[0].n, &v) || v > 0xffffffffu) {
			problem(ev, "%s: exit reason \"%s\" is not a 32-bit hex number", t[0].s,
				t[0].n);
			return false;
		}
		ev->reason = (u32)v;
		ev->reason_form = KT_R_HEX;
	} else {
		char name[KT_NAME_MAX];
		bool lower = false, ok = t[0].n > 0;
		for (size_t i = 0; i < t[0].n; i++) {
			int c = (unsigned char)t[0].s[i];
			if (islower(c))
				lower = true;
			if (!is_ident(c) && c != '-')
				ok = false;
		}
		if (!ok || t[0].n >= sizeof(name)) {
			problem(ev, "%s: exit reason \"%s\" is not a name or a number", t[0].s,
				t[0].n);
			return false;
		}
		tok_copy(name, sizeof(name), t[0]);
		int nr = -1;
		/* Linux prints VMX names in capitals; SVM's are lower case ("npf") in the kernel
		 * and "EXIT_*" in the plugin.  "hlt" must not be taken for VMX HLT. */
		if (lower || !strncmp(name, "EXIT_", 5))
			ev->svm = true;
		else
			nr = vx_exit_reason_by_name(name);
		if (nr < 0) {
			ev->reason_form = KT_R_UNRESOLVED;
			ev->reason = 0;
		} else {
			ev->reason = (u32)nr;
			ev->reason_form = KT_R_NAME;
		}
	}
	/* ">= 5.8: __print_flags(reason & ~0xffff, " ", {FAILED_VMENTRY}) with the bits no name
	 * covers as one hex number (the SGX enclave bit 27 is never named) */
	bool flags = false;
	for (size_t i = used; i < n; i++) {
		if (tok_is(t[i], "FAILED_VMENTRY")) {
			ev->reason |= KT_REASON_FAILED;
		} else if (is_hex_prefixed(t[i]) && parse_hex(t[i].s, t[i].n, &v) &&
			   v <= 0xffffffffu) {
			ev->reason |= (u32)v;
		} else {
			problem(ev, "%s: unexpected \"%s\" after the exit reason", t[i].s, t[i].n);
			return false;
		}
		flags = true;
	}
	if (flags) {
		if (ev->reason_form == KT_R_NAME)
			ev->reason_form = KT_R_NAME_FLAGS;
		else if (ev->reason_form == KT_R_HEX)
			ev->reason_form = KT_R_HEX_FLAGS;
	}
	ev->present |= KT_F_REASON;
	return true;
}

/* ---- kvm_exit, kvm_nested_vmexit, kvm_nested_vmexit_inject ---- */

enum exkey {
	K_NONE,
	K_VCPU,
	K_REASON,
	K_RIP,
	K_INFO,
	K_INFO1,
	K_INFO2,
	K_INTR,
	K_ERR,
	K_ISA,
};

static enum exkey exit_key(struct tok t, bool *colon, unsigned *label)
{
	static const struct {
		const char *name;
		enum exkey k;
		unsigned label; /* 0 kernel >=5.10 labels, 1 ext_* (nested kernel), 2 plugin */
	} keys[] = {
	    {"vcpu", K_VCPU, 0},      {"reason", K_REASON, 0},    {"rip", K_RIP, 0},
	    {"info", K_INFO, 0},      {"info1", K_INFO1, 0},      {"info2", K_INFO2, 0},
	    {"intr_info", K_INTR, 0}, {"error_code", K_ERR, 0},   {"ext_inf1", K_INFO1, 1},
	    {"ext_inf2", K_INFO2, 1}, {"ext_int", K_INTR, 1},     {"ext_int_err", K_ERR, 1},
	    {"int_info", K_INTR, 2},  {"int_info_err", K_ERR, 2}, {"isa", K_ISA, 0},
	};
	size_t n = t.n;
	*colon = n > 1 && t.s[n - 1] == ':';
	if (*colon)
		n--;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].name) == n && !memcmp(t.s, keys[i].name, n)) {
			*label = keys[i].label;
			return keys[i].k;
		}
	return K_NONE;
}

/* Removes the plugin's "CAN'T FIND FIELD \"rip\"" and "<CANT FIND FIELD exit_code>" (the
 * plugin's kvm_nested_vmexit handler on >= 5.10 kernels); true when any was found. */
static bool strip_cant_find(char *p)
{
	bool found = false;
	char *q;
	while ((q = strstr(p, "CAN'T FIND FIELD"))) {
		char *e = q + strlen("CAN'T FIND FIELD");
		while (*e == ' ')
			e++;
		if (*e == '"') {
			char *c = strchr(e + 1, '"');
			e = c ? c + 1 : e + strlen(e);
		}
		memset(q, ' ', (size_t)(e - q));
		found = true;
	}
	while ((q = strstr(p, "<CANT FIND FIELD"))) {
		char *c = strchr(q, '>');
		char *e = c ? c + 1 : q + strlen(q);
		memset(q, ' ', (size_t)(e - q));
		found = true;
	}
	return found;
}

static enum kt_status value_hex(struct kt_event *ev, const struct tok *t, size_t n, size_t i,
				const char *what, u64 *v)
{
	if (i >= n)
		return KT_INCOMPLETE;
	if (!parse_hex(t[i].s, t[i].n, v)) {
		char fmt[96];
		snprintf(fmt, sizeof(fmt), "%%s: %s \"%%s\" is not a hex number", what);
		problem(ev, fmt, t[i].s, t[i].n);
		return KT_BAD;
	}
	return KT_OK;
}

static enum kt_status parse_exitlike(char *p, struct kt_event *ev)
{
	if (strip_cant_find(p)) {
		ev->plugin = true;
		era_min(ev, KT_V(5, 10)); /* the plugin's pre-5.10 field names are gone */
	}
	struct tok t[KT_MAX_TOKENS];
	bool more;
	size_t n = tokenize(p, t, KT_MAX_TOKENS, &more);
	if (more)
		ev->extra_tokens++;
	bool incomplete = false, reason_colon = false, info_pair = false;
	/* which labelling the line uses: >= 5.10 kernel, nested ext_*, plugin, "info A B" */
	bool k510 = false, kext = false, kplug = false, kinfo = false;
	for (size_t i = 0; i < n;) {
		bool colon;
		unsigned label = 0;
		enum exkey k = exit_key(t[i], &colon, &label);
		enum kt_status st = KT_OK;
		u64 v = 0;
		switch (k) {
		case K_NONE:
			ev->extra_tokens++;
			i++;
			continue;
		case K_VCPU: {
			if (i + 1 >= n) {
				incomplete = true;
				i++;
				continue;
			}
			if (!parse_dec(t[i + 1].s, t[i + 1].n, &v) || v > 0x7fffffff) {
				problem(ev, "%s: vcpu \"%s\" is not a number", t[i + 1].s,
					t[i + 1].n);
				return KT_BAD;
			}
			ev->vcpu = (s32)v;
			ev->present |= KT_F_VCPU;
			i += 2;
			continue;
		}
		case K_REASON: {
			size_t j = i + 1;
			bool c2;
			unsigned l2;
			while (j < n && exit_key(t[j], &c2, &l2) == K_NONE)
				j++;
			if (j == i + 1) {
				if (j >= n) {
					incomplete = true;
					i = j;
					continue;
				}
				problem(ev, "%s: \"reason\" without a value", NULL, 0);
				return KT_BAD;
			}
			if (!parse_reason(t + i + 1, j - i - 1, ev))
				return KT_BAD;
			reason_colon = colon;
			i = j;
			continue;
		}
		case K_ISA: i += 2; continue;
		case K_INFO: {
			u64 a = 0, b = 0;
			kinfo = true;
			st = value_hex(ev, t, n, i + 1, "info", &a);
			if (st == KT_OK)
				st = value_hex(ev, t, n, i + 2, "info", &b);
			if (st == KT_BAD)
				return KT_BAD;
			if (st == KT_OK || i + 1 < n) {
				if (i + 1 < n) {
					ev->info1 = a;
					ev->present |= KT_F_INFO1;
				}
				if (st == KT_OK) {
					ev->info2 = b;
					ev->present |= KT_F_INFO2;
					info_pair = true;
				}
			}
			if (st == KT_INCOMPLETE)
				incomplete = true;
			i += 3;
			continue;
		}
		default: break;
		}
		/* single hex values */
		static const char *const what[] = {
		    [K_RIP] = "rip",        [K_INFO1] = "info1",    [K_INFO2] = "info2",
		    [K_INTR] = "intr_info", [K_ERR] = "error_code",
		};
		st = value_hex(ev, t, n, i + 1, what[k], &v);
		if (st == KT_BAD)
			return KT_BAD;
		if (st == KT_INCOMPLETE) {
			incomplete = true;
			i += 2;
			continue;
		}
		if (k != K_RIP) {
			if (label == 1)
				kext = true;
			else if (label == 2)
				kplug = true;
			else if (k == K_INTR || k == K_ERR || is_hex_prefixed(t[i + 1]))
				k510 = true; /* the kernel prints 0x%016llx, the plugin %llx */
			else
				kplug = true;
		}
		switch (k) {
		case K_RIP:
			ev->rip = v;
			ev->present |= KT_F_RIP;
			break;
		case K_INFO1:
			ev->info1 = v;
			ev->present |= KT_F_INFO1;
			break;
		case K_INFO2:
			ev->info2 = v;
			ev->present |= KT_F_INFO2;
			break;
		case K_INTR:
			ev->intr_info = v;
			ev->present |= KT_F_INTR_INFO;
			break;
		case K_ERR:
			ev->error_code = v;
			ev->present |= KT_F_ERROR_CODE;
			break;
		default: break;
		}
		i += 2;
	}

	u32 need;
	if (k510) {
		ev->form = KT_FORM_EXIT_LABELLED;
		need = KT_F_VCPU | KT_F_REASON | KT_F_RIP | KT_F_INFO1 | KT_F_INFO2 |
		       KT_F_INTR_INFO | KT_F_ERROR_CODE;
		ev->info2_is = KT_I2_IDT_VECTORING;
		era_min(ev, KT_V(5, 10));
	} else if (kext) {
		ev->form = ev->kind == KT_NESTED_INJECT ? KT_FORM_INJECT_EXT : KT_FORM_NESTED_EXT;
		need = KT_F_REASON | KT_F_INFO1 | KT_F_INFO2 | KT_F_INTR_INFO | KT_F_ERROR_CODE;
		if (ev->kind != KT_NESTED_INJECT) {
			need |= KT_F_RIP;
			era_max(ev, KT_V(5, 7));
		}
		ev->info2_is = KT_I2_IDT_VECTORING;
	} else if (kplug) {
		ev->form = KT_FORM_PLUGIN_NESTED;
		ev->plugin = true;
		need = KT_F_REASON | KT_F_INFO1 | KT_F_INFO2 | KT_F_INTR_INFO | KT_F_ERROR_CODE;
		ev->info2_is = KT_I2_IDT_VECTORING;
	} else if (kinfo || info_pair) {
		need = KT_F_REASON | KT_F_RIP | KT_F_INFO1 | KT_F_INFO2;
		if (ev->present & KT_F_VCPU) {
			ev->form = KT_FORM_EXIT_VCPU_INFO;
			ev->info2_is = KT_I2_INTR_INFO;
			era_min(ev, KT_V(5, 4));
			era_max(ev, KT_V(5, 9));
		} else {
			ev->form = KT_FORM_EXIT_INFO;
			/* The kernel <= 5.3 and the plugin print the same text.  The plugin never
			 * prints hex reasons nor names missing from its table; ftrace's own file is
			 * always the kernel's rendering. */
			if (!ev->plugin &&
			    (ev->reason_form == KT_R_HEX || ev->producer == KT_P_FTRACE ||
			     (ev->reason_form == KT_R_NAME && !plugin_names(kt_basic(ev->reason)))))
				ev->kernel_le53 = true;
			if (ev->kernel_le53) {
				ev->info2_is = KT_I2_INTR_INFO;
				era_max(ev, KT_V(5, 3));
			} else {
				ev->info2_is = KT_I2_AMBIGUOUS;
			}
		}
	} else if (ev->kind == KT_NESTED_VMEXIT && reason_colon && !incomplete &&
		   (ev->present & ~KT_F_REASON) == 0) {
		ev->form = KT_FORM_NESTED_REASON;
		need = KT_F_REASON;
		era_min(ev, KT_V(5, 8));
		era_max(ev, KT_V(5, 9));
	} else {
		ev->form = KT_FORM_NONE;
		need = KT_F_REASON | KT_F_RIP | KT_F_INFO1 | KT_F_INFO2;
		incomplete = true;
	}
	if (ev->present & KT_F_INFO2 && ev->info2_is == KT_I2_NONE)
		ev->info2_is = KT_I2_AMBIGUOUS;
	/* era shown by how the reason was written (kernel renderings only) */
	if (!ev->plugin) {
		if (ev->reason_form == KT_R_NAME_FLAGS || ev->reason_form == KT_R_HEX_FLAGS)
			era_min(ev, KT_V(5, 8));
		else if (ev->reason_form == KT_R_HEX && ev->reason > 0xffff)
			era_max(ev, KT_V(5, 7)); /* whole value through __print_symbolic */
	}
	if (ev->era_min > ev->era_max) { /* contradictory: say nothing about the era */
		ev->era_min = KT_ERA_MIN;
		ev->era_max = KT_ERA_MAX;
	}
	if (!(ev->present & KT_F_REASON)) {
		if (ev->present || ev->extra_tokens) {
			if (!incomplete && (ev->present & (KT_F_INFO1 | KT_F_INFO2))) {
				problem(ev, "%s: no exit reason", NULL, 0);
				return KT_BAD;
			}
		}
		if (!ev->problem[0])
			problem(ev, "%s: ends before the exit reason", NULL, 0);
		return KT_INCOMPLETE;
	}
	if (incomplete || (ev->present & need) != need) {
		if (!ev->problem[0])
			problem(ev, "%s: line ends early (some fields missing)", NULL, 0);
		return KT_INCOMPLETE;
	}
	if (ev->extra_tokens) {
		problem(ev, "%s: text no field explains", NULL, 0);
		return KT_OK_EXTRA;
	}
	return KT_OK;
}

/* ---- kvm_entry: "vcpu %u" (<=5.9), ", rip 0x%lx" (5.10+), "[immediate exit]" (6.10+) ---- */

static enum kt_status parse_entry(char *p, struct kt_event *ev)
{
	ev->form = KT_FORM_ENTRY;
	char *q = strstr(p, "[immediate exit]");
	if (q) {
		ev->immediate_exit = true;
		memset(q, ' ', strlen("[immediate exit]"));
	}
	struct tok t[KT_MAX_TOKENS];
	bool more;
	size_t n = tokenize(p, t, KT_MAX_TOKENS, &more);
	bool comma = false, incomplete = false;
	size_t i = 0;
	if (n == 0) {
		problem(ev, "%s: no vcpu", NULL, 0);
		return KT_INCOMPLETE;
	}
	if (!tok_is(t[0], "vcpu")) {
		problem(ev, "%s: expected \"vcpu N\", found \"%s\"", t[0].s, t[0].n);
		return KT_BAD;
	}
	if (n < 2) {
		problem(ev, "%s: ends after \"vcpu\"", NULL, 0);
		return KT_INCOMPLETE;
	}
	struct tok v = t[1];
	if (v.n && v.s[v.n - 1] == ',') {
		comma = true;
		v.n--;
	}
	u64 x;
	if (!parse_dec(v.s, v.n, &x) || x > 0x7fffffff) {
		problem(ev, "%s: vcpu \"%s\" is not a number", v.s, v.n);
		return KT_BAD;
	}
	ev->vcpu = (s32)x;
	ev->present |= KT_F_VCPU;
	i = 2;
	if (i < n && tok_is(t[i], ",")) {
		comma = true;
		i++;
	}
	if (i < n && tok_is(t[i], "rip")) {
		if (i + 1 >= n) {
			incomplete = true;
			i++;
		} else if (!parse_hex(t[i + 1].s, t[i + 1].n, &x)) {
			problem(ev, "%s: rip \"%s\" is not a hex number", t[i + 1].s, t[i + 1].n);
			return KT_BAD;
		} else {
			ev->rip = x;
			ev->present |= KT_F_RIP;
			i += 2;
		}
	} else if (comma && i >= n) {
		incomplete = true;
	}
	ev->extra_tokens += (unsigned)(n - i) + more;
	if (ev->present & KT_F_RIP)
		era_min(ev, KT_V(5, 10));
	else if (!incomplete)
		era_max(ev, KT_V(5, 9));
	if (ev->immediate_exit)
		era_min(ev, KT_V(6, 10));
	if (incomplete) {
		problem(ev, "%s: line ends early (rip missing)", NULL, 0);
		return KT_INCOMPLETE;
	}
	if (ev->extra_tokens) {
		problem(ev, "%s: text no field explains", NULL, 0);
		return KT_OK_EXTRA;
	}
	return KT_OK;
}

/* ---- kvm_inj_exception: "%s (0x%x)" (<= 6.0), "%s[ (0x%x)][ [reinjected]]" (6.1+) ---- */

static int vector_by_mnemonic(struct tok t)
{
	for (unsigned v = 0; v < 32; v++) {
		const char *mn = vx_vector_mnemonic(v);
		if (mn && strlen(mn) == t.n && !memcmp(mn, t.s, t.n))
			return (int)v;
	}
	return -1;
}

static enum kt_status parse_inj(char *p, struct kt_event *ev)
{
	ev->form = KT_FORM_INJ;
	struct tok t[KT_MAX_TOKENS];
	bool more;
	size_t n = tokenize(p, t, KT_MAX_TOKENS, &more);
	if (n == 0) {
		problem(ev, "%s: no exception", NULL, 0);
		return KT_INCOMPLETE;
	}
	u64 x;
	int vec = -1;
	if (t[0].n >= 2 && t[0].s[0] == '#')
		vec = vector_by_mnemonic(t[0]);
	else if (is_hex_prefixed(t[0]) && parse_hex(t[0].s, t[0].n, &x) && x < 256)
		vec = (int)x;
	else if (parse_dec(t[0].s, t[0].n, &x) && x < 256)
		vec = (int)x; /* libtraceevent without the symbol table */
	if (vec < 0) {
		problem(ev, "%s: \"%s\" is not an exception vector", t[0].s, t[0].n);
		return KT_BAD;
	}
	ev->vector = vec;
	const char *mn = vx_vector_mnemonic((unsigned)vec);
	if (mn)
		snprintf(ev->exc_name, sizeof(ev->exc_name), "%s", mn);
	else
		snprintf(ev->exc_name, sizeof(ev->exc_name), "0x%x", (unsigned)vec);
	size_t i = 1;
	if (i < n && t[i].n >= 3 && t[i].s[0] == '(' && t[i].s[t[i].n - 1] == ')') {
		if (!parse_hex(t[i].s + 1, t[i].n - 2, &x) || x > 0xffffffffu) {
			problem(ev, "%s: error code \"%s\" is not a hex number", t[i].s, t[i].n);
			return KT_BAD;
		}
		ev->error_code = x;
		ev->present |= KT_F_ERROR_CODE | KT_F_ERRCODE_INJ;
		i++;
	}
	if (i < n && tok_is(t[i], "[reinjected]")) {
		ev->reinjected = true;
		i++;
	}
	ev->extra_tokens += (unsigned)(n - i) + more;
	if (!(ev->present & KT_F_ERRCODE_INJ) || ev->reinjected)
		era_min(ev, KT_V(6, 1));
	if (ev->extra_tokens) {
		problem(ev, "%s: text no field explains", NULL, 0);
		return KT_OK_EXTRA;
	}
	return KT_OK;
}

/* ---- kvm_nested_vmenter ---- */

static enum kt_status parse_vmenter(char *p, struct kt_event *ev)
{
	ev->form = KT_FORM_VMENTER;
	struct tok t[KT_MAX_TOKENS];
	bool more;
	size_t n = tokenize(p, t, KT_MAX_TOKENS, &more);
	bool incomplete = false;
	for (size_t i = 0; i < n;) {
		struct tok k = t[i];
		/* nested_ept=on / nested_npt=off / npt: on */
		const char *eq = memchr(k.s, '=', k.n);
		if (eq) {
			size_t vn = k.n - (size_t)(eq + 1 - k.s);
			ev->nested_ept = vn == 2 && !memcmp(eq + 1, "on", 2);
			ev->present |= KT_F_NESTED_EPT;
			i++;
			continue;
		}
		if (tok_is(k, "npt:")) {
			if (i + 1 < n) {
				ev->nested_ept = tok_is(t[i + 1], "on");
				ev->present |= KT_F_NESTED_EPT;
			} else {
				incomplete = true;
			}
			i += 2;
			continue;
		}
		static const struct {
			const char *key;
			u32 flag;
		} keys[] = {
		    {"rip:", KT_F_RIP},          {"vmcs:", KT_F_VMCS},
		    {"vmcb:", KT_F_VMCS},        {"nested_rip:", KT_F_NESTED_RIP},
		    {"int_ctl:", KT_F_INT_CTL},  {"event_inj:", KT_F_EVENT_INJ},
		    {"nested_eptp:", KT_F_EPTP}, {"nested_cr3:", KT_F_EPTP},
		    {"guest_cr3:", KT_F_EPTP},
		};
		u32 flag = 0;
		for (size_t j = 0; j < ARRAY_SIZE(keys); j++)
			if (tok_is(k, keys[j].key))
				flag = keys[j].flag;
		if (!flag) {
			ev->extra_tokens++;
			i++;
			continue;
		}
		u64 v;
		if (i + 1 >= n) {
			incomplete = true;
			break;
		}
		if (!parse_hex(t[i + 1].s, t[i + 1].n, &v)) {
			problem(ev, "%s: value \"%s\" is not a hex number", t[i + 1].s, t[i + 1].n);
			return KT_BAD;
		}
		switch (flag) {
		case KT_F_RIP: ev->rip = v; break;
		case KT_F_VMCS: ev->vmcs = v; break;
		case KT_F_NESTED_RIP: ev->nested_rip = v; break;
		case KT_F_INT_CTL: ev->int_ctl = (u32)v; break;
		case KT_F_EVENT_INJ: ev->event_inj = (u32)v; break;
		default: ev->eptp = v; break;
		}
		ev->present |= flag;
		i += 2;
	}
	ev->extra_tokens += more;
	u32 need = KT_F_RIP | KT_F_VMCS | KT_F_NESTED_RIP | KT_F_INT_CTL | KT_F_EVENT_INJ;
	if (incomplete || (ev->present & need) != need) {
		if (!ev->present && ev->extra_tokens) {
			problem(ev, "%s: no \"rip:\" / \"vmcs:\" fields", NULL, 0);
			return KT_BAD;
		}
		problem(ev, "%s: line ends early (some fields missing)", NULL, 0);
		return KT_INCOMPLETE;
	}
	if (ev->extra_tokens) {
		problem(ev, "%s: text no field explains", NULL, 0);
		return KT_OK_EXTRA;
	}
	return KT_OK;
}

/* ---- line prefixes (diagnostic-formats.md 4) ---- */

struct hdr {
	bool found, header_only;
	size_t left_end; /* prefix text is [0, left_end) */
	size_t ts_pos, ts_len;
	size_t sub_pos, sub_n; /* subsystem ("kvm") */
	size_t name_pos, name_n;
	size_t payload;
	size_t pad;
};

/* At s+pos: "[sub:]name:" followed by a space or the end. */
static bool match_event(const char *s, size_t pos, struct hdr *h)
{
	size_t j = pos;
	if (!(isalpha((unsigned char)s[j]) || s[j] == '_'))
		return false;
	while (is_ident((unsigned char)s[j]) && j - pos < 64)
		j++;
	if (s[j] != ':')
		return false;
	size_t a_pos = pos, a_n = j - pos;
	h->sub_n = 0;
	h->name_pos = a_pos;
	h->name_n = a_n;
	j++;
	if (is_ident((unsigned char)s[j])) {
		size_t b = j;
		while (is_ident((unsigned char)s[j]) && j - b < 64)
			j++;
		if (s[j] != ':')
			return false;
		h->sub_pos = a_pos;
		h->sub_n = a_n;
		h->name_pos = b;
		h->name_n = j - b;
		j++;
	}
	if (s[j] != ' ' && s[j] != '\0')
		return false;
	size_t k = j;
	while (s[k] == ' ')
		k++;
	h->pad = k - j;
	h->payload = k;
	return true;
}

/* Finds "<secs.usecs>: <event>: " (or a timestamp ending the line: a wrapped header). */
static bool find_header(const char *s, size_t len, struct hdr *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t p = 0; p < len; p++) {
		if (!isdigit((unsigned char)s[p]) || (p > 0 && s[p - 1] != ' '))
			continue;
		size_t j = p;
		while (isdigit((unsigned char)s[j]) && j - p < 24)
			j++;
		bool dot = false;
		if (s[j] == '.') {
			dot = true;
			size_t f = ++j;
			while (isdigit((unsigned char)s[j]) && j - f < 16)
				j++;
			if (j == f)
				continue;
		}
		if (s[j] != ':')
			continue;
		size_t ts_end = j;
		j++;
		if (s[j] != ' ' && s[j] != '\0')
			continue;
		while (s[j] == ' ')
			j++;
		if (s[j] == '\0') {
			if (!dot)
				continue;
			h->header_only = true;
			h->left_end = p;
			h->ts_pos = p;
			h->ts_len = ts_end - p;
			continue; /* a later header on the same line wins */
		}
		/* perf may print the sample period between the time and the event */
		size_t e = j;
		if (isdigit((unsigned char)s[e])) {
			size_t d = e;
			while (isdigit((unsigned char)s[d]) && d - e < 20)
				d++;
			if (s[d] == ' ') {
				while (s[d] == ' ')
					d++;
				e = d;
			}
		}
		if (match_event(s, e, h)) {
			h->found = true;
			h->header_only = false;
			h->left_end = p;
			h->ts_pos = p;
			h->ts_len = ts_end - p;
			return true;
		}
	}
	if (h->header_only)
		return true;
	/* no timestamp: perf "kvm:kvm_exit:" anywhere, or a bare "kvm_exit:" at the start */
	for (size_t p = 0; p < len; p++) {
		if ((p == 0 || s[p - 1] == ' ') &&
		    (!strncmp(s + p, "kvm:", 4) || !strncmp(s + p, "kvmmmu:", 7)) &&
		    match_event(s, p, h) && h->sub_n) {
			h->found = true;
			h->left_end = p;
			return true;
		}
	}
	if (!strncmp(s, "kvm_", 4) && match_event(s, 0, h)) {
		h->found = true;
		h->left_end = 0;
		return true;
	}
	return false;
}

static bool flags_like(const char *s, size_t n)
{
	if (n < 3 || n > 6)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr(".dDXNnpPLBbZzHhs0123456789abcdef", s[i]))
			return false;
	return true;
}

/* "<comm>-<pid> [(<tgid>)] [<cpu>] [<flags>]" or perf "<comm> <pid>[/<tid>] [<cpu>]". */
static void parse_prefix(const char *s, size_t end, struct kt_event *ev, char *sep)
{
	*sep = 0;
	while (end && s[end - 1] == ' ')
		end--;
	size_t b = 0;
	while (b < end && s[b] == ' ')
		b++;
	if (b == end) {
		ev->no_prefix = true;
		return;
	}
	/* last token */
	size_t t = end;
	while (t > b && s[t - 1] != ' ')
		t--;
	u64 v = 0;
	if (end - t >= 3 && s[t] == '[' && s[end - 1] == ']' &&
	    parse_dec(s + t + 1, end - t - 2, &v) && v < 1000000) {
		ev->cpu = (int)v;
		end = t;
	} else if (flags_like(s + t, end - t)) {
		size_t e2 = t;
		while (e2 > b && s[e2 - 1] == ' ')
			e2--;
		size_t t2 = e2;
		while (t2 > b && s[t2 - 1] != ' ')
			t2--;
		if (e2 - t2 >= 3 && s[t2] == '[' && s[e2 - 1] == ']' &&
		    parse_dec(s + t2 + 1, e2 - t2 - 2, &v) && v < 1000000) {
			ev->cpu = (int)v;
			copy_n(ev->flags, sizeof(ev->flags), s + t, end - t);
			end = t2;
		}
	}
	while (end > b && s[end - 1] == ' ')
		end--;
	/* (tgid) */
	if (end > b && s[end - 1] == ')') {
		size_t o = end - 1;
		while (o > b && s[o - 1] != '(' && end - o < 16)
			o--;
		if (o > b && s[o - 1] == '(') {
			size_t d = o;
			while (d < end - 1 && s[d] == ' ')
				d++;
			if (parse_dec(s + d, end - 1 - d, &v) && v < 100000000)
				ev->tgid = (long)v;
			end = o - 1;
			while (end > b && s[end - 1] == ' ')
				end--;
		}
	}
	if (end == b)
		return;
	/* pid */
	size_t d = end;
	while (d > b && isdigit((unsigned char)s[d - 1]) && end - d < 12)
		d--;
	if (d < end && d > b && (s[d - 1] == '-' || s[d - 1] == ' ' || s[d - 1] == '/')) {
		char c = s[d - 1];
		if (c == '/') { /* perf "pid/tid": keep the pid */
			size_t d2 = d - 1;
			while (d2 > b && isdigit((unsigned char)s[d2 - 1]))
				d2--;
			if (d2 < d - 1 && d2 > b && s[d2 - 1] == ' ') {
				parse_dec(s + d2, d - 1 - d2, &v);
				ev->pid = (long)v;
				end = d2 - 1;
				c = ' ';
			} else {
				c = 0;
			}
		} else {
			parse_dec(s + d, end - d, &v);
			ev->pid = (long)v;
			end = d - 1;
		}
		*sep = c;
		while (end > b && s[end - 1] == ' ')
			end--;
	} else if (d == b && d < end) {
		parse_dec(s + d, end - d, &v);
		ev->pid = (long)v;
		end = b;
	}
	copy_n(ev->comm, sizeof(ev->comm), s + b, end - b);
}

static enum kt_kind kind_of(const char *name, size_t n)
{
	static const struct {
		const char *name;
		enum kt_kind k;
	} kinds[] = {
	    {"kvm_exit", KT_EXIT},
	    {"kvm_nested_vmexit", KT_NESTED_VMEXIT},
	    {"kvm_nested_vmexit_inject", KT_NESTED_INJECT},
	    {"kvm_nested_vmenter", KT_NESTED_VMENTER},
	    {"kvm_entry", KT_ENTRY},
	    {"kvm_inj_exception", KT_INJ_EXCEPTION},
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strlen(kinds[i].name) == n && !memcmp(kinds[i].name, name, n))
			return kinds[i].k;
	return n >= 3 && !memcmp(name, "kvm", 3) ? KT_OTHER_KVM : KT_OTHER;
}

/* ---- one line ---- */

static bool starts(const char *s, const char *lit)
{
	return !strncmp(s, lit, strlen(lit));
}

static enum kt_status parse_meta(const char *s, struct kt_event *ev)
{
	u64 v = 0;
	if (starts(s, "cpus=") && parse_dec(s + 5, strlen(s + 5), &v))
		return KT_META;
	if (starts(s, "CPU:") || starts(s, "CPU ")) {
		const char *l = strstr(s, "[LOST ");
		if (l) {
			const char *d = l + 6;
			size_t n = 0;
			while (isdigit((unsigned char)d[n]) && n < 20)
				n++;
			if (n && parse_dec(d, n, &v))
				ev->lost_events = v;
			return KT_META;
		}
	}
	/* perf kvm stat report */
	if (strstr(s, "Samples") && (strstr(s, "VM-EXIT") || strstr(s, "Event name") ||
				     strstr(s, "Samples%") || strstr(s, "Sample%")))
		return KT_PERF_HEADER;
	if (starts(s, "Analyze events for") || starts(s, "Total Samples:"))
		return KT_PERF_OTHER;
	const char *u = strstr(s, "unknown kvm exit code:");
	if (u) {
		const char *d = u + strlen("unknown kvm exit code:");
		while (*d == ' ')
			d++;
		size_t n = 0;
		while (isdigit((unsigned char)d[n]) && n < 20)
			n++;
		if (n && parse_dec(d, n, &v) && v <= 0xffffffffu) {
			ev->reason = (u32)v;
			ev->reason_form = KT_R_UNKNOWN_DEC;
			ev->present |= KT_F_REASON;
		}
		return KT_PERF_OTHER;
	}
	return KT_NOT_TRACE;
}

enum kt_status kvmtrace_parse_line(const char *line, struct kt_event *ev)
{
	ev_init(ev);
	const char *s = line ? line : "";
	while (*s == ' ')
		s++;
	size_t len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	if (len == 0)
		return KT_BLANK;
	if (len > KT_LINE_MAX) {
		snprintf(ev->problem, sizeof(ev->problem), "line too long (%zu bytes)", len);
		return KT_NOT_TRACE;
	}
	/* "# tracer: nop", hand-added comments; "#DB" is kvm_inj_exception's wrapped payload */
	if (s[0] == '#' && !(isupper((unsigned char)s[1]) && isupper((unsigned char)s[2])))
		return KT_COMMENT;
	char *buf = malloc(len + 1);
	if (!buf) {
		snprintf(ev->problem, sizeof(ev->problem), "out of memory");
		return KT_NOT_TRACE;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	struct hdr h;
	enum kt_status st;
	if (!find_header(buf, len, &h)) {
		st = parse_meta(buf, ev);
		if (st == KT_NOT_TRACE)
			snprintf(ev->problem, sizeof(ev->problem), "not a trace line");
		free(buf);
		return st;
	}
	char sep = 0;
	parse_prefix(buf, h.left_end, ev, &sep);
	if (h.ts_len)
		copy_n(ev->ts, sizeof(ev->ts), buf + h.ts_pos, h.ts_len);
	if (h.header_only) {
		snprintf(ev->problem, sizeof(ev->problem), "event header without an event name");
		free(buf);
		return KT_HEADER_ONLY;
	}
	copy_n(ev->event, sizeof(ev->event), buf + h.name_pos, h.name_n);
	ev->kind = kind_of(buf + h.name_pos, h.name_n);
	ev->pad = h.pad;
	if (h.sub_n)
		ev->producer = KT_P_PERF;
	else if (!h.ts_len)
		ev->producer = KT_P_BARE;
	else if (h.pad >= 2)
		ev->producer = KT_P_TRACE_CMD;
	else if (ev->flags[0])
		ev->producer = KT_P_FTRACE;
	else if (sep == ' ')
		ev->producer = KT_P_PERF;
	else if (sep == '-')
		ev->producer = KT_P_TRACE_CMD;
	else
		ev->producer = KT_P_UNKNOWN;

	char *p = buf + h.payload;
	if (strlen(p) > KT_PAYLOAD_MAX) {
		p[KT_PAYLOAD_MAX] = '\0';
		ev->extra_tokens++;
	}
	switch (ev->kind) {
	case KT_EXIT:
	case KT_NESTED_VMEXIT:
	case KT_NESTED_INJECT: st = parse_exitlike(p, ev); break;
	case KT_ENTRY: st = parse_entry(p, ev); break;
	case KT_INJ_EXCEPTION: st = parse_inj(p, ev); break;
	case KT_NESTED_VMENTER: st = parse_vmenter(p, ev); break;
	default:
		ev->form = KT_FORM_OTHER;
		st = KT_OK;
		break;
	}
	free(buf);
	return st;
}

/* ---- the meaning of "info A B"'s B ---- */

enum kt_info2 kvmtrace_info2_meaning(const struct kt_event *ev, u16 emin, u16 emax)
{
	if (ev->info2_is != KT_I2_AMBIGUOUS)
		return ev->info2_is;
	if (emin > emax)
		return KT_I2_AMBIGUOUS;
	if (emin >= KT_V(5, 10))
		return KT_I2_IDT_VECTORING;
	if (emax < KT_V(5, 10))
		return KT_I2_INTR_INFO;
	return KT_I2_AMBIGUOUS;
}

enum kt_info2 kvmtrace_info2_guess(const struct kt_event *ev, const char **why)
{
	*why = "";
	if (ev->info2_is != KT_I2_AMBIGUOUS || (ev->reason & KT_REASON_FAILED))
		return KT_I2_NONE;
	u32 basic = kt_basic(ev->reason);
	u64 b = ev->info2;
	bool valid = b & BIT(31);
	unsigned type = (unsigned)bits_get(b, 10, 8);
	if (basic == VMX_EXIT_EXCEPTION_NMI) {
		if (!valid) {
			*why =
			    "an EXCEPTION_NMI exit always has valid exit interruption info, and B "
			    "is not valid";
			return KT_I2_IDT_VECTORING;
		}
		if (type == 2 || type == 3 || type == 5 || type == 6) {
			*why = "B is a valid exception/NMI, as the exit interruption info of an "
			       "EXCEPTION_NMI exit is";
			return KT_I2_INTR_INFO;
		}
	}
	if (basic == VMX_EXIT_EXTERNAL_INTERRUPT) {
		if (!valid) {
			*why = "KVM acknowledges interrupts on exit, so an EXTERNAL_INTERRUPT exit "
			       "has "
			       "valid exit interruption info, and B is not valid";
			return KT_I2_IDT_VECTORING;
		}
		if (type == 0) {
			*why =
			    "B = 0x800000xx, a valid external interrupt, as the exit interruption "
			    "info of an EXTERNAL_INTERRUPT exit is";
			return KT_I2_INTR_INFO;
		}
	}
	return KT_I2_NONE;
}

/* ---- perf kvm stat report rows ---- */

bool kvmtrace_parse_perf_row(const char *line, struct kt_perf_row *row)
{
	memset(row, 0, sizeof(*row));
	struct tok t[KT_MAX_TOKENS];
	bool more;
	if (!line || strlen(line) > KT_LINE_MAX)
		return false;
	size_t n = tokenize(line, t, KT_MAX_TOKENS, &more);
	for (size_t k = 1; k + 1 < n; k++) {
		u64 v = 0;
		struct tok pc = t[k + 1];
		if (!parse_dec(t[k].s, t[k].n, &v) || pc.n < 2 || pc.s[pc.n - 1] != '%')
			continue;
		/* the share is "12.34%" */
		bool num = true;
		for (size_t i = 0; i + 1 < pc.n; i++)
			if (!isdigit((unsigned char)pc.s[i]) && pc.s[i] != '.')
				num = false;
		if (!num)
			return false;
		size_t a = 0;
		/* perf kvm stat live: a leading wall-clock time */
		if (k >= 2 && memchr(t[0].s, ':', t[0].n) && isdigit((unsigned char)t[0].s[0]))
			a = 1;
		toks_join(row->name, sizeof(row->name), t, a, k);
		row->samples = v;
		tok_copy(row->share, sizeof(row->share), pc);
		const char *r = pc.s + pc.n;
		while (*r == ' ')
			r++;
		snprintf(row->rest, sizeof(row->rest), "%s", r);
		kvmtrace_utf8_clean(row->rest);
		return row->name[0] != '\0';
	}
	return false;
}

/* ---- the scanner ---- */

static char *join_text(const char *a, const char *b, bool space)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > KT_LINE_MAX || nb > KT_LINE_MAX)
		return NULL;
	char *j = malloc(na + nb + 2);
	if (!j)
		return NULL;
	memcpy(j, a, na);
	size_t k = na;
	while (*b == ' ' && space)
		b++, nb--;
	if (space && na && a[na - 1] != ' ')
		j[k++] = ' ';
	memcpy(j + k, b, nb + 1);
	return j;
}

static unsigned popcount32(u32 v)
{
	unsigned c = 0;
	for (; v; v &= v - 1)
		c++;
	return c;
}

static bool eventish(enum kt_status st)
{
	return st >= KT_BAD;
}

/* Whether the joined parse (js, jev) is a better reading than (st, ev). */
static bool join_better(enum kt_status st, const struct kt_event *ev, enum kt_status js,
			const struct kt_event *jev)
{
	if (!eventish(js) || js == KT_BAD || jev->extra_tokens > ev->extra_tokens)
		return false;
	if (st == KT_HEADER_ONLY)
		return true;
	if (st == KT_INCOMPLETE)
		return js > st || popcount32(jev->present) > popcount32(ev->present) ||
		       jev->immediate_exit != ev->immediate_exit;
	if (st == KT_OK)
		return js == KT_OK && popcount32(jev->present) > popcount32(ev->present);
	return false;
}

void kvmtrace_scan(const struct dec_input *in, kt_record_fn fn, void *ctx)
{
	struct kt_event *ev = malloc(sizeof(*ev) * 3);
	if (!ev)
		return;
	struct kt_event *jev = ev + 1, *tmp = ev + 2;
	bool in_perf = false;
	for (size_t i = 0; i < in->n;) {
		const char *text = in->lines[i].text;
		enum kt_status st = kvmtrace_parse_line(text, ev);
		struct kt_record rec = {.status = st,
					.lineno = in->lines[i].lineno,
					.last_lineno = in->lines[i].lineno,
					.text = text,
					.ev = ev};
		if (st == KT_PERF_HEADER) {
			in_perf = true;
		} else if (in_perf && st == KT_NOT_TRACE) {
			struct kt_perf_row row;
			if (kvmtrace_parse_perf_row(text, &row)) {
				rec.in_perf_table = true;
				rec.perf_row = &row;
				fn(ctx, &rec);
				i++;
				continue;
			}
			in_perf = false;
		} else if (st != KT_BLANK && st != KT_PERF_OTHER) {
			in_perf = false;
		}

		char *owned = NULL;
		size_t k = i + 1;
		if (st == KT_NOT_TRACE && k < in->n) {
			/* a header split before its timestamp: "comm-pid [cpu] flags" + "ts:
			 * event:" */
			enum kt_status ns = kvmtrace_parse_line(in->lines[k].text, tmp);
			if (eventish(ns) && tmp->no_prefix && tmp->ts[0]) {
				char *j = join_text(text, in->lines[k].text, true);
				if (j) {
					enum kt_status js = kvmtrace_parse_line(j, jev);
					if (js == ns && (jev->cpu >= 0 || jev->pid >= 0) &&
					    !strcmp(jev->event, tmp->event)) {
						owned = j;
						st = js;
						memcpy(ev, jev, sizeof(*ev));
						k++;
					} else {
						free(j);
					}
				}
			}
		}
		while (k < in->n && k - i <= KT_MAX_JOIN &&
		       (st == KT_HEADER_ONLY || st == KT_INCOMPLETE || st == KT_OK)) {
			const char *nx = in->lines[k].text;
			enum kt_status ns = kvmtrace_parse_line(nx, tmp);
			bool cand = ns == KT_NOT_TRACE || (st == KT_HEADER_ONLY && eventish(ns) &&
							   tmp->producer == KT_P_BARE);
			if (!cand || (st == KT_OK && ev->kind >= KT_OTHER_KVM))
				break;
			const char *cur = owned ? owned : text;
			char *j = join_text(cur, nx, true);
			if (!j)
				break;
			enum kt_status js = kvmtrace_parse_line(j, jev);
			bool ok = join_better(st, ev, js, jev);
			if (!ok && st == KT_INCOMPLETE) {
				/* a token split in the middle ("EPT_VIOL" + "ATION") */
				free(j);
				j = join_text(cur, nx, false);
				if (!j)
					break;
				js = kvmtrace_parse_line(j, jev);
				ok = join_better(st, ev, js, jev);
			}
			if (!ok) {
				free(j);
				break;
			}
			free(owned);
			owned = j;
			st = js;
			memcpy(ev, jev, sizeof(*ev));
			k++;
		}
		rec.status = st;
		rec.text = owned ? owned : text;
		rec.last_lineno = in->lines[k - 1].lineno;
		fn(ctx, &rec);
		free(owned);
		i = k;
	}
	free(ev);
}

/* ---- names ---- */

const char *kvmtrace_kind_name(enum kt_kind k)
{
	static const char *const names[] = {
	    [KT_NONE] = "none",
	    [KT_EXIT] = "kvm_exit",
	    [KT_NESTED_VMEXIT] = "kvm_nested_vmexit",
	    [KT_NESTED_INJECT] = "kvm_nested_vmexit_inject",
	    [KT_NESTED_VMENTER] = "kvm_nested_vmenter",
	    [KT_ENTRY] = "kvm_entry",
	    [KT_INJ_EXCEPTION] = "kvm_inj_exception",
	    [KT_OTHER_KVM] = "other kvm events",
	    [KT_OTHER] = "other events",
	};
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "?";
}

const char *kvmtrace_form_name(enum kt_form f)
{
	static const char *const names[] = {
	    [KT_FORM_NONE] = "unknown",
	    [KT_FORM_EXIT_LABELLED] = "kernel >= 5.10 (info1/info2/intr_info/error_code)",
	    [KT_FORM_EXIT_VCPU_INFO] = "kernel 5.4-5.9 (vcpu, info A B)",
	    [KT_FORM_EXIT_INFO] = "kernel <= 5.3 or kvm plugin (info A B, no vcpu)",
	    [KT_FORM_NESTED_EXT] = "kernel <= 5.7 nested (rip: reason: ext_inf1: ...)",
	    [KT_FORM_NESTED_REASON] = "kernel 5.8-5.9 nested (reason: only)",
	    [KT_FORM_INJECT_EXT] = "kernel nested inject (reason: ext_inf1: ...)",
	    [KT_FORM_PLUGIN_NESTED] = "kvm plugin nested (info1 info2 int_info int_info_err)",
	    [KT_FORM_ENTRY] = "kvm_entry",
	    [KT_FORM_INJ] = "kvm_inj_exception",
	    [KT_FORM_VMENTER] = "kvm_nested_vmenter",
	    [KT_FORM_OTHER] = "other event",
	};
	return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "?";
}

const char *kvmtrace_producer_name(enum kt_producer p)
{
	static const char *const names[] = {
	    [KT_P_UNKNOWN] = "trace (producer not known)",
	    [KT_P_FTRACE] = "ftrace trace file",
	    [KT_P_TRACE_CMD] = "trace-cmd report",
	    [KT_P_PERF] = "perf script",
	    [KT_P_BARE] = "bare event lines",
	};
	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}
