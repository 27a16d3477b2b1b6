#include "expr/node.h"

void oc_expr_kids_of(const oc_expr_node *nodes, const uint32_t *args, uint32_t id, oc_expr_kids *k)
{
	const oc_expr_node *n = &nodes[id];
	k->id = k->own;
	k->n = 0;
	switch ((oc_op)n->op) {
	case OC_OP_LIST:
	case OC_OP_AND:
	case OC_OP_OR:
		k->id = args + n->a;
		k->n = n->b;
		break;
	case OC_OP_COND:
		k->own[2] = n->c;
		k->n++;
		/* fall through */
	case OC_OP_EQ:
	case OC_OP_NE:
	case OC_OP_LT:
	case OC_OP_LE:
	case OC_OP_GT:
	case OC_OP_GE:
	case OC_OP_IN_LIST:
	case OC_OP_IN_MAP:
	case OC_OP_INDEX:
	case OC_OP_STARTS:
	case OC_OP_ENDS:
	case OC_OP_CONTAINS:
		k->own[1] = n->b;
		k->n++;
		/* fall through */
	case OC_OP_NOT:
	case OC_OP_MATCHES:
	case OC_OP_LOWER:
	case OC_OP_SIZE:
		k->own[0] = n->a;
		k->n++;
		break;
	case OC_OP_BOOL:
	case OC_OP_INT:
	case OC_OP_STRING:
	case OC_OP_FIELD:
		break;
	}
}
