/* SPDX-License-Identifier: MIT */
/*
 * In-flight sections of a device and the wait of an invalidation for them (see inflight.h).
 *
 * Lock order: sync lock -> walk wait queue; then the dma rw-semaphore (not nested in them).
 * Walkers take no lock; they wake the wait queue only when a synchroniser waits.
 */
#include "inflight.h"
#include "iotlb.h"

void sva_inflight_init(struct sva_inflight *f, struct sva_world *w, struct sva_iotlb *iotlb)
{
	f->w = w;
	f->iotlb = iotlb;
	f->por_id = sva_por_object(w);
	sva_rwsem_init(w, &f->dma, "dma_inflight");
	atomic_init(&f->walkers[0], 0);
	atomic_init(&f->walkers[1], 0);
	atomic_init(&f->idx, 0);
	atomic_init(&f->waiting, 0);
	sva_waitq_init(w, &f->wq, "iommu_walks");
	sva_mutex_init(w, &f->sync_lock, "iommu_walk_sync");
}

void sva_inflight_destroy(struct sva_inflight *f)
{
	sva_mutex_destroy(&f->sync_lock);
	sva_waitq_destroy(&f->wq);
	sva_rwsem_destroy(&f->dma);
}

void sva_inflight_walk_wake_(struct sva_inflight *f)
{
	sva_wake_up(&f->wq);
}

/* The walkers counted in @old are gone (a wait_event condition: no scheduling point). */
static bool sva_inflight_drained(struct sva_inflight *f, unsigned old)
{
	sva_por_access(f->w, f->por_id);
	return atomic_load_explicit(&f->walkers[old], memory_order_seq_cst) == 0;
}

/*
 * Flip the index and wait for the old counter to drain. Done twice, each counter is seen at
 * zero once after the caller's change: a walker counted in it after that moment was counted
 * after the change (seq_cst), so it reads the new state; one counted before is waited for.
 */
static void sva_inflight_walk_sync(struct sva_inflight *f)
{
	sva_mutex_lock(&f->sync_lock);
	sva_por_access(f->w, f->por_id);
	atomic_fetch_add_explicit(&f->waiting, 1, memory_order_seq_cst);
	for (int round = 0; round < 2; round++) {
		unsigned old;

		sva_por_access(f->w, f->por_id);
		old = atomic_fetch_xor_explicit(&f->idx, 1, memory_order_seq_cst) & 1;
		sva_wait_event(&f->wq, sva_inflight_drained(f, old));
	}
	sva_por_access(f->w, f->por_id);
	atomic_fetch_sub_explicit(&f->waiting, 1, memory_order_seq_cst);
	sva_mutex_unlock(&f->sync_lock);
}

void sva_inflight_sync(struct sva_inflight *f)
{
	sva_inflight_walk_sync(f);
	if (f->iotlb)
		sva_iotlb_sync_walks(f->iotlb);
	sva_down_write(&f->dma);
	sva_up_write(&f->dma);
}
