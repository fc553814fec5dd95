/* poll and epoll over sockets (net/socket.h), and the wake-ups every socket event sends to
 * them. Kernel code (processes, wait queues, user-memory copies), so not in the host build;
 * it relies on what net/socket.c says about races. */
#include "net/sock.h"
#include "kernel/mm/heap.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/uaccess.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "net/tcp.h"

#define O_CLOEXEC_FLAG  02000000

static struct waitq pollq = { LIST_HEAD_INIT(pollq.waiters) };  /* every poll() waiter */

void sock_wake(struct socket *s)
{
	waitq_wake_all(&s->wq);
	waitq_wake_all(&pollq);
	list_for_each(n, &s->watchers) {
		struct epoll_item *it = list_entry(n, struct epoll_item, sock_node);
		if (list_empty(&it->ready_node))
			list_add_tail(&it->ep->ready, &it->ready_node);
		waitq_wake_all(&it->ep->wq);
	}
}

static void item_free(struct epoll_item *it)
{
	list_del(&it->ep_node);
	list_del(&it->sock_node);
	list_del(&it->ready_node);
	kfree(it);
}

void epoll_forget(struct socket *s)
{
	while (!list_empty(&s->watchers))
		item_free(list_entry(list_first(&s->watchers), struct epoll_item, sock_node));
}

void epoll_release(struct epoll *ep)
{
	while (!list_empty(&ep->items))
		item_free(list_entry(list_first(&ep->items), struct epoll_item, ep_node));
	kfree(ep);
}

static unsigned sock_events(const struct socket *s)
{
	if (s->type == SOCK_DGRAM)
		return POLLOUT | (list_empty(&s->dgrams) ? 0 : POLLIN);
	if (s->tcp->state == TCP_CLOSED && !s->tcp->error && !s->tcp->fin_rcvd && !s->tcp->iss)
		return POLLOUT | POLLHUP;       /* never connected, as Linux reports */
	unsigned ev = tcp_poll(s->tcp);
	if (s->shut_rd)
		ev |= POLLIN | POLLRDHUP;
	return ev;
}

static unsigned fd_events(struct proc *p, int32_t fd)
{
	if (fd >= 0 && fd <= 2)
		return fd == 0 ? 0 : POLLOUT;
	if (fd < 0 || (unsigned)fd >= p->nfds || p->fds[fd].kind == FD_NONE)
		return POLLNVAL;
	if (p->fds[fd].kind == FD_SOCKET)
		return sock_events(p->fds[fd].sock);
	if (p->fds[fd].kind == FD_EPOLL)
		return list_empty(&p->fds[fd].ep->ready) ? 0 : POLLIN;
	return POLLIN | POLLOUT;        /* files never block */
}

static uint64_t ms_to_ticks(uint64_t ms)
{
	uint64_t t = (ms * HZ + 999) / 1000;
	return t ? t : 1;
}

int64_t sock_poll(struct proc *p, uint64_t ufds, uint64_t n, int64_t timeout_ms)
{
	if (n > PROC_MAX_FDS)
		return -EINVAL;
	struct pollfd *fds = n ? kmalloc(n * sizeof(*fds)) : NULL;
	int64_t err = 0;
	if (n && !fds)
		return -ENOMEM;
	if (n && (err = copy_from_user(fds, ufds, n * sizeof(*fds)))) {
		kfree(fds);
		return err;
	}
	uint64_t deadline = timeout_ms > 0 ? sock_now() + (uint64_t)timeout_ms : 0;
	for (;;) {
		int64_t ready = 0;
		for (uint64_t i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			unsigned ev = fd_events(p, fds[i].fd);
			ev &= (unsigned)(uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
			fds[i].revents = (int16_t)ev;
			if (ev)
				ready++;
		}
		uint64_t now = sock_now();
		if (ready || timeout_ms == 0 || (timeout_ms > 0 && now >= deadline)) {
			err = n ? copy_to_user(ufds, fds, n * sizeof(*fds)) : 0;
			kfree(fds);
			return err ? err : ready;
		}
		err = sock_wait(p, &pollq, timeout_ms > 0 ? ms_to_ticks(deadline - now) : 0, NULL);
		if (err) {
			kfree(fds);
			return err;
		}
	}
}

int64_t sock_epoll_create(struct proc *p, uint64_t flags)
{
	if (flags & ~(uint64_t)O_CLOEXEC_FLAG)
		return -EINVAL;
	int fd = fd_alloc(p);
	if (fd < 0)
		return fd;
	struct epoll *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->ready);
	waitq_init(&ep->wq);
	p->fds[fd] = (struct proc_fd){ .kind = FD_EPOLL, .ep = ep };
	return fd;
}

/* Through the socket's watchers (one or two sets), not the set's items (every socket a
 * server holds): epoll_ctl costs the same with 10 or 100,000 sockets in the set. */
static struct epoll_item *item_find(struct epoll *ep, struct socket *s, int fd)
{
	struct epoll_item *it;
	list_for_each_entry(it, &s->watchers, sock_node)
		if (it->ep == ep && it->fd == fd)
			return it;
	return NULL;
}

int64_t sock_epoll_ctl(struct proc *p, uint64_t epfd, uint64_t op, uint64_t fd, uint64_t uev)
{
	struct epoll_event ev;
	int64_t err = 0;
	if (epfd >= p->nfds || p->fds[epfd].kind == FD_NONE || fd >= p->nfds ||
	    p->fds[fd].kind == FD_NONE)
		return fd <= 2 && fd != epfd && epfd < p->nfds ? -EPERM : -EBADF;
	if (p->fds[epfd].kind != FD_EPOLL || fd == epfd)
		return -EINVAL;
	if (p->fds[fd].kind != FD_SOCKET)
		return -EPERM;          /* as Linux for files that are always ready */
	struct epoll *ep = p->fds[epfd].ep;
	struct socket *s = p->fds[fd].sock;
	struct epoll_item *it = item_find(ep, s, (int)fd);
	if (op != EPOLL_CTL_DEL && (err = copy_from_user(&ev, uev, sizeof(ev))))
		return err;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		it = kzalloc(sizeof(*it));
		if (!it)
			return -ENOMEM;
		it->ep = ep;
		it->sock = s;
		it->fd = (int)fd;
		list_init(&it->ready_node);
		list_add_tail(&ep->items, &it->ep_node);
		list_add_tail(&s->watchers, &it->sock_node);
		break;
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		break;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_free(it);
		return 0;
	default:
		return -EINVAL;
	}
	it->events = ev.events;
	it->data = ev.data.u64;
	if (list_empty(&it->ready_node) && (sock_events(s) & (ev.events | EPOLLERR | EPOLLHUP)))
		list_add_tail(&ep->ready, &it->ready_node);
	return 0;
}

/* Copies out up to max events of ep's ready items. Those reported go to the back of the
 * ready list if level-triggered (looked at again next time, after the rest, so none starves
 * them) and off it if edge-triggered. If a copy fails, every item taken goes back to the front
 * as it was, and the call is -EFAULT: no event is lost, and no item stays linked to this
 * frame's list. */
static int64_t epoll_report(struct epoll *ep, uint64_t uevs, int64_t max)
{
	struct list_node taken = LIST_HEAD_INIT(taken);
	int64_t n = 0;
	int err = 0;
	while (n < max && !list_empty(&ep->ready)) {
		struct epoll_item *it = list_entry(list_first(&ep->ready), struct epoll_item, ready_node);
		list_del(&it->ready_node);
		unsigned ev = sock_events(it->sock) & (it->events | EPOLLERR | EPOLLHUP);
		if (!ev)
			continue;       /* no longer ready: off the list until the next event */
		struct epoll_event out = { .events = ev, .data.u64 = it->data };
		list_add_tail(&taken, &it->ready_node);
		if ((err = copy_to_user(uevs + (uint64_t)n * sizeof(out), &out, sizeof(out))))
			break;
		n++;
	}
	while (!list_empty(&taken)) {
		struct list_node *x = err ? taken.prev : taken.next;
		struct epoll_item *it = list_entry(x, struct epoll_item, ready_node);
		list_del(x);
		if (err)
			list_add_head(&ep->ready, x);
		else if (!(it->events & EPOLLET))
			list_add_tail(&ep->ready, x);
	}
	return err ? err : n;
}

int64_t sock_epoll_wait(struct proc *p, uint64_t epfd, uint64_t uevs, int64_t max, int64_t timeout_ms)
{
	int64_t err = 0;
	if (epfd >= p->nfds || p->fds[epfd].kind == FD_NONE)
		return -EBADF;
	if (p->fds[epfd].kind != FD_EPOLL || max <= 0 || max > PROC_MAX_FDS)
		return -EINVAL;
	/* A buffer that cannot hold max events fails now, not after a wait; epoll_report stays
	 * safe if a copy fails anyway. */
	if ((err = check_user_buffer(uevs, (size_t)max * sizeof(struct epoll_event))))
		return err;
	struct epoll *ep = p->fds[epfd].ep;
	uint64_t deadline = timeout_ms > 0 ? sock_now() + (uint64_t)timeout_ms : 0;
	for (;;) {
		int64_t n = epoll_report(ep, uevs, max);
		uint64_t now = sock_now();
		if (n || timeout_ms == 0 || (timeout_ms > 0 && now >= deadline))
			return n;
		if ((err = sock_wait(p, &ep->wq, timeout_ms > 0 ? ms_to_ticks(deadline - now) : 0, NULL)))
			return err;
	}
}
