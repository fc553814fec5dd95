/* /status, httpd's and the system's counters as JSON, and /status.html, the page that shows
 * them live (status_page.c). Both are generated, not files. */
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
	port_status_balance(&b);
	strbuf_printf(&b, "}\n");
	if (b.failed) {
		free(b.data);
		respond_error(c, 503, r);
		return;
	}
	respond_generated(c, r, "application/json", b.data, b.len, b.data);
}

bool status_serve(struct conn *c, const char *path, const struct http_request *r)
{
	if (strcmp(path, "/status") == 0)
		serve_json(c, r);
	else if (strcmp(path, "/status.html") == 0)
		respond_generated(c, r, "text/html; charset=utf-8", status_html, status_html_len,
				  NULL);
	else
		return false;
	return true;
}
