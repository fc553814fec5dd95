/* The stack's stray hook (net/tcp.h): a segment of a flow no connection knows goes to the
 * hook before its RST or cookie check, so that a moved bucket's new owner can hand it to the
 * previous owner (kernel/netmove.h); SYNs that open, ACKs of our own cookies and frames
 * another kernel handed on stay here. Scripted peer as in test_tcp.c. */
#include "tests/host/test.h"
#include "tests/host/tcp_harness.h"
#include "lib/string.h"

static unsigned strays;
static uint32_t stray_src;
static uint16_t stray_sport, stray_dport;
static bool stray_had_frame;

static bool take_stray(struct tcp_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
		       uint16_t dport)
{
	(void)dst;
	strays++;
	stray_src = src;
	stray_sport = sport;
	stray_dport = dport;
	stray_had_frame = st->nif->rx_frame != NULL && st->nif->rx_frame_len > 0;
	return true;
}

static unsigned cookies;
static uint16_t cookie_sport;

static void note_cookie(struct tcp_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t dport, uint64_t when)
{
	(void)st, (void)src, (void)dst, (void)dport, (void)when;
	cookies++;
	cookie_sport = sport;
}

static void stray_setup(void)
{
	raw_setup();
	strays = 0;
	cookies = 0;
	stray_had_frame = false;
	A.st.stray = take_stray;
	A.st.cookie_sent = note_cookie;
}

static void stray_done(void)
{
	A.st.stray = NULL;
	A.st.cookie_sent = NULL;
	A.nif.rx_forwarded = false;
	raw_done();
}

TEST(tcp_stray, an_unknown_ack_goes_to_the_hook_instead_of_drawing_a_reset)
{
	stray_setup();
	unsigned before = ncap;
	peer(81, ACK | PSH, 5000, 777, 65535, "data", 4, NULL);
	EXPECT_EQ_U64(strays, 1);
	EXPECT_EQ_U64(ncap, before);            /* no RST */
	EXPECT_EQ_U64(stray_src, B_IP);
	EXPECT_EQ_U64(stray_sport, peer_port);
	EXPECT_EQ_U64(stray_dport, 81);
	EXPECT(stray_had_frame);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_NO_SOCKET], 0);
	peer(81, FIN | ACK, 5000, 777, 65535, NULL, 0, NULL);
	peer(81, RST, 5000, 0, 0, NULL, 0, NULL);
	peer(81, SYN | ACK, 5000, 777, 65535, NULL, 0, NULL);  /* answers a SYN sent elsewhere */
	EXPECT_EQ_U64(strays, 4);
	EXPECT_EQ_U64(ncap, before);
	stray_done();
}

TEST(tcp_stray, a_syn_that_opens_is_served_here)
{
	stray_setup();
	peer(81, SYN, 5000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(strays, 0);
	EXPECT_EQ_U64(last().flags, RST | ACK);         /* nobody listens on 81, here */
	stray_done();
}

TEST(tcp_stray, a_frame_another_kernel_handed_on_is_never_handed_on_again)
{
	stray_setup();
	A.nif.rx_forwarded = true;
	peer(81, ACK, 5000, 777, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(strays, 0);
	EXPECT_EQ_U64(last().flags, RST);               /* the usual answer to no connection */
	stray_done();
}

TEST(tcp_stray, a_segment_of_a_known_connection_stays_with_it)
{
	stray_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	struct tcp_conn *c = raw_accept(l, NULL);
	EXPECT(c != NULL);
	if (c) {
		peer(80, ACK | PSH, 1001, a_iss + 1, 65535, "GET", 3, NULL);
		EXPECT_EQ_U64(tcp_readable(c), 3);
		tcp_abort(c, now);
	}
	EXPECT_EQ_U64(strays, 0);
	tcp_close(l, now);
	stray_done();
}

/* Peer sends SYN, we answer SYN-ACK and sit in SYN-RECEIVED; peer ACKs an ISN that is not
 * ours. Across a move, that is the previous owner's: the peer's SYN, sent again, reached
 * both kernels, and it took the other's SYN-ACK. The ACK goes to the hook, not to a RST that
 * would kill the connection the peer has with the other kernel; with no hook, the RST
 * (RFC 9293 3.10.7.4, fifth). */
TEST(tcp_stray, syn_received_an_ack_of_another_kernels_syn_ack_goes_to_the_hook)
{
	stray_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	struct out_seg synack = last();
	EXPECT_EQ_U64(synack.flags, SYN | ACK);
	unsigned before = ncap;
	peer(80, ACK, 1001, synack.seq + 5000, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(strays, 1);
	EXPECT_EQ_U64(ncap, before);                    /* no RST */
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_ACK], 0);
	A.st.stray = NULL;
	peer(80, ACK, 1001, synack.seq + 5000, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().flags, RST);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_ACK], 1);
	A.st.stray = take_stray;
	peer(80, ACK, 1001, synack.seq + 1, 65535, NULL, 0, NULL);     /* ours: established */
	EXPECT_EQ_U64(strays, 1);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c)
		tcp_abort(c, now);
	tcp_close(l, now);
	stray_done();
}

/* Cookies: the ACK of one this stack sent completes here; one it cannot check (another
 * kernel's, from before the bucket moved) goes to the hook, not to a RST; each one sent is
 * told to the cookie hook. */
TEST(tcp_stray, our_own_cookie_completes_here_and_a_foreign_one_goes_to_the_hook)
{
	stray_setup();
	struct tcp_conn *l = listener(&A, 80, 8);
	for (unsigned i = 0; i < 8; i++) {
		peer_port = (uint16_t)(20000 + i);
		peer(80, SYN, 1000, 0, 65535, NULL, 0, NULL);
	}
	EXPECT_EQ_U64(cookies, 0);
	peer_port = 30000;
	peer(80, SYN, 7000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_SENT], 1);
	/* The cookie hook hears of it: a moved bucket's drain waits for the ACK it stands for. */
	EXPECT_EQ_U64(cookies, 1);
	EXPECT_EQ_U64(cookie_sport, 30000);
	struct out_seg s = last();
	peer_port = 30001;
	peer(80, ACK, 9001, 123456, 65535, NULL, 0, NULL);     /* a cookie we never sent */
	EXPECT_EQ_U64(strays, 1);
	EXPECT_EQ_U64(A.nif.stats.drops[DROP_TCP_BAD_COOKIE], 0);
	peer_port = 30000;
	peer(80, ACK, 7001, s.seq + 1, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(strays, 1);
	EXPECT_EQ_U64(A.nif.stats.tcp[TCP_SYN_COOKIES_OK], 1);
	struct tcp_conn *c = tcp_accept(l);
	EXPECT(c != NULL);
	if (c)
		tcp_abort(c, now);
	peer_port = 40000;
	tcp_close(l, now);
	stray_done();
}

/* Ports tracked one by one (net.h's elsewhere hook): a segment for a port with no connection
 * and no listener here goes to the kernel that serves the port, SYNs included, instead of
 * drawing a RST; where nobody serves it, the RST stands. */
static unsigned elsewhere_calls;
static uint16_t elsewhere_port;
static bool elsewhere_takes;

static bool note_elsewhere(struct netif *n, uint8_t proto, uint16_t port)
{
	(void)n;
	if (proto == IP_PROTO_TCP) {
		elsewhere_calls++;
		elsewhere_port = port;
	}
	return elsewhere_takes;
}

TEST(tcp_stray, a_port_served_elsewhere_takes_its_syns_and_segments_without_a_reset)
{
	raw_setup();
	A.nif.elsewhere = note_elsewhere;
	elsewhere_calls = 0;
	elsewhere_takes = true;
	unsigned before = ncap;
	peer(81, SYN, 5000, 0, 65535, NULL, 0, NULL);
	peer(81, ACK, 5001, 777, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(elsewhere_calls, 2);
	EXPECT_EQ_U64(elsewhere_port, 81);
	EXPECT_EQ_U64(ncap, before);                    /* no RST */
	elsewhere_takes = false;                        /* nobody serves it: the RST stands */
	peer(81, SYN, 5000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(last().flags, RST | ACK);
	A.nif.elsewhere = NULL;
	raw_done();
}

TEST(tcp_stray, a_port_listened_on_here_is_never_asked_about)
{
	raw_setup();
	A.nif.elsewhere = note_elsewhere;
	elsewhere_calls = 0;
	elsewhere_takes = true;
	struct tcp_conn *l = listener(&A, 81, 4);
	peer(81, SYN, 5000, 0, 65535, NULL, 0, NULL);
	EXPECT_EQ_U64(elsewhere_calls, 0);
	EXPECT_EQ_U64(last().flags, SYN | ACK);
	tcp_close(l, 0);
	A.nif.elsewhere = NULL;
	raw_done();
}
