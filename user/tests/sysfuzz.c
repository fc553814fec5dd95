/* Random system calls with edge-case arguments, for the usertest that checks the kernel
 * answers each with a result or an errno and loses nothing (usertests.c,
 * random_system_calls_get_errnos_and_leak_nothing). Run as utest-child's "sysfuzz SEED N"
 * mode: N calls drawn from SEED. Left out, because they act outside this process rather
 * than on bad arguments: exit, shutdown, kill (any process on any kernel), steer (moves
 * buckets). Shaped so that nothing leaves this process: writes never reach descriptors 0-2,
 * a program path is never a real program, and a socket address is never another host than
 * this one (127.0.0.1 or 0.0.0.0: under QEMU's user network anything else could leave the
 * machine). A call may block for good (a read with nothing
 * coming); the parent kills this process after a while, which is what a kill is for. */
#include "user/tests/sysfuzz.h"

#define NR_LAST         (SYS_COUNT + 5) /* past the table's end: unknown numbers too */

static uint8_t junk[65536] __attribute__((aligned(4096)));     /* where pointers may point */
static struct sockaddr_in addrs[4];
static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* An integer at an edge: small, a descriptor or a port, a power of two and its neighbours,
 * negative, or anything. */
static long any_int(void)
{
	static const long edges[] = { 0, 1, 2, 3, 4, 7, 64, 80, 4096, 65535, 65536, 65537,
				      0x7FFFFFFF, 0x80000000l, 0xFFFFFFFFl, -1, -2, -4096,
				      0x7FFFFFFFFFFFFFFFl, (long)0x8000000000000000ul };
	switch (next() % 4) {
	case 0: return (long)(next() % 16);
	case 1: return edges[next() % (sizeof(edges) / sizeof(edges[0]))];
	case 2: return (long)(next() % 70000);
	default: return (long)next();
	}
}

/* A pointer: into junk (anywhere, to its last byte, across its end), NULL, the kernel's
 * half, unmapped user memory, the top of the user half, or an odd value. */
static long any_ptr(void)
{
	switch (next() % 8) {
	case 0: case 1: case 2: return (long)(junk + next() % sizeof(junk));
	case 3: return (long)(junk + sizeof(junk) - 1 - next() % 16);
	case 4: return 0;
	case 5: return (long)0xffffffff80100000ul;
	case 6: return (long)0x00007ffffffff000ul + (long)(next() % 8192);
	default: return (long)next();
	}
}

static long any_arg(void)
{
	return next() % 2 ? any_int() : any_ptr();
}

/* A path that is never a program: absent, empty, a directory, a file that is not ELF, or a
 * bad pointer. */
static long any_path(void)
{
	static const char *const paths[] = { "/nonexistent", "", "/bin", "/etc/init.conf", "/" };
	if (next() % 4 == 0)
		return any_ptr();
	return (long)paths[next() % (sizeof(paths) / sizeof(paths[0]))];
}

/* A socket address on this machine (127.0.0.1, or 0.0.0.0) with any port, a bad family, or a
 * bad pointer; never a pointer into junk, which system calls fill with whatever they
 * return, addresses of real hosts among it. */
static long any_addr(void)
{
	struct sockaddr_in *a = &addrs[next() % 4];
	a->sin_family = next() % 8 ? AF_INET : (uint16_t)next();
	a->sin_port = htons((uint16_t)(next() % 2 ? 7 + next() % 80 : next()));
	a->sin_addr.s_addr = next() % 2 ? htonl(0x7F000001) : 0;
	switch (next() % 8) {
	case 0: return 0;
	case 1: return (long)0xffffffff80100000ul;
	case 2: return (long)0x00007ffffffff000ul;
	default: return (long)a;
	}
}

static void one_call(void)
{
	long nr = (long)(next() % (NR_LAST + 1)), a[6];
	for (int i = 0; i < 6; i++)
		a[i] = any_arg();
	if (nr == SYS_EXIT || nr == SYS_SHUTDOWN || nr == SYS_KILL || nr == SYS_STEER)
		return;
	if (nr == SYS_WRITE && a[0] >= 0 && a[0] <= 2)
		a[0] += 1000;                   /* not the console */
	if (nr == SYS_READ && a[0] == 0)
		a[0] = 1000;                    /* not the console's input */
	if (nr == SYS_SLEEP_MS)
		a[0] &= 15;
	if ((nr == SYS_POLL || nr == SYS_EPOLL_WAIT) && next() % 64)
		a[nr == SYS_POLL ? 2 : 3] &= 15;         /* mostly short waits: more calls */
	if (nr == SYS_SBRK)
		a[0] = (long)(next() % (1 << 20)) - (1 << 19);
	if (nr == SYS_SPAWN || nr == SYS_OPEN)
		a[0] = any_path();
	if (nr == SYS_SPAWN_ON)
		a[1] = any_path();
	if (nr == SYS_CONNECT || nr == SYS_SENDTO)
		a[nr == SYS_CONNECT ? 1 : 4] = any_addr();
	sys_call6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int sysfuzz(uint64_t seed, unsigned count)
{
	rng = seed * 0x9E3779B97F4A7C15ull | 1;
	for (unsigned i = 0; i < count; i++)
		one_call();
	return 0;
}
