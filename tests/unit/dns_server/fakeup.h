/*
 * A fake upstream resolver for the DNS server tests: two resolvers (UDP
 * and TCP on FU_UP0:53 and FU_UP1:53) and a forger on FU_SPOOF:53, served
 * by a thread of their own in the test's private network namespace. What
 * they answer is scripted per query name before the thread starts, so the
 * test can make them lie, stall, truncate or fail.
 */
#ifndef OC_TEST_FAKEUP_H
#define OC_TEST_FAKEUP_H

#include <stdbool.h>
#include <stddef.h>

#define FU_UP0 "198.18.0.53"
#define FU_UP1 "198.18.0.54"
#define FU_SPOOF "198.18.0.99"
/* What forged answers claim: no real answer ever holds it. */
#define FU_BOGUS_RR "6.6.6.6"

enum {
	FU_TRUNC_UDP = 1u << 0,      /* over UDP: TC and no records; over TCP: the answer */
	FU_SPOOF_SOURCE = 1u << 1,   /* first a forged answer (right id) from FU_SPOOF */
	FU_WRONG_ID = 1u << 2,       /* first a forged answer with another id */
	FU_WRONG_QUESTION = 1u << 3, /* first a forged answer to another name */
	FU_FIRST_SILENT = 1u << 4,   /* FU_UP0 never answers */
	FU_FIRST_SERVFAIL = 1u << 5, /* FU_UP0 answers SERVFAIL */
	FU_SILENT = 1u << 6,         /* nobody answers */
};

struct fu_name {
	const char *name;              /* lower case, no trailing dot */
	const char *const *answer;     /* zone-file lines, NULL-terminated (or NULL) */
	const char *const *authority;  /* the same, for the authority section */
	int rcode;                     /* LDNS_RCODE_* */
	unsigned flags;
	unsigned delay_ms;             /* before the real answer */
};

struct fakeup;

/* Binds the sockets (the addresses must be on an interface) and starts
 * the thread. Names unknown to the script get REFUSED. */
struct fakeup *fu_start(const struct fu_name *names, size_t n);
void fu_stop(struct fakeup *fu);

/* Queries for name (NULL: any) that upstream 0 or 1 received over UDP or
 * TCP so far. */
unsigned fu_count(struct fakeup *fu, int upstream, bool tcp, const char *name);

/* Source port and id of the first UDP queries received (up to max), in
 * order; returns how many were copied. */
size_t fu_udp_sources(struct fakeup *fu, unsigned *ports, unsigned *ids, size_t max);

#endif
