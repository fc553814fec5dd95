/* 8254 PIT, used only as a known clock to measure the others. */
#ifndef ARCH_X86_64_PIT_H
#define ARCH_X86_64_PIT_H

#define PIT_HZ 1193182u

void pit_wait_ms(unsigned ms);

#endif
