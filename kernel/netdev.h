/* This kernel's network interface (kernel/netdev.c): kernel 0's is the whole NIC; unless
 * net=kernel0, each kernel that kernel/nicplan.h seats has one on its own igb queue and every
 * other kernel one steered in software (kernel/swsteer.h). */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include "net/net.h"

/* Kernel 0: the interface on the NIC, configured from the command line. */
void netdev_init(void);
/* Another kernel, before it declares itself up: takes what kernel 0 shares. */
void netdev_ap_init(void);
void netdev_poll(void);
/* Hands the frames the stack has queued to the NIC (safe from an interrupt handler). */
void netdev_tx_flush(void);
/* Work is waiting: the NIC interrupted since the last poll (call with interrupts off). */
bool netdev_pending(void);
struct nic_stats;
/* The NIC's counters and link, for netstat; false if this kernel drives no NIC queue. */
bool netdev_nic_state(const struct nic_stats **stats, bool *link_up, unsigned *link_mbps);
/* The interface this kernel sends on; NULL while it drives no NIC queue. */
const struct netif *netdev_netif(void);
/* Does every kernel run a stack of its own (the default), or only kernel 0 (net=kernel0)? */
bool netdev_stack_per_kernel(void);
/* Any kernel: the interface as this kernel knows it; on kernels other than 0, what kernel 0
 * shared (address, mask, gateway, MAC, ARP entries), unconfigured until then. */
const struct netif *netdev_view(void);
/* Sends an ICMP echo request (identifier NETDEV_PING_ID + this kernel's number, so that a
 * reply that lands on another kernel comes here: kernel/netports.h) from this kernel's own
 * interface; the answers are counted in netdev_netif()->stats.icmp_echo_replies_in. -ENODEV
 * if this kernel has no interface. */
#define NETDEV_PING_ID 0x4b32
int netdev_ping(uint32_t dst, uint16_t seq);
/* ip's MAC if this kernel's stack knows it; otherwise it asks (ARP) and returns false. */
bool netdev_arp(uint32_t ip, uint8_t mac[6]);
/* The stack's tcp port_ok: does a connection from lport to raddr:rport hash into one of this
 * kernel's buckets? Kernel 0 owns them all until it steers; another kernel, none until told. */
struct tcp_stack;
bool netdev_port_ok(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport);
/* The stack's tcp bucket_of: the bucket the NIC steers that connection's segments by. */
unsigned netdev_tcp_bucket(const struct tcp_stack *st, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport);

struct nic_ops;
/* The driver behind the interface and its device; NULL if there is none. */
const struct nic_ops *netdev_driver(void **dev);
/* Interrupts the NIC raised since boot, and those of them that carried the link-change
 * cause (which nic_ops.irq_test raises). */
uint64_t netdev_interrupts(void);
uint64_t netdev_link_interrupts(void);

#endif
