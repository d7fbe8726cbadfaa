/* SPDX-License-Identifier: MIT */
/*
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * ASPLOS 2010), as a policy of the sim scheduler: sva_sim_pick() asks sva_pct_choose() at
 * every decision that is not replayed.
 *
 * Every actor gets a random priority when the scheduler first sees it runnable (actors are
 * spawned as the run goes: forks, workers); d - 1 change points are drawn uniformly among the
 * k decisions the run is expected to take (world config pct_depth = d, pct_steps = k). The
 * highest-priority runnable actor always runs; at change point i the actor that ran the step
 * before it drops to priority i, below every initial priority (so change points taken later
 * in the list of points leave their actor above the earlier ones'). A bug of depth d - one
 * that needs d ordering constraints between steps - is then found by one run with probability
 * at least 1 / (n k^(d-1)) for n actors (the paper's theorem; docs/concurrency.md).
 *
 * PCT's strict priorities are unfair, and the model's programs rely on a little fairness
 * where they say so: a yield (sva_yield, sva_msleep) means "I cannot progress alone, let time
 * pass" - a poller waiting for an engine, a scenario's yield(N) before it kills a busy
 * process. Under strict priorities a high-priority poller would spin while what it waits for
 * starves, and a low-priority one would wait for every busy actor above it to end (a
 * 100,000-copy stream: millions of steps). So a yield is a short sleep: the yielder is left
 * out for the next SVA_PCT_YIELD_DECISIONS decisions (unless nothing else can run), then it
 * is woken the way a timer wakes a task - it runs at the next decision, ahead of the
 * priorities, and goes on with its own priority after that step. And no runnable actor waits
 * longer than max(2k, SVA_PCT_MIN_STARVE) decisions (a change point can drop the process that
 * is to kill the busy one below it): the most starved runs for a step. A window PCT aims at
 * lies within one run of k decisions; starving an actor for two runs' length reaches nothing
 * more, and the runs stay about as long as the scenario means them to be.
 *
 * The run's decisions are recorded as any other's: its schedule string replays it without PCT.
 * Everything here is a function of the seed and the decisions so far: deterministic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

#define SVA_PCT_MAX_DEPTH	64
/* Initial priorities are at least this: above every change point's (1 .. d-1). */
#define SVA_PCT_BASE		(1ll << 40)
/* How long a yield sleeps, in decisions the others take. */
#define SVA_PCT_YIELD_DECISIONS 32
/* The least starvation bound, in decisions (2k for longer runs). */
#define SVA_PCT_MIN_STARVE	256

/* What PCT knows of one actor. */
struct sva_pct_actor {
	int64_t prio;	   /* 0 = not seen yet */
	uint64_t wake_at;  /* yielded: left out until this decision; 0 = not sleeping */
	uint64_t last_ran; /* the decision that last chose it (or first saw it) */
};

struct sva_pct {
	unsigned depth;
	uint64_t steps;			    /* k */
	uint64_t starve;		    /* no runnable actor waits longer than this */
	uint64_t rng;			    /* splitmix64 state */
	uint64_t change[SVA_PCT_MAX_DEPTH]; /* decision index of change point i + 1 */
	struct sva_pct_actor *actors;	    /* by actor id */
	size_t nactors;
};

/* Who runs first: the lowest class, then the lowest key (see sva_pct_rank). */
struct sva_pct_rank {
	unsigned cls;
	uint64_t key;
};

static uint64_t sva_pct_random(struct sva_pct *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int sva_pct_create(struct sva_sched *s, const struct sva_world_config *config)
{
	struct sva_pct *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->depth = config->pct_depth < SVA_PCT_MAX_DEPTH ? config->pct_depth : SVA_PCT_MAX_DEPTH;
	p->steps = config->pct_steps ? config->pct_steps : 1;
	p->starve = 2 * p->steps > SVA_PCT_MIN_STARVE ? 2 * p->steps : SVA_PCT_MIN_STARVE;
	p->rng = config->seed ^ 0x5043545043545043ull; /* "PCT": not the random policy's stream */
	for (unsigned i = 0; i + 1 < p->depth; i++)
		p->change[i] = sva_pct_random(p) % p->steps;
	s->pct = p;
	return 0;
}

void sva_pct_destroy(struct sva_sched *s)
{
	if (!s->pct)
		return;
	free(s->pct->actors);
	free(s->pct);
	s->pct = NULL;
}

/*
 * What PCT knows of @a, its priority drawn at first sight (decision @n); NULL when out of
 * memory (@a then ranks last).
 */
static struct sva_pct_actor *sva_pct_seen(struct sva_pct *p, const struct sva_actor *a, uint64_t n)
{
	struct sva_pct_actor *pa;

	if ((size_t)a->id >= p->nactors) {
		size_t len = (size_t)a->id * 2 + 8;
		struct sva_pct_actor *v = realloc(p->actors, len * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + p->nactors, 0, (len - p->nactors) * sizeof(*v));
		p->actors = v;
		p->nactors = len;
	}
	pa = &p->actors[a->id];
	if (!pa->prio) { /* random in [BASE, 2^62): distinct, with overwhelming odds */
		pa->prio =
			SVA_PCT_BASE + (int64_t)(sva_pct_random(p) % ((1ull << 62) - SVA_PCT_BASE));
		pa->last_ran = n;
	}
	return pa;
}

/* Decision @n is change point i + 1 for every i drawn there: lower @cur to i + 1. */
static void sva_pct_change_points(struct sva_pct *p, const struct sva_actor *cur, uint64_t n)
{
	for (unsigned i = 0; cur && i + 1 < p->depth; i++) {
		struct sva_pct_actor *pa;

		if (p->change[i] != n)
			continue;
		pa = sva_pct_seen(p, cur, n);
		if (pa)
			pa->prio = (int64_t)i + 1;
	}
}

/*
 * @pa's rank at decision @n: a yielder whose sleep is over (the earliest first), then the
 * most starved, then the awake by priority, then the sleeper that wakes first.
 */
static struct sva_pct_rank sva_pct_rank(const struct sva_pct *p, const struct sva_pct_actor *pa,
					uint64_t n)
{
	if (pa->wake_at && pa->wake_at <= n)
		return (struct sva_pct_rank){ 0, pa->wake_at };
	if (pa->wake_at)
		return (struct sva_pct_rank){ 3, pa->wake_at };
	if (n - pa->last_ran > p->starve)
		return (struct sva_pct_rank){ 1, pa->last_ran };
	return (struct sva_pct_rank){ 2, (uint64_t)INT64_MAX - (uint64_t)pa->prio };
}

static bool sva_pct_before(struct sva_pct_rank a, struct sva_pct_rank b)
{
	return a.cls != b.cls ? a.cls < b.cls : a.key < b.key;
}

struct sva_actor *sva_pct_choose(struct sva_sched *s, struct sva_actor *cur, bool yielding)
{
	struct sva_pct *p = s->pct;
	struct sva_pct_rank br = { 4, 0 };
	struct sva_pct_actor *bp = NULL;
	struct sva_actor *a, *best = NULL;
	uint64_t n = s->ndecisions;

	sva_pct_change_points(p, cur, n);
	if (yielding && cur) {
		struct sva_pct_actor *pa = sva_pct_seen(p, cur, n);

		if (pa)
			pa->wake_at = n + SVA_PCT_YIELD_DECISIONS;
	}
	sva_list_for_each_entry(a, &s->actors, node) {
		struct sva_pct_actor *pa;
		struct sva_pct_rank r;

		if (atomic_load(&a->state) != SVA_ACTOR_RUNNABLE)
			continue;
		pa = sva_pct_seen(p, a, n);
		r = pa ? sva_pct_rank(p, pa, n) : (struct sva_pct_rank){ 4, 0 };
		if (!best || sva_pct_before(r, br)) {
			best = a;
			bp = pa;
			br = r;
		}
	}
	if (bp) { /* awake, and on with its own priority */
		bp->wake_at = 0;
		bp->last_ran = n;
	}
	return best;
}
