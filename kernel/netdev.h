/* Kernel 0's network interface (kernel/netdev.c). */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include "net/net.h"

void netdev_init(void);
void netdev_poll(void);
/* Hands the frames the stack has queued to the NIC (safe from an interrupt handler). */
void netdev_tx_flush(void);
/* Work is waiting: the NIC interrupted since the last poll (call with interrupts off). */
bool netdev_pending(void);
struct nic_stats;
/* The NIC's counters and link, for netstat; false if there is no NIC. */
bool netdev_nic_state(const struct nic_stats **stats, bool *link_up, unsigned *link_mbps);
const struct netif *netdev_netif(void);
/* Any kernel: the interface as this kernel knows it; on kernels other than 0, what kernel 0
 * shared (address, mask, gateway, MAC, ARP entries), unconfigured until then. */
const struct netif *netdev_view(void);
/* Sends an ICMP echo request (identifier NETDEV_PING_ID) from this kernel's own interface;
 * the answers are counted in netdev_netif()->stats.icmp_echo_replies_in. -ENODEV if this
 * kernel has no interface. */
#define NETDEV_PING_ID 0x4b32
int netdev_ping(uint32_t dst, uint16_t seq);
/* Kernel 0: ip's MAC if its stack knows it; otherwise it asks (ARP) and returns false. */
bool netdev_arp(uint32_t ip, uint8_t mac[6]);
/* Kernel 0: gives RSS bucket b to kernel kernel_of[b] (0, or a kernel driving a queue) and
 * tells each kernel its own; -EINVAL for a kernel without a queue, -ENODEV without an igb.
 * The bucket policy uses it; so will the monitor's load balancer. */
int netdev_steer(const uint8_t kernel_of[128]);
/* The stack's tcp port_ok: does a connection from lport to raddr:rport hash into one of this
 * kernel's buckets? Kernel 0 owns them all until it steers; another kernel, none until told. */
struct tcp_stack;
bool netdev_port_ok(const struct tcp_stack *st, uint32_t laddr, uint16_t lport, uint32_t raddr,
		    uint16_t rport);
/* Another kernel, before it declares itself up: takes what kernel 0 shares. */
void netdev_ap_init(void);

struct nic_ops;
/* The driver behind the interface and its device; NULL if there is none. */
const struct nic_ops *netdev_driver(void **dev);
/* Interrupts the NIC raised since boot, and those of them that carried the link-change
 * cause (which nic_ops.irq_test raises). */
uint64_t netdev_interrupts(void);
uint64_t netdev_link_interrupts(void);

/* On a kernel other than 0: drives igb queue pair `queue` from here. Its rings are allocated
 * in this kernel's memory; kernel 0, which owns the device, starts the queue on them and
 * routes its receive interrupts to this CPU's vector (URPC_NICQ_ATTACH); this kernel then
 * maps the registers and drives the queue alone. Waits up to timeout_ms for kernel 0. */
struct igb_queue;
int netdev_queue_attach(struct igb_queue *q, unsigned queue, uint8_t vector, unsigned timeout_ms);
/* The request alone: sends *r to kernel 0 and waits for its answer into *a; returns its
 * status. netdev_queue_attach uses it; tests send it requests the owner must refuse. */
struct urpc_nicq_attach;
struct urpc_nicq_attached;
int netdev_queue_ask(const struct urpc_nicq_attach *r, struct urpc_nicq_attached *a,
		     unsigned timeout_ms);
/* Kernel 0: serves a waiting attach request (netdev_poll does; so may a thread that waits
 * for the requester without returning to the main loop). */
void netdev_serve_attach(void);

#endif
