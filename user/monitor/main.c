/* The monitor's options and its loop (monitor.h):
 *   monitor [-p MS] [-o PM] [-m PM] [-n]
 *       balance every MS ms (default 100); a kernel is overloaded PM thousandths above the
 *       mean (-o) and at least PM thousandths loaded (-m) (the policy's over_pm and
 *       min_load_pm, net/balance.h: 150 and 500 unless given); -n: decide and print, move
 *       nothing
 *   monitor show           every kernel's load and the last moves, once */
#include "user/monitor/monitor.h"

static struct lb_state policy;          /* about 100 KiB: in .bss, not on the stack */
static struct mon_inputs in;

struct mon_opts {
	uint32_t period_ms;
	long over_pm, min_load_pm;      /* -1: the policy's default */
	bool dry_run;
};

/* A decimal number, or -1. */
static long number(const char *s)
{
	long n = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 1000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

static int parse(int argc, char **argv, struct mon_opts *o)
{
	*o = (struct mon_opts){ .period_ms = 100, .over_pm = -1, .min_load_pm = -1 };
	for (int i = 1; i < argc; i++) {
		bool value = i + 1 < argc;
		long v = value ? number(argv[i + 1]) : -1;
		if (strcmp(argv[i], "-n") == 0) {
			o->dry_run = true;
			continue;
		}
		if (strcmp(argv[i], "-p") == 0 && v >= 10 && v <= 60000)
			o->period_ms = (uint32_t)v;
		else if (strcmp(argv[i], "-o") == 0 && v >= 0 && v <= LB_QUEUE_CAP_PM)
			o->over_pm = v;
		else if (strcmp(argv[i], "-m") == 0 && v >= 0 && v <= LB_PM)
			o->min_load_pm = v;
		else
			return -1;
		i++;
	}
	return 0;
}

/* The policy's defaults, over this period: a report is stale after three of them. */
static int policy_init(const struct mon_opts *o, unsigned nkernels)
{
	struct lb_params p;
	lb_params_default(&p);
	p.period_ms = o->period_ms;
	if (p.stale_ms < 3 * o->period_ms)
		p.stale_ms = 3 * o->period_ms;
	if (o->over_pm >= 0)
		p.over_pm = (uint32_t)o->over_pm;
	if (o->min_load_pm >= 0)
		p.min_load_pm = (uint32_t)o->min_load_pm;
	return lb_init(&policy, &p, nkernels, MON_GROUPS);
}

/* The note kept in kernel 0's log for move m, before it is asked for. */
static void note_of(const struct lb_move *m, struct sys_load_move *note)
{
	memset(note, 0, sizeof(*note));
	note->bucket = m->group;
	note->from = m->from;
	note->to = m->to;
	note->reason = m->reason;
	note->from_load_pm = m->from < in.nkernels ? mon_load_pm(&policy.p, &in.load[m->from]) : 0;
	note->to_load_pm = mon_load_pm(&policy.p, &in.load[m->to]);
	note->mean_load_pm = mon_mean_pm(&policy.p, &in);
	note->new_conns = in.grp[m->group].new_conns;
	note->live = in.grp[m->group].live;
}

/* One period's decision, carried out through SYS_STEER's move, each move noted. */
static void act(const struct mon_opts *o)
{
	struct lb_move moves[MON_MAX_MOVES];
	struct sys_load_move notes[MON_MAX_MOVES];
	unsigned n = lb_decide(&policy, uptime_ms(), in.rep, in.grp, in.owner, moves, MON_MAX_MOVES);
	for (unsigned i = 0; i < n; i++) {
		uint64_t mask[2] = { 0, 0 };
		int err = 0;
		note_of(&moves[i], &notes[i]);
		mask[moves[i].group / 64] |= 1ull << (moves[i].group % 64);
		if (!o->dry_run && steer_move(mask, moves[i].to) < 0)
			err = errno;
		notes[i].refused = err != 0;
		mon_print_move(o->dry_run ? "monitor: would move" : "monitor: move", &notes[i],
			       err ? strerror(err) : NULL);
	}
	if (n && !o->dry_run && load_note(notes, n) < 0)
		printf("monitor: the log of moves refused them: %s\n", strerror(errno));
}

/* Which kernels serve, looked at again every MON_SERVING_MS, and at once when a kernel owns
 * groups it was not known to serve (kernel 0's spread gives groups only to kernels that
 * listen: they must not look dead to the policy for a second). */
static void refresh_serving(uint64_t now, uint64_t *next)
{
	uint64_t owners = mon_owners(&in);
	if (now < *next && !(owners & ~in.serving & ~1ull))
		return;
	in.serving = mon_serving(in.nkernels);
	*next = now + MON_SERVING_MS;
}

/* A line whenever the kernels the monitor balances over change. */
static void say_eligible(uint64_t *said)
{
	char list[4 * MON_KERNELS];
	if (in.eligible == *said)
		return;
	*said = in.eligible;
	mon_kernel_list(in.eligible, list, sizeof(list));
	printf("monitor: balancing over kernels %s\n", *list ? list : "(none)");
}

static void run(const struct mon_opts *o)
{
	uint64_t serving_next = 0, said = 0, next = uptime_ms();
	for (;;) {
		next += o->period_ms;
		if (mon_gather(&in) == 0) {
			refresh_serving(uptime_ms(), &serving_next);
			mon_prepare(&in);
			say_eligible(&said);
			if (in.eligible)
				act(o);
		}
		uint64_t now = uptime_ms();
		if (next <= now)
			next = now;     /* a late period is not made up for */
		else
			sleep_ms(next - now);
	}
}

int main(int argc, char **argv)
{
	struct mon_opts o;
	struct sys_kernel_info ki;
	struct sys_steer_table t;
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return mon_show();
	if (parse(argc, argv, &o) < 0) {
		printf("usage: monitor [-p MS] [-o PM] [-m PM] [-n] | monitor show\n");
		return 2;
	}
	if (kernel_info(&ki) < 0 || steer_table(&t) < 0) {
		printf("monitor: no flow-group table here (%s): it is kernel 0's\n", strerror(errno));
		return 1;
	}
	in.nkernels = ki.ncores < MON_KERNELS ? ki.ncores : MON_KERNELS;
	if (policy_init(&o, in.nkernels) < 0) {
		printf("monitor: the policy refused %u kernels\n", in.nkernels);
		return 1;
	}
	printf("monitor: pid %d on kernel %u, every %u ms, overloaded %u.%u%% over the mean and "
	       "%u.%u%% loaded%s\n", getpid(), ki.core, o.period_ms, policy.p.over_pm / 10,
	       policy.p.over_pm % 10, policy.p.min_load_pm / 10, policy.p.min_load_pm % 10,
	       o.dry_run ? ", moving nothing (-n)" : "");
	run(&o);
	return 0;
}
