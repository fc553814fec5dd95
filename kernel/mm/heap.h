/* Kernel heap: kmalloc/kfree. */
#ifndef KERNEL_MM_HEAP_H
#define KERNEL_MM_HEAP_H

#include <stddef.h>

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

struct heap_stats {
	size_t live_blocks;
	size_t live_bytes;      /* requested bytes of live blocks */
	size_t slab_pages;      /* pages holding small blocks */
	size_t large_pages;     /* pages of live large blocks */
};
void heap_stats(struct heap_stats *st);

#endif
