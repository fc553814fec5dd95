/* Kernel console: formatted output with log levels, over the serial port. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void console_init(void);
void console_set_level(enum log_level level);
enum log_level console_level(void);
int console_parse_level(const char *name, enum log_level *out);

/* Writes one tagged line to the serial port (kernel 0, or the direct path). */
void console_write_line(unsigned core, const char *s, size_t n);
/* From now on this kernel writes to the port itself (panics). */
void console_set_direct(void);
void console_flush_early(void);
void console_user_write(const char *s, size_t n);
/* Console input (kernel 0): taken from the port at each tick, read a line at a time. */
void console_poll_input(void);
size_t console_read(char *buf, size_t n);

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)   klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
