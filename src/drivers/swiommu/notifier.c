/* SPDX-License-Identifier: MIT */
/*
 * The SVA domain's mmu notifier: how the swiommu follows the mm it translates through.
 *
 *  - invalidate(start, end): the mm changed translations of [start, end) (munmap, mprotect,
 *    copy-on-write, reclaim) and will free the pages and table pages only after we return.
 *    Flush the IOTLB and the ATCs for every (device, PASID) the domain is attached to - the
 *    whole PASID above cfg.flush_all_pages - then wait for walks and DMA in flight on those
 *    devices, so nothing touches a frame after its invalidation completed.
 *  - release: exit_mmap, before any page or table is freed. Every entry of the domain becomes
 *    blocking-silent (DMA aborted, nothing reported: the process is gone, its device may not
 *    know yet), the caches are flushed, walks and DMA waited for. The domain stays attached
 *    until the driver of the device unbinds; the PASID stays allocated (reference §5).
 *  - free_notifier: after mmu_notifier_put and its grace period, free the domain's memory.
 *
 * Under the mm-exit-callback variant (before 2020), release first calls each attached device's
 * mm_exit, with no lock of ours held: the driver stops its queues there and waits for them,
 * from whatever context dropped the last mm_users - which is how that design deadlocked.
 *
 * Context: callbacks run with the mm's notifier list held for read, invalidate maybe under
 * mmap_lock. Lock order: mmap_lock -> notifier list -> domain lock -> (see domain.c).
 */
#include "internal.h"

static struct sva_sw_domain *sva_sw_domain_of_mn(struct sva_mmu_notifier *mn)
{
	return sva_container_of(mn, struct sva_sw_domain, mn);
}

static void sva_sw_mn_invalidate(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t start,
				 uint64_t end)
{
	struct sva_sw_domain *sd = sva_sw_domain_of_mn(mn);

	if (sva_world_broken(sva_mm_world(mm), SVA_BREAK_KEEP_IOTLB))
		return; /* the defect a test of the checker (I3) must catch */
	sva_mutex_lock(&sd->lock);
	sva_sw_domain_flush_locked(sd, start, end);
	sva_mutex_unlock(&sd->lock);
}

/* mm-exit-callback: the drivers' mm_exit for every (device, PASID) of the domain. */
static void sva_sw_mn_mm_exit(struct sva_sw_domain *sd)
{
	struct {
		struct sva_device *dev;
		uint32_t pasid;
	} exits[8];
	struct sva_pasid_entry *e;
	unsigned n = 0;

	sva_mutex_lock(&sd->lock);
	sva_glist_for_each_entry(e, &sd->attached, node) {
		if (n < 8 && e->sdev->dev->mm_exit)
			exits[n++] = (typeof(exits[0])){ e->sdev->dev, e->pasid };
	}
	sva_mutex_unlock(&sd->lock);
	for (unsigned i = 0; i < n; i++)
		exits[i].dev->mm_exit(exits[i].dev, exits[i].pasid);
}

static void sva_sw_mn_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	struct sva_sw_domain *sd = sva_sw_domain_of_mn(mn);
	struct sva_pasid_entry *e;

	if (sva_world_variant(sd->w) == SVA_VARIANT_MM_EXIT_CALLBACK)
		sva_sw_mn_mm_exit(sd);
	sva_mutex_lock(&sd->lock);
	/* first: a walker that sees a translating entry still checks this before walking */
	atomic_store(&sd->released, true);
	sva_glist_for_each_entry(e, &sd->attached, node) {
		if (sva_pasid_word_state(sva_pasid_entry_word(e)) == SVA_PASID_ENTRY_TRANSLATING)
			sva_pasid_entry_set(&e->sdev->table, e, SVA_PASID_ENTRY_BLOCKING_SILENT,
					    &sd->dom);
		sva_sw_flush(e->sdev, sd->dom.id, e->pasid, 0, SVA_SW_FLUSH_WHOLE);
		sva_trace(sd->w, SWIOMMU_RELEASE, e->sdev->dev->name, e->pasid, sva_mm_id(mm));
	}
	sva_glist_for_each_entry(e, &sd->attached, node)
		sva_inflight_sync(&e->sdev->inflight);
	sva_mutex_unlock(&sd->lock);
}

static void sva_sw_mn_free(struct sva_mmu_notifier *mn)
{
	sva_sw_domain_free_notifier(sva_sw_domain_of_mn(mn));
}

const struct sva_mmu_notifier_ops sva_sw_mn_ops = {
	.release = sva_sw_mn_release,
	.invalidate = sva_sw_mn_invalidate,
	.free_notifier = sva_sw_mn_free,
};
