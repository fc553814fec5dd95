/* Tests of lib/format.c against glibc's printf, conversion by conversion. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include "tests/host/test.h"
#include "lib/format.h"

/* Formats with ours and glibc's into a buffer of size bytes; false (and a failure) if the
 * return values, the text or the untouched bytes past size differ. */
static bool check_size(const char *file, int line, size_t size, const char *fmt, va_list ap)
{
	char ours[300], theirs[300];
	va_list a, b;

	memset(ours, '#', sizeof(ours));
	memset(theirs, '#', sizeof(theirs));
	va_copy(a, ap);
	va_copy(b, ap);
	int n1 = vsnprintf(ours, size, fmt, a);
	int n2 = test_libc_vsnprintf(theirs, size, fmt, b);
	va_end(b);
	va_end(a);
	if (n1 == n2 && test_memcmp(ours, theirs, sizeof(ours)) == 0)
		return true;
	ours[sizeof(ours) - 1] = theirs[sizeof(theirs) - 1] = '\0';
	test_fail(file, line, "format \"%s\" into %zu bytes: ours \"%s\" (%d), glibc \"%s\" (%d)",
		  fmt, size, ours, n1, theirs, n2);
	return false;
}

/* Compares with glibc at the full size, then at every smaller size down to 0, so truncation
 * and termination are checked for each format too. */
__attribute__((format(printf, 3, 4)))
static void check(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char probe[300];
	va_list aq;
	va_copy(aq, ap);
	int n = test_libc_vsnprintf(probe, sizeof(probe), fmt, aq);
	va_end(aq);
	for (int size = n + 1 < 256 ? n + 1 : 256; size >= 0; size--)
		if (!check_size(file, line, (size_t)size, fmt, ap))
			break;
	va_end(ap);
}

#define CHECK(...) check(__FILE__, __LINE__, __VA_ARGS__)

TEST(format, signed_integers)
{
	CHECK("%d %i", 0, -1);
	CHECK("%d", INT_MAX);
	CHECK("%d", INT_MIN);
	CHECK("%ld", LONG_MIN);
	CHECK("%lld", LLONG_MAX);
	CHECK("%hd %hhd", (short)-300, (signed char)-5);
	CHECK("%hhd", 300);     /* converted to signed char */
	CHECK("%zd %jd %td", (ssize_t)-7, (intmax_t)INT64_MIN, (ptrdiff_t)42);
	CHECK("[%5d] [%-5d] [%05d] [%+d] [% d] [%+5d]", 42, 42, 42, 42, 42, -42);
	CHECK("[%.3d] [%8.3d] [%-8.3d]", 7, -7, 7);
	/* '0' is ignored when a precision is given; GCC warns of that in literals. */
	const char *volatile zero_prec = "[%08.3d]";
	CHECK(zero_prec, 7);
	CHECK("[%.0d] [%5.0d] [%+.0d]", 0, 0, 0);
	CHECK("[%*d] [%-*d] [%*d]", 6, 1, 6, 1, -6, 1);
	CHECK("[%.*d] [%.*d]", 4, 5, -1, 5);
}

TEST(format, unsigned_hex_octal)
{
	CHECK("%u %u", 0u, UINT_MAX);
	CHECK("%lu %llu", ULONG_MAX, 12345678901234ull);
	CHECK("%x %X %lx", 0xdeadbeefu, 0xdeadbeefu, 0xfedcba9876543210ul);
	CHECK("[%#x] [%#X] [%#x] [%#o] [%#o] [%o]", 255u, 255u, 0u, 8u, 0u, 8u);
	CHECK("[%#.3o] [%#5o] [%#08x] [%-#8x]", 8u, 8u, 0x1fu, 0x1fu);
	CHECK("[%.0x] [%#.0x] [%#.0o]", 0u, 0u, 0u);
	const char *volatile zero_prec = "[%08.4x]";
	CHECK(zero_prec, 0xabu);
	CHECK("[%.10lx]", 0x1ul);
	CHECK("%hhx %hx", 0x1ffu, 0x1ffffu);
	CHECK("%zu %zx", (size_t)-1, (size_t)4096);
}

TEST(format, chars_strings_percent)
{
	CHECK("[%c] [%3c] [%-3c]", 'a', 'b', 'c');
	CHECK("[%s] [%8s] [%-8s] [%.2s] [%8.2s]", "abc", "abc", "abc", "abc", "abc");
	CHECK("[%.0s] [%.10s] [%s]", "abc", "abc", "");
	CHECK("100%%");
	CHECK("%s", "(null)");
}

/* glibc prints a NULL string as "(null)" only when the precision leaves room for all of it. */
TEST(format, null_string_follows_glibc)
{
	const char *volatile null = NULL;
	const char *volatile fmt = "[%s] [%.6s] [%.5s] [%.0s] [%8s] [%-8.3s] [%.*s]";
	CHECK(fmt, null, null, null, null, null, null, 2, null);
}

TEST(format, pointer_and_null_string)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%p", (void *)0xffffffff80100000ul);
	EXPECT_EQ_STR(buf, "0xffffffff80100000");
	snprintf(buf, sizeof(buf), "[%20p]", (void *)0x10);
	EXPECT_EQ_STR(buf, "[  0x0000000000000010]");
	snprintf(buf, sizeof(buf), "[%-19p]", (void *)0);
	EXPECT_EQ_STR(buf, "[0x0000000000000000 ]");
	const char *volatile null = NULL;
	snprintf(buf, sizeof(buf), "%s", null);
	EXPECT_EQ_STR(buf, "(null)");
}

TEST(format, truncation_and_return_value)
{
	char buf[8];
	EXPECT_EQ_U64(snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	EXPECT_EQ_STR(buf, "0123456");
	EXPECT_EQ_U64(snprintf(buf, 1, "abc"), 3);
	EXPECT_EQ_STR(buf, "");
	buf[0] = 'x';
	EXPECT_EQ_U64(snprintf(buf, 0, "abc%d", 12), 5);
	EXPECT(buf[0] == 'x');
	EXPECT_EQ_U64(snprintf(NULL, 0, "%08d", 1), 8);
	EXPECT_EQ_U64(snprintf(buf, sizeof(buf), "%d|%d", 1234, 5678), 9);
	EXPECT_EQ_STR(buf, "1234|56");
}

static int emitted;
static void count_emit(void *arg, const char *s, size_t n)
{
	(void)arg;
	(void)s;
	emitted += (int)n;
}

static int format_count(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_format(count_emit, NULL, fmt, ap);
	va_end(ap);
	return n;
}

TEST(format, emitter_sees_every_byte)
{
	emitted = 0;
	int n = format_count("%s-%5d-%x%%", "abc", 7, 0x10u);
	EXPECT_EQ_U64(n, 13);
	EXPECT_EQ_U64(emitted, 13);
	emitted = 0;
	EXPECT_EQ_U64(format_count("%300d", 1), 300);
	EXPECT_EQ_U64(emitted, 300);
}

/* Formats one integer with ours and glibc's; wide lengths (l ll z j t) take a 64-bit argument,
 * the others an int. Returns false on a difference. */
static bool same_as_glibc(const char *fmt, bool wide, long long v, char *ours, char *theirs,
			  size_t size)
{
	int n1, n2;
	if (wide) {
		n1 = snprintf(ours, size, fmt, v);
		n2 = test_libc_snprintf(theirs, size, fmt, v);
	} else {
		n1 = snprintf(ours, size, fmt, (int)v);
		n2 = test_libc_snprintf(theirs, size, fmt, (int)v);
	}
	return n1 == n2 && test_strcmp(ours, theirs) == 0;
}

/* Every combination of flags, width, precision and length for each integer conversion, over
 * values at the edges of each type, against glibc. */
TEST(format, integer_combinations_match_glibc)
{
	static const char *const flags[] = { "", "-", "0", "+", " ", "#", "-0", "-+", "0+",
					     "0 ", "+ ", "#0", "#-", "-+ #0" };
	static const char *const widths[] = { "", "1", "5", "25" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".25" };
	static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const long long values[] = { 0, 1, -1, 42, -42, 255, -128, 65535, INT_MAX, INT_MIN,
					    LLONG_MAX, LLONG_MIN, 0x123456789abcdefll };
	char fmt[32], ours[128], theirs[128];
	int bad = 0, tried = 0;

	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
	for (const char *c = "diuxXo"; *c; c++)
	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]) && bad < 10; v++) {
		test_libc_snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flags[f], widths[w], precs[p],
				   lengths[l], *c);
		tried++;
		if (!same_as_glibc(fmt, l >= 3, values[v], ours, theirs, sizeof(ours))) {
			test_fail(__FILE__, __LINE__, "format \"%s\" of %lld: ours \"%s\", glibc \"%s\"",
				  fmt, values[v], ours, theirs);
			bad++;
		}
	}
	EXPECT(tried > 200000);
}

/* The same flag, width and precision combinations for %s (including NULL) and %c. */
TEST(format, string_and_char_combinations_match_glibc)
{
	static const char *const flags[] = { "", "-", "0", "+", " ", "#", "-0" };
	static const char *const widths[] = { "", "1", "5", "25" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".6", ".25" };
	static const char *const strs[] = { "", "a", "hello", "exactly25charactersgoeshe", NULL };
	char fmt[32], ours[128], theirs[128];
	int bad = 0;

	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
	for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]) && bad < 10; s++) {
		test_libc_snprintf(fmt, sizeof(fmt), "[%%%s%s%ss|%%%s%sc]", flags[f], widths[w],
				   precs[p], flags[f], widths[w]);
		int n1 = snprintf(ours, sizeof(ours), fmt, strs[s], 'x');
		int n2 = test_libc_snprintf(theirs, sizeof(theirs), fmt, strs[s], 'x');
		if (n1 != n2 || test_strcmp(ours, theirs) != 0) {
			test_fail(__FILE__, __LINE__, "format \"%s\": ours \"%s\", glibc \"%s\"", fmt,
				  ours, theirs);
			bad++;
		}
	}
}
