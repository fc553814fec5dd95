/* What every frame our stack sends must be, checked by the fuzz harnesses' transmit
 * function (frame_check.c); a TCP segment is handed back parsed. */
#ifndef TESTS_FUZZ_FRAME_CHECK_H
#define TESTS_FUZZ_FRAME_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/net.h"

struct sent_tcp {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack, len;         /* len: data bytes */
	uint8_t flags;
	uint16_t win;
};

/* Checks one frame nif sent (stops the run on anything malformed: FUZZ_CHECK). Returns true
 * with *t filled in when it carries a TCP segment. */
bool frame_check(const struct netif *nif, const uint8_t *f, size_t len, struct sent_tcp *t);

#endif
