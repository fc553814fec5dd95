/* The initrd: a cpio "newc" archive loaded by GRUB as a module, indexed once at boot and
 * read-only afterwards. */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INITRD_MAX_FILES 256
#define INITRD_PATH_MAX  128

#define INITRD_S_IFMT  0170000u
#define INITRD_S_IFDIR 0040000u
#define INITRD_S_IFREG 0100000u

struct initrd_file {
	char path[INITRD_PATH_MAX];     /* absolute, normalised: "/etc/init.conf", "/" */
	const uint8_t *data;
	uint64_t size;
	uint32_t mode;
	uint32_t mtime;                 /* seconds since 1970, from the archive */
};

struct initrd {
	struct initrd_file files[INITRD_MAX_FILES];
	unsigned nfiles;
};

/* Indexes the archive at data (size bytes). Every header field, name and size is checked;
 * -EINVAL with *why on the first thing wrong, and nothing indexed. */
int initrd_parse(struct initrd *rd, const uint8_t *data, size_t size, const char **why);
const struct initrd_file *initrd_lookup(const struct initrd *rd, const char *path);
/* The index-th entry directly inside directory dir, or NULL past the last. */
const struct initrd_file *initrd_readdir(const struct initrd *rd, const char *dir, unsigned index);
bool initrd_is_dir(const struct initrd_file *f);

#endif
