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

/* The node need not be the first member: list_entry must subtract its offset. */
struct tagged {
	char tag[13];
	struct list_node link;
	int v;
};

TEST(list, entry_of_a_member_at_an_offset)
{
	struct list_node head = LIST_HEAD_INIT(head);
	struct tagged t[3] = { { .v = 10 }, { .v = 20 }, { .v = 30 } };
	EXPECT(list_empty(&head));
	for (int i = 0; i < 3; i++)
		list_add_head(&head, &t[i].link);
	int sum = 0, order[3], n = 0;
	struct tagged *pos;
	list_for_each_entry(pos, &head, link) {
		sum += pos->v;
		if (n < 3)
			order[n++] = pos->v;
	}
	EXPECT_EQ_U64(sum, 60);
	EXPECT_EQ_U64(n, 3);
	EXPECT(order[0] == 30 && order[1] == 20 && order[2] == 10);     /* add_head: a stack */
	EXPECT(container_of(&t[1].link, struct tagged, link) == &t[1]);
}

TEST(list, deleting_the_only_node_empties_the_list)
{
	struct list_node head;
	struct item a = { .v = 1 };
	list_init(&head);
	list_add_tail(&head, &a.node);
	EXPECT(list_first(&head) == &a.node);
	EXPECT(a.node.next == &head && a.node.prev == &head);
	list_del(&a.node);
	EXPECT(list_empty(&head));
	EXPECT(head.next == &head && head.prev == &head);
	int count = 0;
	list_for_each(pos, &head)
		count++;
	EXPECT_EQ_U64(count, 0);
}

/* prev links must mirror next links, so a walk backwards sees the reverse order. */
TEST(list, prev_links_mirror_next_links)
{
	struct list_node head;
	struct item it[4];
	list_init(&head);
	for (int i = 0; i < 4; i++) {
		it[i].v = i;
		list_add_tail(&head, &it[i].node);
	}
	list_del(&it[2].node);
	int want[] = { 3, 1, 0 }, k = 0;
	for (struct list_node *p = head.prev; p != &head && k < 3; p = p->prev, k++)
		EXPECT_EQ_U64(list_entry(p, struct item, node)->v, want[k]);
	EXPECT_EQ_U64(k, 3);
	int count = 0;
	list_for_each(pos, &head) {
		EXPECT(pos->next->prev == pos);
		count++;
	}
	EXPECT_EQ_U64(count, 3);
}
