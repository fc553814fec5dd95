/* What kernel 0 tells the other kernels of the network: its interface (address, MAC, ARP
 * entries, the queue pairs it offers). Which ports each kernel serves is kernel/netports.h. */
#ifndef KERNEL_NETSHARE_H
#define KERNEL_NETSHARE_H

#include <stdbool.h>
#include <stdint.h>

struct netif;

/* Every kernel, with the interface it keeps; on the others it takes what kernel 0 shares. */
void netshare_init(struct netif *nif);
/* From netdev_poll. Kernel 0, once `ready` (configured), shares the interface, `queues`,
 * the kernels that get a queue pair (nic_plan_queues), and whether the others are served by
 * software steering (`soft`), with each kernel that is up and has not heard it. */
void netshare_poll(bool ready, unsigned queues, bool soft);
/* Another kernel: how many kernels kernel 0 offers a queue pair; 0 until it says. */
unsigned netshare_queues_offered(void);
/* Another kernel: has kernel 0 said this kernel gets its frames by software steering? */
bool netshare_soft_steered(void);
/* Is a message that only kernel 0 may send from it? Counts (and names once) those that are
 * not. */
bool netshare_from_kernel0(unsigned from, const char *what);

#endif
