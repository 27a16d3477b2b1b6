/*
 * Faults on demand for outcalld (LD_PRELOAD; the t_faults_* tests): what a
 * real host does to a daemon, at the instant a test chooses.
 *
 * OC_FAULT_SETSIZE=N   every direct_ip set ("dip-*") is created with a
 *                      maximum of N elements, so the kernel itself refuses
 *                      a grant into a full set (ENFILE), as with any set
 *                      that has a size.
 * OC_FAULT_ARM=FILE    the fault below happens once, at the first matching
 *                      call after FILE appears; FILE is then removed
 *                      (fail-commits: for as long as FILE exists).
 * OC_FAULT=WHAT:TEXT   the fault, one of
 *   stop-before-rename:TEXT  SIGSTOP before a rename() onto a path that
 *                            contains TEXT (the test then SIGKILLs: a
 *                            crash just before the write lands)
 *   stop-after-rename:TEXT   the same, just after it landed
 *   stop-before-commit:      SIGSTOP before an nftables transaction is sent
 *   fail-commits:            no nftables transaction is sent; sendto fails
 *                            with ENOBUFS (netlink out of memory)
 *
 * Only the calls outcalld makes through libc and libmnl are touched; the
 * kernel sees either the real transaction or none.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>

static bool armed(const char *what)
{
	const char *f = getenv("OC_FAULT"), *arm = getenv("OC_FAULT_ARM");
	size_t n = strlen(what);
	if (!f || !arm || strncmp(f, what, n) != 0 || f[n] != ':')
		return false;
	return access(arm, F_OK) == 0;
}

/* The fault named `what` hits now: disarm it (one-shot). */
static void fire(void)
{
	unlink(getenv("OC_FAULT_ARM"));
}

static const char *fault_text(void)
{
	return strchr(getenv("OC_FAULT"), ':') + 1;
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	bool before = armed("stop-before-rename") && strstr(to, fault_text());
	bool after = armed("stop-after-rename") && strstr(to, fault_text());
	if (before) {
		fire();
		raise(SIGSTOP);
	}
	int rc = real(from, to);
	if (after) {
		int e = errno;
		fire();
		raise(SIGSTOP);
		errno = e;
	}
	return rc;
}

/* ---- nftables transactions ---- */

static bool is_batch(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	return len >= sizeof(*nlh) && nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN;
}

static bool dip_set(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSET))
		return false;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_NAME &&
		    strncmp(mnl_attr_get_str(a), "dip-", 4) == 0)
			return true;
	return false;
}

/* Copies a NEWSET message with NFTA_SET_DESC_SIZE added to its
 * NFTA_SET_DESC (made if it has none). */
static void copy_sized(const struct nlmsghdr *in, char *out, uint32_t size)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
	*nlh = *in;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN;
	void *extra = mnl_nlmsg_put_extra_header(nlh, sizeof(struct nfgenmsg));
	memcpy(extra, mnl_nlmsg_get_payload(in), sizeof(struct nfgenmsg));
	bool had_desc = false;
	const struct nlattr *a;
	mnl_attr_for_each(a, in, sizeof(struct nfgenmsg)) {
		if ((mnl_attr_get_type(a) & NLA_TYPE_MASK) != NFTA_SET_DESC) {
			mnl_attr_put(nlh, a->nla_type, mnl_attr_get_payload_len(a),
				mnl_attr_get_payload(a));
			continue;
		}
		had_desc = true;
		struct nlattr *nest = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
		const struct nlattr *d;
		mnl_attr_for_each_nested(d, a)
			mnl_attr_put(nlh, d->nla_type, mnl_attr_get_payload_len(d),
				mnl_attr_get_payload(d));
		mnl_attr_put_u32(nlh, NFTA_SET_DESC_SIZE, htonl(size));
		mnl_attr_nest_end(nlh, nest);
	}
	if (!had_desc) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
		mnl_attr_put_u32(nlh, NFTA_SET_DESC_SIZE, htonl(size));
		mnl_attr_nest_end(nlh, nest);
	}
}

/* The batch with every dip set sized; NULL when there is none (or no
 * memory, when the batch goes out as it was). */
static char *sized_batch(const void *buf, size_t len, uint32_t size, size_t *out_len)
{
	bool any = false;
	int left = (int)len;
	for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		any |= dip_set(nlh);
	if (!any)
		return NULL;
	/* each set grows by at most one nest and one u32 */
	char *out = calloc(1, len * 2 + 4096);
	if (!out)
		return NULL;
	size_t at = 0;
	left = (int)len;
	for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (dip_set(nlh)) {
			copy_sized(nlh, out + at, size);
			at += MNL_ALIGN(((struct nlmsghdr *)(out + at))->nlmsg_len);
		} else {
			memcpy(out + at, nlh, nlh->nlmsg_len);
			at += MNL_ALIGN(nlh->nlmsg_len);
		}
	}
	*out_len = at;
	return out;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	ssize_t (*real)(const struct mnl_socket *, const void *, size_t) =
		(ssize_t (*)(const struct mnl_socket *, const void *, size_t))
		dlsym(RTLD_NEXT, "mnl_socket_sendto");
	if (!is_batch(buf, len))
		return real(nl, buf, len);
	if (armed("stop-before-commit")) {
		fire();
		raise(SIGSTOP);
	}
	if (armed("fail-commits")) {
		errno = ENOBUFS;
		return -1;
	}
	const char *size = getenv("OC_FAULT_SETSIZE");
	size_t n = 0;
	char *sized = size ? sized_batch(buf, len, (uint32_t)atoi(size), &n) : NULL;
	if (!sized)
		return real(nl, buf, len);
	ssize_t rc = real(nl, sized, n);
	free(sized);
	/* the caller counts what it gave */
	return rc == (ssize_t)n ? (ssize_t)len : rc;
}
