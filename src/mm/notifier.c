/* SPDX-License-Identifier: MIT */
/*
 * mmu notifiers: how secondary MMUs (the IOMMU) follow an address space.
 *
 * The subscription list is protected by notifier_lock: callbacks (invalidate, release) run
 * with it held for read, so register / unregister, which take it for write, wait for callbacks
 * in flight - the role SRCU plays in the kernel. A subscription holds a count of its mm
 * (mmgrab), never users. release runs exactly once per subscription: from exit_mmap, or from
 * unregister if the mm is still alive. sva_mmu_notifier_put() defers free_notifier and the
 * mmdrop to the srcu workqueue: the grace period after which nothing can call the
 * subscription any more.
 */
#include <errno.h>

#include "internal.h"

static void sva_mm_tlb_flush(struct sva_mmu_gather *tlb, void *ctx)
{
	struct sva_mm *mm = ctx;

	if (tlb->start < tlb->end)
		sva_mm_notify_invalidate(mm, tlb->start, tlb->end);
	sva_tlb_finish(tlb);
}

void sva_mm_tlb_init(struct sva_mmu_gather *tlb, struct sva_mm *mm)
{
	sva_mm_pt_change_begin(mm);
	sva_tlb_gather_init(tlb, mm->sys->phys, sva_mm_tlb_flush, mm);
}

void sva_mm_tlb_done(struct sva_mmu_gather *tlb, struct sva_mm *mm)
{
	sva_tlb_gather_done(tlb);
	sva_mm_pt_change_end(mm);
}

void sva_mm_notify_invalidate(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_mmu_notifier *mn;

	sva_trace(mm->w, MM_INVALIDATE, mm->id, start, end);
	sva_down_read(&mm->notifier_lock);
	sva_glist_for_each_entry(mn, &mm->notifiers, node)
		if (mn->ops->invalidate)
			mn->ops->invalidate(mn, mm, start, end);
	sva_up_read(&mm->notifier_lock);
}

/* Call release once; the flag is taken under the list lock held for read or write. */
static void sva_mmu_notifier_call_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	if (atomic_exchange(&mn->release_called, true))
		return;
	sva_trace(mm->w, MMU_NOTIFIER_RELEASE, mm->id);
	if (mn->ops->release)
		mn->ops->release(mn, mm);
}

void sva_mm_notify_release(struct sva_mm *mm)
{
	struct sva_mmu_notifier *mn, *tmp;

	sva_down_read(&mm->notifier_lock);
	sva_glist_for_each_entry(mn, &mm->notifiers, node)
		sva_mmu_notifier_call_release(mn, mm);
	sva_up_read(&mm->notifier_lock);

	/* unhook them all: nothing will be invalidated any more */
	sva_down_write(&mm->notifier_lock);
	sva_glist_for_each_entry_safe(mn, tmp, &mm->notifiers, node) {
		sva_glist_del(&mn->node, &mm->notifiers);
		mn->released = true;
	}
	sva_up_write(&mm->notifier_lock);
}

int sva_mmu_notifier_register(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	if (!mn->ops)
		return -EINVAL;
	if (sva_refcount_read(&mm->users) <= 0) {
		sva_log(mm->w, SVA_LOG_WARN, "%s: mmu notifier registered with no user", mm->name);
		return -EINVAL;
	}
	sva_down_write(&mm->mmap_lock);
	sva_mmgrab(mm);
	mn->mm = mm;
	mn->released = false;
	atomic_store(&mn->release_called, false);
	sva_down_write(&mm->notifier_lock);
	sva_glist_add_tail(&mn->node, &mm->notifiers);
	sva_up_write(&mm->notifier_lock);
	sva_up_write(&mm->mmap_lock);
	sva_trace(mm->w, MMU_NOTIFIER_REGISTER, mm->id);
	return 0;
}

/* Take @mn off its mm's list if exit_mmap has not already. */
static void sva_mmu_notifier_unhook(struct sva_mmu_notifier *mn)
{
	struct sva_mm *mm = mn->mm;

	sva_down_write(&mm->notifier_lock);
	if (!mn->released) {
		sva_glist_del(&mn->node, &mm->notifiers);
		mn->released = true;
	}
	sva_up_write(&mm->notifier_lock);
}

void sva_mmu_notifier_unregister(struct sva_mmu_notifier *mn)
{
	struct sva_mm *mm = mn->mm;

	sva_down_read(&mm->notifier_lock);
	if (!mn->released)
		sva_mmu_notifier_call_release(mn, mm);
	sva_up_read(&mm->notifier_lock);
	sva_mmu_notifier_unhook(mn);
	sva_trace(mm->w, MMU_NOTIFIER_UNREGISTER, mm->id);
	sva_mmdrop(mm);
}

static void sva_mmu_notifier_free_work(struct sva_work *work)
{
	struct sva_mmu_notifier *mn = sva_container_of(work, struct sva_mmu_notifier, free_work);
	struct sva_mm *mm = mn->mm;

	if (mn->ops->free_notifier)
		mn->ops->free_notifier(mn); /* may free @mn */
	sva_mmdrop(mm);
}

void sva_mmu_notifier_put(struct sva_mmu_notifier *mn)
{
	struct sva_mm *mm = mn->mm;

	sva_mmu_notifier_unhook(mn);
	sva_trace(mm->w, MMU_NOTIFIER_PUT, mm->id);
	sva_work_init(&mn->free_work, sva_mmu_notifier_free_work);
	sva_queue_work(mm->sys->srcu_wq, &mn->free_work);
}
