/* SPDX-License-Identifier: MIT */
/*
 * What a device has in flight, and how an invalidation waits for it. Two kinds of section:
 *
 *  - DMA sections (sva_dma_begin / sva_dma_end, and each page of the DMA helpers): the device
 *    uses frames it translated. A per-device rw-semaphore: DMA holds it for read; whoever
 *    invalidates takes it for write and releases it at once, which returns only after every
 *    section that began before has ended (writers are preferred, so it is not starved). In
 *    sim, both are scheduling points, so the explorer interleaves DMA with invalidations.
 *
 *  - walk sections: the IOMMU reading a PASID entry's domain and walking its page table on an
 *    IOTLB miss, and in native the DMA helpers' and DMA runs' own sections. They must be
 *    waited for too (a table page is freed after the invalidation, the tables of an exited mm
 *    after release, a domain after its detach), but sva_translate() runs inside or outside DMA
 *    sections and the rw-semaphore does not nest, so walks use an SRCU-like pair of counters:
 *    a walker increments the counter of the current index (one seq_cst read-modify-write each
 *    way); a synchroniser flips the index and waits for the old counter to drain, twice, so it
 *    waits for every walker that may have read state older than its change. Walkers never
 *    block. A walk known to run inside a DMA section (the DMA helpers' in sim) needs no walk
 *    section: the synchroniser waits for DMA sections after walks. (Session 7 gave each
 *    walking thread a slot of plain stores ordered by membarrier(2); measured against these
 *    counters it saved no time - a pthread_getspecific per section, more instructions per
 *    miss - and cost every invalidation a system call per device, so it went: docs/testing.md.)
 *    Since session 11 a native sva_translate() miss walks holding the lock of the IOTLB set
 *    it fills instead (translate.c: one exchange for section and fill, two read-modify-writes
 *    fewer), and the synchroniser also takes and releases every set it sees held
 *    (sva_iotlb_sync_walks()); sim and walks that call out keep the counters.
 *
 * sva_inflight_sync(): after changing translation state (page table, PASID entry) and
 * flushing the caches, wait for walks, then for DMA sections, that may have used the old
 * state. Might sleep: a mutex, a wait queue, the rw-semaphore.
 *
 * Lock order: (domain lock) -> sync lock -> the walk wait queue; (domain lock) -> an IOTLB set
 * lock (one at a time, a leaf); (domain lock) -> dma rw-semaphore. A DMA section takes no lock of
 * the kernel (mmap_lock, a domain's, the core's): an invalidation holding those waits for it.
 */
#ifndef SVA_SWIOMMU_INFLIGHT_H
#define SVA_SWIOMMU_INFLIGHT_H

#include <stdatomic.h>

#include "sva/sync.h"

struct sva_iotlb;

struct sva_inflight {
	struct sva_rwsem dma;
	struct sva_iotlb *iotlb; /* whose set locks are native walks' sections (translate.c) */
	atomic_long walkers[2];
	atomic_uint idx;
	atomic_uint waiting; /* synchronisers waiting for walkers: walkers wake them */
	struct sva_waitq wq;
	struct sva_mutex sync_lock;
	struct sva_world *w;
	uint32_t por_id; /* POR (sim): walkers, idx and waiting, lock-free on both sides */
};

void sva_inflight_init(struct sva_inflight *f, struct sva_world *w, struct sva_iotlb *iotlb);
void sva_inflight_destroy(struct sva_inflight *f);

static inline unsigned sva_inflight_walk_begin(struct sva_inflight *f)
{
	unsigned i;

	if (f->por_id)
		sva_por_access(f->w, f->por_id);
	i = atomic_load_explicit(&f->idx, memory_order_relaxed) & 1;
	/* seq_cst: ordered before the walker's reads of the PASID entry and the IOTLB gen */
	atomic_fetch_add_explicit(&f->walkers[i], 1, memory_order_seq_cst);
	return i;
}

void sva_inflight_walk_wake_(struct sva_inflight *f);

static inline void sva_inflight_walk_end(struct sva_inflight *f, unsigned i)
{
	if (f->por_id)
		sva_por_access(f->w, f->por_id);
	if (atomic_fetch_sub_explicit(&f->walkers[i], 1, memory_order_seq_cst) == 1 &&
	    atomic_load_explicit(&f->waiting, memory_order_seq_cst))
		sva_inflight_walk_wake_(f);
}

/*
 * Wait for walks (the counters' sections and the IOTLB's set-locked ones), then DMA sections,
 * that began before the call. Might sleep.
 */
void sva_inflight_sync(struct sva_inflight *f);

#endif /* SVA_SWIOMMU_INFLIGHT_H */
