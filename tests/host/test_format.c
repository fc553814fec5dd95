/* Tests of lib/format.c against glibc's printf, conversion by conversion. */
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "tests/host/test.h"
#include "lib/format.h"

__attribute__((format(printf, 3, 4)))
static void check(const char *file, int line, const char *fmt, ...)
{
	char ours[256], theirs[256];
	va_list a, b;
	va_start(a, fmt);
	va_copy(b, a);
	int n1 = vsnprintf(ours, sizeof(ours), fmt, a);
	int n2 = test_libc_vsnprintf(theirs, sizeof(theirs), fmt, b);
	va_end(b);
	va_end(a);
	if (n1 != n2 || test_strcmp(ours, theirs) != 0)
		test_fail(file, line, "format \"%s\": ours \"%s\" (%d), glibc \"%s\" (%d)", fmt, ours,
			  n1, theirs, n2);
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
