/* The framebuffer console's drawing: text cells on a direct-colour linear framebuffer
 * (Multiboot2 specification 1.0, section 3.6.12: framebuffer_type 1). Pure: no kernel
 * services, so the host tests draw into memory and read the pixels back. */
#include "kernel/fbcon.h"
#include "kernel/font.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

#define FB_TYPE_RGB 1

/* Ink is every bit set and paper every bit clear: white on black in any channel order, so
 * the colour field positions of the tag are not needed. */
static void put_pixel(struct fbcon *fc, uint8_t *p, bool ink)
{
	uint8_t v = ink ? 0xFF : 0x00;
	for (unsigned i = 0; i < fc->bytes_pp; i++)
		p[i] = v;
}

static void draw_cell(struct fbcon *fc, unsigned col, unsigned row)
{
	char c = fc->text[row][col];
	uint8_t *line = fc->base + (size_t)row * FONT_CELL_H * fc->pitch +
			(size_t)col * FONT_CELL_W * fc->bytes_pp;

	for (unsigned y = 0; y < FONT_CELL_H; y++, line += fc->pitch) {
		uint8_t bits = font_cell_row(c, y);
		for (unsigned x = 0; x < FONT_CELL_W; x++)
			put_pixel(fc, line + x * fc->bytes_pp, bits & (0x80 >> x));
	}
}

static void redraw(struct fbcon *fc)
{
	for (unsigned r = 0; r < fc->rows; r++)
		for (unsigned c = 0; c < fc->cols; c++)
			draw_cell(fc, c, r);
}

int fbcon_setup(struct fbcon *fc, void *base, const struct boot_framebuffer *fb)
{
	if (!fb->present || fb->type != FB_TYPE_RGB ||
	    (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32))
		return -EINVAL;
	if (fb->width < FONT_CELL_W || fb->height < FONT_CELL_H ||
	    fb->pitch < fb->width * (fb->bpp / 8u))
		return -EINVAL;
	fc->base = base;
	fc->pitch = fb->pitch;
	fc->bytes_pp = fb->bpp / 8u;
	fc->cols = MIN(fb->width / FONT_CELL_W, (uint32_t)FBCON_COLS_MAX);
	fc->rows = MIN(fb->height / FONT_CELL_H, (uint32_t)FBCON_ROWS_MAX);
	fc->col = fc->row = 0;
	memset(fc->text, ' ', sizeof(fc->text));
	redraw(fc);
	return 0;
}

/* A full screen moves up by half its rows in one redraw, not a line at a time: the cost of
 * drawing every cell is paid once per half screen of lines. */
static void newline(struct fbcon *fc)
{
	fc->col = 0;
	if (++fc->row < fc->rows)
		return;
	unsigned keep = fc->rows / 2, drop = fc->rows - keep;
	memmove(fc->text[0], fc->text[drop], (size_t)keep * sizeof(fc->text[0]));
	memset(fc->text[keep], ' ', (size_t)drop * sizeof(fc->text[0]));
	fc->row = keep;
	redraw(fc);
}

static void put_char(struct fbcon *fc, char c)
{
	if (c == '\n') {
		newline(fc);
	} else if (c == '\b') {
		if (fc->col > 0)
			fc->col--;
	} else if (c != '\r') {
		if (fc->col == fc->cols)
			newline(fc);
		fc->text[fc->row][fc->col] = c;
		draw_cell(fc, fc->col, fc->row);
		fc->col++;
	}
}

void fbcon_put(struct fbcon *fc, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_char(fc, s[i]);
}
