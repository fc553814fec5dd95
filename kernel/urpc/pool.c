/* The packet pool: one kernel's free stack and holder table for its own block (pool.h). */
#include "kernel/urpc/pool.h"
#include "lib/errno.h"

uint64_t pktpool_size_for(unsigned nkernels)
{
	return (uint64_t)nkernels * PKTPOOL_BLOCK_SIZE;
}

int pktpool_init(struct pktpool *p, void *area, unsigned self, unsigned nkernels)
{
	if (self >= nkernels || nkernels > PKTPOOL_HERE)
		return -EINVAL;
	p->area = area;
	p->self = self;
	p->nkernels = nkernels;
	p->stats = (struct pktpool_stats){ 0 };
	p->nfree = PKTPOOL_PER_KERNEL;
	for (unsigned i = 0; i < PKTPOOL_PER_KERNEL; i++) {
		/* Popped from the top: buffer 0 of the block first. */
		p->free[i] = (uint16_t)(PKTPOOL_PER_KERNEL - 1 - i);
		p->holder[i] = PKTPOOL_FREE;
	}
	return 0;
}

unsigned pktpool_owner(unsigned b)
{
	return b / PKTPOOL_PER_KERNEL;
}

uint8_t *pktpool_data(const struct pktpool *p, unsigned b)
{
	if (pktpool_owner(b) >= p->nkernels)
		return 0;
	return p->area + (uint64_t)b * PKTPOOL_BUF_SIZE;
}

/* b's slot in this kernel's block, or -1 if b is another kernel's or outside the pool. */
static int own_slot(const struct pktpool *p, unsigned b)
{
	if (pktpool_owner(b) != p->self)
		return -1;
	return (int)(b % PKTPOOL_PER_KERNEL);
}

int pktpool_alloc(struct pktpool *p)
{
	if (p->nfree == 0) {
		p->stats.exhausted++;
		return -EAGAIN;
	}
	unsigned i = p->free[--p->nfree];
	p->holder[i] = PKTPOOL_HERE;
	p->stats.allocs++;
	return (int)(p->self * PKTPOOL_PER_KERNEL + i);
}

static void put_free(struct pktpool *p, unsigned i)
{
	p->holder[i] = PKTPOOL_FREE;
	p->free[p->nfree++] = (uint16_t)i;
}

int pktpool_lend(struct pktpool *p, unsigned b, unsigned k)
{
	int i = own_slot(p, b);
	if (i < 0 || k >= p->nkernels || k == p->self)
		return -EINVAL;
	if (p->holder[i] != PKTPOOL_HERE)
		return -EPERM;
	p->holder[i] = (uint8_t)k;
	p->stats.lent++;
	return 0;
}

int pktpool_free(struct pktpool *p, unsigned b)
{
	int i = own_slot(p, b);
	if (i < 0)
		return -EINVAL;
	if (p->holder[i] == PKTPOOL_FREE) {
		p->stats.double_returns++;
		return -EALREADY;
	}
	if (p->holder[i] != PKTPOOL_HERE) {
		p->stats.not_held++;
		return -EPERM;
	}
	put_free(p, (unsigned)i);
	return 0;
}

int pktpool_returned(struct pktpool *p, unsigned b, unsigned k)
{
	int i = own_slot(p, b);
	if (i < 0) {
		p->stats.bad_refs++;
		return -EINVAL;
	}
	if (p->holder[i] == PKTPOOL_FREE) {
		p->stats.double_returns++;
		return -EALREADY;
	}
	if (p->holder[i] != k || k == p->self) {
		p->stats.not_held++;
		return -EPERM;
	}
	put_free(p, (unsigned)i);
	p->stats.returned++;
	return 0;
}

unsigned pktpool_reclaim(struct pktpool *p, unsigned k)
{
	unsigned n = 0;
	if (k >= p->nkernels || k == p->self)
		return 0;
	for (unsigned i = 0; i < PKTPOOL_PER_KERNEL; i++)
		if (p->holder[i] == k) {
			put_free(p, i);
			n++;
		}
	p->stats.reclaimed += n;
	return n;
}

int pktpool_check_ref(struct pktpool *p, unsigned b, unsigned len, unsigned from)
{
	if (from >= p->nkernels || from == p->self || pktpool_owner(b) != from ||
	    len > PKTPOOL_BUF_SIZE) {
		p->stats.bad_refs++;
		return -EINVAL;
	}
	return 0;
}

unsigned pktpool_in_use(const struct pktpool *p)
{
	return PKTPOOL_PER_KERNEL - p->nfree;
}
