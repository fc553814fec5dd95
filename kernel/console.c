/* Kernel console. Output is gathered into lines; each line goes out whole and tagged with
 * its kernel ("[k2] ..."). The serial port, and the screen when the loader set up a
 * framebuffer (kernel/fbscreen.c), belong to kernel 0: other kernels send their
 * lines to it over URPC (kernel/smp.c prints them). Until an AP's channels are up its lines
 * wait in a small buffer; a panicking AP, or one whose kernel 0 is dead, writes to the port
 * itself (the direct path), accepting that its lines may then interleave. */
#include "kernel/console.h"
#include "kernel/fbcon.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/serial.h"
#include "kernel/urpc/peer.h"
#include "kernel/smp.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "lib/util.h"

#define CONSOLE_LINE_MAX 200
#define CONSOLE_EARLY    4096

static enum log_level console_threshold = LOG_INFO;
static char line[CONSOLE_LINE_MAX];
static size_t line_len;
static bool line_shown;                 /* the start of line is already on the port */
static bool user_output;                /* what is being written comes from write(1/2) */
static char shown[CONSOLE_LINE_MAX];    /* that start (a prompt), to show again */
static int shown_pid;                   /* the process whose prompt it is (0: the kernel) */
static size_t shown_len;
static char edit[CONSOLE_LINE_MAX];     /* the line being typed (kernel 0's input) */
static size_t edit_len;
static bool direct;                     /* write to the port, whoever we are */
static char early[CONSOLE_EARLY];       /* an AP's lines before its channels exist */
static size_t early_len;
static unsigned early_dropped;

static const char *const level_names[] = {
	[LOG_ERR] = "err",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void console_init(void)
{
	if (kself.core == 0)
		serial_init(SERIAL_COM1, 115200);
	else
		serial_attach(SERIAL_COM1);     /* kernel 0 programmed it */
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

/* Everything written goes to both sinks: the port and the screen. */
static void console_out(const char *s, size_t n)
{
	serial_write(s, n);
	fbcon_write(s, n);
}

static void write_tagged(unsigned core, const char *s, size_t n)
{
	char tag[16];
	int t = snprintf(tag, sizeof(tag), "[k%u] ", core);
	console_out(tag, (size_t)t);
	console_out(s, n);
}

/* Another kernel's line arriving while a prompt (and what was typed after it) is on the
 * terminal goes on a line of its own; the prompt and the typing are shown again below it,
 * so no line ever holds two kernels' text. */
static int current_pid(void)
{
	struct proc *p = proc_current();
	return p ? p->pid : 0;
}

/* What is being written finishes the prompt's line: the prompting program's own output. */
static bool finishes_prompt(void)
{
	return line_shown && user_output && current_pid() == shown_pid;
}

void console_write_line(unsigned core, const char *s, size_t n)
{
	bool redraw = line_shown && !finishes_prompt();
	if (redraw)
		console_out("\n", 1);
	write_tagged(core, s, n);
	console_out("\n", 1);
	if (redraw) {
		write_tagged(kself.core, shown, shown_len);
		console_out(edit, edit_len);
	}
}

void console_set_direct(void)
{
	direct = true;
}

/* Sends a line to kernel 0 in URPC-sized pieces. Waiting for room does not poll our own
 * channels (a handler could print and re-enter here); kernel 0 always polls while it waits,
 * so the room comes, unless kernel 0 is dead, in which case the port is ours. */
static void console_forward(const char *s, size_t n)
{
	do {
		size_t k = MIN(n, (size_t)URPC_PAYLOAD);
		uint8_t flags = k == n ? URPC_F_END : 0;
		int err;
		while ((err = peer_send(0, URPC_CONSOLE, flags, s, k)) == -EAGAIN) {
			if (!peer_alive(0)) {
				direct = true;
				console_write_line(kself.core, s, n);
				return;
			}
			cpu_relax();
		}
		s += k;
		n -= k;
	} while (n > 0);
}

static void console_keep_early(const char *s, size_t n)
{
	if (early_len + n + 1 > sizeof(early)) {
		early_dropped++;
		return;
	}
	memcpy(early + early_len, s, n);
	early[early_len + n] = '\n';
	early_len += n + 1;
}

static void console_line_out(const char *s, size_t n)
{
	if (finishes_prompt()) {                /* the program finishes its prompt's line */
		console_out(s, n);
		console_out("\n", 1);
		line_shown = false;
		return;
	}
	if (line_shown && kself.core == 0) {    /* anyone else's line goes under the prompt */
		console_write_line(kself.core, s, n);
		return;
	}
	if (kself.core == 0 || direct)
		console_write_line(kself.core, s, n);
	else if (!peer_ready())
		console_keep_early(s, n);
	else
		console_forward(s, n);
}

/* End of the line starting at s (the buffer always ends in one). */
static const char *memchr_line(const char *s, size_t n)
{
	const char *end = s + n;
	while (s < end && *s != '\n')
		s++;
	return s;
}

/* An AP calls this once its channels work. */
void console_flush_early(void)
{
	bool irq = irq_save();
	for (size_t at = 0; at < early_len; ) {
		const char *nl = memchr_line(early + at, early_len - at);
		size_t n = (size_t)(nl - (early + at));
		console_line_out(early + at, n);
		at += n + 1;
	}
	early_len = 0;
	irq_restore(irq);
	if (early_dropped)
		kprintf("console: %u early lines did not fit the buffer and were dropped\n", early_dropped);
}

static void console_emit(void *arg, const char *s, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' || line_len == sizeof(line)) {
			console_line_out(line, line_len);
			line_len = 0;
			if (s[i] == '\n')
				continue;
		}
		line[line_len++] = s[i];
	}
}

/* Interrupts stay off for the whole message so that a handler's output cannot land in the
 * middle of a line. */
int kvprintf(const char *fmt, va_list ap)
{
	bool irq = irq_save();
	int n = fmt_format(console_emit, NULL, fmt, ap);
	irq_restore(irq);
	return n;
}

/* A program's write(1/2): its text may finish the line its prompt started. */
void console_user_write(const char *s, size_t n)
{
	bool irq = irq_save();
	user_output = true;
	kprintf("%.*s", (int)n, s);
	user_output = false;
	irq_restore(irq);
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

/* --- input (kernel 0 owns the port) --- */

#define INPUT_MAX 1024

static char ready[INPUT_MAX];           /* finished lines, waiting for read(0) */
static size_t ready_len;
static struct waitq input_waiters = { LIST_HEAD_INIT(input_waiters.waiters) };

/* Shows kernel 0's unfinished line (a prompt) before a read waits for input; the rest of
 * the line follows it when it is finished. */
static void console_show_partial(void)
{
	if (line_len == 0 || line_shown || kself.core != 0)
		return;
	write_tagged(kself.core, line, line_len);
	memcpy(shown, line, line_len);
	shown_len = line_len;
	shown_pid = current_pid();
	line_len = 0;
	line_shown = true;
}

/* A line discipline in the manner of a cooked tty: echo, backspace, and lines handed to
 * readers on Enter. Called from the tick, so typing never waits for a reader. */
void console_poll_input(void)
{
	int c;
	bool woke = false;

	if (kself.core != 0)
		return;
	while ((c = serial_getc()) >= 0) {
		if (c == '\r' || c == '\n') {
			console_out("\n", 1);
			line_shown = false;     /* Enter ended the prompt's line on the terminal */
			if (ready_len + edit_len + 1 <= sizeof(ready)) {
				memcpy(ready + ready_len, edit, edit_len);
				ready[ready_len + edit_len] = '\n';
				ready_len += edit_len + 1;
			}
			edit_len = 0;
			woke = true;
		} else if (c == 0x7F || c == 0x08) {
			if (edit_len > 0) {
				edit_len--;
				console_out("\b \b", 3);
			}
		} else if (c >= 0x20 && c < 0x7F && edit_len < sizeof(edit)) {
			char ch = (char)c;
			edit[edit_len++] = ch;
			console_out(&ch, 1);
		}
	}
	if (woke)
		waitq_wake_all(&input_waiters);
}

/* Blocks until a line is typed; returns up to n bytes of it (the rest stays for the next
 * read). */
size_t console_read(char *buf, size_t n)
{
	bool irq = irq_save();
	console_show_partial();
	while (ready_len == 0) {
		if (proc_current() && proc_current()->killed) {
			irq_restore(irq);
			return 0;
		}
		waitq_wait(&input_waiters, 0);
	}
	size_t line_end = 0;
	while (line_end < ready_len && ready[line_end] != '\n')
		line_end++;
	size_t k = MIN(n, line_end + 1);
	memcpy(buf, ready, k);
	memmove(ready, ready + k, ready_len - k);
	ready_len -= k;
	irq_restore(irq);
	return k;
}
