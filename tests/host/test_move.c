/* Tests of net/move.c, the move exchange's state (kernel/netmove.h draws the exchange): kernel
 * 0 asks the new owner to forward, rewrites the table on READY, tells the previous owner to
 * leave, and waits for DRAINED; every step has a deadline; the previous owner counts its
 * connections down; the new owner forwards until DRAINED, ABORT, death or silence. */
#include "tests/host/test.h"
#include "net/move.h"
#include "lib/errno.h"
#include "lib/string.h"

#define T0    10000
#define ALL   (~0ull)                   /* every kernel alive */

static struct steer_mask mask_of(unsigned b)
{
	struct steer_mask m = { { 0, 0 } };
	steer_mask_set(&m, b);
	return m;
}

/* Kernel 0 with a table of kernel b % n, and one move of bucket b to kernel `to` begun. */
static struct move *begun(struct move_ctl *c, uint8_t *table, unsigned n, unsigned b,
			  unsigned to)
{
	for (unsigned i = 0; i < STEER_BUCKETS; i++)
		table[i] = (uint8_t)(i % n);
	move_ctl_init(c);
	struct steer_mask m = mask_of(b);
	if (move_ctl_request(c, table, &m, to, T0) != 1)
		return NULL;
	return (struct move *)move_ctl_of(c, b);
}

TEST(move, a_move_goes_begin_ready_write_leave_drained)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);        /* bucket 5: kernel 1 -> kernel 0 */
	EXPECT(m != NULL);
	if (!m)
		return;
	EXPECT_EQ_U64(m->step, MOVE_BEGIN_DUE);
	EXPECT_EQ_U64(m->from, 1);
	EXPECT_EQ_U64(m->to, 0);
	move_ctl_sent(&c, m, m->step, T0); /* BEGIN sent */
	EXPECT_EQ_U64(m->step, MOVE_AWAIT_READY);
	EXPECT_EQ_U64(move_ctl_ready(&c, m->id, 0, T0 + 10), 0);
	EXPECT_EQ_U64(m->step, MOVE_WRITE_DUE);
	move_ctl_sent(&c, m, m->step, T0 + 10); /* table written */
	EXPECT_EQ_U64(m->step, MOVE_LEAVE_DUE);
	EXPECT_EQ_U64(c.stats.done, 1);
	move_ctl_sent(&c, m, m->step, T0 + 10); /* LEAVE sent */
	EXPECT_EQ_U64(m->step, MOVE_DRAINING);
	EXPECT_EQ_U64(move_ctl_progress(&c, m->id, 1, T0 + 1000), 0);
	EXPECT_EQ_U64(move_ctl_drained(&c, m->id, 1), 0);
	EXPECT(move_ctl_of(&c, 5) == NULL);
	EXPECT_EQ_U64(c.stats.drained, 1);
	EXPECT_EQ_U64(c.stats.stale, 0);
}

/* A new owner that is kernel 0 itself answers inside the send of BEGIN: the READY stands. */
TEST(move, a_ready_that_came_inside_the_send_is_kept)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);
	EXPECT_EQ_U64(move_ctl_ready(&c, m->id, 0, T0), 0);
	move_ctl_sent(&c, m, MOVE_BEGIN_DUE, T0);
	EXPECT_EQ_U64(m->step, MOVE_WRITE_DUE);
}

TEST(move, no_ready_within_a_second_aborts_and_leaves_the_table)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_tick(&c, T0 + MOVE_READY_MS - 1, ALL);
	EXPECT_EQ_U64(m->step, MOVE_AWAIT_READY);
	move_ctl_tick(&c, T0 + MOVE_READY_MS, ALL);
	EXPECT_EQ_U64(m->step, MOVE_ABORT_DUE);
	EXPECT_EQ_U64(c.stats.aborted, 1);
	uint32_t id = m->id;
	EXPECT_EQ_U64(move_ctl_ready(&c, id, 0, T0 + MOVE_READY_MS + 1), -ENOENT);   /* late */
	EXPECT_EQ_U64(c.stats.stale, 1);
	move_ctl_sent(&c, m, m->step, T0 + MOVE_READY_MS); /* ABORT sent */
	EXPECT(move_ctl_of(&c, 5) == NULL);
	EXPECT_EQ_U64(c.stats.done, 0);
}

TEST(move, a_begin_that_cannot_be_sent_times_out_too)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);
	move_ctl_tick(&c, T0 + MOVE_READY_MS, ALL);     /* BEGIN never went */
	EXPECT_EQ_U64(m->step, MOVE_ABORT_DUE);
}

TEST(move, a_new_owner_dead_before_ready_ends_the_move_without_abort)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 4, 1);        /* bucket 4: kernel 0 -> kernel 1 */
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_tick(&c, T0 + 5, ALL & ~2ull);
	EXPECT(move_ctl_of(&c, 4) == NULL);
	EXPECT_EQ_U64(c.stats.aborted, 1);
	EXPECT_EQ_U64(c.stats.done, 0);
}

TEST(move, an_abort_to_a_new_owner_that_died_is_given_up)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 4, 1);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_tick(&c, T0 + MOVE_READY_MS, ALL);
	EXPECT_EQ_U64(m->step, MOVE_ABORT_DUE);
	move_ctl_tick(&c, T0 + MOVE_READY_MS + 5, ALL & ~2ull);
	EXPECT(move_ctl_of(&c, 4) == NULL);
}

/* The new owner said READY, then died before kernel 0 could write the table (a write that
 * fails is retried at each poll): the buckets must not go to a dead kernel. */
TEST(move, a_new_owner_dead_after_ready_ends_the_move_before_the_table)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 4, 1);        /* bucket 4: kernel 0 -> kernel 1 */
	move_ctl_sent(&c, m, m->step, T0);
	EXPECT_EQ_U64(move_ctl_ready(&c, m->id, 1, T0 + 5), 0);
	move_ctl_tick(&c, T0 + 10, ALL);
	EXPECT_EQ_U64(m->step, MOVE_WRITE_DUE);
	move_ctl_tick(&c, T0 + 20, ALL & ~2ull);
	EXPECT(move_ctl_of(&c, 4) == NULL);
	EXPECT_EQ_U64(c.stats.aborted, 1);
	EXPECT_EQ_U64(c.stats.done, 0);
}

/* A dead kernel's buckets go to the living by moves whose previous owner is dead from the
 * start: BEGIN, READY and the table as usual, and the move ends at LEAVE. */
TEST(move, a_move_from_a_dead_kernel_reaches_the_table_and_ends)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);        /* bucket 5: dead kernel 1 -> kernel 0 */
	move_ctl_tick(&c, T0, ALL & ~2ull);
	EXPECT_EQ_U64(m->step, MOVE_BEGIN_DUE);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_tick(&c, T0 + 1, ALL & ~2ull);
	EXPECT_EQ_U64(move_ctl_ready(&c, m->id, 0, T0 + 2), 0);
	move_ctl_tick(&c, T0 + 3, ALL & ~2ull);
	EXPECT_EQ_U64(m->step, MOVE_WRITE_DUE);
	move_ctl_sent(&c, m, m->step, T0 + 3);          /* table written */
	EXPECT_EQ_U64(c.stats.done, 1);
	move_ctl_tick(&c, T0 + 4, ALL & ~2ull);
	EXPECT(move_ctl_of(&c, 5) == NULL);
	EXPECT_EQ_U64(c.stats.drained, 1);
}

/* A previous owner that dies has no connections left to drain, before or after LEAVE. */
TEST(move, a_dead_previous_owner_ends_the_move_at_leave_and_while_draining)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_ready(&c, m->id, 0, T0);
	move_ctl_sent(&c, m, m->step, T0); /* written; LEAVE cannot be sent */
	move_ctl_tick(&c, T0 + 100, ALL);
	EXPECT_EQ_U64(m->step, MOVE_LEAVE_DUE);         /* retried, no deadline of its own */
	move_ctl_tick(&c, T0 + 200, ALL & ~2ull);
	EXPECT(move_ctl_of(&c, 5) == NULL);
	EXPECT_EQ_U64(c.stats.drained, 1);

	m = begun(&c, t, 2, 7, 0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_ready(&c, m->id, 0, T0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_tick(&c, T0 + 50, ALL & ~2ull);
	EXPECT(move_ctl_of(&c, 7) == NULL);
}

TEST(move, a_previous_owner_silent_past_its_deadline_is_given_up)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_ready(&c, m->id, 0, T0);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_sent(&c, m, m->step, T0); /* DRAINING from T0 */
	move_ctl_progress(&c, m->id, 1, T0 + 2000);
	move_ctl_tick(&c, T0 + 2000 + MOVE_SILENCE_MS - 1, ALL);
	EXPECT_EQ_U64(m->step, MOVE_DRAINING);          /* the report moved the deadline */
	move_ctl_tick(&c, T0 + 2000 + MOVE_SILENCE_MS, ALL);
	EXPECT(move_ctl_of(&c, 5) == NULL);
	EXPECT_EQ_U64(c.stats.drain_silent, 1);
}

TEST(move, a_second_move_of_a_bucket_mid_move_is_refused)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 3, 4, 0);        /* bucket 4: kernel 1 -> kernel 0 */
	struct steer_mask b4 = mask_of(4);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 2, T0), -EBUSY);
	move_ctl_sent(&c, m, m->step, T0);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 2, T0), -EBUSY);
	move_ctl_ready(&c, m->id, 0, T0);
	t[4] = 0;
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_sent(&c, m, m->step, T0); /* draining on kernel 1 */
	/* While kernel 1 drains, kernel 0 forwards to it: only a move back to 1 may begin. */
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 2, T0), -EBUSY);
	EXPECT_EQ_U64(c.stats.refused, 3);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 1, T0), 1);
	const struct move *back = move_ctl_of(&c, 4);
	EXPECT(back != m);
	EXPECT_EQ_U64(back->from, 0);
	EXPECT_EQ_U64(back->to, 1);
	/* The first move's DRAINED ends it, and leaves the bucket in the second. */
	EXPECT_EQ_U64(move_ctl_drained(&c, m->id, 1), 0);
	EXPECT(move_ctl_of(&c, 4) == back);
}

/* Bucket 4 went from kernel 1 to kernel 0 and kernel 1 drains it; a move back to 1 begins
 * and is aborted. Kernel 1's connections there are still reached only through kernel 0's
 * forwarding, so the bucket is the first move's again: it may move back to 1, never to a
 * third kernel, whose forwarding would go to kernel 0 instead. The same once the move back
 * ends by its drain while the first move is still on. */
TEST(move, a_bucket_whose_move_back_ends_belongs_to_the_drain_it_came_from)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 3, 4, 0);        /* bucket 4: kernel 1 -> kernel 0 */
	struct steer_mask b4 = mask_of(4);
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_ready(&c, m->id, 0, T0);
	t[4] = 0;
	move_ctl_sent(&c, m, m->step, T0);
	move_ctl_sent(&c, m, m->step, T0);             /* draining on kernel 1 */
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 1, T0), 1);
	struct move *back = (struct move *)move_ctl_of(&c, 4);
	move_ctl_sent(&c, back, back->step, T0);
	move_ctl_tick(&c, T0 + MOVE_READY_MS, ALL);     /* no READY: aborted */
	move_ctl_sent(&c, back, back->step, T0 + MOVE_READY_MS);
	EXPECT(move_ctl_of(&c, 4) == m);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 2, T0 + MOVE_READY_MS), -EBUSY);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 1, T0 + MOVE_READY_MS), 1);
	back = (struct move *)move_ctl_of(&c, 4);
	move_ctl_sent(&c, back, back->step, T0);
	move_ctl_ready(&c, back->id, 1, T0);
	t[4] = 1;
	move_ctl_sent(&c, back, back->step, T0);
	move_ctl_sent(&c, back, back->step, T0);       /* draining on kernel 0 */
	EXPECT_EQ_U64(move_ctl_drained(&c, back->id, 0), 0);
	EXPECT(move_ctl_of(&c, 4) == m);
	EXPECT_EQ_U64(move_ctl_drained(&c, m->id, 1), 0);
	EXPECT(move_ctl_of(&c, 4) == NULL);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b4, 2, T0 + 2000), 1);
}

TEST(move, a_request_splits_by_previous_owner_and_skips_buckets_already_there)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	for (unsigned i = 0; i < STEER_BUCKETS; i++)
		t[i] = (uint8_t)(i % 3);
	move_ctl_init(&c);
	struct steer_mask m = { { 0x3F, 0 } };         /* buckets 0-5: kernels 0,1,2,0,1,2 */
	EXPECT_EQ_U64(move_ctl_request(&c, t, &m, 2, T0), 2);
	EXPECT(move_ctl_of(&c, 2) == NULL);
	EXPECT(move_ctl_of(&c, 0) == move_ctl_of(&c, 3));
	EXPECT(move_ctl_of(&c, 1) == move_ctl_of(&c, 4));
	EXPECT(move_ctl_of(&c, 0) != move_ctl_of(&c, 1));
	EXPECT_EQ_U64(move_ctl_of(&c, 1)->from, 1);
	struct steer_mask two = mask_of(2), none = { { 0, 0 } };
	EXPECT_EQ_U64(move_ctl_request(&c, t, &two, 2, T0), 0);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &none, 2, T0), -EINVAL);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &two, STEER_MAX_KERNELS, T0), -EINVAL);
}

/* Moves a bucket from its owner in t to `to` through every step to DRAINING. */
static void moved_and_draining(struct move_ctl *c, uint8_t *t, unsigned b, unsigned to)
{
	struct steer_mask m = mask_of(b);
	EXPECT_EQ_U64(move_ctl_request(c, t, &m, to, T0), 1);
	struct move *mv = (struct move *)move_ctl_of(c, b);
	move_ctl_sent(c, mv, mv->step, T0);
	move_ctl_ready(c, mv->id, to, T0);
	move_ctl_sent(c, mv, mv->step, T0);
	move_ctl_sent(c, mv, mv->step, T0);
	t[b] = (uint8_t)to;
}

/* A slot for every bucket: every bucket may be mid-move at once (under live connections a
 * drain lasts as long as they do). Past that only moves back can ask for one; a request
 * that needs more slots than are free begins nothing. */
TEST(move, requests_past_the_slots_are_refused_whole)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	_Static_assert(MOVE_MAX == STEER_BUCKETS, "a slot for every bucket");
	for (unsigned i = 0; i < STEER_BUCKETS; i++)
		t[i] = (uint8_t)(i % 3);
	move_ctl_init(&c);
	/* Each bucket in a move of its own: kernel 0's to 1 and 2 in turn, the others' to the
	 * next kernel. Every slot is taken. */
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		moved_and_draining(&c, t, b, b % 3 ? (b % 3 + 1) % 3 : 1 + b / 3 % 2);
	struct steer_mask b1 = mask_of(1);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b1, 1, T0), -ENOSPC);     /* back to 1 */
	/* One slot free. Buckets 0 (now kernel 1's) and 3 (now kernel 2's) both drain on kernel
	 * 0: their way back is two moves, for one slot: none begins. */
	EXPECT_EQ_U64(move_ctl_drained(&c, move_ctl_of(&c, 6)->id, 0), 0);
	const struct move *m0 = move_ctl_of(&c, 0), *m3 = move_ctl_of(&c, 3);
	struct steer_mask both = { { 0x9, 0 } };
	EXPECT_EQ_U64(move_ctl_request(&c, t, &both, 0, T0), -ENOSPC);
	EXPECT(move_ctl_of(&c, 0) == m0 && move_ctl_of(&c, 3) == m3);
	EXPECT_EQ_U64(move_ctl_request(&c, t, &b1, 1, T0), 1);
}

TEST(move, messages_from_the_wrong_kernel_are_stale)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	struct move *m = begun(&c, t, 2, 5, 0);
	move_ctl_sent(&c, m, m->step, T0);
	EXPECT_EQ_U64(move_ctl_ready(&c, m->id, 1, T0), -ENOENT);      /* not the new owner */
	EXPECT_EQ_U64(move_ctl_drained(&c, m->id, 1), -ENOENT);         /* not yet left */
	EXPECT_EQ_U64(move_ctl_ready(&c, m->id + 1, 0, T0), -ENOENT);
	EXPECT_EQ_U64(c.stats.stale, 3);
	EXPECT_EQ_U64(m->step, MOVE_AWAIT_READY);
}

/* The new owner's side: forwards from BEGIN until DRAINED, ABORT, death or silence. */
TEST(move, the_new_owner_forwards_until_drained)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = { { 0x30, 0 } };         /* buckets 4 and 5 */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), -1);
	move_fwd_begin(&l, 9, &m, 1, T0);
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 1);
	EXPECT_EQ_U64(move_fwd_to(&l, 5), 1);
	EXPECT_EQ_U64(move_fwd_to(&l, 6), -1);
	move_fwd_drained(&l, 8);                        /* another move's */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 1);
	move_fwd_drained(&l, 9);
	EXPECT_EQ_U64(move_fwd_to(&l, 4), -1);
	EXPECT_EQ_U64(move_fwd_to(&l, 5), -1);
	EXPECT_EQ_U64(l.stats.fwd_ended, 2);
}

TEST(move, the_new_owner_stops_forwarding_to_a_dead_or_silent_kernel)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask a = mask_of(4), b = mask_of(5);
	move_fwd_begin(&l, 1, &a, 1, T0);
	move_fwd_begin(&l, 2, &b, 2, T0);
	move_fwd_tick(&l, T0 + 10, ALL & ~2ull);        /* kernel 1 died */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), -1);
	EXPECT_EQ_U64(move_fwd_to(&l, 5), 2);
	EXPECT_EQ_U64(l.stats.fwd_dead, 1);
	move_fwd_heard(&l, 2, T0 + 2000);
	move_fwd_tick(&l, T0 + 2000 + MOVE_SILENCE_MS - 1, ALL);
	EXPECT_EQ_U64(move_fwd_to(&l, 5), 2);
	move_fwd_tick(&l, T0 + 2000 + MOVE_SILENCE_MS, ALL);
	EXPECT_EQ_U64(move_fwd_to(&l, 5), -1);
	EXPECT_EQ_U64(l.stats.fwd_silent, 1);
}

/* Times come from one clock but not from one moment: a BEGIN or LEAVE taken at once inside
 * kernel 0's poll (kernel 0 is the new or previous owner itself) is stamped later than the
 * `now` that poll then passes on. A forwarding heard "after" now is not silent, and a drain
 * begun "after" now has not lingered. */
TEST(move, a_forwarding_or_drain_stamped_after_now_has_not_timed_out)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(4), n = mask_of(5);
	move_fwd_begin(&l, 1, &m, 1, T0 + 5);
	move_fwd_tick(&l, T0, ALL);
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 1);
	EXPECT_EQ_U64(l.stats.fwd_silent, 0);
	int i = move_drain_begin(&l, 2, &n, 1, T0 + 5);
	EXPECT(i >= 0);
	if (i >= 0)
		EXPECT(move_drain_check(&l, (unsigned)i, 0, T0) != MOVE_REPORT_DRAINED);
}

/* The previous owner's side: reports every second while connections remain, DRAINED at
 * zero once it has lingered, and keeps the drain until DRAINED was sent. */
TEST(move, the_previous_owner_reports_progress_then_drained)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(4);
	move_fwd_begin(&l, 3, &m, 2, T0 - 100);         /* it was forwarding bucket 4 */
	int i = move_drain_begin(&l, 7, &m, 0, T0);
	EXPECT(i >= 0);
	if (i < 0)
		return;
	/* It leaves, but frames sent here before the table changed may still be in its ring:
	 * their connections are on kernel 2 yet, so its forwarding goes on. */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 2);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 2, T0), MOVE_REPORT_DRAINING);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 2, T0 + 10), MOVE_REPORT_NONE);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 1, T0 + MOVE_REPORT_MS),
		      MOVE_REPORT_DRAINING);
	/* None left, but segments of its connections or of a cookie it answered just before
	 * LEAVE may still come: DRAINED once MOVE_LINGER_MS have passed since LEAVE. */
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + MOVE_REPORT_MS + 1),
		      MOVE_REPORT_NONE);
	EXPECT(move_drain_check(&l, (unsigned)i, 0, T0 + MOVE_LINGER_MS - 1) !=
	       MOVE_REPORT_DRAINED);                    /* a report, if one is due */
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + MOVE_LINGER_MS),
		      MOVE_REPORT_DRAINED);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + MOVE_LINGER_MS + 1),
		      MOVE_REPORT_DRAINED);             /* until it was sent */
	move_drain_done(&l, (unsigned)i);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + 5000), MOVE_REPORT_NONE);
}

/* A report that could not be sent (the channel to the new owner full of frames, as on the
 * e1000, where every other kernel transmits through kernel 0) is due at the next check:
 * three lost in a row would read as silence, and the new owner would stop forwarding to
 * connections that are still there. */
TEST(move, a_report_that_could_not_be_sent_is_due_again_at_the_next_check)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(4);
	int i = move_drain_begin(&l, 7, &m, 0, T0);
	EXPECT(i >= 0);
	if (i < 0)
		return;
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 2, T0), MOVE_REPORT_DRAINING);
	move_drain_unsent(&l, (unsigned)i);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 2, T0 + 100), MOVE_REPORT_DRAINING);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 2, T0 + 200), MOVE_REPORT_NONE);
}

/* Buckets 4 and 5 left for kernel 1, which forwards their connections' segments here; bucket
 * 4 moves back. Until kernel 1 has drained the move back (it has left bucket 4, and the
 * segments the table sent it before have come), those segments may reach kernel 1, which
 * forwards them only while this kernel's drain is on: the bucket stays in it, its
 * connections counted. */
TEST(move, a_bucket_that_comes_back_leaves_the_drain_once_the_kernel_it_left_has_drained)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = { { 0x30, 0 } }, back = mask_of(4);
	int i = move_drain_begin(&l, 7, &m, 1, T0);
	EXPECT(i >= 0);
	if (i < 0)
		return;
	move_fwd_begin(&l, 8, &back, 1, T0 + 5);        /* bucket 4 moves back here */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 1);
	EXPECT(steer_mask_has(&l.drain[i].mask, 4));
	move_fwd_drained(&l, 7);                        /* another move's */
	EXPECT(steer_mask_has(&l.drain[i].mask, 4));
	move_fwd_heard(&l, 8, T0 + 20);                 /* kernel 1 has left bucket 4 */
	EXPECT(steer_mask_has(&l.drain[i].mask, 4));
	move_fwd_drained(&l, 8);                        /* ... and drained it */
	EXPECT(!steer_mask_has(&l.drain[i].mask, 4));
	EXPECT(steer_mask_has(&l.drain[i].mask, 5));
	EXPECT_EQ_U64(move_fwd_to(&l, 4), -1);
}

/* Bucket 4 came back here (move 8) while drain 7 held it, and leaves again (move 9) before
 * kernel 1 has drained move 8. Its connections here are drain 9's now, which the new owner
 * forwards to: drain 7 lets it go at once, and move 8's DRAINED, when it comes, leaves drain
 * 9 alone (it once emptied it, and kernel 1 stopped forwarding to connections still here). */
TEST(move, a_bucket_that_came_back_and_leaves_again_is_in_the_new_drain_only)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(4);
	int old = move_drain_begin(&l, 7, &m, 1, T0);
	move_fwd_begin(&l, 8, &m, 1, T0 + 5);          /* back here */
	int again = move_drain_begin(&l, 9, &m, 1, T0 + 10);
	EXPECT(old >= 0 && again >= 0);
	if (old < 0 || again < 0)
		return;
	EXPECT(!steer_mask_has(&l.drain[old].mask, 4));
	EXPECT(steer_mask_has(&l.drain[again].mask, 4));
	move_fwd_drained(&l, 8);
	EXPECT(steer_mask_has(&l.drain[again].mask, 4));
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)again, 1, T0 + 10), MOVE_REPORT_DRAINING);
}

/* A move back that is aborted never took place: the bucket's connections here are still
 * reached through kernel 1, and the drain goes on counting them. */
TEST(move, a_bucket_whose_move_back_is_aborted_stays_in_the_drain)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(4);
	int i = move_drain_begin(&l, 7, &m, 1, T0);
	EXPECT(i >= 0);
	if (i < 0)
		return;
	move_fwd_begin(&l, 8, &m, 1, T0 + 5);
	move_fwd_end(&l, 8);                            /* ABORT */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), -1);
	EXPECT(steer_mask_has(&l.drain[i].mask, 4));
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 1, T0 + 10), MOVE_REPORT_DRAINING);
}

/* Kernel 1, which the bucket came back from, died: nothing forwards to the drain any more. */
TEST(move, a_bucket_that_came_back_from_a_dead_kernel_leaves_the_drain)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(4);
	int i = move_drain_begin(&l, 7, &m, 1, T0);
	EXPECT(i >= 0);
	if (i < 0)
		return;
	move_fwd_begin(&l, 8, &m, 1, T0 + 5);
	move_fwd_tick(&l, T0 + 10, ALL);
	EXPECT(steer_mask_has(&l.drain[i].mask, 4));
	move_fwd_tick(&l, T0 + 20, ALL & ~2ull);
	EXPECT(!steer_mask_has(&l.drain[i].mask, 4));
	EXPECT_EQ_U64(move_fwd_to(&l, 4), -1);
}

TEST(move, drains_past_the_slots_are_counted)
{
	struct move_local l;
	move_local_init(&l);
	struct steer_mask m = mask_of(1);
	for (unsigned i = 0; i < MOVE_DRAINS; i++)
		EXPECT_EQ_U64(move_drain_begin(&l, i + 1, &m, 0, T0), i);
	EXPECT_EQ_U64(move_drain_begin(&l, 99, &m, 0, T0), -ENOSPC);
	EXPECT_EQ_U64(l.stats.drains_full, 1);
}
