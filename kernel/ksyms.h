/* The kernel's own symbol table, embedded at build time, for backtraces and fault reports. */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* Layout of the .ksyms section, written by tools/gensyms.py. */
#define KSYMS_MAGIC 0x31534D59534B4C46ul       /* "FLKSYMS1" */

struct ksyms_header {
	uint64_t magic;
	uint64_t count;         /* entries, sorted by address */
	uint64_t strtab;        /* offset of the string table from the header */
};

struct ksym {
	uint64_t addr;
	uint32_t size;
	uint32_t name;          /* offset into the string table */
};
_Static_assert(sizeof(struct ksym) == 16, "ksym entries are 16 bytes");

/* Name of the function containing addr, or NULL; *offset is addr's distance from its start. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
/* Address of a symbol by name, or 0. */
uint64_t ksym_address(const char *name);
/* Prints "<name+0xoff>" or "<?>". */
void ksym_print(uint64_t addr);
uint64_t ksym_count(void);

#endif
