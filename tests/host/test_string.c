/* Tests of lib/string.c: each function against glibc's or against known answers. */
#include "tests/host/test.h"
#include "lib/errno.h"
#include "lib/string.h"

static void fill_pattern(unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
}

/* Every destination and source offset in a window, every length up to 64: both overlap
 * directions, exact overlap, adjacency and disjoint copies, checked against glibc. */
TEST(string, memmove_overlaps_both_directions_like_glibc)
{
	unsigned char ours[160], theirs[160];
	int bad = 0;
	for (size_t dst = 0; dst < 48 && bad < 5; dst++)
		for (size_t src = 0; src < 48; src++)
			for (size_t n = 0; n <= 64; n++) {
				fill_pattern(ours, sizeof(ours));
				fill_pattern(theirs, sizeof(theirs));
				EXPECT(memmove(ours + dst, ours + src, n) == ours + dst);
				test_libc_memmove(theirs + dst, theirs + src, n);
				if (test_memcmp(ours, theirs, sizeof(ours)) != 0) {
					test_fail(__FILE__, __LINE__, "memmove(+%zu, +%zu, %zu) differs",
						  dst, src, n);
					bad++;
				}
			}
}

TEST(string, memcpy_copies_exactly_n_bytes)
{
	unsigned char src[100], dst[120], want[120];
	fill_pattern(src, sizeof(src));
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= 80; n++) {
			for (size_t i = 0; i < sizeof(dst); i++)
				dst[i] = want[i] = 0xEE;
			for (size_t i = 0; i < n; i++)
				want[off + i] = src[3 + i];
			EXPECT(memcpy(dst + off, src + 3, n) == dst + off);
			EXPECT_EQ_MEM(dst, want, sizeof(dst));
		}
}

TEST(string, memset_fills_exactly_n_bytes_with_the_low_byte)
{
	unsigned char buf[80];
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= 64; n++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = 0x11;
			EXPECT(memset(buf + off, 0x1AB, n) == buf + off);      /* int 0x1AB -> 0xAB */
			for (size_t i = 0; i < sizeof(buf); i++)
				EXPECT_EQ_U64(buf[i], i >= off && i < off + n ? 0xAB : 0x11);
		}
}

static int sign(int v) { return (v > 0) - (v < 0); }

static const char *const cmp_strings[] = { "", "a", "ab", "abc", "abd", "abc\x80", "b", "\xff",
					   "A", "abcdefgh" };

/* Only the sign of a comparison is specified; bytes compare as unsigned char. */
TEST(string, comparisons_have_glibcs_sign)
{
	size_t k = sizeof(cmp_strings) / sizeof(cmp_strings[0]);
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++) {
			const char *a = cmp_strings[i], *b = cmp_strings[j];
			EXPECT(sign(strcmp(a, b)) == sign(test_strcmp(a, b)));
			for (size_t n = 0; n < 10; n++)
				EXPECT(sign(strncmp(a, b, n)) == sign(test_libc_strncmp(a, b, n)));
			size_t n = (strlen(a) < strlen(b) ? strlen(a) : strlen(b)) + 1;
			EXPECT(sign(memcmp(a, b, n)) == sign(test_memcmp(a, b, n)));
		}
	EXPECT(memcmp("x", "y", 0) == 0);
}

TEST(string, strlen_strnlen)
{
	EXPECT_EQ_U64(strlen(""), 0);
	EXPECT_EQ_U64(strlen("flotilla"), 8);
	EXPECT_EQ_U64(strnlen("flotilla", 3), 3);
	EXPECT_EQ_U64(strnlen("ab", 10), 2);
	EXPECT_EQ_U64(strnlen("ab", 0), 0);
	char unterminated[4] = { 'a', 'b', 'c', 'd' };  /* ASan catches a read past max */
	EXPECT_EQ_U64(strnlen(unterminated, sizeof(unterminated)), 4);
}

TEST(string, strchr_strrchr_like_glibc)
{
	const char *s = "a/b/c//\x80z";
	const int cs[] = { 'a', '/', 'c', 'z', 'q', '\0', 0x80, 0x180, -128 };
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		EXPECT(strchr(s, cs[i]) == test_libc_strchr(s, cs[i]));
		EXPECT(strrchr(s, cs[i]) == test_libc_strrchr(s, cs[i]));
	}
	EXPECT(strchr(s, '/') == s + 1);
	EXPECT(strrchr(s, '/') == s + 6);
	EXPECT(strchr(s, '\0') == s + 9);               /* the terminator is part of the string */
	EXPECT(strchr("", 'a') == NULL);
}

TEST(string, strlcpy_truncates_and_terminates)
{
	char buf[6];
	EXPECT_EQ_U64(strlcpy(buf, "hello world", sizeof(buf)), 11);
	EXPECT_EQ_STR(buf, "hello");
	EXPECT_EQ_U64(strlcpy(buf, "12345", sizeof(buf)), 5);  /* exactly fits */
	EXPECT_EQ_STR(buf, "12345");
	EXPECT_EQ_U64(strlcpy(buf, "123456", sizeof(buf)), 6); /* one too many */
	EXPECT_EQ_STR(buf, "12345");
	EXPECT_EQ_U64(strlcpy(buf, "hi", sizeof(buf)), 2);
	EXPECT_EQ_STR(buf, "hi");
	buf[0] = 'x';
	EXPECT_EQ_U64(strlcpy(buf, "abc", 0), 3);
	EXPECT(buf[0] == 'x');
	EXPECT_EQ_U64(strlcpy(buf, "abc", 1), 3);
	EXPECT_EQ_STR(buf, "");
}

/* Parses s (a C string) in the given base; the value is left at 777 on failure. */
static int parse(const char *s, unsigned base, uint64_t *v)
{
	*v = 777;
	return str_to_u64(s, strlen(s), base, v);
}

TEST(string, str_to_u64_bases_and_prefixes)
{
	uint64_t v;
	EXPECT(parse("12345", 10, &v) == 0 && v == 12345);
	EXPECT(parse("0x1F", 0, &v) == 0 && v == 31);
	EXPECT(parse("0X1f", 0, &v) == 0 && v == 31);
	EXPECT(parse("017", 0, &v) == 0 && v == 15);
	EXPECT(parse("0", 0, &v) == 0 && v == 0);
	EXPECT(parse("00000000000000000000000042", 10, &v) == 0 && v == 42);
	EXPECT(parse("ff", 16, &v) == 0 && v == 255);
	EXPECT(parse("DeadBeef", 16, &v) == 0 && v == 0xdeadbeef);
	EXPECT(parse("101", 2, &v) == 0 && v == 5);
	EXPECT(parse("zz", 36, &v) == 0 && v == 35 * 36 + 35);
	EXPECT(parse("0x10", 16, &v) == -EINVAL && v == 777);  /* prefixes only with base 0 */
}

TEST(string, str_to_u64_reads_only_len_bytes)
{
	uint64_t v = 0;
	const char digits[3] = { '1', '2', '3' };       /* no terminator; ASan guards the end */
	EXPECT(str_to_u64(digits, sizeof(digits), 10, &v) == 0 && v == 123);
	EXPECT(str_to_u64("123junk", 3, 10, &v) == 0 && v == 123);
	EXPECT(str_to_u64("0x1fzz", 4, 0, &v) == 0 && v == 31);
	EXPECT(str_to_u64("0x1f", 1, 0, &v) == 0 && v == 0);
}

TEST(string, str_to_u64_overflow_at_2_to_the_64)
{
	uint64_t v;
	EXPECT(parse("18446744073709551615", 10, &v) == 0 && v == UINT64_MAX);
	EXPECT(parse("18446744073709551616", 10, &v) == -ERANGE && v == 777);
	EXPECT(parse("18446744073709551620", 10, &v) == -ERANGE);
	EXPECT(parse("99999999999999999999", 10, &v) == -ERANGE);
	EXPECT(parse("0xffffffffffffffff", 0, &v) == 0 && v == UINT64_MAX);
	EXPECT(parse("0x10000000000000000", 0, &v) == -ERANGE);
	EXPECT(parse("01777777777777777777777", 0, &v) == 0 && v == UINT64_MAX);
	EXPECT(parse("02000000000000000000000", 0, &v) == -ERANGE);
	EXPECT(parse("1111111111111111111111111111111111111111111111111111111111111111", 2, &v) == 0 &&
	       v == UINT64_MAX);
	EXPECT(parse("10000000000000000000000000000000000000000000000000000000000000000", 2,
		     &v) == -ERANGE);
}

TEST(string, str_to_u64_rejects_empty_and_junk)
{
	uint64_t v;
	EXPECT(parse("", 10, &v) == -EINVAL && v == 777);
	EXPECT(parse("", 0, &v) == -EINVAL);
	EXPECT(parse("0x", 0, &v) == -EINVAL);
	EXPECT(parse("12a", 10, &v) == -EINVAL && v == 777);
	EXPECT(parse("-1", 10, &v) == -EINVAL);
	EXPECT(parse("+1", 10, &v) == -EINVAL);
	EXPECT(parse(" 1", 10, &v) == -EINVAL);
	EXPECT(parse("1 ", 10, &v) == -EINVAL);
	EXPECT(parse("08", 0, &v) == -EINVAL);
	EXPECT(parse("0x1g", 0, &v) == -EINVAL);
	EXPECT(parse("2", 2, &v) == -EINVAL);
	EXPECT(parse("1", 1, &v) == -EINVAL);
	EXPECT(parse("1", 37, &v) == -EINVAL);
}
