/* What the monitor prints: a line per move with its reason, and `monitor show` (monitor.h). */
#include "user/monitor/monitor.h"

void mon_kernel_list(uint64_t set, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (unsigned k = 0; k < 64 && at + 4 < len; k++)
		if (set >> k & 1)
			at += (size_t)snprintf(buf + at, len - at, at ? ",%u" : "%u", k);
}

/* Why, in words, from the policy's reason (net/balance.h). */
static const char *why(const struct sys_load_move *m)
{
	switch (m->reason) {
	case LB_DEAD: return "its kernel is down or no longer serving";
	case LB_IDLE: return "overloaded; the bucket has no live connection";
	case LB_BUSY: return "overloaded; live connections forwarded";
	default: return "?";
	}
}

/* A per-mille load as a percentage with one decimal. */
static void pct(char *buf, size_t len, uint32_t pm)
{
	snprintf(buf, len, "%u.%u%%", pm / 10, pm % 10);
}

void mon_print_move(const char *lead, const struct sys_load_move *m, const char *refused)
{
	char from[16], to[16], mean[16];
	pct(from, sizeof(from), m->from_load_pm);
	pct(to, sizeof(to), m->to_load_pm);
	pct(mean, sizeof(mean), m->mean_load_pm);
	printf("%s bucket %u from kernel %u to %u (%s: %s): load %s -> %s, mean %s; "
	       "%u new, %u live%s%s\n", lead, m->bucket, m->from, m->to, lb_reason_name(m->reason),
	       why(m), from, to, mean, m->new_conns, m->live, refused ? "; refused: " : "",
	       refused ? refused : "");
}

static void show_kernels(const struct sys_load *l, const struct sys_netsum *ns, int n)
{
	struct lb_params p;
	char load[16], busy[16];
	lb_params_default(&p);
	printf("%-7s %-8s %-8s %-6s %-8s %-6s %-6s %s\n", "KERNEL", "LOAD", "BUSY", "QUEUE",
	       "BUCKETS", "NEW", "LIVE", "AGE");
	for (int k = 0; k < n; k++) {
		if (!l[k].reported) {
			printf("%-7d %s\n", k, l[k].alive ? "no report in time" : "down");
			continue;
		}
		pct(load, sizeof(load), mon_load_pm(&p, &l[k]));
		pct(busy, sizeof(busy), l[k].busy_pm);
		printf("%-7d %-8s %-8s %-6u %-8u %-6u %-6u %u ms\n", k, load, busy,
		       l[k].accept_queue, ns[k].alive ? ns[k].nbuckets : 0, l[k].new_conns,
		       l[k].live_conns, l[k].age_ms);
	}
}

static void show_moves(void)
{
	static struct sys_load_move m[SYS_LOAD_LOG];
	int n = load_moves(m, SYS_LOAD_LOG);
	if (n < 0) {
		printf("monitor: no log of moves: %s\n", strerror(errno));
		return;
	}
	printf("last moves (%d):\n", n);
	for (int i = 0; i < n; i++) {
		char lead[48];
		snprintf(lead, sizeof(lead), "  #%lu at %lu.%lus: move", m[i].seq,
			 m[i].time_ms / 1000, m[i].time_ms / 100 % 10);
		mon_print_move(lead, &m[i], m[i].refused ? "by SYS_STEER" : NULL);
	}
}

int mon_show(void)
{
	static struct sys_load l[MON_KERNELS];
	static struct sys_netsum ns[MON_KERNELS];
	int n = load_reports(l, MON_KERNELS);
	if (n < 0) {
		printf("monitor: load reports: %s\n", strerror(errno));
		return 1;
	}
	if (netstat_all(ns, MON_KERNELS) != n)
		memset(ns, 0, sizeof(ns));      /* buckets unknown: shown as 0 */
	show_kernels(l, ns, n);
	show_moves();
	return 0;
}
