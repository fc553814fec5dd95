/* The interface and ARP entries kernel 0 shares (netshare.h). ARP frames are not hashed and reach queue 0 only, so the others
 * learn addresses from kernel 0; they keep the copy in their own netif, for their queue. */
#include "kernel/netshare.h"
#include "kernel/console.h"
#include "kernel/netsteer.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "net/socket.h"
#include "kernel/time.h"
#include "kernel/urpc/msg.h"
#include "lib/list.h"
#include "lib/string.h"
#include "net/net.h"
#include "net/steer.h"
#include "net/tcp.h"

static struct netif *nif;
static struct urpc_net_config config_shared;   /* kernel 0: as sent; others: as received */
static bool config_sent[MAX_KERNELS];           /* kernel 0: kernel k has all of it */
static uint64_t ignored_shares;

bool netshare_from_kernel0(unsigned from, const char *what)
{
	if (from != 0 && !ignored_shares++)
		pr_warn("net: ignored a %s message from kernel %u, not kernel 0\n", what, from);
	return from == 0;
}

static int send_arp(unsigned k, uint32_t ip, const uint8_t mac[6])
{
	struct urpc_arp_learned a = { .ip = ip };
	memcpy(a.mac, mac, 6);
	return peer_send(k, URPC_ARP_LEARNED, 0, &a, sizeof(a));
}

static int share_with(unsigned k)
{
	int err = peer_send(k, URPC_NET_CONFIG, 0, &config_shared, sizeof(config_shared));
	for (unsigned i = 0; !err && i < ARP_CACHE_SIZE; i++)
		if (nif->arp[i].ip)
			err = send_arp(k, nif->arp[i].ip, nif->arp[i].mac);
	return err;
}

/* Kernel 0. A kernel whose ring was full is told all of it again later. */
static void share_config(unsigned queues, bool soft)
{
	struct urpc_net_config now = { .ip = nif->ip, .mask = nif->mask, .gateway = nif->gateway,
				       .queues = (uint8_t)queues, .soft = soft,
				       .by_group = netsteer_by_group() };
	memcpy(now.mac, nif->mac, 6);
	if (memcmp(&now, &config_shared, sizeof(now)) != 0) {
		config_shared = now;
		memset(config_sent, 0, sizeof(config_sent));
	}
	for (unsigned k = 1; k < kself.ncores; k++)
		if (!config_sent[k] && peer_alive(k) &&
		    __atomic_load_n(&shared_status(k)->state, __ATOMIC_ACQUIRE) == KSTATE_UP &&
		    share_with(k) == 0)
			config_sent[k] = true;
}

static void arp_learned_here(struct netif *n, uint32_t ip, const uint8_t mac[6])
{
	(void)n;
	for (unsigned k = 1; k < kself.ncores; k++)
		if (config_sent[k] && send_arp(k, ip, mac))
			config_sent[k] = false;
}

static void on_net_config(unsigned from, const struct urpc_msg *m)
{
	if (!netshare_from_kernel0(from, "interface"))
		return;
	memcpy(&config_shared, m->payload, sizeof(config_shared));
	memcpy(nif->mac, config_shared.mac, 6);
	nif->ip = config_shared.ip;
	nif->mask = config_shared.mask;
	nif->gateway = config_shared.gateway;
	netsteer_set_by_group(config_shared.by_group);
}

static void on_arp_learned(unsigned from, const struct urpc_msg *m)
{
	struct urpc_arp_learned a;
	memcpy(&a, m->payload, sizeof(a));
	if (!netshare_from_kernel0(from, "ARP"))
		return;
	if (!a.ip) {
		ignored_shares++;       /* no address to learn */
		return;
	}
	arp_learn(nif, a.ip, a.mac, time_uptime_ms());
}

void netshare_poll(bool ready, unsigned queues, bool soft)
{
	if (kself.core == 0 && ready)
		share_config(queues, soft);
}

unsigned netshare_queues_offered(void)
{
	return config_shared.queues;
}

bool netshare_soft_steered(void)
{
	return config_shared.soft && kself.core >= config_shared.queues;
}

void netshare_init(struct netif *n)
{
	nif = n;
	if (kself.core == 0) {
		nif->arp_learned = arp_learned_here;
	} else {
		PEER_REGISTER_STRUCT(URPC_NET_CONFIG, on_net_config, struct urpc_net_config);
		PEER_REGISTER_STRUCT(URPC_ARP_LEARNED, on_arp_learned, struct urpc_arp_learned);
	}
}
