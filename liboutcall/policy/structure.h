/*
 * The structural pass over a rule file: a walk of libyaml's events guided
 * by the libcyaml schema. It does what libcyaml cannot: report unknown,
 * duplicate and missing keys and wrong node kinds at their exact line and
 * column, refuse aliases and multiple documents, read the author-named
 * `definitions` map, and remember where every rule and value starts so
 * later errors (duplicate ids, condition errors) can name their line.
 * libcyaml then loads the (now structurally valid) file into typed data.
 */
#ifndef OC_POLICY_STRUCTURE_H
#define OC_POLICY_STRUCTURE_H

#include <stddef.h>
#include "expr/expr.h"
#include "policy/schema.h"

typedef struct oc_pos {
	int line, column; /* 1-based; 0 when absent */
} oc_pos;

typedef struct oc_rule_pos {
	oc_pos start;
	oc_pos value[RK_COUNT];         /* where each key's value starts */
	oc_pos egress_value[EK_COUNT];
	oc_pos condition_text;          /* first character of the condition */
	char *id;                       /* the id as written, for messages; or NULL */
} oc_rule_pos;

typedef struct oc_file_pos {
	oc_pos value[FK_COUNT];
	oc_rule_pos *rules;
	size_t nrules;
	oc_expr_def *defs;              /* name and text are owned here */
	size_t ndefs;
	bool empty;                     /* no document, or an empty one */
} oc_file_pos;

/* Walks `data` (the file named `file`). On error returns OC_EPARSE with the
 * last error set to file:line:column and what is wrong. */
int oc_structure_scan(const char *file, const char *data, size_t len, oc_file_pos *out);
void oc_structure_free(oc_file_pos *fp);

#endif
