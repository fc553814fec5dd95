/* The host's side of the kernel calls in fuzz_urpc (kernel_stubs.c): what the harness reads
 * back or moves by hand. */
#ifndef TESTS_FUZZ_KERNEL_STUBS_H
#define TESTS_FUZZ_KERNEL_STUBS_H

#include <stdint.h>

extern uint64_t stub_ticks;             /* time_ticks() */
extern uint8_t stub_reta[128];          /* the redirection table last written */
extern unsigned stub_reta_writes, stub_ipis;
struct nic_ctl;
extern const struct nic_ctl stub_nic;   /* kernel 0's NIC: its steer_write fills stub_reta */

#endif
