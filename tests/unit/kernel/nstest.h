/*
 * Kernel tests run in private network namespaces, never in the machine's.
 *
 * Criterion runs every test in a worker process of its own; nstest_enter()
 * moves that process into a new network namespace (unshare(CLONE_NEWNET))
 * and brings its loopback up. Whatever the test creates there, links or
 * nftables tables, disappears with the namespace when the worker exits, on
 * every exit path. Tests that need a second namespace (a "container") get
 * one from nstest_peer_new(): a child process parked in its own namespace
 * until nstest_peer_free() ends it.
 */
#ifndef OC_TEST_NSTEST_H
#define OC_TEST_NSTEST_H

#include <stddef.h>
#include <sys/types.h>

/* Enters a fresh network namespace or skips the test (not root). */
void nstest_enter(void);

struct nstest_peer {
	pid_t pid;    /* parked in pause(); killed by nstest_peer_free or with us */
	char path[64];  /* /proc/<pid>/ns/net */
};
void nstest_peer_new(struct nstest_peer *p);
void nstest_peer_free(struct nstest_peer *p);

/* Runs a shell command (in the current namespace) and returns its exit
 * status; its stdout goes to out (may be NULL) up to size bytes. Commands
 * are bounded by `timeout 20`. */
int nstest_sh(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
