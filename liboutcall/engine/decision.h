#ifndef OC_ENGINE_DECISION_H
#define OC_ENGINE_DECISION_H

#include <outcall/engine.h>
#include "policy/ruleset.h"

/* Fills a decision for rule r, or the default block when r is NULL. */
void oc_decision_fill(oc_decision *out, const oc_rule *r);

#endif
