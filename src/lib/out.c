// SPDX-License-Identifier: MIT
/* Structured text/JSON output (see out.h). */
#include "lib/out.h"

#include <stdarg.h>
#include <string.h>

#include "lib/trace.h"

void out_init(struct vx_out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	o->first[0] = true;
}

/* The trace's escaping, so guest-controlled text with bytes that are not UTF-8 still gives
 * valid JSON (they become \u00XX). */
void out_json_string(FILE *f, const char *s)
{
	trace_json_string(f, s);
}

static void indent(struct vx_out *o)
{
	/* Depth 1 holds the top-level object's members: no indentation for them. */
	for (int i = 1; i < o->depth; i++)
		fputs("  ", o->f);
}

/* Starts a member or element: separator and key in JSON, indentation and key in text. */
static void member(struct vx_out *o, const char *key)
{
	if (o->json) {
		if (!o->first[o->depth])
			fputc(',', o->f);
		if (key && !o->array[o->depth]) {
			out_json_string(o->f, key);
			fputc(':', o->f);
		}
	} else {
		indent(o);
		if (o->array[o->depth])
			fputc('-', o->f);
		else if (key)
			fprintf(o->f, "%s:", key);
	}
	o->first[o->depth] = false;
}

static void push(struct vx_out *o, bool array)
{
	if (o->depth + 1 >= VX_OUT_MAX_DEPTH)
		return; /* deeper nesting is a bug in a decoder; output stays well-formed above */
	o->depth++;
	o->first[o->depth] = true;
	o->array[o->depth] = array;
}

static void open(struct vx_out *o, const char *key, bool array)
{
	if (o->depth == 0) {
		if (o->json)
			fputc(array ? '[' : '{', o->f);
		push(o, array);
		return;
	}
	member(o, key);
	if (o->json)
		fputc(array ? '[' : '{', o->f);
	else
		fputc('\n', o->f);
	push(o, array);
}

static void close(struct vx_out *o, bool array)
{
	if (o->depth == 0)
		return;
	o->depth--;
	if (o->json)
		fputc(array ? ']' : '}', o->f);
	if (o->depth == 0) {
		fputc('\n', o->f);
		o->first[0] = true;
	}
}

void out_begin(struct vx_out *o, const char *key)
{
	open(o, key, false);
}

void out_end(struct vx_out *o)
{
	close(o, false);
}

void out_array(struct vx_out *o, const char *key)
{
	open(o, key, true);
}

void out_end_array(struct vx_out *o)
{
	close(o, true);
}

void out_str(struct vx_out *o, const char *key, const char *s)
{
	member(o, key);
	if (o->json)
		out_json_string(o->f, s ? s : "");
	else
		fprintf(o->f, " %s\n", s ? s : "");
}

void out_strf(struct vx_out *o, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_str(o, key, buf);
}

void out_int(struct vx_out *o, const char *key, long long v)
{
	member(o, key);
	fprintf(o->f, o->json ? "%lld" : " %lld\n", v);
}

void out_hex(struct vx_out *o, const char *key, u64 v)
{
	member(o, key);
	fprintf(o->f, o->json ? "\"0x%llx\"" : " 0x%llx\n", (unsigned long long)v);
}

void out_bool(struct vx_out *o, const char *key, bool v)
{
	member(o, key);
	fprintf(o->f, o->json ? "%s" : " %s\n", v ? "true" : "false");
}

void out_double(struct vx_out *o, const char *key, double v, int decimals)
{
	member(o, key);
	fprintf(o->f, o->json ? "%.*f" : " %.*f\n", decimals, v);
}

void out_section(struct vx_out *o, const char *json_key, const char *title)
{
	if (o->json) {
		out_begin(o, json_key);
		return;
	}
	out_text(o, "%s", title);
	push(o, false);
}

void out_section_end(struct vx_out *o)
{
	if (o->json)
		out_end(o);
	else if (o->depth > 1)
		o->depth--;
}

void out_text(struct vx_out *o, const char *fmt, ...)
{
	if (o->json)
		return;
	indent(o);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}
