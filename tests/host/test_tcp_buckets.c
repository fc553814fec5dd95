/* The stack's per-bucket counts (net/tcp.h): each connection is counted in the RSS bucket its
 * flow hashes to, opened once, and live from its first handshake segment until TIME-WAIT,
 * CLOSED or its end. The load balancer weighs buckets by them (kernel/netload.h). Scripted
 * peer as in test_tcp.c. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/toeplitz.h"

/* The bucket of the peer's flow to A's port: the harness's interface has no RSS key, so the
 * symmetric one, as software steering hashes it. */
static unsigned peer_bucket(uint16_t aport)
{
	return toeplitz_ipv4_tcp(rss_key_symmetric, B_IP, A_IP, peer_port, aport) % TCP_RSS_BUCKETS;
}

static uint64_t opened_total(void)
{
	uint64_t n = 0;
	for (unsigned b = 0; b < TCP_RSS_BUCKETS; b++)
		n += A.st.bucket_opened[b];
	return n;
}

static uint64_t live_total(void)
{
	uint64_t n = 0;
	for (unsigned b = 0; b < TCP_RSS_BUCKETS; b++)
		n += A.st.bucket_live[b];
	return n;
}

TEST(tcp_buckets, a_passive_open_is_counted_in_its_flows_bucket_from_the_syn)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	unsigned b = peer_bucket(80);
	EXPECT_EQ_U64(live_total(), 0);         /* the listener is no connection */
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(A.st.bucket_opened[b], 1);
	EXPECT_EQ_U64(A.st.bucket_live[b], 1);  /* SYN-RECEIVED */
	peer(80, ACK, 1001, last().seq + 1, 65535, NULL, 0, NULL);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	EXPECT_EQ_U64(A.st.bucket_opened[b], 1);        /* ESTABLISHED: the same connection */
	EXPECT_EQ_U64(A.st.bucket_live[b], 1);
	EXPECT_EQ_U64(opened_total(), 1);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp_buckets, a_connection_stops_being_live_in_time_wait)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	unsigned b = peer_bucket(80);
	EXPECT_EQ_U64(A.st.bucket_live[b], 1);
	/* We close first: FIN-WAIT-1; the peer ACKs and sends its FIN: TIME-WAIT. */
	tcp_close(c, now);
	struct out_seg fin = last();
	EXPECT(fin.flags & FIN);
	EXPECT_EQ_U64(A.st.bucket_live[b], 1);
	peer(80, FIN | ACK, 1001, fin.seq + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->state, TCP_TIME_WAIT);
	EXPECT_EQ_U64(A.st.bucket_live[b], 0);
	EXPECT_EQ_U64(A.st.bucket_opened[b], 1);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp_buckets, a_reset_or_an_abort_leaves_no_live_count)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	unsigned b = peer_bucket(80);
	peer(80, RST, 1001, 0, 0, NULL, 0, NULL);       /* exactly at RCV.NXT: the connection ends */
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(A.st.bucket_live[b], 0);
	tcp_close(c, now);
	peer_port = 40001;
	c = raw_accept(l, NULL);
	b = peer_bucket(80);
	EXPECT_EQ_U64(A.st.bucket_live[b], 1);
	tcp_abort(c, now);                              /* freed at once */
	EXPECT_EQ_U64(live_total(), 0);
	EXPECT_EQ_U64(opened_total(), 2);
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}

TEST(tcp_buckets, an_active_open_is_counted_from_its_syn)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT(c != NULL);
	EXPECT_EQ_U64(tcp_bind(c, A_IP, 5555, false), 0);
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 7, now), 0);
	unsigned b = toeplitz_ipv4_tcp(rss_key_symmetric, B_IP, A_IP, 7, 5555) % TCP_RSS_BUCKETS;
	EXPECT_EQ_U64(A.st.bucket_opened[b], 1);
	EXPECT_EQ_U64(A.st.bucket_live[b], 1);
	tcp_close(c, now);                      /* in SYN-SENT: closed at once */
	EXPECT_EQ_U64(live_total(), 0);
	raw_done();
}

/* Connections from many ports land in many buckets, and every one is counted once. */
TEST(tcp_buckets, connections_from_many_ports_spread_over_the_buckets)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 64);
	unsigned used = 0;
	for (unsigned i = 0; i < 64; i++) {
		peer_port = (uint16_t)(41000 + i * 7);
		struct tcp_conn *c = raw_accept(l, NULL);
		if (c)
			tcp_abort(c, now);
	}
	for (unsigned b = 0; b < TCP_RSS_BUCKETS; b++)
		used += A.st.bucket_opened[b] != 0;
	EXPECT_EQ_U64(opened_total(), 64);
	EXPECT_EQ_U64(live_total(), 0);
	EXPECT(used >= 16);
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}

/* The stack's port_ok (net/tcp.h) says whether a flow is steered to this kernel. A SYN of a
 * flow steered elsewhere (its bucket moved away while the SYN was on its way) is dropped and
 * counted, not answered: the ACK of an answer would go to the bucket's new owner. */
static bool steered_here;

static bool port_ok_stub(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport)
{
	(void)st, (void)laddr, (void)lport, (void)raddr, (void)rport;
	return steered_here;
}

TEST(tcp_buckets, a_syn_of_a_flow_steered_elsewhere_is_dropped_unanswered)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	A.st.port_ok = port_ok_stub;
	steered_here = false;
	unsigned before = ncap;
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, before);                    /* no SYN-ACK, no RST */
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_SYN_NOT_HERE], 1);
	EXPECT_EQ_U64(l->syn_count, 0);
	EXPECT_EQ_U64(live_total(), 0);
	steered_here = true;                            /* its retry reaches the right kernel */
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().flags, SYN | ACK);
	EXPECT_EQ_U64(l->syn_count, 1);
	A.st.port_ok = NULL;
	tcp_close(l, now);
	raw_done();
}

/* A SYN another kernel handed here (kernel/netports.h: a port only this kernel serves) opens
 * here though its bucket is another's: that kernel hands the flow's later segments here too. */
TEST(tcp_buckets, a_syn_another_kernel_handed_here_opens_here)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	A.st.port_ok = port_ok_stub;
	steered_here = false;
	A.nif.rx_forwarded = true;
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	A.nif.rx_forwarded = false;
	EXPECT_EQ_U64(last().flags, SYN | ACK);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_SYN_NOT_HERE], 0);
	EXPECT_EQ_U64(l->syn_count, 1);
	A.st.port_ok = NULL;
	tcp_close(l, now);
	raw_done();
}

/* A NIC that steers by Flow Director groups puts a flow in the bucket of the peer's port
 * (drivers/nic.h): the stack counts it where bucket_of says, not where its hash would. */
static unsigned bucket_by_port(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			       uint32_t raddr, uint16_t rport)
{
	(void)st, (void)laddr, (void)lport, (void)raddr;
	return rport % TCP_RSS_BUCKETS;
}

TEST(tcp_buckets, a_connection_is_counted_in_the_bucket_the_nic_steers_it_by)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	A.st.bucket_of = bucket_by_port;
	peer_port = 40000 + 5;                          /* 40005 % 128 = 69 */
	struct tcp_conn *c = raw_accept(l, NULL);
	EXPECT(c != NULL);
	EXPECT_EQ_U64(A.st.bucket_opened[40005 % TCP_RSS_BUCKETS], 1);
	EXPECT_EQ_U64(A.st.bucket_live[40005 % TCP_RSS_BUCKETS], 1);
	EXPECT_EQ_U64(opened_total(), 1);
	if (c)
		tcp_abort(c, now);
	EXPECT_EQ_U64(live_total(), 0);
	A.st.bucket_of = NULL;
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}
