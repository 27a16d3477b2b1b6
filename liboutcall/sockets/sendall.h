/*
 * Blocking send of a whole buffer, for the small synchronous clients of
 * outcalld's sockets (the CLI, the shim). Self-contained (libc only), so
 * that the static shim can build it without the rest of liboutcall.
 */
#ifndef OC_NET_SENDALL_H
#define OC_NET_SENDALL_H

#include <stddef.h>

/* Sends all n bytes, retrying after signals; MSG_NOSIGNAL, so a closed
 * peer is an error (-1, errno set), not SIGPIPE. Returns 0 when sent. */
int oc_send_all(int fd, const void *p, size_t n);

#endif
