/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks: locks whose holder must not sleep.
 *
 * native: a test-and-test-and-set lock on one atomic word, with a yield after a while of
 *         spinning (actors may outnumber cores); no owner bookkeeping, to stay fast. The
 *         uncontended path is inline in sva/sync.h.
 * sim:    a scheduling point, then a wait on the lock's channel while it is taken (spinning
 *         modelled as blocking); the holder's spin depth makes any sleeping primitive taken
 *         inside report SLEEP_IN_ATOMIC. The release is not a scheduling point (see
 *         docs/concurrency.md: it adds no reachable state).
 */
#include <sched.h>

#include "sched.h"

void sva_spin_lock_init(struct sva_world *w, struct sva_spinlock *s, const char *name)
{
	sva_wchan_init(w, &s->wc);
	atomic_init(&s->locked, 0);
	s->sim = w->config.backend == SVA_BACKEND_SIM;
	s->name = name ? name : "spinlock";
	s->owner = NULL;
	s->dep_class = 0;
}

void sva_spin_lock_destroy(struct sva_spinlock *s)
{
	sva_wchan_destroy(&s->wc);
}

void sva_spin_lock_guards_lockfree(struct sva_spinlock *s)
{
	if (s->wc.por_id)
		s->wc.por_id |= SVA_FP_GUARDED;
}

void sva_spin_lock_reads(struct sva_spinlock *s)
{
	if (s->sim)
		sva_por_touch(s->wc.w->sched, s->wc.por_id);
}

static inline void sva_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void sva_spin_lock_native(struct sva_spinlock *s)
{
	unsigned spins = 0;

	while (atomic_exchange_explicit(&s->locked, 1, memory_order_acquire)) {
		while (atomic_load_explicit(&s->locked, memory_order_relaxed)) {
			if (++spins % 128 == 0)
				sched_yield();
			else
				sva_cpu_relax();
		}
	}
}

/* Contended in native, or any lock in sim. */
void sva_spin_lock_slow_(struct sva_spinlock *s, const char *site)
{
	struct sva_sched *sc;
	struct sva_actor *owner;

	if (sva_obj_freed(&s->wc.w, "spin_lock"))
		return;
	sc = s->wc.w->sched;
	if (!s->sim) {
		sva_spin_lock_native(s);
		return;
	}
	owner = sva_sched_owner(sc);
	sva_sim_point_on(sc, s->wc.por_id);
	if (sva_obj_freed(&s->wc.w, "spin_lock"))
		return;
	sva_tsan_acquire(&s->wc); /* the lock's state, as native's atomic: acquire .. release */
	sva_lockdep_acquire(sc, &s->dep_class, s->name, site);
	while (s->owner) {
		if (sva_wchan_sleep(&s->wc, site, s->name, false))
			return;
		if (sva_obj_freed(&s->wc.w, "spin_lock (woken)"))
			return;
	}
	s->owner = owner;
	owner->spin_depth++;
	sva_tsan_release(&s->wc);
	sva_lockdep_acquired(sc, s, &s->dep_class, s->name, site);
}

void sva_spin_unlock_slow_(struct sva_spinlock *s)
{
	struct sva_sched *sc;
	struct sva_actor *me;

	if (sva_obj_freed(&s->wc.w, "spin_unlock"))
		return;
	sc = s->wc.w->sched;
	me = sva_sched_owner(sc);
	sva_por_touch(sc, s->wc.por_id);
	sva_tsan_acquire(&s->wc);
	if (s->owner != me) {
		sva_tsan_release(&s->wc);
		sva_report(s->wc.w, SVA_REPORT_LOCK_NOT_OWNER,
			   "%s releases spinlock %s owned by %s", me->name, s->name,
			   s->owner ? s->owner->name : "nobody");
		return;
	}
	me->spin_depth--;
	s->owner = NULL;
	sva_tsan_release(&s->wc);
	sva_lockdep_release(sc, s);
	sva_wchan_wake_all(&s->wc);
}
