/* Pausing listeners that cannot accept (accept.h). */
#include "loop/accept.h"

#include <errno.h>

static void resume(oc_loop *loop, uint64_t id, void *arg)
{
	(void)loop;
	(void)id;
	oc_accept_gate *g = arg;
	g->timer = 0;
	g->set(g->arg, true);
}

bool oc_accept_failed(oc_accept_gate *g, int e)
{
	switch (e) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
		return true;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		atomic_store_explicit(&g->pauses, oc_accept_pauses(g) + 1, memory_order_relaxed);
		if (g->timer)
			return false;
		g->set(g->arg, false);
		/* Without a timer the listener would stay off for good; on is
		 * the lesser evil (it spins until descriptors come back). */
		if (oc_loop_timer_add(g->loop, OC_ACCEPT_PAUSE_MS, resume, g, &g->timer) < 0) {
			g->timer = 0;
			g->set(g->arg, true);
		}
		return false;
	default:
		return false;
	}
}

bool oc_accept_paused(const oc_accept_gate *g)
{
	return g->timer != 0;
}

uint64_t oc_accept_pauses(const oc_accept_gate *g)
{
	return atomic_load_explicit(&g->pauses, memory_order_relaxed);
}

void oc_accept_gate_stop(oc_accept_gate *g)
{
	if (g->timer)
		oc_loop_timer_cancel(g->loop, g->timer);
	g->timer = 0;
}
