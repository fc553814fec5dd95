/* A parsed request becomes a response: a file under the document root, a generated page, or
 * an error. Heads are written straight into the connection's output buffer. */
#include "user/httpd/httpd.h"

/* One line per response, unless -q: peer, method, target, status, body length. */
static void log_response(struct conn *c, const struct http_request *r, bool valid, int status,
			 int64_t length)
{
	uint32_t ip = c->peer_ip;
	bool target = valid && r && r->target;

	if (c->srv->quiet)
		return;
	printf("httpd: %u.%u.%u.%u:%u %s %.*s %d %lld\n", ip >> 24, (ip >> 16) & 255,
	       (ip >> 8) & 255, ip & 255, c->peer_port, r ? http_method_name(r->method) : "-",
	       target ? (int)r->target_len : 1, target ? r->target : "-", status,
	       (long long)length);
}

/* Appends to a head being built; the head is short and HEAD_ROOM leaves it ample space. */
struct head {
	char *p;
	size_t room, len;
};

static void __attribute__((format(printf, 2, 3))) head_add(struct head *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(h->p + h->len, h->room - h->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		h->len += (size_t)n < h->room - h->len ? (size_t)n : h->room - h->len - 1;
}

void respond_head(struct conn *c, int status, const char *type, int64_t length, int64_t mtime,
		  const char *extra)
{
	struct head h = { c->out + c->out_len, conn_out_room(c, HEAD_ROOM), 0 };
	char date[HTTP_DATE_LEN + 1];

	/* Always our own version, HTTP/1.1 (RFC 9110 6.2). No Date: we have no clock that
	 * knows the time of day (RFC 9110 6.6.1). */
	head_add(&h, "HTTP/1.1 %d %s\r\nServer: Flotilla-httpd\r\n", status, http_reason(status));
	if (type)
		head_add(&h, "Content-Type: %s\r\n", type);
	if (length >= 0)
		head_add(&h, "Content-Length: %llu\r\n", (unsigned long long)length);
	if (mtime >= 0) {
		http_date_format(mtime, date);
		head_add(&h, "Last-Modified: %s\r\n", date);
	}
	if (extra)
		head_add(&h, "%s", extra);
	if (c->state != CONN_ACTIVE)
		head_add(&h, "Connection: close\r\n");
	else if (c->version == 10)
		head_add(&h, "Connection: keep-alive\r\n");
	head_add(&h, "\r\n");
	c->out_len += h.len;
	c->srv->stats.responses[status / 100 % 6]++;
}

/* A response whose body is a line of HTML saying what the status is. With close, the
 * connection ends after it and the rest of the input is dropped: the stream can no longer
 * be trusted to be where a request starts. */
static void respond_simple(struct conn *c, const struct http_request *r, bool valid, int status,
			   bool close, const char *extra)
{
	char body[160];
	int n = snprintf(body, sizeof(body), "<!DOCTYPE html>\n<title>%d %s</title>\n<h1>%d %s</h1>\n",
			 status, http_reason(status), status, http_reason(status));
	if (n >= (int)sizeof(body))
		n = (int)sizeof(body) - 1;      /* cannot happen with RFC 9110's reason phrases */
	if (close) {
		c->state = CONN_CLOSING;
		c->must_linger = true;
		c->in_off = c->in_len = 0;
		c->parse_due = false;
	}
	respond_head(c, status, "text/html; charset=utf-8", n, -1, extra);
	if (!r || r->method != HTTP_HEAD) {
		memcpy(c->out + c->out_len, body, (size_t)n);
		c->out_len += (size_t)n;
	}
	log_response(c, r, valid, status, n);
}

void respond_error(struct conn *c, int status, const struct http_request *r)
{
	respond_simple(c, r, false, status, true, NULL);
}

static void serve_file(struct conn *c, const struct http_request *r, const char *path)
{
	char full[ROOT_MAX + HTTP_PATH_MAX];
	struct port_stat st;

	struct file_body *body;

	snprintf(full, sizeof(full), "%s%s", c->srv->root, path);
	int fd = file_open(&c->srv->files, full, c->srv->now, &st, &body);
	if (fd < 0 && !body) {
		/* Out of descriptors is our problem, not a missing file. */
		respond_simple(c, r, true, errno == EMFILE ? 503 : 404, false, NULL);
		return;
	}
	if (!body && (port_fstat(fd, &st) != 0 || !st.regular)) {
		close(fd);
		respond_simple(c, r, true, 404, false, NULL);
		return;
	}
	/* RFC 9110 13.1.3: not modified if it changed at or before the date given. */
	bool not_modified = r->if_modified_since >= 0 && st.mtime <= r->if_modified_since;
	bool send_body = !not_modified && r->method != HTTP_HEAD && st.size > 0;
	if (not_modified) {
		respond_head(c, 304, NULL, -1, st.mtime, NULL);
		log_response(c, r, true, 304, -1);
	} else {
		respond_head(c, 200, http_mime_type(path), (int64_t)st.size, st.mtime, NULL);
		log_response(c, r, true, 200, (int64_t)st.size);
	}
	if (body && send_body)
		conn_body_cached(c, body);
	else if (body)
		file_body_put(body);
	else if (send_body)
		conn_body_file(c, fd, st.size);
	else
		close(fd);
}

void respond_request(struct conn *c, const struct http_request *r)
{
	char path[HTTP_PATH_MAX];

	if (!r->keep_alive)
		c->state = CONN_CLOSING;
	if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
		respond_simple(c, r, true, 405, r->has_body, "Allow: GET, HEAD\r\n");
		return;
	}
	if (r->has_body) {
		respond_simple(c, r, true, 413, true, NULL);
		return;
	}
	if (http_target_path(r->target, r->target_len, path, sizeof(path)) != 0) {
		respond_simple(c, r, true, 400, true, NULL);
		return;
	}
	if (status_serve(c, path, r))
		return;
	serve_file(c, r, path);
}

/* For status.c: a generated body, already in memory. */
void respond_generated(struct conn *c, const struct http_request *r, const char *type,
		       const char *data, size_t len, char *owned)
{
	respond_head(c, 200, type, (int64_t)len, -1, "Cache-Control: no-store\r\n");
	log_response(c, r, true, 200, (int64_t)len);
	if (r->method == HTTP_HEAD) {
		free(owned);
		return;
	}
	conn_body_mem(c, data, len, owned);
}
