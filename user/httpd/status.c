/* /status, httpd's and the system's counters as JSON, and /status.html, a page that shows
 * them live. Both are generated here, not files. */
#include "user/httpd/httpd.h"

#define STRBUF_MIN 4096

/* There is no realloc in Flotilla's libc: grow by copying. */
static bool strbuf_grow(struct strbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : STRBUF_MIN;
	while (cap < need)
		cap *= 2;
	char *p = malloc(cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	if (b->len)
		memcpy(p, b->data, b->len);
	free(b->data);
	b->data = p;
	b->cap = cap;
	return true;
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (int attempt = 0; attempt < 2 && !b->failed; attempt++) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		strbuf_grow(b, b->len + (size_t)n + 1);
	}
}

void json_member(struct strbuf *b, const char *name)
{
	bool first = b->len == 0 || b->data[b->len - 1] == '{';
	strbuf_printf(b, "%s\"%s\":", first ? "" : ",", name);
}

void json_u64(struct strbuf *b, const char *name, uint64_t v)
{
	json_member(b, name);
	strbuf_printf(b, "%llu", (unsigned long long)v);
}

/* Values here are our own words and numbers: nothing needs escaping but quotes and
 * backslashes, which are refused rather than escaped. */
void json_str(struct strbuf *b, const char *name, const char *v)
{
	json_member(b, name);
	strbuf_printf(b, "\"%s\"", strchr(v, '"') || strchr(v, '\\') ? "?" : v);
}

static void status_httpd(struct strbuf *b, const struct server *s)
{
	const struct httpd_stats *st = &s->stats;
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

	json_member(b, "httpd");
	strbuf_printf(b, "{");
	json_u64(b, "uptime_ms", s->now - s->started);
	json_u64(b, "port", s->port);
	json_u64(b, "requests", st->requests);
	json_member(b, "responses");
	strbuf_printf(b, "{");
	for (int k = 0; k < 5; k++)
		json_u64(b, classes[k], st->responses[k + 1]);
	strbuf_printf(b, "}");
	json_u64(b, "connections_open", st->open);
	json_u64(b, "connections_accepted", st->accepted);
	json_u64(b, "connections_max", s->conns_max);
	json_u64(b, "bytes_sent", st->bytes_sent);
	strbuf_printf(b, "}");
}

static void serve_json(struct conn *c, const struct http_request *r)
{
	struct strbuf b = { 0 };

	strbuf_printf(&b, "{");
	status_httpd(&b, c->srv);
	port_status_system(&b);
	strbuf_printf(&b, "}\n");
	if (b.failed) {
		free(b.data);
		respond_error(c, 503, r);
		return;
	}
	respond_generated(c, r, "application/json", b.data, b.len, b.data);
}

/* Fetches /status every second and shows "kernels" as one table, a row per kernel and a
 * row of "totals" under them, then each other JSON object as a table of its members;
 * nested objects get their own table, named by their path ("net.tcp"). */
static const char status_html[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>Flotilla httpd: status</title>\n"
	"<link rel=\"stylesheet\" href=\"/style.css\">\n"
	"<style>\n"
	"#tables { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }\n"
	"td.v { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"tr.total td { font-weight: bold; border-top: 1px solid; }\n"
	"</style>\n</head>\n<body>\n<main>\n"
	"<h1>Status</h1>\n"
	"<p id=\"state\">Loading <a href=\"/status\">/status</a>&hellip;</p>\n"
	"<div id=\"tables\"></div>\n"
	"<p><a href=\"/\">Home</a></p>\n"
	"</main>\n<script>\n"
	"'use strict';\n"
	"function isObj(v) { return v !== null && typeof v === 'object'; }\n"
	"function table(title, obj, out) {\n"
	"  const t = document.createElement('table');\n"
	"  const cap = t.createCaption(); cap.textContent = title || 'summary';\n"
	"  for (const [k, v] of Object.entries(obj)) {\n"
	"    if (isObj(v)) continue;\n"
	"    const row = t.insertRow();\n"
	"    row.insertCell().textContent = k;\n"
	"    const cell = row.insertCell(); cell.className = 'v';\n"
	"    cell.textContent = v === null ? '-' : String(v);\n"
	"  }\n"
	"  if (t.rows.length) out.push(t);\n"
	"  for (const [k, v] of Object.entries(obj))\n"
	"    if (isObj(v)) table(title ? title + '.' + k : k, v, out);\n"
	"}\n"
	"function cell(row, v, cls) {\n"
	"  const c = row.insertCell(); c.className = cls;\n"
	"  c.textContent = v === undefined ? '' : String(v);\n"
	"}\n"
	"function kernelTable(rows, totals) {\n"
	"  const t = document.createElement('table');\n"
	"  t.createCaption().textContent = 'kernels';\n"
	"  const cols = Object.keys(rows[0]).filter(k => !isObj(rows[0][k]));\n"
	"  const head = t.createTHead().insertRow();\n"
	"  for (const c of cols) {\n"
	"    const th = document.createElement('th'); th.textContent = c; head.appendChild(th);\n"
	"  }\n"
	"  for (const r of rows) {\n"
	"    const row = t.insertRow();\n"
	"    for (const c of cols) cell(row, r[c], 'v');\n"
	"  }\n"
	"  const row = t.insertRow(); row.className = 'total';\n"
	"  for (const c of cols) cell(row, c === 'kernel' ? 'all' : totals[c], 'v');\n"
	"  return t;\n"
	"}\n"
	"async function tick() {\n"
	"  const state = document.getElementById('state');\n"
	"  try {\n"
	"    const r = await fetch('/status', { cache: 'no-store' });\n"
	"    const s = await r.json();\n"
	"    const out = [];\n"
	"    if (Array.isArray(s.kernels) && s.kernels.length) {\n"
	"      out.push(kernelTable(s.kernels, s.totals || {}));\n"
	"      delete s.kernels; delete s.totals;\n"
	"    }\n"
	"    table('', s, out);\n"
	"    document.getElementById('tables').replaceChildren(...out);\n"
	"    state.textContent = 'Updated every second from /status.';\n"
	"  } catch (e) {\n"
	"    state.textContent = 'Cannot reach /status: ' + e;\n"
	"  }\n"
	"}\n"
	"tick();\n"
	"setInterval(tick, 1000);\n"
	"</script>\n</body>\n</html>\n";

bool status_serve(struct conn *c, const char *path, const struct http_request *r)
{
	if (strcmp(path, "/status") == 0)
		serve_json(c, r);
	else if (strcmp(path, "/status.html") == 0)
		respond_generated(c, r, "text/html; charset=utf-8", status_html,
				  sizeof(status_html) - 1, NULL);
	else
		return false;
	return true;
}
