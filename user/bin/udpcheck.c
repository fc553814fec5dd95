/* udpcheck: a UDP client's answers reach it on whichever kernel it runs (kernel/netports.h).
 *
 *   udpcheck ADDRESS PORT COUNT
 *
 * Sends COUNT datagrams from one socket, on the ephemeral port the kernel picks, to an echo
 * service at ADDRESS:PORT, each waiting up to a second for its echo, and prints
 * "udpcheck: N of COUNT echoed to port P on kernel K". Exits 0 when every one came back. */
#include <stdbool.h>
#include "user/lib/flotilla.h"

static int usage(void)
{
	printf("usage: udpcheck ADDRESS PORT COUNT\n");
	return 2;
}

/* "a.b.c.d" in network order into *out; -1 if it is not one. */
static int parse_addr(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (!digits || v > 255 || (i < 3 ? *s++ != '.' : *s != 0))
			return -1;
		a = a << 8 | v;
	}
	*out = htonl(a);
	return 0;
}

/* One datagram out and its echo back, whole, within a second. */
static bool echoed(int fd, const struct sockaddr_in *to, unsigned seq)
{
	char msg[32], back[64];
	int n = snprintf(msg, sizeof(msg), "udpcheck %u", seq);
	if (sendto(fd, msg, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to)) != n)
		return false;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (poll(&p, 1, 1000) == 1) {
		long got = recvfrom(fd, back, sizeof(back), 0, NULL, NULL);
		if (got == n && memcmp(back, msg, (size_t)n) == 0)
			return true;            /* an earlier one's late echo is passed over */
	}
	return false;
}

/* A decimal number in [1, max], or 0. */
static uint64_t number(const char *s, uint64_t max)
{
	uint64_t v;
	return str_to_u64(s, strlen(s), 10, &v) == 0 && v >= 1 && v <= max ? v : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET }, me;
	struct sys_kernel_info ki = { 0 };
	socklen_t len = sizeof(me);
	uint64_t port = argc == 4 ? number(argv[2], 65535) : 0;
	uint64_t count = argc == 4 ? number(argv[3], 100000) : 0;
	if (argc != 4 || parse_addr(argv[1], &to.sin_addr.s_addr) || !port || !count)
		return usage();
	to.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		printf("udpcheck: socket: %s\n", strerror(errno));
		return 1;
	}
	uint64_t ok = 0;
	for (uint64_t i = 1; i <= count; i++)
		ok += echoed(fd, &to, (unsigned)i);
	getsockname(fd, (struct sockaddr *)&me, &len);
	kernel_info(&ki);
	printf("udpcheck: %lu of %lu echoed to port %u on kernel %u\n", ok, count,
	       ntohs(me.sin_port), ki.core);
	close(fd);
	return ok == count ? 0 : 1;
}
