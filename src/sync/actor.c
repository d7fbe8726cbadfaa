/* SPDX-License-Identifier: MIT */
/*
 * Actors, the kthreads of libsva: spawn, join, kill, and the bookkeeping done when one ends
 * (locks still held are reported, joiners and sva_world_run() are woken).
 *
 * Ownership: the world's scheduler lists every actor until it is joined (or the world is
 * destroyed). Ids are given in spawn order, so they are deterministic under sim.
 */
#include <errno.h>
#include <string.h>

#include "../base/sanitizers.h"
#include "sched.h"

SVA_OBJ_CLASS(actor);

int sva_actor_spawn(struct sva_world *w, const char *name, sva_actor_fn fn, void *arg,
		    unsigned flags, struct sva_actor **out)
{
	struct sva_sched *s = w->sched;
	struct sva_actor *a;
	int ret;

	if (!fn)
		return -EINVAL;
	a = sva_alloc(w, &sva_obj_actor, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->w = w;
	a->fn = fn;
	a->arg = arg;
	a->flags = flags;
	snprintf(a->name, sizeof(a->name), "%s", name ? name : "actor");
	sva_list_init(&a->held);
	sva_list_init(&a->wnode);
	sva_list_init(&a->task_works);
	sva_wchan_init(w, &a->exit_wc);
	pthread_mutex_init(&a->lock, NULL);
	atomic_store(&a->state, SVA_ACTOR_RUNNABLE);

	pthread_mutex_lock(&s->lock);
	a->id = s->next_id++;
	sva_list_add_tail(&a->node, &s->actors);
	pthread_mutex_unlock(&s->lock);
	atomic_fetch_add(&s->live, 1);
	if (!(flags & SVA_ACTOR_DAEMON))
		atomic_fetch_add(&s->live_nondaemon, 1);
	sva_trace_name_actor(w, a->id, a->name);

	if (out)
		*out = a; /* before it runs: it may look itself up through *out */
	ret = s->sim ? sva_sim_spawn(a) : sva_native_spawn(a);
	if (ret) {
		if (out)
			*out = NULL;
		atomic_store(&a->state, SVA_ACTOR_EXITED);
		sva_actor_exited_(a);
		sva_actor_free_(a);
		return ret;
	}
	sva_trace(w, ACTOR_SPAWN, a->id);
	return 0;
}

void sva_actor_exited_(struct sva_actor *a)
{
	struct sva_sched *s = a->w->sched;
	struct sva_mutex *m;

	/* report, then release: nobody else may unlock it, and the actor is about to go */
	while (!sva_list_empty(&a->held)) {
		m = sva_list_first_entry(&a->held, struct sva_mutex, held);
		sva_report(a->w, SVA_REPORT_LOCK_HELD_AT_EXIT,
			   "actor %s ended holding mutex %s (taken at %s)", a->name, m->name,
			   m->owner_site);
		sva_mutex_release_orphan_(m);
	}
	sva_trace(a->w, ACTOR_EXIT, (uint64_t)(int64_t)a->ret);

	sva_wchan_lock(&a->exit_wc);
	atomic_store(&a->state, SVA_ACTOR_EXITED);
	sva_wchan_wake_all(&a->exit_wc);
	sva_wchan_unlock(&a->exit_wc);

	atomic_fetch_sub(&s->live, 1);
	if (!(a->flags & SVA_ACTOR_DAEMON)) {
		sva_tsan_release(&s->live_nondaemon); /* sva_world_run acquires it */
		atomic_fetch_sub(&s->live_nondaemon, 1);
	}
	if (s->sim)
		return; /* nobody sleeps on idle_wc in sim: sva_world_run drives the scheduler */
	sva_wchan_lock(&s->idle_wc);
	sva_wchan_wake_all(&s->idle_wc);
	sva_wchan_unlock(&s->idle_wc);
}

void sva_actor_free_(struct sva_actor *a)
{
	struct sva_sched *s = a->w->sched;

	pthread_mutex_lock(&s->lock);
	sva_list_del(&a->node);
	pthread_mutex_unlock(&s->lock);
	if (s->sim)
		sva_sim_free_actor(a);
	sva_wchan_destroy(&a->exit_wc);
	pthread_mutex_destroy(&a->lock);
	sva_free(a->w, &sva_obj_actor, a);
}

int sva_actor_join_at(struct sva_actor *a, int *ret, const char *site)
{
	struct sva_sched *s = a->w->sched;
	int err = 0;

	if (a == sva_sched_current(s)) {
		sva_report(a->w, SVA_REPORT_BAD_USAGE, "actor %s joins itself at %s", a->name,
			   site);
		return -EDEADLK;
	}
	sva_might_sleep_on(a->w, a->exit_wc.por_id, site, "join");
	sva_wchan_lock(&a->exit_wc);
	while (atomic_load(&a->state) != SVA_ACTOR_EXITED && err == 0)
		err = sva_wchan_sleep(&a->exit_wc, site, "join", false);
	sva_wchan_unlock(&a->exit_wc);
	if (err)
		return err;
	if (!s->sim)
		sva_native_join(a);
	else
		sva_tsan_acquire(a);
	if (ret)
		*ret = a->ret;
	sva_actor_free_(a);
	return 0;
}

void sva_actor_kill(struct sva_actor *a)
{
	struct sva_sched *s = a->w->sched;

	sva_sched_point_on(a->w, SVA_FP_ACTOR(a->id)); /* every step of @a may look */
	atomic_store(&a->killed, true);
	sva_trace(a->w, ACTOR_KILL, a->id);
	if (!s->sim) {
		sva_native_kill(a);
		return;
	}
	if (atomic_load(&a->state) == SVA_ACTOR_BLOCKED && a->block_killable) {
		sva_por_touch(s, a->blocked_on->por_id);
		sva_sim_wake(a);
	}
}

bool sva_actor_exited(struct sva_actor *a)
{
	return atomic_load(&a->state) == SVA_ACTOR_EXITED;
}

const char *sva_actor_name(const struct sva_actor *a)
{
	return a->name;
}

unsigned sva_actor_id(const struct sva_actor *a)
{
	return (unsigned)a->id;
}

bool sva_fatal_signal_pending(struct sva_world *w)
{
	struct sva_actor *cur = sva_sched_current(w->sched);

	return cur && atomic_load(&cur->killed);
}

int sva_task_work_add(struct sva_actor *a, struct sva_task_work *tw)
{
	int ret = 0;

	if (a->w->sched->sim)
		sva_por_touch(a->w->sched, SVA_FP_ACTOR(a->id)); /* its next steps run it */
	pthread_mutex_lock(&a->lock);
	if (!(a->flags & SVA_ACTOR_USER) || a->task_works_closed)
		ret = -ESRCH;
	else
		sva_list_add_tail(&tw->node, &a->task_works);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

/* Take the pending list (and close it when @closing), then run it unlocked. */
static void sva_task_work_drain(struct sva_world *w, bool closing)
{
	struct sva_actor *cur = sva_sched_current(w->sched);
	struct sva_list_head todo;

	if (!cur)
		return;
	for (;;) {
		struct sva_task_work *tw;

		pthread_mutex_lock(&cur->lock);
		if (sva_list_empty(&cur->task_works)) {
			if (closing)
				cur->task_works_closed = true;
			pthread_mutex_unlock(&cur->lock);
			return;
		}
		todo = cur->task_works;
		todo.next->prev = &todo;
		todo.prev->next = &todo;
		sva_list_init(&cur->task_works);
		pthread_mutex_unlock(&cur->lock);
		while (!sva_list_empty(&todo)) {
			tw = sva_list_first_entry(&todo, struct sva_task_work, node);
			sva_list_del(&tw->node);
			tw->fn(tw);
		}
	}
}

void sva_task_work_run(struct sva_world *w)
{
	sva_task_work_drain(w, false);
}

void sva_task_work_exit(struct sva_world *w)
{
	sva_task_work_drain(w, true);
}

void sva_actor_set_owner(struct sva_actor *a, void *owner)
{
	a->owner = owner;
}

void *sva_actor_owner(const struct sva_actor *a)
{
	return a->owner;
}

unsigned sva_actor_flags(const struct sva_actor *a)
{
	return a->flags;
}
