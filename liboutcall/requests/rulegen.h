/*
 * The rule an approval adds, as YAML: generated from a structured ask, or
 * rewritten from an agent's rule file so that every rule is scoped to the
 * agent and renamed into the request's namespace. The operator sees
 * exactly this text before approving (`outcall requests show`).
 */
#ifndef OC_REQUESTS_RULEGEN_H
#define OC_REQUESTS_RULEGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "requests/request.h"

/* Most rules one rule_file request may carry. */
#define OC_REQ_MAX_RULES 50
/* Allow rules from agents may not be placed before the operator's rules
 * of default priority. */
#define OC_REQ_MIN_PRIORITY 100

/*
 * The rule file body (version and rules, no header) approving r would add,
 * scoped to r's container (container.id == "<r->container_id>"; OC_EINVAL
 * when it has none), r's agent (agent.name == "A") or to every container
 * (no scope test). A host ask gives one allow rule with id "req-<id>"
 * whose condition is, scoped to the agent,
 *   agent.name == "A" && network.hostname == "H"
 *     [&& (network.protocol == "dns" || (network.port == P && http.method
 *      == "M" && http.path.startsWith("X")))]
 * (the parenthesis only when port, method or path narrow it: the DNS
 * filter cannot see them and must still resolve the name). A rule file
 * ask gives its rules with ids "req-<id>-<original id>", each condition
 * rewritten as `agent.name == "A" && (<condition>)` (or the container's
 * test); definitions are not
 * carried over (a file that needs them fails here), allow rules must have
 * a priority of at least OC_REQ_MIN_PRIORITY, and the result is loaded
 * once to prove it compiles. Errors (OC_EINVAL, OC_EPARSE, OC_ELIMIT)
 * speak to the agent who sent the file. free() *out.
 */
int oc_req_rule_body(const oc_req *r, oc_req_scope scope, char **out);

/* Whom a scope reaches, for people: `container "agent-xk..." (id
 * 0123456789ab)`, `agent "coder"` or "every agent". */
void oc_req_scope_text(const oc_req *r, oc_req_scope scope, char *buf, size_t size);

/* The file written to rules.d/requests/<id>.yaml: a comment header
 * (submitter, time, justification, approver, scope and expiry) and body.
 * r must carry the decision (decided_at, decided_by, scope,
 * expires_at). free() *out. */
int oc_req_rule_file(const oc_req *r, const char *body, char **out);

/* The expiry written in a rule file's header ("# outcall-expires-at: N"
 * among its leading comment lines), or 0 when it has none. */
int64_t oc_req_header_expiry(const char *text);

#endif
