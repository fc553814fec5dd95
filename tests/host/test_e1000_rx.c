/* The e1000's receive path (drivers/e1000/e1000.c, unchanged) on descriptors written as a
 * device might: a write-back it cannot take whole is counted in rx_errors and dropped, never
 * handed up with a length past its buffer. The registers go through the host shim; the
 * 82599 model behind it serves only as a register file here (e1000_rings_up programs the
 * ring registers, e1000_poll writes RDT), with its reset-order checks marked satisfied. */
#include <stdlib.h>
#include <string.h>
#include "drivers/e1000/e1000.h"
#include "tests/host/test.h"
#include "tests/ixgbe/model.h"
#include "tests/ixgbe/shim.h"

struct seen {
	unsigned n;
	size_t len;
};

static void take(void *arg, const uint8_t *frame, size_t len, const struct nic_rx_info *info)
{
	struct seen *s = arg;
	(void)frame, (void)info;
	s->n++;
	s->len = len;
}

/* Writes back descriptor i as the device would: DD and the given fields. */
static void write_back(struct e1000 *e, unsigned i, uint16_t len, uint8_t status, uint8_t errors)
{
	e->q.rx[i].length = len;
	e->q.rx[i].errors = errors;
	e->q.rx[i].status = E1000_RXD_DD | status;
}

TEST(e1000_rx, bad_write_back_is_counted_and_dropped)
{
	struct ixm *m = calloc(1, sizeof(*m));
	struct e1000 *e = calloc(1, sizeof(*e));
	ixm_init(m);
	m->seen_ard = m->seen_dmaidone = true;
	e->pci = shim_use(m);
	e->regs = (volatile uint8_t *)m->reg;
	EXPECT_EQ_U64(e1000_rings_up(e), 0);
	const struct { uint16_t len; uint8_t status, errors; } bad[] = {
		{ NIC_BUF_SIZE + 1, E1000_RXD_EOP, 0 },         /* past the 2 KiB buffer */
		{ 0xFFFF, E1000_RXD_EOP, 0 },
		{ 0, E1000_RXD_EOP, 0 },                        /* no frame at all */
		{ 60, 0, 0 },                                   /* no EOP: spans buffers */
		{ 60, E1000_RXD_EOP, 0x01 },                    /* CRC error */
	};
	unsigned nbad = sizeof(bad) / sizeof(bad[0]);
	for (unsigned i = 0; i < nbad; i++)
		write_back(e, i, bad[i].len, bad[i].status, bad[i].errors);
	write_back(e, nbad, NIC_BUF_SIZE, E1000_RXD_EOP, 0);   /* the whole buffer: fine */
	struct seen s = { 0 };
	EXPECT_EQ_U64(e1000_ops.poll(e, take, &s, 64), nbad + 1);
	EXPECT_EQ_U64(e->rx_errors, nbad);
	EXPECT_EQ_U64(e->rx_frames, 1);
	EXPECT_EQ_U64(s.n, 1);
	EXPECT_EQ_U64(s.len, NIC_BUF_SIZE);
	EXPECT_EQ_U64(m->reg[E1000_RDT / 4], nbad);             /* every slot given back */
	EXPECT(!e1000_ops.rx_pending(e));
	e1000_rings_down(e);
	EXPECT_EQ_U64(shim_pages_held(), 0);
	free(e);
	free(m);
}
