/* Many connections at once: what a stack holding thousands of them pays per tick and per
 * new connection must not grow with how many it holds (the timing wheel, tcp_wheel.h, and
 * the hashed tables of tcp_subr.c). */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/errno.h"

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

static unsigned port_probes;

/* Flow steering's share of the ports, as on one of four kernels: one port in four (by a
 * hash of the port, so that the suitable ones are spread over the range). */
static bool one_port_in_four(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			     uint32_t raddr, uint16_t rport)
{
	(void)st;
	(void)laddr;
	(void)raddr;
	(void)rport;
	port_probes++;
	return (lport * 2654435761u) >> 30 == 0;
}

/* connect()'s port choice (RFC 6056 3.3.3) with 50,000 connections open, 40,000 accepted on
 * port 80 and 10,000 of its own to ten peers: each choice tries a few ports, each try a few
 * hash-table entries, where a search through every connection costs 50,000 a try. */
TEST(tcp_conns, choosing_a_port_with_50000_connections_open_costs_a_few_lookups_rfc6056)
{
	static struct tcp_conn *in[40000];
	raw_setup();
	struct tcp_conn *l = small_listener();
	open_idle(l, 40000, 10000, in);
	A.st.port_ok = one_port_in_four;
	uint64_t max_steps = 0;
	unsigned max_probes = 0;
	for (unsigned i = 0; i < 10100; i++) {
		struct tcp_conn *c = tcp_conn_new(&A.st);
		EXPECT(tcp_set_buffers(c, TCP_BUF_MIN, TCP_BUF_MIN) == 0);
		uint64_t steps = A.st.lookup_steps;
		port_probes = 0;
		EXPECT_EQ_U64(tcp_connect(c, B_IP, (uint16_t)(9000 + i % 10), now), 0);
		EXPECT(one_port_in_four(&A.st, A_IP, c->lport, B_IP, 9000));
		if (i >= 10000) {               /* with 50,000 open */
			max_steps = MAX(max_steps, A.st.lookup_steps - steps);
			max_probes = MAX(max_probes, port_probes - 1);
		}
	}
	EXPECT_EQ_U64(A.st.nconns, 1 + 40000 + 10100);
	EXPECT(max_probes <= 64);
	EXPECT(max_steps <= 256);
	printf("  port choice with 50,000 open: at most %u ports tried, %lu table entries\n",
	       max_probes, (unsigned long)max_steps);
	raw_done();
}

/* An idle connection holds no buffer: the receive buffer comes with the first byte and goes
 * when the last is read, the send buffer comes with the first byte queued and goes when the
 * last is acknowledged. */
TEST(tcp_conns, an_idle_connection_holds_no_buffer)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	char buf[64];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	EXPECT(c->rbuf == NULL && c->sbuf == NULL);
	EXPECT_EQ_U64(tcp_send(c, "", 0, now), 0);     /* nothing queued: still no buffer */
	EXPECT(c->sbuf == NULL);
	peer(80, ACK | PSH, 1001, a_iss + 1, 65535, req, sizeof(req) - 1, NULL);
	EXPECT(c->rbuf != NULL);
	EXPECT_EQ_U64(tcp_recv(c, buf, 8, false, now), 8);
	EXPECT(c->rbuf != NULL);                        /* bytes left to read */
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), sizeof(req) - 1 - 8);
	EXPECT(c->rbuf == NULL);
	EXPECT_EQ_U64(tcp_send(c, "HTTP/1.1 200 OK\r\n", 17, now), 17);
	EXPECT(c->sbuf != NULL);
	EXPECT_EQ_U64(last().len, 17);
	peer(80, ACK, 1001 + sizeof(req) - 1, a_iss + 1 + 8, 65535, NULL, 0, NULL);
	EXPECT(c->sbuf != NULL);                        /* 9 bytes still unacknowledged */
	peer(80, ACK, 1001 + sizeof(req) - 1, a_iss + 1 + 17, 65535, NULL, 0, NULL);
	EXPECT(c->sbuf == NULL && c->rbuf == NULL);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

static void *no_memory(size_t n)
{
	(void)n;
	return NULL;
}

/* With no memory for a receive buffer the data is dropped, counted, and the ACK says what is
 * still wanted; the peer's retransmission is taken once there is memory again. */
TEST(tcp_conns, data_without_memory_for_its_buffer_is_counted_and_taken_again)
{
	char buf[8];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	void *(*alloc)(size_t) = A.st.alloc;
	A.st.alloc = no_memory;
	peer(80, ACK | PSH, 1001, a_iss + 1, 65535, "abcd", 4, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_NO_BUFFER], 1);
	EXPECT_EQ_U64(last().ack, 1001);
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), (uint64_t)-EAGAIN);
	EXPECT_EQ_U64(tcp_send(c, "x", 1, now), (uint64_t)-ENOMEM);
	A.st.alloc = alloc;
	peer(80, ACK | PSH, 1001, a_iss + 1, 65535, "abcd", 4, NULL);
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 4);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

/* A buffer holds what its bytes need, not the socket's full size: a request on each of 1,000
 * connections at once costs 2 KiB of receive buffer each (a burst of 25,000 on one kernel:
 * 50 MiB, where 64 KiB buffers would need 1.6 GiB and run a kernel out of memory). */
TEST(tcp_conns, a_request_on_each_of_1000_connections_takes_2_kib_each)
{
	static struct tcp_conn *c[1000];
	static const char req[] = "GET /1k.html HTTP/1.1\r\nHost: 198.18.0.2\r\n\r\n";
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 64);
	open_idle(l, 1000, 20000, c);
	uint64_t held = 0;
	for (unsigned i = 0; i < 1000; i++) {
		peer_port = (uint16_t)(20000 + i);
		peer(80, ACK | PSH, 1001, c[i]->iss + 1, 65535, req, sizeof(req) - 1, NULL);
		held += c[i]->ralloc;
	}
	peer_port = 40000;
	EXPECT_EQ_U64(held, 1000ull * TCP_BUF_FIRST);
	raw_done();
}

/* The receive buffer grows as data needs, keeping what it holds in place: in-order bytes,
 * an island past a hole, and the hole's bytes filled in last all read back in order. */
TEST(tcp_conns, the_receive_buffer_grows_and_keeps_its_bytes_and_islands)
{
	static uint8_t data[20000], got[20000];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1001, a_iss + 1, 65535, data, 1000, NULL);
	EXPECT_EQ_U64(c->ralloc, TCP_BUF_FIRST);
	EXPECT_EQ_U64(tcp_recv(c, got, 600, false, now), 600);  /* the ring's head moves on */
	peer(80, ACK, 1001 + 1000, a_iss + 1, 65535, data + 1000, 1400, NULL);
	peer(80, ACK, 1001 + 15000, a_iss + 1, 65535, data + 15000, 1400, NULL);    /* an island */
	EXPECT(c->ralloc >= 400 + 1400 + (15000 - 2400) + 1400);   /* read, in order, hole, island */
	for (uint32_t off = 2400; off < 15000; off += 1400) {
		uint32_t n = MIN(1400u, 15000 - off);
		peer(80, ACK, 1001 + off, a_iss + 1, 65535, data + off, n, NULL);
	}
	EXPECT_EQ_U64(c->nooo, 0);
	EXPECT_EQ_U64(tcp_recv(c, got + 600, sizeof(got), false, now), 16400 - 600);
	EXPECT_EQ_MEM(got, data, 16400);
	EXPECT(c->rbuf == NULL && c->ralloc == 0);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* The send buffer grows the same way: what send() took goes out byte for byte. */
TEST(tcp_conns, the_send_buffer_grows_and_sends_its_bytes_in_order)
{
	static uint8_t data[6000];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1000 };
	struct tcp_conn *c = raw_accept(l, &o);
	EXPECT_EQ_U64(tcp_send(c, data, 1500, now), 1500);
	EXPECT_EQ_U64(c->salloc, TCP_BUF_FIRST);
	peer(80, ACK, 1001, a_iss + 1 + 1000, 65535, NULL, 0, NULL);  /* the head moves on */
	EXPECT_EQ_U64(tcp_send(c, data + 1500, 4500, now), 4500);
	EXPECT(c->salloc >= 5000);
	uint32_t sent = 0;
	for (unsigned i = 0; i < ncap; i++) {
		struct out_seg s;
		if (!parse_cap(i, &s) || !s.len)
			continue;
		EXPECT_EQ_U64(s.seq, a_iss + 1 + sent);
		EXPECT_EQ_MEM(s.data, data + sent, s.len);
		sent += s.len;
	}
	EXPECT(sent >= 3000);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}
