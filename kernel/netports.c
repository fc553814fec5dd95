/* Which kernel serves which port, and the stack's hook that hands it what it does not serve
 * (netports.h). */
#include "kernel/netports.h"
#include "kernel/netdev.h"
#include "kernel/netsteer.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "kernel/urpc/shared.h"
#include "kernel/urpc/msg.h"
#include "kernel/urpc/peer.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "lib/string.h"
#include "net/net.h"
#include "net/socket.h"
#include "net/steer.h"
#include "net/tcp.h"

_Static_assert(URPC_LISTEN_PORTS == STEER_PORTS, "a report holds the policy's port list");

/* One kernel's last reports, and what this kernel last told each other kernel. */
struct ports {
	struct steer_ports tcp, udp;
};

static struct netif *nif;
static struct ports of[MAX_KERNELS];            /* of[kself.core]: this kernel's own */
static bool has_stack[MAX_KERNELS];             /* kernel k reported: it runs a stack */
static bool told_tcp[MAX_KERNELS], told_udp[MAX_KERNELS];      /* of[self] as it is now */
static uint64_t checked_ms;
static struct netports_stats stats;

static struct steer_ports from_msg(const struct urpc_msg *m)
{
	struct urpc_listening l;
	struct steer_ports p;
	memcpy(&l, m->payload, sizeof(l));
	p.count = l.count;
	memcpy(p.port, l.port, sizeof(p.port));
	return p;
}

static void on_listening(unsigned from, const struct urpc_msg *m)
{
	if (from >= MAX_KERNELS)
		return;
	has_stack[from] = true;
	of[from].tcp = from_msg(m);
	if (kself.core == 0)
		netsteer_listening(from, &of[from].tcp);
}

static void on_udp_ports(unsigned from, const struct urpc_msg *m)
{
	if (from < MAX_KERNELS) {
		has_stack[from] = true;
		of[from].udp = from_msg(m);
	}
}

bool netports_listens(unsigned k, uint16_t port)
{
	return k < MAX_KERNELS && steer_ports_has(&of[k].tcp, port);
}

/* The lowest-numbered live kernel but this one whose list has port. */
static int lowest_with(uint16_t port, bool tcp)
{
	for (unsigned k = 0; k < kself.ncores; k++)
		if (k != kself.core && steer_ports_has(tcp ? &of[k].tcp : &of[k].udp, port) &&
		    peer_alive(k))
			return (int)k;
	return -1;
}

/* Another live kernel with a stack, named by a slice or an identifier, or -1. */
static int other_live(unsigned k)
{
	return k != kself.core && k < kself.ncores && has_stack[k] && peer_alive(k) ? (int)k : -1;
}

int netports_server(uint8_t proto, uint16_t port)
{
	int k;
	switch (proto) {
	case IP_PROTO_TCP:
		return lowest_with(port, true);
	case IP_PROTO_UDP:
		if ((k = lowest_with(port, false)) >= 0 || port < TCP_EPHEMERAL_FIRST)
			return k;
		return other_live(port % kself.ncores);
	case IP_PROTO_ICMP:
		return port >= NETDEV_PING_ID ? other_live(port - NETDEV_PING_ID) : -1;
	}
	return -1;
}

/* The stack's hook (net/net.h): the frame goes to the kernel serving its port. One that
 * cannot go for want of a buffer or room is dropped, counted: its sender sends it again. */
static bool on_elsewhere(struct netif *n, uint8_t proto, uint16_t port)
{
	int k = netports_server(proto, port);
	if (k < 0)
		return false;
	int err = swsteer_forward((unsigned)k, n->rx_frame, n->rx_frame_len, n->rx_hash,
				  n->rx_hashed);
	if (err == -EINVAL)
		return false;                   /* it died meanwhile */
	if (err)
		stats.hand_failed++;
	else
		stats.handed++;
	return true;
}

/* This kernel's listening TCP ports and its bound UDP ports below the ephemeral range. */
static struct ports ports_here(void)
{
	struct ports p = { 0 };
	const struct tcp_stack *st = sock_tcp_stack();
	const struct tcp_conn *c;
	list_for_each_entry(c, &st->listeners, hash_node)
		steer_ports_add(&p.tcp, c->lport);
	for (unsigned i = 0; i < UDP_BINDS; i++)
		if (nif->udp[i].fn && nif->udp[i].port < TCP_EPHEMERAL_FIRST)
			steer_ports_add(&p.udp, nif->udp[i].port);
	return p;
}

static int send_ports(unsigned k, uint16_t type, const struct steer_ports *p)
{
	struct urpc_listening l = { .count = p->count };
	memcpy(l.port, p->port, sizeof(l.port));
	return peer_send(k, type, 0, &l, sizeof(l));
}

/* Each kernel that has not heard this kernel's lists as they are now hears them; one whose
 * ring is full hears them at a later poll. */
static void tell_others(void)
{
	for (unsigned k = 0; k < kself.ncores; k++) {
		if (k == kself.core || !peer_alive(k))
			continue;
		if (!told_tcp[k])
			told_tcp[k] = send_ports(k, URPC_LISTENING, &of[kself.core].tcp) == 0;
		if (!told_udp[k])
			told_udp[k] = send_ports(k, URPC_UDP_PORTS, &of[kself.core].udp) == 0;
		stats.reports_unsent += !told_tcp[k] + !told_udp[k];
	}
}

void netports_poll(uint64_t now)
{
	if (!sock_tcp_stack() || now - checked_ms < 100)
		return;
	checked_ms = now;
	/* The kernels are counted once they are up: kernel 0's interface comes before. */
	nif->port_slice = (uint16_t)kself.core;
	nif->port_slices = netdev_stack_per_kernel() ? (uint16_t)kself.ncores : 0;
	struct ports p = ports_here(), *mine = &of[kself.core];
	if (memcmp(&p.tcp, &mine->tcp, sizeof(p.tcp)) != 0) {
		mine->tcp = p.tcp;
		memset(told_tcp, 0, sizeof(told_tcp));
		if (kself.core == 0)
			netsteer_listening(0, &mine->tcp);
	}
	if (memcmp(&p.udp, &mine->udp, sizeof(p.udp)) != 0) {
		mine->udp = p.udp;
		memset(told_udp, 0, sizeof(told_udp));
	}
	tell_others();
}

void netports_init(struct netif *n)
{
	nif = n;
	nif->elsewhere = on_elsewhere;
	PEER_REGISTER_STRUCT(URPC_LISTENING, on_listening, struct urpc_listening);
	PEER_REGISTER_STRUCT(URPC_UDP_PORTS, on_udp_ports, struct urpc_listening);
}

const struct netports_stats *netports_stats(void)
{
	return &stats;
}
