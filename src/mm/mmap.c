/* SPDX-License-Identifier: MIT */
/*
 * mmap, munmap, mprotect. All three hold mmap_lock for write. Pages and emptied page-table
 * pages leave through an mmu_gather, whose flush invalidates every notifier (IOTLB, ATC) for
 * the range before anything is freed.
 */
#include <errno.h>

#include "internal.h"

static bool sva_range_ok(uint64_t addr, uint64_t len)
{
	return !(addr & ~SVA_PAGE_MASK) && len && addr + len > addr && addr + len <= SVA_TASK_SIZE;
}

static uint64_t sva_page_align(uint64_t len)
{
	return (len + SVA_PAGE_SIZE - 1) & SVA_PAGE_MASK;
}

/*
 * mmap_lock held for write excludes every other user of the leaf entries (faults and reclaim
 * hold it for read), so the zap needs no page-table lock, and the gather may flush (and sleep
 * in the notifiers) in the middle of it.
 */
void sva_mm_zap_vma_range(struct sva_mm *mm, uint64_t start, uint64_t end,
			  struct sva_mmu_gather *tlb)
{
	sva_lockdep_assert_held(&mm->mmap_lock);
	sva_pgtable_zap_range(&mm->pgt, start, end, tlb, sva_swap_free_cb, mm->sys);
}

/* Cut VMAs so that none straddles @addr. */
static int sva_vma_cut_at(struct sva_mm *mm, uint64_t addr)
{
	size_t i = sva_vma_index_after(mm, addr);

	if (i < sva_mm_nvmas(mm) && sva_mm_vma(mm, i)->start < addr)
		return sva_vma_split(mm, i, addr);
	return 0;
}

int sva_mm_do_munmap(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	struct sva_mmu_gather tlb;
	size_t i;
	int ret;

	sva_lockdep_assert_held_write(&mm->mmap_lock);
	ret = sva_vma_cut_at(mm, start);
	if (ret == 0)
		ret = sva_vma_cut_at(mm, end);
	if (ret)
		return ret;
	i = sva_vma_index_after(mm, start);
	sva_mm_tlb_init(&tlb, mm);
	for (size_t j = i; j < sva_mm_nvmas(mm) && sva_mm_vma(mm, j)->start < end; j++)
		sva_mm_zap_vma_range(mm, sva_mm_vma(mm, j)->start, sva_mm_vma(mm, j)->end, &tlb);
	sva_mm_tlb_done(&tlb, mm);
	while (i < sva_mm_nvmas(mm) && sva_mm_vma(mm, i)->start < end) {
		struct sva_vma *vma = sva_mm_vma(mm, i);

		sva_vma_remove_at(mm, i);
		sva_vma_free(vma);
	}
	return 0;
}

static int sva_mm_map_locked(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot,
			     unsigned flags, struct sva_file *file, uint64_t pgoff, uint64_t *out)
{
	unsigned vm_flags = (prot & (SVA_VM_READ | SVA_VM_WRITE | SVA_VM_EXEC)) |
			    ((flags & SVA_MAP_SHARED) ? SVA_VM_SHARED : 0);
	struct sva_vma *vma;
	int ret;

	sva_lockdep_assert_held_write(&mm->mmap_lock);
	if (flags & SVA_MAP_FIXED) {
		if (!sva_range_ok(addr, len))
			return -EINVAL;
		ret = sva_mm_do_munmap(mm, addr, addr + len);
		if (ret)
			return ret;
	} else {
		addr = sva_vma_find_room(mm, addr & SVA_PAGE_MASK, len);
		if (!addr)
			return -ENOMEM;
	}
	vma = sva_vma_alloc(mm, addr, addr + len, vm_flags);
	if (!vma)
		return -ENOMEM;
	vma->pgoff = pgoff;
	if (file) {
		vma->file = sva_get_file(file);
		if (file->f_op && file->f_op->mmap) {
			ret = file->f_op->mmap(file, vma);
			if (ret) {
				vma->ops = NULL; /* the driver refused: no close */
				sva_vma_free(vma);
				return ret;
			}
		}
	}
	ret = sva_vma_insert(mm, vma);
	if (ret) {
		sva_vma_free(vma);
		return ret;
	}
	sva_vma_merge_around(mm, sva_vma_index_after(mm, addr));
	*out = addr;
	return 0;
}

static int sva_mm_populate(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot)
{
	unsigned flags = (prot & SVA_PROT_WRITE) ? SVA_FAULT_FLAG_WRITE : 0;

	for (uint64_t a = addr; a < addr + len; a += SVA_PAGE_SIZE) {
		int ret = sva_mm_fault(mm, a, flags | SVA_FAULT_FLAG_USER);

		if (ret)
			return ret;
	}
	return 0;
}

int sva_mm_mmap(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		struct sva_file *file, uint64_t pgoff, uint64_t *out)
{
	int ret;

	len = sva_page_align(len);
	if (!len || len > SVA_TASK_SIZE || !out)
		return -EINVAL;
	sva_down_write(&mm->mmap_lock);
	ret = atomic_load(&mm->dead)
		      ? -EFAULT
		      : sva_mm_map_locked(mm, addr, len, prot, flags, file, pgoff, out);
	sva_up_write(&mm->mmap_lock);
	if (ret) {
		sva_log(mm->w, SVA_LOG_DEBUG, "%s: mmap of %llu bytes: %s", mm->name,
			(unsigned long long)len, sva_strerror(ret));
		return ret;
	}
	sva_trace(mm->w, MM_MMAP, mm->id, *out, len, prot);
	if ((flags & SVA_MAP_POPULATE) && prot)
		return sva_mm_populate(mm, *out, len, prot);
	return 0;
}

int sva_mm_munmap(struct sva_mm *mm, uint64_t addr, uint64_t len)
{
	int ret;

	len = sva_page_align(len);
	if (!sva_range_ok(addr, len))
		return -EINVAL;
	sva_down_write(&mm->mmap_lock);
	ret = sva_mm_do_munmap(mm, addr, addr + len);
	sva_up_write(&mm->mmap_lock);
	if (ret == 0)
		sva_trace(mm->w, MM_MUNMAP, mm->id, addr, len);
	return ret;
}

/* True when [start, end) is covered by VMAs without a hole. */
static bool sva_mm_covered(struct sva_mm *mm, uint64_t start, uint64_t end)
{
	size_t i = sva_vma_index_after(mm, start);
	uint64_t at = start;

	for (; i < sva_mm_nvmas(mm) && at < end; i++) {
		if (sva_mm_vma(mm, i)->start > at)
			return false;
		at = sva_mm_vma(mm, i)->end;
	}
	return at >= end;
}

/* New protection on the leaf entries of [start, end): remove what is no longer allowed. */
static void sva_mm_protect_ptes(struct sva_mm *mm, uint64_t start, uint64_t end, unsigned prot)
{
	uint64_t set = 0, clear = 0;
	struct sva_mmu_gather tlb;

	if (prot & (SVA_PROT_READ | SVA_PROT_WRITE | SVA_PROT_EXEC))
		set |= SVA_PTE_USER;
	else
		clear |= SVA_PTE_USER; /* PROT_NONE: the page stays, no user access */
	if (!(prot & SVA_PROT_WRITE))
		clear |= SVA_PTE_WRITE;
	if (prot & SVA_PROT_EXEC)
		clear |= SVA_PTE_NX;
	else
		set |= SVA_PTE_NX;
	sva_lockdep_assert_held_write(&mm->mmap_lock);
	sva_mm_tlb_init(&tlb, mm);
	sva_pgtable_protect(&mm->pgt, start, end, set, clear, &tlb);
	sva_mm_tlb_done(&tlb, mm);
}

static int sva_mm_mprotect_locked(struct sva_mm *mm, uint64_t start, uint64_t end, unsigned prot)
{
	const unsigned prot_bits = SVA_VM_READ | SVA_VM_WRITE | SVA_VM_EXEC;
	size_t i;
	int ret;

	sva_lockdep_assert_held_write(&mm->mmap_lock);
	if (!sva_mm_covered(mm, start, end))
		return -ENOMEM;
	ret = sva_vma_cut_at(mm, start);
	if (ret == 0)
		ret = sva_vma_cut_at(mm, end);
	if (ret)
		return ret;
	for (i = sva_vma_index_after(mm, start);
	     i < sva_mm_nvmas(mm) && sva_mm_vma(mm, i)->start < end; i++)
		sva_mm_vma(mm, i)->flags =
			(sva_mm_vma(mm, i)->flags & ~prot_bits) | (prot & prot_bits);
	sva_mm_protect_ptes(mm, start, end, prot);
	/* merge from the last touched VMA backwards, so indices stay valid */
	while (i-- > 0 && sva_mm_vma(mm, i)->end > start)
		sva_vma_merge_around(mm, i);
	return 0;
}

int sva_mm_mprotect(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot)
{
	int ret;

	len = sva_page_align(len);
	if (!sva_range_ok(addr, len))
		return -EINVAL;
	sva_down_write(&mm->mmap_lock);
	ret = sva_mm_mprotect_locked(mm, addr, addr + len, prot);
	sva_up_write(&mm->mmap_lock);
	if (ret == 0)
		sva_trace(mm->w, MM_MPROTECT, mm->id, addr, len, prot);
	return ret;
}

size_t sva_mm_zap_vmas(struct sva_mm *mm, const struct sva_vm_ops *ops, void *private_data)
{
	struct sva_mmu_gather tlb;
	size_t n = 0;

	sva_down_write(&mm->mmap_lock);
	sva_mm_tlb_init(&tlb, mm);
	for (size_t i = 0; i < sva_mm_nvmas(mm); i++) {
		struct sva_vma *vma = sva_mm_vma(mm, i);

		if (vma->ops != ops || vma->private_data != private_data)
			continue;
		sva_mm_zap_vma_range(mm, vma->start, vma->end, &tlb);
		n++;
	}
	sva_mm_tlb_done(&tlb, mm);
	sva_up_write(&mm->mmap_lock);
	return n;
}
