/* URPC, this kernel's side: send with wake-up, poll and dispatch, liveness (peer.h). */
#include "kernel/urpc/peer.h"
#include "kernel/cost.h"
#include "kernel/netdev.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "lib/errno.h"
#include "lib/util.h"

#define PEER_TYPES (1u << 8)            /* every value of the header's 8-bit type */
#define PEER_DEAD_TICKS (2 * HZ)        /* no heartbeat for this long: the peer is dead */

_Static_assert(URPC_MAX_TYPE < PEER_TYPES, "every type a header can carry has a handler slot");

struct peer_handler {
	peer_handler_fn fn;
	uint8_t min_len, max_len;
};

static struct urpc_tx tx[MAX_KERNELS];
static struct urpc_rx rx[MAX_KERNELS];
static struct peer_handler handlers[PEER_TYPES];
static bool ready;
static uint64_t unknown_messages, malformed_messages;

/* What this kernel last saw of each peer's heartbeat, and when (in its own ticks). */
static uint64_t seen_beat[MAX_KERNELS], seen_at[MAX_KERNELS];

static void peer_wake_irq(struct trap_frame *f)
{
	(void)f;
	shared_status(kself.core)->wakeups++;
	lapic_eoi();
}

int peer_init(void)
{
	for (unsigned k = 0; k < kself.ncores; k++) {
		if (k == kself.core)
			continue;
		urpc_tx_init(&tx[k], shared_chan(kself.core, k));
		urpc_rx_init(&rx[k], shared_chan(k, kself.core));
		urpc_pair(&tx[k], &rx[k]);
	}
	int err = irq_register(VEC_URPC_WAKE, peer_wake_irq);
	if (err)
		return err;
	ready = true;
	return 0;
}

bool peer_ready(void)
{
	return ready;
}

void peer_register(uint8_t type, peer_handler_fn fn, uint8_t min_len, uint8_t max_len)
{
	handlers[type] = (struct peer_handler){ fn, min_len, MIN(max_len, URPC_PAYLOAD) };
}

/* The sender's half of the sleep protocol: the message is visible before the flag is read
 * (the fence orders the header store before the load), and the receiver sets its flag
 * before its last look at the rings, so one of the two always sees the other. */
static void peer_notify(unsigned to)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&shared_status(to)->sleeping, __ATOMIC_ACQUIRE))
		lapic_send_ipi(kself_apic_of(to), VEC_URPC_WAKE);
}

int peer_send(unsigned to, uint16_t type, uint8_t flags, const void *payload, size_t len)
{
	if (!ready || to >= kself.ncores || to == kself.core)
		return -EINVAL;
	/* An interrupt handler's console line goes out through here too: it must not land
	 * in the middle of another send on the same channel. */
	bool irq = irq_save();
	int err = urpc_send(&tx[to], type, flags, payload, len);
	irq_restore(irq);
	if (err)
		return err;
	peer_notify(to);
	return 0;
}

int peer_send_wait(unsigned to, uint16_t type, uint8_t flags, const void *payload, size_t len,
		   unsigned timeout_ms)
{
	uint64_t deadline = rdtsc() + cpu_info.tsc_hz / 1000 * timeout_ms;
	for (;;) {
		int err = peer_send(to, type, flags, payload, len);
		if (err != -EAGAIN)
			return err;
		if (!peer_alive(to))
			return -EHOSTDOWN;
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		peer_poll();
		cpu_relax();
	}
}

static void peer_dispatch(unsigned from, const struct urpc_msg *m)
{
	const struct peer_handler *h = &handlers[URPC_HDR_TYPE(m->hdr) & (PEER_TYPES - 1)];
	unsigned len = URPC_HDR_LEN(m->hdr);
	if (!h->fn)
		unknown_messages++;     /* counted, never fatal: no message takes a kernel down */
	else if (len < h->min_len || len > h->max_len)
		malformed_messages++;
	else
		h->fn(from, m);
}

unsigned peer_poll(void)
{
	struct urpc_msg m;
	unsigned n = 0;

	if (!ready)
		return 0;
	for (unsigned k = 0; k < kself.ncores; k++) {
		if (k == kself.core)
			continue;
		while (urpc_recv(&rx[k], &m) == 0) {
			peer_dispatch(k, &m);
			n++;
		}
	}
	return n;
}

static bool peer_pending(void)
{
	for (unsigned k = 0; k < kself.ncores; k++)
		if (k != kself.core && urpc_rx_pending(&rx[k]))
			return true;
	return false;
}

/* sti; hlt: the wake-up IPI or the next interrupt ends it. */
static void idle_wait(void)
{
	kcost.halts++;
	cpu_idle_wait();
}

void peer_idle(void)
{
	struct kernel_status *me = shared_status(kself.core);

	irq_disable();
	if (!ready) {
		if (!netdev_pending())
			idle_wait();
		else
			irq_enable();
		return;
	}
	__atomic_store_n(&me->sleeping, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Checked with interrupts off, so a wake-up that came since the last poll is not slept
	 * through until the next tick. */
	if (!peer_pending() && !netdev_pending())
		idle_wait();
	else
		irq_enable();
	__atomic_store_n(&me->sleeping, 0, __ATOMIC_RELAXED);
}

void peer_tick(void)
{
	if (ready)
		__atomic_store_n(&shared_status(kself.core)->heartbeat, time_ticks(), __ATOMIC_RELEASE);
}

void peer_set_state(unsigned state)
{
	__atomic_store_n(&shared_status(kself.core)->state, state, __ATOMIC_RELEASE);
}

/* A peer is alive while it is up and its heartbeat moves. */
bool peer_alive(unsigned core)
{
	if (core >= kself.ncores)
		return false;
	if (core == kself.core)
		return true;
	struct kernel_status *st = shared_status(core);
	uint32_t state = __atomic_load_n(&st->state, __ATOMIC_ACQUIRE);
	if (state == KSTATE_PANICKED || state == KSTATE_OFF)
		return false;
	uint64_t beat = __atomic_load_n(&st->heartbeat, __ATOMIC_ACQUIRE), now = time_ticks();
	if (beat != seen_beat[core] || seen_at[core] == 0) {
		seen_beat[core] = beat;
		seen_at[core] = now;
		return true;
	}
	return now - seen_at[core] < PEER_DEAD_TICKS;
}

uint64_t peer_unknown_messages(void)
{
	return unknown_messages;
}

uint64_t peer_malformed_messages(void)
{
	return malformed_messages;
}
