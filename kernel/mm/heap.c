/* Kernel heap. Small requests come from power-of-two size classes (32 B to 2 KiB) carved
 * out of whole frames; larger ones get their own run of contiguous frames. Memory is reached
 * through the direct map, so the heap needs no virtual space of its own.
 *
 * Every block starts with a header. Its magic tells a live block from a freed one (double
 * free) and from a wild pointer. With KDEBUG, the bytes between the requested size and the
 * end of the block hold a canary checked on free (overflow), and freed blocks are filled
 * with a poison checked when they are handed out again (use after free).
 */
#include "kernel/mm/heap.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/pmm.h"
#include "kernel/panic.h"
#include "lib/string.h"
#include "lib/util.h"

#define HEAP_MAGIC_LIVE  0x4B4D4C4Cu     /* "LLMK" */
#define HEAP_MAGIC_FREE  0x4B4D4646u     /* "FFMK" */
#define HEAP_CANARY      0xCB
#define HEAP_POISON      0xDF
#define HEAP_MIN_SHIFT   5
#define HEAP_MAX_SHIFT   11
#define HEAP_CLASSES     (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_LARGE       0xFFu          /* class of a block with its own frames */

#ifdef KDEBUG
#define HEAP_REDZONE     8              /* at least this many canary bytes after each block */
#else
#define HEAP_REDZONE     0
#endif

struct heap_block {
	uint32_t magic;
	uint32_t size;          /* bytes requested */
	uint32_t cls;           /* size class index, or HEAP_LARGE */
	uint32_t pages;         /* for large blocks */
	struct heap_block *next_free;   /* overlaps the payload of a free block */
};
#define HEAP_HEADER offsetof(struct heap_block, next_free)
_Static_assert(HEAP_HEADER == 16, "payloads stay 16-byte aligned");

static struct heap_block *free_lists[HEAP_CLASSES];
static struct heap_stats stats;

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (cls + HEAP_MIN_SHIFT);
}

static size_t block_bytes(const struct heap_block *b)
{
	return b->cls == HEAP_LARGE ? b->pages * PAGE_SIZE : class_size(b->cls);
}

static int size_to_class(size_t total)
{
	for (unsigned c = 0; c < HEAP_CLASSES; c++)
		if (total <= class_size(c))
			return (int)c;
	return -1;
}

/* Cuts a fresh frame into free blocks of one class. */
static int heap_grow(unsigned cls)
{
	uint64_t pa;
	if (pmm_alloc(&pa))
		return -1;
	uint8_t *page = phys_to_virt(pa);
	size_t sz = class_size(cls);
	for (size_t off = 0; off + sz <= PAGE_SIZE; off += sz) {
		struct heap_block *b = (struct heap_block *)(page + off);
		b->magic = HEAP_MAGIC_FREE;
		b->cls = cls;
#ifdef KDEBUG
		memset((uint8_t *)b + HEAP_HEADER, HEAP_POISON, sz - HEAP_HEADER);
#endif
		b->next_free = free_lists[cls];
		free_lists[cls] = b;
	}
	stats.slab_pages++;
	return 0;
}

#ifdef KDEBUG
/* The index of the first of n bytes at p that is not v, or n. Eight bytes at a time: these
 * checks run on every kmalloc and kfree of a KDEBUG kernel, and a byte loop made kfree a
 * tenth of the network benchmark's time under TCG. */
static size_t first_byte_not(const uint8_t *p, size_t n, uint8_t v)
{
	uint64_t vv = v * 0x0101010101010101ull;
	size_t i = 0;
	for (; i < n && ((uintptr_t)(p + i) & 7); i++)
		if (p[i] != v)
			return i;
	for (; i + 8 <= n; i += 8)
		if (*(const uint64_t *)(p + i) != vv)
			break;
	for (; i < n; i++)
		if (p[i] != v)
			return i;
	return n;
}

static void check_poison(struct heap_block *b)
{
	const uint8_t *p = (const uint8_t *)b + HEAP_HEADER + sizeof(b->next_free);
	size_t n = class_size(b->cls) - HEAP_HEADER - sizeof(b->next_free);
	size_t i = first_byte_not(p, n, HEAP_POISON);
	if (i < n)
		panic("kmalloc: freed block %p was written after free (offset %zu)",
		      (void *)((uint8_t *)b + HEAP_HEADER), i + sizeof(b->next_free));
}
#endif

static struct heap_block *alloc_small(unsigned cls)
{
	if (!free_lists[cls] && heap_grow(cls))
		return NULL;
	struct heap_block *b = free_lists[cls];
	if (b->magic != HEAP_MAGIC_FREE)
		panic("kmalloc: free list of class %u corrupt at %p", cls, (void *)b);
#ifdef KDEBUG
	check_poison(b);
#endif
	free_lists[cls] = b->next_free;
	return b;
}

static struct heap_block *alloc_large(size_t total)
{
	uint64_t pa;
	size_t pages = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
	if (pages > UINT32_MAX || pmm_alloc_contig(pages, &pa))
		return NULL;
	struct heap_block *b = phys_to_virt(pa);
	b->cls = HEAP_LARGE;
	b->pages = (uint32_t)pages;
	stats.large_pages += pages;
	return b;
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > UINT32_MAX)
		return NULL;
	size_t total = HEAP_HEADER + size + HEAP_REDZONE;
	int cls = size_to_class(total);
	struct heap_block *b = cls >= 0 ? alloc_small((unsigned)cls) : alloc_large(total);
	if (!b)
		return NULL;
	b->magic = HEAP_MAGIC_LIVE;
	b->size = (uint32_t)size;
	uint8_t *payload = (uint8_t *)b + HEAP_HEADER;
#ifdef KDEBUG
	memset(payload + size, HEAP_CANARY, block_bytes(b) - HEAP_HEADER - size);
#endif
	stats.live_blocks++;
	stats.live_bytes += size;
	return payload;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

static struct heap_block *block_of(void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a < PHYSMAP_BASE + HEAP_HEADER || a >= PHYSMAP_BASE + PHYSMAP_MAX || (a & 15))
		panic("kfree: %p is not a heap pointer", p);
	struct heap_block *b = (struct heap_block *)(a - HEAP_HEADER);
	if (b->magic == HEAP_MAGIC_FREE)
		panic("kfree: double free of %p", p);
	if (b->magic != HEAP_MAGIC_LIVE || (b->cls >= HEAP_CLASSES && b->cls != HEAP_LARGE))
		panic("kfree: %p has no heap header (wild pointer or underflow)", p);
	return b;
}

#ifdef KDEBUG
static void check_canary(struct heap_block *b, void *p)
{
	const uint8_t *c = (const uint8_t *)p + b->size;
	size_t n = block_bytes(b) - HEAP_HEADER - b->size;
	size_t i = first_byte_not(c, n, HEAP_CANARY);
	if (i < n)
		panic("kfree: heap overflow: %u-byte block %p written %zu bytes past its end",
		      b->size, p, i + 1);
}
#endif

void kfree(void *p)
{
	if (!p)
		return;
	struct heap_block *b = block_of(p);
#ifdef KDEBUG
	check_canary(b, p);
#endif
	stats.live_blocks--;
	stats.live_bytes -= b->size;
	if (b->cls == HEAP_LARGE) {
		b->magic = HEAP_MAGIC_FREE;     /* catches a second kfree while the frames stay free */
		stats.large_pages -= b->pages;
		pmm_free(virt_to_phys(b), b->pages);
		return;
	}
	b->magic = HEAP_MAGIC_FREE;
#ifdef KDEBUG
	memset((uint8_t *)b + HEAP_HEADER, HEAP_POISON, class_size(b->cls) - HEAP_HEADER);
#endif
	b->next_free = free_lists[b->cls];
	free_lists[b->cls] = b;
}

void heap_stats(struct heap_stats *st)
{
	*st = stats;
}
