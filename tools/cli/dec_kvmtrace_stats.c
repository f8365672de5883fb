// SPDX-License-Identifier: MIT
/*
 * `vmxsgx decode kvm-trace`: statistics over KVM tracepoint lines in the style of
 * `perf kvm stat report` (per exit reason: count, share, exits from SGX enclave mode counted
 * apart when the raw exit reason has bit 27 set, SDM 24.9.1), per vCPU, exits reflected to
 * L1, injected exceptions, and the per-line decode of --verbose.  Parsing: dec_kvmtrace.c.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmtrace.h"

#define KT_MAX_ROWS 4096  /* distinct reasons per table; more go to one "(other)" row */
#define KT_MAX_VCPUS 1024 /* distinct vCPU ids; more are counted under "vcpu ?" */
#define KT_MAX_NAMES 256  /* distinct names in a named list */
#define KT_MAX_PERF 64    /* perf kvm stat tables */
#define KT_MAX_PERF_ROWS 512
#define KT_MAX_THREADS 256

/* ---- accumulators ---- */

static struct kt_row *table_row(struct kt_table *t, bool resolved, u32 basic, const char *name)
{
	for (size_t i = 0; i < t->n; i++) {
		struct kt_row *r = &t->rows[i];
		if (r->resolved == resolved &&
		    (resolved ? r->basic == basic : !strcmp(r->name, name)))
			return r;
	}
	if (t->n >= KT_MAX_ROWS) {
		resolved = false;
		name = "(other reasons)";
		for (size_t i = 0; i < t->n; i++)
			if (!t->rows[i].resolved && !strcmp(t->rows[i].name, name))
				return &t->rows[i];
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct kt_row *nr = realloc(t->rows, nc * sizeof(*nr));
		if (!nr)
			return NULL;
		t->rows = nr;
		t->cap = nc;
	}
	struct kt_row *r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->resolved = resolved;
	r->basic = basic;
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	return r;
}

static void table_add(struct kt_table *t, const struct kt_event *ev)
{
	bool resolved = ev->reason_form != KT_R_UNRESOLVED;
	const char *name = ev->reason_text;
	char nb[KT_NAME_MAX];
	if (!resolved) { /* the name alone: flag tokens are counted below */
		snprintf(nb, sizeof(nb), "%s", ev->reason_text);
		char *sp = strchr(nb, ' ');
		if (sp)
			*sp = '\0';
		name = nb;
	}
	struct kt_row *r = table_row(t, resolved, kt_basic(ev->reason), name);
	u32 raw = ev->reason;
	t->total++;
	t->enclave += !!(raw & KT_REASON_ENCLAVE);
	t->failed += !!(raw & KT_REASON_FAILED);
	t->bus_lock += !!(raw & KT_REASON_BUS_LOCK);
	if (!r)
		return;
	r->count++;
	r->enclave += !!(raw & KT_REASON_ENCLAVE);
	r->failed += !!(raw & KT_REASON_FAILED);
	r->bus_lock += !!(raw & KT_REASON_BUS_LOCK);
}

static void table_free(struct kt_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

const struct kt_row *kvmtrace_table_find(const struct kt_table *t, u32 basic)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].resolved && t->rows[i].basic == basic)
			return &t->rows[i];
	return NULL;
}

static struct kt_vcpu *vcpu_get(struct kt_stats *s, s32 vcpu)
{
	for (size_t i = 0; i < s->nvcpu; i++)
		if (s->vcpus[i].vcpu == vcpu)
			return &s->vcpus[i];
	if (s->nvcpu >= KT_MAX_VCPUS && vcpu != -1)
		return vcpu_get(s, -1);
	if (s->nvcpu == s->capvcpu) {
		size_t nc = s->capvcpu ? s->capvcpu * 2 : 8;
		struct kt_vcpu *nv = realloc(s->vcpus, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		s->vcpus = nv;
		s->capvcpu = nc;
	}
	struct kt_vcpu *v = &s->vcpus[s->nvcpu++];
	memset(v, 0, sizeof(*v));
	v->vcpu = vcpu;
	return v;
}

static void named_add(struct kt_named_list *l, const char *name, u64 extra)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name)) {
			l->v[i].count++;
			l->v[i].extra += extra;
			return;
		}
	if (l->n >= KT_MAX_NAMES) {
		l->overflow++;
		return;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		struct kt_named_count *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv) {
			l->overflow++;
			return;
		}
		l->v = nv;
		l->cap = nc;
	}
	struct kt_named_count *c = &l->v[l->n++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->count = 1;
	c->extra = extra;
}

static struct kt_thread *thread_get(struct kt_stats *s, const struct kt_event *ev)
{
	if (ev->pid < 0)
		return NULL;
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].pid == ev->pid && !strcmp(s->threads[i].comm, ev->comm))
			return &s->threads[i];
	if (s->nthreads >= KT_MAX_THREADS)
		return NULL;
	if (s->nthreads == s->capthreads) {
		size_t nc = s->capthreads ? s->capthreads * 2 : 8;
		struct kt_thread *nt = realloc(s->threads, nc * sizeof(*nt));
		if (!nt)
			return NULL;
		s->threads = nt;
		s->capthreads = nc;
	}
	struct kt_thread *t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pid = ev->pid;
	snprintf(t->comm, sizeof(t->comm), "%s", ev->comm);
	t->vcpu = -1;
	return t;
}

static void thread_note(struct kt_stats *s, const struct kt_event *ev)
{
	if (ev->pid < 0 || (ev->vcpu < 0 && ev->kind != KT_EXIT))
		return;
	struct kt_thread *t = thread_get(s, ev);
	if (!t)
		return;
	if (ev->vcpu < 0)
		t->exits_no_vcpu++;
	else if (t->vcpu == -1)
		t->vcpu = ev->vcpu;
	else if (t->vcpu != ev->vcpu)
		t->vcpu = -2;
}

void kvmtrace_stats_init(struct kt_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->era_min = KT_ERA_MIN;
	s->era_max = KT_ERA_MAX;
}

void kvmtrace_stats_free(struct kt_stats *s)
{
	table_free(&s->exits);
	table_free(&s->nested_exits);
	table_free(&s->reflected);
	for (size_t i = 0; i < s->nvcpu; i++)
		table_free(&s->vcpus[i].exits);
	free(s->vcpus);
	free(s->exceptions.v);
	free(s->other.v);
	free(s->perf_unknown.v);
	free(s->threads);
	for (size_t i = 0; i < s->nperf; i++)
		free(s->perf[i].rows);
	free(s->perf);
	memset(s, 0, sizeof(*s));
}

/* Whether a record is counted as an event (a truncated one too, when its key field is in). */
static bool counted(const struct kt_record *rec)
{
	const struct kt_event *ev = rec->ev;
	if (rec->status == KT_OK || rec->status == KT_OK_EXTRA)
		return true;
	if (rec->status != KT_INCOMPLETE || !ev)
		return false;
	switch (ev->kind) {
	case KT_EXIT:
	case KT_NESTED_VMEXIT:
	case KT_NESTED_INJECT: return ev->present & KT_F_REASON;
	case KT_ENTRY: return ev->present & KT_F_VCPU;
	case KT_INJ_EXCEPTION: return ev->vector >= 0;
	case KT_NESTED_VMENTER: return ev->present != 0;
	default: return false;
	}
}

static void era_why(const struct kt_event *ev, bool lower, char *buf, size_t len)
{
	const char *w = "";
	switch (ev->form) {
	case KT_FORM_EXIT_LABELLED: w = "info1/info2/intr_info/error_code labels"; break;
	case KT_FORM_EXIT_VCPU_INFO: w = "vcpu with \"info A B\""; break;
	case KT_FORM_EXIT_INFO: w = "printed by the kernel without vcpu"; break;
	case KT_FORM_NESTED_EXT: w = "rip:/ext_inf1: form"; break;
	case KT_FORM_NESTED_REASON: w = "\"reason:\" only"; break;
	case KT_FORM_PLUGIN_NESTED: w = "kvm plugin cannot find its pre-5.10 fields"; break;
	case KT_FORM_ENTRY:
		w = ev->immediate_exit       ? "[immediate exit]"
		    : ev->present & KT_F_RIP ? "with rip"
					     : "without rip";
		break;
	case KT_FORM_INJ: w = ev->reinjected ? "[reinjected]" : "without error code"; break;
	default: break;
	}
	if ((ev->reason_form == KT_R_NAME_FLAGS || ev->reason_form == KT_R_HEX_FLAGS) && lower)
		w = "exit reason with flag names";
	if (ev->reason_form == KT_R_HEX && ev->reason > 0xffff && !lower)
		w = "exit reason as one hex value";
	snprintf(buf, len, "%.47s %.60s", ev->event, w);
}

static void not_understood(struct kt_stats *s, const struct kt_record *rec)
{
	s->not_understood++;
	if (!s->first_bad_line) {
		s->first_bad_line = rec->lineno;
		const char *p =
		    rec->ev && rec->ev->problem[0] ? rec->ev->problem : "not a trace line";
		snprintf(s->first_problem, sizeof(s->first_problem), "%s", p);
	}
}

static void perf_record(struct kt_stats *s, const struct kt_record *rec)
{
	if (rec->status == KT_PERF_HEADER) {
		if (s->nperf >= KT_MAX_PERF)
			return;
		if (s->nperf == s->capperf) {
			size_t nc = s->capperf ? s->capperf * 2 : 4;
			struct kt_perf_table *np = realloc(s->perf, nc * sizeof(*np));
			if (!np)
				return;
			s->perf = np;
			s->capperf = nc;
		}
		struct kt_perf_table *t = &s->perf[s->nperf++];
		memset(t, 0, sizeof(*t));
		t->lineno = rec->lineno;
		const char *h = rec->text;
		while (*h == ' ')
			h++;
		snprintf(t->header, sizeof(t->header), "%s", h);
		kvmtrace_utf8_clean(t->header);
		size_t hl = strlen(t->header);
		while (hl && t->header[hl - 1] == ' ')
			t->header[--hl] = '\0';
		snprintf(t->banner, sizeof(t->banner), "%s", s->perf_banner);
		s->perf_banner[0] = '\0';
		return;
	}
	if (rec->perf_row) {
		if (!s->nperf)
			return;
		struct kt_perf_table *t = &s->perf[s->nperf - 1];
		if (t->n >= KT_MAX_PERF_ROWS)
			return;
		if (t->n == t->cap) {
			size_t nc = t->cap ? t->cap * 2 : 16;
			struct kt_perf_row *nr = realloc(t->rows, nc * sizeof(*nr));
			if (!nr)
				return;
			t->rows = nr;
			t->cap = nc;
		}
		t->rows[t->n++] = *rec->perf_row;
		return;
	}
	/* KT_PERF_OTHER */
	const char *x = rec->text;
	while (*x == ' ')
		x++;
	if (rec->ev && rec->ev->present & KT_F_REASON) {
		char nb[16];
		snprintf(nb, sizeof(nb), "%u", rec->ev->reason);
		named_add(&s->perf_unknown, nb, 0);
	} else if (!strncmp(x, "Analyze events for ", 19)) {
		snprintf(s->perf_banner, sizeof(s->perf_banner), "%s", x + 19);
		kvmtrace_utf8_clean(s->perf_banner);
		size_t n = strlen(s->perf_banner);
		if (n && s->perf_banner[n - 1] == ':')
			s->perf_banner[n - 1] = '\0';
	} else if (!strncmp(x, "Total Samples:", 14) && s->nperf) {
		s->perf[s->nperf - 1].total_line = strtoull(x + 14, NULL, 10);
	}
}

void kvmtrace_stats_record(void *ctx, const struct kt_record *rec)
{
	struct kt_stats *s = ctx;
	const struct kt_event *ev = rec->ev;
	switch (rec->status) {
	case KT_BLANK: return;
	case KT_COMMENT: s->comments++; return;
	case KT_META:
		s->meta++;
		if (ev)
			s->lost_events += ev->lost_events;
		return;
	case KT_PERF_HEADER:
	case KT_PERF_OTHER: perf_record(s, rec); return;
	default: break;
	}
	if (rec->perf_row) {
		perf_record(s, rec);
		return;
	}
	if (!counted(rec)) {
		not_understood(s, rec);
		return;
	}
	s->kind[ev->kind]++;
	s->producers[ev->producer]++;
	s->forms[ev->form]++;
	if (rec->status == KT_INCOMPLETE)
		s->truncated++;
	if (rec->status == KT_OK_EXTRA)
		s->extra_text++;
	if (ev->plugin)
		s->plugin_lines++;
	if (ev->kernel_le53)
		s->le53_lines++;
	if (ev->era_min > s->era_min) {
		s->era_min = ev->era_min;
		s->era_min_line = rec->lineno;
		era_why(ev, true, s->era_min_why, sizeof(s->era_min_why));
	}
	if (ev->era_max < s->era_max) {
		s->era_max = ev->era_max;
		s->era_max_line = rec->lineno;
		era_why(ev, false, s->era_max_why, sizeof(s->era_max_why));
	}
	struct kt_vcpu *v;
	thread_note(s, ev);
	switch (ev->kind) {
	case KT_EXIT:
		table_add(&s->exits, ev);
		v = vcpu_get(s, ev->vcpu);
		if (v)
			table_add(&v->exits, ev);
		s->svm_exits += ev->svm;
		if (ev->info2_is == KT_I2_AMBIGUOUS) {
			const char *why;
			enum kt_info2 g = kvmtrace_info2_guess(ev, &why);
			s->info2_ambiguous++;
			s->hint_idt += g == KT_I2_IDT_VECTORING;
			s->hint_intr += g == KT_I2_INTR_INFO;
		}
		break;
	case KT_NESTED_VMEXIT: table_add(&s->nested_exits, ev); break;
	case KT_NESTED_INJECT: table_add(&s->reflected, ev); break;
	case KT_ENTRY:
		v = vcpu_get(s, ev->vcpu);
		if (v)
			v->entries++;
		s->entries_immediate += ev->immediate_exit;
		break;
	case KT_INJ_EXCEPTION: named_add(&s->exceptions, ev->exc_name, ev->reinjected); break;
	case KT_NESTED_VMENTER:
		s->vmenter_evmcs += (ev->present & KT_F_VMCS) && ev->vmcs == ~0ull;
		break;
	default: named_add(&s->other, ev->event, 0); break;
	}
}

bool kvmtrace_stats_has_kvm(const struct kt_stats *s)
{
	for (int k = KT_EXIT; k <= KT_OTHER_KVM; k++)
		if (s->kind[k])
			return true;
	return s->nperf > 0;
}

bool kvmtrace_stats_era(const struct kt_stats *s, u16 *min, u16 *max)
{
	*min = s->era_min;
	*max = s->era_max;
	if (s->era_min > s->era_max) {
		*min = KT_ERA_MIN;
		*max = KT_ERA_MAX;
		return false;
	}
	return true;
}

/* ---- output helpers ---- */

static double pct(u64 a, u64 b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static const char *row_name(const struct kt_row *r, char *buf, size_t len)
{
	if (!r->resolved)
		return r->name;
	return dec_reason_name(r->basic, buf, len);
}

static int row_cmp(const void *a, const void *b)
{
	const struct kt_row *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->resolved != y->resolved)
		return x->resolved ? -1 : 1;
	if (x->resolved)
		return x->basic < y->basic ? -1 : x->basic > y->basic;
	return strcmp(x->name, y->name);
}

static void sort_table(struct kt_table *t)
{
	if (t->n > 1)
		qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
}

static void version_str(u16 v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u", v / 100u, v % 100u);
}

/* ---- JSON and text renderings of the statistics ---- */

static void json_table(struct vx_out *o, const char *key, struct kt_table *t)
{
	char nb[64];
	sort_table(t);
	out_array(o, key);
	for (size_t i = 0; i < t->n; i++) {
		const struct kt_row *r = &t->rows[i];
		out_begin(o, NULL);
		out_str(o, "reason", row_name(r, nb, sizeof(nb)));
		if (r->resolved)
			out_int(o, "basic", r->basic);
		out_int(o, "count", (long long)r->count);
		out_double(o, "share", pct(r->count, t->total), 2);
		out_int(o, "enclave", (long long)r->enclave);
		out_int(o, "failed_vmentry", (long long)r->failed);
		out_int(o, "bus_lock", (long long)r->bus_lock);
		out_end(o);
	}
	out_end_array(o);
}

static void text_table(struct vx_out *o, const char *title, struct kt_table *t)
{
	char nb[64];
	sort_table(t);
	out_text(o, "%s", title);
	out_text(o, "%s", "");
	if (!t->total) {
		out_text(o, "  none");
		out_text(o, "%s", "");
		return;
	}
	out_text(o, "%20s %4s %10s %9s %9s", "VM-EXIT", "#", "Samples", "Samples%", "Enclave");
	out_text(o, "%s", "");
	for (size_t i = 0; i < t->n; i++) {
		const struct kt_row *r = &t->rows[i];
		char num[12];
		if (r->resolved)
			snprintf(num, sizeof(num), "%u", r->basic);
		else
			snprintf(num, sizeof(num), "?");
		out_text(o, "%20s %4s %10llu %8.2f%% %9llu", row_name(r, nb, sizeof(nb)), num,
			 (unsigned long long)r->count, pct(r->count, t->total),
			 (unsigned long long)r->enclave);
	}
	out_text(o, "%s", "");
	char bl[64] = "";
	if (t->bus_lock)
		snprintf(bl, sizeof(bl), ", bus lock detected (bit 26):%llu",
			 (unsigned long long)t->bus_lock);
	out_text(
	    o, "Total Samples:%llu, enclave exits (bit 27):%llu, failed VM-entries (bit 31):%llu%s",
	    (unsigned long long)t->total, (unsigned long long)t->enclave,
	    (unsigned long long)t->failed, bl);
	out_text(o, "%s", "");
}

/* "EPT_VIOLATION 3, EXCEPTION_NMI 1" (the table is sorted). */
static void reasons_line(struct kt_table *t, char *buf, size_t len, size_t max)
{
	char nb[64];
	size_t w = 0;
	snprintf(buf, len, "-");
	sort_table(t);
	for (size_t i = 0; i < t->n && w + 1 < len; i++) {
		if (i == max) {
			snprintf(buf + w, len - w, ", ...");
			break;
		}
		int k = snprintf(buf + w, len - w, "%s%s %llu", i ? ", " : "",
				 row_name(&t->rows[i], nb, sizeof(nb)),
				 (unsigned long long)t->rows[i].count);
		if (k < 0)
			break;
		w += (size_t)k;
	}
}

static int vcpu_cmp(const void *a, const void *b)
{
	const struct kt_vcpu *x = a, *y = b;
	/* "vcpu ?" last */
	if ((x->vcpu < 0) != (y->vcpu < 0))
		return x->vcpu < 0 ? 1 : -1;
	return x->vcpu < y->vcpu ? -1 : x->vcpu > y->vcpu;
}

static const char *kernel_text(const struct kt_stats *s, char *buf, size_t len)
{
	u16 mn, mx;
	char a[16], b[16];
	if (!kvmtrace_stats_era(s, &mn, &mx)) {
		version_str(s->era_min, a, sizeof(a));
		version_str(s->era_max, b, sizeof(b));
		snprintf(
		    buf, len,
		    "lines of different kernel eras (>= %s by line %zu: %s; <= %s by line %zu: %s)",
		    a, s->era_min_line, s->era_min_why, b, s->era_max_line, s->era_max_why);
		return buf;
	}
	version_str(mn, a, sizeof(a));
	version_str(mx, b, sizeof(b));
	if (mn > KT_ERA_MIN && mx < KT_ERA_MAX)
		snprintf(buf, len, "%s to %s (line %zu: %s; line %zu: %s)", a, b, s->era_min_line,
			 s->era_min_why, s->era_max_line, s->era_max_why);
	else if (mn > KT_ERA_MIN)
		snprintf(buf, len, ">= %s (line %zu: %s)", a, s->era_min_line, s->era_min_why);
	else if (mx < KT_ERA_MAX)
		snprintf(buf, len, "<= %s (line %zu: %s)", b, s->era_max_line, s->era_max_why);
	else
		snprintf(buf, len, "not shown by the lines");
	return buf;
}

/* What "info A B"'s B is, for the file as a whole; NULL when no line has that form. */
static const char *info2_text(const struct kt_stats *s)
{
	if (!s->info2_ambiguous)
		return NULL;
	u16 mn, mx;
	kvmtrace_stats_era(s, &mn, &mx);
	struct kt_event probe = {.info2_is = KT_I2_AMBIGUOUS};
	switch (kvmtrace_info2_meaning(&probe, mn, mx)) {
	case KT_I2_IDT_VECTORING:
		return "B is the IDT-vectoring info (the file shows a kernel >= 5.10)";
	case KT_I2_INTR_INFO:
		return "B is the VM-exit interruption info (the file shows a kernel < 5.10)";
	default:
		return "B is the VM-exit interruption info on kernels before 5.10 and the "
		       "IDT-vectoring info from 5.10 on; nothing in the file says which "
		       "(--verbose shows both readings and per-line hints)";
	}
}

/* "values of 2 lines suggest a kernel >= 5.10 (B = IDT-vectoring info), of 0 < 5.10" */
static bool hints_text(const struct kt_stats *s, char *buf, size_t len)
{
	u16 mn, mx;
	kvmtrace_stats_era(s, &mn, &mx);
	struct kt_event probe = {.info2_is = KT_I2_AMBIGUOUS};
	if (!s->info2_ambiguous || kvmtrace_info2_meaning(&probe, mn, mx) != KT_I2_AMBIGUOUS ||
	    !(s->hint_idt || s->hint_intr))
		return false;
	snprintf(buf, len,
		 "the values of %llu line%s suggest B is the IDT-vectoring info (kernel >= 5.10), "
		 "of %llu the VM-exit interruption info (kernel < 5.10)",
		 (unsigned long long)s->hint_idt, s->hint_idt == 1 ? "" : "s",
		 (unsigned long long)s->hint_intr);
	return true;
}

static const char *main_producer(const struct kt_stats *s)
{
	u64 any = 0;
	for (size_t i = 0; i < ARRAY_SIZE(s->producers); i++)
		any += s->producers[i];
	if (!any && s->nperf)
		return "perf kvm stat report";
	size_t best = 0;
	for (size_t i = 1; i < ARRAY_SIZE(s->producers); i++)
		if (s->producers[i] > s->producers[best])
			best = i;
	return kvmtrace_producer_name((enum kt_producer)best);
}

static u64 perf_sum(const struct kt_perf_table *t)
{
	u64 sum = 0;
	for (size_t i = 0; i < t->n; i++)
		sum += t->rows[i].samples;
	return sum;
}

static int perf_basic(const char *name)
{
	for (const char *p = name; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			return -1;
	return vx_exit_reason_by_name(name);
}

static void out_perf(struct vx_out *o, struct kt_stats *s)
{
	char sum[160];
	if (o->json) {
		out_array(o, "perf_kvm_stat");
		for (size_t i = 0; i < s->nperf; i++) {
			const struct kt_perf_table *t = &s->perf[i];
			out_begin(o, NULL);
			out_int(o, "line", (long long)t->lineno);
			out_str(o, "header", t->header);
			if (t->banner[0])
				out_str(o, "analyze", t->banner);
			out_int(o, "total",
				(long long)(t->total_line ? t->total_line : perf_sum(t)));
			out_array(o, "rows");
			for (size_t r = 0; r < t->n; r++) {
				const struct kt_perf_row *row = &t->rows[r];
				int b = perf_basic(row->name);
				out_begin(o, NULL);
				out_str(o, "reason", row->name);
				if (b >= 0)
					out_int(o, "basic", b);
				out_int(o, "samples", (long long)row->samples);
				out_double(o, "share", strtod(row->share, NULL), 2);
				out_str(o, "columns", row->rest);
				out_end(o);
			}
			out_end_array(o);
			out_end(o);
		}
		out_end_array(o);
		if (s->perf_unknown.n) {
			out_array(o, "perf_unknown_exit_codes");
			for (size_t i = 0; i < s->perf_unknown.n; i++) {
				u32 v = (u32)strtoul(s->perf_unknown.v[i].name, NULL, 10);
				out_begin(o, NULL);
				out_hex(o, "raw", v);
				out_int(o, "times", (long long)s->perf_unknown.v[i].count);
				dec_exit_reason_summary(v, sum, sizeof(sum));
				out_str(o, "meaning", sum);
				out_end(o);
			}
			out_end_array(o);
		}
		return;
	}
	for (size_t i = 0; i < s->nperf; i++) {
		const struct kt_perf_table *t = &s->perf[i];
		bool unknown = false, pending = false;
		out_text(o, "perf kvm stat report table (line %zu%s%s), with exit reason numbers:",
			 t->lineno, t->banner[0] ? "; " : "", t->banner);
		out_text(o, "%s", "");
		out_text(o, "%20s %4s %10s %9s  %s", "VM-EXIT", "#", "Samples", "Samples%",
			 "(other columns as printed)");
		out_text(o, "%s", "");
		for (size_t r = 0; r < t->n; r++) {
			const struct kt_perf_row *row = &t->rows[r];
			int b = perf_basic(row->name);
			char num[12];
			snprintf(num, sizeof(num), b >= 0 ? "%d" : "?", b);
			out_text(o, "%20s %4s %10llu %9s  %s", row->name, num,
				 (unsigned long long)row->samples, row->share, row->rest);
			unknown |= !strcmp(row->name, "UNKNOWN");
			pending |= !strcmp(row->name, "PENDING_INTERRUPT");
		}
		out_text(o, "%s", "");
		out_text(o, "Total Samples:%llu%s",
			 (unsigned long long)(t->total_line ? t->total_line : perf_sum(t)),
			 t->total_line ? "" : " (sum of the rows)");
		if (pending)
			out_text(o, "PENDING_INTERRUPT is INTERRUPT_WINDOW (7), its name before "
				    "Linux 5.6.");
		if (unknown)
			out_text(
			    o, "UNKNOWN rows: raw exit reasons perf could not name, such as exits "
			       "from enclave mode (bit 27) and failed VM-entries (bit 31).");
		out_text(o, "%s", "");
	}
	if (s->nperf)
		out_text(o, "Note: perf kvm stat keys on the full 32-bit exit reason, so an exit "
			    "from SGX enclave mode (bit 27) is counted as UNKNOWN, not under its "
			    "basic reason.");
	for (size_t i = 0; i < s->perf_unknown.n; i++) {
		u32 v = (u32)strtoul(s->perf_unknown.v[i].name, NULL, 10);
		dec_exit_reason_summary(v, sum, sizeof(sum));
		out_text(o, "unknown kvm exit code %u = 0x%08x (%llu times): %s", v, v,
			 (unsigned long long)s->perf_unknown.v[i].count, sum);
	}
	if (s->nperf || s->perf_unknown.n)
		out_text(o, "%s", "");
}

static int named_cmp(const void *a, const void *b)
{
	const struct kt_named_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void sort_named(struct kt_named_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), named_cmp);
}

static void json_stats(struct vx_out *o, struct kt_stats *s)
{
	char buf[400];
	u16 mn, mx;
	bool era_ok = kvmtrace_stats_era(s, &mn, &mx);
	out_begin(o, "format");
	out_str(o, "producer", main_producer(s));
	out_array(o, "exit_formats");
	for (int f = KT_FORM_EXIT_LABELLED; f <= KT_FORM_PLUGIN_NESTED; f++)
		if (s->forms[f])
			out_str(o, NULL, kvmtrace_form_name((enum kt_form)f));
	out_end_array(o);
	if (era_ok && mn > KT_ERA_MIN) {
		version_str(mn, buf, sizeof(buf));
		out_str(o, "kernel_min", buf);
	}
	if (era_ok && mx < KT_ERA_MAX) {
		version_str(mx, buf, sizeof(buf));
		out_str(o, "kernel_max", buf);
	}
	out_str(o, "kernel", kernel_text(s, buf, sizeof(buf)));
	const char *i2 = info2_text(s);
	if (i2)
		out_str(o, "info_B", i2);
	if (hints_text(s, buf, sizeof(buf)))
		out_str(o, "info_B_hints", buf);
	out_int(o, "plugin_lines", (long long)s->plugin_lines);
	out_end(o);

	out_begin(o, "events");
	for (int k = KT_EXIT; k < KT_KIND_COUNT; k++) {
		static const char *const keys[] = {
		    [KT_EXIT] = "kvm_exit",
		    [KT_NESTED_VMEXIT] = "kvm_nested_vmexit",
		    [KT_NESTED_INJECT] = "kvm_nested_vmexit_inject",
		    [KT_NESTED_VMENTER] = "kvm_nested_vmenter",
		    [KT_ENTRY] = "kvm_entry",
		    [KT_INJ_EXCEPTION] = "kvm_inj_exception",
		    [KT_OTHER_KVM] = "other_kvm",
		    [KT_OTHER] = "other",
		};
		out_int(o, keys[k], (long long)s->kind[k]);
	}
	out_int(o, "truncated", (long long)s->truncated);
	out_int(o, "kvm_entry_immediate_exit", (long long)s->entries_immediate);
	out_end(o);

	json_table(o, "exits", &s->exits);
	out_int(o, "total_exits", (long long)s->exits.total);
	out_int(o, "enclave_exits", (long long)s->exits.enclave);
	out_int(o, "failed_vmentry", (long long)s->exits.failed);
	out_int(o, "bus_lock", (long long)s->exits.bus_lock);
	if (s->svm_exits)
		out_int(o, "svm_exits", (long long)s->svm_exits);

	if (s->nvcpu > 1)
		qsort(s->vcpus, s->nvcpu, sizeof(*s->vcpus), vcpu_cmp);
	out_begin(o, "per_vcpu");
	for (size_t i = 0; i < s->nvcpu; i++) {
		struct kt_vcpu *v = &s->vcpus[i];
		char key[16];
		char nb[64];
		if (v->vcpu < 0)
			snprintf(key, sizeof(key), "?");
		else
			snprintf(key, sizeof(key), "%d", (int)v->vcpu);
		out_begin(o, key);
		out_int(o, "exits", (long long)v->exits.total);
		out_int(o, "enclave", (long long)v->exits.enclave);
		out_int(o, "failed_vmentry", (long long)v->exits.failed);
		out_int(o, "entries", (long long)v->entries);
		sort_table(&v->exits);
		out_begin(o, "reasons");
		for (size_t r = 0; r < v->exits.n; r++)
			out_int(o, row_name(&v->exits.rows[r], nb, sizeof(nb)),
				(long long)v->exits.rows[r].count);
		out_end(o);
		if (v->vcpu < 0) {
			out_array(o, "threads");
			for (size_t t = 0; t < s->nthreads; t++) {
				const struct kt_thread *th = &s->threads[t];
				if (!th->exits_no_vcpu)
					continue;
				out_begin(o, NULL);
				out_str(o, "comm", th->comm);
				out_int(o, "pid", th->pid);
				out_int(o, "exits", (long long)th->exits_no_vcpu);
				if (th->vcpu >= 0)
					out_int(o, "vcpu_by_other_lines", th->vcpu);
				out_end(o);
			}
			out_end_array(o);
		}
		out_end(o);
	}
	out_end(o);

	json_table(o, "nested_l2_exits", &s->nested_exits);
	json_table(o, "nested_reflected", &s->reflected);
	out_int(o, "nested_vmenter", (long long)s->kind[KT_NESTED_VMENTER]);
	if (s->vmenter_evmcs)
		out_int(o, "nested_vmenter_no_vmcs12_pointer", (long long)s->vmenter_evmcs);

	out_begin(o, "injected_exceptions");
	for (size_t i = 0; i < s->exceptions.n; i++) {
		out_begin(o, s->exceptions.v[i].name);
		out_int(o, "count", (long long)s->exceptions.v[i].count);
		out_int(o, "reinjected", (long long)s->exceptions.v[i].extra);
		out_end(o);
	}
	out_end(o);
	out_begin(o, "other_events");
	for (size_t i = 0; i < s->other.n; i++)
		out_int(o, s->other.v[i].name, (long long)s->other.v[i].count);
	out_end(o);
	if (s->nperf || s->perf_unknown.n)
		out_perf(o, s);
	out_int(o, "comments", (long long)s->comments);
	if (s->lost_events)
		out_int(o, "lost_events", (long long)s->lost_events);
	out_int(o, "not_understood", (long long)s->not_understood);
	out_int(o, "first_not_understood_line", (long long)s->first_bad_line);
	if (s->not_understood)
		out_str(o, "first_problem", s->first_problem);
}

static void text_stats(struct vx_out *o, struct kt_stats *s)
{
	char buf[400];
	u64 nev = 0;
	for (int k = KT_EXIT; k < KT_KIND_COUNT; k++)
		nev += s->kind[k];
	if (nev) {
		out_text(o, "read as: %s", main_producer(s));
		for (int f = KT_FORM_EXIT_LABELLED; f <= KT_FORM_PLUGIN_NESTED; f++)
			if (s->forms[f])
				out_text(o, "exit format: %s (%llu line%s)",
					 kvmtrace_form_name((enum kt_form)f),
					 (unsigned long long)s->forms[f],
					 s->forms[f] == 1 ? "" : "s");
		out_text(o, "kernel: %s", kernel_text(s, buf, sizeof(buf)));
		const char *i2 = info2_text(s);
		if (i2)
			out_text(o, "info A B: %s", i2);
		if (hints_text(s, buf, sizeof(buf)))
			out_text(o, "info A B hints: %s", buf);
		if (s->plugin_lines)
			out_text(o,
				 "kvm plugin (libtraceevent) renderings: %llu lines; it prints the "
				 "full exit reason, in decimal when it has no name",
				 (unsigned long long)s->plugin_lines);
		out_text(o, "%s", "");
	}
	if (nev) {
		text_table(o,
			   "Analyze events for all VMs, all VCPUs (kvm_exit: exits handled by L0):",
			   &s->exits);
		if (s->exits.enclave)
			out_text(
			    o,
			    "Exits from SGX enclave mode (bit 27): %llu of %llu. For these the "
			    "guest RIP is the AEP, the instruction length is 0 and the "
			    "instruction at RIP must not be emulated.",
			    (unsigned long long)s->exits.enclave,
			    (unsigned long long)s->exits.total);
		if (s->svm_exits)
			out_text(o, "AMD SVM exits (not decoded): %llu",
				 (unsigned long long)s->svm_exits);
		if (s->exits.enclave || s->svm_exits)
			out_text(o, "%s", "");

		if (s->nvcpu > 1)
			qsort(s->vcpus, s->nvcpu, sizeof(*s->vcpus), vcpu_cmp);
		out_text(o, "Per vCPU:");
		out_text(o, "%s", "");
		out_text(o, "%8s %10s %9s %9s  %s", "VCPU", "Exits", "Enclave", "Entries",
			 "Reasons");
		for (size_t i = 0; i < s->nvcpu; i++) {
			struct kt_vcpu *v = &s->vcpus[i];
			char id[16];
			if (v->vcpu < 0)
				snprintf(id, sizeof(id), "?");
			else
				snprintf(id, sizeof(id), "%d", (int)v->vcpu);
			reasons_line(&v->exits, buf, sizeof(buf), 6);
			out_text(o, "%8s %10llu %9llu %9llu  %s", id,
				 (unsigned long long)v->exits.total,
				 (unsigned long long)v->exits.enclave,
				 (unsigned long long)v->entries, buf);
		}
		if (!s->nvcpu)
			out_text(o, "  none");
		for (size_t i = 0; i < s->nthreads; i++) {
			const struct kt_thread *t = &s->threads[i];
			if (!t->exits_no_vcpu)
				continue;
			char id[48] = "";
			if (t->vcpu >= 0)
				snprintf(id, sizeof(id), " (vcpu %d by its other lines)",
					 (int)t->vcpu);
			out_text(o, "%8s %10llu  by thread %s-%ld%s", "?",
				 (unsigned long long)t->exits_no_vcpu, t->comm, t->pid, id);
		}
		out_text(o, "%s", "");
		if (s->kind[KT_NESTED_VMEXIT])
			text_table(o, "L2 exits seen by L0 (kvm_nested_vmexit):", &s->nested_exits);
		text_table(o, "Reflected to L1 (kvm_nested_vmexit_inject):", &s->reflected);
		if (s->kind[KT_NESTED_VMENTER]) {
			out_text(o, "Nested VM-entries (kvm_nested_vmenter): %llu%s",
				 (unsigned long long)s->kind[KT_NESTED_VMENTER],
				 s->vmenter_evmcs ? "" : "");
			if (s->vmenter_evmcs)
				out_text(
				    o,
				    "  with no vmcs12 pointer (vmcs 0xffffffffffffffff, e.g. an "
				    "enlightened VMCS): %llu",
				    (unsigned long long)s->vmenter_evmcs);
			out_text(o, "%s", "");
		}
		out_text(o, "Events:");
		for (int k = KT_EXIT; k < KT_KIND_COUNT; k++) {
			if (k == KT_INJ_EXCEPTION && s->kind[k]) {
				size_t w = 0;
				buf[0] = '\0';
				for (size_t i = 0; i < s->exceptions.n && w + 1 < sizeof(buf);
				     i++) {
					const struct kt_named_count *c = &s->exceptions.v[i];
					int n = c->extra
						    ? snprintf(buf + w, sizeof(buf) - w,
							       "%s%s %llu (%llu reinjected)",
							       i ? ", " : "", c->name,
							       (unsigned long long)c->count,
							       (unsigned long long)c->extra)
						    : snprintf(buf + w, sizeof(buf) - w,
							       "%s%s %llu", i ? ", " : "", c->name,
							       (unsigned long long)c->count);
					if (n < 0)
						break;
					w += (size_t)n;
				}
				out_text(o, "  %-26s %8llu  %s",
					 kvmtrace_kind_name((enum kt_kind)k),
					 (unsigned long long)s->kind[k], buf);
			} else if ((k == KT_OTHER_KVM || k == KT_OTHER) && s->kind[k]) {
				size_t w = 0;
				buf[0] = '\0';
				for (size_t i = 0; i < s->other.n && w + 1 < sizeof(buf); i++) {
					const struct kt_named_count *c = &s->other.v[i];
					bool kvm = !strncmp(c->name, "kvm", 3);
					if (kvm != (k == KT_OTHER_KVM))
						continue;
					int n = snprintf(buf + w, sizeof(buf) - w, "%s%s %llu",
							 w ? ", " : "", c->name,
							 (unsigned long long)c->count);
					if (n < 0)
						break;
					w += (size_t)n;
				}
				out_text(o, "  %-26s %8llu  %s",
					 kvmtrace_kind_name((enum kt_kind)k),
					 (unsigned long long)s->kind[k], buf);
			} else if (k == KT_ENTRY && s->entries_immediate) {
				out_text(o, "  %-26s %8llu  (%llu [immediate exit])",
					 kvmtrace_kind_name((enum kt_kind)k),
					 (unsigned long long)s->kind[k],
					 (unsigned long long)s->entries_immediate);
			} else {
				out_text(o, "  %-26s %8llu", kvmtrace_kind_name((enum kt_kind)k),
					 (unsigned long long)s->kind[k]);
			}
		}
		if (s->truncated)
			out_text(o, "  truncated event lines (counted): %llu",
				 (unsigned long long)s->truncated);
		if (s->lost_events)
			out_text(o, "  events lost by the tracer: %llu",
				 (unsigned long long)s->lost_events);
		out_text(o, "%s", "");
	}
	out_perf(o, s);
	if (s->not_understood)
		out_text(o, "lines not understood: %llu (first at line %zu: %s)",
			 (unsigned long long)s->not_understood, s->first_bad_line,
			 s->first_problem);
	else
		out_text(o, "lines not understood: 0");
}

/* ---- --verbose: each line decoded ---- */

struct verbose_ctx {
	struct vx_out *o;
	const struct kt_stats *s;
	u16 era_min, era_max;
};

static void line_title(const struct kt_record *rec, char *buf, size_t len)
{
	if (rec->last_lineno > rec->lineno)
		snprintf(buf, len, "lines %zu-%zu", rec->lineno, rec->last_lineno);
	else
		snprintf(buf, len, "line %zu", rec->lineno);
}

/* Interruption-information layouts (SDM 24.9.2, 24.9.3): in text a value without the valid
 * bit (31) is one line; JSON always has every field. */
static void intr_layout(struct vx_out *o, const char *key, enum vx_layout l, u64 v)
{
	if (!o->json && !(v & BIT(31))) {
		if (v)
			out_strf(o, key,
				 "0x%llx (not valid: bit 31 clear, the other bits are stale)",
				 (unsigned long long)v);
		else
			out_strf(o, key, "0x0 (not valid)");
		return;
	}
	dec_layout(o, key, l, v, 32);
}

static void decode_info2(struct verbose_ctx *c, const struct kt_event *ev)
{
	struct vx_out *o = c->o;
	enum kt_info2 m = kvmtrace_info2_meaning(ev, c->era_min, c->era_max);
	if (m == KT_I2_IDT_VECTORING) {
		intr_layout(o, "idt_vectoring", LAYOUT_IDT_VECTORING, ev->info2);
	} else if (m == KT_I2_INTR_INFO) {
		intr_layout(o, "intr_info", LAYOUT_EXIT_INTR_INFO, ev->info2);
	} else if (!o->json && !(ev->info2 & BIT(31))) {
		const char *why;
		enum kt_info2 g = kvmtrace_info2_guess(ev, &why);
		out_strf(o, "info_B",
			 "0x%llx (not valid as exit interruption info nor as "
			 "IDT-vectoring info: bit 31 clear)",
			 (unsigned long long)ev->info2);
		if (g != KT_I2_NONE)
			out_strf(o, "info_B_likely", "%s: %s",
				 g == KT_I2_INTR_INFO ? "VM-exit interruption info (kernel < 5.10)"
						      : "IDT-vectoring info (kernel >= 5.10)",
				 why);
	} else {
		const char *why;
		enum kt_info2 g = kvmtrace_info2_guess(ev, &why);
		out_section(o, "info2", "info B (meaning depends on the kernel):");
		out_hex(o, "value", ev->info2);
		out_str(o, "meaning",
			"VM-exit interruption info if the kernel is older than 5.10, "
			"IDT-vectoring info from 5.10 on");
		if (g != KT_I2_NONE)
			out_strf(o, "likely", "%s: %s",
				 g == KT_I2_INTR_INFO ? "VM-exit interruption info (kernel < 5.10)"
						      : "IDT-vectoring info (kernel >= 5.10)",
				 why);
		dec_layout(o, "as_intr_info", LAYOUT_EXIT_INTR_INFO, ev->info2, 32);
		dec_layout(o, "as_idt_vectoring", LAYOUT_IDT_VECTORING, ev->info2, 32);
		out_section_end(o);
	}
	if (ev->info2_is == KT_I2_AMBIGUOUS && m != KT_I2_AMBIGUOUS)
		out_strf(o, "info_B_note", "read as %s: the file shows kernel %s %s",
			 m == KT_I2_IDT_VECTORING ? "IDT-vectoring info"
						  : "VM-exit interruption info",
			 m == KT_I2_IDT_VECTORING ? ">=" : "<",
			 m == KT_I2_IDT_VECTORING ? "5.10" : "5.10");
}

static void decode_exitlike(struct verbose_ctx *c, const struct kt_event *ev)
{
	struct vx_out *o = c->o;
	u32 basic = kt_basic(ev->reason);
	if (ev->reason_form == KT_R_UNRESOLVED) {
		out_strf(o, "reason", "%s (%s)", ev->reason_text,
			 ev->svm ? "an AMD SVM exit code name, not decoded"
				 : "not a VMX exit reason name");
	} else {
		dec_exit_reason(o, "reason", ev->reason);
		const struct vx_exit_reason_info *ri = vx_exit_reason_info(basic);
		bool alias = ev->reason_form == KT_R_NAME && ri &&
			     strcmp(ev->reason_text, ri->name) && strcmp(ev->reason_text, ri->kvm);
		if (ev->reason_form != KT_R_NAME || alias)
			out_str(o, "reason_as_written", ev->reason_text);
	}
	if (ev->present & KT_F_RIP)
		out_hex(o, "rip", ev->rip);
	u32 intr = 0;
	enum kt_info2 m = kvmtrace_info2_meaning(ev, c->era_min, c->era_max);
	if (ev->present & KT_F_INTR_INFO)
		intr = (u32)ev->intr_info;
	else if (ev->present & KT_F_INFO2 && m == KT_I2_INTR_INFO)
		intr = (u32)ev->info2;
	else if (ev->present & KT_F_INFO2 && m == KT_I2_AMBIGUOUS) {
		const char *why;
		if (kvmtrace_info2_guess(ev, &why) == KT_I2_INTR_INFO)
			intr = (u32)ev->info2;
	}
	if (ev->present & KT_F_INFO1) {
		if (ev->reason_form != KT_R_UNRESOLVED)
			dec_qualification(o, "qualification", basic, ev->info1, intr);
		else
			out_hex(o, "info1", ev->info1);
	}
	if (ev->present & KT_F_INTR_INFO)
		intr_layout(o, "intr_info", LAYOUT_EXIT_INTR_INFO, ev->intr_info);
	if ((ev->present & KT_F_INFO2) && ev->svm)
		out_hex(o, "info2", ev->info2);
	else if (ev->present & KT_F_INFO2)
		decode_info2(c, ev);
	if (ev->present & KT_F_ERROR_CODE)
		out_hex(o, "error_code", ev->error_code);
	if (ev->kind == KT_NESTED_INJECT)
		out_str(o, "nested",
			"reflected to L1: written to vmcs12 (info2 = vmcs12 IDT-vectoring "
			"info, int_info = vmcs12 exit interruption info)");
	else if (ev->kind == KT_NESTED_VMEXIT)
		out_str(o, "nested",
			"an exit from L2, seen by L0 before it decides whether to "
			"reflect it to L1");
	if ((ev->reason & KT_REASON_FAILED) && ev->form == KT_FORM_EXIT_LABELLED)
		out_str(o, "failed_vmentry_note",
			"for a failed VM-entry KVM traces info2, intr_info and error_code as 0");
}

static const char *line_format(const struct kt_event *ev)
{
	if (ev->form == KT_FORM_EXIT_INFO && ev->plugin)
		return "kvm plugin (libtraceevent) rendering (info A B, no vcpu)";
	if (ev->form == KT_FORM_EXIT_INFO && ev->kernel_le53)
		return "kernel <= 5.3 (info A B, no vcpu)";
	if (ev->form == KT_FORM_EXIT_LABELLED && ev->plugin)
		return "kernel >= 5.10 (info1/info2/intr_info/error_code), after the kvm plugin's "
		       "CAN'T FIND FIELD text";
	return kvmtrace_form_name(ev->form);
}

static void verbose_record(void *ctx, const struct kt_record *rec)
{
	struct verbose_ctx *c = ctx;
	struct vx_out *o = c->o;
	const struct kt_event *ev = rec->ev;
	char title[400], where[64];
	if (rec->status <= KT_PERF_OTHER || rec->perf_row)
		return;
	line_title(rec, where, sizeof(where));
	if (!counted(rec)) {
		const char *p = ev && ev->problem[0] ? ev->problem : "not a trace line";
		if (o->json) {
			out_begin(o, NULL);
			out_int(o, "line", (long long)rec->lineno);
			out_str(o, "not_understood", p);
			out_end(o);
		} else {
			out_text(o, "%s: not understood: %s", where, p);
		}
		return;
	}
	size_t w = (size_t)snprintf(title, sizeof(title), "%s: %s", where, ev->event);
	if (ev->vcpu >= 0 && w < sizeof(title))
		w += (size_t)snprintf(title + w, sizeof(title) - w, " vcpu %d", (int)ev->vcpu);
	if (ev->cpu >= 0 && w < sizeof(title))
		w += (size_t)snprintf(title + w, sizeof(title) - w, ", host cpu %d", ev->cpu);
	if (ev->ts[0] && w < sizeof(title))
		w += (size_t)snprintf(title + w, sizeof(title) - w, ", t %s", ev->ts);
	if ((ev->comm[0] || ev->pid >= 0) && w < sizeof(title))
		snprintf(title + w, sizeof(title) - w, ", %s%s%ld", ev->comm,
			 ev->comm[0] ? "-" : "", ev->pid);
	out_section(o, NULL, title);
	if (o->json) {
		out_int(o, "line", (long long)rec->lineno);
		if (rec->last_lineno > rec->lineno)
			out_int(o, "last_line", (long long)rec->last_lineno);
		out_str(o, "event", ev->event);
		if (ev->vcpu >= 0)
			out_int(o, "vcpu", ev->vcpu);
		if (ev->cpu >= 0)
			out_int(o, "cpu", ev->cpu);
		if (ev->ts[0])
			out_str(o, "ts", ev->ts);
		if (ev->comm[0])
			out_str(o, "comm", ev->comm);
		if (ev->pid >= 0)
			out_int(o, "pid", ev->pid);
	}
	if (ev->form != KT_FORM_OTHER && ev->form != KT_FORM_ENTRY && ev->form != KT_FORM_INJ &&
	    ev->form != KT_FORM_VMENTER)
		out_str(o, "format", line_format(ev));
	switch (ev->kind) {
	case KT_EXIT:
	case KT_NESTED_VMEXIT:
	case KT_NESTED_INJECT: decode_exitlike(c, ev); break;
	case KT_ENTRY:
		if (ev->present & KT_F_RIP)
			out_hex(o, "rip", ev->rip);
		if (ev->immediate_exit)
			out_bool(o, "immediate_exit", true);
		break;
	case KT_INJ_EXCEPTION: {
		const char *d = ev->vector >= 0 ? vx_vector_desc((unsigned)ev->vector) : NULL;
		out_strf(o, "exception", "%s, vector %d%s%s", ev->exc_name, ev->vector,
			 d ? ", " : "", d ? d : "");
		if (ev->present & KT_F_ERRCODE_INJ)
			out_hex(o, "error_code", ev->error_code);
		if (ev->reinjected)
			out_bool(o, "reinjected", true);
		break;
	}
	case KT_NESTED_VMENTER:
		if (ev->present & KT_F_RIP)
			out_hex(o, "rip", ev->rip);
		if (ev->present & KT_F_VMCS) {
			out_hex(o, "vmcs12", ev->vmcs);
			if (ev->vmcs == ~0ull)
				out_str(o, "vmcs12_note",
					"no VMPTRLD'd vmcs12 (L1 uses an enlightened "
					"VMCS, e.g. Hyper-V)");
		}
		if (ev->present & KT_F_NESTED_RIP)
			out_hex(o, "l2_rip", ev->nested_rip);
		if (ev->present & KT_F_INT_CTL)
			out_hex(o, "int_ctl", ev->int_ctl);
		if (ev->present & KT_F_EVENT_INJ)
			intr_layout(o, "event_inj", LAYOUT_ENTRY_INTR_INFO, ev->event_inj);
		if (ev->present & KT_F_NESTED_EPT)
			out_bool(o, "nested_ept", ev->nested_ept);
		if (ev->present & KT_F_EPTP)
			out_hex(o, ev->nested_ept ? "nested_eptp" : "guest_cr3", ev->eptp);
		break;
	default: out_str(o, "note", "not decoded (counted as another event)"); break;
	}
	if (rec->status == KT_INCOMPLETE || rec->status == KT_OK_EXTRA)
		out_str(o, "note", ev->problem);
	out_section_end(o);
}

/* ---- the command ---- */

int dec_kvm_trace(struct vx_out *o, const struct dec_opts *opts, const char *path)
{
	struct dec_input in;
	if (!dec_input_read(&in, path))
		return 1;
	struct kt_stats *s = malloc(sizeof(*s));
	if (!s) {
		fprintf(stderr, "vmxsgx: %s: out of memory\n", in.name);
		dec_input_free(&in);
		return 1;
	}
	kvmtrace_stats_init(s);
	kvmtrace_scan(&in, kvmtrace_stats_record, s);
	if (!kvmtrace_stats_has_kvm(s)) {
		if (s->not_understood)
			fprintf(stderr,
				"vmxsgx: %s: no kvm trace events found (%llu lines not "
				"understood, first at line %zu: %s)\n",
				in.name, (unsigned long long)s->not_understood, s->first_bad_line,
				s->first_problem);
		else
			fprintf(stderr, "vmxsgx: %s: no kvm trace events found\n", in.name);
		kvmtrace_stats_free(s);
		free(s);
		dec_input_free(&in);
		return 1;
	}
	out_begin(o, NULL);
	if (o->json) {
		out_str(o, "file", in.name);
	} else {
		out_text(o, "kvm trace: %s%s%s", in.name,
			 in.mail_quoted ? " (mail quotes removed)" : "",
			 in.quoted_printable ? " (quoted-printable decoded)" : "");
	}
	if (o->json && (in.mail_quoted || in.quoted_printable)) {
		out_bool(o, "mail_quoted", in.mail_quoted);
		out_bool(o, "quoted_printable", in.quoted_printable);
	}
	if (opts && opts->verbose) {
		struct verbose_ctx c = {.o = o, .s = s};
		kvmtrace_stats_era(s, &c.era_min, &c.era_max);
		if (o->json)
			out_array(o, "lines");
		else
			out_text(o, "%s", "");
		kvmtrace_scan(&in, verbose_record, &c);
		if (o->json)
			out_end_array(o);
	}
	if (!o->json)
		out_text(o, "%s", "");
	sort_named(&s->exceptions);
	sort_named(&s->other);
	if (o->json)
		json_stats(o, s);
	else
		text_stats(o, s);
	out_end(o);
	if (s->not_understood)
		fprintf(stderr, "vmxsgx: %s:%zu: %s (%llu line%s not understood, skipped)\n",
			in.name, s->first_bad_line, s->first_problem,
			(unsigned long long)s->not_understood, s->not_understood == 1 ? "" : "s");
	kvmtrace_stats_free(s);
	free(s);
	dec_input_free(&in);
	return 0;
}
