/* The move exchange (kernel/netmove.h) under a live connection: kernel 1's stack holds a TCP
 * connection to an echo server on the host side (QEMU's user network runs `cat` for
 * echo7=ADDR port 7, guestfwd); its bucket moves to kernel 0 and back, and the connection
 * carries data both ways all along, never reset; once it closes, the forwarding ends. The
 * kernel suite boots this with 2 kernels on the igb (kernel 1 on its own queue) and on the
 * e1000 (kernel 1 steered in software). */
#include "kernel/ktest.h"
#include "kernel/bootinfo.h"
#include "kernel/netdev.h"
#include "kernel/netmove.h"
#include "kernel/netsteer.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/tests/smptest.h"
#include "kernel/urpc/peer.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/toeplitz.h"
#include "net/dhcp.h"
#include "net/steer.h"

#define ECHO_PORT 7

/* Kernel 1's answer to req, kernel 0's main loop running meanwhile; its status. */
static int ask1(struct urpc_test *req, unsigned timeout_ms)
{
	struct urpc_test rep = { 0 };
	int err = smptest_send(1, req);
	for (unsigned ms = 0; !err && ms < timeout_ms; ms += 10) {
		err = smptest_wait_reply(1, req->op, &rep, 0);
		if (err != -ETIMEDOUT) {
			*req = rep;
			return err;
		}
		err = 0;
		sched_sleep_ms(10);
	}
	return err ? err : -ETIMEDOUT;
}

/* Kernel 1 has a stack and an interface (the test service answers -ENODEV until then). */
static bool kernel1_up(const struct netif *nif)
{
	for (int i = 0; i < 300 && !dhcp_bound(nif); i++)
		sched_sleep_ms(100);
	for (int i = 0; i < 100; i++) {
		struct urpc_test req = { .op = TEST_OP_STACK_PING, .arg = { nif->gateway, 0 } };
		int err = ask1(&req, 5000);
		if (err != -ENODEV)
			return err == 0;
		sched_sleep_ms(100);
	}
	return false;
}

static bool table_all_on(uint8_t k)
{
	uint8_t kernel_of[STEER_BUCKETS];
	memset(kernel_of, k, sizeof(kernel_of));
	return netsteer_write(kernel_of) == 0;
}

/* Moves bucket b to kernel `to` and waits until the table says so. */
static bool move_and_wait(unsigned b, unsigned to)
{
	struct steer_mask m = { { 0, 0 } };
	steer_mask_set(&m, b);
	int n = netsteer_move(&m, to);
	KEXPECT_EQ(n, 1);
	for (int i = 0; i < 200 && netsteer_kernel_of(b) != to; i++)
		sched_sleep_ms(10);
	KEXPECT_EQ(netsteer_kernel_of(b), to);
	return n == 1 && netsteer_kernel_of(b) == to;
}

/* n bytes echoed whole over kernel 1's connection, which stays established. */
static void echoes(uint64_t n, uint64_t seed)
{
	struct urpc_test req = { .op = TEST_OP_MOVE_ECHO, .arg = { n, seed } };
	KEXPECT_EQ(ask1(&req, 10000), 0);
	KEXPECT_EQ(req.arg[0], n);
	KEXPECT_EQ(req.arg[1], TCP_ESTABLISHED);
	KEXPECT_EQ(req.arg[2], 0);
}

/* Within 10 s: the previous owner's drain lingers MOVE_LINGER_MS after LEAVE, and
 * MOVE_TIME_WAIT_MS after its last connection there entered TIME-WAIT, before DRAINED. */
static bool forwarding_ends(unsigned b)
{
	for (int i = 0; i < 1000 && (move_fwd_to(netmove_local(), b) >= 0 ||
				    move_ctl_of(netmove_ctl(), b)); i++)
		sched_sleep_ms(10);
	return move_fwd_to(netmove_local(), b) < 0 && !move_ctl_of(netmove_ctl(), b);
}

KTEST_NEEDS(net_move_keeps_a_live_connection, "kernels>=2 !net=kernel0 echo7=10.0.2.100")
{
	const struct netif *nif = netdev_netif();
	char addr[32];
	uint32_t echo;
	if (!nif || kself.ncores < 2 || cmdline_get(boot_info.cmdline, "echo7", addr,
						    sizeof(addr)) < 0 ||
	    net_parse_cidr(addr, &echo, NULL)) {
		ktest_skip("needs a second kernel with a stack and echo7=ADDR");
		return;
	}
	KASSERT(kernel1_up(nif));
	KASSERT(table_all_on(1));
	sched_sleep_ms(100);                    /* kernel 1 hears its buckets */
	uint64_t rsts0 = nif->stats.tcp[TCP_OUT_RSTS];
	struct urpc_test req = { .op = TEST_OP_MOVE_OPEN, .arg = { echo, ECHO_PORT } };
	KASSERT(ask1(&req, 10000) == 0);
	unsigned b = toeplitz_ipv4_tcp(nif->rss_key, echo, nif->ip, ECHO_PORT,
				       (uint16_t)req.arg[0]) % STEER_BUCKETS;
	echoes(1000, 1);
	uint64_t fwd0 = netmove_stats()->forwarded;
	KASSERT(move_and_wait(b, 0));           /* kernel 0 forwards its segments to 1 */
	echoes(6000, 2);
	KEXPECT(netmove_stats()->forwarded > fwd0);
	KASSERT(move_and_wait(b, 1));           /* back: 1 serves it, 0 drains nothing */
	KEXPECT(forwarding_ends(b));
	echoes(3000, 3);
	KASSERT(move_and_wait(b, 0));
	echoes(2000, 4);
	req = (struct urpc_test){ .op = TEST_OP_MOVE_CLOSE };
	KEXPECT_EQ(ask1(&req, 10000), 0);
	KEXPECT(req.arg[1] == TCP_TIME_WAIT || req.arg[1] == TCP_CLOSED);
	KEXPECT(forwarding_ends(b));            /* kernel 1 drained: DRAINED ended it */
	KEXPECT_EQ(nif->stats.tcp[TCP_OUT_RSTS], rsts0);
	KEXPECT(table_all_on(0));
}

/* A second move of a bucket mid-move is refused, and a kernel that cannot own buckets is.
 * It runs on the boots of the test above. */
KTEST_NEEDS(net_move_refuses_a_bucket_mid_move, "kernels>=2 !net=kernel0 echo7=10.0.2.100")
{
	const struct netif *nif = netdev_netif();
	char addr[32];
	if (!nif || kself.ncores < 2 ||
	    cmdline_get(boot_info.cmdline, "echo7", addr, sizeof(addr)) < 0) {
		ktest_skip("needs a second kernel with a stack, on the boots with echo7=ADDR");
		return;
	}
	KASSERT(kernel1_up(nif));
	KASSERT(table_all_on(0));
	struct steer_mask m = { { 1, 0 } };
	KEXPECT_EQ(netsteer_move(&m, kself.ncores), -EINVAL);
	KEXPECT_EQ(netsteer_move(&m, 0), 0);           /* already there */
	KEXPECT_EQ(netsteer_move(&m, 1), 1);
	KEXPECT_EQ(netsteer_move(&m, 1), -EBUSY);      /* its BEGIN is out */
	for (int i = 0; i < 200 && netsteer_kernel_of(0) != 1; i++)
		sched_sleep_ms(10);
	KEXPECT_EQ(netsteer_kernel_of(0), 1);
	KEXPECT(forwarding_ends(0));            /* kernel 0 had no connection there */
	KEXPECT(table_all_on(0));
}
