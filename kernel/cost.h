/* This kernel's count of the events that cost most under emulation, where each is a trip
 * out of translated code into QEMU: device register accesses, interrupts, LAPIC writes,
 * system calls, context switches, halts, and the bytes copied across the user boundary;
 * and the time inside the NIC's register accesses, which under QEMU is the device model's.
 * Counted as they happen, never reset; SYS_KERNEL_INFO hands them out (httpd's /status
 * "cost") and tools/bench/cost.sh divides their growth over a wrk run by its requests. */
#ifndef KERNEL_COST_H
#define KERNEL_COST_H

#include <stdint.h>

struct kcost {
	uint64_t nic_reads, nic_writes;         /* NIC register accesses (drivers/nic.h) */
	uint64_t nic_cycles;                    /* TSC cycles inside those accesses */
	uint64_t lapic_writes;                  /* EOIs, timer and IPI writes */
	uint64_t interrupts;                    /* every vector past the exceptions */
	uint64_t syscalls;
	uint64_t switches;                      /* context switches to another thread */
	uint64_t halts;                         /* idle waits: each ends with a wake-up */
	uint64_t user_copy_bytes;               /* copy_to_user and copy_from_user */
};

/* One per kernel: each kernel's image has its own. Only its own core writes it. */
extern struct kcost kcost;

#endif
