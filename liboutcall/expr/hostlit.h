/* Compile-time normalisation of literals compared with host names and
 * header names (expr.h), so that rules and requests meet in one form. */
#ifndef OC_EXPR_HOSTLIT_H
#define OC_EXPR_HOSTLIT_H

#include "expr/compiler.h"

typedef enum oc_hostlit_kind {
	OC_HOSTLIT_EQUAL,  /* ==, !=, in: the whole name */
	OC_HOSTLIT_SUFFIX, /* endsWith */
	OC_HOSTLIT_PART,   /* startsWith, contains */
} oc_hostlit_kind;

/* Lower-cases the ASCII letters of STRING node `id` in place. */
void oc_expr_lower_literal(oc_expr_compiler *c, uint32_t id);

/* Puts STRING node `id`, compared with a host field, into host normal
 * form: ASCII lower case; for EQUAL one trailing dot removed; non-ASCII
 * text becomes A-labels where it is made of whole labels (EQUAL, or a
 * SUFFIX starting with '.') and is an error otherwise, since it could
 * never match a normalised host. Returns false after reporting an error. */
bool oc_expr_host_literal(oc_expr_compiler *c, uint32_t id, oc_hostlit_kind kind);

#endif
