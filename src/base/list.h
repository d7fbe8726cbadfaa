/* SPDX-License-Identifier: MIT */
/*
 * Intrusive doubly linked lists in the kernel's shape (list_head). Not thread-safe: the
 * owner of a list says which lock protects it.
 */
#ifndef SVA_BASE_LIST_H
#define SVA_BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "sva/base.h" /* struct sva_list_head */

static inline void sva_list_init(struct sva_list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool sva_list_empty(const struct sva_list_head *h)
{
	return h->next == h;
}

/* On no list: self-linked, or zeroed and never added (CONFIG_DEBUG_LIST's checks, sync/glist.h). */
static inline bool sva_list_node_unlinked(const struct sva_list_head *n)
{
	return !n->next || n->next == n;
}

/* @n sits between two nodes that point back at it (a head, or a node on a list). */
static inline bool sva_list_node_linked(const struct sva_list_head *n)
{
	return n->next && n->prev && n->next->prev == n && n->prev->next == n;
}

static inline void sva_list_insert_(struct sva_list_head *n, struct sva_list_head *prev,
				    struct sva_list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void sva_list_add(struct sva_list_head *n, struct sva_list_head *h)
{
	sva_list_insert_(n, h, h->next);
}

static inline void sva_list_add_tail(struct sva_list_head *n, struct sva_list_head *h)
{
	sva_list_insert_(n, h->prev, h);
}

/* Unlink @n and leave it self-linked, so a second del is harmless. */
static inline void sva_list_del(struct sva_list_head *n)
{
	n->next->prev = n->prev;
	n->prev->next = n->next;
	sva_list_init(n);
}

#define sva_list_entry(ptr, type, member)     sva_container_of(ptr, type, member)
#define sva_list_first_entry(h, type, member) sva_list_entry((h)->next, type, member)

#define sva_list_for_each(pos, h) for ((pos) = (h)->next; (pos) != (h); (pos) = (pos)->next)

#define sva_list_for_each_entry(pos, h, member)                                                    \
	for ((pos) = sva_list_entry((h)->next, __typeof__(*(pos)), member); &(pos)->member != (h); \
	     (pos) = sva_list_entry((pos)->member.next, __typeof__(*(pos)), member))

#define sva_list_for_each_entry_safe(pos, tmp, h, member)                           \
	for ((pos) = sva_list_entry((h)->next, __typeof__(*(pos)), member),         \
	    (tmp) = sva_list_entry((pos)->member.next, __typeof__(*(pos)), member); \
	     &(pos)->member != (h); (pos) = (tmp),                                  \
	    (tmp) = sva_list_entry((tmp)->member.next, __typeof__(*(pos)), member))

#endif /* SVA_BASE_LIST_H */
