/* Which kernel gets each RSS bucket: kernel 0 runs net/steer.h's policy over what it knows
 * of the kernels, writes the igb's redirection table and tells each kernel its buckets;
 * every kernel knows its own, for connect()'s source ports. */
#ifndef KERNEL_NETSTEER_H
#define KERNEL_NETSTEER_H

#include <stdbool.h>
#include <stdint.h>

struct igb;
struct urpc_listening;

/* Kernel 0: its igb (NULL: no RSS) and whether the policy runs (not net=kernel0). Until
 * it steers, kernel 0 owns every bucket. */
void netsteer_init(struct igb *g, bool policy);
/* Kernel 0: kernels k and up get their buckets' frames by software steering
 * (kernel/swsteer.h), so the table is kept for them too; 0: none does. */
void netsteer_soft_from(unsigned k);
/* Another kernel: it owns no bucket until kernel 0 says so (URPC_BUCKETS). */
void netsteer_ap_init(void);
/* Kernel 0: kernel k listens on these TCP ports now (its URPC_LISTENING, or its own). */
void netsteer_listening(unsigned k, const struct urpc_listening *l);
/* Kernel 0: a kernel's queue came or went. */
void netsteer_inputs_changed(void);
/* Kernel 0, from netdev_poll: tells kernels their buckets, runs the policy. */
void netsteer_poll(uint64_t now);
/* Kernel 0: gives bucket b to kernel kernel_of[b] (0, a kernel that drives a queue, or one
 * steered by software) and tells each kernel its own; -EINVAL for a kernel it cannot reach,
 * -ENODEV with neither an igb nor software steering.
 * The policy uses it; so do tests, and so will the monitor's load balancer. */
int netsteer_write(const uint8_t kernel_of[128]);
/* Kernel 0: the kernel bucket b (hash bits 6:0) is given to. */
unsigned netsteer_kernel_of(unsigned b);
/* Is RSS bucket b (hash bits 6:0) this kernel's? */
bool netsteer_bucket_mine(unsigned b);

#endif
