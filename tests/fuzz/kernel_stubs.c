/* What the kernel files built into fuzz_urpc (kernel/urpc/peer.c, kernel/netshare.c,
 * kernel/netsteer.c, kernel/netmove.c, kernel/netports.c) call outside themselves, as the
 * host stands in for it: this kernel's identity, the clock, the console, a NIC whose
 * redirection table the harness keeps, and no user memory, no sleep and no packet pool. */
#include <stdarg.h>
#include "tests/fuzz/kernel_stubs.h"
#include "drivers/nic.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/netdev.h"
#include "kernel/nicq.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "kernel/uaccess.h"
#include "lib/errno.h"
#include "kernel/time.h"
#include "net/socket.h"

struct kernel_self kself;
struct cpu_info cpu_info = { .tsc_hz = 1000000000ull };
uint64_t stub_ticks;
uint8_t stub_reta[NIC_BUCKETS];
unsigned stub_reta_writes, stub_ipis;

uint32_t kself_apic_of(unsigned core) { return core; }
int irq_register(uint8_t vector, irq_handler_fn fn) { (void)vector; (void)fn; return 0; }
void lapic_eoi(void) { }
void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { (void)apic_id; (void)vector; stub_ipis++; }
uint64_t time_ticks(void) { return stub_ticks; }
uint64_t time_uptime_ns(void) { return stub_ticks * 10000000ull; }
bool netdev_pending(void) { return false; }
struct tcp_stack *sock_tcp_stack(void) { return NULL; }
bool netdev_stack_per_kernel(void) { return true; }
void sched_sleep_ms(uint64_t ms) { stub_ticks += ms / 10 + 1; }
int copy_from_user(void *dst, uint64_t usrc, size_t n) { (void)dst, (void)usrc, (void)n; return -EFAULT; }
int copy_to_user(uint64_t udst, const void *src, size_t n) { (void)udst, (void)src, (void)n; return -EFAULT; }
int swsteer_forward(unsigned k, const uint8_t *frame, size_t len, uint32_t hash, bool tcp4)
{
	(void)k, (void)frame, (void)len, (void)hash, (void)tcp4;
	return -ENODEV;
}

/* Kernels 1 and 2 drive queues 1 and 2, so the bucket policy has someone to give to. */
unsigned nicq_queue_of(unsigned k) { return k < kself.ncores ? k : 0; }

static int stub_steer_write(void *dev, const uint8_t queue_of[NIC_BUCKETS])
{
	(void)dev;
	for (unsigned b = 0; b < NIC_BUCKETS; b++)
		stub_reta[b] = queue_of[b];
	stub_reta_writes++;
	return 0;
}

static const struct nic_ctl_ops stub_ctl_ops = { .name = "stub", .steer_write = stub_steer_write };
const struct nic_ctl stub_nic = { .ops = &stub_ctl_ops };

void klog(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}
