/* Tests of kernel/nicplan.c: a kernel gets a queue pair only where the MSI-X table has an
 * entry to carry its interrupt. */
#include "tests/host/test.h"
#include "kernel/nicplan.h"
#include "kernel/arch/x86_64/trap.h"

TEST(nicplan, qemus_82576_routes_nine_queues_with_ten_entries)
{
	EXPECT_EQ_U64(nic_plan_queues(12, 16, 10), 9);
	EXPECT(nic_plan_routable(8, 16, 10));
	EXPECT(!nic_plan_routable(9, 16, 10));          /* it would need entry 10 */
	EXPECT(!nic_plan_routable(15, 16, 10));
}

TEST(nicplan, fewer_kernels_than_queues_each_get_one)
{
	EXPECT_EQ_U64(nic_plan_queues(2, 16, 10), 2);
	EXPECT_EQ_U64(nic_plan_queues(1, 16, 10), 1);
	EXPECT_EQ_U64(nic_plan_queues(64, 16, 25), 16);         /* a real 82576's 25 entries */
	EXPECT_EQ_U64(nic_plan_queues(4, 16, 0), 0);            /* no MSI-X: no queue at all */
}

TEST(nicplan, entries_skip_the_other_causes_entry)
{
	EXPECT_EQ_U64(nic_plan_entry(0), 0);
	EXPECT_EQ_U64(nic_plan_entry(1), 2);
	EXPECT(nic_plan_entry(1) != NIC_PLAN_OTHER_ENTRY);
	EXPECT_EQ_U64(nic_plan_entry(8), 9);
}

TEST(nicplan, a_kernel_past_the_routable_queues_has_no_seat)
{
	struct nic_seat s;
	EXPECT(nic_plan_seat(3, 9, &s));
	EXPECT_EQ_U64(s.queue, 3);
	EXPECT_EQ_U64(s.msix_entry, 4);
	EXPECT_EQ_U64(s.vector, VEC_NIC);
	EXPECT(!nic_plan_seat(9, 9, &s));
	EXPECT(!nic_plan_seat(11, 9, &s));
}
