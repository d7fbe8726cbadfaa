/* SPDX-License-Identifier: MIT */
/*
 * Wait channels: the single blocking mechanism under every primitive (see sched.h).
 *
 * native: a pthread mutex and condition variable; sleep is pthread_cond_wait.
 * sim:    the lock is a no-op (only one actor runs and there is no scheduling point between
 *         lock and sleep); sleep queues the actor on the channel, marks it blocked and lets
 *         the scheduler run another; wake-up makes every waiter runnable again.
 *
 * Under ThreadSanitizer (race_check, docs/concurrency.md) the sim lock and unlock are TSan
 * acquire and release of the channel, and a sleep releases it until woken, as
 * pthread_cond_wait does: the happens-before native threads would have, and no more.
 *
 * A sleep outside any actor in sim (the test's main code waiting for a flush, say) drives the
 * scheduler instead; if nothing can run, the wait can never end and is reported as a deadlock.
 */
#include <errno.h>

#include "sched.h"

void sva_wchan_init(struct sva_world *w, struct sva_wchan *wc)
{
	wc->w = w;
	wc->por_id = sva_por_new_id(w);
	sva_list_init(&wc->waiters);
	if (w->config.backend == SVA_BACKEND_SIM)
		return;
	pthread_mutex_init(&wc->lock, NULL);
	pthread_cond_init(&wc->cond, NULL);
}

void sva_wchan_destroy(struct sva_wchan *wc)
{
	if (wc->w->config.backend == SVA_BACKEND_SIM)
		return;
	pthread_cond_destroy(&wc->cond);
	pthread_mutex_destroy(&wc->lock);
}

void sva_wchan_lock(struct sva_wchan *wc)
{
	if (wc->w->config.backend != SVA_BACKEND_SIM) {
		pthread_mutex_lock(&wc->lock);
		return;
	}
	sva_por_touch(wc->w->sched, wc->por_id); /* what the channel protects: this step's */
	sva_tsan_acquire(wc);
}

void sva_wchan_unlock(struct sva_wchan *wc)
{
	if (wc->w->config.backend != SVA_BACKEND_SIM)
		pthread_mutex_unlock(&wc->lock);
	else
		sva_tsan_release(wc);
}

static bool sva_killed(struct sva_actor *a, bool killable)
{
	return killable && a && atomic_load(&a->killed);
}

static int sva_wchan_sleep_outside(struct sva_sched *s, const char *site, const char *what)
{
	unsigned long switches = s->switches;
	char waiter[160];
	int ret = sva_sim_run_idle(s);

	if (ret || s->switches != switches)
		return ret;
	snprintf(waiter, sizeof(waiter), "the outside waits for %s at %s", what, site);
	return sva_sim_report_deadlock(s, waiter);
}

int sva_wchan_sleep(struct sva_wchan *wc, const char *site, const char *what, bool killable)
{
	struct sva_sched *s = wc->w->sched;
	struct sva_actor *cur = sva_sched_current(s);

	if (sva_killed(cur, killable))
		return -EINTR;
	if (!s->sim) {
		if (cur) {
			cur->block_site = site;
			cur->block_what = what;
		}
		pthread_cond_wait(&wc->cond, &wc->lock);
		return sva_killed(cur, killable) ? -EINTR : 0;
	}
	if (!cur)
		return sva_wchan_sleep_outside(s, site, what);
	atomic_store(&cur->state, SVA_ACTOR_BLOCKED);
	cur->blocked_on = wc;
	cur->block_site = site;
	cur->block_what = what;
	cur->block_killable = killable;
	sva_list_add_tail(&cur->wnode, &wc->waiters);
	sva_por_touch(s, wc->por_id);
	sva_tsan_release(wc); /* asleep, the channel is not held (pthread_cond_wait) */
	sva_sim_block(s, wc->por_id);
	sva_tsan_acquire(wc);
	return sva_killed(cur, killable) ? -EINTR : 0;
}

void sva_wchan_wake_all(struct sva_wchan *wc)
{
	struct sva_actor *a, *tmp;

	if (wc->w->config.backend != SVA_BACKEND_SIM) {
		pthread_cond_broadcast(&wc->cond);
		return;
	}
	sva_por_touch(wc->w->sched, wc->por_id);
	sva_list_for_each_entry_safe(a, tmp, &wc->waiters, wnode)
		sva_sim_wake(a);
}

/* Publish (or withdraw, @wc NULL) the channel a killable sleep of the caller waits on. */
static void sva_wchan_publish_killable(struct sva_world *w, struct sva_wchan *wc)
{
	struct sva_sched *s = w->sched;
	struct sva_actor *cur;

	if (s->sim)
		return; /* sim wakes the actor directly */
	cur = sva_sched_current(s);
	if (!cur)
		return;
	pthread_mutex_lock(&cur->lock);
	cur->blocked_on = wc;
	cur->block_killable = wc != NULL;
	pthread_mutex_unlock(&cur->lock);
}

void sva_wchan_enter_killable(struct sva_wchan *wc)
{
	sva_wchan_publish_killable(wc->w, wc);
}

void sva_wchan_leave_killable(struct sva_wchan *wc)
{
	sva_wchan_publish_killable(wc->w, NULL);
}

void sva_native_kill(struct sva_actor *a)
{
	pthread_mutex_lock(&a->lock);
	if (a->blocked_on && a->block_killable) {
		pthread_mutex_lock(&a->blocked_on->lock);
		pthread_cond_broadcast(&a->blocked_on->cond);
		pthread_mutex_unlock(&a->blocked_on->lock);
	}
	pthread_mutex_unlock(&a->lock);
}
