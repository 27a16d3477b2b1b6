/*
 * Judging a request or tunnel: identity first (a peer that is not a
 * managed container is refused before any rule is read), then the context
 * built by the engine's own builders, then the one judge (engine/judge.h)
 * that the DNS filter and the agent socket's check use too.
 *
 * The judge adds two checks on top of the rule's verdict:
 * - A port other than the scheme's own (443 for CONNECT, 80 for plain
 *   HTTP) is allowed only when the deciding allow rule's condition reads
 *   network.port (oc_rule_fields): a rule such as `network.hostname ==
 *   "db.example.com"` opens the host on 80 and 443 only, while `... &&
 *   network.port == 5432` (or `network.port in [443, 8443]`) names the
 *   port. The check is on what the rule reads, not on the value: a rule
 *   reading the port has decided about it.
 * - http.body_size is judged with the head, before any body byte: the
 *   Content-Length, or for a chunked body, whose size nobody knows yet,
 *   the largest int, so a size limit refuses it rather than letting it
 *   through (docs/rules.md).
 * - An allow rule with egress.mode intercept asks for TLS interception,
 *   which this proxy does not do: a tunnel it would decide is blocked
 *   rather than opened uninspected.
 */
#include "proxy/conn.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <outcall/engine.h>
#include <outcall/identity.h>

#include "core/error.h"
#include "engine/judge.h"

/* The container behind the connection's source address, or NULL. */
static oc_container *who(struct px_conn *c)
{
	struct in_addr a = { c->peer_ip };
	return oc_registry_by_ip(c->p->svc.registry, a);
}

static void refuse(struct px_conn *c, struct px_verdict *v)
{
	*v = (struct px_verdict){ .refused = true };
	px_record_decided(c, NULL, OC_EVENT_VERDICT_REFUSED, "not a managed container", 0, NULL);
}

static void decide(struct px_conn *c, oc_context *ctx, oc_container *ctr, bool named_port,
	struct px_verdict *v)
{
	uint64_t gen;
	oc_judgment j;
	oc_ruleset *rs = oc_judge_live(c->p->svc.rules, c->p->svc.registry, ctr, ctx, named_port, &j, &gen);
	*v = (struct px_verdict){ .allow = j.allowed, .allow_private = j.d.egress.allow_private_ips,
		.reason = j.refusal };
	px_record_decided(c, j.d.rule_id, v->allow ? OC_EVENT_VERDICT_ALLOW : OC_EVENT_VERDICT_BLOCK, v->reason, gen, ctr);
	oc_ruleset_unref(rs);
}

/* Scratch space for a context, grown as a head needs it. */
static int scratch(oc_proxy *p, size_t need)
{
	if (need <= p->scratch_cap)
		return 0;
	char *s = realloc(p->scratch, need);
	if (!s)
		return oc_error_nomem();
	p->scratch = s;
	p->scratch_cap = need;
	return 0;
}

static void lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
	dst[n] = '\0';
}

int px_headers_map(oc_proxy *p, const oc_http_request *r, const char *buf, oc_map *out)
{
	/* Worst case: every name and value with a NUL, and ", " per repeat. */
	size_t kv_bytes = r->nheaders * sizeof(oc_kv);
	int rc = scratch(p, kv_bytes + 4u * r->head_len + 2u * r->nheaders + 1);
	if (rc)
		return rc;
	oc_kv *kv = (oc_kv *)(void *)p->scratch;
	char *s = p->scratch + kv_bytes;
	size_t n = 0;
	for (int i = 0; i < r->nheaders; i++) {
		const oc_http_header *h = &r->headers[i];
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = h->name.len == r->headers[j].name.len &&
				!strncasecmp(buf + h->name.off, buf + r->headers[j].name.off, h->name.len);
		if (seen)
			continue;
		kv[n].key = s;
		lower_copy(s, buf + h->name.off, h->name.len);
		s += h->name.len + 1;
		kv[n].value = s;
		/* This field and every later one of the same name, joined. */
		for (int j = i; j < r->nheaders; j++) {
			const oc_http_header *o = &r->headers[j];
			if (o->name.len != h->name.len ||
			    strncasecmp(buf + h->name.off, buf + o->name.off, h->name.len))
				continue;
			if (j != i)
				s = memcpy(s, ", ", 2), s += 2;
			memcpy(s, buf + o->value.off, o->value.len);
			s += o->value.len;
		}
		*s++ = '\0';
		n++;
	}
	*out = (oc_map){ kv, n };
	return 0;
}

int px_http_ctx_build(struct px_conn *c, const char *raw_host, uint16_t port,
	struct px_http_ctx *h)
{
	const oc_http_request *r = c->req;
	const char *buf = c->in.data;
	/* origin form: "?q" alone becomes "/?q" */
	h->path = malloc((size_t)r->origin.len + 2);
	if (!h->path)
		return oc_error_nomem();
	size_t o = 0;
	if (r->origin.len == 0 || buf[r->origin.off] == '?')
		h->path[o++] = '/';
	memcpy(h->path + o, buf + r->origin.off, r->origin.len);
	h->path[o + r->origin.len] = '\0';
	int rc = oc_context_for_http(&h->ctx, h->host, raw_host, port, h->method, h->path);
	if (rc)
		return rc == OC_ENOMEM ? rc : OC_EINVAL;
	rc = px_headers_map(c->p, r, buf, &h->ctx.http_headers);
	h->ctx.http_body_size = px_body_size(r);
	return rc;
}

void px_http_ctx_free(struct px_http_ctx *h)
{
	free(h->path);
	h->path = NULL;
}

void px_judge_http(struct px_conn *c, oc_context *ctx, struct px_verdict *v)
{
	oc_container *ctr = who(c);
	if (!ctr) {
		refuse(c, v);
		return;
	}
	decide(c, ctx, ctr, c->kind == OC_PROXY_EXPLICIT, v);
}

int64_t px_body_size(const oc_http_request *r)
{
	switch (r->framing) {
	case OC_HTTP_BODY_LENGTH:
		return r->content_length > INT64_MAX ? INT64_MAX : (int64_t)r->content_length;
	case OC_HTTP_BODY_CHUNKED:
		return INT64_MAX;
	default:
		return 0;
	}
}

/* The judge again, for the record's container, with the live rules. */
static bool still_allowed(struct px_conn *c, oc_context *ctx)
{
	uint64_t gen;
	oc_judgment j;
	oc_ruleset *rs = oc_judge_live(c->p->svc.rules, c->p->svc.registry, c->rec.ctr, ctx,
		c->kind == OC_PROXY_EXPLICIT, &j, &gen);
	oc_ruleset_unref(rs);
	return j.allowed;
}

static bool tunnel_still_allowed(struct px_conn *c)
{
	oc_context ctx;
	char hostbuf[OC_HOSTNAME_MAX], snibuf[OC_HOSTNAME_MAX];
	/* the record's host is the one the tunnel was judged on (a CONNECT's
	 * SNI had to equal it; a redirected tunnel's is its SNI or address) */
	return c->rec.ctr && oc_context_for_tls(&ctx, hostbuf, c->rec.host, c->rec.port, NULL,
		snibuf) == 0 && still_allowed(c, &ctx);
}

/* The request as it was judged: the record's host, port, method and
 * origin-form path, and the headers and body size kept with it. */
static bool exchange_still_allowed(struct px_conn *c)
{
	oc_context ctx;
	char hostbuf[OC_HOSTNAME_MAX];
	const struct px_record *r = &c->rec;
	if (!r->ctr || oc_context_for_http(&ctx, hostbuf, r->host, r->port, r->method, r->path) < 0)
		return false;
	ctx.http_headers = r->header_map;
	ctx.http_body_size = r->body_size;
	return still_allowed(c, &ctx);
}

const char *px_no_longer_allowed(struct px_conn *c)
{
	if (c->phase == PH_TUNNEL)
		return tunnel_still_allowed(c) ? NULL :
			"the rules no longer allow this tunnel (revoked or changed)";
	/* a request on its way up or its answer on its way down: a long
	 * download ends with the permission, not when it is done */
	bool running = c->phase == PH_RESOLVE || c->phase == PH_CONNECT ||
		c->phase == PH_EXCHANGE;
	if (!running || !c->rec.active || !c->rec.http_allowed || exchange_still_allowed(c))
		return NULL;
	return "the rules no longer allow this request (revoked or changed)";
}

void px_judge_tls(struct px_conn *c, oc_context *ctx, bool connect, struct px_verdict *v)
{
	oc_container *ctr = who(c);
	if (!ctr) {
		refuse(c, v);
		return;
	}
	decide(c, ctx, ctr, connect, v);
}
