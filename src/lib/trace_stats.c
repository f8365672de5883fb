// SPDX-License-Identifier: MIT
/*
 * Exit statistics (see trace_stats.h): counts by SDM Vol. 3C 24.9.1 "Basic VM-Exit
 * Information" Table 24-14 "Format of Exit Reason", reported in the style of
 * `perf kvm stat report` (columns VM-EXIT, Samples, Samples%; its timing columns have no
 * meaning in a model whose clock is retired guest instructions, so L1, L2 and Enclave
 * counts stand in their place).
 */
#include "lib/trace_stats.h"

#include <stdlib.h>
#include <string.h>

#include "lib/archinfo.h"

void trace_stats_init(struct vx_trace_stats *s)
{
	memset(s, 0, sizeof(*s));
}

void trace_stats_add(struct vx_trace_stats *s, unsigned lvl, u32 raw)
{
	u32 basic = raw & VMX_EXIT_REASON_BASIC_MASK;
	unsigned row = basic > VMX_EXIT_MAX_BASIC ? TRACE_STATS_BEYOND : basic;
	s->n[row][lvl >= 2][!!(raw & VMX_EXIT_REASON_ENCLAVE_MODE)]++;
	if (raw & VMX_EXIT_REASON_FAILED_VMENTRY)
		s->failed_vmentry++;
}

static struct vx_trace_stats_row row_of(const struct vx_trace_stats *s, unsigned i)
{
	const u64(*c)[2] = s->n[i];
	const struct vx_exit_reason_info *ri =
	    i < TRACE_STATS_BEYOND ? vx_exit_reason_info(i) : NULL;
	return (struct vx_trace_stats_row){
	    .basic = i < TRACE_STATS_BEYOND ? (int)i : -1,
	    .name = ri ? ri->name : "UNKNOWN",
	    .l1 = c[0][0] + c[0][1],
	    .l2 = c[1][0] + c[1][1],
	    .enclave = c[0][1] + c[1][1],
	    .count = c[0][0] + c[0][1] + c[1][0] + c[1][1],
	};
}

void trace_stats_sum(const struct vx_trace_stats *s, struct vx_trace_stats_sum *sum)
{
	*sum = (struct vx_trace_stats_sum){.failed_vmentry = s->failed_vmentry};
	for (unsigned i = 0; i < TRACE_STATS_ROWS; i++) {
		struct vx_trace_stats_row r = row_of(s, i);
		sum->total += r.count;
		sum->l1 += r.l1;
		sum->l2 += r.l2;
		sum->enclave += r.enclave;
	}
}

/* perf's order: most samples first; then by reason number, the beyond-the-table row last. */
static int row_cmp(const void *a, const void *b)
{
	const struct vx_trace_stats_row *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	unsigned bx = (unsigned)x->basic, by = (unsigned)y->basic; /* -1 sorts last */
	return bx < by ? -1 : bx > by;
}

size_t trace_stats_rows(const struct vx_trace_stats *s, struct vx_trace_stats_row *rows, size_t max)
{
	struct vx_trace_stats_row all[TRACE_STATS_ROWS];
	size_t n = 0;
	for (unsigned i = 0; i < TRACE_STATS_ROWS; i++) {
		all[n] = row_of(s, i);
		n += all[n].count != 0;
	}
	qsort(all, n, sizeof(all[0]), row_cmp);
	n = n < max ? n : max;
	memcpy(rows, all, n * sizeof(all[0]));
	return n;
}

static double pct(u64 part, u64 total)
{
	return total ? 100.0 * (double)part / (double)total : 0.0;
}

static void report_json(const struct vx_trace_stats_sum *sum, const struct vx_trace_stats_row *rows,
			size_t n, struct vx_out *o)
{
	out_begin(o, NULL);
	out_int(o, "total", (long long)sum->total);
	out_int(o, "l1", (long long)sum->l1);
	out_int(o, "l2", (long long)sum->l2);
	out_int(o, "enclave", (long long)sum->enclave);
	out_int(o, "non_enclave", (long long)(sum->total - sum->enclave));
	out_int(o, "failed_vmentry", (long long)sum->failed_vmentry);
	out_array(o, "reasons");
	for (size_t i = 0; i < n; i++) {
		const struct vx_trace_stats_row *r = &rows[i];
		out_begin(o, NULL);
		out_str(o, "reason", r->name);
		if (r->basic >= 0)
			out_int(o, "basic", r->basic);
		out_int(o, "count", (long long)r->count);
		out_double(o, "share", pct(r->count, sum->total), 2);
		out_int(o, "l1", (long long)r->l1);
		out_int(o, "l2", (long long)r->l2);
		out_int(o, "enclave", (long long)r->enclave);
		out_int(o, "non_enclave", (long long)(r->count - r->enclave));
		out_end(o);
	}
	out_end_array(o);
	out_end(o);
}

/* perf's column widths: the name in 20, "Samples" in 10, "Samples%" in 9. */
static void report_text(const struct vx_trace_stats_sum *sum, const struct vx_trace_stats_row *rows,
			size_t n, struct vx_out *o)
{
	out_text(o, "Analyze events for all VMs, all VCPUs:");
	out_text(o, "%s", "");
	out_text(o, "%20s %10s %9s %9s %9s %9s", "VM-EXIT", "Samples", "Samples%", "L1", "L2",
		 "Enclave");
	out_text(o, "%s", "");
	for (size_t i = 0; i < n; i++) {
		const struct vx_trace_stats_row *r = &rows[i];
		char name[24];
		if (r->basic < 0)
			snprintf(name, sizeof(name), "UNKNOWN(>%d)", VMX_EXIT_MAX_BASIC);
		else if (!vx_exit_reason_info((u32)r->basic))
			snprintf(name, sizeof(name), "UNKNOWN(%d)", r->basic);
		else
			snprintf(name, sizeof(name), "%s", r->name);
		out_text(o, "%20s %10llu %8.2f%% %9llu %9llu %9llu", name,
			 (unsigned long long)r->count, pct(r->count, sum->total),
			 (unsigned long long)r->l1, (unsigned long long)r->l2,
			 (unsigned long long)r->enclave);
	}
	if (n)
		out_text(o, "%s", "");
	out_text(o,
		 "Total Samples:%llu, L1:%llu, L2:%llu, enclave exits (bit 27):%llu, "
		 "failed VM-entries (bit 31):%llu",
		 (unsigned long long)sum->total, (unsigned long long)sum->l1,
		 (unsigned long long)sum->l2, (unsigned long long)sum->enclave,
		 (unsigned long long)sum->failed_vmentry);
}

void trace_stats_report(const struct vx_trace_stats *s, struct vx_out *o)
{
	struct vx_trace_stats_row rows[TRACE_STATS_ROWS];
	struct vx_trace_stats_sum sum;
	trace_stats_sum(s, &sum);
	size_t n = trace_stats_rows(s, rows, ARRAY_SIZE(rows));
	if (o->json)
		report_json(&sum, rows, n, o);
	else
		report_text(&sum, rows, n, o);
}
