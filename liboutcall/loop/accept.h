/*
 * What a listener does when accept() fails. Listeners are level-triggered:
 * a pending connection that cannot be taken (no descriptor or memory left)
 * wakes the loop again at once, forever, and spins a core. So on those
 * errors the listener is switched off for a moment and on again from a
 * timer; the connection waits in the backlog meanwhile. The proxy, the
 * DNS server and the API server (host API, agent sockets) share this.
 */
#ifndef OC_LOOP_ACCEPT_H
#define OC_LOOP_ACCEPT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <outcall/loop.h>

#define OC_ACCEPT_PAUSE_MS 100

typedef struct oc_accept_gate {
	oc_loop *loop;
	/* Turns the gate's listener(s) on (read interest) or off. */
	void (*set)(void *arg, bool on);
	void *arg;
	uint64_t timer;   /* nonzero while paused */
	/* Times accept() ran out of descriptors or memory; written by the
	 * loop's thread, read by any (oc_accept_pauses). */
	atomic_uint_fast64_t pauses;
} oc_accept_gate;

/* After an accept() that failed with errno e: true to call accept() again
 * (EINTR, ECONNABORTED, a connection gone before it was taken), false to
 * return to the loop (EAGAIN: nothing pending; EMFILE, ENFILE, ENOBUFS,
 * ENOMEM: paused for OC_ACCEPT_PAUSE_MS). */
bool oc_accept_failed(oc_accept_gate *g, int e);
bool oc_accept_paused(const oc_accept_gate *g);
uint64_t oc_accept_pauses(const oc_accept_gate *g);
/* Cancels a pending resume (the listeners are going away). */
void oc_accept_gate_stop(oc_accept_gate *g);

#endif
