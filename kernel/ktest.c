/* The in-kernel test runner: one "ktest: PASS|FAIL name" line per test over the console,
 * which tests/kernel/run.sh reads. */
#include "kernel/ktest.h"
#include "kernel/console.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/vmm.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "lib/string.h"

extern const struct ktest _ktests_start[], _ktests_end[];

static unsigned current_failures;
static const char *current_skip;

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("ktest:   %s:%d: %s\n", file, line, msg);
	current_failures++;
}

void ktest_skip(const char *why)
{
	current_skip = why;
}

bool ktest_contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (; *haystack; haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return true;
	return n == 0;
}

/* "all" leaves out tests named *_alone, which end something (a kernel) for the rest, and
 * the benchmarks (bench_*), which take long. */
static bool ktest_selected(const char *spec, const char *name)
{
	if (strcmp(spec, "all") == 0)
		return !ktest_contains(name, "_alone") && strncmp(name, "bench_", 6) != 0;
	return cmdline_list_contains(spec, name);
}

/* A test must give back every heap block and frame it took; a leak is a failure. The heap's
 * slabs and new page-table pages may stay, as they would after any kernel work. */
static void ktest_run_one(const struct ktest *t)
{
	struct heap_stats before, after;
	size_t frames = pmm_free_frames(), tables = vmm_table_pages();

	heap_stats(&before);
	current_failures = 0;
	current_skip = NULL;
	t->fn();
	heap_stats(&after);
	if (after.live_blocks != before.live_blocks)
		ktest_fail(t->file, 0, "leaked %ld heap blocks",
			   (long)(after.live_blocks - before.live_blocks));
	size_t kept = (after.slab_pages - before.slab_pages) + (vmm_table_pages() - tables);
	size_t taken = frames > pmm_free_frames() ? frames - pmm_free_frames() : 0;
	if (taken > kept)
		ktest_fail(t->file, 0, "leaked %zu frames", taken - kept);
}

int ktest_run(const char *spec, unsigned *passed)
{
	unsigned failed = 0, selected = 0;

	*passed = 0;
	for (const struct ktest *t = _ktests_start; t < _ktests_end; t++) {
		if (!ktest_selected(spec, t->name))
			continue;
		selected++;
		kprintf("ktest: RUN %s\n", t->name);
		ktest_run_one(t);
		if (current_skip && !current_failures && !t->needs[0]) {
			failed++;
			kprintf("ktest:   %s: skipped (%s) but declares no needs (KTEST_NEEDS)\n",
				t->file, current_skip);
			kprintf("ktest: FAIL %s\n", t->name);
		} else if (current_skip && !current_failures) {
			kprintf("ktest: SKIP %s: %s (needs %s)\n", t->name, current_skip, t->needs);
		} else if (current_failures) {
			failed++;
			kprintf("ktest: FAIL %s\n", t->name);
		} else {
			(*passed)++;
			kprintf("ktest: PASS %s\n", t->name);
		}
	}
	if (selected == 0) {
		kprintf("ktest: no test matches \"%s\"\n", spec);
		failed++;
	}
	kprintf("ktest: %u passed, %u failed\n", *passed, failed);
	return (int)failed;
}
