/* SPDX-License-Identifier: MIT */
/*
 * Partial-order reduction, the sim's half: step footprints and sleep sets.
 *
 * The explorer runs each schedule in a fresh world, so the sleep set of a decision cannot be
 * kept from one run to the next: it is recomputed during the replay of the prefix. At each
 * decision of the prefix the alternatives explored there before (struct sva_por_plan) fall
 * asleep with the footprint their step had then; every step that ends wakes the sleepers it
 * conflicts with. The scheduler never picks a sleeping actor, and a run that reaches a point
 * where every runnable actor sleeps is redundant: every continuation from there is
 * equivalent to one explored already: sva_sim_pick abandons it - the run goes on settled, as
 * after sva_world_run() (nothing recorded, nobody asleep), so that the program's check and
 * teardown see a finished world, and the explorer ignores its verdict.
 *
 * Soundness rests on the model being data-race free between scheduling points with respect
 * to the objects footprints name; see docs/concurrency.md for the relation and its limits.
 */
#include "sched.h"

void sva_por_touch_(struct sva_sched *s, uint32_t id)
{
	struct sva_footprint *fp = &s->fp;

	if (fp->full)
		return;
	if (id == SVA_FP_ALL_ID || id == SVA_FP_POINT_ALL) {
		fp->all = true;
		return;
	}
	for (unsigned i = 0; i < fp->n; i++)
		if (fp->obj[i] == id)
			return;
	if (fp->n == SVA_FP_OBJS) {
		fp->all = fp->full = true; /* too many to tell: conservative */
		return;
	}
	fp->obj[fp->n++] = id;
}

static bool sva_fp_guarded(uint32_t id)
{
	return id != SVA_FP_SCHED && (id & (SVA_FP_GUARDED | SVA_FP_ACTOR(0)));
}

static bool sva_fp_names(const struct sva_footprint *fp, uint32_t id)
{
	for (unsigned i = 0; i < fp->n; i++)
		if (fp->obj[i] == id)
			return true;
	return false;
}

/* @all touches every unguarded object and the guarded ones it names: does it meet @b? */
static bool sva_fp_all_meets(const struct sva_footprint *all, const struct sva_footprint *b)
{
	for (unsigned j = 0; j < b->n; j++)
		if (!sva_fp_guarded(b->obj[j]) || sva_fp_names(all, b->obj[j]))
			return true;
	return false;
}

static bool sva_fp_conflict(const struct sva_footprint *a, const struct sva_footprint *b)
{
	if (a->full || b->full || (a->all && b->all))
		return true;
	if (a->all)
		return sva_fp_all_meets(a, b);
	if (b->all)
		return sva_fp_all_meets(b, a);
	for (unsigned j = 0; j < b->n; j++)
		if (sva_fp_names(a, b->obj[j]))
			return true;
	return false;
}

void sva_sim_por_start(struct sva_sched *s, const struct sva_por_plan *plan)
{
	s->por = true;
	s->plan = plan;
	s->fp_decision = -1;
}

void sva_por_step_begin(struct sva_sched *s, struct sva_actor *a)
{
	if (!s->por)
		return;
	s->fp.all = s->fp.full = false;
	s->fp.n = 0;
	s->fp.obj[s->fp.n++] = SVA_FP_ACTOR(a->id);
	if (a->point_id != SVA_FP_NONE)
		sva_por_touch_(s, a->point_id);
}

void sva_por_step_end(struct sva_sched *s)
{
	uint64_t m;

	if (!s->por)
		return;
	for (m = s->sleep_mask; m; m &= m - 1) {
		int id = __builtin_ctzll(m);

		if (sva_fp_conflict(&s->fp, &s->sleep_fp[id]))
			s->sleep_mask &= ~(1ull << id);
	}
	if (s->fp_decision >= 0 && (size_t)s->fp_decision < s->ndecisions)
		s->decisions[s->fp_decision].fp = s->fp;
	s->fp_decision = -1;
}

void sva_por_decision(struct sva_sched *s)
{
	const struct sva_por_plan *p = s->plan;
	size_t i = s->ndecisions;

	if (!p || i >= p->ndecisions)
		return;
	for (uint32_t k = p->first[i]; k < p->first[i] + p->n[i]; k++) {
		const struct sva_sleeper *z = &p->done[k];

		if (z->actor < 0 || z->actor >= 64)
			continue;
		s->sleep_mask |= 1ull << z->actor;
		s->sleep_fp[z->actor] = z->fp;
	}
}

bool sva_por_asleep(const struct sva_sched *s, const struct sva_actor *a)
{
	return s->por && !s->settled && a->id >= 0 && a->id < 64 &&
	       (s->sleep_mask & (1ull << a->id));
}

void sva_por_abandon(struct sva_sched *s)
{
	s->redundant = true;
	s->settled = true;
}
