/* e1000 tests against QEMU's user-mode network (the test boots it with -nic user,model=e1000):
 * the NIC comes up, and an ARP request for the gateway 10.0.2.2 is answered, which proves the
 * transmit and the receive path. */
#include "kernel/ktest.h"
#include "drivers/e1000/e1000.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/bootinfo.h"
#include "lib/string.h"

static const uint8_t guest_ip[4] = { 10, 0, 2, 15 }, gateway_ip[4] = { 10, 0, 2, 2 };

static struct e1000 *nic;

/* Kernel 0 attached the NIC at boot (e1000_init); without one the tests do not apply. */
static bool nic_ready(void)
{
	nic = e1000_nic();
	if (!nic && !pci_find(0x8086, 0x100E)) {
		ktest_skip("no e1000 on this machine");
		return false;
	}
	KEXPECT(nic != NULL);
	return nic != NULL;
}

KTEST(e1000_attaches_with_a_mac_and_link)
{
	if (!nic_ready())
		return;
	static const uint8_t zero[6];
	KEXPECT(memcmp(nic->mac, zero, 6) != 0);
	KEXPECT((nic->mac[0] & 1) == 0);         /* unicast */
	KEXPECT(e1000_link_up(nic));
	KEXPECT(e1000_send(nic, "short", 5) < 0);
}

/* Builds "who has 10.0.2.2, tell 10.0.2.15" (RFC 826), broadcast. */
static size_t arp_request(uint8_t *f)
{
	memset(f, 0, 60);
	memset(f, 0xFF, 6);
	memcpy(f + 6, nic->mac, 6);
	f[12] = 0x08, f[13] = 0x06;             /* EtherType ARP */
	f[14] = 0, f[15] = 1;                   /* hardware: Ethernet */
	f[16] = 0x08, f[17] = 0x00;             /* protocol: IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = 1;                   /* request */
	memcpy(f + 22, nic->mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memcpy(f + 38, gateway_ip, 4);
	return 60;
}

struct arp_seen {
	bool reply;
	uint8_t sha[6];
	unsigned frames;
};

static void on_frame(void *arg, const uint8_t *f, size_t len)
{
	struct arp_seen *s = arg;
	s->frames++;
	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	    memcmp(f + 28, gateway_ip, 4) == 0 && memcmp(f + 32, nic->mac, 6) == 0 &&
	    memcmp(f + 38, guest_ip, 4) == 0) {
		s->reply = true;
		memcpy(s->sha, f + 22, 6);
	}
}

KTEST(e1000_arp_request_gets_the_gateways_reply)
{
	uint8_t frame[64];
	struct arp_seen seen = { 0 };
	if (!nic_ready())
		return;
	for (int attempt = 0; attempt < 3 && !seen.reply; attempt++) {
		KASSERT(e1000_send(nic, frame, arp_request(frame)) == 0);
		uint64_t end = rdtsc() + cpu_info.tsc_hz / 2;
		while (!seen.reply && rdtsc() < end)
			e1000_poll(nic, on_frame, &seen, 16);
	}
	KEXPECT(seen.reply);
	static const uint8_t zero[6];
	KEXPECT(memcmp(seen.sha, zero, 6) != 0);
	KEXPECT(nic->rx_frames >= 1 && nic->tx_frames >= 1);
}

#include "kernel/netdev.h"
#include "kernel/sched.h"
#include "lib/cmdline.h"
#include "net/dhcp.h"


/* With ip=dhcp, kernel 0 asks QEMU's user-mode DHCP server, which hands out 10.0.2.15/24
 * with the gateway 10.0.2.2. The idle loop runs the client; this test sleeps meanwhile. */
KTEST(net_dhcp_configures_the_interface)
{
	char how[8] = "";
	cmdline_get(boot_info.cmdline, "ip", how, sizeof(how));
	if (!e1000_nic() || strcmp(how, "dhcp") != 0) {
		ktest_skip("no e1000 or no ip=dhcp");
		return;
	}
	const struct netif *nif = netdev_netif();
	KASSERT(nif != NULL);
	for (int i = 0; i < 300 && !dhcp_bound(nif); i++)
		sched_sleep_ms(100);
	KASSERT(dhcp_bound(nif));
	KEXPECT_EQ(nif->ip, 0x0A00020F);
	KEXPECT_EQ(nif->mask, 0xFFFFFF00);
	KEXPECT_EQ(nif->gateway, 0x0A000202);
}
