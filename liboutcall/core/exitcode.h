/* The exit codes of outcall, outcalld and outcall-shim: one scheme, so a
 * script reads any of the three the same way. The library itself never
 * exits; this header is the programs'. Each man page's EXIT STATUS lists
 * the codes its program uses, and tests/cli/t_exit.sh holds them to it. */
#ifndef OC_CORE_EXITCODE_H
#define OC_CORE_EXITCODE_H

enum oc_exit {
	OC_EXIT_OK = 0,          /* done; allowed; approved; submitted; a clean stop */
	OC_EXIT_ERROR = 1,       /* failed; blocked; rejected or expired; start failed */
	OC_EXIT_USAGE = 2,       /* bad arguments, nothing was done */
	OC_EXIT_UNREACHABLE = 3, /* the daemon's socket cannot be reached (or refuses us) */
	OC_EXIT_REFUSED = 4,     /* the daemon refused: rate limit, full queue, unknown id */
	OC_EXIT_PENDING = 5,     /* a request is still pending when the wait ran out */
};

#endif
