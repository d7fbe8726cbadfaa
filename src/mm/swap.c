/* SPDX-License-Identifier: MIT */
/*
 * Swap and page reclaim.
 *
 * Swap is a table of slots, each holding one page's contents (an sva_alloc'd buffer), under
 * swap_lock. Reclaim evicts anonymous pages that are mapped exactly once: under mmap_lock (read)
 * and the page-table lock it copies the page to a slot and replaces the entry with a swap
 * entry; then, with the lock dropped, it invalidates the notifiers and only then frees the
 * page, so no device translation can reach the frame once it is reused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(swap_slot);

static int sva_swap_grow(struct sva_mm_sys *sys)
{
	size_t n = sys->nslots ? sys->nslots * 2 : 64;
	void **slots = sva_realloc(sys->w, &sva_obj_array, sys->swap_slots, n * sizeof(*slots));
	uint64_t *free_slots;

	if (!slots)
		return -ENOMEM;
	sys->swap_slots = slots;
	free_slots = sva_realloc(sys->w, &sva_obj_array, sys->free_slots, n * sizeof(*free_slots));
	if (!free_slots)
		return -ENOMEM;
	sys->free_slots = free_slots;
	for (size_t i = n; i-- > sys->nslots;) {
		slots[i] = NULL;
		if (i) /* slot 0 is never used: a swap entry of 0 would be an empty entry */
			sys->free_slots[sys->nfree++] = i;
	}
	sys->nslots = n;
	return 0;
}

int sva_swap_store(struct sva_mm_sys *sys, const void *data, uint64_t *slot)
{
	void *copy = sva_alloc(sys->w, &sva_obj_swap_slot, SVA_PAGE_SIZE);
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	sva_frame_copy(copy, data, SVA_PAGE_SIZE);
	sva_spin_lock(&sys->swap_lock);
	if (!sys->nfree)
		ret = sva_swap_grow(sys);
	if (ret == 0) {
		*slot = sys->free_slots[--sys->nfree];
		sys->swap_slots[*slot] = copy;
	}
	sva_spin_unlock(&sys->swap_lock);
	if (ret)
		sva_free(sys->w, &sva_obj_swap_slot, copy);
	return ret;
}

int sva_swap_load(struct sva_mm_sys *sys, uint64_t slot, void *data)
{
	int ret = -ENOENT;

	sva_spin_lock(&sys->swap_lock);
	if (slot && slot < sys->nslots && sys->swap_slots[slot]) {
		sva_frame_copy(data, sys->swap_slots[slot], SVA_PAGE_SIZE);
		ret = 0;
	}
	sva_spin_unlock(&sys->swap_lock);
	return ret;
}

void sva_swap_free(struct sva_mm_sys *sys, uint64_t slot)
{
	void *copy = NULL;

	sva_spin_lock(&sys->swap_lock);
	if (slot && slot < sys->nslots && sys->swap_slots[slot]) {
		copy = sys->swap_slots[slot];
		sys->swap_slots[slot] = NULL;
		sys->free_slots[sys->nfree++] = slot;
	}
	sva_spin_unlock(&sys->swap_lock);
	if (copy)
		sva_free(sys->w, &sva_obj_swap_slot, copy);
	else
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "swap slot %llu freed but not in use",
			   (unsigned long long)slot);
}

void sva_swap_free_cb(void *ctx, uint64_t slot)
{
	sva_swap_free(ctx, slot);
}

void sva_swap_destroy(struct sva_mm_sys *sys)
{
	for (size_t i = 0; i < sys->nslots; i++)
		sva_free(sys->w, &sva_obj_swap_slot, sys->swap_slots[i]);
	sva_free(sys->w, &sva_obj_array, sys->swap_slots);
	sva_free(sys->w, &sva_obj_array, sys->free_slots);
}

/* Evict the page at @addr if it is anonymous and mapped once. True when evicted. */
static bool sva_reclaim_page(struct sva_mm *mm, uint64_t addr)
{
	sva_pte_t *pte = sva_pgtable_walk(&mm->pgt, addr, false, NULL);
	struct sva_page *page;
	uint64_t v, slot;

	if (!pte)
		return false;
	sva_spin_lock(&mm->ptl);
	sva_mm_pt_touch(mm);
	v = sva_pte_read(pte);
	page = (v & SVA_PTE_PRESENT) ? sva_pfn_to_page(mm->sys->phys, sva_pte_pfn(v)) : NULL;
	if (!page || !(atomic_load(&page->flags) & SVA_PAGE_ANON) || sva_page_count(page) != 1 ||
	    sva_swap_store(mm->sys, sva_page_address(page), &slot)) {
		sva_spin_unlock(&mm->ptl);
		return false;
	}
	sva_mm_pt_change_begin(mm);
	sva_mm_set_pte(mm, pte, sva_pte_make(slot, SVA_PTE_SWAP));
	sva_spin_unlock(&mm->ptl);
	sva_mm_notify_invalidate(mm, addr, addr + SVA_PAGE_SIZE);
	sva_mm_pt_change_end(mm);
	sva_page_put(page);
	return true;
}

static size_t sva_reclaim_mm(struct sva_mm *mm, size_t nr)
{
	size_t done = 0;

	sva_down_read(&mm->mmap_lock);
	for (size_t i = 0; i < mm->nvmas && done < nr; i++) {
		struct sva_vma *vma = mm->vmas[i];

		if (!sva_vma_is_anon(vma) || (vma->flags & SVA_VM_SHARED))
			continue;
		for (uint64_t a = vma->start; a < vma->end && done < nr; a += SVA_PAGE_SIZE)
			done += sva_reclaim_page(mm, a);
	}
	sva_up_read(&mm->mmap_lock);
	return done;
}

#define SVA_RECLAIM_BATCH 64

size_t sva_mm_sys_reclaim(struct sva_mm_sys *sys, size_t nr)
{
	struct sva_mm *batch[SVA_RECLAIM_BATCH];
	struct sva_mm *mm;
	size_t n = 0, done = 0;

	sva_mutex_lock(&sys->lock);
	sva_glist_for_each_entry(mm, &sys->mms, sys_node)
		if (n < SVA_RECLAIM_BATCH && sva_mmget_not_zero(mm))
			batch[n++] = mm;
	sva_mutex_unlock(&sys->lock);
	for (size_t i = 0; i < n; i++) {
		if (done < nr)
			done += sva_reclaim_mm(batch[i], nr - done);
		sva_mmput(batch[i]);
	}
	sva_trace(sys->w, MM_RECLAIM, done);
	return done;
}
