/* Kernel 0's network interface (kernel/netdev.c). */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include "net/net.h"

void netdev_init(void);
void netdev_poll(void);
const struct netif *netdev_netif(void);

#endif
