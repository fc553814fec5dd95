/* Kernel 0's network interface (kernel/netdev.c). */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include "net/net.h"

void netdev_init(void);
void netdev_poll(void);
/* Work is waiting: the NIC interrupted since the last poll (call with interrupts off). */
bool netdev_pending(void);
struct e1000;
/* The NIC behind the interface, for its statistics; NULL if none. */
struct e1000 *netdev_nic(void);
const struct netif *netdev_netif(void);

#endif
