/*
 * Rule sets: loading YAML rule files (docs/rules.md) into an immutable,
 * reference-counted oc_ruleset.
 *
 * Ownership: oc_ruleset_load returns a set with one reference. Every
 * oc_ruleset_ref needs one oc_ruleset_unref. Pointers obtained from a set
 * (rules, strings, egress) stay valid while the caller holds a reference.
 *
 * Thread-safety: a loaded set is never modified, so any number of threads
 * may read and evaluate it at once; ref/unref are atomic. This is what makes
 * reload atomic: the daemon publishes a new set while decisions in flight
 * finish on the old one, which is freed by its last unref.
 */
#ifndef OUTCALL_POLICY_H
#define OUTCALL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oc_ruleset oc_ruleset;
typedef struct oc_rule oc_rule;

typedef enum oc_action { OC_ACTION_BLOCK = 0, OC_ACTION_ALLOW = 1 } oc_action;

typedef enum oc_egress_mode {
	OC_EGRESS_PROXY = 0,
	OC_EGRESS_DIRECT_IP,
	OC_EGRESS_INTERCEPT,
} oc_egress_mode;

/* An allow rule's egress settings (block rules: the zero value). */
typedef struct oc_egress {
	oc_egress_mode mode;
	const uint16_t *ports;  /* direct_ip ports; default {80, 443} */
	size_t nports;
	bool allow_private_ips;
	bool match_body;        /* intercept only */
} oc_egress;

/* Limits that keep a hostile or broken rules directory from exhausting the
 * daemon. Zero fields take the defaults in brackets. */
typedef struct oc_load_options {
	size_t max_files;      /* [1000] files in a directory */
	size_t max_file_size;  /* [1 MiB] bytes per file */
	size_t max_rules;      /* [100000] rules over all files */
} oc_load_options;

/* One warning: a problem that does not stop loading (unused definition,
 * file without rules). */
typedef struct oc_warning {
	const char *file;
	int line;
	const char *rule_id;   /* or NULL */
	const char *message;   /* full text, including file:line */
} oc_warning;

typedef struct oc_warnings oc_warnings; /* owned by the caller: oc_warnings_free */
OC_API size_t oc_warnings_count(const oc_warnings *w);
OC_API const oc_warning *oc_warnings_get(const oc_warnings *w, size_t i);
OC_API void oc_warnings_free(oc_warnings *w);

/*
 * Loads rule files. Each path may be a file or a directory; a directory
 * contributes its *.yaml and *.yml files in lexicographic (byte) order,
 * ignores other files and does not descend into subdirectories except
 * "requests/" (approved access requests, loaded after the directory's own
 * files). Symlinked files and directories are refused. Files are
 * concatenated in the order given; rules are then stably sorted by
 * priority.
 *
 * All-or-nothing: on any error nothing is returned and the last error names
 * file, line, column and rule id. `warnings` (may be NULL) receives the
 * warnings of a successful load; it is set to NULL on failure. `opts` may
 * be NULL for the defaults.
 */
OC_API int oc_ruleset_load(const char *const *paths, size_t npaths,
	const oc_load_options *opts, oc_ruleset **out, oc_warnings **warnings);

/* Loads rules from a string (as if it were a file named `name`), for
 * validating a rule file received over an API. */
OC_API int oc_ruleset_load_string(const char *name, const char *yaml, size_t len,
	const oc_load_options *opts, oc_ruleset **out, oc_warnings **warnings);

OC_API oc_ruleset *oc_ruleset_ref(oc_ruleset *rs);
OC_API void oc_ruleset_unref(oc_ruleset *rs);

/* Rules in evaluation order (priority, then file order). */
OC_API size_t oc_ruleset_count(const oc_ruleset *rs);
OC_API const oc_rule *oc_ruleset_rule(const oc_ruleset *rs, size_t i);
OC_API const oc_rule *oc_ruleset_find(const oc_ruleset *rs, const char *id);
/* Files the set was loaded from, in load order. */
OC_API size_t oc_ruleset_file_count(const oc_ruleset *rs);
OC_API const char *oc_ruleset_file(const oc_ruleset *rs, size_t i);

OC_API const char *oc_rule_id(const oc_rule *r);
OC_API const char *oc_rule_description(const oc_rule *r); /* "" if none */
OC_API const char *oc_rule_condition(const oc_rule *r);   /* source text */
OC_API const char *oc_rule_file(const oc_rule *r);
OC_API int oc_rule_line(const oc_rule *r);
OC_API oc_action oc_rule_action(const oc_rule *r);
OC_API int oc_rule_priority(const oc_rule *r);
OC_API bool oc_rule_log(const oc_rule *r);
OC_API const oc_egress *oc_rule_egress(const oc_rule *r);
/* Position of the rule in evaluation order (0-based). */
OC_API size_t oc_rule_index(const oc_rule *r);
/* The fields the rule's condition reads, as OC_FIELD_BIT()s (context.h);
 * 0 for NULL. Layers use it for checks that depend on what the operator
 * wrote, e.g. the proxy allows CONNECT to a port other than 443 only when
 * the deciding rule reads network.port. */
OC_API uint32_t oc_rule_fields(const oc_rule *r);

OC_API const char *oc_action_name(oc_action a);        /* "allow" / "block" */
OC_API const char *oc_egress_mode_name(oc_egress_mode m); /* "proxy", ... */

/*
 * The live rule set: what every layer decides with. A reload publishes a
 * new set with a new generation number; a layer acquires (set, generation)
 * once at the start of a decision and decides on that pair, so DNS, proxy
 * and kernel never mix two rule sets in one decision and always report the
 * generation they used.
 *
 * Thread-safety: all calls may be made from any thread at any time.
 * Ownership: publish takes its own reference; acquire returns a reference
 * the caller must oc_ruleset_unref.
 */
typedef struct oc_live oc_live;
/* A holder with no set yet in *out; 0 or OC_ENOMEM. */
OC_API int oc_live_new(oc_live **out);
OC_API void oc_live_free(oc_live *live);
/* Makes rs the live set; returns its generation (1 for the first). */
OC_API uint64_t oc_live_publish(oc_live *live, oc_ruleset *rs);
/* The live set (NULL before the first publish) and its generation. */
OC_API oc_ruleset *oc_live_acquire(oc_live *live, uint64_t *generation);
OC_API uint64_t oc_live_generation(oc_live *live);

#ifdef __cplusplus
}
#endif
#endif
