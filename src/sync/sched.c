/* SPDX-License-Identifier: MIT */
/*
 * The scheduler object of a world and the calls that do not depend much on the backend:
 * creation, the current actor, the clock, scheduling points, sva_world_run().
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/sanitizers.h"
#include "sched.h"

SVA_OBJ_CLASS(scheduler);

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SVA_DEFAULT_STACK (1024 * 1024)
#else
#define SVA_DEFAULT_STACK (256 * 1024)
#endif

static uint64_t sva_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int sva_sched_current_id(struct sva_world *w);
static uint64_t sva_sched_now(struct sva_world *w);

static void sva_actor_init_outside(struct sva_sched *s)
{
	struct sva_actor *o = &s->outside;

	o->w = s->w;
	o->id = -1;
	snprintf(o->name, sizeof(o->name), "outside");
	sva_list_init(&o->node);
	sva_list_init(&o->held);
	sva_list_init(&o->wnode);
}

int sva_sched_create(struct sva_world *w, const struct sva_world_config *config)
{
	struct sva_sched *s = sva_alloc(w, &sva_obj_scheduler, sizeof(*s));
	int ret = 0;

	if (!s)
		return -ENOMEM;
	s->w = w;
	s->sim = config->backend == SVA_BACKEND_SIM;
	s->stack_size = config->stack_size ? config->stack_size : SVA_DEFAULT_STACK;
	pthread_mutex_init(&s->lock, NULL);
	sva_list_init(&s->actors);
	sva_wchan_init(w, &s->idle_wc);
	sva_actor_init_outside(s);
	sva_lockdep_init(s);
	w->sched = s;
	if (s->sim)
		ret = sva_sim_create(s, config);
	else if (pthread_key_create(&s->current_key, NULL))
		ret = -EAGAIN;
	s->t0_ns = sva_clock_ns();
	if (ret) {
		sva_wchan_destroy(&s->idle_wc);
		pthread_mutex_destroy(&s->lock);
		sva_free(w, &sva_obj_scheduler, s);
		w->sched = NULL;
		return ret;
	}
	w->hooks = (struct sva_world_hooks){ .now = sva_sched_now,
					     .current_actor = sva_sched_current_id,
					     .point = sva_sched_point_at };
	return 0;
}

void sva_sched_destroy(struct sva_world *w)
{
	struct sva_sched *s = w->sched;
	struct sva_actor *a, *tmp;

	if (!s)
		return;
	sva_list_for_each_entry_safe(a, tmp, &s->actors, node) {
		if (!s->sim)
			sva_native_join(a);
		sva_actor_free_(a);
	}
	if (s->sim)
		sva_sim_destroy(s);
	else
		pthread_key_delete(s->current_key);
	sva_lockdep_destroy(s);
	sva_wchan_destroy(&s->idle_wc);
	pthread_mutex_destroy(&s->lock);
	sva_free(w, &sva_obj_scheduler, s);
	w->sched = NULL;
	w->hooks = (struct sva_world_hooks){ 0 };
}

struct sva_actor *sva_sched_current(struct sva_sched *s)
{
	if (s->sim)
		return s->current;
	return pthread_getspecific(s->current_key);
}

struct sva_actor *sva_sched_owner(struct sva_sched *s)
{
	struct sva_actor *cur = sva_sched_current(s);

	return cur ? cur : &s->outside;
}

struct sva_actor *sva_current(struct sva_world *w)
{
	return sva_sched_current(w->sched);
}

/* The world's hooks (base asks through them, world.h): the trace's actor and the clock. */
static int sva_sched_current_id(struct sva_world *w)
{
	struct sva_actor *cur = w->sched ? sva_sched_current(w->sched) : NULL;

	return cur ? cur->id : -1;
}

static uint64_t sva_sched_now(struct sva_world *w)
{
	struct sva_sched *s = w->sched;

	if (!s)
		return 0;
	return s->sim ? s->steps : sva_clock_ns() - s->t0_ns;
}

void sva_sched_point_at(struct sva_world *w, const char *site)
{
	(void)site;
	if (w->sched->sim)
		sva_sim_point(w->sched);
}

void sva_sched_shared(struct sva_world *w)
{
	if (w->sched->sim)
		sva_por_touch(w->sched, SVA_FP_ALL_ID);
}

void sva_sched_point_named_at(struct sva_world *w, const char *site)
{
	(void)site;
	if (w->sched->sim)
		sva_sim_point_on(w->sched, SVA_FP_NONE);
}

uint32_t sva_por_object(struct sva_world *w)
{
	return sva_por_new_id(w);
}

void sva_por_access(struct sva_world *w, uint32_t id)
{
	if (w->sched->sim && id)
		sva_por_touch(w->sched, id);
}

void sva_might_sleep_on(struct sva_world *w, uint32_t id, const char *site, const char *what)
{
	struct sva_sched *s = w->sched;
	struct sva_actor *cur;

	if (!s->sim)
		return;
	cur = s->current;
	if (cur && cur->spin_depth)
		sva_report(w, SVA_REPORT_SLEEP_IN_ATOMIC, "%s: %s at %s while holding a spinlock",
			   cur->name, what, site);
	sva_sim_point_on(s, id);
}

/* Outside the primitives, what the code after the point touches is unknown: everything. */
void sva_might_sleep(struct sva_world *w, const char *site, const char *what)
{
	sva_might_sleep_on(w, SVA_FP_POINT_ALL, site, what);
}

void sva_might_sleep_named(struct sva_world *w, const char *site, const char *what)
{
	sva_might_sleep_on(w, SVA_FP_NONE, site, what);
}

void sva_yield(struct sva_world *w)
{
	if (w->sched->sim)
		sva_sim_yield(w->sched);
	else
		sched_yield();
}

void sva_msleep(struct sva_world *w, unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	if (w->sched->sim)
		sva_sim_yield(w->sched);
	else
		nanosleep(&ts, NULL);
}

int sva_world_run(struct sva_world *w)
{
	struct sva_sched *s = w->sched;
	int ret = 0;

	if (sva_sched_current(s)) {
		sva_report(w, SVA_REPORT_BAD_USAGE, "sva_world_run called from actor %s",
			   sva_sched_current(s)->name);
		return -EINVAL;
	}
	if (s->sim)
		return sva_sim_drive(s);
	sva_wchan_lock(&s->idle_wc);
	while (atomic_load(&s->live_nondaemon) && ret == 0)
		ret = sva_wchan_sleep(&s->idle_wc, SVA_HERE, "world run", false);
	sva_wchan_unlock(&s->idle_wc);
	/* what the actors did before their exit happens before the return (this file is not
	   instrumented under TSan: the atomic alone is not seen) */
	sva_tsan_acquire(&s->live_nondaemon);
	return ret;
}

size_t sva_world_schedule(struct sva_world *w, char *buf, size_t len)
{
	struct sva_sched *s = w->sched;

	if (!s->sim) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return sva_schedule_encode(s->decisions, s->ndecisions, buf, len);
}

unsigned long sva_world_switches(struct sva_world *w)
{
	return w->sched->switches;
}
