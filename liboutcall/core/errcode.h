/*
 * The machine-readable error codes: the "code" of every JSON error the
 * host API and the agent sockets answer, and of every error `outcall
 * --json` and `outcall-shim --json` print. One table, so a code means one
 * thing wherever it appears; outcall(1) lists it (from `outcall
 * __error-codes`) and tests/cli/t_errcodes.sh checks that every code the
 * sources use is in it. A code is a stable identifier: [a-z_]+.
 */
#ifndef OC_CORE_ERRCODE_H
#define OC_CORE_ERRCODE_H

#include <stddef.h>

typedef struct oc_errcode {
	const char *id;      /* "parse_error" */
	int status;          /* the HTTP status it is answered with; 0: never by the daemon */
	unsigned errs;       /* the oc_err codes reported with it (bits 1 << -code); none:
	                      * used by name where the thing it means is found */
	const char *meaning; /* one line for the man page */
} oc_errcode;

/* The table, in the order the man page lists it. */
const oc_errcode *oc_errcodes(size_t *count);

/* The code an oc_err (error.h) is reported with, and its HTTP status. */
const oc_errcode *oc_errcode_of(int err);

#endif
