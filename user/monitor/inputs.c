/* The monitor's inputs: every kernel's load report and the flow-group table, turned into the
 * policy's per-kernel reports and per-group loads (monitor.h). */
#include "user/monitor/monitor.h"

static struct sys_listener ls[1024];

/* Bit k: kernel k listens on port (one record of SYS_LISTENERS says so). */
static uint64_t listening_on(const struct sys_listener *l, int n, uint16_t port)
{
	uint64_t set = 0;
	for (int i = 0; i < n; i++)
		if (l[i].port == port && l[i].core < MON_KERNELS)
			set |= 1ull << l[i].core;
	return set;
}

uint64_t mon_serving(unsigned nkernels)
{
	uint64_t all = nkernels >= 64 ? ~0ull : (1ull << nkernels) - 1, serving = all;
	bool any = false;
	int n = listeners(ls, sizeof(ls) / sizeof(ls[0]));
	for (int i = 0; i < n; i++)
		if (ls[i].core == 0) {
			serving &= listening_on(ls, n, ls[i].port);
			any = true;
		}
	return n > 0 && any ? serving : 0;
}

uint32_t mon_load_pm(const struct lb_params *p, const struct sys_load *l)
{
	uint64_t queue = (uint64_t)l->accept_queue * p->queue_pm;
	return l->busy_pm + (uint32_t)(queue < LB_QUEUE_CAP_PM ? queue : LB_QUEUE_CAP_PM);
}

uint32_t mon_mean_pm(const struct lb_params *p, const struct mon_inputs *in)
{
	uint64_t sum = 0, n = 0;
	for (unsigned k = 0; k < in->nkernels; k++)
		if (in->rep[k].alive && in->rep[k].age_ms <= p->stale_ms) {
			sum += mon_load_pm(p, &in->load[k]);
			n++;
		}
	return n ? (uint32_t)(sum / n) : 0;
}

/* A kernel the policy may act on: eligible, and its report in hand. A report that did not
 * come in time has no age, so the policy leaves the kernel as it is. */
static void kernel_report(struct mon_inputs *in, unsigned k)
{
	const struct sys_load *l = &in->load[k];
	struct lb_kernel_report *r = &in->rep[k];
	r->alive = in->eligible >> k & 1;
	r->age_ms = l->reported ? l->age_ms : LB_AGE_NONE;
	r->busy_pm = l->busy_pm;
	r->accept_queue = l->accept_queue;
}

/* A group's connections, whichever kernel counted them (a moved group's old owner still
 * holds its live ones while it drains). */
static void group_loads(struct mon_inputs *in)
{
	for (unsigned b = 0; b < MON_GROUPS; b++) {
		struct lb_group_load *g = &in->grp[b];
		g->new_conns = g->live = 0;
		for (unsigned k = 0; k < in->nkernels; k++)
			if (in->load[k].reported) {
				g->new_conns += in->load[k].new_by_bucket[b];
				g->live += in->load[k].live_by_bucket[b];
			}
		g->moving = in->table.moving[b] != 0;
		in->owner[b] = in->table.kernel_of[b];
	}
}

int mon_gather(struct mon_inputs *in)
{
	if (load_reports(in->load, MON_KERNELS) < 0 || steer_table(&in->table) < 0)
		return -1;
	return 0;
}

uint64_t mon_owners(const struct mon_inputs *in)
{
	uint64_t set = 0;
	for (unsigned b = 0; b < MON_GROUPS; b++)
		if (in->table.kernel_of[b] < 64)
			set |= 1ull << in->table.kernel_of[b];
	return set;
}

void mon_prepare(struct mon_inputs *in)
{
	in->eligible = 0;
	for (unsigned k = 0; k < in->nkernels && k < 64; k++)
		if (in->load[k].alive && (in->table.can_own >> k & 1) && (in->serving >> k & 1))
			in->eligible |= 1ull << k;
	for (unsigned k = 0; k < in->nkernels; k++)
		kernel_report(in, k);
	group_loads(in);
}
