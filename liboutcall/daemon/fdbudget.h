/*
 * Connection caps sized from the process's descriptor limit, so that the
 * pools together can never run the process out of descriptors and one
 * container can never take a whole pool (docs/limits.md has the numbers).
 */
#ifndef OC_DAEMON_FDBUDGET_H
#define OC_DAEMON_FDBUDGET_H

#include <stdint.h>
#include <stddef.h>
#include <outcall/daemon.h>

/* Descriptors a proxy connection may hold: client, upstream, two pipes
 * (two ends each) while bytes are in flight both ways, and a share for
 * the connections refused over a cap while their 503 drains. */
#define OC_FD_PER_PROXY_CONN 7

/* Lowers every pool cap of cfg that does not fit in `nofile`
 * descriptors; never raises one. Writes what it decided to summary. */
void oc_fd_budget_fit(oc_daemon_config *cfg, uint64_t nofile, char *summary, size_t size);

#endif
