/*
 * The proxy's own answers. A block is written for the agent that will read
 * it: what was blocked, by which rule, the decision id to quote, and the
 * exact command that asks the operator for access, with every value
 * shell-quoted (paths and methods come from the agent and may hold
 * quotes, `$` or backticks).
 */
#include "proxy/conn.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "engine/judge.h"
#include "http/response.h"

/* Appends s as one shell word: bare when it is plainly safe, else in
 * single quotes with each ' written as '\''. */
static int shell_word(oc_buf *b, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr("_./:=@%+,-", *p);
	if (plain)
		return oc_buf_puts(b, s);
	int rc = oc_buf_puts(b, "'");
	for (const char *p = s; !rc && *p; p++)
		rc = *p == '\'' ? oc_buf_puts(b, "'\\''") : oc_buf_append(b, p, 1);
	return rc ? rc : oc_buf_puts(b, "'");
}

static int request_command(oc_buf *b, const char *command, const struct px_record *rec)
{
	int rc = oc_buf_printf(b, "  %s --host ", command);
	if (!rc)
		rc = shell_word(b, rec->host);
	if (!rc)
		rc = oc_buf_printf(b, " --port %u", rec->port);
	if (!rc && rec->path) {
		rc = oc_buf_puts(b, " --method ");
		if (!rc)
			rc = shell_word(b, rec->method);
		if (!rc)
			rc = oc_buf_puts(b, " --path ");
		if (!rc)
			rc = shell_word(b, rec->path);
	}
	return rc ? rc : oc_buf_puts(b, " --why \"...\"\n");
}

/* What was asked for, as the agent would write it. */
static int target(oc_buf *b, const struct px_record *rec)
{
	if (!rec->method || !rec->path)
		return oc_buf_printf(b, "a connection to %s:%u", rec->host, rec->port);
	if (rec->port == 80)
		return oc_buf_printf(b, "%s http://%s%s", rec->method, rec->host, rec->path);
	return oc_buf_printf(b, "%s http://%s:%u%s", rec->method, rec->host, rec->port, rec->path);
}

int px_page_blocked(oc_buf *out, const char *command, const struct px_record *rec,
	const char *revoked, bool refused, bool keep, bool head)
{
	oc_buf body = OC_BUF_INIT;
	char id[OC_EVENT_ID_LEN];
	oc_event_id_format(rec->id, id);
	int rc = oc_buf_puts(&body, refused ? "Outcall refused " : "Outcall blocked ");
	if (!rc)
		rc = target(&body, rec);
	if (!rc && refused)
		rc = oc_buf_puts(&body, ": this address is not a container managed by Outcall, "
			"so no rule applies to it.\n");
	if (!rc && !refused)
		rc = oc_buf_printf(&body, ".\nRule: %s%s\n", rec->rule[0] ? rec->rule : "default",
			strcmp(rec->rule, "default") ? "" : " (no rule allows it)");
	if (!rc && rec->reason && !refused)
		rc = oc_buf_printf(&body, "Reason: %s.\n", rec->reason);
	if (!rc && revoked && !refused)
		rc = oc_buf_printf(&body, "Revoked: %s.\n", revoked);
	if (!rc)
		rc = oc_buf_printf(&body, "Decision: %s\n", id);
	bool locked = strcmp(rec->rule, OC_LOCKDOWN_RULE) == 0;
	if (!rc && !refused && locked)
		rc = oc_buf_puts(&body, "Access requests are refused until the operator lifts the "
			"lockdown (`outcall-shim whoami` says why).\n");
	if (!rc && !refused && !locked) {
		rc = oc_buf_puts(&body, "To ask the operator for access, run (with your reason in "
			"place of ...):\n");
		if (!rc)
			rc = request_command(&body, command, rec);
	}
	oc_kv hdrs[2] = { { "X-Outcall-Decision", id }, { "X-Outcall-Rule", rec->rule } };
	oc_http_response r = {
		.status = 403,
		.content_type = "text/plain; charset=utf-8",
		.body = body.data,
		.body_len = body.len,
		.headers = hdrs,
		.nheaders = refused ? 1 : 2,
		.close = !keep,
		.head = head,
	};
	if (!rc)
		rc = oc_http_response_write(out, &r);
	oc_buf_free(&body);
	return rc;
}

/* Queues bytes for the client and writes them in PH_REPLY; then `after`. */
void px_reply_queue(struct px_conn *c, const char *data, size_t len, enum px_phase after)
{
	struct px_dir *d = &c->down;
	if (px_buf_reserve(c->p, &d->q, len) < 0) {
		px_conn_close(c, "out of memory");
		return;
	}
	memcpy(d->q.data + d->q.len, data, len);
	d->q.len += (uint32_t)len;
	c->after = after;
	px_conn_enter(c, PH_REPLY);
}

static void queue_buf(struct px_conn *c, oc_buf *b, int rc, bool keep)
{
	if (rc)
		px_conn_close(c, "out of memory");
	else
		px_reply_queue(c, b->data, b->len, keep ? PH_HEAD : PH_LINGER);
	oc_buf_free(b);
}

void px_reply_blocked(struct px_conn *c, bool refused, bool keep)
{
	oc_buf b = OC_BUF_INIT;
	c->rec.status = 403;
	char revoked[OC_PROXY_REVOKED_MAX] = "";
	oc_proxy *p = c->p;
	if (!refused && p->revoked && c->rec.ctr)
		p->revoked(p->revoked_arg, oc_container_agent_name(c->rec.ctr), c->rec.host, revoked,
			sizeof(revoked));
	int rc = px_page_blocked(&b, p->request_command, &c->rec, revoked[0] ? revoked : NULL,
		refused, keep, c->head_method);
	px_record_emit(c, NULL);
	queue_buf(c, &b, rc, keep);
}

void px_reply_error(struct px_conn *c, int status, const char *what, const char *why, bool keep)
{
	oc_buf body = OC_BUF_INIT, b = OC_BUF_INIT;
	char retry[16];
	snprintf(retry, sizeof(retry), "%u", c->p->cfg.retry_after_s);
	oc_kv hdr = { "Retry-After", retry };
	int rc = oc_buf_printf(&body, "Outcall could not complete this request: %s.\nReason: %s.\n",
		what, why);
	oc_http_response r = {
		.status = status,
		.content_type = "text/plain; charset=utf-8",
		.body = body.data,
		.body_len = body.len,
		.headers = &hdr,
		.nheaders = status == 503,
		.close = !keep,
		.head = c->head_method,
	};
	if (!rc)
		rc = oc_http_response_write(&b, &r);
	oc_buf_free(&body);
	if (c->rec.active) {
		c->rec.status = status;
		if (!c->rec.reason)
			c->rec.reason = why;
		px_record_emit(c, NULL);
	}
	queue_buf(c, &b, rc, keep);
}
