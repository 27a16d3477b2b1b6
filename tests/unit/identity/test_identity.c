#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <outcall/error.h>
#include <outcall/identity.h>

#include "identity/names.h"

static oc_container *make(const char *name, const char *ip)
{
	static const oc_kv labels[] = { { "team", "infra" } };
	oc_container_spec s = { .name = name, .network = "default", .veth = "oc0-2", .ifindex = 7,
		.netns = "pid 42", .image = "busybox", .labels = { labels, 1 }, .attached_at = 1700000000 };
	inet_pton(AF_INET, ip, &s.ip);
	s.mac[0] = 2;
	oc_container *c;
	cr_assert_eq(oc_container_new(&s, &c), 0, "%s", oc_error_last()->message);
	return c;
}

static struct in_addr addr(const char *ip)
{
	struct in_addr a;
	inet_pton(AF_INET, ip, &a);
	return a;
}

Test(identity, agent_name_strips_one_trailing_number)
{
	char out[65];
	const char *cases[][2] = {
		{ "coder-12", "coder" }, { "coder", "coder" }, { "coder-", "coder-" }, { "-3", "-3" },
		{ "a-1-2", "a-1" }, { "web2", "web2" }, { "x-007", "x" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_geq(oc_agent_name(cases[i][0], out, sizeof(out)), 0);
		cr_assert_str_eq(out, cases[i][1], "agent name of %s", cases[i][0]);
	}
	cr_assert_eq(oc_agent_name("toolong", out, 3), OC_ELIMIT);
}

Test(identity, record_copies_everything)
{
	oc_container *c = make("coder-3", "10.200.0.5");
	cr_assert_str_eq(oc_container_name(c), "coder-3");
	cr_assert_str_eq(oc_container_agent_name(c), "coder");
	cr_assert_str_eq(oc_container_network(c), "default");
	cr_assert_eq(oc_container_ip(c).s_addr, addr("10.200.0.5").s_addr);
	cr_assert_eq(oc_container_mac(c)[0], 2);
	cr_assert_str_eq(oc_container_veth(c), "oc0-2");
	cr_assert_eq(oc_container_ifindex(c), 7);
	cr_assert_str_eq(oc_container_netns(c), "pid 42");
	cr_assert_str_eq(oc_container_id(c), "");
	cr_assert_str_eq(oc_container_image(c), "busybox");
	cr_assert_eq(oc_container_labels(c).count, 1);
	cr_assert_str_eq(oc_container_labels(c).items[0].value, "infra");
	cr_assert_eq(oc_container_attached_at(c), 1700000000);
	oc_container_unref(c);
	oc_container_spec bad = { .name = "has space", .network = "default" };
	cr_assert_eq(oc_container_new(&bad, &c), OC_EINVAL);
	bad.name = "ok";
	bad.network = NULL;
	cr_assert_eq(oc_container_new(&bad, &c), OC_EINVAL);
}

Test(identity, registry_finds_by_ip_and_name)
{
	oc_registry *r;
	cr_assert_eq(oc_registry_new(&r), 0);
	oc_container *a = make("a-1", "10.200.0.9"), *b = make("b-1", "10.200.0.3");
	cr_assert_eq(oc_registry_put(r, a), 0);
	cr_assert_eq(oc_registry_put(r, b), 0);
	oc_container *x = make("x", "10.200.0.9");
	cr_assert_eq(oc_registry_put(r, x), OC_EEXIST);
	cr_assert(strstr(oc_error_last()->message, "a-1"));
	oc_container_unref(x);
	oc_container *f = oc_registry_by_ip(r, addr("10.200.0.3"));
	cr_assert_not_null(f);
	cr_assert_str_eq(oc_container_name(f), "b-1");
	oc_container_unref(f);
	cr_assert_null(oc_registry_by_ip(r, addr("10.200.0.4")));
	f = oc_registry_by_name(r, "a-1");
	cr_assert_eq(f, a);
	/* the lookup's reference outlives removal */
	cr_assert_eq(oc_registry_remove(r, "a-1"), 0);
	oc_container_unref(a);
	cr_assert_str_eq(oc_container_name(f), "a-1");
	oc_container_unref(f);
	cr_assert_eq(oc_registry_remove(r, "a-1"), OC_ENOTFOUND);
	/* same name: replaced, new IP takes over */
	oc_container *b2 = make("b-1", "10.200.0.20");
	cr_assert_eq(oc_registry_put(r, b2), 0);
	cr_assert_null(oc_registry_by_ip(r, addr("10.200.0.3")));
	cr_assert_eq(oc_registry_count(r), 1);
	oc_container_unref(b);
	oc_container_unref(b2);
	oc_registry_free(r);
}

Test(identity, list_is_ordered_by_ip)
{
	oc_registry *r;
	cr_assert_eq(oc_registry_new(&r), 0);
	const char *ips[] = { "10.200.0.30", "10.200.0.4", "10.200.1.2", "10.200.0.100" };
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%d", i);
		oc_container *c = make(name, ips[i]);
		cr_assert_eq(oc_registry_put(r, c), 0);
		oc_container_unref(c);
	}
	oc_container_list *l;
	cr_assert_eq(oc_registry_list(r, &l), 0);
	cr_assert_eq(oc_container_list_count(l), 4);
	for (size_t i = 1; i < 4; i++)
		cr_assert_lt(ntohl(oc_container_ip(oc_container_list_get(l, i - 1)).s_addr),
			ntohl(oc_container_ip(oc_container_list_get(l, i)).s_addr));
	cr_assert_null(oc_container_list_get(l, 4));
	oc_container_list_free(l);
	oc_registry_free(r);
}

struct race {
	oc_registry *r;
	atomic_int stop;
	atomic_long found;
};

static void *reader(void *arg)
{
	struct race *x = arg;
	while (!atomic_load(&x->stop)) {
		oc_container *c = oc_registry_by_ip(x->r, addr("10.200.0.2"));
		if (c) {
			/* the record must be whole while we hold it */
			if (strcmp(oc_container_agent_name(c), "agent") != 0)
				abort();
			atomic_fetch_add(&x->found, 1);
			oc_container_unref(c);
		}
	}
	return NULL;
}

Test(identity, readers_never_see_a_freed_record)
{
	struct race x = { 0 };
	cr_assert_eq(oc_registry_new(&x.r), 0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, reader, &x);
	for (int i = 0; i < 20000; i++) {
		oc_container *c = make("agent-1", "10.200.0.2");
		cr_assert_eq(oc_registry_put(x.r, c), 0);
		oc_container_unref(c);
		if (i % 2)
			cr_assert_eq(oc_registry_remove(x.r, "agent-1"), 0);
	}
	atomic_store(&x.stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_assert_gt(atomic_load(&x.found), 0);
	oc_registry_free(x.r);
}

Test(identity, names_never_leave_their_directory)
{
	cr_assert(oc_name_valid("coder-1"));
	cr_assert(oc_name_valid("a.b"));
	cr_assert(oc_name_valid("..."), "three dots are a name, not a path step");
	cr_assert_not(oc_name_valid("."));
	cr_assert_not(oc_name_valid(".."));
	cr_assert_not(oc_name_valid("a/b"));
	cr_assert_not(oc_name_valid(""));
	oc_container_spec s = { .name = "..", .network = "default" };
	oc_container *c;
	cr_assert_eq(oc_container_new(&s, &c), OC_EINVAL);
}

/* What a record holds, its state file can load back. */
Test(identity, a_record_keeps_at_most_the_label_cap)
{
	oc_kv labels[OC_CONTAINER_MAX_LABELS + 1];
	for (size_t i = 0; i < OC_CONTAINER_MAX_LABELS + 1; i++)
		labels[i] = (oc_kv){ "k", "v" };
	oc_container_spec s = { .name = "coder-1", .network = "default",
		.labels = { labels, OC_CONTAINER_MAX_LABELS + 1 } };
	oc_container *c = NULL;
	cr_assert_eq(oc_container_new(&s, &c), OC_ELIMIT);
	s.labels.count = OC_CONTAINER_MAX_LABELS;
	cr_assert_eq(oc_container_new(&s, &c), 0);
	oc_container_unref(c);
}
