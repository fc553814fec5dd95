/* HTTP/1.1 request heads (RFC 9112 2-5 and 9110 5-8), request targets and media types. */
#include "user/httpd/http.h"
#include "user/httpd/port.h"

static const char *const method_names[] = {
	[HTTP_GET] = "GET",
	[HTTP_HEAD] = "HEAD",
	[HTTP_POST] = "POST",
	[HTTP_PUT] = "PUT",
	[HTTP_DELETE] = "DELETE",
	[HTTP_CONNECT] = "CONNECT",
	[HTTP_OPTIONS] = "OPTIONS",
	[HTTP_TRACE] = "TRACE",
};

/* What the fields of one head said, before they are checked against each other. */
struct fields_seen {
	unsigned hosts;
	bool close, keep_alive, chunked_or_other_te, has_length;
	uint64_t length;
};

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }
static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* RFC 9110 5.6.2: tchar. */
static bool is_tchar(char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool all_tchar(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_tchar(s[i]))
			return false;
	return n > 0;
}

/* VCHAR: a request-target has nothing else (non-ASCII bytes must be %-escaped). */
static bool all_vchar(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] == 0x7F)
			return false;
	return true;
}

/* RFC 9110 5.5: field-value bytes are VCHAR, SP, HTAB and obs-text; CR, LF and NUL never. */
static bool all_field_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return false;
	}
	return true;
}

static const char *find_char(const char *s, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == c)
			return s + i;
	return NULL;
}

bool http_token_eq(const char *a, size_t n, const char *b)
{
	size_t i = 0;
	for (; i < n && b[i]; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return i == n && b[i] == 0;
}

static enum http_method method_of(const char *s, size_t n)
{
	for (unsigned m = 0; m < HTTP_METHOD_UNKNOWN; m++)
		if (strlen(method_names[m]) == n && memcmp(method_names[m], s, n) == 0)
			return (enum http_method)m;
	return HTTP_METHOD_UNKNOWN;     /* methods are case-sensitive (RFC 9110 9.1) */
}

const char *http_method_name(enum http_method m)
{
	return m < HTTP_METHOD_UNKNOWN ? method_names[m] : "-";
}

/* RFC 9112 2.3: "HTTP/" DIGIT "." DIGIT. A later 1.x is answered as 1.1 (RFC 9110 6.2);
 * any other major version is one we do not speak. */
static int parse_version(const char *s, size_t n, unsigned *version)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || !is_digit(s[5]) || s[6] != '.' ||
	    !is_digit(s[7]))
		return -400;
	if (s[5] != '1')
		return -505;
	*version = s[7] == '0' ? 10 : 11;
	return 0;
}

/* RFC 9112 3: method SP request-target SP HTTP-version, one space each. */
static int parse_request_line(const char *s, size_t n, struct http_request *r)
{
	const char *sp1 = find_char(s, n, ' ');
	if (!sp1 || !all_tchar(s, (size_t)(sp1 - s)))
		return -400;
	r->method = method_of(s, (size_t)(sp1 - s));
	const char *t = sp1 + 1;
	const char *sp2 = find_char(t, (size_t)(s + n - t), ' ');
	if (!sp2)
		return -400;    /* HTTP/0.9's "GET /" included */
	r->target = t;
	r->target_len = (size_t)(sp2 - t);
	int err = parse_version(sp2 + 1, (size_t)(s + n - sp2 - 1), &r->version);
	if (err)
		return err;
	if (r->target_len > HTTP_TARGET_MAX)
		return -414;
	if (r->target_len == 0 || !all_vchar(t, r->target_len))
		return -400;
	return r->method == HTTP_METHOD_UNKNOWN ? -501 : 0;
}

/* A request line without its end yet: fail early if it can only be too long. */
static int check_partial_line(const char *s, size_t n)
{
	const char *sp1 = find_char(s, n, ' ');
	size_t mlen = sp1 ? (size_t)(sp1 - s) : n;
	if (mlen && !all_tchar(s, mlen))
		return -400;
	if (mlen > HTTP_METHOD_MAX)
		return -501;
	if (!sp1)
		return 0;
	const char *t = sp1 + 1;
	const char *sp2 = find_char(t, (size_t)(s + n - t), ' ');
	if ((size_t)((sp2 ? sp2 : s + n) - t) > HTTP_TARGET_MAX)
		return -414;
	if (sp2 && (size_t)(s + n - sp2) > sizeof("HTTP/1.1\r"))
		return -400;
	return 0;
}

/* RFC 9110 7.2: Host = uri-host [ ":" port ], so reg-name, IP literal or IPv4 characters. */
static bool valid_host(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("-._~!$&'()*+,;=:[]%", s[i]))
			return false;
	return true;
}

/* Calls fn on each non-empty element of a comma-separated list (RFC 9110 5.6.1). */
static int each_element(const char *s, size_t n, struct fields_seen *seen,
			int (*fn)(const char *e, size_t len, struct fields_seen *seen))
{
	size_t i = 0;
	while (i < n) {
		size_t start = i, end;
		while (i < n && s[i] != ',')
			i++;
		end = i++;
		while (start < end && is_ows(s[start]))
			start++;
		while (end > start && is_ows(s[end - 1]))
			end--;
		if (end > start) {
			int err = fn(s + start, end - start, seen);
			if (err)
				return err;
		}
	}
	return 0;
}

static int connection_option(const char *e, size_t n, struct fields_seen *seen)
{
	if (http_token_eq(e, n, "close"))
		seen->close = true;
	else if (http_token_eq(e, n, "keep-alive"))
		seen->keep_alive = true;
	return 0;
}

/* RFC 9110 8.6: 1*DIGIT; a list of one value repeated is the same as the value. */
static int length_value(const char *e, size_t n, struct fields_seen *seen)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(e[i]) || v > (UINT64_MAX - 9) / 10)
			return -400;
		v = v * 10 + (uint64_t)(e[i] - '0');
	}
	if (seen->has_length && seen->length != v)
		return -400;
	seen->has_length = true;
	seen->length = v;
	return 0;
}

/* One field line (RFC 9112 5): name ":" OWS value OWS. */
static int parse_field(const char *s, size_t n, struct http_request *r, struct fields_seen *seen)
{
	const char *colon = find_char(s, n, ':');
	/* A space before the colon, or a line folded onto the previous one (RFC 9112 5.1, 5.2),
	 * leaves the name with a byte that is no tchar. */
	if (!colon || !all_tchar(s, (size_t)(colon - s)))
		return -400;
	size_t nlen = (size_t)(colon - s);
	const char *v = colon + 1, *end = s + n;
	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	size_t vlen = (size_t)(end - v);
	if (!all_field_chars(v, vlen))
		return -400;
	if (http_token_eq(s, nlen, "host")) {
		seen->hosts++;
		return valid_host(v, vlen) ? 0 : -400;
	}
	if (http_token_eq(s, nlen, "connection"))
		return each_element(v, vlen, seen, connection_option);
	if (http_token_eq(s, nlen, "content-length"))
		return vlen ? each_element(v, vlen, seen, length_value) : -400;
	if (http_token_eq(s, nlen, "transfer-encoding"))
		seen->chunked_or_other_te = true;
	else if (http_token_eq(s, nlen, "if-modified-since"))
		r->if_modified_since = http_date_parse(v, vlen);
	return 0;
}

/* What the fields together mean (RFC 9112 3.2 for Host, 9.3 for persistence). */
static int finish_request(struct http_request *r, const struct fields_seen *seen)
{
	if (seen->hosts > 1 || (r->version == 11 && seen->hosts == 0))
		return -400;
	r->has_host = seen->hosts == 1;
	r->has_body = seen->chunked_or_other_te || (seen->has_length && seen->length > 0);
	if (r->version == 11)
		r->keep_alive = !seen->close;
	else
		r->keep_alive = seen->keep_alive && !seen->close;
	return 0;
}

/* RFC 9112 2.2: empty lines before the request line are ignored. */
static size_t skip_empty_lines(const char *buf, size_t len)
{
	size_t i = 0;
	for (;;) {
		if (i < len && buf[i] == '\n')
			i++;
		else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

/* The next line at p: its length without CR LF (or a bare LF, RFC 9112 2.2), and where the
 * line after it starts; NULL if its end has not arrived. */
static const char *next_line(const char *p, const char *end, size_t *n)
{
	const char *lf = find_char(p, (size_t)(end - p), '\n');
	if (!lf)
		return NULL;
	*n = (size_t)(lf - p);
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	return lf + 1;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	struct fields_seen seen = { 0 };
	const char *end = buf + len, *p, *next;
	size_t n;
	unsigned nfields = 0;
	int err;

	*req = (struct http_request){ .method = HTTP_METHOD_UNKNOWN, .if_modified_since = -1 };
	p = buf + skip_empty_lines(buf, len);
	next = next_line(p, end, &n);
	if (!next) {
		size_t partial = (size_t)(end - p);
		if (partial && p[partial - 1] == '\r')
			partial--;      /* the start of its CR LF */
		err = check_partial_line(p, partial);
		return err ? err : len >= HTTP_HEAD_MAX ? -431 : 0;
	}
	if ((err = parse_request_line(p, n, req)) != 0)
		return err;
	for (p = next;; p = next) {
		next = next_line(p, end, &n);
		if (!next)
			return len >= HTTP_HEAD_MAX ? -431 : 0;
		if ((size_t)(next - buf) > HTTP_HEAD_MAX)
			return -431;
		if (n == 0)
			break;
		if (++nfields > HTTP_FIELDS_MAX)
			return -431;
		if ((err = parse_field(p, n, req, &seen)) != 0)
			return err;
	}
	err = finish_request(req, &seen);
	return err ? err : (int)(next - buf);
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s (RFC 3986 2.1) into out, refusing NUL and control bytes. Returns the
 * decoded length or -400. */
static long percent_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
			if (lo < 0)
				return -400;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7F || o + 1 >= size)
			return -400;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return (long)o;
}

/* Drops scheme and authority from an absolute-form target (RFC 9112 3.2.2). */
static void strip_authority(const char **t, size_t *n)
{
	size_t skip = 0;
	if (*n >= 7 && http_token_eq(*t, 7, "http://"))
		skip = 7;
	else if (*n >= 8 && http_token_eq(*t, 8, "https://"))
		skip = 8;
	if (!skip)
		return;
	const char *slash = find_char(*t + skip, *n - skip, '/');
	if (slash) {
		*n -= (size_t)(slash - *t);
		*t = slash;
	} else {
		*t = "/";
		*n = 1;
	}
}

int http_target_path(const char *target, size_t len, char *out, size_t size)
{
	char raw[HTTP_PATH_MAX];
	size_t o = 0;
	bool dir = true;

	strip_authority(&target, &len);
	if (len == 0 || target[0] != '/')
		return -400;
	for (size_t i = 0; i < len; i++)
		if (target[i] == '?' || target[i] == '#')
			len = i;
	long rlen = percent_decode(target, len, raw, sizeof(raw));
	if (rlen < 0)
		return -400;
	/* Rebuild the path a segment at a time: "" and "." vanish, ".." is refused. */
	for (size_t i = 0; i < (size_t)rlen;) {
		size_t start = i;
		while (i < (size_t)rlen && raw[i] != '/')
			i++;
		size_t seg = i - start;
		dir = true;
		if (i < (size_t)rlen)
			i++;
		if (seg == 0 || (seg == 1 && raw[start] == '.'))
			continue;
		if (seg == 2 && raw[start] == '.' && raw[start + 1] == '.')
			return -400;
		if (o + 1 + seg + 1 > size)
			return -400;
		out[o++] = '/';
		memcpy(out + o, raw + start, seg);
		o += seg;
		dir = i == (size_t)rlen && raw[rlen - 1] == '/';
	}
	if (dir) {
		if (o + sizeof("/index.html") > size)
			return -400;
		memcpy(out + o, "/index.html", sizeof("/index.html"));
	} else {
		out[o] = 0;
	}
	return 0;
}

static const struct {
	const char *ext, *type;
} mime_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },     /* RFC 9239 */
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "svg", "image/svg+xml" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "bin", "application/octet-stream" },
};

const char *http_mime_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (dot) {
		for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
			if (http_token_eq(dot + 1, strlen(dot + 1), mime_types[i].ext))
				return mime_types[i].type;
	}
	return "application/octet-stream";
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
