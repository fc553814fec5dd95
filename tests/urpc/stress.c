/* URPC ring on the host: edge cases on one thread, then two pinned threads passing
 * 10 million messages under ThreadSanitizer with every sequence, type, length and payload byte
 * checked. Prints PASS/FAIL lines for tests/run.sh. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kernel/urpc/urpc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "tests/urpc/check.h"

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
	check(urpc_send(&tx, 3, URPC_MAX_FLAGS, NULL, 0) == 0 && urpc_recv(&rx, &m) == 0 &&
	      URPC_HDR_LEN(m.hdr) == 0 && URPC_HDR_TYPE(m.hdr) == 3 &&
	      URPC_HDR_FLAGS(m.hdr) == URPC_MAX_FLAGS,
	      "empty_message_keeps_type_and_flags", "header wrong");
	check(urpc_send(&tx, URPC_MAX_TYPE + 1, 0, NULL, 0) == -EINVAL &&
	      urpc_send(&tx, 1, URPC_MAX_FLAGS + 1, NULL, 0) == -EINVAL && urpc_recv(&rx, &m) == -EAGAIN,
	      "type_or_flags_too_wide_is_einval", "accepted a field the header cannot hold");
	check(urpc_chan_init((uint8_t *)c + 8, sizeof(*c)) == -EINVAL, "init_rejects_misaligned", "accepted");
	check(urpc_chan_init(c, sizeof(*c) - 1) == -EINVAL, "init_rejects_too_small", "accepted");
	free(c);
}

/* Both ends of a channel as if `start` messages had passed; every slot holds an old message
 * whose sequence number is old_seq(slot), and the sender remembers it. */
static void set_counts(struct urpc_chan *c, struct urpc_tx *tx, struct urpc_rx *rx, uint32_t start,
		       uint32_t (*old_seq)(uint32_t start, uint32_t slot))
{
	urpc_tx_init(tx, c);
	urpc_rx_init(rx, c);
	c->cons = tx->prod = tx->cons_seen = rx->cons = rx->published = start;
	rx->skew = 0u - start;          /* both ends at slot 0 */
	for (uint32_t i = 0; i < URPC_SLOTS; i++) {
		tx->slot_seq[i] = old_seq(start, i);
		c->slots[i].hdr = (uint64_t)tx->slot_seq[i] << 32;
	}
}

static uint32_t last_lap(uint32_t start, uint32_t slot)
{
	return start - URPC_SLOTS + 1 + slot;
}

/* 2^32 messages ago, the number the next messages will carry. */
static uint32_t one_wrap_ago(uint32_t start, uint32_t slot)
{
	return start + 1 + slot;
}

/* Bursts of n messages, then all of them taken; checks order and content. */
static int bursts(struct urpc_tx *tx, struct urpc_rx *rx, unsigned rounds, uint64_t *seq)
{
	struct urpc_msg m;
	int ok = 1;
	for (unsigned r = 0; r < rounds; r++) {
		unsigned n = 1 + r % URPC_SLOTS;
		for (unsigned i = 0; i < n; i++)
			ok &= send_seq(tx, *seq + i) == 0;
		for (unsigned i = 0; i < n; i++)
			ok &= urpc_recv(rx, &m) == 0 && intact(&m, *seq + i);
		ok &= urpc_recv(rx, &m) == -EAGAIN;
		*seq += n;
	}
	return ok;
}

static void test_wrap(void)
{
	struct urpc_chan *c = chan_new();
	struct urpc_tx tx;
	struct urpc_rx rx;
	struct urpc_msg m;
	uint64_t seq = 0;

	set_counts(c, &tx, &rx, UINT32_MAX - 300, last_lap);
	check(bursts(&tx, &rx, 200, &seq) && rx.cons == (uint32_t)(UINT32_MAX - 300 + seq) && seq > 600,
	      "counters_wrap_past_2_32", "lost or corrupted across the wrap");

	/* Each slot still holds the message with the number the next one will have: the
	 * sender must spoil a slot before naming it, or the receiver takes the old message. */
	set_counts(c, &tx, &rx, 1000, one_wrap_ago);
	seq = 0;
	int ok = 1;
	for (unsigned i = 0; i < 3 * URPC_SLOTS; i++) {
		ok &= send_seq(&tx, seq) == 0 && urpc_recv(&rx, &m) == 0 && intact(&m, seq);
		ok &= urpc_recv(&rx, &m) == -EAGAIN;
		seq++;
	}
	check(ok && bursts(&tx, &rx, 2 * URPC_SLOTS, &seq),
	      "a_slot_left_2_32_messages_ago_is_not_taken_for_new",
	      "an old message was received as a new one");
	free(c);
}

/* A channel pair as two kernels hold it: A's tx and rx, B's tx and rx. */
struct pair {
	struct urpc_chan *ab, *ba;
	struct urpc_tx a_tx, b_tx;
	struct urpc_rx a_rx, b_rx;
};

static void pair_init(struct pair *p)
{
	p->ab = chan_new();
	p->ba = chan_new();
	urpc_tx_init(&p->a_tx, p->ab);
	urpc_rx_init(&p->b_rx, p->ab);
	urpc_tx_init(&p->b_tx, p->ba);
	urpc_rx_init(&p->a_rx, p->ba);
	urpc_pair(&p->a_tx, &p->a_rx);
	urpc_pair(&p->b_tx, &p->b_rx);
}

static void pair_free(struct pair *p)
{
	free(p->ab);
	free(p->ba);
}

/* Slots of a channel that ever held a message. */
static unsigned slots_used(const struct urpc_chan *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < URPC_SLOTS; i++)
		n += c->slots[i].hdr != 0;
	return n;
}

/* `n` requests and answers, the receiver never finding its ring empty, so it never publishes
 * on its line between batches: A learns that B took each request from the answer alone. */
static int exchange(struct pair *p, uint64_t n, int *acked)
{
	struct urpc_msg m;
	int ok = 1;
	for (uint64_t s = 0; s < n; s++) {
		ok &= send_seq(&p->a_tx, s) == 0 && urpc_recv(&p->b_rx, &m) == 0 && intact(&m, s);
		ok &= send_seq(&p->b_tx, s) == 0 && urpc_recv(&p->a_rx, &m) == 0 && intact(&m, s);
		*acked &= p->a_tx.cons_seen == p->a_tx.prod;    /* B's answer said so */
	}
	return ok;
}

static void test_exchange(void)
{
	struct pair p;
	struct urpc_msg m;
	int ok = 1, acked = 1, burst_ok = 1;

	/* After an even and an odd number of exchanges, so the burst starts in either slot. */
	for (uint64_t n = 1000; n <= 1001; n++) {
		pair_init(&p);
		ok &= exchange(&p, n, &acked);
		ok &= slots_used(p.ab) == 2 && slots_used(p.ba) == 2;
		/* A burst right after the exchange still gets the whole ring, then pushes back. */
		for (uint64_t s = 0; s < URPC_SLOTS; s++)
			burst_ok &= send_seq(&p.a_tx, 5000 + s) == 0;
		burst_ok &= send_seq(&p.a_tx, 9999) == -EAGAIN;
		for (uint64_t s = 0; s < URPC_SLOTS; s++)
			burst_ok &= urpc_recv(&p.b_rx, &m) == 0 && intact(&m, 5000 + s);
		burst_ok &= urpc_recv(&p.b_rx, &m) == -EAGAIN && slots_used(p.ab) == URPC_SLOTS;
		pair_free(&p);
	}
	check(acked, "answers_carry_the_acknowledgement", "the sender did not learn from the answer");
	check(ok, "an_exchange_reuses_two_slots_per_direction", "the exchange walked the ring");
	check(burst_ok, "a_burst_after_an_exchange_gets_the_whole_ring", "capacity lost or order broken");
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

/* Two threads, each sending and receiving: A sends bursts of 1..URPC_SLOTS+16 requests while
 * taking answers; B answers each request. Acknowledgements ride on the answers. */
struct duplex {
	struct pair p;
	uint64_t count, errors, eagain;
};

static void *duplex_a(void *arg)
{
	struct duplex *d = arg;
	struct urpc_msg m;
	uint64_t sent = 0, answered = 0;
	pin(0);
	while (answered < d->count) {
		uint64_t burst = 1 + sent % (URPC_SLOTS + 16);
		for (uint64_t i = 0; i < burst && sent < d->count; ) {
			int err = send_seq(&d->p.a_tx, sent);
			if (err == 0) {
				sent++;
				i++;
			} else if (err == -EAGAIN) {
				d->eagain++;
				break;
			} else {
				d->errors++;
			}
		}
		while (urpc_recv(&d->p.a_rx, &m) == 0) {
			if (!intact(&m, answered))
				d->errors++;
			answered++;
		}
	}
	return NULL;
}

static void *duplex_b(void *arg)
{
	struct duplex *d = arg;
	struct urpc_msg m;
	pin(1);
	for (uint64_t s = 0; s < d->count; s++) {
		while (urpc_recv(&d->p.b_rx, &m) != 0)
			;
		if (!intact(&m, s))
			d->errors++;
		while (send_seq(&d->p.b_tx, s) == -EAGAIN)
			;
	}
	return NULL;
}

static void test_duplex(uint64_t count)
{
	struct duplex d = { .count = count };
	pthread_t a, b;
	char name[64];

	pair_init(&d.p);
	pthread_create(&b, NULL, duplex_b, &d);
	pthread_create(&a, NULL, duplex_a, &d);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	snprintf(name, sizeof(name), "duplex_%llu_requests_and_answers_in_order", (unsigned long long)count);
	check(d.errors == 0, name, "a request or answer was lost, repeated, reordered or damaged");
	check(d.eagain > 0, "duplex_ring_filled_and_pushed_back", "the ring never filled: push-back untested");
	pair_free(&d.p);
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
	test_exchange();
	test_stress(count);
	test_duplex(count / 5);
	printf("urpc: %d failed\n", failures);
	return failures ? 1 : 0;
}
