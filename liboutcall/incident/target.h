/*
 * What an incident command acts on, read from a host API body: exactly one
 * of {"agent": A}, {"network": N}, {"rule": ID} or {"all": true} (each
 * command allows some of them), and an optional operator's reason. An
 * ambiguous body (two selectors, none, "all": false) is refused, never
 * widened: lockdown and flush must touch exactly what the operator named.
 */
#ifndef OC_INCIDENT_TARGET_H
#define OC_INCIDENT_TARGET_H

#include <jansson.h>
#include <stdbool.h>


/* Room for the longest name: a rule id, 128 characters (PRODUCT.md §4). */
#define OC_TARGET_NAME_MAX 129

enum oc_target_kind {
	OC_TARGET_AGENT = 1u << 0,
	OC_TARGET_NETWORK = 1u << 1,
	OC_TARGET_RULE = 1u << 2,
	OC_TARGET_ALL = 1u << 3,
};

struct oc_target {
	enum oc_target_kind kind;
	char name[OC_TARGET_NAME_MAX];  /* agent, network or rule id; "" for all */
};

/* Reads the selector of body; `allowed` is a mask of oc_target_kind.
 * OC_EINVAL naming what is wrong. */
int oc_target_parse(json_t *body, unsigned allowed, struct oc_target *out);
/* "agent A", "network N", "rule R", "all" into buf. */
void oc_target_text(const struct oc_target *t, char *buf, size_t size);

/* The optional "reason": plain text (core/text.h) of fewer than `cap`
 * bytes, copied into out ("" when absent). OC_EINVAL otherwise. */
int oc_reason_parse(json_t *body, char *out, size_t cap);

#endif
