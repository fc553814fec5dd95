/* Helper processes for usertests: each mode does one thing and exits with a status that the
 * parent checks. */
#include "user/lib/flotilla.h"

/* Some arithmetic in SSE registers that must come out the same however often the process
 * is preempted in between (the kernel saves each thread's FPU state). */
static int fpu_mode(double seed)
{
	volatile double acc = seed;
	for (int i = 0; i < 200000; i++) {
		acc = acc * 1.000001 + 0.5;
		if ((i & 1023) == 0)
			yield();
	}
	double expect = seed;
	for (int i = 0; i < 200000; i++)
		expect = expect * 1.000001 + 0.5;
	return acc == expect ? 0 : 1;
}

static int spin_mode(uint64_t ms)
{
	uint64_t end = uptime_ms() + ms, loops = 0;
	while (uptime_ms() < end)
		loops++;
	printf("child: spun %lu loops\n", loops);
	return (int)(loops / 1000 > 250 ? 250 : loops / 1000);
}

/* Blocks for good in the socket call named by what, until killed; returns only if the call
 * does (a failure: status 4, or 5 if it could not start). */
static int block_mode(const char *what)
{
	struct sockaddr_in here = { .sin_family = AF_INET, .sin_port = htons(4448) };
	struct sockaddr_in nobody = { .sin_family = AF_INET, .sin_port = htons(80), .sin_addr = { htonl(0x0A000263) } };
	char c;
	int tcp = socket(AF_INET, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0), ep = epoll_create1(0);
	struct pollfd pf = { .fd = udp, .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN };
	if (tcp < 0 || udp < 0 || ep < 0 || bind(udp, (struct sockaddr *)&here, sizeof(here)) ||
	    bind(tcp, (struct sockaddr *)&here, sizeof(here)) || epoll_ctl(ep, EPOLL_CTL_ADD, udp, &ev))
		return 5;
	if (strcmp(what, "accept") == 0 && listen(tcp, 1) == 0)
		accept(tcp, NULL, NULL);
	else if (strcmp(what, "recv") == 0)
		recv(udp, &c, 1, 0);
	else if (strcmp(what, "poll") == 0)
		poll(&pf, 1, -1);
	else if (strcmp(what, "epoll") == 0)
		epoll_wait(ep, &ev, 1, -1);
	else if (strcmp(what, "connect") == 0)         /* 10.0.2.99: no ARP answer, no SYN-ACK */
		connect(tcp, (struct sockaddr *)&nobody, sizeof(nobody));
	printf("child: %s returned: %s\n", what, strerror(errno));
	return 4;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *m = argv[1];
	if (strcmp(m, "exit") == 0)
		return argc > 2 ? (int)strlen(argv[2]) : 0;
	if (strcmp(m, "args") == 0)
		return argc == 5 && strcmp(argv[2], "a") == 0 && strcmp(argv[3], "bb") == 0 &&
		       strcmp(argv[4], "ccc") == 0 && environ && strncmp(environ[0], "KERNEL=", 7) == 0 ? 42 : 1;
	if (strcmp(m, "null") == 0)
		return *(volatile int *)0;
	if (strcmp(m, "kernel") == 0)
		return *(volatile int *)0xffffffff80100000ul;
	if (strcmp(m, "text") == 0) {
		*(volatile uint8_t *)(uintptr_t)main = 0x90;
		return 0;
	}
	if (strcmp(m, "ud") == 0)
		__asm__ volatile("ud2");
	if (strcmp(m, "div") == 0) {
		volatile int z = 0;
		return 10 / z;
	}
	if (strcmp(m, "priv") == 0)
		__asm__ volatile("cli");        /* ring 3: #GP */
	if (strcmp(m, "stack") == 0) {
		volatile char big[4096];
		big[0] = 1;
		return main(argc, argv) + big[0];       /* runs off the stack's end */
	}
	if (strcmp(m, "fpu") == 0)
		return fpu_mode(argc > 2 ? (double)strlen(argv[2]) : 1.0);
	if (strcmp(m, "spin") == 0)
		return spin_mode(600);
	if (strcmp(m, "sleep") == 0)
		return sleep_ms(60000);
	if (strcmp(m, "block") == 0 && argc > 2)
		return block_mode(argv[2]);
	return 3;
}
