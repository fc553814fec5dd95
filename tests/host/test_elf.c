/* Tests of kernel/elf.c on a minimal executable built here, and on broken ones. */
#include "tests/host/test.h"
#include "kernel/elf.h"
#include "lib/errno.h"
#include "lib/string.h"

static _Alignas(8) uint8_t img[512];

static void put16(size_t at, uint16_t v) { memcpy(img + at, &v, 2); }
static void put32(size_t at, uint32_t v) { memcpy(img + at, &v, 4); }
static void put64(size_t at, uint64_t v) { memcpy(img + at, &v, 8); }

/* ELF header + 2 program headers (PT_LOAD text, PT_LOAD data+bss) + 100 bytes of "code". */
static void build(void)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 2;             /* ELFCLASS64 */
	img[5] = 1;             /* little endian */
	img[6] = 1;             /* version */
	put16(16, 2);           /* ET_EXEC */
	put16(18, 62);          /* EM_X86_64 */
	put64(24, 0x401000);    /* entry */
	put64(32, 64);          /* phoff */
	put16(54, 56);          /* phentsize */
	put16(56, 2);           /* phnum */
	size_t ph = 64;
	put32(ph, 1);           /* PT_LOAD */
	put32(ph + 4, 5);       /* R X */
	put64(ph + 8, 176);
	put64(ph + 16, 0x401000);
	put64(ph + 32, 100);
	put64(ph + 40, 100);
	ph += 56;
	put32(ph, 1);
	put32(ph + 4, 6);       /* R W */
	put64(ph + 8, 276);
	put64(ph + 16, 0x402000);
	put64(ph + 32, 16);
	put64(ph + 40, 4096);   /* bss */
}

TEST(elf, parses_loadable_segments)
{
	struct elf_image e;
	const char *why;
	build();
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == 0);
	EXPECT_EQ_U64(e.entry, 0x401000);
	EXPECT_EQ_U64(e.nsegs, 2);
	EXPECT_EQ_U64(e.segs[0].flags, ELF_PF_R | ELF_PF_X);
	EXPECT_EQ_U64(e.segs[1].memsz, 4096);
	EXPECT_EQ_U64(e.segs[1].filesz, 16);
}

TEST(elf, refuses_what_it_cannot_load)
{
	struct elf_image e;
	const char *why = NULL;
	build();
	img[0] = 0;
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC && why);
	build();
	img[4] = 1;                                     /* 32-bit */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	build();
	put16(18, 3);                                   /* i386 */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	build();
	put16(56, 60);                                  /* headers past the end */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	build();
	put64(64 + 8, 500);                             /* segment data past the end */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	build();
	put64(64 + 32, 200);                            /* filesz > memsz */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	build();
	put64(64 + 16, UINT64_MAX - 10);                /* wraps */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	build();
	put32(64, 0);
	put32(64 + 56, 0);                              /* nothing to load */
	EXPECT(elf_parse(img, sizeof(img), &e, &why) == -ENOEXEC);
	EXPECT(elf_parse(img, 10, &e, &why) == -ENOEXEC);
}
