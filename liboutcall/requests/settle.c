/* Approvals outcalld did not finish (store.h, oc_req_settle). */
#include "requests/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/files.h"

static bool pending_record(const char *records_dir, const char *id)
{
	char path[4200], *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s.json", records_dir, id);
	if (oc_file_read(path, MAX_RECORD_SIZE, &text, &len) != 0)
		return false;
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	const char *status = json_string_value(json_object_get(j, "status"));
	bool pending = status && strcmp(status, "pending") == 0;
	json_decref(j);
	return pending;
}

int oc_req_settle(const char *state_dir, const char *rules_dir,
	void (*report)(const char *msg, void *arg), void *arg)
{
	char dir[4096], records[4096];
	snprintf(dir, sizeof(dir), "%s/requests", rules_dir);
	snprintf(records, sizeof(records), "%s/requests", state_dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : oc_error_os("cannot read %s", dir);
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		char id[OC_REQ_ID_LEN + 1], from[4400], to[4500], msg[9200];
		if (!oc_req_file_id(de->d_name, ".yaml", id) || !pending_record(records, id))
			continue;
		snprintf(from, sizeof(from), "%s/%s", dir, de->d_name);
		snprintf(to, sizeof(to), "%s.unfinished", from);
		if (rename(from, to) != 0) {
			rc = oc_error_os("cannot move %s aside, the rule of request %s whose approval did "
				"not finish (its record is pending)", from, id);
			break;
		}
		snprintf(msg, sizeof(msg), "request %s: its approval did not finish (outcalld stopped "
			"between writing its rule file and its record): %s moved to %s; the request is "
			"pending, approve it again", id, from, to);
		report(msg, arg);
	}
	closedir(d);
	return rc;
}
