/* Kernel 0's screen: the framebuffer GRUB set up, mapped once the memory manager is up,
 * showing the console's lines (kernel/console.c writes each to it as well as to the port). */
#include "kernel/fbcon.h"
#include "kernel/mm/vmm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

static struct fbcon screen;
static bool screen_up;
static char pending[FBCON_PENDING];     /* written before the screen was mapped */
static size_t pending_len;

int fbcon_init(const struct boot_framebuffer *fb)
{
	if (!fb->present)
		return -ENODEV;
	/* Uncached: the pixels are only written, and must reach the screen, not a cache. */
	void *base = vmm_map_mmio(fb->addr, (size_t)fb->pitch * fb->height);
	if (!base)
		return -ENOMEM;
	int err = fbcon_setup(&screen, base, fb);
	if (err)
		return err;
	screen_up = true;
	fbcon_put(&screen, pending, pending_len);
	pending_len = 0;
	return 0;
}

/* Before the screen is up the text waits; what does not fit is not shown there (the
 * serial port has it all). */
void fbcon_write(const char *s, size_t n)
{
	if (screen_up) {
		fbcon_put(&screen, s, n);
		return;
	}
	size_t k = MIN(n, sizeof(pending) - pending_len);
	memcpy(pending + pending_len, s, k);
	pending_len += k;
}
