/* Tests of lib/string.c: each function against a plain reference or known answers. */
#include "tests/host/test.h"
#include "lib/errno.h"
#include "lib/string.h"

/* memmove through a scratch copy: what the overlap must look like afterwards. */
static void ref_memmove(unsigned char *buf, size_t dst, size_t src, size_t n)
{
	unsigned char tmp[256];
	for (size_t i = 0; i < n; i++)
		tmp[i] = buf[src + i];
	for (size_t i = 0; i < n; i++)
		buf[dst + i] = tmp[i];
}

TEST(string, memmove_overlaps_both_directions)
{
	unsigned char a[128], b[128];
	for (size_t dst = 0; dst < 40; dst += 3)
		for (size_t src = 0; src < 40; src += 5)
			for (size_t n = 0; n < 60; n += 7) {
				for (int i = 0; i < 128; i++)
					a[i] = b[i] = (unsigned char)(i * 7 + 1);
				memmove(a + dst, a + src, n);
				ref_memmove(b, dst, src, n);
				EXPECT_EQ_MEM(a, b, sizeof(a));
			}
}

TEST(string, memcpy_memset_memcmp)
{
	unsigned char a[33], b[33];
	memset(a, 0xAB, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		EXPECT_EQ_U64(a[i], 0xAB);
	EXPECT(memcpy(b, a, sizeof(a)) == b);
	EXPECT_EQ_MEM(a, b, sizeof(a));
	EXPECT(memcmp(a, b, sizeof(a)) == 0);
	b[32] = 0xAC;
	EXPECT(memcmp(a, b, 33) < 0);
	EXPECT(memcmp(b, a, 33) > 0);
	EXPECT(memcmp(a, b, 32) == 0);
	a[0] = 0xFF;    /* bytes compare as unsigned */
	b[0] = 0x01;
	EXPECT(memcmp(a, b, 1) > 0);
	EXPECT(memcmp(a, b, 0) == 0);
}

TEST(string, strlen_strnlen)
{
	EXPECT_EQ_U64(strlen(""), 0);
	EXPECT_EQ_U64(strlen("flotilla"), 8);
	EXPECT_EQ_U64(strnlen("flotilla", 3), 3);
	EXPECT_EQ_U64(strnlen("ab", 10), 2);
	EXPECT_EQ_U64(strnlen("ab", 0), 0);
}

TEST(string, strcmp_strncmp_order_and_sign)
{
	EXPECT(strcmp("abc", "abc") == 0);
	EXPECT(strcmp("abc", "abd") < 0);
	EXPECT(strcmp("abd", "abc") > 0);
	EXPECT(strcmp("ab", "abc") < 0);
	EXPECT(strcmp("abc", "ab") > 0);
	EXPECT(strcmp("\xff", "a") > 0);        /* unsigned char order */
	EXPECT(strncmp("abcX", "abcY", 3) == 0);
	EXPECT(strncmp("abcX", "abcY", 4) < 0);
	EXPECT(strncmp("ab", "ab", 10) == 0);
	EXPECT(strncmp("a", "b", 0) == 0);
}

TEST(string, strchr_strrchr)
{
	const char *s = "a/b/c";
	EXPECT(strchr(s, '/') == s + 1);
	EXPECT(strrchr(s, '/') == s + 3);
	EXPECT(strchr(s, 'z') == NULL);
	EXPECT(strrchr(s, 'z') == NULL);
	EXPECT(strchr(s, '\0') == s + 5);       /* the terminator is part of the string */
	EXPECT(strrchr(s, '\0') == s + 5);
}

TEST(string, strlcpy_truncates_and_terminates)
{
	char buf[6];
	EXPECT_EQ_U64(strlcpy(buf, "hello world", sizeof(buf)), 11);
	EXPECT_EQ_STR(buf, "hello");
	EXPECT_EQ_U64(strlcpy(buf, "hi", sizeof(buf)), 2);
	EXPECT_EQ_STR(buf, "hi");
	buf[0] = 'x';
	EXPECT_EQ_U64(strlcpy(buf, "abc", 0), 3);
	EXPECT(buf[0] == 'x');
	EXPECT_EQ_U64(strlcpy(buf, "abc", 1), 3);
	EXPECT_EQ_STR(buf, "");
}

TEST(string, str_to_u64_bases_and_errors)
{
	uint64_t v = 0;
	EXPECT(str_to_u64("12345", 5, 10, &v) == 0 && v == 12345);
	EXPECT(str_to_u64("123junk", 3, 10, &v) == 0 && v == 123);     /* len bounds the read */
	EXPECT(str_to_u64("0x1F", 4, 0, &v) == 0 && v == 31);
	EXPECT(str_to_u64("0X1f", 4, 0, &v) == 0 && v == 31);
	EXPECT(str_to_u64("017", 3, 0, &v) == 0 && v == 15);
	EXPECT(str_to_u64("0", 1, 0, &v) == 0 && v == 0);
	EXPECT(str_to_u64("ff", 2, 16, &v) == 0 && v == 255);
	EXPECT(str_to_u64("18446744073709551615", 20, 10, &v) == 0 && v == UINT64_MAX);
	EXPECT(str_to_u64("18446744073709551616", 20, 10, &v) == -ERANGE);
	EXPECT(str_to_u64("0x10000000000000000", 19, 0, &v) == -ERANGE);
	EXPECT(str_to_u64("", 0, 10, &v) == -EINVAL);
	EXPECT(str_to_u64("0x", 2, 0, &v) == -EINVAL);
	EXPECT(str_to_u64("12a", 3, 10, &v) == -EINVAL);
	EXPECT(str_to_u64("-1", 2, 10, &v) == -EINVAL);
	EXPECT(str_to_u64("08", 2, 0, &v) == -EINVAL);
	EXPECT(str_to_u64("1", 1, 1, &v) == -EINVAL);
	EXPECT(str_to_u64("1", 1, 37, &v) == -EINVAL);
}
