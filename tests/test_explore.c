/* SPDX-License-Identifier: MIT */
/*
 * The explorer: a lost update is found with one preemption and its schedule replays the same
 * failure; with the lock, every schedule within two preemptions is clean; an AB/BA inversion
 * is reported (lockdep, in every schedule) and the schedule that deadlocks on it is reported as
 * a deadlock naming both blocking sites.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define STEPS 50 /* increments per actor: a 2-actor program of ~100 steps */

struct counter_prog {
	long x;
	bool locked;
	unsigned nactors;
	struct sva_mutex lock;
	struct sva_world *w;
};

static int counter_actor(void *arg)
{
	struct counter_prog *p = arg;

	for (int i = 0; i < STEPS; i++) {
		long tmp;

		if (p->locked)
			sva_mutex_lock(&p->lock);
		tmp = p->x;
		sva_sched_point(p->w); /* between the read and the write */
		p->x = tmp + 1;
		if (p->locked)
			sva_mutex_unlock(&p->lock);
	}
	return 0;
}

static int counter_setup(struct sva_world *w, void *arg)
{
	struct counter_prog *p = arg;

	p->x = 0;
	p->w = w;
	sva_mutex_init(w, &p->lock, "counter_lock");
	for (unsigned i = 0; i < p->nactors; i++) {
		char name[16];
		int ret;

		snprintf(name, sizeof(name), "inc%u", i);
		ret = sva_actor_spawn(w, name, counter_actor, p, 0, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static int counter_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct counter_prog *p = arg;

	(void)w;
	sva_mutex_destroy(&p->lock);
	if (run)
		return run;
	if (p->x != (long)p->nactors * STEPS) {
		snprintf(msg, len, "lost update: x = %ld, expected %ld", p->x,
			 (long)p->nactors * STEPS);
		return -1;
	}
	return 0;
}

static void test_lost_update_found_with_one_preemption(void **state)
{
	struct counter_prog p = { .nactors = 2, .locked = false };
	struct sva_program prog = { "lost-update", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 1 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_true(res.failures >= 1);
	assert_non_null(strstr(res.message, "lost update"));
	assert_true(strlen(res.schedule) > 0);

	/* the printed schedule replays the same failure, deterministically, twice */
	for (int i = 0; i < 2; i++)
		sva_test_assert_replays(&prog, &res);
}

static void test_no_preemption_no_lost_update(void **state)
{
	struct counter_prog p = { .nactors = 2, .locked = false };
	struct sva_program prog = { "lost-update", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 0 };
	struct sva_explore_result res;
	(void)state;

	/* K = 0: only the orders in which each actor runs to the end: the bug hides */
	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_true(res.exhausted);
	assert_int_equal(res.failures, 0);
	assert_int_equal(res.schedules, 2);
}

static void test_locked_counter_clean_at_k2(void **state)
{
	struct counter_prog p = { .nactors = 2, .locked = true };
	struct sva_program prog = {
		"locked-counter", counter_setup, counter_check, NULL, &p, false
	};
	struct sva_explore_config cfg = { .preemption_bound = 2 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	printf("locked counter, K=2: %lu schedules explored, %lu failures, exhausted=%d\n",
	       res.schedules, res.failures, res.exhausted);
	assert_true(res.exhausted);
	assert_int_equal(res.failures, 0);
	assert_true(res.schedules > 100); /* really enumerated, not one run */
}

/* What the explorer's progress hook was told: each call's figures. */
struct progress_seen {
	unsigned long calls, last_schedules, last_failures;
};

static void progress_hook(void *ctx, unsigned long schedules, unsigned long failures)
{
	struct progress_seen *p = ctx;

	p->calls++;
	assert_true(schedules > p->last_schedules);
	assert_true(failures >= p->last_failures);
	p->last_schedules = schedules;
	p->last_failures = failures;
}

/*
 * The progress hook is called every progress_every schedules with the figures so far, never
 * without a period; the search is the same with or without it.
 */
static void test_progress_every_n_schedules(void **state)
{
	struct counter_prog p = { .nactors = 2, .locked = false };
	struct sva_program prog = { "lost-update", counter_setup, counter_check, NULL, &p, false };
	struct progress_seen seen = { 0 }, never = { 0 };
	struct sva_explore_config cfg = { .preemption_bound = 1,
					  .keep_going = true,
					  .progress = progress_hook,
					  .progress_ctx = &seen,
					  .progress_every = 3 };
	struct sva_explore_result res, res0;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_true(res.schedules >= 3);
	assert_int_equal(seen.calls, res.schedules / 3);
	assert_int_equal(seen.last_schedules, res.schedules / 3 * 3);
	assert_true(seen.last_failures <= res.failures);
	cfg.progress_ctx = &never;
	cfg.progress_every = 0;
	assert_int_equal(sva_explore(&cfg, &prog, &res0), 0);
	assert_int_equal(never.calls, 0);
	assert_int_equal(res0.schedules, res.schedules);
	assert_int_equal(res0.failures, res.failures);
	/* a run with nowhere for its message still says whether it failed */
	{
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
					       .schedule = res.schedule,
					       .nonpreemptive = true };

		assert_int_equal(sva_program_run_once(&wc, &prog, NULL, 0, NULL, 0), -EFAULT);
	}
}

static void test_lost_update_every_failure_counted(void **state)
{
	struct counter_prog p = { .nactors = 2, .locked = false };
	struct sva_program prog = { "lost-update", counter_setup, counter_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 1, .keep_going = true };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_true(res.exhausted);
	assert_true(res.failures > 1);
	assert_true(res.failures < res.schedules); /* some single-preemption orders are fine */
}

struct abba_prog {
	struct sva_mutex a, b;
	int line_first, line_second; /* where each blocks */
	char deadlock[1024];	     /* the first deadlock report of any run */
};

static int abba_first(void *arg)
{
	struct abba_prog *p = arg;

	sva_mutex_lock(&p->a);
	p->line_first = __LINE__ + 1;
	sva_mutex_lock(&p->b);
	sva_mutex_unlock(&p->b);
	sva_mutex_unlock(&p->a);
	return 0;
}

static int abba_second(void *arg)
{
	struct abba_prog *p = arg;

	sva_mutex_lock(&p->b);
	p->line_second = __LINE__ + 1;
	sva_mutex_lock(&p->a);
	sva_mutex_unlock(&p->a);
	sva_mutex_unlock(&p->b);
	return 0;
}

/* Keep the first deadlock report: lockdep's inversion report comes first in every run. */
static void abba_log(void *ctx, enum sva_log_level level, const char *msg)
{
	struct abba_prog *p = ctx;

	(void)level;
	if (!p->deadlock[0] && !strncmp(msg, "deadlock:", 9))
		snprintf(p->deadlock, sizeof(p->deadlock), "%s", msg);
}

static int abba_setup(struct sva_world *w, void *arg)
{
	struct abba_prog *p = arg;
	int ret;

	sva_world_set_log_sink(w, abba_log, p);
	sva_mutex_init(w, &p->a, "lock_a");
	sva_mutex_init(w, &p->b, "lock_b");
	ret = sva_actor_spawn(w, "first", abba_first, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "second", abba_second, p, 0, NULL);
	return ret;
}

static void test_abba_reported_as_deadlock(void **state)
{
	struct abba_prog p = { .deadlock = "" };
	struct sva_program prog = { "abba", abba_setup, NULL, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 1, .keep_going = true };
	struct sva_explore_result res;
	char line1[64], line2[64];
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_true(res.exhausted);
	assert_int_equal(res.failures, res.schedules);
	assert_non_null(strstr(res.message, "lock order inversion"));
	/* one of the schedules deadlocks, and that is reported too */
	assert_non_null(strstr(p.deadlock, "deadlock"));
	assert_non_null(strstr(p.deadlock, "first blocked on lock_b"));
	assert_non_null(strstr(p.deadlock, "second blocked on lock_a"));
	/* both blocking sites are named by file and line */
	snprintf(line1, sizeof(line1), "tests/test_explore.c:%d", p.line_first);
	snprintf(line2, sizeof(line2), "tests/test_explore.c:%d", p.line_second);
	if (!strstr(p.deadlock, line1) || !strstr(p.deadlock, line2))
		fprintf(stderr, "message: %s\n", p.deadlock);
	assert_non_null(strstr(p.deadlock, line1));
	assert_non_null(strstr(p.deadlock, line2));
}

/* ---- what makes a schedule fail besides a check: a leak, the run's error, a bare check ---- */

enum judged { LEAKS, CHECK_BARE, SETUP_FAILS };

static int leak_actor(void *arg)
{
	struct sva_world *w = arg;

	return sva_alloc(w, &sva_obj_test, 16) ? 0 : -ENOMEM; /* never freed */
}

static int judged_setup(struct sva_world *w, void *arg)
{
	enum judged *j = arg;

	if (*j == SETUP_FAILS)
		return -ENOSPC;
	return sva_actor_spawn(w, "leaker", leak_actor, w, 0, NULL);
}

static int judged_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	enum judged *j = arg;

	(void)w;
	(void)run;
	(void)msg;
	(void)len;
	return *j == CHECK_BARE ? -EIO : 0; /* an error without a message */
}

static void test_leaks_and_bare_checks_fail_the_schedule(void **state)
{
	enum judged j = LEAKS;
	struct sva_program prog = { "judged", judged_setup, judged_check, NULL, &j, false };
	struct sva_explore_config cfg = { .preemption_bound = 0 };
	struct sva_explore_result res;
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = 1 };
	char msg[256], sched[256];
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.failures, 1);
	assert_string_equal(res.message, "leak: 1 test");
	j = CHECK_BARE;
	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.failures, 1);
	assert_non_null(strstr(res.message, "check failed: -EIO"));
	j = SETUP_FAILS;
	assert_int_equal(sva_explore(&cfg, &prog, &res), -ENOSPC);
	assert_non_null(strstr(res.message, "setup of judged failed: -ENOSPC"));
	prog.name = NULL; /* a program of no name is "program" */
	assert_int_not_equal(
		sva_program_run_once(&wc, &prog, sched, sizeof(sched), msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "setup of program failed: -ENOSPC"));
}

static void test_max_schedules_bounds_the_search(void **state)
{
	struct counter_prog p = { .nactors = 3, .locked = true };
	struct sva_program prog = {
		"locked-counter-3", counter_setup, counter_check, NULL, &p, false
	};
	struct sva_explore_config cfg = { .preemption_bound = 2, .max_schedules = 50 };
	struct sva_explore_result res;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.schedules, 50);
	assert_false(res.exhausted);
	assert_int_equal(res.failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lost_update_found_with_one_preemption),
		cmocka_unit_test(test_no_preemption_no_lost_update),
		cmocka_unit_test(test_locked_counter_clean_at_k2),
		cmocka_unit_test(test_lost_update_every_failure_counted),
		cmocka_unit_test(test_progress_every_n_schedules),
		cmocka_unit_test(test_abba_reported_as_deadlock),
		cmocka_unit_test(test_max_schedules_bounds_the_search),
		cmocka_unit_test(test_leaks_and_bare_checks_fail_the_schedule),
	};

	return cmocka_run_group_tests_name("explore", tests, NULL, NULL);
}
