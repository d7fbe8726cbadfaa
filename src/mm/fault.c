/* SPDX-License-Identifier: MIT */
/*
 * Page faults and CPU access.
 *
 * handle_mm_fault runs with mmap_lock held for read (so the VMA and the table shape are
 * stable); leaf entries change under the page-table lock, which is never held across an
 * allocation, a copy from swap, or a notifier call: the fault allocates first, then re-checks
 * the entry under the lock and retries if another fault got there first. A copy-on-write break
 * installs the new page, invalidates the notifiers (a device may hold the old translation),
 * and only then drops the old page.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct sva_fault {
	struct sva_vma *vma;
	struct sva_mm *mm;
	uint64_t addr;
	bool write;
	sva_pte_t *pte;
};

/*
 * A page for a not-present entry: the driver's, the swap cache's (the page itself, not yet
 * written out), a copy of the swapped contents, or zeroes.
 */
static struct sva_page *sva_fault_new_page(struct sva_fault *f, uint64_t old, unsigned *err)
{
	struct sva_page *page;

	if (!(old & SVA_PTE_SWAP) && f->vma->ops && f->vma->ops->fault) {
		page = f->vma->ops->fault(f->vma, f->addr);
		*err = page ? 0 : SVA_VM_FAULT_SIGBUS;
		return page;
	}
	*err = 0;
	if ((old & SVA_PTE_SWAP) && (page = sva_swap_cache_get(f->mm->sys, sva_pte_pfn(old))))
		return page;
	page = sva_page_alloc(f->mm->sys->phys, SVA_PAGE_ANON);
	if (!page) {
		*err = SVA_VM_FAULT_OOM;
		return NULL;
	}
	if ((old & SVA_PTE_SWAP) &&
	    sva_swap_load(f->mm->sys, sva_pte_pfn(old), sva_page_address(page))) {
		sva_page_put(page);
		*err = SVA_VM_FAULT_SIGBUS;
		return NULL;
	}
	*err = 0;
	return page;
}

/* The entry is no longer @old: another fault (or reclaim) got there first. */
static bool sva_fault_pte_changed(struct sva_fault *f, uint64_t old)
{
	bool changed;

	sva_spin_lock(&f->mm->ptl);
	changed = sva_mm_pte_get(f->mm, f->pte) != old;
	sva_spin_unlock(&f->mm->ptl);
	return changed;
}

/* Not present: demand-zero, driver page, or swap-in. */
static unsigned sva_fault_missing(struct sva_fault *f, uint64_t old)
{
	struct sva_page *page;
	unsigned err;

	page = sva_fault_new_page(f, old, &err);
	/*
	 * A swap slot gone under us: another fault swapped the page in and freed the slot after
	 * this one read the entry. As do_swap_page's pte_same check, that is a retry, not SIGBUS.
	 */
	if (!page && err == SVA_VM_FAULT_SIGBUS && (old & SVA_PTE_SWAP) &&
	    sva_fault_pte_changed(f, old))
		return SVA_VM_FAULT_OK;
	if (!page)
		return err;
	sva_spin_lock(&f->mm->ptl);
	if (sva_mm_pte_get(f->mm, f->pte) != old) { /* someone else resolved it */
		sva_spin_unlock(&f->mm->ptl);
		sva_page_put(page);
		return SVA_VM_FAULT_OK;
	}
	sva_mm_set_pte(f->mm, f->pte, sva_pte_make(page->pfn, sva_vma_pte_flags(f->vma, f->write)));
	if (old & SVA_PTE_SWAP)
		sva_trace(f->mm->w, MM_SWAP_IN, f->mm->id, f->addr & SVA_PAGE_MASK, page->pfn);
	sva_spin_unlock(&f->mm->ptl);
	if (old & SVA_PTE_SWAP)
		sva_swap_free(f->mm->sys, sva_pte_pfn(old));
	return SVA_VM_FAULT_OK;
}

/* A write to a copy-on-write page that others map too: copy it. */
static unsigned sva_fault_cow_copy(struct sva_fault *f, uint64_t old)
{
	struct sva_page *src = sva_pfn_to_page(f->mm->sys->phys, sva_pte_pfn(old));
	struct sva_page *dst;

	sva_page_get(src); /* keep it while copying unlocked */
	sva_spin_unlock(&f->mm->ptl);
	dst = sva_page_alloc(f->mm->sys->phys, SVA_PAGE_ANON);
	if (!dst) {
		sva_page_put(src);
		return SVA_VM_FAULT_OOM;
	}
	sva_frame_copy(sva_page_address(dst), sva_page_address(src), SVA_PAGE_SIZE);
	sva_spin_lock(&f->mm->ptl);
	if (sva_mm_pte_get(f->mm, f->pte) != old) {
		sva_spin_unlock(&f->mm->ptl);
		sva_page_put(dst);
		sva_page_put(src);
		return SVA_VM_FAULT_OK; /* retried by the caller's access */
	}
	sva_mm_pt_change_begin(f->mm);
	sva_mm_set_pte(f->mm, f->pte, sva_pte_make(dst->pfn, sva_vma_pte_flags(f->vma, true)));
	sva_spin_unlock(&f->mm->ptl);
	sva_mm_notify_invalidate(f->mm, f->addr, f->addr + SVA_PAGE_SIZE);
	sva_mm_pt_change_end(f->mm);
	sva_trace(f->mm->w, MM_COW_BREAK, f->mm->id, f->addr);
	sva_page_put(src); /* ours */
	sva_page_put(src); /* the mapping's, now that no cache can hold it */
	return SVA_VM_FAULT_OK;
}

/* Present entry, write access, not writable. Entered with ptl held; returns with it released. */
static unsigned sva_fault_write_protected(struct sva_fault *f, uint64_t old)
{
	struct sva_page *page = sva_pfn_to_page(f->mm->sys->phys, sva_pte_pfn(old));

	sva_lockdep_assert_held(&f->mm->ptl);
	if (!(f->vma->flags & SVA_VM_WRITE)) {
		sva_spin_unlock(&f->mm->ptl);
		return SVA_VM_FAULT_SIGSEGV;
	}
	if ((old & SVA_PTE_COW) && page && sva_page_count(page) > 1)
		return sva_fault_cow_copy(f, old);
	/* the only mapping (or a shared one made read-only by mprotect): write in place */
	sva_mm_set_pte(f->mm, f->pte,
		       (old & ~SVA_PTE_COW) | SVA_PTE_WRITE | SVA_PTE_DIRTY | SVA_PTE_ACCESSED);
	sva_spin_unlock(&f->mm->ptl);
	return SVA_VM_FAULT_OK;
}

unsigned sva_handle_mm_fault(struct sva_vma *vma, uint64_t addr, unsigned flags)
{
	struct sva_fault f = {
		.vma = vma,
		.mm = vma->mm,
		.addr = addr & SVA_PAGE_MASK,
		.write = flags & SVA_FAULT_FLAG_WRITE,
	};
	uint64_t old;
	int err = 0;

	sva_lockdep_assert_held(&f.mm->mmap_lock);
	f.pte = sva_pgtable_walk(&f.mm->pgt, f.addr, true, &err);
	if (!f.pte)
		return err == -ENOMEM ? SVA_VM_FAULT_OOM : SVA_VM_FAULT_SIGSEGV;
	sva_spin_lock(&f.mm->ptl);
	old = sva_mm_pte_get(f.mm, f.pte);
	if (!(old & SVA_PTE_PRESENT)) {
		sva_spin_unlock(&f.mm->ptl);
		return sva_fault_missing(&f, old);
	}
	if (f.write && !(old & SVA_PTE_WRITE))
		return sva_fault_write_protected(&f, old);
	if ((vma->flags & (SVA_VM_READ | SVA_VM_WRITE | SVA_VM_EXEC)) && !(old & SVA_PTE_USER))
		old |= SVA_PTE_USER; /* mprotect gave access back */
	sva_mm_set_pte(f.mm, f.pte, old | SVA_PTE_ACCESSED | (f.write ? SVA_PTE_DIRTY : 0));
	sva_spin_unlock(&f.mm->ptl);
	return SVA_VM_FAULT_OK;
}

/* The VMA's answer to an access: 0 or -EACCES. */
static int sva_vma_access_ok(const struct sva_vma *vma, unsigned flags)
{
	unsigned need = SVA_VM_READ;

	if (flags & SVA_FAULT_FLAG_WRITE)
		need = SVA_VM_WRITE;
	else if (flags & SVA_FAULT_FLAG_INSTRUCTION)
		need = SVA_VM_EXEC;
	return (vma->flags & need) ? 0 : -EACCES;
}

static int sva_vm_fault_errno(unsigned r)
{
	if (r & SVA_VM_FAULT_OOM)
		return -ENOMEM;
	if (r & SVA_VM_FAULT_SIGBUS)
		return -EIO;
	if (r & SVA_VM_FAULT_SIGSEGV)
		return -EACCES;
	return 0;
}

/* mmap_lock held for read. */
static int sva_mm_fault_locked(struct sva_mm *mm, uint64_t addr, unsigned flags)
{
	struct sva_vma *vma = sva_vma_lookup(mm, addr);
	int ret;

	if (!vma)
		return -EFAULT;
	ret = sva_vma_access_ok(vma, flags);
	if (ret)
		return ret;
	return sva_vm_fault_errno(sva_handle_mm_fault(vma, addr, flags));
}

int sva_mm_fault(struct sva_mm *mm, uint64_t addr, unsigned flags)
{
	int ret;

	sva_down_read(&mm->mmap_lock);
	ret = sva_mm_fault_locked(mm, addr, flags);
	sva_up_read(&mm->mmap_lock);
	sva_trace(mm->w, MM_FAULT, mm->id, addr, flags, (uint64_t)(int64_t)ret);
	return ret;
}

/*
 * Copy one piece within a page, if the entry allows the access (ptl held). True when done;
 * false when a fault must resolve the entry first.
 */
static bool sva_mm_copy_piece(struct sva_mm *mm, uint64_t addr, void *buf, size_t n, bool write)
{
	sva_pte_t *pte = sva_pgtable_walk(&mm->pgt, addr, false, NULL);
	uint64_t v = pte ? sva_pte_read(pte) : 0;
	char *data;

	sva_lockdep_assert_held(&mm->mmap_lock); /* the table's shape */
	sva_lockdep_assert_held(&mm->ptl);
	if (!(v & SVA_PTE_PRESENT) || !(v & SVA_PTE_USER) || (write && !(v & SVA_PTE_WRITE)))
		return false;
	data = (char *)sva_page_address(sva_pfn_to_page(mm->sys->phys, sva_pte_pfn(v))) +
	       (addr & ~SVA_PAGE_MASK);
	if (write)
		sva_frame_copy(data, buf, n);
	else
		sva_frame_copy(buf, data, n);
	sva_mm_set_pte(mm, pte, v | SVA_PTE_ACCESSED | (write ? SVA_PTE_DIRTY : 0));
	return true;
}

int sva_mm_access(struct sva_mm *mm, uint64_t addr, void *buf, size_t len, bool write)
{
	unsigned flags = SVA_FAULT_FLAG_USER | (write ? SVA_FAULT_FLAG_WRITE : 0);
	int ret = 0;

	sva_down_read(&mm->mmap_lock);
	while (len && ret == 0) {
		size_t n = SVA_PAGE_SIZE - (addr & ~SVA_PAGE_MASK);
		bool done;

		if (n > len)
			n = len;
		if (sva_world_broken(mm->w, SVA_BREAK_ACCESS_NO_PTL)) {
			done = sva_mm_copy_piece(mm, addr, buf, n, write);
		} else {
			sva_spin_lock(&mm->ptl);
			done = sva_mm_copy_piece(mm, addr, buf, n, write);
			sva_spin_unlock(&mm->ptl);
		}
		if (!done) {
			ret = sva_mm_fault_locked(mm, addr, flags);
			continue; /* retry the piece */
		}
		addr += n;
		buf = (char *)buf + n;
		len -= n;
	}
	sva_up_read(&mm->mmap_lock);
	return ret;
}
