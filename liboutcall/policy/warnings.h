#ifndef OC_POLICY_WARNINGS_H
#define OC_POLICY_WARNINGS_H

#include <outcall/policy.h>
#include "core/error.h"

oc_warnings *oc_warnings_new(void);
/* Adds "file:line: [rule 'id': ]text". Returns 0 or OC_ENOMEM. */
int oc_warnings_add(oc_warnings *w, const char *file, int line, const char *rule_id,
	const char *fmt, ...) OC_PRINTF(5, 6);

#endif
