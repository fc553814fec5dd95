/* Helper processes for usertests: each mode does one thing and exits with a status that the
 * parent checks. */
#include <stdbool.h>
#include "user/lib/flotilla.h"
#include "user/tests/sysfuzz.h"

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

/* The single socket (net/socket.h), run by kernel/tests/ktest_user.c on kernel 0. */
#define SHARE_PORT      4460
#define SHARE_SIGN_PORT 4461            /* the worker listens here once its replica checked out */
#define SHARE_BACKLOG   7
#define CHILD_PATH      "/bin/utest-child"

/* One listener on port of kernel core, as SYS_LISTENERS lists it; false if none. */
static bool find_listener(unsigned core, uint16_t port, struct sys_listener *out)
{
	static struct sys_listener all[64];
	int n = listeners(all, 64);
	for (int i = 0; i < n; i++)
		if (all[i].core == core && all[i].port == port) {
			*out = all[i];
			return true;
		}
	return false;
}

/* Waits up to 5 s for kernel core to list (or, present false, to stop listing) port. */
static bool await_listener(unsigned core, uint16_t port, bool present)
{
	struct sys_listener l;
	for (int i = 0; i < 100; i++) {
		if (find_listener(core, port, &l) == present)
			return true;
		sleep_ms(50);
	}
	return false;
}

static int listen_on(uint16_t port, int type, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, backlog))
		return -1;
	return fd;
}

static unsigned procs_on(unsigned core)
{
	static struct sys_procinfo all[64];
	int n = ps(all, 64);
	unsigned count = 0;
	for (int i = 0; i < n; i++)
		count += all[i].core == core;
	return count;
}

/* The worker's side: the replica at descriptor 3 listens on SHARE_PORT and, like the
 * spawner's socket, does not block; nothing else was installed. */
static int replica_mode(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = SPAWN_LISTEN_FD_FIRST;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) || ntohs(sa.sin_port) != SHARE_PORT)
		return 20;
	if (accept(fd, NULL, NULL) != -1 || errno != EAGAIN)
		return 21;
	if (close(fd + 1) != -1 || errno != EBADF)
		return 22;
	if (listen_on(SHARE_SIGN_PORT, SOCK_STREAM, 1) < 0)
		return 23;
	return sleep_ms(60000);
}

/* The spawner's side: hands its listener to a worker on kernel 1, checks that kernel 1
 * lists a replica with the same identity, that a second replica where one listens is
 * refused with nothing started, and that killing the worker closes its replica. Returns 0,
 * or the number of the first check that failed. */
static int share_mode(void)
{
	char *argv[] = { "utest-child", "replica", NULL };
	struct sys_listener mine, theirs;
	int l = listen_on(SHARE_PORT, SOCK_STREAM | SOCK_NONBLOCK, SHARE_BACKLOG), pid = -1;
	if (l < 0)
		return 10;
	/* Kernel 1's stack may still be coming up. */
	for (int i = 0; i < 50 && (pid = spawn_on_with(1, CHILD_PATH, argv, &l, 1)) < 0 && errno == ENETDOWN; i++)
		sleep_ms(100);
	if (pid < 0)
		return 11;
	if (!await_listener(1, SHARE_SIGN_PORT, true))
		return 12;
	if (!find_listener(0, SHARE_PORT, &mine) || !find_listener(1, SHARE_PORT, &theirs))
		return 13;
	if (mine.replica || mine.origin_core != 0 || !theirs.replica || theirs.origin_core != 0 ||
	    theirs.origin_id != mine.origin_id || theirs.backlog != SHARE_BACKLOG)
		return 14;
	unsigned before = procs_on(1);
	if (spawn_on_with(1, CHILD_PATH, argv, &l, 1) != -1 || errno != EADDRINUSE || procs_on(1) != before)
		return 15;
	if (kill(1, pid) != 0)
		return 16;
	if (!await_listener(1, SHARE_PORT, false) || !await_listener(1, SHARE_SIGN_PORT, false))
		return 17;
	if (!find_listener(0, SHARE_PORT, &mine))
		return 18;                      /* the spawner's own socket stays */
	close(l);
	return 0;
}

static uint64_t number(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
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
	if (strcmp(m, "sysfuzz") == 0 && argc == 4)
		return sysfuzz(number(argv[2]), (unsigned)number(argv[3]));
	if (strcmp(m, "fpu") == 0)
		return fpu_mode(argc > 2 ? (double)strlen(argv[2]) : 1.0);
	if (strcmp(m, "spin") == 0)
		return spin_mode(600);
	if (strcmp(m, "sleep") == 0)
		return sleep_ms(60000);
	if (strcmp(m, "share") == 0)
		return share_mode();
	if (strcmp(m, "replica") == 0)
		return replica_mode();
	if (strcmp(m, "block") == 0 && argc > 2)
		return block_mode(argv[2]);
	return 3;
}
