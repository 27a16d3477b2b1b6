#include "fakeup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <outcall/loop.h>
#include "sockets/sock.h"

#define MAX_NAMES 64
#define MAX_CONNS 64
#define MAX_DELAYED 256
#define MAX_SOURCES 64

struct conn {
	struct fakeup *fu;
	int up;          /* which upstream accepted it */
	int fd;
	uint8_t rx[2 + 65535];
	size_t rx_len;
};

struct fakeup {
	oc_loop *loop;
	pthread_t thread;
	const struct fu_name *names;
	size_t n;
	int udp[2], tcp[2], spoof;
	struct conn *conns[MAX_CONNS];
	size_t nconns;
	struct delayed *delayed[MAX_DELAYED]; /* freed at fu_stop, sent or not */
	size_t ndelayed;
	/* [name index + 1 (0: any)][upstream][tcp] */
	atomic_uint count[MAX_NAMES + 1][2][2];
	pthread_mutex_t lock; /* guards the sources */
	unsigned src_port[MAX_SOURCES], src_id[MAX_SOURCES];
	size_t nsources;
};

/* A message to send later. */
struct delayed {
	int fd;
	bool tcp;
	oc_sockaddr to;
	size_t len;
	uint8_t msg[];
};

static void die(const char *what)
{
	fprintf(stderr, "fakeup: %s: %s\n", what, strerror(errno));
	abort();
}

static void send_now(int fd, bool tcp, const oc_sockaddr *to, const uint8_t *msg, size_t len)
{
	if (tcp) {
		uint8_t prefix[2] = { (uint8_t)(len >> 8), (uint8_t)len };
		/* a test answer fits the socket buffer; a closed peer is fine */
		if (send(fd, prefix, 2, MSG_NOSIGNAL) == 2)
			(void)send(fd, msg, len, MSG_NOSIGNAL);
	} else {
		(void)sendto(fd, msg, len, 0, &to->u.sa, to->len);
	}
}

static void on_delayed(oc_loop *loop, uint64_t id, void *arg)
{
	struct delayed *d = arg;
	send_now(d->fd, d->tcp, &d->to, d->msg, d->len);
}

static void send_later(struct fakeup *fu, int fd, bool tcp, const oc_sockaddr *to,
	const uint8_t *msg, size_t len, unsigned ms)
{
	if (ms == 0) {
		send_now(fd, tcp, to, msg, len);
		return;
	}
	struct delayed *d = malloc(sizeof(*d) + len);
	if (!d || fu->ndelayed == MAX_DELAYED)
		die("too many delayed answers");
	fu->delayed[fu->ndelayed++] = d;
	d->fd = fd;
	d->tcp = tcp;
	d->to = *to;
	d->len = len;
	memcpy(d->msg, msg, len);
	uint64_t id;
	if (oc_loop_timer_add(fu->loop, ms, on_delayed, d, &id) < 0)
		die("timer");
}

static void push_all(ldns_pkt *p, ldns_pkt_section s, const char *const *rrs)
{
	for (size_t i = 0; rrs && rrs[i]; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL) != LDNS_STATUS_OK) {
			fprintf(stderr, "fakeup: bad record %s\n", rrs[i]);
			abort();
		}
		ldns_pkt_push_rr(p, s, rr);
	}
}

/* An answer to `name` (the query's own spelling) as wire bytes. */
static uint8_t *answer(const ldns_rdf *name, ldns_rr_type type, uint16_t id, int rcode,
	bool tc, const char *const *an, const char *const *ns, size_t *len)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN, LDNS_RD);
	if (!p)
		die("ldns_pkt_query_new");
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_tc(p, tc);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	push_all(p, LDNS_SECTION_ANSWER, an);
	push_all(p, LDNS_SECTION_AUTHORITY, ns);
	uint8_t *w = NULL;
	if (ldns_pkt2wire(&w, p, len) != LDNS_STATUS_OK)
		die("ldns_pkt2wire");
	ldns_pkt_free(p);
	return w;
}

static const char *const bogus[] = { "forged.invalid. 300 IN A " FU_BOGUS_RR, NULL };

static void forge(struct fakeup *fu, int fd, bool tcp, const oc_sockaddr *to,
	const ldns_rdf *qname, ldns_rr_type type, uint16_t id, unsigned flags)
{
	size_t len;
	uint8_t *w = NULL;
	if (flags & FU_SPOOF_SOURCE) {
		w = answer(qname, type, id, LDNS_RCODE_NOERROR, false, bogus, NULL, &len);
		if (!tcp)
			send_now(fu->spoof, false, to, w, len);
	} else if (flags & FU_WRONG_ID) {
		w = answer(qname, type, (uint16_t)(id + 1), LDNS_RCODE_NOERROR, false, bogus, NULL,
			&len);
		send_now(fd, tcp, to, w, len);
	} else if (flags & FU_WRONG_QUESTION) {
		ldns_rdf *other = ldns_dname_new_frm_str("wrong.invalid.");
		w = answer(other, type, id, LDNS_RCODE_NOERROR, false, bogus, NULL, &len);
		ldns_rdf_deep_free(other);
		send_now(fd, tcp, to, w, len);
	}
	free(w);
}

static void handle(struct fakeup *fu, int up, int fd, bool tcp, const oc_sockaddr *from,
	const uint8_t *msg, size_t len)
{
	ldns_pkt *q = NULL;
	if (ldns_wire2pkt(&q, msg, len) != LDNS_STATUS_OK || ldns_pkt_qdcount(q) != 1) {
		ldns_pkt_free(q);
		return;
	}
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	const ldns_rdf *qname = ldns_rr_owner(question);
	ldns_rr_type type = ldns_rr_get_type(question);
	char *text = ldns_rdf2str(qname);
	size_t tl = strlen(text);
	if (tl && text[tl - 1] == '.')
		text[tl - 1] = '\0';
	for (char *c = text; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	size_t i = 0;
	while (i < fu->n && strcmp(fu->names[i].name, text) != 0)
		i++;
	free(text);
	atomic_fetch_add(&fu->count[0][up][tcp], 1);
	pthread_mutex_lock(&fu->lock);
	if (!tcp && fu->nsources < MAX_SOURCES) {
		fu->src_port[fu->nsources] = oc_sockaddr_port(from);
		fu->src_id[fu->nsources++] = ldns_pkt_id(q);
	}
	pthread_mutex_unlock(&fu->lock);
	const struct fu_name *e = NULL;
	if (i < fu->n) {
		atomic_fetch_add(&fu->count[i + 1][up][tcp], 1);
		e = &fu->names[i];
	}
	uint16_t id = ldns_pkt_id(q);
	unsigned flags = e ? e->flags : 0;
	if ((flags & FU_SILENT) || (up == 0 && (flags & FU_FIRST_SILENT))) {
		ldns_pkt_free(q);
		return;
	}
	int rcode = !e ? LDNS_RCODE_REFUSED : up == 0 && (flags & FU_FIRST_SERVFAIL) ?
		LDNS_RCODE_SERVFAIL : e->rcode;
	bool tc = !tcp && (flags & FU_TRUNC_UDP);
	forge(fu, fd, tcp, from, qname, type, id, flags);
	size_t alen;
	uint8_t *w = answer(qname, type, id, rcode, tc, e && !tc ? e->answer : NULL,
		e && !tc ? e->authority : NULL, &alen);
	send_later(fu, fd, tcp, from, w, alen, e ? e->delay_ms : 0);
	free(w);
	ldns_pkt_free(q);
}

static void on_udp(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct fakeup *fu = arg;
	int up = fd == fu->udp[0] ? 0 : 1;
	uint8_t buf[65535];
	oc_sockaddr from;
	from.len = sizeof(from.u);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, &from.u.sa, &from.len);
	if (n > 0)
		handle(fu, up, fd, false, &from, buf, (size_t)n);
}

static void on_conn(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;
	ssize_t n = recv(fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			oc_loop_del_fd(loop, fd); /* closed at fu_stop */
		return;
	}
	c->rx_len += (size_t)n;
	while (c->rx_len >= 2 && c->rx_len >= 2 + (size_t)(c->rx[0] << 8 | c->rx[1])) {
		size_t len = (size_t)(c->rx[0] << 8 | c->rx[1]);
		oc_sockaddr none = { .len = 0 };
		handle(c->fu, c->up, fd, true, &none, c->rx + 2, len);
		memmove(c->rx, c->rx + 2 + len, c->rx_len - 2 - len);
		c->rx_len -= 2 + len;
	}
}

static void on_accept(oc_loop *loop, int fd, unsigned events, void *arg)
{
	struct fakeup *fu = arg;
	int cfd = oc_sock_accept(fd, NULL);
	if (cfd < 0)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || fu->nconns == MAX_CONNS)
		die("too many fake upstream connections");
	c->fu = fu;
	c->up = fd == fu->tcp[0] ? 0 : 1;
	c->fd = cfd;
	fu->conns[fu->nconns++] = c;
	if (oc_loop_add_fd(loop, cfd, OC_LOOP_READ, on_conn, c) < 0)
		die("add conn");
}

static int bind_udp(const char *ip)
{
	oc_sockaddr a;
	if (oc_sockaddr_parse(&a, ip, 53) < 0)
		die(ip);
	int fd = oc_sock_bind_udp(&a, 0);
	if (fd < 0)
		die(ip);
	return fd;
}

static void *run(void *arg)
{
	struct fakeup *fu = arg;
	oc_loop_run(fu->loop);
	return NULL;
}

struct fakeup *fu_start(const struct fu_name *names, size_t n)
{
	struct fakeup *fu = calloc(1, sizeof(*fu));
	if (!fu || n > MAX_NAMES)
		die("fu_start");
	fu->names = names;
	fu->n = n;
	pthread_mutex_init(&fu->lock, NULL);
	if (oc_loop_new(&fu->loop) != 0)
		die("oc_loop_new");
	const char *ips[2] = { FU_UP0, FU_UP1 };
	for (int i = 0; i < 2; i++) {
		fu->udp[i] = bind_udp(ips[i]);
		oc_sockaddr a;
		oc_sockaddr_parse(&a, ips[i], 53);
		fu->tcp[i] = oc_sock_listen_tcp(&a, 16, 0);
		if (fu->tcp[i] < 0)
			die(ips[i]);
		if (oc_loop_add_fd(fu->loop, fu->udp[i], OC_LOOP_READ, on_udp, fu) < 0 ||
			oc_loop_add_fd(fu->loop, fu->tcp[i], OC_LOOP_READ, on_accept, fu) < 0)
			die("add fd");
	}
	fu->spoof = bind_udp(FU_SPOOF);
	if (pthread_create(&fu->thread, NULL, run, fu) != 0)
		die("pthread_create");
	return fu;
}

static void stop_loop(oc_loop *loop, void *arg)
{
	oc_loop_stop(loop);
}

void fu_stop(struct fakeup *fu)
{
	if (!fu)
		return;
	oc_loop_post(fu->loop, stop_loop, NULL);
	pthread_join(fu->thread, NULL);
	oc_loop_free(fu->loop);
	for (size_t i = 0; i < fu->ndelayed; i++)
		free(fu->delayed[i]);
	for (size_t i = 0; i < fu->nconns; i++) {
		close(fu->conns[i]->fd);
		free(fu->conns[i]);
	}
	for (int i = 0; i < 2; i++) {
		close(fu->udp[i]);
		close(fu->tcp[i]);
	}
	close(fu->spoof);
	pthread_mutex_destroy(&fu->lock);
	free(fu);
}

unsigned fu_count(struct fakeup *fu, int upstream, bool tcp, const char *name)
{
	size_t i = 0;
	if (name) {
		while (i < fu->n && strcmp(fu->names[i].name, name) != 0)
			i++;
		if (i == fu->n)
			return 0;
		i++;
	}
	return atomic_load(&fu->count[i][upstream][tcp]);
}

size_t fu_udp_sources(struct fakeup *fu, unsigned *ports, unsigned *ids, size_t max)
{
	pthread_mutex_lock(&fu->lock);
	size_t n = fu->nsources < max ? fu->nsources : max;
	memcpy(ports, fu->src_port, n * sizeof(*ports));
	memcpy(ids, fu->src_id, n * sizeof(*ids));
	pthread_mutex_unlock(&fu->lock);
	return n;
}
