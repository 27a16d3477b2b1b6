/* Intrusive doubly linked lists with a sentinel head: the library's one
 * list for objects that leave their list from anywhere (a query waiting
 * upstream is in the DNS server's list and its client's; a Docker call or
 * a host API job is dropped when it ends or its owner stops). A node not
 * in a list points to itself, so removing it twice is harmless. Lists that
 * are only pushed and then drained whole (reload waiters, deferred calls)
 * stay plain singly linked chains or arrays: they never remove from the
 * middle. Thread-safety: none. */
#ifndef OC_CORE_DLIST_H
#define OC_CORE_DLIST_H

#include <stdbool.h>
#include <stddef.h>

/* The object whose `member` ptr points at. */
#define oc_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

typedef struct oc_dlist {
	struct oc_dlist *prev, *next;
} oc_dlist;

static inline void oc_dlist_init(oc_dlist *n)
{
	n->prev = n->next = n;
}

static inline bool oc_dlist_empty(const oc_dlist *head)
{
	return head->next == head;
}

/* Links n first after head. */
static inline void oc_dlist_push(oc_dlist *head, oc_dlist *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

/* Iterates over the nodes of head; pos may be removed inside the body. */
#define oc_dlist_each(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

static inline void oc_dlist_remove(oc_dlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	oc_dlist_init(n);
}

#endif
