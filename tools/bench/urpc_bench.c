/* Host benchmark of the URPC ring between two pinned threads, beside the physical floor (a
 * cache line bounced between the same two threads) and a mutex + condition variable queue
 * (what a shared-memory kernel would use).
 *
 * Latency is half a round trip, in TSC cycles and ns. The host is a VM whose two vCPUs move
 * between physical placements: the floor itself moves between ~65 and ~450 cycles from one
 * second to the next. So the ping-pong mechanisms are measured in alternating chunks of a few
 * hundred round trips (a fraction of a millisecond each), every chunk of one mechanism next
 * to a chunk of every other, and each is compared with the floor chunk by chunk: the ratio
 * reported is the median of those paired ratios, which a change of placement cannot fake.
 * A chunk is summarized by the interquartile mean of its round trips, and a mechanism's
 * one-way figure is the interquartile mean of all of them, halved.
 * Beside the floor are raw mechanisms that show where a channel's cost comes from: one line
 * per direction (no channel can do better: each side writes only its own lines), and rings of
 * 2, 8 and URPC_SLOTS lines per direction, each line written with one store and polled by the
 * other side, with no protocol at all: the cost of cycling through more lines. URPC's two
 * ends are paired, as a kernel pairs its channels with a peer, so in this exchange it reuses
 * two slots per direction (kernel/urpc/urpc.h). The mutex queue's round trip (futex
 * sleeps, tens of microseconds) is measured on its own. Throughput is one-way streaming; it
 * and the mutex latency are measured in turn (A B A B ...) and each figure is the median of
 * 5 runs, shown with its spread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
#include "kernel/urpc/urpc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define MQ_ROUND_TRIPS 20000
#define STREAM_MSGS   4000000
#define RUNS          5
#define QUEUE_SLOTS   64

static double tsc_ghz;

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void calibrate_tsc(void)
{
	double t0 = now_s();
	uint64_t c0 = __rdtsc();
	while (now_s() - t0 < 0.2)
		;
	tsc_ghz = (double)(__rdtsc() - c0) / ((now_s() - t0) * 1e9);
}

/* ---- ping-pong mechanisms: A sends and waits for the answer, B waits and answers ---- */

#define CHUNK         500     /* round trips of one mechanism before switching to the next */
#define CHUNKS        400     /* chunks of each mechanism */
#define OWN_LINE      __attribute__((aligned(64)))

struct raw_line { volatile uint64_t v; uint8_t pad[56]; } OWN_LINE;

/* Each side's private state sits on its own cache lines, as it does in the kernel, where it
 * lives in that kernel's own memory. */
struct side {
	uint64_t seq;
	struct urpc_tx tx;
	struct urpc_rx rx;
} OWN_LINE;

struct pingpong {
	const char *name;
	void (*a)(struct pingpong *);
	void (*b)(struct pingpong *);
	unsigned lines;                 /* raw: lines per direction */
	struct raw_line *ab, *ba;       /* raw lines; one line (ab[0]) for the floor */
	struct urpc_chan *cab, *cba;
	struct side sa, sb;
	uint64_t *rtt;                  /* CHUNK * CHUNKS round trips */
	double chunk_iqm[CHUNKS];       /* interquartile mean of each chunk's round trips */
};

static void raw_wait(struct raw_line *l, uint64_t v)
{
	while (__atomic_load_n(&l->v, __ATOMIC_ACQUIRE) != v)
		_mm_pause();
}

static void raw_set(struct raw_line *l, uint64_t v)
{
	__atomic_store_n(&l->v, v, __ATOMIC_RELEASE);
}

/* The floor: one line, A writes odd values, B answers with the next even one. */
static void floor_a(struct pingpong *p)
{
	uint64_t i = ++p->sa.seq;
	raw_set(&p->ab[0], 2 * i - 1);
	raw_wait(&p->ab[0], 2 * i);
}

static void floor_b(struct pingpong *p)
{
	uint64_t i = ++p->sb.seq;
	raw_wait(&p->ab[0], 2 * i - 1);
	raw_set(&p->ab[0], 2 * i);
}

/* Lines per direction, written only by their sender, used in turn (lines = 1: one each). */
static void lines_a(struct pingpong *p)
{
	uint64_t i = ++p->sa.seq;
	raw_set(&p->ab[i % p->lines], i);
	raw_wait(&p->ba[i % p->lines], i);
}

static void lines_b(struct pingpong *p)
{
	uint64_t i = ++p->sb.seq;
	raw_wait(&p->ab[i % p->lines], i);
	raw_set(&p->ba[i % p->lines], i);
}

static void urpc_put(struct urpc_tx *tx, uint64_t v)
{
	while (urpc_send(tx, 1, 0, &v, sizeof(v)) == -EAGAIN)
		_mm_pause();
}

static uint64_t urpc_get(struct urpc_rx *rx)
{
	struct urpc_msg m;
	uint64_t v;
	while (urpc_recv(rx, &m) != 0)
		_mm_pause();
	memcpy(&v, m.payload, sizeof(v));
	return v;
}

static void urpc_a(struct pingpong *p)
{
	uint64_t i = ++p->sa.seq;
	urpc_put(&p->sa.tx, i);
	if (urpc_get(&p->sa.rx) != i) {
		fprintf(stderr, "bench: URPC answer %llu is wrong\n", (unsigned long long)i);
		exit(1);
	}
}

static void urpc_b(struct pingpong *p)
{
	urpc_put(&p->sb.tx, urpc_get(&p->sb.rx));
}

static void *alloc_lines(size_t n)
{
	void *p = aligned_alloc(4096, ALIGN_UP(n * 64, 4096));
	if (!p) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	memset(p, 0, n * 64);
	return p;
}

static void pingpong_init(struct pingpong *p)
{
	p->ab = alloc_lines(p->lines ? p->lines : 1);
	p->ba = alloc_lines(p->lines ? p->lines : 1);
	p->cab = alloc_lines(sizeof(struct urpc_chan) / 64);
	p->cba = alloc_lines(sizeof(struct urpc_chan) / 64);
	urpc_chan_init(p->cab, sizeof(*p->cab));
	urpc_chan_init(p->cba, sizeof(*p->cba));
	urpc_tx_init(&p->sa.tx, p->cab);
	urpc_rx_init(&p->sb.rx, p->cab);
	urpc_tx_init(&p->sb.tx, p->cba);
	urpc_rx_init(&p->sa.rx, p->cba);
	urpc_pair(&p->sa.tx, &p->sa.rx);        /* as kernel/urpc/peer.c pairs a kernel's two ends */
	urpc_pair(&p->sb.tx, &p->sb.rx);
	p->rtt = calloc(CHUNK * CHUNKS, sizeof(uint64_t));
	if (!p->rtt) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
}

static struct pingpong pingpongs[] = {
	{ .name = "URPC channel (kernel/urpc/urpc.c)", .a = urpc_a, .b = urpc_b },
	{ .name = "raw: one line (the floor)", .a = floor_a, .b = floor_b },
	{ .name = "raw: one line per direction", .a = lines_a, .b = lines_b, .lines = 1 },
	{ .name = "raw: ring of lines per direction", .a = lines_a, .b = lines_b, .lines = 2 },
	{ .name = "raw: ring of lines per direction", .a = lines_a, .b = lines_b, .lines = 8 },
	{ .name = "raw: ring of lines per direction", .a = lines_a, .b = lines_b, .lines = URPC_SLOTS },
};
#define PINGPONGS (sizeof(pingpongs) / sizeof(pingpongs[0]))
#define FLOOR     (&pingpongs[1])

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The mean of the middle half of n sorted values: as robust to outliers (an interrupt, a
 * preemption) as the median, but not stuck to the TSC's steps, which here are 26 cycles, a
 * sixth of a URPC round trip. */
static double interquartile_mean(const uint64_t *sorted, size_t n)
{
	double sum = 0;
	for (size_t i = n / 4; i < n - n / 4; i++)
		sum += (double)sorted[i];
	return sum / (double)(n - 2 * (n / 4));
}

/* Both threads walk the same schedule: chunk k runs the mechanisms in an order rotated by k. */
static struct pingpong *scheduled(unsigned k, unsigned m)
{
	return &pingpongs[(m + k) % PINGPONGS];
}

static void *answer_thread(void *arg)
{
	(void)arg;
	pin(1);
	for (unsigned k = 0; k < CHUNKS; k++)
		for (unsigned m = 0; m < PINGPONGS; m++) {
			struct pingpong *p = scheduled(k, m);
			for (unsigned j = 0; j < CHUNK; j++)
				p->b(p);
		}
	return NULL;
}

static void measure_pingpongs(void)
{
	static uint64_t chunk[CHUNK];
	pthread_t t;

	for (unsigned m = 0; m < PINGPONGS; m++)
		pingpong_init(&pingpongs[m]);
	pthread_create(&t, NULL, answer_thread, NULL);
	pin(0);
	for (unsigned k = 0; k < CHUNKS; k++)
		for (unsigned m = 0; m < PINGPONGS; m++) {
			struct pingpong *p = scheduled(k, m);
			for (unsigned j = 0; j < CHUNK; j++) {
				uint64_t c0 = __rdtsc();
				p->a(p);
				chunk[j] = __rdtsc() - c0;
			}
			memcpy(&p->rtt[(size_t)k * CHUNK], chunk, sizeof(chunk));
			qsort(chunk, CHUNK, sizeof(chunk[0]), cmp_u64);
			p->chunk_iqm[k] = interquartile_mean(chunk, CHUNK);
		}
	pthread_join(t, NULL);
}

/* ---- the mutex and condition variable queue, one each way ---- */

struct mqueue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	uint8_t slots[QUEUE_SLOTS][64];
	unsigned head, count;
};
static struct mqueue q_ab, q_ba;

static void mq_init(struct mqueue *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	q->head = q->count = 0;
}

static void mq_put(struct mqueue *q, uint64_t v)
{
	pthread_mutex_lock(&q->mu);
	while (q->count == QUEUE_SLOTS)
		pthread_cond_wait(&q->not_full, &q->mu);
	memcpy(q->slots[(q->head + q->count) % QUEUE_SLOTS], &v, sizeof(v));
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

static uint64_t mq_get(struct mqueue *q)
{
	uint64_t v;
	pthread_mutex_lock(&q->mu);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->mu);
	memcpy(&v, q->slots[q->head], sizeof(v));
	q->head = (q->head + 1) % QUEUE_SLOTS;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->mu);
	return v;
}

/* ---- the mutex queue's latency and both mechanisms' streaming ---- */

struct stream {
	void (*setup)(void);
	void (*send)(uint64_t v);
	uint64_t (*recv)(void);
};

static struct urpc_chan *stream_chan;
static struct side stream_tx, stream_rx;

static void urpc_stream_setup(void)
{
	if (!stream_chan)
		stream_chan = alloc_lines(sizeof(struct urpc_chan) / 64);
	urpc_chan_init(stream_chan, sizeof(*stream_chan));
	urpc_tx_init(&stream_tx.tx, stream_chan);
	urpc_rx_init(&stream_rx.rx, stream_chan);
}
static void urpc_stream_send(uint64_t v) { urpc_put(&stream_tx.tx, v); }
static uint64_t urpc_stream_recv(void) { return urpc_get(&stream_rx.rx); }

static void mq_setup(void) { mq_init(&q_ab); mq_init(&q_ba); }
static void mq_send(uint64_t v) { mq_put(&q_ab, v); }
static uint64_t mq_recv(void) { return mq_get(&q_ab); }

static const struct stream *cur;
static uint64_t cur_n;

static void *mq_answer_thread(void *arg)
{
	(void)arg;
	pin(1);
	for (uint64_t i = 0; i < cur_n; i++)
		mq_put(&q_ba, mq_get(&q_ab));
	return NULL;
}

static double mq_latency_cycles(void)
{
	static uint64_t rtt[MQ_ROUND_TRIPS];
	pthread_t t;
	mq_setup();
	cur_n = MQ_ROUND_TRIPS;
	pthread_create(&t, NULL, mq_answer_thread, NULL);
	pin(0);
	for (uint64_t i = 0; i < MQ_ROUND_TRIPS; i++) {
		uint64_t c0 = __rdtsc();
		mq_put(&q_ab, i);
		mq_get(&q_ba);
		rtt[i] = __rdtsc() - c0;
	}
	pthread_join(t, NULL);
	qsort(rtt, MQ_ROUND_TRIPS, sizeof(rtt[0]), cmp_u64);
	return (double)rtt[MQ_ROUND_TRIPS / 2] / 2.0;
}

static void *drain_thread(void *arg)
{
	(void)arg;
	pin(1);
	for (uint64_t i = 0; i < cur_n; i++)
		if (cur->recv() != i) {
			fprintf(stderr, "bench: message %llu out of order\n", (unsigned long long)i);
			exit(1);
		}
	return NULL;
}

static double throughput(const struct stream *s)
{
	pthread_t t;
	cur = s;
	cur_n = STREAM_MSGS;
	s->setup();
	pthread_create(&t, NULL, drain_thread, NULL);
	pin(0);
	double t0 = now_s();
	for (uint64_t i = 0; i < STREAM_MSGS; i++)
		s->send(i);
	pthread_join(t, NULL);
	return (double)STREAM_MSGS / (now_s() - t0);
}

struct figure { double med, min, max; };

static struct figure summarize(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_d);
	return (struct figure){ v[n / 2], v[0], v[n - 1] };
}

int main(void)
{
	static const struct stream urpc = { urpc_stream_setup, urpc_stream_send, urpc_stream_recv };
	static const struct stream mq = { mq_setup, mq_send, mq_recv };

	calibrate_tsc();
	printf("URPC host benchmark: 2 threads pinned to CPUs 0 and 1, TSC %.3f GHz, URPC ring of "
	       "%d slots\n", tsc_ghz, URPC_SLOTS);
	printf("latency = half a round trip; ping-pongs in %d alternating chunks of %d round trips "
	       "each; one-way = interquartile mean; ratio = median of the per-chunk ratios to the "
	       "floor's neighbouring chunk [25th-75th percentile]\n\n", CHUNKS, CHUNK);

	measure_pingpongs();
	printf("%-36s %18s %8s %26s\n", "ping-pong", "one-way, cycles", "ns", "ratio to the floor");
	double urpc_ratio = 0;
	for (unsigned m = 0; m < PINGPONGS; m++) {
		struct pingpong *p = &pingpongs[m];
		static double ratio[CHUNKS];
		for (unsigned k = 0; k < CHUNKS; k++)
			ratio[k] = p->chunk_iqm[k] / FLOOR->chunk_iqm[k];
		qsort(ratio, CHUNKS, sizeof(ratio[0]), cmp_d);
		qsort(p->rtt, CHUNK * CHUNKS, sizeof(p->rtt[0]), cmp_u64);
		double one_way = interquartile_mean(p->rtt, CHUNK * CHUNKS) / 2.0;
		char name[64];
		if (p->lines > 1)
			snprintf(name, sizeof(name), "%s (%u)", p->name, p->lines);
		else
			snprintf(name, sizeof(name), "%s", p->name);
		printf("%-36s %18.0f %8.0f %10.2fx [%.2f-%.2f]\n", name, one_way, one_way / tsc_ghz,
		       ratio[CHUNKS / 2], ratio[CHUNKS / 4], ratio[3 * CHUNKS / 4]);
		if (m == 0)
			urpc_ratio = ratio[CHUNKS / 2];
	}

	double v[3][RUNS];
	for (int r = 0; r < RUNS; r++) {
		v[0][r] = mq_latency_cycles();
		v[1][r] = throughput(&urpc);
		v[2][r] = throughput(&mq);
	}
	struct figure lm = summarize(v[0], RUNS), tu = summarize(v[1], RUNS), tm = summarize(v[2], RUNS);
	printf("%-36s %18.0f %8.0f %26s\n\n", "mutex + condvar queue", lm.med, lm.med / tsc_ghz,
	       "(alone, median of 5 runs)");

	printf("%-36s %30s\n", "streaming one way", "messages/s, median [min-max]");
	printf("%-36s %11.2fM [%.2f-%.2f]\n", "URPC channel", tu.med / 1e6, tu.min / 1e6, tu.max / 1e6);
	printf("%-36s %11.2fM [%.2f-%.2f]\n\n", "mutex + condvar queue", tm.med / 1e6, tm.min / 1e6,
	       tm.max / 1e6);

	double r_tput = tu.med / tm.med;
	printf("URPC latency / raw ping-pong: %.2fx (target <= 2x): %s\n", urpc_ratio,
	       urpc_ratio <= 2.0 ? "met" : "NOT met");
	printf("URPC msgs/s / mutex queue:    %.1fx (target >= 10x): %s\n", r_tput,
	       r_tput >= 10.0 ? "met" : "NOT met");
	return 0;
}
