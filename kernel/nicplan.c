/* Which kernel drives which NIC queue, through which MSI-X entry and vector (nicplan.h). */
#include "kernel/nicplan.h"
#include "kernel/arch/x86_64/trap.h"

unsigned nic_plan_entry(unsigned queue)
{
	return queue == 0 ? 0 : queue + 1;
}

bool nic_plan_routable(unsigned queue, unsigned nic_queues, unsigned msix_entries)
{
	return queue < nic_queues && nic_plan_entry(queue) < msix_entries;
}

unsigned nic_plan_queues(unsigned ncores, unsigned nic_queues, unsigned msix_entries)
{
	unsigned n = 0;
	while (n < ncores && nic_plan_routable(n, nic_queues, msix_entries))
		n++;
	return n;
}

bool nic_plan_seat(unsigned k, unsigned queues, struct nic_seat *s)
{
	if (k >= queues || k > UINT8_MAX - 1)
		return false;
	s->queue = (uint8_t)k;
	s->msix_entry = (uint8_t)nic_plan_entry(k);
	s->vector = VEC_NIC;
	return true;
}
