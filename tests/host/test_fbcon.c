/* Tests of kernel/fbcon.c and kernel/font.c: the screen console drawn into memory, its
 * pixels read back. */
#include <stdlib.h>
#include "tests/host/test.h"
#include "kernel/fbcon.h"
#include "kernel/font.h"
#include "lib/errno.h"
#include "lib/string.h"

#define W 80                    /* 10 columns */
#define H 64                    /* 4 rows */

static struct fbcon fc;

static struct boot_framebuffer mode(unsigned bpp)
{
	return (struct boot_framebuffer){ .present = true, .addr = 0, .pitch = W * bpp / 8 + 12,
					  .width = W, .height = H, .bpp = (uint8_t)bpp, .type = 1 };
}

/* The 8-pixel row y of the cell at (col, row), bit 7 leftmost: a pixel is ink when all its
 * bytes are set, paper when all are clear; anything else fails the test. */
static uint8_t cell_row(const uint8_t *px, const struct boot_framebuffer *m, unsigned col,
			unsigned row, unsigned y)
{
	unsigned bpp = m->bpp / 8u;
	const uint8_t *p = px + (row * FONT_CELL_H + y) * m->pitch + col * FONT_CELL_W * bpp;
	uint8_t bits = 0;
	for (unsigned x = 0; x < FONT_CELL_W; x++, p += bpp) {
		unsigned set = 0;
		for (unsigned i = 0; i < bpp; i++)
			set += p[i] == 0xFF ? 1 : p[i] == 0 ? 0 : 100;
		EXPECT(set == 0 || set == bpp);
		bits = (uint8_t)(bits << 1 | (set == bpp));
	}
	return bits;
}

/* The cell at (col, row) shows character c, pixel for pixel. */
static bool cell_shows(const uint8_t *px, const struct boot_framebuffer *m, unsigned col,
		       unsigned row, char c)
{
	for (unsigned y = 0; y < FONT_CELL_H; y++)
		if (cell_row(px, m, col, row, y) != font_cell_row(c, y))
			return false;
	return true;
}

TEST(font, every_glyph_differs_so_a_screen_reads_back_unambiguously)
{
	for (unsigned a = 0; a < FONT_GLYPHS; a++)
		for (unsigned b = a + 1; b < FONT_GLYPHS; b++)
			EXPECT(test_memcmp(font_glyphs[a], font_glyphs[b], FONT_ROWS) != 0);
	EXPECT_EQ_U64(font_cell_row(' ', 5), 0);
	EXPECT_EQ_U64(font_cell_row('A', 0), 0);          /* the blank top line of a cell */
	EXPECT_EQ_U64(font_cell_row('A', 1), font_cell_row('A', 2));
	EXPECT_EQ_U64(font_cell_row('\x01', 3), font_cell_row('?', 3));
}

TEST(fbcon, draws_each_character_in_its_cell_at_16_24_and_32_bits)
{
	static const unsigned depths[] = { 16, 24, 32 };
	for (unsigned i = 0; i < 3; i++) {
		struct boot_framebuffer m = mode(depths[i]);
		uint8_t *px = malloc(m.pitch * H);
		memset(px, 0x5A, m.pitch * H);
		EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), 0);
		EXPECT_EQ_U64(fc.cols, 10);
		EXPECT_EQ_U64(fc.rows, 4);
		fbcon_put(&fc, "[k0] Hi\nx", 9);
		EXPECT(cell_shows(px, &m, 0, 0, '['));
		EXPECT(cell_shows(px, &m, 1, 0, 'k'));
		EXPECT(cell_shows(px, &m, 6, 0, 'i'));
		EXPECT(cell_shows(px, &m, 7, 0, ' '));   /* cleared by setup */
		EXPECT(cell_shows(px, &m, 0, 1, 'x'));
		free(px);
	}
}

TEST(fbcon, long_line_wraps_and_backspace_steps_back)
{
	struct boot_framebuffer m = mode(32);
	uint8_t *px = malloc(m.pitch * H);
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), 0);
	fbcon_put(&fc, "0123456789AB", 12);
	EXPECT(cell_shows(px, &m, 9, 0, '9'));
	EXPECT(cell_shows(px, &m, 1, 1, 'B'));
	fbcon_put(&fc, "\b \bC", 4);
	EXPECT(cell_shows(px, &m, 1, 1, 'C'));
	EXPECT(cell_shows(px, &m, 2, 1, ' '));
	free(px);
}

/* A full screen keeps its lower half, moved to the top, and goes on below it. */
TEST(fbcon, full_screen_scrolls_by_half_keeping_the_latest_lines)
{
	struct boot_framebuffer m = mode(32);
	uint8_t *px = malloc(m.pitch * H);
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), 0);
	fbcon_put(&fc, "a\nb\nc\nd\ne", 9);
	EXPECT(cell_shows(px, &m, 0, 0, 'c'));
	EXPECT(cell_shows(px, &m, 0, 1, 'd'));
	EXPECT(cell_shows(px, &m, 0, 2, 'e'));
	EXPECT(cell_shows(px, &m, 0, 3, ' '));
	EXPECT_EQ_U64(fc.row, 2);
	free(px);
}

TEST(fbcon, refuses_modes_it_cannot_draw)
{
	uint8_t px[64];
	struct boot_framebuffer m = mode(32);
	m.type = 2;                                     /* EGA text */
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), (uint64_t)-EINVAL);
	m = mode(8);
	m.type = 0;                                     /* indexed colour */
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), (uint64_t)-EINVAL);
	m = mode(15);
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), (uint64_t)-EINVAL);
	m = mode(32);
	m.height = FONT_CELL_H - 1;                     /* not one cell high */
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), (uint64_t)-EINVAL);
	m = mode(32);
	m.pitch = W * 4 - 4;                            /* rows overlap */
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), (uint64_t)-EINVAL);
	m.present = false;
	EXPECT_EQ_U64(fbcon_setup(&fc, px, &m), (uint64_t)-EINVAL);
}
