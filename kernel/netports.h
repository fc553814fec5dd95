/* Which kernel serves which port (DESIGN.md section 4: ports are tracked one by one). Every
 * kernel with a stack tells every other kernel, when the set changes, the TCP ports it
 * listens on (URPC_LISTENING) and the UDP ports below the ephemeral range it binds
 * (URPC_UDP_PORTS); each keeps every kernel's lists, and kernel 0 also hands the TCP lists to
 * the bucket policy (kernel/netsteer.h). A frame this kernel's stack has no taker for (the
 * stack's elsewhere hook, net/net.h) goes to the kernel that serves its port, by the packet
 * pool (kernel/swsteer.h), where it is taken as it is and handed on no further:
 *
 *   TCP to port P, no connection or listener here -> the lowest-numbered live kernel that
 *                                                    listens on P
 *   UDP to port P, no binding here                 -> the lowest-numbered live kernel that
 *                                                    binds P; for an ephemeral P, the kernel
 *                                                    whose slice it is (P % kernels)
 *   ICMP echo reply, identifier NETDEV_PING_ID + k -> kernel k
 *
 * Anything else, or a port nobody serves, stays here: a RST, an ICMP port unreachable, or a
 * count. Each kernel picks its ephemeral UDP ports in its own slice (net.h's port_slice), so
 * that the answers to them, hashed by address only (the NIC's RSS hashes non-TCP datagrams on
 * the address pair), reach it wherever they land. */
#ifndef KERNEL_NETPORTS_H
#define KERNEL_NETPORTS_H

#include <stdbool.h>
#include <stdint.h>

struct netif;

/* Every kernel, with its interface: the handlers, the hook, the slice. */
void netports_init(struct netif *nif);
/* Every kernel with a stack, from netdev_poll: reports its ports when they change. */
void netports_poll(uint64_t now);
/* The live kernel other than this one that serves port of proto (IP_PROTO_TCP, _UDP,
 * _ICMP as the hook takes them), or -1. */
int netports_server(uint8_t proto, uint16_t port);
/* Does kernel k (by its last report) listen on TCP port `port`? */
bool netports_listens(unsigned k, uint16_t port);

/* Counted since boot on this kernel. */
struct netports_stats {
	uint64_t handed;                /* frames handed to the kernel serving their port */
	uint64_t hand_failed;           /* ... dropped: no pool buffer or a full ring */
	uint64_t reports_unsent;        /* reports a full ring made wait for a later poll */
};
const struct netports_stats *netports_stats(void);

#endif
