/* Moving RSS buckets between kernels under live connections (DESIGN.md section 4): the pure
 * state of each side of the move exchange that kernel/netmove.h draws. Kernel 0 keeps the
 * moves in flight (struct move_ctl); every kernel keeps, per bucket, whom it forwards unknown
 * segments to as a new owner, and the buckets it drains as a previous owner (struct
 * move_local). No kernel types: the caller sends the messages, counts connections, passes
 * `now` and which kernels are alive (bit k of a uint64_t), and tests drive it on the host. */
#ifndef NET_MOVE_H
#define NET_MOVE_H

#include <stdbool.h>
#include <stdint.h>
#include "net/steer.h"

#define MOVE_READY_MS   1000    /* kernel 0 waits this long for the new owner's READY */
#define MOVE_REPORT_MS  1000    /* a previous owner reports its progress this often */
/* No report from a previous owner for this long: it has forgotten the drain (a dead one is
 * seen sooner, by its heartbeat). Long, since a report is only late when the channel is
 * full of frames, as it is under load on the e1000, where the other kernels transmit
 * through kernel 0; a forwarding given up early resets live connections. */
#define MOVE_SILENCE_MS 10000
/* A drain lasts this long after LEAVE at least: segments the table sent before the change,
 * and the ACK of a cookie sent just before it, may still come, and only the previous owner
 * can take them. */
#define MOVE_LINGER_MS  2000
/* ... and counts a connection this long after it entered TIME-WAIT: the peer's FIN comes
 * again if our ACK of it was lost, after the peer's retransmission timeout, doubled at each
 * loss: 4 s covers two lost ACKs in a row at a timeout of 1 s. */
#define MOVE_TIME_WAIT_MS 4000
/* ... and lasts this long after this kernel last answered a SYN in its buckets with a
 * cookie: the connection exists only once the peer's ACK comes, and that ACK, or the first
 * data standing for it, may come late (dropped at a full accept queue, sent again after the
 * peer's timeout, doubled each time). */
#define MOVE_COOKIE_MS  15000
/* Moves in flight at once (kernel 0): one per bucket, so that only a bucket mid-move refuses
 * a move, however long its drain lasts (as long as its connections do). */
#define MOVE_MAX        STEER_BUCKETS
/* Drains at once on one kernel: it may be the previous owner of every move in flight. A
 * LEAVE that finds none free is not drained, and its new owner stops forwarding when no
 * report comes. */
#define MOVE_DRAINS     MOVE_MAX
#define MOVE_NONE       0xFF    /* no kernel, no move */

_Static_assert(MOVE_SILENCE_MS > 2 * MOVE_REPORT_MS, "one lost report is not silence");
_Static_assert(STEER_MAX_KERNELS < MOVE_NONE, "MOVE_NONE is no kernel");
_Static_assert(MOVE_MAX < MOVE_NONE, "MOVE_NONE is no slot");

/* One move on kernel 0, in the order of its steps. */
enum move_step {
	MOVE_FREE,              /* the slot is unused */
	MOVE_BEGIN_DUE,         /* BEGIN to the new owner not yet sent */
	MOVE_AWAIT_READY,       /* BEGIN sent; READY due by the deadline, else ABORT */
	MOVE_WRITE_DUE,         /* READY came: the caller rewrites the table */
	MOVE_LEAVE_DUE,         /* the table is written: LEAVE to the previous owner not sent */
	MOVE_DRAINING,          /* LEAVE sent: the previous owner serves its connections until
				   DRAINED, or dies, or falls silent */
	MOVE_ABORT_DUE,         /* no READY in time: ABORT to the new owner not yet sent */
};

struct move {
	uint32_t id;
	struct steer_mask mask;         /* its buckets, all of them `from`'s when it began */
	uint8_t from, to;
	uint8_t step;                   /* enum move_step */
	uint64_t deadline;              /* of AWAIT_READY (and BEGIN_DUE), or DRAINING */
};

/* Counted since boot on kernel 0. */
struct move_stats {
	uint64_t requested;             /* moves begun (one per previous owner of a request) */
	uint64_t done;                  /* tables written (the move itself took place) */
	uint64_t refused;               /* requests refused: a bucket mid-move, no slot */
	uint64_t aborted;               /* no READY in time, or the new owner died first */
	uint64_t drained;               /* previous owners that reported DRAINED, or died */
	uint64_t drain_silent;          /* previous owners given up for their silence */
	uint64_t stale;                 /* READY, DRAINING or DRAINED naming no such move */
};

struct move_ctl {
	struct move moves[MOVE_MAX];
	uint8_t slot_of[STEER_BUCKETS]; /* the move a bucket is in, or MOVE_NONE */
	uint32_t next_id;
	struct move_stats stats;
};

void move_ctl_init(struct move_ctl *c);
/* Moves the buckets of m that `to` does not own in table (the table as written) to `to`:
 * one move per previous owner, each MOVE_BEGIN_DUE with a READY deadline. Returns how many
 * moves began (0: every bucket is `to`'s already), -EINVAL for an empty mask or a kernel out
 * of range, -EBUSY if a bucket is mid-move (any step but DRAINING; while draining, only a
 * move back to the kernel that drains it may begin), -ENOSPC without slots for them all.
 * Nothing begins unless all of it can. */
int move_ctl_request(struct move_ctl *c, const uint8_t table[STEER_BUCKETS],
		     const struct steer_mask *m, unsigned to, uint64_t now);
/* Timeouts and deaths: no READY by the deadline -> ABORT_DUE; a new owner dead before the
 * table was written (READY or not) -> the move ends (aborted), the table untouched; a
 * previous owner dead -> it ends (drained) once the table is written, silent past its
 * deadline -> it ends (drain_silent). A move from a kernel already dead runs to the table
 * like any other: nothing of it is waited for. */
void move_ctl_tick(struct move_ctl *c, uint64_t now, uint64_t alive);
/* The caller did what step `done` asked (sent BEGIN, wrote the table, sent LEAVE or ABORT):
 * m takes its next step, unless an answer that came inside the send moved it on already. */
void move_ctl_sent(struct move_ctl *c, struct move *m, enum move_step done, uint64_t now);
/* Messages from the kernels; -ENOENT (counted stale) when they name no move in a step that
 * takes them, from that kernel. */
int move_ctl_ready(struct move_ctl *c, uint32_t id, unsigned from, uint64_t now);
int move_ctl_progress(struct move_ctl *c, uint32_t id, unsigned from, uint64_t now);
int move_ctl_drained(struct move_ctl *c, uint32_t id, unsigned from);
/* The move bucket b is in, or NULL. */
const struct move *move_ctl_of(const struct move_ctl *c, unsigned b);
/* May bucket b begin a move to `to` now (move_ctl_request's rule)? */
bool move_ctl_free_for(const struct move_ctl *c, unsigned b, unsigned to);

/* A new owner's forwarding of one bucket: while `to` is a kernel, segments of flows this
 * kernel does not know go to it. */
struct move_fwd {
	uint8_t to;                     /* the previous owner, or MOVE_NONE */
	uint32_t id;
	uint64_t heard;                 /* BEGIN, or the previous owner's last report */
	bool back;                      /* the bucket came back while this kernel drained it */
};

/* A previous owner's drain: its connections in mask are counted until none is left. */
struct move_drain {
	bool on;
	uint8_t to;                     /* the new owner, which hears the reports too */
	uint32_t id;
	struct steer_mask mask;         /* shrinks when a bucket comes back here */
	uint64_t next_report;
	uint64_t began;                 /* LEAVE */
};

struct move_local_stats {
	uint64_t fwd_ended;             /* forwardings ended by DRAINED or ABORT */
	uint64_t fwd_dead;              /* ... because the previous owner died */
	uint64_t fwd_silent;            /* ... because its reports stopped */
	uint64_t drains_full;           /* LEAVEs with no drain slot left */
};

struct move_local {
	struct move_fwd fwd[STEER_BUCKETS];
	struct move_drain drain[MOVE_DRAINS];
	struct move_local_stats stats;
};

/* What a drain must send now. */
enum move_report {
	MOVE_REPORT_NONE,
	MOVE_REPORT_DRAINING,           /* progress, every MOVE_REPORT_MS */
	MOVE_REPORT_DRAINED,            /* none left, past MOVE_LINGER_MS: send, then
					   move_drain_done */
};

void move_local_init(struct move_local *l);
/* New owner, on BEGIN: forward the buckets of m to `from`. A bucket this kernel drains is
 * coming back; its connections stay in the drain, counted and reported, until `from` has
 * drained the move back (move_fwd_drained): until then the table may send, or have sent,
 * their segments to `from`, which must go on forwarding them here. */
void move_fwd_begin(struct move_local *l, uint32_t id, const struct steer_mask *m,
		    unsigned from, uint64_t now);
/* The kernel unknown segments of bucket b go to, or -1. */
int move_fwd_to(const struct move_local *l, unsigned b);
/* ABORT: forwarding for move id stops. */
void move_fwd_end(struct move_local *l, uint32_t id);
/* DRAINED of move id: the previous owner has none of its connections there left, nor
 * segments of them on their way; buckets that came back here leave their drains, and the
 * forwarding stops. */
void move_fwd_drained(struct move_local *l, uint32_t id);
/* DRAINING of move id: the previous owner is there. */
void move_fwd_heard(struct move_local *l, uint32_t id, uint64_t now);
/* Forwarding to a dead kernel, or one silent for MOVE_SILENCE_MS, stops (a bucket that came
 * back from a dead kernel leaves its drains: nothing forwards to them any more). */
void move_fwd_tick(struct move_local *l, uint64_t now, uint64_t alive);
/* Previous owner, on LEAVE: m is no longer this kernel's; its connections there are
 * drained, reported to `to`. Its forwarding of m goes on until it ends by itself (frames
 * sent here before the table changed may be on their way). The drain's index, or -ENOSPC. */
int move_drain_begin(struct move_local *l, uint32_t id, const struct steer_mask *m,
		     unsigned to, uint64_t now);
/* Drain i has `remaining` connections (those in TIME-WAIT for less than MOVE_TIME_WAIT_MS
 * among them): what to send now. */
enum move_report move_drain_check(struct move_local *l, unsigned i, unsigned remaining,
				  uint64_t now);
/* The DRAINING report move_drain_check asked for could not be sent (a full channel): it is
 * due again at the next check, not a period later, lest three in a row read as silence. */
void move_drain_unsent(struct move_local *l, unsigned i);
/* DRAINED for drain i was sent: it ends. */
void move_drain_done(struct move_local *l, unsigned i);

#endif
