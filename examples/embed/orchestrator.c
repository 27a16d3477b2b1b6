/*
 * A custom orchestrator embedding Outcall: it runs the whole daemon
 * in-process on its own thread, attaches one network namespace as a
 * container, and prints every decision through a callback. Built against
 * the installed liboutcall with pkg-config:
 *
 *   cc -o orchestrator orchestrator.c $(pkg-config --cflags --libs liboutcall) -lpthread
 *   ./orchestrator RULES_DIR STATE_DIR RUN_DIR NETNS_PATH NAME [OPTION=VALUE...]
 *
 * OPTION=VALUE pairs are outcalld options (e.g. dns-upstream=198.18.1.53).
 * It stops on SIGINT/SIGTERM; the kernel tables stay, as with outcalld.
 */
#define _POSIX_C_SOURCE 200809L /* signal masks; the library itself needs no macro */
#include <outcall/outcall.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Called on the thread that decided (the daemon's loop): be quick. */
static void on_event(const oc_event *ev, void *arg)
{
	(void)arg;
	if (ev->kind != OC_EVENT_DECISION)
		return;
	char id[OC_EVENT_ID_LEN];
	oc_event_id_format(ev->id, id);
	printf("decision %s: %s %s %s %s rule=%s\n", id, oc_event_layer_name(ev->layer),
		ev->agent ? ev->agent : "-", oc_event_verdict_name(ev->verdict),
		ev->host ? ev->host : "-", ev->rule ? ev->rule : "-");
	fflush(stdout);
}

static void *serve(void *arg)
{
	oc_daemon_run(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s RULES_DIR STATE_DIR RUN_DIR NETNS_PATH NAME [OPTION=VALUE...]\n",
			argv[0]);
		return 2;
	}
	printf("liboutcall %s\n", oc_version());

	/* Check the policy before handing it to the daemon. */
	const char *rules[] = { argv[1] };
	oc_ruleset *rs;
	if (oc_ruleset_load(rules, 1, NULL, &rs, NULL) != 0) {
		fprintf(stderr, "policy: %s\n", oc_error_last()->message);
		return 1;
	}
	printf("policy: %zu rules\n", oc_ruleset_count(rs));
	oc_ruleset_unref(rs);

	/* Options as outcalld reads them; the flags own the strings they set. */
	oc_daemon_flags *flags;
	if (oc_daemon_flags_new(&flags) != 0) {
		fprintf(stderr, "%s\n", oc_error_last()->message);
		return 1;
	}
	oc_daemon_config *cfg = oc_daemon_flags_config(flags);
	cfg->rules_dir = argv[1];
	cfg->state_dir = argv[2];
	cfg->run_dir = argv[3];
	for (int i = 6; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq)
			*eq = '\0';
		if (!eq || oc_daemon_flags_set(flags, argv[i], eq + 1) != 0) {
			fprintf(stderr, eq ? "%s\n" : "expected OPTION=VALUE, got %s\n",
				eq ? oc_error_last()->message : argv[i]);
			oc_daemon_flags_free(flags);
			return 2;
		}
	}

	/* The daemon's loop thread takes the signals; block them everywhere. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	oc_daemon *d;
	int rc = oc_daemon_new(cfg, &d);
	oc_daemon_flags_free(flags); /* the daemon copied the config and its strings */
	if (!rc)
		rc = oc_daemon_handle_signals(d);
	if (!rc)
		rc = oc_daemon_start(d);
	uint64_t sub = 0;
	if (!rc && !(sub = oc_events_subscribe(oc_daemon_events(d), on_event, NULL)))
		rc = -1;
	/* Before the loop runs, the daemon may be called from this thread. */
	oc_attach_options o = { .name = argv[5], .netns_path = argv[4] };
	oc_container *c = NULL;
	if (!rc)
		rc = oc_daemon_attach(d, &o, &c);
	if (rc) {
		fprintf(stderr, "outcall: %s\n", oc_error_last()->message);
		oc_daemon_free(d);
		return 1;
	}
	printf("attached %s as agent %s\n", oc_container_name(c), oc_container_agent_name(c));
	fflush(stdout);
	oc_container_unref(c);

	pthread_t t;
	pthread_create(&t, NULL, serve, d);
	pthread_join(t, NULL);
	oc_events_unsubscribe(oc_daemon_events(d), sub);
	oc_daemon_free(d);
	printf("stopped\n");
	return 0;
}
