/*
 * The compiled form of an expression: a flat array of 16-byte nodes that
 * refer to each other by index, a separate array of child lists (for
 * lists, && and ||), and one pool of string literals with their lengths
 * precomputed. Evaluation reads only these; everything a person needs
 * (source spans, which fields a node reads) lives in a parallel "cold"
 * array so it stays out of the evaluator's cache lines.
 */
#ifndef OC_EXPR_NODE_H
#define OC_EXPR_NODE_H

#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr/expr.h"

#define OC_EXPR_NIL UINT32_MAX

typedef enum oc_type {
	OC_T_BOOL,
	OC_T_INT,
	OC_T_STRING,
	OC_T_LIST,
	OC_T_MAP,
	OC_T_NONE, /* the element type of an empty list: compatible with anything */
} oc_type;

/* Operand use per op: "a, b" are child node indexes unless stated. */
typedef enum oc_op {
	OC_OP_BOOL,     /* a: 0 or 1 */
	OC_OP_INT,      /* i */
	OC_OP_STRING,   /* a: pool offset, b: length (the pool holds a NUL after it) */
	OC_OP_LIST,     /* args[a .. a+b) */
	OC_OP_FIELD,    /* sub: the oc_field */
	OC_OP_NOT,      /* a */
	OC_OP_AND,      /* args[a .. a+b) */
	OC_OP_OR,       /* args[a .. a+b) */
	OC_OP_COND,     /* a ? b : c */
	OC_OP_EQ,       /* a == b; sub: operand type (also for NE .. GE) */
	OC_OP_NE,
	OC_OP_LT,
	OC_OP_LE,
	OC_OP_GT,
	OC_OP_GE,
	OC_OP_IN_LIST,  /* a in b (b is a LIST node) */
	OC_OP_IN_MAP,   /* a in b (b is a map FIELD node) */
	OC_OP_INDEX,    /* a[b] (a is a map FIELD node) */
	OC_OP_STARTS,   /* a.startsWith(b) */
	OC_OP_ENDS,     /* a.endsWith(b) */
	OC_OP_CONTAINS, /* a.contains(b) */
	OC_OP_MATCHES,  /* a.matches(...); b: regex index */
	OC_OP_LOWER,    /* a.lowerAscii() */
	OC_OP_SIZE,     /* size(a); sub: operand type */
} oc_op;

enum {
	/* LIST: every element is free of fields, so `in` may stop at the
	 * first hit (no later element can be unknown). */
	OC_NODE_CONST_ELEMS = 1,
	/* INDEX, IN_MAP on http.headers with a computed key: compare the key
	 * ASCII case-insensitively (header names are lower case). */
	OC_NODE_FOLD_KEY = 2,
};

typedef struct oc_expr_node {
	uint8_t op;    /* oc_op */
	uint8_t type;  /* oc_type of the result */
	uint8_t sub;
	uint8_t flags;
	uint32_t a;
	union {
		struct {
			uint32_t b, c;
		};
		int64_t i;
	};
} oc_expr_node;

/* What only compile errors, explanations and oc_expr_fields need. */
typedef struct oc_expr_info {
	uint32_t fields;  /* OC_FIELD_BIT()s read by the node and its children */
	uint32_t off;     /* source span of the node in texts[src] */
	uint32_t len;
	uint16_t src;     /* 0: the condition; k: definition k-1 */
	uint16_t height;  /* 1 for a leaf; bounds every recursion over the tree */
} oc_expr_info;

struct oc_expr {
	/* Hot: evaluation. */
	const oc_expr_node *nodes;
	const uint32_t *args;
	const char *pool;
	pcre2_code **regex;
	pcre2_match_context *match_ctx;
	uint32_t root;
	uint32_t fields;

	/* Cold. */
	const oc_expr_info *info;
	uint32_t nnodes, nregex;
	char **texts;              /* copies of the sources spans refer to; unused ones NULL */
	size_t ntexts;
	oc_host_test *host_tests;  /* NULL unless the whole expression is host tests */
	size_t nhost_tests;
};

/* The children of a node, whichever way the op stores them, in source
 * order. `id` points either into the args array or into `own`, so the
 * struct must not be copied. */
typedef struct oc_expr_kids {
	const uint32_t *id;
	uint32_t n;
	uint32_t own[3];
} oc_expr_kids;

void oc_expr_kids_of(const oc_expr_node *nodes, const uint32_t *args, uint32_t id, oc_expr_kids *k);

/* The literal text of a STRING node. */
static inline const char *oc_expr_str(const oc_expr *e, const oc_expr_node *n)
{
	return e->pool + n->a;
}

#endif
