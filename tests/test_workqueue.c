/* SPDX-License-Identifier: MIT */
/*
 * Workqueues, on both backends (native threads, and sim with a few seeds): queued work runs;
 * queueing a pending work is refused and it runs once; sva_flush_work() waits for the work
 * (and says when there was nothing to wait for); sva_flush_workqueue() waits for everything
 * queued before it; an ordered queue runs items one at a time in queue order; an unordered one
 * with max_active 2 runs all, never more than two at once; a work function may free its own
 * work, and a new work at the freed one's address is not taken for it; work queued from a work
 * function runs; destroy flushes; actors queue and flush too.
 *
 * Work functions run on worker actors: they record what they saw and the main thread asserts
 * after a flush. Counters written by one work and read after a flush are plain ints on purpose:
 * under TSan they check that a flush orders the work before the flusher.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define SIM_SEEDS 3
#define NITEMS	  48

#define item_of(work_ptr) ((struct item *)((char *)(work_ptr)-offsetof(struct item, work)))

/* ---- helpers ------------------------------------------------------------------------------- */

typedef void (*backend_body)(enum sva_backend backend, uint64_t seed);

static void on_both_backends(backend_body body)
{
	body(SVA_BACKEND_NATIVE, 0);
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++)
		body(SVA_BACKEND_SIM, seed);
}

static bool is_sim(struct sva_world *w)
{
	return sva_world_backend(w) == SVA_BACKEND_SIM;
}

/* Take a while: real time in native, scheduling points in sim. */
static void dawdle(struct sva_world *w, unsigned ms)
{
	if (is_sim(w)) {
		for (unsigned i = 0; i < 5 * ms; i++)
			sva_yield(w);
	} else {
		sva_msleep(w, ms);
	}
}

/* What every test shares with its work functions. */
struct wq_test {
	struct sva_world *w;
	struct sva_completion gate; /* the blocker work waits for it */
	atomic_int total;	    /* runs of every item */
	atomic_int active;	    /* items running right now */
	atomic_int max_active;
	int order[NITEMS]; /* ordered queue: item indexes in run order (one worker) */
	int norder;
};

struct item {
	struct sva_work work;
	struct wq_test *t;
	int idx;
	int runs;	 /* plain: read after a flush */
	unsigned dawdle; /* ms the function takes */
	/* chaining: queue @next on @next_wq from the function */
	struct sva_workqueue *next_wq;
	struct item *next;
	int requeue_left; /* queue itself again this many times */
	struct sva_workqueue *wq;
	bool requeue_ok; /* every self-requeue was accepted */
};

static void note_active(struct wq_test *t, int n)
{
	int cur = atomic_load(&t->max_active);

	while (n > cur && !atomic_compare_exchange_weak(&t->max_active, &cur, n))
		;
}

static void item_fn(struct sva_work *work)
{
	struct item *it = item_of(work);
	struct wq_test *t = it->t;

	note_active(t, atomic_fetch_add(&t->active, 1) + 1);
	it->runs++;
	if (it->dawdle)
		dawdle(t->w, it->dawdle);
	if (it->next)
		sva_queue_work(it->next_wq, &it->next->work);
	if (it->requeue_left > 0) {
		it->requeue_left--;
		if (!sva_queue_work(it->wq, &it->work))
			it->requeue_ok = false;
	}
	atomic_fetch_sub(&t->active, 1);
	atomic_fetch_add(&t->total, 1);
}

/* Record the run order (ordered queue: one worker, so plain writes). */
static void ordered_fn(struct sva_work *work)
{
	struct item *it = item_of(work);
	struct wq_test *t = it->t;

	note_active(t, atomic_fetch_add(&t->active, 1) + 1);
	if (t->norder < NITEMS)
		t->order[t->norder] = it->idx;
	t->norder++;
	if (it->idx % 3 == 0)
		dawdle(t->w, 1);
	it->runs++;
	atomic_fetch_sub(&t->active, 1);
}

/* Holds its worker until the gate opens. */
static void blocker_fn(struct sva_work *work)
{
	struct item *it = item_of(work);

	sva_wait_for_completion(&it->t->gate);
	it->runs++;
}

static void item_init(struct item *it, struct wq_test *t, int idx, sva_work_fn fn)
{
	memset(it, 0, sizeof(*it));
	sva_work_init(&it->work, fn);
	it->t = t;
	it->idx = idx;
	it->requeue_ok = true;
}

static struct sva_world *wq_test_init(struct wq_test *t, enum sva_backend backend, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->w = sva_test_world(backend, seed);
	sva_completion_init(t->w, &t->gate, "gate");
	return t->w;
}

static void wq_test_done(struct wq_test *t)
{
	sva_completion_destroy(&t->gate);
	sva_test_world_done(t->w);
}

static struct sva_workqueue *wq_create(struct sva_world *w, unsigned flags, unsigned max_active)
{
	struct sva_workqueue *wq = NULL;

	assert_int_equal(sva_workqueue_create(w, "test_wq", flags, max_active, &wq), 0);
	assert_non_null(wq);
	return wq;
}

/* ---- queue, run, flush ----------------------------------------------------------------------- */

static void queued_work_runs_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct item it;
	unsigned long switches = sva_world_switches(w);

	item_init(&it, &t, 0, item_fn);
	assert_false(sva_flush_work(&it.work)); /* never queued: nothing to wait for */
	assert_true(sva_queue_work(wq, &it.work));
	sva_flush_workqueue(wq);
	assert_int_equal(it.runs, 1);
	assert_int_equal(atomic_load(&t.total), 1);
	if (is_sim(w)) /* the flush from outside any actor drove the scheduler */
		assert_true(sva_world_switches(w) > switches);
	assert_false(sva_flush_work(&it.work)); /* already ran: nothing to wait for */

	/* it can be queued again once it ran */
	assert_true(sva_queue_work(wq, &it.work));
	sva_flush_workqueue(wq);
	assert_int_equal(it.runs, 2);
	sva_workqueue_destroy(wq);
	assert_int_equal(it.runs, 2);
	wq_test_done(&t);
}

static void test_queued_work_runs(void **state)
{
	(void)state;
	on_both_backends(queued_work_runs_body);
}

static void pending_refused_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, SVA_WQ_ORDERED, 0);
	struct item blocker, it;

	item_init(&blocker, &t, 0, blocker_fn);
	item_init(&it, &t, 1, item_fn);
	/* the only worker is held by the blocker, so @it stays pending */
	assert_true(sva_queue_work(wq, &blocker.work));
	assert_true(sva_queue_work(wq, &it.work));
	assert_false(sva_queue_work(wq, &it.work));
	assert_false(sva_queue_work(wq, &it.work));
	sva_complete(&t.gate);
	sva_flush_workqueue(wq);
	assert_int_equal(blocker.runs, 1);
	assert_int_equal(it.runs, 1);
	assert_int_equal(atomic_load(&t.total), 1);
	sva_workqueue_destroy(wq);
	assert_int_equal(it.runs, 1);
	wq_test_done(&t);
}

/* No name: "wq"; more workers asked for than a workqueue has: 8, each an actor of its own. */
static void test_unnamed_and_capped_workqueue(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	struct sva_workqueue *wq = NULL;
	long before = sva_alloc_live(w, &sva_obj_actor);
	(void)state;

	assert_int_equal(sva_workqueue_create(w, NULL, 0, 1000, &wq), 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_actor) - before, 8);
	sva_workqueue_destroy(wq);
	assert_int_equal(sva_alloc_live(w, &sva_obj_actor), before);
	sva_test_world_done(w);
}

static void test_queue_pending_work_refused_runs_once(void **state)
{
	(void)state;
	on_both_backends(pending_refused_body);
}

/*
 * Opens the gate once the main thread is waiting in sva_flush_work(): in sim the main thread
 * drives the actors only from inside the flush; in native it has 50 ms to get there.
 */
static int opener_actor(void *arg)
{
	struct wq_test *t = arg;

	dawdle(t->w, 50);
	sva_complete(&t->gate);
	return 0;
}

static void flush_work_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, SVA_WQ_ORDERED, 0);
	struct item blocker, it, other;
	struct sva_actor *opener;
	int ret = -1;

	item_init(&blocker, &t, 0, blocker_fn);
	item_init(&it, &t, 1, item_fn);
	item_init(&other, &t, 2, item_fn);
	it.dawdle = 10;
	assert_true(sva_queue_work(wq, &blocker.work));
	assert_true(sva_queue_work(wq, &it.work));
	assert_true(sva_queue_work(wq, &other.work));
	assert_int_equal(sva_actor_spawn(w, "opener", opener_actor, &t, 0, &opener), 0);

	/* pending behind the blocker, then slow: flush_work has to wait, and does */
	assert_true(sva_flush_work(&it.work));
	assert_int_equal(blocker.runs, 1);
	assert_int_equal(it.runs, 1);
	assert_false(sva_flush_work(&it.work));
	assert_int_equal(it.runs, 1);

	assert_int_equal(sva_actor_join(opener, &ret), 0);
	assert_int_equal(ret, 0);
	sva_flush_workqueue(wq);
	assert_int_equal(other.runs, 1);
	assert_false(sva_flush_work(&other.work));
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_flush_work_waits_until_it_ran(void **state)
{
	(void)state;
	on_both_backends(flush_work_body);
}

static void flush_workqueue_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 4);
	struct item items[NITEMS];

	for (int i = 0; i < NITEMS; i++) {
		item_init(&items[i], &t, i, item_fn);
		items[i].dawdle = i % 4 == 0 ? 2 : 0;
		assert_true(sva_queue_work(wq, &items[i].work));
	}
	sva_flush_workqueue(wq);
	for (int i = 0; i < NITEMS; i++)
		assert_int_equal(items[i].runs, 1);
	assert_int_equal(atomic_load(&t.total), NITEMS);
	assert_int_equal(atomic_load(&t.active), 0);
	assert_true(atomic_load(&t.max_active) <= 4);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_flush_workqueue_waits_for_everything_before(void **state)
{
	(void)state;
	on_both_backends(flush_workqueue_body);
}

/* ---- ordered and unordered ------------------------------------------------------------------- */

static void ordered_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, SVA_WQ_ORDERED, 4); /* max_active is ignored */
	struct item items[NITEMS];

	for (int i = 0; i < NITEMS; i++) {
		item_init(&items[i], &t, i, ordered_fn);
		assert_true(sva_queue_work(wq, &items[i].work));
	}
	sva_flush_workqueue(wq);
	assert_int_equal(t.norder, NITEMS);
	for (int i = 0; i < NITEMS; i++) {
		assert_int_equal(t.order[i], i);
		assert_int_equal(items[i].runs, 1);
	}
	assert_int_equal(atomic_load(&t.max_active), 1);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_ordered_runs_in_queue_order(void **state)
{
	(void)state;
	on_both_backends(ordered_body);
}

/* Returns the most items seen running at once. */
static int unordered_run(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct item items[NITEMS];
	int most;

	for (int i = 0; i < NITEMS; i++) {
		item_init(&items[i], &t, i, item_fn);
		items[i].dawdle = 1;
		assert_true(sva_queue_work(wq, &items[i].work));
	}
	sva_flush_workqueue(wq);
	for (int i = 0; i < NITEMS; i++)
		assert_int_equal(items[i].runs, 1);
	assert_int_equal(atomic_load(&t.total), NITEMS);
	most = atomic_load(&t.max_active);
	assert_true(most >= 1 && most <= 2);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
	return most;
}

static void test_unordered_max_active_2_runs_all(void **state)
{
	int most = 0;
	(void)state;

	unordered_run(SVA_BACKEND_NATIVE, 0);
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++) {
		int n = unordered_run(SVA_BACKEND_SIM, seed);

		most = n > most ? n : most;
	}
	/* two workers really ran items side by side */
	assert_int_equal(most, 2);
}

/* ---- work functions that free, and queue, work ------------------------------------------------
 */

struct self_free {
	struct sva_work work;
	struct sva_world *w;
	atomic_int *ran;
};

static void self_free_fn(struct sva_work *work)
{
	struct self_free *sf =
		(struct self_free *)((char *)work - offsetof(struct self_free, work));
	struct sva_world *w = sf->w;

	atomic_fetch_add(sf->ran, 1);
	sva_free(w, &sva_obj_test, sf); /* nobody may touch it after this (ASan watches) */
}

static void self_free_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	atomic_int ran = 0;

	for (int i = 0; i < NITEMS; i++) {
		struct self_free *sf = sva_alloc(w, &sva_obj_test, sizeof(*sf));

		assert_non_null(sf);
		sva_work_init(&sf->work, self_free_fn);
		sf->w = w;
		sf->ran = &ran;
		assert_true(sva_queue_work(wq, &sf->work));
	}
	sva_flush_workqueue(wq);
	assert_int_equal(atomic_load(&ran), NITEMS);
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 0);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_work_may_free_itself(void **state)
{
	(void)state;
	on_both_backends(self_free_body);
}

#define REQUEUES 10

static void queue_from_work_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct sva_workqueue *wq2 = wq_create(w, SVA_WQ_ORDERED, 0);
	struct item first, second, third, again;

	/* first queues second on the same queue, second queues third on another */
	item_init(&first, &t, 0, item_fn);
	item_init(&second, &t, 1, item_fn);
	item_init(&third, &t, 2, item_fn);
	first.next = &second;
	first.next_wq = wq;
	second.next = &third;
	second.next_wq = wq2;
	/* a work that queues itself again from its own function */
	item_init(&again, &t, 3, item_fn);
	again.wq = wq;
	again.requeue_left = REQUEUES;

	assert_true(sva_queue_work(wq, &first.work));
	assert_true(sva_queue_work(wq, &again.work));
	/* each flush waits for what was queued before it: one more link of each chain */
	for (int i = 0; i <= REQUEUES; i++)
		sva_flush_workqueue(wq);
	sva_flush_workqueue(wq2);
	assert_int_equal(first.runs, 1);
	assert_int_equal(second.runs, 1);
	assert_int_equal(third.runs, 1);
	assert_int_equal(again.runs, REQUEUES + 1);
	assert_true(again.requeue_ok);
	assert_int_equal(atomic_load(&t.total), 3 + REQUEUES + 1);
	sva_workqueue_destroy(wq2);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_work_queued_from_work_runs(void **state)
{
	(void)state;
	on_both_backends(queue_from_work_body);
}

/*
 * A work queued again from its own function, on a queue with two workers, does not run on the
 * second worker while the first is still in it (the kernel's workqueues are non-reentrant).
 * (Regression: workers once took any pending work, so a requeued work ran twice at once.)
 */
struct reentry {
	struct sva_work work;
	struct wq_test *t;
	struct sva_workqueue *wq;
	atomic_int left; /* requeues still to do */
	atomic_int running;
	atomic_int overlaps;
	atomic_int runs;
};

static void reentry_fn(struct sva_work *work)
{
	struct reentry *r = (struct reentry *)((char *)work - offsetof(struct reentry, work));

	if (atomic_fetch_add(&r->running, 1) != 0)
		atomic_fetch_add(&r->overlaps, 1);
	atomic_fetch_add(&r->runs, 1);
	if (atomic_fetch_sub(&r->left, 1) > 0)
		sva_queue_work(r->wq, &r->work);
	dawdle(r->t->w, 2); /* still running when the other worker is free to take it */
	atomic_fetch_sub(&r->running, 1);
}

static void reentry_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct reentry r = { .t = &t, .wq = wq, .left = REQUEUES };

	sva_work_init(&r.work, reentry_fn);
	assert_true(sva_queue_work(wq, &r.work));
	for (int i = 0; i <= REQUEUES; i++)
		sva_flush_workqueue(wq);
	sva_flush_work(&r.work);
	assert_int_equal(atomic_load(&r.runs), REQUEUES + 1);
	assert_int_equal(atomic_load(&r.overlaps), 0);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_requeued_work_is_not_reentrant(void **state)
{
	(void)state;
	on_both_backends(reentry_body);
}

/*
 * A work freed by its own function, and a new one allocated at the same address and queued
 * while the first function still runs, is a different work: the other worker takes it.
 * (Regression: workers compared only the pointer, so the new work looked like the old one
 * still running, and whether it waited depended on where the allocator put it - the
 * explorer saw that as a schedule that did not replay.) The memory is reused by hand here,
 * which is what the allocator did there.
 */
struct reuse {
	struct sva_work work;
	struct sva_workqueue *wq;
	struct sva_completion second_done;
	atomic_int second_runs;
};

static void reuse_second_fn(struct sva_work *work)
{
	struct reuse *r = (struct reuse *)((char *)work - offsetof(struct reuse, work));

	atomic_fetch_add(&r->second_runs, 1);
	sva_complete(&r->second_done);
}

static void reuse_first_fn(struct sva_work *work)
{
	struct reuse *r = (struct reuse *)((char *)work - offsetof(struct reuse, work));

	sva_work_init(&r->work, reuse_second_fn); /* "freed", and a new work in its place */
	assert_true(sva_queue_work(r->wq, &r->work));
	sva_wait_for_completion(&r->second_done); /* only the other worker can run it now */
}

static void reuse_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct reuse r = { .wq = wq };

	sva_completion_init(w, &r.second_done, "second_done");
	sva_work_init(&r.work, reuse_first_fn);
	assert_true(sva_queue_work(wq, &r.work));
	sva_flush_workqueue(wq);
	assert_int_equal(atomic_load(&r.second_runs), 1);
	assert_int_equal(sva_report_total(w), 0);
	sva_workqueue_destroy(wq);
	sva_completion_destroy(&r.second_done);
	wq_test_done(&t);
}

static void test_work_at_a_reused_address_is_a_new_work(void **state)
{
	(void)state;
	/* sim only: with the bug, native would hang where sim reports the deadlock */
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++)
		reuse_body(SVA_BACKEND_SIM, seed);
}

/* ---- destroy ----------------------------------------------------------------------------------
 */

static void destroy_flushes_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct sva_workqueue *owq = wq_create(w, SVA_WQ_ORDERED, 0);
	struct item items[NITEMS], oitems[NITEMS];

	for (int i = 0; i < NITEMS; i++) {
		item_init(&items[i], &t, i, item_fn);
		items[i].dawdle = i % 8 == 0 ? 2 : 0;
		assert_true(sva_queue_work(wq, &items[i].work));
		item_init(&oitems[i], &t, i, ordered_fn);
		assert_true(sva_queue_work(owq, &oitems[i].work));
	}
	/* no flush: destroy must run everything still pending */
	sva_workqueue_destroy(wq);
	sva_workqueue_destroy(owq);
	for (int i = 0; i < NITEMS; i++) {
		assert_int_equal(items[i].runs, 1);
		assert_int_equal(oitems[i].runs, 1);
		assert_int_equal(t.order[i], i);
	}
	assert_int_equal(atomic_load(&t.total), NITEMS);
	assert_int_equal(t.norder, NITEMS);
	wq_test_done(&t);
}

static void test_destroy_flushes_pending_work(void **state)
{
	(void)state;
	on_both_backends(destroy_flushes_body);
}

/*
 * Destroy drains the queue as the kernel's destroy_workqueue() does: work queued by a running
 * work of the same queue (chained work) still runs, however long the chain.
 * (Regression: destroy once flushed only what was queued before it and then refused the
 * next link of the chain.)
 */
static void chain_destroy_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct item first, second, third;

	item_init(&first, &t, 0, item_fn);
	item_init(&second, &t, 1, item_fn);
	item_init(&third, &t, 2, item_fn);
	first.dawdle = 5;
	first.next = &second;
	first.next_wq = wq;
	second.dawdle = 5; /* still running when the flush of first returns */
	second.next = &third;
	second.next_wq = wq;
	assert_true(sva_queue_work(wq, &first.work));
	sva_workqueue_destroy(wq);
	assert_int_equal(first.runs, 1);
	assert_int_equal(second.runs, 1);
	assert_int_equal(third.runs, 1);
	wq_test_done(&t);
}

static void test_destroy_drains_chained_work(void **state)
{
	(void)state;
	on_both_backends(chain_destroy_body);
}

/* ---- actors as users ----------------------------------------------------------------------------
 */

#define NUSERS	       3
#define ITEMS_PER_USER 8

struct user {
	struct wq_test *t;
	struct sva_workqueue *wq;
	struct item items[ITEMS_PER_USER];
	int not_run_after_flush_work;	   /* an item had not run when flush_work returned */
	int not_run_after_flush_workqueue; /* the same after flush_workqueue */
	int refused;			   /* queue_work said no to a fresh item */
};

static int user_actor(void *arg)
{
	struct user *u = arg;

	for (int i = 0; i < ITEMS_PER_USER; i++) {
		item_init(&u->items[i], u->t, i, item_fn);
		u->items[i].dawdle = i % 3 == 0 ? 1 : 0;
	}
	/* half: queue and flush each */
	for (int i = 0; i < ITEMS_PER_USER / 2; i++) {
		if (!sva_queue_work(u->wq, &u->items[i].work))
			u->refused++;
		sva_flush_work(&u->items[i].work);
		if (u->items[i].runs != 1)
			u->not_run_after_flush_work++;
	}
	/* half: queue all, flush the queue */
	for (int i = ITEMS_PER_USER / 2; i < ITEMS_PER_USER; i++)
		if (!sva_queue_work(u->wq, &u->items[i].work))
			u->refused++;
	sva_flush_workqueue(u->wq);
	for (int i = ITEMS_PER_USER / 2; i < ITEMS_PER_USER; i++)
		if (u->items[i].runs != 1)
			u->not_run_after_flush_workqueue++;
	return 0;
}

static void actors_queue_and_flush_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct sva_workqueue *wq = wq_create(w, 0, 2);
	struct user users[NUSERS];
	struct sva_actor *a[NUSERS];

	for (int i = 0; i < NUSERS; i++) {
		memset(&users[i], 0, sizeof(users[i]));
		users[i].t = &t;
		users[i].wq = wq;
		assert_int_equal(sva_actor_spawn(w, "user", user_actor, &users[i], 0, &a[i]), 0);
	}
	assert_int_equal(sva_world_run(w), 0);
	for (int i = 0; i < NUSERS; i++) {
		int ret = -1;

		assert_int_equal(sva_actor_join(a[i], &ret), 0);
		assert_int_equal(ret, 0);
		assert_int_equal(users[i].refused, 0);
		assert_int_equal(users[i].not_run_after_flush_work, 0);
		assert_int_equal(users[i].not_run_after_flush_workqueue, 0);
		for (int j = 0; j < ITEMS_PER_USER; j++)
			assert_int_equal(users[i].items[j].runs, 1);
	}
	assert_int_equal(atomic_load(&t.total), NUSERS * ITEMS_PER_USER);
	sva_workqueue_destroy(wq);
	wq_test_done(&t);
}

static void test_actors_queue_and_flush(void **state)
{
	(void)state;
	on_both_backends(actors_queue_and_flush_body);
}

/*
 * One actor queues a work again and again while another flushes it: every flush returns, the
 * work runs, and a last flush leaves it idle.
 * (Regression: flush_work once read work->wq unlocked against queue_work's locked write,
 * a data race TSan reported.)
 */
#define CONCURRENT_QUEUES 2000

struct qf_ctx {
	struct wq_test *t;
	struct sva_workqueue *wq;
	struct item it;
	atomic_bool stop;
	long flushes;
};

static int qf_queuer(void *arg)
{
	struct qf_ctx *c = arg;

	for (int i = 0; i < CONCURRENT_QUEUES; i++) {
		sva_queue_work(c->wq, &c->it.work);
		if (i % 16 == 0)
			sva_yield(c->t->w);
	}
	atomic_store(&c->stop, true);
	return 0;
}

static int qf_flusher(void *arg)
{
	struct qf_ctx *c = arg;

	while (!atomic_load(&c->stop)) {
		sva_flush_work(&c->it.work);
		c->flushes++;
		sva_yield(c->t->w); /* a never-queued work's flush is no scheduling point */
	}
	return 0;
}

static void queue_and_flush_body(enum sva_backend backend, uint64_t seed)
{
	struct wq_test t;
	struct sva_world *w = wq_test_init(&t, backend, seed);
	struct qf_ctx c = { .t = &t };
	struct sva_actor *q, *f;
	int ret = -1;

	c.wq = wq_create(w, 0, 2);
	item_init(&c.it, &t, 0, item_fn);
	assert_int_equal(sva_actor_spawn(w, "flusher", qf_flusher, &c, 0, &f), 0);
	assert_int_equal(sva_actor_spawn(w, "queuer", qf_queuer, &c, 0, &q), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(sva_actor_join(q, &ret), 0);
	assert_int_equal(ret, 0);
	assert_int_equal(sva_actor_join(f, &ret), 0);
	assert_int_equal(ret, 0);
	assert_true(c.flushes >= 1);
	sva_flush_work(&c.it.work);
	assert_false(sva_flush_work(&c.it.work));
	assert_true(c.it.runs >= 1 && c.it.runs <= CONCURRENT_QUEUES);
	assert_int_equal(atomic_load(&t.total), c.it.runs);
	sva_workqueue_destroy(c.wq);
	wq_test_done(&t);
}

static void test_queue_and_flush_same_work_concurrently(void **state)
{
	(void)state;
	on_both_backends(queue_and_flush_body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queued_work_runs),
		cmocka_unit_test(test_unnamed_and_capped_workqueue),
		cmocka_unit_test(test_queue_pending_work_refused_runs_once),
		cmocka_unit_test(test_flush_work_waits_until_it_ran),
		cmocka_unit_test(test_flush_workqueue_waits_for_everything_before),
		cmocka_unit_test(test_ordered_runs_in_queue_order),
		cmocka_unit_test(test_unordered_max_active_2_runs_all),
		cmocka_unit_test(test_work_may_free_itself),
		cmocka_unit_test(test_work_queued_from_work_runs),
		cmocka_unit_test(test_requeued_work_is_not_reentrant),
		cmocka_unit_test(test_work_at_a_reused_address_is_a_new_work),
		cmocka_unit_test(test_destroy_flushes_pending_work),
		cmocka_unit_test(test_destroy_drains_chained_work),
		cmocka_unit_test(test_actors_queue_and_flush),
		cmocka_unit_test(test_queue_and_flush_same_work_concurrently),
	};

	return cmocka_run_group_tests_name("workqueue", tests, NULL, NULL);
}
