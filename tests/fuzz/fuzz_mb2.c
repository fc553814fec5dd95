/* Fuzzes the multiboot2 information parser (kernel/mb2.c). The structure is 8-byte aligned
 * as the loader leaves it, in an exact-size buffer so that a read past a tag is caught. */
#include <string.h>
#include "tests/fuzz/fuzz.h"
#include "kernel/mb2.h"

static struct boot_info bi;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *info = fuzz_dup(data, size);  /* malloc aligns to 16 */
	const char *why = NULL;
	int err = mb2_parse(info, size, 0x10000, &bi, &why);
	if (err) {
		FUZZ_CHECK(why != NULL, "error %d without a reason", err);
	} else {
		FUZZ_CHECK(bi.nmem <= BOOT_MAX_MEM_REGIONS && bi.nmods <= BOOT_MAX_MODULES,
			   "%u regions, %u modules", bi.nmem, bi.nmods);
		FUZZ_CHECK(strnlen(bi.cmdline, sizeof(bi.cmdline)) < sizeof(bi.cmdline) &&
			   strnlen(bi.loader, sizeof(bi.loader)) < sizeof(bi.loader),
			   "a string not terminated");
		for (unsigned i = 0; i < bi.nmods; i++)
			FUZZ_CHECK(bi.mods[i].start <= bi.mods[i].end &&
				   strnlen(bi.mods[i].name, 64) < 64, "module %u", i);
		FUZZ_CHECK(bi.rsdp_len <= sizeof(bi.rsdp), "rsdp %u bytes", bi.rsdp_len);
		FUZZ_CHECK(bi.info_size <= size, "info of %llu bytes in %zu",
			   (unsigned long long)bi.info_size, size);
	}
	free(info);
	return 0;
}
