/* malloc/free over sbrk: a first-fit free list, address-ordered, with neighbours merged on
 * free. Headers keep sizes; a magic word catches frees of what malloc did not return. */
#include "user/lib/flotilla.h"

#define MALLOC_MAGIC 0x4D414C4Cu
#define ALIGN16(n) (((n) + 15) & ~(size_t)15)
#define GROW_MIN (64 * 1024)

struct block {
	size_t size;            /* bytes after the header */
	uint32_t magic;
	uint32_t free;
	struct block *next;     /* free list, by address */
	uint64_t pad;
};
_Static_assert(sizeof(struct block) == 32, "header keeps payloads 16-byte aligned");

static struct block *free_list;

static void insert_free(struct block *b)
{
	struct block **pp = &free_list;
	while (*pp && *pp < b)
		pp = &(*pp)->next;
	b->next = *pp;
	*pp = b;
	b->free = 1;
	/* Merge with the next block, then with the previous one, when they touch. */
	if (b->next && (char *)(b + 1) + b->size == (char *)b->next) {
		b->size += sizeof(struct block) + b->next->size;
		b->next = b->next->next;
	}
	if (pp != &free_list) {
		struct block *prev = (struct block *)((char *)pp - offsetof(struct block, next));
		if ((char *)(prev + 1) + prev->size == (char *)b) {
			prev->size += sizeof(struct block) + b->size;
			prev->next = b->next;
		}
	}
}

static int grow(size_t need)
{
	size_t n = need + sizeof(struct block) > GROW_MIN ? need + sizeof(struct block) : GROW_MIN;
	struct block *b = sbrk((long)ALIGN16(n));
	if (b == (void *)-1)
		return -1;
	b->size = ALIGN16(n) - sizeof(struct block);
	b->magic = MALLOC_MAGIC;
	insert_free(b);
	return 0;
}

void *malloc(size_t n)
{
	if (n == 0 || n > (1ul << 40))
		return NULL;
	n = ALIGN16(n);
	for (int attempt = 0; attempt < 2; attempt++) {
		for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
			struct block *b = *pp;
			if (b->size < n)
				continue;
			if (b->size >= n + sizeof(struct block) + 16) {         /* split */
				struct block *rest = (struct block *)((char *)(b + 1) + n);
				rest->size = b->size - n - sizeof(struct block);
				rest->magic = MALLOC_MAGIC;
				rest->free = 1;
				rest->next = b->next;
				b->next = rest;
				b->size = n;
			}
			*pp = b->next;
			b->free = 0;
			return b + 1;
		}
		if (grow(n))
			break;
	}
	errno = ENOMEM;
	return NULL;
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)p - 1;
	if (b->magic != MALLOC_MAGIC || b->free) {
		printf("free: %p was not allocated by malloc, or was freed twice\n", p);
		exit(134);
	}
	insert_free(b);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}
