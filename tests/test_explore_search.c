/* SPDX-License-Identifier: MIT */
/*
 * The explorer's searches beyond the plain enumeration, and how it stops:
 *  - PCT finds a race whose window the bounded enumeration reaches only after tens of
 *    thousands of schedules (its preemption is early in a long run; the enumeration tries the
 *    late ones first), and the failing run's schedule replays it; a correct program stays
 *    clean under PCT;
 *  - shards cover the enumeration (and PCT's runs) exactly once: their counts and checksums
 *    add up to the whole run's, and each has a share;
 *  - a run that does not end within its step budget is a failure (a livelock) whose schedule
 *    replays it with the same budget; an interrupt stops the exploration between schedules.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* ---- a race in an early window of a long run ---- */

#define WINDOW_STEPS 200 /* each actor's steps */
#define WINDOW_OPEN  5	 /* the exiting actor's window: its steps [OPEN, CLOSE) */
#define WINDOW_CLOSE 20

struct window_prog {
	struct sva_world *w;
	struct sva_atomic clock; /* every step touches it: no two steps are independent */
	atomic_bool open, hit;
};

/* Opens a window early in its work, closes it soon after, then goes on for a long while. */
static int window_exiting(void *arg)
{
	struct window_prog *p = arg;

	for (int i = 0; i < WINDOW_STEPS; i++) {
		if (i == WINDOW_OPEN)
			atomic_store(&p->open, true);
		if (i == WINDOW_CLOSE)
			atomic_store(&p->open, false);
		sva_atomic_inc_return(&p->clock);
	}
	return 0;
}

/* Its first step is the one that must fall inside the window. */
static int window_faulting(void *arg)
{
	struct window_prog *p = arg;

	for (int i = 0; i < WINDOW_STEPS; i++) {
		sva_atomic_inc_return(&p->clock);
		if (i == 0 && atomic_load(&p->open))
			atomic_store(&p->hit, true);
	}
	return 0;
}

static int window_setup(struct sva_world *w, void *arg)
{
	struct window_prog *p = arg;
	int ret;

	p->w = w;
	sva_atomic_init(w, &p->clock, 0);
	atomic_store(&p->open, false);
	atomic_store(&p->hit, false);
	ret = sva_actor_spawn(w, "exiting", window_exiting, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "faulting", window_faulting, p, 0, NULL);
	return ret;
}

static int window_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct window_prog *p = arg;

	(void)w;
	if (run)
		return run;
	if (atomic_load(&p->hit)) {
		snprintf(msg, len, "the fault ran inside the exit's window");
		return -EFAULT;
	}
	return 0;
}

#define PCT_RUNS 400

static void test_pct_finds_what_the_enumeration_reaches_late(void **state)
{
	struct window_prog p;
	struct sva_program prog = { "window", window_setup, window_check, NULL, &p, false };
	struct sva_explore_config dfs = { .preemption_bound = 2, .max_schedules = PCT_RUNS };
	struct sva_explore_config pct = { .pct_depth = 2, .pct_runs = PCT_RUNS, .world.seed = 1 };
	struct sva_explore_result res;
	(void)state;

	/* the enumeration tries late preemptions first: the early window is far away */
	assert_int_equal(sva_explore(&dfs, &prog, &res), 0);
	assert_int_equal(res.failures, 0);
	assert_int_equal(res.schedules, PCT_RUNS);

	/* PCT: one change point at a random step lowers the exiting actor inside the window */
	assert_int_equal(sva_explore(&pct, &prog, &res), 0);
	printf("PCT d=2: first failure after %lu runs of at most %d (k = %lu)\n", res.schedules,
	       PCT_RUNS, res.pct_steps);
	assert_int_equal(res.failures, 1);
	assert_int_equal(res.stop, SVA_EXPLORE_STOP_VIOLATION);
	assert_non_null(strstr(res.message, "inside the exit's window"));
	assert_true(res.pct_steps >= WINDOW_STEPS);

	/* its schedule replays the failure without PCT */
	sva_test_assert_replays(&prog, &res);
}

/* ---- a locked counter: correct, and with schedules enough to split ---- */

#define COUNTER_STEPS 6

struct counter_prog {
	struct sva_world *w;
	struct sva_mutex lock;
	long x;
};

static int counter_actor(void *arg)
{
	struct counter_prog *p = arg;

	for (int i = 0; i < COUNTER_STEPS; i++) {
		long tmp;

		sva_mutex_lock(&p->lock);
		tmp = p->x;
		sva_sched_point(p->w);
		p->x = tmp + 1;
		sva_mutex_unlock(&p->lock);
	}
	return 0;
}

static int counter_setup(struct sva_world *w, void *arg)
{
	struct counter_prog *p = arg;
	int ret = 0;

	p->w = w;
	p->x = 0;
	sva_mutex_init(w, &p->lock, "counter_lock");
	for (int i = 0; ret == 0 && i < 3; i++)
		ret = sva_actor_spawn(w, "inc", counter_actor, p, 0, NULL);
	return ret;
}

static int counter_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct counter_prog *p = arg;

	(void)w;
	sva_mutex_destroy(&p->lock);
	if (run)
		return run;
	if (p->x != 3 * COUNTER_STEPS) {
		snprintf(msg, len, "lost update: %ld", p->x);
		return -EFAULT;
	}
	return 0;
}

static void test_pct_keeps_a_correct_program_clean(void **state)
{
	struct counter_prog p;
	struct sva_program prog = { "locked", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config pct = { .pct_depth = 3, .pct_runs = 200, .world.seed = 7 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&pct, &prog, &res), 0);
	assert_int_equal(res.failures, 0);
	assert_int_equal(res.schedules, 200);
	assert_int_equal(res.stop, SVA_EXPLORE_STOP_RUNS);
	/* PCT's runs are not the default schedule: they preempt */
	assert_true(res.max_decisions >= res.pct_steps);
}

/*
 * Every schedule the whole run explores, once, in shards: counts and checksums add up. Shards
 * run without partial-order reduction (they skip subtrees unrun), so the whole run does too.
 */
static void check_shards_cover(struct sva_explore_config cfg, const struct sva_program *prog,
			       unsigned nshards)
{
	struct sva_explore_result whole, part;
	unsigned long schedules = 0;
	uint64_t checksum = 0;

	cfg.no_por = true;
	assert_int_equal(sva_explore(&cfg, prog, &whole), 0);
	assert_int_equal(whole.failures, 0);
	for (unsigned i = 0; i < nshards; i++) {
		cfg.shard_index = i;
		cfg.shard_count = nshards;
		assert_int_equal(sva_explore(&cfg, prog, &part), 0);
		assert_int_equal(part.stop, whole.stop);
		assert_true(part.schedules > 0); /* every shard has a share */
		assert_true(part.schedules < whole.schedules);
		printf("  shard %u/%u: %lu schedules, %lu run to learn the tree (D = %u)\n", i,
		       nshards, part.schedules, part.uncounted, part.shard_depth);
		schedules += part.schedules;
		checksum += part.checksum;
	}
	printf("%u shards: %lu schedules in all, as the whole run\n", nshards, schedules);
	assert_int_equal(schedules, whole.schedules);
	assert_true(checksum == whole.checksum);
}

static void test_shards_cover_the_enumeration_once(void **state)
{
	struct counter_prog p;
	struct sva_program prog = { "locked", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 2 };
	(void)state;

	check_shards_cover(cfg, &prog, 4);
	check_shards_cover(cfg, &prog, 3);
	cfg.preemption_bound = 1; /* fewer branch points: the shards split two levels deep */
	check_shards_cover(cfg, &prog, 4);
}

static void test_shards_cover_pct_runs_once(void **state)
{
	struct counter_prog p;
	struct sva_program prog = { "locked", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config cfg = { .pct_depth = 3, .pct_runs = 50, .world.seed = 3 };
	(void)state;

	check_shards_cover(cfg, &prog, 4);
}

static void test_bad_shard_is_refused(void **state)
{
	struct counter_prog p;
	struct sva_program prog = { "locked", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config cfg = { .shard_index = 4, .shard_count = 4 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), -EINVAL);
}

/* ---- livelock: a poller nobody will answer ---- */

struct poll_prog {
	struct sva_world *w;
	atomic_bool registered, answered;
};

static int poll_consumer(void *arg)
{
	struct poll_prog *p = arg;

	sva_sched_point(p->w);
	atomic_store(&p->registered, true);
	while (!atomic_load(&p->answered))
		sva_yield(p->w);
	return 0;
}

static int poll_producer(void *arg)
{
	struct poll_prog *p = arg;

	sva_sched_point(p->w);
	if (atomic_load(&p->registered)) /* an unregistered consumer is never answered */
		atomic_store(&p->answered, true);
	return 0;
}

static int poll_setup(struct sva_world *w, void *arg)
{
	struct poll_prog *p = arg;
	int ret;

	p->w = w;
	atomic_store(&p->registered, false);
	atomic_store(&p->answered, false);
	ret = sva_actor_spawn(w, "consumer", poll_consumer, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "producer", poll_producer, p, 0, NULL);
	return ret;
}

static void test_livelock_is_a_replayable_failure(void **state)
{
	struct poll_prog p;
	struct sva_program prog = { "poll", poll_setup, NULL, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 1,
					  .world = { .max_steps = 5000, .quiet = true } };
	struct sva_world_config wc = {
		.backend = SVA_BACKEND_SIM, .nonpreemptive = true, .quiet = true, .max_steps = 5000
	};
	struct sva_explore_result res;
	char msg[256];
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.failures, 1);
	assert_non_null(strstr(res.message, "step budget exceeded"));
	assert_non_null(strstr(res.message, "runnable: consumer"));

	/* the same schedule and budget: the same livelock; the default schedule is clean */
	wc.schedule = res.schedule;
	assert_int_equal(sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg)), -EFAULT);
	assert_string_equal(msg, res.message);
	wc.schedule = NULL;
	assert_int_equal(sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg)), 0);
}

/* ---- stopping ---- */

static void count_and_interrupt(void *ctx, unsigned long schedules, unsigned long failures)
{
	atomic_int *irq = ctx;

	(void)failures;
	if (schedules == 10)
		atomic_store(irq, 2); /* as a SIGINT handler would */
}

static void test_interrupt_stops_between_schedules(void **state)
{
	struct counter_prog p;
	struct sva_program prog = { "locked", counter_setup, counter_check, NULL, &p, false };
	atomic_int irq = 0;
	struct sva_explore_live live = { 0 };
	struct sva_explore_config cfg = { .preemption_bound = 2,
					  .interrupt = &irq,
					  .live = &live,
					  .progress = count_and_interrupt,
					  .progress_ctx = &irq,
					  .progress_every = 1 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.schedules, 10);
	assert_int_equal(res.stop, SVA_EXPLORE_STOP_INTERRUPT);
	assert_int_equal(res.interrupt, 2);
	assert_false(res.exhausted);
	assert_int_equal(atomic_load(&live.schedules), 10);
	assert_null(atomic_load(&live.world)); /* no run in progress any more */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_finds_what_the_enumeration_reaches_late),
		cmocka_unit_test(test_pct_keeps_a_correct_program_clean),
		cmocka_unit_test(test_shards_cover_the_enumeration_once),
		cmocka_unit_test(test_shards_cover_pct_runs_once),
		cmocka_unit_test(test_bad_shard_is_refused),
		cmocka_unit_test(test_livelock_is_a_replayable_failure),
		cmocka_unit_test(test_interrupt_stops_between_schedules),
	};

	return cmocka_run_group_tests_name("explore_search", tests, NULL, NULL);
}
