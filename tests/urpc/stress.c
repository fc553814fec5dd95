/* URPC ring on the host: edge cases on one thread, then two pinned threads passing
 * 10 million messages under ThreadSanitizer with every sequence, type, length and payload byte
 * checked. Prints PASS/FAIL lines for tests/run.sh. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kernel/urpc.h"
#include "lib/errno.h"
#include "lib/string.h"

static int failures;

static void check(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS urpc.%s\n", name);
	} else {
		printf("FAIL urpc.%s: %s\n", name, why);
		failures++;
	}
}

static struct urpc_chan *chan_new(void)
{
	struct urpc_chan *c = aligned_alloc(64, sizeof(*c));
	if (!c || urpc_chan_init(c, sizeof(*c)) != 0) {
		fprintf(stderr, "urpc: cannot set up a channel\n");
		exit(2);
	}
	return c;
}

/* Payload byte k of message seq; the receiver recomputes it. */
static uint8_t pattern(uint64_t seq, unsigned k)
{
	return (uint8_t)(seq * 31 + k);
}

static size_t msg_len(uint64_t seq)
{
	return 8 + seq % 49;    /* 8 .. 56 */
}

static void fill(uint8_t *buf, uint64_t seq, size_t len)
{
	memcpy(buf, &seq, 8);
	for (size_t k = 8; k < len; k++)
		buf[k] = pattern(seq, (unsigned)k);
}

static int intact(const struct urpc_msg *m, uint64_t seq)
{
	uint64_t got;
	size_t len = URPC_HDR_LEN(m->hdr);
	if (len != msg_len(seq) || URPC_HDR_TYPE(m->hdr) != (uint16_t)(seq % 7 + 1))
		return 0;
	memcpy(&got, m->payload, 8);
	if (got != seq)
		return 0;
	for (size_t k = 8; k < len; k++)
		if (m->payload[k] != pattern(seq, (unsigned)k))
			return 0;
	return 1;
}

static int send_seq(struct urpc_tx *tx, uint64_t seq)
{
	uint8_t buf[URPC_PAYLOAD];
	size_t len = msg_len(seq);
	fill(buf, seq, len);
	return urpc_send(tx, (uint16_t)(seq % 7 + 1), 0, buf, len);
}

static void test_edges(void)
{
	struct urpc_chan *c = chan_new();
	struct urpc_tx tx;
	struct urpc_rx rx;
	struct urpc_msg m;
	uint8_t big[URPC_PAYLOAD + 1] = { 0 };
	int ok = 1;

	urpc_tx_init(&tx, c);
	urpc_rx_init(&rx, c);
	check(urpc_recv(&rx, &m) == -EAGAIN && !urpc_rx_pending(&rx), "empty_ring_gives_eagain", "got a message");
	for (uint64_t s = 0; s < URPC_SLOTS; s++)
		ok &= send_seq(&tx, s) == 0;
	check(ok, "ring_takes_exactly_urpc_slots", "a send into a non-full ring failed");
	check(send_seq(&tx, 999) == -EAGAIN, "full_ring_pushes_back", "send into a full ring succeeded");
	check(urpc_tx_inflight(&tx) == URPC_SLOTS, "inflight_counts_the_full_ring", "wrong count");
	check(urpc_recv(&rx, &m) == 0 && intact(&m, 0), "full_ring_overwrites_nothing", "first message damaged");
	/* Slots come back in batches of URPC_ACK_BATCH (or when the receiver runs dry). */
	check(send_seq(&tx, URPC_SLOTS) == -EAGAIN, "one_recv_is_not_acknowledged_alone", "slot came back early");
	ok = 1;
	for (uint64_t s = 1; s < URPC_ACK_BATCH; s++)
		ok &= urpc_recv(&rx, &m) == 0 && intact(&m, s);
	for (uint64_t s = URPC_SLOTS; s < URPC_SLOTS + URPC_ACK_BATCH; s++)
		ok &= send_seq(&tx, s) == 0;
	check(ok && send_seq(&tx, 999) == -EAGAIN, "a_batch_of_recvs_frees_a_batch_of_slots",
	      "wrong number of slots came back");
	ok = 1;
	for (uint64_t s = URPC_ACK_BATCH; s < URPC_SLOTS + URPC_ACK_BATCH; s++)
		ok &= urpc_recv(&rx, &m) == 0 && intact(&m, s);
	check(ok && urpc_recv(&rx, &m) == -EAGAIN, "drains_in_order", "order or content wrong");
	check(urpc_tx_inflight(&tx) == 0, "running_dry_gives_every_slot_back", "slots still held");
	check(urpc_send(&tx, 1, 0, big, sizeof(big)) == -EINVAL, "oversized_payload_is_einval", "accepted 57 bytes");
	check(urpc_send(&tx, 3, 0x80, NULL, 0) == 0 && urpc_recv(&rx, &m) == 0 &&
	      URPC_HDR_LEN(m.hdr) == 0 && URPC_HDR_TYPE(m.hdr) == 3 && URPC_HDR_FLAGS(m.hdr) == 0x80,
	      "empty_message_keeps_type_and_flags", "header wrong");
	check(urpc_chan_init((uint8_t *)c + 8, sizeof(*c)) == -EINVAL, "init_rejects_misaligned", "accepted");
	check(urpc_chan_init(c, sizeof(*c) - 1) == -EINVAL, "init_rejects_too_small", "accepted");
	free(c);
}

/* Counters that wrap past 2^32 while messages flow. */
static void test_wrap(void)
{
	struct urpc_chan *c = chan_new();
	struct urpc_tx tx;
	struct urpc_rx rx;
	struct urpc_msg m;
	const uint32_t start = UINT32_MAX - 10;
	int ok = 1;

	/* Both ends agree on a count near the wrap, as if 2^32 - 11 messages had passed. */
	c->cons = start;
	/* Each slot holds the last message the previous lap put there: message m (sequence
	 * m + 1) lives in slot m mod URPC_SLOTS. */
	for (uint32_t i = 0; i < URPC_SLOTS; i++) {
		uint32_t m = start - 1 - ((start - 1 - i) & (URPC_SLOTS - 1));
		c->slots[i].hdr = (uint64_t)(uint32_t)(m + 1) << 32;
	}
	urpc_tx_init(&tx, c);
	tx.prod = tx.cons_seen = start;
	urpc_rx_init(&rx, c);
	for (uint64_t s = 0; s < 100; s++) {
		ok &= send_seq(&tx, s) == 0;
		ok &= urpc_recv(&rx, &m) == 0 && intact(&m, s);
	}
	check(ok && urpc_recv(&rx, &m) == -EAGAIN && rx.cons == start + 100,
	      "counters_wrap_past_2_32", "lost or corrupted across the wrap");
	free(c);
}

struct stress {
	struct urpc_chan *chan;
	uint64_t count, eagain, errors;
};

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);     /* best effort */
}

static void *sender(void *arg)
{
	struct stress *st = arg;
	struct urpc_tx tx;
	pin(0);
	urpc_tx_init(&tx, st->chan);
	for (uint64_t s = 0; s < st->count; ) {
		int err = send_seq(&tx, s);
		if (err == 0)
			s++;
		else if (err == -EAGAIN)
			st->eagain++;
		else
			st->errors++;
	}
	return NULL;
}

static void *receiver(void *arg)
{
	struct stress *st = arg;
	struct urpc_rx rx;
	struct urpc_msg m;
	pin(1);
	urpc_rx_init(&rx, st->chan);
	for (uint64_t s = 0; s < st->count; ) {
		if (urpc_recv(&rx, &m) != 0)
			continue;
		if (!intact(&m, s))
			st->errors++;
		s++;
	}
	return NULL;
}

static void test_stress(uint64_t count)
{
	struct stress st = { chan_new(), count, 0, 0 };
	pthread_t a, b;
	struct timespec t0, t1;
	char name[64];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&b, NULL, receiver, &st);
	pthread_create(&a, NULL, sender, &st);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("urpc: %llu messages in %.1f s (%.0f msgs/s under the sanitizer), ring full %llu times\n",
	       (unsigned long long)count, secs, (double)count / secs, (unsigned long long)st.eagain);
	snprintf(name, sizeof(name), "stress_%llu_in_order", (unsigned long long)count);
	check(st.errors == 0, name, "a message was lost, repeated, reordered or damaged");
	check(st.eagain > 0, "stress_ring_filled_and_pushed_back", "the ring never filled: push-back untested");
	free(st.chan);
}

int main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_edges();
	test_wrap();
	test_stress(count);
	printf("urpc: %d failed\n", failures);
	return failures ? 1 : 0;
}
