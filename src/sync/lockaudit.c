/* SPDX-License-Identifier: MIT */
/*
 * The section audit: which critical sections assert nothing (sim; SVA_LOCK_AUDIT=FILE).
 *
 * A lock protects state, and the state says so by asserting the lock where it is read or
 * changed (a guarded list, sva_guarded(), a *_locked function's sva_lockdep_assert_held). A
 * patch that drops a lock around such state is then reported on every run that passes there.
 * A section in which no assertion of its lock runs is different: dropping that lock is seen
 * only if two actors race inside it on a schedule the search happens to try. The audit lists
 * those sections, so that the state they protect can be made to assert its lock.
 *
 * lockdep's per-actor stack of held locks (struct sva_held_lock) carries a flag set by every
 * successful lockdep_assert_held of the lock; at the release the acquisition site is counted,
 * held and "bare" (nothing asserted), in an open-addressed table keyed by the site's address
 * (SVA_HERE is one string literal per site). When the world ends, one line per site,
 * "LOCKAUDIT <site> <held> <bare>", is appended to FILE; scripts sum them over many runs.
 *
 * Everything lives in the world's scheduler; one actor runs at a time in sim. A failed
 * allocation turns the audit off for that world (it is a diagnostic, never a verdict).
 */
#include <stdio.h>
#include <stdlib.h>

#include "sched.h"

struct sva_lock_site {
	const char *site;
	unsigned long held, bare;
};

struct sva_lockaudit {
	const char *path;
	size_t cap, n; /* cap a power of two; n < cap / 2 */
	struct sva_lock_site *sites;
};

void sva_lockaudit_init(struct sva_sched *s)
{
	const char *path = getenv("SVA_LOCK_AUDIT");
	struct sva_lockaudit *a;

	if (!path || !*path)
		return;
	a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->path = path;
	s->lockdep.audit = a;
}

static void sva_lockaudit_write(const struct sva_lockaudit *a)
{
	FILE *f = fopen(a->path, "a");

	if (!f)
		return;
	for (size_t i = 0; i < a->cap; i++)
		if (a->sites[i].site)
			fprintf(f, "LOCKAUDIT %s %lu %lu\n", a->sites[i].site, a->sites[i].held,
				a->sites[i].bare);
	fclose(f);
}

void sva_lockaudit_destroy(struct sva_sched *s)
{
	struct sva_lockaudit *a = s->lockdep.audit;

	if (!a)
		return;
	sva_lockaudit_write(a);
	free(a->sites);
	free(a);
	s->lockdep.audit = NULL;
}

static size_t sva_lockaudit_slot(const struct sva_lock_site *sites, size_t cap, const char *site)
{
	size_t i = ((uintptr_t)site >> 3) * 0x9e3779b97f4a7c15ull & (cap - 1);

	while (sites[i].site && sites[i].site != site)
		i = (i + 1) & (cap - 1);
	return i;
}

static bool sva_lockaudit_grow(struct sva_lockaudit *a)
{
	size_t cap = a->cap ? 2 * a->cap : 64;
	struct sva_lock_site *sites = calloc(cap, sizeof(*sites));

	if (!sites)
		return false;
	for (size_t i = 0; i < a->cap; i++)
		if (a->sites[i].site)
			sites[sva_lockaudit_slot(sites, cap, a->sites[i].site)] = a->sites[i];
	free(a->sites);
	a->sites = sites;
	a->cap = cap;
	return true;
}

void sva_lockaudit_release(struct sva_sched *s, const struct sva_held_lock *h)
{
	struct sva_lockaudit *a = s->lockdep.audit;
	struct sva_lock_site *e;

	if (!h->site)
		return;
	if (2 * (a->n + 1) > a->cap && !sva_lockaudit_grow(a)) {
		sva_lockaudit_destroy(s);
		return;
	}
	e = &a->sites[sva_lockaudit_slot(a->sites, a->cap, h->site)];
	if (!e->site) {
		e->site = h->site;
		a->n++;
	}
	e->held++;
	e->bare += !h->asserted;
}

/* The innermost holding of @lock by the current actor asserted (a reader's, for an rwsem). */
void sva_lockaudit_asserted(struct sva_sched *s, const void *lock)
{
	struct sva_actor *me = s->current ? s->current : &s->outside;

	for (unsigned i = me->ld_depth; i > 0; i--) {
		if (me->ld_held[i - 1].lock == lock) {
			me->ld_held[i - 1].asserted = true;
			return;
		}
	}
}
