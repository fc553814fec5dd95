/* The packet-trace tests' interface (net_harness.c): our stack on 198.18.0.2/24 with the host
 * at 198.18.0.1, every frame it sends captured for the test to read. test_net.c and
 * test_ip.c use it. */
#ifndef TESTS_HOST_NET_HARNESS_H
#define TESTS_HOST_NET_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include "net/net.h"

#define HOST_IP 0xC6120001u     /* 198.18.0.1 */
#define OUR_IP  0xC6120002u     /* 198.18.0.2 */
#define SENT_MAX 8              /* frames kept; nsent counts them all */

extern const uint8_t our_mac[6], host_mac[6];
extern struct netif nif;
extern uint8_t sent[SENT_MAX][ETH_FRAME_MAX];
extern size_t sent_len[SENT_MAX];
extern unsigned nsent;

/* The interface's tx: keeps the first SENT_MAX frames, counts them all in nsent. */
int net_capture(void *drv, const uint8_t *f, size_t len);
/* A fresh interface, configured, with nothing sent yet. */
void net_setup(void);

#endif
