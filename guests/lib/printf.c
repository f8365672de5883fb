// SPDX-License-Identifier: MIT
/*
 * Console output on the debug console port (vx_boot_info.console_port): printf with %d %i %u
 * %x %X %s %c %p %%, the l and ll length modifiers, a field width (digits or *), and the '0'
 * and '-' flags.  snprintf formats into a buffer with the same engine.
 */
#include "guest.h"

struct sink {
	char *buf; /* NULL: the console */
	size_t size, len;
};

static void put(struct sink *s, char c)
{
	if (!s->buf)
		outb(boot_info->console_port, (u8)c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	int width;
	bool zero, left;
	int longs; /* 0, 1 (l), 2 (ll) */
};

static void pad(struct sink *s, int n, char c)
{
	while (n-- > 0)
		put(s, c);
}

static void put_str(struct sink *s, const struct spec *sp, const char *str)
{
	int n = (int)strlen(str);
	if (!sp->left)
		pad(s, sp->width - n, ' ');
	while (*str)
		put(s, *str++);
	if (sp->left)
		pad(s, sp->width - n, ' ');
}

static void put_num(struct sink *s, const struct spec *sp, u64 v, unsigned base, bool neg,
		    bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);
	if (!sp->left && !sp->zero)
		pad(s, sp->width - len, ' ');
	if (neg)
		put(s, '-');
	if (!sp->left && sp->zero)
		pad(s, sp->width - len, '0');
	while (n)
		put(s, tmp[--n]);
	if (sp->left)
		pad(s, sp->width - len, ' ');
}

static u64 arg_unsigned(va_list *ap, int longs)
{
	if (longs == 2)
		return va_arg(*ap, unsigned long long);
	if (longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static s64 arg_signed(va_list *ap, int longs)
{
	if (longs == 2)
		return va_arg(*ap, long long);
	if (longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){0};
	for (;; f++) {
		if (*f == '0')
			sp->zero = true;
		else if (*f == '-')
			sp->left = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l') {
		sp->longs++;
		f++;
	}
	return f;
}

static void convert(struct sink *s, char conv, const struct spec *sp, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		s64 v = arg_signed(ap, sp->longs);
		put_num(s, sp, v < 0 ? 0 - (u64)v : (u64)v, 10, v < 0, false);
		break;
	}
	case 'u': put_num(s, sp, arg_unsigned(ap, sp->longs), 10, false, false); break;
	case 'x': put_num(s, sp, arg_unsigned(ap, sp->longs), 16, false, false); break;
	case 'X': put_num(s, sp, arg_unsigned(ap, sp->longs), 16, false, true); break;
	case 'p':
		put(s, '0');
		put(s, 'x');
		put_num(s, sp, (u64)va_arg(*ap, void *), 16, false, false);
		break;
	case 's': {
		const char *str = va_arg(*ap, const char *);
		put_str(s, sp, str ? str : "(null)");
		break;
	}
	case 'c': put(s, (char)va_arg(*ap, int)); break;
	case '%': put(s, '%'); break;
	default:
		put(s, '%');
		put(s, conv);
		break;
	}
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(s, *f);
			continue;
		}
		struct spec sp;
		f = parse_spec(f + 1, &sp, &cp);
		if (!*f)
			break;
		convert(s, *f, &sp, &cp);
	}
	va_end(cp);
	return (int)s->len;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = {0};
	return format(&s, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct sink s = {.buf = buf, .size = size};
	va_list ap;
	va_start(ap, fmt);
	int n = format(&s, fmt, ap);
	va_end(ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = 0;
	return n;
}

void puts(const char *s)
{
	printf("%s\n", s);
}
