/* SPDX-License-Identifier: MIT */
/*
 * A device's ATC (address translation cache, the "device TLB"): small and fully associative,
 * keyed by (PASID, virtual page number), filled from ATS translation completions, emptied by
 * the IOMMU's invalidations of that device's (PASID, range). Replacement: round-robin.
 *
 * As the IOTLB, a fill must not resurrect an invalidated translation: the ATC has a
 * generation, bumped before an invalidation empties anything; an ATS request reads it before
 * it translates and fills only if it did not move.
 *
 * Lock: the ATC spinlock, a leaf, around every lookup, fill and invalidation.
 *
 * Partial-order reduction (sim): the entries are named by the lock every reader and writer
 * takes; the generation, read lock-free by an ATS request, by an object of its own that the
 * request's read, a fill's comparison and an invalidation's bump (and its end) name.
 */
#ifndef SVA_SWIOMMU_ATC_H
#define SVA_SWIOMMU_ATC_H

#include <stdatomic.h>
#include <stdint.h>

#include "sva/swiommu.h"

struct sva_atc_entry {
	bool valid;
	uint32_t pasid;
	uint64_t vpn;
	struct sva_ats_completion c;
};

struct sva_atc {
	struct sva_world *w;
	struct sva_spinlock lock;
	unsigned n, next;	 /* entries; the next victim */
	struct sva_atc_entry *e; /* [n] */
	_Atomic uint64_t gen;
	uint32_t gen_por_id; /* POR (sim): @gen, bumped and read lock-free */
	/* under lock */
	uint64_t hits, fills, invalidations, valid;
};

#define SVA_ATC_MAX_ENTRIES 4096u
#define SVA_ATC_ALL	    UINT64_MAX /* npages: the whole PASID */

/* 0, -EINVAL (0 or too many entries), -ENOMEM. */
int sva_atc_init(struct sva_atc *atc, struct sva_world *w, unsigned entries);
void sva_atc_destroy(struct sva_atc *atc);

/* The generation an ATS request reads before it translates (named: POR). */
static inline uint64_t sva_atc_gen(struct sva_atc *atc)
{
	if (__builtin_expect(atc->gen_por_id != 0, 0))
		sva_por_access(atc->w, atc->gen_por_id);
	return atomic_load_explicit(&atc->gen, memory_order_acquire);
}

/* The cached completion of (@pasid, @vpn): true and @out on a hit. */
bool sva_atc_find(struct sva_atc *atc, uint32_t pasid, uint64_t vpn,
		  struct sva_ats_completion *out);
/* Cache @c for (@pasid, @vpn) unless an invalidation ran since @gen was read. */
bool sva_atc_fill(struct sva_atc *atc, uint32_t pasid, uint64_t vpn,
		  const struct sva_ats_completion *c, uint64_t gen);
/* Drop (@pasid, [@vpn, @vpn + @npages)); SVA_ATC_ALL: every page of @pasid. */
void sva_atc_invalidate(struct sva_atc *atc, uint32_t pasid, uint64_t vpn, uint64_t npages);

#endif /* SVA_SWIOMMU_ATC_H */
