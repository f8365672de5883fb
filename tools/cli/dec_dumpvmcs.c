// SPDX-License-Identifier: MIT
/*
 * `vmxsgx decode dump-vmcs`: reads the VMCS dumps of Linux KVM's dump_vmcs() (4.3 to
 * current) and Xen's vmcs_dump_vcpu() (4.4 to current) as people paste them: with any line
 * prefix (dmesg timestamps, syslog, "kvm_intel: ", "(XEN) "), re-wrapped by mail clients,
 * quoted, or cut short.  Layouts: diagnostic-formats.md sections 7 and 8.  Fields are keyed
 * on section headers and label text, never on line order (section 10 of that document).
 * The VMCS fields themselves are Intel SDM Vol. 3C 24.4 "Guest-State Area", 24.5
 * "Host-State Area", 24.6-24.9 (controls and exit information).
 *
 * Rendering (text and --json) and the command entry point: dec_dumpvmcs_out.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dumpvmcs.h"

#define LINE_MAX_LEN 2048 /* a logical (re-joined) line; longer text is cut and reported */

/* ---------------------------------------------------------------- names */

const struct dv_field_info dv_fields[DV_NFIELDS] = {
#define DV_ROW(id, s, k, l, kd, a, w, wh) {DV_SEC_##s, k, l, kd, a, w, wh},
    DV_FIELDS(DV_ROW)
#undef DV_ROW
};

static const char *const seg_names[DV_NSEGS] = {"ES", "CS",   "SS", "DS",   "FS",
						"GS", "LDTR", "TR", "GDTR", "IDTR"};

const char *dumpvmcs_seg_name(enum dv_seg s)
{
	return (unsigned)s < DV_NSEGS ? seg_names[s] : "?";
}

const char *dumpvmcs_field_key(enum dv_field f)
{
	return (unsigned)f < DV_NFIELDS ? dv_fields[f].key : "?";
}

bool dumpvmcs_section_present(const struct vmcs_dump *d, enum dv_section s)
{
	if (d->section_header[s])
		return true;
	for (unsigned i = 0; i < DV_NFIELDS; i++)
		if (dv_fields[i].sec == s && d->f[i].present)
			return true;
	if (s == DV_SEC_GUEST)
		for (unsigned i = 0; i < DV_NSEGS; i++)
			if (d->seg[i].ar.present || d->seg[i].base.present)
				return true;
	return false;
}

/* ---------------------------------------------------------------- small text helpers */

static const char *skip_sp(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Hex number of 1..16 digits, optional 0x; *end after it.  No sign, no overflow. */
static bool hex_tok(const char *s, u64 *v, const char **end)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	u64 x = 0;
	int n = 0;
	for (; isxdigit((unsigned char)*s); s++, n++) {
		if (n == 16)
			return false;
		int c = tolower((unsigned char)*s);
		x = x << 4 | (u64)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	if (!n)
		return false;
	*v = x;
	*end = s;
	return true;
}

static bool dec_tok(const char *s, u64 *v, const char **end)
{
	u64 x = 0;
	int n = 0;
	for (; isdigit((unsigned char)*s); s++, n++) {
		if (n == 19)
			return false;
		x = x * 10 + (u64)(*s - '0');
	}
	if (!n)
		return false;
	*v = x;
	*end = s;
	return true;
}

/* A whole token of hex digits (the Xen segment table, wrapped values). */
static bool bare_hex(const char *s)
{
	u64 v;
	const char *e;
	return hex_tok(s, &v, &e) && (*e == '\0' || *e == ' ' || *e == '(' || *e == ',');
}

/* ---------------------------------------------------------------- line prefixes */

enum pfx { PFX_DMESG = 1, PFX_SYSLOG = 2, PFX_XEN = 4, PFX_TAG = 8, PFX_OTHER = 16 };

/* Matches s against pat ('9' digit, 'A' upper, 'a' lower, other characters literal);
 * returns the text after the match or NULL.  Never reads past the terminator. */
static const char *pat(const char *s, const char *p)
{
	for (; *p; p++, s++) {
		unsigned char c = (unsigned char)*s;
		bool ok = *p == '9'   ? isdigit(c)
			  : *p == 'A' ? isupper(c)
			  : *p == 'a' ? islower(c)
				      : c == (unsigned char)*p;
		if (!c || !ok)
			return NULL;
	}
	return s;
}

/* "Jun 18 12:34:56 host tag: " (also "Jun  8") or "2021-06-18T12:34:56.1+02:00 host tag: ". */
static const char *syslog_prefix(const char *p)
{
	const char *q = pat(p, "Aaa ");
	if (q) {
		q = skip_sp(q);
		q = pat(q, "9") ? q + 1 + (isdigit((unsigned char)q[1]) ? 1 : 0) : NULL;
		q = q ? pat(q, " 99:99:99") : NULL;
	} else {
		q = pat(p, "9999-99-99T");
	}
	if (!q || !(q = strchr(q, ' ')))
		return NULL;
	const char *host = skip_sp(q);
	const char *tag = strchr(host, ' ');
	const char *colon = tag ? strstr(tag, ": ") : NULL;
	if (!colon || colon - tag > 48)
		return NULL;
	return colon + 2;
}

static bool timestampish(const char *a, const char *b)
{
	for (const char *p = a; p < b; p++)
		if (*p == '=' || *p == '*')
			return false;
	return b - a < 48;
}

/* Strips the transport prefixes of one line; *kinds collects enum pfx bits. */
static const char *strip_prefix(const char *s, unsigned *kinds)
{
	static const char *const tags[] = {"kernel: ", "kvm_intel: ", "kvm-intel: ", "kvm: "};
	for (int guard = 0; guard < 8; guard++) {
		const char *p = skip_sp(s), *q;
		if (starts(p, "(XEN)")) {
			*kinds |= PFX_XEN;
			s = p + 5;
			continue;
		}
		if (*p == '[' && (q = strchr(p, ']')) && timestampish(p + 1, q)) {
			*kinds |= PFX_DMESG;
			s = q + 1;
			continue;
		}
		if ((q = syslog_prefix(p))) {
			*kinds |= PFX_SYSLOG;
			s = q;
			continue;
		}
		size_t t = 0;
		while (t < ARRAY_SIZE(tags) && !starts(p, tags[t]))
			t++;
		if (t < ARRAY_SIZE(tags)) {
			*kinds |= PFX_TAG;
			s = p + strlen(tags[t]);
			continue;
		}
		return p;
	}
	return skip_sp(s);
}

/* Labels that start a dump line and never appear inside one: used to find the payload
 * behind an unknown prefix (ftrace, journal formats) and to refuse joining such a line to
 * the one before. */
static const char *const anchors[] = {
    "*** Guest State",  "*** Host State",  "*** Control State",
    "CR0: actual=",     "CR4: actual=",    "CR3: actual=",
    "RFLAGS=",          "Sysenter RSP=",   "GDTR: ",
    "IDTR: ",           "LDTR: ",          "DebugCtl",
    "Interruptibility", "InterruptStatus", "PinBased=",
    "CPUBased=",        "SecondaryExec=",  "EntryControls=",
    "ExceptionBitmap=", "VMEntry: ",       "VMExit: ",
    "IDTVectoring: ",   "FSBase=",         "GDTBase=",
    "EPT pointer",      "PLE Gap",         "Virtual processor ID",
    "MSR guest",        "MSR host",        "MSR autostore",
    "PreemptionTimer",  "TSC Offset",      "VMCS Area",
    "PerfGlobCtl",      "BndCfgS",
};

static bool is_anchor_start(const char *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(anchors); i++)
		if (starts(p, anchors[i]))
			return true;
	return false;
}

/* Labels that only ever start a dump line but are too common to start a dump (QEMU's
 * register dump has "EFER=" and "CR0="): a line starting with one is never a wrapped tail. */
static bool line_start_only(const char *p)
{
	static const char *const l[] = {"EFER",        "CR3 = ", "PDPTR", "PDPTE",  "SVI|RVI",
					"APIC-access", "CS=",    "CR0=",  "PAT = ", "RSP = "};
	if (is_anchor_start(p) || starts(p, "***"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(l); i++)
		if (starts(p, l[i]))
			return true;
	return false;
}

/* Fallback for unknown prefixes: the earliest anchor preceded by a prefix terminator. */
static const char *find_anchor(const char *s)
{
	const char *best = NULL;
	if (!*s)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(anchors); i++) {
		const char *m = strstr(s + 1, anchors[i]);
		if (m && strchr(" :]>|", m[-1]) && (!best || m < best))
			best = m;
	}
	return best;
}

/* ---------------------------------------------------------------- re-joining wrapped lines */

static bool ctx_label(const char *p)
{
	static const char *const l[] = {
	    "shadow=", "gh_mask=",   "attr=", "limit=", "base=",         "errcode=",
	    "ilen=",   "intr_info=", "info=", "value=", "qualification="};
	for (size_t i = 0; i < ARRAY_SIZE(l); i++)
		if (starts(p, l[i]))
			return true;
	return false;
}

/* Looks like the middle of a dump line: "label=...", "label = ..." or a bare value. */
static bool cont_like(const char *p)
{
	if (bare_hex(p) || starts(p, "(0x"))
		return true;
	const char *sp = strchr(p, ' '), *eq = strchr(p, '=');
	if (!eq)
		return false;
	if (!sp || eq < sp)
		return eq > p;
	/* "PAT = 0x..", "TSC Multiplier = 0x..": up to two words before " = " */
	const char *sp2 = strchr(skip_sp(sp), ' ');
	return eq[-1] == ' ' && (eq - 1 == sp || eq - 1 == sp2);
}

static bool dangling(const char *prev)
{
	size_t n = strlen(prev);
	while (n && prev[n - 1] == ' ')
		n--;
	return n && (prev[n - 1] == '=' || prev[n - 1] == ',');
}

/* Whether raw line `next` continues the logical line `prev` (payload, prefix kinds). */
static bool continues(const char *prev, unsigned prev_kinds, const char *next)
{
	unsigned nk = 0;
	const char *np = strip_prefix(next, &nk);
	if (!*np || line_start_only(np))
		return false;
	if (!cont_like(np))
		return false;
	if (prev_kinds && !nk)
		return true;
	if (nk != prev_kinds)
		return false;
	return dangling(prev) || ctx_label(np) || bare_hex(np) || starts(np, "(0x");
}

/* ---------------------------------------------------------------- parser state */

struct pstate {
	const struct dec_input *in;
	struct vmcs_dump *d;
	int sec;     /* current section, -1 before the first header */
	int msrlist; /* current "MSR ... :" list, -1 none */
	bool started, ended;
	size_t pending;
	u32 pending_at[DV_MAX_UNKNOWN];
	u32 line;
	/* layout evidence */
	int xen, kvm;
	bool f_vmcs_hdr, f_efer_eq, f_msrlist, f_pat_alone, f_tertiary, f_ctl0x, f_split,
	    f_efer_paren, f_table, f_target_count, f_xen_sel;
};

static void problem(struct pstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct pstate *st, const char *fmt, ...)
{
	struct vmcs_dump *d = st->d;
	if (d->nproblems == DV_MAX_PROBLEMS) {
		d->problems_dropped++;
		return;
	}
	struct dv_problem *p = &d->problems[d->nproblems++];
	p->line = st->line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
	for (char *c = p->text; *c; c++) /* quoted input text: keep it printable */
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
}

static void set_val(struct pstate *st, struct dv_val *f, u64 v)
{
	f->v = v;
	f->line = st->line;
	f->present = true;
}

static void set_field(struct pstate *st, enum dv_field id, u64 v)
{
	set_val(st, &st->d->f[id], v);
}

/* A line that belongs to the dump was seen: unknown lines before it were inside. */
static void recognized(struct pstate *st)
{
	struct vmcs_dump *d = st->d;
	for (size_t i = 0; i < st->pending; i++) {
		if (d->unknown_lines < DV_MAX_UNKNOWN)
			d->unknown_at[d->unknown_lines] = st->pending_at[i];
		d->unknown_lines++;
	}
	st->pending = 0;
	if (!d->first_line)
		d->first_line = st->line;
	d->last_line = st->line;
	st->started = true;
}

static void unknown_line(struct pstate *st)
{
	if (!st->started || st->ended)
		return;
	if (st->pending < DV_MAX_UNKNOWN)
		st->pending_at[st->pending] = st->line;
	st->pending++;
}

/* ---------------------------------------------------------------- label -> field */

static bool has_label(const char *labels, const char *label)
{
	size_t n = strlen(label);
	for (const char *p = labels; *p;) {
		const char *e = strchr(p, ';');
		size_t m = e ? (size_t)(e - p) : strlen(p);
		if (m == n && !strncmp(p, label, n))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

/* Field of a "label = value" pair in section sec (-1: before any header); -1 for labels
 * known but not kept (Xen's CR3-target values), -2 for unknown labels.  Outside its own
 * section a label is accepted only before the first header, and "TSC Offset" (Xen 4.4
 * prints it with the guest state). */
static int map_label(int sec, const char *label)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned f = 0; f < DV_NFIELDS; f++) {
			bool here = dv_fields[f].sec == sec;
			if (pass ? here || (sec >= 0 && f != DV_F_TSC_OFFSET) : !here)
				continue;
			if (has_label(dv_fields[f].labels, label))
				return (int)f;
		}
	}
	if (starts(label, "target") || starts(label, "CR3 target"))
		return -1;
	return -2;
}

static const char *const cr_ctx_labels[] = {"actual", "shadow", "gh_mask"};

/* ---------------------------------------------------------------- label=value pairs */

struct pair {
	char label[48];
	char val[48];
	char extra[48]; /* "(...)" after the value */
	bool space_eq;  /* a space before '=' ("EFER =" vs "EFER=") */
};

/* Copies [a, b) as printable ASCII (other bytes become '?'): copied text reaches JSON
 * output and terminals. */
static void copy_span(char *dst, size_t cap, const char *a, const char *b)
{
	size_t n = (size_t)(b - a);
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = a[i] >= 0x20 && a[i] < 0x7f ? a[i] : '?';
	dst[n] = '\0';
}

/* Next "label = value (extra)" of a line; false at the end.  Labels may hold spaces. */
static bool next_pair(const char **pp, struct pair *pr)
{
	const char *p = *pp;
	while (*p == ' ' || *p == ',')
		p++;
	const char *eq = strchr(p, '=');
	if (!*p || !eq)
		return false;
	const char *le = eq;
	pr->space_eq = eq > p && eq[-1] == ' ';
	while (le > p && le[-1] == ' ')
		le--;
	copy_span(pr->label, sizeof(pr->label), p, le);
	const char *v = skip_sp(eq + 1), *ve = v;
	while (*ve && *ve != ' ' && *ve != ',')
		ve++;
	copy_span(pr->val, sizeof(pr->val), v, ve);
	pr->extra[0] = '\0';
	const char *q = skip_sp(ve);
	if (*q == '(') {
		const char *c = strchr(q, ')');
		copy_span(pr->extra, sizeof(pr->extra), q + 1, c ? c : q + strlen(q));
		ve = c ? c + 1 : q + strlen(q);
	}
	*pp = ve;
	return true;
}

static bool val_hex(struct pstate *st, const struct pair *pr, u64 *v)
{
	const char *e;
	if (hex_tok(pr->val, v, &e) && !*e)
		return true;
	problem(st, "value '%s' of '%s' is not a hexadecimal number", pr->val, pr->label);
	return false;
}

/* "CS:RIP=0010:ffffffff81000000" (sysenter CS and EIP); base = SYSENTER_CS id. */
static void sysenter_csrip(struct pstate *st, const struct pair *pr, enum dv_field cs)
{
	u64 sel, rip;
	const char *e, *e2;
	if (hex_tok(pr->val, &sel, &e) && *e == ':' && hex_tok(e + 1, &rip, &e2) && !*e2) {
		set_field(st, cs, sel);
		set_field(st, cs + 1, rip);
	} else {
		problem(st, "value '%s' of 'CS:RIP' is not SEL:ADDRESS", pr->val);
	}
}

/* "SVI|RVI = 00|00" */
static void svi_rvi(struct pstate *st, const struct pair *pr)
{
	u64 svi, rvi;
	const char *e, *e2;
	if (hex_tok(pr->val, &svi, &e) && *e == '|' && hex_tok(e + 1, &rvi, &e2) && !*e2) {
		set_field(st, DV_F_SVI, svi);
		set_field(st, DV_F_RVI, rvi);
	} else {
		problem(st, "value '%s' of 'SVI|RVI' is not XX|YY", pr->val);
	}
}

/* Guest "EFER", "EFER(VMCS)", "EFER(MSR LL)"; host "EFER". */
static bool efer_pair(struct pstate *st, const struct pair *pr, int sec)
{
	const char *src = NULL;
	if (!strcmp(pr->label, "EFER(VMCS)") || !strcmp(pr->label, "EFER(MSR LL)")) {
		st->f_efer_paren = true;
		st->xen++;
		src = pr->label[5] == 'V' ? "VMCS" : "MSR LL";
	} else if (strcmp(pr->label, "EFER")) {
		return false;
	}
	u64 v;
	if (!val_hex(st, pr, &v))
		return true;
	if (sec == DV_SEC_HOST) {
		set_field(st, DV_F_H_EFER, v);
		return true;
	}
	set_field(st, DV_F_EFER, v);
	if (!pr->space_eq)
		st->f_efer_eq = true;
	if (pr->extra[0])
		src = pr->extra; /* KVM 5.13+: "(autoload)" or "(effective)" */
	snprintf(st->d->efer_source, sizeof(st->d->efer_source), "%.15s", src ? src : "");
	return true;
}

/* Labels whose value needs more than a table lookup; true when handled. */
static bool special_pair(struct pstate *st, const struct pair *pr, int sec)
{
	bool host = sec == DV_SEC_HOST;
	if (!strcmp(pr->label, "CS:RIP")) {
		sysenter_csrip(st, pr, host ? DV_F_H_SYSENTER_CS : DV_F_SYSENTER_CS);
		return true;
	}
	if (!strcmp(pr->label, "SVI|RVI")) {
		svi_rvi(st, pr);
		return true;
	}
	if (starts(pr->label, "EFER") && sec != DV_SEC_CONTROL)
		return efer_pair(st, pr, sec);
	if (!strcmp(pr->label, "target_count")) {
		u64 v;
		const char *e;
		st->f_target_count = true;
		st->xen++;
		if (dec_tok(pr->val, &v, &e) && !*e)
			set_field(st, DV_F_CR3_TARGET_COUNT, v);
		return true;
	}
	return false;
}

/* Xen prints its saved copy of RSP/RIP/RFLAGS in parentheses after the VMCS value. */
static void xen_copy(struct pstate *st, enum dv_field f, const char *extra)
{
	enum dv_field c = f == DV_F_RSP   ? DV_F_XEN_RSP
			  : f == DV_F_RIP ? DV_F_XEN_RIP
					  : DV_F_XEN_RFLAGS;
	u64 v;
	const char *e;
	if (hex_tok(extra, &v, &e) && !*e) {
		set_field(st, c, v);
		st->xen++;
	}
}

/* One pair outside any "Name:" context.  Returns false when the label is unknown. */
static bool plain_pair(struct pstate *st, const struct pair *pr)
{
	int sec = st->sec;
	if (special_pair(st, pr, sec < 0 ? DV_SEC_GUEST : sec))
		return true;
	int f = map_label(sec, pr->label);
	if (f == -2)
		return false;
	u64 v;
	if (f < 0 || !val_hex(st, pr, &v))
		return true;
	set_field(st, (enum dv_field)f, v);
	if (pr->extra[0] && (f == DV_F_RSP || f == DV_F_RIP || f == DV_F_RFLAGS))
		xen_copy(st, (enum dv_field)f, pr->extra);
	if (f == DV_F_PROC3)
		st->f_tertiary = true;
	if ((f == DV_F_PROC || f == DV_F_PIN) && starts(pr->val, "0x"))
		st->f_ctl0x = true;
	return true;
}

/* ---------------------------------------------------------------- "Name: ..." lines */

enum ctx { CTX_NONE, CTX_CR0, CTX_CR4, CTX_CR3, CTX_SEG, CTX_VMENTRY, CTX_VMEXIT, CTX_IDTVEC };

static int seg_by_name(const char *s, size_t n)
{
	for (int i = 0; i < DV_NSEGS; i++)
		if (strlen(seg_names[i]) == n && !strncmp(seg_names[i], s, n))
			return i;
	return -1;
}

/* "CS: ...", "CR0: ...", "VMExit: ...": the context word and the text after it. */
static enum ctx line_ctx(const char *p, int *seg, const char **rest)
{
	const char *c = p;
	while (isalnum((unsigned char)*c))
		c++;
	if (*c != ':' || (c[1] != ' ' && c[1] != '\0'))
		return CTX_NONE;
	size_t n = (size_t)(c - p);
	*rest = c + 1;
	*seg = seg_by_name(p, n);
	if (*seg >= 0)
		return CTX_SEG;
	static const struct {
		const char *w;
		enum ctx c;
	} words[] = {{"CR0", CTX_CR0},       {"CR4", CTX_CR4},
		     {"CR3", CTX_CR3},       {"VMEntry", CTX_VMENTRY},
		     {"VMExit", CTX_VMEXIT}, {"IDTVectoring", CTX_IDTVEC}};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i].w) == n && !strncmp(words[i].w, p, n))
			return words[i].c;
	return CTX_NONE;
}

static struct dv_val *seg_part(struct dv_segreg *s, const char *label)
{
	if (!strcmp(label, "sel"))
		return &s->sel;
	if (!strcmp(label, "attr"))
		return &s->ar;
	if (!strcmp(label, "limit"))
		return &s->limit;
	if (!strcmp(label, "base"))
		return &s->base;
	return NULL;
}

/* Xen >= 4.6 segment table row: "CS: 0008 0a099 ffffffff 0000000000000000". */
static bool seg_columns(struct pstate *st, int seg, const char *p)
{
	struct dv_segreg *s = &st->d->seg[seg];
	bool dtr = seg >= DV_GDTR;
	struct dv_val *cols[4] = {&s->sel, &s->ar, &s->limit, &s->base};
	int i = dtr ? 2 : 0, got = 0;
	for (; i < 4; i++, got++) {
		u64 v;
		const char *e;
		p = skip_sp(p);
		if (!*p)
			break;
		if (!hex_tok(p, &v, &e) || (*e && *e != ' ')) {
			problem(st, "%s row: column '%.16s' is not hexadecimal", seg_names[seg], p);
			return got > 0;
		}
		set_val(st, cols[i], v);
		p = e;
	}
	if (got < (dtr ? 2 : 4))
		problem(st, "%s row has %d of %d columns", seg_names[seg], got, dtr ? 2 : 4);
	st->f_table = true;
	st->xen++;
	return got > 0;
}

static bool ctx_pair(struct pstate *st, enum ctx c, int seg, const struct pair *pr)
{
	u64 v;
	struct dv_val *dst = NULL;
	int i;
	switch (c) {
	case CTX_CR0:
	case CTX_CR4:
		for (i = 0; i < 3; i++)
			if (!strcmp(pr->label, cr_ctx_labels[i]))
				dst = &st->d->f[(c == CTX_CR0 ? DV_F_CR0 : DV_F_CR4) + i];
		break;
	case CTX_CR3:
		if (!strcmp(pr->label, "actual"))
			dst = &st->d->f[DV_F_CR3];
		else if (special_pair(st, pr, DV_SEC_GUEST))
			return true;
		break;
	case CTX_SEG:
		dst = seg_part(&st->d->seg[seg], pr->label);
		if (dst && seg < DV_GDTR && !strcmp(pr->label, "sel") && st->xen)
			st->f_xen_sel = true;
		break;
	case CTX_VMENTRY:
	case CTX_VMEXIT:
		i = !strcmp(pr->label, "intr_info") ? 0
		    : !strcmp(pr->label, "errcode") ? 1
		    : !strcmp(pr->label, "ilen")    ? 2
						    : -1;
		if (i >= 0)
			dst = &st->d->f[(c == CTX_VMENTRY ? DV_F_ENTRY_INTR_INFO
							  : DV_F_EXIT_INTR_INFO) +
					i];
		break;
	case CTX_IDTVEC:
		if (!strcmp(pr->label, "info"))
			dst = &st->d->f[DV_F_IDT_VEC_INFO];
		else if (!strcmp(pr->label, "errcode"))
			dst = &st->d->f[DV_F_IDT_VEC_ERRCODE];
		break;
	default: break;
	}
	if (!dst)
		return false;
	if (val_hex(st, pr, &v))
		set_val(st, dst, v);
	return true;
}

/* Pairs of a line; returns the number understood, *unknown the number not (the first
 * unknown label is reported only when the line is part of the dump). */
static int pairs(struct pstate *st, enum ctx c, int seg, const char *p, int *unknown)
{
	struct pair pr;
	char first[sizeof(pr.label)] = "";
	int ok = 0;
	*unknown = 0;
	while (next_pair(&p, &pr)) {
		bool done = c == CTX_NONE ? plain_pair(st, &pr) : ctx_pair(st, c, seg, &pr);
		if (done)
			ok++;
		else if (!(*unknown)++)
			snprintf(first, sizeof(first), "%s", pr.label);
	}
	if (ok && *unknown)
		problem(st, "unknown field '%s' (%d of %d fields of the line not understood)",
			first, *unknown, ok + *unknown);
	return ok;
}

/* ---------------------------------------------------------------- whole lines */

/* NONE: not understood; PARTIAL: a dump line with fields not understood. */
enum lk { LK_NONE, LK_DUMP, LK_PARTIAL, LK_START, LK_END, LK_CONTEXT, LK_BLANK };

static bool section_header(struct pstate *st, const char *p, enum lk *k)
{
	static const char *const h[] = {"*** Guest State ***", "*** Host State ***",
					"*** Control State ***"};
	for (int s = 0; s < DV_NSECTIONS; s++) {
		if (!strstr(p, h[s]))
			continue;
		bool again = st->d->section_header[s];
		for (int t = s + 1; t < DV_NSECTIONS; t++)
			again |= st->d->section_header[t];
		if (st->started && again) {
			*k = LK_START; /* a second dump begins */
			return true;
		}
		st->d->section_header[s] = true;
		st->d->section_line[s] = st->line;
		st->sec = s;
		st->msrlist = -1;
		*k = LK_DUMP;
		return true;
	}
	return false;
}

/* "VMCS 000000006afb1754, last attempted VM-entry on CPU 3" (KVM 5.13+). */
static bool kvm_header(struct pstate *st, const char *p, enum lk *k)
{
	const char *m = strstr(p, ", last attempted VM-entry on CPU ");
	if (!starts(p, "VMCS ") || !m)
		return false;
	if (st->started) {
		*k = LK_START;
		return true;
	}
	copy_span(st->d->vmcs_ptr, sizeof(st->d->vmcs_ptr), p + 5, m);
	u64 cpu;
	const char *e;
	if (dec_tok(m + 33, &cpu, &e))
		set_val(st, &st->d->last_cpu, cpu);
	st->f_vmcs_hdr = true;
	st->kvm += 2;
	*k = LK_DUMP;
	return true;
}

static bool value_after(const char *p, const char *key, u64 *v)
{
	const char *m = strstr(p, key), *e;
	return m && hex_tok(skip_sp(m + strlen(key)), v, &e);
}

/* Xen banners and failure lines; the debug-key banner starts a dump. */
static bool xen_line(struct pstate *st, const char *p, enum lk *k)
{
	struct vmcs_dump *d = st->d;
	u64 v;
	const char *e;
	bool start = true;
	if (strstr(p, "VMCS Area")) {
	} else if (starts(p, ">>> Domain ") && dec_tok(p + 11, &v, &e)) {
		set_val(st, &d->xen_domain, v);
	} else if (starts(p, "VCPU ") && dec_tok(p + 5, &v, &e)) {
		set_val(st, &d->xen_vcpu, v);
	} else if (value_after(p, "vmentry failure (reason ", &v) ||
		   value_after(p, "Failed vm entry (exit reason ", &v)) {
		set_val(st, &d->xen_fail_reason, v);
	} else if (value_after(p, "VMLAUNCH error: ", &v) ||
		   value_after(p, "VMRESUME error: ", &v)) {
		set_val(st, &d->xen_vmfail_error, v);
	} else if (starts(p, "msr ") && hex_tok(p + 4, &v, &e) && starts(e, " val ")) {
		set_val(st, &d->xen_msr_index, v);
		if (value_after(e, " val ", &v))
			set_val(st, &d->xen_msr_value, v);
		start = false;
	} else if (strspn(p, "*") >= 20 && !p[strspn(p, "*")]) {
		*k = LK_END;
		return true;
	} else {
		return false;
	}
	st->xen += 2;
	/* A banner or failure line after a dump's sections starts the next dump. */
	bool any = false;
	for (int s = 0; s < DV_NSECTIONS; s++)
		any |= dumpvmcs_section_present(d, (enum dv_section)s);
	*k = start && any ? LK_START : LK_CONTEXT;
	return true;
}

/* KVM and QEMU lines around a dump. */
static bool kvm_context(struct pstate *st, const char *p, enum lk *k)
{
	u64 v;
	if (value_after(p, "entry failed, hardware error ", &v)) {
		set_val(st, &st->d->qemu_hw_error, v);
	} else if (value_after(p, "unexpected exit reason ", &v)) {
		if (st->started) {
			*k = LK_START;
			return true;
		}
		set_val(st, &st->d->kvm_unexpected, v);
	} else if (strstr(p, "dump_invalid_vmcs=1")) {
		st->d->dump_disabled_hint = true;
	} else {
		return false;
	}
	st->kvm++;
	*k = LK_CONTEXT;
	return true;
}

static bool msr_line(struct pstate *st, const char *p, enum lk *k)
{
	static const struct {
		const char *h;
		int list;
	} heads[] = {{"MSR guest autoload:", DV_MSR_GUEST_LOAD},
		     {"MSR guest autostore:", DV_MSR_GUEST_STORE},
		     {"MSR autostore:", DV_MSR_GUEST_STORE},
		     {"MSR host autoload:", DV_MSR_HOST_LOAD}};
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		if (starts(p, heads[i].h)) {
			st->msrlist = heads[i].list;
			st->d->msrs[st->msrlist].present = true;
			st->f_msrlist = true;
			st->kvm += 2;
			*k = LK_DUMP;
			return true;
		}
	}
	u64 idx, msr, val;
	const char *e;
	if (!dec_tok(p, &idx, &e) || *e != ':' || !strstr(e, "msr="))
		return false;
	*k = LK_DUMP;
	if (st->msrlist < 0) {
		problem(st, "MSR entry outside an \"MSR ...:\" list");
		return true;
	}
	if (!value_after(e, "msr=", &msr) || !value_after(e, "value=", &val)) {
		problem(st, "MSR entry without msr= and value=");
		return true;
	}
	struct dv_msrlist *l = &st->d->msrs[st->msrlist];
	if (l->n == DV_MAX_MSRS) {
		l->dropped++;
		return true;
	}
	l->e[l->n++] = (struct dv_msr){(u32)idx, (u32)msr, val};
	return true;
}

/* A payload that is part of the dump body. */
static bool body_line(struct pstate *st, const char *p, enum lk *k)
{
	int seg = -1, unknown = 0;
	const char *rest = p;
	enum ctx c = line_ctx(p, &seg, &rest);
	if (strstr(p, "sel") && strstr(p, "attr") && strstr(p, "limit") && !strchr(p, '=')) {
		st->f_table = true; /* Xen table header "sel  attr  limit   base" */
		st->xen += 2;
		*k = LK_DUMP;
		return true;
	}
	if (c == CTX_SEG && !strchr(rest, '=')) {
		if (!seg_columns(st, seg, rest))
			return false;
		*k = LK_DUMP;
		return true;
	}
	if (c == CTX_NONE && !strchr(p, '='))
		return false;
	int ok = pairs(st, c, seg, rest, &unknown);
	if (!ok)
		return false;
	if (c == CTX_NONE && starts(p, "PAT = "))
		st->f_pat_alone = true;
	if (c == CTX_NONE && starts(p, "SecondaryExec="))
		st->f_split = true;
	*k = unknown ? LK_PARTIAL : LK_DUMP;
	return true;
}

static enum lk classify(struct pstate *st, const char *p)
{
	enum lk k = LK_NONE;
	if (!*p)
		return LK_BLANK;
	if (section_header(st, p, &k) || kvm_header(st, p, &k) || xen_line(st, p, &k) ||
	    kvm_context(st, p, &k) || msr_line(st, p, &k))
		return k;
	/* Before the first header only distinctive dump lines start a dump (a QEMU register
	 * dump's "CR0=... CR3=..." must not); after Xen's closing line nothing belongs. */
	if (st->ended || (!st->started && !is_anchor_start(p)))
		return LK_NONE;
	if (body_line(st, p, &k))
		return k;
	return LK_NONE;
}

/* Whether p starts like a dump line: a known label, "Name:" context or list entry. */
static bool dump_line_start(const char *p)
{
	u64 idx;
	const char *d;
	if (line_start_only(p) || starts(p, "MSR ") ||
	    (starts(p, "VMCS ") && strstr(p, "VM-entry")))
		return true;
	if (dec_tok(p, &idx, &d) && starts(d, ": msr=")) /* "  0: msr=... value=..." */
		return true;
	const char *e = p;
	while (*e && *e != '=' && *e != ':' && e - p < 40)
		e++;
	char label[48];
	copy_span(label, sizeof(label), p, e);
	for (size_t n = strlen(label); n && label[n - 1] == ' ';)
		label[--n] = '\0';
	int seg;
	const char *rest;
	if (*e == ':' && line_ctx(p, &seg, &rest) != CTX_NONE)
		return true;
	return *e == '=' && map_label(-1, label) >= -1;
}

/* The payload of a line behind an unknown prefix (ftrace "comm-pid [cpu] ts: func: ", a
 * journal format): the earliest anchor, else the text after the first ": " that starts
 * like a dump line. */
static const char *behind_prefix(const char *s)
{
	const char *a = find_anchor(s);
	for (const char *c = strstr(s, ": "); c && (!a || c < a); c = strstr(c + 1, ": "))
		if (dump_line_start(skip_sp(c + 2)))
			return skip_sp(c + 2);
	return a;
}

/* ---------------------------------------------------------------- driving the lines */

/* Builds logical line i (its continuation lines joined); returns physical lines used. */
static size_t logical_line(struct pstate *st, size_t i, char *buf, unsigned *kinds)
{
	const struct dec_input *in = st->in;
	*kinds = 0;
	const char *p = strip_prefix(in->lines[i].text, kinds);
	snprintf(buf, LINE_MAX_LEN, "%s", p);
	size_t used = 1;
	while (i + used < in->n && continues(buf, *kinds, in->lines[i + used].text)) {
		unsigned k2 = 0;
		const char *more = strip_prefix(in->lines[i + used].text, &k2);
		size_t a = strlen(buf);
		if (a + strlen(more) + 2 >= LINE_MAX_LEN)
			break;
		if (a && buf[a - 1] != ' ')
			buf[a++] = ' ';
		strcpy(buf + a, more);
		used++;
	}
	return used;
}

static void handle_line(struct pstate *st, enum lk k, size_t used)
{
	switch (k) {
	case LK_DUMP:
	case LK_PARTIAL:
		recognized(st);
		st->d->joined_lines += used - 1;
		if (k == LK_PARTIAL) {
			if (st->d->unknown_lines < DV_MAX_UNKNOWN)
				st->d->unknown_at[st->d->unknown_lines] = st->line;
			st->d->unknown_lines++;
		}
		break;
	case LK_END:
		if (st->started) {
			recognized(st);
			st->ended = true;
		}
		break;
	case LK_CONTEXT: break;
	case LK_NONE: unknown_line(st); break;
	default: break;
	}
}

static void prefix_name(struct vmcs_dump *d, unsigned kinds)
{
	static const char *const names[] = {"dmesg timestamp", "syslog", "(XEN)", "kernel tag",
					    "other"};
	size_t n = 0;
	if (d->prefix[0])
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if ((kinds & (1u << i)) && n < sizeof(d->prefix))
			n += (size_t)snprintf(d->prefix + n, sizeof(d->prefix) - n, "%s%s",
					      n ? " + " : "", names[i]);
}

static void decide_layout(struct pstate *st)
{
	struct vmcs_dump *d = st->d;
	if (st->xen > st->kvm) {
		d->producer = DV_PROD_XEN;
		d->era = st->f_split || st->f_tertiary         ? DV_ERA_XEN_419
			 : st->f_efer_paren                    ? DV_ERA_XEN_410
			 : st->f_table                         ? DV_ERA_XEN_46
			 : st->f_target_count || st->f_xen_sel ? DV_ERA_XEN_44
							       : DV_ERA_XEN_46;
		return;
	}
	d->producer = DV_PROD_KVM;
	d->era = st->f_tertiary || st->f_ctl0x ? DV_ERA_KVM_518
		 : st->f_vmcs_hdr || st->f_efer_eq || st->f_msrlist || st->f_pat_alone
		     ? DV_ERA_KVM_513
		     : DV_ERA_KVM_OLD;
}

/* At least one value or marker of a dump (a lone unreadable line is not a dump). */
static bool has_content(const struct vmcs_dump *d)
{
	bool any = d->vmcs_ptr[0];
	for (int s = 0; s < DV_NSECTIONS; s++)
		any |= dumpvmcs_section_present(d, (enum dv_section)s);
	for (int l = 0; l < DV_NMSRLISTS; l++)
		any |= d->msrs[l].present;
	return any;
}

bool dumpvmcs_parse_next(const struct dec_input *in, size_t *pos, struct vmcs_dump *d)
{
	memset(d, 0, sizeof(*d));
	d->quoted_printable = in->quoted_printable;
	d->mail_quoted = in->mail_quoted;
	struct pstate st = {.in = in, .d = d, .sec = -1, .msrlist = -1};
	char *buf = malloc(LINE_MAX_LEN);
	if (!buf)
		return false;
	size_t i = *pos;
	while (i < in->n) {
		unsigned kinds;
		size_t used = logical_line(&st, i, buf, &kinds);
		st.line = (u32)in->lines[i].lineno;
		const char *p = buf, *q;
		if (*p && !dump_line_start(p) && (q = behind_prefix(p))) {
			kinds |= PFX_OTHER; /* payload behind a prefix we do not know */
			p = q;
		}
		enum lk k = classify(&st, p);
		if (k == LK_START)
			break;
		if (k == LK_NONE)
			used = 1; /* never swallow lines into one we do not understand */
		if (k == LK_DUMP || k == LK_PARTIAL)
			prefix_name(d, kinds);
		handle_line(&st, k, used);
		i += used;
	}
	free(buf);
	*pos = i;
	if (!st.started || !has_content(d))
		return false;
	decide_layout(&st);
	return true;
}

bool dumpvmcs_parse(const struct dec_input *in, struct vmcs_dump *d)
{
	size_t pos = 0;
	return dumpvmcs_parse_next(in, &pos, d);
}

const char *dumpvmcs_no_dump_reason(const struct dec_input *in)
{
	bool trace = false, stat = false, disabled = false;
	for (size_t i = 0; i < in->n; i++) {
		const char *t = in->lines[i].text;
		trace |= strstr(t, "kvm_exit") || strstr(t, "kvm_entry") || strstr(t, "kvm:kvm_");
		stat |= strstr(t, "VM-EXIT") && strstr(t, "Samples");
		disabled |= strstr(t, "dump_invalid_vmcs=1") != NULL;
	}
	if (disabled)
		return "no VMCS dump found; the log says kvm_intel.dump_invalid_vmcs is off: set "
		       "kvm_intel.dump_invalid_vmcs=1 and reproduce";
	if (trace)
		return "no VMCS dump found (this looks like a kvm_exit/kvm_entry trace); use "
		       "'vmxsgx decode kvm-trace FILE'";
	if (stat)
		return "no VMCS dump found (this looks like a 'perf kvm stat' report); use "
		       "'vmxsgx decode kvm-trace FILE'";
	return "no VMCS dump found (no '*** Guest State ***' / Host / Control State block of "
	       "KVM dump_vmcs or Xen vmcs_dump_vcpu); for kvm_exit traces use 'vmxsgx decode "
	       "kvm-trace FILE'";
}
