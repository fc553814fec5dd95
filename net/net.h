/* One kernel's network interface and the stack over it: Ethernet, ARP, IPv4 with reassembly
 * (ip_reass.h), ICMP echo and errors, UDP, a DHCP client (dhcp.h) and TCP (tcp.h), with a
 * counter for every drop reason. Every kernel with an interface has its own struct netif
 * (DESIGN.md section 4); this code has no globals, and every function is handed `now`
 * (milliseconds) instead of reading a clock, so it builds on the host and its tests drive
 * time by hand. */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HDR         14
#define IP_HDR          20      /* an IPv4 header without options */
#define IP_FLAG_MF      0x2000  /* flags and fragment offset word: more fragments */
#define IP_FRAG_OFFSET  0x1FFF  /* the same word: offset in 8-byte blocks (RFC 791) */
#define ETH_TYPE_IPV4   0x0800
#define ETH_TYPE_ARP    0x0806
#define ETH_FRAME_MAX   1514
#define ARP_CACHE_SIZE  64
#define ARP_TTL_MS      (60 * 1000)     /* an entry not confirmed for this long is dropped */
#define IP_PROTO_ICMP   1
#define IP_PROTO_TCP    6
#define IP_PROTO_UDP    17
#define UDP_BINDS       64
#define IP_BROADCAST    0xFFFFFFFFu

/* A reason for every dropped packet, each with its own counter. */
enum net_drop {
	DROP_ETH_SHORT,         /* shorter than an Ethernet header */
	DROP_ETH_NOT_FOR_US,    /* another unicast MAC */
	DROP_ETH_TYPE,          /* EtherType we do not speak */
	DROP_ARP_MALFORMED,
	DROP_IP_SHORT,
	DROP_IP_VERSION,
	DROP_IP_HEADER_LEN,     /* IHL under 5 or past the packet */
	DROP_IP_TOTAL_LEN,
	DROP_IP_CHECKSUM,
	DROP_IP_NOT_FOR_US,
	DROP_IP_FRAGMENT,       /* a fragment on an interface without a reassembly table */
	DROP_IP_PROTO,          /* a protocol we do not speak, or TCP with no TCP stack */
	DROP_ICMP_SHORT,
	DROP_ICMP_CHECKSUM,
	DROP_ICMP_TYPE,         /* not an echo, nor an error about a connection of ours */
	DROP_NO_ROUTE_MAC,      /* next hop's MAC unknown: an ARP request went out instead */
	DROP_NO_ROUTE,          /* no next hop: off the subnet with no gateway, or to 0.0.0.0 */
	DROP_UDP_SHORT,
	DROP_UDP_LENGTH,        /* length field under 8 or past the packet */
	DROP_UDP_CHECKSUM,
	DROP_UDP_NO_PORT,       /* nobody bound: port unreachable sent (unless broadcast) */
	DROP_DHCP_MALFORMED,    /* short, no BOOTREPLY, no magic cookie, lying options, not from 67 */
	DROP_DHCP_NOT_OURS,     /* another client's exchange: xid or hardware address differ */
	DROP_DHCP_UNEXPECTED,   /* a message our state does not take (RFC 2131 4.4's diagram) */
	DROP_UDP_RCVBUF,        /* a socket's receive queue was full */
	DROP_UDP_NOT_PEER,      /* for a connected UDP socket, from another address or port */
	DROP_TCP_SHORT,         /* shorter than a TCP header */
	DROP_TCP_OFFSET,        /* data offset under 5 words or past the segment */
	DROP_TCP_CHECKSUM,
	DROP_TCP_FLAGS,         /* SYN with FIN or RST, or no flag at all */
	DROP_TCP_OPTIONS,       /* an option whose length runs past the header */
	DROP_TCP_NO_SOCKET,     /* nobody listens or is connected: a RST went back */
	DROP_TCP_OUT_OF_WINDOW, /* unacceptable sequence number (RFC 9293 3.10.7.4) */
	DROP_TCP_PAWS,          /* old timestamp (RFC 7323 5.3) */
	DROP_TCP_BAD_ACK,       /* acknowledges data never sent */
	DROP_TCP_RST_BLIND,     /* a RST not exactly at RCV.NXT: challenge ACK (RFC 5961 3) */
	DROP_TCP_SYN_IN_WINDOW, /* a SYN on a synchronized connection: challenge ACK (RFC 5961 4) */
	DROP_TCP_BAD_COOKIE,    /* an ACK to a listener that is no valid SYN cookie */
	DROP_TCP_ACCEPT_FULL,   /* the accept queue was full */
	DROP_TCP_OOO_FULL,      /* out-of-order data past what we keep */
	DROP_TCP_ZERO_WINDOW,   /* data into a zero window: only its ACK is taken */
	DROP_TCP_RCVBUF_TRIM,   /* a segment running past the receive buffer: the rest cut off */
	DROP_TX_FULL,
	/* Host requirements (docs/CONFORMANCE.md): martian sources, reassembly, TCP port 0. */
	DROP_IP_BAD_SOURCE,     /* source names no single host (RFC 1122 3.2.1.3): 0, 127/8, 224/4.. */
	DROP_IP_REASS_FULL,     /* a new datagram's fragment with every reassembly slot taken */
	DROP_IP_REASS_OVERLAP,  /* fragments overlap or disagree: the whole datagram dropped */
	DROP_IP_REASS_DUPLICATE,/* a fragment repeating bytes already held, byte for byte */
	DROP_IP_REASS_OVERSIZE, /* fragments adding up past 65,535 bytes (RFC 791 3.1) */
	DROP_IP_REASS_TIMEOUT,  /* a datagram not complete within the reassembly timeout */
	DROP_IP_FRAG_MALFORMED, /* empty, or not a multiple of 8 bytes with more to follow */
	DROP_TCP_PORT_ZERO,     /* source or destination port 0, which names no socket */
	DROP_TCP_NO_BUFFER,     /* data, and no memory for the receive buffer it needs */
	/* Flow steering (DESIGN.md section 4). */
	DROP_TCP_SYN_NOT_HERE,  /* a SYN of a flow steered to another kernel (its bucket moved
				   while it was on its way): its sender sends it again */
	DROP_REASONS
};

/* TCP event counters (RFC 4022's, where it has them). */
enum tcp_counter {
	TCP_ACTIVE_OPENS,
	TCP_PASSIVE_OPENS,
	TCP_ATTEMPT_FAILS,
	TCP_ESTAB_RESETS,
	TCP_IN_SEGS,
	TCP_OUT_SEGS,
	TCP_RETRANS_SEGS,
	TCP_OUT_RSTS,
	TCP_FAST_RETRANS,
	TCP_RTO_TIMEOUTS,
	TCP_SYN_COOKIES_SENT,
	TCP_SYN_COOKIES_OK,
	TCP_SYN_QUEUE_FULL,
	TCP_DELAYED_ACKS,
	TCP_WINDOW_PROBES,
	TCP_KEEPALIVE_PROBES,
	TCP_OOO_SEGS,
	TCP_CHALLENGE_ACKS,
	TCP_RSS_CHECKED,        /* SYNs whose NIC flow hash was recomputed (lib/toeplitz.h) */
	TCP_RSS_MISMATCHES,     /* ... and differed: the NIC would steer flows elsewhere */
	TCP_COUNTERS
};

/* RFC 9293's states, in its order. */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_STATES
};

struct net_stats {
	uint64_t rx_frames, tx_frames, arp_replies_sent, arp_requests_sent, icmp_echo_replies;
	uint64_t icmp_echo_replies_in;  /* answers to this interface's own echo requests */
	uint64_t udp_in, udp_out;
	uint64_t ip_frags_in, ip_frags_out;     /* fragments taken into reassembly, and sent */
	uint64_t icmp_errors_in;                /* ICMP errors handed to a connection */
	uint64_t drops[DROP_REASONS];
	uint64_t tcp[TCP_COUNTERS];
};

#define ARP_PENDING     16
#define ARP_PENDING_MS  3000

struct arp_entry {
	uint32_t ip;            /* 0: free (0.0.0.0 is never a neighbour's address) */
	uint8_t mac[6];
	uint64_t confirmed_ms;
	uint64_t requested_ms;  /* last refresh request */
	uint64_t told_ms;       /* when arp_learned last heard of it (arp.c) */
};

/* An IP packet waiting for its next hop's MAC. */
struct arp_pending {
	uint32_t ip;
	uint16_t len;           /* 0: free */
	uint64_t since;
	uint8_t pkt[ETH_FRAME_MAX - ETH_HDR];
};

struct netif;
typedef void (*udp_recv_fn)(struct netif *nif, void *arg, uint32_t src, uint16_t sport,
			    const uint8_t *data, size_t len, uint64_t now);

struct udp_bind {
	uint16_t port;
	udp_recv_fn fn;         /* NULL: the slot is free */
	void *arg;
	uint32_t raddr;         /* the connected peer (udp_connect); 0: datagrams from anyone */
	uint16_t rport;
};

struct dhcp_client;
struct tcp_stack;
struct ip_reass;

struct netif {
	uint8_t mac[6];
	uint32_t ip, mask, gateway;     /* host order */
	/* The driver's send; returns 0 or -errno. */
	int (*tx)(void *drv, const uint8_t *frame, size_t len);
	void *drv;
	struct arp_entry arp[ARP_CACHE_SIZE];
	struct arp_pending pending[ARP_PENDING];
	uint32_t arp_unknown_ip;        /* the last address asked for that has no entry */
	uint64_t arp_unknown_ms;
	uint16_t ip_id;
	struct udp_bind udp[UDP_BINDS];
	/* Called when an address is first learned or its MAC changes; NULL: nobody asks. */
	void (*arp_learned)(struct netif *nif, uint32_t ip, const uint8_t mac[6]);
	struct dhcp_client *dhcp;
	struct tcp_stack *tcp;          /* NULL: TCP segments are dropped as DROP_IP_PROTO */
	struct ip_reass *reass;         /* NULL: fragments are dropped as DROP_IP_FRAGMENT */
	/* The frame being received: the NIC's flow hash of its TCP/IPv4 4-tuple when the NIC
	 * computed one (rx_hashed), with rss_key (NULL for a NIC without RSS). */
	const uint8_t *rss_key;
	uint32_t rx_hash;
	bool rx_hashed;
	bool rx_link_bcast;             /* it came to a link-layer broadcast or multicast address */
	/* The whole frame (eth_input sets it), for a stack that hands a segment to another
	 * kernel; rx_forwarded: another kernel handed it here, and it goes no further. */
	const uint8_t *rx_frame;
	size_t rx_frame_len;
	bool rx_forwarded;
	/* Ports are tracked one by one (DESIGN.md section 4): a TCP segment for a port with no
	 * connection or listener here, a UDP datagram for a port nobody here binds, or an echo
	 * reply to another kernel's identifier (port: the identifier) may be another kernel's.
	 * True when the hook handed the frame to the kernel that serves it; asked only through
	 * net_elsewhere. NULL: nothing is served elsewhere. */
	bool (*elsewhere)(struct netif *nif, uint8_t proto, uint16_t port);
	/* The ephemeral UDP ports this stack picks: p % port_slices == port_slice, so that any
	 * kernel knows whose an answer to one is (port_slices 0: every port). */
	uint16_t port_slice, port_slices;
	struct net_stats stats;
};

const char *net_drop_name(enum net_drop why);
const char *tcp_counter_name(enum tcp_counter c);
const char *tcp_state_name(enum tcp_state s);
uint16_t inet_checksum(const void *data, size_t len);
uint64_t inet_sum(const void *data, size_t len, uint64_t sum);
uint16_t inet_fold(uint64_t sum);
/* The sum of the IPv4 pseudo-header that TCP and UDP checksums cover (RFC 9293 3.1). */
uint64_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len);
int net_parse_cidr(const char *s, uint32_t *ip, uint32_t *mask);

void eth_input(struct netif *nif, const uint8_t *frame, size_t len, uint64_t now);
int eth_output(struct netif *nif, const uint8_t dst[6], uint16_t type, const uint8_t *payload,
	       size_t len);
void arp_input(struct netif *nif, const uint8_t *pkt, size_t len, uint64_t now);
/* Records ip's MAC as heard just now (also what another kernel heard), sending what waited. */
void arp_learn(struct netif *nif, uint32_t ip, const uint8_t mac[6], uint64_t now);
/* The MAC the cache holds for ip, fresh or not; no request is sent. */
bool arp_cached(const struct netif *nif, uint32_t ip, uint8_t mac[6]);
/* The MAC for ip if known and fresh; otherwise sends a request and returns false. */
bool arp_resolve(struct netif *nif, uint32_t ip, uint8_t mac[6], uint64_t now);
void arp_queue(struct netif *nif, uint32_t ip, const uint8_t *pkt, size_t len, uint64_t now);
void arp_tick(struct netif *nif, uint64_t now);
/* Gratuitous ARP: tells the link our address (after configuring it). */
void arp_announce(struct netif *nif);
void ipv4_input(struct netif *nif, const uint8_t *pkt, size_t len, uint64_t now);
/* A whole, checked datagram of total bytes with an ihl-byte header, to its protocol. */
void ipv4_deliver(struct netif *nif, const uint8_t *pkt, size_t ihl, size_t total, uint64_t now);
/* A checked fragment (RFC 791 3.2), to the reassembly table nif->reass (net/ip_reass.h). */
void ip_reass_input(struct netif *nif, const uint8_t *pkt, size_t ihl, size_t total, uint64_t now);
/* Sends len bytes of payload to dst, or holds them while ARP resolves the next hop (which
 * counts as sent). 0, -EMSGSIZE past one frame, -ENETUNREACH with no next hop, or the
 * driver's -errno (eth_output). */
int ipv4_output(struct netif *nif, uint32_t dst, uint8_t proto, const uint8_t *payload, size_t len,
		uint64_t now);
void icmp_input(struct netif *nif, const uint8_t *ip, const uint8_t *pkt, size_t len, uint64_t now);
/* Asks nif's elsewhere hook about the datagram at ip (proto, port as the hook takes them),
 * which must be the frame as received (not reassembled here, not handed on by another
 * kernel): true when it went to the kernel that serves it. */
bool net_elsewhere(struct netif *nif, const uint8_t *ip, uint8_t proto, uint16_t port);
/* An IPv4 header (IP_HDR bytes, no options) for len bytes of payload, checksum included. */
void ipv4_header(uint8_t *pkt, uint32_t src, uint32_t dst, uint8_t proto, size_t len, uint16_t id);
#define ICMP_ECHO_HDR           8
#define ICMP_ECHO_DATA_MAX      56      /* ping's default, and what a request may carry here */
/* An ICMP echo request with identifier id, sequence seq and len data bytes (0, 1, 2, ...)
 * into msg; returns its length, ICMP_ECHO_HDR + len. */
size_t icmp_echo_build(uint8_t *msg, uint16_t id, uint16_t seq, size_t len);
/* Sends an ICMP echo request (ping) with identifier id, sequence seq and len bytes of data
 * (at most ICMP_ECHO_DATA_MAX, else -EINVAL); answers are counted in
 * stats.icmp_echo_replies_in. 0 or -errno (as ipv4_output). */
int icmp_echo_request(struct netif *nif, uint32_t dst, uint16_t id, uint16_t seq, size_t len,
		      uint64_t now);
/* An ICMP error of type and code about the IP packet ip, quoting its header and 8 bytes, unless
 * RFC 1122 3.2.2 forbids an error about it (an ICMP error, a broadcast, a later fragment). */
void icmp_error(struct netif *nif, uint8_t type, uint8_t code, const uint8_t *ip, size_t len,
		uint64_t now);
/* ICMP destination unreachable (type 3) about the IP packet ip (RFC 792, RFC 1122 3.2.2). */
void icmp_unreachable(struct netif *nif, uint8_t code, const uint8_t *ip, size_t len, uint64_t now);
void tcp_input(struct netif *nif, const uint8_t *ip, const uint8_t *seg, size_t len, uint64_t now);
/* An ICMP error of type and code about the datagram ip (its header and 8 bytes or more, as
 * quoted), handed to the TCP connection that sent it (RFC 9293 3.9.2.2). */
void tcp_icmp_error(struct netif *nif, uint8_t type, uint8_t code, const uint8_t *ip,
		    size_t len, uint64_t now);
void udp_input(struct netif *nif, const uint8_t *ip, const uint8_t *pkt, size_t len, uint64_t now);
int udp_output(struct netif *nif, uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *data,
	       size_t len, uint64_t now);
/* Datagrams to port go to fn(arg); -EINVAL for port 0 or no fn, -EADDRINUSE if taken,
 * -ENOSPC if the table is full. */
int udp_bind(struct netif *nif, uint16_t port, udp_recv_fn fn, void *arg);
void udp_unbind(struct netif *nif, uint16_t port);
/* Port takes datagrams from raddr:rport only, the others counted as DROP_UDP_NOT_PEER (as a
 * connected socket, POSIX connect()); raddr 0 takes them from anyone again. -ENOENT if port
 * is not bound. */
int udp_connect(struct netif *nif, uint16_t port, uint32_t raddr, uint16_t rport);

#endif
