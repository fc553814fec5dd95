/* TCP sending against a scripted peer (tcp_harness.h): Nagle, retransmission and its timer,
 * the RTT estimate, congestion control, window probes and keepalives. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

/* ---- sending ---- */

TEST(tcp, nagle_holds_small_segments_and_nodelay_sends_them_rfc9293_3_7_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	EXPECT_EQ_U64(tcp_send(c, "a", 1, now), 1);
	EXPECT_EQ_U64(ncap, 1);                 /* nothing in flight: goes at once */
	EXPECT_EQ_U64(tcp_send(c, "b", 1, now), 1);
	EXPECT_EQ_U64(tcp_send(c, "c", 1, now), 1);
	EXPECT_EQ_U64(ncap, 1);                 /* "a" unacknowledged: held */
	peer(80, ACK, 1001, a_iss + 2, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, 2);
	EXPECT_EQ_U64(last().len, 2);           /* the held bytes go together */
	c->nodelay = true;
	tcp_send(c, "d", 1, now);
	tcp_send(c, "e", 1, now);
	EXPECT_EQ_U64(ncap, 4);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* MSG_MORE (the socket layer sets c->more): a reply sent whole and then closed leaves as one
 * segment carrying its FIN, as Linux sends it. */
TEST(tcp, more_holds_a_partial_segment_until_the_fin_and_sends_them_together)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	c->nodelay = true;                      /* Nagle is not what holds it */
	c->more = true;
	EXPECT_EQ_U64(tcp_send(c, "reply", 5, now), 5);
	EXPECT_EQ_U64(ncap, 0);                 /* held: the FIN is coming */
	tcp_close(c, now);
	EXPECT_EQ_U64(ncap, 1);
	struct out_seg s = last();
	EXPECT_EQ_U64(s.len, 5);
	EXPECT_EQ_U64(s.flags & FIN, FIN);
	EXPECT_EQ_U64(s.seq, a_iss + 1);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* The hold is bounded: with nothing more sent and no close, the persist timer sends it; a
 * send without MSG_MORE sends it at once. */
TEST(tcp, more_held_bytes_go_at_the_next_plain_send_or_the_persist_timer)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	c->nodelay = true;
	c->more = true;
	tcp_send(c, "ab", 2, now);
	EXPECT_EQ_U64(ncap, 0);
	run_for(TCP_PERSIST_MIN_MS + 1000);
	EXPECT_EQ_U64(ncap, 1);
	EXPECT_EQ_U64(last().len, 2);
	peer(80, ACK, 1001, a_iss + 3, 65535, NULL, 0, NULL);
	tcp_send(c, "cd", 2, now);
	EXPECT_EQ_U64(ncap, 1);                 /* still more */
	c->more = false;
	tcp_send(c, "e", 1, now);
	EXPECT_EQ_U64(ncap, 2);
	EXPECT_EQ_U64(last().len, 3);           /* the held bytes and the plain send's */
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, retransmission_timeout_doubles_rfc6298_5_5)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	tcp_send(c, "data", 4, now);
	EXPECT_EQ_U64(ncap, 1);
	uint32_t rto = c->rto;
	run_for(rto - 1);
	EXPECT_EQ_U64(ncap, 1);
	run_for(1);
	EXPECT_EQ_U64(ncap, 2);
	EXPECT_EQ_U64(last().seq, a_iss + 1);
	EXPECT_EQ_U64(last().len, 4);
	EXPECT_EQ_U64(c->rto, 2 * rto);
	run_for(2 * rto);
	EXPECT_EQ_U64(ncap, 3);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_RTO_TIMEOUTS], 2);
	peer(80, ACK, 1001, a_iss + 5, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->t_rexmt, 0);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, a_second_timeout_keeps_the_first_ones_ssthresh_rfc5681_3_1)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	static uint8_t d[8 * 1460];
	c->nodelay = true;
	c->cwnd = 8u * c->mss;
	tcp_send(c, d, 8u * c->mss, now);
	EXPECT_EQ_U64(ncap, 8);
	run_for(c->rto);
	EXPECT_EQ_U64(c->ssthresh, 4u * c->mss);        /* eq. 4: FlightSize / 2 */
	EXPECT_EQ_U64(c->cwnd, c->mss);                 /* the loss window */
	run_for(c->rto);                                /* one segment in flight now */
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_RTO_TIMEOUTS], 2);
	EXPECT_EQ_U64(c->ssthresh, 4u * c->mss);        /* held, not halved from one segment */
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* A scripted connection with timestamps (one RTT sample of 1 ms from the handshake) sends a
 * byte that the peer acknowledges 50 ms later echoing TSecr = its TSval + off, then a byte
 * acknowledged 150 ms later (under the 200 ms RTO) with its TSval echoed as sent. */
static void ack_with_tsecr_off_by(uint32_t off)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, &(struct peer_opts){ .ts = true, .tsval = 1000 });
	uint32_t srtt8 = c->srtt8, rttvar4 = c->rttvar4, rto = c->rto;
	tcp_send(c, "x", 1, now);
	run_for(50);
	peer(80, ACK, 1001, a_iss + 2, 65535, NULL, 0,
	     &(struct peer_opts){ .ts = true, .tsval = 1001, .tsecr = last().tsval + off });
	EXPECT_EQ_U64(c->snd_una, a_iss + 2);   /* the ACK itself is taken */
	EXPECT_EQ_U64(c->srtt8, srtt8);         /* its TSecr is no sample */
	EXPECT_EQ_U64(c->rttvar4, rttvar4);
	EXPECT_EQ_U64(c->rto, rto);
	tcp_send(c, "y", 1, now);
	run_for(150);
	peer(80, ACK, 1001, a_iss + 3, 65535, NULL, 0,
	     &(struct peer_opts){ .ts = true, .tsval = 1002, .tsecr = last().tsval });
	/* RFC 6298 2.3 from samples of 1 and 150 ms: SRTT 19.6 and RTTVAR 37.75 (kept times 8
	 * and 4), so RTO 19 + 151 = 170, raised to the 200 ms floor. */
	EXPECT_EQ_U64(c->srtt8, 157);
	EXPECT_EQ_U64(c->rttvar4, 151);
	EXPECT_EQ_U64(c->rto, TCP_RTO_MIN_MS);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* RFC 7323 4.3 and Appendix G: a TSecr samples the RTT only if it is a timestamp this
 * connection sent for data still unacknowledged; a future or garbage one must not move the
 * estimate, or it overflows and pins the RTO. */
TEST(tcp, a_tsecr_from_the_future_is_no_rtt_sample_rfc7323_4_3)
{
	ack_with_tsecr_off_by(1000000);
}

TEST(tcp, a_tsecr_older_than_anything_unacknowledged_is_no_rtt_sample_rfc7323_4_3)
{
	ack_with_tsecr_off_by(0xC0000000u);     /* 2^30 ms before the byte was sent */
}

TEST(tcp, three_duplicate_acks_trigger_fast_retransmit_rfc5681_3_2)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	c->nodelay = true;
	uint8_t d[4 * 1460];
	memset(d, 'x', sizeof(d));
	c->cwnd = 10 * c->mss;
	uint32_t mss = c->mss;
	tcp_send(c, d, 4 * mss, now);
	EXPECT_EQ_U64(ncap, 4);
	for (int i = 0; i < 4; i++)     /* one new ACK, then three duplicates */
		peer(80, ACK, 1001, a_iss + 1 + mss, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_FAST_RETRANS], 1);
	struct out_seg s;
	EXPECT(parse_cap(4, &s));
	EXPECT_EQ_U64(s.seq, a_iss + 1 + mss);  /* the missing segment, before its timer */
	EXPECT(c->in_recovery);
	/* A partial ACK (RFC 6582): the next hole goes out at once. */
	peer(80, ACK, 1001, a_iss + 1 + 2 * mss, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().seq, a_iss + 1 + 2 * mss);
	peer(80, ACK, 1001, a_iss + 1 + 4 * mss, 65535, NULL, 0, NULL);
	EXPECT(!c->in_recovery);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, zero_window_is_probed_with_backoff_and_resumes_rfc9293_3_8_6_1)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1001, a_iss + 1, 0, NULL, 0, NULL);      /* the window closes */
	EXPECT_EQ_U64(c->snd_wnd, 0);
	tcp_send(c, "waiting", 7, now);
	EXPECT_EQ_U64(ncap, 0);
	run_for(10000);
	unsigned probes = (unsigned)A.nif.stats.tcp[TCP_WINDOW_PROBES];
	EXPECT(probes >= 2 && probes <= 5);     /* backed off, not every RTO */
	EXPECT_EQ_U64(last().seq, a_iss);        /* SND.UNA - 1: draws an ACK with the window */
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	peer(80, ACK, 1001, a_iss + 1, 1000, NULL, 0, NULL);   /* it opens */
	EXPECT_EQ_U64(last().len, 7);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

/* The window may stay shut for as long as the peer answers the probes (RFC 1122 4.2.2.17);
 * a peer that answers none of them is gone, and the connection times out as after
 * unanswered retransmissions, or a peer could hold it (and, once closed, its memory) for
 * ever by closing its window and vanishing (found by tests/fuzz/fuzz_tcp.c). */
TEST(tcp, zero_window_probes_unanswered_time_out_rfc1122_4_2_2_17)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1001, a_iss + 1, 0, NULL, 0, NULL);      /* the window closes */
	tcp_send(c, "waiting", 7, now);
	for (int i = 0; i < 40; i++) {                          /* 20 minutes of answers */
		run_for(30000);
		peer(80, ACK, 1001, a_iss + 1, 0, NULL, 0, NULL);
	}
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	run_for(30 * 60 * 1000);                                /* the peer vanishes */
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ETIMEDOUT);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}

/* A window smaller than a segment, with nothing in flight: sender SWS avoidance holds the
 * data back, but only until the override timeout, then sends what the window takes (RFC
 * 9293 3.8.6.2.1, RFC 1122 4.2.3.4); else a peer that offered that window and waits for
 * the data would wait for ever (found by tests/fuzz/fuzz_tcp.c). */
TEST(tcp, a_window_under_a_segment_is_used_after_the_override_timeout_rfc9293_3_8_6_2_1)
{
	static uint8_t data[1040];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);               /* no MSS option: 536 */
	EXPECT_EQ_U64(tcp_send(c, data, sizeof(data), now), sizeof(data));
	EXPECT_EQ_U64(ncap, 1);                                 /* Nagle holds the 504 left */
	peer(80, ACK, 1001, a_iss + 1 + 536, 256, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, 1);                                 /* SWS holds them */
	run_for(2000);
	EXPECT(ncap >= 2);
	EXPECT_EQ_U64(last().seq, a_iss + 1 + 536);
	EXPECT_EQ_U64(last().len, 256);
	tcp_abort(c, now);
	tcp_close(l, now);
	raw_done();
}

TEST(tcp, keepalive_probes_then_times_out_rfc1122_4_2_3_6)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	tcp_set_keepalive(c, true, now);
	run_for(TCP_KEEPIDLE_MS - 1000);
	EXPECT_EQ_U64(ncap, 0);                 /* nothing for two hours of quiet */
	run_for(2000);
	EXPECT_EQ_U64(ncap, 1);
	EXPECT_EQ_U64(last().seq, a_iss);
	/* The peer answers: the count starts again. */
	peer(80, ACK, 1001, a_iss + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->keep_probes, 0);
	/* The peer vanishes: KEEPCNT probes, then ETIMEDOUT. */
	run_for(TCP_KEEPIDLE_MS + (TCP_KEEPCNT + 1) * TCP_KEEPINTVL_MS + 1000);
	EXPECT_EQ_U64(c->state, TCP_CLOSED);
	EXPECT_EQ_U64(c->error, -ETIMEDOUT);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_KEEPALIVE_PROBES], 1 + TCP_KEEPCNT);
	tcp_close(c, now);
	tcp_close(l, now);
	raw_done();
}
