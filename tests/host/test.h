/* A small unit-test framework for host tests: TEST() registers a test, EXPECT_*() records a
 * failure and goes on. main.c runs them and prints PASS/FAIL lines. */
#ifndef TESTS_HOST_TEST_H
#define TESTS_HOST_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct host_test {
	const char *suite, *name;
	void (*fn)(void);
	struct host_test *next;
};

void test_register(struct host_test *t);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(suite, name)                                                               \
	static void test_##suite##_##name(void);                                        \
	static struct host_test rec_##suite##_##name = { #suite, #name,                 \
							 test_##suite##_##name, NULL }; \
	__attribute__((constructor)) static void reg_##suite##_##name(void)             \
	{                                                                               \
		test_register(&rec_##suite##_##name);                                   \
	}                                                                               \
	static void test_##suite##_##name(void)

#define EXPECT(c)                                                                       \
	do {                                                                            \
		if (!(c))                                                               \
			test_fail(__FILE__, __LINE__, "expected %s", #c);               \
	} while (0)

#define EXPECT_EQ_U64(a, b)                                                             \
	do {                                                                            \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_)                                                           \
			test_fail(__FILE__, __LINE__, "%s == %s: %llu vs %llu", #a, #b, a_, b_); \
	} while (0)

#define EXPECT_EQ_STR(a, b)                                                             \
	do {                                                                            \
		const char *a_ = (a), *b_ = (b);                                        \
		if (!a_ || !b_ || test_strcmp(a_, b_) != 0)                             \
			test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", #a, #b, \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)");              \
	} while (0)

#define EXPECT_EQ_MEM(a, b, n) test_expect_mem(__FILE__, __LINE__, #a, #b, (a), (b), (n))

/* Fails, naming the first byte that differs, unless a and b hold the same n bytes. */
void test_expect_mem(const char *file, int line, const char *an, const char *bn, const void *a,
		     const void *b, size_t n);

/* The C library's versions, to compare lib/ against when lib/ has renamed its own. */
int test_strcmp(const char *a, const char *b);
int test_memcmp(const void *a, const void *b, size_t n);
void *test_libc_memmove(void *dst, const void *src, size_t n);
int test_libc_strncmp(const char *a, const char *b, size_t n);
char *test_libc_strchr(const char *s, int c);
char *test_libc_strrchr(const char *s, int c);
int test_libc_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int test_libc_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
