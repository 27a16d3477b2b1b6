/*
 * Moving one direction's bytes. Order is kept by never holding bytes in
 * two places at once: the user-space queue is written out first, then the
 * pipe is drained, and only then is more taken from the source: first the
 * bytes already read from it (they came before anything still in the
 * socket), then by splice(socket -> pipe -> socket). Chunked framing is
 * read into user space and checked by the decoder; the chunk data between
 * the framing is spliced.
 */
#include "proxy/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes one pump call moves at most before it lets other connections run
 * (level-triggered epoll calls it again). */
#define PUMP_BUDGET (1024u * 1024u)

void px_dir_reset(oc_proxy *p, struct px_dir *d)
{
	px_buf_release(p, &d->q);
	if (d->in_pipe) {
		/* Bytes nobody will read: the pipe cannot go back to the pool. */
		close(d->pipe.rd);
		close(d->pipe.wr);
		d->pipe = (struct px_pipe){ -1, -1 };
	}
	px_pipe_put(p, &d->pipe);
	*d = (struct px_dir){ .pipe = { -1, -1 } };
}

static bool again(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK;
}

/* Writes the queue (from_pipe false) or the pipe to dst. */
static enum px_wait write_out(struct px_conn *c, struct px_dir *d, int dst, unsigned dst_ready,
	bool from_pipe)
{
	while (from_pipe ? d->in_pipe > 0 : d->qoff < d->q.len) {
		if (!(c->ready & dst_ready))
			return W_DST;
		ssize_t n = from_pipe ?
			splice(d->pipe.rd, NULL, dst, NULL, d->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK) :
			send(dst, d->q.data + d->qoff, d->q.len - d->qoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (!again(errno))
				return W_ERROR;
			px_unready(c, dst_ready);
			return W_DST;
		}
		if (from_pipe)
			d->in_pipe -= (uint32_t)n;
		else
			d->qoff += (uint32_t)n;
		d->moved += (uint64_t)n;
	}
	return W_DONE;
}

enum px_wait px_flush(struct px_conn *c, struct px_dir *d, int dst, unsigned dst_ready)
{
	enum px_wait w = write_out(c, d, dst, dst_ready, false);
	if (w == W_DONE && !d->keep_q)
		px_buf_release(c->p, &d->q), d->qoff = 0;
	return w;
}

static bool body_done(const struct px_dir *d)
{
	switch (d->body) {
	case BODY_NONE:
		return true;
	case BODY_LENGTH:
		return d->left == 0;
	case BODY_CHUNKED:
		return d->chunk_done;
	case BODY_EOF:
	case BODY_TUNNEL:
		return d->src_eof;
	}
	return true;
}

/* Appends the source's already-read bytes that belong to this body to the
 * queue (which is empty). Returns false if the framing is broken. */
static bool take_buffered(struct px_conn *c, struct px_dir *d, struct px_buf *src_buf)
{
	size_t n = src_buf->len;
	if (d->body == BODY_LENGTH && n > d->left)
		n = (size_t)d->left;
	if (d->body == BODY_CHUNKED) {
		int rc = oc_http_chunked_feed(&d->chunk, src_buf->data, src_buf->len, &n, NULL, NULL);
		if (rc < 0)
			return false;
		d->chunk_done = rc == OC_HTTP_DONE;
	}
	d->keep_q = false;
	d->q.len = d->qoff = 0;
	if (px_buf_reserve(c->p, &d->q, n) < 0)
		return false;
	memcpy(d->q.data, src_buf->data, n);
	d->q.len = (uint32_t)n;
	if (d->body == BODY_LENGTH)
		d->left -= n;
	px_buf_consume(src_buf, n);
	return true;
}

/* Reads chunked framing from the socket into src_buf. */
static enum px_wait read_framing(struct px_conn *c, struct px_dir *d, int src, unsigned src_ready,
	struct px_buf *src_buf)
{
	if (px_buf_reserve(c->p, src_buf, 4096) < 0)
		return W_ERROR;
	ssize_t n = px_read(c, src, src_ready, src_buf->data + src_buf->len,
		src_buf->cap - src_buf->len);
	if (n == PX_READ_WAIT)
		return W_SRC;
	if (n <= 0) {
		d->src_eof = d->src_failed = true;
		return W_ERROR; /* closed or reset inside a chunked body */
	}
	src_buf->len += (uint32_t)n;
	return W_DONE;
}

/* Splices what the body may still take from the socket into the (empty)
 * pipe. W_DONE: bytes moved or the source ended; W_SRC / W_ERROR. */
static enum px_wait splice_in(struct px_conn *c, struct px_dir *d, int src, unsigned src_ready,
	uint64_t want)
{
	if (d->pipe.rd < 0 && px_pipe_get(c->p, &d->pipe) < 0)
		return W_ERROR;
	size_t ask = want < d->pipe.size ? (size_t)want : d->pipe.size;
	ssize_t n = splice(src, NULL, d->pipe.wr, NULL, ask, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n < 0 && errno == EINTR)
		return W_DONE;
	if (n < 0 && again(errno)) {
		px_unready(c, src_ready);
		return W_SRC;
	}
	if (n < 0) {
		d->src_failed = true;
		return W_ERROR;
	}
	if (n == 0) {
		d->src_eof = true;
		/* Closing inside a counted or chunked body truncates it. */
		d->src_failed = d->body == BODY_LENGTH || d->body == BODY_CHUNKED;
		return d->src_failed ? W_ERROR : W_DONE;
	}
	if ((size_t)n < ask)
		px_unready(c, src_ready); /* drained; epoll says when more comes */
	d->in_pipe = (uint32_t)n;
	if (d->body == BODY_LENGTH)
		d->left -= (uint64_t)n;
	else if (d->body == BODY_CHUNKED)
		oc_http_chunked_skip(&d->chunk, (uint64_t)n);
	return W_DONE;
}

enum px_wait px_pump(struct px_conn *c, struct px_dir *d, int src, int dst, unsigned src_ready,
	unsigned dst_ready, struct px_buf *src_buf)
{
	uint64_t start = d->moved;
	for (;;) {
		enum px_wait w = px_flush(c, d, dst, dst_ready);
		if (w == W_DONE)
			w = write_out(c, d, dst, dst_ready, true);
		if (w != W_DONE)
			return w;
		if (body_done(d)) {
			px_pipe_put(c->p, &d->pipe);
			if (d->body == BODY_TUNNEL && !d->dst_shut) {
				shutdown(dst, SHUT_WR);
				d->dst_shut = true;
			}
			return W_DONE;
		}
		/* More to do: the source stays ready and epoll calls again. A
		 * source that hung up has left epoll, so it is read to its end
		 * (at most its receive buffer) now. */
		if (d->moved - start >= PUMP_BUDGET && !(c->hung & src_ready))
			return W_SRC;
		if (src_buf && src_buf->len) {
			if (!take_buffered(c, d, src_buf)) {
				d->src_failed = true;
				return W_ERROR;
			}
			continue;
		}
		if (!(c->ready & src_ready)) {
			px_pipe_put(c->p, &d->pipe);
			return W_SRC;
		}
		uint64_t want = d->body == BODY_LENGTH ? d->left : UINT64_MAX;
		if (d->body == BODY_CHUNKED) {
			want = oc_http_chunked_data_pending(&d->chunk);
			if (!want) {
				w = read_framing(c, d, src, src_ready, src_buf);
				if (w != W_DONE)
					return w;
				continue;
			}
		}
		w = splice_in(c, d, src, src_ready, want);
		if (w == W_SRC)
			px_pipe_put(c->p, &d->pipe);
		if (w != W_DONE)
			return w;
	}
}
