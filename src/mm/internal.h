/* SPDX-License-Identifier: MIT */
/*
 * The insides of the mm layer, shared by the files of src/mm. See sva/mm.h for the rules.
 *
 * struct sva_mm_sys: every mm of one kernel. @lock (a mutex) protects the mm list and the drop
 * hooks; @swap_lock (a spinlock) the swap slots. Notifier frees are deferred to @srcu_wq.
 *
 * struct sva_mm: @vmas is an array sorted by start address, protected by mmap_lock; leaf
 * entries of @pgt change under @ptl; @notifiers under @notifier_lock (callbacks hold it for
 * read). Lock order: mmap_lock -> notifier_lock; mmap_lock -> ptl; never notifier_lock or any
 * sleeping lock under ptl.
 */
#ifndef SVA_MM_INTERNAL_H
#define SVA_MM_INTERNAL_H

#include "../base/list.h"
#include "../mem/phys.h"
#include "../sync/glist.h"
#include "sva/fs.h"
#include "sva/mm.h"

#define SVA_MM_MAX_HOOKS 4
/* Where mmap looks for room when no address is given. */
#define SVA_MMAP_BASE	 0x10000000ull

struct sva_mm_hook_entry {
	sva_mm_hook fn;
	void *ctx;
};

struct sva_mm_hooks {
	struct sva_mm_hook_entry at[SVA_MM_HOOK_NR][SVA_MM_MAX_HOOKS];
	unsigned n[SVA_MM_HOOK_NR];
};

struct sva_mm_sys {
	struct sva_world *w;
	struct sva_phys *phys;
	struct sva_mutex lock;
	struct sva_glist mms; /* under lock */
	unsigned next_id;
	SVA_GUARDED_BY(struct sva_mm_hooks) hooks; /* under lock */
	struct sva_workqueue *srcu_wq;

	struct sva_spinlock swap_lock;
	struct sva_swap_entry *swap_slots; /* slot i (>= 1): a page's contents (swap.c) */
	size_t nslots;
	uint64_t *free_slots;
	size_t nfree;
};

struct sva_mm {
	struct sva_mm_sys *sys;
	struct sva_world *w;
	unsigned id;
	char name[24];
	struct sva_refcount users;
	struct sva_refcount count;
	struct sva_rwsem mmap_lock;
	struct sva_spinlock ptl;
	struct sva_pgtable pgt;
	struct sva_vma **vmas;
	size_t nvmas, vmas_cap;
	/*
	 * Page-table changes whose invalidation has not completed: while it is not 0 a device
	 * may still reach an old translation through its IOTLB or ATC (the checker's I3 leeway).
	 */
	_Atomic unsigned pt_pending;
	struct sva_rwsem notifier_lock;
	struct sva_glist notifiers; /* under notifier_lock */
	_Atomic(void *) iommu_data;
	const struct sva_mm_external *ext; /* set once, before any bind (sva_mm_set_external) */
	atomic_bool dead;
	struct sva_list_head sys_node;
};

/*
 * The VMA array outside vma.c: read through these, which assert mmap_lock (held for read at
 * least) as the kernel's VMA iterator does on every walk of the maple tree.
 */
static inline size_t sva_mm_nvmas(struct sva_mm *mm)
{
	sva_lockdep_assert_held(&mm->mmap_lock);
	return mm->nvmas;
}

static inline struct sva_vma *sva_mm_vma(struct sva_mm *mm, size_t i)
{
	sva_lockdep_assert_held(&mm->mmap_lock);
	return mm->vmas[i];
}

/* vma.c (mmap_lock held for write unless said otherwise) */
struct sva_vma *sva_vma_alloc(struct sva_mm *mm, uint64_t start, uint64_t end, unsigned flags);
void sva_vma_free(struct sva_vma *vma); /* close op, fput, free */
int sva_vma_insert(struct sva_mm *mm, struct sva_vma *vma);
void sva_vma_remove_at(struct sva_mm *mm, size_t i);
/* Index of the first VMA ending after @addr (nvmas if none). Read lock enough. */
size_t sva_vma_index_after(struct sva_mm *mm, uint64_t addr);
/* Split @mm->vmas[i] at @addr (strictly inside): [start, addr) stays at i. */
int sva_vma_split(struct sva_mm *mm, size_t i, uint64_t addr);
/* Merge anonymous neighbours with equal flags around index @i. */
void sva_vma_merge_around(struct sva_mm *mm, size_t i);
/* A free range of @len at or above @hint; 0 if none. */
uint64_t sva_vma_find_room(struct sva_mm *mm, uint64_t hint, uint64_t len);
bool sva_vma_is_anon(const struct sva_vma *vma);

/* Leaf bits for a page of @vma (COW and DIRTY are the caller's business). */
uint64_t sva_vma_pte_flags(const struct sva_vma *vma, bool write);

/* notifier.c */
void sva_mm_notify_invalidate(struct sva_mm *mm, uint64_t start, uint64_t end);
void sva_mm_notify_release(struct sva_mm *mm);
/* A gather whose flush invalidates the mm's notifiers, then frees. */
void sva_mm_tlb_init(struct sva_mmu_gather *tlb, struct sva_mm *mm);
/* The gather's last flush and finish: the changes it collected are invalidated everywhere. */
void sva_mm_tlb_done(struct sva_mmu_gather *tlb, struct sva_mm *mm);
/*
 * POR: the current step reads or writes @mm's page table (or pt_pending, which the checker reads
 * with it), through a pointer that may be older than the step: name the arena's memory.
 */
static inline void sva_mm_pt_touch(struct sva_mm *mm)
{
	sva_phys_touch(mm->sys->phys);
}

/* A page-table change of @mm begins / its invalidation completed (mm->pt_pending). */
static inline void sva_mm_pt_change_begin(struct sva_mm *mm)
{
	sva_mm_pt_touch(mm);
	atomic_fetch_add(&mm->pt_pending, 1);
}

static inline void sva_mm_pt_change_end(struct sva_mm *mm)
{
	sva_mm_pt_touch(mm);
	atomic_fetch_sub(&mm->pt_pending, 1);
}

/* A leaf entry read to act on it (change it, map its page): under the page-table lock. */
static inline uint64_t sva_mm_pte_get(struct sva_mm *mm, sva_pte_t *pte)
{
	sva_lockdep_assert_held(&mm->ptl);
	sva_mm_pt_touch(mm);
	return sva_pte_read(pte);
}

/* A leaf entry of @mm changes: under its page-table lock (lock-free walkers read it). */
static inline void sva_mm_set_pte(struct sva_mm *mm, sva_pte_t *pte, uint64_t v)
{
	sva_lockdep_assert_held(&mm->ptl);
	sva_mm_pt_touch(mm);
	sva_pte_write(pte, v);
}

/* mmap.c: unmap [start, end) (mmap_lock held for write) */
int sva_mm_do_munmap(struct sva_mm *mm, uint64_t start, uint64_t end);
void sva_mm_zap_vma_range(struct sva_mm *mm, uint64_t start, uint64_t end,
			  struct sva_mmu_gather *tlb);

/* swap.c */
/*
 * A swap slot: its contents written out (@data), or still in the swap cache (@page, a
 * reference held; @gen tells this stay in the cache from a later one of the same page).
 */
struct sva_swap_entry {
	void *data;
	struct sva_page *page;
	uint64_t gen;
};
int sva_swap_store(struct sva_mm_sys *sys, const void *data, uint64_t *slot);
/* Copy a slot's contents into @data; -ENOENT for a bad slot. */
int sva_swap_load(struct sva_mm_sys *sys, uint64_t slot, void *data);
/* The swap cache's page of @slot, a reference taken, or NULL when written out (or bad). */
struct sva_page *sva_swap_cache_get(struct sva_mm_sys *sys, uint64_t slot);
void sva_swap_free(struct sva_mm_sys *sys, uint64_t slot);
void sva_swap_free_cb(void *ctx, uint64_t slot); /* ctx = sys */
void sva_swap_destroy(struct sva_mm_sys *sys);

#endif
