/* Busy-waits on PIT channel 2 (Intel 8254 datasheet; its gate and output are bits 0 and 5
 * of port 0x61 on PCs), which needs no interrupt. */
#include "kernel/arch/x86_64/pit.h"
#include "kernel/arch/x86_64/cpu.h"

#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define PORT_61         0x61
#define P61_GATE2       0x01
#define P61_SPEAKER     0x02
#define P61_OUT2        0x20
#define PIT_CMD_CH2_MODE0 0xB0  /* channel 2, lobyte/hibyte, mode 0 (interrupt on count) */
#define PIT_MAX_MS      50      /* 16-bit counter: at most 54.9 ms per run */

static void pit_wait_chunk(unsigned ms)
{
	uint16_t count = (uint16_t)(PIT_HZ * ms / 1000);
	uint8_t p61 = (inb(PORT_61) & ~P61_SPEAKER) & ~P61_GATE2;

	outb(PORT_61, p61);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, count >> 8);
	outb(PORT_61, p61 | P61_GATE2);         /* counting starts on the gate's rising edge */
	while (!(inb(PORT_61) & P61_OUT2))
		cpu_relax();
	outb(PORT_61, p61);
}

void pit_wait_ms(unsigned ms)
{
	while (ms > 0) {
		unsigned chunk = ms > PIT_MAX_MS ? PIT_MAX_MS : ms;
		pit_wait_chunk(chunk);
		ms -= chunk;
	}
}
