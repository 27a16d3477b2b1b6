#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <outcall/error.h>
#include <outcall/identity.h>
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
	expect_corrupt("{\"version\": 1, \"version\": 1, \"networks\": [], \"containers\": []}",
		"duplicate");
}

static const char *write_state(const char *content)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/state.json", tmp_dir());
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	return path;
}

#define GOOD(name, ip) "{\"name\": \"" name "\", \"network\": \"default\", \"ip\": \"" ip \
	"\", \"mac\": \"02:00:0a:c8:00:02\", \"veth\": \"oc0-2\", \"attached_at\": 1"

/* One record it cannot use costs only that record: the file loads, the
 * others are there, and the warning says what was left out. */
Test(state, a_bad_container_record_is_left_out_with_a_warning)
{
	const char *path = write_state("{\"version\": 1, \"networks\": [], \"containers\": ["
		"{\"name\": \"broken\"}, " GOOD("coder-1", "10.200.0.2") "}, "
		GOOD("odd-1", "10.200.0.3") ", \"labels\": [1]}]}");
	oc_state st;
	cr_assert_eq(oc_state_load(path, &st), 0, "%s", oc_error_last()->message);
	cr_assert_eq(st.ncontainers, 1);
	cr_assert_str_eq(st.containers[0].name, "coder-1");
	cr_assert_eq(st.nwarnings, 2);
	cr_assert(strstr(st.warnings[0], "container record 0 (broken) lacks name"), "%s",
		st.warnings[0]);
	cr_assert(strstr(st.warnings[1], "(odd-1)"), "%s", st.warnings[1]);
	oc_state_free(&st);
}

/* More labels than a record keeps: the container stays with the first
 * OC_CONTAINER_MAX_LABELS, and the load says so. */
Test(state, labels_beyond_the_cap_are_left_out_with_a_warning)
{
	char text[8192];
	int n = snprintf(text, sizeof(text), "{\"version\": 1, \"networks\": [], \"containers\": "
		"[" GOOD("coder-1", "10.200.0.2") ", \"labels\": {");
	for (int i = 0; i < 70; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s\"l%d\": \"v\"", i ? ", " : "", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "}}]}");
	oc_state st;
	cr_assert_eq(oc_state_load(write_state(text), &st), 0, "%s", oc_error_last()->message);
	cr_assert_eq(st.ncontainers, 1);
	cr_assert_eq(st.containers[0].nlabels, OC_CONTAINER_MAX_LABELS);
	cr_assert_eq(st.nwarnings, 1);
	cr_assert(strstr(st.warnings[0], "coder-1: 6 labels left out"), "%s", st.warnings[0]);
	oc_state_free(&st);
}
