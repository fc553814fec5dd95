/* Host test runner: runs every registered test (or those whose "suite.name" contains
 * argv[1]) and prints "PASS host.suite.name" / "FAIL host.suite.name: ..." lines, then
 * "host: N passed, M failed". A test still running after TEST_SECONDS fails by name and
 * ends the run: a hang must not pass for a slow test. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "tests/host/test.h"

static struct host_test *tests_head, **tests_tail = &tests_head;
static int current_failed;
static const struct host_test *current;

void test_register(struct host_test *t)
{
	*tests_tail = t;
	tests_tail = &t->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	if (!current_failed)
		printf("FAIL host.%s.%s: ", current->suite, current->name);
	else
		printf("     ... also: ");
	printf("%s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	current_failed++;
}

void test_expect_mem(const char *file, int line, const char *an, const char *bn, const void *a,
		     const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i]) {
			test_fail(file, line, "%s == %s: byte %zu of %zu is 0x%02x vs 0x%02x", an, bn,
				  i, n, x[i], y[i]);
			return;
		}
	}
}

int test_strcmp(const char *a, const char *b) { return strcmp(a, b); }

int test_libc_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return vsnprintf(buf, n, fmt, ap);
}
int test_libc_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int test_memcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }
void *test_libc_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
int test_libc_strncmp(const char *a, const char *b, size_t n) { return strncmp(a, b, n); }
char *test_libc_strchr(const char *s, int c) { return strchr(s, c); }
char *test_libc_strrchr(const char *s, int c) { return strrchr(s, c); }

/* Under the sanitizers on a loaded machine the slowest test takes a few seconds. */
#ifndef TEST_SECONDS
#define TEST_SECONDS 120
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

/* SIGALRM: names the test that hung, with what is safe in a signal handler. */
static void on_alarm(int sig)
{
	static const char head[] = "FAIL host.";
	static const char tail[] = ": still running after " STR(TEST_SECONDS) " s, killed\n";
	(void)sig;
	if (write(1, head, sizeof(head) - 1) < 0 ||
	    write(1, current->suite, strlen(current->suite)) < 0 || write(1, ".", 1) < 0 ||
	    write(1, current->name, strlen(current->name)) < 0 ||
	    write(1, tail, sizeof(tail) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	char full[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	for (struct host_test *t = tests_head; t; t = t->next) {
		snprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
		if (argc > 1 && !strstr(full, argv[1]))
			continue;
		current = t;
		current_failed = 0;
		alarm(TEST_SECONDS);
		t->fn();
		alarm(0);
		if (current_failed) {
			failed++;
		} else {
			passed++;
			printf("PASS host.%s\n", full);
		}
	}
	printf("host: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
