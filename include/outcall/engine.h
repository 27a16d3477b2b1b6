/*
 * Decisions: the first rule (in evaluation order) whose condition is true
 * for a context decides; no match is a block by "default", and that
 * default cannot be changed.
 *
 * Rules whose conditions are equality or endsWith tests on host fields
 * (network.hostname, dns.query, http.host, tls.sni), alone or or-ed
 * together, are found through hash indexes built at load time, so a
 * decision does not scan thousands of such rules; all other rules are
 * checked in order. The index gives exactly the verdict of a plain ordered
 * scan (tests/unit/engine proves it on random rule sets).
 *
 * Thread-safety: oc_engine_decide only reads the rule set and the context;
 * call it from any number of threads. It does not allocate.
 */
#ifndef OUTCALL_ENGINE_H
#define OUTCALL_ENGINE_H

#include <stdbool.h>
#include <outcall/common.h>
#include <outcall/context.h>
#include <outcall/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_decision {
	oc_action verdict;
	const oc_rule *rule;  /* NULL when no rule matched (default block) */
	const char *rule_id;  /* the rule's id, or "default" */
	const char *file;     /* the rule's file, or NULL */
	int line;             /* the rule's line, or 0 */
	bool log;             /* the rule asked for logging */
	oc_egress egress;     /* the allow rule's egress, else zero */
} oc_decision;

/* Decides ctx against rs. Pointers in *out borrow from rs: keep a
 * reference to rs while using them. Returns 0, or OC_EINVAL for NULL
 * arguments. */
OC_API int oc_engine_decide(const oc_ruleset *rs, const oc_context *ctx, oc_decision *out);

/* The same decision by a plain ordered scan without the index. Slower; for
 * tests and for checking the index. */
OC_API int oc_engine_decide_scan(const oc_ruleset *rs, const oc_context *ctx, oc_decision *out);

/* One rule's part in a traced decision. */
typedef struct oc_trace_step {
	const oc_rule *rule;
	int result;          /* 1 true, 0 false, 2 unknown (the layer cannot see a field it tests) */
	const char *why;     /* one line: the operands and their values */
} oc_trace_step;

typedef struct oc_trace oc_trace; /* owned by the caller: oc_trace_free */

/* Decides like oc_engine_decide and records every rule considered, up to
 * and including the deciding one. Allocates; not for the hot path. */
OC_API int oc_engine_trace(const oc_ruleset *rs, const oc_context *ctx,
	oc_decision *out, oc_trace **trace);
OC_API size_t oc_trace_count(const oc_trace *t);
OC_API const oc_trace_step *oc_trace_get(const oc_trace *t, size_t i);
OC_API void oc_trace_free(oc_trace *t);

/*
 * Context builders: how each layer turns what it saw into a context. The
 * DNS filter, the proxy, the agent socket's check and `outcall rules test`
 * all build through these, so a check is judged exactly like the real
 * request. Each normalises the host into `buf` (OC_HOSTNAME_MAX bytes,
 * owned by the caller and referenced by ctx) and sets the layer's fields;
 * the caller adds agent and container fields. Return 0, or OC_EINVAL with a
 * message naming the bad host, port or URL.
 */
/* A DNS query for `name` of `type` ("A", "AAAA", ...). */
OC_API int oc_context_for_dns(oc_context *ctx, char *buf, const char *name, const char *type);
/* A plain HTTP request. `target` is the request target as it goes upstream
 * (origin form: path and query). */
OC_API int oc_context_for_http(oc_context *ctx, char *buf, const char *host, int port,
	const char *method, const char *target);
/* A TLS connection (CONNECT or transparent 443): host and port, and the
 * SNI (NULL: judged as `host`). Method, path and headers are unknown to
 * this layer, so rules that test them do not match. */
OC_API int oc_context_for_tls(oc_context *ctx, char *buf, const char *host, int port,
	const char *sni, char *sni_buf);
/* A URL: http:// gives the HTTP layer, https:// the TLS layer (only the
 * host and port are visible without interception). `method` may be NULL
 * (GET). `target_buf` (at least strlen(url) + 2 bytes) receives the
 * origin-form target. */
OC_API int oc_context_for_url(oc_context *ctx, char *buf, char *target_buf, const char *url,
	const char *method);

/*
 * Sample requests, for `outcall rules test` and the host API's evaluate:
 * one JSON object naming exactly one of
 *   {"dns": NAME, "type": "A"}            the DNS layer
 *   {"http": URL, "method": "GET"}        plain HTTP (https:// URLs: TLS)
 *   {"connect": "HOST:PORT", "sni": NAME} a CONNECT tunnel (TLS layer)
 *   {"context": {"http.host": "x", "http.headers": {...}, ...}}
 *                                         every field known, as given
 * plus optionally "agent": NAME (agent.name). Built with the context
 * builders above, so a sample is judged like the real request.
 * Ownership: the sample owns every string its context points to.
 */
typedef struct oc_sample oc_sample;
OC_API int oc_sample_from_json(const char *json, oc_sample **out);
OC_API const oc_context *oc_sample_context(const oc_sample *s);
OC_API void oc_sample_free(oc_sample *s);

/* A decision (and its trace, may be NULL) as one JSON object:
 * {"verdict", "rule", "layer", "file", "line", "egress", "trace": [...]}.
 * free() the result; NULL on allocation failure. */
OC_API char *oc_decision_to_json(const oc_context *ctx, const oc_decision *d, const oc_trace *trace,
	uint64_t generation);

#ifdef __cplusplus
}
#endif
#endif
