/* outcalld: flags -> oc_daemon. Everything else is liboutcall. */
#include <errno.h>
#include <linux/capability.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <outcall/outcall.h>
#include <outcall/daemon.h>

#include "core/exitcode.h"
#include "core/wrap.h"

static int json_logs;
/* Under systemd, stderr is the journal: each line then starts with its
 * syslog priority, "<3>" for an error, which journald reads as the
 * entry's priority (SyslogLevelPrefix, on by default). */
static int journal;

static const char *level_name(oc_log_level l)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	return names[l];
}

/* syslog(3)'s LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG by oc_log_level. */
static const int priority[] = { 3, 4, 6, 7 };

/* $JOURNAL_STREAM names the device and inode of the journal's stream;
 * it is inherited, so it counts only while stderr is still that stream. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* One line on stderr; about (may be NULL) adds the fields of a JSON line. */
static void log_line(oc_log_level level, const char *msg, const oc_log_about *about)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (journal)
		fprintf(stderr, "<%d>", (int)priority[level]);
	if (json_logs) {
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", stamp, level_name(level));
		put_json_string(stderr, msg);
		const char *const keys[] = { "rule", "container", "network", "file" };
		const char *const vals[] = { about ? about->rule : NULL, about ? about->container : NULL,
			about ? about->network : NULL, about ? about->file : NULL };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (!vals[i])
				continue;
			fprintf(stderr, ",\"%s\":", keys[i]);
			put_json_string(stderr, vals[i]);
		}
		if (about && about->file && about->line)
			fprintf(stderr, ",\"line\":%d", about->line);
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "%s outcalld %s: %s\n", stamp, level_name(level), msg);
	}
}

static void log_record(oc_log_level level, const char *msg, const oc_log_about *about, void *arg)
{
	(void)arg;
	log_line(level, msg, about);
}

/* "  --option ARG   text" with the text wrapped under itself. */
static void usage_item(FILE *f, const char *left, const char *text)
{
	int col = fprintf(f, "  %-32s ", left);
	oc_wrap_print(f, text, 35, (size_t)col);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: outcalld [--config FILE] [OPTION VALUE]...\n"
		"       outcalld --check-state | --reset-state [--state-dir DIR]\n\n"
		"The Outcall daemon: nftables default-deny, a DNS filter, an HTTP/HTTPS proxy\n"
		"and the host and agent APIs for containers on the Outcall bridges, from one\n"
		"rule set.\n\n"
		"Options, each also a key of --config FILE ('name: value'), and no other keys:\n");
	size_t n;
	const oc_daemon_option *o = oc_daemon_options(&n);
	for (size_t i = 0; i < n; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s %s", o[i].name, o[i].arg ? o[i].arg : "");
		usage_item(f, left, o[i].help);
	}
	fprintf(f, "\nOn the command line only:\n");
	usage_item(f, "--config FILE", "read options from FILE first; flags given override it");
	usage_item(f, "--check-state", "check the state file and exit (0 good, 1 corrupt)");
	usage_item(f, "--reset-state", "move a corrupt state file aside and exit");
	usage_item(f, "--help", "show this help");
	usage_item(f, "--version", "print the version");
	fputc('\n', f);
	fprintf(f,
		"Exit status: 0 after a clean stop (or --help, --version, a good --check-state),\n"
		"1 when starting failed (or a corrupt state), 2 for a usage error: the scheme of\n"
		"outcall and outcall-shim too.\n");
	fprintf(f,
		"Signals: SIGHUP reloads the rules, SIGTERM/SIGINT stop (the kernel tables stay:\n"
		"containers stay isolated), SIGUSR1 reopens the decision log.\n"
		"See outcalld(8) and outcalld.conf(5).\n");
}

/* --check-state / --reset-state: the documented recovery for a corrupt
 * state file. */
static int state_command(const oc_daemon_config *cfg, bool reset)
{
	char path[4096], aside[4200];
	snprintf(path, sizeof(path), "%s/state.json", cfg->state_dir);
	int rc = oc_daemon_check_state(cfg);
	if (rc == 0) {
		printf("%s: good\n", path);
		return OC_EXIT_OK;
	}
	fprintf(stderr, "outcalld: %s\n", oc_error_last()->message);
	if (!reset)
		return OC_EXIT_ERROR;
	snprintf(aside, sizeof(aside), "%s.corrupt-%ld", path, (long)time(NULL));
	if (rename(path, aside) != 0) {
		fprintf(stderr, "outcalld: cannot move %s aside: %s\n", path, strerror(errno));
		return OC_EXIT_ERROR;
	}
	printf("moved %s to %s; start outcalld and re-attach containers that are not in the "
		"kernel tables any more\n", path, aside);
	return OC_EXIT_OK;
}

/* Flags and --config into f. Returns -1 to go on, or the exit code:
 * OC_EXIT_OK after --help/--version, OC_EXIT_USAGE for a usage error. */
static int parse_args(int argc, char **argv, oc_daemon_flags *f, int *check, int *reset)
{
	/* --config first, so flags override the file whatever their order. */
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			v = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			v = argv[i] + 9;
		if (v && oc_daemon_flags_load(f, v) != 0) {
			fprintf(stderr, "outcalld: %s\n", oc_error_last()->message);
			return OC_EXIT_USAGE;
		}
	}
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return OC_EXIT_OK;
		}
		if (strcmp(a, "--version") == 0) {
			printf("outcalld %s\n", oc_version());
			return OC_EXIT_OK;
		}
		if (strcmp(a, "--check-state") == 0 || strcmp(a, "--reset-state") == 0) {
			*(a[2] == 'c' ? check : reset) = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "outcalld: unexpected argument '%s' (see outcalld --help)\n", a);
			return OC_EXIT_USAGE;
		}
		char *name = a + 2, *eq = strchr(name, '='), *val;
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "outcalld: --%s needs a value (see outcalld --help)\n", name);
			return OC_EXIT_USAGE;
		}
		if (strcmp(name, "config") == 0)
			continue;
		if (oc_daemon_flags_set(f, name, val) != 0) {
			fprintf(stderr, "outcalld: %s\n", oc_error_last()->message);
			return OC_EXIT_USAGE;
		}
	}
	const char *format = oc_daemon_flags_value(f, "log-format");
	json_logs = format && strcmp(format, "json") == 0;
	return -1;
}

/* sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET. Here and
 * not in liboutcall: a program that embeds the library under its own
 * Type=notify unit decides itself when it is ready. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if (n < sizeof(a.sun_path)) {
		memcpy(a.sun_path, path, n);
		if (a.sun_path[0] == '@')
			a.sun_path[0] = '\0'; /* abstract namespace */
		sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&a,
			(socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	}
	close(fd);
}

/* Every connection a container opens costs descriptors, and the usual soft
 * limit (1024) is far below what the pools are meant to hold: take the
 * hard limit. The daemon sizes its caps from whatever this leaves. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	char msg[160];
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (was == rl.rlim_max)
		snprintf(msg, sizeof(msg), "descriptor limit %llu (already the hard limit)",
			(unsigned long long)was);
	else if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		snprintf(msg, sizeof(msg), "descriptor limit raised from %llu to the hard limit %llu",
			(unsigned long long)was, (unsigned long long)rl.rlim_max);
	else
		snprintf(msg, sizeof(msg), "descriptor limit stays %llu: cannot raise it to %llu: %s",
			(unsigned long long)was, (unsigned long long)rl.rlim_max, strerror(errno));
	log_line(OC_LOG_INFO, msg, NULL);
}

/* Without CAP_NET_ADMIN the start fails deep in its kernel step with a
 * bare "Permission denied"; say what is missing before anything is
 * touched. True when /proc cannot tell (the start then says it). */
static int may_admin_network(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = ~0ull;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return (eff >> CAP_NET_ADMIN) & 1;
}

/* Runs the daemon until it stops; the exit code. */
static int serve(const oc_daemon_config *cfg)
{
	/* The loop takes these through a signalfd; block them everywhere. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!may_admin_network()) {
		log_line(OC_LOG_ERROR, "outcalld needs CAP_NET_ADMIN for its nftables tables, bridges "
			"and sockets: run it as root (systemctl start outcalld, or sudo outcalld)", NULL);
		return OC_EXIT_ERROR;
	}
	raise_fd_limit();

	oc_daemon *d = NULL;
	int rc = oc_daemon_new(cfg, &d);
	if (!rc) {
		oc_daemon_set_log_record(d, log_record, NULL);
		rc = oc_daemon_handle_signals(d);
	}
	if (!rc)
		rc = oc_daemon_start(d);
	if (rc) {
		const oc_error *e = oc_error_last();
		oc_log_about about = { .rule = e->rule_id, .file = e->file, .line = e->line };
		log_line(OC_LOG_ERROR, e->message, &about);
		oc_daemon_free(d);
		return OC_EXIT_ERROR;
	}
	notify_ready();
	rc = oc_daemon_run(d);
	oc_daemon_free(d);
	log_line(OC_LOG_INFO, "stopped; kernel tables stay in place", NULL);
	return rc ? OC_EXIT_ERROR : OC_EXIT_OK;
}

int main(int argc, char **argv)
{
	oc_daemon_flags *f;
	if (oc_daemon_flags_new(&f) != 0) {
		fprintf(stderr, "outcalld: %s\n", oc_error_last()->message);
		return OC_EXIT_ERROR;
	}
	journal = stderr_is_journal();
	oc_daemon_config *cfg = oc_daemon_flags_config(f);
	int check = 0, reset = 0;
	int rc = parse_args(argc, argv, f, &check, &reset);
	if (rc < 0)
		rc = check || reset ? state_command(cfg, reset) : serve(cfg);
	oc_daemon_flags_free(f);
	return rc;
}
