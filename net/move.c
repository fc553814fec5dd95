/* The move exchange's state on each side (net/move.h): moves in flight on kernel 0, the
 * forwarding and draining of buckets on every kernel. */
#include "net/move.h"
#include "lib/errno.h"
#include "lib/string.h"

static bool alive_bit(uint64_t alive, unsigned k)
{
	return k < 64 && (alive >> k & 1);
}

void move_ctl_init(struct move_ctl *c)
{
	memset(c, 0, sizeof(*c));
	memset(c->slot_of, MOVE_NONE, sizeof(c->slot_of));
	c->next_id = 1;
}

const struct move *move_ctl_of(const struct move_ctl *c, unsigned b)
{
	return b < STEER_BUCKETS && c->slot_of[b] != MOVE_NONE ? &c->moves[c->slot_of[b]] : NULL;
}

/* May bucket b begin a move to `to`? Not mid-move, or drained by `to` itself (a move back). */
bool move_ctl_free_for(const struct move_ctl *c, unsigned b, unsigned to)
{
	const struct move *m = move_ctl_of(c, b);
	return !m || (m->step == MOVE_DRAINING && m->from == to);
}

static unsigned free_slots(const struct move_ctl *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MOVE_MAX; i++)
		n += c->moves[i].step == MOVE_FREE;
	return n;
}

static struct move *new_move(struct move_ctl *c)
{
	for (unsigned i = 0; i < MOVE_MAX; i++)
		if (c->moves[i].step == MOVE_FREE)
			return &c->moves[i];
	return NULL;
}

static void begin_one(struct move_ctl *c, const uint8_t table[STEER_BUCKETS],
		      const struct steer_mask *m, unsigned from, unsigned to, uint64_t now)
{
	struct move *mv = new_move(c);
	*mv = (struct move){ .id = c->next_id++, .from = (uint8_t)from, .to = (uint8_t)to,
			     .step = MOVE_BEGIN_DUE, .deadline = now + MOVE_READY_MS };
	if (!c->next_id)
		c->next_id = 1;                 /* 0 is never a move's */
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (steer_mask_has(m, b) && table[b] == from) {
			steer_mask_set(&mv->mask, b);
			c->slot_of[b] = (uint8_t)(mv - c->moves);
		}
	c->stats.requested++;
}

int move_ctl_request(struct move_ctl *c, const uint8_t table[STEER_BUCKETS],
		     const struct steer_mask *m, unsigned to, uint64_t now)
{
	if (steer_mask_empty(m) || to >= STEER_MAX_KERNELS)
		return -EINVAL;
	uint64_t from = 0;
	for (unsigned b = 0; b < STEER_BUCKETS; b++) {
		if (!steer_mask_has(m, b) || table[b] == to)
			continue;
		if (!move_ctl_free_for(c, b, to) || table[b] >= STEER_MAX_KERNELS) {
			c->stats.refused++;
			return -EBUSY;
		}
		from |= 1ull << table[b];
	}
	unsigned n = 0;
	for (uint64_t f = from; f; f &= f - 1)
		n++;
	if (n > free_slots(c)) {
		c->stats.refused++;
		return -ENOSPC;
	}
	for (unsigned k = 0; k < STEER_MAX_KERNELS; k++)
		if (from >> k & 1)
			begin_one(c, table, m, k, to, now);
	return (int)n;
}

/* The newest move but m still in flight with bucket b, or MOVE_NONE. */
static uint8_t other_move_of(const struct move_ctl *c, const struct move *m, unsigned b)
{
	uint8_t slot = MOVE_NONE;
	for (unsigned i = 0; i < MOVE_MAX; i++) {
		const struct move *o = &c->moves[i];
		if (o != m && o->step != MOVE_FREE && steer_mask_has(&o->mask, b) &&
		    (slot == MOVE_NONE || o->id > c->moves[slot].id))
			slot = (uint8_t)i;
	}
	return slot;
}

/* The move ends. A bucket it took back to the kernel draining it (bucket_free_for) is that
 * drain's again: its connections there are still reached through the kernel that forwards
 * to it, and the bucket may not go on to a third kernel, which would forward to the wrong
 * one. Its other buckets are in none. */
static void finish(struct move_ctl *c, struct move *m)
{
	unsigned slot = (unsigned)(m - c->moves);
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (c->slot_of[b] == slot)
			c->slot_of[b] = other_move_of(c, m, b);
	m->step = MOVE_FREE;
}

static void tick_one(struct move_ctl *c, struct move *m, uint64_t now, uint64_t alive)
{
	switch (m->step) {
	case MOVE_BEGIN_DUE:
	case MOVE_AWAIT_READY:
		if (!alive_bit(alive, m->to)) {
			c->stats.aborted++;
			finish(c, m);
		} else if (now >= m->deadline) {
			c->stats.aborted++;
			m->step = MOVE_ABORT_DUE;
		}
		break;
	case MOVE_WRITE_DUE:
		if (!alive_bit(alive, m->to)) {         /* never give buckets to the dead */
			c->stats.aborted++;
			finish(c, m);
		}
		break;
	case MOVE_ABORT_DUE:
		if (!alive_bit(alive, m->to))
			finish(c, m);
		break;
	case MOVE_LEAVE_DUE:
	case MOVE_DRAINING:
		if (!alive_bit(alive, m->from)) {
			c->stats.drained++;
			finish(c, m);
		} else if (m->step == MOVE_DRAINING && now >= m->deadline) {
			c->stats.drain_silent++;
			finish(c, m);
		}
		break;
	default:
		break;
	}
}

void move_ctl_tick(struct move_ctl *c, uint64_t now, uint64_t alive)
{
	for (unsigned i = 0; i < MOVE_MAX; i++)
		tick_one(c, &c->moves[i], now, alive);
}

void move_ctl_sent(struct move_ctl *c, struct move *m, enum move_step done, uint64_t now)
{
	if (m->step != done)
		return;
	switch (m->step) {
	case MOVE_BEGIN_DUE:
		m->step = MOVE_AWAIT_READY;
		break;
	case MOVE_WRITE_DUE:
		c->stats.done++;
		m->step = MOVE_LEAVE_DUE;
		break;
	case MOVE_LEAVE_DUE:
		m->step = MOVE_DRAINING;
		m->deadline = now + MOVE_SILENCE_MS;
		break;
	case MOVE_ABORT_DUE:
		finish(c, m);
		break;
	default:
		break;
	}
}

/* The move `id` whose kernel `role_of` is k, in one of the steps lo..hi. */
static struct move *find(struct move_ctl *c, uint32_t id, unsigned k, bool new_owner,
			 enum move_step lo, enum move_step hi)
{
	for (unsigned i = 0; i < MOVE_MAX; i++) {
		struct move *m = &c->moves[i];
		if (m->id == id && m->step >= lo && m->step <= hi &&
		    (new_owner ? m->to : m->from) == k)
			return m;
	}
	c->stats.stale++;
	return NULL;
}

/* A READY may come while BEGIN_DUE: a new owner that is the caller itself answers inside
 * the send. */
int move_ctl_ready(struct move_ctl *c, uint32_t id, unsigned from, uint64_t now)
{
	(void)now;
	struct move *m = find(c, id, from, true, MOVE_BEGIN_DUE, MOVE_AWAIT_READY);
	if (!m)
		return -ENOENT;
	m->step = MOVE_WRITE_DUE;
	return 0;
}

int move_ctl_progress(struct move_ctl *c, uint32_t id, unsigned from, uint64_t now)
{
	struct move *m = find(c, id, from, false, MOVE_LEAVE_DUE, MOVE_DRAINING);
	if (!m)
		return -ENOENT;
	m->deadline = now + MOVE_SILENCE_MS;
	return 0;
}

/* Likewise a DRAINED may come while LEAVE_DUE, from a previous owner that is the caller. */
int move_ctl_drained(struct move_ctl *c, uint32_t id, unsigned from)
{
	struct move *m = find(c, id, from, false, MOVE_LEAVE_DUE, MOVE_DRAINING);
	if (!m)
		return -ENOENT;
	c->stats.drained++;
	finish(c, m);
	return 0;
}

void move_local_init(struct move_local *l)
{
	memset(l, 0, sizeof(*l));
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		l->fwd[b].to = MOVE_NONE;
}

static bool draining(const struct move_local *l, unsigned b)
{
	for (unsigned i = 0; i < MOVE_DRAINS; i++)
		if (l->drain[i].on && steer_mask_has(&l->drain[i].mask, b))
			return true;
	return false;
}

/* A bucket that comes back stays in its drains until `from` reports (move_fwd_heard). */
void move_fwd_begin(struct move_local *l, uint32_t id, const struct steer_mask *m,
		    unsigned from, uint64_t now)
{
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (steer_mask_has(m, b))
			l->fwd[b] = (struct move_fwd){ (uint8_t)from, id, now, draining(l, b) };
}

/* Bucket b came back, and the kernel that forwarded its connections here has left it: they
 * are this kernel's own again. */
static void back_home(struct move_local *l, unsigned b)
{
	for (unsigned i = 0; i < MOVE_DRAINS; i++)
		if (l->drain[i].on)
			steer_mask_clear(&l->drain[i].mask, b);
	l->fwd[b].back = false;
}

int move_fwd_to(const struct move_local *l, unsigned b)
{
	return b < STEER_BUCKETS && l->fwd[b].to != MOVE_NONE ? l->fwd[b].to : -1;
}

static unsigned fwd_stop(struct move_local *l, bool (*ends)(const struct move_fwd *, uint64_t,
							       uint64_t), uint64_t a, uint64_t b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < STEER_BUCKETS; i++)
		if (l->fwd[i].to != MOVE_NONE && ends(&l->fwd[i], a, b)) {
			l->fwd[i].to = MOVE_NONE;
			n++;
		}
	return n;
}

/* The buckets that came back from a dead kernel: nobody forwards to their drains now. */
static void back_from_dead(struct move_local *l, uint64_t alive)
{
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (l->fwd[b].to != MOVE_NONE && l->fwd[b].back && !alive_bit(alive, l->fwd[b].to))
			back_home(l, b);
}

static bool is_move(const struct move_fwd *f, uint64_t id, uint64_t unused)
{
	(void)unused;
	return f->id == id;
}

static bool is_dead(const struct move_fwd *f, uint64_t alive, uint64_t unused)
{
	(void)unused;
	return !alive_bit(alive, f->to);
}

static bool is_silent(const struct move_fwd *f, uint64_t now, uint64_t unused)
{
	(void)unused;
	return now >= f->heard + MOVE_SILENCE_MS;      /* heard may be later than now */
}

void move_fwd_end(struct move_local *l, uint32_t id)
{
	l->stats.fwd_ended += fwd_stop(l, is_move, id, 0);
}

void move_fwd_drained(struct move_local *l, uint32_t id)
{
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (l->fwd[b].to != MOVE_NONE && l->fwd[b].id == id && l->fwd[b].back)
			back_home(l, b);
	move_fwd_end(l, id);
}

void move_fwd_heard(struct move_local *l, uint32_t id, uint64_t now)
{
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (l->fwd[b].to != MOVE_NONE && l->fwd[b].id == id)
			l->fwd[b].heard = now;
}

void move_fwd_tick(struct move_local *l, uint64_t now, uint64_t alive)
{
	back_from_dead(l, alive);
	l->stats.fwd_dead += fwd_stop(l, is_dead, alive, 0);
	l->stats.fwd_silent += fwd_stop(l, is_silent, now, 0);
}

/* The buckets' forwarding stays: frames the NIC or kernel 0 sent here before the table
 * changed may still be in this kernel's ring, and the connections they belong to are where
 * they were. It ends as any forwarding does (DRAINED, death, silence). A bucket that came
 * back and had not yet left the drain it came back to leaves it now: the new drain holds
 * its connections, and its new owner forwards to them. */
int move_drain_begin(struct move_local *l, uint32_t id, const struct steer_mask *m,
		     unsigned to, uint64_t now)
{
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		if (steer_mask_has(m, b) && l->fwd[b].to != MOVE_NONE && l->fwd[b].back)
			back_home(l, b);
	for (unsigned i = 0; i < MOVE_DRAINS; i++) {
		struct move_drain *d = &l->drain[i];
		if (d->on)
			continue;
		*d = (struct move_drain){ true, (uint8_t)to, id, *m, now, now };
		return (int)i;
	}
	l->stats.drains_full++;
	return -ENOSPC;
}

enum move_report move_drain_check(struct move_local *l, unsigned i, unsigned remaining,
				  uint64_t now)
{
	if (i >= MOVE_DRAINS || !l->drain[i].on)
		return MOVE_REPORT_NONE;
	struct move_drain *d = &l->drain[i];
	if (!remaining && now >= d->began + MOVE_LINGER_MS)
		return MOVE_REPORT_DRAINED;
	if (now < d->next_report)
		return MOVE_REPORT_NONE;
	d->next_report = now + MOVE_REPORT_MS;
	return MOVE_REPORT_DRAINING;
}

void move_drain_unsent(struct move_local *l, unsigned i)
{
	if (i < MOVE_DRAINS)
		l->drain[i].next_report = 0;
}

void move_drain_done(struct move_local *l, unsigned i)
{
	if (i < MOVE_DRAINS)
		l->drain[i].on = false;
}
