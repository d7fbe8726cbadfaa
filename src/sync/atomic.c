/* SPDX-License-Identifier: MIT */
/*
 * Atomic counters and refcount_t.
 *
 * Each operation is a scheduling point in sim, so races between gets and puts (mmget_not_zero
 * against the last mmput, say) are explored like any lock.
 *
 * refcount_t keeps the kernel's semantics: an increment from zero (use after free), an
 * increment past the maximum and a decrement below zero are reported and the count is parked
 * at SVA_REFCOUNT_SATURATED, where it stays: it never wraps and never reaches zero again, so a
 * misused object leaks instead of being freed twice.
 *
 * An operation on a counter inside a freed object (sim: its memory is quarantined and
 * poisoned, see src/base/alloc.c) is reported as a use after free and changes nothing: reads
 * and updates of it give SVA_REFCOUNT_SATURATED, tests and gets fail.
 */
#include <limits.h>

#include "sched.h"

void sva_atomic_init(struct sva_world *w, struct sva_atomic *a, long v)
{
	a->w = w;
	a->por_id = sva_por_new_id(w);
	atomic_init(&a->v, v);
}

/* The scheduling point of an operation; true when the counter lies in a freed object. */
static bool sva_atomic_point_freed(struct sva_atomic *a, const char *op)
{
	return sva_obj_point_freed_on(&a->w, &a->por_id, op);
}

long sva_atomic_read(struct sva_atomic *a)
{
	if (sva_atomic_point_freed(a, "atomic_read"))
		return SVA_REFCOUNT_SATURATED;
	return atomic_load(&a->v);
}

void sva_atomic_set(struct sva_atomic *a, long v)
{
	if (sva_atomic_point_freed(a, "atomic_set"))
		return;
	atomic_store(&a->v, v);
}

long sva_atomic_add_return(struct sva_atomic *a, long d)
{
	if (sva_atomic_point_freed(a, "atomic_add_return"))
		return SVA_REFCOUNT_SATURATED;
	return atomic_fetch_add(&a->v, d) + d;
}

long sva_atomic_cmpxchg(struct sva_atomic *a, long old, long new_value)
{
	if (sva_atomic_point_freed(a, "atomic_cmpxchg"))
		return SVA_REFCOUNT_SATURATED;
	atomic_compare_exchange_strong(&a->v, &old, new_value);
	return old;
}

bool sva_atomic_add_unless(struct sva_atomic *a, long d, long u)
{
	long v;

	if (sva_atomic_point_freed(a, "atomic_add_unless"))
		return false;
	v = atomic_load(&a->v);
	do {
		if (v == u)
			return false;
	} while (!atomic_compare_exchange_weak(&a->v, &v, v + d));
	return true;
}

/* ---- refcount_t ---- */

void sva_refcount_init(struct sva_world *w, struct sva_refcount *r, const char *name, long v)
{
	sva_atomic_init(w, &r->a, v);
	r->name = name ? name : "refcount";
}

/* Not scheduling points, but they use the count: part of the step's footprint. */
long sva_refcount_read(struct sva_refcount *r)
{
	if (sva_obj_freed(&r->a.w, "refcount_read"))
		return SVA_REFCOUNT_SATURATED;
	if (r->a.w->sched->sim)
		sva_por_touch(r->a.w->sched, r->a.por_id);
	return atomic_load(&r->a.v);
}

void sva_refcount_set(struct sva_refcount *r, long v)
{
	if (r->a.w->sched->sim)
		sva_por_touch(r->a.w->sched, r->a.por_id);
	atomic_store(&r->a.v, v);
}

static void sva_refcount_saturate(struct sva_refcount *r, const char *what)
{
	atomic_store(&r->a.v, SVA_REFCOUNT_SATURATED);
	sva_report(r->a.w, SVA_REPORT_REFCOUNT, "refcount %s: %s; saturated", r->name, what);
}

/* Returned by sva_refcount_add() for a count in a freed object (reported): no count is. */
#define SVA_REFCOUNT_FREED_ LONG_MIN

/* Add @d (+1/-1) unless the count is saturated (or freed); returns the old value. */
static long sva_refcount_add(struct sva_refcount *r, long d, bool unless_zero, const char *op)
{
	long old;

	if (sva_obj_point_freed_on(&r->a.w, &r->a.por_id, op))
		return SVA_REFCOUNT_FREED_;
	old = atomic_load(&r->a.v);
	do {
		if (old < 0 || (unless_zero && old == 0))
			return old;
	} while (!atomic_compare_exchange_weak(&r->a.v, &old, old + d));
	return old;
}

void sva_refcount_inc(struct sva_refcount *r)
{
	long old = sva_refcount_add(r, 1, false, "refcount_inc");

	if (old == SVA_REFCOUNT_FREED_)
		return;
	if (old == 0)
		sva_refcount_saturate(r, "increment on 0 (use after free)");
	else if (old < 0 || old == SVA_REFCOUNT_MAX)
		sva_refcount_saturate(r, "increment overflow");
}

bool sva_refcount_inc_not_zero(struct sva_refcount *r)
{
	long old = sva_refcount_add(r, 1, true, "refcount_inc_not_zero");

	if (old == SVA_REFCOUNT_FREED_)
		return false;
	if (old < 0 || old == SVA_REFCOUNT_MAX)
		sva_refcount_saturate(r, "increment overflow");
	return old != 0;
}

bool sva_refcount_dec_and_test(struct sva_refcount *r)
{
	long old = sva_refcount_add(r, -1, true, "refcount_dec_and_test");

	if (old == SVA_REFCOUNT_FREED_)
		return false;
	if (old == 0)
		sva_refcount_saturate(r, "decrement below 0 (underflow)");
	return old == 1;
}

void sva_refcount_dec(struct sva_refcount *r)
{
	long old = sva_refcount_add(r, -1, true, "refcount_dec");

	if (old == SVA_REFCOUNT_FREED_)
		return;
	if (old == 0)
		sva_refcount_saturate(r, "decrement below 0 (underflow)");
	else if (old == 1)
		sva_refcount_saturate(r, "decrement hit 0 (leaking memory)");
}
