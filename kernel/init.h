/* The boot table: which programs each kernel starts (user/initrd/etc/init.conf). */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

/* Starts this kernel's programs from the table named by init= (default /etc/init.conf;
 * init=none starts nothing). Bad lines are reported and skipped. */
void init_start_programs(void);

#endif
