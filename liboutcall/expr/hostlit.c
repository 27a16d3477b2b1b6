#include <stdio.h>
#include <string.h>

#include "expr/hostlit.h"

void oc_expr_lower_literal(oc_expr_compiler *c, uint32_t id)
{
	const oc_expr_node *n = oc_expr_node_at(c, id);
	char *s = c->pool.data + n->a;
	for (uint32_t i = 0; i < n->b; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + ('a' - 'A'));
}

static bool fail(oc_expr_compiler *c, uint32_t id, const char *what)
{
	const oc_expr_info *in = oc_expr_info_at(c, id);
	oc_expr_fail(c, in->src, in->off, "%s", what);
	return false;
}

bool oc_expr_host_literal(oc_expr_compiler *c, uint32_t id, oc_hostlit_kind kind)
{
	oc_expr_node *n = oc_expr_node_at(c, id);
	char *s = c->pool.data + n->a;
	size_t len = n->b;
	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		ascii = ascii && (unsigned char)s[i] < 0x80;
	if (ascii) {
		oc_expr_lower_literal(c, id);
		if (kind == OC_HOSTLIT_EQUAL && len > 0 && s[len - 1] == '.') {
			s[len - 1] = '\0';
			n->b--;
		}
		return true;
	}

	if (kind == OC_HOSTLIT_PART)
		return fail(c, id, "host names are compared in A-label form (xn--...), so non-ASCII text "
			"can only be compared as whole labels: with ==, 'in' or endsWith(\".label\")");
	size_t skip = kind == OC_HOSTLIT_SUFFIX ? 1 : 0;
	if (kind == OC_HOSTLIT_SUFFIX && s[0] != '.')
		return fail(c, id, "endsWith() on a host name with non-ASCII text needs whole labels: "
			"start the text with '.'");
	if (memchr(s, '\0', len))
		return fail(c, id, "a host name cannot contain a NUL byte");

	char out[OC_HOSTNAME_MAX + 1] = ".";
	int w = oc_hostname_normalize(s + skip, out + skip, sizeof(out) - skip);
	if (w < 0) {
		char why[400];
		snprintf(why, sizeof(why), "%s", oc_error_last()->message);
		return fail(c, id, why);
	}
	const oc_expr_info *in = oc_expr_info_at(c, id);
	uint32_t at = oc_expr_add_string(c, out, skip + (size_t)w, in->src, in->off);
	if (at == OC_EXPR_NIL)
		return false;
	n = oc_expr_node_at(c, id);
	n->a = at;
	n->b = (uint32_t)(skip + (size_t)w);
	return true;
}
