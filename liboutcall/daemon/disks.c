/* The decision log's disk, as the operator's log tells it: lines that
 * could not be written (a full or read-only filesystem) are counted by the
 * events hub; here they are reported with the file and the likely cause,
 * at most every LOG_ERRORS_EVERY_S, and their end is reported too. */
#include "daemon/internal.h"

#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/statvfs.h>

#define LOG_ERRORS_EVERY_S 30

static const char *cause(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	struct statvfs st;
	if (statvfs(dirname(dir), &st) != 0)
		return "its directory cannot be read";
	if (st.f_flag & ST_RDONLY)
		return "its filesystem is read-only";
	if (st.f_bavail == 0 || st.f_favail == 0)
		return "its filesystem is full";
	return "see the file's permissions and its filesystem";
}

void oc_daemon_log_check(oc_daemon *d)
{
	if (!d->cfg.decision_log)
		return;
	oc_events_stats st = OC_EVENTS_STATS_INIT;
	if (oc_events_get_stats(d->events, &st) != 0)
		return;
	uint64_t lost = st.log_write_errors - d->log_errors_seen;
	time_t now = time(NULL);
	if (lost && now - d->log_errors_told >= LOG_ERRORS_EVERY_S) {
		oc_daemon_log(d, OC_LOG_ERROR, "decision log %s: %" PRIu64 " decisions could not be "
			"written (%s); they are in the ring (`outcall log`) and counted in "
			"outcall_decision_log_write_errors_total", d->cfg.decision_log, lost,
			cause(d->cfg.decision_log));
		d->log_errors_seen = st.log_write_errors;
		d->log_errors_told = now;
	} else if (!lost && d->log_errors_told) {
		oc_daemon_log(d, OC_LOG_INFO, "decision log %s: no write failed since the last report",
			d->cfg.decision_log);
		d->log_errors_told = 0;
	}
}
