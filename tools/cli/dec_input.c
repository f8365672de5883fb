// SPDX-License-Identifier: MIT
/*
 * Reading diagnostics as people paste them: kernel logs and traces copied through mail
 * clients and bug trackers arrive with "> " quote markers, quoted-printable escapes (=3D,
 * soft line breaks "=" at end of line), non-breaking spaces and CRLF line ends.  This file
 * undoes those transport layers; format-specific parsers handle prefixes and wrapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define DEC_MAX_INPUT (64u << 20) /* refuse inputs over 64 MiB: one clear error, no OOM */

static char *slurp(FILE *f, size_t *len, bool *too_big)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	*too_big = false;
	if (!buf)
		return NULL;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= DEC_MAX_INPUT) {
				*too_big = true;
				free(buf);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Quoted-printable is assumed when the text has soft line breaks or =3D/=20 escapes, which
 * plain kernel output never contains ("reason=80000021" has no "=3D"). */
static bool looks_qp(const char *s)
{
	return strstr(s, "=3D") || strstr(s, "=20\n") || strstr(s, "=\n") || strstr(s, "=\r\n");
}

/* In place: "=XY" -> byte (soft line breaks are joined by split_lines). */
static void qp_decode(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '=' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
			*w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* NBSP (UTF-8 C2 A0 or Latin-1 A0) -> space, tabs -> space, CR dropped; in place. */
static void clean_line(char *s)
{
	char *w = s;
	for (unsigned char *r = (unsigned char *)s; *r; r++) {
		if (r[0] == 0xc2 && r[1] == 0xa0) {
			*w++ = ' ';
			r++;
		} else if (*r == 0xa0 || *r == '\t') {
			*w++ = ' ';
		} else if (*r != '\r') {
			*w++ = (char)*r;
		}
	}
	*w = '\0';
}

/* Strips mail quote markers: ">", "> >", ">>" at line start. */
static char *strip_quotes(char *s, bool *quoted)
{
	char *p = s;
	for (;;) {
		char *q = p;
		while (*q == ' ')
			q++;
		if (*q != '>')
			break; /* keep the spaces: they may be the text's own indentation */
		p = q + 1;
		*quoted = true;
		if (*p == ' ')
			p++;
	}
	return p;
}

static bool add_line(struct dec_input *in, size_t *cap, const char *text, size_t lineno)
{
	if (in->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct dec_line *nl = realloc(in->lines, nc * sizeof(*nl));
		if (!nl)
			return false;
		in->lines = nl;
		*cap = nc;
	}
	char *copy = strdup(text);
	if (!copy)
		return false;
	in->lines[in->n].text = copy;
	in->lines[in->n].lineno = lineno;
	in->n++;
	return true;
}

/* Strips one physical line's transport layers; returns the text to keep (inside line). */
static char *clean_physical(char *line, bool *quoted)
{
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	return strip_quotes(line, quoted);
}

/* Splits buf into logical lines.  With quoted-printable, a physical line ending in "=" is a
 * soft break: the next physical line continues it.  Line numbers are those of the first
 * physical line of each logical line. */
static bool split_lines(struct dec_input *in, char *buf)
{
	size_t cap = 0, lineno = 0;
	char *next = buf;
	while (next && *next) {
		char *line = next;
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		size_t first = lineno;
		bool quoted = false;
		char *text = clean_physical(line, &quoted);
		char *joined = NULL;
		while (in->quoted_printable && *text && text[strlen(text) - 1] == '=' && next &&
		       *next) {
			char *cont = next;
			char *cnl = strchr(cont, '\n');
			next = cnl ? cnl + 1 : NULL;
			if (cnl)
				*cnl = '\0';
			lineno++;
			char *ctext = clean_physical(cont, &quoted);
			size_t a = strlen(text) - 1, b = strlen(ctext);
			char *j = malloc(a + b + 1);
			if (!j) {
				free(joined);
				return false;
			}
			memcpy(j, text, a);
			memcpy(j + a, ctext, b + 1);
			free(joined);
			joined = text = j;
		}
		in->mail_quoted |= quoted;
		if (in->quoted_printable)
			qp_decode(text);
		clean_line(text);
		bool ok = add_line(in, &cap, text, first);
		free(joined);
		if (!ok)
			return false;
	}
	return true;
}

bool dec_input_read(struct dec_input *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	bool is_stdin = !strcmp(path, "-");
	in->name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vmxsgx: %s: %s\n", in->name, strerror(errno));
		return false;
	}
	size_t len = 0;
	bool too_big;
	char *buf = slurp(f, &len, &too_big);
	if (!is_stdin)
		fclose(f);
	if (!buf) {
		fprintf(stderr, "vmxsgx: %s: %s\n", in->name,
			too_big ? "input larger than 64 MiB" : "out of memory");
		return false;
	}
	if (memchr(buf, '\0', len)) {
		fprintf(stderr, "vmxsgx: %s: binary data (NUL byte at offset %zu); expected text\n",
			in->name, (size_t)((char *)memchr(buf, '\0', len) - buf));
		free(buf);
		return false;
	}
	in->quoted_printable = looks_qp(buf);
	bool ok = split_lines(in, buf);
	free(buf);
	if (!ok) {
		fprintf(stderr, "vmxsgx: %s: out of memory\n", in->name);
		dec_input_free(in);
	}
	return ok;
}

void dec_input_free(struct dec_input *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->lines[i].text);
	free(in->lines);
	in->lines = NULL;
	in->n = 0;
}

void dec_input_join(struct dec_input *in, size_t i, const char *more)
{
	if (i >= in->n)
		return;
	size_t a = strlen(in->lines[i].text), b = strlen(more);
	char *j = malloc(a + b + 2);
	if (!j)
		return; /* keep the unjoined line: the parser reports what it cannot read */
	memcpy(j, in->lines[i].text, a);
	size_t k = a;
	/* Mail clients break at a space and drop it, or keep the trailing space. */
	if (a && j[a - 1] != ' ' && b && more[0] != ' ')
		j[k++] = ' ';
	memcpy(j + k, more, b + 1);
	free(in->lines[i].text);
	in->lines[i].text = j;
}
