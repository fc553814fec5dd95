/* ELF64 executables: validation and loading of PT_LOAD segments. */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stddef.h>
#include <stdint.h>

struct elf_segment {
	uint64_t vaddr, memsz, filesz, offset;
	uint32_t flags;         /* ELF_PF_* */
};

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u
#define ELF_MAX_SEGMENTS 16

struct elf_image {
	uint64_t entry;
	struct elf_segment segs[ELF_MAX_SEGMENTS];
	unsigned nsegs;         /* PT_LOAD segments, in file order */
};

/* Checks an x86-64 ELF64 executable of size bytes and lists its PT_LOAD segments. Every
 * offset and size is checked against the file; -ENOEXEC with *why otherwise. */
int elf_parse(const void *file, size_t size, struct elf_image *img, const char **why);

#endif
