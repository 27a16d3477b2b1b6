/* Structured daemon logs: a message about a rule file reaches the record
 * logger with that file, line and rule, so outcalld --log-format json can
 * carry them as fields; without one, the plain logger still gets it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "daemon/internal.h"
#include "tmpfiles.h"

struct seen {
	int n;
	oc_log_level level;
	char message[512], file[512], rule[64];
	int line;
};

static void record(oc_log_level level, const char *message, const oc_log_about *about, void *arg)
{
	struct seen *s = arg;
	s->n++;
	s->level = level;
	snprintf(s->message, sizeof(s->message), "%s", message);
	snprintf(s->file, sizeof(s->file), "%s", about->file ? about->file : "");
	snprintf(s->rule, sizeof(s->rule), "%s", about->rule ? about->rule : "");
	s->line = about->line;
}

static void plain(oc_log_level level, const char *message, void *arg)
{
	struct seen *s = arg;
	s->n++;
	s->level = level;
	snprintf(s->message, sizeof(s->message), "%s", message);
}

static oc_daemon *daemon_with_warning(struct seen *s, bool structured)
{
	const char *dir = tmp_dir();
	tmp_write(dir, "10-a.yaml", "version: \"1\"\ndefinitions:\n  spare: 'true'\nrules:\n"
		"  - id: a\n    condition: 'true'\n    action: allow\n");
	oc_daemon_config cfg;
	cr_assert_eq(oc_daemon_config_init(&cfg, OC_DAEMON_CONFIG_VERSION), 0);
	cfg.rules_dir = dir;
	cfg.state_dir = dir;
	cfg.run_dir = dir;
	cfg.docker_socket = NULL;
	cfg.log = plain;
	cfg.log_arg = s;
	oc_daemon *d = NULL;
	cr_assert_eq(oc_daemon_new(&cfg, &d), 0, "%s", oc_error_last()->message);
	if (structured)
		oc_daemon_set_log_record(d, record, s);
	return d;
}

Test(logabout, rule_file_warning_names_its_file_and_line)
{
	struct seen s = { 0 };
	oc_daemon *d = daemon_with_warning(&s, true);
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_daemon_load_rules(d, &rs), 0, "%s", oc_error_last()->message);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.level, OC_LOG_WARN);
	cr_assert(strstr(s.message, "spare"), "%s", s.message);
	cr_assert(strstr(s.file, "10-a.yaml"), "file '%s'", s.file);
	cr_assert_eq(s.line, 3);
	oc_ruleset_unref(rs);
	oc_daemon_free(d);
	tmp_cleanup();
}

Test(logabout, without_a_record_logger_the_plain_one_gets_it)
{
	struct seen s = { 0 };
	oc_daemon *d = daemon_with_warning(&s, false);
	oc_ruleset *rs = NULL;
	cr_assert_eq(oc_daemon_load_rules(d, &rs), 0, "%s", oc_error_last()->message);
	cr_assert_eq(s.n, 1);
	cr_assert(strstr(s.message, "spare"), "%s", s.message);
	oc_ruleset_unref(rs);
	oc_daemon_free(d);
	tmp_cleanup();
}
