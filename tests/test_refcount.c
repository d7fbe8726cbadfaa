/* SPDX-License-Identifier: MIT */
/*
 * refcount_t, the kernel's saturating reference count: set/read, inc, dec_and_test true exactly
 * at the last put, inc_not_zero refusing a dead object; misuse reported and parked at
 * SVA_REFCOUNT_SATURATED for good (increment from zero, underflow, sva_refcount_dec() reaching
 * zero, overflow at SVA_REFCOUNT_MAX). Concurrent gets and puts end exactly where they started.
 * Finally the get-versus-last-put race, explored over every schedule with two preemptions: with
 * inc_not_zero a successful get never sees the object freed; a read-then-inc get does, and the
 * explorer finds it. Use after free (sim): an operation on a count, a lock or a wait queue
 * inside a freed object is reported as such and changes nothing, and the explorer fails the
 * schedule in which one actor frees an object the other still counts on.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define SIM_SEEDS 3

typedef void (*backend_body)(enum sva_backend backend, uint64_t seed);

static void on_both_backends(backend_body body)
{
	body(SVA_BACKEND_NATIVE, 0);
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++)
		body(SVA_BACKEND_SIM, seed);
}

/* For tests that expect reports: the leak check of sva_test_world_done() without its own. */
static void world_done_with_reports(struct sva_world *w)
{
	char leaks[256];

	assert_int_equal(sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, leaks, sizeof(leaks)),
			 0);
	sva_world_destroy(w);
}

/* ---- correct use ------------------------------------------------------------------------------
 */

static void basics_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct sva_refcount r;

	sva_refcount_init(w, &r, "basics", 1);
	assert_int_equal(sva_refcount_read(&r), 1);
	sva_refcount_set(&r, 7);
	assert_int_equal(sva_refcount_read(&r), 7);
	sva_refcount_set(&r, 1);

	sva_refcount_inc(&r);
	sva_refcount_inc(&r);
	assert_int_equal(sva_refcount_read(&r), 3);
	sva_refcount_dec(&r); /* does not reach zero: fine */
	assert_int_equal(sva_refcount_read(&r), 2);
	assert_true(sva_refcount_inc_not_zero(&r));
	assert_int_equal(sva_refcount_read(&r), 3);

	/* true exactly at the last put */
	assert_false(sva_refcount_dec_and_test(&r));
	assert_int_equal(sva_refcount_read(&r), 2);
	assert_false(sva_refcount_dec_and_test(&r));
	assert_int_equal(sva_refcount_read(&r), 1);
	assert_true(sva_refcount_dec_and_test(&r));
	assert_int_equal(sva_refcount_read(&r), 0);

	/* a dead object cannot be revived, and trying is not misuse */
	assert_false(sva_refcount_inc_not_zero(&r));
	assert_int_equal(sva_refcount_read(&r), 0);
	assert_false(sva_refcount_inc_not_zero(&r));
	assert_int_equal(sva_refcount_read(&r), 0);

	/* just below the maximum is still a count */
	sva_refcount_set(&r, SVA_REFCOUNT_MAX - 1);
	sva_refcount_inc(&r);
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_MAX);
	assert_false(sva_refcount_dec_and_test(&r));
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_MAX - 1);

	assert_int_equal(sva_report_total(w), 0);
	sva_test_world_done(w);
}

static void test_refcount_basics(void **state)
{
	(void)state;
	on_both_backends(basics_body);
}

/* ---- misuse: reported, then saturated for good -------------------------------------------------
 */

/* A saturated count never moves and never reaches zero, whatever is done to it. */
static void assert_stays_saturated(struct sva_refcount *r)
{
	for (int i = 0; i < 3; i++) {
		assert_false(sva_refcount_dec_and_test(r));
		assert_int_equal(sva_refcount_read(r), SVA_REFCOUNT_SATURATED);
		sva_refcount_inc(r);
		assert_int_equal(sva_refcount_read(r), SVA_REFCOUNT_SATURATED);
		sva_refcount_dec(r);
		assert_int_equal(sva_refcount_read(r), SVA_REFCOUNT_SATURATED);
		sva_refcount_inc_not_zero(r);
		assert_int_equal(sva_refcount_read(r), SVA_REFCOUNT_SATURATED);
	}
}

static void inc_from_zero_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct sva_refcount r;

	sva_test_quiet(w);
	sva_refcount_init(w, &r, "uaf_count", 0);
	sva_refcount_inc(&r); /* use after free */
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_non_null(strstr(sva_report_first(w), "uaf_count"));
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);

	/* an increment at saturation is reported again (and changes nothing) */
	sva_refcount_inc(&r);
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 2);
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);
	assert_stays_saturated(&r);
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), sva_report_total(w));
	world_done_with_reports(w);
}

static void test_inc_from_zero_reports_and_saturates(void **state)
{
	(void)state;
	on_both_backends(inc_from_zero_body);
}

static void underflow_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct sva_refcount r;

	sva_test_quiet(w);
	sva_refcount_init(w, &r, "underflow", 1);
	assert_true(sva_refcount_dec_and_test(&r)); /* the last put */
	assert_int_equal(sva_report_total(w), 0);
	assert_false(sva_refcount_dec_and_test(&r)); /* one put too many */
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_non_null(strstr(sva_report_first(w), "underflow"));
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);
	assert_stays_saturated(&r);
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), sva_report_total(w));

	/* the same through sva_refcount_dec() */
	sva_refcount_set(&r, 0);
	sva_refcount_dec(&r);
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);
	world_done_with_reports(w);
}

static void test_underflow_reports_and_saturates(void **state)
{
	(void)state;
	on_both_backends(underflow_body);
}

static void dec_to_zero_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct sva_refcount r;

	sva_test_quiet(w);
	sva_refcount_init(w, &r, "leaky", 2);
	sva_refcount_dec(&r);
	assert_int_equal(sva_refcount_read(&r), 1);
	assert_int_equal(sva_report_total(w), 0);
	sva_refcount_dec(&r); /* the last reference dropped without freeing: a leak */
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_non_null(strstr(sva_report_first(w), "leaky"));
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);
	assert_stays_saturated(&r);
	world_done_with_reports(w);
}

static void test_dec_reaching_zero_reports(void **state)
{
	(void)state;
	on_both_backends(dec_to_zero_body);
}

static void overflow_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct sva_refcount r;

	sva_test_quiet(w);
	sva_refcount_init(w, &r, "overflow", SVA_REFCOUNT_MAX);
	sva_refcount_inc(&r);
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_non_null(strstr(sva_report_first(w), "overflow"));
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);
	assert_stays_saturated(&r);

	/* inc_not_zero overflows the same way; the object is kept (leaked), never freed */
	sva_refcount_set(&r, SVA_REFCOUNT_MAX);
	assert_true(sva_refcount_inc_not_zero(&r));
	assert_true(sva_report_count(w, SVA_REPORT_REFCOUNT) >= 2);
	assert_int_equal(sva_refcount_read(&r), SVA_REFCOUNT_SATURATED);
	assert_stays_saturated(&r);
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), sva_report_total(w));
	world_done_with_reports(w);
}

static void test_overflow_saturates(void **state)
{
	(void)state;
	on_both_backends(overflow_body);
}

/* ---- concurrent gets and puts -------------------------------------------------------------------
 */

#define NACTORS 4
#define START	3

struct pairs_ctx {
	struct sva_refcount r;
	int iters;
	atomic_int hit_zero;	/* dec_and_test said "last" although the start refs are held */
	atomic_int get_refused; /* inc_not_zero said "dead" */
};

static int pairs_actor(void *arg)
{
	struct pairs_ctx *c = arg;

	for (int i = 0; i < c->iters; i++) {
		sva_refcount_inc(&c->r);
		if (!sva_refcount_inc_not_zero(&c->r))
			atomic_fetch_add(&c->get_refused, 1);
		if (sva_refcount_dec_and_test(&c->r))
			atomic_fetch_add(&c->hit_zero, 1);
		sva_refcount_dec(&c->r);
	}
	return 0;
}

static void pairs_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct pairs_ctx c = { .iters = backend == SVA_BACKEND_SIM ? 500 : 50000 };
	struct sva_actor *a[NACTORS];

	sva_refcount_init(w, &c.r, "pairs", START);
	for (int i = 0; i < NACTORS; i++)
		assert_int_equal(sva_actor_spawn(w, "getput", pairs_actor, &c, 0, &a[i]), 0);
	assert_int_equal(sva_world_run(w), 0);
	for (int i = 0; i < NACTORS; i++) {
		int ret = -1;

		assert_int_equal(sva_actor_join(a[i], &ret), 0);
		assert_int_equal(ret, 0);
	}
	assert_int_equal(sva_refcount_read(&c.r), START);
	assert_int_equal(atomic_load(&c.hit_zero), 0);
	assert_int_equal(atomic_load(&c.get_refused), 0);
	sva_test_world_done(w); /* and no report */
}

static void test_concurrent_get_put_pairs_balance(void **state)
{
	(void)state;
	on_both_backends(pairs_body);
}

/* ---- the get-versus-last-put race, explored -----------------------------------------------------
 */

struct object {
	long payload;
};

struct race_prog {
	bool racy_get; /* get by read-then-inc instead of inc_not_zero */
	struct sva_world *w;
	struct sva_refcount ref;
	struct object *obj;
	bool freed; /* set by the side that frees */
	int frees;
	bool got;
	int used_after_free; /* a get succeeded, yet the object was freed under the getter */
	long seen;
};

static void race_put(struct race_prog *p)
{
	if (sva_refcount_dec_and_test(&p->ref)) {
		p->freed = true;
		p->frees++;
		sva_free(p->w, &sva_obj_test, p->obj);
	}
}

static bool race_get(struct race_prog *p)
{
	if (!p->racy_get)
		return sva_refcount_inc_not_zero(&p->ref);
	/* the bug inc_not_zero exists for: the count can drop to zero between the two steps */
	if (sva_refcount_read(&p->ref) == 0)
		return false;
	sva_sched_point(p->w);
	sva_refcount_inc(&p->ref);
	return true;
}

static int race_getter(void *arg)
{
	struct race_prog *p = arg;

	if (!race_get(p))
		return 0; /* too late: the object is gone, and we did not touch it */
	p->got = true;
	sva_sched_point(p->w);
	if (p->freed)
		p->used_after_free++; /* do not touch it: it really is freed */
	else
		p->seen = p->obj->payload;
	sva_sched_point(p->w);
	race_put(p);
	return 0;
}

static int race_last_putter(void *arg)
{
	race_put(arg); /* drops the initial reference: the last one unless the getter got in */
	return 0;
}

static int race_setup(struct sva_world *w, void *arg)
{
	struct race_prog *p = arg;
	int ret;

	sva_test_quiet(w);
	p->w = w;
	p->freed = false;
	p->frees = 0;
	p->got = false;
	p->used_after_free = 0;
	p->seen = 0;
	p->obj = sva_alloc(w, &sva_obj_test, sizeof(*p->obj));
	if (!p->obj)
		return -ENOMEM;
	p->obj->payload = 42;
	sva_refcount_init(w, &p->ref, "obj_ref", 1);
	ret = sva_actor_spawn(w, "getter", race_getter, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "last_put", race_last_putter, p, 0, NULL);
	return ret;
}

static int race_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct race_prog *p = arg;

	(void)w;
	if (run)
		return run;
	if (p->used_after_free) {
		snprintf(msg, len, "getter's reference did not keep the object: used after free");
		return -EFAULT;
	}
	if (p->frees != 1 || !p->freed) {
		snprintf(msg, len, "object freed %d times", p->frees);
		return -EFAULT;
	}
	if (sva_refcount_read(&p->ref) != 0) {
		snprintf(msg, len, "count ended at %ld", sva_refcount_read(&p->ref));
		return -EFAULT;
	}
	if (p->got && p->seen != 42) {
		snprintf(msg, len, "getter read %ld", p->seen);
		return -EFAULT;
	}
	return 0;
}

static void test_inc_not_zero_vs_last_put_explored(void **state)
{
	struct race_prog p = { .racy_get = false };
	struct sva_program prog = { "get-vs-last-put", race_setup, race_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 2 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	if (res.failures)
		fprintf(stderr, "failing schedule %s: %s\n", res.schedule, res.message);
	assert_int_equal(res.failures, 0);
	assert_true(res.exhausted);
	assert_true(res.schedules > 1);
}

/* The same check catches the racy get: the explorer can fail this program, and does. */
static void test_read_then_inc_vs_last_put_caught(void **state)
{
	struct race_prog p = { .racy_get = true };
	struct sva_program prog = {
		"racy-get-vs-last-put", race_setup, race_check, NULL, &p, false
	};
	struct sva_explore_config cfg = { .preemption_bound = 2 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.failures, 1); /* stops at the first */
	assert_non_null(strstr(res.message, "used after free"));
	assert_true(strlen(res.schedule) > 0);
}

/* ---- use after free: the primitives of a freed object (sim quarantines and poisons it) ----------
 */

struct counted {
	long payload;
	struct sva_refcount ref;
	struct sva_mutex lock;
	struct sva_waitq wq;
};

static struct counted *counted_new(struct sva_world *w)
{
	struct counted *o = sva_alloc(w, &sva_obj_test, sizeof(*o));

	assert_non_null(o);
	sva_refcount_init(w, &o->ref, "counted_ref", 1);
	sva_mutex_init(w, &o->lock, "counted_lock");
	sva_waitq_init(w, &o->wq, "counted_wq");
	return o;
}

static void counted_free(struct sva_world *w, struct counted *o)
{
	sva_mutex_destroy(&o->lock);
	sva_waitq_destroy(&o->wq);
	sva_free(w, &sva_obj_test, o);
}

static void test_ops_on_freed_object_reported(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	struct counted *o = counted_new(w);
	unsigned long n = 0;
	(void)state;

	sva_test_quiet(w);
	assert_true(sva_refcount_dec_and_test(&o->ref));
	counted_free(w, o);
	assert_int_equal(sva_report_total(w), 0);

	/* every operation is reported as a use after free, none follows the poisoned memory */
	sva_refcount_inc(&o->ref);
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	assert_non_null(strstr(sva_report_first(w), "use after free: refcount_inc through a "
						    "freed test"));
	assert_false(sva_refcount_inc_not_zero(&o->ref));
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	assert_false(sva_refcount_dec_and_test(&o->ref)); /* never "the last put" again */
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	assert_int_equal(sva_refcount_read(&o->ref), SVA_REFCOUNT_SATURATED);
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	sva_mutex_lock(&o->lock);
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	sva_mutex_unlock(&o->lock);
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	sva_wake_up(&o->wq);
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), ++n);
	/* nothing else was reported: not a refcount underflow, not a lock misuse */
	assert_int_equal(sva_report_total(w), n);
	assert_true(sva_world_stopped(w)); /* a sim run does not go on through a freed object */
	world_done_with_reports(w);
}

/* Every primitive an object embeds, freed with it. */
struct laden {
	struct sva_atomic at;
	struct sva_rwsem sem;
	struct sva_mutex lock;
	struct sva_waitq wq;
	struct sva_completion done;
};

static void last_msg_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	(void)level;
	snprintf(ctx, 256, "%s", msg);
}

/*
 * The rest of the primitives through a freed object: each operation is reported as a use after
 * free naming itself and the object's class, changes nothing, and answers what a caller must
 * not act on (no lock taken, nothing read as live, a wait interrupted).
 */
static void test_every_primitive_through_a_freed_object(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	struct laden *o = sva_alloc(w, &sva_obj_test, sizeof(*o));
	unsigned long n = 0;
	char last[256] = "";
	(void)state;

	assert_non_null(o);
	sva_atomic_init(w, &o->at, 5);
	sva_rwsem_init(w, &o->sem, "laden_sem");
	sva_mutex_init(w, &o->lock, "laden_lock");
	sva_waitq_init(w, &o->wq, "laden_wq");
	sva_completion_init(w, &o->done, "laden_done");
	sva_completion_destroy(&o->done);
	sva_waitq_destroy(&o->wq);
	sva_mutex_destroy(&o->lock);
	sva_rwsem_destroy(&o->sem);
	sva_free(w, &sva_obj_test, o);
	sva_world_set_log_sink(w, last_msg_sink, last);
#define UAF(op, name)                                                               \
	do {                                                                        \
		op;                                                                 \
		assert_true(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE) > n);    \
		n = sva_report_count(w, SVA_REPORT_USE_AFTER_FREE);                 \
		if (!strstr(last, "use after free: " name " through a freed test")) \
			fail_msg("%s: %s", name, last);                             \
	} while (0)
	UAF(assert_int_equal(sva_atomic_read(&o->at), SVA_REFCOUNT_SATURATED), "atomic_read");
	UAF(sva_atomic_set(&o->at, 1), "atomic_set");
	UAF(assert_int_equal(sva_atomic_add_return(&o->at, 1), SVA_REFCOUNT_SATURATED),
	    "atomic_add_return");
	UAF(assert_int_equal(sva_atomic_cmpxchg(&o->at, 5, 6), SVA_REFCOUNT_SATURATED),
	    "atomic_cmpxchg");
	UAF(assert_false(sva_atomic_add_unless(&o->at, 1, 0)), "atomic_add_unless");
	UAF(sva_down_read(&o->sem), "down_read");
	UAF(sva_down_write(&o->sem), "down_write");
	UAF(assert_false(sva_down_read_trylock(&o->sem)), "down_read_trylock");
	UAF(assert_false(sva_down_write_trylock(&o->sem)), "down_write_trylock");
	UAF(sva_up_read(&o->sem), "up_read");
	UAF(sva_up_write(&o->sem), "up_write");
	UAF(sva_rwsem_is_write_locked(&o->sem), "rwsem_is_write_locked");
	UAF(assert_false(sva_mutex_trylock(&o->lock)), "mutex_trylock");
	UAF(sva_mutex_is_locked(&o->lock), "mutex_is_locked");
	UAF(assert_false(sva_mutex_held(&o->lock)), "mutex_held");
	UAF(assert_int_equal(sva_wait_event_killable(&o->wq, false), -EINTR), "wait_event");
	UAF(sva_complete(&o->done), "complete");
	UAF(sva_complete_all(&o->done), "complete_all");
	UAF(assert_int_equal(sva_wait_for_completion(&o->done), -EINTR), "wait_for_completion");
#undef UAF
	assert_int_equal(sva_report_total(w), n); /* nothing else: no lock misuse */
	assert_true(sva_world_stopped(w));
	world_done_with_reports(w);
}

/* A user of the object and a freer that does not wait for it (no reference taken). */
struct uaf_prog {
	struct sva_world *w;
	struct counted *o;
	bool take_ref; /* the user holds a reference: the faithful design */
};

static void uaf_put(struct uaf_prog *p)
{
	if (sva_refcount_dec_and_test(&p->o->ref))
		counted_free(p->w, p->o);
}

static int uaf_user(void *arg)
{
	struct uaf_prog *p = arg;
	struct counted *o = p->o; /* its reference was taken for it at setup, when asked */

	sva_sched_point(p->w);
	sva_mutex_lock(&o->lock);
	sva_mutex_unlock(&o->lock);
	if (p->take_ref)
		uaf_put(p);
	return 0;
}

static int uaf_freer(void *arg)
{
	uaf_put(arg);
	return 0;
}

static int uaf_setup(struct sva_world *w, void *arg)
{
	struct uaf_prog *p = arg;
	int ret;

	sva_test_quiet(w);
	p->w = w;
	p->o = counted_new(w);
	if (p->take_ref)
		sva_refcount_inc(&p->o->ref);
	ret = sva_actor_spawn(w, "user", uaf_user, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "freer", uaf_freer, p, 0, NULL);
	return ret;
}

static int uaf_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	(void)w, (void)arg, (void)msg, (void)len;
	return run == -ECANCELED ? 0 : run; /* the world's reports judge the rest */
}

static void test_explorer_fails_free_under_a_user(void **state)
{
	struct uaf_prog p = { .take_ref = false };
	struct sva_program prog = { "free-under-user", uaf_setup, uaf_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 1 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.failures, 1);
	assert_non_null(strstr(res.message, "use after free: mutex_lock through a freed test"));
	assert_true(strlen(res.schedule) > 0);

	/* with the user's reference, every schedule is clean */
	p.take_ref = true;
	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	if (res.failures)
		fprintf(stderr, "failing schedule %s: %s\n", res.schedule, res.message);
	assert_int_equal(res.failures, 0);
	assert_true(res.exhausted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refcount_basics),
		cmocka_unit_test(test_inc_from_zero_reports_and_saturates),
		cmocka_unit_test(test_underflow_reports_and_saturates),
		cmocka_unit_test(test_dec_reaching_zero_reports),
		cmocka_unit_test(test_overflow_saturates),
		cmocka_unit_test(test_concurrent_get_put_pairs_balance),
		cmocka_unit_test(test_inc_not_zero_vs_last_put_explored),
		cmocka_unit_test(test_read_then_inc_vs_last_put_caught),
		cmocka_unit_test(test_ops_on_freed_object_reported),
		cmocka_unit_test(test_every_primitive_through_a_freed_object),
		cmocka_unit_test(test_explorer_fails_free_under_a_user),
	};

	return cmocka_run_group_tests_name("refcount", tests, NULL, NULL);
}
