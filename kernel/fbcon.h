/* The framebuffer console: kernel 0's console lines drawn on the screen GRUB set up
 * (multiboot2 framebuffer tag), for machines without a serial port. */
#ifndef KERNEL_FBCON_H
#define KERNEL_FBCON_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/bootinfo.h"

#define FBCON_COLS_MAX 240      /* 1920 pixels; a wider screen uses its left part */
#define FBCON_ROWS_MAX 75       /* 1200 pixels */
#define FBCON_PENDING  4096     /* what is written before the screen is mapped */

/* A screen of text: the pixels, and what each cell holds (redrawn on scrolling, so the
 * pixels are only ever written, never read back: framebuffer reads are slow). */
struct fbcon {
	uint8_t *base;
	uint32_t pitch;                 /* bytes per pixel row */
	unsigned bytes_pp;              /* 2, 3 or 4 */
	unsigned cols, rows, col, row;
	char text[FBCON_ROWS_MAX][FBCON_COLS_MAX];
};

/* Lays a console over pixels at base; -EINVAL for a mode it cannot draw (not direct RGB,
 * not 16, 24 or 32 bits a pixel, or smaller than one cell). Clears the screen. */
int fbcon_setup(struct fbcon *fc, void *base, const struct boot_framebuffer *fb);
/* Draws text: '\n' starts a line, '\b' steps back, other bytes are characters. A full
 * screen scrolls by half its height at once. */
void fbcon_put(struct fbcon *fc, const char *s, size_t n);

/* Kernel 0's screen: fbcon_init maps the framebuffer the loader described (after the
 * memory manager is up) and shows what fbcon_write was given before. */
int fbcon_init(const struct boot_framebuffer *fb);
void fbcon_write(const char *s, size_t n);

#endif
