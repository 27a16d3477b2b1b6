/* The proxy's parts without sockets: the 403 page, the judge (CONNECT
 * ports, the context a request is judged with), the heads it writes and
 * the response heads it reads. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <outcall/engine.h>

#include "proxy/conn.h"

/* ---- the 403 page ---- */

static char *page(const struct px_record *rec, bool refused, bool keep, bool head)
{
	oc_buf b = OC_BUF_INIT;
	cr_assert_eq(px_page_blocked(&b, "outcall-shim request", rec, NULL, refused, keep, head), 0);
	return oc_buf_steal(&b);
}

static struct px_record http_rec(char *path, char *rule, char *method)
{
	return (struct px_record){ .id = 42, .host = "api.example.com", .port = 80,
		.method = method, .path = path, .rule = rule };
}

Test(proxy_page, names_target_rule_decision_and_command)
{
	struct px_record rec = http_rec("/v1/items?x=1", "default", "POST");
	char *p = page(&rec, false, true, false);
	cr_assert(strncmp(p, "HTTP/1.1 403 Forbidden\r\n", 24) == 0);
	cr_assert_not_null(strstr(p, "\r\nX-Outcall-Decision: 000000000000002a\r\n"));
	cr_assert_not_null(strstr(p, "\r\nX-Outcall-Rule: default\r\n"));
	cr_assert_not_null(strstr(p, "\r\nConnection: keep-alive\r\n"));
	cr_assert_not_null(strstr(p, "Outcall blocked POST http://api.example.com/v1/items?x=1.\n"));
	cr_assert_not_null(strstr(p, "Rule: default (no rule allows it)\n"));
	cr_assert_not_null(strstr(p, "Decision: 000000000000002a\n"));
	cr_assert_not_null(strstr(p, "  outcall-shim request --host api.example.com --port 80 "
		"--method POST --path '/v1/items?x=1' --why \"...\"\n"), "%s", p);
	free(p);
}

Test(proxy_page, agent_text_is_shell_quoted)
{
	struct px_record rec = http_rec("/a'b$(id)`x`", "deny-x", "GET");
	rec.port = 8080;
	rec.reason = "some reason";
	char *p = page(&rec, false, false, false);
	cr_assert_not_null(strstr(p, "--port 8080 --method GET --path '/a'\\''b$(id)`x`' --why"),
		"%s", p);
	cr_assert_not_null(strstr(p, "GET http://api.example.com:8080/a'b"));
	cr_assert_not_null(strstr(p, "Rule: deny-x\n"));
	cr_assert_not_null(strstr(p, "Reason: some reason.\n"));
	cr_assert_not_null(strstr(p, "\r\nConnection: close\r\n"));
	free(p);
}

Test(proxy_page, connect_refused_and_head)
{
	struct px_record rec = { .id = 7, .host = "db.example.com", .port = 5432,
		.method = "CONNECT", .rule = "allow-db" };
	char *p = page(&rec, false, true, false);
	cr_assert_not_null(strstr(p, "Outcall blocked a connection to db.example.com:5432.\n"));
	cr_assert_not_null(strstr(p, "outcall-shim request --host db.example.com --port 5432 "
		"--why \"...\"\n"), "%s", p);
	free(p);
	p = page(&rec, true, false, false);
	cr_assert_not_null(strstr(p, "not a container managed by Outcall"));
	cr_assert_null(strstr(p, "X-Outcall-Rule"), "no rule was asked");
	cr_assert_null(strstr(p, "outcall-shim"), "nothing to request for a stranger");
	free(p);
	struct px_record h = http_rec("/", "default", "HEAD");
	p = page(&h, false, true, true);
	cr_assert_not_null(strstr(p, "Content-Length: "));
	cr_assert(strlen(strstr(p, "\r\n\r\n")) == 4, "a HEAD answer has no body bytes");
	free(p);
}

/* A revoked approval is named with its reason; a lockdown's page does not
 * send the agent to ask for access, which would be refused. */
Test(proxy_page, revoked_approval_and_lockdown)
{
	oc_buf b = OC_BUF_INIT;
	struct px_record rec = http_rec("/", "default", "GET");
	cr_assert_eq(px_page_blocked(&b, "outcall-shim request", &rec, "access request r-1 for "
		"api.example.com was revoked by the operator: leaked a token", false, true, false), 0);
	char *p = oc_buf_steal(&b);
	cr_assert_not_null(strstr(p, "Rule: default (no rule allows it)\nRevoked: access request "
		"r-1 for api.example.com was revoked by the operator: leaked a token.\n"), "%s", p);
	cr_assert_not_null(strstr(p, "outcall-shim request --host api.example.com"), "%s", p);
	free(p);
	struct px_record locked = http_rec("/", "lockdown", "GET");
	locked.reason = "the operator locked this agent down";
	p = page(&locked, false, true, false);
	cr_assert_not_null(strstr(p, "Rule: lockdown\n"), "%s", p);
	cr_assert_not_null(strstr(p, "Access requests are refused until the operator lifts the "
		"lockdown"), "%s", p);
	cr_assert_null(strstr(p, "outcall-shim request"), "%s", p);
	free(p);
}

/* ---- the judge ---- */

static oc_loop *loop;
static oc_live *live;
static oc_registry *reg;
static oc_events *events;
static oc_addr_policy *priv;
static oc_proxy *proxy;

static void judge_setup(void)
{
	const char *yaml =
		"version: \"1\"\n"
		"rules:\n"
		"  - id: host-only\n"
		"    condition: 'network.hostname == \"web.test\"'\n"
		"    action: allow\n"
		"  - id: with-port\n"
		"    condition: 'network.hostname == \"db.test\" && network.port in [5432, 443]'\n"
		"    action: allow\n"
		"  - id: intercepted\n"
		"    condition: 'network.hostname == \"deep.test\"'\n"
		"    action: allow\n"
		"    egress: { mode: intercept }\n"
		"  - id: ctx\n"
		"    condition: 'agent.name == \"coder\" && container.labels[\"team\"] == \"a\" && "
		"http.method == \"PUT\" && http.path == \"/x?y=1\" && http.headers[\"x-k\"] == \"1, 2\" "
		"&& http.headers[\"accept\"] == \"*/*\"'\n"
		"    action: allow\n";
	cr_assert_eq(oc_loop_new(&loop), 0);
	cr_assert_eq(oc_live_new(&live), 0);
	cr_assert_eq(oc_events_new(64, &events), 0);
	oc_ruleset *rs;
	cr_assert_eq(oc_ruleset_load_string("t.yaml", yaml, strlen(yaml), NULL, &rs, NULL), 0,
		"%s", oc_error_last()->message);
	oc_live_publish(live, rs);
	oc_ruleset_unref(rs);
	cr_assert_eq(oc_registry_new(&reg), 0);
	oc_kv labels[] = { { "team", "a" } };
	oc_container_spec spec = { .name = "coder-3", .network = "n",
		.labels = { labels, 1 }, .container_id = "c0ffee", .image = "img:1" };
	inet_pton(AF_INET, "10.200.0.2", &spec.ip);
	oc_container *c;
	cr_assert_eq(oc_container_new(&spec, &c), 0);
	oc_registry_put(reg, c);
	oc_container_unref(c);
	cr_assert_eq(oc_addr_policy_new(NULL, &priv), 0);
	oc_proxy_config cfg = OC_PROXY_CONFIG_INIT;
	cfg.upstreams = "127.0.0.1";
	oc_services svc = { .rules = live, .registry = reg, .events = events, .private_ranges = priv };
	cr_assert_eq(oc_proxy_new(loop, &cfg, &svc, &proxy), 0, "%s", oc_error_last()->message);
}

static void judge_teardown(void)
{
	oc_proxy_free(proxy);
	oc_addr_policy_free(priv);
	oc_registry_free(reg);
	oc_events_free(events);
	oc_live_free(live);
	oc_loop_free(loop);
}

TestSuite(proxy_judge, .init = judge_setup, .fini = judge_teardown);

static struct px_conn conn_from(const char *ip)
{
	struct px_conn c = { .p = proxy, .cfd = -1, .ufd = -1 };
	inet_pton(AF_INET, ip, &c.peer_ip);
	return c;
}

/* Judges a TLS connection to host:port with sni as the tunnel does. */
static void judge_tls(struct px_conn *c, const char *host, uint16_t port, const char *sni,
	bool connect, struct px_verdict *v)
{
	oc_context ctx;
	char hostbuf[OC_HOSTNAME_MAX], snibuf[OC_HOSTNAME_MAX];
	cr_assert_eq(oc_context_for_tls(&ctx, hostbuf, host, port, sni, snibuf), 0);
	px_judge_tls(c, &ctx, connect, v);
}

/* Judges CONNECT host:port; returns the verdict, *rule the deciding rule. */
static bool connect_allowed(const char *host, uint16_t port, char *rule, const char **reason)
{
	struct px_conn c = conn_from("10.200.0.2");
	struct px_verdict v;
	cr_assert_eq(px_record_open(&c, OC_EVENT_LAYER_TLS, host, port, "CONNECT", NULL), 0);
	judge_tls(&c, host, port, NULL, true, &v);
	strcpy(rule, c.rec.rule);
	*reason = v.reason;
	px_record_emit(&c, NULL);
	return v.allow;
}

Test(proxy_judge, connect_port_semantics)
{
	char rule[160];
	const char *why;
	cr_assert(connect_allowed("web.test", 443, rule, &why), "443 needs no port in the rule");
	cr_assert_not(connect_allowed("web.test", 8443, rule, &why));
	cr_assert_str_eq(rule, "host-only");
	cr_assert_not_null(strstr(why, "network.port"));
	cr_assert(connect_allowed("db.test", 5432, rule, &why), "the rule names 5432");
	cr_assert_str_eq(rule, "with-port");
	cr_assert_not(connect_allowed("db.test", 5433, rule, &why));
	cr_assert_str_eq(rule, "default", "5433 is not in the rule: no rule matches");
	cr_assert_not(connect_allowed("deep.test", 443, rule, &why));
	cr_assert_not_null(strstr(why, "interception"));
}

Test(proxy_judge, unknown_peer_is_refused_without_a_rule)
{
	struct px_conn c = conn_from("10.200.0.99");
	struct px_verdict v;
	cr_assert_eq(px_record_open(&c, OC_EVENT_LAYER_TLS, "web.test", 443, "CONNECT", NULL), 0);
	judge_tls(&c, "web.test", 443, NULL, true, &v);
	cr_assert(v.refused && !v.allow);
	cr_assert_str_eq(c.rec.rule, "");
	cr_assert_eq(c.rec.verdict, OC_EVENT_VERDICT_REFUSED);
	px_record_emit(&c, NULL);
}

static oc_http_request *parse(const char *text)
{
	oc_http_request *r = malloc(sizeof(*r));
	oc_http_request_init(r);
	cr_assert_eq(oc_http_request_parse(r, text, strlen(text)), OC_HTTP_DONE, "%s", r->error);
	return r;
}

/* Judges c's request as the head phase does: its context built once, the
 * record opened from it, then the verdict. */
static void judge_http(struct px_conn *c, const char *host, uint16_t port, struct px_verdict *v)
{
	struct px_http_ctx h = { .path = NULL };
	snprintf(h.method, sizeof(h.method), "%.*s", (int)c->req->method_text.len,
		c->in.data + c->req->method_text.off);
	cr_assert_eq(px_http_ctx_build(c, host, port, &h), 0, "%s", oc_error_last()->message);
	cr_assert_eq(px_record_open(c, OC_EVENT_LAYER_HTTP, h.host, port, h.method, h.path), 0);
	px_judge_http(c, &h.ctx, v);
	px_http_ctx_free(&h);
}

Test(proxy_judge, request_context_has_agent_container_method_path_and_headers)
{
	const char *text = "PUT http://web2.test/x?y=1 HTTP/1.1\r\nHost: web2.test\r\nX-K: 1\r\n"
		"Accept: */*\r\nx-k: 2\r\n\r\n";
	struct px_conn c = conn_from("10.200.0.2");
	c.req = parse(text);
	c.in.data = (char *)text;
	struct px_verdict v;
	judge_http(&c, "Web2.Test", 80, &v);
	cr_assert_str_eq(c.rec.host, "web2.test", "the host, normalised once");
	cr_assert_str_eq(c.rec.method, "PUT");
	cr_assert_str_eq(c.rec.path, "/x?y=1");
	cr_assert(v.allow, "rule ctx: %s", c.rec.rule);
	cr_assert_str_eq(c.rec.rule, "ctx");
	px_record_emit(&c, NULL);
	free(c.req);
}

static bool http_allowed(const char *host, uint16_t port, char *rule, const char **reason)
{
	char text[256];
	snprintf(text, sizeof(text), "GET http://%s:%u/ HTTP/1.1\r\nHost: %s:%u\r\n\r\n", host,
		(unsigned)port, host, (unsigned)port);
	struct px_conn c = conn_from("10.200.0.2");
	c.req = parse(text);
	c.in.data = text;
	struct px_verdict v;
	judge_http(&c, host, port, &v);
	strcpy(rule, c.rec.rule);
	*reason = v.reason;
	px_record_emit(&c, NULL);
	free(c.req);
	return v.allow;
}

/* Plain HTTP to a port other than 80 needs a rule that names the port,
 * exactly as CONNECT does for ports other than 443 (issue 11 item 3). */
Test(proxy_judge, plain_http_port_semantics)
{
	char rule[160];
	const char *why;
	cr_assert(http_allowed("web.test", 80, rule, &why), "80 needs no port in the rule");
	cr_assert_not(http_allowed("web.test", 2222, rule, &why), "a host-only rule is 80 only");
	cr_assert_str_eq(rule, "host-only");
	cr_assert_not_null(strstr(why, "plain HTTP to a port other than 80"), "%s", why);
	cr_assert_not(http_allowed("web.test", 443, rule, &why), "443 is not plain HTTP's port");
	cr_assert(http_allowed("db.test", 5432, rule, &why), "the rule names 5432");
	cr_assert_str_eq(rule, "with-port");
}

/* ---- every field the docs promise, per proxy layer ---- */

/* One rule, `cond`, allowing; everything else is the default block. */
static void only_rule(const char *cond)
{
	char yaml[1024];
	snprintf(yaml, sizeof(yaml), "version: \"1\"\nrules:\n  - id: f\n    condition: '%s'\n"
		"    action: allow\n", cond);
	oc_ruleset *rs;
	cr_assert_eq(oc_ruleset_load_string("f.yaml", yaml, strlen(yaml), NULL, &rs, NULL), 0,
		"%s: %s", cond, oc_error_last()->message);
	oc_live_publish(live, rs);
	oc_ruleset_unref(rs);
}

enum layer_kind { PLAIN, CONNECT, HELLO };

struct field_case {
	enum layer_kind layer;
	const char *cond;
	const char *head;   /* PLAIN: the request; else the host */
	uint16_t port;
	const char *sni;    /* HELLO */
};

static bool judged_by_f(const struct field_case *k)
{
	struct px_conn c = conn_from("10.200.0.2");
	struct px_verdict v;
	if (k->layer == PLAIN) {
		c.req = parse(k->head);
		c.in.data = (char *)k->head;
		const char *host = strstr(k->head, "198.18.1.80") ? "198.18.1.80" : "web2.test";
		judge_http(&c, host, k->port, &v);
		free(c.req);
	} else {
		cr_assert_eq(px_record_open(&c, OC_EVENT_LAYER_TLS, k->head, k->port, "CONNECT", NULL), 0);
		judge_tls(&c, k->head, k->port, k->layer == HELLO ? k->sni : NULL, true, &v);
	}
	bool f = v.allow && strcmp(c.rec.rule, "f") == 0;
	px_record_emit(&c, NULL);
	return f;
}

#define POST_HEAD(extra) "POST http://web2.test/p?q=1 HTTP/1.1\r\nHost: web2.test\r\n" \
	"X-K: v\r\n" extra "\r\n"

/* issue 11 item 4: http.body_size was never filled in, so a size limit
 * never matched. Each row is a field a rule may test and the value the
 * layer must give it. */
Test(proxy_judge, every_promised_field_is_filled_per_layer)
{
	static const struct field_case cases[] = {
		{ PLAIN, "network.hostname == \"web2.test\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "network.port == 80", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "network.protocol == \"http\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "network.ip == \"198.18.1.80\"", "GET http://198.18.1.80/ HTTP/1.1\r\n"
			"Host: 198.18.1.80\r\n\r\n", 80 },
		{ PLAIN, "http.host == \"web2.test\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "http.method == \"POST\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "http.path == \"/p?q=1\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "http.headers[\"x-k\"] == \"v\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "http.body_size == 5000", POST_HEAD("Content-Length: 5000\r\n"), 80 },
		{ PLAIN, "http.body_size == 0", "GET http://web2.test/ HTTP/1.1\r\nHost: web2.test\r\n"
			"\r\n", 80 },
		{ PLAIN, "http.body_size > 1000000000", POST_HEAD("Transfer-Encoding: chunked\r\n"), 80 },
		{ PLAIN, "agent.name == \"coder\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "container.id == \"c0ffee\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "container.image == \"img:1\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "container.labels[\"team\"] == \"a\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ CONNECT, "network.hostname == \"web2.test\"", "web2.test", 443 },
		{ CONNECT, "network.port == 8443", "web2.test", 8443 },
		{ CONNECT, "network.protocol == \"tls\"", "web2.test", 443 },
		{ CONNECT, "network.ip == \"198.18.1.80\"", "198.18.1.80", 443 },
		{ CONNECT, "http.host == \"web2.test\"", "web2.test", 443 },
		{ CONNECT, "tls.sni == \"web2.test\"", "web2.test", 443 },
		{ CONNECT, "agent.name == \"coder\"", "web2.test", 443 },
		{ CONNECT, "container.id == \"c0ffee\"", "web2.test", 443 },
		{ CONNECT, "container.image == \"img:1\"", "web2.test", 443 },
		{ CONNECT, "container.labels[\"team\"] == \"a\"", "web2.test", 443 },
		{ HELLO, "tls.sni == \"web2.test\"", "web2.test", 443, "Web2.Test" },
		{ HELLO, "network.hostname == \"web2.test\" && http.host == \"web2.test\"", "web2.test",
			443, "web2.test" },
		{ HELLO, "network.protocol == \"tls\" && agent.name == \"coder\"", "web2.test", 443,
			"web2.test" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		only_rule(cases[i].cond);
		cr_expect(judged_by_f(&cases[i]), "layer %d: rule '%s' does not match",
			(int)cases[i].layer, cases[i].cond);
	}
}

/* The other way round: fields a layer cannot see never match there. */
Test(proxy_judge, fields_a_layer_cannot_see_never_match)
{
	static const struct field_case cases[] = {
		{ PLAIN, "dns.query != \"x\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "tls.sni != \"x\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "network.ip != \"x\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ PLAIN, "http.body != \"x\"", POST_HEAD("Content-Length: 0\r\n"), 80 },
		{ CONNECT, "http.method != \"x\"", "web2.test", 443 },
		{ CONNECT, "http.body_size >= 0", "web2.test", 443 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		only_rule(cases[i].cond);
		cr_expect_not(judged_by_f(&cases[i]), "rule '%s' matched", cases[i].cond);
	}
}

Test(proxy_judge, headers_map_lower_cases_and_joins)
{
	const char *text = "GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nX-Multi: one\r\n"
		"Cookie: c=1\r\nx-multi: two\r\nX-MULTI: three\r\n\r\n";
	oc_http_request *r = parse(text);
	oc_map m;
	cr_assert_eq(px_headers_map(proxy, r, text, &m), 0);
	cr_assert_eq(m.count, 3);
	cr_assert_str_eq(m.items[0].key, "host");
	cr_assert_str_eq(m.items[1].key, "x-multi");
	cr_assert_str_eq(m.items[1].value, "one, two, three");
	cr_assert_str_eq(m.items[2].key, "cookie");
	cr_assert_str_eq(m.items[2].value, "c=1");
	free(r);
}

/* ---- heads going out ---- */

static char *rewritten(const char *text, const char *authority)
{
	oc_http_request *r = parse(text);
	struct px_buf b = { 0 };
	cr_assert_eq(px_rewrite_request(&b, proxy, r, text, authority), 0);
	char *s = strndup(b.data, b.len);
	px_buf_release(proxy, &b);
	free(r);
	return s;
}

TestSuite(proxy_rewrite, .init = judge_setup, .fini = judge_teardown);

Test(proxy_rewrite, origin_form_without_hop_by_hop_fields)
{
	char *s = rewritten("GET http://h.test:8080/p?q=1 HTTP/1.1\r\nHost: h.test:8080\r\n"
		"Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nProxy-Connection: close\r\n"
		"Keep-Alive: 5\r\nTE: trailers\r\nUpgrade: websocket\r\n"
		"Proxy-Authorization: Basic eA==\r\nAccept: text/plain\r\n\r\n", "h.test:8080");
	cr_assert_str_eq(s, "GET /p?q=1 HTTP/1.1\r\nHost: h.test:8080\r\nAccept: text/plain\r\n\r\n");
	free(s);
}

Test(proxy_rewrite, empty_path_query_only_http10_and_chunked)
{
	char *s = rewritten("GET http://h.test HTTP/1.1\r\nHost: h.test\r\n\r\n", "h.test");
	cr_assert_str_eq(s, "GET / HTTP/1.1\r\nHost: h.test\r\n\r\n");
	free(s);
	s = rewritten("GET http://h.test?a=b HTTP/1.1\r\nHost: h.test\r\n\r\n", "h.test");
	cr_assert_str_eq(s, "GET /?a=b HTTP/1.1\r\nHost: h.test\r\n\r\n");
	free(s);
	s = rewritten("GET http://h.test/old HTTP/1.0\r\n\r\n", "h.test");
	cr_assert_str_eq(s, "GET /old HTTP/1.0\r\nHost: h.test\r\n\r\n", "Host added for 1.0");
	free(s);
	s = rewritten("POST http://h.test/u HTTP/1.1\r\nHost: h.test\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", "h.test");
	cr_assert_str_eq(s, "POST /u HTTP/1.1\r\nHost: h.test\r\nTransfer-Encoding: chunked\r\n\r\n");
	free(s);
}

/* A response head as the client gets it, from the relay-mode parse. */
static char *response_out(const char *text, bool close, bool client_http10)
{
	oc_http_response_head r;
	oc_http_response_head_init(&r);
	r.relay = true;
	cr_assert_eq(oc_http_response_head_parse(&r, text, strlen(text)), OC_HTTP_DONE, "%s", r.error);
	struct px_buf b = { 0 };
	cr_assert_eq(px_rewrite_response(&b, proxy, &r, text, close, client_http10), 0);
	char *s = strndup(b.data, b.len);
	px_buf_release(proxy, &b);
	return s;
}

Test(proxy_rewrite, responses_as_http11_without_hop_by_hop_fields)
{
	char *s = response_out("HTTP/1.0 404 Not Found\r\nConnection: X-A\r\nX-A: 1\r\n"
		"Keep-Alive: 5\r\nProxy-Authenticate: Basic\r\nContent-Length: 3\r\n\r\n", true, false);
	cr_assert_str_eq(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
	free(s);
	s = response_out("HTTP/1.1 204\r\nServer: s\r\n\r\n", false, true);
	cr_assert_str_eq(s, "HTTP/1.1 204 \r\nServer: s\r\nConnection: keep-alive\r\n\r\n",
		"a missing reason goes out empty, after its SP");
	free(s);
}
