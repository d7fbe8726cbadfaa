/* SPDX-License-Identifier: MIT */
/*
 * Swap and page reclaim.
 *
 * Swap is a table of slots under swap_lock, each holding one page's contents: written out (an
 * sva_alloc'd copy), or still in the swap cache (the page itself, a reference held). Reclaim
 * evicts anonymous pages that are mapped exactly once, in the kernel's order: under mmap_lock
 * (read) and the page-table lock it puts the page in the swap cache and replaces the entry
 * with a swap entry (try_to_unmap); then, with the lock dropped, it invalidates the notifiers,
 * which flush the IOMMU's IOTLB and the devices' ATCs and wait for the DMA in flight on the
 * range; only then does it write the page out (pageout) and drop it. A device write through a
 * translation cached before the unmap still lands in the page before its contents are taken,
 * and no translation can reach the frame once it is reused. A fault on the address in between
 * finds the page in the swap cache and maps that page again (no copy: a device's late write
 * stays visible); the write-out then sees the slot gone and leaves it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(swap_slot);

static int sva_swap_grow(struct sva_mm_sys *sys)
{
	size_t n = sys->nslots ? sys->nslots * 2 : 64;
	struct sva_swap_entry *slots;
	uint64_t *free_slots;

	sva_lockdep_assert_held(&sys->swap_lock);
	slots = sva_realloc(sys->w, &sva_obj_array, sys->swap_slots, n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	sys->swap_slots = slots;
	free_slots = sva_realloc(sys->w, &sva_obj_array, sys->free_slots, n * sizeof(*free_slots));
	if (!free_slots)
		return -ENOMEM;
	sys->free_slots = free_slots;
	for (size_t i = n; i-- > sys->nslots;) {
		slots[i] = (struct sva_swap_entry){ 0 };
		if (i) /* slot 0 is never used: a swap entry of 0 would be an empty entry */
			sys->free_slots[sys->nfree++] = i;
	}
	sys->nslots = n;
	return 0;
}

/* A free slot holding @e (swap_lock held). */
static int sva_swap_slot_take(struct sva_mm_sys *sys, struct sva_swap_entry e, uint64_t *slot)
{
	int ret = 0;

	sva_lockdep_assert_held(&sys->swap_lock);
	if (!sys->nfree)
		ret = sva_swap_grow(sys);
	if (ret == 0) {
		*slot = sys->free_slots[--sys->nfree];
		e.gen = sys->swap_slots[*slot].gen + 1;
		sys->swap_slots[*slot] = e;
	}
	return ret;
}

/* The entry of a slot in use, or NULL (swap_lock held). */
static struct sva_swap_entry *sva_swap_entry_of(struct sva_mm_sys *sys, uint64_t slot)
{
	struct sva_swap_entry *e;

	sva_lockdep_assert_held(&sys->swap_lock);
	if (!slot || slot >= sys->nslots)
		return NULL;
	e = &sys->swap_slots[slot];
	return e->data || e->page ? e : NULL;
}

int sva_swap_store(struct sva_mm_sys *sys, const void *data, uint64_t *slot)
{
	void *copy = sva_alloc(sys->w, &sva_obj_swap_slot, SVA_PAGE_SIZE);
	int ret;

	if (!copy)
		return -ENOMEM;
	sva_frame_copy(copy, data, SVA_PAGE_SIZE);
	sva_spin_lock(&sys->swap_lock);
	ret = sva_swap_slot_take(sys, (struct sva_swap_entry){ .data = copy }, slot);
	sva_spin_unlock(&sys->swap_lock);
	if (ret)
		sva_free(sys->w, &sva_obj_swap_slot, copy);
	return ret;
}

/* add_to_swap: @page into the swap cache (the cache's reference taken); its stay in @gen. */
static int sva_swap_cache_add(struct sva_mm_sys *sys, struct sva_page *page, uint64_t *slot,
			      uint64_t *gen)
{
	int ret;

	sva_page_get(page);
	sva_spin_lock(&sys->swap_lock);
	ret = sva_swap_slot_take(sys, (struct sva_swap_entry){ .page = page }, slot);
	if (ret == 0)
		*gen = sys->swap_slots[*slot].gen;
	sva_spin_unlock(&sys->swap_lock);
	if (ret)
		sva_page_put(page);
	return ret;
}

/*
 * pageout: the contents of the page (at @addr of @mm) that stay @gen of @slot cached, written
 * to the slot, and the cache's reference dropped. Nothing when a fault took the page back
 * meanwhile (it holds a reference of its own, or the slot is free or another stay's: the
 * kernel's pageout skips a page mapped again); -ENOMEM leaves the page cached (a later fault
 * still finds it).
 */
static void sva_swap_writeout(struct sva_mm *mm, uint64_t addr, uint64_t slot, uint64_t gen)
{
	struct sva_mm_sys *sys = mm->sys;
	void *copy = sva_alloc(sys->w, &sva_obj_swap_slot, SVA_PAGE_SIZE);
	struct sva_page *page = NULL;
	struct sva_swap_entry *e;

	if (!copy)
		return;
	sva_spin_lock(&sys->swap_lock);
	e = sva_swap_entry_of(sys, slot);
	/* the cache's and the reclaimer's references only: a fault has not taken it back */
	if (e && e->page && e->gen == gen && sva_page_count(e->page) <= 2) {
		page = e->page;
		sva_frame_copy(copy, sva_page_address(page), SVA_PAGE_SIZE);
		e->data = copy;
		e->page = NULL;
		copy = NULL;
		/*
		 * From now on a write to the page is lost: the checker judges DMA against it (I3).
		 * Traced under swap_lock, so it comes before the swap-in of this slot's contents.
		 */
		sva_trace(sys->w, MM_SWAP_WRITEOUT, mm->id, addr, page->pfn);
	}
	sva_spin_unlock(&sys->swap_lock);
	sva_free(sys->w, &sva_obj_swap_slot, copy);
	if (page)
		sva_page_put(page);
}

struct sva_page *sva_swap_cache_get(struct sva_mm_sys *sys, uint64_t slot)
{
	struct sva_swap_entry *e;
	struct sva_page *page = NULL;

	sva_spin_lock(&sys->swap_lock);
	e = sva_swap_entry_of(sys, slot);
	if (e && e->page) {
		page = e->page;
		sva_page_get(page);
	}
	sva_spin_unlock(&sys->swap_lock);
	return page;
}

int sva_swap_load(struct sva_mm_sys *sys, uint64_t slot, void *data)
{
	struct sva_swap_entry *e;
	int ret = -ENOENT;

	sva_spin_lock(&sys->swap_lock);
	e = sva_swap_entry_of(sys, slot);
	if (e) {
		sva_frame_copy(data, e->page ? sva_page_address(e->page) : e->data, SVA_PAGE_SIZE);
		ret = 0;
	}
	sva_spin_unlock(&sys->swap_lock);
	return ret;
}

void sva_swap_free(struct sva_mm_sys *sys, uint64_t slot)
{
	struct sva_swap_entry *e, old = { 0 };

	sva_spin_lock(&sys->swap_lock);
	e = sva_swap_entry_of(sys, slot);
	if (e) {
		old = *e;
		e->data = NULL;
		e->page = NULL;
		sys->free_slots[sys->nfree++] = slot;
	}
	sva_spin_unlock(&sys->swap_lock);
	if (!e)
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "swap slot %llu freed but not in use",
			   (unsigned long long)slot);
	sva_free(sys->w, &sva_obj_swap_slot, old.data);
	if (old.page)
		sva_page_put(old.page);
}

void sva_swap_free_cb(void *ctx, uint64_t slot)
{
	sva_swap_free(ctx, slot);
}

void sva_swap_destroy(struct sva_mm_sys *sys)
{
	for (size_t i = 0; i < sys->nslots; i++) {
		sva_free(sys->w, &sva_obj_swap_slot, sys->swap_slots[i].data);
		if (sys->swap_slots[i].page)
			sva_page_put(sys->swap_slots[i].page);
	}
	sva_free(sys->w, &sva_obj_array, sys->swap_slots);
	sva_free(sys->w, &sva_obj_array, sys->free_slots);
}

/* Evict the page at @addr if it is anonymous and mapped once. True when evicted. */
static bool sva_reclaim_page(struct sva_mm *mm, uint64_t addr)
{
	sva_pte_t *pte = sva_pgtable_walk(&mm->pgt, addr, false, NULL);
	struct sva_page *page;
	uint64_t v, slot, gen;

	if (!pte)
		return false;
	sva_spin_lock(&mm->ptl);
	v = sva_mm_pte_get(mm, pte);
	page = (v & SVA_PTE_PRESENT) ? sva_pfn_to_page(mm->sys->phys, sva_pte_pfn(v)) : NULL;
	if (!page || !(atomic_load(&page->flags) & SVA_PAGE_ANON) || sva_page_count(page) != 1 ||
	    sva_swap_cache_add(mm->sys, page, &slot, &gen)) {
		sva_spin_unlock(&mm->ptl);
		return false;
	}
	if (sva_world_broken(mm->w, SVA_BREAK_RECLAIM_WRITEOUT_FIRST))
		sva_swap_writeout(mm, addr, slot, gen);
	sva_mm_pt_change_begin(mm);
	sva_mm_set_pte(mm, pte, sva_pte_make(slot, SVA_PTE_SWAP));
	sva_spin_unlock(&mm->ptl);
	sva_mm_notify_invalidate(mm, addr, addr + SVA_PAGE_SIZE);
	sva_mm_pt_change_end(mm);
	sva_swap_writeout(mm, addr, slot, gen); /* nothing when the break wrote it out already */
	sva_page_put(page);			/* the page table's reference */
	return true;
}

static size_t sva_reclaim_mm(struct sva_mm *mm, size_t nr)
{
	size_t done = 0;

	sva_down_read(&mm->mmap_lock);
	for (size_t i = 0; i < sva_mm_nvmas(mm) && done < nr; i++) {
		struct sva_vma *vma = sva_mm_vma(mm, i);

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
