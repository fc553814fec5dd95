/* cpio "newc" archive reader (the format of cpio(5), "New ASCII Format"). Pure: the host
 * tests feed it broken archives. */
#include "kernel/initrd.h"
#include "lib/errno.h"
#include "lib/string.h"

#define NEWC_MAGIC     "070701"
#define NEWC_HEADER    110
#define NEWC_FIELD(i)  (6 + 8 * (i))    /* the i-th 8-digit hex field */
#define F_MODE         1
#define F_MTIME        5
#define F_FILESIZE     6
#define F_NAMESIZE     11
#define TRAILER        "TRAILER!!!"

static int hex8(const uint8_t *p, uint32_t *out)
{
	uint64_t v;
	if (str_to_u64((const char *)p, 8, 16, &v))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static uint64_t pad4(uint64_t x)
{
	return (x + 3) & ~3ull;
}

/* "./a/b", "a/b/", "/a//b" all become "/a/b"; "." becomes "/". */
static int normalise(const char *name, char *out, size_t outsz)
{
	size_t o = 0;
	const char *p = name;

	if (p[0] == '.' && (p[1] == '/' || p[1] == '\0'))
		p++;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		if (o + 1 >= outsz)
			return -ENOSPC;
		out[o++] = '/';
		while (*p && *p != '/') {
			if (o + 1 >= outsz)
				return -ENOSPC;
			out[o++] = *p++;
		}
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

static int reject(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

/* Reads one entry at *off; sets *done at the trailer. */
static int parse_entry(struct initrd *rd, const uint8_t *data, size_t size, uint64_t *off,
		       bool *done, const char **why)
{
	uint32_t mode, mtime, filesize, namesize;

	/* *off may lie past the end: an archive without a trailer can end inside the padding
	 * after the previous entry's data. */
	if (*off > size || size - *off < NEWC_HEADER)
		return reject(why, "header runs past the end of the archive");
	const uint8_t *h = data + *off;
	if (memcmp(h, NEWC_MAGIC, 6) != 0)
		return reject(why, "bad magic (not a newc cpio archive)");
	if (hex8(h + NEWC_FIELD(F_MODE), &mode) || hex8(h + NEWC_FIELD(F_FILESIZE), &filesize) ||
	    hex8(h + NEWC_FIELD(F_MTIME), &mtime) ||
	    hex8(h + NEWC_FIELD(F_NAMESIZE), &namesize))
		return reject(why, "header field is not hexadecimal");
	uint64_t name_off = *off + NEWC_HEADER;
	if (namesize == 0 || namesize > size - name_off)
		return reject(why, "name runs past the end of the archive");
	const char *name = (const char *)data + name_off;
	if (name[namesize - 1] != '\0' || strnlen(name, namesize) != namesize - 1)
		return reject(why, "name is not terminated where its size says");
	uint64_t data_off = pad4(name_off + namesize);
	if (data_off > size || filesize > size - data_off)
		return reject(why, "file data runs past the end of the archive");
	*off = pad4(data_off + filesize);
	if (strcmp(name, TRAILER) == 0) {
		*done = true;
		return 0;
	}
	if (rd->nfiles == INITRD_MAX_FILES)
		return reject(why, "more files than the index holds");
	struct initrd_file *f = &rd->files[rd->nfiles];
	if (normalise(name, f->path, sizeof(f->path)))
		return reject(why, "path too long");
	if (initrd_lookup(rd, f->path))
		return reject(why, "the same path twice");
	f->data = data + data_off;
	f->size = filesize;
	f->mode = mode;
	f->mtime = mtime;
	rd->nfiles++;
	return 0;
}

int initrd_parse(struct initrd *rd, const uint8_t *data, size_t size, const char **why)
{
	uint64_t off = 0;
	bool done = false;

	rd->nfiles = 0;
	*why = NULL;
	while (!done) {
		int err = parse_entry(rd, data, size, &off, &done, why);
		if (err) {
			rd->nfiles = 0;
			return err;
		}
	}
	return 0;
}

const struct initrd_file *initrd_lookup(const struct initrd *rd, const char *path)
{
	char norm[INITRD_PATH_MAX];
	if (normalise(path, norm, sizeof(norm)))
		return NULL;
	for (unsigned i = 0; i < rd->nfiles; i++)
		if (strcmp(rd->files[i].path, norm) == 0)
			return &rd->files[i];
	return NULL;
}

/* True if path is a direct child of dir ("/" for the root). */
static bool is_child(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	if (strcmp(path, "/") == 0)
		return false;
	if (n == 1)             /* the root */
		return strchr(path + 1, '/') == NULL;
	return strncmp(path, dir, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL;
}

const struct initrd_file *initrd_readdir(const struct initrd *rd, const char *dir, unsigned index)
{
	char norm[INITRD_PATH_MAX];
	if (normalise(dir, norm, sizeof(norm)))
		return NULL;
	for (unsigned i = 0; i < rd->nfiles; i++)
		if (is_child(norm, rd->files[i].path) && index-- == 0)
			return &rd->files[i];
	return NULL;
}

bool initrd_is_dir(const struct initrd_file *f)
{
	return (f->mode & INITRD_S_IFMT) == INITRD_S_IFDIR;
}
