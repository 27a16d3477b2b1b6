#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <outcall/error.h>
#include <outcall/events.h>
#include "tmpfiles.h"

static void teardown(void)
{
	tmp_cleanup();
}

TestSuite(events, .fini = teardown);

static uint64_t emit(oc_events *h, oc_event_layer layer, const char *agent,
	oc_event_verdict verdict, const char *rule)
{
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, layer);
	ev.agent = agent;
	ev.verdict = verdict;
	ev.rule = rule;
	ev.host = "x.example";
	return oc_events_emit(h, &ev);
}

struct seen {
	int n;
	char hosts[16][300];
	uint64_t ids[16];
};

static void collect(const oc_event *ev, void *arg)
{
	struct seen *s = arg;
	if (s->n < 16) {
		snprintf(s->hosts[s->n], sizeof(s->hosts[0]), "%s", ev->host ? ev->host : "");
		s->ids[s->n] = ev->id;
	}
	s->n++;
}

Test(events, ids_are_unique_and_time_is_set)
{
	oc_events *h;
	cr_assert_eq(oc_events_new(8, &h), 0);
	uint64_t a = emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r");
	uint64_t b = emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r");
	uint64_t pre = oc_events_next_id(h);
	cr_assert_neq(a, 0);
	cr_assert_neq(a, b);
	cr_assert_gt(pre, b);
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_HTTP);
	ev.id = pre;
	cr_assert_eq(oc_events_emit(h, &ev), pre, "a preassigned id is kept");
	struct seen s = { 0 };
	oc_events_read(h, 0, NULL, 0, collect, &s);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.ids[2], pre);
	oc_events_free(h);
}

Test(events, ring_keeps_the_last_n_and_reads_continue)
{
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	for (int i = 0; i < 10; i++) {
		oc_event ev;
		oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_HTTP);
		char host[32];
		snprintf(host, sizeof(host), "h%d", i);
		ev.host = host;
		oc_events_emit(h, &ev);
	}
	struct seen s = { 0 };
	uint64_t last = oc_events_read(h, 0, NULL, 0, collect, &s);
	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(s.hosts[0], "h6");
	cr_assert_str_eq(s.hosts[3], "h9");
	cr_assert_eq(last, 10);
	oc_events_stats st = OC_EVENTS_STATS_INIT;
	oc_events_get_stats(h, &st);
	cr_assert_eq(st.emitted, 10);
	cr_assert_eq(st.dropped_from_ring, 6);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(oc_events_read(h, last, NULL, 0, collect, &s), 10);
	cr_assert_eq(s.n, 0, "nothing new after the last sequence number");
	memset(&s, 0, sizeof(s));
	oc_events_read(h, 7, NULL, 1, collect, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.hosts[0], "h7");
	oc_events_free(h);
}

Test(events, filters)
{
	oc_events *h;
	cr_assert_eq(oc_events_new(16, &h), 0);
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r1");
	emit(h, OC_EVENT_LAYER_HTTP, "b", OC_EVENT_VERDICT_BLOCK, "default");
	emit(h, OC_EVENT_LAYER_HTTP, "a", OC_EVENT_VERDICT_BLOCK, "r2");
	struct seen s = { 0 };
	oc_event_filter f = { .agent = "a", .verdict = "block", .kind = -1 };
	oc_events_read(h, 0, &f, 0, collect, &s);
	cr_assert_eq(s.n, 1);
	memset(&s, 0, sizeof(s));
	f = (oc_event_filter){ .layer = OC_EVENT_LAYER_HTTP, .kind = OC_EVENT_DECISION };
	oc_events_read(h, 0, &f, 0, collect, &s);
	cr_assert_eq(s.n, 2);
	memset(&s, 0, sizeof(s));
	f = (oc_event_filter){ .kind = OC_EVENT_SECURITY };
	oc_events_read(h, 0, &f, 0, collect, &s);
	cr_assert_eq(s.n, 0);
	oc_events_free(h);
}

Test(events, long_strings_are_truncated_in_the_ring)
{
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	char big[1000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_HTTP);
	ev.host = big;
	ev.path = big;
	oc_events_emit(h, &ev);
	struct seen s = { 0 };
	oc_events_read(h, 0, NULL, 0, collect, &s);
	cr_assert_eq(strlen(s.hosts[0]), 255);
	oc_events_free(h);
}

Test(events, json_is_valid_and_escaped)
{
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_HTTP);
	ev.id = 0xabcdef;
	ev.time_us = 1700000000123456;
	ev.host = "we\"ird\\host\n";
	ev.path = "/\x01\xff\xc3\xa9";
	ev.port = 80;
	ev.verdict = OC_EVENT_VERDICT_BLOCK;
	ev.rule = "default";
	ev.status = 403;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	cr_assert_eq(oc_event_to_json(&ev, &buf, &len, &cap), 0);
	json_error_t err;
	json_t *j = json_loads(buf, 0, &err);
	cr_assert_not_null(j, "%s: %s", buf, err.text);
	cr_assert_str_eq(json_string_value(json_object_get(j, "host")), "we\"ird\\host\n");
	cr_assert_str_eq(json_string_value(json_object_get(j, "path")), "/\x01\xef\xbf\xbd\xc3\xa9");
	cr_assert_str_eq(json_string_value(json_object_get(j, "id")), "0000000000abcdef");
	cr_assert_str_eq(json_string_value(json_object_get(j, "time")), "2023-11-14T22:13:20.123456Z");
	cr_assert_eq(json_integer_value(json_object_get(j, "status")), 403);
	cr_assert_null(json_object_get(j, "dns_rcode"), "absent details are left out");
	json_decref(j);
	free(buf);
}

Test(events, log_file_and_reopen_after_rotation)
{
	const char *d = tmp_dir();
	char path[512], moved[512];
	snprintf(path, sizeof(path), "%s/decisions.log", d);
	snprintf(moved, sizeof(moved), "%s/decisions.log.1", d);
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	cr_assert_eq(oc_events_set_log_file(h, path), 0);
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r1");
	cr_assert_eq(rename(path, moved), 0);
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r2");   /* still goes to the moved file */
	cr_assert_eq(oc_events_reopen(h), 0);
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_BLOCK, "r3");
	oc_events_free(h);
	char line[1024];
	FILE *f = fopen(moved, "r");
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		cr_assert_not_null(j, "not JSON: %s", line);
		json_decref(j);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 2);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert(strstr(line, "\"rule\":\"r3\""), "%s", line);
	fclose(f);
	struct stat st;
	stat(path, &st);
	cr_assert_eq(st.st_mode & 0777, 0600);
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* A flood of decisions (a container hammering blocked hosts) must not fill
 * the disk: the log rotates by size and keeps a bounded number of files. */
Test(events, log_rotates_by_size_and_keeps_n_files)
{
	const char *d = tmp_dir();
	char path[400], p1[512], p2[512], p3[512];
	snprintf(path, sizeof(path), "%s/decisions.log", d);
	snprintf(p1, sizeof(p1), "%s.1", path);
	snprintf(p2, sizeof(p2), "%s.2", path);
	snprintf(p3, sizeof(p3), "%s.3", path);
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	cr_assert_eq(oc_events_set_log_file(h, path), 0);
	oc_events_set_log_rotation(h, 4096, 2);
	for (int i = 0; i < 2000; i++)
		emit(h, OC_EVENT_LAYER_HTTP, "a", OC_EVENT_VERDICT_BLOCK, "default");
	oc_events_stats st = OC_EVENTS_STATS_INIT;
	oc_events_get_stats(h, &st);
	oc_events_free(h);
	cr_assert_gt(st.log_rotations, 10);
	cr_assert_eq(st.log_rotate_errors, 0);
	/* Each file ends before 4096 + one line; two rotated files, no third. */
	cr_assert_lt(size_of(path), 4096 + 1024);
	cr_assert_geq(size_of(p1), 4096);
	cr_assert_lt(size_of(p1), 4096 + 1024);
	cr_assert_geq(size_of(p2), 4096);
	cr_assert_eq(size_of(p3), -1, "only `keep` rotated files stay");
	FILE *f = fopen(p1, "r");
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		cr_assert_not_null(j, "whole JSON lines only: %s", line);
		json_decref(j);
	}
	fclose(f);
}

Test(events, log_rotation_with_keep_zero_empties_the_file)
{
	const char *d = tmp_dir();
	char path[400], p1[512];
	snprintf(path, sizeof(path), "%s/decisions.log", d);
	snprintf(p1, sizeof(p1), "%s.1", path);
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	cr_assert_eq(oc_events_set_log_file(h, path), 0);
	oc_events_set_log_rotation(h, 2048, 0);
	for (int i = 0; i < 500; i++)
		emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_BLOCK, "default");
	oc_events_free(h);
	cr_assert_lt(size_of(path), 2048 + 1024);
	cr_assert_eq(size_of(p1), -1);
}

static void count_sub(const oc_event *ev, void *arg)
{
	(void)ev;
	(*(int *)arg)++;
}

Test(events, subscribers)
{
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	int n = 0;
	uint64_t s = oc_events_subscribe(h, count_sub, &n);
	cr_assert_neq(s, 0);
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r");
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r");
	oc_events_unsubscribe(h, s);
	emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r");
	cr_assert_eq(n, 2);
	oc_events_free(h);
}

struct hits {
	uint64_t r1, def;
};

static void hit(const char *rule, uint64_t n, void *arg)
{
	struct hits *h = arg;
	if (strcmp(rule, "r1") == 0)
		h->r1 = n;
	if (strcmp(rule, "default") == 0)
		h->def = n;
}

Test(events, counters_by_layer_verdict_and_rule)
{
	oc_events *h;
	cr_assert_eq(oc_events_new(4, &h), 0);
	for (int i = 0; i < 5; i++)
		emit(h, OC_EVENT_LAYER_DNS, "a", OC_EVENT_VERDICT_ALLOW, "r1");
	emit(h, OC_EVENT_LAYER_HTTP, "a", OC_EVENT_VERDICT_BLOCK, "default");
	emit(h, OC_EVENT_LAYER_HTTP, "a", OC_EVENT_VERDICT_BLOCK, "default");
	oc_events_stats st = OC_EVENTS_STATS_INIT;
	oc_events_get_stats(h, &st);
	cr_assert_eq(st.by_layer_verdict[0][0], 5);
	cr_assert_eq(st.by_layer_verdict[1][1], 2);
	cr_assert_str_eq(oc_events_stat_layers()[1], "http");
	cr_assert_str_eq(oc_events_stat_verdicts()[1], "block");
	struct hits x = { 0 };
	oc_events_rule_hits(h, hit, &x);
	cr_assert_eq(x.r1, 5);
	cr_assert_eq(x.def, 2);
	oc_events_free(h);
}

Test(events, names_and_their_parsing_agree)
{
	for (int l = OC_EVENT_LAYER_DNS; l <= OC_EVENT_LAYER_INCIDENT; l++) {
		oc_event_layer back;
		const char *name = oc_event_layer_name((oc_event_layer)l);
		cr_assert_not_null(name);
		cr_assert_eq(oc_event_layer_parse(name, &back), 0);
		cr_assert_eq((int)back, l);
	}
	for (int k = OC_EVENT_DECISION; k <= OC_EVENT_AUDIT; k++) {
		oc_event_kind back;
		cr_assert_eq(oc_event_kind_parse(oc_event_kind_name((oc_event_kind)k), &back), 0);
		cr_assert_eq((int)back, k);
	}
	cr_assert_null(oc_event_layer_name(OC_EVENT_LAYER_NONE));
	cr_assert_null(oc_event_layer_name((oc_event_layer)99));
	cr_assert_null(oc_event_verdict_name(OC_EVENT_VERDICT_NONE));
	oc_event_layer l;
	cr_assert_eq(oc_event_layer_parse("all", &l), OC_EINVAL);
	cr_assert_not_null(strstr(oc_error_last()->message, "use one of dns, http, tls"));
	oc_event_kind k;
	cr_assert_eq(oc_event_kind_parse(NULL, &k), OC_EINVAL);
}

Test(events, the_record_verdict_is_the_verdict_else_the_outcome)
{
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_RELOAD, OC_EVENT_LAYER_RULES);
	cr_assert_null(oc_event_verdict_text(&ev));
	ev.outcome = "failed";
	cr_assert_str_eq(oc_event_verdict_text(&ev), "failed");
	ev.verdict = OC_EVENT_VERDICT_BLOCK;
	cr_assert_str_eq(oc_event_verdict_text(&ev), "block");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	cr_assert_eq(oc_event_to_json(&ev, &buf, &len, &cap), 0);
	cr_assert_not_null(strstr(buf, "\"kind\":\"reload\",\"layer\":\"rules\""), "%s", buf);
	free(buf);
}
