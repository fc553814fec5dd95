/* lbsim's kernels: run queues, connections and their requests, forwarding, Affinity-Accept
 * stealing, moves as the move exchange allows them, a hog and a death. */
#include <stdlib.h>
#include "tools/lbsim/model.h"

/* Doubles a pool of `size`-byte items; out of memory ends the run (lbsim is a tool). */
static void *pool_grow(void *v, uint32_t *cap, size_t size)
{
	uint32_t n = *cap ? *cap * 2 : 1024;
	void *w = realloc(v, (size_t)n * size);
	if (!w)
		abort();
	*cap = n;
	return w;
}

static uint32_t job_new(struct sim *s)
{
	if (s->job_free != NONE32) {
		uint32_t j = s->job_free;
		s->job_free = s->jobs[j].next;
		return j;
	}
	if (s->njobs == s->capjobs)
		s->jobs = pool_grow(s->jobs, &s->capjobs, sizeof(*s->jobs));
	return s->njobs++;
}

static void job_put(struct sim *s, uint32_t j)
{
	s->jobs[j].next = s->job_free;
	s->job_free = j;
}

static uint32_t conn_new(struct sim *s)
{
	if (s->conn_free != NONE32) {
		uint32_t c = s->conn_free;
		s->conn_free = s->conns[c].next_free;
		return c;
	}
	if (s->nconns == s->capconns)
		s->conns = pool_grow(s->conns, &s->capconns, sizeof(*s->conns));
	s->conns[s->nconns].gen = 0;
	return s->nconns++;
}

static void conn_close(struct sim *s, uint32_t ci)
{
	struct conn *c = &s->conns[ci];
	unsigned g = c->group;
	s->g_live[g]--;
	if (s->fwd_to[g] == c->server && --s->fwd_left[g] == 0)
		s->fwd_to[g] = SIM_NO_KERNEL;           /* the previous owner is drained */
	c->live = false;
	c->gen++;
	c->next_free = s->conn_free;
	s->conn_free = ci;
}

static void conn_lost(struct sim *s, uint32_t ci)
{
	s->r->lost++;
	conn_close(s, ci);
}

/* A valid job's connection, or NULL when it closed after the job was made. */
static struct conn *job_conn(struct sim *s, const struct job *j)
{
	struct conn *c = &s->conns[j->conn];
	return c->live && c->gen == j->gen ? c : NULL;
}

static void enqueue_job(struct sim *s, unsigned k, uint32_t conn, enum job_type type,
			int64_t t_in, bool stolen)
{
	struct kernel *kk = &s->k[k];
	uint32_t j = job_new(s);
	s->jobs[j] = (struct job){ .conn = conn, .gen = s->conns[conn].gen, .type = (uint8_t)type,
				   .stolen = stolen, .t_in = t_in, .next = NONE32 };
	if (kk->tail == NONE32)
		kk->head = j;
	else
		s->jobs[kk->tail].next = j;
	kk->tail = j;
	kk->accepts += type == JOB_ACCEPT;
	if (!kk->busy)
		serve_next(s, k);
}

static uint32_t dequeue_job(struct sim *s, struct kernel *kk)
{
	uint32_t j = kk->head;
	kk->head = s->jobs[j].next;
	if (kk->head == NONE32)
		kk->tail = NONE32;
	kk->accepts -= s->jobs[j].type == JOB_ACCEPT;
	return j;
}

static void record_delay(struct sim *s, const struct job *j)
{
	if (j->type == JOB_FWD || j->t_in < s->warm)
		return;
	hist_add(&s->r->request, (uint64_t)(s->now - j->t_in));
	if (j->type == JOB_ACCEPT) {
		hist_add(&s->r->accept, (uint64_t)(s->now - j->t_in));
		if (s->p.trace)
			hist_add(&s->period_accept, (uint64_t)(s->now - j->t_in));
	}
}

/* Starts the next job of kernel k's queue; with none, an idle thief looks for work. */
void serve_next(struct sim *s, unsigned k)
{
	struct kernel *kk = &s->k[k];
	while (kk->head != NONE32) {
		uint32_t j = dequeue_job(s, kk);
		struct job *jb = &s->jobs[j];
		struct conn *c = job_conn(s, jb);
		if (!c) {
			job_put(s, j);
			continue;
		}
		int64_t work = (int64_t)(s->p.fwd_us * NS_PER_US);
		if (jb->type != JOB_FWD)
			work = wl_work_ns(s, &c->rng) + (jb->stolen ? (int64_t)(s->p.steal_us * NS_PER_US) : 0);
		record_delay(s, jb);
		kk->busy = true;
		kk->cur = j;
		kk->busy_from = s->now;
		sim_at(s, s->now + (int64_t)(work / kk->speed) + 1, EV_DONE, k, 0);
		return;
	}
	kk->busy = false;
	serve_steal(s, k);
}

static void request_done(struct sim *s, uint32_t ci, struct conn *c)
{
	bool measured = sim_measuring(s);
	s->r->requests += measured;
	if (--c->reqs_left == 0) {
		s->r->conns += measured;
		conn_close(s, ci);
		return;
	}
	sim_at(s, s->now + rng_exp_ns(&c->rng, s->p.think_ms * NS_PER_MS), EV_REQ, ci, c->gen);
}

void serve_done(struct sim *s, unsigned k)
{
	struct kernel *kk = &s->k[k];
	if (!kk->alive)
		return;
	kk->busy_acc += s->now - kk->busy_from;
	uint32_t j = kk->cur;
	struct job jb = s->jobs[j];
	struct conn *c = job_conn(s, &jb);
	job_put(s, j);
	if (c && jb.type == JOB_FWD) {
		s->r->forwarded++;
		if (s->k[c->server].alive)
			enqueue_job(s, c->server, jb.conn, JOB_REQ, jb.t_in, false);
		else
			conn_lost(s, jb.conn);
	} else if (c) {
		request_done(s, jb.conn, c);
	}
	serve_next(s, k);
}

void serve_arrive(struct sim *s)
{
	unsigned g;
	uint32_t reqs;
	uint64_t seed;
	sim_at(s, s->now + wl_next_arrival(s), EV_ARRIVE, 0, 0);
	wl_new_conn(s, &g, &reqs, &seed);
	unsigned o = s->owner[g];
	if (!s->k[o].alive) {
		s->r->lost += sim_measuring(s);         /* the SYN reaches a dead kernel */
		return;
	}
	if (s->k[o].accepts >= s->p.backlog) {
		s->r->dropped += sim_measuring(s);
		return;
	}
	uint32_t ci = conn_new(s);
	struct conn *c = &s->conns[ci];
	*c = (struct conn){ .gen = c->gen, .live = true, .group = (uint16_t)g,
			    .server = (uint16_t)o, .origin = (uint16_t)o, .reqs_left = reqs,
			    .rng = { seed } };
	s->g_new[g]++;
	s->g_live[g]++;
	enqueue_job(s, o, ci, JOB_ACCEPT, s->now, false);
}

/* A later request reaches the group's owner: served there, forwarded to the kernel holding
 * the connection, or, where nobody forwards, the connection breaks. */
void serve_request(struct sim *s, uint32_t ci, uint32_t gen)
{
	struct conn *c = &s->conns[ci];
	if (!c->live || c->gen != gen)
		return;
	unsigned g = c->group, o = s->owner[g];
	if (!s->k[o].alive)
		conn_lost(s, ci);
	else if (o == c->server)
		enqueue_job(s, o, ci, JOB_REQ, s->now, false);
	else if ((c->stolen && o == c->origin) || s->fwd_to[g] == c->server)
		enqueue_job(s, o, ci, JOB_FWD, s->now, false);
	else {
		s->r->broken++;
		conn_close(s, ci);
	}
}

/* The oldest new connection in kernel v's queue, unlinked, or NONE32. */
static uint32_t take_accept(struct sim *s, unsigned v)
{
	struct kernel *kv = &s->k[v];
	uint32_t prev = NONE32;
	for (uint32_t j = kv->head; j != NONE32; prev = j, j = s->jobs[j].next) {
		if (s->jobs[j].type != JOB_ACCEPT || !job_conn(s, &s->jobs[j]))
			continue;
		if (prev == NONE32)
			kv->head = s->jobs[j].next;
		else
			s->jobs[prev].next = s->jobs[j].next;
		if (kv->tail == j)
			kv->tail = prev;
		kv->accepts--;
		return j;
	}
	return NONE32;
}

/* Affinity-Accept's rule: an idle kernel looks at a few others and takes the oldest waiting
 * new connection of the one with the most; it serves that connection from then on, and the
 * group's owner forwards its requests. Finding nothing, it looks again after a while. */
void serve_steal(struct sim *s, unsigned thief)
{
	struct kernel *kt = &s->k[thief];
	if (s->p.policy != POL_STEAL || !kt->alive || kt->busy)
		return;
	int best = -1;
	for (unsigned i = 0; i < s->p.steal_probes; i++) {
		unsigned v = (unsigned)(rng_next(&s->steal_rng) % s->p.kernels);
		if (v != thief && s->k[v].alive && s->k[v].accepts &&
		    (best < 0 || s->k[v].accepts > s->k[best].accepts))
			best = (int)v;
	}
	uint32_t j = best < 0 ? NONE32 : take_accept(s, (unsigned)best);
	if (j == NONE32) {
		if (!kt->steal_pending) {
			kt->steal_pending = true;
			sim_at(s, s->now + (int64_t)(s->p.steal_poll_us * NS_PER_US), EV_STEAL, thief, 0);
		}
		return;
	}
	struct conn *c = &s->conns[s->jobs[j].conn];
	c->server = (uint16_t)thief;
	c->stolen = true;
	c->origin = s->owner[c->group];
	s->r->steals++;
	uint32_t conn = s->jobs[j].conn;
	int64_t t_in = s->jobs[j].t_in;
	job_put(s, j);
	enqueue_job(s, thief, conn, JOB_ACCEPT, t_in, true);
}

void serve_steal_poll(struct sim *s, unsigned k)
{
	s->k[k].steal_pending = false;
	serve_steal(s, k);
}

/* Everything kernel k held or routed is lost: its connections, and those of its groups that
 * other kernels hold (their packets reach k first). */
void serve_die(struct sim *s, unsigned k)
{
	struct kernel *kk = &s->k[k];
	kk->alive = false;
	kk->busy = false;
	while (kk->head != NONE32)
		job_put(s, dequeue_job(s, kk));
	for (uint32_t ci = 0; ci < s->nconns; ci++) {
		struct conn *c = &s->conns[ci];
		if (c->live && (c->server == k || s->owner[c->group] == k))
			conn_lost(s, ci);
	}
}

void serve_hog(struct sim *s, unsigned k)
{
	struct kernel *kk = &s->k[k];
	kk->hogged = !kk->hogged;
	kk->speed = kk->hogged ? 1.0 - s->p.hog_share : 1.0;
}

bool sim_group_moving(const struct sim *s, unsigned g)
{
	return s->in_flight[g] || s->fwd_to[g] != SIM_NO_KERNEL;
}

bool sim_request_move(struct sim *s, unsigned g, unsigned to, bool forward)
{
	if (to >= s->p.kernels || s->in_flight[g] || s->owner[g] == to ||
	    (s->fwd_to[g] != SIM_NO_KERNEL && s->fwd_to[g] != to)) {
		s->r->refused++;
		return false;
	}
	if (s->move_free == NONE32) {
		if (s->nmoves == s->capmoves)
			s->moves = pool_grow(s->moves, &s->capmoves, sizeof(*s->moves));
		s->move_free = s->nmoves;
		s->moves[s->nmoves++].next_free = NONE32;
	}
	uint32_t m = s->move_free;
	s->move_free = s->moves[m].next_free;
	s->moves[m] = (struct move_req){ .group = (uint16_t)g, .to = (uint16_t)to,
					 .forward = forward };
	s->in_flight[g] = 1;
	sim_at(s, s->now + (int64_t)(s->p.move_us * NS_PER_US), EV_MOVE, m, 0);
	return true;
}

/* The table changes. With forwarding, the connections the previous owner holds stay there
 * and the new owner forwards their requests until they are gone (net/move.h); a move back to
 * a kernel still draining the group makes its connections local again. Without forwarding
 * (NetPopcorn), a group with live connections does not move. */
void serve_move(struct sim *s, uint32_t m)
{
	struct move_req mr = s->moves[m];
	unsigned g = mr.group, from = s->owner[g];
	s->moves[m].next_free = s->move_free;
	s->move_free = m;
	s->in_flight[g] = 0;
	bool draining = s->fwd_to[g] != SIM_NO_KERNEL;
	uint32_t on_from = s->g_live[g] - (draining ? s->fwd_left[g] : 0);
	if (!s->k[mr.to].alive || from == mr.to || (!mr.forward && (on_from || draining))) {
		s->r->refused++;
		return;
	}
	if (s->fwd_to[g] == mr.to) {
		s->fwd_to[g] = SIM_NO_KERNEL;
		s->fwd_left[g] = 0;
	}
	if (on_from && s->k[from].alive) {
		s->fwd_to[g] = (uint16_t)from;
		s->fwd_left[g] = on_from;
	}
	s->owner[g] = mr.to;
	s->r->moves += sim_measuring(s);
}
