/* SPDX-License-Identifier: MIT */
/*
 * Data races in sim (sva_world_config.race_check, docs/concurrency.md): in a ThreadSanitizer
 * build the fibers switch without synchronising, so TSan sees actors as the threads they
 * model and reports a race between two of them even though the sim ran them one at a time.
 * Each case runs in a child process, since TSan ends the process that raced:
 *  - two actors bump a counter without its lock: reported (the child dies, TSan's words on
 *    its stderr); with the lock, every primitive kind, a completion handing data over, spawn
 *    and join: clean - the happens-before TSan sees is the one native threads would have;
 *  - every example scenario is race-free under a few seeds.
 * In any other build race_check is refused with -EOPNOTSUPP, and that is what is tested.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/base/sanitizers.h"
#include "sva/scenario.h"
#include "testutil.h"

#ifndef SVA_EXAMPLES_DIR
#define SVA_EXAMPLES_DIR "examples"
#endif

struct shared {
	struct sva_mutex m;
	struct sva_spinlock s;
	struct sva_rwsem r;
	struct sva_completion done;
	long n;
	long handed; /* written before complete(), read after wait_for_completion() */
	int lock;    /* 0 none, 1 mutex, 2 spinlock, 3 rwsem */
	struct sva_world *w;
};

static int bump(void *arg)
{
	struct shared *sh = arg;

	for (int i = 0; i < 3; i++) {
		if (sh->lock == 1)
			sva_mutex_lock(&sh->m);
		else if (sh->lock == 2)
			sva_spin_lock(&sh->s);
		else if (sh->lock == 3)
			sva_down_write(&sh->r);
		sh->n++;
		if (sh->lock == 1)
			sva_mutex_unlock(&sh->m);
		else if (sh->lock == 2)
			sva_spin_unlock(&sh->s);
		else if (sh->lock == 3)
			sva_up_write(&sh->r);
		sva_yield(sh->w);
	}
	return 0;
}

static int hand_over(void *arg)
{
	struct shared *sh = arg;

	sh->handed = 42;
	sva_complete(&sh->done);
	return 0;
}

static int take_over(void *arg)
{
	struct shared *sh = arg;

	sva_wait_for_completion(&sh->done);
	return sh->handed == 42 ? 0 : 1;
}

/* One world: two bumpers (and a hand-over pair); 0 when the counts are right. */
static int run_world(int lock, uint64_t seed)
{
	struct sva_world_config wc = {
		.backend = SVA_BACKEND_SIM, .seed = seed, .race_check = true, .quiet = true
	};
	struct sva_actor *a[4];
	struct shared sh = { .lock = lock };
	struct sva_world *w;
	int bad = 0, ret;

	if (sva_world_create(&wc, &w))
		return 100;
	sh.w = w;
	sva_mutex_init(w, &sh.m, "m");
	sva_spin_lock_init(w, &sh.s, "s");
	sva_rwsem_init(w, &sh.r, "r");
	sva_completion_init(w, &sh.done, "done");
	sh.n = 0;
	bad |= sva_actor_spawn(w, "bump0", bump, &sh, 0, &a[0]);
	bad |= sva_actor_spawn(w, "bump1", bump, &sh, 0, &a[1]);
	bad |= sva_actor_spawn(w, "give", hand_over, &sh, 0, &a[2]);
	bad |= sva_actor_spawn(w, "take", take_over, &sh, 0, &a[3]);
	if (!bad)
		bad |= sva_world_run(w);
	for (int i = 0; i < 4 && !bad; i++) {
		bad |= sva_actor_join(a[i], &ret);
		bad |= ret;
	}
	bad |= sh.n != 6;
	sva_completion_destroy(&sh.done);
	sva_rwsem_destroy(&sh.r);
	sva_spin_lock_destroy(&sh.s);
	sva_mutex_destroy(&sh.m);
	sva_world_destroy(w);
	return bad ? 1 : 0;
}

/* @fn(@arg) in a child; its exit status (128 + signal when killed), its stderr in @err. */
static int in_child(int (*fn)(int, uint64_t), int arg, char *err, size_t len)
{
	int pipefd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;

		dup2(pipefd[1], 2);
		close(pipefd[0]);
		for (uint64_t seed = 1; seed <= 3; seed++)
			bad |= fn(arg, seed);
		_exit(bad);
	}
	close(pipefd[1]);
	while (got < (ssize_t)len - 1 && (n = read(pipefd[0], err + got, len - 1 - got)) > 0)
		got += n;
	err[got] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#ifdef SVA_TSAN

static void test_unlocked_counter_is_a_race(void **state)
{
	static char err[1 << 16];

	(void)state;
	assert_int_not_equal(in_child(run_world, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "ThreadSanitizer: data race"));
	assert_non_null(strstr(err, "bump"));
}

static void test_every_lock_orders_its_section(void **state)
{
	static char err[1 << 16];

	(void)state;
	for (int lock = 1; lock <= 3; lock++) {
		int rc = in_child(run_world, lock, err, sizeof(err));

		if (rc)
			fail_msg("lock kind %d: exit %d\n%s", lock, rc, err);
	}
}

/* Every example, a few seeds, in the child. */
static int run_examples(int unused, uint64_t seed)
{
	static const char *const files[] = {
		"nginx.sva",
		"seeds/000-pasid-follows-the-mm.sva",
		"seeds/001-threads-share-the-pasid.sva",
		"seeds/002-queues-share-a-domain.sva",
		"seeds/003-exit-with-a-fault-pending.sva",
		"seeds/004-bond-holds-mm-count.sva",
		"stories/munmap-under-a-live-bond.sva",
		"stories/pasid-reuse-after-exit.sva",
		"stories/idxd-exit-with-a-descriptor-in-flight.sva",
		"stories/idxd-fork-inherits-the-wq-fd.sva",
		"stories/idxd-remove-with-queues-open.sva",
		"stories/idxd-disable-wq-with-clients.sva",
		"stories/idxd-shared-wq-two-processes.sva",
		"stories/prq-overflow-under-many-faults.sva",
		"stories/reclaim-under-a-live-bond.sva",
		"stories/wq-fd-passed-to-another-process.sva",
		"stories/embedder-unmap-under-dma.sva",
		"stories/embedder-page-request-while-clearing.sva",
		"stories/embedder-ats-then-invalidate.sva",
	};
	int bad = 0;

	(void)unused;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct sva_world_config wc = {
			.backend = SVA_BACKEND_SIM, .seed = seed, .race_check = true, .quiet = true
		};
		char path[512], msg[512] = "";
		struct sva_scenario_run *r;
		struct sva_scenario *s;
		struct sva_program prog;

		snprintf(path, sizeof(path), "%s/%s", SVA_EXAMPLES_DIR, files[i]);
		if (sva_scenario_load(path, &s, msg, sizeof(msg)) ||
		    sva_scenario_run_create(s, &r)) {
			fprintf(stderr, "%s: %s\n", path, msg);
			return 1;
		}
		sva_scenario_program(r, &prog);
		if (sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg))) {
			fprintf(stderr, "%s, seed %llu: %s\n", path, (unsigned long long)seed, msg);
			bad = 1;
		}
		sva_scenario_run_free(r);
		sva_scenario_free(s);
	}
	return bad;
}

static void test_examples_are_race_free(void **state)
{
	static char err[1 << 16];
	int rc;

	(void)state;
	rc = in_child(run_examples, 0, err, sizeof(err));
	if (rc)
		fail_msg("exit %d\n%s", rc, err);
}

#else

static void test_refused_without_tsan(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .race_check = true };
	struct sva_world *w = NULL;

	(void)state;
	assert_int_equal(sva_world_create(&wc, &w), -EOPNOTSUPP);
	assert_null(w);
	(void)in_child;
	(void)run_world;
}

#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef SVA_TSAN
		cmocka_unit_test(test_unlocked_counter_is_a_race),
		cmocka_unit_test(test_every_lock_orders_its_section),
		cmocka_unit_test(test_examples_are_race_free),
#else
		cmocka_unit_test(test_refused_without_tsan),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
