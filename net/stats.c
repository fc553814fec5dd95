/* Names of the drop counters (net.h), shared by the kernel and programs that show them. */
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
	[DROP_TX_FULL] = "tx_full",
	[DROP_UDP_SHORT] = "udp_short",
	[DROP_UDP_LENGTH] = "udp_length",
	[DROP_UDP_CHECKSUM] = "udp_checksum",
	[DROP_UDP_NO_PORT] = "udp_no_port",
	[DROP_DHCP_MALFORMED] = "dhcp_malformed",
};

const char *net_drop_name(enum net_drop why)
{
	return why < DROP_REASONS && drop_names[why] ? drop_names[why] : "?";
}
