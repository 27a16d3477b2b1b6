#include "harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tmpfiles.h"

const char *h_run, *h_state, *h_rules;
oc_loop *h_loop;
oc_live *h_live;
oc_registry *h_registry;
oc_events *h_events;
oc_agents *h_agents;
int h_reloads;
static void (*h_tune)(oc_agents_config *cfg);

static const char base_rules[] =
	"version: \"1\"\n"
	"rules:\n"
	"  - id: web\n"
	"    condition: network.hostname == \"web.example\"\n"
	"    action: allow\n"
	"  - id: no-evil\n"
	"    condition: network.hostname == \"evil.example\"\n"
	"    action: block\n"
	"  - id: coder-only\n"
	"    condition: agent.name == \"coder\" && network.hostname == \"only-coder.example\"\n"
	"    action: allow\n"
	"  - id: plain-get\n"
	"    condition: http.method == \"GET\" && http.host == \"plain.example\"\n"
	"    action: allow\n";

static int reload(void *arg)
{
	(void)arg;
	h_reloads++;
	const char *paths[] = { h_rules };
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load(paths, 1, NULL, &rs, NULL);
	if (rc)
		return rc;
	oc_live_publish(h_live, rs);
	oc_ruleset_unref(rs);
	return 0;
}

void h_put_docker(const char *name, const char *ip, const char *id, bool generated)
{
	static const oc_kv blue[] = { { "team", "blue" } };
	static const oc_kv chosen[] = { { OC_LABEL_NAME_GENERATED, "true" } };
	/* The test's own processes are the containers' */
	struct stat ns;
	cr_assert_eq(stat("/proc/self/ns/net", &ns), 0);
	oc_container_spec spec = { .name = name, .network = "default", .veth = "oc0-2",
		.netns_dev = ns.st_dev, .netns_ino = ns.st_ino, .container_id = id,
		.labels = { generated ? chosen : NULL, generated } };
	if (strcmp(name, "coder-1") == 0) {
		spec.image = "img:1";
		spec.labels = (oc_map){ blue, 1 };
	}
	inet_pton(AF_INET, ip, &spec.ip);
	oc_container *c;
	cr_assert_eq(oc_container_new(&spec, &c), 0);
	cr_assert_eq(oc_registry_put(h_registry, c), 0);
	oc_container_unref(c);
}

/* coder-1 is a Docker container ("c0ffee", image img:1, team=blue), the
 * others are not. */
void h_put_container(const char *name, const char *ip)
{
	h_put_docker(name, ip, strcmp(name, "coder-1") == 0 ? "c0ffee" : NULL, false);
}

static void start_agents(void)
{
	oc_agents_config cfg;
	oc_agents_config_init(&cfg, OC_AGENTS_CONFIG_VERSION);
	cfg.run_dir = h_run;
	cfg.state_dir = h_state;
	cfg.rules_dir = h_rules;
	cfg.reload = reload;
	cfg.checks_per_second = 1000;
	cfg.checks_burst = 1000;
	cfg.requests_per_minute = 6000;
	cfg.requests_burst = 1000;
	if (h_tune)
		h_tune(&cfg);
	oc_services svc = { .rules = h_live, .registry = h_registry, .events = h_events };
	cr_assert_eq(oc_agents_new(h_loop, &svc, &cfg, &h_agents), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_agents_start(h_agents), 0, "%s", oc_error_last()->message);
}

void h_setup_with(void (*tune)(oc_agents_config *cfg))
{
	h_tune = tune;
	h_run = strdup(tmp_dir());
	chmod(h_run, 0755); /* as the daemon makes its run directory */
	h_state = strdup(tmp_dir());
	h_rules = strdup(tmp_dir());
	tmp_write(h_rules, "base.yaml", base_rules);
	cr_assert_eq(oc_loop_new(&h_loop), 0);
	cr_assert_eq(oc_live_new(&h_live), 0);
	cr_assert_eq(oc_events_new(256, &h_events), 0);
	cr_assert_eq(oc_registry_new(&h_registry), 0);
	h_put_container("coder-1", "10.200.0.2");
	h_put_container("other-1", "10.200.0.3");
	h_reloads = 0;
	cr_assert_eq(reload(NULL), 0, "%s", oc_error_last()->message);
	h_reloads = 0;
	start_agents();
}

void h_setup(void)
{
	h_setup_with(NULL);
}

void h_restart(void)
{
	oc_agents_free(h_agents);
	start_agents();
}

void h_teardown(void)
{
	oc_agents_free(h_agents);
	oc_registry_free(h_registry);
	oc_events_free(h_events);
	oc_live_free(h_live);
	oc_loop_free(h_loop);
	tmp_cleanup();
	free((char *)h_run);
	free((char *)h_state);
	free((char *)h_rules);
}

void h_sock_path(const char *container, char *buf, size_t size)
{
	snprintf(buf, size, "%s/agents/%s/agent.sock", h_run, container);
}

static void *client(void *arg)
{
	h_call *c = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", c->sock);
	struct timeval tv = { 15, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		size_t len = strlen(c->request);
		for (size_t off = 0; off < len;) {
			ssize_t n = send(fd, c->request + off, len - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		while (!c->close_early && c->len < sizeof(c->reply) - 1) {
			ssize_t n = recv(fd, c->reply + c->len, sizeof(c->reply) - 1 - c->len, 0);
			if (n <= 0)
				break;
			c->len += (size_t)n;
		}
	}
	c->reply[c->len] = '\0';
	close(fd);
	atomic_store(&c->done, 1);
	return NULL;
}

void h_call_start_raw(h_call *c, const char *container, const char *raw, size_t len)
{
	h_sock_path(container, c->sock, sizeof(c->sock));
	c->request = malloc(len + 1);
	memcpy(c->request, raw, len);
	c->request[len] = '\0';
	c->len = 0;
	c->json = NULL;
	atomic_store(&c->done, 0);
	cr_assert_eq(pthread_create(&c->thread, NULL, client, c), 0);
}

void h_call_start(h_call *c, const char *container, const char *method, const char *target,
	const char *body)
{
	char *raw = NULL;
	size_t blen = body ? strlen(body) : 0;
	size_t need = strlen(method) + strlen(target) + blen + 200;
	raw = malloc(need);
	int n = snprintf(raw, need, "%s %s HTTP/1.1\r\nHost: outcall\r\nConnection: close\r\n"
		"Content-Length: %zu\r\n\r\n%s", method, target, blen, body ? body : "");
	h_call_start_raw(c, container, raw, (size_t)n);
	free(raw);
}

static bool call_done(void *arg)
{
	return atomic_load(&((h_call *)arg)->done);
}

bool h_run_until(bool (*cond)(void *arg), void *arg, int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (cond(arg))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > ms)
			return false;
		oc_loop_run_once(h_loop, 10);
	}
}

void h_call_finish(h_call *c)
{
	cr_assert(h_run_until(call_done, c, 10000), "client did not finish within 10 s");
	pthread_join(c->thread, NULL);
	free(c->request);
	c->request = NULL;
	c->status = 0;
	sscanf(c->reply, "HTTP/1.1 %d", &c->status);
	c->retry_after[0] = '\0';
	const char *ra = strstr(c->reply, "\r\nRetry-After: ");
	if (ra)
		sscanf(ra + 15, "%15[0-9]", c->retry_after);
	const char *body = strstr(c->reply, "\r\n\r\n");
	c->json = body ? json_loads(body + 4, 0, NULL) : NULL;
}

void h_call_free(h_call *c)
{
	json_decref(c->json);
	c->json = NULL;
}

int h_req(const char *container, const char *method, const char *target, const char *body,
	json_t **out)
{
	h_call *c = calloc(1, sizeof(*c));
	h_call_start(c, container, method, target, body);
	h_call_finish(c);
	int status = c->status;
	if (out)
		*out = c->json;
	else
		json_decref(c->json);
	free(c);
	return status;
}

const char *h_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}
