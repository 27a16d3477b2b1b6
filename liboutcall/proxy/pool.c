/* Buffers and pipes, kept between uses: a connection holds a buffer only
 * while it has bytes in it and a pipe only while bytes are in flight, so
 * idle keep-alive connections and idle tunnels cost a few hundred bytes
 * and no pipe. The pool keeps at most POOL_MAX of each for the next user.
 * Not oc_buf: these buffers come from and go back to the pool, start at
 * PX_BUF_SIZE and keep 32-bit sizes so that a connection stays small. */
#include "proxy/conn.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

#define POOL_MAX 64

int px_buf_reserve(oc_proxy *p, struct px_buf *b, size_t need)
{
	if (!b->data) {
		if (p->pool.nbufs) {
			b->data = p->pool.bufs[--p->pool.nbufs];
		} else if (!(b->data = malloc(PX_BUF_SIZE))) {
			return oc_error_nomem();
		}
		b->cap = PX_BUF_SIZE;
		b->len = 0;
	}
	if (need <= b->cap - b->len)
		return 0;
	size_t cap = b->cap;
	while (cap - b->len < need)
		cap *= 2;
	if (cap > UINT32_MAX)
		return oc_error_set(OC_ELIMIT, "proxy buffer would exceed 4 GiB");
	char *d = realloc(b->data, cap);
	if (!d)
		return oc_error_nomem();
	b->data = d;
	b->cap = (uint32_t)cap;
	return 0;
}

void px_buf_consume(struct px_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= (uint32_t)n;
}

void px_buf_release(oc_proxy *p, struct px_buf *b)
{
	if (!b->data)
		return;
	if (b->cap == PX_BUF_SIZE && p->pool.nbufs < POOL_MAX)
		p->pool.bufs[p->pool.nbufs++] = b->data;
	else
		free(b->data);
	*b = (struct px_buf){ 0 };
}

int px_pipe_get(oc_proxy *p, struct px_pipe *out)
{
	if (p->pool.npipes) {
		*out = p->pool.pipes[--p->pool.npipes];
		return 0;
	}
	int fds[2];
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return oc_error_os("proxy: cannot make a pipe for relaying");
	/* A bigger pipe halves the splice calls of a bulk transfer; the
	 * kernel's page budget may refuse, and 64 KiB still works. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, 256 * 1024);
	int size = fcntl(fds[1], F_GETPIPE_SZ);
	*out = (struct px_pipe){ fds[0], fds[1], size > 0 ? (uint32_t)size : 65536u };
	return 0;
}

void px_pipe_put(oc_proxy *p, struct px_pipe *pp)
{
	if (pp->rd < 0)
		return;
	if (p->pool.npipes < POOL_MAX) {
		p->pool.pipes[p->pool.npipes++] = *pp;
	} else {
		close(pp->rd);
		close(pp->wr);
	}
	*pp = (struct px_pipe){ -1, -1, 0 };
}

void px_pool_free(struct px_pool *pool)
{
	for (size_t i = 0; i < pool->nbufs; i++)
		free(pool->bufs[i]);
	for (size_t i = 0; i < pool->npipes; i++) {
		close(pool->pipes[i].rd);
		close(pool->pipes[i].wr);
	}
	free(pool->bufs);
	free(pool->pipes);
	*pool = (struct px_pool){ 0 };
}

int px_pool_init(struct px_pool *pool)
{
	pool->bufs = calloc(POOL_MAX, sizeof(*pool->bufs));
	pool->pipes = calloc(POOL_MAX, sizeof(*pool->pipes));
	if (!pool->bufs || !pool->pipes) {
		px_pool_free(pool);
		return oc_error_nomem();
	}
	return 0;
}
