/* Compile errors: where in the file, and where in the condition. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "expr/compiler.h"

const char *oc_expr_source_text(const oc_expr_compiler *c, uint32_t src)
{
	return src == 0 ? c->src->text : c->src->defs[src - 1].text;
}

/* 1-based line and byte column of `off` inside `text`. */
static void text_pos(const char *text, uint32_t off, int *line, int *col)
{
	int l = 1;
	uint32_t line_start = 0;
	for (uint32_t i = 0; i < off && text[i]; i++)
		if (text[i] == '\n') {
			l++;
			line_start = i + 1;
		}
	*line = l;
	*col = (int)(off - line_start) + 1;
}

/* Where a position inside a text lies in the file, given where the text
 * starts: lines add up and columns are offset by the text's own column.
 * A text spans several lines only as a YAML block scalar, whose lines all
 * lost the same indentation (the start column), so the offset holds on
 * every line. Unknown (0) when the start is unknown. */
static void file_pos(int base_line, int base_col, int tline, int tcol, int *line, int *col)
{
	*line = base_line > 0 ? base_line + tline - 1 : 0;
	*col = base_line > 0 && base_col > 0 ? base_col + tcol - 1 : 0;
}

uint32_t oc_expr_vfail(oc_expr_compiler *c, uint32_t src, uint32_t off, const char *fmt, va_list ap)
{
	if (c->rc)
		return OC_EXPR_NIL; /* the first error is the one reported */
	char msg[640];
	vsnprintf(msg, sizeof(msg), fmt, ap);

	const oc_expr_source *s = c->src;
	int tl, tc;
	text_pos(oc_expr_source_text(c, src), off, &tl, &tc);
	oc_error_site site = { s->file, 0, 0, s->rule_id };
	if (src == 0) {
		file_pos(s->line, s->column, tl, tc, &site.line, &site.column);
		oc_error_set_at(OC_EPARSE, &site, "condition %d:%d: %s", tl, tc, msg);
	} else {
		const oc_expr_def *d = &s->defs[src - 1];
		int rl, rc;
		text_pos(s->text, c->ref_off, &rl, &rc);
		file_pos(d->line, d->column, tl, tc, &site.line, &site.column);
		oc_error_set_at(OC_EPARSE, &site, "definition $%s %d:%d (used at condition %d:%d): %s",
			d->name, tl, tc, rl, rc, msg);
	}
	c->rc = OC_EPARSE;
	return OC_EXPR_NIL;
}

uint32_t oc_expr_fail(oc_expr_compiler *c, uint32_t src, uint32_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	oc_expr_vfail(c, src, off, fmt, ap);
	va_end(ap);
	return OC_EXPR_NIL;
}

uint32_t oc_expr_nomem(oc_expr_compiler *c)
{
	if (!c->rc)
		c->rc = oc_error_nomem();
	return OC_EXPR_NIL;
}
