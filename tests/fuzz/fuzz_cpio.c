/* Fuzzes the initrd's cpio newc reader (kernel/initrd.c) on an exact-size copy of the input:
 * what it indexes lies inside the archive, and every indexed path is found again. */
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "kernel/initrd.h"

static struct initrd rd;       /* 35 KiB: kept off the fuzzer's stack */

static void check_file(const uint8_t *ar, size_t size, const struct initrd_file *f)
{
	FUZZ_CHECK(strnlen(f->path, INITRD_PATH_MAX) < INITRD_PATH_MAX, "path not terminated");
	FUZZ_CHECK(f->path[0] == '/', "path \"%s\" not absolute", f->path);
	FUZZ_CHECK(f->data >= ar && f->size <= size && f->data - ar <= (long)(size - f->size),
		   "%s: data outside the archive", f->path);
	FUZZ_CHECK(initrd_lookup(&rd, f->path) != NULL, "%s: not found again", f->path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *ar = fuzz_dup(data, size);
	const char *why = NULL;
	int err = initrd_parse(&rd, ar, size, &why);
	if (err) {
		FUZZ_CHECK(why != NULL && rd.nfiles == 0, "error %d: reason or files wrong", err);
	} else {
		FUZZ_CHECK(rd.nfiles <= INITRD_MAX_FILES, "%u files", rd.nfiles);
		for (unsigned i = 0; i < rd.nfiles; i++)
			check_file(ar, size, &rd.files[i]);
		for (unsigned i = 0; i < rd.nfiles; i++)
			if (initrd_is_dir(&rd.files[i]))
				for (unsigned j = 0; initrd_readdir(&rd, rd.files[i].path, j); j++)
					FUZZ_CHECK(j < rd.nfiles, "%s: readdir runs on", rd.files[i].path);
	}
	free(ar);
	return 0;
}
