// SPDX-License-Identifier: MIT
/* JSON Lines trace writer of the machine (see vm_trace.h). */
#include "vm/vm_trace.h"

#include "lib/out.h"

void vm_trace_begin(struct vm_trace *t, u64 now, unsigned cpu, const char *ev)
{
	if (!t->f)
		return;
	fprintf(t->f, "{\"t\":%llu,\"cpu\":%u,\"lvl\":", (unsigned long long)now, cpu);
	out_json_string(t->f, t->lvl ? t->lvl : "L1");
	fputs(",\"ev\":", t->f);
	out_json_string(t->f, ev);
}

static void key(struct vm_trace *t, const char *k)
{
	fputc(',', t->f);
	out_json_string(t->f, k);
	fputc(':', t->f);
}

void vm_trace_str(struct vm_trace *t, const char *k, const char *v)
{
	if (!t->f)
		return;
	key(t, k);
	out_json_string(t->f, v);
}

void vm_trace_int(struct vm_trace *t, const char *k, long long v)
{
	if (!t->f)
		return;
	key(t, k);
	fprintf(t->f, "%lld", v);
}

void vm_trace_hex(struct vm_trace *t, const char *k, u64 v)
{
	if (!t->f)
		return;
	key(t, k);
	fprintf(t->f, "\"0x%llx\"", (unsigned long long)v);
}

void vm_trace_bool(struct vm_trace *t, const char *k, bool v)
{
	if (!t->f)
		return;
	key(t, k);
	fputs(v ? "true" : "false", t->f);
}

void vm_trace_end(struct vm_trace *t)
{
	if (t->f)
		fputs("}\n", t->f);
}
