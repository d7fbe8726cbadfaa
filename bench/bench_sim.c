/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of the concurrency layer. Figures, not tests: each is one line
 * "BENCH <name> <value> <unit>".
 *  - sim.switches_per_s: fiber switches per second between two actors ping-ponging at
 *    scheduling points under the random policy;
 *  - sim.schedules_per_s: schedules explored per second on the lost-update program
 *    (2 actors, ~100 steps), enumeration with K=2 (a fresh world per schedule);
 *  - sim.world_create_destroy: one empty sim world, created and destroyed (us);
 *  - native.wait_wake_rtt: round trip between two native actors through completions (ns);
 *  - native.mutex_lock_unlock: uncontended lock + unlock on native (ns).
 */
#include <stdio.h>
#include <time.h>

#include "sva/sync.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- sim switches ---- */

struct pingpong {
	struct sva_world *w;
	long rounds;
};

static int point_loop(void *arg)
{
	struct pingpong *p = arg;

	for (long i = 0; i < p->rounds; i++)
		sva_sched_point(p->w);
	return 0;
}

static void bench_switches(void)
{
	struct sva_world_config c = { .backend = SVA_BACKEND_SIM, .seed = 1 };
	struct pingpong p = { .rounds = 2000000 };
	struct sva_world *w;
	double t;

	if (sva_world_create(&c, &w))
		return;
	p.w = w;
	sva_actor_spawn(w, "ping", point_loop, &p, 0, NULL);
	sva_actor_spawn(w, "pong", point_loop, &p, 0, NULL);
	t = now_s();
	sva_world_run(w);
	t = now_s() - t;
	printf("BENCH sim.switches_per_s %.0f switches/s\n", (double)sva_world_switches(w) / t);
	printf("BENCH sim.points_per_s %.0f points/s\n", 2.0 * (double)p.rounds / t);
	sva_world_destroy(w);
}

/* ---- explorer throughput ---- */

struct counter {
	struct sva_world *w;
	long x;
};

static int inc_loop(void *arg)
{
	struct counter *c = arg;

	for (int i = 0; i < 50; i++) {
		long tmp = c->x;

		sva_sched_point(c->w);
		c->x = tmp + 1;
	}
	return 0;
}

static int counter_setup(struct sva_world *w, void *arg)
{
	struct counter *c = arg;

	c->w = w;
	c->x = 0;
	sva_actor_spawn(w, "inc0", inc_loop, c, 0, NULL);
	return sva_actor_spawn(w, "inc1", inc_loop, c, 0, NULL);
}

static void bench_schedules(void)
{
	struct counter c;
	struct sva_program prog = { "lost-update", counter_setup, NULL, NULL, &c, false };
	struct sva_explore_config cfg = { .preemption_bound = 2, .keep_going = true };
	struct sva_explore_result res;
	double t = now_s();

	if (sva_explore(&cfg, &prog, &res))
		return;
	t = now_s() - t;
	printf("lost-update, K=2: %lu schedules in %.2f s\n", res.schedules, t);
	printf("BENCH sim.schedules_per_s %.0f schedules/s\n", (double)res.schedules / t);
}

static void bench_world(void)
{
	struct sva_world_config c = { .backend = SVA_BACKEND_SIM };
	int n = 20000;
	double t = now_s();

	for (int i = 0; i < n; i++) {
		struct sva_world *w;

		if (sva_world_create(&c, &w))
			return;
		sva_world_destroy(w);
	}
	t = now_s() - t;
	printf("BENCH sim.world_create_destroy %.2f us\n", t / n * 1e6);
}

/* ---- native ---- */

struct rtt {
	struct sva_completion ping, pong;
	long rounds;
};

static int rtt_server(void *arg)
{
	struct rtt *r = arg;

	for (long i = 0; i < r->rounds; i++) {
		sva_wait_for_completion(&r->ping);
		sva_complete(&r->pong);
	}
	return 0;
}

static int rtt_client(void *arg)
{
	struct rtt *r = arg;

	for (long i = 0; i < r->rounds; i++) {
		sva_complete(&r->ping);
		sva_wait_for_completion(&r->pong);
	}
	return 0;
}

static void bench_native(void)
{
	struct rtt r = { .rounds = 100000 };
	struct sva_world *w;
	struct sva_mutex m;
	long n = 2000000;
	double t;

	if (sva_world_create(NULL, &w))
		return;
	sva_completion_init(w, &r.ping, "ping");
	sva_completion_init(w, &r.pong, "pong");
	sva_actor_spawn(w, "server", rtt_server, &r, 0, NULL);
	t = now_s();
	sva_actor_spawn(w, "client", rtt_client, &r, 0, NULL);
	sva_world_run(w);
	t = now_s() - t;
	printf("BENCH native.wait_wake_rtt %.0f ns\n", t / (double)r.rounds * 1e9);

	sva_mutex_init(w, &m, "bench");
	t = now_s();
	for (long i = 0; i < n; i++) {
		sva_mutex_lock(&m);
		sva_mutex_unlock(&m);
	}
	t = now_s() - t;
	printf("BENCH native.mutex_lock_unlock %.1f ns\n", t / (double)n * 1e9);
	sva_mutex_destroy(&m);
	sva_completion_destroy(&r.ping);
	sva_completion_destroy(&r.pong);
	sva_world_destroy(w);
}

int main(void)
{
	bench_switches();
	bench_schedules();
	bench_world();
	bench_native();
	return 0;
}
