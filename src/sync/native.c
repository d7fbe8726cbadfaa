/* SPDX-License-Identifier: MIT */
/*
 * The native backend: each actor is a pthread. The current actor is found through a
 * pthread key owned by the world's scheduler (no global state).
 */
#include <errno.h>

#include "sched.h"

static void *sva_native_thread(void *arg)
{
	struct sva_actor *a = arg;

	pthread_setspecific(a->w->sched->current_key, a);
	a->ret = a->fn(a->arg);
	sva_task_work_exit(a->w); /* late task_work still runs in the actor */
	sva_actor_exited_(a);
	return NULL;
}

int sva_native_spawn(struct sva_actor *a)
{
	if (pthread_create(&a->thread, NULL, sva_native_thread, a))
		return -EAGAIN;
	a->thread_started = true;
	return 0;
}

void sva_native_join(struct sva_actor *a)
{
	if (!a->thread_started)
		return;
	if (atomic_load(&a->state) != SVA_ACTOR_EXITED)
		sva_report(a->w, SVA_REPORT_BAD_USAGE,
			   "world destroyed while actor %s still runs; waiting for it", a->name);
	pthread_join(a->thread, NULL);
	a->thread_started = false;
}
