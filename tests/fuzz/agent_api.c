/* Fuzzes the agent socket end to end: each input is the raw bytes a
 * client sends on a container's socket (HTTP head and body, pipelined or
 * cut short), served by the real API server, routing, JSON parsing,
 * checks, request submission (with rule generation and compilation) and
 * status reads. Invariants: no crash or leak, every exchange ends (the
 * client's EOF closes the connection within a bounded number of loop
 * iterations), and whatever the daemon answers starts with an HTTP status
 * line. The world is rebuilt from fresh directories when the store fills,
 * so submissions keep reaching rule generation. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <outcall/agents.h>
#include <outcall/policy.h>

#include "core/atomicfile.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define MAX_INPUT (256 * 1024)
#define REBUILD_AFTER 200

static char base[256], run_dir[300], state_dir[300], rules_dir[300], sock_path[400];
static oc_loop *loop;
static oc_live *live;
static oc_registry *registry;
static oc_events *events;
static oc_agents *agents;
static unsigned generation_of_world, inputs;

static const char rules[] =
	"version: \"1\"\nrules:\n  - id: web\n    condition: network.hostname == \"web.example\"\n"
	"    action: allow\n  - id: get\n    condition: http.method == \"GET\" && "
	"http.path.startsWith(\"/pub\")\n    action: allow\n";

static int reload(void *arg)
{
	(void)arg;
	const char *paths[] = { rules_dir };
	oc_ruleset *rs = NULL;
	int rc = oc_ruleset_load(paths, 1, NULL, &rs, NULL);
	if (!rc)
		oc_live_publish(live, rs);
	oc_ruleset_unref(rs);
	return rc;
}

static void build_world(void)
{
	snprintf(run_dir, sizeof(run_dir), "%s/run%u", base, generation_of_world);
	snprintf(state_dir, sizeof(state_dir), "%s/state%u", base, generation_of_world);
	snprintf(rules_dir, sizeof(rules_dir), "%s/rules%u", base, generation_of_world);
	CHECK(oc_mkdir_p(run_dir, 0755) == 0 && oc_mkdir_p(rules_dir, 0755) == 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/base.yaml", rules_dir);
	CHECK(oc_file_write_atomic(path, rules, sizeof(rules) - 1, 0644) == 0);
	CHECK(reload(NULL) == 0);
	oc_agents_config cfg;
	oc_agents_config_init(&cfg, OC_AGENTS_CONFIG_VERSION);
	cfg.run_dir = run_dir;
	cfg.state_dir = state_dir;
	cfg.rules_dir = rules_dir;
	cfg.reload = reload;
	cfg.checks_per_second = cfg.checks_burst = 1e9;
	cfg.requests_per_minute = cfg.requests_burst = 1e9;
	cfg.max_pending = cfg.max_pending_per_container = REBUILD_AFTER + 10;
	cfg.max_wait_s = 1;
	oc_services svc = { .rules = live, .registry = registry, .events = events };
	CHECK(oc_agents_new(loop, &svc, &cfg, &agents) == 0);
	CHECK(oc_agents_start(agents) == 0);
	snprintf(sock_path, sizeof(sock_path), "%s/agents/coder-1/agent.sock", run_dir);
}

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_base(void)
{
	remove_tree(base);
}

static void rebuild_world(void)
{
	oc_agents_free(agents);
	remove_tree(run_dir);
	remove_tree(state_dir);
	remove_tree(rules_dir);
	generation_of_world++;
	build_world();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* tmpfs when there is one: submissions fsync their records. */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(base, sizeof(base), "%s/oc-fuzz-agent-%d", tmp, (int)getpid());
	atexit(remove_base);
	CHECK(oc_loop_new(&loop) == 0 && oc_live_new(&live) == 0 &&
		oc_events_new(64, &events) == 0 && oc_registry_new(&registry) == 0);
	oc_container_spec spec = { .name = "coder-1", .network = "default", .veth = "oc0-2" };
	inet_pton(AF_INET, "10.200.0.2", &spec.ip);
	oc_container *c;
	CHECK(oc_container_new(&spec, &c) == 0 && oc_registry_put(registry, c) == 0);
	oc_container_unref(c);
	build_world();
	return 0;
}

/* Sends the input, half-closes, and runs the loop until the daemon has
 * closed the connection; returns the bytes it answered. */
static size_t exchange(const uint8_t *data, size_t size, char *reply, size_t cap)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	size_t sent = 0, got = 0;
	bool shut = false, eof = false;
	for (int i = 0; i < 20000 && !eof; i++) {
		if (sent < size) {
			ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = size; /* the daemon closed early (413, 431) */
		}
		if (sent == size && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		oc_loop_run_once(loop, 1);
		for (;;) {
			char buf[4096];
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n > 0) {
				size_t keep = got + (size_t)n < cap ? (size_t)n : cap - got;
				memcpy(reply + got, buf, keep);
				got += keep;
				continue;
			}
			eof = n == 0 || (n < 0 && errno != EAGAIN);
			break;
		}
	}
	close(fd);
	CHECK(eof);
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	static char reply[1 << 16];
	size_t n = exchange(data, size, reply, sizeof(reply));
	CHECK(n == 0 || (n >= 12 && memcmp(reply, "HTTP/1.1 ", 9) == 0));
	if (++inputs % REBUILD_AFTER == 0)
		rebuild_world();
	return 0;
}
