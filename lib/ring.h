/* Index helpers for single-producer, single-consumer rings of power-of-two size.
 *
 * Indexes are free-running uint32_t counters: the producer alone advances prod, the consumer
 * alone advances cons, and neither is ever reduced modulo the size. The number of entries in
 * use is prod - cons, which stays right across the 2^32 wrap because unsigned arithmetic is
 * modular; a slot is index & (size - 1). One entry per slot, no slot wasted on telling full
 * from empty.
 */
#ifndef LIB_RING_H
#define LIB_RING_H

#include <stdbool.h>
#include <stdint.h>

#define RING_IS_POW2(n) ((n) != 0 && ((n) & ((n) - 1)) == 0)

static inline uint32_t ring_mask(uint32_t size) { return size - 1; }
static inline uint32_t ring_slot(uint32_t idx, uint32_t size) { return idx & (size - 1); }
static inline uint32_t ring_used(uint32_t prod, uint32_t cons) { return prod - cons; }
static inline bool ring_empty(uint32_t prod, uint32_t cons) { return prod == cons; }

static inline uint32_t ring_free(uint32_t prod, uint32_t cons, uint32_t size)
{
	return size - (prod - cons);
}

static inline bool ring_full(uint32_t prod, uint32_t cons, uint32_t size)
{
	return prod - cons == size;
}

#endif
