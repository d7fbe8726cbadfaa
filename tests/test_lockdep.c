/* SPDX-License-Identifier: MIT */
/*
 * Lock-order checking (src/sync/lockdep.c) on the sim backend: an AB/BA inversion is reported
 * even when the two orders ran one after the other and nothing deadlocked, naming both locks and
 * the four sites; one consistent order everywhere is clean; a three-lock cycle across three
 * actors is reported with its whole path; mutexes, rw-semaphores and spinlocks are classes
 * alike; trylocks add no edge (but a lock held after one orders what is taken under it); locks
 * of one class (one name) nest silently, and a class is the name's contents, not its pointer;
 * a release in any order leaves the stack right; every pair is reported once; the limits
 * report BAD_USAGE once; the explorer fails every schedule of the ABBA program; the native
 * backend checks nothing.
 *
 * Most actors run a script of lock operations whose sites are plain strings ("t1.a"), so each
 * report can be compared whole. Actors run one after the other (spawn, run the world, join):
 * they never overlap, nothing can deadlock, and whatever is reported was only *observed*.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define NLOCKS	 4
#define NSTEPS	 8
#define NSCRIPTS 4

enum op {
	END,
	MUTEX,
	TRYMUTEX,
	READ,
	TRYREAD,
	WRITE,
	TRYWRITE,
	SPIN,
	UNLOCK, /* release what step .lock took */
};

struct step {
	enum op op;
	unsigned lock; /* index among the locks of its type; for UNLOCK, a step index */
	const char *site;
};

struct script {
	const char *actor;
	struct step steps[NSTEPS];
};

struct locks {
	struct sva_mutex m[NLOCKS];
	struct sva_rwsem r[NLOCKS];
	struct sva_spinlock s[NLOCKS];
	/* names to use instead of the defaults; NULL entries keep the default */
	const char *mname[NLOCKS], *rname[NLOCKS], *sname[NLOCKS];
};

struct run {
	struct locks *l;
	const struct script *script;
	bool held[NSTEPS];
	int failed_trylocks;
};

static const char *const mutex_names[NLOCKS] = { "mutex_a", "mutex_b", "mutex_c", "mutex_d" };
static const char *const rwsem_names[NLOCKS] = { "rwsem_a", "rwsem_b", "rwsem_c", "rwsem_d" };
static const char *const spin_names[NLOCKS] = { "spin_a", "spin_b", "spin_c", "spin_d" };

static void locks_init(struct sva_world *w, struct locks *l)
{
	for (int i = 0; i < NLOCKS; i++) {
		sva_mutex_init(w, &l->m[i], l->mname[i] ? l->mname[i] : mutex_names[i]);
		sva_rwsem_init(w, &l->r[i], l->rname[i] ? l->rname[i] : rwsem_names[i]);
		sva_spin_lock_init(w, &l->s[i], l->sname[i] ? l->sname[i] : spin_names[i]);
	}
}

static void locks_destroy(struct locks *l)
{
	for (int i = 0; i < NLOCKS; i++) {
		sva_mutex_destroy(&l->m[i]);
		sva_rwsem_destroy(&l->r[i]);
		sva_spin_lock_destroy(&l->s[i]);
	}
}

/* Take the lock of step @st; false when a trylock failed. */
static bool step_take(struct locks *l, const struct step *st)
{
	switch (st->op) {
	case MUTEX:
		sva_mutex_lock_at(&l->m[st->lock], st->site);
		return true;
	case TRYMUTEX:
		return sva_mutex_trylock(&l->m[st->lock]);
	case READ:
		sva_down_read_at(&l->r[st->lock], st->site);
		return true;
	case TRYREAD:
		return sva_down_read_trylock(&l->r[st->lock]);
	case WRITE:
		sva_down_write_at(&l->r[st->lock], st->site);
		return true;
	case TRYWRITE:
		return sva_down_write_trylock(&l->r[st->lock]);
	case SPIN:
		sva_spin_lock_at(&l->s[st->lock], st->site);
		return true;
	default:
		return false;
	}
}

static void step_release(struct locks *l, const struct step *st)
{
	switch (st->op) {
	case MUTEX:
	case TRYMUTEX:
		sva_mutex_unlock(&l->m[st->lock]);
		break;
	case READ:
	case TRYREAD:
		sva_up_read(&l->r[st->lock]);
		break;
	case WRITE:
	case TRYWRITE:
		sva_up_write(&l->r[st->lock]);
		break;
	case SPIN:
		sva_spin_unlock(&l->s[st->lock]);
		break;
	default:
		break;
	}
}

/* Run the script; then release what is still held, last taken first. */
static int script_actor(void *arg)
{
	struct run *r = arg;
	const struct step *steps = r->script->steps;
	int n = 0;

	for (; n < NSTEPS && steps[n].op != END; n++) {
		if (steps[n].op == UNLOCK) {
			step_release(r->l, &steps[steps[n].lock]);
			r->held[steps[n].lock] = false;
		} else if (step_take(r->l, &steps[n])) {
			r->held[n] = true;
		} else {
			r->failed_trylocks++;
		}
	}
	while (n-- > 0)
		if (r->held[n])
			step_release(r->l, &steps[n]);
	return 0;
}

static void run_one(struct sva_world *w, struct sva_actor *a)
{
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(sva_actor_join(a, NULL), 0);
}

/* Run each script in its own actor, one after the other. */
static void run_scripts(struct sva_world *w, struct locks *l, const struct script *s, unsigned n)
{
	struct run runs[NSCRIPTS] = { { 0 } };

	assert_true(n <= NSCRIPTS);
	for (unsigned i = 0; i < n; i++) {
		struct sva_actor *a;

		runs[i].l = l;
		runs[i].script = &s[i];
		assert_int_equal(sva_actor_spawn(w, s[i].actor, script_actor, &runs[i], 0, &a), 0);
		run_one(w, a);
		assert_int_equal(runs[i].failed_trylocks, 0);
	}
}

static struct sva_world *sim_world(void)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);

	sva_test_quiet(w);
	return w;
}

/* Run @scripts in a fresh sim world; expect no report at all. */
static void expect_clean(struct locks *l, const struct script *scripts, unsigned n)
{
	struct sva_world *w = sim_world();

	locks_init(w, l);
	run_scripts(w, l, scripts, n);
	locks_destroy(l);
	sva_test_world_done(w);
}

/* Run @scripts in a fresh sim world; expect exactly one report, @expected. */
static void expect_inversion(struct locks *l, const struct script *scripts, unsigned n,
			     const char *expected)
{
	struct sva_world *w = sim_world();

	locks_init(w, l);
	run_scripts(w, l, scripts, n);
	locks_destroy(l);
	if (sva_report_total(w) != 1 || strcmp(sva_report_first(w), expected))
		fprintf(stderr, "reports: %lu, first: %s\nexpected: %s\n", sva_report_total(w),
			sva_report_first(w), expected);
	assert_int_equal(sva_report_count(w, SVA_REPORT_LOCK_ORDER), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_string_equal(sva_report_first(w), expected);
	sva_world_destroy(w);
}

/* ---- AB then BA, never overlapping, with the sites of SVA_HERE ------------------------------ */

struct abba {
	struct sva_mutex a, b;
	int line[4]; /* first takes a, b; second takes b, a */
};

static int ab_actor(void *arg)
{
	struct abba *p = arg;

	p->line[0] = __LINE__ + 1;
	sva_mutex_lock(&p->a);
	p->line[1] = __LINE__ + 1;
	sva_mutex_lock(&p->b);
	sva_mutex_unlock(&p->b);
	sva_mutex_unlock(&p->a);
	return 0;
}

static int ba_actor(void *arg)
{
	struct abba *p = arg;

	p->line[2] = __LINE__ + 1;
	sva_mutex_lock(&p->b);
	p->line[3] = __LINE__ + 1;
	sva_mutex_lock(&p->a);
	sva_mutex_unlock(&p->a);
	sva_mutex_unlock(&p->b);
	return 0;
}

static void test_abba_never_overlapping_is_reported(void **state)
{
	struct sva_world *w = sim_world();
	struct abba p;
	struct sva_actor *a;
	char expected[512];
	(void)state;

	sva_mutex_init(w, &p.a, "lock_a");
	sva_mutex_init(w, &p.b, "lock_b");
	assert_int_equal(sva_actor_spawn(w, "first", ab_actor, &p, 0, &a), 0);
	run_one(w, a);
	assert_int_equal(sva_report_total(w), 0); /* one order alone is fine */
	assert_int_equal(sva_actor_spawn(w, "second", ba_actor, &p, 0, &a), 0);
	run_one(w, a);

	snprintf(expected, sizeof(expected),
		 "lock order inversion: second takes lock_a at tests/test_lockdep.c:%d while "
		 "holding lock_b (taken at tests/test_lockdep.c:%d); the other order was seen: "
		 "lock_a (at tests/test_lockdep.c:%d) then lock_b (at tests/test_lockdep.c:%d) in "
		 "first",
		 p.line[3], p.line[2], p.line[0], p.line[1]);
	assert_string_equal(sva_report_first(w), expected);
	assert_int_equal(sva_report_count(w, SVA_REPORT_LOCK_ORDER), 1);
	assert_int_equal(sva_report_total(w), 1);
	sva_mutex_destroy(&p.a);
	sva_mutex_destroy(&p.b);
	sva_world_destroy(w);
}

/* ---- one order everywhere ---------------------------------------------------------------------
 */

static void test_consistent_order_is_clean(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 0, "t1.a" }, { MUTEX, 1, "t1.b" }, { MUTEX, 2, "t1.c" } } },
		{ "t2", { { MUTEX, 0, "t2.a" }, { MUTEX, 2, "t2.c" } } },
		{ "t3", { { MUTEX, 1, "t3.b" }, { MUTEX, 2, "t3.c" } } },
		{ "t4", { { MUTEX, 0, "t4.a" }, { MUTEX, 1, "t4.b" } } },
	};
	(void)state;

	expect_clean(&l, s, 4);
}

/* The same order, taken by actors that really interleave (random schedules). */
struct interleaved {
	struct sva_mutex a, b;
	struct sva_rwsem r;
};

static int ordered_actor(void *arg)
{
	struct interleaved *p = arg;

	for (int i = 0; i < 5; i++) {
		sva_down_read(&p->r);
		sva_mutex_lock(&p->a);
		sva_mutex_lock(&p->b);
		sva_mutex_unlock(&p->b);
		sva_mutex_unlock(&p->a);
		sva_up_read(&p->r);
	}
	return 0;
}

static void test_consistent_order_interleaved_is_clean(void **state)
{
	(void)state;

	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, seed);
		struct interleaved p;

		sva_mutex_init(w, &p.a, "lock_a");
		sva_mutex_init(w, &p.b, "lock_b");
		sva_rwsem_init(w, &p.r, "rw");
		for (int i = 0; i < 3; i++)
			assert_int_equal(sva_actor_spawn(w, "ordered", ordered_actor, &p, 0, NULL),
					 0);
		assert_int_equal(sva_world_run(w), 0);
		sva_mutex_destroy(&p.a);
		sva_mutex_destroy(&p.b);
		sva_rwsem_destroy(&p.r);
		sva_test_world_done(w);
	}
}

/* ---- a cycle of three, each actor consistent with the one before ----------------------------- */

static void test_three_lock_cycle_is_reported(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 0, "t1.a" }, { MUTEX, 1, "t1.b" } } },
		{ "t2", { { MUTEX, 1, "t2.b" }, { MUTEX, 2, "t2.c" } } },
		{ "t3", { { MUTEX, 2, "t3.c" }, { MUTEX, 0, "t3.a" } } },
	};
	(void)state;

	expect_inversion(
		&l, s, 3,
		"lock order inversion: t3 takes mutex_a at t3.a while holding mutex_c "
		"(taken at t3.c); the other order was seen: mutex_a (at t1.a) then mutex_b "
		"(at t1.b) in t1, mutex_b (at t2.b) then mutex_c (at t2.c) in t2");
}

/* ---- mutexes, rw-semaphores and spinlocks are classes alike ------------------------------------
 */

static void test_rwsem_and_mutex_inversion(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "reader", { { READ, 0, "reader.r" }, { MUTEX, 0, "reader.m" } } },
		{ "writer", { { MUTEX, 0, "writer.m" }, { WRITE, 0, "writer.r" } } },
	};
	(void)state;

	l.rname[0] = "mmap_lock";
	expect_inversion(&l, s, 2,
			 "lock order inversion: writer takes mmap_lock at writer.r while holding "
			 "mutex_a (taken at writer.m); the other order was seen: mmap_lock (at "
			 "reader.r) then mutex_a (at reader.m) in reader");
}

static void test_read_read_inversion_is_reported(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { READ, 0, "t1.r" }, { MUTEX, 0, "t1.m" } } },
		{ "t2", { { MUTEX, 0, "t2.m" }, { READ, 0, "t2.r" } } },
	};
	(void)state;

	/* down_read is not a recursive read lock: a writer queued between deadlocks it */
	expect_inversion(
		&l, s, 2,
		"lock order inversion: t2 takes rwsem_a at t2.r while holding mutex_a "
		"(taken at t2.m); the other order was seen: rwsem_a (at t1.r) then mutex_a "
		"(at t1.m) in t1");
}

static void test_spinlock_inversion(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 0, "t1.m" }, { SPIN, 0, "t1.s0" }, { SPIN, 1, "t1.s1" } } },
		{ "t2", { { SPIN, 1, "t2.s1" }, { SPIN, 0, "t2.s0" } } },
	};
	(void)state;

	expect_inversion(
		&l, s, 2,
		"lock order inversion: t2 takes spin_a at t2.s0 while holding spin_b "
		"(taken at t2.s1); the other order was seen: spin_a (at t1.s0) then spin_b "
		"(at t1.s1) in t1");
}

static void test_mixed_consistent_is_clean(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { WRITE, 0, "t1.r" }, { MUTEX, 0, "t1.m" }, { SPIN, 0, "t1.s" } } },
		{ "t2", { { READ, 0, "t2.r" }, { SPIN, 0, "t2.s" } } },
		{ "t3", { { MUTEX, 0, "t3.m" }, { SPIN, 0, "t3.s" }, { SPIN, 1, "t3.s1" } } },
	};
	(void)state;

	expect_clean(&l, s, 3);
}

/* ---- trylocks ---------------------------------------------------------------------------------
 */

static void test_trylock_adds_no_edge(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1",
		  { { MUTEX, 0, "t1.a" },
		    { TRYMUTEX, 1, "t1.b" },
		    { TRYREAD, 0, "t1.r" },
		    { TRYWRITE, 1, "t1.w" } } },
		{ "t2",
		  { { MUTEX, 1, "t2.b" },
		    { READ, 0, "t2.r" },
		    { WRITE, 1, "t2.w" },
		    { MUTEX, 0, "t2.a" } } },
	};
	(void)state;

	expect_clean(&l, s, 2);
}

static void test_lock_held_by_trylock_orders_what_follows(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { TRYMUTEX, 0, "t1.a" }, { MUTEX, 1, "t1.b" } } },
		{ "t2", { { MUTEX, 1, "t2.b" }, { MUTEX, 0, "t2.a" } } },
	};
	(void)state;

	expect_inversion(&l, s, 2,
			 "lock order inversion: t2 takes mutex_a at t2.a while holding mutex_b "
			 "(taken at t2.b); the other order was seen: mutex_a (at trylock) then "
			 "mutex_b (at t1.b) in t1");
}

/* ---- classes are names -------------------------------------------------------------------------
 */

static void test_same_class_nesting_is_clean(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 0, "t1.m0" }, { MUTEX, 1, "t1.m1" } } },
		{ "t2", { { MUTEX, 1, "t2.m1" }, { MUTEX, 0, "t2.m0" } } },
		{ "t3", { { READ, 0, "t3.r0" }, { READ, 0, "t3.r0again" }, { READ, 1, "t3.r1" } } },
		{ "t4", { { WRITE, 1, "t4.r1" }, { WRITE, 0, "t4.r0" } } },
	};
	(void)state;

	/* two mm's, each with its mmap_lock and its own lock */
	l.mname[0] = l.mname[1] = "mm_lock";
	l.rname[0] = l.rname[1] = "mmap_lock";
	expect_clean(&l, s, 4);
}

static void test_class_is_name_contents(void **state)
{
	char name1[] = "shared_name", name2[] = "shared_name";
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 0, "t1.m0" }, { MUTEX, 2, "t1.c" } } },
		{ "t2", { { MUTEX, 2, "t2.c" }, { MUTEX, 1, "t2.m1" } } },
	};
	(void)state;

	/* two locks, two name buffers, one class */
	l.mname[0] = name1;
	l.mname[1] = name2;
	expect_inversion(
		&l, s, 2,
		"lock order inversion: t2 takes shared_name at t2.m1 while holding "
		"mutex_c (taken at t2.c); the other order was seen: shared_name (at t1.m0) "
		"then mutex_c (at t1.c) in t1");
}

/* ---- the held stack ----------------------------------------------------------------------------
 */

static void test_release_in_any_order(void **state)
{
	struct locks l = { 0 };
	const struct script clean[] = {
		/* a is released (under b) before c is taken: b before c, not a before c */
		{ "t1",
		  { { MUTEX, 0, "t1.a" },
		    { TRYMUTEX, 1, "t1.b" },
		    { UNLOCK, 0, NULL },
		    { MUTEX, 2, "t1.c" } } },
		{ "t2", { { MUTEX, 2, "t2.c" }, { MUTEX, 0, "t2.a" } } },
	};
	const struct script inverted[] = {
		clean[0],
		{ "t2", { { MUTEX, 2, "t2.c" }, { MUTEX, 1, "t2.b" } } },
	};
	(void)state;

	expect_clean(&l, clean, 2);
	expect_inversion(&l, inverted, 2,
			 "lock order inversion: t2 takes mutex_b at t2.b while holding mutex_c "
			 "(taken at t2.c); the other order was seen: mutex_b (at trylock) then "
			 "mutex_c (at t1.c) in t1");
}

static void test_each_pair_reported_once(void **state)
{
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 0, "t1.a" }, { MUTEX, 1, "t1.b" } } },
		{ "t2", { { MUTEX, 1, "t2.b" }, { MUTEX, 0, "t2.a" } } },
		{ "t3", { { MUTEX, 1, "t3.b" }, { MUTEX, 0, "t3.a" } } },
		{ "t4", { { MUTEX, 0, "t4.a" }, { MUTEX, 1, "t4.b" } } },
	};
	(void)state;

	expect_inversion(
		&l, s, 4,
		"lock order inversion: t2 takes mutex_a at t2.a while holding mutex_b "
		"(taken at t2.b); the other order was seen: mutex_a (at t1.a) then mutex_b "
		"(at t1.b) in t1");
}

/* Locks taken outside any actor are the "outside" pseudo-actor's. */
static void test_outside_actor_is_tracked(void **state)
{
	struct sva_world *w = sim_world();
	struct locks l = { 0 };
	const struct script s[] = {
		{ "t1", { { MUTEX, 1, "t1.b" }, { MUTEX, 0, "t1.a" } } },
	};
	(void)state;

	locks_init(w, &l);
	sva_mutex_lock_at(&l.m[0], "setup.a");
	sva_mutex_lock_at(&l.m[1], "setup.b");
	sva_mutex_unlock(&l.m[1]);
	sva_mutex_unlock(&l.m[0]);
	run_scripts(w, &l, s, 1);
	locks_destroy(&l);
	assert_string_equal(sva_report_first(w),
			    "lock order inversion: t1 takes mutex_a at t1.a while holding mutex_b "
			    "(taken at t1.b); the other order was seen: mutex_a (at setup.a) then "
			    "mutex_b (at setup.b) in outside");
	sva_world_destroy(w);
}

/* ---- limits -------------------------------------------------------------------------------------
 */

#define MANY 300

struct many {
	struct sva_mutex outer;
	struct sva_mutex m[MANY];
	char names[MANY][16];
	unsigned hold;	/* how many to keep held (the rest are taken one at a time) */
	unsigned count; /* how many to take, each of its own class, always in the same order */
};

static int many_actor(void *arg)
{
	struct many *p = arg;

	sva_mutex_lock(&p->outer);
	for (unsigned i = 0; i < p->count; i++) {
		sva_mutex_lock(&p->m[i]);
		if (i >= p->hold)
			sva_mutex_unlock(&p->m[i]);
	}
	for (unsigned i = p->hold; i-- > 0;)
		sva_mutex_unlock(&p->m[i]);
	sva_mutex_unlock(&p->outer);
	return 0;
}

/* One actor takes "outer", then @count locks of distinct classes, keeping @hold of them held. */
static void run_many(unsigned hold, unsigned count, const char *expected)
{
	struct sva_world *w = sim_world();
	struct many *p = calloc(1, sizeof(*p));
	struct sva_actor *a;

	assert_non_null(p);
	sva_mutex_init(w, &p->outer, "outer");
	for (unsigned i = 0; i < MANY; i++) {
		snprintf(p->names[i], sizeof(p->names[i]), "lock%u", i);
		sva_mutex_init(w, &p->m[i], p->names[i]);
	}
	p->hold = hold;
	p->count = count;
	assert_int_equal(sva_actor_spawn(w, "greedy", many_actor, p, 0, &a), 0);
	run_one(w, a);
	if (sva_report_total(w) != (expected ? 1 : 0))
		fprintf(stderr, "reports: %lu, first: %s\n", sva_report_total(w),
			sva_report_first(w));
	if (!expected) {
		assert_int_equal(sva_report_total(w), 0);
	} else {
		assert_int_equal(sva_report_count(w, SVA_REPORT_BAD_USAGE), 1);
		assert_int_equal(sva_report_total(w), 1);
		assert_non_null(strstr(sva_report_first(w), expected));
	}
	sva_mutex_destroy(&p->outer);
	for (unsigned i = 0; i < MANY; i++)
		sva_mutex_destroy(&p->m[i]);
	free(p);
	sva_world_destroy(w);
}

static void test_limits_report_once(void **state)
{
	(void)state;

	run_many(0, 255, NULL); /* 256 classes: the bound */
	run_many(0, MANY, "more than 256 lock classes");
	run_many(46, 47, NULL); /* outer, 46 held and one more: 48 held */
	run_many(47, 48, "an actor holds more than 48 locks");
	/* 41 held, 200 classes: 820 edges among the held, 41 more for each of 159 others */
	run_many(40, 200, "more than 4096 lock-order edges");
}

/* ---- the explorer
 * -------------------------------------------------------------------------------- */

static int abba_setup(struct sva_world *w, void *arg)
{
	struct abba *p = arg;
	int ret;

	sva_test_quiet(w);
	sva_mutex_init(w, &p->a, "lock_a");
	sva_mutex_init(w, &p->b, "lock_b");
	ret = sva_actor_spawn(w, "first", ab_actor, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "second", ba_actor, p, 0, NULL);
	return ret;
}

struct explore_counts {
	unsigned long inversions, deadlocks, runs;
};

static void count_reports(void *ctx, struct sva_world *w, bool failed, const char *msg)
{
	struct explore_counts *c = ctx;

	(void)failed;
	(void)msg;
	c->runs++;
	c->inversions += sva_report_count(w, SVA_REPORT_LOCK_ORDER) == 1;
	c->deadlocks += sva_report_count(w, SVA_REPORT_DEADLOCK) != 0;
}

static void test_explorer_fails_every_abba_schedule(void **state)
{
	struct abba p;
	struct sva_program prog = { "abba", abba_setup, NULL, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 2, .keep_going = true };
	struct sva_explore_result res;
	struct explore_counts c = { 0 };
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .nonpreemptive = true };
	char msg[1024];
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	printf("abba, K=2: %lu schedules, %lu failures\n", res.schedules, res.failures);
	assert_true(res.exhausted);
	assert_true(res.schedules > 2);
	assert_int_equal(res.failures, res.schedules);
	assert_non_null(strstr(res.message, "lock order inversion"));

	/* each schedule, replayed: exactly one inversion report in every one */
	wc.schedule = res.schedule;
	assert_int_equal(sva_program_run_observed(&wc, &prog, count_reports, &c, msg, sizeof(msg)),
			 -EFAULT);
	assert_int_equal(c.runs, 1);
	assert_int_equal(c.inversions, 1);
	assert_int_equal(c.deadlocks, 0); /* the first schedule runs them one after the other */
}

/* ---- native: nothing checked
 * ---------------------------------------------------------------------- */

static void test_native_checks_nothing(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct abba p;
	struct sva_actor *a;
	(void)state;

	sva_mutex_init(w, &p.a, "lock_a");
	sva_mutex_init(w, &p.b, "lock_b");
	assert_int_equal(sva_actor_spawn(w, "first", ab_actor, &p, 0, &a), 0);
	assert_int_equal(sva_actor_join(a, NULL), 0);
	assert_int_equal(sva_actor_spawn(w, "second", ba_actor, &p, 0, &a), 0);
	assert_int_equal(sva_actor_join(a, NULL), 0);
	sva_mutex_destroy(&p.a);
	sva_mutex_destroy(&p.b);
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abba_never_overlapping_is_reported),
		cmocka_unit_test(test_consistent_order_is_clean),
		cmocka_unit_test(test_consistent_order_interleaved_is_clean),
		cmocka_unit_test(test_three_lock_cycle_is_reported),
		cmocka_unit_test(test_rwsem_and_mutex_inversion),
		cmocka_unit_test(test_read_read_inversion_is_reported),
		cmocka_unit_test(test_spinlock_inversion),
		cmocka_unit_test(test_mixed_consistent_is_clean),
		cmocka_unit_test(test_trylock_adds_no_edge),
		cmocka_unit_test(test_lock_held_by_trylock_orders_what_follows),
		cmocka_unit_test(test_same_class_nesting_is_clean),
		cmocka_unit_test(test_class_is_name_contents),
		cmocka_unit_test(test_release_in_any_order),
		cmocka_unit_test(test_each_pair_reported_once),
		cmocka_unit_test(test_outside_actor_is_tracked),
		cmocka_unit_test(test_limits_report_once),
		cmocka_unit_test(test_explorer_fails_every_abba_schedule),
		cmocka_unit_test(test_native_checks_nothing),
	};

	return cmocka_run_group_tests_name("lockdep", tests, NULL, NULL);
}
