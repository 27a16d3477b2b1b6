#include "pxlab.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../resolve/fakedns.h"
#include "hello_builder.h"
#include "loop/loop.h"
#include "nstest.h"

struct pxlab lab;
static pthread_t thread;
static bool running;

static void *run(void *arg)
{
	oc_loop_run(lab.loop);
	return NULL;
}

static oc_ruleset *rules(const char *yaml)
{
	oc_ruleset *rs;
	cr_assert_eq(oc_ruleset_load_string("test.yaml", yaml, strlen(yaml), NULL, &rs, NULL), 0,
		"rules: %s", oc_error_last()->message);
	return rs;
}

void pxlab_rules(const char *yaml)
{
	oc_ruleset *rs = rules(yaml);
	oc_live_publish(lab.live, rs);
	oc_ruleset_unref(rs);
}

/* The proxy's namespace (this process's) and wan's, held by a parked
 * child; the servers' sockets are made in wan and stay there. */
static struct nstest_peer wan;
static int proxy_ns = -1, wan_ns = -1;

static void enter(int ns)
{
	cr_assert_eq(setns(ns, CLONE_NEWNET), 0, "setns: %s", strerror(errno));
}

static void world(void)
{
	nstest_enter();
	nstest_peer_new(&wan);
	proxy_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	wan_ns = open(wan.path, O_RDONLY | O_CLOEXEC);
	cr_assert(proxy_ns >= 0 && wan_ns >= 0);
	char out[512];
	cr_assert_eq(nstest_sh(out, sizeof(out),
		"for a in 10.200.0.1 10.200.0.2 10.200.0.3 127.0.0.53; do "
		"ip addr add $a/32 dev lo || exit 1; done && "
		"ip link add px0 type veth peer name wan0 && ip link set wan0 netns %d && "
		"ip addr add 198.18.0.1/24 dev px0 && ip link set px0 up && "
		"ip route add 198.18.0.0/16 via 198.18.0.254 && "
		"ip route add 10.9.9.9/32 via 198.18.0.254 && "
		"nsenter --net=%s sh -c \"ip link set lo up && ip addr add 198.18.0.254/24 dev wan0 && "
		"ip link set wan0 up && ip addr add 198.18.1.80/32 dev lo && "
		"ip addr add 10.9.9.9/32 dev lo\"", (int)wan.pid, wan.path), 0,
		"cannot build the lab's links: %s", out);
	cr_assert_eq(nstest_sh(out, sizeof(out),
		"nft add table ip pxlab && "
		"nft add chain ip pxlab out \"{ type nat hook output priority -100; }\" && "
		"nft add rule ip pxlab out ip saddr 10.200.0.2 tcp dport 80 redirect to :8081 && "
		"nft add rule ip pxlab out ip saddr 10.200.0.2 tcp dport 443 redirect to :8443"), 0,
		"nftables redirect for the transparent tests: %s", out);
}

void pxlab_start(const char *yaml, void (*tune)(oc_proxy_config *cfg))
{
	world();
	memset(&lab, 0, sizeof(lab));
	cr_assert_eq(oc_loop_new(&lab.loop), 0);
	cr_assert_eq(oc_live_new(&lab.live), 0);
	cr_assert_eq(oc_events_new(256, &lab.events), 0);
	cr_assert(lab.loop && lab.live && lab.events);
	pxlab_rules(yaml);
	cr_assert_eq(oc_registry_new(&lab.reg), 0);
	oc_container_spec spec = { .name = "agent-1", .network = "default" };
	inet_pton(AF_INET, AGENT_IP, &spec.ip);
	oc_container *ctr;
	cr_assert_eq(oc_container_new(&spec, &ctr), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_registry_put(lab.reg, ctr), 0);
	oc_container_unref(ctr);
	cr_assert_eq(oc_addr_policy_new("10.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16", &lab.priv), 0);

	lab.dns = fakedns_new(lab.loop, "127.0.0.53:53");
	fakedns_set(lab.dns, "web.test", FAKEDNS_ANSWER, "web.test. 60 IN A 198.18.1.80");
	fakedns_set(lab.dns, "api.test", FAKEDNS_ANSWER, "api.test. 60 IN A 198.18.1.80");
	fakedns_set(lab.dns, "evil.test", FAKEDNS_ANSWER, "evil.test. 60 IN A 198.18.1.80");
	fakedns_set(lab.dns, "private.test", FAKEDNS_ANSWER, "private.test. 60 IN A 10.9.9.9");
	fakedns_set(lab.dns, "meta.test", FAKEDNS_ANSWER, "meta.test. 60 IN A 169.254.169.254");
	fakedns_set(lab.dns, "self.test", FAKEDNS_ANSWER, "self.test. 60 IN A 10.200.0.1");
	enter(wan_ns);
	lab.web = websrv_new(lab.loop, "198.18.1.80:80");
	lab.priv_web = websrv_new(lab.loop, "10.9.9.9:80");
	lab.tls = echosrv_new(lab.loop, "198.18.1.80:443");
	lab.tls8443 = echosrv_new(lab.loop, "198.18.1.80:8443");
	enter(proxy_ns);

	oc_proxy_config cfg;
	oc_proxy_config_init(&cfg, OC_PROXY_CONFIG_VERSION);
	cfg.upstreams = "127.0.0.53";
	if (tune)
		tune(&cfg);
	oc_services svc = { .rules = lab.live, .registry = lab.reg, .events = lab.events,
		.private_ranges = lab.priv };
	cr_assert_eq(oc_proxy_new(lab.loop, &cfg, &svc, &lab.proxy), 0, "%s",
		oc_error_last()->message);
	cr_assert_eq(oc_proxy_listen(lab.proxy, OC_PROXY_EXPLICIT, PROXY), 0);
	cr_assert_eq(oc_proxy_listen(lab.proxy, OC_PROXY_TRANSPARENT_HTTP, "127.0.0.1:8081"), 0);
	cr_assert_eq(oc_proxy_listen(lab.proxy, OC_PROXY_TRANSPARENT_HTTPS, "127.0.0.1:8443"), 0);
	cr_assert_eq(pthread_create(&thread, NULL, run, NULL), 0);
	running = true;
}

void pxlab_stop(void)
{
	if (!running)
		return;
	oc_loop_stop(lab.loop);
	pthread_join(thread, NULL);
	running = false;
	oc_proxy_free(lab.proxy);
	srv_free(lab.web);
	srv_free(lab.priv_web);
	srv_free(lab.tls);
	srv_free(lab.tls8443);
	fakedns_free(lab.dns);
	oc_registry_free(lab.reg);
	oc_addr_policy_free(lab.priv);
	oc_events_free(lab.events);
	oc_live_free(lab.live);
	oc_loop_free(lab.loop);
	close(proxy_ns);
	close(wan_ns);
	nstest_peer_free(&wan);
}

int pxlab_connect(const char *from, const char *to)
{
	char host[64];
	snprintf(host, sizeof(host), "%s", to);
	char *colon = strchr(host, ':');
	*colon = '\0';
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t)atoi(colon + 1)) };
	cr_assert_eq(inet_pton(AF_INET, from, &src.sin_addr), 1);
	cr_assert_eq(inet_pton(AF_INET, host, &dst.sin_addr), 1);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	cr_assert_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0, "bind %s", from);
	cr_assert_eq(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0, "connect %s: %s", to,
		strerror(errno));
	return fd;
}

void pxlab_send(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		cr_assert_gt(n, 0, "send: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
}

void pxlab_sendf(int fd, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pxlab_send(fd, buf, (size_t)n);
}

void pxlab_recv_exact(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t k = recv(fd, p, n, 0);
		cr_assert_gt(k, 0, "recv: %s", k == 0 ? "closed" : strerror(errno));
		p += k;
		n -= (size_t)k;
	}
}

bool pxlab_closed(int fd, size_t skip)
{
	char buf[4096];
	for (;;) {
		ssize_t k = recv(fd, buf, sizeof(buf), 0);
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			return true;
		if (k < 0 || (size_t)k > skip)
			return false;
		skip -= (size_t)k;
	}
}

/* Reads the head a byte at a time, so nothing of what follows it (the
 * body, the next response) is taken. */
static void read_head(int fd, struct resp *r)
{
	size_t have = 0;
	while (have < 4 || memcmp(r->head + have - 4, "\r\n\r\n", 4) != 0) {
		cr_assert_lt(have, sizeof(r->head) - 1, "response head too long");
		ssize_t k = recv(fd, r->head + have, 1, 0);
		cr_assert_eq(k, 1, "no response head (%s) after %zu bytes: %.*s",
			k == 0 ? "closed" : strerror(errno), have, (int)have, r->head);
		have++;
	}
	r->head[have] = '\0';
}

const char *resp_header(const struct resp *r, const char *name)
{
	static char v[1024];
	size_t nl = strlen(name);
	for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		if (!strncasecmp(p + 2, name, nl) && p[2 + nl] == ':') {
			const char *s = p + 3 + nl;
			while (*s == ' ')
				s++;
			size_t n = (size_t)(strstr(s, "\r\n") - s);
			snprintf(v, sizeof(v), "%.*s", (int)n, s);
			return v;
		}
	}
	return "";
}

static void body_append(struct resp *r, const char *p, size_t n)
{
	r->body = realloc(r->body, r->len + n + 1);
	memcpy(r->body + r->len, p, n);
	r->len += n;
	r->body[r->len] = '\0';
}

void pxlab_response(int fd, struct resp *r, bool head_request)
{
	char buf[65536];
	memset(r, 0, sizeof(*r));
	read_head(fd, r);
	cr_assert_eq(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1, "bad status line: %s", r->head);
	body_append(r, "", 0);
	if (head_request || r->status == 204 || r->status == 304 || r->status < 200)
		return;
	const char *cl = resp_header(r, "content-length");
	if (*cl) {
		size_t want = strtoul(cl, NULL, 10);
		while (r->len < want) {
			ssize_t k = recv(fd, buf, want - r->len < sizeof(buf) ? want - r->len : sizeof(buf), 0);
			cr_assert_gt(k, 0, "body cut at %zu of %zu", r->len, want);
			body_append(r, buf, (size_t)k);
		}
		return;
	}
	/* Chunked bodies a byte at a time (they are small here), so the end
	 * is found without reading past it. */
	bool chunked = strstr(resp_header(r, "transfer-encoding"), "chunked") != NULL;
	for (;;) {
		if (chunked && r->len >= 5 && !memcmp(r->body + r->len - 5, "0\r\n\r\n", 5))
			return;
		ssize_t k = recv(fd, buf, chunked ? 1 : sizeof(buf), 0);
		if (k <= 0) {
			cr_assert_not(chunked, "chunked body cut");
			r->closed = true;
			return;
		}
		body_append(r, buf, (size_t)k);
	}
}

void resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

void pxlab_get(const char *url, struct resp *r)
{
	int fd = pxlab_connect(AGENT_IP, PROXY);
	const char *auth = strstr(url, "//") + 2;
	size_t alen = strcspn(auth, "/?");
	pxlab_sendf(fd, "GET %s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: pxlab\r\n\r\n", url, (int)alen,
		auth);
	pxlab_response(fd, r, false);
	close(fd);
}

struct find {
	int kind;
	uint64_t after;
	uint64_t seen;
	struct rec *out;
	bool found;
};

static void copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void take(const oc_event *ev, void *arg)
{
	struct find *f = arg;
	f->seen++;
	if ((int)ev->kind != f->kind || f->seen <= f->after)
		return;
	struct rec *r = f->out;
	copy(r->verdict, sizeof(r->verdict), oc_event_verdict_text(ev));
	copy(r->rule, sizeof(r->rule), ev->rule);
	copy(r->host, sizeof(r->host), ev->host);
	copy(r->path, sizeof(r->path), ev->path);
	copy(r->reason, sizeof(r->reason), ev->reason);
	copy(r->agent, sizeof(r->agent), ev->agent);
	r->status = ev->status;
	r->port = ev->port;
	r->bytes_up = ev->bytes_up;
	r->bytes_down = ev->bytes_down;
	r->id = ev->id;
	r->kind = (int)ev->kind;
	f->found = true;
}

uint64_t pxlab_events(void)
{
	oc_events_stats st = OC_EVENTS_STATS_INIT;
	oc_events_get_stats(lab.events, &st);
	return st.emitted;
}

bool pxlab_event_after(uint64_t count, int kind, struct rec *out)
{
	for (int i = 0; i < 200; i++) {
		struct find f = { .kind = kind, .after = count, .out = out };
		oc_events_read(lab.events, 0, NULL, SIZE_MAX, take, &f);
		if (f.found)
			return true;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

size_t pxlab_hello(char *out, size_t size, const char *sni, bool ech)
{
	oc_buf hs = OC_BUF_INIT, rec = OC_BUF_INIT;
	struct hello_opts o = { .sni = sni, .alpn = { "http/1.1", NULL }, .ech = ech };
	build_hello(&hs, &o);
	wrap_records(&rec, hs.data, hs.len, hs.len);
	cr_assert_leq(rec.len, size);
	memcpy(out, rec.data, rec.len);
	size_t n = rec.len;
	oc_buf_free(&hs);
	oc_buf_free(&rec);
	return n;
}

bool pxlab_wait_stat(size_t offset, uint64_t want)
{
	for (int i = 0; i < 200; i++) {
		oc_proxy_stats st = OC_PROXY_STATS_INIT;
		oc_proxy_get_stats(lab.proxy, &st);
		if (*(uint64_t *)(void *)((char *)&st + offset) == want)
			return true;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}
