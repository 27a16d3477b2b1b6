/* Network namespaces of containers, and the host-side sysctls Outcall
 * sets on its own interfaces. */
#ifndef OC_KERNEL_NETNS_H
#define OC_KERNEL_NETNS_H

#include <stddef.h>
#include <sys/types.h>

/* Opens a network namespace by path (a bind mount such as /run/netns/x,
 * never through a symlink) or, when path is NULL, by pid. Anything that is
 * not a network namespace (a FIFO, a device, a regular file) is refused
 * without being opened, and so is the host's own namespace (outcalld's and
 * the machine's initial one). `ident` receives what it was given ("path
 * /run/netns/x" or "pid 1234"). Returns 0 with *fd open (O_CLOEXEC). */
int oc_netns_open(const char *path, pid_t pid, int *fd, char *ident, size_t size);

/* A netlink socket of `bus` created inside the namespace nsfd. A helper
 * thread enters the namespace, so the calling thread's namespace never
 * changes (a socket stays in the namespace it was created in). */
int oc_netns_socket(int nsfd, int bus, int *sockfd);

/* Writes value to /proc/sys/<key> of the caller's namespace. A key that
 * does not exist (IPv6 disabled in the kernel) is OC_ENOTFOUND. */
int oc_sysctl_set(const char *key, const char *value);

#endif
