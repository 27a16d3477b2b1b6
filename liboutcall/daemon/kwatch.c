/* The daemon's watch over its kernel tables: tables someone else removed
 * or emptied are reinstalled (an nftables event is the cue, a timer the
 * fallback), and the flows of direct_ip grants that expired are cut. */
#include "daemon/internal.h"

#include <stdlib.h>

#include "daemon/incident.h"
#include "kernel/firewall.h"

/* Within a second even when no event arrives (a socket that overflowed). */
#define KWATCH_MS 500

struct oc_kwatch {
	oc_daemon *d;
	struct oc_nl events;
	bool subscribed;
	uint64_t timer;
};

static void check(oc_daemon *d)
{
	oc_firewall *fw = oc_networks_firewall(d->nets);
	int rc = oc_firewall_repair(fw);
	if (rc == 1)
		oc_daemon_log(d, OC_LOG_ERROR, "Outcall's nftables tables '%s' were removed or changed "
			"by someone else (nft flush ruleset? nftables.service?): reinstalled them; their "
			"direct_ip grants are lost. Keep other nftables users off these tables.",
			d->cfg.kernel.table);
	else if (rc < 0)
		oc_daemon_log(d, OC_LOG_ERROR, "Outcall's nftables tables are not as written and could "
			"not be reinstalled (containers may be unfiltered): %s", oc_error_last()->message);
	oc_daemon_lockdown_sweep(d);
	size_t cut = 0;
	if (oc_firewall_tick(fw, &cut) < 0)
		oc_daemon_log(d, OC_LOG_ERROR, "cutting the flows of expired direct_ip grants: %s",
			oc_error_last()->message);
	else if (cut)
		oc_daemon_log(d, OC_LOG_INFO, "cut %zu conntrack flows that no direct_ip grant covers "
			"any more", cut);
}

static void on_timer(oc_loop *loop, uint64_t id, void *arg)
{
	(void)id;
	struct oc_kwatch *w = arg;
	w->timer = 0;
	check(w->d);
	oc_daemon_state_retry(w->d);
	oc_daemon_log_check(w->d);
	if (oc_loop_timer_add(loop, KWATCH_MS, on_timer, w, &w->timer) != 0)
		oc_daemon_log(w->d, OC_LOG_ERROR, "cannot re-arm the nftables watch timer: %s",
			oc_error_last()->message);
}

static void on_event(oc_loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct oc_kwatch *w = arg;
	oc_nft_watch_drain(&w->events);
	check(w->d);
}

int oc_daemon_kwatch_start(oc_daemon *d)
{
	struct oc_kwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return oc_error_nomem();
	w->d = d;
	d->kwatch = w;
	int rc = oc_nft_watch_open(&w->events);
	w->subscribed = rc == 0;
	if (!rc)
		rc = oc_loop_add_fd(d->loop, mnl_socket_get_fd(w->events.sock), OC_LOOP_READ,
			on_event, w);
	if (!rc)
		rc = oc_loop_timer_add(d->loop, KWATCH_MS, on_timer, w, &w->timer);
	return rc;
}

void oc_daemon_kwatch_stop(oc_daemon *d)
{
	struct oc_kwatch *w = d->kwatch;
	if (!w)
		return;
	oc_loop_timer_cancel(d->loop, w->timer);
	if (w->subscribed) {
		oc_loop_del_fd(d->loop, mnl_socket_get_fd(w->events.sock));
		oc_nl_close(&w->events);
	}
	free(w);
	d->kwatch = NULL;
}
