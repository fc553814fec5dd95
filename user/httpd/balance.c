/* The load balancer's part of /status: every kernel's latest load report ("load") and the
 * monitor's last moves with their reasons ("moves"), from SYS_LOAD (kernel/netload.h). On
 * Linux there is no balancer: both are empty. */
#include "user/httpd/httpd.h"

#ifdef __flotilla__

#include "net/balance.h"

static void json_bool(struct strbuf *b, const char *name, bool v)
{
	json_member(b, name);
	strbuf_printf(b, "%s", v ? "true" : "false");
}

static void load_row(struct strbuf *b, const struct sys_load *l)
{
	json_u64(b, "kernel", l->core);
	json_bool(b, "alive", l->alive);
	json_bool(b, "reported", l->reported);
	if (!l->reported)
		return;
	json_u64(b, "age_ms", l->age_ms);
	json_u64(b, "period_ms", l->period_ms);
	json_u64(b, "busy_pm", l->busy_pm);
	json_u64(b, "accept_queue", l->accept_queue);
	json_u64(b, "new_conns", l->new_conns);
	json_u64(b, "live_conns", l->live_conns);
	json_u64(b, "opened", l->opened);
}

static void status_load(struct strbuf *b, unsigned ncores)
{
	struct sys_load *all = calloc(ncores ? ncores : 1, sizeof(*all));
	int n = all ? load_reports(all, ncores) : -1;
	json_member(b, "load");
	strbuf_printf(b, "[");
	for (int k = 0; k < n; k++) {
		strbuf_printf(b, k ? ",{" : "{");
		load_row(b, &all[k]);
		strbuf_printf(b, "}");
	}
	strbuf_printf(b, "]");
	if (n < 0)
		json_str(b, "load_error", all ? strerror(errno) : "no memory");
	free(all);
}

static void move_row(struct strbuf *b, const struct sys_load_move *m)
{
	json_u64(b, "seq", m->seq);
	json_u64(b, "time_ms", m->time_ms);
	json_u64(b, "bucket", m->bucket);
	json_u64(b, "from", m->from);
	json_u64(b, "to", m->to);
	json_str(b, "reason", lb_reason_name(m->reason));
	json_bool(b, "refused", m->refused);
	json_u64(b, "from_load_pm", m->from_load_pm);
	json_u64(b, "to_load_pm", m->to_load_pm);
	json_u64(b, "mean_load_pm", m->mean_load_pm);
	json_u64(b, "new_conns", m->new_conns);
	json_u64(b, "live", m->live);
}

static void status_moves(struct strbuf *b)
{
	static struct sys_load_move m[SYS_LOAD_LOG];
	int n = load_moves(m, SYS_LOAD_LOG);
	json_member(b, "moves");
	strbuf_printf(b, "[");
	for (int i = 0; i < n; i++) {
		strbuf_printf(b, i ? ",{" : "{");
		move_row(b, &m[i]);
		strbuf_printf(b, "}");
	}
	strbuf_printf(b, "]");
	if (n < 0)
		json_str(b, "moves_error", strerror(errno));
}

void port_status_balance(struct strbuf *b)
{
	struct sys_kernel_info ki;
	if (kernel_info(&ki) != 0)
		return;
	status_load(b, ki.ncores);
	status_moves(b);
}

#else /* Linux */

void port_status_balance(struct strbuf *b)
{
	json_member(b, "load");
	strbuf_printf(b, "[]");
	json_member(b, "moves");
	strbuf_printf(b, "[]");
}

#endif
