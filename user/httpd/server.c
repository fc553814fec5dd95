/* The listening socket and the one event loop: epoll (level-triggered) over the listener and
 * every connection, and the deadlines that close idle ones. */
#include "user/httpd/httpd.h"

/* The listener's epoll tag: connections are tagged with their struct conn. */
static char listener_tag;

int server_watch(struct server *s, int fd, uint32_t events, void *ptr, int op)
{
	struct epoll_event ev = { .events = events, .data = { .ptr = ptr } };
	return epoll_ctl(s->ep, op, fd, &ev);
}

static int fail(const char *what)
{
	printf("httpd: %s: %s\n", what, strerror(errno));
	return -1;
}

/* The listener's port (port 0 asked for any free one: say which we got) and the epoll set. */
static int server_setup(struct server *s)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	if (getsockname(s->listen_fd, (struct sockaddr *)&sa, &len) != 0)
		return fail("getsockname");
	s->port = ntohs(sa.sin_port);
	s->ep = epoll_create1(0);
	if (s->ep < 0)
		return fail("epoll_create1");
	if (server_watch(s, s->listen_fd, EPOLLIN, &listener_tag, EPOLL_CTL_ADD) != 0)
		return fail("epoll_ctl");
	s->accepting = true;
	return 0;
}

int server_listen(struct server *s, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = { .s_addr = htonl(INADDR_ANY) } };
	int one = 1;

	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return fail("socket");
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Responses go out whole: nothing gains from Nagle's delay. Accepted connections (and
	 * a worker's replica of this listener) take the option from it, on Linux as here. */
	setsockopt(s->listen_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return fail("bind");
	if (listen(s->listen_fd, LISTEN_BACKLOG) != 0)
		return fail("listen");
	return server_setup(s);
}

/* A listener made for us (-l: a worker's replica), made non-blocking as ours are. */
int server_adopt(struct server *s, int fd)
{
	s->listen_fd = fd;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		return fail("-l");
	return server_setup(s);
}

/* At conns_max connections (or out of descriptors) the listener leaves the epoll set, and
 * new connections wait in the kernel's backlog until one of ours closes. */
static void server_pause(struct server *s)
{
	if (s->accepting && server_watch(s, s->listen_fd, 0, &listener_tag, EPOLL_CTL_MOD) == 0)
		s->accepting = false;
}

void server_conn_closed(struct server *s)
{
	if (!s->accepting && s->stats.open < s->conns_max &&
	    server_watch(s, s->listen_fd, EPOLLIN, &listener_tag, EPOLL_CTL_MOD) == 0)
		s->accepting = true;
}

static void server_accept(struct server *s)
{
	for (int k = 0; k < EVENTS_MAX; k++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);

		if (s->stats.open >= s->conns_max) {
			server_pause(s);
			return;
		}
		int fd = accept4(s->listen_fd, (struct sockaddr *)&sa, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENOMEM) {
				/* Fewer descriptors than we thought: make this the limit. */
				s->conns_max = s->stats.open > 0 ? (unsigned)s->stats.open : 1;
				server_pause(s);
			}
			if (errno != EINTR)
				return;         /* EAGAIN: none left; anything else: that one failed */
			continue;
		}
		if (!conn_new(s, fd, ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port)))
			close(fd);
	}
}

/* Closes (or answers with 408) every connection whose deadline has passed. */
static void server_expire(struct server *s)
{
	struct deadline_list *lists[] = { &s->idle, &s->linger };
	for (size_t k = 0; k < 2; k++)
		while (lists[k]->head && lists[k]->head->deadline <= s->now)
			conn_expire(lists[k]->head);
}

/* Milliseconds until the next deadline, -1 for none. */
static int server_timeout(const struct server *s)
{
	uint64_t next = UINT64_MAX;
	if (s->idle.head)
		next = s->idle.head->deadline;
	if (s->linger.head && s->linger.head->deadline < next)
		next = s->linger.head->deadline;
	if (next == UINT64_MAX)
		return -1;
	return next <= s->now ? 0 : next - s->now > 60000 ? 60000 : (int)(next - s->now);
}

int server_run(struct server *s)
{
	static struct epoll_event events[EVENTS_MAX];

	for (;;) {
		int n = epoll_wait(s->ep, events, EVENTS_MAX, server_timeout(s));
		if (n < 0 && errno != EINTR)
			return fail("epoll_wait");
		s->now = port_now_ms();
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == &listener_tag)
				server_accept(s);
			else
				conn_event(events[i].data.ptr, events[i].events);
		}
		server_expire(s);
	}
}
