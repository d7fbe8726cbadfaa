/* SPDX-License-Identifier: MIT */
/*
 * The synchronisation primitives, each on both backends (native threads, and sim with a few
 * seeds): mutex and spinlock mutual exclusion with exact counts, trylock and sva_mutex_held;
 * rw-semaphore readers overlapping and writers exclusive, writer preference and trylocks;
 * completions (one waiter per complete, complete_all, reinit); wait queues without lost
 * wake-ups; killable waits ended by sva_actor_kill() and ended normally by a wake-up; atomics
 * (exact sums, cmpxchg, add_unless). Then the misuse the world reports: a mutex released by a
 * non-owner, an actor ending with a mutex held, sleeping under a spinlock.
 *
 * Actors never call cmocka asserts (they may be threads or fibers): they record what they saw
 * in the shared context and the main thread asserts after joining them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define NACTORS	   4
#define SIM_SEEDS  3
#define MAX_ACTORS 8

/* ---- helpers ------------------------------------------------------------------------------- */

typedef void (*backend_body)(enum sva_backend backend, uint64_t seed);

/* Run @body once on the native backend and once per seed on the sim backend. */
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

/* Iterations per actor: real contention in native, many interleavings (but short) in sim. */
static int iterations(struct sva_world *w, int native, int sim)
{
	return is_sim(w) ? sim : native;
}

/* Give every other actor a fair chance to run (and to block) before going on. */
static void settle(struct sva_world *w)
{
	if (is_sim(w)) {
		for (int i = 0; i < 50; i++)
			sva_yield(w);
	} else {
		sva_msleep(w, 20);
	}
}

struct spawn {
	const char *name;
	sva_actor_fn fn;
	void *arg;
};

/* Spawn the actors, run the world to the end, join them all; each must return 0. */
static void run_actors(struct sva_world *w, const struct spawn *sp, unsigned n)
{
	struct sva_actor *a[MAX_ACTORS];

	assert_true(n <= MAX_ACTORS);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(sva_actor_spawn(w, sp[i].name, sp[i].fn, sp[i].arg, 0, &a[i]), 0);
	assert_int_equal(sva_world_run(w), 0);
	for (unsigned i = 0; i < n; i++) {
		int ret = -1;

		assert_int_equal(sva_actor_join(a[i], &ret), 0);
		assert_int_equal(ret, 0);
	}
}

/* Run @n copies of the same actor. */
static void run_same(struct sva_world *w, sva_actor_fn fn, void *arg, unsigned n)
{
	struct spawn sp[MAX_ACTORS];

	for (unsigned i = 0; i < n; i++)
		sp[i] = (struct spawn){ "worker", fn, arg };
	run_actors(w, sp, n);
}

/* For tests that expect reports: the leak check of sva_test_world_done() without its own. */
static void world_done_with_reports(struct sva_world *w)
{
	char leaks[256];

	assert_int_equal(sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, leaks, sizeof(leaks)),
			 0);
	sva_world_destroy(w);
}

/* An actor that does nothing (spawned without a name). */
static int nameless_actor(void *arg)
{
	(void)arg;
	return 0;
}

/* ---- mutex and spinlock: mutual exclusion ---------------------------------------------------- */

struct excl_ctx {
	struct sva_world *w;
	struct sva_mutex m;
	struct sva_spinlock s;
	bool spin;
	int iters;
	long counter;		  /* plain: only the lock protects it */
	struct sva_atomic inside; /* holders of the lock right now */
	atomic_int overlaps;	  /* times a holder found another one inside */
	atomic_int not_held;	  /* times sva_mutex_held() was false under the lock */
	atomic_int held_outside;  /* times sva_mutex_held() was true after unlocking */
};

static void excl_lock(struct excl_ctx *c)
{
	if (c->spin)
		sva_spin_lock(&c->s);
	else
		sva_mutex_lock(&c->m);
}

static void excl_unlock(struct excl_ctx *c)
{
	if (c->spin)
		sva_spin_unlock(&c->s);
	else
		sva_mutex_unlock(&c->m);
}

static int excl_actor(void *arg)
{
	struct excl_ctx *c = arg;

	for (int i = 0; i < c->iters; i++) {
		long tmp;

		excl_lock(c);
		if (!c->spin && !sva_mutex_held(&c->m))
			atomic_fetch_add(&c->not_held, 1);
		if (sva_atomic_inc_return(&c->inside) != 1)
			atomic_fetch_add(&c->overlaps, 1);
		tmp = c->counter;
		sva_sched_point(c->w); /* between the read and the write */
		c->counter = tmp + 1;
		sva_atomic_dec_return(&c->inside);
		excl_unlock(c);
		if (!c->spin && sva_mutex_held(&c->m))
			atomic_fetch_add(&c->held_outside, 1);
	}
	return 0;
}

static void excl_body(enum sva_backend backend, uint64_t seed, bool spin)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct excl_ctx c = { .w = w, .spin = spin };

	c.iters = iterations(w, spin ? 20000 : 5000, 300);
	sva_mutex_init(w, &c.m, "excl_mutex");
	sva_spin_lock_init(w, &c.s, "excl_spin");
	sva_atomic_init(w, &c.inside, 0);

	run_same(w, excl_actor, &c, NACTORS);

	assert_int_equal(c.counter, (long)NACTORS * c.iters);
	assert_int_equal(atomic_load(&c.overlaps), 0);
	assert_int_equal(atomic_load(&c.not_held), 0);
	assert_int_equal(atomic_load(&c.held_outside), 0);
	assert_int_equal(sva_atomic_read(&c.inside), 0);
	assert_false(sva_mutex_is_locked(&c.m));
	sva_spin_lock_destroy(&c.s);
	sva_mutex_destroy(&c.m);
	sva_test_world_done(w);
}

static void mutex_excl_body(enum sva_backend backend, uint64_t seed)
{
	excl_body(backend, seed, false);
}

static void spin_excl_body(enum sva_backend backend, uint64_t seed)
{
	excl_body(backend, seed, true);
}

static void test_mutex_mutual_exclusion(void **state)
{
	(void)state;
	on_both_backends(mutex_excl_body);
}

static void test_spinlock_mutual_exclusion(void **state)
{
	(void)state;
	on_both_backends(spin_excl_body);
}

/* ---- mutex: trylock, held, is_locked --------------------------------------------------------- */

struct try_ctx {
	struct sva_mutex m;
	bool trylock_ok, held, locked, held_after_unlock;
};

/* While the main thread holds the mutex. */
static int try_while_held_actor(void *arg)
{
	struct try_ctx *c = arg;

	c->trylock_ok = sva_mutex_trylock(&c->m);
	c->held = sva_mutex_held(&c->m);
	c->locked = sva_mutex_is_locked(&c->m);
	return 0;
}

/* Once the mutex is free. */
static void try_free_actor_body(struct try_ctx *c)
{
	c->trylock_ok = sva_mutex_trylock(&c->m);
	c->held = sva_mutex_held(&c->m);
	c->locked = sva_mutex_is_locked(&c->m);
	if (c->trylock_ok)
		sva_mutex_unlock(&c->m);
	c->held_after_unlock = sva_mutex_held(&c->m);
}

static int try_free_actor(void *arg)
{
	try_free_actor_body(arg);
	return 0;
}

static void mutex_trylock_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct try_ctx c = { .trylock_ok = true };
	struct spawn sp[] = { { "try_held", try_while_held_actor, &c } };
	struct spawn sp2[] = { { "try_free", try_free_actor, &c } };

	sva_mutex_init(w, &c.m, "try_mutex");
	assert_false(sva_mutex_is_locked(&c.m));
	assert_false(sva_mutex_held(&c.m));

	/* the main thread (outside any actor) takes it; it is not recursive */
	assert_true(sva_mutex_trylock(&c.m));
	assert_true(sva_mutex_held(&c.m));
	assert_true(sva_mutex_is_locked(&c.m));
	assert_false(sva_mutex_trylock(&c.m));
	assert_true(sva_mutex_held(&c.m));

	/* an actor cannot take it and does not hold it */
	c.held = true;
	run_actors(w, sp, 1);
	assert_false(c.trylock_ok);
	assert_false(c.held);
	assert_true(c.locked);

	sva_mutex_unlock(&c.m);
	assert_false(sva_mutex_held(&c.m));
	assert_false(sva_mutex_is_locked(&c.m));

	/* now the actor gets it, holds it, and the main thread does not */
	c.held_after_unlock = true;
	run_actors(w, sp2, 1);
	assert_true(c.trylock_ok);
	assert_true(c.held);
	assert_true(c.locked);
	assert_false(c.held_after_unlock);
	assert_false(sva_mutex_is_locked(&c.m));

	sva_mutex_destroy(&c.m);
	sva_test_world_done(w);
}

static void test_mutex_trylock_and_held(void **state)
{
	(void)state;
	on_both_backends(mutex_trylock_body);
}

/* ---- rw-semaphore ------------------------------------------------------------------------------
 */

struct rw_ctx {
	struct sva_world *w;
	struct sva_rwsem s;
	int iters;
	long data; /* plain: written under the write lock, read under the read lock */
	struct sva_atomic readers, writers;
	atomic_int violations;
	atomic_int max_readers;
	atomic_int wrong_write_locked; /* sva_rwsem_is_write_locked() said the wrong thing */
};

static void rw_note_readers(struct rw_ctx *c, int n)
{
	int cur = atomic_load(&c->max_readers);

	while (n > cur && !atomic_compare_exchange_weak(&c->max_readers, &cur, n))
		;
}

static int rw_reader(void *arg)
{
	struct rw_ctx *c = arg;
	long seen = 0;

	for (int i = 0; i < c->iters; i++) {
		long n;

		sva_down_read(&c->s);
		n = sva_atomic_inc_return(&c->readers);
		if (sva_atomic_read(&c->writers) != 0)
			atomic_fetch_add(&c->violations, 1);
		if (sva_rwsem_is_write_locked(&c->s))
			atomic_fetch_add(&c->wrong_write_locked, 1);
		rw_note_readers(c, (int)n);
		if (c->data < seen) /* writers only ever increment it */
			atomic_fetch_add(&c->violations, 1);
		seen = c->data;
		sva_sched_point(c->w);
		if (sva_atomic_read(&c->writers) != 0)
			atomic_fetch_add(&c->violations, 1);
		sva_atomic_dec_return(&c->readers);
		sva_up_read(&c->s);
	}
	return 0;
}

static int rw_writer(void *arg)
{
	struct rw_ctx *c = arg;

	for (int i = 0; i < c->iters; i++) {
		long tmp;

		sva_down_write(&c->s);
		if (sva_atomic_inc_return(&c->writers) != 1)
			atomic_fetch_add(&c->violations, 1);
		if (sva_atomic_read(&c->readers) != 0)
			atomic_fetch_add(&c->violations, 1);
		if (!sva_rwsem_is_write_locked(&c->s))
			atomic_fetch_add(&c->wrong_write_locked, 1);
		tmp = c->data;
		sva_sched_point(c->w);
		c->data = tmp + 1;
		if (sva_atomic_read(&c->readers) != 0)
			atomic_fetch_add(&c->violations, 1);
		sva_atomic_dec_return(&c->writers);
		sva_up_write(&c->s);
	}
	return 0;
}

/* Three readers and two writers; returns the most readers seen inside at once. */
static int rwsem_run(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct rw_ctx c = { .w = w };
	struct spawn sp[] = {
		{ "reader0", rw_reader, &c }, { "writer0", rw_writer, &c },
		{ "reader1", rw_reader, &c }, { "writer1", rw_writer, &c },
		{ "reader2", rw_reader, &c },
	};
	int max_readers;

	c.iters = iterations(w, 3000, 200);
	sva_rwsem_init(w, &c.s, "rwsem");
	sva_atomic_init(w, &c.readers, 0);
	sva_atomic_init(w, &c.writers, 0);

	run_actors(w, sp, sizeof(sp) / sizeof(sp[0]));

	assert_int_equal(atomic_load(&c.violations), 0);
	assert_int_equal(atomic_load(&c.wrong_write_locked), 0);
	assert_int_equal(c.data, 2L * c.iters);
	assert_false(sva_rwsem_is_write_locked(&c.s));
	max_readers = atomic_load(&c.max_readers);
	assert_true(max_readers >= 1 && max_readers <= 3);
	sva_rwsem_destroy(&c.s);
	sva_test_world_done(w);
	return max_readers;
}

static void test_rwsem_readers_share_writers_exclusive(void **state)
{
	int most = 0;
	(void)state;

	rwsem_run(SVA_BACKEND_NATIVE, 0);
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++) {
		int n = rwsem_run(SVA_BACKEND_SIM, seed);

		most = n > most ? n : most;
	}
	/* the sim scheduler interleaves readers: they did share the lock */
	assert_true(most >= 2);
}

static void rwsem_trylock_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct sva_rwsem s;

	sva_rwsem_init(w, &s, "rwsem_try");
	/* two readers share it; a writer cannot get in */
	assert_true(sva_down_read_trylock(&s));
	assert_true(sva_down_read_trylock(&s));
	assert_false(sva_down_write_trylock(&s));
	assert_false(sva_rwsem_is_write_locked(&s));
	sva_up_read(&s);
	assert_false(sva_down_write_trylock(&s));
	sva_up_read(&s);

	/* a writer keeps everyone out */
	assert_true(sva_down_write_trylock(&s));
	assert_true(sva_rwsem_is_write_locked(&s));
	assert_false(sva_down_read_trylock(&s));
	assert_false(sva_down_write_trylock(&s));
	sva_up_write(&s);
	assert_false(sva_rwsem_is_write_locked(&s));

	/* and once it left, readers are welcome again */
	assert_true(sva_down_read_trylock(&s));
	sva_up_read(&s);
	sva_rwsem_destroy(&s);
	sva_test_world_done(w);
}

static void test_rwsem_trylock(void **state)
{
	(void)state;
	on_both_backends(rwsem_trylock_body);
}

/* A reader holds the lock while a writer queues: new readers must wait behind the writer. */
struct rwpref_ctx {
	struct sva_world *w;
	struct sva_rwsem s;
	struct sva_completion have_read;
	atomic_bool writer_in;
	bool writer_in_early;	/* the writer got in while the reader held the lock */
	bool read_trylock_late; /* a read trylock succeeded while the writer waited */
};

static int rwpref_reader(void *arg)
{
	struct rwpref_ctx *c = arg;

	sva_down_read(&c->s);
	sva_complete(&c->have_read);
	/* succeed while no writer waits; the first failure means the writer is queued */
	while (sva_down_read_trylock(&c->s)) {
		sva_up_read(&c->s);
		sva_yield(c->w);
	}
	c->writer_in_early = atomic_load(&c->writer_in);
	c->read_trylock_late = sva_down_read_trylock(&c->s);
	if (c->read_trylock_late)
		sva_up_read(&c->s);
	sva_up_read(&c->s);
	return 0;
}

static int rwpref_writer(void *arg)
{
	struct rwpref_ctx *c = arg;

	sva_wait_for_completion(&c->have_read);
	sva_down_write(&c->s);
	atomic_store(&c->writer_in, true);
	sva_up_write(&c->s);
	return 0;
}

static void rwsem_writer_preference_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct rwpref_ctx c = { .w = w };
	struct spawn sp[] = { { "reader", rwpref_reader, &c }, { "writer", rwpref_writer, &c } };

	sva_rwsem_init(w, &c.s, "rwsem_pref");
	sva_completion_init(w, &c.have_read, "have_read");
	run_actors(w, sp, 2);
	assert_false(c.writer_in_early);
	assert_false(c.read_trylock_late);
	assert_true(atomic_load(&c.writer_in));
	assert_false(sva_rwsem_is_write_locked(&c.s));
	sva_completion_destroy(&c.have_read);
	sva_rwsem_destroy(&c.s);
	sva_test_world_done(w);
}

static void test_rwsem_waiting_writer_blocks_new_readers(void **state)
{
	(void)state;
	on_both_backends(rwsem_writer_preference_body);
}

/* ---- completion ------------------------------------------------------------------------------ */

#define NWAITERS 3

struct compl_ctx {
	struct sva_world *w;
	struct sva_completion c;
	struct sva_waitq progress; /* waiters report here that they went through */
	atomic_int woken;
	atomic_int too_many; /* more waiters through than completions given */
	bool all;
};

static int compl_waiter(void *arg)
{
	struct compl_ctx *c = arg;

	sva_wait_for_completion(&c->c);
	atomic_fetch_add(&c->woken, 1);
	sva_wake_up(&c->progress);
	return 0;
}

static int compl_controller(void *arg)
{
	struct compl_ctx *c = arg;

	if (c->all) {
		settle(c->w); /* let the waiters block first */
		sva_complete_all(&c->c);
		sva_wait_event(&c->progress, atomic_load(&c->woken) == NWAITERS);
		return 0;
	}
	for (int k = 1; k <= NWAITERS; k++) {
		sva_complete(&c->c);
		sva_wait_event(&c->progress, atomic_load(&c->woken) >= k);
		settle(c->w); /* would a second waiter get through on the same completion? */
		if (atomic_load(&c->woken) != k)
			atomic_fetch_add(&c->too_many, 1);
	}
	return 0;
}

static void completion_body(enum sva_backend backend, uint64_t seed, bool all)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct compl_ctx c = { .w = w, .all = all };
	struct spawn sp[NWAITERS + 1];

	sva_completion_init(w, &c.c, "compl");
	sva_waitq_init(w, &c.progress, "progress");
	for (int i = 0; i < NWAITERS; i++)
		sp[i] = (struct spawn){ "waiter", compl_waiter, &c };
	sp[NWAITERS] = (struct spawn){ "controller", compl_controller, &c };
	assert_false(sva_completion_done(&c.c));

	run_actors(w, sp, NWAITERS + 1);

	assert_int_equal(atomic_load(&c.woken), NWAITERS);
	assert_int_equal(atomic_load(&c.too_many), 0);
	if (all) {
		/* complete_all stays done: any number of later waits return at once */
		assert_true(sva_completion_done(&c.c));
		for (int i = 0; i < 5; i++)
			assert_int_equal(sva_wait_for_completion(&c.c), 0);
		assert_true(sva_completion_done(&c.c));
		/* until reinit */
		sva_completion_reinit(&c.c);
		assert_false(sva_completion_done(&c.c));
	} else {
		/* every completion was consumed by exactly one waiter */
		assert_false(sva_completion_done(&c.c));
	}

	/* completions given before anyone waits are counted */
	sva_complete(&c.c);
	sva_complete(&c.c);
	assert_true(sva_completion_done(&c.c));
	assert_int_equal(sva_wait_for_completion(&c.c), 0);
	assert_true(sva_completion_done(&c.c));
	assert_int_equal(sva_wait_for_completion(&c.c), 0);
	assert_false(sva_completion_done(&c.c));

	/* reinit forgets pending completions */
	sva_complete(&c.c);
	sva_completion_reinit(&c.c);
	assert_false(sva_completion_done(&c.c));

	sva_waitq_destroy(&c.progress);
	sva_completion_destroy(&c.c);
	sva_test_world_done(w);
}

static void completion_one_body(enum sva_backend backend, uint64_t seed)
{
	completion_body(backend, seed, false);
}

static void completion_all_body(enum sva_backend backend, uint64_t seed)
{
	completion_body(backend, seed, true);
}

static void test_completion_wakes_one_per_complete(void **state)
{
	(void)state;
	on_both_backends(completion_one_body);
}

static void test_completion_complete_all_and_reinit(void **state)
{
	(void)state;
	on_both_backends(completion_all_body);
}

/* ---- wait queue: producer / consumer ------------------------------------------------------------
 */

struct pc_ctx {
	struct sva_waitq q;
	long iters;
	long slot; /* plain: handed over by the produced/consumed counters */
	atomic_long produced, consumed;
	long sum;
	atomic_int bad_items;
};

static int pc_producer(void *arg)
{
	struct pc_ctx *c = arg;

	for (long i = 1; i <= c->iters; i++) {
		sva_wait_event(&c->q, atomic_load(&c->consumed) == i - 1);
		c->slot = i;
		atomic_store(&c->produced, i);
		sva_wake_up(&c->q);
	}
	return 0;
}

static int pc_consumer(void *arg)
{
	struct pc_ctx *c = arg;

	for (long i = 1; i <= c->iters; i++) {
		sva_wait_event(&c->q, atomic_load(&c->produced) == i);
		if (c->slot != i)
			atomic_fetch_add(&c->bad_items, 1);
		c->sum += c->slot;
		atomic_store(&c->consumed, i);
		sva_wake_up(&c->q);
	}
	return 0;
}

static void waitq_pc_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct pc_ctx c = { .iters = iterations(w, 20000, 500) };
	struct spawn sp[] = { { "consumer", pc_consumer, &c }, { "producer", pc_producer, &c } };

	sva_waitq_init(w, &c.q, "pc");
	/* a lost wake-up hangs (native) or deadlocks the run (sim): run_actors wants 0 */
	run_actors(w, sp, 2);
	assert_int_equal(atomic_load(&c.produced), c.iters);
	assert_int_equal(atomic_load(&c.consumed), c.iters);
	assert_int_equal(atomic_load(&c.bad_items), 0);
	assert_int_equal(c.sum, c.iters * (c.iters + 1) / 2);
	sva_waitq_destroy(&c.q);
	sva_test_world_done(w);
}

static void test_waitq_producer_consumer(void **state)
{
	(void)state;
	on_both_backends(waitq_pc_body);
}

/* ---- killable waits
 * ------------------------------------------------------------------------------ */

enum kill_how {
	KILL_WAITER, /* another actor kills the waiter */
	WAKE_WAITER, /* another actor makes the condition true (or completes) */
};

struct kill_ctx {
	struct sva_world *w;
	bool completion; /* wait for a completion instead of an event */
	enum kill_how how;
	struct sva_waitq q;
	struct sva_completion c;
	atomic_bool cond;
	atomic_bool about_to_wait;
	struct sva_actor *waiter;
	int wait_ret;
	bool signal_pending;
	bool cond_after;
};

static int kill_waiter(void *arg)
{
	struct kill_ctx *c = arg;

	atomic_store(&c->about_to_wait, true);
	if (c->completion)
		c->wait_ret = sva_wait_for_completion_killable(&c->c);
	else
		c->wait_ret = sva_wait_event_killable(&c->q, atomic_load(&c->cond));
	c->signal_pending = sva_fatal_signal_pending(c->w);
	c->cond_after = atomic_load(&c->cond);
	return 0;
}

static int kill_other(void *arg)
{
	struct kill_ctx *c = arg;

	while (!atomic_load(&c->about_to_wait))
		sva_yield(c->w);
	settle(c->w); /* most likely asleep by now; if not, the wait must still see the kill */
	if (c->how == KILL_WAITER) {
		sva_actor_kill(c->waiter);
	} else if (c->completion) {
		atomic_store(&c->cond, true);
		sva_complete(&c->c);
	} else {
		atomic_store(&c->cond, true);
		sva_wake_up(&c->q);
	}
	return 0;
}

static void killable_body(enum sva_backend backend, uint64_t seed, bool completion,
			  enum kill_how how)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct kill_ctx c = { .w = w, .completion = completion, .how = how, .wait_ret = 1 };
	struct sva_actor *other;
	int ret = -1;

	sva_waitq_init(w, &c.q, "killq");
	sva_completion_init(w, &c.c, "killc");
	assert_int_equal(sva_actor_spawn(w, "waiter", kill_waiter, &c, 0, &c.waiter), 0);
	assert_int_equal(sva_actor_spawn(w, "other", kill_other, &c, 0, &other), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(sva_actor_join(other, &ret), 0);
	assert_int_equal(ret, 0);
	ret = -1;
	assert_int_equal(sva_actor_join(c.waiter, &ret), 0);
	assert_int_equal(ret, 0);

	if (how == KILL_WAITER) {
		assert_int_equal(c.wait_ret, -EINTR);
		assert_true(c.signal_pending);
		assert_false(c.cond_after);
		/* the killed wait did not consume anything */
		assert_false(sva_completion_done(&c.c));
	} else {
		assert_int_equal(c.wait_ret, 0);
		assert_false(c.signal_pending);
		assert_true(c.cond_after);
		/* the waiter consumed the one completion */
		assert_false(sva_completion_done(&c.c));
	}
	sva_completion_destroy(&c.c);
	sva_waitq_destroy(&c.q);
	sva_test_world_done(w);
}

static void kill_event_body(enum sva_backend backend, uint64_t seed)
{
	killable_body(backend, seed, false, KILL_WAITER);
}

static void wake_event_body(enum sva_backend backend, uint64_t seed)
{
	killable_body(backend, seed, false, WAKE_WAITER);
}

static void kill_completion_body(enum sva_backend backend, uint64_t seed)
{
	killable_body(backend, seed, true, KILL_WAITER);
}

static void wake_completion_body(enum sva_backend backend, uint64_t seed)
{
	killable_body(backend, seed, true, WAKE_WAITER);
}

static void test_wait_event_killable_killed(void **state)
{
	(void)state;
	on_both_backends(kill_event_body);
}

static void test_wait_event_killable_woken(void **state)
{
	(void)state;
	on_both_backends(wake_event_body);
}

static void test_wait_for_completion_killable_killed(void **state)
{
	(void)state;
	on_both_backends(kill_completion_body);
}

static void test_wait_for_completion_killable_woken(void **state)
{
	(void)state;
	on_both_backends(wake_completion_body);
}

/* An actor with a fatal signal pending: a true condition still wins, a false one ends at once. */
struct selfkill_ctx {
	struct sva_world *w;
	struct sva_waitq q;
	struct sva_completion c;
	bool pending_before, pending_after;
	int ret_true, ret_false, ret_completion, ret_completion_done;
};

static int selfkill_actor(void *arg)
{
	struct selfkill_ctx *c = arg;

	c->pending_before = sva_fatal_signal_pending(c->w);
	sva_actor_kill(sva_current(c->w));
	c->pending_after = sva_fatal_signal_pending(c->w);
	c->ret_true = sva_wait_event_killable(&c->q, true);
	c->ret_false = sva_wait_event_killable(&c->q, false);
	c->ret_completion = sva_wait_for_completion_killable(&c->c);
	sva_complete(&c->c);
	c->ret_completion_done = sva_wait_for_completion_killable(&c->c);
	return 0;
}

static void selfkill_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct selfkill_ctx c = {
		.w = w, .ret_true = 1, .ret_false = 1, .ret_completion = 1, .ret_completion_done = 1
	};
	struct spawn sp[] = { { "selfkill", selfkill_actor, &c } };

	sva_waitq_init(w, &c.q, "selfq");
	sva_completion_init(w, &c.c, "selfc");
	assert_false(sva_fatal_signal_pending(w)); /* outside any actor */
	run_actors(w, sp, 1);
	assert_false(c.pending_before);
	assert_true(c.pending_after);
	assert_int_equal(c.ret_true, 0);
	assert_int_equal(c.ret_false, -EINTR);
	assert_int_equal(c.ret_completion, -EINTR);
	assert_int_equal(c.ret_completion_done, 0);
	assert_false(sva_completion_done(&c.c));
	sva_completion_destroy(&c.c);
	sva_waitq_destroy(&c.q);
	sva_test_world_done(w);
}

static void test_killable_wait_with_signal_pending(void **state)
{
	(void)state;
	on_both_backends(selfkill_body);
}

/* ---- atomics ----------------------------------------------------------------------------------
 */

#define ADD_LIMIT 1000

struct atom_ctx {
	struct sva_world *w;
	int iters;
	struct sva_atomic inc, cas, limited;
	atomic_long sum_returned; /* of every value inc_return gave */
	atomic_long cas_retries;
	atomic_long added; /* add_unless successes */
};

static int atom_actor(void *arg)
{
	struct atom_ctx *c = arg;
	long sum = 0, added = 0, retries = 0;

	for (int i = 0; i < c->iters; i++) {
		long old, seen;

		sum += sva_atomic_inc_return(&c->inc);

		/* an increment built on cmpxchg */
		old = sva_atomic_read(&c->cas);
		while ((seen = sva_atomic_cmpxchg(&c->cas, old, old + 1)) != old) {
			old = seen;
			retries++;
		}

		/* a bounded counter: add_unless stops exactly at the limit */
		if (sva_atomic_add_unless(&c->limited, 1, ADD_LIMIT))
			added++;
	}
	atomic_fetch_add(&c->sum_returned, sum);
	atomic_fetch_add(&c->added, added);
	atomic_fetch_add(&c->cas_retries, retries);
	return 0;
}

static void atomics_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct atom_ctx c = { .w = w };
	long n;

	c.iters = iterations(w, 20000, 500);
	n = (long)NACTORS * c.iters;
	sva_atomic_init(w, &c.inc, 0);
	sva_atomic_init(w, &c.cas, 0);
	sva_atomic_init(w, &c.limited, 0);

	run_same(w, atom_actor, &c, NACTORS);

	/* exact count, and every value 1..n was returned exactly once (the sums agree) */
	assert_int_equal(sva_atomic_read(&c.inc), n);
	assert_int_equal(atomic_load(&c.sum_returned), n * (n + 1) / 2);
	assert_int_equal(sva_atomic_read(&c.cas), n);
	assert_int_equal(sva_atomic_read(&c.limited), ADD_LIMIT);
	assert_int_equal(atomic_load(&c.added), ADD_LIMIT);
	if (is_sim(w)) /* the sim scheduler preempts between the read and the cmpxchg */
		assert_true(atomic_load(&c.cas_retries) > 0);
	sva_test_world_done(w);
}

static void test_atomics_concurrent(void **state)
{
	(void)state;
	on_both_backends(atomics_body);
}

static void test_atomics_semantics(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = sva_test_world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, 1);
		struct sva_atomic a;

		sva_atomic_init(w, &a, 5);
		assert_int_equal(sva_atomic_read(&a), 5);
		sva_atomic_set(&a, -3);
		assert_int_equal(sva_atomic_read(&a), -3);
		assert_int_equal(sva_atomic_add_return(&a, 10), 7);
		assert_int_equal(sva_atomic_inc_return(&a), 8);
		assert_int_equal(sva_atomic_dec_return(&a), 7);

		/* cmpxchg returns what it saw and swaps only on a match */
		assert_int_equal(sva_atomic_cmpxchg(&a, 6, 100), 7);
		assert_int_equal(sva_atomic_read(&a), 7);
		assert_int_equal(sva_atomic_cmpxchg(&a, 7, 100), 7);
		assert_int_equal(sva_atomic_read(&a), 100);

		/* add_unless refuses exactly at @u */
		assert_false(sva_atomic_add_unless(&a, 5, 100));
		assert_int_equal(sva_atomic_read(&a), 100);
		assert_true(sva_atomic_add_unless(&a, 5, 0));
		assert_int_equal(sva_atomic_read(&a), 105);
		assert_true(sva_atomic_add_unless(&a, -105, 104));
		assert_int_equal(sva_atomic_read(&a), 0);
		assert_false(sva_atomic_add_unless(&a, 1, 0));
		assert_int_equal(sva_atomic_read(&a), 0);
		sva_test_world_done(w);
	}
}

/* ---- misuse reports ----------------------------------------------------------------------------
 */

struct misuse_ctx {
	struct sva_world *w;
	struct sva_mutex m;
	struct sva_spinlock s;
	struct sva_completion locked, tried;
	bool owner_still_holds;
	bool locked_after_foreign_unlock;
	bool thief_holds;
	unsigned long sleep_reports_inside, sleep_reports_after;
	atomic_bool spin_locked, spin_tried;
};

static int misuse_owner(void *arg)
{
	struct misuse_ctx *c = arg;

	sva_mutex_lock(&c->m);
	sva_complete(&c->locked);
	sva_wait_for_completion(&c->tried);
	c->owner_still_holds = sva_mutex_held(&c->m);
	sva_mutex_unlock(&c->m);
	return 0;
}

static int misuse_thief(void *arg)
{
	struct misuse_ctx *c = arg;

	sva_wait_for_completion(&c->locked);
	sva_mutex_unlock(&c->m); /* not ours: reported and refused */
	c->locked_after_foreign_unlock = sva_mutex_is_locked(&c->m);
	c->thief_holds = sva_mutex_held(&c->m);
	sva_complete(&c->tried);
	return 0;
}

static void mutex_not_owner_body(enum sva_backend backend, uint64_t seed)
{
	struct sva_world *w = sva_test_world(backend, seed);
	struct misuse_ctx c = { .w = w, .thief_holds = true };
	struct spawn sp[] = { { "owner", misuse_owner, &c }, { "thief", misuse_thief, &c } };

	sva_test_quiet(w);
	sva_mutex_init(w, &c.m, "victim");
	sva_completion_init(w, &c.locked, "locked");
	sva_completion_init(w, &c.tried, "tried");
	run_actors(w, sp, 2);
	assert_int_equal(sva_report_count(w, SVA_REPORT_LOCK_NOT_OWNER), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_non_null(strstr(sva_report_first(w), "victim"));
	assert_true(c.locked_after_foreign_unlock);
	assert_false(c.thief_holds);
	assert_true(c.owner_still_holds);
	assert_false(sva_mutex_is_locked(&c.m)); /* the owner's own unlock worked */
	sva_completion_destroy(&c.tried);
	sva_completion_destroy(&c.locked);
	sva_mutex_destroy(&c.m);
	world_done_with_reports(w);
}

static void test_mutex_unlock_by_non_owner_reported(void **state)
{
	(void)state;
	on_both_backends(mutex_not_owner_body);
}

static int hold_and_exit_actor(void *arg)
{
	struct misuse_ctx *c = arg;

	sva_mutex_lock(&c->m);
	return 0;
}

static void test_mutex_held_at_exit_reported(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++) {
		struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, seed);
		struct misuse_ctx c = { .w = w };
		struct sva_actor *a;
		int ret = -1;

		sva_test_quiet(w);
		sva_mutex_init(w, &c.m, "forgotten");
		assert_int_equal(sva_actor_spawn(w, "leaker", hold_and_exit_actor, &c, 0, &a), 0);
		assert_int_equal(sva_world_run(w), 0);
		assert_int_equal(sva_report_count(w, SVA_REPORT_LOCK_HELD_AT_EXIT), 1);
		assert_int_equal(sva_report_total(w), 1);
		assert_non_null(strstr(sva_report_first(w), "forgotten"));
		assert_non_null(strstr(sva_report_first(w), "leaker"));
		/* reported, then released: nobody keeps pointing at the ended actor */
		assert_false(sva_mutex_is_locked(&c.m));
		assert_int_equal(sva_actor_join(a, &ret), 0);
		assert_int_equal(ret, 0);
		/* a later lock works: the actor's end did not wedge it */
		sva_mutex_lock(&c.m);
		assert_true(sva_mutex_held(&c.m));
		sva_mutex_unlock(&c.m);
		sva_mutex_destroy(&c.m);
		assert_int_equal(sva_report_total(w), 1);
		world_done_with_reports(w);
	}
}

static int sleep_in_atomic_actor(void *arg)
{
	struct misuse_ctx *c = arg;

	sva_spin_lock(&c->s);
	sva_mutex_lock(&c->m); /* sleeping primitive under a spinlock */
	sva_mutex_unlock(&c->m);
	sva_might_sleep(c->w, "here.c:1", "copy_from_user"); /* a sleeping function of the model */
	sva_spin_unlock(&c->s);
	c->sleep_reports_inside = sva_report_count(c->w, SVA_REPORT_SLEEP_IN_ATOMIC);
	/* once the spinlock is released, sleeping is fine again */
	sva_mutex_lock(&c->m);
	sva_mutex_unlock(&c->m);
	c->sleep_reports_after = sva_report_count(c->w, SVA_REPORT_SLEEP_IN_ATOMIC);
	return 0;
}

static void test_sleep_in_atomic_reported(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++) {
		struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, seed);
		struct misuse_ctx c = { .w = w };
		struct spawn sp[] = { { "sleeper", sleep_in_atomic_actor, &c } };

		sva_test_quiet(w);
		sva_mutex_init(w, &c.m, "inner");
		sva_spin_lock_init(w, &c.s, "outer");
		run_actors(w, sp, 1);
		assert_int_equal(c.sleep_reports_inside, 2);
		assert_int_equal(c.sleep_reports_after, 2);
		assert_int_equal(sva_report_count(w, SVA_REPORT_SLEEP_IN_ATOMIC), 2);
		assert_int_equal(sva_report_total(w), 2);
		assert_non_null(strstr(sva_report_first(w), "sleeper"));
		assert_false(sva_mutex_is_locked(&c.m));
		sva_spin_lock_destroy(&c.s);
		sva_mutex_destroy(&c.m);
		world_done_with_reports(w);
	}
}

/* The last message logged. */
static void msg_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	(void)level;
	snprintf(ctx, 512, "%s", msg);
}

/* Misuse of a mutex and an rw-semaphore, each reported and survived (sim: no real sleep). */
struct rw_misuse {
	struct sva_world *w;
	struct sva_mutex m;
	struct sva_rwsem s;
	unsigned long self_deadlock, not_owner;
	bool still_held;
};

static int rw_misuse_actor(void *arg)
{
	struct rw_misuse *c = arg;

	sva_mutex_lock(&c->m);
	sva_mutex_lock(&c->m); /* again: would sleep forever, reported instead */
	c->self_deadlock = sva_report_count(c->w, SVA_REPORT_DEADLOCK);
	c->still_held = sva_mutex_held(&c->m);
	sva_mutex_unlock(&c->m);
	sva_up_read(&c->s);  /* no reader */
	sva_up_write(&c->s); /* no writer */
	c->not_owner = sva_report_count(c->w, SVA_REPORT_LOCK_NOT_OWNER);
	sva_down_read(&c->s); /* left held: destroyed held */
	return 0;
}

static void test_rwsem_and_mutex_misuse_reported(void **state)
{
	char msg[512] = "";
	(void)state;
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++) {
		struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, seed);
		struct rw_misuse c = { .w = w };
		struct spawn sp[] = { { "misuser", rw_misuse_actor, &c } };

		sva_test_quiet(w);
		sva_mutex_init(w, &c.m, NULL); /* the default names, as the reports show */
		sva_rwsem_init(w, &c.s, NULL);
		run_actors(w, sp, 1);
		assert_true(c.self_deadlock >= 1);
		assert_true(c.still_held);
		assert_non_null(strstr(sva_report_first(w), "misuser"));
		assert_int_equal(c.not_owner, 2);
		sva_world_set_log_sink(w, msg_sink, msg);
		sva_rwsem_destroy(&c.s);
		assert_non_null(strstr(msg, "rwsem rwsem destroyed while held"));
		sva_mutex_destroy(&c.m);
		world_done_with_reports(w);
	}
}

/* An actor of no name, and the other primitives of none: their defaults. */
static void test_primitives_of_no_name(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	struct sva_spinlock sl;
	struct sva_waitq q;
	struct sva_completion done;
	struct sva_actor *a;
	int ret = -1;
	(void)state;

	sva_spin_lock_init(w, &sl, NULL);
	sva_waitq_init(w, &q, NULL);
	sva_completion_init(w, &done, NULL);
	assert_string_equal(sl.name, "spinlock");
	assert_string_equal(q.name, "waitq");
	assert_string_equal(done.wq.name, "completion");
	assert_int_equal(sva_actor_spawn(w, NULL, nameless_actor, NULL, 0, &a), 0);
	assert_string_equal(sva_actor_name(a), "actor");
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(sva_actor_join(a, &ret), 0);
	assert_int_equal(ret, 0);
	sva_completion_destroy(&done);
	sva_waitq_destroy(&q);
	sva_spin_lock_destroy(&sl);
	sva_test_world_done(w);
}

/* The holder of a spinlock must not sleep: the two actors hand over with flags and yields. */
static int spin_owner_actor(void *arg)
{
	struct misuse_ctx *c = arg;

	sva_spin_lock(&c->s);
	atomic_store(&c->spin_locked, true);
	while (!atomic_load(&c->spin_tried))
		sva_yield(c->w);
	sva_spin_unlock(&c->s);
	return 0;
}

static int spin_thief_actor(void *arg)
{
	struct misuse_ctx *c = arg;

	while (!atomic_load(&c->spin_locked))
		sva_yield(c->w);
	sva_spin_unlock(&c->s); /* not ours: reported and refused */
	atomic_store(&c->spin_tried, true);
	return 0;
}

/* Sim only: native spinlocks keep no owner, to stay fast. */
static void test_spin_unlock_by_non_owner_reported(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= SIM_SEEDS; seed++) {
		struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, seed);
		struct misuse_ctx c = { .w = w };
		struct spawn sp[] = { { "owner", spin_owner_actor, &c },
				      { "thief", spin_thief_actor, &c } };

		sva_test_quiet(w);
		sva_spin_lock_init(w, &c.s, "spin_victim");
		/* the owner's own unlock after the refused one works: no deadlock, one report */
		run_actors(w, sp, 2);
		assert_int_equal(sva_report_count(w, SVA_REPORT_LOCK_NOT_OWNER), 1);
		assert_int_equal(sva_report_total(w), 1);
		assert_non_null(strstr(sva_report_first(w), "spin_victim"));
		sva_spin_lock_destroy(&c.s);
		world_done_with_reports(w);
	}
}

/* ---- the native clock ------------------------------------------------------------------ */

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Native time (sched.c: the TSC on a line fitted to CLOCK_MONOTONIC where it is invariant)
 * never steps back from one reading to the next, through its calibrations (at 2, 8 and 32 ms),
 * and keeps CLOCK_MONOTONIC's pace: over 50 ms the two differ by less than 1% and 200 us.
 */
static void test_native_clock_monotonic_at_monotonic_pace(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	uint64_t c0 = monotonic_ns(), n0 = sva_world_now(w), prev = n0, clock, now, diff;
	bool back = false;
	(void)state;

	do {
		now = sva_world_now(w);
		back |= now < prev;
		prev = now;
		clock = monotonic_ns() - c0;
	} while (clock < 50000000ull);
	now = sva_world_now(w) - n0;
	diff = now > clock ? now - clock : clock - now;
	assert_false(back);
	assert_true(diff < clock / 100 + 200000);
	sva_test_world_done(w);
}

static void last_report_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	(void)level;
	snprintf(ctx, 256, "%s", msg);
}

/* A lock released that nobody holds: each reported naming nobody as its holder, no change. */
static void test_release_of_an_unheld_lock_reported(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	struct sva_spinlock s;
	struct sva_rwsem r;
	struct sva_mutex m;
	char last[256] = "";
	(void)state;

	sva_world_set_log_sink(w, last_report_sink, last);
	sva_mutex_init(w, &m, "free_mutex");
	sva_rwsem_init(w, &r, "free_sem");
	sva_spin_lock_init(w, &s, "free_spin");
	sva_mutex_unlock(&m);
	assert_non_null(strstr(last, "releases mutex free_mutex owned by nobody"));
	sva_up_write(&r);
	assert_non_null(strstr(last, "releases rwsem free_sem written by nobody"));
	sva_spin_unlock(&s);
	assert_non_null(strstr(last, "releases spinlock free_spin owned by nobody"));
	assert_int_equal(sva_report_count(w, SVA_REPORT_LOCK_NOT_OWNER), 3);
	assert_false(sva_mutex_is_locked(&m));
	assert_false(sva_rwsem_is_write_locked(&r));
	sva_spin_lock_destroy(&s);
	sva_rwsem_destroy(&r);
	sva_mutex_destroy(&m);
	assert_int_equal(sva_report_total(w), 3);
	world_done_with_reports(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutex_mutual_exclusion),
		cmocka_unit_test(test_native_clock_monotonic_at_monotonic_pace),
		cmocka_unit_test(test_mutex_trylock_and_held),
		cmocka_unit_test(test_spinlock_mutual_exclusion),
		cmocka_unit_test(test_rwsem_readers_share_writers_exclusive),
		cmocka_unit_test(test_rwsem_trylock),
		cmocka_unit_test(test_rwsem_waiting_writer_blocks_new_readers),
		cmocka_unit_test(test_completion_wakes_one_per_complete),
		cmocka_unit_test(test_completion_complete_all_and_reinit),
		cmocka_unit_test(test_waitq_producer_consumer),
		cmocka_unit_test(test_wait_event_killable_killed),
		cmocka_unit_test(test_wait_event_killable_woken),
		cmocka_unit_test(test_wait_for_completion_killable_killed),
		cmocka_unit_test(test_wait_for_completion_killable_woken),
		cmocka_unit_test(test_killable_wait_with_signal_pending),
		cmocka_unit_test(test_atomics_semantics),
		cmocka_unit_test(test_atomics_concurrent),
		cmocka_unit_test(test_mutex_unlock_by_non_owner_reported),
		cmocka_unit_test(test_mutex_held_at_exit_reported),
		cmocka_unit_test(test_sleep_in_atomic_reported),
		cmocka_unit_test(test_primitives_of_no_name),
		cmocka_unit_test(test_rwsem_and_mutex_misuse_reported),
		cmocka_unit_test(test_spin_unlock_by_non_owner_reported),
		cmocka_unit_test(test_release_of_an_unheld_lock_reported),
	};

	return cmocka_run_group_tests_name("primitives", tests, NULL, NULL);
}
