/* Host API: status and rules. */
#include "hostapi/hostapi.h"
#include "bridges/networks.h"
#include "daemon/docker.h"
#include "daemon/incident.h"

#include <outcall/outcall.h>
#include <stdlib.h>
#include <string.h>

void oc_hostapi_status(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	uint64_t gen = 0;
	oc_ruleset *rs = oc_live_acquire(d->live, &gen);
	oc_network_info *nets = NULL;
	size_t n = 0;
	oc_networks_snapshot(d->nets, &nets, &n);
	json_t *bridges = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(bridges, oc_hostapi_network_json(&nets[i]));
	free(nets);
	json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:o, s:{s:b, s:s}, s:{s:I, s:I, s:I, s:s?}, "
		"s:I, s:{s:b, s:b, s:b}}",
		"version", oc_version(), "ready", d->ready,
		"uptime_s", (json_int_t)(d->started_at ? time(NULL) - d->started_at : 0),
		"generation", (json_int_t)gen,
		"networks", bridges,
		"tables", "installed", oc_firewall_installed(oc_networks_firewall(d->nets)) == 1,
		"name", d->cfg.kernel.table,
		"rules", "count", (json_int_t)oc_ruleset_count(rs),
		"reloads_ok", (json_int_t)d->reloads_ok, "reloads_failed", (json_int_t)d->reloads_failed,
		"last_error", d->last_reload_error[0] ? d->last_reload_error : NULL,
		"containers", (json_int_t)oc_registry_count(oc_networks_registry(d->nets)),
		"layers", "kernel", true, "dns", d->dns != NULL, "proxy", d->proxy != NULL);
	oc_ruleset_unref(rs);
	if (j && d->agents) {
		oc_agents_stats st = OC_AGENTS_STATS_INIT;
		oc_agents_get_stats(d->agents, &st);
		json_object_set_new(j, "requests_pending", json_integer((json_int_t)st.pending));
	}
	json_object_set_new(j, "docker", oc_dk_status(d));
	/* loud on purpose: an operator must not forget a lockdown */
	json_object_set_new(j, "lockdowns", oc_lockdowns_json(&d->locks));
	json_object_set_new(j, "locked_containers",
		json_integer((json_int_t)oc_daemon_locked_containers(d)));
	oc_api_respond_json(r->conn, 200, j);
}

static json_t *rule_json(const oc_rule *rule)
{
	const oc_egress *e = oc_rule_egress(rule);
	json_t *ports = json_array();
	for (size_t i = 0; i < e->nports; i++)
		json_array_append_new(ports, json_integer(e->ports[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:b, s:{s:s, s:o, s:b, s:b}}",
		"id", oc_rule_id(rule), "description", oc_rule_description(rule),
		"condition", oc_rule_condition(rule), "file", oc_rule_file(rule),
		"line", oc_rule_line(rule), "action", oc_action_name(oc_rule_action(rule)),
		"priority", oc_rule_priority(rule), "log", oc_rule_log(rule),
		"egress", "mode", oc_egress_mode_name(e->mode), "ports", ports,
		"allow_private_ips", e->allow_private_ips, "match_body", e->match_body);
}

void oc_hostapi_rules_list(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	uint64_t gen;
	oc_ruleset *rs = oc_live_acquire(d->live, &gen);
	json_t *arr = json_array();
	for (size_t i = 0; i < oc_ruleset_count(rs); i++)
		json_array_append_new(arr, rule_json(oc_ruleset_rule(rs, i)));
	oc_ruleset_unref(rs);
	oc_api_respond_json(r->conn, 200, json_pack("{s:I, s:o}", "generation", (json_int_t)gen,
		"rules", arr));
}

void oc_hostapi_rules_get(oc_daemon *d, oc_api_request *r, const char *name)
{
	oc_ruleset *rs = oc_live_acquire(d->live, NULL);
	const oc_rule *rule = oc_ruleset_find(rs, name);
	if (rule)
		oc_api_respond_json(r->conn, 200, rule_json(rule));
	else
		oc_api_respond_error(r->conn, 404, "not_found", "no rule with id '%s' in the live "
			"rule set", name);
	oc_ruleset_unref(rs);
}

static void reload_answer(oc_daemon *d, void *arg, int rc)
{
	oc_api_conn *conn = arg;
	if (rc) {
		const oc_error *e = oc_error_last();
		json_t *err = json_pack("{s:s, s:s}", "code", "reload_failed", "message", e->message);
		if (e->file)
			json_object_set_new(err, "file", json_string(e->file));
		if (e->line)
			json_object_set_new(err, "line", json_integer(e->line));
		if (e->rule_id)
			json_object_set_new(err, "rule", json_string(e->rule_id));
		oc_api_respond_json(conn, 422, json_pack("{s:o, s:I}", "error", err,
			"generation", (json_int_t)oc_live_generation(d->live)));
		return;
	}
	uint64_t gen;
	oc_ruleset *rs = oc_live_acquire(d->live, &gen);
	oc_api_respond_json(conn, 200, json_pack("{s:I, s:I}", "generation", (json_int_t)gen,
		"rules", (json_int_t)oc_ruleset_count(rs)));
	oc_ruleset_unref(rs);
}

static void reload_caller_gone(oc_api_conn *c, void *arg)
{
	(void)c;
	oc_daemon_reload_forget(arg);
}

/* The rules compile on a thread; the answer comes when the new set is
 * live (or refused). */
void oc_hostapi_rules_reload(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	struct oc_reload_waiter *w = oc_daemon_reload_async(d, reload_answer, r->conn);
	if (w)
		oc_api_defer(r->conn, reload_caller_gone, w);
}

void oc_hostapi_rules_evaluate(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	json_t *body = oc_hostapi_body(r);
	if (!body)
		return;
	bool explain = json_is_true(json_object_get(body, "explain"));
	json_decref(body);
	oc_sample *s = NULL;
	if (oc_sample_from_json(r->body, &s) != 0) {
		oc_api_respond_error(r->conn, 400, "invalid", "%s", oc_error_last()->message);
		return;
	}
	uint64_t gen;
	oc_ruleset *rs = oc_live_acquire(d->live, &gen);
	oc_decision dec;
	oc_trace *trace = NULL;
	if (explain)
		oc_engine_trace(rs, oc_sample_context(s), &dec, &trace);
	else
		oc_engine_decide(rs, oc_sample_context(s), &dec);
	char *text = oc_decision_to_json(oc_sample_context(s), &dec, trace, gen);
	oc_trace_free(trace);
	oc_ruleset_unref(rs);
	oc_sample_free(s);
	if (!text) {
		oc_api_respond_error(r->conn, 500, "internal", "out of memory");
		return;
	}
	oc_api_respond(r->conn, 200, "application/json", text, strlen(text), NULL);
	free(text);
}
