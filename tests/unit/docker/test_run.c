/* Agent containers: the hardened create body as the engine receives it,
 * the spec checks, and the bind policy (protected paths through parents,
 * symlinks and hard links; guarded targets). A refused container never
 * reaches the engine. */
#include <criterion/criterion.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake.h"
#include "tmpfiles.h"

static struct fake_answer engine(const struct fake_request *req, void *arg)
{
	(void)arg;
	if (strcmp(req->target, "/version") == 0)
		return (struct fake_answer){ fake_version("1.41") };
	if (strncmp(req->target, "/v1.41/containers/create?name=", 30) == 0)
		return (struct fake_answer){ fake_json(201, "{\"Id\":\"c0ffee\",\"Warnings\":[]}") };
	return (struct fake_answer){ fake_json(500, "{\"message\":\"unexpected\"}") };
}

/* The test's host tree: root/prot is protected (Outcall's run directory,
 * with a socket and an agent directory), root/work is not. */
struct tree {
	char root[256], prot[300], sock[320], agent[320], work[300], link[300], sock_link[320],
		hard[320], work_link[300];
};

static void make_tree(struct tree *t)
{
	snprintf(t->root, sizeof(t->root), "%s", tmp_dir());
	snprintf(t->prot, sizeof(t->prot), "%s/prot", t->root);
	snprintf(t->sock, sizeof(t->sock), "%s/host.sock", t->prot);
	snprintf(t->agent, sizeof(t->agent), "%s/agents/a1", t->prot);
	snprintf(t->work, sizeof(t->work), "%s/work", t->root);
	snprintf(t->link, sizeof(t->link), "%s/link", t->root);
	snprintf(t->sock_link, sizeof(t->sock_link), "%s/sock-link", t->work);
	snprintf(t->hard, sizeof(t->hard), "%s/hard.sock", t->work);
	snprintf(t->work_link, sizeof(t->work_link), "%s/work-link", t->root);
	cr_assert_eq(mkdir(t->prot, 0755), 0);
	char agents[320];
	snprintf(agents, sizeof(agents), "%s/agents", t->prot);
	cr_assert_eq(mkdir(agents, 0755), 0);
	cr_assert_eq(mkdir(t->agent, 0755), 0);
	cr_assert_eq(mkdir(t->work, 0755), 0);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cr_assert_lt(strlen(t->sock), sizeof(sa.sun_path));
	memcpy(sa.sun_path, t->sock, strlen(t->sock) + 1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	cr_assert_eq(symlink(t->prot, t->link), 0);
	cr_assert_eq(symlink("../prot/host.sock", t->sock_link), 0);
	cr_assert_eq(link(t->sock, t->hard), 0);
	cr_assert_eq(symlink("work", t->work_link), 0);
}

struct world {
	struct fake fake;
	oc_loop *loop;
	oc_docker *d;
	struct tree t;
};

/* A client whose binds may come from `dirs`, where "@" stands for the
 * tree's root (NULL: the whole tree and /usr/share). */
static void up_with(struct world *w, const char *const *dirs)
{
	fake_start(&w->fake, engine, NULL);
	make_tree(&w->t);
	cr_assert_eq(oc_loop_new(&w->loop), 0);
	oc_docker_options o;
	oc_docker_options_init(&o);
	o.socket = w->fake.path;
	const char *prot[] = { w->t.prot, NULL };
	const char *list[8] = { w->t.root, "/usr/share", NULL };
	char buf[6][512];
	for (size_t i = 0; dirs && i < 6; i++) {
		list[i] = dirs[i];
		if (dirs[i] && dirs[i][0] == '@') {
			snprintf(buf[i], sizeof(buf[i]), "%s%s", w->t.root, dirs[i] + 1);
			list[i] = buf[i];
		}
		if (!dirs[i])
			break;
	}
	o.protected_paths = prot;
	o.bind_dirs = list;
	cr_assert_eq(oc_docker_new(w->loop, &o, &w->d), 0);
}

static void up(struct world *w)
{
	up_with(w, NULL);
}

static void down(struct world *w)
{
	oc_docker_free(w->d);
	fake_stop(&w->fake);
	oc_loop_free(w->loop);
}

/* As root asks (any uid); the operator group's checks have their tests. */
static oc_docker_run spec_for(struct world *w)
{
	return (oc_docker_run){
		.name = "coder-1", .image = "busybox", .network = "default", .gateway = "10.200.0.1",
		.agent_dir = w->t.agent, .shim = "/usr/lib/outcall/outcall-shim",
		.host_ids_allowed = true,
	};
}

static void created(int rc, const oc_docker_result *res, void *arg)
{
	bool *done = arg;
	cr_assert_eq(rc, 0, "%s", oc_error_last()->message);
	cr_assert_str_eq(res->id, "c0ffee");
	*done = true;
}

static json_t *mount_at(json_t *mounts, const char *target)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
		if (strcmp(json_string_value(json_object_get(m, "Target")), target) == 0)
			return m;
	return NULL;
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

Test(docker_run, hardened_body)
{
	struct world w;
	up(&w);
	oc_docker_run s = spec_for(&w);
	const char *cmd[] = { "sleep", "60", NULL };
	const char *env[] = { "TASK=refactor", NULL };
	oc_kv lab[] = { { "team", "infra" } };
	oc_docker_bind binds[] = { { w.t.work_link, "/workspace", false } };
	s.cmd = cmd;
	s.env = env;
	s.labels = (oc_map){ lab, 1 };
	s.binds = binds;
	s.nbinds = 1;
	s.read_only_root = true;
	s.name_generated = true;
	bool done = false;
	cr_assert_eq(oc_docker_container_create(w.d, &s, created, &done), 0, "%s",
		oc_error_last()->message);
	cr_assert(run_until(w.loop, &done));
	cr_assert_eq(fake_count(&w.fake), 2);
	struct fake_request req = fake_request(&w.fake, 1);
	cr_assert_str_eq(req.method, "POST");
	cr_assert_str_eq(req.target, "/v1.41/containers/create?name=coder-1");

	json_t *b = json_loads(w.fake.requests[1].body, 0, NULL);
	cr_assert_not_null(b, "the body is JSON");
	cr_assert_str_eq(json_string_value(json_object_get(b, "Image")), "busybox");
	cr_assert_str_eq(json_string_value(json_object_get(b, "User")), "65534:65534");
	json_t *hc = json_object_get(b, "HostConfig");
	cr_assert_str_eq(json_string_value(json_object_get(hc, "NetworkMode")), "none");
	cr_assert(has_string(json_object_get(hc, "CapDrop"), "ALL"));
	cr_assert_eq(json_array_size(json_object_get(hc, "CapAdd")), 0);
	cr_assert(has_string(json_object_get(hc, "SecurityOpt"), "no-new-privileges=true"));
	cr_assert(json_is_false(json_object_get(hc, "Privileged")));
	cr_assert_eq(json_integer_value(json_object_get(hc, "PidsLimit")), 512);
	cr_assert_eq(json_integer_value(json_object_get(hc, "Memory")), 1LL << 30);
	cr_assert_eq(json_integer_value(json_object_get(hc, "MemorySwap")), 1LL << 30);
	cr_assert(json_is_true(json_object_get(hc, "ReadonlyRootfs")));
	cr_assert(has_string(json_object_get(hc, "Dns"), "10.200.0.1"));
	cr_assert_eq(json_array_size(json_object_get(hc, "Dns")), 1);
	json_t *env_j = json_object_get(b, "Env");
	cr_assert(has_string(env_j, "HTTP_PROXY=http://10.200.0.1:8080"));
	cr_assert(has_string(env_j, "https_proxy=http://10.200.0.1:8080"));
	cr_assert(has_string(env_j, "NO_PROXY=10.200.0.1,localhost,127.0.0.1"));
	cr_assert(has_string(env_j, "TASK=refactor"));
	json_t *labels = json_object_get(b, "Labels");
	cr_assert_str_eq(json_string_value(json_object_get(labels, OC_DOCKER_LABEL_MANAGED)), "true");
	cr_assert_str_eq(json_string_value(json_object_get(labels, OC_DOCKER_LABEL_NETWORK)), "default");
	cr_assert_str_eq(json_string_value(json_object_get(labels, "team")), "infra");
	cr_assert_str_eq(json_string_value(json_object_get(labels, OC_LABEL_NAME_GENERATED)), "true",
		"a name Outcall chose is marked where a restarted daemon finds it");
	cr_assert(has_string(json_object_get(b, "Cmd"), "sleep"));

	json_t *mounts = json_object_get(hc, "Mounts");
	char agent_bind[512];
	snprintf(agent_bind, sizeof(agent_bind), "%s:" OC_DOCKER_AGENT_DIR ":ro", w.t.agent);
	cr_assert(has_string(json_object_get(hc, "Binds"), agent_bind),
		"the agent directory is bound read-only, in the syntax that recreates it");
	cr_assert_null(mount_at(mounts, OC_DOCKER_AGENT_DIR));
	json_t *m = mount_at(mounts, OC_DOCKER_SHIM_PATH);
	cr_assert_not_null(m);
	cr_assert(json_is_true(json_object_get(m, "ReadOnly")));
	m = mount_at(mounts, "/workspace");
	cr_assert_not_null(m);
	cr_assert_str_eq(json_string_value(json_object_get(m, "Source")), w.t.work,
		"the resolved path is what Docker mounts, not the symlink");
	cr_assert(json_is_false(json_object_get(m, "ReadOnly")));
	json_decref(b);
	down(&w);
}

struct bad_bind {
	const char *source; /* "@x": the tree's path x */
	const char *target;
	int rc;
	const char *why;
};

static const char *tree_path(const struct tree *t, const char *s)
{
	if (s[0] != '@')
		return s;
	if (!strcmp(s, "@root"))
		return t->root;
	if (!strcmp(s, "@prot"))
		return t->prot;
	if (!strcmp(s, "@agent"))
		return t->agent;
	if (!strcmp(s, "@link"))
		return t->link;
	if (!strcmp(s, "@sock_link"))
		return t->sock_link;
	if (!strcmp(s, "@hard"))
		return t->hard;
	if (!strcmp(s, "@work"))
		return t->work;
	return s;
}

Test(docker_run, binds_refused_before_docker)
{
	struct world w;
	up(&w);
	char engine_dir[128];
	snprintf(engine_dir, sizeof(engine_dir), "%s", w.fake.path);
	*strrchr(engine_dir, '/') = '\0';
	const struct bad_bind cases[] = {
		{ "@prot", "/x", OC_EPERM, " is " },
		{ "@root", "/x", OC_EPERM, "contains" },
		{ "/", "/x", OC_EPERM, "contains" },
		{ "@agent", "/x", OC_EPERM, "lies inside" },
		{ "@link", "/x", OC_EPERM, " is " },
		{ "@sock_link", "/x", OC_EPERM, "lies inside" },
		{ "@hard", "/x", OC_EPERM, "lies inside" },
		{ engine_dir, "/x", OC_EPERM, "contains" },
		{ w.fake.path, "/x", OC_EPERM, " is " },
		{ "/nonexistent/oc-test", "/x", OC_ENOTFOUND, "cannot be resolved" },
		{ "relative/dir", "/x", OC_EINVAL, "absolute host path" },
		{ "@work", OC_DOCKER_AGENT_DIR, OC_EPERM, "would shadow" },
		{ "@work", "/run/outcall/agent.sock", OC_EPERM, "lies inside" },
		{ "@work", "/run", OC_EPERM, "would shadow" },
		{ "@work", "//run//outcall/", OC_EPERM, "would shadow" },
		{ "@work", "/etc", OC_EPERM, "resolver" },
		{ "@work", "/etc/resolv.conf", OC_EPERM, "resolver" },
		{ "@work", "/", OC_EINVAL, "may not be /" },
		{ "@work", "/a/../run/outcall", OC_EINVAL, "'..'" },
		{ "@work", "workspace", OC_EINVAL, "absolute" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		oc_docker_run s = spec_for(&w);
		char src[512];
		snprintf(src, sizeof(src), "%s", tree_path(&w.t, cases[i].source));
		oc_docker_bind b = { src, cases[i].target, false };
		s.binds = &b;
		s.nbinds = 1;
		bool done = false;
		int rc = oc_docker_container_create(w.d, &s, created, &done);
		cr_assert_eq(rc, cases[i].rc, "%s:%s: rc %d (%s)", src, cases[i].target, rc,
			oc_error_last()->message);
		cr_assert(strstr(oc_error_last()->message, cases[i].why), "%s:%s: '%s' lacks '%s'",
			src, cases[i].target, oc_error_last()->message, cases[i].why);
		cr_assert(strstr(oc_error_last()->message, cases[i].target), "the message names the bind");
		cr_assert_eq(oc_docker_check_run(w.d, &s), cases[i].rc, "check_run agrees");
	}
	cr_assert_eq(fake_count(&w.fake), 0, "nothing reached Docker");

	oc_docker_run ok = spec_for(&w);
	oc_docker_bind good[] = { { w.t.work, "/workspace", true }, { "/usr/share", "/etc/hosts.d", true } };
	ok.binds = good;
	ok.nbinds = 2;
	cr_assert_eq(oc_docker_check_run(w.d, &ok), 0, "%s", oc_error_last()->message);
	down(&w);
}

struct refusal {
	const char *what;
	oc_docker_run s;
	const char *why;
};

/* Adds a case built on the good spec; the caller spoils one field. */
static oc_docker_run *refusal(struct refusal *cases, size_t *n, struct world *w,
	const char *what, const char *why)
{
	cases[*n] = (struct refusal){ what, spec_for(w), why };
	return &cases[(*n)++].s;
}

Test(docker_run, spec_refusals)
{
	struct world w;
	up(&w);
	struct refusal cases[10];
	size_t n = 0;
	const char *env_proxy[] = { "http_proxy=http://evil:1", NULL };
	const char *env_bad[] = { "NOVALUE", NULL };
	oc_kv ours[] = { { OC_DOCKER_LABEL_MANAGED, "false" } };
	static const char *const users[] = { "0", "0:0", "root", "1000:0", "", "1000:x", "00" };
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		oc_docker_run s = spec_for(&w);
		s.user = users[i];
		cr_assert_eq(oc_docker_check_run(w.d, &s), OC_EINVAL, "user '%s'", users[i]);
		cr_assert(strstr(oc_error_last()->message, "numeric UID"));
	}
	oc_docker_run s = spec_for(&w);
	s.user = "1000:1000";
	cr_assert_eq(oc_docker_check_run(w.d, &s), 0, "%s", oc_error_last()->message);

	refusal(cases, &n, &w, "proxy env", "set by Outcall")->env = env_proxy;
	refusal(cases, &n, &w, "env without =", "KEY=VALUE")->env = env_bad;
	refusal(cases, &n, &w, "Outcall's label", "are Outcall's")->labels = (oc_map){ ours, 1 };
	refusal(cases, &n, &w, "tiny memory", "6 MiB")->memory_bytes = 1000;
	refusal(cases, &n, &w, "bad name", "[A-Za-z0-9._-]")->name = "bad name";
	refusal(cases, &n, &w, "bad gateway", "IPv4")->gateway = "gateway";
	refusal(cases, &n, &w, "no image", "all needed")->image = "";
	refusal(cases, &n, &w, "relative agent dir", "absolute")->agent_dir = "agents/a1";
	for (size_t i = 0; i < n; i++) {
		bool done = false;
		cr_assert_eq(oc_docker_container_create(w.d, &cases[i].s, created, &done), OC_EINVAL,
			"%s", cases[i].what);
		cr_assert(strstr(oc_error_last()->message, cases[i].why), "%s: '%s' lacks '%s'",
			cases[i].what, oc_error_last()->message, cases[i].why);
	}
	cr_assert_eq(fake_count(&w.fake), 0, "nothing reached Docker");
	down(&w);
}

/* One bind of `src` under the allow-list: 0 or the error, and nothing
 * reaches Docker either way. */
static int bind_of(struct world *w, const char *src)
{
	oc_docker_run s = spec_for(w);
	oc_docker_bind b = { src, "/workspace", false };
	s.binds = &b;
	s.nbinds = 1;
	return oc_docker_check_run(w->d, &s);
}

/* The operator's allow-list: resolved paths, at or below a listed
 * directory, whatever the spelling of either. */
Test(docker_run, binds_only_from_the_allowed_directories)
{
	struct world w;
	/* work listed with a trailing slash, and through a ".." */
	const char *dirs[] = { "@/work/", "@/prot/../work", NULL };
	up_with(&w, dirs);
	char p[8][512];
	snprintf(p[0], sizeof(p[0]), "%s/work2", w.t.root);       /* a prefix sibling */
	snprintf(p[1], sizeof(p[1]), "%s/sub", w.t.work);
	snprintf(p[2], sizeof(p[2]), "%s/escape", w.t.work);      /* -> /etc */
	snprintf(p[3], sizeof(p[3]), "%s/sub/../../work2", w.t.work);
	snprintf(p[4], sizeof(p[4]), "%s/", w.t.work);
	snprintf(p[5], sizeof(p[5]), "%s/sub/..", w.t.work);
	snprintf(p[6], sizeof(p[6]), "%s/up", w.t.work);          /* -> .. */
	cr_assert_eq(mkdir(p[0], 0755), 0);
	cr_assert_eq(mkdir(p[1], 0755), 0);
	cr_assert_eq(symlink("/etc", p[2]), 0);
	cr_assert_eq(symlink("..", p[6]), 0);
	const char *ok[] = { w.t.work, p[1], p[4], p[5], w.t.work_link };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_eq(bind_of(&w, ok[i]), 0, "%s: %s", ok[i], oc_error_last()->message);
	const char *refused[] = { p[0], p[2], p[3], p[6], "/etc/shadow", "/etc", w.t.root, "/" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int rc = bind_of(&w, refused[i]);
		if (rc == OC_ENOTFOUND)
			continue; /* a machine without /etc/shadow */
		cr_assert_eq(rc, OC_EPERM, "%s was accepted", refused[i]);
		const char *msg = oc_error_last()->message;
		cr_assert(strstr(msg, "--run-bind-dirs") || strstr(msg, "no agent container may see"),
			"%s: %s", refused[i], msg);
	}
	cr_assert_eq(bind_of(&w, "/etc/passwd"), OC_EPERM);
	cr_assert(strstr(oc_error_last()->message, "/etc/passwd is not in a directory that agent "
		"containers may be given"), "%s", oc_error_last()->message);
	cr_assert(strstr(oc_error_last()->message, "/work/"), "it names the list: %s",
		oc_error_last()->message);
	cr_assert_eq(fake_count(&w.fake), 0, "nothing reached Docker");
	down(&w);
}

Test(docker_run, no_allowed_directory_no_binds)
{
	struct world w;
	const char *none[] = { NULL };
	up_with(&w, none);
	cr_assert_eq(bind_of(&w, w.t.work), OC_EPERM);
	cr_assert(strstr(oc_error_last()->message, "none: outcalld's --run-bind-dirs is empty"),
		"%s", oc_error_last()->message);
	oc_docker_run s = spec_for(&w);
	cr_assert_eq(oc_docker_check_run(w.d, &s), 0, "no bind is fine");
	down(&w);
}

/* The first id of the host's passwd (group) database that is neither
 * root's nor nobody's, or -1. */
static long host_id(bool group)
{
	long id = -1;
	if (group) {
		setgrent();
		for (struct group *g; id < 0 && (g = getgrent());)
			if (g->gr_gid != 0 && g->gr_gid != 65534)
				id = g->gr_gid;
		endgrent();
	} else {
		setpwent();
		for (struct passwd *u; id < 0 && (u = getpwent());)
			if (u->pw_uid != 0 && u->pw_uid != 65534)
				id = u->pw_uid;
		endpwent();
	}
	return id;
}

/* Only root may run an agent as a host account: a gid like shadow's with
 * a bind would read what that group may read. */
Test(docker_run, host_accounts_are_refused_unless_root_asks)
{
	struct world w;
	up(&w);
	long uid = host_id(false), gid = host_id(true);
	cr_assert_geq(uid, 1, "this machine has a user besides root and nobody");
	cr_assert_geq(gid, 1, "and a group");
	cr_assert_null(getpwuid(4000123));
	cr_assert_null(getgrgid(4000123));
	char user[64], u1[64], u2[64];
	snprintf(u1, sizeof(u1), "%ld:4000123", uid);
	snprintf(u2, sizeof(u2), "4000123:%ld", gid);
	const struct { const char *user; const char *why; } no[] = {
		{ u1, "uid" }, { u2, "gid" }, { "4000123", "give UID:GID" },
	};
	for (size_t i = 0; i < 3; i++) {
		oc_docker_run s = spec_for(&w);
		s.host_ids_allowed = false;
		s.user = no[i].user;
		cr_assert_eq(oc_docker_check_run(w.d, &s), OC_EPERM, "user %s", no[i].user);
		cr_assert(strstr(oc_error_last()->message, no[i].why), "%s",
			oc_error_last()->message);
		bool done = false;
		cr_assert_eq(oc_docker_container_create(w.d, &s, created, &done), OC_EPERM);
		s.host_ids_allowed = true;
		cr_assert_eq(oc_docker_check_run(w.d, &s), 0, "root may: %s",
			oc_error_last()->message);
	}
	snprintf(user, sizeof(user), "%ld:4000123", uid);
	oc_docker_run s = spec_for(&w);
	s.host_ids_allowed = false;
	s.user = user;
	cr_assert_eq(oc_docker_check_run(w.d, &s), OC_EPERM);
	char says[64];
	snprintf(says, sizeof(says), "uid %ld is the host's user '%s'", uid, getpwuid(uid)->pw_name);
	cr_assert(strstr(oc_error_last()->message, says), "%s", oc_error_last()->message);
	const char *fine[] = { "4000123:4000123", "65534:65534", NULL };
	for (size_t i = 0; i < 3; i++) {
		s.user = fine[i];
		cr_assert_eq(oc_docker_check_run(w.d, &s), 0, "%s: %s", fine[i],
			oc_error_last()->message);
	}
	cr_assert_eq(fake_count(&w.fake), 0, "nothing reached Docker");
	down(&w);
}
