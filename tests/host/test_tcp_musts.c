/* RFC 9293's MUSTs on options, windows, PUSH, keep-alives and opening, each checked against
 * a scripted peer (tcp_harness.h) by the segments as they leave and the state the peer sees;
 * docs/CONFORMANCE.md names each test beside its MUST. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/util.h"

/* The peer's segment with raw option bytes (a multiple of 4) ahead of len bytes of data. */
static void peer_raw_opts(uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *opts,
			  size_t olen, const void *data, size_t len)
{
	uint8_t body[128];
	struct peer_opts o = { .doff_words = 5 + (int)(olen / 4) };
	memcpy(body, opts, olen);
	memcpy(body + olen, data, len);
	peer(80, flags, seq, ack, 65535, body, olen + len, &o);
}

/* MUST-6 (3.2): an option of a kind we do not know is skipped by its length, and the options
 * around it still count: on the SYN (MSS, window scale and timestamps after two unknown
 * kinds) and on data (a timestamp after an unknown kind). */
TEST(tcp, unknown_options_are_skipped_and_the_rest_still_read_rfc9293_3_2)
{
	static const uint8_t syn_opts[] = {
		254, 6, 0xAB, 0xCD, 0xEF, 0x01,         /* experimental (RFC 6994), 6 bytes */
		2, 4, 0x05, 0x78,                       /* MSS 1400 */
		77, 2,                                  /* unassigned, no payload */
		1, 3, 3, 7,                             /* NOP, window scale 7 */
		1, 1, 8, 10, 0, 0, 0, 99, 0, 0, 0, 0,   /* NOP NOP timestamps 99 */
	};
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer_raw_opts(SYN, 1000, 0, syn_opts, sizeof(syn_opts), NULL, 0);
	struct out_seg sa = last();
	EXPECT_EQ_U64(sa.flags, SYN | ACK);
	EXPECT(sa.has_ws);                      /* answered only because the offer was read */
	EXPECT(sa.has_ts && sa.tsecr == 99);
	uint8_t ack_opts[16] = { 253, 4, 0, 0, 1, 1, 8, 10 };
	wr32be(ack_opts + 8, 100);
	wr32be(ack_opts + 12, sa.tsval);
	peer_raw_opts(ACK, 1001, sa.seq + 1, ack_opts, sizeof(ack_opts), "hi", 2);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ_U64(c->mss, 1400 - 12);
		EXPECT_EQ_U64(c->snd_wscale, 7);
		EXPECT_EQ_U64(c->ts_recent, 100);
		char buf[4] = { 0 };
		EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 2);
		EXPECT_EQ_STR(buf, "hi");
	}
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_OPTIONS], 0);
	tcp_close(l, now);
	raw_done();
}

/* MUST-11 (3.5): a RST at RCV.NXT in SYN-RECEIVED of a passive open returns to LISTEN: the
 * half-open child is gone (no SYN-ACK retransmitted, nothing to accept) and the listener
 * answers the next SYN of the same four-tuple as a new connection. */
TEST(tcp, a_reset_in_syn_received_returns_to_listen_rfc9293_3_5)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().flags, SYN | ACK);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_SYN_RECEIVED], 1);
	peer(80, RST, 1001, 0, 0, NULL, 0, NULL);
	EXPECT_EQ_U64(A.st.conns_by_state[TCP_SYN_RECEIVED], 0);
	EXPECT_EQ_U64(l->state, TCP_LISTEN);
	EXPECT_EQ_U64(l->syn_count, 0);
	EXPECT(tcp_accept(l) == NULL);
	unsigned before = ncap;
	run_for(10 * 1000);
	EXPECT_EQ_U64(ncap, before);            /* no SYN-ACK retransmitted for the dead child */
	peer(80, SYN, 777000, 0, 65535, NULL, 0, NULL);
	struct out_seg sa = last();
	EXPECT_EQ_U64(ncap, before + 1);
	EXPECT_EQ_U64(sa.flags, SYN | ACK);
	EXPECT_EQ_U64(sa.ack, 777001);
	peer(80, ACK, 777001, sa.seq + 1, 65535, NULL, 0, NULL);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	EXPECT(c && c->state == TCP_ESTABLISHED);
	tcp_close(l, now);
	raw_done();
}

/* MUST-25 (3.8.4): keep-alives are off unless asked for. A connection left idle for twice
 * the keep-alive time sends nothing and stays open. */
TEST(tcp, keepalives_are_off_by_default_rfc9293_3_8_4)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	idle_for(2 * TCP_KEEPIDLE_MS + TCP_KEEPCNT * TCP_KEEPINTVL_MS);
	EXPECT_EQ_U64(ncap, 0);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_KEEPALIVE_PROBES], 0);
	EXPECT(c && c->state == TCP_ESTABLISHED);
	tcp_close(l, now);
	raw_done();
}

/* The bytes sent in captured segments from..ncap, and whether any went past right_edge. */
static uint32_t bytes_sent_since(unsigned from, uint32_t right_edge, bool *past)
{
	uint32_t n = 0;
	struct out_seg s;
	for (unsigned i = from; parse_cap(i, &s); i++) {
		n += s.len;
		if ((int32_t)(s.seq + s.len - right_edge) > 0)
			*past = true;
	}
	return n;
}

/* MUST-1 (3.8.6): the window field is unsigned. A peer offering 0xFFFF without scaling
 * gets 65,535 bytes in flight, not one more and not none. */
TEST(tcp, a_window_of_65535_is_unsigned_and_used_whole_rfc9293_3_8_6)
{
	static uint8_t data[TCP_SNDBUF_DEFAULT];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1285 };   /* 51 whole segments fill it */
	struct tcp_conn *c = raw_accept(l, &o);
	bool past = false;
	c->cwnd = 1u << 20;
	c->nodelay = true;
	EXPECT_EQ_U64(c->snd_wnd, 0xFFFF);
	EXPECT_EQ_U64(tcp_send(c, data, sizeof(data), now), sizeof(data));
	EXPECT_EQ_U64(bytes_sent_since(0, a_iss + 1 + 0xFFFF, &past), 0xFFFF);
	EXPECT(!past);
	tcp_close(l, now);
	raw_done();
}

/* MUST-34 (3.8.6): the peer moves its window's right edge left, below what is already in
 * flight. Nothing new is sent past SND.UNA + SND.WND (the usable window is negative, not a
 * huge unsigned number), and sending picks up at SND.NXT once the window opens again. */
TEST(tcp, a_window_that_shrinks_sends_nothing_past_its_right_edge_rfc9293_3_8_6)
{
	static uint8_t data[20000];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1000 };
	struct tcp_conn *c = raw_accept(l, &o);
	uint32_t base = a_iss + 1;
	bool past = false;
	c->cwnd = 1u << 20;                     /* the peer's window alone limits sending */
	peer(80, ACK, 1001, base, 10000, NULL, 0, NULL);
	EXPECT_EQ_U64(tcp_send(c, data, sizeof(data), now), sizeof(data));
	EXPECT_EQ_U64(bytes_sent_since(0, base + 10000, &past), 10000);
	unsigned before = ncap;
	peer(80, ACK, 1001, base + 2000, 3000, NULL, 0, NULL);  /* right edge 5000 < 10000 */
	EXPECT_EQ_U64(bytes_sent_since(before, base + 5000, &past), 0);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	before = ncap;
	peer(80, ACK, 1001, base + 10000, 5000, NULL, 0, NULL);
	struct out_seg s;
	EXPECT(parse_cap(before, &s) && s.seq == base + 10000);
	EXPECT_EQ_U64(bytes_sent_since(before, base + 15000, &past), 5000);
	EXPECT(!past);
	tcp_close(l, now);
	raw_done();
}

/* MUST-59 (3.8.6.3): a segment that fills the holes before two queued islands is processed
 * together with both before the one ACK goes, which acknowledges all of them. */
TEST(tcp, queued_segments_are_all_processed_before_the_ack_rfc9293_3_8_6_3)
{
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	peer(80, ACK, 1010, a_iss + 1, 65535, "jkl", 3, NULL);
	peer(80, ACK, 1004, a_iss + 1, 65535, "def", 3, NULL);
	EXPECT_EQ_U64(ncap, 2);                 /* a duplicate ACK for each island */
	EXPECT_EQ_U64(last().ack, 1001);
	peer(80, ACK, 1001, a_iss + 1, 65535, "abcdefghi", 9, NULL);
	EXPECT_EQ_U64(ncap, 3);                 /* one ACK, for everything */
	EXPECT_EQ_U64(last().ack, 1013);
	char buf[16] = { 0 };
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 12);
	EXPECT_EQ_STR(buf, "abcdefghijkl");
	tcp_close(l, now);
	raw_done();
}

/* MUST-61 (3.9.1.2): one write that takes three segments sets PSH on the last, the one that
 * carries the last byte written (held by Nagle until the others are acknowledged), and on no
 * other. */
TEST(tcp, psh_is_set_on_the_segment_with_the_last_byte_written_rfc9293_3_9_1_2)
{
	static uint8_t data[2500];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1000 };
	struct tcp_conn *c = raw_accept(l, &o);
	EXPECT_EQ_U64(tcp_send(c, data, sizeof(data), now), sizeof(data));
	EXPECT_EQ_U64(ncap, 2);                 /* Nagle holds the last 500 for an ACK */
	peer(80, ACK, 1001, a_iss + 2001, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(ncap, 3);
	struct out_seg s;
	for (unsigned i = 0; i < 3 && parse_cap(i, &s); i++) {
		EXPECT_EQ_U64(s.len, i < 2 ? 1000 : 500);
		EXPECT_EQ_U64(s.flags, i < 2 ? ACK : ACK | PSH);
	}
	tcp_close(l, now);
	raw_done();
}

/* MUST-44 and MUST-45 (3.9.1.1): an OPEN without a local address takes the interface's; one
 * bound to a local address and port keeps them. Either way the SYN leaves from that socket,
 * its checksum over that address (parse_cap checks it), and the peer's SYN-ACK to it
 * establishes the connection. */
static void connect_and_check_source(struct tcp_conn *c, uint16_t lport)
{
	EXPECT_EQ_U64(tcp_connect(c, B_IP, 40000, now), 0);
	EXPECT_EQ_U64(c->laddr, A_IP);
	struct out_seg s = last();
	EXPECT_EQ_U64(s.flags, SYN);
	EXPECT_EQ_U64(s.src, A_IP);
	EXPECT_EQ_U64(s.dst, B_IP);
	if (lport)
		EXPECT_EQ_U64(s.sport, lport);
	peer(s.sport, SYN | ACK, 5000, s.seq + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(c->state, TCP_ESTABLISHED);
	EXPECT_EQ_U64(last().ack, 5001);
	EXPECT_EQ_U64(last().src, A_IP);
}

TEST(tcp, a_syn_leaves_from_our_address_when_none_was_bound_rfc9293_3_9_1_1)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(c->laddr, 0);
	connect_and_check_source(c, 0);
	raw_done();
}

TEST(tcp, a_syn_leaves_from_the_bound_address_and_port_rfc9293_3_9_1_1)
{
	raw_setup();
	struct tcp_conn *c = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_bind(c, A_IP, 5555, false), 0);
	connect_and_check_source(c, 5555);
	raw_done();
}

/* A connection with every kind of segment our side sends: a SYN-ACK with MSS, window scale
 * and timestamps, data, pure ACKs, a FIN, an active open's SYN and a RST for a closed port.
 * Every one stays in the capture list for the caller to check. */
static void every_kind_of_segment(void)
{
	static uint8_t data[3000];
	raw_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct peer_opts o = { .mss = true, .mss_val = 1000, .ws = true, .ws_val = 2, .ts = true, .tsval = 100 };
	peer(80, SYN, 1000, 0, 65535, NULL, 0, &o);
	uint32_t iss = last().seq;
	struct peer_opts t = { .ts = true, .tsval = 101, .tsecr = last().tsval };
	peer(80, ACK, 1001, iss + 1, 65535, NULL, 0, &t);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (!c)
		return;
	tcp_send(c, data, sizeof(data), now);
	for (uint32_t tsval = 102; tsval < 104; tsval++) {     /* Nagle holds the tail once */
		t = (struct peer_opts){ .ts = true, .tsval = tsval, .tsecr = last().tsval };
		peer(80, ACK, 1001, last().seq + last().len, 65535, NULL, 0, &t);
	}
	EXPECT_EQ_U64(c->snd_una, iss + 1 + sizeof(data));
	t = (struct peer_opts){ .ts = true, .tsval = 104, .tsecr = last().tsval };
	peer(80, ACK, 1001, iss + 1 + sizeof(data), 65535, "abc", 3, &t);
	run_for(500);                           /* the delayed ACK of "abc" */
	char buf[4];
	EXPECT_EQ_U64(tcp_recv(c, buf, sizeof(buf), false, now), 3);   /* or close resets */
	tcp_close(c, now);
	t = (struct peer_opts){ .ts = true, .tsval = 105, .tsecr = last().tsval };
	peer(80, FIN | ACK, 1004, iss + 2 + sizeof(data), 65535, NULL, 0, &t);
	EXPECT_EQ_U64(c->state, TCP_TIME_WAIT);
	struct tcp_conn *a = tcp_conn_new(&A.st);
	EXPECT_EQ_U64(tcp_connect(a, B_IP, 40001, now), 0);
	peer(81, SYN, 1, 0, 100, NULL, 0, NULL);
	tcp_close(l, now);
}

/* MUST-65 (3.7.1): the MSS option is sent in SYNs (ours and the SYN-ACK) and in nothing else. */
TEST(tcp, the_mss_option_is_sent_only_in_a_syn_rfc9293_3_7_1)
{
	every_kind_of_segment();
	unsigned syns = 0, others = 0;
	struct out_seg s;
	for (unsigned i = 0; parse_cap(i, &s); i++) {
		bool syn = s.flags & SYN;
		EXPECT_EQ_U64(s.has_mss, syn);
		syns += syn;
		others += !syn;
	}
	EXPECT_EQ_U64(syns, 2);
	EXPECT(others >= 6);                    /* 3 data, ACK of "abc", FIN, last ACK, RST */
	raw_done();
}

/* Whether the option bytes are well formed: each option's length inside the area, and after
 * an End of Option List only zeros to the end of the header (RFC 9293 3.1). */
static bool options_well_formed(const uint8_t *o, uint32_t n)
{
	uint32_t i = 0;
	while (i < n) {
		if (o[i] == 0) {
			for (i++; i < n; i++)
				if (o[i])
					return false;
			return true;
		}
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
			return false;
		i += o[i + 1];
	}
	return i == n;
}

/* MUST-69 (3.1): every header we send ends on a word, its options fill it exactly, and what
 * follows an End of Option List, if one is sent, is zero padding. */
TEST(tcp, options_fill_the_header_and_only_zeros_follow_end_rfc9293_3_1)
{
	every_kind_of_segment();
	unsigned with_options = 0;
	struct out_seg s;
	for (unsigned i = 0; parse_cap(i, &s); i++) {
		EXPECT_EQ_U64(s.optlen % 4, 0);
		EXPECT(options_well_formed(s.opt, s.optlen));
		with_options += s.optlen > 0;
	}
	EXPECT(with_options >= 7);              /* SYNs and timestamps on every segment */
	raw_done();
}
