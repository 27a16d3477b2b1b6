/* "Did you mean": edit distances, and which name is suggested. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/similar.h"

static size_t dist(const char *a, const char *b)
{
	return oc_edit_distance(a, strlen(a), b);
}

Test(similar, distances)
{
	cr_assert_eq(dist("test", "test"), 0);
	cr_assert_eq(dist("tset", "test"), 2, "a swap is two edits");
	cr_assert_eq(dist("rules-dri", "rules-dir"), 2);
	cr_assert_eq(dist("statu", "status"), 1);
	cr_assert_eq(dist("", "abc"), 3);
	cr_assert_eq(dist("abc", ""), 3);
	char big[80];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(dist(big, "a"), (size_t)-1, "overlong words are far");
}

static const char *suggest(const char *typed, const char *const *names)
{
	oc_similar s;
	oc_similar_init(&s, typed, strlen(typed));
	for (; *names; names++)
		oc_similar_offer(&s, *names);
	return s.best;
}

Test(similar, the_nearest_close_name_or_none)
{
	static const char *const cmds[] = { "status", "rules", "requests", "reload", "test", NULL };
	cr_assert_str_eq(suggest("tset", cmds), "test");
	cr_assert_str_eq(suggest("rulse", cmds), "rules");
	cr_assert_str_eq(suggest("request", cmds), "requests");
	cr_assert_null(suggest("x", cmds), "one letter suggests nothing");
	cr_assert_null(suggest("frobnicate", cmds));
	cr_assert_null(suggest("ab", cmds));
}
