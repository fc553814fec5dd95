/* Kernel 0's network interface on the e1000, configured from the command line
 * (ip=A.B.C.D/N, gw=A.B.C.D), and polled from the idle loop until interrupts come. */
#include "kernel/netdev.h"
#include "drivers/e1000/e1000.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/arch/x86_64/cpu.h"
#include "net/dhcp.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/string.h"

static struct netif nif;
static struct e1000 *nic;
static struct dhcp_client dhcp;
static bool dhcp_reported;

static int netdev_tx(void *drv, const uint8_t *frame, size_t len)
{
	return e1000_send(drv, frame, len);
}

static void netdev_rx(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	eth_input(&nif, frame, len, time_uptime_ns() / 1000000);
}

void netdev_init(void)
{
	char addr[32];
	nic = e1000_nic();
	if (!nic)
		return;
	memcpy(nif.mac, nic->mac, 6);
	nif.tx = netdev_tx;
	nif.drv = nic;
	if (cmdline_get(boot_info.cmdline, "ip", addr, sizeof(addr)) < 0) {
		pr_info("net: no ip= on the command line; the interface stays unconfigured\n");
		return;
	}
	if (strcmp(addr, "dhcp") == 0) {
		/* The xid only has to differ between clients and boots. */
		uint32_t xid = (uint32_t)rdtsc() ^ ((uint32_t)nif.mac[4] << 24 | (uint32_t)nif.mac[5] << 16);
		if (dhcp_start(&nif, &dhcp, xid, time_uptime_ns() / 1000000))
			pr_warn("net: DHCP could not start\n");
		return;
	}
	if (net_parse_cidr(addr, &nif.ip, &nif.mask)) {
		pr_warn("net: ip=%s is not an address/prefix; the interface stays unconfigured\n", addr);
		nif.ip = 0;
		return;
	}
	if (cmdline_get(boot_info.cmdline, "gw", addr, sizeof(addr)) >= 0 &&
	    net_parse_cidr(addr, &nif.gateway, NULL))
		pr_warn("net: gw=%s is not an address; no gateway\n", addr);
	unsigned prefix = 0;
	for (uint32_t m = nif.mask; m & 0x80000000u; m <<= 1)
		prefix++;
	pr_info("net: %u.%u.%u.%u/%u on the e1000\n", nif.ip >> 24, (nif.ip >> 16) & 255,
		(nif.ip >> 8) & 255, nif.ip & 255, prefix);
}

static void report_dhcp(void)
{
	uint32_t g = nif.gateway;
	dhcp_reported = true;
	pr_info("net: DHCP lease of %u s: %u.%u.%u.%u/%u, gateway %u.%u.%u.%u\n", dhcp.lease_s,
		nif.ip >> 24, (nif.ip >> 16) & 255, (nif.ip >> 8) & 255, nif.ip & 255,
		32 - (unsigned)__builtin_ctz(nif.mask ? nif.mask : 1), g >> 24, (g >> 16) & 255,
		(g >> 8) & 255, g & 255);
}

void netdev_poll(void)
{
	if (!nic)
		return;
	e1000_poll(nic, netdev_rx, NULL, 64);
	dhcp_tick(&nif, time_uptime_ns() / 1000000);
	if (dhcp_bound(&nif) && !dhcp_reported)
		report_dhcp();
}

const struct netif *netdev_netif(void)
{
	return nic ? &nif : NULL;
}
