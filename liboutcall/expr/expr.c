/* oc_expr_compile and the life of a compiled expression. */
#include <stdlib.h>
#include <string.h>

#include "expr/compiler.h"

/* Longest condition or definition text, in bytes; offsets are 32-bit. */
#define TEXT_MAX (16u << 20)

static void compiler_free(oc_expr_compiler *c)
{
	pcre2_code **re = (pcre2_code **)(void *)c->regex.data;
	for (size_t i = 0; i < c->regex.len / sizeof(*re); i++)
		pcre2_code_free(re[i]);
	pcre2_match_context_free(c->match_ctx);
	oc_buf_free(&c->nodes);
	oc_buf_free(&c->info);
	oc_buf_free(&c->args);
	oc_buf_free(&c->regex);
	oc_buf_free(&c->pool);
	oc_buf_free(&c->expanding);
	free(c->expanded);
}

void oc_expr_free(oc_expr *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; i < e->nregex; i++)
		pcre2_code_free(e->regex[i]);
	free(e->regex);
	pcre2_match_context_free(e->match_ctx);
	free((void *)e->nodes);
	free((void *)e->info);
	free((void *)e->args);
	free((void *)e->pool);
	for (size_t i = 0; i < e->ntexts; i++)
		free(e->texts[i]);
	free(e->texts);
	free(e->host_tests);
	free(e);
}

/* Copies of the texts that node spans point into, for explanations. */
static int keep_texts(oc_expr *e, const oc_expr_compiler *c)
{
	e->ntexts = c->src->ndefs + 1;
	e->texts = calloc(e->ntexts, sizeof(char *));
	if (!e->texts)
		return oc_error_nomem();
	for (size_t i = 0; i < e->ntexts; i++) {
		if (i > 0 && !c->expanded[i - 1])
			continue;
		e->texts[i] = strdup(oc_expr_source_text(c, (uint32_t)i));
		if (!e->texts[i])
			return oc_error_nomem();
	}
	return 0;
}

/* Moves the compiler's arrays into a new expression. */
static int finish(oc_expr_compiler *c, uint32_t root, oc_expr **out)
{
	oc_expr *e = calloc(1, sizeof(*e));
	if (!e)
		return oc_error_nomem();
	e->root = root;
	e->fields = oc_expr_info_at(c, root)->fields;
	e->nnodes = (uint32_t)(c->nodes.len / sizeof(oc_expr_node));
	e->nregex = (uint32_t)(c->regex.len / sizeof(pcre2_code *));
	e->nodes = (oc_expr_node *)(void *)oc_buf_steal(&c->nodes);
	e->info = (oc_expr_info *)(void *)oc_buf_steal(&c->info);
	e->args = (uint32_t *)(void *)oc_buf_steal(&c->args);
	e->pool = oc_buf_steal(&c->pool);
	e->regex = (pcre2_code **)(void *)oc_buf_steal(&c->regex);
	e->match_ctx = c->match_ctx;
	c->match_ctx = NULL;
	int rc = 0;
	if (!e->nodes || !e->info || !e->args || !e->pool || !e->regex)
		rc = oc_error_nomem();
	if (!rc)
		rc = keep_texts(e, c);
	if (!rc)
		rc = oc_expr_host_tests_build(e);
	if (rc) {
		oc_expr_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

static int check_source(const oc_expr_source *src)
{
	if (!src || !src->text || (src->ndefs && !src->defs))
		return oc_error_set(OC_EINVAL, "oc_expr_compile: NULL condition or definitions");
	if (src->ndefs >= UINT16_MAX)
		return oc_error_set(OC_ELIMIT, "%s: more than %d definitions", src->file ? src->file : "expression",
			UINT16_MAX - 1);
	bool long_text = strnlen(src->text, TEXT_MAX) == TEXT_MAX;
	for (size_t i = 0; i < src->ndefs && !long_text; i++)
		long_text = !src->defs[i].name || !src->defs[i].text ||
			strnlen(src->defs[i].text, TEXT_MAX) == TEXT_MAX;
	if (long_text) {
		oc_error_site site = { src->file, src->line, src->column, src->rule_id };
		return oc_error_set_at(OC_ELIMIT, &site, "condition or definition missing or longer than %u MiB",
			TEXT_MAX >> 20);
	}
	return 0;
}

int oc_expr_compile(const oc_expr_source *src, oc_expr **out)
{
	if (!out)
		return oc_error_set(OC_EINVAL, "oc_expr_compile: NULL output");
	*out = NULL;
	int rc = check_source(src);
	if (rc)
		return rc;
	oc_expr_compiler c = { .src = src };
	c.expanded = calloc(src->ndefs + 1, sizeof(bool));
	if (!c.expanded)
		return oc_error_nomem();

	uint32_t root = oc_expr_parse(&c, 0);
	if (root != OC_EXPR_NIL && oc_expr_node_at(&c, root)->type != OC_T_BOOL) {
		const oc_expr_info *in = oc_expr_info_at(&c, root);
		oc_expr_fail(&c, in->src, in->off, "a condition must be true or false, but this "
			"expression gives a %s", oc_expr_node_at(&c, root)->type == OC_T_INT ? "number" :
			oc_expr_node_at(&c, root)->type == OC_T_STRING ? "string" : "list or map");
		root = OC_EXPR_NIL;
	}
	rc = root == OC_EXPR_NIL || c.rc ? c.rc : finish(&c, root, out);
	compiler_free(&c);
	return rc;
}

uint32_t oc_expr_fields(const oc_expr *e)
{
	return e->fields;
}
