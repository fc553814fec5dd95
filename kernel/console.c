/* Kernel console: kprintf and leveled logging, written to the serial port a line at a time. */
#include "kernel/console.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/serial.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/util.h"

static enum log_level console_threshold = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERR] = "err",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void console_init(void)
{
	serial_init(SERIAL_COM1, 115200);
}

void console_set_level(enum log_level level)
{
	console_threshold = level;
}

enum log_level console_level(void)
{
	return console_threshold;
}

/* Accepts a level name ("info") or its number ("2"), as loglevel= on the command line. */
int console_parse_level(const char *name, enum log_level *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0 || (name[0] == (char)('0' + i) && !name[1])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Output is collected into a small buffer and flushed in pieces, so that a line written
 * with interrupts off reaches the port in few calls. */
struct console_buf {
	char data[128];
	size_t len;
};

static void console_flush(struct console_buf *b)
{
	serial_write(b->data, b->len);
	b->len = 0;
}

static void console_emit(void *arg, const char *s, size_t n)
{
	struct console_buf *b = arg;

	while (n > 0) {
		size_t room = sizeof(b->data) - b->len;
		size_t take = MIN(room, n);
		memcpy(b->data + b->len, s, take);
		b->len += take;
		s += take;
		n -= take;
		if (b->len == sizeof(b->data))
			console_flush(b);
	}
}

/* Interrupts stay off for the whole message so that a handler's output cannot land in the
 * middle of a line. */
int kvprintf(const char *fmt, va_list ap)
{
	struct console_buf b = { .len = 0 };
	bool irq = irq_save();
	int n = fmt_format(console_emit, &b, fmt, ap);
	console_flush(&b);
	irq_restore(irq);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > console_threshold)
		return;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
