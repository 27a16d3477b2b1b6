#include "fakedns.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_NAMES 32

struct entry {
	char name[256];
	enum fakedns_mode mode;
	char rrs[1024];
	unsigned count;
};

struct fakedns {
	oc_loop *loop;
	int udp, tcp;
	struct entry names[MAX_NAMES];
	size_t nnames;
};

static struct entry *find(struct fakedns *d, const char *name)
{
	for (size_t i = 0; i < d->nnames; i++)
		if (!strcasecmp(d->names[i].name, name))
			return &d->names[i];
	return NULL;
}

void fakedns_set(struct fakedns *d, const char *name, enum fakedns_mode mode, const char *rrs)
{
	struct entry *e = find(d, name);
	if (!e) {
		cr_assert_lt(d->nnames, MAX_NAMES);
		e = &d->names[d->nnames++];
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	e->mode = mode;
	snprintf(e->rrs, sizeof(e->rrs), "%s", rrs ? rrs : "");
}

unsigned fakedns_count(const struct fakedns *d, const char *name)
{
	const struct entry *e = find((struct fakedns *)d, name);
	return e ? e->count : 0;
}

static void push_records(ldns_pkt *p, const char *rrs)
{
	char copy[1024], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", rrs);
	for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		ldns_rr *rr = NULL;
		cr_assert_eq(ldns_rr_new_frm_str(&rr, tok, 0, NULL, NULL), LDNS_STATUS_OK,
			"fakedns: bad record '%s'", tok);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
}

/* The answer to a query, or NULL for no answer. */
static uint8_t *answer(struct fakedns *d, const uint8_t *q, size_t qlen, bool tcp, size_t *len)
{
	ldns_pkt *in = NULL;
	if (ldns_wire2pkt(&in, q, qlen) != LDNS_STATUS_OK)
		return NULL;
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(in), 0);
	char *qname = ldns_rdf2str(ldns_rr_owner(question));
	size_t n = strlen(qname);
	if (n > 1 && qname[n - 1] == '.')
		qname[n - 1] = '\0';
	struct entry *e = find(d, qname);
	free(qname);
	if (e)
		e->count++;

	ldns_pkt *out = ldns_pkt_new();
	ldns_pkt_set_id(out, ldns_pkt_id(in));
	ldns_pkt_set_qr(out, true);
	ldns_pkt_set_rd(out, ldns_pkt_rd(in));
	ldns_pkt_set_ra(out, true);
	ldns_pkt_push_rr(out, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
	ldns_pkt_free(in);
	uint8_t *w = NULL;
	if (e && e->mode == FAKEDNS_SILENT)
		goto done;
	if (!e || e->mode == FAKEDNS_NXDOMAIN)
		ldns_pkt_set_rcode(out, LDNS_RCODE_NXDOMAIN);
	else if (e->mode == FAKEDNS_TRUNCATE_UDP && !tcp)
		ldns_pkt_set_tc(out, true);
	else
		push_records(out, e->rrs);
	cr_assert_eq(ldns_pkt2wire(&w, out, len), LDNS_STATUS_OK);
done:
	ldns_pkt_free(out);
	return w;
}

static void on_udp(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct fakedns *d = arg;
	uint8_t buf[4096];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if (n <= 0)
		return;
	size_t len;
	uint8_t *w = answer(d, buf, (size_t)n, false, &len);
	if (w)
		sendto(fd, w, len, 0, (struct sockaddr *)&from, flen);
	free(w);
}

/* One TCP query per connection: small enough to arrive and leave whole. */
static void on_tcp_conn(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct fakedns *d = arg;
	uint8_t buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	if (n > 2 && n >= 2 + (buf[0] << 8 | buf[1])) {
		size_t qlen = (size_t)(buf[0] << 8 | buf[1]), len;
		cr_assert_eq(recv(fd, buf, 2 + qlen, 0), (ssize_t)(2 + qlen));
		uint8_t *w = answer(d, buf + 2, qlen, true, &len);
		if (w) {
			uint8_t pfx[2] = { (uint8_t)(len >> 8), (uint8_t)len };
			cr_assert_eq(send(fd, pfx, 2, MSG_NOSIGNAL), 2);
			cr_assert_eq(send(fd, w, len, MSG_NOSIGNAL), (ssize_t)len);
			free(w);
		}
	} else if (n > 0) {
		return;
	}
	oc_loop_del_fd(loop, fd);
	close(fd);
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c >= 0)
		cr_assert_eq(oc_loop_add_fd(loop, c, OC_LOOP_READ, on_tcp_conn, arg), 0);
}

static int bound(int type, const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (const struct sockaddr *)sa, sizeof(*sa)), 0, "fakedns bind");
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

struct fakedns *fakedns_new(oc_loop *loop, const char *addr)
{
	struct fakedns *d = calloc(1, sizeof(*d));
	char host[64];
	int port = 53;
	cr_assert_not_null(d);
	snprintf(host, sizeof(host), "%s", addr);
	char *colon = strchr(host, ':');
	if (colon) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	cr_assert_eq(inet_pton(AF_INET, host, &sa.sin_addr), 1);
	d->loop = loop;
	d->udp = bound(SOCK_DGRAM, &sa);
	d->tcp = bound(SOCK_STREAM, &sa);
	cr_assert_eq(oc_loop_add_fd(loop, d->udp, OC_LOOP_READ, on_udp, d), 0);
	cr_assert_eq(oc_loop_add_fd(loop, d->tcp, OC_LOOP_READ, on_accept, d), 0);
	return d;
}

void fakedns_free(struct fakedns *d)
{
	oc_loop_del_fd(d->loop, d->udp);
	oc_loop_del_fd(d->loop, d->tcp);
	close(d->udp);
	close(d->tcp);
	free(d);
}
