/* The packet pool on the host (kernel/urpc/pool.h): its refusals on one thread, a holder that
 * dies with buffers, then threads standing in for kernels lending each other buffers over URPC
 * channels under ThreadSanitizer, every buffer accounted for at the end. Prints PASS/FAIL
 * lines for tests/run.sh. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel/urpc/pool.h"
#include "kernel/urpc/urpc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "tests/urpc/check.h"

#define KERNELS   4
#define MSG_FRAME  1            /* owner -> holder: struct handoff */
#define MSG_RETURN 2            /* holder -> owner: struct handoff */

struct handoff {
	uint32_t buf, len;
	uint64_t serial;
};

static uint8_t *area_new(unsigned nkernels)
{
	uint8_t *a = aligned_alloc(4096, pktpool_size_for(nkernels));
	if (!a) {
		fprintf(stderr, "pool: no memory for the area\n");
		exit(2);
	}
	return a;
}

static struct urpc_chan *chan_new(void)
{
	struct urpc_chan *c = aligned_alloc(64, sizeof(*c));
	if (!c || urpc_chan_init(c, sizeof(*c)) != 0) {
		fprintf(stderr, "pool: cannot set up a channel\n");
		exit(2);
	}
	return c;
}

/* Exhaustion, then each wrong return: refused, counted, and the pool unchanged. */
static void test_refusals(void)
{
	uint8_t *area = area_new(2);
	struct pktpool p, q;
	int ok = pktpool_init(&p, area, 0, 2) == 0 && pktpool_init(&q, area, 1, 2) == 0;
	int bufs[PKTPOOL_PER_KERNEL];
	for (unsigned i = 0; i < PKTPOOL_PER_KERNEL; i++)
		ok &= (bufs[i] = pktpool_alloc(&p)) >= 0 && pktpool_owner((unsigned)bufs[i]) == 0;
	check(ok && pktpool_in_use(&p) == PKTPOOL_PER_KERNEL, "pool_gives_out_its_whole_block",
	      "an allocation failed or came from another block");
	check(pktpool_alloc(&p) == -EAGAIN && p.stats.exhausted == 1 &&
	      pktpool_alloc(&p) == -EAGAIN && p.stats.exhausted == 2,
	      "pool_exhaustion_pushes_back_and_is_counted",
	      "an empty pool gave a buffer or did not count");
	unsigned b = (unsigned)bufs[7];
	ok = pktpool_free(&p, b) == 0 && pktpool_free(&p, b) == -EALREADY &&
	     p.stats.double_returns == 1 && pktpool_in_use(&p) == PKTPOOL_PER_KERNEL - 1;
	check(ok && pktpool_alloc(&p) == (int)b && pktpool_alloc(&p) == -EAGAIN,
	      "pool_double_free_is_refused_and_counted", "a second free changed the free stack");
	unsigned c = (unsigned)bufs[9];
	ok = pktpool_lend(&p, c, 1) == 0 && pktpool_returned(&p, c, 0) == -EPERM &&
	     pktpool_free(&p, c) == -EPERM && p.stats.not_held == 2;
	check(ok && pktpool_returned(&p, c, 1) == 0 && p.stats.returned == 1,
	      "pool_return_from_a_kernel_not_holding_is_refused", "the wrong kernel freed a lent buffer");
	ok = pktpool_returned(&p, c, 1) == -EALREADY && p.stats.double_returns == 2;
	check(ok && pktpool_alloc(&p) == (int)c && pktpool_alloc(&p) == -EAGAIN,
	      "pool_double_return_is_refused_and_counted", "a second return freed the buffer twice");
	ok = pktpool_returned(&p, PKTPOOL_PER_KERNEL + 3, 1) == -EINVAL &&
	     pktpool_returned(&p, 2 * PKTPOOL_PER_KERNEL, 1) == -EINVAL && p.stats.bad_refs == 2 &&
	     pktpool_lend(&p, c, 0) == -EINVAL && pktpool_lend(&p, c, 2) == -EINVAL;
	check(ok, "pool_foreign_or_out_of_range_buffer_is_refused", "another block's buffer was taken");
	ok = pktpool_check_ref(&q, c, 60, 0) == 0 && pktpool_check_ref(&q, c, PKTPOOL_BUF_SIZE + 1, 0) ==
	     -EINVAL && pktpool_check_ref(&q, c, 60, 1) == -EINVAL &&
	     pktpool_check_ref(&q, PKTPOOL_PER_KERNEL + 1, 60, 0) == -EINVAL &&
	     pktpool_check_ref(&q, 5 * PKTPOOL_PER_KERNEL, 60, 0) == -EINVAL;
	check(ok && q.stats.bad_refs == 4 && pktpool_data(&q, 2 * PKTPOOL_PER_KERNEL) == NULL,
	      "pool_holder_refuses_a_reference_the_sender_may_not_pass", "a bad reference was accepted");
	for (unsigned i = 0; i < PKTPOOL_PER_KERNEL; i++)
		pktpool_free(&p, (unsigned)bufs[i]);
	check(pktpool_in_use(&p) == 0, "pool_every_buffer_comes_back", "buffers leaked");
	free(area);
}

/* The holder takes 10 buffers, gives 4 back, and dies holding 6. */
struct dying {
	struct urpc_chan *to_holder, *to_owner;
	uint8_t *area;
	int errors;
};

static void *dying_holder(void *arg)
{
	struct dying *d = arg;
	struct urpc_rx rx;
	struct urpc_tx tx;
	struct urpc_msg m;
	struct handoff h;
	urpc_rx_init(&rx, d->to_holder);
	urpc_tx_init(&tx, d->to_owner);
	for (unsigned got = 0; got < 10; ) {
		if (urpc_recv(&rx, &m) != 0)
			continue;
		memcpy(&h, m.payload, sizeof(h));
		if (d->area[(uint64_t)h.buf * PKTPOOL_BUF_SIZE] != (uint8_t)h.serial)
			d->errors++;
		if (got++ < 4 && urpc_send(&tx, MSG_RETURN, 0, &h, sizeof(h)) != 0)
			d->errors++;
	}
	return NULL;                    /* dies holding the last 6 */
}

static void test_dead_holder(void)
{
	struct dying d = { chan_new(), chan_new(), area_new(2), 0 };
	struct pktpool p;
	struct urpc_tx tx;
	struct urpc_rx rx;
	struct urpc_msg m;
	pthread_t t;
	int ok = pktpool_init(&p, d.area, 0, 2) == 0;
	urpc_tx_init(&tx, d.to_holder);
	urpc_rx_init(&rx, d.to_owner);
	pthread_create(&t, NULL, dying_holder, &d);
	for (uint64_t s = 0; s < 10; s++) {
		struct handoff h = { (uint32_t)pktpool_alloc(&p), 64, s };
		pktpool_data(&p, h.buf)[0] = (uint8_t)s;
		ok &= pktpool_lend(&p, h.buf, 1) == 0 && urpc_send(&tx, MSG_FRAME, 0, &h, sizeof(h)) == 0;
	}
	pthread_join(t, NULL);          /* the owner learns it is dead (peer_alive in a kernel) */
	struct handoff late = { 0 };
	for (unsigned n = 0; urpc_recv(&rx, &m) == 0; n++) {
		memcpy(&late, m.payload, sizeof(late));
		ok &= pktpool_returned(&p, late.buf, 1) == 0;
	}
	check(ok && d.errors == 0 && pktpool_in_use(&p) == 6, "pool_holder_returns_before_dying",
	      "the 4 returns did not arrive intact");
	check(pktpool_reclaim(&p, 1) == 6 && p.stats.reclaimed == 6 && pktpool_in_use(&p) == 0,
	      "pool_dead_holders_buffers_are_reclaimed", "buffers stayed with the dead kernel");
	check(pktpool_returned(&p, late.buf, 1) == -EALREADY && pktpool_in_use(&p) == 0 &&
	      pktpool_reclaim(&p, 1) == 0, "pool_return_after_reclaim_is_a_counted_double_return",
	      "a stale return changed the pool");
	free(d.to_holder);
	free(d.to_owner);
	free(d.area);
}

/* KERNELS threads, a channel each way between every two: each lends its buffers round the
 * others, each holder checks the owner's bytes, writes its own answer into the buffer and
 * gives it back; the owner checks the answer before freeing. */
struct world;

struct kernel {
	struct world *w;
	unsigned id;
	struct pktpool pool;
	struct urpc_tx tx[KERNELS];
	struct urpc_rx rx[KERNELS];
	struct handoff pending[KERNELS][PKTPOOL_PER_KERNEL];    /* returns waiting for room */
	unsigned npending[KERNELS];
	uint64_t originated, errors, ring_full;
};

struct world {
	struct kernel k[KERNELS];
	uint8_t *area;
	uint64_t count;                         /* hand-offs each kernel originates */
	unsigned finished;                      /* kernels done originating (atomic) */
	long outstanding;                       /* lent and not yet back (atomic) */
};

static uint8_t owner_byte(uint64_t serial, unsigned i)
{
	return (uint8_t)(serial * 7 + i);
}

static uint8_t holder_byte(uint64_t serial, unsigned i)
{
	return (uint8_t)(serial * 13 + i + 1);
}

static uint32_t frame_len(uint64_t serial)
{
	return 60 + (uint32_t)(serial % (PKTPOOL_BUF_SIZE - 59));
}

static void originate(struct world *w, struct kernel *k)
{
	int b = pktpool_alloc(&k->pool);
	if (b < 0)
		return;                         /* pushed back: counted by the pool */
	uint64_t serial = k->originated * KERNELS + k->id;
	unsigned to = (k->id + 1 + (unsigned)(k->originated % (KERNELS - 1))) % KERNELS;
	struct handoff h = { (uint32_t)b, frame_len(serial), serial };
	uint8_t *d = pktpool_data(&k->pool, (unsigned)b);
	for (unsigned i = 0; i < h.len; i++)
		d[i] = owner_byte(serial, i);
	pktpool_lend(&k->pool, (unsigned)b, to);
	__atomic_add_fetch(&w->outstanding, 1, __ATOMIC_RELAXED);
	if (urpc_send(&k->tx[to], MSG_FRAME, 0, &h, sizeof(h)) == 0) {
		k->originated++;
		return;
	}
	k->ring_full++;                         /* the message never left: take it back */
	if (pktpool_returned(&k->pool, (unsigned)b, to))
		k->errors++;
	__atomic_sub_fetch(&w->outstanding, 1, __ATOMIC_RELAXED);
}

static void hold(struct kernel *k, unsigned from, struct handoff h)
{
	if (pktpool_check_ref(&k->pool, h.buf, h.len, from)) {
		k->errors++;
		return;
	}
	uint8_t *d = pktpool_data(&k->pool, h.buf);
	for (unsigned i = 0; i < h.len; i++) {
		if (d[i] != owner_byte(h.serial, i))
			k->errors++;
		d[i] = holder_byte(h.serial, i);
	}
	k->pending[from][k->npending[from]++] = h;
}

static void take_back(struct world *w, struct kernel *k, unsigned from, struct handoff h)
{
	uint8_t *d = pktpool_data(&k->pool, h.buf);
	for (unsigned i = 0; i < h.len; i++)
		if (d[i] != holder_byte(h.serial, i))
			k->errors++;
	if (pktpool_returned(&k->pool, h.buf, from))
		k->errors++;
	__atomic_sub_fetch(&w->outstanding, 1, __ATOMIC_RELAXED);
}

static void flush_returns(struct kernel *k)
{
	for (unsigned o = 0; o < KERNELS; o++)
		while (k->npending[o]) {
			struct handoff *h = &k->pending[o][k->npending[o] - 1];
			if (urpc_send(&k->tx[o], MSG_RETURN, 0, h, sizeof(*h)) != 0)
				break;                  /* the ring is full: later */
			k->npending[o]--;
		}
}

static void poll_all(struct world *w, struct kernel *k)
{
	struct urpc_msg m;
	struct handoff h;
	for (unsigned from = 0; from < KERNELS; from++) {
		if (from == k->id)
			continue;
		while (urpc_recv(&k->rx[from], &m) == 0) {
			memcpy(&h, m.payload, sizeof(h));
			if (URPC_HDR_TYPE(m.hdr) == MSG_FRAME)
				hold(k, from, h);
			else
				take_back(w, k, from, h);
		}
	}
	flush_returns(k);
}

static void *kernel_main(void *arg)
{
	struct kernel *k = arg;
	struct world *w = k->w;
	while (k->originated < w->count) {
		originate(w, k);
		poll_all(w, k);
	}
	__atomic_add_fetch(&w->finished, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&w->finished, __ATOMIC_RELAXED) < KERNELS ||
	       __atomic_load_n(&w->outstanding, __ATOMIC_RELAXED) > 0)
		poll_all(w, k);
	return NULL;
}

static void world_init(struct world *w, uint64_t count, struct urpc_chan *chans[KERNELS][KERNELS])
{
	memset(w, 0, sizeof(*w));
	w->count = count;
	w->area = area_new(KERNELS);
	for (unsigned i = 0; i < KERNELS; i++) {
		struct kernel *k = &w->k[i];
		k->w = w;
		k->id = i;
		pktpool_init(&k->pool, w->area, i, KERNELS);
		for (unsigned j = 0; j < KERNELS; j++) {
			chans[i][j] = chan_new();
			urpc_tx_init(&k->tx[j], chans[i][j]);
		}
	}
	for (unsigned i = 0; i < KERNELS; i++)
		for (unsigned j = 0; j < KERNELS; j++)
			urpc_rx_init(&w->k[i].rx[j], chans[j][i]);
}

static void test_stress(uint64_t count)
{
	static struct world w;
	static struct urpc_chan *chans[KERNELS][KERNELS];
	pthread_t t[KERNELS];
	world_init(&w, count, chans);
	for (unsigned i = 0; i < KERNELS; i++)
		pthread_create(&t[i], NULL, kernel_main, &w.k[i]);
	for (unsigned i = 0; i < KERNELS; i++)
		pthread_join(t[i], NULL);
	uint64_t errors = 0, exhausted = 0, full = 0, refused = 0, lent = 0, returned = 0;
	unsigned in_use = 0;
	for (unsigned i = 0; i < KERNELS; i++) {
		const struct pktpool_stats *s = &w.k[i].pool.stats;
		errors += w.k[i].errors;
		exhausted += s->exhausted;
		full += w.k[i].ring_full;
		refused += s->double_returns + s->not_held + s->bad_refs;
		lent += s->lent;
		returned += s->returned;
		in_use += pktpool_in_use(&w.k[i].pool);
	}
	printf("pool: %u threads, %llu hand-offs each: pool empty %llu times, ring full %llu times\n",
	       KERNELS, (unsigned long long)count, (unsigned long long)exhausted,
	       (unsigned long long)full);
	check(errors == 0 && refused == 0, "pool_stress_every_byte_crosses_intact",
	      "a buffer's bytes were damaged or a hand-off was refused");
	check(in_use == 0 && lent == returned && lent >= count * KERNELS,
	      "pool_stress_every_buffer_accounted_for", "a buffer was lost or returned twice");
	for (unsigned i = 0; i < KERNELS; i++)
		for (unsigned j = 0; j < KERNELS; j++)
			free(chans[i][j]);
	free(w.area);
}

int main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_refusals();
	test_dead_holder();
	test_stress(count);
	printf("pool: %d failed\n", failures);
	return failures ? 1 : 0;
}
