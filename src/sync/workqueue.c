/* SPDX-License-Identifier: MIT */
/*
 * Workqueues: queue_work, flush_work, flush_workqueue, ordered and unordered.
 *
 * A workqueue is a list of pending work and a set of daemon worker actors (one when ordered,
 * max_active otherwise). All of its state - the pending list, each work's pending bit and the
 * work each worker is running - is protected by the channel @wc, on which both idle workers
 * and flushers sleep. A worker never touches a work after calling its function (the function
 * may free it); it remembers only the work's identity and its queue sequence number, which is
 * what flush_work and flush_workqueue compare against. Not its address: a work freed by its
 * function and a new one allocated there would look like the same work still running.
 */
#include <errno.h>
#include <string.h>

#include "sched.h"

SVA_OBJ_CLASS(workqueue);

#define SVA_WQ_MAX_WORKERS 8

struct sva_wq_worker {
	struct sva_workqueue *wq;
	struct sva_actor *actor;
	uint64_t running_id; /* the work it runs (sva_work.id), 0 when idle */
	uint64_t running_seq;
};

struct sva_workqueue {
	struct sva_world *w;
	char name[32];
	struct sva_wchan wc;
	struct sva_list_head pending;
	uint64_t next_seq;
	bool draining; /* destroy: only work queued by this queue's own items is accepted */
	bool stopping;
	unsigned nworkers;
	struct sva_wq_worker workers[SVA_WQ_MAX_WORKERS];
};

void sva_work_init(struct sva_work *work, sva_work_fn fn)
{
	memset(work, 0, sizeof(*work));
	sva_list_init(&work->entry);
	work->fn = fn;
}

static bool sva_wq_running(struct sva_workqueue *wq, const struct sva_work *work, uint64_t upto);

/* The oldest pending work no other worker is running: a work never runs twice at once. */
static struct sva_work *sva_wq_first_runnable(struct sva_workqueue *wq)
{
	struct sva_work *work;

	sva_list_for_each_entry(work, &wq->pending, entry)
		if (!sva_wq_running(wq, work, 0))
			return work;
	return NULL;
}

static struct sva_work *sva_wq_next_locked(struct sva_wq_worker *wk)
{
	struct sva_workqueue *wq = wk->wq;
	struct sva_work *work;

	while (!(work = sva_wq_first_runnable(wq)) && !wq->stopping)
		if (sva_wchan_sleep(&wq->wc, SVA_HERE, "workqueue idle", false))
			return NULL;
	if (!work)
		return NULL; /* stopping, and nothing left */
	sva_list_del(&work->entry);
	work->pending = false;
	wk->running_id = work->id;
	wk->running_seq = work->seq;
	return work;
}

static int sva_wq_worker_main(void *arg)
{
	struct sva_wq_worker *wk = arg;
	struct sva_workqueue *wq = wk->wq;
	struct sva_work *work;

	for (;;) {
		sva_sched_point_on(wq->w, wq->wc.por_id);
		sva_wchan_lock(&wq->wc);
		work = sva_wq_next_locked(wk);
		sva_wchan_unlock(&wq->wc);
		if (!work)
			return 0;
		sva_trace(wq->w, WORK_RUN, wq->name, wk->running_seq);
		work->fn(work);
		sva_sched_point_on(wq->w, wq->wc.por_id);
		sva_wchan_lock(&wq->wc);
		wk->running_id = 0;
		sva_wchan_wake_all(&wq->wc); /* flushers */
		sva_wchan_unlock(&wq->wc);
	}
}

int sva_workqueue_create(struct sva_world *w, const char *name, unsigned flags, unsigned max_active,
			 struct sva_workqueue **out)
{
	struct sva_workqueue *wq = sva_alloc(w, &sva_obj_workqueue, sizeof(*wq));
	char wname[48];
	int ret = 0;

	if (!wq)
		return -ENOMEM;
	wq->w = w;
	snprintf(wq->name, sizeof(wq->name), "%s", name ? name : "wq");
	sva_wchan_init(w, &wq->wc);
	sva_list_init(&wq->pending);
	wq->nworkers = (flags & SVA_WQ_ORDERED) ? 1 : max_active ? max_active : 2;
	if (wq->nworkers > SVA_WQ_MAX_WORKERS)
		wq->nworkers = SVA_WQ_MAX_WORKERS;
	for (unsigned i = 0; i < wq->nworkers && ret == 0; i++) {
		wq->workers[i].wq = wq;
		snprintf(wname, sizeof(wname), "%s/%u", wq->name, i);
		ret = sva_actor_spawn(w, wname, sva_wq_worker_main, &wq->workers[i],
				      SVA_ACTOR_DAEMON, &wq->workers[i].actor);
	}
	if (ret) {
		sva_workqueue_destroy(wq);
		return ret;
	}
	*out = wq;
	return 0;
}

/* True while anything is pending or running. */
static bool sva_wq_busy(struct sva_workqueue *wq)
{
	return !sva_list_empty(&wq->pending) || sva_wq_running(wq, NULL, UINT64_MAX);
}

/* drain_workqueue: flush until empty; work queued by running items is still accepted. */
static void sva_workqueue_drain(struct sva_workqueue *wq)
{
	sva_wchan_lock(&wq->wc);
	wq->draining = true;
	while (sva_wq_busy(wq))
		if (sva_wchan_sleep(&wq->wc, SVA_HERE, "drain_workqueue", false))
			break;
	sva_wchan_unlock(&wq->wc);
}

void sva_workqueue_destroy(struct sva_workqueue *wq)
{
	if (!wq)
		return;
	sva_might_sleep_on(wq->w, wq->wc.por_id, SVA_HERE, "destroy_workqueue");
	sva_workqueue_drain(wq);
	sva_wchan_lock(&wq->wc);
	wq->stopping = true;
	sva_wchan_wake_all(&wq->wc);
	sva_wchan_unlock(&wq->wc);
	for (unsigned i = 0; i < wq->nworkers; i++)
		if (wq->workers[i].actor)
			sva_actor_join(wq->workers[i].actor, NULL);
	sva_wchan_destroy(&wq->wc);
	sva_free(wq->w, &sva_obj_workqueue, wq);
}

/* Is the caller one of @wq's workers (queueing chained work)? */
static bool sva_wq_is_own_worker(struct sva_workqueue *wq)
{
	struct sva_actor *cur = sva_current(wq->w);

	for (unsigned i = 0; cur && i < wq->nworkers; i++)
		if (wq->workers[i].actor == cur)
			return true;
	return false;
}

bool sva_queue_work(struct sva_workqueue *wq, struct sva_work *work)
{
	bool queued = false, refused = false;

	sva_sched_point_on(wq->w, wq->wc.por_id);
	sva_wchan_lock(&wq->wc);
	if (wq->stopping || (wq->draining && !sva_wq_is_own_worker(wq))) {
		refused = true;
	} else if (!work->pending) {
		work->pending = true;
		__atomic_store_n(&work->wq, wq, __ATOMIC_RELEASE);
		work->seq = ++wq->next_seq;
		if (!work->id)
			work->id = atomic_fetch_add(&wq->w->sched->next_work_id, 1) + 1;
		sva_list_add_tail(&work->entry, &wq->pending);
		sva_wchan_wake_all(&wq->wc);
		queued = true;
	}
	sva_wchan_unlock(&wq->wc);
	if (refused)
		sva_report(wq->w, SVA_REPORT_BAD_USAGE,
			   "work queued on workqueue %s being destroyed", wq->name);
	return queued;
}

static bool sva_wq_running(struct sva_workqueue *wq, const struct sva_work *work, uint64_t upto)
{
	for (unsigned i = 0; i < wq->nworkers; i++) {
		const struct sva_wq_worker *wk = &wq->workers[i];

		if (!wk->running_id)
			continue;
		if (work ? wk->running_id == work->id : wk->running_seq <= upto)
			return true;
	}
	return false;
}

bool sva_flush_work_at(struct sva_work *work, const char *site)
{
	struct sva_workqueue *wq = __atomic_load_n(&work->wq, __ATOMIC_ACQUIRE);
	bool waited = false;

	if (!wq)
		return false; /* never queued: nothing to wait for */
	sva_might_sleep_on(wq->w, wq->wc.por_id, site, "flush_work");
	sva_wchan_lock(&wq->wc);
	while (work->pending || sva_wq_running(wq, work, 0)) {
		waited = true;
		if (sva_wchan_sleep(&wq->wc, site, "flush_work", false))
			break;
	}
	sva_wchan_unlock(&wq->wc);
	return waited;
}

/* True while some work queued at or before @upto is pending or running. */
static bool sva_wq_busy_upto(struct sva_workqueue *wq, uint64_t upto)
{
	if (!sva_list_empty(&wq->pending) &&
	    sva_list_first_entry(&wq->pending, struct sva_work, entry)->seq <= upto)
		return true;
	return sva_wq_running(wq, NULL, upto);
}

void sva_flush_workqueue_at(struct sva_workqueue *wq, const char *site)
{
	uint64_t upto;

	sva_might_sleep_on(wq->w, wq->wc.por_id, site, "flush_workqueue");
	sva_wchan_lock(&wq->wc);
	upto = wq->next_seq;
	while (sva_wq_busy_upto(wq, upto))
		if (sva_wchan_sleep(&wq->wc, site, "flush_workqueue", false))
			break;
	sva_wchan_unlock(&wq->wc);
}
