/* Physical frame allocator. One bit per 4 KiB frame up to the highest usable address
 * (set = in use). Frames start in use; the usable regions of the memory map are freed,
 * then the reserved ranges (low memory, the kernel, the loader's data, modules and the
 * bitmap itself) are taken again. */
#include "kernel/mm/pmm.h"
#include "kernel/mm/layout.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "lib/bitmap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

static uint64_t *pmm_map;
static size_t pmm_nframes;      /* frames the bitmap covers */
static size_t pmm_usable;       /* frames that were ever free */
static size_t pmm_nfree;
static size_t pmm_hint;         /* where the next search starts */

static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 < e2 && s2 < e1;
}

/* Finds room for the bitmap in usable memory that the boot page tables map (the first 4 GiB
 * on kernel 0, the start of the partition on the others), clear of every reserved range. */
static int pmm_place_bitmap(const struct boot_info *bi, const struct phys_range *res,
			    unsigned nres, uint64_t bytes, uint64_t *out)
{
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct mem_region *r = &bi->mem[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t at = ALIGN_UP(r->base, PAGE_SIZE), end = r->base + r->len;
		for (unsigned j = 0; j < nres && at + bytes <= end; j++) {
			if (overlaps(at, at + bytes, res[j].start, res[j].end)) {
				at = ALIGN_UP(res[j].end, PAGE_SIZE);
				j = (unsigned)-1;       /* rescan: the move may hit an earlier range */
			}
		}
		uint64_t limit = bi->early_map_end ? bi->early_map_end : (4ul << 30);
		if (at + bytes <= end && at + bytes <= limit) {
			*out = at;
			return 0;
		}
	}
	return -ENOMEM;
}

static void pmm_mark(uint64_t start, uint64_t end, bool used)
{
	uint64_t first = start >> PAGE_SHIFT;
	uint64_t last = MIN(end >> PAGE_SHIFT, (uint64_t)pmm_nframes);

	for (uint64_t f = first; f < last; f++) {
		bool was = bitmap_test(pmm_map, f);
		if (used && !was) {
			bitmap_set(pmm_map, f);
			pmm_nfree--;
		} else if (!used && was) {
			bitmap_clear(pmm_map, f);
			pmm_nfree++;
		}
	}
}

int pmm_init(const struct boot_info *bi, const struct phys_range *reserved, unsigned nreserved)
{
	uint64_t top = 0, bitmap_pa;

	for (unsigned i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == MEM_USABLE)
			top = MAX(top, bi->mem[i].base + bi->mem[i].len);
	pmm_nframes = top >> PAGE_SHIFT;
	if (pmm_nframes == 0)
		return -ENOMEM;
	uint64_t bytes = ALIGN_UP(ALIGN_UP(pmm_nframes, 64) / 8, PAGE_SIZE);
	if (pmm_place_bitmap(bi, reserved, nreserved, bytes, &bitmap_pa))
		return -ENOMEM;
	pmm_map = phys_to_virt(bitmap_pa);
	memset(pmm_map, 0xFF, bytes);
	pmm_nfree = 0;

	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct mem_region *r = &bi->mem[i];
		if (r->type == MEM_USABLE)      /* only whole frames inside the region */
			pmm_mark(ALIGN_UP(r->base, PAGE_SIZE), ALIGN_DOWN(r->base + r->len, PAGE_SIZE), false);
	}
	for (unsigned i = 0; i < nreserved; i++)
		pmm_mark(ALIGN_DOWN(reserved[i].start, PAGE_SIZE), ALIGN_UP(reserved[i].end, PAGE_SIZE), true);
	pmm_mark(bitmap_pa, bitmap_pa + bytes, true);
	pmm_usable = pmm_nfree;
	pmm_hint = 0;
	pr_debug("pmm: bitmap of %zu frames at %p\n", pmm_nframes, (void *)bitmap_pa);
	return 0;
}

int pmm_alloc_contig_aligned(size_t frames, size_t align, uint64_t *pa)
{
	if (frames == 0 || frames > pmm_nfree)
		return -ENOMEM;
	long f = bitmap_find_zero_run(pmm_map, pmm_nframes, pmm_hint, frames, align);
	if (f < 0 && pmm_hint)
		f = bitmap_find_zero_run(pmm_map, pmm_nframes, 0, frames, align);
	if (f < 0)
		return -ENOMEM;
	bitmap_set_range(pmm_map, (size_t)f, frames);
	pmm_nfree -= frames;
	pmm_hint = (size_t)f + frames;
	*pa = (uint64_t)f << PAGE_SHIFT;
	return 0;
}

int pmm_alloc_contig(size_t frames, uint64_t *pa)
{
	return pmm_alloc_contig_aligned(frames, 1, pa);
}

int pmm_alloc(uint64_t *pa)
{
	return pmm_alloc_contig(1, pa);
}

/* Freeing a frame that is already free means two owners thought they had it. */
void pmm_free(uint64_t pa, size_t frames)
{
	uint64_t f = pa >> PAGE_SHIFT;

	if ((pa & (PAGE_SIZE - 1)) || f + frames > pmm_nframes)
		panic("pmm_free: bad frame %p (+%zu)", (void *)pa, frames);
	for (size_t i = 0; i < frames; i++)
		if (!bitmap_test(pmm_map, f + i))
			panic("pmm_free: frame %p is already free", (void *)((f + i) << PAGE_SHIFT));
	bitmap_clear_range(pmm_map, f, frames);
	pmm_nfree += frames;
	if (f < pmm_hint)
		pmm_hint = f;
}

bool pmm_is_free(uint64_t pa)
{
	uint64_t f = pa >> PAGE_SHIFT;
	return f < pmm_nframes && !bitmap_test(pmm_map, f);
}

size_t pmm_free_frames(void)
{
	return pmm_nfree;
}

size_t pmm_total_frames(void)
{
	return pmm_usable;
}
