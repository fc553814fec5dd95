/* httpd's cache of small files (user/httpd/filecache.c) against real files in a temporary
 * directory: served from memory within the validity time, read anew after it when the file
 * changed, a body kept for its sender when its entry is replaced (ASan would see a read of
 * freed memory), big files and missing ones left to the caller. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/host/test.h"
#include "user/httpd/httpd.h"

static void put_file(const char *path, char fill, size_t n, long mtime)
{
	FILE *f = fopen(path, "w");
	for (size_t i = 0; i < n; i++)
		fputc(fill, f);
	fclose(f);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "touch -d @%ld %s", mtime, path);
	if (system(cmd) != 0)
		abort();
}

static bool all(const struct file_body *b, char fill, size_t n)
{
	if (b->size != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b->data[i] != fill)
			return false;
	return true;
}

TEST(httpd, file_cache_serves_from_memory_and_rereads_a_changed_file)
{
	static struct file_cache fc;
	char dir[] = "/tmp/fcache.XXXXXX", path[64], big[64];
	struct port_stat st;
	struct file_body *b1, *b2, *b3;
	EXPECT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	put_file(path, 'a', 100, 1000000);
	EXPECT(file_open(&fc, path, 5000, &st, &b1) == -1 && b1);
	EXPECT(all(b1, 'a', 100) && st.size == 100 && st.mtime == 1000000 && st.regular);
	put_file(path, 'b', 200, 2000000);
	EXPECT(file_open(&fc, path, 5000 + FILE_CACHE_VALID_MS - 1, &st, &b2) == -1);
	EXPECT(b2 == b1 && st.size == 100);     /* within the validity time: memory only */
	file_body_put(b2);
	EXPECT(file_open(&fc, path, 5000 + FILE_CACHE_VALID_MS, &st, &b3) == -1);
	EXPECT(b3 && b3 != b1 && all(b3, 'b', 200) && st.mtime == 2000000);
	EXPECT(all(b1, 'a', 100));              /* the old body lives on for its sender */
	file_body_put(b1);
	file_body_put(b3);

	snprintf(big, sizeof(big), "%s/big.bin", dir);
	put_file(big, 'c', FILE_CACHE_FILE_MAX + 1, 1000000);
	int fd = file_open(&fc, big, 9000, &st, &b1);
	EXPECT(fd >= 0 && !b1 && st.size == FILE_CACHE_FILE_MAX + 1);
	close(fd);
	errno = 0;
	EXPECT(file_open(&fc, "/nonexistent/x", 9000, &st, &b1) == -1 && !b1 && errno == ENOENT);
	file_cache_drop(&fc);
	unlink(path);
	unlink(big);
	rmdir(dir);
}
