/* Names of the drop reasons, TCP counters and TCP states (net.h), shared by the kernel and
 * the programs that show them. */
#include "net/net.h"

static const char *const drop_names[DROP_REASONS] = {
	[DROP_ETH_SHORT] = "eth_short",
	[DROP_ETH_NOT_FOR_US] = "eth_not_for_us",
	[DROP_ETH_TYPE] = "eth_type",
	[DROP_ARP_MALFORMED] = "arp_malformed",
	[DROP_IP_SHORT] = "ip_short",
	[DROP_IP_VERSION] = "ip_version",
	[DROP_IP_HEADER_LEN] = "ip_header_len",
	[DROP_IP_TOTAL_LEN] = "ip_total_len",
	[DROP_IP_CHECKSUM] = "ip_checksum",
	[DROP_IP_NOT_FOR_US] = "ip_not_for_us",
	[DROP_IP_FRAGMENT] = "ip_fragment",
	[DROP_IP_PROTO] = "ip_proto",
	[DROP_ICMP_SHORT] = "icmp_short",
	[DROP_ICMP_CHECKSUM] = "icmp_checksum",
	[DROP_ICMP_TYPE] = "icmp_type",
	[DROP_NO_ROUTE_MAC] = "no_route_mac",
	[DROP_NO_ROUTE] = "no_route",
	[DROP_TX_FULL] = "tx_full",
	[DROP_UDP_SHORT] = "udp_short",
	[DROP_UDP_LENGTH] = "udp_length",
	[DROP_UDP_CHECKSUM] = "udp_checksum",
	[DROP_UDP_NO_PORT] = "udp_no_port",
	[DROP_DHCP_MALFORMED] = "dhcp_malformed",
	[DROP_DHCP_NOT_OURS] = "dhcp_not_ours",
	[DROP_DHCP_UNEXPECTED] = "dhcp_unexpected",
	[DROP_UDP_RCVBUF] = "udp_rcvbuf",
	[DROP_UDP_NOT_PEER] = "udp_not_peer",
	[DROP_TCP_SHORT] = "tcp_short",
	[DROP_TCP_OFFSET] = "tcp_offset",
	[DROP_TCP_CHECKSUM] = "tcp_checksum",
	[DROP_TCP_FLAGS] = "tcp_flags",
	[DROP_TCP_OPTIONS] = "tcp_options",
	[DROP_TCP_NO_SOCKET] = "tcp_no_socket",
	[DROP_TCP_OUT_OF_WINDOW] = "tcp_out_of_window",
	[DROP_TCP_PAWS] = "tcp_paws",
	[DROP_TCP_BAD_ACK] = "tcp_bad_ack",
	[DROP_TCP_RST_BLIND] = "tcp_rst_blind",
	[DROP_TCP_SYN_IN_WINDOW] = "tcp_syn_in_window",
	[DROP_TCP_BAD_COOKIE] = "tcp_bad_cookie",
	[DROP_TCP_ACCEPT_FULL] = "tcp_accept_full",
	[DROP_TCP_OOO_FULL] = "tcp_ooo_full",
	[DROP_TCP_ZERO_WINDOW] = "tcp_zero_window",
	[DROP_TCP_RCVBUF_TRIM] = "tcp_rcvbuf_trim",
	[DROP_IP_BAD_SOURCE] = "ip_bad_source",
	[DROP_IP_REASS_FULL] = "ip_reass_full",
	[DROP_IP_REASS_OVERLAP] = "ip_reass_overlap",
	[DROP_IP_REASS_DUPLICATE] = "ip_reass_duplicate",
	[DROP_IP_REASS_OVERSIZE] = "ip_reass_oversize",
	[DROP_IP_REASS_TIMEOUT] = "ip_reass_timeout",
	[DROP_IP_FRAG_MALFORMED] = "ip_frag_malformed",
	[DROP_TCP_PORT_ZERO] = "tcp_port_zero",
	[DROP_TCP_NO_BUFFER] = "tcp_no_buffer",
	[DROP_TCP_SYN_NOT_HERE] = "tcp_syn_not_here",
};

static const char *const tcp_counter_names[TCP_COUNTERS] = {
	[TCP_ACTIVE_OPENS] = "active_opens",
	[TCP_PASSIVE_OPENS] = "passive_opens",
	[TCP_ATTEMPT_FAILS] = "attempt_fails",
	[TCP_ESTAB_RESETS] = "estab_resets",
	[TCP_IN_SEGS] = "in_segs",
	[TCP_OUT_SEGS] = "out_segs",
	[TCP_RETRANS_SEGS] = "retrans_segs",
	[TCP_OUT_RSTS] = "out_rsts",
	[TCP_FAST_RETRANS] = "fast_retrans",
	[TCP_RTO_TIMEOUTS] = "rto_timeouts",
	[TCP_SYN_COOKIES_SENT] = "syn_cookies_sent",
	[TCP_SYN_COOKIES_OK] = "syn_cookies_ok",
	[TCP_SYN_QUEUE_FULL] = "syn_queue_full",
	[TCP_DELAYED_ACKS] = "delayed_acks",
	[TCP_WINDOW_PROBES] = "window_probes",
	[TCP_KEEPALIVE_PROBES] = "keepalive_probes",
	[TCP_OOO_SEGS] = "ooo_segs",
	[TCP_CHALLENGE_ACKS] = "challenge_acks",
	[TCP_RSS_CHECKED] = "rss_hash_checked",
	[TCP_RSS_MISMATCHES] = "rss_hash_mismatches",
};

static const char *const tcp_state_names[TCP_STATES] = {
	[TCP_CLOSED] = "CLOSED",
	[TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECEIVED] = "SYN_RECEIVED",
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *tcp_counter_name(enum tcp_counter c)
{
	return c < TCP_COUNTERS && tcp_counter_names[c] ? tcp_counter_names[c] : "?";
}

const char *tcp_state_name(enum tcp_state s)
{
	return s < TCP_STATES ? tcp_state_names[s] : "?";
}

const char *net_drop_name(enum net_drop why)
{
	return why < DROP_REASONS && drop_names[why] ? drop_names[why] : "?";
}
