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

TEST(move, requests_past_the_slots_are_refused_whole)
{
	struct move_ctl c;
	uint8_t t[STEER_BUCKETS];
	for (unsigned i = 0; i < STEER_BUCKETS; i++)
		t[i] = (uint8_t)(i % 40);
	move_ctl_init(&c);
	struct steer_mask m = { { ~0ull, ~0ull } };    /* 39 previous owners, 32 slots */
	EXPECT_EQ_U64(move_ctl_request(&c, t, &m, 0, T0), -ENOSPC);
	for (unsigned b = 0; b < STEER_BUCKETS; b++)
		EXPECT(move_ctl_of(&c, b) == NULL);
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
	move_fwd_end(&l, 8);                            /* another move's */
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 1);
	move_fwd_end(&l, 9);
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

/* The previous owner's side: reports every second while connections remain, DRAINED at
 * zero, and keeps the drain until DRAINED was sent. */
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
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + MOVE_REPORT_MS + 1),
		      MOVE_REPORT_DRAINED);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + MOVE_REPORT_MS + 2),
		      MOVE_REPORT_DRAINED);             /* until it was sent */
	move_drain_done(&l, (unsigned)i);
	EXPECT_EQ_U64(move_drain_check(&l, (unsigned)i, 0, T0 + 5000), MOVE_REPORT_NONE);
}

/* Buckets 4 and 5 left for kernel 1, which forwards their connections' segments here; bucket
 * 4 moves back. Until kernel 1 reports on the move back (it has left bucket 4), the table
 * may still send those segments to kernel 1, and kernel 1 forwards them only while this
 * kernel's drain is on: the bucket stays in it, its connections counted. */
TEST(move, a_bucket_that_comes_back_leaves_the_drain_once_the_kernel_it_left_reports)
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
	move_fwd_heard(&l, 7, T0 + 10);                 /* another move's report */
	EXPECT(steer_mask_has(&l.drain[i].mask, 4));
	move_fwd_heard(&l, 8, T0 + 20);                 /* kernel 1 has left bucket 4 */
	EXPECT(!steer_mask_has(&l.drain[i].mask, 4));
	EXPECT(steer_mask_has(&l.drain[i].mask, 5));
	EXPECT_EQ_U64(move_fwd_to(&l, 4), 1);
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
