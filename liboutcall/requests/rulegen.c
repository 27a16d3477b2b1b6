#include "requests/rulegen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <outcall/policy.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/text.h"
#include "identity/names.h"
#include "requests/ask.h"
#include "requests/duration.h"
#include "requests/yaml.h"

#define MAX_ID_LEN 128
#define EXPIRY_TAG "# outcall-expires-at: "

/* Names, ids and hosts were validated to plain characters; the CEL
 * literal needs no escaping, and the YAML scalar around the condition
 * escapes its quotes. The scope's test, without the "&&" after it;
 * nothing for every container. */
static int scope_test(const oc_req *r, oc_req_scope scope, oc_buf *c)
{
	if (scope == OC_REQ_SCOPE_CONTAINER)
		return oc_buf_printf(c, "container.id == \"%s\"", r->container_id);
	if (scope == OC_REQ_SCOPE_AGENT)
		return oc_buf_printf(c, "agent.name == \"%s\"", r->agent);
	return 0;
}

static int host_condition(const oc_req *r, oc_req_scope scope, oc_buf *c)
{
	const oc_req_ask *a = &r->ask;
	int rc = scope_test(r, scope, c);
	if (!rc && c->len)
		rc = oc_buf_puts(c, " && ");
	if (!rc)
		rc = oc_buf_printf(c, "network.hostname == \"%s\"", a->host);
	if (rc || (!a->port && !a->method && !a->path_prefix))
		return rc;
	rc = oc_buf_puts(c, " && (network.protocol == \"dns\" || (");
	const char *and = "";
	if (!rc && a->port) {
		rc = oc_buf_printf(c, "network.port == %d", a->port);
		and = " && ";
	}
	if (!rc && a->method) {
		rc = oc_buf_printf(c, "%shttp.method == \"%s\"", and, a->method);
		and = " && ";
	}
	if (!rc && a->path_prefix)
		rc = oc_buf_printf(c, "%shttp.path.startsWith(\"%s\")", and, a->path_prefix);
	return rc ? rc : oc_buf_puts(c, "))");
}

static int host_body(const oc_req *r, oc_req_scope scope, oc_buf *b)
{
	oc_buf cond = OC_BUF_INIT, desc = OC_BUF_INIT;
	int rc = host_condition(r, scope, &cond);
	if (!rc)
		rc = oc_buf_printf(&desc, "access request %s by agent %s: %s", r->id, r->agent,
			r->ask.justification);
	if (!rc)
		rc = oc_buf_printf(b, "version: \"1\"\nrules:\n  - id: req-%s\n    description: ", r->id);
	if (!rc)
		rc = oc_yaml_quote(b, desc.data);
	if (!rc)
		rc = oc_buf_puts(b, "\n    condition: ");
	if (!rc)
		rc = oc_yaml_quote(b, cond.data);
	if (!rc)
		rc = oc_buf_puts(b, "\n    action: allow\n");
	oc_buf_free(&cond);
	oc_buf_free(&desc);
	return rc;
}

static int egress_yaml(const oc_egress *e, oc_buf *b)
{
	if (e->mode == OC_EGRESS_PROXY && !e->allow_private_ips)
		return 0;
	int rc = oc_buf_printf(b, "    egress:\n      mode: %s\n", oc_egress_mode_name(e->mode));
	if (!rc && e->mode == OC_EGRESS_DIRECT_IP && e->nports) {
		rc = oc_buf_puts(b, "      ports: [");
		for (size_t i = 0; !rc && i < e->nports; i++)
			rc = oc_buf_printf(b, "%s%u", i ? ", " : "", e->ports[i]);
		if (!rc)
			rc = oc_buf_puts(b, "]\n");
	}
	if (!rc && e->allow_private_ips)
		rc = oc_buf_puts(b, "      allow_private_ips: true\n");
	if (!rc && e->match_body)
		rc = oc_buf_puts(b, "      match_body: true\n");
	return rc;
}

static int rule_yaml(const oc_req *r, oc_req_scope scope, const oc_rule *rule, oc_buf *b)
{
	if (oc_rule_action(rule) == OC_ACTION_ALLOW && oc_rule_priority(rule) < OC_REQ_MIN_PRIORITY)
		return oc_error_set(OC_EINVAL, "rule_file: rule '%s' allows with priority %d; allow "
			"rules from agents need a priority of at least %d (they may not override the "
			"operator's rules)", oc_rule_id(rule), oc_rule_priority(rule),
			OC_REQ_MIN_PRIORITY);
	/* YAML escapes ("\e") decode to what the raw text could not carry. */
	char what[200];
	snprintf(what, sizeof(what), "rule_file: the description of rule '%s'", oc_rule_id(rule));
	if (oc_text_check(what, oc_rule_description(rule), false) != 0)
		return OC_EINVAL;
	oc_buf cond = OC_BUF_INIT;
	int rc = scope_test(r, scope, &cond);
	if (!rc)
		rc = cond.len ? oc_buf_printf(&cond, " && (%s)", oc_rule_condition(rule)) :
			oc_buf_puts(&cond, oc_rule_condition(rule));
	/* The prefix is ASCII; cutting the original id keeps the id's charset. */
	if (!rc)
		rc = oc_buf_printf(b, "  - id: req-%s-%.*s\n    condition: ", r->id,
			MAX_ID_LEN - (int)strlen("req--") - OC_REQ_ID_LEN, oc_rule_id(rule));
	if (!rc)
		rc = oc_yaml_quote(b, cond.data);
	oc_buf_free(&cond);
	if (!rc && oc_rule_description(rule)[0]) {
		rc = oc_buf_puts(b, "\n    description: ");
		if (!rc)
			rc = oc_yaml_quote(b, oc_rule_description(rule));
	}
	if (!rc)
		rc = oc_buf_printf(b, "\n    action: %s\n    priority: %d\n",
			oc_action_name(oc_rule_action(rule)), oc_rule_priority(rule));
	if (!rc && oc_rule_log(rule))
		rc = oc_buf_puts(b, "    log: true\n");
	if (!rc && oc_rule_action(rule) == OC_ACTION_ALLOW)
		rc = egress_yaml(oc_rule_egress(rule), b);
	return rc;
}

/* Regenerated from the loaded rules rather than edited as text: only what
 * the loader understood is carried over, and every condition gets its
 * scope from the outside. */
static int file_body(const oc_req *r, oc_req_scope scope, oc_buf *b)
{
	oc_ruleset *rs = NULL;
	oc_load_options lim = { .max_rules = OC_REQ_MAX_RULES };
	int rc = oc_ruleset_load_string("rule_file", r->ask.rule_file, strlen(r->ask.rule_file),
		&lim, &rs, NULL);
	if (rc)
		return rc;
	size_t n = oc_ruleset_count(rs);
	if (n == 0)
		rc = oc_error_set(OC_EINVAL, "rule_file has no rules");
	if (!rc)
		rc = oc_buf_puts(b, "version: \"1\"\nrules:\n");
	for (size_t i = 0; !rc && i < n; i++)
		rc = rule_yaml(r, scope, oc_ruleset_rule(rs, i), b);
	oc_ruleset_unref(rs);
	return rc;
}

int oc_req_rule_body(const oc_req *r, oc_req_scope scope, char **out)
{
	int rc = oc_req_ask_check(&r->ask);
	if (rc)
		return rc;
	if (!oc_name_valid(r->agent) || !oc_name_valid(r->container))
		return oc_error_set(OC_EINVAL, "request %s: agent or container name is not a valid "
			"name", r->id);
	if (scope == OC_REQ_SCOPE_CONTAINER && (!r->container_id || !r->container_id[0]))
		return oc_error_set(OC_EINVAL, "request %s: container %s has no container id (it was "
			"attached without Docker), so no rule can name it alone: approve with scope "
			"agent (every container named %s or %s-<digits>)", r->id, r->container,
			r->agent, r->agent);
	if (scope == OC_REQ_SCOPE_CONTAINER && !oc_name_valid(r->container_id))
		return oc_error_set(OC_EINVAL, "request %s: the container id of %s is not a valid "
			"id", r->id, r->container);
	oc_buf b = OC_BUF_INIT;
	rc = r->ask.host ? host_body(r, scope, &b) : file_body(r, scope, &b);
	oc_ruleset *rs = NULL;
	if (!rc && (rc = oc_ruleset_load_string("rule_file", b.data, b.len, NULL, &rs, NULL)) != 0) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", oc_error_last()->message);
		rc = oc_error_set(rc, "the rules could not be scoped to %s %s (rule files from "
			"agents may not use definitions: write conditions out): %s",
			oc_req_scope_name(scope), scope == OC_REQ_SCOPE_CONTAINER ? r->container :
			r->agent, msg);
	}
	oc_ruleset_unref(rs);
	if (rc) {
		oc_buf_free(&b);
		return rc;
	}
	*out = oc_buf_steal(&b);
	return 0;
}

void oc_req_scope_text(const oc_req *r, oc_req_scope scope, char *buf, size_t size)
{
	if (scope == OC_REQ_SCOPE_CONTAINER)
		snprintf(buf, size, "container \"%s\" (id %.12s)", r->container,
			r->container_id ? r->container_id : "");
	else if (scope == OC_REQ_SCOPE_AGENT)
		snprintf(buf, size, "agent \"%s\"", r->agent);
	else
		snprintf(buf, size, "every agent");
}

int oc_req_rule_file(const oc_req *r, const char *body, char **out)
{
	char created[OC_TIME_TEXT_MAX], decided[OC_TIME_TEXT_MAX], expires[OC_TIME_TEXT_MAX];
	oc_time_format(r->created_at, created);
	oc_time_format(r->decided_at, decided);
	oc_buf b = OC_BUF_INIT;
	int rc = oc_buf_printf(&b, "# Outcall access request %s, written by outcalld on approval;\n"
		"# `outcall requests show %s` has the record.\n# submitted: %s by container \"%s\" "
		"(agent \"%s\", pid=%d uid=%u gid=%u)\n# justification: ", r->id, r->id, created,
		r->container, r->agent, (int)r->pid, (unsigned)r->uid, (unsigned)r->gid);
	if (!rc)
		rc = oc_yaml_quote(&b, r->ask.justification);
	if (!rc)
		rc = oc_buf_printf(&b, "\n# approved: %s by ", decided);
	if (!rc)
		rc = oc_yaml_quote(&b, r->decided_by ? r->decided_by : "the operator");
	char whom[200];
	oc_req_scope_text(r, r->scope, whom, sizeof(whom));
	if (!rc)
		rc = oc_buf_printf(&b, ", for %s\n", whom);
	if (!rc && r->expires_at) {
		oc_time_format(r->expires_at, expires);
		rc = oc_buf_printf(&b, EXPIRY_TAG "%" PRId64 " (%s; outcalld removes this file then)\n",
			r->expires_at, expires);
	}
	if (!rc)
		rc = oc_buf_puts(&b, body);
	if (rc) {
		oc_buf_free(&b);
		return rc;
	}
	*out = oc_buf_steal(&b);
	return 0;
}

int64_t oc_req_header_expiry(const char *text)
{
	for (const char *line = text; *line == '#'; ) {
		if (strncmp(line, EXPIRY_TAG, strlen(EXPIRY_TAG)) == 0) {
			char *end;
			long long v = strtoll(line + strlen(EXPIRY_TAG), &end, 10);
			return v > 0 && (*end == ' ' || *end == '\n' || !*end) ? (int64_t)v : 0;
		}
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	return 0;
}
