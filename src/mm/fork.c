/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write fork (dup_mm): the child's address space is built under the parent's
 * mmap_lock held for write. DONTCOPY VMAs are skipped, WIPEONFORK ones copied empty; shared
 * mappings share their pages; private pages become copy-on-write in both (write bit cleared,
 * COW bit set) and the parent's range is invalidated, so a device that cached a writable
 * translation of the parent cannot write into a page the child now shares. Swapped-out pages
 * are duplicated into a new swap slot. The child starts with no IOMMU data: no PASID.
 */
#include <errno.h>

#include "internal.h"

/* Copy one leaf entry from @src to the child's table. */
static int sva_fork_copy_pte(struct sva_mm *child, struct sva_vma *vma, uint64_t addr,
			     sva_pte_t *src, bool *cow_made)
{
	uint64_t v = sva_pte_read(src);
	sva_pte_t *dst;
	int err = 0;

	sva_mm_pt_touch(child);
	sva_lockdep_assert_held(&vma->mm->ptl);
	sva_lockdep_assert_held_write(&child->mmap_lock); /* the child's table: no one else's yet */
	if (!v)
		return 0;
	dst = sva_pgtable_walk(&child->pgt, addr, true, &err);
	if (!dst)
		return err;
	if (v & SVA_PTE_SWAP) {
		char buf[SVA_PAGE_SIZE];
		uint64_t slot;

		if (sva_swap_load(child->sys, sva_pte_pfn(v), buf) ||
		    sva_swap_store(child->sys, buf, &slot))
			return -ENOMEM;
		sva_pte_write(dst, sva_pte_make(slot, SVA_PTE_SWAP));
		return 0;
	}
	if (!(v & SVA_PTE_PRESENT))
		return 0;
	if (!(vma->flags & SVA_VM_SHARED)) {
		if (v & SVA_PTE_WRITE)
			*cow_made = true;
		v = (v & ~SVA_PTE_WRITE) | SVA_PTE_COW;
		sva_mm_set_pte(vma->mm, src, v);
	}
	sva_page_get(sva_pfn_to_page(child->sys->phys, sva_pte_pfn(v)));
	sva_pte_write(dst, v);
	return 0;
}

static int sva_fork_copy_range(struct sva_mm *parent, struct sva_mm *child, struct sva_vma *vma)
{
	bool cow_made = false;
	int ret = 0;

	sva_mm_pt_change_begin(parent); /* the parent's pages are write-protected */
	sva_spin_lock(&parent->ptl);
	for (uint64_t a = vma->start; a < vma->end && ret == 0; a += SVA_PAGE_SIZE) {
		sva_pte_t *src = sva_pgtable_walk(&parent->pgt, a, false, NULL);

		if (src)
			ret = sva_fork_copy_pte(child, vma, a, src, &cow_made);
	}
	sva_spin_unlock(&parent->ptl);
	if (cow_made)
		sva_mm_notify_invalidate(parent, vma->start, vma->end);
	sva_mm_pt_change_end(parent);
	return ret;
}

static int sva_fork_copy_vma(struct sva_mm *parent, struct sva_mm *child, struct sva_vma *vma)
{
	struct sva_vma *copy = sva_vma_alloc(child, vma->start, vma->end, vma->flags);
	int ret;

	if (!copy)
		return -ENOMEM;
	copy->pgoff = vma->pgoff;
	copy->ops = vma->ops;
	copy->private_data = vma->private_data;
	if (vma->file)
		copy->file = sva_get_file(vma->file);
	ret = sva_vma_insert(child, copy);
	if (ret) {
		copy->ops = NULL;
		sva_vma_free(copy);
		return ret;
	}
	if (vma->flags & SVA_VM_WIPEONFORK)
		return 0;
	return sva_fork_copy_range(parent, child, vma);
}

int sva_mm_dup(struct sva_mm *parent, const char *name, struct sva_mm **out)
{
	struct sva_mm *child;
	int ret;

	ret = sva_mm_create(parent->sys, name, &child);
	if (ret)
		return ret;
	sva_down_write(&parent->mmap_lock);
	sva_down_write(&child->mmap_lock);
	for (size_t i = 0; i < sva_mm_nvmas(parent) && ret == 0; i++)
		if (!(sva_mm_vma(parent, i)->flags & SVA_VM_DONTCOPY))
			ret = sva_fork_copy_vma(parent, child, sva_mm_vma(parent, i));
	sva_up_write(&child->mmap_lock);
	sva_up_write(&parent->mmap_lock);
	if (ret) {
		sva_mmput(child); /* exit_mmap undoes what was copied */
		return ret;
	}
	sva_trace(parent->w, MM_DUP, parent->id, child->id);
	*out = child;
	return 0;
}
