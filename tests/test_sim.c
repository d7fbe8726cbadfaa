/* SPDX-License-Identifier: MIT */
/*
 * The sim backend: determinism (same seed, byte-identical trace; different seeds, different
 * interleavings; a recorded schedule replays exactly), deadlock reports naming each actor and
 * site, schedule strings, misuse of the scheduler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

struct chatter {
	struct sva_world *w;
	struct sva_mutex lock;
	int log[400];
	int nlog;
};

static int chatter_actor(void *arg)
{
	struct chatter *c = arg;
	int me = (int)sva_actor_id(sva_current(c->w));

	for (int i = 0; i < 40; i++) {
		sva_mutex_lock(&c->lock);
		c->log[c->nlog++] = me;
		sva_trace(c->w, WORK_RUN, "chatter", (uint64_t)i);
		sva_mutex_unlock(&c->lock);
		sva_sched_point(c->w);
	}
	return 0;
}

/* Run three chatter actors; return the trace text and the schedule (malloc'd). */
static void chatter_run(const struct sva_world_config *wc, char **trace, char **schedule)
{
	struct chatter c = { .nlog = 0 };
	struct sva_world *w;
	size_t len;

	assert_int_equal(sva_world_create(wc, &w), 0);
	c.w = w;
	sva_mutex_init(w, &c.lock, "chatter");
	for (int i = 0; i < 3; i++)
		assert_int_equal(sva_actor_spawn(w, "chatter", chatter_actor, &c, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(c.nlog, 120);

	*trace = sva_test_trace_string(w, sva_trace_write_text);
	len = sva_world_schedule(w, NULL, 0);
	*schedule = malloc(len + 1);
	assert_int_equal(sva_world_schedule(w, *schedule, len + 1), len);
	sva_mutex_destroy(&c.lock);
	sva_test_world_done(w);
}

struct named_chatter {
	struct chatter c;
	bool name_ok;
};

static int named_actor(void *arg)
{
	struct named_chatter *n = arg;

	/* the name given at spawn */
	n->name_ok = strcmp(sva_actor_name(sva_current(n->c.w)), "named") == 0;
	return chatter_actor(&n->c);
}

/*
 * sva_world_schedule_write() writes to a file descriptor exactly the string
 * sva_world_schedule() returns, a long one (beyond its 512-byte buffer) whole; nothing in
 * native or for no world.
 */
static void test_schedule_write_matches_schedule(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = 9 };
	struct named_chatter nc = { .name_ok = false };
	struct chatter *c = &nc.c;
	char *want, got[8192];
	struct sva_world *w;
	FILE *tmp = tmpfile();
	size_t len, n;
	(void)state;

	assert_non_null(tmp);
	assert_int_equal(sva_world_create(&wc, &w), 0);
	c->w = w;
	sva_mutex_init(w, &c->lock, "chatter");
	assert_int_equal(sva_actor_spawn(w, "named", named_actor, &nc, 0, NULL), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(sva_actor_spawn(w, "chatter", chatter_actor, c, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_true(nc.name_ok);
	assert_int_equal(c->nlog, 9 * 40);
	len = sva_world_schedule(w, NULL, 0);
	assert_true(len > 512 && len < sizeof(got));
	want = malloc(len + 1);
	assert_non_null(want);
	sva_world_schedule(w, want, len + 1);
	assert_int_equal(sva_world_schedule_write(w, fileno(tmp)), len);
	rewind(tmp);
	n = fread(got, 1, sizeof(got), tmp);
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	fclose(tmp);
	free(want);
	sva_mutex_destroy(&c->lock);
	sva_test_world_done(w);

	w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	assert_int_equal(sva_world_schedule_write(w, STDOUT_FILENO), 0);
	sva_test_world_done(w);
	assert_int_equal(sva_world_schedule_write(NULL, STDOUT_FILENO), 0);
}

static void test_same_seed_byte_identical_trace(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = 42 };
	char *t1, *t2, *s1, *s2;
	(void)state;

	chatter_run(&wc, &t1, &s1);
	chatter_run(&wc, &t2, &s2);
	assert_true(strlen(t1) > 1000);
	assert_string_equal(t1, t2);
	assert_string_equal(s1, s2);
	free(t1);
	free(t2);
	free(s1);
	free(s2);
}

/*
 * Worlds built one after another on a shared stack cache reuse its stacks - the three
 * chatters of the second world take the first one's - and run exactly as on fresh stacks.
 * A cache keeps no more stacks than its bound, and none of another size.
 */
static void test_shared_stack_cache_reuses_stacks(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = 42 };
	struct sva_stack_cache *cache;
	char *fresh_trace, *fresh_sched, *trace, *sched;
	(void)state;

	chatter_run(&wc, &fresh_trace, &fresh_sched);
	assert_int_equal(sva_stack_cache_create(8, &cache), 0);
	assert_int_equal(sva_stack_cache_count(cache), 0);
	wc.stack_cache = cache;
	for (int round = 0; round < 3; round++) {
		if (round == 2)
			wc.stack_size = 64 * 1024; /* another size: mapped and unmapped, not kept */
		chatter_run(&wc, &trace, &sched);
		assert_string_equal(trace, fresh_trace);
		assert_string_equal(sched, fresh_sched);
		assert_int_equal(sva_stack_cache_count(cache), 3); /* reused, not 6 */
		free(trace);
		free(sched);
	}
	sva_stack_cache_destroy(cache);

	assert_int_equal(sva_stack_cache_create(2, &cache), 0);
	wc.stack_cache = cache;
	wc.stack_size = 0;
	chatter_run(&wc, &trace, &sched);
	assert_int_equal(sva_stack_cache_count(cache), 2); /* its bound */
	sva_stack_cache_destroy(cache);
	free(trace);
	free(sched);
	free(fresh_trace);
	free(fresh_sched);
}

static void test_different_seeds_different_interleavings(void **state)
{
	struct sva_world_config a = { .backend = SVA_BACKEND_SIM, .seed = 1 };
	struct sva_world_config b = { .backend = SVA_BACKEND_SIM, .seed = 2 };
	char *t1, *t2, *s1, *s2;
	(void)state;

	chatter_run(&a, &t1, &s1);
	chatter_run(&b, &t2, &s2);
	assert_string_not_equal(s1, s2);
	assert_string_not_equal(t1, t2);
	free(t1);
	free(t2);
	free(s1);
	free(s2);
}

static void test_recorded_schedule_replays_exactly(void **state)
{
	struct sva_world_config rnd = { .backend = SVA_BACKEND_SIM, .seed = 7 };
	struct sva_world_config rep = { .backend = SVA_BACKEND_SIM, .seed = 999 };
	char *t1, *t2, *s1, *s2;
	(void)state;

	chatter_run(&rnd, &t1, &s1);
	rep.schedule = s1; /* a different seed: only the schedule decides */
	chatter_run(&rep, &t2, &s2);
	assert_string_equal(s1, s2);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	free(s1);
	free(s2);
}

static void test_bad_schedule_string_rejected(void **state)
{
	static const char *const bad[] = { "a0", "A", "[x]", "[70000]", "ab-c", "[3" };
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .schedule = bad[i] };
		struct sva_world *w = NULL;

		assert_int_equal(sva_world_create(&wc, &w), -EINVAL);
		assert_null(w);
	}
}

/*
 * A schedule is bounded by the run's step budget before any memory is taken for it: the
 * 10-byte "a100000000" took 200 MB, forty such tokens gigabytes (issue 16).
 */
static void test_schedule_bounded_by_step_budget(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .schedule = "a100000000" };
	struct sva_world *w = NULL;
	char err[160];
	size_t n = 7;
	(void)state;

	assert_int_equal(sva_world_create(&wc, &w), -E2BIG);
	assert_null(w);
	assert_int_equal(sva_schedule_check("a100000000", 0, &n, err, sizeof(err)), -E2BIG);
	assert_int_equal(n, 0);
	assert_non_null(
		strstr(err, "at character 1: more than 10000000 decisions, the run's step budget"));
	/* the whole string counts, not each token */
	wc.schedule = "a6b6";
	wc.max_steps = 11;
	assert_int_equal(sva_world_create(&wc, &w), -E2BIG);
	assert_int_equal(sva_schedule_check("a6b6", 11, &n, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "at character 3: "));
	wc.max_steps = 12;
	assert_int_equal(sva_world_create(&wc, &w), 0);
	sva_world_destroy(w);
	assert_int_equal(sva_schedule_check("a6b6", 12, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 12);
	assert_int_equal(sva_schedule_check("a2[30]3c", 0, &n, NULL, 0), 0);
	assert_int_equal(n, 6);
	/* a repeat count too large for any integer is too long, not a wrap */
	assert_int_equal(sva_schedule_check("a99999999999999999999999", 0, &n, NULL, 0), -E2BIG);
	/* a budget above the schedule's own limit is that limit; no count asked, no message */
	assert_int_equal(sva_schedule_check("a100000001", UINT64_MAX, &n, err, sizeof(err)),
			 -E2BIG);
	assert_non_null(strstr(err, "more than 100000000 decisions"));
	assert_int_equal(sva_schedule_check("a100000000", UINT64_MAX, NULL, NULL, 0), 0);
	strcpy(err, "kept");
	assert_int_equal(sva_schedule_check("a0", 0, NULL, err, 0), -EINVAL);
	assert_string_equal(err, "kept");
}

/* A malformed schedule says where and what. */
static void test_schedule_errors_say_where(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "ab3a0", "bad schedule at character 5: a repeat count is at least 1" },
		{ "abcX", "bad schedule at character 4: expected an actor" },
		{ "3a", "bad schedule at character 1: a repeat count must follow an actor" },
		{ "a[x]", "bad schedule at character 2: expected an actor number after '['" },
		{ "a[12", "bad schedule at character 2: expected ']'" },
		{ "[70000]", "bad schedule at character 1: an actor number is 0..65535" },
		{ "[99999999999999999999999]", "at character 1: an actor number is 0..65535" },
		{ "a5 b", "bad schedule at character 3: expected an actor" },
	};
	char err[160];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sva_schedule_check(bad[i].text, 0, &n, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].want))
			fail_msg("'%s': %s, expected %s", bad[i].text, err, bad[i].want);
	}
}

static void test_diverging_schedule_reported(void **state)
{
	/* decision 0 names actor 5, which does not exist */
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .schedule = "f" };
	struct chatter c = { .nlog = 0 };
	struct sva_world *w;
	(void)state;

	assert_int_equal(sva_world_create(&wc, &w), 0);
	sva_test_quiet(w);
	c.w = w;
	sva_mutex_init(w, &c.lock, "chatter");
	for (int i = 0; i < 2; i++)
		assert_int_equal(sva_actor_spawn(w, "chatter", chatter_actor, &c, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(c.nlog, 80); /* the run still completes */
	assert_int_equal(sva_report_count(w, SVA_REPORT_SCHEDULE_DIVERGED), 1);
	sva_mutex_destroy(&c.lock);
	sva_world_destroy(w);
}

struct waiter {
	struct sva_world *w;
	struct sva_completion done;
	struct sva_mutex m;
	int line;
};

static int wait_forever(void *arg)
{
	struct waiter *x = arg;

	sva_mutex_lock(&x->m);
	x->line = __LINE__ + 1;
	sva_wait_for_completion(&x->done);
	sva_mutex_unlock(&x->m);
	return 0;
}

static void test_deadlock_names_actor_site_and_held_lock(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 3);
	struct waiter x = { .w = w };
	char site[64];
	(void)state;

	sva_test_quiet(w);
	sva_completion_init(w, &x.done, "never_done");
	sva_mutex_init(w, &x.m, "outer");
	assert_int_equal(sva_actor_spawn(w, "sleeper", wait_forever, &x, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), -EDEADLK);
	assert_int_equal(sva_report_count(w, SVA_REPORT_DEADLOCK), 1);
	snprintf(site, sizeof(site), "tests/test_sim.c:%d", x.line);
	assert_non_null(strstr(sva_report_first(w), "sleeper blocked on never_done"));
	assert_non_null(strstr(sva_report_first(w), site));
	assert_non_null(strstr(sva_report_first(w), "holding mutex outer"));
	/* a second run does not pretend to make progress */
	assert_int_equal(sva_world_run(w), -EDEADLK);
	sva_world_destroy(w); /* abandons the blocked fiber without leaking */
}

static int idle_daemon(void *arg)
{
	struct waiter *x = arg;

	sva_wait_for_completion(&x->done);
	return 7;
}

static void test_blocked_daemon_is_not_a_deadlock(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 3);
	struct waiter x = { .w = w };
	struct sva_actor *d;
	int ret = 0;
	(void)state;

	sva_completion_init(w, &x.done, "work");
	assert_int_equal(sva_actor_spawn(w, "daemon", idle_daemon, &x, SVA_ACTOR_DAEMON, &d), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_false(sva_actor_exited(d));
	/* completing from outside, then joining from outside, drives the scheduler */
	sva_complete(&x.done);
	assert_int_equal(sva_actor_join(d, &ret), 0);
	assert_int_equal(ret, 7);
	sva_completion_destroy(&x.done);
	sva_test_world_done(w);
}

static void test_join_outside_with_nothing_runnable_is_deadlock(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 3);
	struct waiter x = { .w = w };
	struct sva_actor *d;
	(void)state;

	sva_test_quiet(w);
	sva_completion_init(w, &x.done, "work");
	assert_int_equal(sva_actor_spawn(w, "daemon", idle_daemon, &x, SVA_ACTOR_DAEMON, &d), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(sva_actor_join(d, NULL), -EDEADLK);
	assert_int_equal(sva_report_count(w, SVA_REPORT_DEADLOCK), 1);
	sva_world_destroy(w);
}

static int self_join(void *arg)
{
	struct waiter *x = arg;

	return sva_actor_join(sva_current(x->w), NULL);
}

static void test_self_join_refused(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 3);
	struct waiter x = { .w = w };
	struct sva_actor *a;
	int ret = 0;
	(void)state;

	sva_test_quiet(w);
	assert_int_equal(sva_actor_spawn(w, "selfish", self_join, &x, 0, &a), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_int_equal(sva_actor_join(a, &ret), 0);
	assert_int_equal(ret, -EDEADLK);
	assert_int_equal(sva_report_count(w, SVA_REPORT_BAD_USAGE), 1);
	sva_world_destroy(w);
}

static int count_steps(void *arg)
{
	struct waiter *x = arg;

	for (int i = 0; i < 1000; i++)
		sva_sched_point(x->w);
	return 0;
}

static void test_clock_is_logical_and_switches_counted(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 11);
	struct waiter x = { .w = w };
	(void)state;

	assert_int_equal(sva_world_now(w), 0);
	assert_int_equal(sva_actor_spawn(w, "a", count_steps, &x, 0, NULL), 0);
	assert_int_equal(sva_actor_spawn(w, "b", count_steps, &x, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	assert_true(sva_world_now(w) >= 2000);
	assert_true(sva_world_switches(w) > 100); /* random policy switches often */
	sva_test_world_done(w);
}

static void test_nonpreemptive_runs_each_actor_to_the_end(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .nonpreemptive = true };
	struct sva_world *w;
	struct waiter x;
	char sched[64];
	(void)state;

	assert_int_equal(sva_world_create(&wc, &w), 0);
	x.w = w;
	assert_int_equal(sva_actor_spawn(w, "a", count_steps, &x, 0, NULL), 0);
	assert_int_equal(sva_actor_spawn(w, "b", count_steps, &x, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	/* the first pick, then a's 1000 points while b could run; then b runs alone */
	sva_world_schedule(w, sched, sizeof(sched));
	assert_string_equal(sched, "a1001");
	assert_true(sva_world_switches(w) <= 3);
	sva_test_world_done(w);
}

struct tw_prog {
	struct sva_world *w;
	struct sva_task_work a, b, late;
	int order[3];
	int n;
	int add_after_exit;
	struct sva_actor *user;
};

static void tw_a(struct sva_task_work *tw)
{
	struct tw_prog *p = (struct tw_prog *)((char *)tw - offsetof(struct tw_prog, a));

	p->order[p->n++] = 1;
}

static void tw_b(struct sva_task_work *tw)
{
	struct tw_prog *p = (struct tw_prog *)((char *)tw - offsetof(struct tw_prog, b));

	p->order[p->n++] = 2;
}

static void tw_late(struct sva_task_work *tw)
{
	struct tw_prog *p = (struct tw_prog *)((char *)tw - offsetof(struct tw_prog, late));

	p->order[p->n++] = 3;
}

static int tw_user(void *arg)
{
	struct tw_prog *p = arg;
	struct sva_actor *me = sva_current(p->w);

	p->a.fn = tw_a;
	p->b.fn = tw_b;
	p->late.fn = tw_late;
	assert_int_equal(sva_task_work_add(me, &p->a), 0);
	assert_int_equal(sva_task_work_add(me, &p->b), 0);
	assert_int_equal(p->n, 0); /* nothing runs until asked */
	sva_task_work_run(p->w);
	assert_int_equal(p->n, 2);
	assert_int_equal(sva_task_work_add(me, &p->late), 0);
	return 0; /* late runs at exit, in this actor */
}

static int tw_kthread(void *arg)
{
	struct tw_prog *p = arg;
	struct sva_task_work tw = { .fn = tw_a };

	p->add_after_exit = sva_task_work_add(p->user, &tw); /* the user task has exited */
	return sva_task_work_add(sva_current(p->w), &tw);
}

static void test_task_work_runs_in_order_and_at_exit(void **state)
{
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = sva_test_world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, 9);
		struct tw_prog p = { .w = w };
		struct sva_actor *k;
		int ret = 0;
		(void)state;

		assert_int_equal(sva_actor_spawn(w, "user", tw_user, &p, SVA_ACTOR_USER, &p.user),
				 0);
		assert_int_equal(sva_world_run(w), 0);
		assert_int_equal(p.n, 3);
		assert_int_equal(p.order[0], 1);
		assert_int_equal(p.order[1], 2);
		assert_int_equal(p.order[2], 3);
		assert_int_equal(sva_actor_spawn(w, "kthread", tw_kthread, &p, 0, &k), 0);
		assert_int_equal(sva_world_run(w), 0);
		assert_int_equal(sva_actor_join(k, &ret), 0);
		assert_int_equal(ret, -ESRCH);		    /* not a user task */
		assert_int_equal(p.add_after_exit, -ESRCH); /* exit_task_work has run */
		assert_int_equal(sva_actor_join(p.user, NULL), 0);
		sva_test_world_done(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_byte_identical_trace),
		cmocka_unit_test(test_shared_stack_cache_reuses_stacks),
		cmocka_unit_test(test_different_seeds_different_interleavings),
		cmocka_unit_test(test_recorded_schedule_replays_exactly),
		cmocka_unit_test(test_bad_schedule_string_rejected),
		cmocka_unit_test(test_schedule_bounded_by_step_budget),
		cmocka_unit_test(test_schedule_errors_say_where),
		cmocka_unit_test(test_diverging_schedule_reported),
		cmocka_unit_test(test_deadlock_names_actor_site_and_held_lock),
		cmocka_unit_test(test_blocked_daemon_is_not_a_deadlock),
		cmocka_unit_test(test_join_outside_with_nothing_runnable_is_deadlock),
		cmocka_unit_test(test_self_join_refused),
		cmocka_unit_test(test_clock_is_logical_and_switches_counted),
		cmocka_unit_test(test_nonpreemptive_runs_each_actor_to_the_end),
		cmocka_unit_test(test_task_work_runs_in_order_and_at_exit),
		cmocka_unit_test(test_schedule_write_matches_schedule),
	};

	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
