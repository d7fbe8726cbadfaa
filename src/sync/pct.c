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
 * A yield (sva_yield, sva_msleep: "I cannot progress alone") drops its actor below every other
 * priority, so a poller with a high priority does not spin while the actor it waits for
 * starves; each later yield goes below the earlier ones.
 *
 * The run's decisions are recorded as any other's: its schedule string replays it without PCT.
 * Everything here is a function of the seed and the decisions so far: deterministic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

#define SVA_PCT_MAX_DEPTH 64
/* Initial priorities are at least this: above every change point's (1 .. d-1). */
#define SVA_PCT_BASE	  (1ll << 40)

struct sva_pct {
	unsigned depth;
	uint64_t steps;			    /* k */
	uint64_t rng;			    /* splitmix64 state */
	uint64_t change[SVA_PCT_MAX_DEPTH]; /* decision index of change point i + 1 */
	int64_t *prio;			    /* by actor id; 0 = not seen yet */
	size_t nprio;
	int64_t lowest; /* the last yielder's priority; each yield goes below */
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
	free(s->pct->prio);
	free(s->pct);
	s->pct = NULL;
}

/* @id's priority slot, grown on demand; NULL when out of memory (the actor then ranks last). */
static int64_t *sva_pct_slot(struct sva_pct *p, int id)
{
	if ((size_t)id >= p->nprio) {
		size_t n = (size_t)id * 2 + 8;
		int64_t *a = realloc(p->prio, n * sizeof(*a));

		if (!a)
			return NULL;
		memset(a + p->nprio, 0, (n - p->nprio) * sizeof(*a));
		p->prio = a;
		p->nprio = n;
	}
	return &p->prio[id];
}

/* The priority of @a, drawn at first sight. */
static int64_t sva_pct_priority(struct sva_pct *p, const struct sva_actor *a)
{
	int64_t *slot = sva_pct_slot(p, a->id);

	if (!slot)
		return INT64_MIN;
	if (!*slot) /* random in [BASE, 2^62): distinct with overwhelming probability */
		*slot = SVA_PCT_BASE + (int64_t)(sva_pct_random(p) % ((1ull << 62) - SVA_PCT_BASE));
	return *slot;
}

/* Decision @n is change point i + 1 for every i drawn there: lower @cur to i + 1. */
static void sva_pct_change_points(struct sva_pct *p, const struct sva_actor *cur, uint64_t n)
{
	int64_t *slot;

	if (!cur)
		return;
	for (unsigned i = 0; i + 1 < p->depth; i++) {
		if (p->change[i] != n)
			continue;
		sva_pct_priority(p, cur); /* drawn anyway: later draws stay the same */
		slot = sva_pct_slot(p, cur->id);
		if (slot)
			*slot = (int64_t)i + 1;
	}
}

struct sva_actor *sva_pct_choose(struct sva_sched *s, struct sva_actor *cur, bool yielding)
{
	struct sva_pct *p = s->pct;
	struct sva_actor *a, *best = NULL;
	int64_t best_prio = INT64_MIN;

	sva_pct_change_points(p, cur, s->ndecisions);
	if (yielding && cur) {
		int64_t *slot;

		sva_pct_priority(p, cur); /* drawn anyway: later draws stay the same */
		slot = sva_pct_slot(p, cur->id);
		if (slot)
			*slot = --p->lowest;
	}
	sva_list_for_each_entry(a, &s->actors, node) {
		int64_t prio;

		if (atomic_load(&a->state) != SVA_ACTOR_RUNNABLE)
			continue;
		prio = sva_pct_priority(p, a);
		if (!best || prio > best_prio) {
			best = a;
			best_prio = prio;
		}
	}
	return best;
}
