/* Many connections at once: what a stack holding thousands of them pays per tick and per
 * new connection must not grow with how many it holds (the timing wheel, tcp_wheel.h, and
 * the hashed tables of tcp_subr.c). */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"

#define IDLE_CONNS 10000

/* The peer opens n connections to l from ports base, base + 1, ...; each is accepted and
 * left idle: nothing to send, nothing unacknowledged, no timer running. */
static void open_idle(struct tcp_conn *l, unsigned n, uint16_t base, struct tcp_conn **out)
{
	uint16_t saved = peer_port;
	for (unsigned i = 0; i < n; i++) {
		peer_port = (uint16_t)(base + i);
		out[i] = raw_accept(l, NULL);
	}
	peer_port = saved;
}

/* The wheel's work over ms milliseconds of ticks. */
static uint64_t work_over(uint64_t ms)
{
	uint64_t before = A.st.wheel.work;
	run_for(ms);
	return A.st.wheel.work - before;
}

/* A listener whose connections take the smallest buffers, so ten thousand fit in a test. */
static struct tcp_conn *small_listener(void)
{
	struct tcp_conn *l = tcp_conn_new(&A.st);
	EXPECT(tcp_set_buffers(l, TCP_BUF_MIN, TCP_BUF_MIN) == 0);
	EXPECT(tcp_bind(l, 0, 80, false) == 0);
	EXPECT(tcp_listen(l, 64) == 0);
	return l;
}

TEST(tcp_conns, a_tick_costs_the_same_with_10000_idle_connections_as_with_none)
{
	static struct tcp_conn *c[IDLE_CONNS];
	raw_setup();
	struct tcp_conn *l = small_listener();
	uint64_t alone = work_over(1000);
	open_idle(l, IDLE_CONNS, 10000, c);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_ESTABLISHED], IDLE_CONNS);
	EXPECT_EQ_U64(work_over(1000), alone);
	EXPECT(alone <= 2 * 1000);              /* one slot looked at per tick, at most */
	raw_done();
}

/* With keepalive on, each idle connection has a timer two hours away (RFC 1122 4.2.3.6):
 * the wheel moves it down a level at most three times on the way, and the first probes all
 * go out on time. */
TEST(tcp_conns, idle_connections_with_keepalive_cost_a_few_moves_in_two_hours)
{
	static struct tcp_conn *c[IDLE_CONNS];
	raw_setup();
	struct tcp_conn *l = small_listener();
	uint64_t start = now;
	open_idle(l, IDLE_CONNS, 10000, c);
	for (unsigned i = 0; i < IDLE_CONNS; i++)
		tcp_set_keepalive(c[i], true, start);
	uint64_t before = A.st.wheel.work;
	unsigned ticks = 0;
	for (now = start + 1000; now < start + TCP_KEEPIDLE_MS; now += 1000, ticks++)
		tcp_tick(&A.st, now);
	EXPECT_EQ_U64(ncap, 0);
	EXPECT(A.st.wheel.work - before <= 3ull * IDLE_CONNS + 2ull * ticks);
	now = start + TCP_KEEPIDLE_MS;
	tcp_tick(&A.st, now);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_KEEPALIVE_PROBES], IDLE_CONNS);
	raw_done();
}
