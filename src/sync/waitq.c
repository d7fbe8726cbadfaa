/* SPDX-License-Identifier: MIT */
/*
 * Wait queues (wait_event / wake_up) and completions.
 *
 * sva_wait_event() evaluates its condition with the queue's channel held, and wake_up takes
 * the channel, so a waker that makes the condition true before calling sva_wake_up() is never
 * missed. Conditions must not contain scheduling points (use plain atomics, not sva_atomic).
 * Killable waits publish their channel so that sva_actor_kill() can wake them.
 */
#include <errno.h>
#include <limits.h>

#include "sched.h"

void sva_waitq_init(struct sva_world *w, struct sva_waitq *q, const char *name)
{
	sva_wchan_init(w, &q->wc);
	q->name = name ? name : "waitq";
}

void sva_waitq_destroy(struct sva_waitq *q)
{
	sva_wchan_destroy(&q->wc);
}

void sva_wake_up(struct sva_waitq *q)
{
	if (sva_obj_freed(&q->wc.w, "wake_up"))
		return;
	/*
	 * The step that made a waiter's condition true ends here (the protocol of wait_event:
	 * write, then wake_up, no scheduling point between): it touched what the condition reads.
	 */
	if (q->wc.w->sched->sim)
		sva_por_touch(q->wc.w->sched, q->wc.por_id);
	if (sva_obj_point_freed_on(&q->wc.w, &q->wc.por_id, "wake_up"))
		return;
	sva_wchan_lock(&q->wc);
	sva_wchan_wake_all(&q->wc);
	sva_wchan_unlock(&q->wc);
}

/*
 * A wait_event condition reads state no primitive names (plain atomics). For partial-order
 * reduction its steps touch the queue (the channel is held), and so does the step that made
 * it true, which by the protocol ends at the sva_wake_up() (docs/concurrency.md).
 */
void sva_waitq_prepare_(struct sva_waitq *q, const char *site, bool killable)
{
	/* the name is read only from a live queue: a freed one's is poison (ASan aborts on it) */
	if (sva_obj_freed(&q->wc.w, "wait_event") ||
	    sva_obj_might_sleep_on(&q->wc.w, &q->wc.por_id, site, q->name, "wait_event"))
		return;
	if (killable)
		sva_wchan_enter_killable(&q->wc);
	sva_wchan_lock(&q->wc);
}

int sva_waitq_sleep_(struct sva_waitq *q, const char *site, bool killable)
{
	int ret;

	if (sva_obj_freed(&q->wc.w, "wait_event"))
		return -EINTR; /* the run is stopped: this actor is not scheduled again */
	ret = sva_wchan_sleep(&q->wc, site, q->name, killable);
	if (sva_obj_freed(&q->wc.w, "wait_event (woken)"))
		return -EINTR;
	return ret;
}

void sva_waitq_finish_(struct sva_waitq *q, bool killable)
{
	if (sva_obj_freed_world(&q->wc.w))
		return; /* reported at prepare or sleep */
	sva_wchan_unlock(&q->wc);
	if (killable)
		sva_wchan_leave_killable(&q->wc);
}

/* ---- completions ---- */

#define SVA_COMPLETION_ALL (UINT_MAX / 2)

void sva_completion_init(struct sva_world *w, struct sva_completion *c, const char *name)
{
	sva_waitq_init(w, &c->wq, name ? name : "completion");
	atomic_init(&c->done, 0);
}

void sva_completion_destroy(struct sva_completion *c)
{
	sva_waitq_destroy(&c->wq);
}

void sva_completion_reinit(struct sva_completion *c)
{
	atomic_store(&c->done, 0);
}

static void sva_complete_n(struct sva_completion *c, bool all)
{
	if (sva_obj_point_freed_on(&c->wq.wc.w, &c->wq.wc.por_id,
				   all ? "complete_all" : "complete"))
		return;
	sva_wchan_lock(&c->wq.wc);
	if (all)
		atomic_store(&c->done, SVA_COMPLETION_ALL);
	else if (atomic_load(&c->done) != SVA_COMPLETION_ALL)
		atomic_fetch_add(&c->done, 1);
	sva_wchan_wake_all(&c->wq.wc);
	sva_wchan_unlock(&c->wq.wc);
}

void sva_complete(struct sva_completion *c)
{
	sva_complete_n(c, false);
}

void sva_complete_all(struct sva_completion *c)
{
	sva_complete_n(c, true);
}

int sva_wait_for_completion_at(struct sva_completion *c, const char *site, bool killable)
{
	int ret = 0;

	if (sva_obj_freed(&c->wq.wc.w, "wait_for_completion"))
		return -EINTR;
	sva_waitq_prepare_(&c->wq, site, killable);
	while (atomic_load(&c->done) == 0 && ret == 0)
		ret = sva_waitq_sleep_(&c->wq, site, killable);
	if (ret == 0 && atomic_load(&c->done) != SVA_COMPLETION_ALL)
		atomic_fetch_sub(&c->done, 1);
	sva_waitq_finish_(&c->wq, killable);
	return ret;
}

bool sva_completion_done(struct sva_completion *c)
{
	return atomic_load(&c->done) != 0;
}
