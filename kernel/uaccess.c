/* User memory access. The process cannot change its mappings while the kernel copies (each
 * kernel runs one thread at a time, and kernel code is not preempted), so checking the page
 * tables first is enough; with SMAP, the copy itself opens user pages with STAC/CLAC. */
#include "kernel/uaccess.h"
#include "kernel/cost.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/console.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/vmm.h"
#include "kernel/proc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

static bool smap_on;

void uaccess_init(void)
{
	uint64_t cr4 = cr4_read();
	if (cpu_info.smep)
		cr4 |= CR4_SMEP;
	if (cpu_info.smap) {
		cr4 |= CR4_SMAP;
		smap_on = true;
	}
	cr4_write(cr4);
}

static void user_open(void) { if (smap_on) __asm__ volatile("stac" ::: "memory"); }
static void user_close(void) { if (smap_on) __asm__ volatile("clac" ::: "memory"); }

/* Every page of [u, u + n) is a user page with the rights asked for. */
static int check_range(uint64_t u, size_t n, bool write)
{
	struct proc *p = proc_current();
	unsigned rights;

	if (!p || u + n < u || u + n > USER_TOP)
		return -EFAULT;
	for (uint64_t page = ALIGN_DOWN(u, PAGE_SIZE); page < u + n; page += PAGE_SIZE) {
		if (vm_translate(&p->vm, page, NULL, &rights) || !(rights & VM_USER) ||
		    (write && !(rights & VM_WRITE)))
			return -EFAULT;
	}
	return 0;
}

int check_user_buffer(uint64_t u, size_t n)
{
	return check_range(u, n, true);
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	int err = check_range(usrc, n, false);
	if (err)
		return err;
	user_open();
	memcpy(dst, (const void *)(uintptr_t)usrc, n);
	user_close();
	kcost.user_copy_bytes += n;
	return 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	int err = check_range(udst, n, true);
	if (err)
		return err;
	user_open();
	memcpy((void *)(uintptr_t)udst, src, n);
	user_close();
	kcost.user_copy_bytes += n;
	return 0;
}

/* A page is checked once, then read up to the NUL: not a page-table walk per byte (the
 * profiler had this at 2-3% of an httpd benchmark, one open() per request). */
int copy_string_from_user(char *dst, uint64_t usrc, size_t max)
{
	size_t i = 0;
	while (i < max) {
		uint64_t u = usrc + i;
		size_t chunk = PAGE_SIZE - (u & (PAGE_SIZE - 1));
		if (chunk > max - i)
			chunk = max - i;
		int err = check_range(u, chunk, false);
		if (err)
			return err;
		user_open();
		const char *s = (const char *)(uintptr_t)u;
		for (size_t k = 0; k < chunk; k++, i++) {
			dst[i] = s[k];
			if (dst[i] == '\0') {
				user_close();
				return 0;
			}
		}
		user_close();
	}
	if (max)
		dst[max - 1] = '\0';
	return -ENAMETOOLONG;
}
