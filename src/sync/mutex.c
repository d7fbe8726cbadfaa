/* SPDX-License-Identifier: MIT */
/*
 * Mutexes, with an owner: a release by a non-owner is reported (and refused, so the lock's
 * state is never lost), and an actor that ends holding one is reported by actor.c. The owner's
 * list of held mutexes is touched only by the owner itself.
 *
 * Taking is a scheduling point in sim; releasing is not (nothing a switch right after it could
 * reach that a switch at the releaser's next point cannot: docs/concurrency.md).
 */
#include "sched.h"

void sva_mutex_init(struct sva_world *w, struct sva_mutex *m, const char *name)
{
	sva_wchan_init(w, &m->wc);
	m->name = name ? name : "mutex";
	m->owner = NULL;
	m->owner_site = NULL;
	sva_list_init(&m->held);
	m->dep_class = 0;
}

void sva_mutex_reads(struct sva_mutex *m)
{
	if (m->wc.w->sched->sim)
		sva_por_touch(m->wc.w->sched, m->wc.por_id);
}

void sva_mutex_destroy(struct sva_mutex *m)
{
	if (m->owner)
		sva_report(m->wc.w, SVA_REPORT_BAD_USAGE, "mutex %s destroyed while held by %s",
			   m->name, m->owner->name);
	sva_wchan_destroy(&m->wc);
}

static void sva_mutex_take(struct sva_mutex *m, struct sva_actor *owner, const char *site)
{
	m->owner = owner;
	m->owner_site = site;
	sva_list_add(&m->held, &owner->held);
	sva_lockdep_acquired(m->wc.w->sched, m, &m->dep_class, m->name, site);
}

void sva_mutex_lock_at(struct sva_mutex *m, const char *site)
{
	struct sva_actor *owner;

	if (sva_obj_freed(&m->wc.w, "mutex_lock"))
		return;
	owner = sva_sched_owner(m->wc.w->sched);
	if (sva_obj_might_sleep_on(&m->wc.w, &m->wc.por_id, site, "mutex lock", "mutex_lock"))
		return;
	sva_lockdep_acquire(m->wc.w->sched, &m->dep_class, m->name, site);
	sva_wchan_lock(&m->wc);
	if (m->owner == owner && owner->id >= 0) {
		/* would sleep forever: say so instead (the kernel's lockdep would) */
		sva_wchan_unlock(&m->wc);
		sva_report(m->wc.w, SVA_REPORT_DEADLOCK,
			   "%s locks mutex %s again at %s (taken at %s)", owner->name, m->name,
			   site, m->owner_site);
		return;
	}
	while (m->owner) {
		if (sva_wchan_sleep(&m->wc, site, m->name, false))
			break;
		if (sva_obj_freed(&m->wc.w, "mutex_lock (woken)"))
			return;
	}
	if (!m->owner)
		sva_mutex_take(m, owner, site);
	sva_wchan_unlock(&m->wc);
}

bool sva_mutex_trylock(struct sva_mutex *m)
{
	struct sva_actor *owner;
	bool taken = false;

	if (sva_obj_freed(&m->wc.w, "mutex_trylock"))
		return false;
	owner = sva_sched_owner(m->wc.w->sched);
	if (sva_obj_point_freed_on(&m->wc.w, &m->wc.por_id, "mutex_trylock"))
		return false;
	sva_wchan_lock(&m->wc);
	if (!m->owner) {
		sva_mutex_take(m, owner, "trylock");
		taken = true;
	}
	sva_wchan_unlock(&m->wc);
	return taken;
}

void sva_mutex_unlock(struct sva_mutex *m)
{
	struct sva_actor *me;

	if (sva_obj_freed(&m->wc.w, "mutex_unlock"))
		return;
	me = sva_sched_owner(m->wc.w->sched);
	sva_wchan_lock(&m->wc);
	if (m->owner != me) {
		struct sva_actor *owner = m->owner;

		sva_wchan_unlock(&m->wc);
		sva_report(m->wc.w, SVA_REPORT_LOCK_NOT_OWNER, "%s releases mutex %s owned by %s",
			   me->name, m->name, owner ? owner->name : "nobody");
		return;
	}
	m->owner = NULL;
	m->owner_site = NULL;
	sva_list_del(&m->held);
	sva_lockdep_release(m->wc.w->sched, m);
	sva_wchan_wake_all(&m->wc);
	sva_wchan_unlock(&m->wc);
}

bool sva_mutex_is_locked(struct sva_mutex *m)
{
	bool locked;

	if (sva_obj_freed(&m->wc.w, "mutex_is_locked"))
		return false;
	sva_wchan_lock(&m->wc);
	locked = m->owner != NULL;
	sva_wchan_unlock(&m->wc);
	return locked;
}

bool sva_mutex_held(struct sva_mutex *m)
{
	struct sva_actor *me;
	bool held;

	if (sva_obj_freed(&m->wc.w, "mutex_held"))
		return false;
	me = sva_sched_owner(m->wc.w->sched);
	sva_wchan_lock(&m->wc);
	held = m->owner == me;
	sva_wchan_unlock(&m->wc);
	return held;
}

void sva_mutex_release_orphan_(struct sva_mutex *m)
{
	sva_wchan_lock(&m->wc);
	m->owner = NULL;
	m->owner_site = NULL;
	sva_list_del(&m->held);
	sva_wchan_wake_all(&m->wc);
	sva_wchan_unlock(&m->wc);
}
