/* What the kernel files built into the host tests of the kernel path (kernel/nicq.c,
 * kernel/netsteer.c and what they call: kernel/urpc/, netshare.c, netmove.c, netports.c;
 * tests/ixgbe/kernels.h runs them) call outside themselves, as one process standing for one
 * kernel has it: its identity and APIC id from the shared region's kernel table, the TSC
 * (host_cpu.h's rdtsc, at the rate kernels.c measures), registers mapped where kernel 0 said
 * the BAR is, and no interrupts, no user memory, no TCP stack and no software steering.
 * The kernels' tick clock stands still: peer liveness (kernel/urpc/peer.c) is then each
 * status line's state alone, and no kernel here dies; the protocol's own deadlines run on
 * the TSC. tests/fuzz/kernel_stubs.c stands in for the same calls in the URPC fuzzer, with a
 * fake NIC and fake queues where these tests have the real ones, so the two are separate. */
#include "drivers/nic.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/mm/layout.h"
#include "kernel/mm/vmm.h"
#include "kernel/netdev.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/swsteer.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"
#include "kernel/urpc/shared.h"
#include "lib/errno.h"
#include "net/socket.h"
#include "tests/ixgbe/model.h"

struct kernel_self kself;
struct cpu_info cpu_info;

uint32_t kself_apic_of(unsigned core) { return shared_header()->kernels[core].apic_id; }
uint32_t lapic_id(void) { return kself.apic_id; }
int irq_register(uint8_t vector, irq_handler_fn fn) { (void)vector; (void)fn; return 0; }
void lapic_eoi(void) { }
void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { (void)apic_id; (void)vector; }
uint64_t time_ticks(void) { return 0; }
uint64_t time_uptime_ns(void) { return 0; }
bool netdev_pending(void) { return false; }
struct tcp_stack *sock_tcp_stack(void) { return NULL; }
bool netdev_stack_per_kernel(void) { return true; }
void sched_sleep_ms(uint64_t ms) { (void)ms; }
int copy_from_user(void *dst, uint64_t usrc, size_t n) { (void)dst, (void)usrc, (void)n; return -EFAULT; }
int copy_to_user(uint64_t udst, const void *src, size_t n) { (void)udst, (void)src, (void)n; return -EFAULT; }
int swsteer_forward(unsigned k, const uint8_t *frame, size_t len, uint32_t hash, bool tcp4)
{
	(void)k, (void)frame, (void)len, (void)hash, (void)tcp4;
	return -ENODEV;
}

/* The only device is the model, whose BAR 0 is its register file (the shim's pci_map_bar,
 * which ignores the device): a kernel maps exactly that, or nothing. */
void *vmm_map_mmio(uint64_t pa, size_t len)
{
	volatile void *regs = pci_map_bar(NULL, 0);
	return regs && pa == virt_to_phys((const void *)regs) && len == IXM_BAR_SIZE ?
		       phys_to_virt(pa) : NULL;
}
