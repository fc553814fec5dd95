/* The frames the 82599 tests hand the model's wire (tests/host/test_ixgbe*.c). */
#ifndef TESTS_IXGBE_FRAME_H
#define TESTS_IXGBE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define IXM_FRAME_LEN   60

/* A 60-byte Ethernet frame to the model's MAC holding an IPv4 header of protocol proto (6
 * TCP, 17 UDP) and the first bytes of its TCP or UDP header, src:sport -> dst:dport (host
 * order); its length. */
size_t ixm_frame(uint8_t f[IXM_FRAME_LEN], uint8_t proto, uint32_t src, uint16_t sport,
		 uint32_t dst, uint16_t dport);

#endif
