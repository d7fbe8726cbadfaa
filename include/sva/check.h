/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker: shadow state fed by the events every layer emits (it subscribes to the
 * world's trace; no layer calls it; the events are those of sva/events.h, told apart by kind),
 * checking the invariants of the architecture continuously:
 *
 *   I1 uniqueness       a PASID belongs to at most one owner at a time;
 *   I2 no early reuse   a PASID returns to the allocator only when no device holds an entry or
 *                       a pending page request for it; a PASID's owner is (mm, generation),
 *                       the generation counting the allocations of PASIDs, and every page
 *                       request and descriptor carries the generation it was issued under:
 *                       a request reported, handled or answered, or a descriptor completed,
 *                       under a later generation or after the PASID was freed, or a request
 *                       reported or answered after that device's last unbind of the PASID,
 *                       is a violation;
 *   I3 isolation        every DMA access goes through a translating entry set up for the
 *                       PASID's owner now (mm and generation), was issued under that
 *                       generation, and reaches exactly the frame the owner's page table maps
 *                       at the VA with the access's permission (a read-only query of the table
 *                       at the access; a stale IOTLB or ATC entry after munmap, mprotect, a
 *                       CoW break, reclaim or exit_mmap is caught, while a change of the table
 *                       is still being invalidated the old translation is allowed); any
 *                       access after release fails the entry test; after a device's last
 *                       unbind of a PASID, its entry is gone; an ENQCMD's PASID (from the
 *                       task's IA32_PASID register) is that of the task's own mm;
 *   I4 no leaks         at quiescence every object is freed (sva_checker_finish);
 *   I5 refcount sanity  no count is misused (the world's refcount reports); no fault is
 *                       served on an mm after its last user went (exit_mmap started);
 *   I6 liveness         every page-request group is answered exactly once; no deadlock; once
 *                       every process is reaped, every mm has been torn down;
 *   I7 quiet teardown   between release and unbind, faults are not reported as errors.
 *
 * Descriptors carry the generation of the PASID's owner when the accelerator accepted them:
 * one completed, aborted or whose record is written under a later generation, or after the
 * PASID's free, is an I2 violation, and its DMA is judged for that generation (I3).
 * The shadow sets are hash tables: each event is judged in constant time. Not judged as events
 * of their own: IOTLB/ATC fills (a stale entry is caught when a DMA uses it).
 *
 * A violation is a report of kind SVA_REPORT_INVARIANT whose text starts with the invariant
 * ("I2 no early reuse: PASID 5 freed while acc0 still holds it (translating)"), so the explorer
 * fails the schedule and prints it with the schedule that led there.
 */
#ifndef SVA_CHECK_H
#define SVA_CHECK_H

#include "sva/api.h"
#include "sva/base.h"

SVA_BEGIN_DECLS

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
/* Stop the run (sva_world_stop) at the first violation; off by default. */
void sva_checker_stop_on_violation(struct sva_checker *c, bool stop);
/* Every process has been reaped, devices still present: I6 (answered groups, mms torn down). */
void sva_checker_quiesce(struct sva_checker *c);
/* At the very end, everything destroyed: I4 leaks, I6 unanswered groups. */
void sva_checker_finish(struct sva_checker *c);
unsigned long sva_checker_violations(struct sva_checker *c, enum sva_invariant inv);
unsigned long sva_checker_events(struct sva_checker *c);
/* Events of @kind seen so far. */
unsigned long sva_checker_events_of(struct sva_checker *c, enum sva_event kind);
/*
 * One fact of the model's own accounting at quiescence, read by whoever knows the layers (the
 * scenario runner's audit: the checker sees only events): @got, what @object's query says of
 * @what, must be @want - else a violation of @inv naming both. True when it was.
 */
bool sva_checker_audit(struct sva_checker *c, enum sva_invariant inv, const char *object,
		       const char *what, uint64_t got, uint64_t want);
const char *sva_invariant_name(enum sva_invariant inv);

SVA_END_DECLS

#endif /* SVA_CHECK_H */
