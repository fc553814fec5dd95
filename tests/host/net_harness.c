/* The packet-trace tests' interface: see net_harness.h. */
#include "tests/host/net_harness.h"
#include "lib/string.h"

const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t host_mac[6] = { 0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE };
struct netif nif;
uint8_t sent[SENT_MAX][ETH_FRAME_MAX];
size_t sent_len[SENT_MAX];
unsigned nsent;

int net_capture(void *drv, const uint8_t *f, size_t len)
{
	(void)drv;
	if (nsent < SENT_MAX) {
		memcpy(sent[nsent], f, len);
		sent_len[nsent] = len;
	}
	nsent++;
	return 0;
}

void net_setup(void)
{
	memset(&nif, 0, sizeof(nif));
	memcpy(nif.mac, our_mac, 6);
	nif.ip = OUR_IP;
	nif.mask = 0xFFFFFF00;
	nif.gateway = HOST_IP;
	nif.tx = net_capture;
	nsent = 0;
}
