/* The RSS buckets' kernels, and moves of them under live connections (SYS_STEER,
 * kernel/netmove.h):
 *   steer                    the table (bucket -> kernel) and the moves in flight
 *   steer move B K           moves bucket B (or a list: 1,5,9-12) to kernel K
 *   steer churn MS SECONDS   every MS ms for SECONDS s, a random bucket to a random other
 *                            kernel that can own buckets (a bucket that cannot move now,
 *                            mid-move, gives way to another, CHURN_TRIES at most); then a
 *                            summary */
#include "user/lib/flotilla.h"

/* A decimal number at *s, moving *s past it; -1 if none. */
static long number(const char **s)
{
	long n = -1;
	for (; **s >= '0' && **s <= '9'; (*s)++)
		n = (n < 0 ? 0 : n * 10) + (**s - '0');
	return n;
}

/* "1,5,9-12" into mask; -1 if it does not parse or names a bucket past the table. */
static int parse_buckets(const char *s, uint64_t mask[2])
{
	mask[0] = mask[1] = 0;
	while (*s) {
		long lo = number(&s), hi = lo;
		if (*s == '-') {
			s++;
			hi = number(&s);
		}
		if (lo < 0 || hi < lo || hi >= SYS_STEER_BUCKETS || (*s && *s != ','))
			return -1;
		for (long b = lo; b <= hi; b++)
			mask[b / 64] |= 1ull << (b % 64);
		if (*s)
			s++;
	}
	return 0;
}

static int show(void)
{
	struct sys_steer_table t;
	if (steer_table(&t) < 0) {
		printf("steer: no table here (%d): ask on kernel 0\n", errno);
		return 1;
	}
	for (unsigned b = 0; b < SYS_STEER_BUCKETS; b++)
		printf("%3u:%-2u%s%s", b, t.kernel_of[b], t.moving[b] ? "*" : " ",
		       b % 8 == 7 ? "\n" : "  ");
	printf("moves in flight: %u (* a bucket in one); since boot: %lu requested, %lu done, "
	       "%lu refused, %lu aborted\n", t.in_flight, t.requested, t.done, t.refused,
	       t.aborted);
	return 0;
}

static int move(const char *buckets, const char *kernel)
{
	uint64_t mask[2];
	const char *k = kernel;
	long to = number(&k);
	if (parse_buckets(buckets, mask) || to < 0 || *k) {
		printf("steer: move BUCKETS KERNEL (buckets like 3 or 1,5,9-12)\n");
		return 2;
	}
	int n = steer_move(mask, (unsigned)to);
	if (n < 0) {
		printf("steer: refused (%d)\n", errno);
		return 1;
	}
	printf("steer: %d move%s begun\n", n, n == 1 ? "" : "s");
	return 0;
}

static uint64_t rng;

static unsigned random_below(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

/* A kernel other than `not` that can own buckets, or -1. */
static int random_kernel(const struct sys_steer_table *t, unsigned not)
{
	unsigned n = 0, pick;
	for (unsigned k = 0; k < t->nkernels && k < 64; k++)
		n += k != not && (t->can_own >> k & 1);
	if (!n)
		return -1;
	pick = random_below(n);
	for (unsigned k = 0; k < t->nkernels && k < 64; k++)
		if (k != not && (t->can_own >> k & 1) && !pick--)
			return (int)k;
	return -1;
}

/* Sleeps until `at` (uptime_ms's clock); at once if that has passed. */
static void sleep_until(uint64_t at)
{
	uint64_t now = uptime_ms();
	if (now < at)
		sleep_ms(at - now);
}

#define CHURN_TRIES 4

/* One churn move: 1 if one began, 0 if every bucket tried was refused (mid-move: under live
 * connections a drain lasts as long as they do), -1 if there is nothing to ask (no table,
 * or no other kernel). */
static int churn_once(void)
{
	struct sys_steer_table t;
	if (steer_table(&t) < 0)
		return -1;
	for (int i = 0; i < CHURN_TRIES; i++) {
		unsigned b = random_below(SYS_STEER_BUCKETS);
		int k = random_kernel(&t, t.kernel_of[b]);
		uint64_t mask[2] = { 0, 0 };
		if (k < 0)
			return -1;
		mask[b / 64] |= 1ull << (b % 64);
		if (steer_move(mask, (unsigned)k) >= 0)
			return 1;
	}
	return 0;
}

/* One move every MS ms from the start, by the clock: a move that comes late (kernel 0 busy
 * serving) is made at once, so that SECONDS s hold SECONDS * 1000 / MS moves. */
static int churn(const char *ms_s, const char *secs_s)
{
	struct sys_steer_table t0, t;
	long ms = number(&ms_s), secs = number(&secs_s);
	unsigned asked = 0, refused = 0;
	if (ms <= 0 || secs <= 0 || *ms_s || *secs_s || steer_table(&t0) < 0) {
		printf("steer: churn MS SECONDS, on kernel 0\n");
		return 2;
	}
	rng = uptime_ms() | 1;
	uint64_t start = uptime_ms(), end = start + (uint64_t)secs * 1000;
	for (uint64_t at = start; at < end; at += (uint64_t)ms) {
		sleep_until(at);
		int began = churn_once();
		asked += began >= 0;
		refused += began == 0;
	}
	sleep_ms(1500);                 /* the last moves' READY, or their abort */
	steer_table(&t);
	printf("steer churn: %u moves requested, %lu done, %u refused, %lu aborted\n", asked,
	       t.done - t0.done, refused, t.aborted - t0.aborted);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return show();
	if (argc == 4 && strcmp(argv[1], "move") == 0)
		return move(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "churn") == 0)
		return churn(argv[2], argv[3]);
	printf("usage: steer | steer move BUCKETS KERNEL | steer churn MS SECONDS\n");
	return 2;
}
