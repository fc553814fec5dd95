/* Kernel command line parsing. */
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Boot loaders join words with spaces, but a hand-edited line may hold tabs or a newline. */
static bool cmdline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Finds the last word whose key is exactly key and returns its value through val and vlen
 * (val is NULL for a bare key). A NULL command line (none given) holds no key. */
static bool cmdline_find(const char *s, const char *key, const char **val, size_t *vlen)
{
	if (!s || !key)
		return false;
	size_t klen = strlen(key);
	bool found = false;

	while (*s) {
		while (cmdline_is_space(*s))
			s++;
		const char *w = s;
		while (*s && !cmdline_is_space(*s))
			s++;
		size_t wlen = (size_t)(s - w);
		if (wlen >= klen && strncmp(w, key, klen) == 0 && (wlen == klen || w[klen] == '=')) {
			found = true;
			*val = wlen == klen ? NULL : w + klen + 1;
			*vlen = wlen == klen ? 0 : wlen - klen - 1;
		}
	}
	return found && klen > 0;
}

int cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz)
{
	const char *val;
	size_t len;

	if (!cmdline_find(cmdline, key, &val, &len))
		return -ENOENT;
	if (outsz == 0)
		return -ENOSPC;
	size_t n = len < outsz - 1 ? len : outsz - 1;
	if (n)
		memcpy(out, val, n);
	out[n] = '\0';
	return n < len ? -ENOSPC : (int)len;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *val;
	size_t len;
	return cmdline_find(cmdline, key, &val, &len);
}

int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	const char *val;
	size_t len;

	if (!cmdline_find(cmdline, key, &val, &len))
		return -ENOENT;
	if (!val)
		return -EINVAL;
	return str_to_u64(val, len, 0, out);
}

bool cmdline_list_contains(const char *csv, const char *item)
{
	if (!csv || !item || !*item)
		return false;
	size_t ilen = strlen(item);

	while (*csv) {
		const char *e = strchr(csv, ',');
		size_t n = e ? (size_t)(e - csv) : strlen(csv);
		if (n == ilen && strncmp(csv, item, n) == 0)
			return true;
		if (!e)
			break;
		csv = e + 1;
	}
	return false;
}
