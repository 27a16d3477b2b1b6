/* outcalld's options: one table gives flag names, --config keys, parsing,
 * defaults shown in --help, and the man page's list. */
#include <outcall/daemon.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/similar.h"
#include "core/version.h"
#include "daemon/options_layers.inc"

/* T_LOGFMT is read by outcalld itself, not by the library: kept as text
 * (oc_daemon_flags_value), so it is a key of --config files like every
 * other option. */
enum opt_type { T_STR, T_U16, T_U32, T_SIZE, T_BOOL, T_LEVEL, T_DOUBLE, T_LOGFMT };

/* How a value is parsed and where it lands in oc_daemon_config. */
struct opt_field {
	enum opt_type type;
	size_t off;
};

#define CFG(field) offsetof(oc_daemon_config, field)

/* Every default of outcalld(8) is one of these: OPT(name, argument,
 * help, type, field), expanded into the public table of names and help
 * and into the parallel table of types and fields. Keep in order by topic;
 * man/outcalld.8 lists them in the same order. */
#define OPTIONS \
	OPT("rules-dir", "DIR", "rule files (*.yaml, *.yml) [/etc/outcall/rules.d]", T_STR, rules_dir) \
	OPT("state-dir", "DIR", "persistent state [/var/lib/outcall]", T_STR, state_dir) \
	OPT("run-dir", "DIR", "sockets: host.sock and agents/<container>/ [/run/outcall]", T_STR, run_dir) \
	OPT("host-socket", "PATH", "the operator's API socket [<run-dir>/host.sock]", T_STR, host_socket) \
	OPT("host-api-max-conns", "N", "host API connections at once; more get 503 at once (lowered to fit the descriptor limit) [64]", T_SIZE, host_api_max_conns) \
	OPT("operator-group", "GROUP", "group allowed on the host socket (mode 0660) [root only, 0600]", T_STR, operator_group) \
	OPT("bridge-prefix", "NAME", "network N's bridge is <prefix>N [outcall]", T_STR, kernel.bridge_prefix) \
	OPT("subnet-pool", "CIDR", "networks are /24s carved from it [10.200.0.0/16]", T_STR, kernel.subnet_pool) \
	OPT("nft-table", "NAME", "name of the inet and bridge tables [outcall]", T_STR, kernel.table) \
	OPT("dns-port", "PORT", "DNS filter on each gateway, udp and tcp [53]", T_U16, kernel.dns_port) \
	OPT("proxy-port", "PORT", "explicit HTTP proxy on each gateway [8080]", T_U16, kernel.proxy_port) \
	OPT("tproxy-http-port", "PORT", "where redirected tcp/80 lands [15080]", T_U16, kernel.tproxy_http_port) \
	OPT("tproxy-https-port", "PORT", "where redirected tcp/443 lands [15443]", T_U16, kernel.tproxy_https_port) \
	OPT("grant-cap", "N", "direct_ip grants per container and rule [256]", T_U32, kernel.grant_cap) \
	OPT("private-ranges", "CIDRS", "addresses never handed out or connected to unless a rule allows private IPs, comma-separated [RFC 1918, loopback, link-local, CGNAT, ULA, multicast, documentation, benchmarking, mapped]", T_STR, private_ranges) \
	OPT("decision-log", "FILE", "append every decision as a JSON line (reopened on SIGUSR1) [none]", T_STR, decision_log) \
	OPT("decision-log-max-bytes", "BYTES", "rotate the decision log when it reaches this size: FILE becomes FILE.1, FILE.1 FILE.2...; 0 never rotates [0]", T_SIZE, decision_log_max_bytes) \
	OPT("decision-log-keep", "N", "rotated decision logs kept (FILE.1 .. FILE.N); older ones are deleted [3]", T_U32, decision_log_keep) \
	OPT("decision-ring", "N", "decisions kept in memory for `outcall log` [4096]", T_SIZE, decision_ring) \
	OPT("reload-debounce-ms", "MS", "wait after a change in the rules directory [300]", T_U32, reload_debounce_ms) \
	OPT("watch-rules", "BOOL", "reload when the rules directory changes [true]", T_BOOL, watch_rules) \
	OPT("ip-forward", "BOOL", "turn on net.ipv4.ip_forward, which direct_ip flows need [true]", T_BOOL, ip_forward) \
	OPT("drain-ms", "MS", "on SIGTERM, time for answers in flight [3000]", T_U32, drain_ms) \
	OPT("log-level", "LEVEL", "error, warn, info or debug [info]", T_LEVEL, log_level) \
	OPT("log-format", "FORMAT", "outcalld's own log lines on stderr: human, or json (one object a line, with the rule, container, network and file a message is about); under systemd each line starts with its syslog priority [human]", T_LOGFMT, version /* no field: kept as text */) \
	OPT("docker-socket", "PATH", "the Docker Engine API socket; empty turns Docker off [/var/run/docker.sock]", T_STR, docker_socket) \
	OPT("docker-shim", "PATH", "outcall-shim, mounted read-only into `outcall run` containers; empty: none [" OC_DEFAULT_SHIM_PATH "]", T_STR, docker_shim) \
	OPT("docker-image", "IMAGE", "image of `outcall run` without --image [busybox:latest]", T_STR, docker_image) \
	OPT("run-bind-dirs", "DIRS", "host directories, colon-separated, at or below which `outcall run --volume` may bind a source (symlinks and .. resolved first); empty: no binds [" OC_DEFAULT_RUN_BIND_DIRS "]", T_STR, run_bind_dirs) \
	OPTIONS_LAYERS

#define OPT(name, arg, help, type, field) { name, arg, help },
static const oc_daemon_option pub_opts[] = { OPTIONS };
#undef OPT
#define OPT(name, arg, help, type, field) { type, CFG(field) },
static const struct opt_field opt_fields[] = { OPTIONS };
#undef OPT

#define NOPTS (sizeof(pub_opts) / sizeof(pub_opts[0]))

/* Strings set through options, kept in one list owned by the flags. */
struct owned {
	struct owned *next;
	char text[];
};

struct oc_daemon_flags {
	oc_daemon_config cfg;
	struct owned *strings;
	const char *text[NOPTS]; /* T_LOGFMT values as set */
};

OC_DEFINE_STRUCT_INIT_V2(oc_daemon_config, OC_DAEMON_CONFIG, run_bind_dirs)

int oc_daemon_flags_new(oc_daemon_flags **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return oc_error_nomem();
	(*out)->cfg = (oc_daemon_config)OC_DAEMON_CONFIG_INIT;
	return 0;
}

oc_daemon_config *oc_daemon_flags_config(oc_daemon_flags *f)
{
	return &f->cfg;
}

void oc_daemon_flags_free(oc_daemon_flags *f)
{
	if (!f)
		return;
	struct owned *o = f->strings;
	while (o) {
		struct owned *next = o->next;
		free(o);
		o = next;
	}
	free(f);
}

const oc_daemon_option *oc_daemon_options(size_t *count)
{
	*count = NOPTS;
	return pub_opts;
}

static int bad(const char *name, const char *value, const char *what)
{
	return oc_error_set(OC_EINVAL, "--%s: '%s' is not %s", name, value, what);
}

static int parse_uint(const char *name, const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return bad(name, v, "a number");
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n > max) {
		char what[64];
		snprintf(what, sizeof(what), "a number from 0 to %llu", max);
		return bad(name, v, what);
	}
	*out = n;
	return 0;
}

static char *keep(oc_daemon_flags *f, const char *value)
{
	size_t n = strlen(value);
	struct owned *o = malloc(sizeof(*o) + n + 1);
	if (!o)
		return NULL;
	memcpy(o->text, value, n + 1);
	o->next = f->strings;
	f->strings = o;
	return o->text;
}

static int find(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(pub_opts[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *oc_daemon_flags_value(const oc_daemon_flags *f, const char *name)
{
	int i = find(name);
	return i < 0 ? NULL : f->text[i];
}

int oc_daemon_flags_set(oc_daemon_flags *f, const char *name, const char *value)
{
	int idx = find(name);
	const struct opt_field *o = idx < 0 ? NULL : &opt_fields[idx];
	if (!o) {
		oc_similar s;
		oc_similar_init(&s, name, strlen(name));
		for (size_t i = 0; i < NOPTS; i++)
			oc_similar_offer(&s, pub_opts[i].name);
		return oc_error_set(OC_ENOTFOUND, "unknown option --%s%s%s%s (see outcalld --help)",
			name, s.best ? "; did you mean --" : "", s.best ? s.best : "", s.best ? "?" : "");
	}
	void *field = (char *)&f->cfg + o->off;
	unsigned long long n;
	int rc;
	switch (o->type) {
	case T_STR: {
		char *s = keep(f, value);
		if (!s)
			return oc_error_nomem();
		*(const char **)field = s[0] ? s : NULL;
		return 0;
	}
	case T_U16:
		if ((rc = parse_uint(name, value, 65535, &n)))
			return rc;
		*(uint16_t *)field = (uint16_t)n;
		return 0;
	case T_U32:
		if ((rc = parse_uint(name, value, UINT32_MAX, &n)))
			return rc;
		*(uint32_t *)field = (uint32_t)n;
		return 0;
	case T_SIZE:
		if ((rc = parse_uint(name, value, SIZE_MAX, &n)))
			return rc;
		*(size_t *)field = (size_t)n;
		return 0;
	case T_DOUBLE: {
		char *end;
		errno = 0;
		double x = strtod(value, &end);
		if (errno || *end || end == value || x < 0)
			return bad(name, value, "a number of 0 or more");
		*(double *)field = x;
		return 0;
	}
	case T_BOOL:
		if (strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
			*(bool *)field = true;
		else if (strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0)
			*(bool *)field = false;
		else
			return bad(name, value, "true or false");
		return 0;
	case T_LEVEL: {
		static const char *const levels[] = { "error", "warn", "info", "debug" };
		for (int i = 0; i < 4; i++) {
			if (strcasecmp(value, levels[i]) == 0) {
				*(oc_log_level *)field = (oc_log_level)i;
				return 0;
			}
		}
		return bad(name, value, "one of error, warn, info, debug");
	}
	case T_LOGFMT:
		if (strcmp(value, "human") != 0 && strcmp(value, "json") != 0)
			return bad(name, value, "human or json");
		if (!(f->text[idx] = keep(f, value)))
			return oc_error_nomem();
		return 0;
	}
	return oc_error_set(OC_EINVAL, "--%s: internal option type", name);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int oc_daemon_flags_load(oc_daemon_flags *flags, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return oc_error_os("cannot read config file %s", path);
	char line[4096];
	int lineno = 0, rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash && (hash == line || isspace((unsigned char)hash[-1])))
			*hash = '\0';
		char *s = trim(line);
		if (!*s || strcmp(s, "---") == 0)
			continue;
		char *colon = strchr(s, ':');
		oc_error_site site = { path, lineno, 1, NULL };
		if (!colon) {
			rc = oc_error_set_at(OC_EINVAL, &site, "expected 'option: value'");
			break;
		}
		*colon = '\0';
		char *key = trim(s), *val = trim(colon + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
			val[vl - 1] = '\0';
			val++;
		}
		if ((rc = oc_daemon_flags_set(flags, key, val)) != 0) {
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
			rc = oc_error_set_at(rc, &site, "%s", msg);
		}
	}
	fclose(f);
	return rc;
}
