/* oc_daemon's life: new, start (in the documented order), run, stop, free. */
#include "daemon/internal.h"
#include "bridges/networks.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agent/revoked.h"
#include "core/atomicfile.h"
#include "core/version.h"
#include "daemon/docker.h"
#include "daemon/fdbudget.h"
#include "daemon/incident.h"
#include "proxy/revoked.h"
#include "requests/store.h"
#include "state/state.h"

static void log_v(oc_daemon *d, oc_log_level level, const oc_log_about *about, const char *fmt,
	va_list ap)
{
	if ((!d->cfg.log && !d->log_record) || level > d->cfg.log_level)
		return;
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	static const oc_log_about nothing;
	if (d->log_record)
		d->log_record(level, msg, about ? about : &nothing, d->log_record_arg);
	else
		d->cfg.log(level, msg, d->cfg.log_arg);
}

void oc_daemon_log(oc_daemon *d, oc_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(d, level, NULL, fmt, ap);
	va_end(ap);
}

void oc_daemon_log_about(oc_daemon *d, oc_log_level level, const oc_log_about *about,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(d, level, about, fmt, ap);
	va_end(ap);
}

void oc_daemon_set_log_record(oc_daemon *d, oc_log_record_fn fn, void *arg)
{
	d->log_record = fn;
	d->log_record_arg = arg;
}

int oc_daemon_new(const oc_daemon_config *cfg, oc_daemon **out)
{
	oc_daemon *d = calloc(1, sizeof(*d));
	if (!d)
		return oc_error_nomem();
	oc_dlist_init(&d->docker_jobs);
	d->inotify_fd = -1;
	int rc = oc_daemon_config_copy(cfg, &d->cfg, &d->cfg_storage);
	if (rc) {
		free(d);
		return rc;
	}
	cfg = &d->cfg;
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY)
		oc_fd_budget_fit(&d->cfg, nofile.rlim_cur, d->caps_summary, sizeof(d->caps_summary));
	/* One list of upstream resolvers for the filter and the proxy. */
	if (!d->cfg.proxy.upstreams)
		d->cfg.proxy.upstreams = d->cfg.dns.upstreams;
	snprintf(d->state_path, sizeof(d->state_path), "%s/state.json", cfg->state_dir);
	if (cfg->host_socket)
		snprintf(d->host_socket, sizeof(d->host_socket), "%s", cfg->host_socket);
	else
		snprintf(d->host_socket, sizeof(d->host_socket), "%s/host.sock", cfg->run_dir);
	if (cfg->operator_group) {
		struct group *g = getgrnam(cfg->operator_group);
		if (!g)
			rc = oc_error_set(OC_ENOTFOUND, "--operator-group: no group named '%s'",
				cfg->operator_group);
		else {
			d->operator_gid = g->gr_gid;
			d->has_operator_gid = true;
		}
	}
	if (!rc)
		rc = oc_loop_new(&d->loop);
	if (!rc)
		rc = oc_live_new(&d->live);
	if (!rc)
		rc = oc_events_new(cfg->decision_ring, &d->events);
	if (!rc)
		rc = oc_addr_policy_new(cfg->private_ranges, &d->private_ranges);
	if (!rc && cfg->decision_log)
		rc = oc_events_set_log_file(d->events, cfg->decision_log);
	if (!rc)
		oc_events_set_log_rotation(d->events, cfg->decision_log_max_bytes,
			cfg->decision_log_keep);
	if (rc) {
		oc_daemon_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int oc_daemon_check_state(const oc_daemon_config *cfg)
{
	int rc = oc_struct_version_check(cfg->version, OC_DAEMON_CONFIG_VERSION, "oc_daemon_config");
	if (rc)
		return rc;
	char path[4096];
	snprintf(path, sizeof(path), "%s/state.json", cfg->state_dir);
	oc_state st;
	rc = oc_state_load(path, &st);
	if (!rc)
		oc_state_free(&st);
	return rc;
}

/* Each start step names itself in its error, so "outcalld: kernel: ..."
 * says which step failed; the error keeps its file, line and rule. */
static int step_failed(const char *step)
{
	oc_error_saved e;
	oc_error_save(&e);
	char msg[sizeof(e.message)];
	snprintf(msg, sizeof(msg), "%s: %s", step, e.pub.message);
	memcpy(e.message, msg, sizeof(msg));
	return oc_error_restore(&e.pub);
}

static int start_state(oc_daemon *d, oc_state *st)
{
	int rc = oc_mkdir_p(d->cfg.state_dir, 0700);
	if (!rc)
		rc = oc_mkdir_p(d->cfg.run_dir, 0755);
	if (!rc)
		rc = oc_state_load(d->state_path, st);
	oc_log_about about = { .file = d->state_path };
	for (size_t i = 0; !rc && i < st->nwarnings; i++)
		oc_daemon_log_about(d, OC_LOG_WARN, &about, "%s", st->warnings[i]);
	return rc ? step_failed("state") : 0;
}

/* Networks recorded in the state file are re-created (adopted when their
 * bridges still exist); containers are found again by the kernel module
 * from its tables. */
/* direct_ip flows are routed: the host must forward IPv4. Docker does the
 * same; the forward chain still drops every container packet that no
 * grant allows, and other interfaces are left to the host's firewall. */
static int enable_forwarding(oc_daemon *d)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r+e");
	if (!f)
		return oc_error_os("cannot read net.ipv4.ip_forward");
	int c = fgetc(f);
	int rc = 0;
	if (c != '1') {
		rewind(f);
		if (fputs("1\n", f) < 0 || fflush(f) != 0)
			rc = oc_error_os("cannot enable net.ipv4.ip_forward (direct_ip needs it)");
		else
			oc_daemon_log(d, OC_LOG_INFO, "enabled net.ipv4.ip_forward for direct_ip flows");
	}
	fclose(f);
	return rc;
}

static int start_kernel(oc_daemon *d, const oc_state *st, oc_ruleset *rs)
{
	int rc = d->cfg.ip_forward ? enable_forwarding(d) : 0;
	if (!rc)
		rc = oc_networks_open(&d->cfg.kernel, &d->nets);
	oc_network_info info;
	if (!rc)
		rc = oc_network_create(d->nets, "default", &info);
	for (size_t i = 0; !rc && i < st->nnetworks; i++)
		rc = oc_network_create(d->nets, st->networks[i].name, &info);
	if (!rc)
		rc = oc_daemon_restore_identity(d, st);
	/* before the rules: their apply re-judges grants, lockdowns included */
	if (!rc)
		rc = oc_daemon_lockdown_open(d);
	if (!rc)
		rc = oc_daemon_apply_rules(d, rs);
	if (rc)
		return step_failed("kernel");
	d->svc = (oc_services){
		.rules = d->live,
		.registry = oc_networks_registry(d->nets),
		.events = d->events,
		.firewall = oc_networks_firewall(d->nets),
		.private_ranges = d->private_ranges,
		.request_command = "outcall-shim request",
	};
	return 0;
}

static int start_layers(oc_daemon *d)
{
	int rc = oc_dns_server_new(d->loop, &d->cfg.dns, &d->svc, &d->dns);
	if (!rc)
		rc = oc_proxy_new(d->loop, &d->cfg.proxy, &d->svc, &d->proxy);
	oc_network_info *nets = NULL;
	size_t n = 0;
	if (!rc)
		rc = oc_networks_snapshot(d->nets, &nets, &n);
	for (size_t i = 0; !rc && i < n; i++)
		rc = oc_daemon_listen_network(d, &nets[i]);
	free(nets);
	return rc ? step_failed("dns and proxy") : 0;
}

/* Flows that outlived a daemon that died before it could cut them. */
static int start_lockdowns(oc_daemon *d)
{
	if (!d->locks.n)
		return 0;
	struct oc_incident_cut cut;
	int rc = oc_daemon_lockdown_enforce(d, &cut);
	if (!rc)
		oc_daemon_log(d, OC_LOG_WARN, "%zu containers are locked down: %zu grants revoked, "
			"%zu flows cut", cut.containers, cut.grants, cut.flows);
	return rc ? step_failed("lockdown") : 0;
}

static int start_host_api(oc_daemon *d)
{
	oc_api_limits lim;
	oc_api_limits_init(&lim);
	lim.max_body = 1 << 20; /* rule files travel through it */
	lim.max_conns = lim.max_conns_per_listener = d->cfg.host_api_max_conns;
	int rc = oc_api_server_new(d->loop, &lim, oc_hostapi_handle, d, &d->api);
	mode_t mode = d->has_operator_gid ? 0660 : 0600;
	gid_t gid = d->has_operator_gid ? d->operator_gid : (gid_t)-1;
	if (!rc)
		rc = oc_api_server_listen(d->api, d->host_socket, mode, 0, gid, NULL, NULL);
	return rc ? step_failed("host API") : 0;
}

/* The proxy's block pages say what an agent's check says of a revoked
 * approval (both on the daemon's loop). */
static size_t revoked_text(void *arg, const char *agent, const char *host, char *buf,
	size_t size)
{
	return oc_agents_revoked_text(arg, agent, host, buf, size);
}

static int reload_for_agents(void *arg)
{
	return oc_daemon_reload(arg);
}

/* Approvals write rule files and reload; the sockets' directories are the
 * ones containers mount, so a restart reopens them in place. */
static int start_agents(oc_daemon *d)
{
	oc_agents_config ac = d->cfg.agents;
	ac.run_dir = d->cfg.run_dir;
	ac.state_dir = d->cfg.state_dir;
	ac.rules_dir = d->cfg.rules_dir;
	ac.networks = d->nets;
	ac.proxy_port = d->cfg.kernel.proxy_port;
	ac.dns_port = d->cfg.kernel.dns_port;
	ac.reload = reload_for_agents;
	ac.reload_arg = d;
	int rc = oc_agents_new(d->loop, &d->svc, &ac, &d->agents);
	if (!rc)
		rc = oc_agents_start(d->agents);
	if (!rc)
		oc_proxy_set_revoked(d->proxy, revoked_text, d->agents);
	return rc ? step_failed("agent sockets") : 0;
}

static void settled(const char *msg, void *arg)
{
	oc_daemon_log(arg, OC_LOG_WARN, "%s", msg);
}

int oc_daemon_start(oc_daemon *d)
{
	oc_state st;
	int rc = start_state(d, &st);
	if (rc)
		return rc;
	if (oc_req_settle(d->cfg.state_dir, d->cfg.rules_dir, settled, d) != 0) {
		oc_state_free(&st);
		return step_failed("requests");
	}
	oc_ruleset *rs = NULL;
	rc = oc_daemon_load_rules(d, &rs);
	if (rc)
		rc = step_failed("rules");
	if (!rc)
		rc = start_kernel(d, &st, rs);
	oc_ruleset_unref(rs);
	oc_state_free(&st);
	if (!rc)
		rc = oc_daemon_kwatch_start(d) ? step_failed("nftables watch") : 0;
	if (!rc)
		rc = start_layers(d);
	if (!rc)
		rc = start_lockdowns(d);
	if (!rc)
		rc = start_host_api(d);
	if (!rc)
		rc = start_agents(d);
	if (!rc && d->cfg.watch_rules)
		rc = oc_daemon_watch_rules(d) ? step_failed("rules watch") : 0;
	if (!rc)
		rc = oc_dk_start(d) ? step_failed("docker") : 0;
	if (rc)
		return rc;
	/* A full or read-only state disk must not keep every container
	 * without DNS and proxy: the state loaded is the state in force, and
	 * the save is retried until it works (logged). */
	oc_daemon_save_state(d);
	d->started_at = time(NULL);
	d->ready = true;
	oc_daemon_log(d, OC_LOG_INFO, "serving: rules generation %llu, host API on %s",
		(unsigned long long)oc_live_generation(d->live), d->host_socket);
	if (d->caps_summary[0])
		oc_daemon_log(d, OC_LOG_INFO, "connection caps: %s", d->caps_summary);
	return 0;
}

int oc_daemon_run(oc_daemon *d)
{
	return oc_loop_run(d->loop);
}

static void drain_done(oc_loop *loop, uint64_t id, void *arg)
{
	(void)id;
	(void)arg;
	oc_loop_stop(loop);
}

/* Stop accepting at once; answers in flight get drain_ms to finish. */
static void begin_stop(oc_loop *loop, void *arg)
{
	oc_daemon *d = arg;
	if (d->stopping)
		return;
	d->stopping = true;
	d->ready = false;
	oc_daemon_log(d, OC_LOG_INFO, "stopping: no new connections, draining for %u ms "
		"(kernel tables stay in place)", d->cfg.drain_ms);
	oc_daemon_unwatch_rules(d);
	oc_daemon_kwatch_stop(d);
	if (d->api) {
		oc_api_server_free(d->api);
		d->api = NULL;
	}
	oc_agents_free(d->agents);
	d->agents = NULL;
	/* after the API server: requests waiting on Docker have no client now */
	oc_dk_stop(d);
	oc_hostapi_free_jobs(d);
	oc_network_info *nets = NULL;
	size_t n = 0;
	if (d->nets && oc_networks_snapshot(d->nets, &nets, &n) == 0)
		for (size_t i = 0; i < n; i++)
			oc_daemon_unlisten_network(d, &nets[i]);
	free(nets);
	if (oc_loop_timer_add(loop, d->cfg.drain_ms, drain_done, d, &d->drain_timer) != 0)
		oc_loop_stop(loop);
}

void oc_daemon_stop(oc_daemon *d)
{
	oc_loop_post(d->loop, begin_stop, d);
}

static void on_signal(oc_loop *loop, int signo, void *arg)
{
	oc_daemon *d = arg;
	switch (signo) {
	case SIGHUP:
		oc_daemon_log(d, OC_LOG_INFO, "SIGHUP: reloading rules");
		oc_daemon_reload_async(d, NULL, NULL);
		break;
	case SIGUSR1:
		if (oc_events_reopen(d->events) != 0)
			oc_daemon_log(d, OC_LOG_ERROR, "%s", oc_error_last()->message);
		break;
	default:
		begin_stop(loop, d);
		break;
	}
}

int oc_daemon_handle_signals(oc_daemon *d)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int rc = oc_loop_add_signal(d->loop, sigs[i], on_signal, d);
		if (rc)
			return rc;
	}
	return 0;
}

void oc_daemon_free(oc_daemon *d)
{
	if (!d)
		return;
	oc_daemon_unwatch_rules(d);
	oc_daemon_kwatch_stop(d);
	oc_daemon_reload_wait(d);
	oc_api_server_free(d->api);
	oc_dk_stop(d);
	oc_hostapi_free_jobs(d);
	oc_hostapi_free_followers(d);
	oc_agents_free(d->agents);
	oc_proxy_free(d->proxy);
	oc_dns_server_free(d->dns);
	oc_networks_free(d->nets);
	oc_addr_policy_free(d->private_ranges);
	oc_events_free(d->events);
	oc_live_free(d->live);
	oc_loop_free(d->loop);
	oc_lockdowns_free(&d->locks);
	free(d->cfg_storage);
	free(d);
}

oc_loop *oc_daemon_loop(oc_daemon *d) { return d->loop; }
oc_events *oc_daemon_events(oc_daemon *d) { return d->events; }
oc_networks *oc_daemon_networks(oc_daemon *d) { return d->nets; }
uint64_t oc_daemon_generation(oc_daemon *d) { return oc_live_generation(d->live); }
