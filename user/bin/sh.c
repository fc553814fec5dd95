/* The Flotilla shell on the serial console: looks at every kernel and starts programs on
 * any of them. Type "help" for the commands. */
#include "user/lib/flotilla.h"
#include "net/net.h"

#define LINE_MAX 256
#define ARGS_MAX 16

static int split(char *line, char **argv)
{
	int n = 0;
	for (char *p = line; *p && n < ARGS_MAX - 1; ) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			*p++ = '\0';
		if (!*p)
			break;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	argv[n] = NULL;
	return n;
}

static int parse_num(const char *s, uint64_t *v)
{
	return str_to_u64(s, strlen(s), 10, v) == 0 ? 0 : -1;
}

static void cmd_help(void)
{
	puts("commands:\n"
	     "  ps                  processes on every kernel\n"
	     "  kernels             each kernel's uptime, idle time, free memory, processes, and\n"
	     "                      URPC messages dropped for an unknown type or a wrong length\n"
	     "  ls [DIR]            list a directory of the initrd\n"
	     "  cat FILE            print a file\n"
	     "  run PROG [ARGS] [@KERNEL]  start a program, here or on another kernel\n"
	     "  kill PID [@KERNEL]  stop a process\n"
	     "  mem                 this kernel's free memory\n"
	     "  netstat             kernel 0's network address and counters, and every kernel's\n"
	     "  monitor             each kernel's load and the load balancer's last moves\n"
	     "  shutdown            end the system (QEMU exits)\n"
	     "  help                this list");
}

static void cmd_ps(void)
{
	static struct sys_procinfo p[256];
	static const char *const states[] = { "run", "wait", "exited" };
	int n = ps(p, 256);
	if (n < 0) {
		printf("ps: %s\n", strerror(errno));
		return;
	}
	printf("%-7s %-6s %-6s %-7s %-8s %s\n", "KERNEL", "PID", "PARENT", "STATE", "TICKS", "NAME");
	for (int i = 0; i < n; i++)
		printf("%-7u %-6d %-6d %-7s %-8lu %s\n", p[i].core, p[i].pid, p[i].parent,
		       p[i].state < 3 ? states[p[i].state] : "?", p[i].ticks, p[i].name);
}

static void cmd_kernels(void)
{
	struct sys_kinfo k[64];
	int n = kernels(k, 64);
	if (n < 0) {
		printf("kernels: %s\n", strerror(errno));
		return;
	}
	printf("%-7s %-6s %-11s %-6s %-10s %-6s %-8s %s\n", "KERNEL", "STATE", "UPTIME", "IDLE", "FREE",
	       "PROCS", "UNKNOWN", "MALFORMED");
	for (int i = 0; i < n; i++) {
		if (!k[i].alive) {
			printf("%-7u %-6s\n", k[i].core, "dead");
			continue;
		}
		printf("%-7u %-6s %7lu.%01lus %4u%%  %6lu MiB %-6u %-8lu %lu\n", k[i].core, "up",
		       k[i].uptime_ms / 1000, (k[i].uptime_ms / 100) % 10, k[i].idle_pct,
		       k[i].free_bytes >> 20, k[i].nprocs, k[i].urpc_unknown, k[i].urpc_malformed);
	}
}

static void cmd_ls(const char *dir)
{
	struct sys_dirent d;
	int r;
	unsigned i = 0;
	while ((r = readdir(dir, i++, &d)) == 1)
		printf("%s%s  %lu\n", d.name, (d.mode & 0170000) == 0040000 ? "/" : "", d.size);
	if (r < 0)
		printf("ls: %s: %s\n", dir, strerror(errno));
}

static void cmd_cat(const char *path)
{
	char buf[256];
	long n;
	int fd = open(path, 0);
	if (fd < 0) {
		printf("cat: %s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write(1, buf, (size_t)n);
	if (n < 0)
		printf("cat: %s: %s\n", path, strerror(errno));
	close(fd);
}

/* "@N" as the last word names the kernel; returns argc without it. */
static int take_kernel(int argc, char **argv, int *core)
{
	uint64_t k;
	*core = -1;
	if (argc > 0 && argv[argc - 1][0] == '@') {
		if (parse_num(argv[argc - 1] + 1, &k)) {
			printf("bad kernel: %s\n", argv[argc - 1]);
			return -1;
		}
		*core = (int)k;
		argv[--argc] = NULL;
	}
	return argc;
}

static void cmd_run(int argc, char **argv)
{
	int core, status;
	struct sys_kernel_info me;
	if ((argc = take_kernel(argc, argv, &core)) < 0)
		return;
	if (argc < 2) {
		puts("usage: run PROG [ARGS] [@KERNEL]");
		return;
	}
	kernel_info(&me);
	if (core >= 0 && (unsigned)core != me.core) {
		int pid = spawn_on((unsigned)core, argv[1], &argv[1]);
		if (pid < 0)
			printf("run: %s on kernel %d: %s\n", argv[1], core, strerror(errno));
		else
			printf("started %s on kernel %d as pid %d\n", argv[1], core, pid);
		return;
	}
	int pid = spawn(argv[1], &argv[1]);
	if (pid < 0) {
		printf("run: %s: %s\n", argv[1], strerror(errno));
		return;
	}
	if (wait(pid, &status) == pid && status != 0)
		printf("%s: exit status %d\n", argv[1], status);
}

static void cmd_kill(int argc, char **argv)
{
	int core;
	uint64_t pid;
	struct sys_kernel_info me;
	if ((argc = take_kernel(argc, argv, &core)) < 0)
		return;
	if (argc != 2 || parse_num(argv[1], &pid)) {
		puts("usage: kill PID [@KERNEL]");
		return;
	}
	kernel_info(&me);
	if (kill(core >= 0 ? (unsigned)core : me.core, (int)pid) < 0)
		printf("kill: %lu: %s\n", pid, strerror(errno));
}

static void cmd_mem(void)
{
	struct sys_kernel_info ki;
	if (kernel_info(&ki) == 0)
		printf("kernel %u: %lu MiB free, %u processes\n", ki.core, ki.free_bytes >> 20, ki.nprocs);
}

static void print_ip(const char *label, uint32_t a)
{
	printf("%s%u.%u.%u.%u", label, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Every listening socket once, with the kernels it listens on: "port 80: listening on
 * kernels 0,1, one socket" for a socket shared with workers (the single socket), one line
 * per socket for independent servers. */
static void print_listeners(void)
{
	static struct sys_listener l[256];
	int n = listeners(l, 256);
	for (int i = 0; i < n; i++) {
		bool first = true;
		for (int j = 0; j < i && first; j++)
			first = l[j].origin_core != l[i].origin_core || l[j].origin_id != l[i].origin_id;
		if (!first)
			continue;
		printf("port %u: listening on kernels ", l[i].port);
		for (int j = i, shown = 0; j < n; j++)
			if (l[j].origin_core == l[i].origin_core && l[j].origin_id == l[i].origin_id)
				printf(shown++ ? ",%u" : "%u", l[j].core);
		printf(", one socket (kernel %u's #%u)\n", l[i].origin_core, l[i].origin_id);
	}
}

static void netsum_line(const char *who, const char *alive, const struct sys_netsum *k)
{
	printf("net %s: %s, %u buckets, %u of %u connections established, %u sockets, "
	       "rx %lu, tx %lu, drops %lu, interrupts %lu\n", who, alive, k->nbuckets,
	       k->established, k->connections, k->sockets, k->rx_frames, k->tx_frames, k->drops,
	       k->interrupts);
}

/* A line per kernel from netstat_all, and one of the totals. */
static void netstat_kernels(void)
{
	static struct sys_netsum k[64];
	struct sys_netsum all = { 0 };
	char who[16], alive[24];
	unsigned up = 0;
	int n = netstat_all(k, 64);
	if (n < 0) {
		printf("netstat: every kernel: %s\n", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(who, sizeof(who), "%u", k[i].core);
		netsum_line(who, k[i].alive ? "up" : "down", &k[i]);
		up += k[i].alive != 0;
		all.nbuckets += k[i].nbuckets;
		all.established += k[i].established;
		all.connections += k[i].connections;
		all.sockets += k[i].sockets;
		all.rx_frames += k[i].rx_frames;
		all.tx_frames += k[i].tx_frames;
		all.drops += k[i].drops;
		all.interrupts += k[i].interrupts;
	}
	snprintf(alive, sizeof(alive), "%u of %d up", up, n);
	netsum_line("all", alive, &all);
}

static void cmd_netstat(void)
{
	struct sys_netstat ns;
	if (netstat(&ns) < 0) {
		printf("netstat: %s\n", strerror(errno));
		return;
	}
	printf("mac %02x:%02x:%02x:%02x:%02x:%02x", ns.mac[0], ns.mac[1], ns.mac[2], ns.mac[3],
	       ns.mac[4], ns.mac[5]);
	if (ns.configured) {
		print_ip(", ip ", ns.ip);
		print_ip(" mask ", ns.mask);
		print_ip(" gateway ", ns.gateway);
	} else {
		printf(", no address");
	}
	printf("\nrx %lu frames, tx %lu frames, arp replies %lu, arp requests %lu, echo replies %lu\n",
	       ns.rx_frames, ns.tx_frames, ns.arp_replies, ns.arp_requests, ns.echo_replies);
	printf("link %s %u Mb/s; nic rx %lu, tx %lu, missed %lu, crc errors %lu; udp in %lu, out %lu\n",
	       ns.link_up ? "up" : "down", ns.link_mbps, ns.hw_rx_packets, ns.hw_tx_packets,
	       ns.hw_rx_missed, ns.hw_rx_crc_errors, ns.udp_in, ns.udp_out);
	printf("steered out %lu, in %lu; packet pool %u of %u in use, exhausted %lu, "
	       "double returns %lu, not held %lu, reclaimed %lu\n", ns.steered_out, ns.steered_in,
	       ns.pool_in_use, ns.pool_size, ns.pool_exhausted, ns.pool_double_returns,
	       ns.pool_not_held, ns.pool_reclaimed);
	for (unsigned i = 0; i < ns.nstates && i < SYS_NETSTAT_STATES; i++)
		if (ns.conns[i])
			printf("tcp %-18s %u\n", tcp_state_name((enum tcp_state)i), ns.conns[i]);
	for (unsigned i = 0; i < ns.ntcp && i < SYS_NETSTAT_TCP; i++)
		if (ns.tcp[i])
			printf("tcp %-18s %lu\n", tcp_counter_name((enum tcp_counter)i), ns.tcp[i]);
	for (unsigned i = 0; i < ns.ndrops && i < SYS_NETSTAT_DROPS; i++)
		if (ns.drops[i])
			printf("drop %-18s %lu\n", net_drop_name((enum net_drop)i), ns.drops[i]);
	print_listeners();
	netstat_kernels();
}

/* The load balancer's view: its own program prints it (user/monitor, `monitor show`). */
static void cmd_monitor(void)
{
	char *argv[] = { "monitor", "show", NULL };
	int status, pid = spawn("/bin/monitor", argv);
	if (pid < 0)
		printf("monitor: %s\n", strerror(errno));
	else if (wait(pid, &status) == pid && status != 0)
		printf("monitor: exit status %d\n", status);
}

static void run_line(char *line)
{
	char *argv[ARGS_MAX];
	int argc = split(line, argv);
	if (argc == 0)
		return;
	const char *c = argv[0];
	if (strcmp(c, "help") == 0)
		cmd_help();
	else if (strcmp(c, "ps") == 0)
		cmd_ps();
	else if (strcmp(c, "kernels") == 0)
		cmd_kernels();
	else if (strcmp(c, "ls") == 0)
		cmd_ls(argc > 1 ? argv[1] : "/");
	else if (strcmp(c, "cat") == 0 && argc == 2)
		cmd_cat(argv[1]);
	else if (strcmp(c, "cat") == 0)
		puts("usage: cat FILE");
	else if (strcmp(c, "run") == 0)
		cmd_run(argc, argv);
	else if (strcmp(c, "kill") == 0)
		cmd_kill(argc, argv);
	else if (strcmp(c, "mem") == 0)
		cmd_mem();
	else if (strcmp(c, "netstat") == 0)
		cmd_netstat();
	else if (strcmp(c, "monitor") == 0)
		cmd_monitor();
	else if (strcmp(c, "shutdown") == 0)
		poweroff(0);
	else
		printf("%s: unknown command; try help\n", c);
}

int main(void)
{
	char line[LINE_MAX];
	puts("Flotilla shell: type help for the commands");
	for (;;) {
		printf("flotilla> ");
		long n = read(0, line, sizeof(line) - 1);
		if (n <= 0) {
			printf("sh: read: %s\n", n < 0 ? strerror(errno) : "end of input");
			return 1;
		}
		line[n] = '\0';
		run_line(line);
	}
}
