/* Incident commands' parsing and the lockdown list: targets must be named
 * exactly once, reasons are plain text, lockdowns turn on, off and survive
 * a save and load, and a damaged file is refused, not read as "none". */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "incident/lockdown.h"
#include "incident/target.h"
#include "tmpfiles.h"

static int parse(const char *json, unsigned allowed, struct oc_target *t)
{
	json_t *j = json_loads(json, 0, NULL);
	cr_assert_not_null(j, "%s", json);
	int rc = oc_target_parse(j, allowed, t);
	json_decref(j);
	return rc;
}

#define LOCK (OC_TARGET_AGENT | OC_TARGET_NETWORK | OC_TARGET_ALL)
#define FLUSH (OC_TARGET_AGENT | OC_TARGET_RULE | OC_TARGET_ALL)

Test(target, exactly_one_target)
{
	struct oc_target t;
	cr_assert_eq(parse("{\"agent\": \"coder\"}", LOCK, &t), 0);
	cr_assert_eq(t.kind, OC_TARGET_AGENT);
	cr_assert_str_eq(t.name, "coder");
	cr_assert_eq(parse("{\"network\": \"n1\", \"reason\": \"x\"}", LOCK, &t), 0);
	cr_assert_eq(t.kind, OC_TARGET_NETWORK);
	cr_assert_eq(parse("{\"all\": true}", LOCK, &t), 0);
	cr_assert_eq(t.kind, OC_TARGET_ALL);
	cr_assert_str_eq(t.name, "");
	cr_assert_eq(parse("{\"rule\": \"req-r-abc.def_1\"}", FLUSH, &t), 0);
	cr_assert_eq(t.kind, OC_TARGET_RULE);
	char text[64];
	oc_target_text(&t, text, sizeof(text));
	cr_assert_str_eq(text, "rule req-r-abc.def_1");
}

Test(target, ambiguity_is_refused_never_widened)
{
	struct oc_target t;
	static const char *const bad[] = {
		"{}",                                      /* nothing named */
		"{\"reason\": \"x\"}",
		"{\"agent\": \"a\", \"all\": true}",       /* two */
		"{\"agent\": \"a\", \"network\": \"n\"}",
		"{\"all\": false}",                        /* all, but not really */
		"{\"all\": \"yes\"}",
		"{\"agent\": \"\"}",                       /* bad names */
		"{\"agent\": \"a b\"}",
		"{\"agent\": 3}",
		"{\"network\": \"../etc\"}",
		"{\"rule\": \"x\"}",                       /* not a target of lockdown */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse(bad[i], LOCK, &t), OC_EINVAL, "%s", bad[i]);
	cr_assert_eq(parse("{\"network\": \"n\"}", FLUSH, &t), OC_EINVAL, "not one of flush");
	cr_assert(strstr(oc_error_last()->message, "\"agent\", \"rule\", \"all\""),
		"names what is allowed: %s", oc_error_last()->message);
}

static int reason(const char *json, char *out, size_t cap)
{
	json_t *j = json_loads(json, 0, NULL);
	int rc = oc_reason_parse(j, out, cap);
	json_decref(j);
	return rc;
}

Test(target, reasons_are_plain_text_and_bounded)
{
	char out[16];
	cr_assert_eq(reason("{}", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(reason("{\"reason\": \"exfiltration\"}", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "exfiltration");
	cr_assert_eq(reason("{\"reason\": \"0123456789abcdef\"}", out, sizeof(out)), OC_EINVAL);
	cr_assert_eq(reason("{\"reason\": \"a\\u001b[2J\"}", out, sizeof(out)), OC_EINVAL);
	cr_assert_eq(reason("{\"reason\": \"a\\u202eb\"}", out, sizeof(out)), OC_EINVAL);
	cr_assert_eq(reason("{\"reason\": 5}", out, sizeof(out)), OC_EINVAL);
}

static struct oc_target target(enum oc_target_kind k, const char *name)
{
	struct oc_target t = { .kind = k };
	snprintf(t.name, sizeof(t.name), "%s", name);
	return t;
}

Test(lockdown, on_off_and_replace)
{
	struct oc_lockdowns l = { 0 };
	struct oc_target coder = target(OC_TARGET_AGENT, "coder"), n1 = target(OC_TARGET_NETWORK, "n1");
	cr_assert_eq(oc_lockdowns_on(&l, &coder, "first", "uid=0 user=root", 10), 0);
	cr_assert_eq(oc_lockdowns_on(&l, &n1, "net", "uid=0 user=root", 11), 0);
	cr_assert_eq(oc_lockdowns_on(&l, &coder, "second", "uid=1000 user=op", 12), 0);
	cr_assert_eq(l.n, 2, "the same target is one lockdown");
	cr_assert_str_eq(l.v[0].reason, "second");
	cr_assert_str_eq(l.v[0].by, "uid=1000 user=op");
	cr_assert_eq(l.v[0].since, 10, "since the first time");
	size_t lifted;
	struct oc_target other = target(OC_TARGET_AGENT, "other");
	cr_assert_eq(oc_lockdowns_off(&l, &other, &lifted), OC_ENOTFOUND);
	cr_assert_eq(l.n, 2);
	struct oc_target n1_as_agent = target(OC_TARGET_AGENT, "n1");
	cr_assert_eq(oc_lockdowns_off(&l, &n1_as_agent, &lifted), OC_ENOTFOUND, "scope counts");
	cr_assert_eq(oc_lockdowns_off(&l, &coder, &lifted), 0);
	cr_assert_eq(lifted, 1);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.v[0].scope, OC_LOCK_NETWORK);
	cr_assert_eq(oc_lockdowns_on(&l, &coder, "again", "uid=0", 13), 0);
	struct oc_target all = target(OC_TARGET_ALL, "");
	cr_assert_eq(oc_lockdowns_off(&l, &all, &lifted), 0, "off --all lifts every lockdown");
	cr_assert_eq(lifted, 2);
	cr_assert_eq(l.n, 0);
	oc_lockdowns_free(&l);
}

Test(lockdown, the_file_round_trips_and_damage_is_refused)
{
	const char *dir = tmp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/lockdown.json", dir);
	struct oc_lockdowns l = { 0 }, back;
	cr_assert_eq(oc_lockdowns_load(path, &back), 0, "no file: no lockdown");
	cr_assert_eq(back.n, 0);
	struct oc_target coder = target(OC_TARGET_AGENT, "coder"), all = target(OC_TARGET_ALL, "");
	cr_assert_eq(oc_lockdowns_on(&l, &coder, "exfil \"quoted\"", "uid=0 user=root", 100), 0);
	cr_assert_eq(oc_lockdowns_on(&l, &all, "", "uid=0 user=root", 101), 0);
	cr_assert_eq(oc_lockdowns_save(path, &l), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_lockdowns_load(path, &back), 0, "%s", oc_error_last()->message);
	cr_assert_eq(back.n, 2);
	cr_assert_eq(memcmp(back.v, l.v, 2 * sizeof(*l.v)), 0);
	oc_lockdowns_free(&back);
	oc_lockdowns_free(&l);
	static const char *const damaged[] = {
		"{\"version\": 1, \"lockdowns\": [",
		"{\"version\": 2, \"lockdowns\": []}",
		"{\"version\": 1, \"lockdowns\": [{\"scope\": \"agent\", \"name\": \"a b\", "
			"\"reason\": \"\", \"by\": \"\", \"since\": 1}]}",
		"{\"version\": 1, \"lockdowns\": [{\"scope\": \"planet\", \"reason\": \"\", "
			"\"by\": \"\", \"since\": 1}]}",
		"{\"version\": 1, \"lockdowns\": [{\"scope\": \"all\"}]}",
	};
	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		tmp_write(dir, "lockdown.json", damaged[i]);
		cr_assert_eq(oc_lockdowns_load(path, &back), OC_ECORRUPT, "%s", damaged[i]);
		cr_assert(strstr(oc_error_last()->message, path), "names the file");
	}
	tmp_cleanup();
}
