/* HTTP/1.1 messages without I/O: request heads (RFC 9112), request targets to file paths,
 * HTTP-dates (RFC 9110 5.6.7) and media types. Pure code, shared by httpd on Flotilla and on
 * Linux and by the host tests. */
#ifndef USER_HTTPD_HTTP_H
#define USER_HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_TARGET_MAX 2048    /* a longer request target gets 414 */
#define HTTP_HEAD_MAX   8192    /* a longer header section (request line included) gets 431 */
#define HTTP_FIELDS_MAX 64      /* more header field lines get 431 */
#define HTTP_METHOD_MAX 32      /* a longer method token is no method we could know: 501 */
#define HTTP_PATH_MAX   (HTTP_TARGET_MAX + sizeof("index.html"))
#define HTTP_DATE_LEN   29      /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* RFC 9110 9.3's methods, and the rest. */
enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_CONNECT,
	HTTP_OPTIONS,
	HTTP_TRACE,
	HTTP_METHOD_UNKNOWN,
};

/* One parsed request head. Pointers point into the buffer that was parsed. */
struct http_request {
	enum http_method method;
	unsigned version;               /* 10 or 11: HTTP/1.x with x > 1 counts as 1.1 */
	const char *target;             /* the request-target as sent: not decoded, no NUL */
	size_t target_len;
	bool has_host;
	bool keep_alive;                /* version and Connection say the connection stays open */
	bool has_body;                  /* Content-Length > 0, or Transfer-Encoding */
	int64_t if_modified_since;      /* seconds since 1970, or -1: absent or not a date */
};

/* Parses the request head at the start of buf (len bytes, no NUL needed). Returns the head's
 * length when it is complete and valid (*req filled in), 0 when more bytes are needed, or a
 * negative status: -400 (malformed, or HTTP/1.1 without exactly one valid Host), -414
 * (target over HTTP_TARGET_MAX), -431 (head over HTTP_HEAD_MAX or over HTTP_FIELDS_MAX
 * lines), -501 (a method RFC 9110 does not define), -505 (not HTTP/1). Errors in the request
 * line are reported as soon as it is seen, before the rest of the head arrives. On an error,
 * req->method is set if the request line got that far (HTTP_METHOD_UNKNOWN otherwise). */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The file path a request-target names: origin-form ("/a/b?q") or absolute-form
 * ("http://host/a/b"), percent-decoded, with empty and "." segments dropped; a path ending in
 * "/" gets "index.html". Writes a NUL-terminated path starting with "/" to out (size bytes;
 * HTTP_PATH_MAX is always enough). Returns 0, or -400 for a target that is malformed, has
 * a bad %-escape, decodes to a NUL or control byte, or has a ".." segment (after decoding). */
int http_target_path(const char *target, size_t len, char *out, size_t size);

/* The Content-Type for a path, by its extension (case-insensitive); application/octet-stream
 * for anything unknown. */
const char *http_mime_type(const char *path);

/* "GET", "HEAD", ...; "-" for HTTP_METHOD_UNKNOWN. */
const char *http_method_name(enum http_method m);

/* Reason phrase for a status code (RFC 9110 15). */
const char *http_reason(int status);

/* Writes t (seconds since 1970, UTC) as an IMF-fixdate and a NUL: HTTP_DATE_LEN + 1 bytes. */
void http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1]);

/* Parses an HTTP-date in any of RFC 9110 5.6.7's three formats (IMF-fixdate, RFC 850,
 * asctime). Returns seconds since 1970, or -1 for anything else. */
int64_t http_date_parse(const char *s, size_t len);

/* Days from 1970-01-01 to the given proleptic Gregorian date, and back. */
int64_t http_days_from_civil(int64_t y, unsigned m, unsigned d);
void http_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Case-insensitive (ASCII) comparison of a[0..n) with the NUL-terminated b. */
bool http_token_eq(const char *a, size_t n, const char *b);

#endif
