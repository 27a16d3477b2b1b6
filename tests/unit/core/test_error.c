#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <outcall/outcall.h>
#include "core/error.h"

Test(error, starts_clear)
{
	oc_error_clear();
	const oc_error *e = oc_error_last();
	cr_assert_eq(e->code, OC_OK);
	cr_assert_str_eq(e->message, "no error");
}

Test(error, set_returns_code_and_formats)
{
	cr_assert_eq(oc_error_set(OC_EINVAL, "bad %s", "thing"), OC_EINVAL);
	cr_assert_str_eq(oc_error_last()->message, "bad thing");
	cr_assert_null(oc_error_last()->file);
}

Test(error, site_is_in_message_and_fields)
{
	oc_error_site site = { "rules.d/a.yaml", 12, 7, "allow-x" };
	oc_error_set_at(OC_EPARSE, &site, "unknown field '%s'", "http.hots");
	const oc_error *e = oc_error_last();
	cr_assert_str_eq(e->message, "rules.d/a.yaml:12:7: rule 'allow-x': unknown field 'http.hots'");
	cr_assert_str_eq(e->file, "rules.d/a.yaml");
	cr_assert_eq(e->line, 12);
	cr_assert_eq(e->column, 7);
	cr_assert_str_eq(e->rule_id, "allow-x");
}

Test(error, os_appends_strerror_and_keeps_errno)
{
	errno = ENOENT;
	cr_assert_eq(oc_error_os("open %s", "/nope"), OC_EOS);
	cr_assert_eq(errno, ENOENT);
	cr_assert_str_eq(oc_error_last()->message, "open /nope: No such file or directory");
}

static void *other_thread(void *arg)
{
	(void)arg;
	oc_error_set(OC_ELIMIT, "thread error");
	return (void *)(long)oc_error_last()->code;
}

Test(error, last_error_is_per_thread)
{
	oc_error_set(OC_EPERM, "main error");
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, other_thread, NULL);
	pthread_join(t, &ret);
	cr_assert_eq((long)ret, OC_ELIMIT);
	cr_assert_eq(oc_error_last()->code, OC_EPERM);
	cr_assert_str_eq(oc_error_last()->message, "main error");
}

Test(error, strerror_names_every_code)
{
	for (int c = OC_EUNREACHABLE; c <= OC_OK; c++)
		cr_assert_str_neq(oc_strerror(c), "unknown error code", "code %d", c);
	cr_assert_str_eq(oc_strerror(-999), "unknown error code");
}

Test(version, matches_header)
{
	cr_assert_str_eq(oc_version(), OC_VERSION_STRING);
	cr_assert(OC_VERSION >= OC_VERSION_NUMBER(0, 1, 0));
}

static void *fail_elsewhere(void *arg)
{
	oc_error_site site = { "a.yaml", 3, 9, "r1" };
	oc_error_set_at(OC_EPARSE, &site, "bad thing");
	oc_error_save(arg);
	return NULL;
}

Test(error, restore_brings_another_threads_error_back_exactly)
{
	oc_error_saved e;
	pthread_t t;
	pthread_create(&t, NULL, fail_elsewhere, &e);
	pthread_join(t, NULL);
	oc_error_clear();
	cr_assert_eq(oc_error_restore(&e.pub), OC_EPARSE);
	const oc_error *l = oc_error_last();
	cr_assert_str_eq(l->message, "a.yaml:3:9: rule 'r1': bad thing", "no second prefix");
	cr_assert_str_eq(l->file, "a.yaml");
	cr_assert_str_eq(l->rule_id, "r1");
	cr_assert_eq(l->line, 3);
	cr_assert_eq(l->column, 9);
	cr_assert_eq(oc_error_restore(l), OC_EPARSE, "restoring the last error itself is harmless");
	cr_assert_str_eq(oc_error_last()->message, "a.yaml:3:9: rule 'r1': bad thing");
}

Test(error, a_saved_error_outlives_the_next_failure)
{
	oc_error_site site = { "b.yaml", 7, 2, "r9" };
	oc_error_set_at(OC_EINVAL, &site, "first");
	oc_error_saved saved;
	oc_error_save(&saved);
	oc_error_set(OC_ENOMEM, "second, longer than the first message");
	cr_assert_str_eq(saved.pub.message, "b.yaml:7:2: rule 'r9': first");
	cr_assert_str_eq(saved.pub.file, "b.yaml");
	cr_assert_str_eq(saved.pub.rule_id, "r9");
	cr_assert_eq(oc_error_restore(&saved.pub), OC_EINVAL);
	cr_assert_str_eq(oc_error_last()->message, "b.yaml:7:2: rule 'r9': first");
	cr_assert_eq(oc_error_last()->line, 7);
}
