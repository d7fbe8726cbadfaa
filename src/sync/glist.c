/* SPDX-License-Identifier: MIT */
/*
 * The report of a guarded list's corruption (glist.h): what the kernel's CONFIG_DEBUG_LIST
 * prints before it refuses the change. Out of line, since only a bug comes here. No lock of
 * its own: the caller holds the list's (asserted just before).
 */
#include <stddef.h>

#include "../base/world.h"
#include "glist.h"
#include "sched.h"

_Static_assert(offsetof(struct sva_mutex, wc) == 0, "a lock's channel (and world) comes first");
_Static_assert(offsetof(struct sva_spinlock, wc) == 0, "a lock's channel (and world) comes first");
_Static_assert(offsetof(struct sva_rwsem, wc) == 0, "a lock's channel (and world) comes first");

static const char *sva_lock_ref_name(const struct sva_lock_ref *r)
{
	const char *name = NULL;

	switch (r->kind) {
	case SVA_LOCK_MUTEX:
		name = ((const struct sva_mutex *)r->lock)->name;
		break;
	case SVA_LOCK_SPIN:
		name = ((const struct sva_spinlock *)r->lock)->name;
		break;
	case SVA_LOCK_RWSEM:
		name = ((const struct sva_rwsem *)r->lock)->name;
		break;
	}
	return name ? name : "?";
}

void sva_glist_corrupt(struct sva_glist *gl, const struct sva_list_head *n, const char *what,
		       const char *site)
{
	struct sva_world *w = ((const struct sva_wchan *)gl->guard.lock)->w;
	const char *why;

	if (n == &gl->head)
		why = "the list's own head";
	else if (what[0] == 'a')
		why = sva_list_node_unlinked(n) ? "the list's head is not linked"
						: "the node is already on a list";
	else
		why = !n->next ? "the node was never added"
			       : "its neighbours do not point back at it";
	sva_report(w, SVA_REPORT_LIST_CORRUPTION,
		   "%s: list_%s corruption on the list under %s at %s: %s (node %p)",
		   sva_sched_owner(w->sched)->name, what, sva_lock_ref_name(&gl->guard), site, why,
		   (const void *)n);
}
