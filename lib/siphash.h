/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash, for values an attacker
 * must not predict or collide: TCP initial sequence numbers (RFC 6528), SYN cookies and the
 * connection table's buckets. */
#ifndef LIB_SIPHASH_H
#define LIB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0, k1;
};

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len);

#endif
