/* Remote calls: a process asks another kernel to list its processes, report its state or its
 * network in brief, start a program (handing it listening sockets, net/socket.h), kill one
 * or list its listeners. The request travels over URPC; the other kernel serves it
 * from its main loop; the caller sleeps until the answer or the peer's death. */
#ifndef KERNEL_RCALL_H
#define KERNEL_RCALL_H

#include <stddef.h>
#include <stdint.h>

#define RCALL_REQ_MAX   384     /* bytes of a request's data */

void rcall_init(void);
/* Sends op with data (at most RCALL_REQ_MAX bytes) to core and waits. Reply pieces are copied into
 * out (at most out_max pieces of 48 bytes); returns the reply status, and *npieces. */
int rcall(unsigned core, uint16_t op, const void *data, size_t len, void *out, unsigned out_max,
	  unsigned *npieces);
/* The same in two halves, so that a caller can have calls to several kernels under way at
 * once: rcall_start sends and returns a call number (or -errno); rcall_finish waits for that
 * call's answer until deadline_ms (time_uptime_ms's clock) and frees it, whatever it returns
 * (-ETIMEDOUT past the deadline). Every started call must be finished. */
int rcall_start(unsigned core, uint16_t op, const void *data, size_t len, void *out,
		unsigned out_max);
int rcall_finish(int call, uint64_t deadline_ms, unsigned *npieces);
/* Serves queued requests (from the main loop). */
void rcall_service(void);
/* The same operations on this kernel, for the local case and the serving side. */
void rcall_local_info(void *out);
unsigned rcall_local_ps(void *out, unsigned max);
struct sys_netsum;
void rcall_local_netsum(struct sys_netsum *ns);

#endif
