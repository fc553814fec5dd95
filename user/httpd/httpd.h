/* httpd's pieces and what they share: the server, its connections, its counters.
 *
 *   main.c     command line
 *   server.c   the listening socket, the one epoll loop, accepting, timeouts
 *   conn.c     one connection: input buffer -> requests, output buffer -> socket, closing
 *   respond.c  a parsed request -> a response head and its body (a file, memory, an error)
 *   filecache.c  small files kept in memory, checked against the file once a second
 *   status.c   /status (JSON) and /status.html, httpd's counters
 *   status_page.c  /status.html, the live page of the whole machine
 *   sysinfo.c  the system's part of /status (Flotilla's netstat or Linux's /proc/net/snmp)
 *   balance.c  the load balancer's part of /status: each kernel's load, the last moves
 *   http.c, httpdate.c   pure HTTP parsing and formatting (http.h)
 */
#ifndef USER_HTTPD_HTTPD_H
#define USER_HTTPD_HTTPD_H

#include "user/httpd/http.h"
#include "user/httpd/port.h"

#define CONN_IN_SIZE    HTTP_HEAD_MAX   /* a request head must fit whole */
#define CONN_OUT_SIZE   16384           /* response heads and body chunks wait here */
#define HEAD_ROOM       1024            /* a response head (and an error's body) fits in this */
#define ROOT_MAX        256             /* document root path, bytes */
#define LINGER_MAX_MS   2000            /* reading after our FIN, so our last reply is not reset */
#define LISTEN_BACKLOG  1024
#define EVENTS_MAX      256             /* epoll events taken per wait */
#define FDS_RESERVED    16              /* descriptors never given to connections: the listener,
					 * epoll, stdio and the files being sent */
#define IO_SPARES       64              /* released conn_io blocks kept for the next (1.5 MiB) */
#define FILE_CACHE_SLOTS    64          /* files kept in memory, by the hash of their path */
#define FILE_CACHE_FILE_MAX 65536       /* bytes: larger files are read as they are sent */
#define FILE_CACHE_VALID_MS 1000        /* an entry older than this is checked against the file */

/* A connection is ACTIVE while it reads requests and writes responses. After a response that
 * ends the connection it is CLOSING: the output drains, its last piece sent with MSG_MORE so
 * that the FIN rides on it. Then, when the client asked to close and sent nothing after
 * that request, we close at once (it has nothing more to send). Otherwise (an error cut the
 * request stream short) we shut down our side and LINGER, reading and dropping whatever
 * the client still sends until it closes too or LINGER_MAX_MS pass: closing at once could
 * make the kernel answer the unread bytes with a RST that destroys the response still in
 * flight (RFC 9112 9.6). */
enum conn_state {
	CONN_ACTIVE,
	CONN_CLOSING,
	CONN_LINGER,
};

struct server;
struct deadline_list;

/* A connection's input and output buffers, one block held only while either holds bytes
 * (or a body is being sent): an idle keep-alive connection costs its struct conn alone, so
 * that a server can hold a hundred thousand of them (conn.c). */
struct conn_io {
	char in[CONN_IN_SIZE];
	char out[CONN_OUT_SIZE];
};

struct conn {
	struct server *srv;
	int fd;
	enum conn_state state;
	uint32_t events;                /* what epoll watches on fd now */
	bool peer_eof;                  /* the client has shut down its side */
	bool parse_due;                 /* input arrived that may complete a request head */
	bool must_linger;               /* CLOSING on an error: the client may still be sending */
	uint32_t peer_ip;               /* host order, for the log */
	uint16_t peer_port;
	unsigned version;               /* of the request being answered: 10 or 11 */

	/* The deadline: idle list while ACTIVE or CLOSING, linger list while LINGER. */
	uint64_t deadline;
	struct deadline_list *list;
	struct conn *prev, *next;

	/* Input: bytes [in_off, in_len) of in[] are received and not yet consumed. */
	size_t in_off, in_len;
	/* Output: bytes [out_off, out_len) of out[] wait for the socket. */
	size_t out_off, out_len;
	/* The body still to be copied into out[], from a file or from memory. */
	int body_fd;                    /* -1: the body is in memory (or there is none) */
	const char *body_mem;
	char *body_owned;               /* freed once the body is sent */
	struct file_body *body_file;    /* a cached file's body: its reference, put once sent */
	uint64_t body_pos, body_left;

	/* The conn_io block's two halves, or NULL while the connection holds none. */
	char *in, *out;
};

/* Connections in the order their deadlines fall: every deadline in one list is `now + ms`
 * for a `now` that never goes back, so touching a connection moves it to the tail and the
 * head is always the next to expire. */
struct deadline_list {
	struct conn *head, *tail;
	uint64_t ms;
};

struct httpd_stats {
	uint64_t requests;              /* request heads answered, good or bad */
	uint64_t responses[6];          /* by status class: [2] is 2xx */
	uint64_t bytes_sent;
	uint64_t accepted;
	uint64_t open;                  /* connections now */
};

/* A cached file's contents, shared by the cache and the connections sending it. */
struct file_body {
	unsigned refs;
	uint64_t size;
	int64_t mtime;
	char data[];
};

struct file_entry {
	char path[ROOT_MAX + HTTP_PATH_MAX];
	struct file_body *body;         /* NULL: the slot is empty */
	uint64_t checked;               /* when the file was last found unchanged, ms */
};

struct file_cache {
	struct file_entry slot[FILE_CACHE_SLOTS];
};

struct server {
	int listen_fd, ep;
	uint16_t port;
	bool quiet;
	bool accepting;                 /* the listener is in the epoll set */
	char root[ROOT_MAX];            /* document root, no trailing slash ("" for "/") */
	unsigned conns_max;
	uint64_t now;                   /* milliseconds, port_now_ms() at the last wake-up */
	uint64_t started;
	struct deadline_list idle, linger;
	struct httpd_stats stats;
	struct file_cache files;
};

/* server.c */
int server_listen(struct server *s, uint16_t port);
/* Serves the listening socket fd (httpd -l, a worker's replica) instead of opening one. */
int server_adopt(struct server *s, int fd);
int server_run(struct server *s);
void server_conn_closed(struct server *s);
int server_watch(struct server *s, int fd, uint32_t events, void *ptr, int op);

/* conn.c */
struct conn *conn_new(struct server *s, int fd, uint32_t peer_ip, uint16_t peer_port);
void conn_event(struct conn *c, uint32_t events);
void conn_expire(struct conn *c);
void conn_destroy(struct conn *c);
void deadline_touch(struct deadline_list *l, struct conn *c, uint64_t now);
/* Room at the end of out[] (moving pending bytes to the front first if that gives `want`). */
size_t conn_out_room(struct conn *c, size_t want);
void conn_body_file(struct conn *c, int fd, uint64_t size);
void conn_body_mem(struct conn *c, const char *data, size_t len, char *owned);
/* A cached file's body; the connection takes over the reference b holds for it. */
void conn_body_cached(struct conn *c, struct file_body *b);

/* filecache.c */
/* Opens path for serving: -1 with *body set (one reference, for the caller) and st filled
 * when the file is in memory; a descriptor (st filled if fstat worked, *body NULL) for one
 * that is not kept (too big, not a plain file); -1 with errno and *body NULL if it cannot be
 * opened. */
int file_open(struct file_cache *fc, const char *path, uint64_t now, struct port_stat *st,
	      struct file_body **body);
void file_body_put(struct file_body *b);
/* Empties the cache (bodies still being sent stay until their senders put them). */
void file_cache_drop(struct file_cache *fc);

/* respond.c */
void respond_request(struct conn *c, const struct http_request *r);
void respond_error(struct conn *c, int status, const struct http_request *r);
/* Queues a response head; length < 0 sends no Content-Length, mtime < 0 no Last-Modified.
 * extra is more header lines, each ending in CRLF, or NULL. */
void respond_head(struct conn *c, int status, const char *type, int64_t length, int64_t mtime,
		  const char *extra);
/* A 200 with a body already in memory (owned, if not NULL, is freed once it is sent). */
void respond_generated(struct conn *c, const struct http_request *r, const char *type,
		       const char *data, size_t len, char *owned);

/* status.c: a growable string, and the generated pages. */
struct strbuf {
	char *data;
	size_t len, cap;
	bool failed;                    /* out of memory: the contents are cut short */
};
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON object members: `"name":` preceded by a comma unless the object has just opened. */
void json_member(struct strbuf *b, const char *name);
void json_u64(struct strbuf *b, const char *name, uint64_t v);
void json_str(struct strbuf *b, const char *name, const char *v);
/* Answers /status and /status.html; false for any other path. */
bool status_serve(struct conn *c, const char *path, const struct http_request *r);
/* status_page.c: /status.html. */
extern const char status_html[];
extern const size_t status_html_len;

#endif
