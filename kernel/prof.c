/* Sampling profiler (prof.h). HZ samples a second; a report sorts the samples by the start
 * of the function they fall in and prints the largest groups with their share. User-mode
 * samples are one group ("user"), samples the symbol table cannot place another. */
#include "kernel/prof.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/sort.h"

#define PROF_SAMPLES    8192
#define PROF_TOP        16
#define PROF_USER       1ull    /* the group of user-mode samples (no function starts at 1) */

static uint64_t samples[PROF_SAMPLES];
static volatile unsigned nsamples;
static volatile uint64_t lost;
static uint64_t period_ticks, next_report;

void prof_init(void)
{
	uint64_t secs = 0;
	if (cmdline_get_u64(boot_info.cmdline, "profile", &secs) < 0 || secs == 0)
		return;
	period_ticks = secs * HZ;
	next_report = time_ticks() + period_ticks;
	pr_info("prof: sampling at %u Hz, a report every %lu s\n", HZ, secs);
}

void prof_tick(const struct trap_frame *f)
{
	if (!period_ticks)
		return;
	if (nsamples < PROF_SAMPLES)
		samples[nsamples++] = (f->cs & 3) ? PROF_USER : f->rip;
	else
		lost++;
}

/* The start of the function holding each sample, so that one function is one value. */
static void group_by_function(uint64_t *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t off;
		if (v[i] != PROF_USER && ksym_lookup(v[i], &off))
			v[i] -= off;
	}
}

static void report(uint64_t *v, unsigned n)
{
	uint64_t top[PROF_TOP] = { 0 };
	unsigned count[PROF_TOP] = { 0 };
	group_by_function(v, n);
	sort_u64(v, n);
	for (unsigned i = 0; i < n;) {
		unsigned j = i;
		while (j < n && v[j] == v[i])
			j++;
		/* Keep the PROF_TOP largest runs, largest first. */
		unsigned c = j - i, k = PROF_TOP;
		while (k > 0 && count[k - 1] < c)
			k--;
		if (k < PROF_TOP) {
			for (unsigned m = PROF_TOP - 1; m > k; m--)
				top[m] = top[m - 1], count[m] = count[m - 1];
			top[k] = v[i], count[k] = c;
		}
		i = j;
	}
	kprintf("prof: %u samples (%lu lost)\n", n, lost);
	for (unsigned k = 0; k < PROF_TOP && count[k]; k++) {
		uint64_t off;
		const char *name = top[k] == PROF_USER ? "user" : ksym_lookup(top[k], &off);
		unsigned permille = (unsigned)(1000ull * count[k] / n);
		kprintf("prof: %3u.%u%% %6u %s\n", permille / 10, permille % 10, count[k],
			name ? name : "?");
	}
}

void prof_poll(void)
{
	static uint64_t copy[PROF_SAMPLES];
	if (!period_ticks || time_ticks() < next_report)
		return;
	next_report = time_ticks() + period_ticks;
	bool irq = irq_save();
	unsigned n = nsamples;
	for (unsigned i = 0; i < n; i++)
		copy[i] = samples[i];
	nsamples = 0;
	irq_restore(irq);
	report(copy, n);
	lost = 0;
}
