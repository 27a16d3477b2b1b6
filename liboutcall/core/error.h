/* Internal side of error.h: how library code records the last error.
 * Every oc_error_set* returns the code it was given, so a failure path
 * reads `return oc_error_set(OC_EINVAL, "...");`. */
#ifndef OC_CORE_ERROR_H
#define OC_CORE_ERROR_H

#include <outcall/error.h>
#include <stdarg.h>

typedef struct oc_error_site {
	const char *file;
	int line;
	int column;
	const char *rule_id;
} oc_error_site;

#define OC_PRINTF(a, b) __attribute__((format(printf, a, b)))

int oc_error_set(int code, const char *fmt, ...) OC_PRINTF(2, 3);
int oc_error_set_at(int code, const oc_error_site *site, const char *fmt, ...) OC_PRINTF(3, 4);
int oc_error_vset_at(int code, const oc_error_site *site, const char *fmt, va_list ap);
/* OC_EOS with ": <strerror(errno)>" appended; errno is preserved. */
int oc_error_os(const char *fmt, ...) OC_PRINTF(1, 2);
int oc_error_nomem(void);
/* An error with its own copies of the strings, so it outlives the next
 * failing call and may be handed to another thread (oc_error_save). */
typedef struct oc_error_saved {
	oc_error pub;          /* its strings point into the buffers below */
	char message[1024];
	char file[512];
	char rule_id[160];
} oc_error_saved;

/* Copies this thread's last error into *out. */
void oc_error_save(oc_error_saved *out);
/* Makes a copy of an error (from another thread, or saved earlier: pass
 * &saved.pub) this thread's last error again, message and location exactly
 * as they were. Returns its code. */
int oc_error_restore(const oc_error *e);

#endif
