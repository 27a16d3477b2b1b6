/* Node storage during compilation: growable arrays in oc_bufs. */
#include <string.h>

#include "expr/compiler.h"

/* Literal text one condition may hold, definitions expanded. */
#define POOL_MAX (16u << 20)

oc_expr_node *oc_expr_node_at(const oc_expr_compiler *c, uint32_t id)
{
	return (oc_expr_node *)(void *)c->nodes.data + id;
}

oc_expr_info *oc_expr_info_at(const oc_expr_compiler *c, uint32_t id)
{
	return (oc_expr_info *)(void *)c->info.data + id;
}

uint32_t *oc_expr_args_at(const oc_expr_compiler *c, uint32_t first)
{
	return (uint32_t *)(void *)c->args.data + first;
}

uint32_t oc_expr_add(oc_expr_compiler *c, oc_expr_node node, uint32_t src, uint32_t off, uint32_t len)
{
	uint32_t id = (uint32_t)(c->nodes.len / sizeof(node));
	if (id >= OC_EXPR_MAX_NODES)
		return oc_expr_fail(c, src, off, "expression too large: more than %d nodes "
			"with definitions expanded", OC_EXPR_MAX_NODES);

	oc_expr_info info = { .off = off, .len = len, .src = (uint16_t)src, .height = 1 };
	if (node.op == OC_OP_FIELD)
		info.fields = OC_FIELD_BIT(node.sub);
	/* The node is not stored yet: describe it to kids_of as a one-node
	 * array of its own. */
	oc_expr_kids k;
	oc_expr_kids_of(&node, (const uint32_t *)(void *)c->args.data, 0, &k);
	for (uint32_t i = 0; i < k.n; i++) {
		const oc_expr_info *ki = oc_expr_info_at(c, k.id[i]);
		info.fields |= ki->fields;
		if (ki->height + 1 > info.height)
			info.height = (uint16_t)(ki->height + 1);
	}
	if (info.height > OC_EXPR_MAX_DEPTH)
		return oc_expr_fail(c, src, off, "expression nested too deeply (more than %d levels)",
			OC_EXPR_MAX_DEPTH);

	if (oc_buf_append(&c->nodes, &node, sizeof(node)) ||
	    oc_buf_append(&c->info, &info, sizeof(info)))
		return oc_expr_nomem(c);
	return id;
}

uint32_t oc_expr_add_args(oc_expr_compiler *c, const uint32_t *ids, uint32_t n)
{
	uint32_t first = (uint32_t)(c->args.len / sizeof(uint32_t));
	if (oc_buf_append(&c->args, ids, n * sizeof(uint32_t)))
		return oc_expr_nomem(c);
	return first;
}

uint32_t oc_expr_add_string(oc_expr_compiler *c, const char *s, size_t n, uint32_t src, uint32_t off)
{
	if (n >= POOL_MAX - c->pool.len)
		return oc_expr_fail(c, src, off, "expression too large: more than %u MiB of text "
			"with definitions expanded", POOL_MAX >> 20);
	uint32_t at = (uint32_t)c->pool.len;
	if (oc_buf_append(&c->pool, s, n) || oc_buf_append(&c->pool, "", 1))
		return oc_expr_nomem(c);
	return at;
}
