#include "harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <outcall/outcall.h>
#include "../dns/helpers.h"
#include "../kernel/fwtest.h"
#include "../kernel/nstest.h"
#include "sockets/sock.h"

/* The rule set every test runs under. */
static const char rules_yaml[] =
	"version: \"1\"\n"
	"rules:\n"
	"  - id: no-paste\n"
	"    condition: 'dns.query == \"paste.evil.test\"'\n"
	"    action: block\n"
	"  - id: allow-test\n"
	"    condition: 'dns.query.endsWith(\".allowed.test\")'\n"
	"    action: allow\n"
	"  - id: private-ok\n"
	"    condition: 'dns.query.endsWith(\".private.test\")'\n"
	"    action: allow\n"
	"    egress: { allow_private_ips: true }\n"
	"  - id: dip\n"
	"    condition: 'dns.query.endsWith(\".direct.test\")'\n"
	"    action: allow\n"
	"    egress: { mode: direct_ip, ports: [443, 8443] }\n"
	"  - id: dip-gw\n"
	"    condition: 'dns.query == \"gw.direct2.test\"'\n"
	"    action: allow\n"
	"    egress: { mode: direct_ip, ports: [53], allow_private_ips: true }\n"
	"  - id: coder-only\n"
	"    condition: 'dns.query == \"coder.only.test\" && agent.name == \"coder\" && "
	"container.labels[\"team\"] == \"blue\"'\n"
	"    action: allow\n"
	"  - id: aaaa-blocked\n"
	"    condition: 'dns.query == \"v4only.allowed2.test\" && dns.record_type == \"AAAA\"'\n"
	"    action: block\n"
	"  - id: v4-allowed\n"
	"    condition: 'dns.query == \"v4only.allowed2.test\"'\n"
	"    action: allow\n";

/* What the fake upstreams know. Records at 93.184.216.x are public in
 * the default private-range list; the tests never send packets there. */
#define L(...) (const char *const[]){ __VA_ARGS__, NULL }
static const struct fu_name names[] = {
	{ "www.allowed.test", L("www.allowed.test. 300 IN A 93.184.216.34"), NULL, 0, 0, 0 },
	{ "v4only.allowed2.test", L("v4only.allowed2.test. 300 IN A 93.184.216.39"), NULL, 0, 0, 0 },
	{ "coder.only.test", L("coder.only.test. 300 IN A 93.184.216.38"), NULL, 0, 0, 0 },
	{ "chain.allowed.test", L("chain.allowed.test. 300 IN CNAME edge.allowed.test.",
		"edge.allowed.test. 60 IN A 93.184.216.35"), NULL, 0, 0, 0 },
	{ "leak.allowed.test", L("leak.allowed.test. 300 IN CNAME hop.allowed.test.",
		"hop.allowed.test. 300 IN CNAME secret.evil.test.",
		"secret.evil.test. 300 IN A 93.184.216.36"), NULL, 0, 0, 0 },
	{ "mixed.allowed.test", L("mixed.allowed.test. 300 IN A 10.0.0.5",
		"mixed.allowed.test. 300 IN A 93.184.216.37"), NULL, 0, 0, 0 },
	{ "allprivate.allowed.test", L("allprivate.allowed.test. 300 IN A 127.0.0.1",
		"allprivate.allowed.test. 300 IN A 10.1.2.3"), NULL, 0, 0, 0 },
	{ "intranet.private.test", L("intranet.private.test. 300 IN A 10.0.0.7"), NULL, 0, 0, 0 },
	{ "nx.allowed.test", NULL, L("allowed.test. 600 IN SOA ns.allowed.test. "
		"host.allowed.test. 1 3600 600 86400 120"), LDNS_RCODE_NXDOMAIN, 0, 0 },
	{ "spoof-src.allowed.test", L("spoof-src.allowed.test. 300 IN A 93.184.216.50"), NULL, 0,
		FU_SPOOF_SOURCE, 100 },
	{ "spoof-id.allowed.test", L("spoof-id.allowed.test. 300 IN A 93.184.216.51"), NULL, 0,
		FU_WRONG_ID, 100 },
	{ "spoof-q.allowed.test", L("spoof-q.allowed.test. 300 IN A 93.184.216.52"), NULL, 0,
		FU_WRONG_QUESTION, 100 },
	{ "failover.allowed.test", L("failover.allowed.test. 300 IN A 93.184.216.53"), NULL, 0,
		FU_FIRST_SILENT, 0 },
	{ "failover2.allowed.test", L("failover2.allowed.test. 300 IN A 93.184.216.54"), NULL, 0,
		FU_FIRST_SERVFAIL, 0 },
	{ "dead.allowed.test", L("dead.allowed.test. 300 IN A 93.184.216.55"), NULL, 0,
		FU_SILENT, 0 },
	{ "big.allowed.test", L("big.allowed.test. 300 IN A 93.184.216.56",
		"big.allowed.test. 300 IN A 93.184.216.57"), NULL, 0, FU_TRUNC_UDP, 0 },
	{ "a.direct.test", L("a.direct.test. 120 IN A 93.184.216.40",
		"a.direct.test. 60 IN A 93.184.216.41", "a.direct.test. 60 IN A 10.9.9.9"),
		NULL, 0, 0, 0 },
	{ "gw.direct2.test", L("gw.direct2.test. 60 IN A " GW), NULL, 0, 0, 0 },
	{ "v6.direct.test", L("v6.direct.test. 120 IN AAAA 2606:2800:220:1::1"), NULL, 0, 0, 0 },
	{ "slow.allowed.test", L("slow.allowed.test. 300 IN A 93.184.216.58"), NULL, 0, 0, 150 },
	{ LONG_DIRECT, L(LONG_DIRECT ". 60 IN A 93.184.216.42"), NULL, 0, 0, 0 },
};

static struct {
	oc_loop *loop;
	pthread_t thread;
	bool running;
	oc_dns_server *srv;
	oc_live *live;
	oc_registry *reg;
	oc_events *events;
	oc_addr_policy *priv;
	oc_firewall *fw;
	struct fakeup *fu;
	uint64_t sub;
	pthread_mutex_t lock;
	size_t nevents;
	struct h_event last;
} H = { .lock = PTHREAD_MUTEX_INITIALIZER };

void h_config(oc_dns_config *cfg)
{
	oc_dns_config_init(cfg, OC_DNS_CONFIG_VERSION);
	cfg->upstreams = FU_UP0 "," FU_UP1;
	cfg->upstream_timeout_ms = 300;
	cfg->upstream_total_ms = 1500;
	cfg->rate_per_sec = 0;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void on_event(const oc_event *ev, void *arg)
{
	pthread_mutex_lock(&H.lock);
	H.nevents++;
	struct h_event *e = &H.last;
	copy(e->verdict, sizeof(e->verdict), oc_event_verdict_text(ev));
	copy(e->rule, sizeof(e->rule), ev->rule);
	copy(e->reason, sizeof(e->reason), ev->reason);
	copy(e->host, sizeof(e->host), ev->host);
	copy(e->agent, sizeof(e->agent), ev->agent);
	copy(e->type, sizeof(e->type), ev->dns_type);
	copy(e->peer, sizeof(e->peer), ev->peer);
	e->rcode = ev->dns_rcode;
	e->kept = ev->answers_kept;
	e->removed = ev->answers_removed;
	e->generation = ev->generation;
	pthread_mutex_unlock(&H.lock);
}

size_t h_events(struct h_event *last)
{
	pthread_mutex_lock(&H.lock);
	size_t n = H.nevents;
	if (last)
		*last = H.last;
	pthread_mutex_unlock(&H.lock);
	return n;
}

size_t h_events_wait(size_t n, struct h_event *last)
{
	for (int i = 0; i < 200 && h_events(NULL) < n; i++)
		usleep(10000);
	return h_events(last);
}

static void add_container(const char *name, const char *ip, const oc_kv *labels, size_t n)
{
	oc_container_spec spec = { .name = name, .network = "default", .veth = "veth-test",
		.container_id = labels ? "c0ffee" : NULL, .image = labels ? "img:1" : NULL,
		.labels = { labels, n } };
	cr_assert_eq(inet_pton(AF_INET, ip, &spec.ip), 1);
	oc_container *c;
	cr_assert_eq(oc_container_new(&spec, &c), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_registry_put(H.reg, c), 0, "%s", oc_error_last()->message);
	oc_container_unref(c);
}

void h_publish(const char *yaml)
{
	oc_ruleset *rs;
	cr_assert_eq(oc_ruleset_load_string("one.yaml", yaml, strlen(yaml), NULL, &rs, NULL), 0,
		"%s", oc_error_last()->message);
	oc_live_publish(H.live, rs);
	oc_ruleset_unref(rs);
}

static void *run(void *arg)
{
	oc_loop_run(H.loop);
	return NULL;
}

void h_start(const struct h_opts *o)
{
	nstest_enter();
	cr_assert_eq(nstest_sh(NULL, 0, "for a in %s %s %s %s %s %s %s %s; do "
		"ip addr add $a/32 dev lo || exit 1; done", GW, GW2, AGENT, OTHER, STRANGER, FU_UP0,
		FU_UP1, FU_SPOOF), 0);
	H.nevents = 0;
	H.fu = fu_start(names, sizeof(names) / sizeof(names[0]));
	oc_ruleset *rs;
	cr_assert_eq(oc_ruleset_load_string("test.yaml", rules_yaml, sizeof(rules_yaml) - 1, NULL,
		&rs, NULL), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_live_new(&H.live), 0);
	oc_live_publish(H.live, rs);
	oc_ruleset_unref(rs);
	cr_assert_eq(oc_registry_new(&H.reg), 0);
	static const oc_kv blue[] = { { "team", "blue" } };
	add_container("coder-1", AGENT, blue, 1);
	add_container("other-7", OTHER, NULL, 0);
	cr_assert_eq(oc_events_new(64, &H.events), 0);
	H.sub = oc_events_subscribe(H.events, on_event, NULL);
	cr_assert_eq(oc_addr_policy_new(NULL, &H.priv), 0);
	if (o && o->firewall) {
		H.fw = fwtest_open(o->kcfg);
		oc_direct_rule dip[] = { { "dip", "r1" }, { "dip-gw", "r1" } };
		cr_assert_eq(oc_firewall_apply(H.fw, dip, 2), 0, "%s", oc_error_last()->message);
	}
	oc_services svc = { .rules = H.live, .registry = H.reg, .events = H.events,
		.firewall = H.fw, .private_ranges = H.priv };
	oc_dns_config cfg;
	h_config(&cfg);
	cr_assert_eq(oc_loop_new(&H.loop), 0);
	cr_assert_eq(oc_dns_server_new(H.loop, o && o->cfg ? o->cfg : &cfg, &svc, &H.srv), 0,
		"%s", oc_error_last()->message);
	cr_assert_eq(oc_dns_server_listen(H.srv, GW ":53"), 0, "%s", oc_error_last()->message);
	cr_assert_eq(pthread_create(&H.thread, NULL, run, NULL), 0);
	H.running = true;
}

/* Runs fn on the server's thread and waits for it (5 s at most). */
struct call {
	void (*fn)(void *arg);
	void *arg;
	sem_t done;
};

static void on_loop(oc_loop *loop, void *arg)
{
	struct call *c = arg;
	c->fn(c->arg);
	sem_post(&c->done);
}

static void call(void (*fn)(void *), void *arg)
{
	struct call c = { fn, arg };
	sem_init(&c.done, 0, 0);
	cr_assert_eq(oc_loop_post(H.loop, on_loop, &c), 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	int rc;
	while ((rc = sem_timedwait(&c.done, &ts)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		abort(); /* the posted call still refers to c: do not unwind */
	sem_destroy(&c.done);
}

struct on_loop {
	void (*fn)(oc_dns_server *s, void *arg);
	void *arg;
};

static void run_on_loop(void *arg)
{
	struct on_loop *o = arg;
	o->fn(H.srv, o->arg);
}

void h_on_loop(void (*fn)(oc_dns_server *s, void *arg), void *arg)
{
	struct on_loop o = { fn, arg };
	call(run_on_loop, &o);
}

static void stop(void *arg)
{
	oc_loop_stop(H.loop);
}

void h_stop(void)
{
	if (H.running) {
		call(stop, NULL);
		pthread_join(H.thread, NULL);
		H.running = false;
	}
	oc_dns_server_free(H.srv);
	H.srv = NULL;
	oc_loop_free(H.loop);
	H.loop = NULL;
	fu_stop(H.fu);
	H.fu = NULL;
	if (H.events)
		oc_events_unsubscribe(H.events, H.sub);
	oc_events_free(H.events);
	H.events = NULL;
	oc_registry_free(H.reg);
	H.reg = NULL;
	oc_live_free(H.live);
	H.live = NULL;
	oc_addr_policy_free(H.priv);
	H.priv = NULL;
	oc_firewall_free(H.fw); /* its tables go with the test's namespace */
	H.fw = NULL;
}

static void get_stats(void *arg)
{
	oc_dns_server_get_stats(H.srv, arg);
}

void h_stats(oc_dns_stats *st)
{
	call(get_stats, st);
}

struct up_call {
	size_t i;
	oc_dns_upstream_stats out;
};

static void get_upstream(void *arg)
{
	struct up_call *c = arg;
	oc_dns_upstream_list *l = NULL;
	cr_assert_eq(oc_dns_server_upstreams(H.srv, &l), 0);
	cr_assert_not_null(oc_dns_upstream_list_get(l, c->i), "upstream %zu", c->i);
	c->out = *oc_dns_upstream_list_get(l, c->i);
	oc_dns_upstream_list_free(l);
}

oc_dns_upstream_stats h_upstream(size_t i)
{
	struct up_call c = { .i = i };
	call(get_upstream, &c);
	return c.out;
}

static void do_flush(void *arg)
{
	oc_dns_server_flush(H.srv);
}

void h_flush(void)
{
	call(do_flush, NULL);
}

struct cache_list {
	struct h_cache_entry *e;
	size_t max, n;
};

static void list_entry(const char *name, const char *type, uint32_t ttl_left, size_t bytes,
	void *arg)
{
	struct cache_list *cl = arg;
	if (cl->n < cl->max) {
		struct h_cache_entry *e = &cl->e[cl->n];
		copy(e->name, sizeof(e->name), name);
		copy(e->type, sizeof(e->type), type);
		e->ttl_left = ttl_left;
		e->bytes = bytes;
	}
	cl->n++;
}

static void do_list(void *arg)
{
	oc_dns_server_cache_list(H.srv, list_entry, arg);
}

size_t h_cache_list(struct h_cache_entry *e, size_t max)
{
	struct cache_list cl = { e, max, 0 };
	call(do_list, &cl);
	return cl.n;
}

struct fakeup *h_fakeup(void)
{
	return H.fu;
}

oc_firewall *h_firewall(void)
{
	return H.fw;
}

static int bound_socket(const char *from, int type)
{
	oc_sockaddr a;
	cr_assert_eq(oc_sockaddr_parse(&a, from, 0), 0);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, &a.u.sa, a.len), 0, "bind %s: %s", from, strerror(errno));
	return fd;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

static int send_raw(const char *from, const char *to, const uint8_t *msg, size_t len)
{
	int fd = bound_socket(from, SOCK_DGRAM);
	oc_sockaddr dst;
	cr_assert_eq(oc_sockaddr_parse(&dst, to, 53), 0);
	cr_assert_eq(sendto(fd, msg, len, 0, &dst.u.sa, dst.len), (ssize_t)len);
	return fd;
}

int h_udp_raw(const char *from, const uint8_t *msg, size_t len, uint8_t *resp, size_t cap,
	int ms)
{
	int fd = send_raw(from, GW, msg, len);
	int n = -1;
	if (readable(fd, ms))
		n = (int)recv(fd, resp, cap, 0);
	close(fd);
	return n;
}

int h_send_udp(const char *from, const char *to, const char *name, uint16_t id)
{
	size_t len;
	uint8_t *q = t_query(name, LDNS_RR_TYPE_A, 1232, false, id, &len);
	int fd = send_raw(from, to, q, len);
	free(q);
	return fd;
}

ldns_pkt *h_recv_udp(int fd, int ms)
{
	uint8_t resp[65535];
	ssize_t n = readable(fd, ms) ? recv(fd, resp, sizeof(resp), 0) : -1;
	close(fd);
	return n < 0 ? NULL : t_parse(resp, (size_t)n);
}

ldns_pkt *h_ask_udp(const char *from, const char *name, ldns_rr_type type, uint16_t udp_size,
	int ms)
{
	size_t len;
	uint8_t *q = t_query(name, type, udp_size, false, 0x4242, &len);
	uint8_t resp[65535];
	int n = h_udp_raw(from, q, len, resp, sizeof(resp), ms);
	free(q);
	if (n < 0)
		return NULL;
	ldns_pkt *p = t_parse(resp, (size_t)n);
	cr_assert_eq(ldns_pkt_id(p), 0x4242);
	return p;
}

ldns_pkt *h_ask(const char *from, const char *name, ldns_rr_type type)
{
	ldns_pkt *p = h_ask_udp(from, name, type, 1232, 3000);
	cr_assert_not_null(p, "no answer to %s from %s within 3 s", name, from);
	return p;
}

int h_tcp_connect(const char *from)
{
	int fd = bound_socket(from, SOCK_STREAM);
	oc_sockaddr gw;
	oc_sockaddr_parse(&gw, GW, 53);
	cr_assert_eq(connect(fd, &gw.u.sa, gw.len), 0, "connect to %s:53: %s", GW, strerror(errno));
	return fd;
}

void h_tcp_send(int fd, const uint8_t *msg, size_t len)
{
	uint8_t buf[2 + 65535];
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, msg, len);
	cr_assert_eq(send(fd, buf, len + 2, MSG_NOSIGNAL), (ssize_t)(len + 2));
}

/* Reads exactly n bytes within ms; false on timeout or EOF. */
static bool read_full(int fd, uint8_t *buf, size_t n, int ms)
{
	size_t got = 0;
	while (got < n) {
		if (!readable(fd, ms))
			return false;
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

ldns_pkt *h_tcp_recv(int fd, int ms)
{
	uint8_t len[2], msg[65535];
	if (!read_full(fd, len, 2, ms))
		return NULL;
	size_t n = (size_t)(len[0] << 8 | len[1]);
	if (!read_full(fd, msg, n, ms))
		return NULL;
	return t_parse(msg, n);
}

bool h_tcp_closed_within(int fd, int ms)
{
	uint8_t b;
	return readable(fd, ms) && recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

char *h_section(const ldns_pkt *p, ldns_pkt_section s)
{
	return t_section(p, s);
}
