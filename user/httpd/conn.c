/* One HTTP connection: bytes in, requests answered in order, bytes out, and the way it ends.
 * Everything here runs from the event loop and never blocks. */
#include "user/httpd/httpd.h"

static struct conn_io *spare[IO_SPARES];
static unsigned nspare;

/* Gives c its buffers if it has none; false when memory is short. */
static bool io_get(struct conn *c)
{
	if (c->in)
		return true;
	struct conn_io *io = nspare ? spare[--nspare] : malloc(sizeof(*io));
	if (!io)
		return false;
	c->in = io->in;
	c->out = io->out;
	return true;
}

/* Takes c's buffers back once they hold nothing (no request begun, no response waiting),
 * or at once if force. */
static void io_put(struct conn *c, bool force)
{
	if (!c->in || (!force && (c->in_off < c->in_len || c->out_off < c->out_len || c->body_left)))
		return;
	struct conn_io *io = (struct conn_io *)(void *)c->in;
	if (nspare < IO_SPARES)
		spare[nspare++] = io;
	else
		free(io);
	c->in = c->out = NULL;
	c->in_off = c->in_len = c->out_off = c->out_len = 0;
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EINTR;
}

static void deadline_remove(struct conn *c)
{
	struct deadline_list *l = c->list;
	if (!l)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	c->list = NULL;
}

void deadline_touch(struct deadline_list *l, struct conn *c, uint64_t now)
{
	deadline_remove(c);
	c->deadline = now + l->ms;
	c->list = l;
	c->prev = l->tail;
	c->next = NULL;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

struct conn *conn_new(struct server *s, int fd, uint32_t peer_ip, uint16_t peer_port)
{
	struct conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->srv = s;
	c->fd = fd;
	c->state = CONN_ACTIVE;
	c->events = EPOLLIN;
	c->peer_ip = peer_ip;
	c->peer_port = peer_port;
	c->body_fd = -1;
	c->version = 11;
	if (server_watch(s, fd, c->events, c, EPOLL_CTL_ADD) != 0) {
		free(c);
		return NULL;
	}
	deadline_touch(&s->idle, c, s->now);
	s->stats.open++;
	s->stats.accepted++;
	return c;
}

static void body_end(struct conn *c)
{
	if (c->body_fd >= 0)
		close(c->body_fd);
	free(c->body_owned);
	file_body_put(c->body_file);
	c->body_fd = -1;
	c->body_mem = NULL;
	c->body_owned = NULL;
	c->body_file = NULL;
	c->body_pos = c->body_left = 0;
}

void conn_body_file(struct conn *c, int fd, uint64_t size)
{
	c->body_fd = fd;
	c->body_pos = 0;
	c->body_left = size;
}

void conn_body_cached(struct conn *c, struct file_body *b)
{
	conn_body_mem(c, b->data, b->size, NULL);
	if (c->body_left)
		c->body_file = b;
	else
		file_body_put(b);
}

void conn_body_mem(struct conn *c, const char *data, size_t len, char *owned)
{
	c->body_mem = data;
	c->body_owned = owned;
	c->body_pos = 0;
	c->body_left = len;
	if (!len)
		body_end(c);
}

void conn_destroy(struct conn *c)
{
	struct server *s = c->srv;

	deadline_remove(c);
	close(c->fd);                   /* which takes it out of the epoll set too */
	body_end(c);
	io_put(c, true);
	free(c);
	s->stats.open--;
	server_conn_closed(s);
}

size_t conn_out_room(struct conn *c, size_t want)
{
	if (!io_get(c))
		return 0;
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	} else if (CONN_OUT_SIZE - c->out_len < want && c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return CONN_OUT_SIZE - c->out_len;
}

/* Another response may be queued: the last one's body is all in out[], and a head fits
 * (as it does in buffers not taken yet). */
static bool can_respond(struct conn *c)
{
	return c->body_left == 0 && (!c->out || conn_out_room(c, HEAD_ROOM) >= HEAD_ROOM);
}

/* Reading stops while responses cannot be queued, so a client that pipelines requests
 * without reading the answers is held back by TCP's flow control, not by our memory. */
static bool wants_input(struct conn *c)
{
	if (c->state == CONN_LINGER)
		return true;
	return c->state == CONN_ACTIVE && !c->peer_eof && c->in_len - c->in_off < CONN_IN_SIZE &&
	       can_respond(c);
}

static bool has_newline(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			return true;
	return false;
}

/* A request head is only re-parsed when a line end arrives (or the partial line grows long
 * enough to be refused), so one sent a byte at a time costs no quadratic parsing. */
static int conn_read(struct conn *c)
{
	if (!io_get(c))
		return -1;
	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	long n = recv(c->fd, c->in + c->in_len, CONN_IN_SIZE - c->in_len, 0);
	if (n > 0) {
		if (has_newline(c->in + c->in_len, (size_t)n) ||
		    c->in_len + (size_t)n > HTTP_TARGET_MAX)
			c->parse_due = true;
		c->in_len += (size_t)n;
		return 0;
	}
	if (n == 0) {
		c->peer_eof = true;
		return 0;
	}
	return would_block() ? 0 : -1;
}

/* Answers the complete requests in the input, in order, while there is room to queue a
 * response. Returns whether it queued any. */
static bool conn_process(struct conn *c)
{
	struct http_request req;
	bool queued = false;

	while (c->state == CONN_ACTIVE && c->parse_due && c->in_len > c->in_off && can_respond(c)) {
		int r = http_parse_request(c->in + c->in_off, c->in_len - c->in_off, &req);
		if (r == 0) {
			c->parse_due = false;
			break;
		}
		queued = true;
		c->srv->stats.requests++;
		c->version = r > 0 ? req.version : 11;
		if (r < 0) {
			respond_error(c, -r, &req);
			break;
		}
		/* Consumed first: an answer that closes the connection drops the rest. The
		 * bytes stay where req points until the next read. */
		c->in_off += (size_t)r;
		respond_request(c, &req);
		if (c->in_off == c->in_len)
			c->in_off = c->in_len = 0;
	}
	return queued;
}

/* Copies the next piece of the body into out[], in pieces of at least half the buffer so
 * that a big file is read in big preads. -1 if the file cannot give the bytes promised. */
static int conn_fill(struct conn *c)
{
	if (!c->body_left)
		return 0;
	size_t room = conn_out_room(c, CONN_OUT_SIZE / 2);
	if (room < c->body_left && room < CONN_OUT_SIZE / 2)
		return 0;
	size_t n = room < c->body_left ? room : (size_t)c->body_left;
	if (c->body_fd >= 0) {
		long got = pread(c->body_fd, c->out + c->out_len, n, c->body_pos);
		if (got <= 0)
			return -1;
		n = (size_t)got;
	} else {
		memcpy(c->out + c->out_len, c->body_mem + c->body_pos, n);
	}
	c->out_len += n;
	c->body_pos += n;
	c->body_left -= n;
	if (!c->body_left)
		body_end(c);
	return 0;
}

/* One send of what is queued: bytes sent, 0 if the socket is full, -1 if it is dead. */
static long conn_flush(struct conn *c)
{
	size_t n = c->out_len - c->out_off;
	if (!n)
		return 0;
	/* The last of a reply that ends the connection: its FIN may go in the same segment. */
	int more = c->state == CONN_CLOSING && !c->body_left ? MSG_MORE : 0;
	long sent = send(c->fd, c->out + c->out_off, n, MSG_NOSIGNAL | more);
	if (sent < 0)
		return would_block() ? 0 : -1;
	c->out_off += (size_t)sent;
	c->srv->stats.bytes_sent += (uint64_t)sent;
	/* Progress restarts the clock: a slow reader of a big file is not idle. */
	deadline_touch(&c->srv->idle, c, c->srv->now);
	return sent;
}

/* Our side is done: close, or send FIN and drain the client's leftovers for a while when it
 * may still be sending (httpd.h). */
static bool conn_linger(struct conn *c)
{
	if (c->peer_eof || (!c->must_linger && c->in_off == c->in_len)) {
		conn_destroy(c);
		return false;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGER;
	c->in_off = c->in_len = 0;
	deadline_touch(&c->srv->linger, c, c->srv->now);
	return true;
}

static void conn_linger_read(struct conn *c)
{
	static char discard[CONN_IN_SIZE];
	long n = recv(c->fd, discard, sizeof(discard), 0);
	if (n > 0 || (n < 0 && would_block()))
		return;
	conn_destroy(c);
}

static void conn_update_events(struct conn *c)
{
	uint32_t want = 0;
	if (wants_input(c))
		want |= EPOLLIN;
	if (c->out_off < c->out_len)
		want |= EPOLLOUT;
	if (want != c->events && server_watch(c->srv, c->fd, want, c, EPOLL_CTL_MOD) == 0)
		c->events = want;
}

/* Runs the connection as far as it can go without waiting: answer, fill, send, again. */
static void conn_pump(struct conn *c)
{
	for (;;) {
		bool queued = conn_process(c);
		long sent;
		if (conn_fill(c) < 0 || (sent = conn_flush(c)) < 0) {
			conn_destroy(c);
			return;
		}
		if (!queued && sent == 0)
			break;
	}
	if (c->out_off == c->out_len && !c->body_left) {
		if (c->state == CONN_CLOSING && !conn_linger(c))
			return;
		if (c->state == CONN_ACTIVE && c->peer_eof) {
			conn_destroy(c);
			return;
		}
	}
	io_put(c, false);
	conn_update_events(c);
}

void conn_event(struct conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		conn_destroy(c);
		return;
	}
	if (c->state == CONN_LINGER) {
		conn_linger_read(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && wants_input(c) && conn_read(c) < 0) {
		conn_destroy(c);
		return;
	}
	if (events & EPOLLHUP)
		c->peer_eof = true;
	conn_pump(c);
}

/* The deadline passed. A request begun and not finished gets 408 (RFC 9110 15.5.9) and the
 * connection closes; an idle one, or one whose client stopped reading, just closes. */
void conn_expire(struct conn *c)
{
	if (c->state == CONN_ACTIVE && c->in_len > c->in_off && c->out_off == c->out_len &&
	    !c->body_left) {
		respond_error(c, 408, NULL);
		deadline_touch(&c->srv->idle, c, c->srv->now);
		conn_pump(c);
		return;
	}
	conn_destroy(c);
}
