/* httpd: an HTTP/1.1 static file server with one event loop, for Flotilla and for Linux.
 *
 *   httpd [-p PORT] [-r DOCROOT] [-t IDLE_SECONDS] [-q] [-w | -l FD]
 *
 * Serves GET and HEAD for the files under DOCROOT (default /www) on PORT (default 80; 0 picks
 * a free one), plus the generated /status and /status.html. Connections idle for
 * IDLE_SECONDS (default 10) are closed; -q stops the one log line per response.
 * -w (Flotilla): one listen(), served by a worker on every other live kernel too: each is
 * this program with the same options and -l 3, started there with the listening socket
 * (docs/SYSCALLS.md, the single socket). -l FD serves the listening socket at descriptor FD
 * instead of opening one (-p is then that socket's). */
#include "user/httpd/httpd.h"

#define DEFAULT_PORT    80
#define DEFAULT_ROOT    "/www"
#define DEFAULT_IDLE_S  10
#define IDLE_MAX_S      86400
#define WORKER_ARGS     16              /* of our own command line passed on to a worker */

static int usage(void)
{
	printf("usage: httpd [-p PORT] [-r DOCROOT] [-t IDLE_SECONDS] [-q] [-w | -l FD]\n");
	return 2;
}

/* A decimal number in [lo, hi], or -1. */
static long parse_number(const char *s, long lo, long hi)
{
	long v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > hi)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= lo && v <= hi ? v : -1;
}

/* Keeps the root without its trailing slashes, so that root + "/path" is the file. */
static int set_root(struct server *s, const char *root)
{
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	if (n + 1 > sizeof(s->root) || (n == 0 && root[0] != '/'))
		return -1;
	memcpy(s->root, root, n);
	s->root[n] = 0;
	return 0;
}

/* What the command line asks beyond the server's own settings. */
struct options {
	long port;
	bool workers;                   /* -w */
	long listen_fd;                 /* -l FD; -1: open a socket */
};

static int parse_args(struct server *s, int argc, char **argv, struct options *o)
{
	long idle = DEFAULT_IDLE_S;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(opt, "-q") == 0 || strcmp(opt, "-w") == 0) {
			s->quiet |= opt[1] == 'q';
			o->workers |= opt[1] == 'w';
			continue;
		}
		if (strcmp(opt, "-p") == 0)
			o->port = parse_number(val, 0, 65535);
		else if (strcmp(opt, "-t") == 0)
			idle = parse_number(val, 1, IDLE_MAX_S);
		else if (strcmp(opt, "-l") == 0 && (o->listen_fd = parse_number(val, 3, 1 << 20)) < 0)
			return -1;
		else if (strcmp(opt, "-l") != 0 && (strcmp(opt, "-r") != 0 || !val || set_root(s, val) != 0))
			return -1;
		if (o->port < 0 || idle < 0)
			return -1;
		i++;
	}
	s->idle.ms = (uint64_t)idle * 1000;
	s->linger.ms = s->idle.ms < LINGER_MAX_MS ? s->idle.ms : LINGER_MAX_MS;
	return o->workers && o->listen_fd >= 0 ? -1 : 0;        /* a worker starts no workers */
}

/* -w: the workers' command line is ours without -w, with -l naming the replica. */
static int start_workers(int argc, char **argv, int listen_fd)
{
	char *wargv[WORKER_ARGS + 3], fd[12];
	int n = 0;
	for (int i = 0; i < argc && n < WORKER_ARGS; i++)
		if (strcmp(argv[i], "-w") != 0)
			wargv[n++] = argv[i];
	snprintf(fd, sizeof(fd), "%d", PORT_WORKER_FD);
	wargv[n++] = "-l";
	wargv[n++] = fd;
	wargv[n] = NULL;
	return port_spawn_workers(wargv, listen_fd) < 0 ? -1 : 0;
}

/* The root must be there: a typo would otherwise only show as 404s. */
static int check_root(const struct server *s)
{
	int fd = port_open_file(s->root[0] ? s->root : "/");
	if (fd < 0) {
		printf("httpd: %s: %s\n", s->root[0] ? s->root : "/", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static struct server srv;
	struct options o = { .port = DEFAULT_PORT, .listen_fd = -1 };
	int max_fds = port_init();

	set_root(&srv, DEFAULT_ROOT);
	if (parse_args(&srv, argc, argv, &o) != 0)
		return usage();
	if (check_root(&srv) != 0)
		return 1;
	if (o.listen_fd >= 0 ? server_adopt(&srv, (int)o.listen_fd) != 0 :
			       server_listen(&srv, (uint16_t)o.port) != 0)
		return 1;
	srv.conns_max = max_fds > 2 * FDS_RESERVED ? (unsigned)(max_fds - FDS_RESERVED) : FDS_RESERVED;
	srv.started = srv.now = port_now_ms();
	printf("httpd: listening on port %u, root %s\n", srv.port, srv.root[0] ? srv.root : "/");
	if (o.workers && start_workers(argc, argv, srv.listen_fd) != 0)
		return 1;
	return server_run(&srv) == 0 ? 0 : 1;
}
