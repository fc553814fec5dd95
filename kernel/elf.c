/* ELF64 parsing (System V gABI, ELF-64 object file format 1.5), for the pristine kernel image
 * that other cores' kernels are loaded from, and later for user programs. */
#include "kernel/elf.h"
#include "lib/errno.h"
#include "lib/string.h"

#define EHDR_SIZE       64
#define PHDR_SIZE       56
#define ET_EXEC         2
#define EM_X86_64       62
#define PT_LOAD         1

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int reject(const char **why, const char *reason)
{
	*why = reason;
	return -ENOEXEC;
}

static int parse_phdr(const uint8_t *ph, size_t size, struct elf_image *img, const char **why)
{
	if (rd32(ph) != PT_LOAD)
		return 0;
	struct elf_segment s = {
		.flags = rd32(ph + 4),
		.offset = rd64(ph + 8),
		.vaddr = rd64(ph + 16),
		.filesz = rd64(ph + 32),
		.memsz = rd64(ph + 40),
	};
	if (s.filesz > s.memsz)
		return reject(why, "segment's file size exceeds its memory size");
	if (s.offset > size || s.filesz > size - s.offset)
		return reject(why, "segment runs past the end of the file");
	if (s.vaddr + s.memsz < s.vaddr)
		return reject(why, "segment wraps the address space");
	if (img->nsegs == ELF_MAX_SEGMENTS)
		return reject(why, "too many loadable segments");
	img->segs[img->nsegs++] = s;
	return 0;
}

int elf_parse(const void *file, size_t size, struct elf_image *img, const char **why)
{
	const uint8_t *f = file;

	memset(img, 0, sizeof(*img));
	if (size < EHDR_SIZE || memcmp(f, "\x7f" "ELF", 4) != 0)
		return reject(why, "not an ELF file");
	if (f[4] != 2 || f[5] != 1 || f[6] != 1)
		return reject(why, "not a little-endian ELF64 file of version 1");
	if (rd16(f + 16) != ET_EXEC || rd16(f + 18) != EM_X86_64)
		return reject(why, "not an x86-64 executable");
	uint64_t phoff = rd64(f + 32);
	uint16_t phentsize = rd16(f + 54), phnum = rd16(f + 56);
	if (phentsize < PHDR_SIZE || phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		return reject(why, "program headers run past the end of the file");
	for (unsigned i = 0; i < phnum; i++) {
		int err = parse_phdr(f + phoff + (uint64_t)i * phentsize, size, img, why);
		if (err)
			return err;
	}
	if (img->nsegs == 0)
		return reject(why, "no loadable segment");
	img->entry = rd64(f + 24);
	return 0;
}
