/* 16550 UART driver for the serial console (COM1, polled transmit). */
#include "kernel/arch/x86_64/serial.h"
#include "kernel/arch/x86_64/cpu.h"

/* Register offsets from the base port (PC16550D datasheet, table 2). */
#define UART_THR        0       /* W: transmit holding (DLAB=0) */
#define UART_DLL        0       /* RW: divisor latch low (DLAB=1) */
#define UART_IER        1       /* RW: interrupt enable (DLAB=0) */
#define UART_DLM        1       /* RW: divisor latch high (DLAB=1) */
#define UART_FCR        2       /* W: FIFO control */
#define UART_LCR        3       /* RW: line control */
#define UART_MCR        4       /* RW: modem control */
#define UART_LSR        5       /* R: line status */
#define UART_SCR        7       /* RW: scratch */

#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define FCR_ENABLE      0x07    /* enable and clear both FIFOs */
#define MCR_DTR_RTS     0x03
#define LSR_RX_READY    0x01
#define LSR_THR_EMPTY   0x20

#define UART_CLOCK_DIV  115200u /* divisor 1 = 115200 baud */

static uint16_t serial_base;    /* 0 when no UART answered */

/* A missing UART reads back 0xFF everywhere; the scratch register tells. */
static bool serial_probe(uint16_t base)
{
	outb(base + UART_SCR, 0x5A);
	if (inb(base + UART_SCR) != 0x5A)
		return false;
	outb(base + UART_SCR, 0xA5);
	return inb(base + UART_SCR) == 0xA5;
}

void serial_init(uint16_t base, uint32_t baud)
{
	uint16_t div = (uint16_t)(UART_CLOCK_DIV / (baud ? baud : UART_CLOCK_DIV));

	if (!serial_probe(base))
		return;
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, div & 0xFF);
	outb(base + UART_DLM, div >> 8);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE);
	outb(base + UART_MCR, MCR_DTR_RTS);
	serial_base = base;
}

void serial_attach(uint16_t base)
{
	if (serial_probe(base))
		serial_base = base;
}

bool serial_present(void)
{
	return serial_base != 0;
}

static void serial_putc(char c)
{
	while (!(inb(serial_base + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(serial_base + UART_THR, (uint8_t)c);
}

/* Writes n bytes, turning "\n" into "\r\n" for terminals. */
void serial_write(const char *s, size_t n)
{
	if (!serial_base)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

int serial_getc(void)
{
	if (!serial_base || !(inb(serial_base + UART_LSR) & LSR_RX_READY))
		return -1;
	return inb(serial_base + UART_THR);
}
