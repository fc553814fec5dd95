/* Both sides of the queue-attach protocol (kernel/nicq.h draws the exchange). */
#include "kernel/nicq.h"
#include "drivers/igb/igb.h"
#include "drivers/ixgbe/ixgbe.h"
#include "drivers/pci/pci.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpufeat.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/mm/vmm.h"
#include "kernel/netsteer.h"
#include "kernel/nicplan.h"
#include "kernel/urpc/peer.h"
#include "kernel/urpc/shared.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/urpc/msg.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/util.h"

static uint64_t deadline_after(unsigned ms)
{
	return rdtsc() + cpu_info.tsc_hz / 1000 * ms;
}

static unsigned ms_left(uint64_t deadline)
{
	uint64_t now = rdtsc();
	return now >= deadline ? 0 : (unsigned)((deadline - now) / (cpu_info.tsc_hz / 1000));
}

/* ---- the owner, kernel 0 ---- */

static struct nic_ctl ctl;             /* ops NULL: no NIC with queues to give */
/* Each kernel's latest request, recorded by the handler and served from the main loop
 * (starting a queue waits for the device); bit k of requests_pending: kernel k's waits. */
static struct urpc_nicq_attach requests[MAX_KERNELS];
static uint64_t requests_pending;
_Static_assert(MAX_KERNELS <= 64, "a pending request is a bit");
static struct {
	uint8_t state;          /* enum nicq_state */
	uint8_t kernel;         /* the requester */
	uint32_t seq;           /* its request's */
	uint64_t deadline;      /* NICQ_OFFERED: the confirm's, in TSC ticks */
} owned[NIC_QUEUES_MAX];
static uint8_t queue_of_kernel[MAX_KERNELS];    /* confirmed; 0: none */
static uint64_t stray_confirms;

static void on_nicq_attach(unsigned from, const struct urpc_msg *m)
{
	memcpy(&requests[from], m->payload, sizeof(requests[from]));
	__atomic_fetch_or(&requests_pending, 1ull << from, __ATOMIC_RELEASE);
}

static void on_nicq_confirm(unsigned from, const struct urpc_msg *m)
{
	struct urpc_nicq_confirm c;
	memcpy(&c, m->payload, sizeof(c));
	if (c.queue >= NIC_QUEUES_MAX || owned[c.queue].state != NICQ_OFFERED ||
	    owned[c.queue].kernel != from || owned[c.queue].seq != c.seq) {
		stray_confirms++;       /* late (the queue is lost), or not from its requester */
		return;
	}
	owned[c.queue].state = NICQ_ATTACHED;
	queue_of_kernel[from] = (uint8_t)c.queue;
	netsteer_inputs_changed();
	pr_info("net: %s queue %u driven by kernel %u\n", ctl.ops->name, c.queue, from);
}

/* The queue is stopped, so the NIC no longer points at rings its requester keeps, and it
 * can be offered again; a queue that will not stop stays out of use for good. */
static void give_up(unsigned queue, const char *why)
{
	bool stopped = ctl.ops->queue_stop(ctl.dev, queue) == 0;
	owned[queue].state = stopped ? NICQ_FREE : NICQ_LOST;
	pr_warn("net: %s queue %u given up (%s): %s\n", ctl.ops->name, queue,
		stopped ? "stopped" : "will not stop", why);
}

/* Offers past their deadline are lost; the ring is drained first, so a confirm sent in time
 * is counted (nicq.h). */
static void expire_offers(void)
{
	bool drained = false;
	for (unsigned q = 1; q < NIC_QUEUES_MAX; q++) {
		if (owned[q].state != NICQ_OFFERED || rdtsc() <= owned[q].deadline)
			continue;
		if (!drained) {
			peer_poll();
			drained = true;
		}
		if (owned[q].state == NICQ_OFFERED)
			give_up(q, "its requester never confirmed");
	}
}

/* What the NIC will write (the rings, and the receive buffers their descriptors name) must
 * lie in the asking kernel's own partition: a wrong address would have the device overwrite
 * another kernel's memory. */
static bool in_partition(unsigned core, uint64_t pa, uint64_t len)
{
	const struct kernel_desc *k = &shared_header()->kernels[core];
	return pa >= k->part_base && len <= k->part_size && pa - k->part_base <= k->part_size - len;
}

/* The buffers cannot be checked one by one: the descriptors lie in the asker's partition,
 * which kernel 0 does not map. The asker states the range that holds them all and its
 * driver posts nothing outside it (drivers/nic/adv.h); a range too small to hold them, or
 * not inside the partition, is refused. Only an IOMMU could hold the device to it on every
 * DMA (none is programmed here). */
static bool buffers_in_partition(unsigned from, const struct urpc_nicq_attach *r)
{
	if (r->buf_len < (ADV_RX_DESCS + ADV_TX_DESCS) * NIC_BUF_SIZE || !in_partition(from, r->buf_pa, r->buf_len)) {
		pr_warn("net: kernel %u's queue %u refused: its buffers [%#lx, +%#lx) are not all in "
			"its partition\n", from, r->queue, r->buf_pa, r->buf_len);
		return false;
	}
	return true;
}

/* What can be refused before the device is touched. */
static int check_request(unsigned from, const struct urpc_nicq_attach *r)
{
	if (!ctl.ops)
		return -ENODEV;                 /* no multi-queue NIC: no queues to give */
	if (r->queue == 0 ||
	    !nic_plan_routable(r->queue, ctl.ops->adv->queues, pci_msix_entries(ctl.pci)) ||
	    r->vector < VEC_NUM_EXCEPTIONS)
		return -EINVAL;
	if (owned[r->queue].state != NICQ_FREE)
		return -EBUSY;
	if (!in_partition(from, r->rx_ring_pa, sizeof(union adv_rx_desc[ADV_RX_DESCS])) ||
	    !in_partition(from, r->tx_ring_pa, sizeof(union adv_tx_desc[ADV_TX_DESCS])) ||
	    !buffers_in_partition(from, r))
		return -EFAULT;
	return 0;
}

/* Routes, then starts: the start is the last step that can fail. A start that failed may
 * have left the queue enabled, so its rings stay held. */
static void start_queue(unsigned from, const struct urpc_nicq_attach *r,
			struct urpc_nicq_attached *a)
{
	a->status = ctl.ops->queue_route(ctl.dev, r->queue, r->apic_id, r->vector,
					 NIC_PLAN_THROTTLE_US);
	if (a->status)
		return;
	a->status = ctl.ops->queue_start(ctl.dev, r->queue, r->rx_ring_pa, r->tx_ring_pa);
	if (a->status) {
		a->rings_held = 1;
		give_up(r->queue, "it did not start");
		return;
	}
	owned[r->queue].state = NICQ_OFFERED;
	owned[r->queue].kernel = (uint8_t)from;
	owned[r->queue].seq = r->seq;
	a->rings_held = 1;
	a->nic = ctl.ops->kind;
	a->regs_pa = ctl.pci->bars[0].addr;
	a->regs_size = ctl.pci->bars[0].size;
}

void nicq_serve(void)
{
	expire_offers();
	uint64_t pending = __atomic_load_n(&requests_pending, __ATOMIC_ACQUIRE);
	if (!pending)
		return;
	unsigned from = (unsigned)__builtin_ctzll(pending);
	__atomic_fetch_and(&requests_pending, ~(1ull << from), __ATOMIC_ACQ_REL);
	struct urpc_nicq_attach r = requests[from];
	struct urpc_nicq_attached a = { .queue = r.queue, .seq = r.seq };
	a.status = check_request(from, &r);
	if (!a.status)
		start_queue(from, &r, &a);
	int err = peer_send_wait(from, URPC_NICQ_ATTACHED, 0, &a, sizeof(a), 1000);
	if (a.status == 0 && err)
		give_up(r.queue, "the answer could not be sent");
	else if (a.status == 0)
		owned[r.queue].deadline = deadline_after(NICQ_CONFIRM_MS);
}

void nicq_kernel_died(unsigned k)
{
	if (!ctl.ops || k == 0 || k >= MAX_KERNELS)
		return;
	__atomic_fetch_and(&requests_pending, ~(1ull << k), __ATOMIC_ACQ_REL);
	for (unsigned q = 1; q < NIC_QUEUES_MAX; q++)
		if ((owned[q].state == NICQ_OFFERED || owned[q].state == NICQ_ATTACHED) &&
		    owned[q].kernel == k)
			give_up(q, "its kernel died");
	queue_of_kernel[k] = 0;
}

unsigned nicq_queue_of(unsigned k)
{
	return k < MAX_KERNELS ? queue_of_kernel[k] : 0;
}

enum nicq_state nicq_queue_state(unsigned queue)
{
	return queue < NIC_QUEUES_MAX ? owned[queue].state : NICQ_FREE;
}

/* ---- a requester, any other kernel ---- */

/* The drivers whose queues kernel 0 may hand out, by the kind its answer names. */
static const struct nic_ctl_ops *const known_ctls[] = { &igb_ctl_ops, &ixgbe_ctl_ops };

static const struct nic_ctl_ops *ctl_of_kind(uint32_t kind)
{
	for (unsigned i = 0; i < sizeof(known_ctls) / sizeof(known_ctls[0]); i++)
		if (known_ctls[i]->kind == kind)
			return known_ctls[i];
	return NULL;
}

const struct nic_ops *nicq_queue_ops(const struct adv_queue *q)
{
	for (unsigned i = 0; i < sizeof(known_ctls) / sizeof(known_ctls[0]); i++)
		if (known_ctls[i]->adv == q->nic)
			return known_ctls[i]->queue_ops;
	return NULL;
}

static struct urpc_nicq_attached answer;
static volatile bool answered;
static uint32_t last_seq;
static uint64_t stray_answers;

static void on_nicq_attached(unsigned from, const struct urpc_msg *m)
{
	if (from != 0) {
		stray_answers++;
		return;
	}
	memcpy(&answer, m->payload, sizeof(answer));
	answered = true;
}

/* Waits until the deadline for the answer to request seq. */
static int wait_answer(uint32_t seq, struct urpc_nicq_attached *a, uint64_t deadline)
{
	for (;;) {
		peer_poll();
		if (answered && answer.seq == seq) {
			*a = answer;
			return 0;
		}
		if (!peer_alive(0))
			return -EHOSTDOWN;
		if (rdtsc() > deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

/* Sends the request; -ENOTCONN and the like: it was never sent, so the owner never saw it. */
static int send_request(struct urpc_nicq_attach *r, uint64_t deadline)
{
	if (kself.core == 0)
		return -EINVAL;
	r->seq = ++last_seq;
	answered = false;
	return peer_send_wait(0, URPC_NICQ_ATTACH, 0, r, sizeof(*r), ms_left(deadline));
}

int nicq_ask(struct urpc_nicq_attach *r, struct urpc_nicq_attached *a)
{
	uint64_t deadline = deadline_after(NICQ_ANSWER_MS);
	int err = send_request(r, deadline);
	return err ? err : wait_answer(r->seq, a, deadline);
}

int nicq_attach(struct adv_queue *q, unsigned queue, uint8_t vector)
{
	uint64_t deadline = deadline_after(NICQ_ANSWER_MS);
	if (kself.core == 0 || queue == 0)
		return -EINVAL;
	int err = adv_queue_alloc(q, NULL, queue);      /* bound to its NIC by the answer */
	if (err)
		return err;
	struct urpc_nicq_attach r = { .rx_ring_pa = q->rx_ring_pa, .tx_ring_pa = q->tx_ring_pa,
				      .buf_pa = q->buf_pa, .buf_len = q->buf_len, .queue = queue,
				      .apic_id = lapic_id(), .vector = vector };
	struct urpc_nicq_attached a;
	if ((err = send_request(&r, deadline))) {
		adv_queue_free(q);              /* never sent: the NIC never heard of the rings */
		return err;
	}
	if ((err = wait_answer(r.seq, &a, deadline)))
		return err;                     /* the rings stay: the owner may start the queue */
	if (a.status) {
		if (!a.rings_held)
			adv_queue_free(q);
		return a.status;
	}
	const struct nic_ctl_ops *nic = ctl_of_kind(a.nic);
	if (!nic || adv_queue_bind(q, nic->adv))
		return -EPROTONOSUPPORT;        /* unconfirmed: the owner gives the queue up */
	volatile uint8_t *regs = vmm_map_mmio(a.regs_pa, a.regs_size);
	if (!regs)
		return -ENOMEM;                 /* likewise */
	if (rdtsc() > deadline)
		return -ETIMEDOUT;              /* too late to confirm: likewise */
	struct urpc_nicq_confirm c = { .queue = queue, .seq = r.seq };
	if ((err = peer_send_wait(0, URPC_NICQ_CONFIRM, 0, &c, sizeof(c), ms_left(deadline))))
		return err;
	adv_queue_map(q, regs);
	return 0;
}

void nicq_init(const struct nic_ctl *owner)
{
	if (kself.core == 0) {
		ctl = owner ? *owner : (struct nic_ctl){ 0 };
		PEER_REGISTER_STRUCT(URPC_NICQ_ATTACH, on_nicq_attach, struct urpc_nicq_attach);
		PEER_REGISTER_STRUCT(URPC_NICQ_CONFIRM, on_nicq_confirm, struct urpc_nicq_confirm);
	} else {
		PEER_REGISTER_STRUCT(URPC_NICQ_ATTACHED, on_nicq_attached,
				     struct urpc_nicq_attached);
	}
}
