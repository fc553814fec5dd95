/* Kernel command line: "key" and "key=value" words separated by white space. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A key matches whole words only ("log" is not in "loglevel=3"); a NULL line or key matches
 * nothing, so a kernel booted without a command line needs no special case. */

/* Copies key's value (the last occurrence wins, as on Linux) into out. Returns the value's
 * length (0 for a bare key), -ENOENT if absent, -ENOSPC if truncated to fit. */
int cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz);
bool cmdline_has(const char *cmdline, const char *key);
/* Parses key's value as a number (0x.. hex, 0.. octal). -ENOENT, -EINVAL or -ERANGE. */
int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);
/* True if item is one of the comma-separated entries of csv ("a,bb,c"). Empty entries are
 * no one's: an empty item is never found. */
bool cmdline_list_contains(const char *csv, const char *item);

#endif
