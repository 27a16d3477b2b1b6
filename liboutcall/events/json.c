/* oc_event_to_json: hand-written, because it runs for every logged
 * decision and a generic JSON library would allocate a tree per event. */
#include <outcall/events.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/grow.h"

struct out {
	char **buf;
	size_t *len, *cap;
	int rc;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->rc)
		return;
	/* the caller's buffer, not an oc_buf: oc_event_to_json is public API */
	char *p = oc_grow(*o->buf, o->cap, *o->len + n + 1, 1);
	if (!p) {
		o->rc = OC_ENOMEM;
		return;
	}
	*o->buf = p;
	memcpy(*o->buf + *o->len, s, n);
	*o->len += n;
	(*o->buf)[*o->len] = '\0';
}

static void put_str(struct out *o, const char *key, const char *v)
{
	if (!v)
		return;
	char head[48];
	int n = snprintf(head, sizeof(head), ",\"%s\":\"", key);
	put(o, head, (size_t)n);
	/* Escape what JSON requires; bytes >= 0x80 pass through, and invalid
	 * UTF-8 from a hostile peer is replaced so every line stays valid
	 * JSON for log shippers. */
	const unsigned char *p = (const unsigned char *)v;
	while (*p) {
		unsigned char c = *p;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(o, esc, 2);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			n = snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(o, esc, (size_t)n);
			p++;
		} else if (c < 0x80) {
			put(o, (const char *)p, 1);
			p++;
		} else {
			size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
			bool ok = len > 0;
			for (size_t i = 1; ok && i < len; i++)
				ok = (p[i] & 0xc0) == 0x80;
			if (ok) {
				put(o, (const char *)p, len);
				p += len;
			} else {
				put(o, "\\ufffd", 6);
				p++;
			}
		}
	}
	put(o, "\"", 1);
}

static void put_int(struct out *o, const char *key, int64_t v)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), ",\"%s\":%" PRId64, key, v);
	put(o, tmp, (size_t)n);
}

void oc_event_id_format(uint64_t id, char out[OC_EVENT_ID_LEN])
{
	snprintf(out, OC_EVENT_ID_LEN, "%016" PRIx64, id);
}

int oc_event_to_json(const oc_event *ev, char **buf, size_t *len, size_t *cap)
{
	struct out o = { buf, len, cap, 0 };
	char head[96];
	time_t secs = (time_t)(ev->time_us / 1000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	int n = snprintf(head, sizeof(head), "{\"time\":\"%s.%06dZ\",\"id\":\"%016" PRIx64 "\"",
		stamp, (int)(ev->time_us % 1000000), ev->id);
	put(&o, head, (size_t)n);
	put_str(&o, "kind", oc_event_kind_name(ev->kind));
	put_str(&o, "layer", oc_event_layer_name(ev->layer));
	put_str(&o, "agent", ev->agent);
	put_str(&o, "container", ev->container);
	put_str(&o, "peer", ev->peer);
	put_str(&o, "host", ev->host);
	if (ev->port)
		put_int(&o, "port", ev->port);
	put_str(&o, "method", ev->method);
	put_str(&o, "path", ev->path);
	put_str(&o, "verdict", oc_event_verdict_text(ev));
	put_str(&o, "rule", ev->rule);
	if (ev->generation)
		put_int(&o, "generation", (int64_t)ev->generation);
	put_int(&o, "latency_us", ev->latency_us);
	put_str(&o, "reason", ev->reason);
	put_str(&o, "dns_type", ev->dns_type);
	if (ev->dns_rcode >= 0)
		put_int(&o, "dns_rcode", ev->dns_rcode);
	if (ev->answers_kept || ev->answers_removed) {
		put_int(&o, "answers_kept", ev->answers_kept);
		put_int(&o, "answers_removed", ev->answers_removed);
	}
	if (ev->status)
		put_int(&o, "status", ev->status);
	if (ev->bytes_up || ev->bytes_down || ev->duration_ms) {
		put_int(&o, "bytes_up", ev->bytes_up);
		put_int(&o, "bytes_down", ev->bytes_down);
		put_int(&o, "duration_ms", ev->duration_ms);
	}
	put(&o, "}", 1);
	return o.rc;
}
