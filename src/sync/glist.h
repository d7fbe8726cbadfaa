/* SPDX-License-Identifier: MIT */
/*
 * Guarded lists: a list head that knows the lock protecting it, so that every change and every
 * walk asserts that lock (sva_lockdep_assert_held; an rw-semaphore for write on a change).
 * The kernel writes "protected by X" in a comment and lockdep catches the walker that forgot;
 * here the list itself asks, so a patch that adds or drops a lock anywhere around a list is
 * judged on every run - even where the sim's cooperative steps would hide the race.
 *
 * Nodes are plain struct sva_list_head. A list no one else can reach (at creation, at the
 * final teardown) is walked through sva_glist_unguarded(), which says so at the call site.
 *
 * Every change is also checked as the kernel's CONFIG_DEBUG_LIST checks it, and more strictly,
 * since a node on no list is self-linked here (sva_list_init, sva_list_del) or zeroed (a fresh
 * object): a node added must be on no list, a node deleted must be linked - on a list, or
 * self-linked (a second del is a no-op, as the kernel's list_del_init of an empty node) - and
 * the neighbours of either must point back. A change that fails is reported
 * (SVA_REPORT_LIST_CORRUPTION, the site named) and not made, as the kernel's __list_add_valid()
 * refuses it: a node left on the list it should have left, or added twice, is a lifetime bug of its
 * owner, seen when it happens and not as a crash or a cycle later.
 */
#ifndef SVA_SYNC_GLIST_H
#define SVA_SYNC_GLIST_H

#include "../base/list.h"
#include "sva/sync.h"

enum sva_lock_kind { SVA_LOCK_MUTEX, SVA_LOCK_SPIN, SVA_LOCK_RWSEM };

struct sva_lock_ref {
	enum sva_lock_kind kind;
	void *lock;
};

#define SVA_LOCK_REF(l)                                                                        \
	_Generic((l), struct sva_mutex *                                                       \
		 : (struct sva_lock_ref){ SVA_LOCK_MUTEX, (void *)(l) }, struct sva_spinlock * \
		 : (struct sva_lock_ref){ SVA_LOCK_SPIN, (void *)(l) }, struct sva_rwsem *     \
		 : (struct sva_lock_ref){ SVA_LOCK_RWSEM, (void *)(l) })

static inline void sva_lock_ref_assert(const struct sva_lock_ref *r, bool write, const char *site)
{
	switch (r->kind) {
	case SVA_LOCK_MUTEX:
		sva_mutex_assert_held_at(r->lock, site);
		break;
	case SVA_LOCK_SPIN:
		sva_spin_assert_held_inline_at(r->lock, site);
		break;
	case SVA_LOCK_RWSEM:
		if (write)
			sva_rwsem_assert_write_held_at(r->lock, site);
		else
			sva_rwsem_assert_held_at(r->lock, site);
		break;
	}
}

struct sva_glist {
	struct sva_list_head head;
	struct sva_lock_ref guard;
};

#define sva_glist_init(gl, l) sva_glist_init_((gl), SVA_LOCK_REF(l))
static inline void sva_glist_init_(struct sva_glist *gl, struct sva_lock_ref guard)
{
	sva_list_init(&gl->head);
	gl->guard = guard;
}

/* The head, the guard asserted (for a change: @write). */
#define sva_glist_locked(gl, write) sva_glist_locked_((gl), (write), SVA_HERE)
static inline struct sva_list_head *sva_glist_locked_(struct sva_glist *gl, bool write,
						      const char *site)
{
	sva_lock_ref_assert(&gl->guard, write, site);
	return &gl->head;
}

/* The head, unasserted: the caller says no one else can reach the list. */
static inline struct sva_list_head *sva_glist_unguarded(struct sva_glist *gl)
{
	return &gl->head;
}

/* glist.c: report a change of @gl that CONFIG_DEBUG_LIST's checks refuse (@what: "add", "del"). */
void sva_glist_corrupt(struct sva_glist *gl, const struct sva_list_head *n, const char *what,
		       const char *site);

static inline void sva_glist_add_(struct sva_list_head *n, struct sva_glist *gl, bool tail,
				  const char *site)
{
	struct sva_list_head *h = sva_glist_locked_(gl, true, site);

	if (n == h || !sva_list_node_unlinked(n) || !sva_list_node_linked(h)) {
		sva_glist_corrupt(gl, n, "add", site);
		return;
	}
	if (tail)
		sva_list_add_tail(n, h);
	else
		sva_list_add(n, h);
}

static inline void sva_glist_del_(struct sva_list_head *n, struct sva_glist *gl, const char *site)
{
	struct sva_list_head *h = sva_glist_locked_(gl, true, site);

	if (n == h || !sva_list_node_linked(n)) { /* self-linked passes: list_del_init's no-op */
		sva_glist_corrupt(gl, n, "del", site);
		return;
	}
	sva_list_del(n);
}

#define sva_glist_add(n, gl)	  sva_glist_add_((n), (gl), false, SVA_HERE)
#define sva_glist_add_tail(n, gl) sva_glist_add_((n), (gl), true, SVA_HERE)
#define sva_glist_del(n, gl)	  sva_glist_del_((n), (gl), SVA_HERE)
#define sva_glist_empty(gl)	  sva_list_empty(sva_glist_locked((gl), false))
/* A walk asserts once, before the first entry (a break leaves both loops). */
#define sva_glist_for_each_entry(pos, gl, member)                             \
	for (struct sva_list_head *sva_gl_h_ = sva_glist_locked((gl), false), \
				  *sva_gl_1_ = sva_gl_h_;                     \
	     sva_gl_1_; sva_gl_1_ = NULL)                                     \
		sva_list_for_each_entry(pos, sva_gl_h_, member)
#define sva_glist_for_each_entry_safe(pos, tmp, gl, member)                   \
	for (struct sva_list_head *sva_gl_h_ = sva_glist_locked((gl), false), \
				  *sva_gl_1_ = sva_gl_h_;                     \
	     sva_gl_1_; sva_gl_1_ = NULL)                                     \
		sva_list_for_each_entry_safe(pos, tmp, sva_gl_h_, member)

#endif /* SVA_SYNC_GLIST_H */
