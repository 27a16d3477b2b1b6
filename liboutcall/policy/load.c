/* oc_ruleset_load: files -> structural pass -> libcyaml -> checks ->
 * compiled conditions -> one immutable, sorted, indexed rule set. */
#include <outcall/policy.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/grow.h"
#include "core/error.h"
#include "policy/files.h"
#include "policy/ruleset.h"
#include "policy/schema.h"
#include "policy/structure.h"
#include "policy/warnings.h"

#define DEFAULT_MAX_FILES 1000
#define DEFAULT_MAX_FILE_SIZE (1024 * 1024)
#define DEFAULT_MAX_RULES 100000
#define MAX_ID_LEN 128

struct loader {
	oc_load_options opts;
	oc_ruleset *rs;
	size_t cap;
	oc_warnings *warnings;
};

static void cyaml_log_to_buf(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	if (level < CYAML_LOG_ERROR)
		return;
	oc_buf *b = ctx;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, args);
	oc_buf_puts(b, line);
}

static const char *rule_at_line(const oc_file_pos *fp, int line)
{
	const char *id = NULL;
	for (size_t i = 0; i < fp->nrules && fp->rules[i].start.line <= line; i++)
		id = fp->rules[i].id;
	return id;
}

/* libcyaml reports a bad value as "Load: <what>" followed by a backtrace
 * whose first entry is where the value is; turn that into our message. */
static int cyaml_failure(const char *file, const oc_file_pos *fp, const char *log, cyaml_err_t err)
{
	oc_error_site site = { .file = file };
	const char *at = log ? strstr(log, "(line: ") : NULL;
	if (at && sscanf(at, "(line: %d, column: %d)", &site.line, &site.column) == 2)
		site.rule_id = rule_at_line(fp, site.line);
	char what[256] = "";
	if (log) {
		const char *s = strncmp(log, "Load: ", 6) == 0 ? log + 6 : log;
		size_t n = strcspn(s, "\n");
		snprintf(what, sizeof(what), "%.*s", (int)n, s);
	}
	return oc_error_set_at(OC_EPARSE, &site, "invalid value: %s",
		what[0] ? what : cyaml_strerror(err));
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > MAX_ID_LEN)
		return false;
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int rule_error(const char *file, oc_pos p, const char *id, const char *fmt, ...) OC_PRINTF(4, 5);
static int rule_error(const char *file, oc_pos p, const char *id, const char *fmt, ...)
{
	oc_error_site site = { file, p.line, p.column, id };
	va_list ap;
	va_start(ap, fmt);
	oc_error_vset_at(OC_EPARSE, &site, fmt, ap);
	va_end(ap);
	return OC_EPARSE;
}

static const uint16_t default_direct_ports[] = { 80, 443 };

static int build_egress(const char *file, const struct y_rule *yr, const oc_rule_pos *rp, oc_rule *r)
{
	const struct y_egress *ye = yr->egress;
	if (!ye) {
		r->egress.mode = OC_EGRESS_PROXY;
		return 0;
	}
	if (yr->action == OC_ACTION_BLOCK)
		return rule_error(file, rp->value[RK_EGRESS], yr->id,
			"'egress' is only allowed on allow rules (this rule blocks)");
	r->egress.mode = (oc_egress_mode)ye->mode;
	r->egress.allow_private_ips = ye->allow_private_ips;
	r->egress.match_body = ye->match_body;
	if (ye->match_body && ye->mode != OC_EGRESS_INTERCEPT)
		return rule_error(file, rp->egress_value[EK_MATCH_BODY], yr->id,
			"'match_body' needs 'mode: intercept' (a proxy or direct_ip rule never "
			"sees bodies)");
	if (ye->ports && ye->mode != OC_EGRESS_DIRECT_IP)
		return rule_error(file, rp->egress_value[EK_PORTS], yr->id,
			"'ports' applies to 'mode: direct_ip' only; for proxied traffic test "
			"network.port in the condition");
	const uint16_t *src = ye->ports ? ye->ports : default_direct_ports;
	size_t n = ye->ports ? ye->ports_count : (ye->mode == OC_EGRESS_DIRECT_IP ? 2 : 0);
	for (size_t i = 0; i < n; i++) {
		if (src[i] == 0)
			return rule_error(file, rp->egress_value[EK_PORTS], yr->id,
				"port 0 is not a valid port (use 1-65535)");
		for (size_t j = 0; j < i; j++)
			if (src[j] == src[i])
				return rule_error(file, rp->egress_value[EK_PORTS], yr->id,
					"port %u is listed twice", src[i]);
	}
	if (n) {
		if (!(r->ports = malloc(n * sizeof(*r->ports))))
			return oc_error_nomem();
		memcpy(r->ports, src, n * sizeof(*r->ports));
	}
	r->egress.ports = r->ports;
	r->egress.nports = n;
	return 0;
}

static int grow_rules(struct loader *ld)
{
	oc_rule *grown = oc_grow(ld->rs->rules, &ld->cap, ld->rs->nrules + 1, sizeof(*grown));
	if (!grown)
		return OC_ENOMEM;
	ld->rs->rules = grown;
	return 0;
}

static int add_rule(struct loader *ld, const char *file, const struct y_rule *yr,
	const oc_rule_pos *rp, oc_file_pos *fp)
{
	if (!valid_id(yr->id))
		return rule_error(file, rp->value[RK_ID], yr->id, "invalid rule id: use 1-%d of "
			"the characters A-Z a-z 0-9 . _ -", MAX_ID_LEN);
	if (yr->priority < INT32_MIN || yr->priority > INT32_MAX)
		return rule_error(file, rp->value[RK_PRIORITY], yr->id,
			"priority %lld is out of range", (long long)yr->priority);
	if (ld->rs->nrules >= ld->opts.max_rules)
		return rule_error(file, rp->start, yr->id, "more than %zu rules in all files; "
			"raise the rule limit or use fewer, broader rules", ld->opts.max_rules);
	int rc = grow_rules(ld);
	if (rc)
		return rc;
	oc_rule *r = &ld->rs->rules[ld->rs->nrules];
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->line = rp->start.line;
	r->id_column = rp->value[RK_ID].column;
	r->action = (oc_action)yr->action;
	r->priority = rp->value[RK_PRIORITY].line ? (int)yr->priority : 100;
	r->log = yr->log;
	r->load_order = ld->rs->nrules;
	ld->rs->nrules++; /* from here the ruleset's free releases r's parts */
	r->id = strdup(yr->id);
	r->condition = strdup(yr->condition);
	r->description = yr->description ? strdup(yr->description) : NULL;
	if (!r->id || !r->condition || (yr->description && !r->description))
		return oc_error_nomem();
	rc = build_egress(file, yr, rp, r);
	if (rc)
		return rc;
	oc_expr_source src = {
		.text = yr->condition, .file = file,
		.line = rp->condition_text.line, .column = rp->condition_text.column,
		.rule_id = yr->id, .defs = fp->defs, .ndefs = fp->ndefs,
	};
	return oc_expr_compile(&src, &r->expr);
}

static const cyaml_config_t *cyaml_config_for(oc_buf *log, cyaml_config_t *cfg)
{
	*cfg = (cyaml_config_t){
		.log_fn = cyaml_log_to_buf,
		.log_ctx = log,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_NO_ALIAS,
	};
	return cfg;
}

/* `file` is borrowed from rs->files and outlives the rules. */
static int load_one(struct loader *ld, const char *file, const char *data, size_t len)
{
	oc_file_pos fp;
	int rc = oc_structure_scan(file, data, len, &fp);
	if (rc)
		return rc;
	if (fp.empty) {
		oc_structure_free(&fp);
		return oc_error_set_at(OC_EPARSE, &(oc_error_site){ .file = file, .line = 1 },
			"empty rule file: expected `version: \"1\"` and a list of `rules`");
	}
	oc_buf log = OC_BUF_INIT;
	cyaml_config_t cfg;
	struct y_file *yf = NULL;
	cyaml_err_t err = cyaml_load_data((const uint8_t *)data, len, cyaml_config_for(&log, &cfg),
		&oc_policy_schema, (cyaml_data_t **)&yf, NULL);
	if (err != CYAML_OK) {
		rc = cyaml_failure(file, &fp, log.data, err);
		goto out;
	}
	if (strcmp(yf->version, "1") != 0) {
		oc_error_site site = { file, fp.value[FK_VERSION].line, fp.value[FK_VERSION].column, NULL };
		rc = oc_error_set_at(OC_EPARSE, &site, "unsupported version \"%s\": this Outcall "
			"reads version \"1\"", yf->version);
		goto out;
	}
	size_t before = ld->rs->nrules;
	for (unsigned i = 0; i < yf->rules_count && !rc; i++)
		rc = add_rule(ld, file, &yf->rules[i], &fp.rules[i], &fp);
	if (rc)
		goto out;
	for (size_t i = 0; i < fp.ndefs && !rc; i++)
		if (!fp.defs[i].used)
			rc = oc_warnings_add(ld->warnings, file, fp.defs[i].line, NULL,
				"definition '%s' is never used", fp.defs[i].name);
	if (!rc && ld->rs->nrules == before)
		rc = oc_warnings_add(ld->warnings, file, 0, NULL, "file has no rules");
out:
	if (yf)
		cyaml_free(&cfg, &oc_policy_schema, yf, 0);
	oc_buf_free(&log);
	oc_structure_free(&fp);
	return rc;
}

static int cmp_by_id(const void *a, const void *b)
{
	const oc_rule *x = *(const oc_rule *const *)a, *y = *(const oc_rule *const *)b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	return x->load_order < y->load_order ? -1 : x->load_order > y->load_order;
}

/* Ids are unique across all files. Of all duplicates, report the one met
 * first in load order, naming where the id was first defined. */
static int check_duplicate_ids(oc_ruleset *rs)
{
	if (rs->nrules < 2)
		return 0;
	const oc_rule **by_id = malloc(rs->nrules * sizeof(*by_id));
	if (!by_id)
		return oc_error_nomem();
	for (size_t i = 0; i < rs->nrules; i++)
		by_id[i] = &rs->rules[i];
	qsort(by_id, rs->nrules, sizeof(*by_id), cmp_by_id);
	const oc_rule *dup = NULL, *first = NULL;
	for (size_t i = 1; i < rs->nrules; i++) {
		if (strcmp(by_id[i]->id, by_id[i - 1]->id) != 0)
			continue;
		size_t j = i - 1;
		while (j > 0 && strcmp(by_id[j - 1]->id, by_id[i]->id) == 0)
			j--;
		if (!dup || by_id[i]->load_order < dup->load_order) {
			dup = by_id[i];
			first = by_id[j];
		}
	}
	int rc = 0;
	if (dup) {
		oc_error_site site = { dup->file, dup->line, dup->id_column, dup->id };
		rc = oc_error_set_at(OC_EEXIST, &site, "duplicate rule id; first defined at %s:%d "
			"(ids must be unique across all rule files)", first->file, first->line);
	}
	free(by_id);
	return rc;
}

static int cmp_priority(const void *a, const void *b)
{
	const oc_rule *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->load_order < y->load_order ? -1 : x->load_order > y->load_order;
}

static int finish(struct loader *ld)
{
	oc_ruleset *rs = ld->rs;
	int rc = check_duplicate_ids(rs);
	if (rc)
		return rc;
	if (rs->nrules)
		qsort(rs->rules, rs->nrules, sizeof(*rs->rules), cmp_priority);
	for (size_t i = 0; i < rs->nrules; i++)
		rs->rules[i].index = i;
	return oc_engine_index_build(rs);
}

static int add_file_name(oc_ruleset *rs, const char *name, char **kept)
{
	char **grown = realloc(rs->files, (rs->nfiles + 1) * sizeof(*grown));
	if (!grown)
		return oc_error_nomem();
	rs->files = grown;
	if (!(rs->files[rs->nfiles] = strdup(name)))
		return oc_error_nomem();
	*kept = rs->files[rs->nfiles++];
	return 0;
}

static int loader_begin(struct loader *ld, const oc_load_options *opts, oc_warnings **warnings)
{
	memset(ld, 0, sizeof(*ld));
	if (opts)
		ld->opts = *opts;
	if (!ld->opts.max_files)
		ld->opts.max_files = DEFAULT_MAX_FILES;
	if (!ld->opts.max_file_size)
		ld->opts.max_file_size = DEFAULT_MAX_FILE_SIZE;
	if (!ld->opts.max_rules)
		ld->opts.max_rules = DEFAULT_MAX_RULES;
	if (warnings)
		*warnings = NULL;
	ld->rs = calloc(1, sizeof(*ld->rs));
	ld->warnings = oc_warnings_new();
	if (!ld->rs || !ld->warnings) {
		free(ld->rs);
		oc_warnings_free(ld->warnings);
		return oc_error_nomem();
	}
	atomic_init(&ld->rs->refs, 1);
	return 0;
}

static int loader_end(struct loader *ld, int rc, oc_ruleset **out, oc_warnings **warnings)
{
	if (!rc)
		rc = finish(ld);
	if (rc) {
		oc_ruleset_unref(ld->rs);
		oc_warnings_free(ld->warnings);
		return rc;
	}
	*out = ld->rs;
	if (warnings)
		*warnings = ld->warnings;
	else
		oc_warnings_free(ld->warnings);
	return 0;
}

int oc_ruleset_load(const char *const *paths, size_t npaths, const oc_load_options *opts,
	oc_ruleset **out, oc_warnings **warnings)
{
	if (!out || (npaths && !paths))
		return oc_error_set(OC_EINVAL, "oc_ruleset_load: no paths or no output");
	*out = NULL;
	struct loader ld;
	int rc = loader_begin(&ld, opts, warnings);
	if (rc)
		return rc;
	oc_file_list files;
	rc = oc_files_expand(paths, npaths, ld.opts.max_files, &files);
	for (size_t i = 0; !rc && i < files.count; i++) {
		char *data = NULL, *name = NULL;
		size_t len = 0;
		rc = oc_file_read(files.paths[i], ld.opts.max_file_size, &data, &len);
		if (!rc)
			rc = add_file_name(ld.rs, files.paths[i], &name);
		if (!rc)
			rc = load_one(&ld, name, data, len);
		free(data);
	}
	oc_files_free(&files);
	return loader_end(&ld, rc, out, warnings);
}

int oc_ruleset_load_string(const char *name, const char *yaml, size_t len,
	const oc_load_options *opts, oc_ruleset **out, oc_warnings **warnings)
{
	if (!out || !name || (!yaml && len))
		return oc_error_set(OC_EINVAL, "oc_ruleset_load_string: missing argument");
	*out = NULL;
	struct loader ld;
	int rc = loader_begin(&ld, opts, warnings);
	if (rc)
		return rc;
	char *kept = NULL;
	if (len > ld.opts.max_file_size)
		rc = oc_error_set(OC_ELIMIT, "%s: %zu bytes is over the %zu-byte limit for a rule file",
			name, len, ld.opts.max_file_size);
	if (!rc)
		rc = add_file_name(ld.rs, name, &kept);
	if (!rc)
		rc = load_one(&ld, kept, yaml ? yaml : "", len);
	return loader_end(&ld, rc, out, warnings);
}
