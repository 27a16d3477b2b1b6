#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <outcall/error.h>
#include "state/state.h"
#include "tmpfiles.h"

static void teardown(void)
{
	tmp_cleanup();
}

TestSuite(state, .fini = teardown);

Test(state, missing_file_is_empty)
{
	oc_state st;
	cr_assert_eq(oc_state_load("/nonexistent/state.json", &st), 0);
	cr_assert_eq(st.nnetworks + st.ncontainers, 0);
}

Test(state, round_trip)
{
	const char *d = tmp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/state.json", d);
	oc_state st = { 0 };
	cr_assert_eq(oc_state_add_network(&st, "default", 0), 0);
	cr_assert_eq(oc_state_add_network(&st, "build", 3), 0);
	oc_state_label labels[] = { { "outcall.managed", "true" }, { "team", "infra" } };
	oc_state_container c = { .name = "coder-1", .network = "default", .ip = "10.200.0.2",
		.mac = "02:00:0a:c8:00:02", .veth = "oc0p2", .netns = "pid 42", .labels = labels,
		.nlabels = 2, .attached_at = 1700000000, .netns_dev = 4, .netns_ino = 4026532001 };
	cr_assert_eq(oc_state_add_container(&st, &c), 0);
	cr_assert_eq(oc_state_save(path, &st), 0);
	oc_state_free(&st);
	struct stat sb;
	stat(path, &sb);
	cr_assert_eq(sb.st_mode & 0777, 0600);

	oc_state back;
	cr_assert_eq(oc_state_load(path, &back), 0, "%s", oc_error_last()->message);
	cr_assert_eq(back.nnetworks, 2);
	cr_assert_str_eq(back.networks[1].name, "build");
	cr_assert_eq(back.networks[1].index, 3);
	cr_assert_eq(back.ncontainers, 1);
	cr_assert_str_eq(back.containers[0].name, "coder-1");
	cr_assert_str_eq(back.containers[0].mac, "02:00:0a:c8:00:02");
	cr_assert_str_eq(back.containers[0].container_id, "");
	cr_assert_eq(back.containers[0].nlabels, 2);
	cr_assert_eq(back.containers[0].attached_at, 1700000000);
	cr_assert_eq(back.containers[0].netns_dev, 4, "the agent socket's check survives a restart");
	cr_assert_eq(back.containers[0].netns_ino, 4026532001);
	oc_state_free(&back);
}

static void expect_corrupt(const char *content, const char *why)
{
	const char *d = tmp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s/state.json", d);
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	oc_state st;
	cr_assert_eq(oc_state_load(path, &st), OC_ECORRUPT, "%s", content);
	const char *m = oc_error_last()->message;
	cr_assert(strstr(m, path), "%s", m);
	cr_assert(strstr(m, why), "%s", m);
	cr_assert(strstr(m, "outcalld --reset-state"), "%s", m);
}

Test(state, corrupt_files_are_refused_with_the_recovery_command)
{
	expect_corrupt("{\"version\": 1, \"networks\": [", "line 1");
	expect_corrupt("{\"version\": 2, \"networks\": [], \"containers\": []}", "version 2");
	expect_corrupt("{\"networks\": [], \"containers\": []}", "no version");
	expect_corrupt("{\"version\": 1, \"networks\": {}, \"containers\": []}", "must be lists");
	expect_corrupt("{\"version\": 1, \"networks\": [{\"name\": \"x\"}], \"containers\": []}",
		"network without name or index");
	expect_corrupt("{\"version\": 1, \"networks\": [], \"containers\": [{\"name\": \"a\"}]}",
		"lacks name");
	expect_corrupt("{\"version\": 1, \"version\": 1, \"networks\": [], \"containers\": []}",
		"duplicate");
}
