/* The console's built-in font (font.c): printable ASCII drawn into 8x16 pixel cells. */
#ifndef KERNEL_FONT_H
#define KERNEL_FONT_H

#include <stdint.h>

#define FONT_FIRST  0x20        /* ' ', the first glyph */
#define FONT_GLYPHS 95          /* ' ' through '~' */
#define FONT_ROWS   7           /* rows of a glyph's shape */
#define FONT_CELL_W 8
#define FONT_CELL_H 16

extern const uint8_t font_glyphs[FONT_GLYPHS][FONT_ROWS];

/* Row y (0..15) of character c's 8x16 cell, bit 7 the leftmost pixel. The 5x7 shape sits one
 * pixel in from the left and the top, each of its rows drawn twice: 5 pixels of ink, 3 of
 * space between characters, 2 blank lines between text lines. A character outside the
 * font draws as '?'. */
static inline uint8_t font_cell_row(char c, unsigned y)
{
	unsigned g = (unsigned char)c - FONT_FIRST;
	if (g >= FONT_GLYPHS)
		g = '?' - FONT_FIRST;
	if (y < 1 || y > 2 * FONT_ROWS)
		return 0;
	return (uint8_t)(font_glyphs[g][(y - 1) / 2] << 2);
}

#endif
