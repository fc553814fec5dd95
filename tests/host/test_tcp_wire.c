/* TCP between two of our stacks on a wire that can lose, duplicate and reorder frames
 * (tcp_harness.h): whole connections, from connect to the end of TIME_WAIT. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

/* ---- two stacks on a wire ---- */

TEST(tcp, connect_transfer_and_close_both_ways)
{
	wire_setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	EXPECT(transfer(cl, sv, 100000, 10000));
	EXPECT(transfer(sv, cl, 300000, 10000));
	/* The client closes first: it goes through TIME_WAIT; the server through LAST_ACK. */
	tcp_shutdown_send(cl, now);
	run_for(10);
	char b[4];
	EXPECT_EQ_U64(tcp_recv(sv, b, sizeof(b), false, now), 0);     /* end of stream */
	EXPECT_EQ_U64(sv->state, TCP_CLOSE_WAIT);
	EXPECT_EQ_U64(cl->state, TCP_FIN_WAIT_2);
	tcp_close(sv, now);
	run_for(10);
	EXPECT_EQ_U64(cl->state, TCP_TIME_WAIT);
	EXPECT_EQ_U64(B.st.conns_by_state[TCP_TIME_WAIT], 1);
	tcp_close(cl, now);
	run_for(TCP_TIME_WAIT_MS + 10);
	EXPECT_EQ_U64(B.st.nconns, 0);
	wire_done();
}

TEST(tcp, connection_refused)
{
	wire_setup();
	struct tcp_conn *c = tcp_conn_new(&B.st);
	EXPECT(tcp_connect(c, A_IP, 9, now) == 0);
	run_for(10);
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ECONNREFUSED);
	tcp_close(c, now);
	wire_done();
}

static bool even_ports_only(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			    uint32_t raddr, uint16_t rport)
{
	(void)st;
	(void)laddr;
	(void)raddr;
	(void)rport;
	return lport % 2 == 0;
}

static bool no_port(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport)
{
	(void)st;
	(void)laddr;
	(void)lport;
	(void)raddr;
	(void)rport;
	return false;
}

/* Flow steering's part in connect(): the ephemeral port is one whose answers come to this
 * stack (port_ok), or there is none to give (-EADDRNOTAVAIL); listen() is not concerned. */
TEST(tcp, connect_picks_a_port_the_steering_accepts)
{
	wire_setup();
	B.st.port_ok = even_ports_only;
	for (int i = 0; i < 8; i++) {
		struct tcp_conn *c = tcp_conn_new(&B.st);
		EXPECT(tcp_connect(c, A_IP, 9, now) == 0);
		EXPECT_EQ_U64(c->lport % 2, 0);
		run_for(10);
		EXPECT_EQ_U64(c->error, -ECONNREFUSED);
		tcp_close(c, now);
	}
	B.st.port_ok = no_port;
	struct tcp_conn *c = tcp_conn_new(&B.st);
	EXPECT_EQ_U64(tcp_connect(c, A_IP, 9, now), -EADDRNOTAVAIL);
	struct tcp_conn *l = tcp_conn_new(&B.st);
	EXPECT_EQ_U64(tcp_listen(l, 4), 0);     /* an ephemeral listening port is still had */
	tcp_close(l, now);
	tcp_close(c, now);
	wire_done();
}

TEST(tcp, simultaneous_open_rfc9293_figure_7)
{
	wire_setup();
	struct tcp_conn *a = tcp_conn_new(&A.st), *b = tcp_conn_new(&B.st);
	EXPECT(tcp_bind(a, 0, 5000, false) == 0);
	EXPECT(tcp_bind(b, 0, 6000, false) == 0);
	/* ARP first, so both SYNs cross on the wire. */
	uint8_t mac[6];
	arp_resolve(&A.nif, B_IP, mac, now);
	run_for(5);
	EXPECT(tcp_connect(a, B_IP, 6000, now) == 0);
	EXPECT(tcp_connect(b, A_IP, 5000, now) == 0);
	run_for(50);
	EXPECT_EQ_U64(a->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(b->state, TCP_ESTABLISHED);
	EXPECT(transfer(a, b, 5000, 1000));
	/* Simultaneous close: both FINs cross, both go CLOSING then TIME_WAIT. */
	tcp_close(a, now);
	tcp_close(b, now);
	run_for(50);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_TIME_WAIT], 1);
	EXPECT_EQ_U64(B.st.conns_by_state[TCP_TIME_WAIT], 1);
	wire_done();
}

TEST(tcp, bulk_transfer_survives_loss_reordering_and_duplication)
{
	wire_setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	loss_pct = 5;
	reorder_pct = 10;
	dup_pct = 5;
	EXPECT(transfer(sv, cl, 1 << 20, 600000));
	EXPECT(A.nif.stats.tcp[TCP_RETRANS_SEGS] > 0);
	EXPECT(A.nif.stats.tcp[TCP_FAST_RETRANS] > 0);
	EXPECT(B.nif.stats.tcp[TCP_OOO_SEGS] > 0);
	tcp_close(cl, now);
	tcp_close(sv, now);
	wire_done();
}

TEST(tcp, slow_reader_closes_the_window_and_nothing_is_lost)
{
	wire_setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	/* The server sends 1 MiB; the client reads only every 5 s for a while. */
	uint8_t buf[8192];
	size_t sent = 0, got = 0, total = 1 << 20;
	bool ok = true;
	for (unsigned round = 0; round < 2000 && got < total; round++) {
		while (sent < total) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (uint8_t)(sent + i);
			long r = tcp_send(sv, buf, MIN(sizeof(buf), total - sent), now);
			if (r <= 0)
				break;
			sent += (size_t)r;
		}
		run_for(round < 10 ? 5000 : 10);
		long r = tcp_recv(cl, buf, sizeof(buf), false, now);
		for (long i = 0; i < r; i++)
			if (buf[i] != (uint8_t)(got + (size_t)i))
				ok = false;
		if (r > 0)
			got += (size_t)r;
	}
	EXPECT(ok);
	EXPECT_EQ_U64(got, total);
	tcp_close(cl, now);
	tcp_close(sv, now);
	wire_done();
}

TEST(tcp, close_with_unread_data_resets_rfc2525)
{
	wire_setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	tcp_send(cl, "unread", 6, now);
	run_for(10);
	tcp_close(sv, now);
	run_for(10);
	EXPECT_EQ_U64(cl->state, TCP_CLOSED);
	EXPECT_EQ_U64(cl->error, -ECONNRESET);
	tcp_close(cl, now);
	wire_done();
}

TEST(tcp, peer_gone_times_out_after_retries)
{
	wire_setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	loss_pct = 100;
	tcp_send(sv, "lost", 4, now);
	run_for(30 * 60 * 1000);
	EXPECT_EQ_U64(sv->state, TCP_CLOSED);
	EXPECT_EQ_U64(sv->error, -ETIMEDOUT);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_RTO_TIMEOUTS], TCP_DATA_RETRIES + 1);
	tcp_close(sv, now);
	tcp_abort(cl, now);
	wire_done();
}

TEST(tcp, time_wait_is_cut_short_by_a_newer_syn_rfc6191)
{
	wire_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *cl = tcp_conn_new(&B.st);
	tcp_bind(cl, 0, 45000, true);
	tcp_connect(cl, A_IP, 80, now);
	run_for(20);
	struct tcp_conn *sv = tcp_accept(l);
	EXPECT(sv != NULL);
	tcp_close(sv, now);                     /* the server closes first: TIME_WAIT on A */
	run_for(20);
	tcp_close(cl, now);
	run_for(20);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_TIME_WAIT], 1);
	run_for(1000);
	struct tcp_conn *again = tcp_conn_new(&B.st);
	EXPECT(tcp_bind(again, 0, 45000, true) == 0);
	EXPECT(tcp_connect(again, A_IP, 80, now) == 0);
	run_for(50);
	EXPECT_EQ_U64(again->state, TCP_ESTABLISHED);
	struct tcp_conn *sv2 = tcp_accept(l);
	EXPECT(sv2 != NULL);
	if (sv2)
		tcp_close(sv2, now);
	tcp_close(again, now);
	tcp_close(l, now);
	wire_done();
}

TEST(tcp, bind_conflicts)
{
	wire_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_bind(c, 0, 80, false), (uint64_t)-EADDRINUSE);
	EXPECT_EQ_U64(tcp_bind(c, 0, 80, true), (uint64_t)-EADDRINUSE);  /* never over a listener */
	EXPECT(tcp_bind(c, 0, 81, false) == 0);
	/* SO_REUSEADDR lets two sockets bind one port before either listens; one may listen. */
	struct tcp_conn *d = tcp_conn_new(&A.st);
	EXPECT(tcp_bind(d, 0, 81, true) == 0);
	EXPECT(tcp_listen(c, 4) == 0);
	EXPECT_EQ_U64(tcp_listen(d, 4), (uint64_t)-EADDRINUSE);
	tcp_close(d, now);
	tcp_close(c, now);
	tcp_close(l, now);
	wire_done();
}

TEST(tcp, siphash_matches_the_papers_test_vector)
{
	/* Appendix A of the SipHash paper: key 00..0f, message 00..0e. */
	struct siphash_key k = { 0x0706050403020100ull, 0x0F0E0D0C0B0A0908ull };
	uint8_t m[15];
	for (unsigned i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	EXPECT_EQ_U64(siphash24(&k, m, sizeof(m)), 0xA129CA6149BE45E5ull);
}

TEST(tcp, fin_wait_2_stays_quiet_while_the_peer_keeps_its_end_open)
{
	/* An ACK of our FIN in FIN_WAIT_2 draws nothing: were the FIN sent again on each one,
	 * the two ends would exchange tens of thousands of frames a second. */
	wire_setup();
	struct tcp_conn *cl, *sv;
	connect_pair(80, &cl, &sv);
	tcp_close(sv, now);
	run_for(100);
	EXPECT_EQ_U64(cl->state, TCP_CLOSE_WAIT);
	unsigned long before = frames_from_a;
	run_for(10000);
	EXPECT(frames_from_a - before < 5);
	tcp_close(cl, now);
	wire_done();
}
