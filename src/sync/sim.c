/* SPDX-License-Identifier: MIT */
/*
 * The sim backend: actors are fibers, exactly one runs, and the scheduler decides at every
 * scheduling point who runs next.
 *
 * A decision is taken whenever more than one actor could run. The policy is, in order:
 * replay the recorded decisions given at creation; then PCT's priorities when configured
 * (pct.c); then either keep the running actor (non-preemptive, the enumerator's default
 * continuation) or pick uniformly with a seeded xoshiro256** generator. Every decision is recorded,
 * so any run can be printed as a schedule string and replayed exactly.
 *
 * Control returns to the driving ("main") fiber only when nothing is runnable: then either
 * every non-daemon actor has ended, or the run is deadlocked and the report names each
 * blocked actor, what it waits for, where, and the mutexes it holds. It also returns there
 * for good once the world is stopped (sva_world_stop: the checker saw a violation, or the
 * run's step budget is spent - a livelock); the actors are left where they are, and the
 * world's destroy frees them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

SVA_OBJ_CLASS(fiber_stack);

/* Stacks a world without a shared cache keeps for its next fibers (forks reuse them). */
#define SVA_SIM_OWN_STACKS 16

static uint64_t sva_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t sva_rng_next(uint64_t s[4])
{
	uint64_t result = sva_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sva_rotl(s[3], 45);
	return result;
}

static void sva_rng_seed(uint64_t s[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++) { /* splitmix64 */
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		s[i] = z ^ (z >> 31);
	}
}

int sva_sim_create(struct sva_sched *s, const struct sva_world_config *config)
{
	sva_fiber_init_main(&s->main_fiber);
#ifndef SVA_TSAN
	if (config->race_check)
		return -EOPNOTSUPP;
#endif
	s->race_check = config->race_check;
	s->main_fiber.tsan_flags = s->race_check ? 1u /* __tsan_switch_to_fiber_no_sync */ : 0;
	sva_rng_seed(s->rng, config->seed);
	s->nonpreemptive = config->nonpreemptive;
	s->max_steps = config->max_steps ? config->max_steps : SVA_SIM_DEFAULT_MAX_STEPS;
	if (config->schedule) {
		int ret = sva_schedule_decode(config->schedule, s->max_steps, &s->replay,
					      &s->nreplay);

		if (ret)
			return ret;
	}
	if (config->pct_depth && sva_pct_create(s, config)) {
		free(s->replay);
		return -ENOMEM;
	}
	s->stacks = config->stack_cache;
	if (!s->stacks) {
		if (sva_stack_cache_create(SVA_SIM_OWN_STACKS, &s->own_stacks)) {
			free(s->replay);
			return -ENOMEM;
		}
		s->stacks = s->own_stacks;
	}
	return 0;
}

/*
 * The step budget is spent: the actors still go round (polling, yielding, waking each other)
 * but the run does not end - a livelock. Report it with who could still run, and stop.
 */
static void sva_sim_budget_spent(struct sva_sched *s)
{
	char names[512];
	size_t off = 0;
	struct sva_actor *a;

	names[0] = '\0';
	sva_list_for_each_entry(a, &s->actors, node) {
		if (atomic_load(&a->state) != SVA_ACTOR_RUNNABLE || off + 2 >= sizeof(names))
			continue;
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", off ? ", " : "",
					a->name);
	}
	sva_report(s->w, SVA_REPORT_STEP_BUDGET,
		   "no end after %llu steps (a livelock?); runnable: %s",
		   (unsigned long long)s->max_steps, names[0] ? names : "none");
	sva_world_stop(s->w);
}

void sva_sim_destroy(struct sva_sched *s)
{
	if (s->zombie)
		sva_fiber_destroy(&s->zombie->fiber);
	free(s->replay);
	free(s->decisions);
	sva_pct_destroy(s);
	sva_stack_cache_destroy(s->own_stacks); /* every fiber has given its stack back */
}

/* Free the stack of the actor that ended just before we got here. */
static void sva_sim_reap(struct sva_sched *s)
{
	if (s->zombie) {
		sva_fiber_destroy(&s->zombie->fiber);
		sva_alloc_account(s->w, &sva_obj_fiber_stack, -1);
		s->zombie = NULL;
	}
}

static void sva_sim_switch(struct sva_sched *s, struct sva_actor *from, struct sva_actor *to,
			   bool from_exits)
{
	struct sva_fiber *ff = from ? &from->fiber : &s->main_fiber;
	struct sva_fiber *tf = to ? &to->fiber : &s->main_fiber;

	s->current = to;
	s->switches++;
	/* TSan: what actors did flows to the outside, and the outside's to whom it resumes */
	sva_tsan_release(from ? (void *)&s->tsan_actors : (void *)&s->main_fiber);
	sva_fiber_switch(ff, tf, from_exits);
	if (!from)
		sva_tsan_acquire(&s->tsan_actors);
	else if (ff->came_from == &s->main_fiber)
		sva_tsan_acquire(&s->main_fiber);
	sva_sim_reap(s);
}

static void sva_sim_record(struct sva_sched *s, struct sva_actor *chosen, struct sva_actor *cur,
			   uint64_t runnable)
{
	struct sva_decision *d;

	if (s->ndecisions == s->decisions_cap) {
		size_t cap = s->decisions_cap ? s->decisions_cap * 2 : 256;
		struct sva_decision *n;

		sva_tsan_ignore_begin();
		n = realloc(s->decisions, cap * sizeof(*n));
		sva_tsan_ignore_end();

		if (!n)
			return; /* the schedule string will be short; the run goes on */
		s->decisions = n;
		s->decisions_cap = cap;
	}
	s->fp_decision = (long)s->ndecisions;
	d = &s->decisions[s->ndecisions++];
	d->chosen = (uint16_t)chosen->id;
	d->current = cur ? (int16_t)cur->id : -1;
	d->runnable = runnable;
	d->sleep = s->sleep_mask;
	d->fp.all = d->fp.full = true; /* until the step ends */
	d->fp.n = 0;
}

static struct sva_actor *sva_sim_replayed(struct sva_sched *s, int want)
{
	struct sva_actor *a;

	sva_list_for_each_entry(a, &s->actors, node)
		if (a->id == want && atomic_load(&a->state) == SVA_ACTOR_RUNNABLE)
			return a;
	sva_report(s->w, SVA_REPORT_SCHEDULE_DIVERGED,
		   "decision %zu of the schedule names actor %d, which cannot run there",
		   s->ndecisions, want);
	s->nreplay = s->ndecisions; /* stop replaying */
	return NULL;
}

/* A runnable actor the scheduler may pick (POR: not asleep). */
static bool sva_sim_can_pick(struct sva_sched *s, struct sva_actor *a)
{
	return atomic_load(&a->state) == SVA_ACTOR_RUNNABLE && !sva_por_asleep(s, a);
}

/* The first actor that may be picked, in list (spawn) order. */
static struct sva_actor *sva_sim_first_pickable(struct sva_sched *s)
{
	struct sva_actor *a;

	sva_list_for_each_entry(a, &s->actors, node)
		if (sva_sim_can_pick(s, a))
			return a;
	return NULL;
}

/* The first pickable actor after @cur in the list, wrapping around (a yield's successor). */
static struct sva_actor *sva_sim_next_after(struct sva_sched *s, struct sva_actor *cur)
{
	struct sva_actor *a, *first = NULL;
	bool past = false;

	sva_list_for_each_entry(a, &s->actors, node) {
		if (a == cur) {
			past = true;
			continue;
		}
		if (!sva_sim_can_pick(s, a))
			continue;
		if (past)
			return a;
		if (!first)
			first = a;
	}
	return first ? first : cur;
}

/* Pick who runs next; @cur is the running actor (NULL from main), runnable or not. */
static struct sva_actor *sva_sim_pick(struct sva_sched *s, struct sva_actor *cur)
{
	struct sva_actor *a, *first = NULL, *chosen = NULL;
	bool yielding = s->yielding;
	bool cur_runnable = cur && atomic_load(&cur->state) == SVA_ACTOR_RUNNABLE;
	uint64_t runnable = 0;
	unsigned n = 0;

	s->yielding = false;
	if (sva_world_stopped(s->w))
		return NULL; /* back to the driving fiber, for good */
	if (s->steps > s->max_steps) {
		sva_sim_budget_spent(s);
		return NULL;
	}
	if (s->eager) { /* a daemon starting: on until it blocks, then back to its spawner */
		if (cur == s->eager && cur_runnable)
			return cur;
		s->eager = NULL;
		return NULL;
	}
	sva_list_for_each_entry(a, &s->actors, node) {
		if (atomic_load(&a->state) != SVA_ACTOR_RUNNABLE)
			continue;
		if (!first)
			first = a;
		if (a->id < 64)
			runnable |= 1ull << a->id;
		n++;
	}
	if (n <= 1) {
		if (first && !s->settled && sva_por_asleep(s, first))
			sva_por_abandon(s); /* its step from here was explored */
		return first;
	}
	if (s->por && !s->settled) {
		struct sva_actor *awake;

		sva_por_decision(s); /* the alternatives explored here before fall asleep */
		awake = sva_sim_first_pickable(s);
		if (awake)
			first = awake;
		else
			sva_por_abandon(s); /* every runnable actor sleeps: redundant */
	}
	if (yielding && cur_runnable) { /* a yield: the others go first, at no cost */
		first = sva_sim_next_after(s, cur);
		cur_runnable = false; /* a free choice, not a preemption */
	}
	if (s->settled)
		return cur_runnable ? cur : first;
	if (s->ndecisions < s->nreplay)
		chosen = sva_sim_replayed(s, s->replay[s->ndecisions]);
	if (!chosen && s->pct)
		chosen = sva_pct_choose(s, cur, yielding);
	if (!chosen && s->nonpreemptive)
		chosen = cur_runnable && !sva_por_asleep(s, cur) ? cur : first;
	if (!chosen) {
		unsigned k = (unsigned)(sva_rng_next(s->rng) % n);

		sva_list_for_each_entry(a, &s->actors, node) {
			if (atomic_load(&a->state) == SVA_ACTOR_RUNNABLE && k-- == 0) {
				chosen = a;
				break;
			}
		}
	}
	if (s->por && cur_runnable && chosen != cur && ++s->preemptions > s->plan->bound) {
		sva_por_abandon(s); /* forced off a sleeping actor, past the bound */
		return chosen;
	}
	sva_sim_record(s, chosen, cur_runnable ? cur : NULL, runnable);
	return chosen;
}

void sva_sim_point_on(struct sva_sched *s, uint32_t id)
{
	struct sva_actor *cur = s->current;
	struct sva_actor *next;

	s->steps++;
	if (!cur)
		return;
	/*
	 * A bare point marks shared state accessed on both sides of it (a read, the point, the
	 * write): the step that ends here is "all" too.
	 */
	if (id == SVA_FP_POINT_ALL)
		sva_por_touch(s, SVA_FP_ALL_ID);
	sva_por_step_end(s);
	cur->point_id = id;
	next = sva_sim_pick(s, cur);
	if (next != cur)
		sva_sim_switch(s, cur, next, false);
	sva_por_step_begin(s, cur);
}

void sva_sim_yield(struct sva_sched *s)
{
	s->yielding = true;
	sva_sim_point(s);
	s->yielding = false;
}

void sva_sim_block(struct sva_sched *s, uint32_t id)
{
	struct sva_actor *cur = s->current;

	s->steps++;
	sva_por_step_end(s);
	cur->point_id = id; /* woken, it re-checks what it waited for */
	sva_sim_switch(s, cur, sva_sim_pick(s, cur), false);
	sva_por_step_begin(s, cur);
}

void sva_sim_wake(struct sva_actor *a)
{
	if (atomic_load(&a->state) != SVA_ACTOR_BLOCKED)
		return;
	sva_list_del(&a->wnode);
	a->blocked_on = NULL;
	atomic_store(&a->state, SVA_ACTOR_RUNNABLE);
}

static void sva_sim_actor_main(void *arg)
{
	struct sva_actor *a = arg;

	sva_sim_reap(a->w->sched);
	sva_tsan_acquire(a); /* what the spawner did before the spawn */
	if (a->fiber.came_from == &a->w->sched->main_fiber)
		sva_tsan_acquire(&a->w->sched->main_fiber);
	sva_por_step_begin(a->w->sched, a);
	a->ret = a->fn(a->arg);
	sva_task_work_exit(a->w); /* late task_work still runs in the actor */
	sva_actor_exited_(a);
	sva_sim_exit(a);
}

int sva_sim_spawn(struct sva_actor *a)
{
	struct sva_sched *s = a->w->sched;
	int ret;

	if (!sva_alloc_account(a->w, &sva_obj_fiber_stack, 1))
		return -ENOMEM;
	a->point_id = SVA_FP_NONE;
	sva_por_touch(s, SVA_FP_SCHED); /* the actor list, and the ids of later spawns */
	sva_tsan_release(a);
	ret = sva_fiber_create(&a->fiber, s->stack_size, s->stacks, sva_sim_actor_main, a);
	if (ret) {
		sva_alloc_account(a->w, &sva_obj_fiber_stack, -1);
		return ret;
	}
	a->fiber.tsan_flags = s->main_fiber.tsan_flags;
	/*
	 * A daemon (a worker, an engine) spawned from outside starts now and runs until it waits
	 * for work: the order in which idle daemons reach their first wait is not a choice worth
	 * exploring, and leaving them runnable would make every later step a decision.
	 */
	if (!s->current && (a->flags & SVA_ACTOR_DAEMON)) {
		s->eager = a;
		sva_sim_switch(s, NULL, a, false);
	}
	return 0;
}

void sva_sim_exit(struct sva_actor *a)
{
	struct sva_sched *s = a->w->sched;

	s->zombie = a;
	s->steps++;
	sva_tsan_release(a); /* the end of the thread, for its joiner (pthread_join) */
	sva_por_step_end(s);
	sva_sim_switch(s, a, sva_sim_pick(s, a), true);
	__builtin_unreachable();
}

void sva_sim_free_actor(struct sva_actor *a)
{
	if (a->fiber.map) {
		sva_fiber_destroy(&a->fiber);
		sva_alloc_account(a->w, &sva_obj_fiber_stack, -1);
	}
}

/* Append "name (what at site, holding ...)" for one blocked actor. */
static size_t sva_sim_describe_blocked(struct sva_actor *a, char *buf, size_t len)
{
	struct sva_mutex *m;
	size_t off = 0;
	int r;

	r = snprintf(buf, len, "%s%s blocked on %s at %s",
		     a->flags & SVA_ACTOR_DAEMON ? "[daemon] " : "", a->name,
		     a->block_what ? a->block_what : "?", a->block_site ? a->block_site : "?");
	off = r > 0 ? (size_t)r : 0;
	sva_list_for_each_entry(m, &a->held, held) {
		if (off >= len)
			break;
		r = snprintf(buf + off, len - off, ", holding mutex %s taken at %s", m->name,
			     m->owner_site);
		off += r > 0 ? (size_t)r : 0;
	}
	return off < len ? off : len;
}

static bool sva_sim_nondaemon_blocked(struct sva_sched *s)
{
	struct sva_actor *a;

	sva_list_for_each_entry(a, &s->actors, node)
		if (atomic_load(&a->state) == SVA_ACTOR_BLOCKED && !(a->flags & SVA_ACTOR_DAEMON))
			return true;
	return false;
}

int sva_sim_report_deadlock(struct sva_sched *s, const char *waiter)
{
	char msg[900];
	size_t off = 0;
	struct sva_actor *a;

	msg[0] = '\0';
	if (waiter)
		off = (size_t)snprintf(msg, sizeof(msg), "%s", waiter);
	sva_list_for_each_entry(a, &s->actors, node) {
		if (atomic_load(&a->state) != SVA_ACTOR_BLOCKED || off + 2 >= sizeof(msg))
			continue;
		if (off)
			off += (size_t)snprintf(msg + off, sizeof(msg) - off, "; ");
		off += sva_sim_describe_blocked(a, msg + off, sizeof(msg) - off);
	}
	sva_report(s->w, SVA_REPORT_DEADLOCK, "every live actor is blocked: %s", msg);
	s->deadlocked = true;
	return -EDEADLK;
}

int sva_sim_run_idle(struct sva_sched *s)
{
	struct sva_actor *next;

	if (s->deadlocked)
		return -EDEADLK;
	next = sva_sim_pick(s, NULL);
	if (next)
		sva_sim_switch(s, NULL, next, false);
	return sva_world_stopped(s->w) ? -ECANCELED : 0;
}

int sva_sim_drive(struct sva_sched *s)
{
	int ret = sva_sim_run_idle(s);

	if (ret == 0 && sva_sim_nondaemon_blocked(s))
		ret = sva_sim_report_deadlock(s, NULL);
	return ret;
}
