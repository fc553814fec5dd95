/* RFC 9293's MUSTs on options, windows, PUSH, keep-alives and opening, each checked against
 * a scripted peer (tcp_harness.h) by the segments as they leave and the state the peer sees;
 * docs/CONFORMANCE.md names each test beside its MUST. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/bytes.h"
#include "lib/errno.h"
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
	run_for(2 * TCP_KEEPIDLE_MS + TCP_KEEPCNT * TCP_KEEPINTVL_MS);
	EXPECT_EQ_U64(ncap, 0);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_KEEPALIVE_PROBES], 0);
	EXPECT(c && c->state == TCP_ESTABLISHED);
	tcp_close(l, now);
	raw_done();
}
