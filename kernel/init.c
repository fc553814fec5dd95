/* Boot table reader: "KERNELS PROGRAM [ARGS...]" per line, # comments. */
#include "kernel/init.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define INIT_LINE_MAX 256

/* "*", "2" or "0,3": does the field name this kernel? */
static bool names_this_kernel(const char *field)
{
	char me[12];
	if (strcmp(field, "*") == 0)
		return true;
	snprintf(me, sizeof(me), "%u", kself.core);
	return cmdline_list_contains(field, me);
}

/* Splits line in place at spaces; returns the number of words. */
static int split_words(char *line, char **words, int max)
{
	int n = 0;
	for (char *p = line; *p && n < max; ) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

static void run_line(char *line, const char *table, unsigned lineno)
{
	char *w[PROC_MAX_ARGS + 1];
	int n = split_words(line, w, PROC_MAX_ARGS + 1), pid;

	if (n == 0 || w[0][0] == '#')
		return;
	if (n < 2) {
		pr_warn("init: %s:%u: no program named; line skipped\n", table, lineno);
		return;
	}
	if (!names_this_kernel(w[0]))
		return;
	int err = proc_spawn(w[1], n - 1, (const char *const *)&w[1], 0, &pid);
	if (err)
		pr_warn("init: %s:%u: cannot start %s (error %d)\n", table, lineno, w[1], err);
	else
		pr_info("init: started %s as pid %d\n", w[1], pid);
}

void init_start_programs(void)
{
	char table[INITRD_PATH_MAX] = "/etc/init.conf", line[INIT_LINE_MAX];

	cmdline_get(boot_info.cmdline, "init", table, sizeof(table));
	if (strcmp(table, "none") == 0)
		return;
	const struct initrd_file *f = initrd_lookup(&kernel_initrd, table);
	if (!f || initrd_is_dir(f)) {
		pr_warn("init: no boot table %s; nothing started\n", table);
		return;
	}
	unsigned lineno = 0;
	for (uint64_t at = 0; at < f->size; ) {
		size_t len = 0;
		while (at + len < f->size && f->data[at + len] != '\n')
			len++;
		lineno++;
		if (len >= sizeof(line))
			pr_warn("init: %s:%u: line too long; skipped\n", table, lineno);
		else {
			memcpy(line, f->data + at, len);
			line[len] = '\0';
			run_line(line, table, lineno);
		}
		at += len + 1;
	}
}
