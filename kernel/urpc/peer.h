/* URPC, this kernel's side: its ends of the channels (kernel/urpc/urpc.h) to and from every other
 * kernel, found in the shared region (kernel/urpc/shared.h); dispatch of each message to the
 * handler registered for its type (kernel/urpc/msg.h), with the messages dropped for having
 * no handler or the wrong length counted; the sleep/wake-up protocol; peer liveness. */
#ifndef KERNEL_PEER_H
#define KERNEL_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/urpc/msg.h"

typedef void (*peer_handler_fn)(unsigned from, const struct urpc_msg *m);

int peer_init(void);
bool peer_ready(void);
/* fn takes every message of `type` whose payload is min_len to max_len bytes long; one of
 * another length is counted (peer_malformed_messages) and never reaches fn, so a handler
 * reads only bytes its sender wrote. The table has a slot for every type a header can
 * carry (8 bits), so no registered type can fall outside it. */
void peer_register(uint8_t type, peer_handler_fn fn, uint8_t min_len, uint8_t max_len);
/* The usual case: a payload of exactly one `struct`. */
#define PEER_REGISTER_STRUCT(type, fn, st) \
	peer_register((type), (fn), sizeof(st), sizeof(st))
/* Non-blocking send; wakes the receiver if it sleeps. -EAGAIN when its ring is full. */
int peer_send(unsigned to, uint16_t type, uint8_t flags, const void *payload, size_t len);
/* Sends, polling this kernel's own channels while the ring stays full; gives up with
 * -EHOSTDOWN when the receiver dies or -ETIMEDOUT after timeout_ms. */
int peer_send_wait(unsigned to, uint16_t type, uint8_t flags, const void *payload, size_t len,
		   unsigned timeout_ms);
/* Takes every pending message and runs its handler; returns how many. */
unsigned peer_poll(void);
/* Sleeps until an interrupt (a wake-up IPI or the tick) unless a message is pending. */
void peer_idle(void);
void peer_tick(void);
bool peer_alive(unsigned core);
void peer_set_state(unsigned state);
/* Messages dropped since boot: of a type no handler is registered for; of a length outside
 * its handler's range. The shell's `kernels` shows both (struct sys_kinfo). */
uint64_t peer_unknown_messages(void);
uint64_t peer_malformed_messages(void);

#endif
