/* Copying to and from user memory: every range is checked against the current process's
 * page tables first, and a bad one is -EFAULT, never a kernel fault. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

void uaccess_init(void);        /* SMEP and SMAP when the CPU has them */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
/* Checks that [u, u + n) is writable user memory, before blocking to fill it. */
int check_user_buffer(uint64_t u, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes; -ENAMETOOLONG past that. */
int copy_string_from_user(char *dst, uint64_t usrc, size_t max);

#endif
