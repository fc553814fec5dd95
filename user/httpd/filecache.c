/* Small files kept in memory (httpd.h: struct file_cache), so that answering a request for
 * one costs no system call: open, fstat, pread and close went with every request. An entry
 * is checked against the file (open and fstat: size and modification time) when it is older
 * than FILE_CACHE_VALID_MS, as nginx's open_file_cache_valid does, so a file changed on a
 * system whose files can change is served new within that time. A body is counted: the
 * cache holds one reference and each connection sending it another, so an entry replaced
 * while a connection still sends its old body frees it only when that send ends. */
#include "user/httpd/httpd.h"

static uint32_t path_hash(const char *p)
{
	uint32_t h = 2166136261u;               /* FNV-1a */
	while (*p)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

void file_body_put(struct file_body *b)
{
	if (b && --b->refs == 0)
		free(b);
}

/* The whole of fd (size bytes) in a new body holding one reference, or NULL. */
static struct file_body *body_read(int fd, const struct port_stat *st)
{
	struct file_body *b = malloc(sizeof(*b) + st->size);
	if (!b)
		return NULL;
	uint64_t got = 0;
	while (got < st->size) {
		long n = pread(fd, b->data + got, st->size - got, got);
		if (n <= 0) {
			free(b);
			return NULL;
		}
		got += (uint64_t)n;
	}
	b->refs = 1;
	b->size = st->size;
	b->mtime = st->mtime;
	return b;
}

/* Puts b in e (for path), dropping what e held. */
static void entry_fill(struct file_entry *e, const char *path, struct file_body *b, uint64_t now)
{
	file_body_put(e->body);
	e->body = b;
	e->checked = now;
	snprintf(e->path, sizeof(e->path), "%s", path);
}

void file_cache_drop(struct file_cache *fc)
{
	for (size_t i = 0; i < FILE_CACHE_SLOTS; i++) {
		file_body_put(fc->slot[i].body);
		fc->slot[i].body = NULL;
	}
}

int file_open(struct file_cache *fc, const char *path, uint64_t now, struct port_stat *st,
	      struct file_body **body)
{
	struct file_entry *e = &fc->slot[path_hash(path) % FILE_CACHE_SLOTS];
	bool known = e->body && strcmp(e->path, path) == 0;
	*body = NULL;
	if (known && now - e->checked < FILE_CACHE_VALID_MS)
		goto hit;
	int fd = port_open_file(path);
	if (fd < 0)
		return -1;
	if (port_fstat(fd, st) != 0 || !st->regular || st->size > FILE_CACHE_FILE_MAX ||
	    strlen(path) >= sizeof(e->path))
		return fd;                      /* the caller serves (or refuses) it as it is */
	if (known && e->body->size == st->size && e->body->mtime == st->mtime) {
		e->checked = now;
	} else {
		struct file_body *b = body_read(fd, st);
		if (!b)
			return fd;
		entry_fill(e, path, b, now);
	}
	close(fd);
hit:
	st->size = e->body->size;
	st->mtime = e->body->mtime;
	st->regular = true;
	e->body->refs++;
	*body = e->body;
	return -1;
}
