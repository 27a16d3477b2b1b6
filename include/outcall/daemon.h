/*
 * The whole of Outcall in one object: rules, kernel tables, DNS filter,
 * proxy, host API and agent sockets on one event loop. outcalld is a thin
 * main() around this; an orchestrator can run it in-process instead.
 *
 * Start order (oc_daemon_start): state -> rules -> bridges and kernel
 * tables -> DNS and proxy -> host API -> agent sockets. A failure at any
 * step returns an error naming the step and the cause; what was started is
 * stopped again, and the kernel tables are never left more open than
 * before (they are only ever replaced whole, and never removed).
 *
 * Threads: oc_daemon_run runs the loop on the calling thread; every other
 * call except oc_daemon_stop must be made on that thread (or before run /
 * after it returns). oc_daemon_stop may be called from any thread.
 *
 * Ownership: oc_daemon_new copies the config and every string and array
 * it points to. Objects returned by accessors are borrowed for the
 * daemon's lifetime.
 */
#ifndef OUTCALL_DAEMON_H
#define OUTCALL_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/agents.h>
#include <outcall/common.h>
#include <outcall/dns.h>
#include <outcall/events.h>
#include <outcall/kernel.h>
#include <outcall/loop.h>
#include <outcall/network.h>
#include <outcall/proxy.h>
#include <outcall/version.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum oc_log_level { OC_LOG_ERROR, OC_LOG_WARN, OC_LOG_INFO, OC_LOG_DEBUG } oc_log_level;

/* Where the daemon's own messages go (never secrets: no header values,
 * bodies or tokens). NULL: nowhere. */
typedef void (*oc_log_fn)(oc_log_level level, const char *message, void *arg);

/* What a message is about, for structured logs (outcalld --log-format
 * json); each field NULL (line 0) when it does not apply. The message
 * names them too. Borrowed for the call. */
typedef struct oc_log_about {
	const char *rule;       /* a rule id */
	const char *container;  /* a container's name */
	const char *network;    /* an Outcall network's name */
	const char *file;       /* a rule file or the state file */
	int line;               /* in file */
} oc_log_about;
typedef void (*oc_log_record_fn)(oc_log_level level, const char *message,
	const oc_log_about *about, void *arg);

typedef struct oc_daemon_config {
	unsigned int version;        /* OC_DAEMON_CONFIG_VERSION */
	const char *rules_dir;       /* [/etc/outcall/rules.d] */
	const char *state_dir;       /* [/var/lib/outcall] */
	const char *run_dir;         /* [/run/outcall]: host.sock and agents/<name>/agent.sock */
	const char *host_socket;     /* [<run_dir>/host.sock] */
	const char *operator_group;  /* [none]: host socket 0600 root; a group makes it 0660 */
	oc_kernel_config kernel;     /* bridges, subnets, ports (kernel.h) */
	oc_dns_config dns;           /* dns.h */
	oc_proxy_config proxy;       /* proxy.h */
	oc_agents_config agents;     /* agents.h: limits of the agent sockets (their
	                              * directories, ports and reload come from above) */
	const char *private_ranges;  /* [addr.h default list] */
	const char *decision_log;    /* [none] JSON lines file */
	size_t decision_ring;        /* [4096] decisions kept in memory */
	unsigned reload_debounce_ms; /* [300] after a change in the rules directory */
	unsigned drain_ms;           /* [3000] on stop, for answers in flight */
	bool watch_rules;            /* [true] reload on changes in rules_dir */
	/* Docker (docs/docker.md): everything Docker is optional; an absent engine
	 * turns it off until the engine appears. */
	const char *docker_socket;   /* [/var/run/docker.sock]; NULL: Docker off */
	const char *docker_shim;     /* [OC_DEFAULT_SHIM_PATH (version.h)] mounted into
	                              * `outcall run` containers; NULL: none */
	const char *docker_image;    /* [busybox:latest] for `outcall run` without --image */
	bool ip_forward;             /* [true] turn on net.ipv4.ip_forward (direct_ip needs it) */
	oc_log_fn log;
	void *log_arg;
	oc_log_level log_level;      /* [info] */
	size_t host_api_max_conns;   /* [64] host API connections; over it: 503 at once */
	/* Every pool cap (proxy, DNS, agent sockets, host API) is lowered at
	 * oc_daemon_new to what fits in the process's RLIMIT_NOFILE
	 * (docs/limits.md); the values here are upper bounds. */
	size_t decision_log_max_bytes; /* [0: never] rotate the decision log at this size */
	unsigned decision_log_keep;  /* [3] rotated files kept: FILE.1 (newest) .. FILE.N */
	/* Version 2: */
	/* [OC_DEFAULT_RUN_BIND_DIRS] host directories, colon-separated, at or
	 * below which `outcall run` may bind a source (after symlinks and
	 * ".." are resolved); "" or NULL: no binds at all (docs/security.md) */
	const char *run_bind_dirs;
} oc_daemon_config;

#define OC_DEFAULT_RUN_BIND_DIRS "/srv/outcall/workspaces"
#define OC_DAEMON_CONFIG_VERSION 2
#define OC_DAEMON_CONFIG_INIT { \
	.version = OC_DAEMON_CONFIG_VERSION, .rules_dir = "/etc/outcall/rules.d", \
	.state_dir = "/var/lib/outcall", .run_dir = "/run/outcall", \
	.kernel = OC_KERNEL_CONFIG_INIT, .dns = OC_DNS_CONFIG_INIT, \
	.proxy = OC_PROXY_CONFIG_INIT, .agents = OC_AGENTS_CONFIG_INIT, \
	.decision_ring = 4096, .reload_debounce_ms = 300, .drain_ms = 3000, \
	.watch_rules = true, .docker_socket = "/var/run/docker.sock", \
	.docker_shim = OC_DEFAULT_SHIM_PATH, .docker_image = "busybox:latest", \
	.ip_forward = true, .log_level = OC_LOG_INFO, .host_api_max_conns = 64, \
	.decision_log_keep = 3, .run_bind_dirs = OC_DEFAULT_RUN_BIND_DIRS }

/* Fills every field with its default. */
OC_API int oc_daemon_config_init(oc_daemon_config *cfg, unsigned int version);

/*
 * outcalld's flags and --config files as text: the single place they are
 * interpreted. An oc_daemon_flags holds a config (defaults to start with)
 * and owns the strings set into it, so the config stays a plain struct.
 */
typedef struct oc_daemon_flags oc_daemon_flags;
OC_API int oc_daemon_flags_new(oc_daemon_flags **out);
/* The config the flags were set into; valid, and changeable, until
 * oc_daemon_flags_free. */
OC_API oc_daemon_config *oc_daemon_flags_config(oc_daemon_flags *f);
/*
 * Sets one option by its outcalld flag name without "--" ("rules-dir",
 * "dns-upstream", "proxy-port", ...). OC_ENOTFOUND for an unknown name,
 * OC_EINVAL for a bad value; both messages name option and value.
 */
OC_API int oc_daemon_flags_set(oc_daemon_flags *f, const char *name, const char *value);
/* Reads "name: value" lines (a flat YAML mapping; '#' comments) and sets
 * each; errors name file and line. */
OC_API int oc_daemon_flags_load(oc_daemon_flags *f, const char *path);
/* The value set for an option that the program reads itself rather than
 * the library ("log-format": how outcalld writes its own log lines), or
 * NULL when it was not set. It is checked like every other option. */
OC_API const char *oc_daemon_flags_value(const oc_daemon_flags *f, const char *name);
OC_API void oc_daemon_flags_free(oc_daemon_flags *f);

/* The options, for --help and the man page: name, argument, default, help. */
typedef struct oc_daemon_option {
	const char *name;
	const char *arg;     /* NULL for a switch */
	const char *help;    /* includes the default */
} oc_daemon_option;
OC_API const oc_daemon_option *oc_daemon_options(size_t *count);

typedef struct oc_daemon oc_daemon;

OC_API int oc_daemon_new(const oc_daemon_config *cfg, oc_daemon **out);
/* Reads the state file without starting anything: 0 when it is good or
 * absent, OC_ECORRUPT (message names the file and the fault) otherwise. */
OC_API int oc_daemon_check_state(const oc_daemon_config *cfg);
/* Runs the start sequence (see above). Tells no service manager anything:
 * a program under a systemd Type=notify unit sends READY=1 itself once
 * this returned 0 (outcalld does). */
OC_API int oc_daemon_start(oc_daemon *d);
/* Serves until oc_daemon_stop (or SIGTERM/SIGINT when the daemon owns
 * signals: oc_daemon_handle_signals). Returns 0 after a clean stop. */
OC_API int oc_daemon_run(oc_daemon *d);
OC_API void oc_daemon_stop(oc_daemon *d);
/* Sends the daemon's messages to fn, with what each is about, instead of
 * to the config's log (its log_level still applies); NULL goes back to
 * it. Call it before oc_daemon_start to see every message. */
OC_API void oc_daemon_set_log_record(oc_daemon *d, oc_log_record_fn fn, void *arg);
/* SIGHUP: reload, SIGTERM/SIGINT: stop, SIGUSR1: reopen the decision log.
 * The caller must have blocked these signals in every thread. */
OC_API int oc_daemon_handle_signals(oc_daemon *d);
/* Frees everything; kernel tables, bridges and veths stay (fail closed). */
OC_API void oc_daemon_free(oc_daemon *d);

/* Reloads the rule set: one new immutable set, one kernel transaction,
 * one new generation. On error nothing changes and the error names
 * file:line:rule. */
OC_API int oc_daemon_reload(oc_daemon *d);
OC_API uint64_t oc_daemon_generation(oc_daemon *d);

OC_API oc_loop *oc_daemon_loop(oc_daemon *d);
OC_API oc_events *oc_daemon_events(oc_daemon *d);
OC_API oc_networks *oc_daemon_networks(oc_daemon *d);

/* Attach/detach with bookkeeping (state file, agent socket). */
OC_API int oc_daemon_attach(oc_daemon *d, const oc_attach_options *o, oc_container **out);
OC_API int oc_daemon_detach(oc_daemon *d, const char *name);
OC_API int oc_daemon_network_create(oc_daemon *d, const char *name, oc_network_info *out);
OC_API int oc_daemon_network_delete(oc_daemon *d, const char *name);

#ifdef __cplusplus
}
#endif
#endif
