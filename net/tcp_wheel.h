/* A hierarchical timing wheel for TCP's timers (Varghese and Lauck, "Hashed and Hierarchical
 * Timing Wheels", SOSP 1987, scheme 7): arming and cancelling cost O(1), and a tick touches
 * only what is due, so a stack holding a hundred thousand idle connections spends nothing on
 * them per tick.
 *
 * Time is in milliseconds. Level l has 64 slots of 64^l ms each; an entry sits at the level
 * of the highest 6-bit group in which its expiry differs from the cursor (the first ms not yet
 * looked at), in the slot that group names:
 *
 *   level 0: [cursor .. end of cursor's 64 ms block]            slot = when & 63
 *   level 1: the rest of cursor's 4,096 ms block                 slot = (when >> 6) & 63
 *   level 2: the rest of cursor's 262,144 ms block               slot = (when >> 12) & 63
 *   level 3: the rest of cursor's 16,777,216 ms block (4.66 h)   slot = (when >> 18) & 63
 *   far:     later than that: looked at again each time the cursor enters a new 4.66 h block
 *
 * When the cursor reaches the first ms of a slot of level l > 0, that slot's entries move
 * down (each lands at a lower level, now that more of its high bits agree with the cursor),
 * so every entry fires in the very tick its expiry is reached, never late, and is moved at
 * most once per level on the way. A bit per slot says which slots hold entries, so the
 * cursor jumps over empty stretches: an hour with nothing due costs a few steps.
 *
 * One tick is tcp_wheel_begin(now), then tcp_wheel_take() until it returns NULL. An entry
 * armed during a tick for a time not after `now` waits for the next tick (the due list): a
 * tick hands each entry out at most once, however its owner re-arms it. */
#ifndef NET_TCP_WHEEL_H
#define NET_TCP_WHEEL_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/list.h"

#define TCP_WHEEL_BITS          6
#define TCP_WHEEL_SLOTS         (1u << TCP_WHEEL_BITS)
#define TCP_WHEEL_LEVELS        4

/* One timer, kept inside what it times. */
struct tcp_wheel_entry {
	struct list_node node;          /* a slot, the due, far or expiring list */
	uint64_t when;                  /* the expiry, ms */
	uint16_t where;                 /* level * 64 + slot, or one of the WHEEL_ values */
};

struct tcp_wheel {
	struct list_node slot[TCP_WHEEL_LEVELS][TCP_WHEEL_SLOTS];
	uint64_t busy[TCP_WHEEL_LEVELS];        /* bit s: slot s of the level holds entries */
	struct list_node due;           /* armed for a time already reached: the next tick's */
	struct list_node far;           /* beyond level 3's reach */
	struct list_node expiring;      /* reached by this tick, not handed out yet */
	uint64_t now;                   /* the latest tick's time */
	uint64_t cursor;                /* every ms before it has been looked at */
	uint64_t work;                  /* slots looked at and entries moved or handed out */
};

void tcp_wheel_init(struct tcp_wheel *w);
void tcp_wheel_entry_init(struct tcp_wheel_entry *e);
/* Armed and not yet handed out. */
bool tcp_wheel_armed(const struct tcp_wheel_entry *e);
/* Arms e to expire at when (> 0), moving it if it was armed. */
void tcp_wheel_arm(struct tcp_wheel *w, struct tcp_wheel_entry *e, uint64_t when);
/* Disarms e; harmless if it is not armed. */
void tcp_wheel_cancel(struct tcp_wheel *w, struct tcp_wheel_entry *e);
/* Starts the tick at now (time never goes back: an earlier now is taken as the last one). */
void tcp_wheel_begin(struct tcp_wheel *w, uint64_t now);
/* The next entry whose expiry is not after the tick's time, taken off the wheel; NULL when
 * no more are due this tick. */
struct tcp_wheel_entry *tcp_wheel_take(struct tcp_wheel *w);

#endif
