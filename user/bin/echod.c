/* The echo service of RFC 862 on TCP and UDP port 7 (or the port given): every byte or
 * datagram received goes back to its sender. One epoll loop; a connection whose peer does not
 * read stops being read until its echo drains, so memory stays bounded. */
#include "user/lib/flotilla.h"

#define MAX_EVENTS 64
#define BUF_SIZE   16384

struct echo_conn {
	int fd;
	size_t len, off;                /* pending bytes to send back: buf[off, len) */
	uint8_t buf[BUF_SIZE];
};

static int ep;

static int watch(int fd, uint32_t events, void *ptr, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };
	return epoll_ctl(ep, op, fd, &ev);
}

static void drop(struct echo_conn *c)
{
	close(c->fd);           /* also leaves the epoll set */
	free(c);
}

/* Sends what is pending, then reads more; switches interest between the two. */
static void serve(struct echo_conn *c)
{
	for (;;) {
		if (c->off < c->len) {
			long n = send(c->fd, c->buf + c->off, c->len - c->off, 0);
			if (n < 0) {
				if (errno == EAGAIN) {
					watch(c->fd, EPOLLOUT, c, EPOLL_CTL_MOD);
					return;
				}
				drop(c);
				return;
			}
			c->off += (size_t)n;
			continue;
		}
		c->off = c->len = 0;
		long n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n > 0) {
			c->len = (size_t)n;
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			watch(c->fd, EPOLLIN, c, EPOLL_CTL_MOD);
			return;
		}
		drop(c);                /* the end of the stream, or an error */
		return;
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? 0 : 7;
	for (const char *p = argc > 1 ? argv[1] : ""; *p; p++)
		port = port * 10 + (*p - '0');
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ep = epoll_create1(0);
	if (lfd < 0 || ufd < 0 || ep < 0) {
		printf("echod: cannot make sockets: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 128) ||
	    bind(ufd, (struct sockaddr *)&sin, sizeof(sin))) {
		printf("echod: cannot use port %d: %s\n", port, strerror(errno));
		return 1;
	}
	watch(lfd, EPOLLIN, &lfd, EPOLL_CTL_ADD);
	watch(ufd, EPOLLIN, &ufd, EPOLL_CTL_ADD);
	printf("echod: echoing on TCP and UDP port %d\n", port);
	for (;;) {
		struct epoll_event evs[MAX_EVENTS];
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		if (n < 0) {
			printf("echod: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			void *who = evs[i].data.ptr;
			if (who == &lfd) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct echo_conn *c = malloc(sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					c->len = c->off = 0;
					watch(fd, EPOLLIN, c, EPOLL_CTL_ADD);
				}
			} else if (who == &ufd) {
				uint8_t d[1500];
				struct sockaddr_in from;
				socklen_t flen = sizeof(from);
				long len;
				while ((len = recvfrom(ufd, d, sizeof(d), 0, (struct sockaddr *)&from, &flen)) >= 0) {
					sendto(ufd, d, (size_t)len, 0, (struct sockaddr *)&from, flen);
					flen = sizeof(from);
				}
			} else {
				serve(who);
			}
		}
	}
}
