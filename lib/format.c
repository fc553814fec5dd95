/* printf-style formatting (C11 7.21.6.1 for the conversions it supports). */
#include "lib/format.h"
#include <stdbool.h>
#include <stdint.h>
#include "lib/string.h"

struct fmt_spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;               /* -1: not given */
	int length;             /* 0 int, 1 char, 2 short, 3 long, 4 long long, 5 size_t/intmax/ptrdiff */
	char conv;
};

struct fmt_out {
	fmt_emit_fn emit;
	void *arg;
	int count;
};

static void out_str(struct fmt_out *o, const char *s, size_t n)
{
	if (n) {
		o->emit(o->arg, s, n);
		o->count += (int)n;
	}
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	char pad[16];
	memset(pad, c, sizeof(pad));
	while (n > 0) {
		int k = n < (int)sizeof(pad) ? n : (int)sizeof(pad);
		out_str(o, pad, (size_t)k);
		n -= k;
	}
}

static const char *parse_flags(const char *p, struct fmt_spec *sp)
{
	for (;; p++) {
		switch (*p) {
		case '-': sp->left = true; break;
		case '0': sp->zero = true; break;
		case '+': sp->plus = true; break;
		case ' ': sp->space = true; break;
		case '#': sp->alt = true; break;
		default: return p;
		}
	}
}

static const char *parse_number(const char *p, int *out)
{
	int v = 0;
	while (*p >= '0' && *p <= '9') {
		if (v < 100000000)
			v = v * 10 + (*p - '0');
		p++;
	}
	*out = v;
	return p;
}

static const char *parse_length(const char *p, struct fmt_spec *sp)
{
	if (p[0] == 'h' && p[1] == 'h') {
		sp->length = 1;
		return p + 2;
	}
	if (p[0] == 'l' && p[1] == 'l') {
		sp->length = 4;
		return p + 2;
	}
	switch (*p) {
	case 'h': sp->length = 2; return p + 1;
	case 'l': sp->length = 3; return p + 1;
	case 'z': case 'j': case 't': sp->length = 5; return p + 1;
	default: return p;
	}
}

/* Reads the spec after '%'; va_list is passed by pointer so * arguments are consumed. */
static const char *parse_spec(const char *p, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .prec = -1 };
	p = parse_flags(p, sp);
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = sp->width == INT32_MIN ? INT32_MAX : -sp->width;
		}
		p++;
	} else {
		p = parse_number(p, &sp->width);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			p++;
		} else {
			p = parse_number(p, &sp->prec);
		}
	}
	p = parse_length(p, sp);
	sp->conv = *p;
	return *p ? p + 1 : p;
}

static uint64_t arg_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 1: return (unsigned char)va_arg(*ap, unsigned);
	case 2: return (unsigned short)va_arg(*ap, unsigned);
	case 3: return va_arg(*ap, unsigned long);
	case 4: return va_arg(*ap, unsigned long long);
	case 5: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned);
	}
}

static int64_t arg_signed(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 1: return (signed char)va_arg(*ap, int);
	case 2: return (short)va_arg(*ap, int);
	case 3: return va_arg(*ap, long);
	case 4: return va_arg(*ap, long long);
	case 5: return va_arg(*ap, int64_t);
	default: return va_arg(*ap, int);
	}
}

/* Writes value's digits, last first, into the end of buf; returns how many. */
static int to_digits(uint64_t v, unsigned base, bool upper, char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

/* Lays out [pad][sign][prefix][zeros][digits][pad] for an integer conversion. */
static void format_integer(struct fmt_out *o, const struct fmt_spec *sp, uint64_t mag,
			   const char *sign, unsigned base)
{
	char buf[24];
	const char *prefix = "";
	int nd = 0;

	if (!(sp->prec == 0 && mag == 0))
		nd = to_digits(mag, base, sp->conv == 'X', buf + sizeof(buf));
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	if (sp->alt && base == 16 && mag != 0)
		prefix = sp->conv == 'X' ? "0X" : "0x";
	if (sp->alt && base == 8 && zeros == 0 && (nd == 0 || buf[sizeof(buf) - nd] != '0'))
		zeros = 1;      /* # makes octal start with 0 */
	int body = (int)strlen(sign) + (int)strlen(prefix) + zeros + nd;
	int fill = sp->width > body ? sp->width - body : 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += fill;
		fill = 0;
	}
	if (!sp->left)
		out_pad(o, ' ', fill);
	out_str(o, sign, strlen(sign));
	out_str(o, prefix, strlen(prefix));
	out_pad(o, '0', zeros);
	out_str(o, buf + sizeof(buf) - nd, (size_t)nd);
	if (sp->left)
		out_pad(o, ' ', fill);
}

static void format_padded(struct fmt_out *o, const struct fmt_spec *sp, const char *s, size_t n)
{
	int fill = sp->width > (int)n ? sp->width - (int)n : 0;
	if (!sp->left)
		out_pad(o, ' ', fill);
	out_str(o, s, n);
	if (sp->left)
		out_pad(o, ' ', fill);
}

/* A NULL string prints as "(null)", or as nothing when the precision would cut that short,
 * as glibc does: a clipped "(nu" would look like real data. */
static void format_string(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	static const char null_str[] = "(null)";

	if (!s)
		s = sp->prec < 0 || sp->prec >= (int)sizeof(null_str) - 1 ? null_str : "";
	format_padded(o, sp, s, sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
}

static void format_signed(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	int64_t v = arg_signed(sp, ap);
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	const char *sign = v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	format_integer(o, sp, mag, sign, 10);
}

static void format_pointer(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	char buf[18] = "0x";
	uint64_t v = (uintptr_t)va_arg(*ap, void *);
	for (int i = 0; i < 16; i++)
		buf[17 - i] = "0123456789abcdef"[(v >> (4 * i)) & 0xF];
	format_padded(o, sp, buf, sizeof(buf));
}

static void format_one(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i':
		format_signed(o, sp, ap);
		return;
	case 'u':
		format_integer(o, sp, arg_unsigned(sp, ap), "", 10);
		return;
	case 'x':
	case 'X':
		format_integer(o, sp, arg_unsigned(sp, ap), "", 16);
		return;
	case 'o':
		format_integer(o, sp, arg_unsigned(sp, ap), "", 8);
		return;
	case 'c': {
		char c = (char)va_arg(*ap, int);
		format_padded(o, sp, &c, 1);
		return;
	}
	case 's':
		format_string(o, sp, va_arg(*ap, const char *));
		return;
	case 'p':
		format_pointer(o, sp, ap);
		return;
	case '%':
		out_str(o, "%", 1);
		return;
	default:        /* unknown conversion: shown as is, so the mistake is visible */
		out_str(o, "%", 1);
		if (sp->conv)
			out_str(o, &sp->conv, 1);
		return;
	}
}

int fmt_format(fmt_emit_fn emit, void *arg, const char *fmt, va_list ap)
{
	struct fmt_out o = { emit, arg, 0 };
	struct fmt_spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		const char *pct = strchr(fmt, '%');
		size_t lit = pct ? (size_t)(pct - fmt) : strlen(fmt);
		out_str(&o, fmt, lit);
		if (!pct)
			break;
		fmt = parse_spec(pct + 1, &sp, &aq);
		format_one(&o, &sp, &aq);
	}
	va_end(aq);
	return o.count;
}

struct fmt_buf {
	char *buf;
	size_t size, len;       /* len counts everything, even what did not fit */
};

static void buf_emit(void *arg, const char *s, size_t n)
{
	struct fmt_buf *b = arg;
	if (b->len + 1 < b->size) {
		size_t room = b->size - 1 - b->len;
		memcpy(b->buf + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { buf, size, 0 };
	int n = fmt_format(buf_emit, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
