/* The hierarchical timing wheel of TCP's timers (tcp_wheel.h draws it). */
#include "net/tcp_wheel.h"
#include "lib/util.h"

#define WHEEL_NONE      0xFFFFu         /* not armed */
#define WHEEL_DUE       0xFFFEu
#define WHEEL_FAR       0xFFFDu
#define WHEEL_EXPIRING  0xFFFCu
#define SLOT_MASK       (TCP_WHEEL_SLOTS - 1)
#define REACH_BITS      (TCP_WHEEL_LEVELS * TCP_WHEEL_BITS)    /* 24: 4.66 h */

_Static_assert(TCP_WHEEL_SLOTS == 64, "a level's busy slots are one 64-bit word");
_Static_assert(TCP_WHEEL_LEVELS * TCP_WHEEL_SLOTS < WHEEL_EXPIRING, "slot numbers fit where");

void tcp_wheel_init(struct tcp_wheel *w)
{
	for (unsigned l = 0; l < TCP_WHEEL_LEVELS; l++) {
		for (unsigned s = 0; s < TCP_WHEEL_SLOTS; s++)
			list_init(&w->slot[l][s]);
		w->busy[l] = 0;
	}
	list_init(&w->due);
	list_init(&w->far);
	list_init(&w->expiring);
	w->now = w->cursor = w->work = 0;
}

void tcp_wheel_entry_init(struct tcp_wheel_entry *e)
{
	list_init(&e->node);
	e->when = 0;
	e->where = WHEEL_NONE;
}

bool tcp_wheel_armed(const struct tcp_wheel_entry *e)
{
	return e->where != WHEEL_NONE;
}

/* Puts e in the slot its expiry names relative to the cursor (e->when >= cursor), or on the
 * far list. */
static void place(struct tcp_wheel *w, struct tcp_wheel_entry *e)
{
	uint64_t diff = e->when ^ w->cursor;
	unsigned level = diff ? (unsigned)(63 - __builtin_clzll(diff)) / TCP_WHEEL_BITS : 0;
	if (level >= TCP_WHEEL_LEVELS) {
		list_add_tail(&w->far, &e->node);
		e->where = WHEEL_FAR;
		return;
	}
	unsigned s = (unsigned)(e->when >> (level * TCP_WHEEL_BITS)) & SLOT_MASK;
	list_add_tail(&w->slot[level][s], &e->node);
	w->busy[level] |= BIT(s);
	e->where = (uint16_t)(level * TCP_WHEEL_SLOTS + s);
}

/* Unlinks e from wherever it is; a slot left empty loses its busy bit. */
static void wheel_unlink(struct tcp_wheel *w, struct tcp_wheel_entry *e)
{
	list_del(&e->node);
	if (e->where < TCP_WHEEL_LEVELS * TCP_WHEEL_SLOTS) {
		unsigned level = e->where / TCP_WHEEL_SLOTS, s = e->where % TCP_WHEEL_SLOTS;
		if (list_empty(&w->slot[level][s]))
			w->busy[level] &= ~BIT(s);
	}
	e->where = WHEEL_NONE;
}

void tcp_wheel_arm(struct tcp_wheel *w, struct tcp_wheel_entry *e, uint64_t when)
{
	wheel_unlink(w, e);
	e->when = when;
	if (when <= w->now) {
		list_add_tail(&w->due, &e->node);
		e->where = WHEEL_DUE;
		return;
	}
	place(w, e);            /* when > now >= cursor - 1 */
}

void tcp_wheel_cancel(struct tcp_wheel *w, struct tcp_wheel_entry *e)
{
	wheel_unlink(w, e);
}

/* Moves every entry of list to the expiring list. */
static void expire_all(struct tcp_wheel *w, struct list_node *list)
{
	while (!list_empty(list)) {
		struct tcp_wheel_entry *e = list_entry(list_first(list), struct tcp_wheel_entry, node);
		list_del(&e->node);
		list_add_tail(&w->expiring, &e->node);
		e->where = WHEEL_EXPIRING;
	}
}

/* Moves the whole of list from to the empty head to, in O(1). */
static void list_move_all(struct list_node *to, struct list_node *from)
{
	if (list_empty(from)) {
		list_init(to);
		return;
	}
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	list_init(from);
}

/* Places again every entry of list (a slot the cursor has reached, or the far list). */
static void replace_all(struct tcp_wheel *w, struct list_node *list)
{
	struct list_node moving;
	list_move_all(&moving, list);   /* an entry placed back on list is not met again */
	while (!list_empty(&moving)) {
		struct tcp_wheel_entry *e = list_entry(list_first(&moving), struct tcp_wheel_entry, node);
		list_del(&e->node);
		place(w, e);
		w->work++;
	}
}

/* The cursor has just reached t: the slots of higher levels that begin at t move down, the
 * highest first (what it sends to the level below may land in the slot moved next), and at
 * the start of a 4.66 h block the far list is looked at again. */
static void cascade(struct tcp_wheel *w, uint64_t t)
{
	if ((t & ((UINT64_C(1) << REACH_BITS) - 1)) == 0 && !list_empty(&w->far))
		replace_all(w, &w->far);
	for (unsigned l = TCP_WHEEL_LEVELS - 1; l > 0; l--) {
		unsigned shift = l * TCP_WHEEL_BITS;
		if (t & ((UINT64_C(1) << shift) - 1))
			continue;
		unsigned s = (unsigned)(t >> shift) & SLOT_MASK;
		if (w->busy[l] & BIT(s)) {
			w->busy[l] &= ~BIT(s);
			replace_all(w, &w->slot[l][s]);
		}
	}
}

/* The first ms after the cursor at which a busy slot begins, or the far list is due. */
static uint64_t next_event(const struct tcp_wheel *w)
{
	uint64_t t = w->cursor, best = UINT64_MAX;
	for (unsigned l = 0; l < TCP_WHEEL_LEVELS; l++) {
		unsigned shift = l * TCP_WHEEL_BITS;
		unsigned at = (unsigned)(t >> shift) & SLOT_MASK;
		uint64_t later = at == SLOT_MASK ? 0 : w->busy[l] & (~UINT64_C(0) << (at + 1));
		if (!later)
			continue;
		uint64_t block = t >> (shift + TCP_WHEEL_BITS) << (shift + TCP_WHEEL_BITS);
		best = MIN(best, block | ((uint64_t)__builtin_ctzll(later) << shift));
	}
	if (!list_empty(&w->far))
		best = MIN(best, ((t >> REACH_BITS) + 1) << REACH_BITS);
	return best;
}

void tcp_wheel_begin(struct tcp_wheel *w, uint64_t now)
{
	if (now > w->now)
		w->now = now;
	expire_all(w, &w->due);
}

struct tcp_wheel_entry *tcp_wheel_take(struct tcp_wheel *w)
{
	while (list_empty(&w->expiring)) {
		if (w->cursor > w->now)
			return NULL;
		unsigned s = (unsigned)w->cursor & SLOT_MASK;
		if (w->busy[0] & BIT(s)) {
			w->busy[0] &= ~BIT(s);
			expire_all(w, &w->slot[0][s]);
		}
		w->work++;
		w->cursor = MIN(next_event(w), w->now + 1);
		cascade(w, w->cursor);
	}
	struct tcp_wheel_entry *e = list_entry(list_first(&w->expiring), struct tcp_wheel_entry, node);
	list_del(&e->node);
	e->where = WHEEL_NONE;
	w->work++;
	return e;
}
