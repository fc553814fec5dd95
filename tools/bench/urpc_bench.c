/* Host benchmark of the URPC ring between two pinned threads, beside the physical floor (a
 * cache line bounced between the same two threads) and a mutex + condition variable queue
 * (what a shared-memory kernel would use). Latency is half a round trip, in TSC cycles and ns;
 * throughput is one-way streaming. The host is a noisy VM, so the mechanisms are measured in
 * turn (A B C A B C ...) and each figure is the median of 5 runs, shown with its spread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
#include "kernel/urpc.h"
#include "lib/errno.h"
#include "lib/string.h"

#define ROUND_TRIPS   200000
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

/* ---- three mechanisms, each with a ping side (A) and a pong side (B) ---- */

struct bench {
	void (*setup)(void);
	void (*a_send)(uint64_t v);
	uint64_t (*a_recv)(void);
	void (*b_send)(uint64_t v);
	uint64_t (*b_recv)(void);
};

/* URPC: one channel each way. Each end's private state sits on its own cache line, as it
 * does in the kernel, where it lives in that kernel's own memory. */
#define OWN_LINE __attribute__((aligned(64)))
static struct urpc_chan *ab, *ba;
static struct urpc_tx tx_ab OWN_LINE, tx_ba OWN_LINE;
static struct urpc_rx rx_ab OWN_LINE, rx_ba OWN_LINE;

static void urpc_setup(void)
{
	if (!ab) {
		ab = aligned_alloc(64, sizeof(*ab));
		ba = aligned_alloc(64, sizeof(*ba));
	}
	urpc_chan_init(ab, sizeof(*ab));
	urpc_chan_init(ba, sizeof(*ba));
	urpc_tx_init(&tx_ab, ab);
	urpc_rx_init(&rx_ab, ab);
	urpc_tx_init(&tx_ba, ba);
	urpc_rx_init(&rx_ba, ba);
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

static void urpc_a_send(uint64_t v) { urpc_put(&tx_ab, v); }
static uint64_t urpc_a_recv(void) { return urpc_get(&rx_ba); }
static void urpc_b_send(uint64_t v) { urpc_put(&tx_ba, v); }
static uint64_t urpc_b_recv(void) { return urpc_get(&rx_ab); }

/* Raw cache line: A writes an odd value, B answers with the next even one. */
static struct { volatile uint64_t v; char pad[56]; } line __attribute__((aligned(64)));
static uint64_t line_expect_a, line_expect_b;

static void line_setup(void) { line.v = 0; line_expect_a = 0; line_expect_b = 1; }
static void line_a_send(uint64_t v) { (void)v; __atomic_store_n(&line.v, ++line_expect_a, __ATOMIC_RELEASE); line_expect_a++; }
static uint64_t line_a_recv(void) { while (__atomic_load_n(&line.v, __ATOMIC_ACQUIRE) != line_expect_a) _mm_pause(); return 0; }
static void line_b_send(uint64_t v) { (void)v; __atomic_store_n(&line.v, line_expect_b + 1, __ATOMIC_RELEASE); line_expect_b += 2; }
static uint64_t line_b_recv(void) { while (__atomic_load_n(&line.v, __ATOMIC_ACQUIRE) != line_expect_b) _mm_pause(); return 0; }

/* Mutex and condition variable bounded queues, one each way. */
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

static void mq_setup(void) { mq_init(&q_ab); mq_init(&q_ba); }
static void mq_a_send(uint64_t v) { mq_put(&q_ab, v); }
static uint64_t mq_a_recv(void) { return mq_get(&q_ba); }
static void mq_b_send(uint64_t v) { mq_put(&q_ba, v); }
static uint64_t mq_b_recv(void) { return mq_get(&q_ab); }

/* ---- measurements ---- */

static const struct bench *cur;
static uint64_t cur_n;

static void *pong_thread(void *arg)
{
	(void)arg;
	pin(1);
	for (uint64_t i = 0; i < cur_n; i++)
		cur->b_send(cur->b_recv());
	return NULL;
}

/* Median one-way latency in cycles: half of each round trip, sorted. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double latency_cycles(const struct bench *b)
{
	static uint64_t rtt[ROUND_TRIPS];
	pthread_t t;
	cur = b;
	cur_n = ROUND_TRIPS;
	b->setup();
	pthread_create(&t, NULL, pong_thread, NULL);
	pin(0);
	for (uint64_t i = 0; i < ROUND_TRIPS; i++) {
		uint64_t c0 = __rdtsc();
		b->a_send(i);
		b->a_recv();
		rtt[i] = __rdtsc() - c0;
	}
	pthread_join(t, NULL);
	qsort(rtt, ROUND_TRIPS, sizeof(rtt[0]), cmp_u64);
	return (double)rtt[ROUND_TRIPS / 2] / 2.0;
}

static void *drain_thread(void *arg)
{
	(void)arg;
	pin(1);
	for (uint64_t i = 0; i < cur_n; i++)
		if (cur->b_recv() != i) {
			fprintf(stderr, "bench: message %llu out of order\n", (unsigned long long)i);
			exit(1);
		}
	return NULL;
}

static double throughput(const struct bench *b)
{
	pthread_t t;
	cur = b;
	cur_n = STREAM_MSGS;
	b->setup();
	pthread_create(&t, NULL, drain_thread, NULL);
	pin(0);
	double t0 = now_s();
	for (uint64_t i = 0; i < STREAM_MSGS; i++)
		b->a_send(i);
	pthread_join(t, NULL);
	return (double)STREAM_MSGS / (now_s() - t0);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct figure { double med, min, max; };

static struct figure summarize(double *v)
{
	qsort(v, RUNS, sizeof(v[0]), cmp_d);
	return (struct figure){ v[RUNS / 2], v[0], v[RUNS - 1] };
}

int main(void)
{
	static const struct bench urpc = { urpc_setup, urpc_a_send, urpc_a_recv, urpc_b_send, urpc_b_recv };
	static const struct bench raw = { line_setup, line_a_send, line_a_recv, line_b_send, line_b_recv };
	static const struct bench mq = { mq_setup, mq_a_send, mq_a_recv, mq_b_send, mq_b_recv };

	calibrate_tsc();
	printf("URPC host benchmark: 2 threads pinned to CPUs 0 and 1, TSC %.3f GHz\n", tsc_ghz);
	printf("latency = half the median of %d round trips; throughput = %d messages streamed "
	       "one way; each the median of %d interleaved runs [min-max]\n\n", ROUND_TRIPS,
	       STREAM_MSGS, RUNS);
	double v[5][RUNS];
	for (int r = 0; r < RUNS; r++) {
		v[0][r] = latency_cycles(&urpc);
		v[1][r] = latency_cycles(&raw);
		v[2][r] = latency_cycles(&mq);
		v[3][r] = throughput(&urpc);
		v[4][r] = throughput(&mq);
	}
	struct figure lu = summarize(v[0]), lr = summarize(v[1]), lm = summarize(v[2]);
	struct figure tu = summarize(v[3]), tm = summarize(v[4]);

	printf("%-34s %22s %10s %26s\n", "mechanism", "one-way latency, cycles", "ns", "messages/s");
	printf("%-34s %9.0f [%4.0f-%4.0f] %10.0f %11.2fM [%.2f-%.2f]\n", "URPC channel (kernel/urpc.c)",
	       lu.med, lu.min, lu.max, lu.med / tsc_ghz, tu.med / 1e6, tu.min / 1e6, tu.max / 1e6);
	printf("%-34s %9.0f [%4.0f-%4.0f] %10.0f %26s\n", "raw cache-line ping-pong (floor)",
	       lr.med, lr.min, lr.max, lr.med / tsc_ghz, "-");
	printf("%-34s %9.0f [%4.0f-%4.0f] %10.0f %11.2fM [%.2f-%.2f]\n", "mutex + condvar queue",
	       lm.med, lm.min, lm.max, lm.med / tsc_ghz, tm.med / 1e6, tm.min / 1e6, tm.max / 1e6);
	double r_lat = lu.med / lr.med, r_tput = tu.med / tm.med;
	printf("\nURPC latency / raw ping-pong: %.2fx (target <= 2x): %s\n", r_lat, r_lat <= 2.0 ? "met" : "NOT met");
	printf("URPC msgs/s / mutex queue:    %.1fx (target >= 10x): %s\n", r_tput, r_tput >= 10.0 ? "met" : "NOT met");
	return 0;
}
