/* The engine's view of index-friendly conditions (oc_expr_host_tests). */
#include "context/field.h"
#include "expr/compiler.h"

static bool host_field(const oc_expr *e, uint32_t id, oc_field *f)
{
	const oc_expr_node *n = &e->nodes[id];
	if (n->op != OC_OP_FIELD || !oc_field_is_host((oc_field)n->sub))
		return false;
	*f = (oc_field)n->sub;
	return true;
}

static bool literal(const oc_expr *e, uint32_t id, const char **s)
{
	const oc_expr_node *n = &e->nodes[id];
	if (n->op != OC_OP_STRING)
		return false;
	*s = oc_expr_str(e, n);
	return true;
}

/* FIELD == "lit", "lit" == FIELD or FIELD.endsWith("lit"). */
static bool host_test(const oc_expr *e, uint32_t id, oc_host_test *t)
{
	const oc_expr_node *n = &e->nodes[id];
	if (n->op == OC_OP_EQ) {
		t->kind = OC_HOST_TEST_EQ;
		return (host_field(e, n->a, &t->field) && literal(e, n->b, &t->value)) ||
			(host_field(e, n->b, &t->field) && literal(e, n->a, &t->value));
	}
	t->kind = OC_HOST_TEST_SUFFIX;
	return n->op == OC_OP_ENDS && host_field(e, n->a, &t->field) && literal(e, n->b, &t->value);
}

/* Appends the tests of a disjunction, however it is parenthesised;
 * false as soon as one operand is something else. */
static bool collect(const oc_expr *e, uint32_t id, oc_buf *out, int *rc)
{
	const oc_expr_node *n = &e->nodes[id];
	if (n->op == OC_OP_OR) {
		for (uint32_t i = 0; i < n->b; i++)
			if (!collect(e, e->args[n->a + i], out, rc))
				return false;
		return true;
	}
	oc_host_test t;
	if (!host_test(e, id, &t))
		return false;
	*rc = oc_buf_append(out, &t, sizeof(t));
	return *rc == 0;
}

int oc_expr_host_tests_build(oc_expr *e)
{
	oc_buf tests = OC_BUF_INIT;
	int rc = 0;
	if (collect(e, e->root, &tests, &rc)) {
		e->nhost_tests = tests.len / sizeof(oc_host_test);
		e->host_tests = (oc_host_test *)(void *)oc_buf_steal(&tests);
	}
	oc_buf_free(&tests);
	return rc;
}

bool oc_expr_host_tests(const oc_expr *e, const oc_host_test **tests, size_t *n)
{
	if (!e->host_tests)
		return false;
	*tests = e->host_tests;
	*n = e->nhost_tests;
	return true;
}
