/*
 * One judge for every layer that decides: the DNS filter, the proxy and
 * the agent socket's /v1/check. Each builds the context of what it sees
 * with the builders of build.c and hands it here with the container; the
 * judge adds the container's identity, decides with the rules and applies
 * what the proxy adds to an allow. So a check is judged like the real
 * request by construction, and audit mode or interception plug in here.
 *
 * No rule set loaded yet (rs NULL) is one behaviour for every layer: the
 * default block, rule "default", as when no rule matches.
 *
 * A container the operator locked down (identity/lockdown.h) is blocked
 * before any rule is read, with rule id "lockdown": the DNS filter, the
 * proxy and the agent socket's check all refuse it here, in one place.
 */
#ifndef OC_ENGINE_JUDGE_H
#define OC_ENGINE_JUDGE_H

#include <stdbool.h>
#include <outcall/engine.h>
#include <outcall/identity.h>
#include <outcall/policy.h>

#include "identity/lockdown.h"

/* The rule id a lockdown's block carries in decisions and logs. */
#define OC_LOCKDOWN_RULE "lockdown"

typedef struct oc_judgment {
	oc_decision d;          /* the rules' verdict (the default block without rules) */
	bool allowed;           /* d allows, and nothing below refuses it */
	const char *refusal;    /* why an allow is not carried out, or NULL */
	bool locked;            /* the container is locked down: `lock` says by whom and why */
	struct oc_lock lock;
} oc_judgment;

/*
 * Judges ctx (its identity fields are set from c) with rs, which the
 * caller holds; reg (may be NULL: no lockdowns) says whether c is locked
 * down (the DNS filter keeps one for a batch of queries).
 * `named_port`: the client chose the port (a CONNECT, an absolute-form
 * request to the explicit proxy, a check): then a port other than the
 * scheme's own (443 for TLS, 80 for plain HTTP) needs an allow rule that
 * reads network.port. Redirected connections went to 80 or 443, the ports
 * the kernel redirects. An allow with egress.mode intercept is
 * refused at the TLS layer: this proxy does not intercept, and a tunnel it
 * would open uninspected is blocked instead.
 */
void oc_judge(const oc_ruleset *rs, oc_registry *reg, const oc_container *c, oc_context *ctx,
	bool named_port, oc_judgment *out);

/* The same with the live rule set: returns it (NULL when none is loaded),
 * since out->d points into it; the caller unrefs it when done with out.
 * *generation is its generation, 0 when none is loaded. */
oc_ruleset *oc_judge_live(oc_live *live, oc_registry *reg, const oc_container *c,
	oc_context *ctx, bool named_port, oc_judgment *out, uint64_t *generation);

#endif
