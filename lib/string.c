/* Freestanding string and memory functions. memcpy and memset move eight bytes at a time
 * with the string instructions (REP MOVSQ / STOSQ, then the 0-7 byte tail): every packet and
 * every URPC message goes through them, and under QEMU's TCG a byte loop costs several host
 * instructions per byte (measured in docs/BENCHMARKS.md). The System V ABI and the kernel's
 * entry paths (cld on traps, DF in IA32_FMASK) keep the direction flag clear. */
#include "lib/string.h"
#include "lib/errno.h"

/* Build with -fno-tree-loop-distribute-patterns: otherwise GCC may recognize the loops below
 * as memset/memcpy and compile them into calls to themselves. */

#if defined(__SANITIZE_THREAD__)
/* ThreadSanitizer cannot see memory touched by inline assembly: plain loops keep the URPC
 * stress test's payload copies visible to it. */
static void copy_forward(void *d, const void *s, size_t n)
{
	unsigned char *dd = d;
	const unsigned char *ss = s;
	while (n--)
		*dd++ = *ss++;
}

static void fill(void *d, int c, size_t n)
{
	unsigned char *dd = d;
	while (n--)
		*dd++ = (unsigned char)c;
}
#else
#define STRING_OP_MIN 64        /* below this, REP's start-up costs more than a word loop */

/* In ascending addresses: also right for overlapping buffers with the destination below the
 * source, since each word is loaded before it is stored and REP MOVS is defined as its
 * iterations done in order (SDM 2B MOVS). */
static void copy_forward(void *d, const void *s, size_t n)
{
	if (n < STRING_OP_MIN) {
		unsigned char *dd = d;
		const unsigned char *ss = s;
		for (; n >= 8; n -= 8, dd += 8, ss += 8) {
			uint64_t w;
			__builtin_memcpy(&w, ss, 8);    /* one unaligned load and store */
			__builtin_memcpy(dd, &w, 8);
		}
		while (n--)
			*dd++ = *ss++;
		return;
	}
	size_t words = n / 8, tail = n % 8;
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(tail) : : "memory");
}

static void fill(void *d, int c, size_t n)
{
	size_t words = n / 8, tail = n % 8;
	uint64_t v = (unsigned char)c * 0x0101010101010101ull;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(v) : "memory");
}
#endif

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	fill(dst, c, n);
	return dst;
}

/* Copies backwards when the destination starts inside the source. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		copy_forward(d, s, n);
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

int str_to_u64(const char *s, size_t len, unsigned base, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	if (base == 0) {
		base = 10;
		if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			i = 2;
		} else if (len >= 2 && s[0] == '0') {
			base = 8;
			i = 1;
		}
	}
	if (base < 2 || base > 36 || i >= len)
		return -EINVAL;
	for (; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}
