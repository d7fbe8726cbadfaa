/* SPDX-License-Identifier: MIT */
/*
 * Read-write semaphores (mmap_lock is one). Writers are preferred: once a writer waits, new
 * readers queue behind it, as in the kernel, so a reader that re-takes the lock while a writer
 * waits deadlocks here too.
 *
 * down_* are scheduling points in sim; up_* are not (docs/concurrency.md: a switch right after
 * a release reaches nothing a switch at the releaser's next point does not).
 *
 * Locking: the fields are written under the channel's lock. @readers and @writer are written
 * with atomic stores (relaxed: plain moves), so that native's lockdep_assert_held reads them
 * without that lock (lockdep.c): a pthread mutex round trip per assertion was a fifth of an
 * ENQCMD's portal lookup. Every other read is under the lock and may be plain.
 */
#include "sched.h"

/* The stores of the fields lockdep_assert_held reads without the lock (see above). */
static void sva_rwsem_set_readers(struct sva_rwsem *s, int readers)
{
	__atomic_store_n(&s->readers, readers, __ATOMIC_RELAXED);
}

static void sva_rwsem_set_writer(struct sva_rwsem *s, struct sva_actor *writer)
{
	__atomic_store_n(&s->writer, writer, __ATOMIC_RELAXED);
}

void sva_rwsem_init(struct sva_world *w, struct sva_rwsem *s, const char *name)
{
	sva_wchan_init(w, &s->wc);
	s->name = name ? name : "rwsem";
	sva_rwsem_set_readers(s, 0);
	s->waiting_writers = 0;
	sva_rwsem_set_writer(s, NULL);
	s->dep_class = 0;
}

void sva_rwsem_destroy(struct sva_rwsem *s)
{
	if (s->readers || s->writer)
		sva_report(s->wc.w, SVA_REPORT_BAD_USAGE, "rwsem %s destroyed while held", s->name);
	sva_wchan_destroy(&s->wc);
}

void sva_down_read_at(struct sva_rwsem *s, const char *site)
{
	if (sva_obj_might_sleep_on(&s->wc.w, &s->wc.por_id, site, "down_read", "down_read"))
		return;
	sva_lockdep_acquire(s->wc.w->sched, &s->dep_class, s->name, site);
	sva_wchan_lock(&s->wc);
	while (s->writer || s->waiting_writers) {
		if (sva_wchan_sleep(&s->wc, site, s->name, false))
			goto out;
		if (sva_obj_freed(&s->wc.w, "down_read (woken)"))
			return;
	}
	sva_rwsem_set_readers(s, s->readers + 1);
	sva_lockdep_acquired(s->wc.w->sched, s, &s->dep_class, s->name, site);
out:
	sva_wchan_unlock(&s->wc);
}

void sva_down_write_at(struct sva_rwsem *s, const char *site)
{
	if (sva_obj_might_sleep_on(&s->wc.w, &s->wc.por_id, site, "down_write", "down_write"))
		return;
	sva_lockdep_acquire(s->wc.w->sched, &s->dep_class, s->name, site);
	sva_wchan_lock(&s->wc);
	s->waiting_writers++;
	while (s->writer || s->readers) {
		if (sva_wchan_sleep(&s->wc, site, s->name, false))
			break;
		if (sva_obj_freed(&s->wc.w, "down_write (woken)"))
			return;
	}
	s->waiting_writers--;
	if (!s->writer && !s->readers) {
		sva_rwsem_set_writer(s, sva_sched_owner(s->wc.w->sched));
		sva_lockdep_acquired(s->wc.w->sched, s, &s->dep_class, s->name, site);
	}
	sva_wchan_unlock(&s->wc);
}

bool sva_down_read_trylock(struct sva_rwsem *s)
{
	bool taken;

	if (sva_obj_point_freed_on(&s->wc.w, &s->wc.por_id, "down_read_trylock"))
		return false;
	sva_wchan_lock(&s->wc);
	taken = !s->writer && !s->waiting_writers;
	if (taken) {
		sva_rwsem_set_readers(s, s->readers + 1);
		sva_lockdep_acquired(s->wc.w->sched, s, &s->dep_class, s->name,
				     "down_read_trylock");
	}
	sva_wchan_unlock(&s->wc);
	return taken;
}

bool sva_down_write_trylock(struct sva_rwsem *s)
{
	bool taken;

	if (sva_obj_point_freed_on(&s->wc.w, &s->wc.por_id, "down_write_trylock"))
		return false;
	sva_wchan_lock(&s->wc);
	taken = !s->writer && !s->readers;
	if (taken) {
		sva_rwsem_set_writer(s, sva_sched_owner(s->wc.w->sched));
		sva_lockdep_acquired(s->wc.w->sched, s, &s->dep_class, s->name,
				     "down_write_trylock");
	}
	sva_wchan_unlock(&s->wc);
	return taken;
}

void sva_up_read(struct sva_rwsem *s)
{
	if (sva_obj_freed(&s->wc.w, "up_read"))
		return;
	sva_wchan_lock(&s->wc);
	if (s->readers <= 0) {
		sva_wchan_unlock(&s->wc);
		sva_report(s->wc.w, SVA_REPORT_LOCK_NOT_OWNER, "up_read of rwsem %s with no reader",
			   s->name);
		return;
	}
	sva_lockdep_release(s->wc.w->sched, s);
	sva_rwsem_set_readers(s, s->readers - 1);
	if (s->readers == 0)
		sva_wchan_wake_all(&s->wc);
	sva_wchan_unlock(&s->wc);
}

void sva_up_write(struct sva_rwsem *s)
{
	struct sva_actor *me;

	if (sva_obj_freed(&s->wc.w, "up_write"))
		return;
	me = sva_sched_owner(s->wc.w->sched);
	sva_wchan_lock(&s->wc);
	if (s->writer != me) {
		struct sva_actor *writer = s->writer;

		sva_wchan_unlock(&s->wc);
		sva_report(s->wc.w, SVA_REPORT_LOCK_NOT_OWNER, "%s releases rwsem %s written by %s",
			   me->name, s->name, writer ? writer->name : "nobody");
		return;
	}
	sva_rwsem_set_writer(s, NULL);
	sva_lockdep_release(s->wc.w->sched, s);
	sva_wchan_wake_all(&s->wc);
	sva_wchan_unlock(&s->wc);
}

bool sva_rwsem_is_write_locked(struct sva_rwsem *s)
{
	bool locked;

	if (sva_obj_freed(&s->wc.w, "rwsem_is_write_locked"))
		return false;
	sva_wchan_lock(&s->wc);
	locked = s->writer != NULL;
	sva_wchan_unlock(&s->wc);
	return locked;
}
