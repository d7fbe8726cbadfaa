/* SPDX-License-Identifier: MIT */
/*
 * VMAs: an array sorted by start address (binary search for lookup), split and merged in
 * place. The array is protected by mmap_lock: writers hold it for write, lookups for read.
 * A VMA holds a reference on its file; splitting one takes another for the new half.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(vma);

struct sva_vma *sva_vma_alloc(struct sva_mm *mm, uint64_t start, uint64_t end, unsigned flags)
{
	struct sva_vma *vma = sva_alloc(mm->w, &sva_obj_vma, sizeof(*vma));

	if (!vma)
		return NULL;
	vma->mm = mm;
	vma->start = start;
	vma->end = end;
	vma->flags = flags;
	return vma;
}

void sva_vma_free(struct sva_vma *vma)
{
	if (vma->ops && vma->ops->close)
		vma->ops->close(vma);
	if (vma->file)
		sva_fput(vma->file);
	sva_free(vma->mm->w, &sva_obj_vma, vma);
}

bool sva_vma_is_anon(const struct sva_vma *vma)
{
	return !vma->file && !vma->ops && !(vma->flags & SVA_VM_IO);
}

size_t sva_vma_index_after(struct sva_mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->nvmas;

	sva_lockdep_assert_held(&mm->mmap_lock); /* mmap_assert_locked */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mm->vmas[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sva_vma *sva_vma_lookup(struct sva_mm *mm, uint64_t addr)
{
	size_t i = sva_vma_index_after(mm, addr);

	if (i < mm->nvmas && mm->vmas[i]->start <= addr)
		return mm->vmas[i];
	return NULL;
}

size_t sva_mm_vma_count(struct sva_mm *mm)
{
	return mm->nvmas;
}

static int sva_vma_reserve(struct sva_mm *mm, size_t n)
{
	struct sva_vma **v;
	size_t cap;

	if (n <= mm->vmas_cap)
		return 0;
	cap = mm->vmas_cap ? mm->vmas_cap * 2 : 16;
	while (cap < n)
		cap *= 2;
	v = sva_realloc(mm->w, &sva_obj_array, mm->vmas, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	mm->vmas = v;
	mm->vmas_cap = cap;
	return 0;
}

static void sva_vma_insert_at(struct sva_mm *mm, size_t i, struct sva_vma *vma)
{
	sva_lockdep_assert_held_write(&mm->mmap_lock); /* mmap_assert_write_locked */
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nvmas - i) * sizeof(*mm->vmas));
	mm->vmas[i] = vma;
	mm->nvmas++;
}

int sva_vma_insert(struct sva_mm *mm, struct sva_vma *vma)
{
	size_t i = sva_vma_index_after(mm, vma->start);

	if (i < mm->nvmas && mm->vmas[i]->start < vma->end)
		return -EEXIST;
	if (sva_vma_reserve(mm, mm->nvmas + 1))
		return -ENOMEM;
	sva_vma_insert_at(mm, i, vma);
	return 0;
}

void sva_vma_remove_at(struct sva_mm *mm, size_t i)
{
	sva_lockdep_assert_held_write(&mm->mmap_lock);
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nvmas - i - 1) * sizeof(*mm->vmas));
	mm->nvmas--;
}

int sva_vma_split(struct sva_mm *mm, size_t i, uint64_t addr)
{
	struct sva_vma *old = mm->vmas[i];
	struct sva_vma *tail;

	if (sva_vma_reserve(mm, mm->nvmas + 1))
		return -ENOMEM;
	tail = sva_vma_alloc(mm, addr, old->end, old->flags);
	if (!tail)
		return -ENOMEM;
	tail->ops = old->ops;
	tail->private_data = old->private_data;
	tail->pgoff = old->pgoff + ((addr - old->start) >> SVA_PAGE_SHIFT);
	if (old->file)
		tail->file = sva_get_file(old->file);
	old->end = addr;
	sva_vma_insert_at(mm, i + 1, tail);
	return 0;
}

static bool sva_vma_mergeable(const struct sva_vma *a, const struct sva_vma *b)
{
	return a->end == b->start && a->flags == b->flags && sva_vma_is_anon(a) &&
	       sva_vma_is_anon(b);
}

void sva_vma_merge_around(struct sva_mm *mm, size_t i)
{
	if (i + 1 < mm->nvmas && sva_vma_mergeable(mm->vmas[i], mm->vmas[i + 1])) {
		struct sva_vma *next = mm->vmas[i + 1];

		mm->vmas[i]->end = next->end;
		sva_vma_remove_at(mm, i + 1);
		sva_vma_free(next);
	}
	if (i > 0 && i < mm->nvmas && sva_vma_mergeable(mm->vmas[i - 1], mm->vmas[i])) {
		struct sva_vma *cur = mm->vmas[i];

		mm->vmas[i - 1]->end = cur->end;
		sva_vma_remove_at(mm, i);
		sva_vma_free(cur);
	}
}

uint64_t sva_vma_find_room(struct sva_mm *mm, uint64_t hint, uint64_t len)
{
	uint64_t addr = hint ? hint : SVA_MMAP_BASE;
	size_t i = sva_vma_index_after(mm, addr);

	for (;; i++) {
		uint64_t limit = i < mm->nvmas ? mm->vmas[i]->start : SVA_TASK_SIZE;

		if (addr + len >= addr && addr + len <= limit)
			return addr;
		if (i >= mm->nvmas)
			return hint ? sva_vma_find_room(mm, 0, len) : 0;
		addr = mm->vmas[i]->end;
	}
}

uint64_t sva_vma_pte_flags(const struct sva_vma *vma, bool write)
{
	uint64_t f = SVA_PTE_PRESENT | SVA_PTE_ACCESSED;

	if (vma->flags & (SVA_VM_READ | SVA_VM_WRITE | SVA_VM_EXEC))
		f |= SVA_PTE_USER;
	if (vma->flags & SVA_VM_WRITE)
		f |= SVA_PTE_WRITE;
	if (!(vma->flags & SVA_VM_EXEC))
		f |= SVA_PTE_NX;
	if (write)
		f |= SVA_PTE_DIRTY;
	return f;
}
