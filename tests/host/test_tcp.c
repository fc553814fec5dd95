/* TCP against a scripted peer (tcp_harness.h): the handshake and its options, the checks of
 * arriving segments (RFC 9293 3.10.7, RFC 5961, RFC 7323), ACK generation, listener queues
 * and SYN cookies. Each test is named after the rule it checks. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

/* ---- handshake and options ---- */

TEST(tcp, three_way_handshake_and_options_mss_ws_ts)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1400, .ws = true, .ws_val = 7, .ts = true, .tsval = 555 };
	peer(80, SYN, 1000, 0, 65535, NULL, 0, &o);
	struct out_seg s = last();
	/* RFC 9293 MUST-14/15: our MSS in the SYN; RFC 7323: WS and TS answered when offered. */
	EXPECT_EQ_U64(s.flags, SYN | ACK);
	EXPECT(s.has_mss && s.mss == TCP_MSS_OURS);
	EXPECT(s.has_ws);
	EXPECT(s.has_ts && s.tsecr == 555);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_SYN_RECEIVED], 1);
	EXPECT(tcp_accept(l) == NULL);
	struct peer_opts a = { .ts = true, .tsval = 556, .tsecr = s.tsval };
	peer(80, ACK, 1001, s.seq + 1, 100, NULL, 0, &a);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
		EXPECT_EQ_U64(c->snd_wscale, 7);
		EXPECT_EQ_U64(c->snd_wnd, 100u << 7);   /* scaled after the SYN (RFC 7323 2.3) */
		EXPECT_EQ_U64(c->mss, 1400 - 12);       /* the peer's MSS less the timestamp option */
		EXPECT(c->ts_ok);
		tcp_close(c, now);
	}
	tcp_close(l, now);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_PASSIVE_OPENS], 1);
	raw_done();
}

TEST(tcp, no_options_means_mss_536_and_no_scaling)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT(!s.has_ws);                      /* RFC 7323 1.3: only in answer to an offer */
	EXPECT(!s.has_ts);
	peer(80, ACK, 1001, s.seq + 1, 1000, NULL, 0, NULL);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c && c->mss == TCP_MSS_DEFAULT && c->snd_wnd == 1000 && !c->ts_ok);
	if (c)
		tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* An MSS option smaller than the timestamp option: taking the option's 12 bytes off it must
 * not wrap, or segments far past the link's MTU are built, refused by IP, and nothing is
 * ever sent (found by tests/fuzz/fuzz_tcp.c). The segment size has a floor instead. */
TEST(tcp, an_mss_under_the_timestamp_option_keeps_a_floor_rfc9293_3_7_1)
{
	static uint8_t data[2000];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 4, .ts = true, .tsval = 100 };
	struct tcp_conn *c = raw_accept(l, &o);
	EXPECT(c && c->mss <= TCP_MSS_OURS);
	if (c) {
		tcp_send(c, data, sizeof(data), now);
		EXPECT(ncap >= 1);
		EXPECT(ncap && last().len <= 64);
		tcp_abort(c, now);
	}
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, isn_depends_on_the_tuple_and_the_clock_rfc6528)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	uint32_t i1 = last().seq;
	peer_port = 40001;
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	uint32_t i2 = last().seq;
	peer_port = 40000;
	EXPECT(i1 != i2);
	EXPECT(i2 - i1 > 1000);                 /* not a counter: a keyed hash apart */
	/* The first tuple again a second later, its connection reset meanwhile: M, the 4 us
	 * clock, has moved the ISN on by 250,000, and F by nothing. */
	peer(80, RST, 1001, 0, 0, NULL, 0, NULL);
	run_for(1000);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64((uint32_t)(last().seq - i1), 250000);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, segment_to_a_closed_port_gets_a_reset_rfc9293_3_10_7_1)
{
	raw_setup();
	peer(81, SYN, 5000, 0, 65535, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, RST | ACK);      /* no ACK came: <SEQ=0><ACK=SEG.SEQ+SEG.LEN> */
	EXPECT_EQ_U64(s.seq, 0);
	EXPECT_EQ_U64(s.ack, 5001);
	peer(81, ACK, 5000, 777, 65535, NULL, 0, NULL);
	s = last();
	EXPECT_EQ_U64(s.flags, RST);            /* an ACK came: <SEQ=SEG.ACK><CTL=RST> */
	EXPECT_EQ_U64(s.seq, 777);
	unsigned before = ncap;
	peer(81, RST, 5000, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, before);            /* never a RST for a RST */
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_NO_SOCKET], 3);
	raw_done();
}

/* CLOSED (RFC 9293 3.10.7.1): not only a SYN or an ACK, every segment without RST draws a
 * RST, whatever its flags: none at all, FIN alone, SYN with FIN, data without ACK. SEG.LEN
 * counts the data, the SYN and the FIN. */
TEST(tcp, every_segment_without_rst_to_a_closed_port_draws_a_reset_rfc9293_3_10_7_1)
{
	static const struct { uint8_t flags; uint32_t len, ack; } cases[] = {
		{ 0, 0, 5000 }, { 0, 10, 5010 }, { PSH, 10, 5010 }, { FIN, 0, 5001 },
		{ FIN | PSH, 10, 5011 }, { SYN | FIN, 0, 5002 }, { SYN | FIN, 4, 5006 },
	};
	raw_setup();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned before = ncap;
		peer(81, cases[i].flags, 5000, 0, 1000, "0123456789", cases[i].len, NULL);
		EXPECT_EQ_U64(ncap, before + 1);
		struct out_seg s = last();
		EXPECT_EQ_U64(s.flags, RST | ACK);
		EXPECT_EQ_U64(s.seq, 0);
		EXPECT_EQ_U64(s.ack, cases[i].ack);
	}
	/* With an ACK, whatever else: <SEQ=SEG.ACK><CTL=RST>. */
	peer(81, ACK | FIN | PSH, 5000, 4242, 1000, "data", 4, NULL);
	EXPECT_EQ_U64(last().flags, RST);
	EXPECT_EQ_U64(last().seq, 4242);
	/* SYN with RST carries a RST: never answered. */
	unsigned before = ncap;
	peer(81, SYN | RST, 5000, 0, 1000, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, before);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_NO_SOCKET], 9);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_FLAGS], 0);
	raw_done();
}

/* Port 0 names no socket at either end: the segment is counted under its own reason and
 * draws nothing (a RST would go to port 0). */
TEST(tcp, segments_with_port_0_are_counted_and_unanswered)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(0, SYN, 1, 0, 100, NULL, 0, NULL);
	uint16_t saved = peer_port;
	peer_port = 0;
	peer(80, SYN, 1, 0, 100, NULL, 0, NULL);
	peer(81, ACK, 1, 1, 100, NULL, 0, NULL);
	peer_port = saved;
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_PORT_ZERO], 3);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_FLAGS], 0);
	EXPECT_EQ_U64(ncap, 0);
	tcp_close(l, now);
	raw_done();
}

/* A SYN to a broadcast or multicast address is dropped without a word, even to a listening
 * port (RFC 9293 MUST-57, 3.10.7.2). */
TEST(tcp, syn_to_a_broadcast_or_multicast_address_is_dropped_silently_must_57)
{
	static const uint32_t dsts[] = { 0xFFFFFFFF, 0xC61200FF, 0xE0000001 };
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t f[128];
		size_t n = build(f, 80, SYN, 1, 0, 100, NULL, 0, NULL);
		uint8_t *ip = f + ETH_HDR, *t = ip + 20;
		wr32be(ip + 16, dsts[i]);
		wr16be(ip + 10, 0);
		wr16be(ip + 10, inet_checksum(ip, 20));
		wr16be(t + 16, 0);
		wr16be(t + 16, inet_fold(inet_sum(t, n - ETH_HDR - 20,
						  inet_pseudo_sum(B_IP, dsts[i], IP_PROTO_TCP, n - ETH_HDR - 20))));
		eth_input(&A.nif, f, n, now);
	}
	EXPECT_EQ_U64(ncap, 0);
	EXPECT_EQ_U64(l->syn_count, 0);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_IP_NOT_FOR_US], 3);
	tcp_close(l, now);
	raw_done();
}

/* An active open is not made to a broadcast or multicast address (RFC 9293 MUST-46). */
TEST(tcp, connect_to_a_broadcast_or_multicast_address_is_refused_must_46)
{
	static const uint32_t dsts[] = { 0xFFFFFFFF, 0xC61200FF, 0xE0000001, 0xF0000001 };
	raw_setup();
	for (unsigned i = 0; i < 4; i++) {
		struct tcp_conn *c = tcp_conn_new(&A.st);
		EXPECT_EQ_U64(tcp_connect(c, dsts[i], 80, now), (uint64_t)-ENETUNREACH);
		tcp_close(c, now);
	}
	EXPECT_EQ_U64(ncap, 0);
	raw_done();
}

/* A SYN is retransmitted for at least 3 minutes before connect gives up (RFC 9293 MUST-23,
 * RFC 1122 4.2.3.5). */
TEST(tcp, a_syn_is_retried_for_at_least_3_minutes_must_23)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 80, now), 0);
	uint64_t start = now;
	while (c->state == TCP_SYN_SENT && now - start < 600000)
		run_for(1000);
	EXPECT(now - start >= 180000);
	EXPECT_EQ_U64(c->error, (uint64_t)-ETIMEDOUT);
	EXPECT_EQ_U64(ncap, 1 + TCP_SYN_SENT_RETRIES);
	tcp_close(c, now);
	raw_done();
}

/* The peer's host sends A an ICMP error of type and code quoting a segment A sent from lport
 * to the peer's port 80 with sequence number seq. */
static void peer_icmp(uint8_t type, uint8_t code, uint16_t lport, uint32_t seq)
{
	uint8_t f[128];
	build(f, 80, ACK, 0, 0, 0, NULL, 0, NULL);     /* for its Ethernet header */
	uint8_t *ip = f + ETH_HDR, *icmp = ip + 20, *q = icmp + 8;
	size_t n = 8 + 20 + 8;
	ipv4_header(ip, B_IP, A_IP, IP_PROTO_ICMP, n, 1);
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	ipv4_header(q, A_IP, B_IP, IP_PROTO_TCP, 20, 2);
	wr16be(q + 20, lport);
	wr16be(q + 22, 80);
	wr32be(q + 24, seq);
	wr32be(q + 28, 0);
	wr16be(icmp + 2, inet_checksum(icmp, n));
	eth_input(&A.nif, f, ETH_HDR + 20 + n, now);
}

/* RFC 9293 3.9.2.2: an ICMP error reaches the connection it is about (MUST-54). Port
 * unreachable ends a connect (RFC 1122 4.2.3.9); host unreachable is soft and does not
 * (MUST-56), but explains the timeout; an error quoting a sequence number not in flight is
 * ignored (RFC 5927 4.1). */
TEST(tcp, icmp_errors_reach_their_connection_must_54_must_56)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 80, now), 0);
	peer_icmp(3, 3, c->lport, c->iss + 7);                  /* not a sequence number sent */
	EXPECT_EQ_U64(c->state, TCP_SYN_SENT);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_ICMP_TYPE], 1);
	peer_icmp(3, 3, c->lport, c->iss);
	EXPECT_EQ_U64(c->error, (uint64_t)-ECONNREFUSED);
	EXPECT(c->state != TCP_SYN_SENT);
	EXPECT_EQ_U64(A.nif.stats.icmp_errors_in, 1);
	tcp_close(c, now);
	c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 80, now), 0);
	peer_icmp(3, 1, c->lport, c->iss);                      /* host unreachable: soft */
	peer_icmp(11, 0, c->lport, c->iss);                     /* time exceeded: soft */
	run_for(1);
	EXPECT_EQ_U64(c->state, TCP_SYN_SENT);
	EXPECT_EQ_U64(c->error, 0);
	while (c->state == TCP_SYN_SENT)
		run_for(1000);
	EXPECT_EQ_U64(c->error, (uint64_t)-EHOSTUNREACH);
	tcp_close(c, now);
	raw_done();
}

/* Closed in SYN-RECEIVED (a simultaneous open whose SYN-ACK is lost): our SYN is not yet
 * acknowledged, so a retransmission is still the SYN-ACK, and the FIN follows only once the
 * peer ACKs the SYN (RFC 9293 3.10.4, CLOSE call in SYN-RECEIVED). */
TEST(tcp, a_close_in_syn_received_keeps_the_syn_and_sends_the_fin_after_rfc9293_3_10_4)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 80, now), 0);
	uint32_t iss = c->iss;
	peer_port = 80;
	peer(c->lport, SYN, 5000, 0, 65535, NULL, 0, NULL);     /* the SYNs cross */
	EXPECT_EQ_U64(c->state, TCP_SYN_RECEIVED);
	tcp_close(c, now);
	ncap = 0;
	run_for(3000);                                          /* our SYN-ACK was lost */
	struct out_seg s = last();
	EXPECT(ncap >= 1);
	EXPECT(s.flags & SYN);
	EXPECT(!(s.flags & FIN));
	EXPECT_EQ_U64(s.seq, iss);
	peer(c->lport, ACK, 5001, iss + 1, 65535, NULL, 0, NULL);
	s = last();
	EXPECT(s.flags & FIN);
	EXPECT_EQ_U64(s.seq, iss + 1);
	EXPECT_EQ_U64(c->state, TCP_FIN_WAIT_1);
	peer_port = 40000;
	raw_done();
}

/* Shut down for sending in SYN-RECEIVED (the same crossing SYNs): the FIN is queued, and
 * when the peer ACKs our SYN the connection goes on to FIN-WAIT-1 with it, then FIN-WAIT-2
 * on its ACK; it stayed ESTABLISHED with its FIN sent and no timer, for good (fuzz_tcp). */
TEST(tcp, a_shutdown_in_syn_received_sends_the_fin_and_moves_on_rfc9293_3_10_4)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 80, now), 0);
	uint32_t iss = c->iss;
	peer_port = 80;
	peer(c->lport, SYN, 5000, 0, 65535, NULL, 0, NULL);     /* the SYNs cross */
	EXPECT_EQ_U64(c->state, TCP_SYN_RECEIVED);
	EXPECT_EQ_U64(tcp_shutdown_send(c, now), 0);
	peer(c->lport, ACK, 5001, iss + 1, 65535, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT(s.flags & FIN);
	EXPECT_EQ_U64(s.seq, iss + 1);
	EXPECT_EQ_U64(c->state, TCP_FIN_WAIT_1);
	peer(c->lport, ACK, 5001, iss + 2, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->state, TCP_FIN_WAIT_2);
	tcp_close(c, now);
	peer_port = 40000;
	raw_done();
}

TEST(tcp, malformed_segments_are_counted_and_dropped)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts bad = { .bad_sum = true };
	peer(80, SYN, 1, 0, 100, NULL, 0, &bad);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_CHECKSUM], 1);
	struct peer_opts off4 = { .doff_words = 4 };
	peer(80, SYN, 1, 0, 100, NULL, 0, &off4);
	struct peer_opts off15 = { .doff_words = 15 };
	peer(80, SYN, 1, 0, 100, NULL, 0, &off15);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OFFSET], 2);
	peer(80, SYN | FIN, 1, 0, 100, NULL, 0, NULL);
	peer(80, SYN | RST, 1, 0, 100, NULL, 0, NULL);
	peer(80, 0, 1, 0, 100, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_FLAGS], 3);
	/* An option whose length runs past the header. */
	uint8_t f[128];
	size_t n = build(f, 80, SYN, 1, 0, 100, NULL, 0, &(struct peer_opts){ .mss = true, .mss_val = 1000 });
	uint8_t *t = f + ETH_HDR + 20;
	t[21] = 9;                              /* MSS length 9 in a 4-byte option area */
	wr16be(t + 16, 0);
	wr16be(t + 16, inet_fold(inet_sum(t, 24, inet_pseudo_sum(B_IP, A_IP, IP_PROTO_TCP, 24))));
	eth_input(&A.nif, f, n, now);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OPTIONS], 1);
	/* A truncated header. */
	n = build(f, 80, SYN, 1, 0, 100, NULL, 0, NULL);
	uint8_t *ip = f + ETH_HDR;
	wr16be(ip + 2, 20 + 12);
	wr16be(ip + 10, 0);
	wr16be(ip + 10, inet_checksum(ip, 20));
	eth_input(&A.nif, f, n, now);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_SHORT], 1);
	EXPECT_EQ_U64(ncap, 0);                 /* nothing answered any of them */
	EXPECT_EQ_U64(A.st.nconns, 1);
	tcp_close(l, now);
	raw_done();
}

/* ---- RFC 5961 ---- */

TEST(tcp, rst_in_window_but_not_exact_draws_a_challenge_ack_rfc5961_3_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, RST, 1001 + 100, 0, 0, NULL, 0, NULL);
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, ACK);
	EXPECT_EQ_U64(s.ack, 1001);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_RST_BLIND], 1);
	/* Out of the window altogether: dropped silently. */
	unsigned before = ncap;
	peer(80, RST, 1001 + 10000000, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, before);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	/* Exactly RCV.NXT: the connection is reset. */
	peer(80, RST, 1001, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ECONNRESET);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, syn_on_an_established_connection_draws_a_challenge_ack_rfc5961_4_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, SYN, 1001 + 5, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().flags, ACK);
	EXPECT_EQ_U64(last().ack, 1001);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_SYN_IN_WINDOW], 1);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_CHALLENGE_ACKS], 1);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, ack_of_unsent_data_is_dropped_and_answered_rfc5961_5_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK | PSH, 1001, a_iss + 1 + 5000, 65535, "hello", 5, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_ACK], 1);
	EXPECT_EQ_U64(tcp_readable(c), 0);      /* the data of such a segment is not taken */
	EXPECT_EQ_U64(last().flags, ACK);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, out_of_window_data_is_dropped_with_an_ack_rfc9293_3_10_7_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1001 + 1000000, a_iss + 1, 65535, "x", 1, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OUT_OF_WINDOW], 1);
	EXPECT_EQ_U64(last().ack, 1001);
	/* An old duplicate, entirely before RCV.NXT. */
	peer(80, ACK, 1001, a_iss + 1, 65535, "abc", 3, NULL);
	peer(80, ACK, 1001, a_iss + 1, 65535, "abc", 3, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OUT_OF_WINDOW], 2);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, paws_drops_an_old_timestamp_rfc7323_5_3)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .ts = true, .tsval = 1000 };
	struct tcp_conn *c = raw_accept(l, &o);
	struct peer_opts cur = { .ts = true, .tsval = 2000, .tsecr = 1 };
	peer(80, ACK, 1001, a_iss + 1, 65535, "new", 3, &cur);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	struct peer_opts old = { .ts = true, .tsval = 1500, .tsecr = 1 };
	peer(80, ACK, 1004, a_iss + 1, 65535, "old", 3, &old);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_PAWS], 1);
	/* RFC 7323 3.2: once negotiated, a segment without a timestamp is dropped too. */
	peer(80, ACK, 1004, a_iss + 1, 65535, "bare", 4, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_PAWS], 2);
	EXPECT_EQ_U64(tcp_readable(c), 3);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* ---- ACK generation ---- */

TEST(tcp, delayed_ack_every_second_segment_or_after_the_timer_rfc1122_4_2_3_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	uint8_t d[100] = { 0 };
	peer(80, ACK, 1001, a_iss + 1, 65535, d, 100, NULL);
	EXPECT_EQ_U64(ncap, 0);                 /* one segment: the ACK waits */
	peer(80, ACK, 1101, a_iss + 1, 65535, d, 100, NULL);
	EXPECT_EQ_U64(ncap, 1);                 /* the second: acknowledged at once */
	EXPECT_EQ_U64(last().ack, 1201);
	peer(80, ACK, 1201, a_iss + 1, 65535, d, 100, NULL);
	EXPECT_EQ_U64(ncap, 1);
	run_for(TCP_DELACK_MS - 2);
	EXPECT_EQ_U64(ncap, 1);
	run_for(3);
	EXPECT_EQ_U64(ncap, 2);                 /* the timer (well under 500 ms) */
	EXPECT_EQ_U64(last().ack, 1301);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_DELAYED_ACKS], 1);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, out_of_order_data_is_kept_and_acked_at_once_rfc5681_4_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1004, a_iss + 1, 65535, "def", 3, NULL);
	EXPECT_EQ_U64(ncap, 1);                 /* a duplicate ACK for the hole */
	EXPECT_EQ_U64(last().ack, 1001);
	EXPECT_EQ_U64(tcp_readable(c), 0);
	peer(80, ACK, 1010, a_iss + 1, 65535, "jkl", 3, NULL);
	peer(80, ACK, 1001, a_iss + 1, 65535, "abc", 3, NULL);
	EXPECT_EQ_U64(last().ack, 1007);        /* the first hole filled, the second remains */
	peer(80, ACK, 1007, a_iss + 1, 65535, "ghi", 3, NULL);
	EXPECT_EQ_U64(last().ack, 1013);
	char buf[16] = { 0 };
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 12);
	EXPECT_EQ_STR(buf, "abcdefghijkl");
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_OOO_SEGS], 2);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* Out-of-order islands past TCP_OOO_RANGES are counted as dropped: their bytes stay in the
 * buffer but are not remembered, so the stream moves past them only when they come again. */
TEST(tcp, out_of_order_islands_past_the_limit_are_counted_and_come_again)
{
	static const char text[] = "abcdefghijklmnopqrst";
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	for (unsigned i = 1; i <= 2 * TCP_OOO_RANGES + 1; i += 2)       /* one island too many */
		peer(80, ACK, 1001 + i, a_iss + 1, 65535, text + i, 1, NULL);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_OOO_SEGS], TCP_OOO_RANGES + 1);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OOO_FULL], 1);
	EXPECT_EQ_U64(c->nooo, TCP_OOO_RANGES);
	for (unsigned i = 0; i < 2 * TCP_OOO_RANGES + 1; i += 2)        /* the holes filled */
		peer(80, ACK, 1001 + i, a_iss + 1, 65535, text + i, 1, NULL);
	EXPECT_EQ_U64(c->rcv_nxt, 1001 + 2 * TCP_OOO_RANGES + 1);       /* not past the forgotten one */
	peer(80, ACK, 1001 + 2 * TCP_OOO_RANGES + 1, a_iss + 1, 65535, text + 2 * TCP_OOO_RANGES + 1, 3, NULL);
	EXPECT_EQ_U64(c->rcv_nxt, 1001 + 20);
	char buf[32] = { 0 };
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 20);
	EXPECT_EQ_STR(buf, text);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* RFC 9293 3.10.7.4: a zero window takes a segment at RCV.NXT for its ACK only; the data is
 * dropped (counted), and answered with an ACK showing the window still shut (3.8.6.1). */
TEST(tcp, data_into_a_zero_window_is_dropped_counted_and_acked_rfc9293_3_8_6_1)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	EXPECT(tcp_set_buffers(l, TCP_BUF_MIN, 0) == 0);
	struct tcp_conn *c = raw_accept(l, NULL);
	uint8_t d[TCP_BUF_MIN / 2];
	memset(d, 'd', sizeof(d));
	peer(80, ACK, 1001, a_iss + 1, 65535, d, sizeof(d), NULL);
	peer(80, ACK, 1001 + sizeof(d), a_iss + 1, 65535, d, sizeof(d), NULL);
	EXPECT_EQ_U64(last().ack, 1001 + TCP_BUF_MIN);
	EXPECT_EQ_U64(last().win, 0);           /* the buffer is full */
	unsigned before = ncap;
	peer(80, ACK, 1001 + TCP_BUF_MIN, a_iss + 1, 65535, "z", 1, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_ZERO_WINDOW], 1);
	EXPECT_EQ_U64(tcp_readable(c), TCP_BUF_MIN);
	EXPECT_EQ_U64(ncap, before + 1);
	EXPECT_EQ_U64(last().ack, 1001 + TCP_BUF_MIN);
	EXPECT_EQ_U64(last().win, 0);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* RFC 9293 3.10.7.4: a segment that starts in the window but runs past it is trimmed to it;
 * the bytes cut off are counted as dropped. */
TEST(tcp, data_past_the_receive_buffer_is_trimmed_and_counted_rfc9293_3_10_7_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	EXPECT(tcp_set_buffers(l, TCP_BUF_MIN, 0) == 0);
	struct tcp_conn *c = raw_accept(l, NULL);
	uint8_t d[1500];
	memset(d, 'd', sizeof(d));
	peer(80, ACK, 1001, a_iss + 1, 65535, d, sizeof(d), NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_RCVBUF_TRIM], 0);
	peer(80, ACK, 1001 + sizeof(d), a_iss + 1, 65535, d, sizeof(d), NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_RCVBUF_TRIM], 1);
	EXPECT_EQ_U64(tcp_readable(c), TCP_BUF_MIN);
	EXPECT_EQ_U64(last().ack, 1001 + TCP_BUF_MIN);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* ---- listener queues and SYN cookies ---- */

/* Eight half-open connections from other ports fill a backlog-8 listener's SYN queue, so
 * that the next SYN, from port 30000, is answered with a cookie. */
static void fill_syn_queue(struct tcp_conn *l)
{
	for (unsigned i = 0; i < 8; i++) {
		peer_port = (uint16_t)(20000 + i);
		peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	}
	EXPECT_EQ_U64(l->syn_count, 8);
	peer_port = 30000;
}

TEST(tcp, syn_queue_overflow_answers_with_cookies_that_complete)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);      /* SYN queue of 8 */
	fill_syn_queue(l);
	struct peer_opts o = { .mss = true, .mss_val = 1460, .ws = true, .ws_val = 5, .ts = true, .tsval = 42 };
	peer(80, SYN, 7000, 0, 65535, NULL, 0, &o);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_SENT], 1);
	EXPECT_EQ_U64(A.st.nconns, 9);          /* no state kept for it */
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, SYN | ACK);
	/* A forged ACK with a wrong cookie is refused. */
	peer(80, ACK, 7001, s.seq + 2, 65535, NULL, 0, &(struct peer_opts){ .ts = true, .tsval = 43, .tsecr = s.tsval });
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_COOKIE], 1);
	peer(80, ACK, 7001, s.seq + 1, 65535, NULL, 0, &(struct peer_opts){ .ts = true, .tsval = 43, .tsecr = s.tsval });
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_OK], 1);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
		EXPECT_EQ_U64(c->snd_wscale, 5);        /* carried in the cookie */
		EXPECT(c->ts_ok);
		EXPECT_EQ_U64(c->mss, 1460 - 12);
		/* Data flows: the window the SYN-ACK offered holds. */
		peer(80, ACK | PSH, 7001, s.seq + 1, 65535, "GET", 3, &(struct peer_opts){ .ts = true, .tsval = 44, .tsecr = s.tsval });
		EXPECT_EQ_U64(tcp_readable(c), 3);
		tcp_abort(c, now);
	}
	peer_port = 40000;
	tcp_close(l, now);
	EXPECT_EQ_U64(A.st.nconns, 0);
	raw_done();
}

/* RFC 7323 2.2: a scale is used in both directions when both SYNs carried it. A cookie
 * answered a SYN with window scale and no timestamps: the ACK that returns it must bring the
 * scale back, or the peer's window is misread and its data past 64 KiB falls outside ours. */
TEST(tcp, a_cookie_keeps_the_window_scale_of_a_syn_without_timestamps_rfc7323_2_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	EXPECT(tcp_set_buffers(l, 256 * 1024, 0) == 0);        /* a window that needs scale 3 */
	fill_syn_queue(l);
	peer(80, SYN, 7000, 0, 65535, NULL, 0, &(struct peer_opts){ .mss = true, .mss_val = 1460, .ws = true, .ws_val = 7 });
	struct out_seg sa = last();
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_SENT], 1);
	EXPECT(sa.has_ws && !sa.has_ts);
	EXPECT_EQ_U64(sa.ws, 3);
	peer(80, ACK, 7001, sa.seq + 1, 1000, NULL, 0, NULL);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(c->snd_wscale, 7);
		EXPECT_EQ_U64(c->snd_wnd, 1000u << 7);
		/* Two segments draw an ACK at once, its window scaled by the SYN-ACK's 3. */
		uint8_t d[1000];
		memset(d, 'd', sizeof(d));
		peer(80, ACK, 7001, sa.seq + 1, 1000, d, 1000, NULL);
		peer(80, ACK, 8001, sa.seq + 1, 1000, d, 1000, NULL);
		struct out_seg a = last();
		EXPECT_EQ_U64(a.ack, 9001);
		uint32_t edge = a.ack + ((uint32_t)a.win << sa.ws);
		EXPECT(edge - a.ack > 65535);
		/* The peer sends up to that right edge: the last segment is kept, past a hole. */
		peer(80, ACK, edge - 1000, sa.seq + 1, 1000, d, 1000, NULL);
		EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OUT_OF_WINDOW], 0);
		EXPECT_EQ_U64(A.nif.stats.tcp[TCP_OOO_SEGS], 1);
		EXPECT_EQ_U64(tcp_readable(c), 2000);
		tcp_abort(c, now);
	}
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}

/* RFC 9293 3.10.7.4 lets the ACK that completes a handshake carry data; when that ACK
 * returns a cookie (the peer's pure ACK lost, say), the data is kept like any other. */
TEST(tcp, data_on_the_ack_that_returns_a_cookie_is_kept_rfc9293_3_10_7_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	fill_syn_queue(l);
	peer(80, SYN, 7000, 0, 65535, NULL, 0, &(struct peer_opts){ .mss = true, .mss_val = 1460 });
	struct out_seg sa = last();
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_SENT], 1);
	peer(80, ACK | PSH, 7001, sa.seq + 1, 65535, "GET", 3, NULL);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_OK], 1);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(tcp_readable(c), 3);
		run_for(TCP_DELACK_MS + 1);
		EXPECT_EQ_U64(last().ack, 7004);
		tcp_abort(c, now);
	}
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, half_open_connections_time_out)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(l->syn_count, 1);
	run_for(200000);
	EXPECT_EQ_U64(l->syn_count, 0);
	EXPECT_EQ_U64(ncap, 1 + TCP_SYN_RETRIES);       /* the SYN-ACK and its retransmissions */
	tcp_close(l, now);
	EXPECT_EQ_U64(A.st.nconns, 0);
	raw_done();
}

/* A new SYN may end a TIME-WAIT early (RFC 6191, RFC 9293 3.10.7.4), but a connection its
 * user has not closed stays the user's: it ends CLOSED and waits for tcp_close, even with no
 * socket over it (the kernel's own connections have none). It was freed under its user
 * (found by tests/fuzz/fuzz_tcp.c: a use after free). */
TEST(tcp, a_syn_ending_time_wait_leaves_an_unclosed_connection_to_its_user)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	tcp_shutdown_send(c, now);                              /* our FIN first */
	struct out_seg fin = last();
	EXPECT(fin.flags & FIN);
	peer(80, ACK | FIN, 1001, fin.seq + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->state, TCP_TIME_WAIT);
	peer(80, SYN, 50000, 0, 65535, NULL, 0, NULL);          /* newer: ends the TIME-WAIT */
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(last().flags, SYN | ACK);                 /* the listener takes the SYN */
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

/* The TIME_WAIT table is bounded: once it holds TCP_TIME_WAIT_MAX connections, the one
 * closing next skips TIME_WAIT and those already waiting keep their place (RFC 9293 3.6.1
 * asks 2 MSL of each; Linux makes the same choice past tcp_max_tw_buckets). */
TEST(tcp, a_full_time_wait_table_is_skipped_by_the_connection_closing_last)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	for (unsigned i = 0; i <= TCP_TIME_WAIT_MAX; i++) {
		peer_port = (uint16_t)(10000 + i);
		ncap = 0;
		peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
		uint32_t iss = last().seq;
		peer(80, ACK, 1001, iss + 1, 65535, NULL, 0, NULL);
		tcp_close(tcp_accept(l), now);  /* our FIN first: TIME_WAIT is ours */
		peer(80, ACK | FIN, 1001, iss + 2, 65535, NULL, 0, NULL);
	}
	peer_port = 40000;
	EXPECT_EQ_U64(A.st.ntime_wait, TCP_TIME_WAIT_MAX);
	EXPECT_EQ_U64(A.st.nconns, TCP_TIME_WAIT_MAX + 1);      /* and the listener */
	struct tcp_conn *first = list_entry(list_first(&A.st.time_wait), struct tcp_conn, all_node);
	EXPECT_EQ_U64(first->rport, 10000);
	tcp_close(l, now);
	raw_done();
}

/* A backlog-1 listener with one connection waiting to be accepted: the ACK that would
 * complete another handshake, and a new SYN, are dropped and counted without an answer (the
 * peer's retransmission comes back once accept() makes room); after accept() the retried ACK
 * makes its connection. */
TEST(tcp, a_full_accept_queue_drops_handshakes_until_accept_makes_room)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 1);
	peer_port = 20001;
	peer(80, SYN, 5000, 0, 65535, NULL, 0, NULL);
	uint32_t iss = last().seq;
	peer_port = 20000;
	peer(80, SYN, 6000, 0, 65535, NULL, 0, NULL);
	peer(80, ACK, 6001, last().seq + 1, 65535, NULL, 0, NULL);      /* fills the queue */
	EXPECT_EQ_U64(l->accept_count, 1);
	ncap = 0;
	peer_port = 20001;
	peer(80, ACK, 5001, iss + 1, 65535, NULL, 0, NULL);     /* SYN-RECEIVED's ACK */
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_ACCEPT_FULL], 1);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_SYN_RECEIVED], 1);
	peer_port = 20002;
	peer(80, SYN, 7000, 0, 65535, NULL, 0, NULL);           /* LISTEN's SYN */
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_ACCEPT_FULL], 2);
	EXPECT_EQ_U64(ncap, 0);
	EXPECT_EQ_U64(l->syn_count, 1);
	struct tcp_conn *waiting = tcp_accept(l);
	EXPECT(waiting != NULL);
	peer_port = 20001;
	peer(80, ACK, 5001, iss + 1, 65535, NULL, 0, NULL);
	struct tcp_conn *third = tcp_accept(l);
	EXPECT(third != NULL);
	if (third)
		EXPECT_EQ_U64(third->rport, 20001);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_ACCEPT_FULL], 2);
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}

/* The ACK that returns a valid cookie to a listener whose accept queue is full is dropped
 * and counted, not answered with a RST; the same ACK once accept() made room is taken. */
TEST(tcp, a_cookie_ack_to_a_full_accept_queue_is_dropped_until_there_is_room)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 1);
	fill_syn_queue(l);                      /* SYN-ACKs to ports 20000.. captured 0..7 */
	struct out_seg half;
	EXPECT(parse_cap(0, &half));
	peer(80, SYN, 7000, 0, 65535, NULL, 0, NULL);
	struct out_seg sa = last();
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_SENT], 1);
	peer_port = 20000;
	peer(80, ACK, 1001, half.seq + 1, 65535, NULL, 0, NULL);        /* fills the queue */
	EXPECT_EQ_U64(l->accept_count, 1);
	unsigned before = ncap;
	peer_port = 30000;
	peer(80, ACK, 7001, sa.seq + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_ACCEPT_FULL], 1);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_OK], 0);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_COOKIE], 0);
	EXPECT_EQ_U64(ncap, before);            /* no RST: the cookie was good */
	EXPECT(tcp_accept(l) != NULL);
	peer(80, ACK, 7001, sa.seq + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_OK], 1);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c)
		EXPECT_EQ_U64(c->rport, 30000);
	peer_port = 40000;
	tcp_close(l, now);
	raw_done();
}
