/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker: shadow state fed by the events every layer emits (it subscribes to the
 * world's trace; no layer calls it), checking the invariants of the architecture continuously:
 *
 *   I1 uniqueness       a PASID belongs to at most one mm at a time;
 *   I2 no early reuse   a PASID returns to the allocator only when no device holds an entry or
 *                       a pending page request for it;
 *   I4 no leaks         at quiescence every object is freed (sva_checker_finish);
 *   I5 refcount sanity  no count is misused (the world's refcount reports);
 *   I6 liveness         every page-request group is answered exactly once; no deadlock;
 *   I7 quiet teardown   between release and unbind, faults are not reported as errors.
 * (I3, isolation, needs every DMA access checked against the mm: it comes with the engine.)
 *
 * A violation is a report of kind SVA_REPORT_INVARIANT whose text starts with the invariant
 * ("I2 no early reuse: PASID 5 freed while acc0 still holds it (translating)"), so the explorer
 * fails the schedule and prints it with the schedule that led there.
 */
#ifndef SVA_CHECK_H
#define SVA_CHECK_H

#include "sva/base.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sva_checker;

enum sva_invariant {
	SVA_I1_UNIQUENESS = 1,
	SVA_I2_NO_EARLY_REUSE,
	SVA_I3_ISOLATION,
	SVA_I4_NO_LEAKS,
	SVA_I5_REFCOUNT,
	SVA_I6_LIVENESS,
	SVA_I7_QUIET_TEARDOWN,
	SVA_INVARIANT_NR
};

/* Start checking @w (subscribes to its events). */
int sva_checker_attach(struct sva_world *w, struct sva_checker **out);
void sva_checker_detach(struct sva_checker *c);
/* At quiescence: the end-of-run invariants (I4 leaks, I6 unanswered groups). */
void sva_checker_finish(struct sva_checker *c);
unsigned long sva_checker_violations(struct sva_checker *c, enum sva_invariant inv);
unsigned long sva_checker_events(struct sva_checker *c);
const char *sva_invariant_name(enum sva_invariant inv);

#ifdef __cplusplus
}
#endif

#endif /* SVA_CHECK_H */
