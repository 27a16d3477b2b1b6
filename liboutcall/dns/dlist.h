/* Intrusive doubly linked lists with a sentinel head, for the objects the
 * DNS server keeps in several lists at once (a query waiting upstream is in
 * the server's list and its client's). A node not in a list points to
 * itself, so removing it twice is harmless. Thread-safety: none. */
#ifndef OC_DNS_DLIST_H
#define OC_DNS_DLIST_H

#include <stdbool.h>

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

static inline void oc_dlist_remove(oc_dlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	oc_dlist_init(n);
}

#endif
