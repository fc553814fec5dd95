/* The RSS bucket policy (net/steer.h): a table in, a table and the kernels to tell out. */
#include "net/steer.h"
#include "lib/string.h"
#include "lib/util.h"

void steer_init(struct steer_state *s)
{
	memset(s, 0, sizeof(*s));
	s->told = ~0ull;        /* every kernel but 0 knows it has no bucket */
}

void steer_inputs_changed(struct steer_state *s)
{
	s->dirty = true;
}

/* Buckets move only when the set of kernels that qualify changes (a kernel qualifies once
 * it listens, normally at boot); the caller moves them by the move exchange
 * (kernel/netmove.h), which keeps their live connections. */
static bool qualifies(const struct steer_kernel *k, unsigned i)
{
	return (i == 0 || (k->has_queue && k->alive)) && k->ports.count;
}

bool steer_decide(struct steer_state *s, uint64_t now, unsigned nkernels,
		  const struct steer_kernel *k, uint8_t out[STEER_BUCKETS])
{
	if (!s->dirty && (s->settled || now - s->last_ms < STEER_PERIOD_MS))
		return false;
	s->dirty = false;
	s->last_ms = now;
	unsigned kernels[STEER_MAX_KERNELS], n = 0;
	for (unsigned i = 0; i < MIN(nkernels, STEER_MAX_KERNELS); i++)
		if (qualifies(&k[i], i))
			kernels[n++] = i;
	if (n == 0)
		kernels[n++] = 0;       /* nobody listens: kernel 0 keeps them */
	if (n == 1 && kernels[0] == 0 && !s->spread)
		return false;   /* nothing to give away: the table stays as whoever wrote it */
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		out[b] = (uint8_t)kernels[b % n];
	memcpy(s->chosen, out, STEER_BUCKETS);
	s->settled = memcmp(out, s->kernel_of, STEER_BUCKETS) == 0;
	if (s->settled)
		return false;
	s->spread = n > 1 || kernels[0] != 0;
	return true;
}

void steer_written(struct steer_state *s, const uint8_t table[STEER_BUCKETS])
{
	memcpy(s->kernel_of, table, STEER_BUCKETS);
	s->told = 1;            /* kernel 0 reads the table itself */
	if (memcmp(table, s->chosen, STEER_BUCKETS) == 0)
		s->settled = true;
}

uint64_t steer_to_tell(const struct steer_state *s, unsigned nkernels,
		       const struct steer_kernel *k)
{
	uint64_t due = 0;
	for (unsigned i = 1; i < MIN(nkernels, STEER_MAX_KERNELS); i++)
		if (k[i].has_queue && !(s->told >> i & 1))
			due |= 1ull << i;
	return due;
}

void steer_told(struct steer_state *s, unsigned k)
{
	if (k < STEER_MAX_KERNELS)
		s->told |= 1ull << k;
}

struct steer_mask steer_buckets_of(const struct steer_state *s, unsigned k)
{
	struct steer_mask m = { { 0, 0 } };
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (s->kernel_of[b] == k)
			m.mine[b / 64] |= 1ull << (b % 64);
	return m;
}

bool steer_ports_has(const struct steer_ports *p, uint16_t port)
{
	for (unsigned i = 0; i < MIN(p->count, STEER_PORTS); i++)
		if (p->port[i] == port)
			return true;
	return false;
}

void steer_ports_add(struct steer_ports *p, uint16_t port)
{
	if (steer_ports_has(p, port))
		return;
	if (p->count < STEER_PORTS)
		p->port[p->count] = port;
	if (p->count < UINT16_MAX)
		p->count++;
}

bool steer_mask_has(const struct steer_mask *m, unsigned b)
{
	return b < STEER_BUCKETS && (m->mine[b / 64] >> (b % 64) & 1);
}

void steer_mask_set(struct steer_mask *m, unsigned b)
{
	if (b < STEER_BUCKETS)
		m->mine[b / 64] |= 1ull << (b % 64);
}

void steer_mask_clear(struct steer_mask *m, unsigned b)
{
	if (b < STEER_BUCKETS)
		m->mine[b / 64] &= ~(1ull << (b % 64));
}

bool steer_mask_empty(const struct steer_mask *m)
{
	return !m->mine[0] && !m->mine[1];
}
