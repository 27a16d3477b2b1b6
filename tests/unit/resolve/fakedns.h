/*
 * A scripted DNS server on a test's event loop (UDP and TCP on one
 * address), for the resolver and proxy tests. Built with ldns so the tests
 * do not share the code under test's idea of the wire format.
 */
#ifndef OC_TEST_FAKEDNS_H
#define OC_TEST_FAKEDNS_H

#include <outcall/loop.h>

enum fakedns_mode {
	FAKEDNS_ANSWER,       /* the records given, NOERROR */
	FAKEDNS_NXDOMAIN,
	FAKEDNS_SILENT,       /* never answers */
	FAKEDNS_TRUNCATE_UDP, /* TC without records over UDP, the records over TCP */
};

struct fakedns;

/* Serves on addr ("127.0.0.1:53"); names it was not told about are
 * NXDOMAIN. */
struct fakedns *fakedns_new(oc_loop *loop, const char *addr);
void fakedns_free(struct fakedns *d);
/* What to answer for name (no trailing dot): records in zone-file syntax
 * separated by ';' ("a.test. 60 IN A 198.18.0.10; a.test. 60 IN A ..."). */
void fakedns_set(struct fakedns *d, const char *name, enum fakedns_mode mode, const char *rrs);
/* Queries received for name, over UDP and TCP. */
unsigned fakedns_count(const struct fakedns *d, const char *name);

#endif
