/* Tests of kernel/initrd.c on archives built here, as cpio -H newc writes them, and broken. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/host/test.h"
#include "kernel/initrd.h"
#include "lib/errno.h"
#include "lib/string.h"

struct archive {
	uint8_t buf[4096];
	size_t len;
};

static void pad(struct archive *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

/* Appends one newc entry; returns the offset of its header. */
static size_t entry(struct archive *a, const char *name, unsigned mode, const char *data)
{
	size_t at = a->len, dlen = data ? strlen(data) : 0;
	char hdr[111];
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 1u, mode, 0u, 0u, 1u, 0u, (unsigned)dlen, 0u, 0u, 0u, 0u, (unsigned)strlen(name) + 1, 0u);
	memcpy(a->buf + a->len, hdr, 110);
	a->len += 110;
	memcpy(a->buf + a->len, name, strlen(name) + 1);
	a->len += strlen(name) + 1;
	pad(a);
	if (dlen)
		memcpy(a->buf + a->len, data, dlen);
	a->len += dlen;
	pad(a);
	return at;
}

static void build(struct archive *a)
{
	memset(a, 0, sizeof(*a));
	entry(a, ".", 0040755, NULL);
	entry(a, "etc", 0040755, NULL);
	entry(a, "etc/init.conf", 0100644, "0 sh\n");
	entry(a, "./bin/", 0040755, NULL);
	entry(a, "bin/hello", 0100755, "ELF...");
	entry(a, "TRAILER!!!", 0, NULL);
}

static struct initrd rd;

TEST(initrd, indexes_files_and_directories)
{
	struct archive a;
	const char *why;
	build(&a);
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == 0);
	EXPECT_EQ_U64(rd.nfiles, 5);
	const struct initrd_file *f = initrd_lookup(&rd, "/etc/init.conf");
	EXPECT(f != NULL);
	if (f) {
		EXPECT_EQ_U64(f->size, 5);
		EXPECT_EQ_MEM(f->data, "0 sh\n", 5);
		EXPECT(!initrd_is_dir(f));
	}
	EXPECT(initrd_lookup(&rd, "etc//init.conf/") == f);
	EXPECT(initrd_lookup(&rd, "/bin") && initrd_is_dir(initrd_lookup(&rd, "/bin")));
	EXPECT(initrd_lookup(&rd, "/") != NULL);
	EXPECT(initrd_lookup(&rd, "/nope") == NULL);
}

TEST(initrd, readdir_lists_direct_children)
{
	struct archive a;
	const char *why;
	build(&a);
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == 0);
	const struct initrd_file *e0 = initrd_readdir(&rd, "/", 0), *e1 = initrd_readdir(&rd, "/", 1);
	EXPECT(e0 && e1 && initrd_readdir(&rd, "/", 2) == NULL);
	if (e0 && e1) {
		EXPECT_EQ_STR(e0->path, "/etc");
		EXPECT_EQ_STR(e1->path, "/bin");
	}
	EXPECT(initrd_readdir(&rd, "/etc", 0) && initrd_readdir(&rd, "/etc", 1) == NULL);
	EXPECT(initrd_readdir(&rd, "/bin/hello", 0) == NULL);
}

TEST(initrd, broken_archives_are_refused_whole)
{
	struct archive a;
	const char *why = NULL;
	size_t at;

	build(&a);
	a.buf[0] = '1';                                         /* magic */
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == -EINVAL && why && rd.nfiles == 0);

	build(&a);
	EXPECT(initrd_parse(&rd, a.buf, a.len - 120, &why) == -EINVAL);    /* no trailer */
	EXPECT(rd.nfiles == 0);

	memset(&a, 0, sizeof(a));
	at = entry(&a, "etc/x", 0100644, "abc");
	memcpy(a.buf + at + 6 + 8 * 6, "0000FFFF", 8);          /* file size past the end */
	entry(&a, "TRAILER!!!", 0, NULL);
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == -EINVAL);

	memset(&a, 0, sizeof(a));
	at = entry(&a, "etc/x", 0100644, "abc");
	memcpy(a.buf + at + 6 + 8 * 11, "0000000G", 8);         /* not hex */
	entry(&a, "TRAILER!!!", 0, NULL);
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == -EINVAL);

	memset(&a, 0, sizeof(a));
	at = entry(&a, "etc/x", 0100644, "abc");
	memcpy(a.buf + at + 6 + 8 * 11, "00000003", 8);         /* name size cuts the name */
	entry(&a, "TRAILER!!!", 0, NULL);
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == -EINVAL);

	memset(&a, 0, sizeof(a));
	entry(&a, "a", 0100644, "1");
	entry(&a, "./a", 0100644, "2");                         /* same path twice */
	entry(&a, "TRAILER!!!", 0, NULL);
	EXPECT(initrd_parse(&rd, a.buf, a.len, &why) == -EINVAL);
	EXPECT(initrd_parse(&rd, a.buf, 50, &why) == -EINVAL);
	EXPECT(initrd_parse(&rd, a.buf, 0, &why) == -EINVAL);
}

/* An archive that ends inside the padding after a file's data, with no trailer: the next
 * header would start past the end, and must be refused without reading there (found by
 * tests/fuzz/fuzz_cpio.c). The archive is copied to a buffer of exactly its size so that
 * AddressSanitizer catches a read past it. */
TEST(initrd, archive_ending_in_padding_is_refused)
{
	struct archive a;
	const char *why = NULL;
	memset(&a, 0, sizeof(a));
	entry(&a, "f", 0100644, "hel");         /* 110 + "f\0", data at 112, padded to 116 */
	size_t len = a.len - 1;
	uint8_t *cut = malloc(len);
	memcpy(cut, a.buf, len);
	EXPECT(initrd_parse(&rd, cut, len, &why) == -EINVAL && rd.nfiles == 0);
	EXPECT(why && strcmp(why, "header runs past the end of the archive") == 0);
	free(cut);
}
