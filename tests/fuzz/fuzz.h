/* What the fuzz harnesses share (tests/fuzz/README.md): the libFuzzer entry point and a check
 * that stops the run, so libFuzzer saves the input as a crash, when a property the harness
 * asserts is broken. Built with clang -fsanitize=fuzzer,address,undefined (fuzz.mk). */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken property: named on standard error, then abort(), which libFuzzer reports as a
 * crash and saves the input that caused it. */
#define FUZZ_CHECK(cond, ...)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz check failed at %s:%d: %s: ",     \
				__FILE__, __LINE__, #cond);                     \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/* A copy of data in a buffer of exactly size bytes, so that AddressSanitizer sees a read one
 * byte past the end. The caller frees it. */
static inline uint8_t *fuzz_dup(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	for (size_t i = 0; i < size; i++)
		p[i] = data[i];
	return p;
}

#endif
