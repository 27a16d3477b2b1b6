/*
 * One HTTP request and its response. The request (rewritten head, then
 * its body) and the response (heads read and rewritten here, then the
 * body) move independently, so an upstream may answer before the body is
 * through. The exchange ends when both are; the client connection then
 * reads its next request unless either side asked to close or the
 * response was delimited by the server closing.
 *
 * Interim responses (100 Continue, 103) are passed on as they come; 101
 * Switching Protocols cannot happen (Upgrade is hop-by-hop and not
 * forwarded) and is refused if a server sends it anyway.
 */
#include "proxy/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Ready for the next response head of this exchange. */
static void res_init(struct px_conn *c)
{
	oc_http_response_head_init(c->res);
	c->res->relay = true;
	c->res->head = c->head_method;
	c->res->max_head = UINT16_MAX;
}

void px_exchange_start(struct px_conn *c)
{
	c->res_started = c->res_head_done = c->up_done = c->down_done = false;
	/* Kept across the requests of a connection, freed by a tunnel. */
	if (!c->res && !(c->res = malloc(sizeof(*c->res)))) {
		px_conn_close(c, "out of memory");
		return;
	}
	res_init(c);
	px_conn_enter(c, PH_EXCHANGE);
}

/* The client's side of the exchange cannot go on. */
static void broken(struct px_conn *c, const char *why)
{
	px_conn_close(c, why);
}

/* Framing of the final response (RFC 9112 §6.3). Returns false when the
 * response cannot be relayed. */
static bool frame(struct px_conn *c)
{
	const oc_http_response_head *r = c->res;
	struct px_dir *d = &c->down;
	switch (r->framing) {
	case OC_HTTP_BODY_NONE:
		d->body = BODY_NONE;
		break;
	case OC_HTTP_BODY_CHUNKED:
		if (c->http_minor == 0)
			return false;
		d->body = BODY_CHUNKED;
		oc_http_chunked_init(&d->chunk);
		break;
	case OC_HTTP_BODY_LENGTH:
		d->body = BODY_LENGTH;
		d->left = r->content_length;
		break;
	case OC_HTTP_BODY_UNTIL_CLOSE:
		d->body = BODY_EOF;
		c->close_after = true; /* the client learns the end only by the close */
		break;
	}
	return true;
}

/* One response head from c->uin: interim heads go on, the final one sets
 * the framing. Returns false when the exchange was ended. */
static bool take_head(struct px_conn *c)
{
	oc_http_response_head *r = c->res;
	int rc = oc_http_response_head_parse(r, c->uin.data, c->uin.len);
	if (rc == OC_HTTP_MORE)
		return true;
	if (rc < 0) {
		px_upstream_fail(c, 502, "the upstream's response could not be read", r->error);
		return false;
	}
	bool interim = r->status < 200;
	if (r->status == 101 || (!interim && !frame(c))) {
		px_upstream_fail(c, 502, "the upstream's response cannot be relayed",
			r->status == 101 ? "it switched protocols (Upgrade is not forwarded)" :
			"a chunked response to an HTTP/1.0 client");
		return false;
	}
	if (px_rewrite_response(&c->down.q, c->p, r, c->uin.data, !interim && c->close_after,
		    !interim && c->http_minor == 0) < 0) {
		broken(c, "out of memory");
		return false;
	}
	px_buf_consume(&c->uin, r->head_len);
	if (interim) {
		res_init(c);
		return true;
	}
	c->res_head_done = true;
	c->rec.status = r->status;
	c->up_keep = r->keep_alive;
	return true;
}

/* Reads response heads until the final one is through. */
static void response_heads(struct px_conn *c)
{
	while (!c->res_head_done && !c->closed) {
		uint32_t before = c->uin.len;
		if (c->uin.len && !take_head(c))
			return;
		if (c->res_head_done || c->uin.len != before)
			continue;
		if (!(c->ready & R_UP_RD)) {
			c->want_u |= OC_LOOP_READ;
			return;
		}
		if (px_buf_reserve(c->p, &c->uin, 4096) < 0) {
			broken(c, "out of memory");
			return;
		}
		ssize_t n = px_read(c, c->ufd, R_UP_RD, c->uin.data + c->uin.len,
			c->uin.cap - c->uin.len);
		if (n == PX_READ_WAIT) {
			c->want_u |= OC_LOOP_READ;
			return;
		}
		if (n <= 0) {
			if (!c->res_started && px_upstream_retry(c))
				return;
			px_upstream_fail(c, 502, "the upstream closed the connection",
				c->res_started ? "in the middle of the response head" :
				"before answering");
			return;
		}
		c->uin.len += (uint32_t)n;
		if (!c->res_started) {
			/* The request can no longer be sent again. */
			c->res_started = true;
			c->up.keep_q = false;
			if (c->up.qoff == c->up.q.len)
				px_buf_release(c->p, &c->up.q), c->up.qoff = 0;
		}
	}
}

static void finish(struct px_conn *c)
{
	bool keep_up = c->up_keep && !c->uin.len && c->ufd >= 0;
	px_record_emit(c, NULL);
	if (!keep_up)
		px_upstream_close(c);
	px_conn_after(c, c->close_after ? PH_LINGER : PH_HEAD);
}

/* The request direction; returns false when the exchange was ended. */
static bool request(struct px_conn *c)
{
	if (c->up_done)
		return true;
	switch (px_pump(c, &c->up, c->cfd, c->ufd, R_CLIENT_RD, R_UP_WR, &c->in)) {
	case W_DONE:
		c->up_done = true;
		return true;
	case W_SRC:
		c->want_c |= OC_LOOP_READ;
		return true;
	case W_DST:
		c->want_u |= OC_LOOP_WRITE;
		return true;
	case W_ERROR:
		break;
	}
	if (c->up.src_failed) {
		broken(c, "client closed in the middle of the request body");
		return false;
	}
	if (!c->res_started && px_upstream_retry(c))
		return false;
	/* The upstream stopped taking the request; its answer may still
	 * come, after which the connection closes. */
	c->up_done = true;
	c->close_after = true;
	c->up_keep = false;
	return true;
}

/* The response body direction. */
static bool response(struct px_conn *c)
{
	if (c->down_done)
		return true;
	switch (px_pump(c, &c->down, c->ufd, c->cfd, R_UP_RD, R_CLIENT_WR, &c->uin)) {
	case W_DONE:
		c->down_done = true;
		return true;
	case W_SRC:
		c->want_u |= OC_LOOP_READ;
		return true;
	case W_DST:
		c->want_c |= OC_LOOP_WRITE;
		return true;
	case W_ERROR:
		break;
	}
	broken(c, c->down.src_failed ? "upstream ended the response early" :
		"client went away during the response");
	return false;
}

void px_exchange_run(struct px_conn *c)
{
	uint64_t before = c->up.moved + c->down.moved + c->uin.len;
	if (!request(c) || c->closed || c->phase != PH_EXCHANGE)
		return;
	if (!c->res_head_done) {
		/* Interim answers (100 Continue) reach the client at once. */
		if (px_flush(c, &c->down, c->cfd, R_CLIENT_WR) == W_DST)
			c->want_c |= OC_LOOP_WRITE;
		response_heads(c);
	}
	if (c->closed || c->phase != PH_EXCHANGE)
		return;
	if (c->res_head_done && !response(c))
		return;
	if (c->up_done && c->down_done) {
		finish(c);
		return;
	}
	if (c->up.moved + c->down.moved + c->uin.len != before)
		px_conn_deadline(c, c->p->cfg.idle_ms);
}
