/* The RSS bucket policy: which kernel each of the NIC's 128 flow groups goes to, and which
 * kernels must hear their share (DESIGN.md section 4). Pure: the caller owns the state. */
#ifndef NET_STEER_H
#define NET_STEER_H

#include <stdbool.h>
#include <stdint.h>

#define STEER_BUCKETS     128   /* the RSS redirection table: the low 7 bits of the hash */
#define STEER_MAX_KERNELS 64    /* a kernel is a bit of a uint64_t */
#define STEER_PORTS       26    /* listening ports a report holds */
#define STEER_PERIOD_MS   1000  /* the policy runs at least this often */

/* A kernel's listening TCP ports, each once; count above STEER_PORTS: more than fit, the
 * first STEER_PORTS of them held. */
struct steer_ports {
	uint16_t count;
	uint16_t port[STEER_PORTS];
};

/* What the policy knows of one kernel. */
struct steer_kernel {
	bool has_queue;                 /* drives a queue pair the owner counts as its own */
	bool alive;
	struct steer_ports ports;
};

/* The policy's memory, one per NIC, held by the caller. */
struct steer_state {
	uint8_t kernel_of[STEER_BUCKETS];       /* the table as last written */
	uint64_t told;                          /* bit k: kernel k knows its buckets in it */
	bool dirty;                             /* an input changed since the policy last ran */
	bool spread;                            /* the table is the policy's own spread */
	uint64_t last_ms;                       /* when the policy last ran */
	uint8_t chosen[STEER_BUCKETS];          /* the policy's last choice */
	bool settled;                           /* the table reached it: only an input change
						   runs the policy again, so that moves asked
						   of kernel 0 (netsteer_move) stay */
};

/* Which buckets are one kernel's: bit b of mine[b / 64]. */
struct steer_mask {
	uint64_t mine[2];
};

/* Every bucket on kernel 0, which needs no telling. */
void steer_init(struct steer_state *s);
/* A kernel's ports, queue or liveness changed: the policy runs at its next call. */
void steer_inputs_changed(struct steer_state *s);
/* The policy, at most every STEER_PERIOD_MS unless an input changed: a kernel gets buckets
 * only while it drives a queue (kernel 0 always can), is alive and listens on some port;
 * the buckets are spread evenly over those kernels, in kernel order, and stay on kernel 0
 * while none listens. Ports are tracked one by one: a segment for a port its bucket's kernel
 * does not listen on goes to a kernel that does (kernel/netports.h). True, with the new table
 * in out, when the NIC's table must be rewritten; the caller then writes out and calls
 * steer_written. */
bool steer_decide(struct steer_state *s, uint64_t now, unsigned nkernels,
		  const struct steer_kernel *k, uint8_t out[STEER_BUCKETS]);
/* The table now in the NIC (from steer_decide or from anyone else's choice): every kernel
 * must hear its buckets again. */
void steer_written(struct steer_state *s, const uint8_t table[STEER_BUCKETS]);
/* Bit k: kernel k drives a queue and has not yet heard its buckets in the current table. */
uint64_t steer_to_tell(const struct steer_state *s, unsigned nkernels,
		       const struct steer_kernel *k);
/* Kernel k heard its buckets (its message was sent). */
void steer_told(struct steer_state *s, unsigned k);
struct steer_mask steer_buckets_of(const struct steer_state *s, unsigned k);

/* Bucket masks. */
bool steer_mask_has(const struct steer_mask *m, unsigned b);
void steer_mask_set(struct steer_mask *m, unsigned b);
void steer_mask_clear(struct steer_mask *m, unsigned b);
bool steer_mask_empty(const struct steer_mask *m);

/* Port lists. */
bool steer_ports_has(const struct steer_ports *p, uint16_t port);
/* Adds port unless the list has it; past STEER_PORTS it is only counted. */
void steer_ports_add(struct steer_ports *p, uint16_t port);

#endif
