/* DHCP client: DISCOVER, OFFER, REQUEST, ACK (RFC 2131 section 3.1), the BROADCAST flag set so
 * that an unconfigured interface hears the answers. Options are parsed with every length
 * checked; every message refused is counted under its reason (malformed, another client's,
 * or not one the state takes). */
#include "net/dhcp.h"
#include "lib/bytes.h"
#include "lib/errno.h"
#include "lib/string.h"

#define BOOTP_LEN       236
#define DHCP_MAGIC      0x63825363u
#define OPT_PAD         0
#define OPT_MASK        1
#define OPT_ROUTER      3
#define OPT_REQUESTED   50
#define OPT_LEASE       51
#define OPT_TYPE        53
#define OPT_SERVER      54
#define OPT_PARAMS      55
#define OPT_END         255
#define DHCPDISCOVER    1
#define DHCPOFFER       2
#define DHCPREQUEST     3
#define DHCPACK         5
#define DHCPNAK         6
#define RETRY_FIRST_MS  4000
#define RETRY_MAX_MS    64000

struct dhcp_opts {
	uint8_t type;
	uint32_t mask, router, server, lease;
};

static void dhcp_send(struct netif *nif, uint8_t type, uint64_t now)
{
	struct dhcp_client *c = nif->dhcp;
	uint8_t m[BOOTP_LEN + 64];
	size_t o = BOOTP_LEN + 4;

	memset(m, 0, sizeof(m));
	m[0] = 1;                       /* BOOTREQUEST */
	m[1] = 1;                       /* Ethernet */
	m[2] = 6;
	wr32be(m + 4, c->xid);
	wr16be(m + 10, 0x8000);         /* BROADCAST: without an address we cannot take unicast */
	memcpy(m + 28, nif->mac, 6);
	wr32be(m + BOOTP_LEN, DHCP_MAGIC);
	m[o++] = OPT_TYPE, m[o++] = 1, m[o++] = type;
	if (type == DHCPREQUEST) {
		m[o++] = OPT_REQUESTED, m[o++] = 4;
		wr32be(m + o, c->offered), o += 4;
		m[o++] = OPT_SERVER, m[o++] = 4;
		wr32be(m + o, c->server), o += 4;
	}
	m[o++] = OPT_PARAMS, m[o++] = 3, m[o++] = OPT_MASK, m[o++] = OPT_ROUTER, m[o++] = OPT_LEASE;
	m[o++] = OPT_END;
	udp_output(nif, DHCP_CLIENT_PORT, IP_BROADCAST, DHCP_SERVER_PORT, m, o, now);
	c->next_send_ms = now + ((uint64_t)RETRY_FIRST_MS << (c->tries < 4 ? c->tries : 4));
	c->tries++;
}

static int parse_options(const uint8_t *o, size_t len, struct dhcp_opts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len; ) {
		uint8_t code = o[i];
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return out->type ? 0 : -EINVAL;
		if (i + 2 > len || i + 2 + o[i + 1] > len)
			return -EINVAL;
		uint8_t n = o[i + 1];
		const uint8_t *v = o + i + 2;
		if (code == OPT_TYPE && n == 1)
			out->type = v[0];
		else if (code == OPT_MASK && n == 4)
			out->mask = rd32be(v);
		else if (code == OPT_ROUTER && n >= 4)
			out->router = rd32be(v);
		else if (code == OPT_SERVER && n == 4)
			out->server = rd32be(v);
		else if (code == OPT_LEASE && n == 4)
			out->lease = rd32be(v);
		i += 2 + (size_t)n;
	}
	return -EINVAL;                 /* no END option */
}

/* Why a server's message is refused, or 0 if it is well formed and for our exchange. */
static int dhcp_check(const struct netif *nif, uint16_t sport, const uint8_t *m, size_t len,
		      struct dhcp_opts *opt)
{
	if (sport != DHCP_SERVER_PORT || len < BOOTP_LEN + 4 || m[0] != 2 ||
	    rd32be(m + BOOTP_LEN) != DHCP_MAGIC ||
	    parse_options(m + BOOTP_LEN + 4, len - BOOTP_LEN - 4, opt))
		return DROP_DHCP_MALFORMED;
	if (rd32be(m + 4) != nif->dhcp->xid || memcmp(m + 28, nif->mac, 6) != 0)
		return DROP_DHCP_NOT_OURS;
	return 0;
}

/* The client's side of RFC 2131 4.4's state diagram, for the states it has. Returns false if
 * the message is not one the current state takes. */
static bool dhcp_step(struct netif *nif, struct dhcp_client *c, uint32_t yiaddr,
		      const struct dhcp_opts *opt, uint64_t now)
{
	if (c->state == DHCP_SELECTING && opt->type == DHCPOFFER && yiaddr && opt->server) {
		c->offered = yiaddr;
		c->server = opt->server;
		c->state = DHCP_REQUESTING;
		c->tries = 0;
		dhcp_send(nif, DHCPREQUEST, now);
	} else if (c->state == DHCP_REQUESTING && opt->type == DHCPACK && yiaddr == c->offered) {
		nif->ip = yiaddr;
		nif->mask = opt->mask ? opt->mask : 0xFFFFFF00;
		nif->gateway = opt->router;
		c->lease_s = opt->lease;
		c->state = DHCP_BOUND;
	} else if (c->state == DHCP_REQUESTING && opt->type == DHCPNAK) {
		c->state = DHCP_SELECTING;      /* start over (RFC 2131 3.1 step 5) */
		c->tries = 0;
		dhcp_send(nif, DHCPDISCOVER, now);
	} else {
		return false;
	}
	return true;
}

/* Every message refused is counted under its reason. */
static void dhcp_recv(struct netif *nif, void *arg, uint32_t src, uint16_t sport, const uint8_t *m,
		      size_t len, uint64_t now)
{
	struct dhcp_opts opt;
	(void)arg;
	(void)src;
	int why = nif->dhcp ? dhcp_check(nif, sport, m, len, &opt) : DROP_DHCP_UNEXPECTED;
	if (!why && !dhcp_step(nif, nif->dhcp, rd32be(m + 16), &opt, now))
		why = DROP_DHCP_UNEXPECTED;
	if (why)
		nif->stats.drops[why]++;
}

int dhcp_start(struct netif *nif, struct dhcp_client *c, uint32_t xid, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->xid = xid;
	nif->dhcp = c;
	nif->ip = 0;
	int err = udp_bind(nif, DHCP_CLIENT_PORT, dhcp_recv, NULL);
	if (err)
		return err;
	c->state = DHCP_SELECTING;
	dhcp_send(nif, DHCPDISCOVER, now);
	return 0;
}

void dhcp_tick(struct netif *nif, uint64_t now)
{
	struct dhcp_client *c = nif->dhcp;
	if (!c || c->state == DHCP_BOUND || now < c->next_send_ms)
		return;
	dhcp_send(nif, c->state == DHCP_REQUESTING ? DHCPREQUEST : DHCPDISCOVER, now);
}

bool dhcp_bound(const struct netif *nif)
{
	return nif->dhcp && nif->dhcp->state == DHCP_BOUND;
}
