// SPDX-License-Identifier: MIT
/*
 * Chrome/Perfetto rendering of the trace (Trace Event Format, JSON array form), for
 * chrome://tracing and ui.perfetto.dev: every record is an instant event ("ph":"i") with its
 * fields as "args"; the guest's run between a vmentry and the next vmexit of the same cpu and
 * level is a complete event ("ph":"X").  "ts" is the model time t (one retired guest
 * instruction shows as one microsecond), "pid" the cpu, "tid" the level (1 = L1, 2 = L2).
 * The array is closed by trace_close(), so a run that ends early still leaves valid JSON.
 */
#include <string.h>

#include "lib/trace.h"

/* Starts the next array element. */
static void element(struct vx_trace *t)
{
	if (t->chrome_any)
		fputs(",\n", t->f);
	t->chrome_any = true;
}

static void metadata(struct vx_trace *t, const char *what, unsigned pid, unsigned tid,
		     const char *prefix, unsigned n)
{
	element(t);
	fprintf(t->f,
		"{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":\"%s%u\"}}",
		what, pid, tid, prefix, n);
}

/* The slot of (cpu, lvl); a new one names its process and thread.  NULL when all slots are
 * taken (the records still appear; only names and guest slices are missing). */
static struct trace_slot *slot(struct vx_trace *t, unsigned cpu, unsigned lvl)
{
	struct trace_slot *empty = NULL;
	bool cpu_named = false;
	for (unsigned i = 0; i < TRACE_CHROME_SLOTS; i++) {
		struct trace_slot *s = &t->slot[i];
		if (!s->used) {
			empty = empty ? empty : s;
			continue;
		}
		if (s->cpu == cpu && s->lvl == lvl)
			return s;
		cpu_named |= s->cpu == cpu;
	}
	if (!empty)
		return NULL;
	*empty = (struct trace_slot){.cpu = cpu, .lvl = lvl, .used = true};
	if (!cpu_named)
		metadata(t, "process_name", cpu, 0, "cpu", cpu);
	metadata(t, "thread_name", cpu, lvl, "L", lvl);
	return empty;
}

static void guest_slice(struct vx_trace *t, struct trace_slot *s, u64 end, bool unfinished)
{
	element(t);
	fprintf(t->f,
		"{\"name\":\"guest\",\"cat\":\"guest\",\"ph\":\"X\",\"ts\":%llu,\"dur\":%llu,"
		"\"pid\":%u,\"tid\":%u,\"args\":{\"unfinished\":%s}}",
		(unsigned long long)s->start, (unsigned long long)(end - s->start), s->cpu, s->lvl,
		unfinished ? "true" : "false");
	s->running = false;
}

/* Guest slices: a vmentry opens one, the vmexit of the same cpu and level closes it, and a
 * failed entry check drops it (the guest never ran). */
static void track_slice(struct vx_trace *t, struct trace_slot *s, const struct trace_record *r)
{
	switch (r->ev) {
	case TRACE_vmentry:
		s->running = true;
		s->start = r->time;
		break;
	case TRACE_vmexit:
		if (s->running && r->time >= s->start)
			guest_slice(t, s, r->time, false);
		s->running = false;
		break;
	case TRACE_vmentry_fail: s->running = false; break;
	default: break;
	}
}

/* The event name: "vmexit", or with the record's label "vmexit EPT_MISCONFIG". */
static void event_name(FILE *f, const struct trace_record *r)
{
	char name[96];
	const char *ev = trace_event_name(r->ev);
	for (unsigned i = 0; i < r->n; i++) {
		if (r->f[i].flags & TRACE_F_LABEL) {
			snprintf(name, sizeof(name), "%s %s", ev, r->f[i].s);
			trace_json_string(f, name);
			return;
		}
	}
	trace_json_string(f, ev);
}

void trace_chrome_open(struct vx_trace *t)
{
	fputs("[\n", t->f);
	t->chrome_any = false;
	memset(t->slot, 0, sizeof(t->slot));
}

void trace_chrome_record(struct vx_trace *t, const struct trace_record *r)
{
	struct trace_slot *s = slot(t, r->cpu, r->lvl);
	if (s)
		track_slice(t, s, r);
	element(t);
	fputs("{\"name\":", t->f);
	event_name(t->f, r);
	fprintf(t->f, ",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%llu,\"pid\":%u,\"tid\":%u",
		trace_event_name(r->ev), (unsigned long long)r->time, r->cpu, r->lvl);
	fputs(",\"args\":{", t->f);
	for (unsigned i = 0; i < r->n; i++) {
		if (i)
			fputc(',', t->f);
		trace_json_string(t->f, r->f[i].key);
		fputc(':', t->f);
		trace_json_value(t->f, &r->f[i]);
	}
	fputs("}}", t->f);
}

void trace_chrome_close(struct vx_trace *t)
{
	for (unsigned i = 0; i < TRACE_CHROME_SLOTS; i++) {
		struct trace_slot *s = &t->slot[i];
		if (s->used && s->running)
			guest_slice(t, s, t->last_time > s->start ? t->last_time : s->start, true);
	}
	fputs("\n]\n", t->f);
}
