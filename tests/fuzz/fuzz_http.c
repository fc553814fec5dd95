/* Fuzzes httpd's request parser (user/httpd/http.c): request heads, targets to paths and
 * HTTP-dates, each on an exact-size copy of the input. */
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "user/httpd/http.h"

/* A ".." segment anywhere in path. */
static int climbs(const char *path)
{
	size_t n = strlen(path);
	return strstr(path, "/../") != NULL || (n >= 3 && strcmp(path + n - 3, "/..") == 0);
}

/* A parsed head lies inside the buffer, and its target maps to a path that starts with "/",
 * fits, and climbs nowhere. */
static void check_head(const char *buf, size_t len, int n, const struct http_request *r)
{
	char path[HTTP_PATH_MAX];
	FUZZ_CHECK((size_t)n <= len, "head %d longer than the %zu bytes given", n, len);
	FUZZ_CHECK(r->version == 10 || r->version == 11, "version %u", r->version);
	FUZZ_CHECK(r->target >= buf && r->target + r->target_len <= buf + n,
		   "target outside the head");
	if (http_target_path(r->target, r->target_len, path, sizeof(path)) != 0)
		return;
	FUZZ_CHECK(path[0] == '/', "path \"%s\" not absolute", path);
	FUZZ_CHECK(strlen(path) < sizeof(path), "path not terminated");
	FUZZ_CHECK(!climbs(path), "path \"%s\" climbs", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = (char *)fuzz_dup(data, size);
	struct http_request r;
	int n = http_parse_request(buf, size, &r);
	if (n > 0)
		check_head(buf, size, n, &r);
	else
		FUZZ_CHECK(n == 0 || n == -400 || n == -414 || n == -431 || n == -501 || n == -505,
			   "status %d is none the parser promises", n);
	int64_t t = http_date_parse(buf, size);
	if (t >= 0) {
		char out[HTTP_DATE_LEN + 1];
		http_date_format(t, out);
		FUZZ_CHECK(http_date_parse(out, HTTP_DATE_LEN) == t, "date %lld does not round-trip",
			   (long long)t);
	}
	free(buf);
	return 0;
}
