/* Tests of lib/list.h. */
#include "tests/host/test.h"
#include "lib/list.h"

struct item {
	int v;
	struct list_node node;
};

static int collect(struct list_node *head, int *out, int max)
{
	int n = 0;
	struct item *it;
	list_for_each_entry(it, head, node)
		if (n < max)
			out[n++] = it->v;
	return n;
}

TEST(list, add_head_tail_and_order)
{
	struct list_node head;
	struct item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 };
	int got[4];
	list_init(&head);
	EXPECT(list_empty(&head));
	EXPECT(list_first(&head) == NULL);
	list_add_tail(&head, &b.node);
	list_add_head(&head, &a.node);
	list_add_tail(&head, &c.node);
	EXPECT(!list_empty(&head));
	EXPECT_EQ_U64(collect(&head, got, 4), 3);
	EXPECT(got[0] == 1 && got[1] == 2 && got[2] == 3);
	EXPECT(list_entry(list_first(&head), struct item, node) == &a);
}

TEST(list, del_and_safe_iteration)
{
	struct list_node head;
	struct item it[5];
	int got[5];
	list_init(&head);
	for (int i = 0; i < 5; i++) {
		it[i].v = i;
		list_add_tail(&head, &it[i].node);
	}
	list_for_each_safe(pos, &head)
		if (list_entry(pos, struct item, node)->v % 2)
			list_del(pos);
	EXPECT_EQ_U64(collect(&head, got, 5), 3);
	EXPECT(got[0] == 0 && got[1] == 2 && got[2] == 4);
	EXPECT(it[1].node.next == &it[1].node);         /* a removed node points at itself */
	list_del(&it[1].node);                          /* and removing it again is harmless */
	EXPECT_EQ_U64(collect(&head, got, 5), 3);
	list_for_each_safe(pos, &head)
		list_del(pos);
	EXPECT(list_empty(&head));
}
