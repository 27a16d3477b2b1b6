#include "policy/structure.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/error.h"

enum map_kind { MAP_FILE, MAP_RULE, MAP_EGRESS };

struct walker {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *file;
	const char *data;
	size_t len;
	oc_file_pos *out;
	const char *rule_id; /* id of the rule being walked, once seen */
};

static oc_pos pos_of(const yaml_mark_t *m)
{
	return (oc_pos){ (int)m->line + 1, (int)m->column + 1 };
}

static int fail(struct walker *w, const yaml_mark_t *m, const char *fmt, ...) OC_PRINTF(3, 4);
static int fail(struct walker *w, const yaml_mark_t *m, const char *fmt, ...)
{
	oc_error_site site = { w->file, (int)m->line + 1, (int)m->column + 1, w->rule_id };
	va_list ap;
	va_start(ap, fmt);
	oc_error_vset_at(OC_EPARSE, &site, fmt, ap);
	va_end(ap);
	return OC_EPARSE;
}

static int next(struct walker *w)
{
	if (w->have_ev)
		yaml_event_delete(&w->ev);
	w->have_ev = false;
	if (!yaml_parser_parse(&w->parser, &w->ev)) {
		const yaml_mark_t *m = &w->parser.problem_mark;
		if (w->parser.context)
			return fail(w, m, "YAML syntax error: %s %s", w->parser.problem
				? w->parser.problem : "unknown problem", w->parser.context);
		return fail(w, m, "YAML syntax error: %s",
			w->parser.problem ? w->parser.problem : "unknown problem");
	}
	w->have_ev = true;
	if (w->ev.type == YAML_ALIAS_EVENT)
		return fail(w, &w->ev.start_mark, "YAML aliases are not allowed in rule files");
	return 0;
}

static const char *scalar(const yaml_event_t *ev)
{
	return (const char *)ev->data.scalar.value;
}

/* Where the text of a scalar begins: after the opening quote, or on the
 * line after a block scalar's `|`/`>` header. Condition errors are
 * reported relative to this. */
static oc_pos text_pos(const struct walker *w, const yaml_event_t *ev)
{
	oc_pos p = pos_of(&ev->start_mark);
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		p.column++;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE: {
		size_t i = ev->start_mark.index;
		while (i < w->len && w->data[i] != '\n')
			i++;
		if (i >= w->len)
			break;
		i++;
		size_t col = 1;
		while (i < w->len && w->data[i] == ' ') {
			i++;
			col++;
		}
		p.line++;
		p.column = (int)col;
		break;
	}
	default:
		break;
	}
	return p;
}

static void expected_keys(const cyaml_schema_field_t *fields, oc_buf *b)
{
	for (size_t i = 0; fields[i].key; i++)
		oc_buf_printf(b, "%s%s", i ? ", " : "", fields[i].key);
}

static const char *kind_of_value(const cyaml_schema_value_t *v)
{
	switch (v->type) {
	case CYAML_INT:
	case CYAML_UINT: return "a whole number";
	case CYAML_BOOL: return "true or false";
	case CYAML_ENUM: return "a word";
	case CYAML_STRING: return "a string";
	case CYAML_MAPPING: return "a mapping";
	case CYAML_SEQUENCE: return "a list";
	default: return "a value";
	}
}

static const char *event_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT: return "a mapping";
	case YAML_SEQUENCE_START_EVENT: return "a list";
	case YAML_SCALAR_EVENT: return "a scalar";
	default: return "something else";
	}
}

static int walk_mapping(struct walker *w, enum map_kind kind, const cyaml_schema_field_t *fields);

static int expect_scalar(struct walker *w, const char *key, const cyaml_schema_value_t *v)
{
	if (w->ev.type != YAML_SCALAR_EVENT)
		return fail(w, &w->ev.start_mark, "'%s' must be %s, not %s", key,
			kind_of_value(v), event_kind(&w->ev));
	/* libcyaml reads every word but a few as true: `allow_private_ips: nope`
	 * would open the private ranges. Only the two words are accepted. */
	if (v->type == CYAML_BOOL && strcasecmp(scalar(&w->ev), "true") != 0 &&
	    strcasecmp(scalar(&w->ev), "false") != 0)
		return fail(w, &w->ev.start_mark, "'%s' must be true or false, not '%s'", key,
			scalar(&w->ev));
	return 0;
}

static int walk_sequence(struct walker *w, const char *key, const cyaml_schema_value_t *seq)
{
	if (w->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(w, &w->ev.start_mark, "'%s' must be a list, not %s", key, event_kind(&w->ev));
	const cyaml_schema_value_t *entry = seq->sequence.entry;
	for (;;) {
		int rc = next(w);
		if (rc)
			return rc;
		if (w->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (entry->type != CYAML_MAPPING) {
			rc = expect_scalar(w, key, entry);
			if (rc)
				return rc;
			continue;
		}
		/* The only list of mappings in the schema is `rules`. */
		oc_file_pos *fp = w->out;
		oc_rule_pos *grown = realloc(fp->rules, (fp->nrules + 1) * sizeof(*grown));
		if (!grown)
			return oc_error_nomem();
		fp->rules = grown;
		memset(&fp->rules[fp->nrules], 0, sizeof(*grown));
		fp->rules[fp->nrules].start = pos_of(&w->ev.start_mark);
		fp->nrules++;
		w->rule_id = NULL;
		rc = walk_mapping(w, MAP_RULE, entry->mapping.fields);
		w->rule_id = NULL;
		if (rc)
			return rc;
	}
}

static bool valid_def_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int walk_definitions(struct walker *w)
{
	if (w->ev.type != YAML_MAPPING_START_EVENT)
		return fail(w, &w->ev.start_mark,
			"'definitions' must be a mapping of names to expressions, not %s",
			event_kind(&w->ev));
	oc_file_pos *fp = w->out;
	for (;;) {
		int rc = next(w);
		if (rc)
			return rc;
		if (w->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (w->ev.type != YAML_SCALAR_EVENT)
			return fail(w, &w->ev.start_mark, "definition names must be plain words");
		const char *name = scalar(&w->ev);
		if (!valid_def_name(name))
			return fail(w, &w->ev.start_mark,
				"invalid definition name '%s': use letters, digits and '_', "
				"starting with a letter or '_'", name);
		for (size_t i = 0; i < fp->ndefs; i++)
			if (strcmp(fp->defs[i].name, name) == 0)
				return fail(w, &w->ev.start_mark,
					"definition '%s' is defined twice (first at line %d)",
					name, fp->defs[i].line);
		char *dup_name = strdup(name);
		if (!dup_name)
			return oc_error_nomem();
		rc = next(w);
		if (rc) {
			free(dup_name);
			return rc;
		}
		if (w->ev.type != YAML_SCALAR_EVENT) {
			free(dup_name);
			return fail(w, &w->ev.start_mark,
				"definition must be an expression string, not %s", event_kind(&w->ev));
		}
		oc_expr_def *grown = realloc(fp->defs, (fp->ndefs + 1) * sizeof(*grown));
		char *text = strdup(scalar(&w->ev));
		if (!grown || !text) {
			free(dup_name);
			free(text);
			if (grown)
				fp->defs = grown;
			return oc_error_nomem();
		}
		fp->defs = grown;
		oc_pos tp = text_pos(w, &w->ev);
		fp->defs[fp->ndefs++] = (oc_expr_def){ .name = dup_name, .text = text,
			.line = tp.line, .column = tp.column };
	}
}

static void record(struct walker *w, enum map_kind kind, size_t field)
{
	oc_file_pos *fp = w->out;
	oc_pos p = pos_of(&w->ev.start_mark);
	switch (kind) {
	case MAP_FILE:
		fp->value[field] = p;
		break;
	case MAP_RULE: {
		oc_rule_pos *rp = &fp->rules[fp->nrules - 1];
		rp->value[field] = p;
		if (field == RK_CONDITION && w->ev.type == YAML_SCALAR_EVENT)
			rp->condition_text = text_pos(w, &w->ev);
		break;
	}
	case MAP_EGRESS:
		fp->rules[fp->nrules - 1].egress_value[field] = p;
		break;
	}
}

static int walk_mapping(struct walker *w, enum map_kind kind, const cyaml_schema_field_t *fields)
{
	if (w->ev.type != YAML_MAPPING_START_EVENT) {
		if (kind == MAP_FILE)
			return fail(w, &w->ev.start_mark, "a rule file must be a mapping with "
				"'version' and 'rules', not %s", event_kind(&w->ev));
		return fail(w, &w->ev.start_mark, "%s must be a mapping, not %s",
			kind == MAP_RULE ? "a rule" : "'egress'", event_kind(&w->ev));
	}
	yaml_mark_t start = w->ev.start_mark;
	uint32_t seen = 0;
	/* Remember the rule id text for error messages in the rest of the rule. */
	char id_copy[160] = "";
	for (;;) {
		int rc = next(w);
		if (rc)
			return rc;
		if (w->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (w->ev.type != YAML_SCALAR_EVENT)
			return fail(w, &w->ev.start_mark, "keys must be plain words, not %s",
				event_kind(&w->ev));
		const char *key = scalar(&w->ev);
		size_t f = 0;
		while (fields[f].key && strcmp(fields[f].key, key) != 0)
			f++;
		if (!fields[f].key) {
			oc_buf names = OC_BUF_INIT;
			expected_keys(fields, &names);
			rc = fail(w, &w->ev.start_mark, "unknown key '%s' (expected one of: %s)",
				key, names.data ? names.data : "");
			oc_buf_free(&names);
			return rc;
		}
		if (seen & (1u << f))
			return fail(w, &w->ev.start_mark, "duplicate key '%s'", key);
		seen |= 1u << f;
		const cyaml_schema_value_t *v = &fields[f].value;
		rc = next(w);
		if (rc)
			return rc;
		record(w, kind, f);
		switch (v->type) {
		case CYAML_MAPPING:
			rc = walk_mapping(w, MAP_EGRESS, v->mapping.fields);
			break;
		case CYAML_SEQUENCE:
			rc = walk_sequence(w, fields[f].key, v);
			break;
		case CYAML_IGNORE:
			rc = walk_definitions(w);
			break;
		default:
			rc = expect_scalar(w, fields[f].key, v);
			if (!rc && kind == MAP_RULE && f == RK_ID) {
				snprintf(id_copy, sizeof(id_copy), "%s", scalar(&w->ev));
				w->rule_id = id_copy;
				oc_rule_pos *rp = &w->out->rules[w->out->nrules - 1];
				if (!(rp->id = strdup(scalar(&w->ev))))
					rc = oc_error_nomem();
			}
			break;
		}
		if (rc)
			return rc;
	}
	for (size_t f = 0; fields[f].key; f++) {
		if (!(fields[f].value.flags & CYAML_FLAG_OPTIONAL) && !(seen & (1u << f)))
			return fail(w, &start, "missing required key '%s'", fields[f].key);
	}
	if (kind == MAP_RULE)
		w->rule_id = NULL;
	return 0;
}

static int walk_document(struct walker *w)
{
	int rc = next(w); /* STREAM_START */
	if (rc)
		return rc;
	rc = next(w);
	if (rc)
		return rc;
	if (w->ev.type == YAML_STREAM_END_EVENT) {
		w->out->empty = true;
		return 0;
	}
	rc = next(w); /* the root node after DOCUMENT_START */
	if (rc)
		return rc;
	if (w->ev.type == YAML_SCALAR_EVENT && scalar(&w->ev)[0] == '\0'
	    && w->ev.data.scalar.plain_implicit) {
		w->out->empty = true;
		return 0;
	}
	rc = walk_mapping(w, MAP_FILE, oc_policy_file_fields);
	if (rc)
		return rc;
	rc = next(w); /* DOCUMENT_END */
	if (rc)
		return rc;
	rc = next(w);
	if (rc)
		return rc;
	if (w->ev.type != YAML_STREAM_END_EVENT)
		return fail(w, &w->ev.start_mark,
			"only one YAML document per rule file (found a second '---')");
	return 0;
}

int oc_structure_scan(const char *file, const char *data, size_t len, oc_file_pos *out)
{
	memset(out, 0, sizeof(*out));
	struct walker w = { .file = file, .data = data, .len = len, .out = out };
	if (!yaml_parser_initialize(&w.parser))
		return oc_error_nomem();
	yaml_parser_set_input_string(&w.parser, (const unsigned char *)data, len);
	int rc = walk_document(&w);
	if (w.have_ev)
		yaml_event_delete(&w.ev);
	yaml_parser_delete(&w.parser);
	if (rc)
		oc_structure_free(out);
	return rc;
}

void oc_structure_free(oc_file_pos *fp)
{
	for (size_t i = 0; i < fp->ndefs; i++) {
		free((char *)fp->defs[i].name);
		free((char *)fp->defs[i].text);
	}
	free(fp->defs);
	for (size_t i = 0; i < fp->nrules; i++)
		free(fp->rules[i].id);
	free(fp->rules);
	memset(fp, 0, sizeof(*fp));
}
