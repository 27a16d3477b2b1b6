/*
 * Errors: the convention every liboutcall call follows.
 *
 * - A function that can fail returns an int: 0 (OC_OK) on success, or one
 *   of the negative oc_err codes below. Functions returning a pointer return
 *   NULL on failure. Nothing is ever printed by the library.
 * - The code says what kind of failure it was (for programs); the message
 *   says what happened to which thing and what to do (for people). After a
 *   failure, oc_error_last() returns the details: a message plus, where they
 *   apply, the file, line, column and rule id the failure is about.
 * - The last error is kept per thread. It is valid until the next liboutcall
 *   call on the same thread that fails or calls oc_error_clear(); copy what
 *   you need before calling on. Successful calls leave it unchanged.
 * - Warnings that do not stop an operation (an unused definition, a file
 *   without rules) are not errors: the call that produced them returns them
 *   to the caller as data (see oc_warnings in policy.h).
 *
 * Thread-safety: all functions here are safe to call from any thread; each
 * thread sees only its own last error.
 */
#ifndef OUTCALL_ERROR_H
#define OUTCALL_ERROR_H

#include <outcall/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum oc_err {
	OC_OK = 0,
	OC_ERROR = -1,       /* failure that fits no other code */
	OC_ENOMEM = -2,      /* allocation failed */
	OC_EINVAL = -3,      /* a caller passed an invalid argument */
	OC_EPARSE = -4,      /* input (rule file, expression, packet) is malformed */
	OC_ENOTFOUND = -5,   /* the named thing does not exist */
	OC_EEXIST = -6,      /* the named thing exists already (or conflicts) */
	OC_EOS = -7,         /* a system call failed; the message carries errno's text */
	OC_ELIMIT = -8,      /* a configured limit (size, count, rate) was hit */
	OC_EKERNEL = -9,     /* the kernel refused a netlink request */
	OC_EPERM = -10,      /* not allowed (peer identity, permissions, insecure file) */
	OC_ETIMEOUT = -11,   /* a bounded wait ran out */
	OC_ESTATE = -12,     /* the object is not in a state that allows the call */
	OC_ECORRUPT = -13,   /* persisted state could not be read back */
	OC_EUNREACHABLE = -14, /* a peer (daemon, upstream, docker) could not be reached */
} oc_err;

/* Details of the last failure on the calling thread. Fields that do not
 * apply are 0 / NULL. Owned by the library (see the validity rule above). */
typedef struct oc_error {
	int code;             /* an oc_err value */
	const char *message;  /* full human-readable text, never NULL */
	const char *file;     /* input file the error is about, or NULL */
	int line;             /* 1-based line in that file (0: unknown) */
	int column;           /* 1-based column (0: unknown) */
	const char *rule_id;  /* rule the error is about, or NULL */
} oc_error;

/* The last error of this thread; never NULL (code OC_OK and message "no
 * error" when none was recorded). */
OC_API const oc_error *oc_error_last(void);

/* Forget this thread's last error. */
OC_API void oc_error_clear(void);

/* A short constant name for a code, e.g. "OC_EPARSE" -> "parse error". */
OC_API const char *oc_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
