/* 16550 UART serial console interface. */
#ifndef ARCH_X86_64_SERIAL_H
#define ARCH_X86_64_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_COM1 0x3F8

void serial_init(uint16_t base, uint32_t baud);
/* Uses a UART another kernel has set up, without reprogramming it. */
void serial_attach(uint16_t base);
bool serial_present(void);
void serial_write(const char *s, size_t n);
int serial_getc(void);          /* next received byte, or -1 if none */

#endif
