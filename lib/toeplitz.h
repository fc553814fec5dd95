/* The Toeplitz hash that NICs compute for receive-side scaling (RSS), in software: the flow
 * hash of a received TCP/IPv4 segment, which picks the queue (and so the kernel) a NIC sends
 * it to. Computing it here lets a kernel check what the NIC did, and lets a NIC without RSS
 * (the e1000) be steered in software by the same function.
 *
 * The input is the packet's fields in network byte order, in this order: source address,
 * destination address, then for TCP source port and destination port. Bit i of the input
 * (most significant bit of each byte first) that is set XORs into the result the 32 key bits
 * starting at key bit i. */
#ifndef LIB_TOEPLITZ_H
#define LIB_TOEPLITZ_H

#include <stddef.h>
#include <stdint.h>

#define RSS_KEY_LEN     40      /* the 82576's and 82599's key: enough for IPv6 4-tuples */

/* The key of Microsoft's RSS verification suite, whose published hashes check an
 * implementation; many drivers also take it as their default key. */
extern const uint8_t rss_key_default[RSS_KEY_LEN];

/* The key Flotilla programs into NICs (DESIGN.md section 4): both directions of a flow hash
 * alike. Its 32-bit windows repeat every 16 bits, so moving input bits by a multiple of 16
 * changes nothing, and swapping the addresses (32 bits apart) and the ports (16 apart) is
 * such a move. The price: the hash depends only on the XOR of the input's 16-bit words, 16
 * bits of the tuple, which still spreads flows evenly over 128 redirection buckets. */
extern const uint8_t rss_key_symmetric[RSS_KEY_LEN];

/* The hash of len input bytes; the key must be at least len + 4 bytes long. */
uint32_t toeplitz_hash(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len);
/* Addresses and ports in host order, as the packet carries them (source first). */
uint32_t toeplitz_ipv4(const uint8_t key[RSS_KEY_LEN], uint32_t src, uint32_t dst);
uint32_t toeplitz_ipv4_tcp(const uint8_t key[RSS_KEY_LEN], uint32_t src, uint32_t dst,
			   uint16_t sport, uint16_t dport);

#endif
