/* printf and friends over write(1), through the shared formatter in lib/format.c. */
#include "user/lib/flotilla.h"

struct out_buf {
	char data[256];
	size_t len;
};

static void out_flush(struct out_buf *b)
{
	if (b->len)
		write(1, b->data, b->len);
	b->len = 0;
}

static void out_emit(void *arg, const char *s, size_t n)
{
	struct out_buf *b = arg;
	for (size_t i = 0; i < n; i++) {
		if (b->len == sizeof(b->data))
			out_flush(b);
		b->data[b->len++] = s[i];
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct out_buf b = { .len = 0 };
	int n = fmt_format(out_emit, &b, fmt, ap);
	out_flush(&b);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

const char *strerror(int err)
{
	switch (err) {
	case EPERM: return "operation not permitted";
	case ENODEV: return "no such device";
	case ESRCH: return "no such process";
	case EINTR: return "interrupted";
	case ENOENT: return "no such file or directory";
	case E2BIG: return "argument list too long";
	case ENOEXEC: return "not an executable";
	case EBADF: return "bad file descriptor";
	case ECHILD: return "no such child";
	case EAGAIN: return "try again";
	case ENOMEM: return "out of memory";
	case EACCES: return "permission denied";
	case EFAULT: return "bad address";
	case ENOTDIR: return "not a directory";
	case EISDIR: return "is a directory";
	case EINVAL: return "invalid argument";
	case EMFILE: return "too many open files";
	case ENAMETOOLONG: return "name too long";
	case ENOSYS: return "no such system call";
	case EPIPE: return "broken pipe";
	case ENOTSOCK: return "not a socket";
	case EDESTADDRREQ: return "destination address required";
	case EMSGSIZE: return "message too long";
	case ENOPROTOOPT: return "protocol not available";
	case EPROTONOSUPPORT: return "protocol not supported";
	case EOPNOTSUPP: return "operation not supported";
	case EAFNOSUPPORT: return "address family not supported";
	case EADDRINUSE: return "address in use";
	case EADDRNOTAVAIL: return "address not available";
	case ENETDOWN: return "network is down";
	case ENETUNREACH: return "network unreachable";
	case ECONNABORTED: return "connection aborted";
	case ECONNRESET: return "connection reset by peer";
	case ENOBUFS: return "no buffer space";
	case EISCONN: return "already connected";
	case ENOTCONN: return "not connected";
	case ETIMEDOUT: return "timed out";
	case ECONNREFUSED: return "connection refused";
	case EHOSTDOWN: return "host is down";
	case EHOSTUNREACH: return "no route to host";
	case EALREADY: return "already in progress";
	case EINPROGRESS: return "in progress";
	default: return "unknown error";
	}
}
