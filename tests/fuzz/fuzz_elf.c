/* Fuzzes the ELF64 reader (kernel/elf.c) on an exact-size copy of the input: an image it
 * accepts has every loadable byte inside the file. */
#include "tests/fuzz/fuzz.h"
#include "kernel/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *file = fuzz_dup(data, size);
	struct elf_image img;
	const char *why = NULL;
	int err = elf_parse(file, size, &img, &why);
	if (err) {
		FUZZ_CHECK(why != NULL, "error %d without a reason", err);
	} else {
		FUZZ_CHECK(img.nsegs <= ELF_MAX_SEGMENTS, "%u segments", img.nsegs);
		for (unsigned i = 0; i < img.nsegs; i++) {
			const struct elf_segment *s = &img.segs[i];
			FUZZ_CHECK(s->filesz <= s->memsz, "segment %u: filesz past memsz", i);
			FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset,
				   "segment %u: bytes past the file", i);
			FUZZ_CHECK(s->vaddr + s->memsz >= s->vaddr, "segment %u wraps", i);
		}
	}
	free(file);
	return 0;
}
