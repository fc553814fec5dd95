/* Which kernel gets each RSS bucket: kernel 0 runs net/steer.h's policy over what it knows
 * of the kernels, writes the NIC's redirection table (and on an 82599 its Flow Director
 * groups, 32 a bucket: drivers/nic.h) and tells each kernel its buckets; every kernel knows
 * its own, for connect()'s source ports. */
#ifndef KERNEL_NETSTEER_H
#define KERNEL_NETSTEER_H

#include <stdbool.h>
#include <stdint.h>

struct nic_ctl;
struct steer_mask;
struct steer_ports;

/* Kernel 0: its multi-queue NIC's control part (NULL: no RSS) and whether the policy runs
 * (not net=kernel0). Until it steers, kernel 0 owns every bucket. */
void netsteer_init(const struct nic_ctl *c, bool policy);
/* Does the NIC steer TCP segments by their Flow Director group rather than their hash
 * (drivers/nic.h)? Kernel 0 knows from its NIC; another kernel is told by kernel 0's
 * interface configuration (kernel/netshare.c), through netsteer_set_by_group. */
bool netsteer_by_group(void);
void netsteer_set_by_group(bool on);
/* The bucket a received TCP/IPv4 segment lands in, given its Toeplitz hash (the symmetric
 * key) and its source port: the software's view of what the NIC does (nic_tcp_bucket). */
unsigned netsteer_tcp_bucket(uint32_t hash, uint16_t sport);
/* Kernel 0: kernels k and up get their buckets' frames by software steering
 * (kernel/swsteer.h), so the table is kept for them too; 0: none does. */
void netsteer_soft_from(unsigned k);
/* Another kernel: it owns no bucket until kernel 0 says so (URPC_BUCKETS). */
void netsteer_ap_init(void);
/* Kernel 0: kernel k listens on these TCP ports now (its report, kernel/netports.h). */
void netsteer_listening(unsigned k, const struct steer_ports *p);
/* Kernel 0: a kernel's queue came or went. */
void netsteer_inputs_changed(void);
/* Kernel 0, from netdev_poll: tells kernels their buckets, runs the policy. */
void netsteer_poll(uint64_t now);
/* Kernel 0: moves the buckets to kernel `to` under their live connections, by the move
 * exchange (kernel/netmove.h); the policy's own changes go this way too. Returns how many
 * moves began (0: the buckets are `to`'s already; the table changes when each move's new
 * owner is ready); -EBUSY while one of the buckets is mid-move, -EINVAL for a kernel that
 * cannot own buckets (neither a queue nor software steering, or dead), -ENODEV with
 * nothing to steer; -ENOSPC with too many moves in flight. */
int netsteer_move(const struct steer_mask *buckets, unsigned to);
/* Kernel 0, for the move exchange once the new owner is ready: the table with buckets on
 * `to`, written (netsteer_write's result). */
int netsteer_give(const struct steer_mask *buckets, unsigned to);
/* Kernel 0: gives bucket b to kernel kernel_of[b] (0, a kernel that drives a queue, or one
 * steered by software) and tells each kernel its own; -EINVAL for a kernel it cannot reach,
 * -ENODEV with neither a multi-queue NIC nor software steering; the NIC's error if it did not
 * take the table (which is then not taken as written).
 * At once: connections in a bucket that changes kernel break (netsteer_move keeps them);
 * the move exchange and tests use it. */
int netsteer_write(const uint8_t kernel_of[128]);
/* SYS_STEER (kernel/syscall.h): the table, or a move asked of kernel 0 from any kernel. */
int64_t netsteer_syscall(uint64_t op, uint64_t uarg, uint64_t to);
/* Kernel 0: the kernel bucket b (hash bits 6:0) is given to. */
unsigned netsteer_kernel_of(unsigned b);
/* Is RSS bucket b (hash bits 6:0) this kernel's? */
bool netsteer_bucket_mine(unsigned b);

#endif
