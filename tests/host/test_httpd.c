/* httpd's pure HTTP code (user/httpd/http.c, httpdate.c): request heads as a client sends
 * them, byte by byte and all at once, target paths, media types and HTTP-dates. */
#include <string.h>
#include "tests/host/test.h"
#include "user/httpd/http.h"

static int parse(const char *s, struct http_request *r)
{
	return http_parse_request(s, strlen(s), r);
}

TEST(httpd, get_with_host_is_complete_and_persistent)
{
	const char *s = "GET /index.html HTTP/1.1\r\nHost: flotilla\r\n\r\nGET /next";
	struct http_request r;
	EXPECT_EQ_U64(parse(s, &r), strstr(s, "GET /next") - s);
	EXPECT_EQ_U64(r.method, HTTP_GET);
	EXPECT_EQ_U64(r.version, 11);
	EXPECT_EQ_U64(r.target_len, strlen("/index.html"));
	EXPECT(memcmp(r.target, "/index.html", r.target_len) == 0);
	EXPECT(r.has_host && r.keep_alive && !r.has_body);
	EXPECT(r.if_modified_since == -1);
}

TEST(httpd, every_prefix_of_a_request_needs_more)
{
	const char *s = "\r\nHEAD /a?b=c HTTP/1.1\r\nHost: h:80\r\nConnection: close\r\n"
			"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
	struct http_request r;
	for (size_t n = 0; n < strlen(s); n++)
		if (http_parse_request(s, n, &r) != 0)
			test_fail(__FILE__, __LINE__, "prefix of %zu bytes: %d", n,
				  http_parse_request(s, n, &r));
	EXPECT_EQ_U64(parse(s, &r), strlen(s));
	EXPECT_EQ_U64(r.method, HTTP_HEAD);
	EXPECT(!r.keep_alive);
	EXPECT(r.if_modified_since == 784111777);
}

TEST(httpd, bare_lf_ends_lines_rfc9112_2_2)
{
	struct http_request r;
	EXPECT_EQ_U64(parse("GET / HTTP/1.1\nHost: h\n\n", &r), 24);
}

TEST(httpd, http10_closes_unless_keep_alive)
{
	struct http_request r;
	EXPECT(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0 && !r.keep_alive && !r.has_host);
	EXPECT(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0 && r.keep_alive);
	EXPECT(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &r) > 0 &&
	       !r.keep_alive);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo,  CLOSE\r\n\r\n", &r) > 0 &&
	       !r.keep_alive);
}

TEST(httpd, host_required_once_in_http11_rfc9112_3_2)
{
	struct http_request r;
	EXPECT(parse("GET / HTTP/1.1\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", &r) > 0);    /* empty is allowed */
	EXPECT(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", &r) > 0);
}

TEST(httpd, request_line_syntax)
{
	struct http_request r;
	EXPECT(parse("GET /\r\n\r\n", &r) == -400);                         /* HTTP/0.9 */
	EXPECT(parse("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / http/1.1\r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.10\r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -400);
}

TEST(httpd, versions_rfc9110_6_2)
{
	struct http_request r;
	EXPECT(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n", &r) == -505);
	EXPECT(parse("GET / HTTP/0.9\r\nHost: h\r\n\r\n", &r) == -505);
	EXPECT(parse("GET / HTTP/1.7\r\nHost: h\r\n\r\n", &r) > 0 && r.version == 11);
	/* Refused as soon as the request line is whole. */
	EXPECT(parse("GET / HTTP/3.0\r\n", &r) == -505);
}

TEST(httpd, methods_known_unknown_and_case_rfc9110_9_1)
{
	struct http_request r;
	EXPECT(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 && r.method == HTTP_POST);
	EXPECT(parse("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", &r) > 0 && r.method == HTTP_DELETE);
	EXPECT(parse("BREW / HTTP/1.1\r\n", &r) == -501);
	EXPECT(parse("PATCH / HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -501);
	EXPECT(parse("get / HTTP/1.1\r\nHost: h\r\n\r\n", &r) == -501);
	EXPECT(parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r) == -501);
}

TEST(httpd, long_target_414_before_the_line_ends)
{
	char buf[HTTP_TARGET_MAX + 64];
	struct http_request r;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET /", 5);
	EXPECT(http_parse_request(buf, sizeof(buf), &r) == -414);
	EXPECT(http_parse_request(buf, HTTP_TARGET_MAX, &r) == 0);
}

TEST(httpd, header_section_limits_431)
{
	static char buf[HTTP_HEAD_MAX + 100];
	struct http_request r;
	size_t n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(buf + n, 'x', sizeof(buf) - n);
	EXPECT(http_parse_request(buf, sizeof(buf), &r) == -431);
	EXPECT(http_parse_request(buf, HTTP_HEAD_MAX - 1, &r) == 0);
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < HTTP_FIELDS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: v\r\n", i);
	EXPECT(http_parse_request(buf, n, &r) == -431);
}

TEST(httpd, field_syntax_rfc9112_5)
{
	struct http_request r;
	EXPECT(parse("GET / HTTP/1.1\r\nHost : h\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\t \r\n\r\n", &r) > 0);
	EXPECT(parse("GET / HTTP/1.1\r\nhOsT:h\r\n\r\n", &r) > 0);
}

TEST(httpd, bodies_by_length_and_transfer_encoding_rfc9112_6)
{
	struct http_request r;
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &r) > 0 &&
	       !r.has_body);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", &r) > 0 && r.has_body);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", &r) > 0);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		     &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
		     &r) == -400);
	EXPECT(parse("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", &r) > 0 &&
	       r.has_body);
}

static const char *path_of(const char *target, char *out)
{
	return http_target_path(target, strlen(target), out, HTTP_PATH_MAX) == 0 ? out : "(error)";
}

TEST(httpd, target_paths_normalised)
{
	char p[HTTP_PATH_MAX];
	EXPECT_EQ_STR(path_of("/", p), "/index.html");
	EXPECT_EQ_STR(path_of("/?q=1", p), "/index.html");
	EXPECT_EQ_STR(path_of("/a/b/", p), "/a/b/index.html");
	EXPECT_EQ_STR(path_of("/a/./b", p), "/a/b");
	EXPECT_EQ_STR(path_of("//a//b", p), "/a/b");
	EXPECT_EQ_STR(path_of("/a/.", p), "/a/index.html");
	EXPECT_EQ_STR(path_of("/a%2fb%20c", p), "/a/b c");
	EXPECT_EQ_STR(path_of("/%7Euser/x.html#frag", p), "/~user/x.html");
	EXPECT_EQ_STR(path_of("http://host:8080/x.css?v=2", p), "/x.css");
	EXPECT_EQ_STR(path_of("HTTP://host", p), "/index.html");
	EXPECT_EQ_STR(path_of("/..a/b..", p), "/..a/b..");
}

TEST(httpd, target_traversal_and_bad_escapes_refused)
{
	char p[HTTP_PATH_MAX];
	EXPECT_EQ_STR(path_of("/..", p), "(error)");
	EXPECT_EQ_STR(path_of("/a/../b", p), "(error)");
	EXPECT_EQ_STR(path_of("/%2e%2e/etc/passwd", p), "(error)");
	EXPECT_EQ_STR(path_of("/%2E%2E%2Fetc", p), "(error)");
	EXPECT_EQ_STR(path_of("/..%2f..%2fetc", p), "(error)");
	EXPECT_EQ_STR(path_of("/a%00b", p), "(error)");
	EXPECT_EQ_STR(path_of("/a%0d%0ab", p), "(error)");
	EXPECT_EQ_STR(path_of("/a%zz", p), "(error)");
	EXPECT_EQ_STR(path_of("/a%4", p), "(error)");
	EXPECT_EQ_STR(path_of("a", p), "(error)");
	EXPECT_EQ_STR(path_of("*", p), "(error)");
}

TEST(httpd, media_types_by_extension)
{
	EXPECT_EQ_STR(http_mime_type("/index.html"), "text/html; charset=utf-8");
	EXPECT_EQ_STR(http_mime_type("/a/B.PNG"), "image/png");
	EXPECT_EQ_STR(http_mime_type("/x.js"), "text/javascript; charset=utf-8");
	EXPECT_EQ_STR(http_mime_type("/x.json"), "application/json");
	EXPECT_EQ_STR(http_mime_type("/x.svg"), "image/svg+xml");
	EXPECT_EQ_STR(http_mime_type("/x.ico"), "image/vnd.microsoft.icon");
	EXPECT_EQ_STR(http_mime_type("/x.jpg"), "image/jpeg");
	EXPECT_EQ_STR(http_mime_type("/x.tar.gz"), "application/octet-stream");
	EXPECT_EQ_STR(http_mime_type("/dir.html/file"), "application/octet-stream");
	EXPECT_EQ_STR(http_mime_type("/x."), "application/octet-stream");
}

TEST(httpd, imf_fixdate_format_rfc9110_5_6_7)
{
	char d[HTTP_DATE_LEN + 1];
	http_date_format(0, d);
	EXPECT_EQ_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date_format(784111777, d);
	EXPECT_EQ_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_date_format(951782400, d);
	EXPECT_EQ_STR(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	http_date_format(4102444799LL, d);
	EXPECT_EQ_STR(d, "Thu, 31 Dec 2099 23:59:59 GMT");
	http_date_format(4107542400LL, d);
	EXPECT_EQ_STR(d, "Mon, 01 Mar 2100 00:00:00 GMT");
}

TEST(httpd, three_date_formats_parse_rfc9110_5_6_7)
{
	const char *good[] = { "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
			       "Sun Nov  6 08:49:37 1994" };
	for (size_t i = 0; i < 3; i++)
		EXPECT(http_date_parse(good[i], strlen(good[i])) == 784111777);
	EXPECT(http_date_parse("Tue, 29 Feb 2000 00:00:00 GMT", 29) == 951782400);
	EXPECT(http_date_parse("Thursday, 01-Jan-15 00:00:00 GMT", 32) == 1420070400);
}

TEST(httpd, invalid_dates_refused)
{
	const char *bad[] = { "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
			      "Sun, 29 Feb 2001 00:00:00 GMT", "Sun, 31 Apr 2001 00:00:00 GMT",
			      "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
			      "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
			      "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun Nov 6 08:49:37 1994",
			      "Xyz, 06 Nov 1994 08:49:37 GMT", "", "1994-11-06T08:49:37Z" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_date_parse(bad[i], strlen(bad[i])) != -1)
			test_fail(__FILE__, __LINE__, "\"%s\" parsed", bad[i]);
}

TEST(httpd, civil_days_round_trip)
{
	int64_t y;
	unsigned m, d;
	for (int64_t days = -800000; days <= 800000; days += 7) {
		http_civil_from_days(days, &y, &m, &d);
		if (http_days_from_civil(y, m, d) != days || m < 1 || m > 12 || d < 1 || d > 31) {
			test_fail(__FILE__, __LINE__, "day %lld -> %lld-%u-%u", (long long)days,
				  (long long)y, m, d);
			return;
		}
	}
	EXPECT(http_days_from_civil(1970, 1, 1) == 0);
	EXPECT(http_days_from_civil(2000, 3, 1) == 11017);
	EXPECT(http_days_from_civil(1969, 12, 31) == -1);
}
