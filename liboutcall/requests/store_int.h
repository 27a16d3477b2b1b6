/* The inside of the request store, shared by store.c (records and files),
 * decide.c (submit, approve, reject) and expiry.c (timers). */
#ifndef OC_REQUESTS_STORE_INT_H
#define OC_REQUESTS_STORE_INT_H

#include "requests/store.h"

/* An approved rule file that expires; keyed by request id, because a rule
 * file may outlive its record (a lost state directory). */
struct oc_req_expiry {
	oc_req_store *store;
	char id[OC_REQ_ID_LEN + 1];
	int64_t at;             /* wall clock, seconds */
	uint64_t mono_end;      /* the loop's clock, ms */
	uint64_t timer;
	struct oc_req_expiry *next;
};

struct oc_req_store {
	oc_req_store_config cfg;
	char *records_dir;     /* <state_dir>/requests */
	char *rules_dir;       /* <rules_dir>/requests */
	oc_req **reqs;         /* oldest first */
	size_t nreqs, cap;
	struct oc_req_expiry *expiries;
	oc_req_stats stats;
};

/* A record holds at most a rule file the size of an agent's body, plus
 * its rewrite: far below this. */
#define MAX_RECORD_SIZE (4u << 20)

/* Is the file `name` <id><suffix> for a valid id (copied to id)? */
bool oc_req_file_id(const char *name, const char *suffix, char id[OC_REQ_ID_LEN + 1]);
/* <records_dir>/<id>.json and <rules_dir>/<id>.yaml into buf. */
void oc_req_record_path(const oc_req_store *s, const char *id, char *buf, size_t size);
void oc_req_rule_path(const oc_req_store *s, const char *id, char *buf, size_t size);
/* Writes r's record. */
int oc_req_store_persist(oc_req_store *s, const oc_req *r);
/* Copies of a decision's reason and decider (NULL: "the operator"), both
 * or neither. */
int oc_req_decision_texts(const char *reason, const char *by, char **why, char **who);
/* One OC_EVENT_REQUEST record about r (NULL: only the id is known). */
void oc_req_store_emit(oc_req_store *s, const oc_req *r, const char *id, const char *verdict,
	const char *reason);
/* Calls the reload hook, if any. */
int oc_req_store_reload(oc_req_store *s);
/* Deletes the oldest rejected and expired records beyond max_records,
 * never `keep` (the record the caller still uses). */
void oc_req_store_prune(oc_req_store *s, const oc_req *keep);
oc_req *oc_req_store_get(oc_req_store *s, const char *id);
/* Appends a new record (the store takes it). */
int oc_req_store_add(oc_req_store *s, oc_req *r);

/* Expiry (expiry.c). */
int oc_req_expiry_arm(oc_req_store *s, const char *id, int64_t at);
/* Rebuilds the timers from the rule files and the records (at open). */
int oc_req_expiry_restore(oc_req_store *s);
void oc_req_expiry_free(oc_req_store *s);

#endif
