/* outcall doctor: what Outcall needs from this machine, checked from the
 * operator's side, each finding with what to do about it. Runs without
 * the daemon (that is one of the findings). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <outcall/outcall.h>

#include "client.h"
#include "docker/docker.h"

const cli_opt cli_doctor_opts[] = {
	{ "docker-socket", "PATH", "the Docker Engine socket to check (default /var/run/docker.sock)" },
	{ NULL },
};

enum verdict { OK, WARN, FAIL };

struct report {
	bool json;
	json_t *items;
	int fails, warns;
};

static void say(struct report *r, enum verdict v, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct report *r, enum verdict v, const char *check, const char *fmt, ...)
{
	static const char *const names[] = { "ok", "warn", "FAIL" };
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->fails += v == FAIL;
	r->warns += v == WARN;
	if (r->json)
		json_array_append_new(r->items, json_pack("{s:s, s:s, s:s}", "check", check,
			"status", names[v], "detail", text));
	else
		printf("%-5s %-22s %s\n", names[v], check, text);
}

/* ---- kernel ---- */

/*
 * The kernel is asked by doing what outcalld does, in a network namespace
 * made for the test (the machine's own is not touched): a network (bridge,
 * gateway address, the nftables tables with their NAT redirects) and a
 * container attached to it by pid (a veth into another namespace). The
 * child reports each step on a pipe and ends within 10 s.
 */
static void probe_child(int out)
{
	alarm(10);
	FILE *f = fdopen(out, "w");
	if (!f || unshare(CLONE_NEWNET) != 0) {
		dprintf(out, "FAIL netns cannot make a network namespace: %s\n", strerror(errno));
		_exit(1);
	}
	fprintf(f, "ok netns network namespaces work\n");
	oc_networks *n = NULL;
	oc_network_info info;
	if (oc_networks_open(NULL, &n) != 0 || oc_network_create(n, "default", &info) != 0) {
		fprintf(f, "FAIL nftables+bridge %s\n", oc_error_last()->message);
		_exit(1);
	}
	fprintf(f, "ok nftables+bridge a bridge, its gateway and Outcall's nftables tables "
		"(filter, NAT redirects, bridge family) work\n");
	fflush(f);
	int ready[2];
	if (pipe(ready) != 0)
		_exit(1);
	pid_t peer = fork();
	if (peer == 0) {
		char c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 'n';
	if (peer < 0 || read(ready[0], &c, 1) != 1 || c != 'y') {
		fprintf(f, "FAIL veth cannot make a second namespace for the test container\n");
		_exit(1);
	}
	oc_attach_options o = { .name = "doctor", .pid = peer };
	if (oc_network_attach(n, &o, NULL) != 0)
		fprintf(f, "FAIL veth %s\n", oc_error_last()->message);
	else
		fprintf(f, "ok veth a container attaches by pid (veth pair, pinned address)\n");
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	fflush(f);
	_exit(0);
}

static void check_kernel(struct report *r)
{
	if (geteuid() != 0) {
		say(r, WARN, "kernel", "run `outcall doctor` as root to test the kernel features "
			"(it tries them in a namespace of its own)");
		return;
	}
	int p[2];
	if (pipe(p) != 0) {
		say(r, FAIL, "kernel", "pipe: %s", strerror(errno));
		return;
	}
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		probe_child(p[1]);
	}
	close(p[1]);
	FILE *f = child > 0 ? fdopen(p[0], "r") : NULL;
	char line[2048];
	int lines = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *what = strchr(line, ' '), *text = what ? strchr(what + 1, ' ') : NULL;
		if (!text)
			continue;
		*what++ = '\0';
		*text++ = '\0';
		char check[64];
		snprintf(check, sizeof(check), "kernel: %s", what);
		say(r, strcmp(line, "ok") == 0 ? OK : FAIL, check, "%s", text);
		lines++;
	}
	if (f)
		fclose(f);
	else
		close(p[0]);
	int st = 0;
	if (child > 0)
		waitpid(child, &st, 0);
	if (!lines || (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM))
		say(r, FAIL, "kernel", "the kernel test did not finish (status %d)", st);
	FILE *fw = fopen("/proc/sys/net/ipv4/ip_forward", "re");
	int c = fw ? fgetc(fw) : EOF;
	if (fw)
		fclose(fw);
	say(r, c == '1' ? OK : WARN, "kernel: ip_forward", c == '1' ? "IPv4 forwarding is on" :
		"IPv4 forwarding is off: outcalld turns it on at start (direct_ip needs it) unless "
		"started with --ip-forward false");
	/* br_netfilter changes nothing Outcall promises (docs/docker.md), but
	 * an operator reading Docker's rules should know frames take it. */
	FILE *bn = fopen("/proc/sys/net/bridge/bridge-nf-call-iptables", "re");
	c = bn ? fgetc(bn) : EOF;
	if (bn)
		fclose(bn);
	say(r, OK, "kernel: br_netfilter", !bn ? "not loaded: bridged frames meet only the bridge "
		"tables" : c == '1' ? "loaded, bridge-nf-call-iptables on: frames bridged between "
		"containers also meet iptables, after Outcall's bridge table has dropped them "
		"(docs/docker.md)" : "loaded, bridge-nf-call-iptables off: bridged frames meet only "
		"the bridge tables");
}

/* ---- sockets ---- */

static bool can_connect(const char *path, int *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	*err = errno;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void check_dir(struct report *r, const char *check, const char *dir, const char *what)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return;
	if (st.st_mode & 0022)
		say(r, FAIL, check, "%s (%s) is writable by %s: anyone there could replace %s; "
			"chmod go-w %s", dir, what, st.st_mode & 0002 ? "everyone" : "its group", what, dir);
	else if (st.st_uid != 0)
		say(r, WARN, check, "%s (%s) belongs to uid %u, not root", dir, what,
			(unsigned)st.st_uid);
	else
		say(r, OK, check, "%s: root's, not writable by others", dir);
}

static void check_host_socket(struct report *r, cli_args *a, bool *up)
{
	struct stat st;
	*up = false;
	if (stat(a->socket, &st) != 0) {
		say(r, FAIL, "outcalld", "no host socket at %s: start outcalld (`systemctl start "
			"outcalld`) or point --socket at it", a->socket);
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		say(r, FAIL, "host socket", "%s is not a socket: remove it and restart outcalld",
			a->socket);
		return;
	}
	if (st.st_mode & 0007)
		say(r, FAIL, "host socket", "%s is open to everyone (mode %03o): anyone could steer "
			"Outcall; restart outcalld (it makes it 0600, or 0660 with --operator-group)",
			a->socket, st.st_mode & 0777);
	else
		say(r, OK, "host socket", "%s: mode %03o, owner uid %u", a->socket, st.st_mode & 0777,
			(unsigned)st.st_uid);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", a->socket);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		check_dir(r, "run directory", dir, "the host and agent sockets");
		strncat(dir, "/agents", sizeof(dir) - strlen(dir) - 1);
		check_dir(r, "agent sockets", dir, "the agents' sockets");
	}
	int err;
	if (!can_connect(a->socket, &err))
		say(r, FAIL, "outcalld", "cannot connect to %s: %s; %s", a->socket, strerror(err),
			err == EACCES ? "run as root or as a member of outcalld's --operator-group" :
			"is outcalld running?");
	else
		*up = true;
}

/* ---- Docker ---- */

struct ping {
	bool done;
	int rc;
	char msg[1024];
	oc_docker_version v;
};

static void pinged(int rc, const oc_docker_result *res, void *arg)
{
	struct ping *p = arg;
	p->done = true;
	p->rc = rc;
	if (rc)
		snprintf(p->msg, sizeof(p->msg), "%s", oc_error_last()->message);
	else
		p->v = *res->version;
}

static void check_docker(struct report *r, const char *socket)
{
	struct stat st;
	if (stat(socket, &st) != 0) {
		say(r, WARN, "docker", "no Docker socket at %s: Docker features are off (outcall run, "
			"attach CONTAINER, Docker networks). Install and start Docker (docker.io), or "
			"give outcalld --docker-socket PATH", socket);
		return;
	}
	oc_loop *loop = NULL;
	oc_docker_options o;
	oc_docker_options_init(&o);
	o.socket = socket;
	o.timeout_ms = 5000;
	oc_docker *d = NULL;
	struct ping p = { 0 };
	int rc = oc_loop_new(&loop);
	if (!rc)
		rc = oc_docker_new(loop, &o, &d);
	if (!rc)
		rc = oc_docker_ping(d, pinged, &p);
	while (!rc && !p.done && oc_loop_run_once(loop, 1000) >= 0)
		;
	if (rc)
		snprintf(p.msg, sizeof(p.msg), "%s", oc_error_last()->message);
	oc_docker_free(d);
	oc_loop_free(loop);
	if (rc || p.rc)
		say(r, FAIL, "docker", "%s", p.msg);
	else
		say(r, OK, "docker", "Docker %s at %s (API %s, Outcall speaks %s)", p.v.version, socket,
			p.v.api_version, p.v.api_used);
	if (st.st_gid != 0 && (st.st_mode & 0060))
		say(r, WARN, "docker socket", "members of group %u can use %s: they are root on "
			"this host, as they can start privileged containers", (unsigned)st.st_gid, socket);
}

/* What the daemon itself reports about Docker. */
static void check_daemon_docker(struct report *r, cli_args *a)
{
	int status;
	json_t *j = NULL;
	if (cli_call(a, "GET", "/v1/status", NULL, &status, &j, NULL) != OC_EXIT_OK || status != 200) {
		say(r, FAIL, "outcalld", "the host API did not answer GET /v1/status (HTTP %d)", status);
		json_decref(j);
		return;
	}
	say(r, json_is_true(json_object_get(j, "ready")) ? OK : FAIL, "outcalld", "%s, %lld "
		"containers, rules generation %lld", json_is_true(json_object_get(j, "ready")) ?
		"ready" : "NOT ready (see its log)", cli_jint(j, "containers"), cli_jint(j, "generation"));
	json_t *dk = json_object_get(j, "docker");
	if (!json_is_true(json_object_get(dk, "enabled")))
		say(r, WARN, "outcalld: docker", "outcalld runs with Docker off (--docker-socket is "
			"empty)");
	else if (json_is_true(json_object_get(dk, "connected")))
		say(r, OK, "outcalld: docker", "following Docker's events at %s", cli_jstr(dk, "socket"));
	else
		say(r, FAIL, "outcalld: docker", "not connected to Docker at %s: %s", cli_jstr(dk, "socket"),
			cli_jstr(dk, "last_error") ? cli_jstr(dk, "last_error") : "connecting");
	json_decref(j);
}

int cli_run_doctor(const cli_cmd *cmd, cli_args *a)
{
	struct report r = { .json = a->json, .items = json_array() };
	const char *docker = cli_opt_value(cmd, a, "docker-socket");
	check_kernel(&r);
	bool up;
	check_host_socket(&r, a, &up);
	check_docker(&r, docker ? docker : "/var/run/docker.sock");
	if (up)
		check_daemon_docker(&r, a);
	if (r.json)
		cli_print_json(json_pack("{s:o, s:i, s:i}", "checks", r.items, "failed", r.fails,
			"warnings", r.warns));
	else {
		printf("%d failed, %d warnings\n", r.fails, r.warns);
		json_decref(r.items);
	}
	return r.fails ? OC_EXIT_ERROR : OC_EXIT_OK;
}
