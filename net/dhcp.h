/* DHCP client (RFC 2131, options of RFC 2132): finds an address, mask and gateway. */
#ifndef NET_DHCP_H
#define NET_DHCP_H

#include <stdbool.h>
#include <stdint.h>
#include "net/net.h"

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67

enum dhcp_state {
	DHCP_INIT,
	DHCP_SELECTING,         /* DISCOVER sent, waiting for an OFFER */
	DHCP_REQUESTING,        /* REQUEST sent, waiting for an ACK */
	DHCP_BOUND,
};

struct dhcp_client {
	enum dhcp_state state;
	uint32_t xid;
	uint32_t offered, server;
	uint64_t next_send_ms;  /* retransmission deadline */
	unsigned tries;
	uint32_t lease_s;
};

/* Starts on an unconfigured interface; xid should differ between boots and machines. */
int dhcp_start(struct netif *nif, struct dhcp_client *c, uint32_t xid, uint64_t now);
/* Retransmits when a deadline passes (4 s, 8 s, ... up to 64 s, as RFC 2131 4.1 says). */
void dhcp_tick(struct netif *nif, uint64_t now);
bool dhcp_bound(const struct netif *nif);

#endif
