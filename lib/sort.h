/* Sorting in place without allocation, for kernel code that orders measurements. */
#ifndef LIB_SORT_H
#define LIB_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Ascending; Shell sort (gaps n/2, n/4, ... 1): no recursion, no scratch memory. */
void sort_u64(uint64_t *v, size_t n);

#endif
