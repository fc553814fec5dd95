/* Freestanding string and memory functions. Host tests build them under other names
 * (LIB_HOST_TEST) so they can be checked beside the C library's own. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>
#include <stdint.h>

#ifdef LIB_HOST_TEST
#define memcpy   flt_memcpy
#define memmove  flt_memmove
#define memset   flt_memset
#define memcmp   flt_memcmp
#define strlen   flt_strlen
#define strnlen  flt_strnlen
#define strcmp   flt_strcmp
#define strncmp  flt_strncmp
#define strchr   flt_strchr
#define strrchr  flt_strrchr
#define strlcpy  flt_strlcpy
#endif

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copies at most size-1 bytes and terminates; returns strlen(src) (BSD). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/* Parses an unsigned number from exactly the first len bytes of s (no terminator needed;
 * no sign or white space). base 0 takes 0x (hex) and 0 (octal) prefixes; bases 2..36 take
 * digits only. Returns 0, -EINVAL (empty or junk) or -ERANGE; *out is set only on success. */
int str_to_u64(const char *s, size_t len, unsigned base, uint64_t *out);

#endif
