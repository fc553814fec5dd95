/* Tests of lib/cmdline.c. */
#include <string.h>
#include "tests/host/test.h"
#include "lib/cmdline.h"
#include "lib/errno.h"

TEST(cmdline, get_values_and_bare_keys)
{
	char v[32];
	const char *cl = "loglevel=debug  ktest=a,b quiet x=";
	EXPECT_EQ_U64(cmdline_get(cl, "loglevel", v, sizeof(v)), 5);
	EXPECT_EQ_STR(v, "debug");
	EXPECT_EQ_U64(cmdline_get(cl, "ktest", v, sizeof(v)), 3);
	EXPECT_EQ_STR(v, "a,b");
	EXPECT_EQ_U64(cmdline_get(cl, "quiet", v, sizeof(v)), 0);
	EXPECT_EQ_STR(v, "");
	EXPECT_EQ_U64(cmdline_get(cl, "x", v, sizeof(v)), 0);
	EXPECT(cmdline_get(cl, "missing", v, sizeof(v)) == -ENOENT);
	EXPECT(cmdline_get("", "a", v, sizeof(v)) == -ENOENT);
	EXPECT(cmdline_get(cl, "", v, sizeof(v)) == -ENOENT);
}

TEST(cmdline, keys_match_whole_words)
{
	char v[16];
	EXPECT(!cmdline_has("loglevel=3", "log"));
	EXPECT(!cmdline_has("xlog=1", "log"));
	EXPECT(cmdline_has("xlog=1 log", "log"));
	EXPECT(cmdline_get("logx=1", "log", v, sizeof(v)) == -ENOENT);
}

TEST(cmdline, last_occurrence_wins)
{
	char v[16];
	EXPECT_EQ_U64(cmdline_get("a=1 b=2 a=333", "a", v, sizeof(v)), 3);
	EXPECT_EQ_STR(v, "333");
}

TEST(cmdline, truncation_reports_enospc)
{
	char v[4];
	EXPECT(cmdline_get("k=abcdef", "k", v, sizeof(v)) == -ENOSPC);
	EXPECT_EQ_STR(v, "abc");
	EXPECT(cmdline_get("k=abc", "k", v, sizeof(v)) == 3);
	EXPECT(cmdline_get("k=abc", "k", v, 0) == -ENOSPC);
}

TEST(cmdline, numbers)
{
	uint64_t n = 0;
	EXPECT(cmdline_get_u64("hb=30", "hb", &n) == 0 && n == 30);
	EXPECT(cmdline_get_u64("hb=0x20", "hb", &n) == 0 && n == 32);
	EXPECT(cmdline_get_u64("hb=3x", "hb", &n) == -EINVAL);
	EXPECT(cmdline_get_u64("hb", "hb", &n) == -EINVAL);
	EXPECT(cmdline_get_u64("hb=", "hb", &n) == -EINVAL);
	EXPECT(cmdline_get_u64("hb=99999999999999999999", "hb", &n) == -ERANGE);
	EXPECT(cmdline_get_u64("", "hb", &n) == -ENOENT);
}

TEST(cmdline, comma_lists)
{
	EXPECT(cmdline_list_contains("a,bb,c", "bb"));
	EXPECT(cmdline_list_contains("a,bb,c", "a"));
	EXPECT(cmdline_list_contains("a,bb,c", "c"));
	EXPECT(!cmdline_list_contains("a,bb,c", "b"));
	EXPECT(!cmdline_list_contains("a,bb,c", "bb,c"));
	EXPECT(!cmdline_list_contains("", "a"));
	EXPECT(!cmdline_list_contains("a,,b", ""));
	EXPECT(!cmdline_list_contains("a,", ""));
	EXPECT(!cmdline_list_contains("", ""));
	EXPECT(cmdline_list_contains("a,", "a"));
	EXPECT(cmdline_list_contains(",a", "a"));
	EXPECT(cmdline_list_contains("only", "only"));
	EXPECT(!cmdline_list_contains("only", "onl"));
	EXPECT(!cmdline_list_contains("onl", "only"));
}

TEST(cmdline, value_at_end_and_odd_spacing)
{
	char v[16];
	const char *cl = "  quiet\tcpus=4\nroot=/dev/sda1  ";
	EXPECT_EQ_U64(cmdline_get(cl, "root", v, sizeof(v)), 9);
	EXPECT_EQ_STR(v, "/dev/sda1");
	EXPECT_EQ_U64(cmdline_get(cl, "cpus", v, sizeof(v)), 1);
	EXPECT_EQ_STR(v, "4");
	EXPECT(cmdline_has(cl, "quiet"));
	EXPECT_EQ_U64(cmdline_get("k=end", "k", v, sizeof(v)), 3);
	EXPECT_EQ_STR(v, "end");
	EXPECT(cmdline_get("   ", "k", v, sizeof(v)) == -ENOENT);
}

/* Only the first '=' splits key from value; a key's name inside a value is not the key. */
TEST(cmdline, equals_in_values_and_keys_in_values)
{
	char v[16];
	EXPECT_EQ_U64(cmdline_get("opt=a=b", "opt", v, sizeof(v)), 3);
	EXPECT_EQ_STR(v, "a=b");
	EXPECT(!cmdline_has("opt=log", "log"));
	EXPECT(!cmdline_has("opt=log=1", "log"));
	EXPECT(cmdline_get("a=log=2", "log", v, sizeof(v)) == -ENOENT);
}

TEST(cmdline, last_occurrence_wins_between_bare_and_valued)
{
	char v[16];
	uint64_t n = 0;
	EXPECT_EQ_U64(cmdline_get("a=1 a", "a", v, sizeof(v)), 0);
	EXPECT_EQ_STR(v, "");
	EXPECT_EQ_U64(cmdline_get("a a=22", "a", v, sizeof(v)), 2);
	EXPECT_EQ_STR(v, "22");
	EXPECT(cmdline_get_u64("n=1 m=5 n=0x10", "n", &n) == 0 && n == 16);
	EXPECT(cmdline_get_u64("n=1 n=bad", "n", &n) == -EINVAL);
}

TEST(cmdline, missing_command_line)
{
	char v[4] = "xyz";
	uint64_t n = 7;
	EXPECT(!cmdline_has(NULL, "a"));
	EXPECT(cmdline_get(NULL, "a", v, sizeof(v)) == -ENOENT);
	EXPECT_EQ_STR(v, "xyz");
	EXPECT(cmdline_get_u64(NULL, "a", &n) == -ENOENT && n == 7);
	EXPECT(!cmdline_list_contains(NULL, "a"));
}

TEST(cmdline, truncation_keeps_output_terminated)
{
	char v[8];
	for (size_t sz = 1; sz <= sizeof(v); sz++) {
		int r = cmdline_get("key=abcdef", "key", v, sz);
		EXPECT(r == (sz > 6 ? 6 : -ENOSPC));
		EXPECT_EQ_U64(strnlen(v, sizeof(v)), sz - 1 < 6 ? sz - 1 : 6);
	}
}
