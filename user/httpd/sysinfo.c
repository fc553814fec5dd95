/* The system's part of /status: on Flotilla the kernel number, its memory and its network
 * counters from netstat(), and every kernel's network in brief from netstat_all() with the
 * totals over them; on Linux the counters of /proc/net/snmp. */
#include "user/httpd/httpd.h"

#ifdef __flotilla__

#include "net/net.h"

uintptr_t port_heap_start;

static void json_ip(struct strbuf *b, const char *name, uint32_t a)
{
	json_member(b, name);
	strbuf_printf(b, "\"%u.%u.%u.%u\"", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void net_interface(struct strbuf *b, const struct sys_netstat *ns)
{
	const uint8_t *m = ns->mac;

	json_member(b, "interface");
	strbuf_printf(b, "{");
	json_member(b, "configured");
	strbuf_printf(b, "%s", ns->configured ? "true" : "false");
	json_ip(b, "ip", ns->ip);
	json_ip(b, "mask", ns->mask);
	json_ip(b, "gateway", ns->gateway);
	json_member(b, "mac");
	strbuf_printf(b, "\"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2], m[3], m[4], m[5]);
	json_member(b, "link_up");
	strbuf_printf(b, "%s", ns->link_up ? "true" : "false");
	json_u64(b, "link_mbps", ns->link_mbps);
	json_u64(b, "rx_frames", ns->rx_frames);
	json_u64(b, "tx_frames", ns->tx_frames);
	json_u64(b, "hw_rx_packets", ns->hw_rx_packets);
	json_u64(b, "hw_tx_packets", ns->hw_tx_packets);
	json_u64(b, "hw_rx_missed", ns->hw_rx_missed);
	json_u64(b, "hw_rx_crc_errors", ns->hw_rx_crc_errors);
	json_u64(b, "hw_rx_overruns", ns->hw_rx_overruns);
	json_u64(b, "steered_out", ns->steered_out);
	json_u64(b, "steered_in", ns->steered_in);
	json_member(b, "pool");
	strbuf_printf(b, "{");
	json_u64(b, "in_use", ns->pool_in_use);
	json_u64(b, "size", ns->pool_size);
	json_u64(b, "exhausted", ns->pool_exhausted);
	json_u64(b, "double_returns", ns->pool_double_returns);
	json_u64(b, "not_held", ns->pool_not_held);
	json_u64(b, "reclaimed", ns->pool_reclaimed);
	strbuf_printf(b, "}");
	json_u64(b, "interrupts", ns->interrupts);
	strbuf_printf(b, "}");
}

static void net_protocols(struct strbuf *b, const struct sys_netstat *ns)
{
	json_member(b, "arp");
	strbuf_printf(b, "{");
	json_u64(b, "replies_sent", ns->arp_replies);
	json_u64(b, "requests_sent", ns->arp_requests);
	strbuf_printf(b, "}");
	json_member(b, "icmp");
	strbuf_printf(b, "{");
	json_u64(b, "echo_replies", ns->echo_replies);
	strbuf_printf(b, "}");
	json_member(b, "udp");
	strbuf_printf(b, "{");
	json_u64(b, "in", ns->udp_in);
	json_u64(b, "out", ns->udp_out);
	strbuf_printf(b, "}");
	json_member(b, "tcp");
	strbuf_printf(b, "{");
	for (unsigned i = 0; i < ns->ntcp && i < SYS_NETSTAT_TCP; i++)
		json_u64(b, tcp_counter_name((enum tcp_counter)i), ns->tcp[i]);
	strbuf_printf(b, "}");
}

static void net_drops_and_states(struct strbuf *b, const struct sys_netstat *ns)
{
	json_member(b, "drops");
	strbuf_printf(b, "{");
	for (unsigned i = 0; i < ns->ndrops && i < SYS_NETSTAT_DROPS; i++)
		json_u64(b, net_drop_name((enum net_drop)i), ns->drops[i]);
	strbuf_printf(b, "}");
	json_u64(b, "sockets", ns->sockets);
	json_member(b, "tcp_states");
	strbuf_printf(b, "{");
	for (unsigned i = 0; i < ns->nstates && i < SYS_NETSTAT_STATES; i++)
		json_u64(b, tcp_state_name((enum tcp_state)i), ns->conns[i]);
	strbuf_printf(b, "}");
}

/* The move exchange: segments this kernel forwarded to a bucket's previous owner (and could
 * not), and kernel 0's moves since boot (zeros on the other kernels). */
static void net_moves(struct strbuf *b, const struct sys_netstat *ns)
{
	json_member(b, "move");
	strbuf_printf(b, "{");
	json_u64(b, "forwarded", ns->move_forwarded);
	json_u64(b, "fwd_failed", ns->move_fwd_failed);
	json_u64(b, "begun", ns->moves_begun);
	json_u64(b, "done", ns->moves_done);
	json_u64(b, "aborted", ns->moves_aborted);
	strbuf_printf(b, "}");
}

/* The numbers of a kernel's row in "kernels", each summed into "totals" under the same name. */
struct netsum_field {
	const char *name;
	size_t off;
	bool wide;                      /* uint64_t; else uint32_t */
};
#define NETSUM_U32(f) { #f, offsetof(struct sys_netsum, f), false }
#define NETSUM_U64(f) { #f, offsetof(struct sys_netsum, f), true }
static const struct netsum_field netsum_fields[] = {
	NETSUM_U32(established), NETSUM_U32(connections), NETSUM_U32(accept_queue),
	NETSUM_U32(sockets), NETSUM_U64(rx_frames), NETSUM_U64(tx_frames), NETSUM_U64(drops),
	NETSUM_U64(interrupts), NETSUM_U64(steered_in), NETSUM_U64(steered_out),
	NETSUM_U32(pool_in_use), NETSUM_U32(pool_size), NETSUM_U64(pool_exhausted),
	NETSUM_U32(nbuckets), NETSUM_U64(in_segs), NETSUM_U64(out_rsts),
	NETSUM_U64(syn_cookies_sent), NETSUM_U64(move_forwarded), NETSUM_U64(move_fwd_failed),
	NETSUM_U32(moves_begun), NETSUM_U32(moves_done), NETSUM_U32(moves_aborted),
	NETSUM_U32(hw_rx_overruns),
};
#define NETSUM_FIELDS (sizeof(netsum_fields) / sizeof(netsum_fields[0]))

static uint64_t netsum_get(const struct sys_netsum *k, const struct netsum_field *f)
{
	uint64_t v64;
	uint32_t v32;
	if (f->wide) {
		memcpy(&v64, (const char *)k + f->off, sizeof(v64));
		return v64;
	}
	memcpy(&v32, (const char *)k + f->off, sizeof(v32));
	return v32;
}

static void kernel_row(struct strbuf *b, const struct sys_netsum *k)
{
	json_u64(b, "kernel", k->core);
	json_member(b, "alive");
	strbuf_printf(b, "%s", k->alive ? "true" : "false");
	json_member(b, "net");
	strbuf_printf(b, "%s", k->has_net ? "true" : "false");
	for (unsigned i = 0; i < NETSUM_FIELDS; i++)
		json_u64(b, netsum_fields[i].name, netsum_get(k, &netsum_fields[i]));
	json_member(b, "buckets");
	strbuf_printf(b, "[");
	for (unsigned bucket = 0, n = 0; bucket < 128; bucket++)
		if (k->buckets[bucket / 64] >> (bucket % 64) & 1)
			strbuf_printf(b, n++ ? ",%u" : "%u", bucket);
	strbuf_printf(b, "]");
	json_member(b, "tcp_states");
	strbuf_printf(b, "{");
	for (unsigned i = 0; i < k->nstates && i < SYS_NETSUM_STATES; i++)
		json_u64(b, tcp_state_name((enum tcp_state)i), k->conns[i]);
	strbuf_printf(b, "}");
}

static void kernel_totals(struct strbuf *b, const struct sys_netsum *all, unsigned n)
{
	unsigned alive = 0, net = 0;
	for (unsigned k = 0; k < n; k++) {
		alive += all[k].alive != 0;
		net += all[k].has_net != 0;
	}
	json_member(b, "totals");
	strbuf_printf(b, "{");
	json_u64(b, "kernels", n);
	json_u64(b, "alive", alive);
	json_u64(b, "net", net);
	for (unsigned i = 0; i < NETSUM_FIELDS; i++) {
		uint64_t sum = 0;
		for (unsigned k = 0; k < n; k++)
			sum += netsum_get(&all[k], &netsum_fields[i]);
		json_u64(b, netsum_fields[i].name, sum);
	}
	strbuf_printf(b, "}");
}

/* "kernels": one row per kernel (a kernel that did not answer in time: alive false, zeros),
 * and "totals" over them. */
static void net_kernels(struct strbuf *b, unsigned ncores)
{
	struct sys_netsum *all = calloc(ncores ? ncores : 1, sizeof(*all));
	int n = all ? netstat_all(all, ncores) : -1;
	json_member(b, "kernels");
	strbuf_printf(b, "[");
	for (int k = 0; k < n; k++) {
		strbuf_printf(b, k ? ",{" : "{");
		kernel_row(b, &all[k]);
		strbuf_printf(b, "}");
	}
	strbuf_printf(b, "]");
	if (n >= 0)
		kernel_totals(b, all, (unsigned)n);
	else
		json_str(b, "kernels_error", all ? strerror(errno) : "no memory");
	free(all);
}

/* This kernel's counts of what costs most under emulation (kernel/cost.h), since boot:
 * tools/bench/cost.sh divides their growth over a run by its requests. */
static void cost(struct strbuf *b, const struct sys_kernel_info *ki)
{
	json_member(b, "cost");
	strbuf_printf(b, "{");
	json_u64(b, "nic_reads", ki->nic_reads);
	json_u64(b, "nic_writes", ki->nic_writes);
	json_u64(b, "lapic_writes", ki->lapic_writes);
	json_u64(b, "interrupts", ki->interrupts);
	json_u64(b, "nic_interrupts", ki->nic_interrupts);
	json_u64(b, "ticks", ki->ticks);
	json_u64(b, "syscalls", ki->syscalls);
	json_u64(b, "switches", ki->switches);
	json_u64(b, "halts", ki->halts);
	json_u64(b, "user_copy_bytes", ki->user_copy_bytes);
	json_u64(b, "nic_ns", ki->nic_ns);
	strbuf_printf(b, "}");
}

void port_status_system(struct strbuf *b)
{
	struct sys_kernel_info ki;
	struct sys_netstat ns;

	json_str(b, "system", "flotilla");
	if (kernel_info(&ki) == 0) {
		json_u64(b, "kernel", ki.core);
		/* This kernel's free memory and processes, and how far httpd's heap grew. */
		json_member(b, "memory");
		strbuf_printf(b, "{");
		json_u64(b, "kernel_free_bytes", ki.free_bytes);
		json_u64(b, "kernel_processes", ki.nprocs);
		json_u64(b, "kernel_heap_live_blocks", ki.heap_live_blocks);
		json_u64(b, "kernel_heap_live_bytes", ki.heap_live_bytes);
		json_u64(b, "kernel_heap_slab_bytes", ki.heap_slab_bytes);
		json_u64(b, "httpd_heap_bytes", (uintptr_t)sbrk(0) - port_heap_start);
		strbuf_printf(b, "}");
		cost(b, &ki);
		net_kernels(b, ki.ncores);
	}
	json_member(b, "net");
	strbuf_printf(b, "{");
	if (netstat(&ns) == 0) {
		net_interface(b, &ns);
		net_protocols(b, &ns);
		net_drops_and_states(b, &ns);
		net_moves(b, &ns);
	} else {
		json_str(b, "error", strerror(errno));
	}
	strbuf_printf(b, "}");
}

#else /* Linux */

#define SNMP_MAX 8192

static bool is_number(const char *s, size_t n)
{
	size_t i = n && s[0] == '-';
	if (i == n)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The next space-separated word at *s (before end): its start, its length in *len (0 at
 * the end), and *s moved past it. */
static const char *next_word(const char **s, const char *end, size_t *len)
{
	while (*s < end && **s == ' ')
		(*s)++;
	const char *w = *s;
	while (*s < end && **s != ' ')
		(*s)++;
	*len = (size_t)(*s - w);
	return w;
}

/* One protocol from a pair of lines, "Tcp: Name1 Name2 ..." then "Tcp: 1 2 ...", as
 * "tcp":{"Name1":1,...}. */
static void snmp_pair(struct strbuf *b, const char *names, const char *names_end,
		      const char *values, const char *values_end)
{
	const char *colon = strchr(names, ':');
	char proto[32], key[64];

	if (!colon || colon >= names_end || (size_t)(colon - names) >= sizeof(proto))
		return;
	size_t plen = (size_t)(colon - names);
	for (size_t i = 0; i < plen; i++)
		proto[i] = (char)(names[i] >= 'A' && names[i] <= 'Z' ? names[i] + 32 : names[i]);
	proto[plen] = 0;
	json_member(b, proto);
	strbuf_printf(b, "{");
	names = colon + 1;
	values += plen + 1;
	for (;;) {
		size_t n, v;
		const char *name = next_word(&names, names_end, &n);
		const char *value = next_word(&values, values_end, &v);
		if (!n || !v)
			break;
		if (n < sizeof(key) && is_number(value, v)) {
			memcpy(key, name, n);
			key[n] = 0;
			json_member(b, key);
			strbuf_printf(b, "%.*s", (int)v, value);
		}
	}
	strbuf_printf(b, "}");
}

static void snmp_counters(struct strbuf *b)
{
	char buf[SNMP_MAX];
	long len = 0, n;
	int fd = open("/proc/net/snmp", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (len < (long)sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	for (char *line = buf; *line;) {
		char *end1 = strchr(line, '\n');
		if (!end1)
			break;
		char *next = end1 + 1;
		char *end2 = strchr(next, '\n');
		if (!end2)
			break;
		char *colon = strchr(line, ':');
		size_t plen = colon && colon < end1 ? (size_t)(colon - line) : 0;
		if (plen && strncmp(line, next, plen + 1) == 0) {
			snmp_pair(b, line, end1, next, end2);
			line = end2 + 1;
		} else {
			line = next;
		}
	}
}

void port_status_system(struct strbuf *b)
{
	json_str(b, "system", "linux");
	json_member(b, "kernel");
	strbuf_printf(b, "null");
	/* Linux is one machine, not kernels of Flotilla's kind: no rows, and no totals to make. */
	json_member(b, "kernels");
	strbuf_printf(b, "[]");
	json_member(b, "totals");
	strbuf_printf(b, "{}");
	json_member(b, "net");
	strbuf_printf(b, "{");
	snmp_counters(b);
	strbuf_printf(b, "}");
}

#endif
