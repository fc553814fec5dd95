/* One kernel's network interface and its protocol counters: Ethernet, ARP, IPv4 and ICMP so
 * far (DESIGN.md section 4 comes later: this is per-kernel code from the start). Every
 * function is handed `now` (milliseconds) instead of reading a clock, so the host tests drive
 * time by hand. */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HDR         14
#define ETH_TYPE_IPV4   0x0800
#define ETH_TYPE_ARP    0x0806
#define ETH_FRAME_MAX   1514
#define ARP_CACHE_SIZE  64
#define ARP_TTL_MS      (60 * 1000)     /* an entry not confirmed for this long is dropped */
#define IP_PROTO_ICMP   1
#define IP_PROTO_UDP    17
#define UDP_BINDS       4
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
	DROP_IP_FRAGMENT,       /* fragments are refused, not reassembled (docs/ARCHITECTURE.md) */
	DROP_IP_PROTO,          /* a protocol we do not speak yet */
	DROP_ICMP_SHORT,
	DROP_ICMP_CHECKSUM,
	DROP_ICMP_TYPE,         /* not an echo request */
	DROP_NO_ROUTE_MAC,      /* next hop's MAC unknown: an ARP request went out instead */
	DROP_UDP_SHORT,
	DROP_UDP_LENGTH,        /* length field under 8 or past the packet */
	DROP_UDP_CHECKSUM,
	DROP_UDP_NO_PORT,       /* nobody bound: port unreachable sent (unless broadcast) */
	DROP_DHCP_MALFORMED,
	DROP_TX_FULL,
	DROP_REASONS
};

struct net_stats {
	uint64_t rx_frames, tx_frames, arp_replies_sent, arp_requests_sent, icmp_echo_replies;
	uint64_t drops[DROP_REASONS];
};

struct arp_entry {
	uint32_t ip;            /* 0: free */
	uint8_t mac[6];
	uint64_t confirmed_ms;
};

struct netif;
typedef void (*udp_recv_fn)(struct netif *nif, uint32_t src, uint16_t sport, const uint8_t *data,
			    size_t len, uint64_t now);

struct udp_bind {
	uint16_t port;          /* 0: free */
	udp_recv_fn fn;
};

struct dhcp_client;

struct netif {
	uint8_t mac[6];
	uint32_t ip, mask, gateway;     /* host order */
	/* The driver's send; returns 0 or -errno. */
	int (*tx)(void *drv, const uint8_t *frame, size_t len);
	void *drv;
	struct arp_entry arp[ARP_CACHE_SIZE];
	uint16_t ip_id;
	struct udp_bind udp[UDP_BINDS];
	struct dhcp_client *dhcp;
	struct net_stats stats;
};

const char *net_drop_name(enum net_drop why);
uint16_t inet_checksum(const void *data, size_t len);
int net_parse_cidr(const char *s, uint32_t *ip, uint32_t *mask);

void eth_input(struct netif *nif, const uint8_t *frame, size_t len, uint64_t now);
int eth_output(struct netif *nif, const uint8_t dst[6], uint16_t type, const uint8_t *payload,
	       size_t len);
void arp_input(struct netif *nif, const uint8_t *pkt, size_t len, uint64_t now);
/* The MAC for ip if known and fresh; otherwise sends a request and returns false. */
bool arp_resolve(struct netif *nif, uint32_t ip, uint8_t mac[6], uint64_t now);
void ipv4_input(struct netif *nif, const uint8_t *pkt, size_t len, uint64_t now);
int ipv4_output(struct netif *nif, uint32_t dst, uint8_t proto, const uint8_t *payload, size_t len,
		uint64_t now);
void icmp_input(struct netif *nif, uint32_t src, const uint8_t *pkt, size_t len, uint64_t now);
/* ICMP destination unreachable (type 3) about the IP packet ip (RFC 792, RFC 1122 3.2.2). */
void icmp_unreachable(struct netif *nif, uint8_t code, const uint8_t *ip, size_t len, uint64_t now);
void udp_input(struct netif *nif, const uint8_t *ip, const uint8_t *pkt, size_t len, uint64_t now);
int udp_output(struct netif *nif, uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *data,
	       size_t len, uint64_t now);
int udp_bind(struct netif *nif, uint16_t port, udp_recv_fn fn);

#endif
