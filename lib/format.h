/* printf-style formatting without floating point, for the kernel console and snprintf. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#ifdef LIB_HOST_TEST
#define snprintf  flt_snprintf
#define vsnprintf flt_vsnprintf
#endif

/* Receives the output in pieces. */
typedef void (*fmt_emit_fn)(void *arg, const char *s, size_t n);

/* Formats into emit. Conversions: d i u x X o c s p %; flags - 0 + space #; width and
 * precision (also *); lengths hh h l ll z j t. Output matches glibc's except that %p is
 * always 0x and 16 hex digits. Returns the number of characters produced. */
int fmt_format(fmt_emit_fn emit, void *arg, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* C99 semantics: return the length the whole output would have, write at most size - 1
 * characters of it and always terminate when size > 0. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
