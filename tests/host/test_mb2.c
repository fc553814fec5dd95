/* Tests of kernel/mb2.c: well-formed multiboot2 information and every way it can lie. */
#include "tests/host/test.h"
#include "kernel/mb2.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Builds an information structure tag by tag, as GRUB lays it out. */
struct mb2_builder {
	_Alignas(8) uint8_t buf[1024];
	uint32_t len;
};

static void put32(struct mb2_builder *b, uint32_t off, uint32_t v) { memcpy(b->buf + off, &v, 4); }
static void put64(struct mb2_builder *b, uint32_t off, uint64_t v) { memcpy(b->buf + off, &v, 8); }

static void mb_begin(struct mb2_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8;
}

/* Appends a tag with the given body; returns the tag's offset. */
static uint32_t mb_tag(struct mb2_builder *b, uint32_t type, const void *body, uint32_t n)
{
	uint32_t off = b->len;
	put32(b, off, type);
	put32(b, off + 4, 8 + n);
	if (n)
		memcpy(b->buf + off + 8, body, n);
	b->len = (off + 8 + n + 7) & ~7u;
	return off;
}

static void mb_end(struct mb2_builder *b)
{
	mb_tag(b, 0, NULL, 0);
	put32(b, 0, b->len);
}

static uint32_t mb_mmap(struct mb2_builder *b, int n)
{
	uint8_t body[8 + 24 * 4] = { 0 };
	uint32_t esz = 24, ver = 0;
	memcpy(body, &esz, 4);
	memcpy(body + 4, &ver, 4);
	for (int i = 0; i < n; i++) {
		uint64_t base = (uint64_t)i << 20, len = 1 << 20;
		uint32_t type = (uint32_t)(i % 2 ? 2 : 1);
		memcpy(body + 8 + 24 * i, &base, 8);
		memcpy(body + 16 + 24 * i, &len, 8);
		memcpy(body + 24 + 24 * i, &type, 4);
	}
	return mb_tag(b, 6, body, 8 + 24 * (uint32_t)n);
}

static int parse(struct mb2_builder *b, struct boot_info *bi, const char **why)
{
	return mb2_parse(b->buf, sizeof(b->buf), 0x9000, bi, why);
}

static struct boot_info bi;

TEST(mb2, parses_grub_like_information)
{
	struct mb2_builder b;
	const char *why;
	uint8_t mod[8 + 11];
	uint32_t s = 0x200000, e = 0x240000;
	uint8_t rsdp_v1[20] = "RSD PTR ", rsdp_v2[36] = "RSD PTR ";
	rsdp_v2[15] = 2;

	mb_begin(&b);
	mb_tag(&b, 1, "ktest=all", 10);
	mb_tag(&b, 2, "GRUB 2.06", 10);
	mb_mmap(&b, 4);
	memcpy(mod, &s, 4);
	memcpy(mod + 4, &e, 4);
	memcpy(mod + 8, "kernel.elf", 11);
	mb_tag(&b, 3, mod, sizeof(mod));
	mb_tag(&b, 15, rsdp_v2, sizeof(rsdp_v2));
	mb_tag(&b, 14, rsdp_v1, sizeof(rsdp_v1));      /* the v2 copy must win */
	mb_tag(&b, 99, "unknown", 8);
	mb_end(&b);

	EXPECT(parse(&b, &bi, &why) == 0);
	EXPECT_EQ_STR(bi.cmdline, "ktest=all");
	EXPECT_EQ_STR(bi.loader, "GRUB 2.06");
	EXPECT_EQ_U64(bi.nmem, 4);
	EXPECT_EQ_U64(bi.mem[1].base, 1 << 20);
	EXPECT_EQ_U64(bi.mem[1].type, MEM_RESERVED);
	EXPECT_EQ_U64(bi.nmods, 1);
	EXPECT_EQ_U64(bi.mods[0].start, 0x200000);
	EXPECT_EQ_U64(bi.mods[0].end, 0x240000);
	EXPECT_EQ_STR(bi.mods[0].name, "kernel.elf");
	EXPECT_EQ_U64(bi.rsdp_len, 36);
	EXPECT_EQ_U64(bi.rsdp[15], 2);
	EXPECT_EQ_U64(bi.info_phys, 0x9000);
	EXPECT_EQ_U64(bi.info_size, b.len);
}

TEST(mb2, unterminated_strings_are_cut)
{
	struct mb2_builder b;
	const char *why;
	char longline[600];
	memset(longline, 'a', sizeof(longline));        /* no terminator, longer than the copy */
	mb_begin(&b);
	mb_tag(&b, 1, longline, sizeof(longline));
	mb_end(&b);
	EXPECT(parse(&b, &bi, &why) == 0);
	EXPECT_EQ_U64(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

TEST(mb2, rejects_lies_about_sizes)
{
	struct mb2_builder b;
	const char *why = NULL;

	mb_begin(&b);
	mb_tag(&b, 1, "x", 2);
	mb_end(&b);
	put32(&b, 0, 4);                        /* total smaller than the header */
	EXPECT(parse(&b, &bi, &why) == -EINVAL && why != NULL);
	put32(&b, 0, 4096);                     /* total beyond what is readable */
	EXPECT(mb2_parse(b.buf, sizeof(b.buf), 0, &bi, &why) == -EINVAL);

	mb_begin(&b);
	uint32_t t = mb_tag(&b, 1, "x", 2);
	mb_end(&b);
	put32(&b, t + 4, 4);                    /* tag smaller than its own header */
	EXPECT(parse(&b, &bi, &why) == -EINVAL);
	put32(&b, t + 4, 2000);                 /* tag running past the end */
	EXPECT(parse(&b, &bi, &why) == -EINVAL);

	mb_begin(&b);
	mb_tag(&b, 1, "x", 2);
	put32(&b, 0, b.len);                    /* no end tag */
	EXPECT(parse(&b, &bi, &why) == -EINVAL);
	EXPECT(why != NULL && test_strcmp(why, "no end tag") == 0);
}

TEST(mb2, rejects_bad_memory_map_and_modules)
{
	struct mb2_builder b;
	const char *why;

	mb_begin(&b);
	uint32_t t = mb_mmap(&b, 2);
	mb_end(&b);
	put32(&b, t + 8, 12);                   /* entry size below 24 */
	EXPECT(parse(&b, &bi, &why) == -EINVAL);
	put32(&b, t + 8, 0);
	EXPECT(parse(&b, &bi, &why) == -EINVAL);

	mb_begin(&b);
	uint32_t se[2] = { 0x300000, 0x200000 };        /* ends before it starts */
	mb_tag(&b, 3, se, sizeof(se));
	mb_end(&b);
	EXPECT(parse(&b, &bi, &why) == -EINVAL);

	mb_begin(&b);
	mb_tag(&b, 6, "\x18\0\0\0", 4);         /* memory map tag cut short */
	mb_end(&b);
	EXPECT(parse(&b, &bi, &why) == -EINVAL);
}

TEST(mb2, rejects_missing_or_misaligned_structure)
{
	struct mb2_builder b;
	const char *why;
	mb_begin(&b);
	mb_end(&b);
	EXPECT(mb2_parse(NULL, 100, 0, &bi, &why) == -EINVAL);
	EXPECT(mb2_parse(b.buf + 4, sizeof(b.buf) - 4, 0, &bi, &why) == -EINVAL);
	EXPECT(mb2_parse(b.buf, 4, 0, &bi, &why) == -EINVAL);
	EXPECT(parse(&b, &bi, &why) == 0);
	EXPECT_EQ_U64(bi.nmem, 0);
}

TEST(mb2, too_many_regions_are_counted_not_overflowed)
{
	static struct mb2_builder big;
	const char *why;
	uint32_t esz = 24, ver = 0, n = BOOT_MAX_MEM_REGIONS + 5;
	static uint8_t body[8 + 24 * (BOOT_MAX_MEM_REGIONS + 5)];
	memcpy(body, &esz, 4);
	memcpy(body + 4, &ver, 4);
	/* 24 * 133 + 8 bytes do not fit the 1 KiB builder: build by hand in a bigger buffer. */
	static _Alignas(8) uint8_t buf[8 + 8 + sizeof(body) + 8 + 8];
	uint32_t tag = 6, size = 8 + (uint32_t)sizeof(body);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 8, &tag, 4);
	memcpy(buf + 12, &size, 4);
	memcpy(buf + 16, body, sizeof(body));
	uint32_t end = (16 + (uint32_t)sizeof(body) + 7) & ~7u, total = end + 8, eight = 8;
	memcpy(buf + end + 4, &eight, 4);
	memcpy(buf, &total, 4);
	(void)big;
	(void)put64;
	EXPECT(mb2_parse(buf, sizeof(buf), 0, &bi, &why) == 0);
	EXPECT_EQ_U64(bi.nmem, BOOT_MAX_MEM_REGIONS);
	EXPECT_EQ_U64(bi.mem_dropped, n - BOOT_MAX_MEM_REGIONS);
}
