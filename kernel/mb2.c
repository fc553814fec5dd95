/* Multiboot2 information parser (Multiboot2 specification 1.0, section 3.6). Pure: no kernel
 * services, so the host tests can feed it malformed input. */
#include "kernel/mb2.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

#define MB2_INFO_HEADER 8       /* u32 total_size, u32 reserved */
#define MB2_TAG_HEADER  8       /* u32 type, u32 size */
#define MB2_MMAP_HEADER 16      /* tag header, u32 entry_size, u32 entry_version */
#define MB2_MMAP_ENTRY  24      /* u64 base, u64 length, u32 type, u32 reserved */
#define MB2_MODULE_HEADER 16    /* tag header, u32 mod_start, u32 mod_end */
#define MB2_FB_HEADER   31      /* through framebuffer_type */

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Copies a string field of at most n bytes that may lack its terminator. */
static void copy_string(char *dst, size_t dstsz, const uint8_t *src, size_t n)
{
	size_t len = strnlen((const char *)src, n);
	if (len >= dstsz)
		len = dstsz - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int parse_mmap(const uint8_t *t, uint32_t size, struct boot_info *bi, const char **why)
{
	if (size < MB2_MMAP_HEADER) {
		*why = "memory map tag too short";
		return -EINVAL;
	}
	uint32_t esz = rd32(t + 8);
	if (esz < MB2_MMAP_ENTRY || esz % 8) {
		*why = "memory map entry size invalid";
		return -EINVAL;
	}
	for (uint32_t off = MB2_MMAP_HEADER; off + esz <= size; off += esz) {
		const uint8_t *e = t + off;
		if (bi->nmem == BOOT_MAX_MEM_REGIONS) {
			bi->mem_dropped++;
			continue;
		}
		bi->mem[bi->nmem++] = (struct mem_region){ rd64(e), rd64(e + 8), rd32(e + 16) };
	}
	return 0;
}

static int parse_module(const uint8_t *t, uint32_t size, struct boot_info *bi, const char **why)
{
	if (size < MB2_MODULE_HEADER) {
		*why = "module tag too short";
		return -EINVAL;
	}
	uint32_t start = rd32(t + 8), end = rd32(t + 12);
	if (end < start) {
		*why = "module ends before it starts";
		return -EINVAL;
	}
	if (bi->nmods == BOOT_MAX_MODULES) {
		bi->mods_dropped++;
		return 0;
	}
	struct boot_module *m = &bi->mods[bi->nmods++];
	m->start = start;
	m->end = end;
	copy_string(m->name, sizeof(m->name), t + MB2_MODULE_HEADER, size - MB2_MODULE_HEADER);
	return 0;
}

static void parse_framebuffer(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
	if (size < MB2_FB_HEADER)
		return;
	bi->fb = (struct boot_framebuffer){
		.present = true,
		.addr = rd64(t + 8),
		.pitch = rd32(t + 16),
		.width = rd32(t + 20),
		.height = rd32(t + 24),
		.bpp = t[28],
		.type = t[29],
	};
}

static void parse_rsdp(const uint8_t *t, uint32_t size, struct boot_info *bi, bool v2)
{
	size_t len = MIN((size_t)(size - MB2_TAG_HEADER), sizeof(bi->rsdp));
	/* Prefer the ACPI 2.0 copy when the loader gives both. */
	if (!v2 && bi->rsdp_len > 20)
		return;
	memcpy(bi->rsdp, t + MB2_TAG_HEADER, len);
	bi->rsdp_len = (unsigned)len;
}

static int parse_tag(const uint8_t *t, uint32_t type, uint32_t size, struct boot_info *bi,
		     const char **why)
{
	const uint8_t *body = t + MB2_TAG_HEADER;
	size_t body_len = size - MB2_TAG_HEADER;

	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_string(bi->cmdline, sizeof(bi->cmdline), body, body_len);
		return 0;
	case MB2_TAG_LOADER:
		copy_string(bi->loader, sizeof(bi->loader), body, body_len);
		return 0;
	case MB2_TAG_MODULE:
		return parse_module(t, size, bi, why);
	case MB2_TAG_MMAP:
		return parse_mmap(t, size, bi, why);
	case MB2_TAG_FRAMEBUFFER:
		parse_framebuffer(t, size, bi);
		return 0;
	case MB2_TAG_EFI64:
		bi->efi = true;
		return 0;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		parse_rsdp(t, size, bi, type == MB2_TAG_ACPI_NEW);
		return 0;
	default:
		return 0;       /* tags we do not use */
	}
}

int mb2_parse(const void *info, size_t avail, uint64_t info_phys, struct boot_info *bi,
	      const char **why)
{
	const uint8_t *p = info;

	memset(bi, 0, sizeof(*bi));
	*why = NULL;
	if (!info || ((uintptr_t)info & 7) || avail < MB2_INFO_HEADER) {
		*why = "information structure missing or misaligned";
		return -EINVAL;
	}
	uint32_t total = rd32(p);
	if (total < MB2_INFO_HEADER + MB2_TAG_HEADER || total > avail) {
		*why = "total size out of range";
		return -EINVAL;
	}
	bi->info_phys = info_phys;
	bi->info_size = total;
	for (uint32_t off = MB2_INFO_HEADER; ; ) {
		if (off + MB2_TAG_HEADER > total) {
			*why = "no end tag";
			return -EINVAL;
		}
		uint32_t type = rd32(p + off), size = rd32(p + off + 4);
		if (size < MB2_TAG_HEADER || size > total - off) {
			*why = "tag size runs past the end";
			return -EINVAL;
		}
		if (type == MB2_TAG_END)
			return 0;
		int err = parse_tag(p + off, type, size, bi, why);
		if (err)
			return err;
		off += ALIGN_UP(size, 8);
	}
}

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI_RECLAIMABLE: return "ACPI reclaimable";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	default: return "unknown";
	}
}
