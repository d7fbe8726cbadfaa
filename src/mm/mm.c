/* SPDX-License-Identifier: MIT */
/*
 * Address spaces: the subsystem, creation, the two counts, exit_mmap and __mmdrop.
 *
 * users -> 0 runs exit_mmap in the caller of the last mmput: the notifiers' release first (the
 * IOMMU blocks the PASID before any page goes), then every VMA is unmapped and its file put,
 * then the page tables are freed, then the count users held is dropped. count -> 0 runs
 * __mmdrop: the drop hooks (the IOMMU core frees the PASID there), then the mm is freed.
 * Every notifier and SVA domain holds count, which is why the PASID outlives exit_mmap until the
 * last unbind (reference §3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(mm);

#define SVA_MM_DEFAULT_FRAMES 16384

int sva_mm_sys_create(struct sva_world *w, const struct sva_mm_sys_config *cfg,
		      struct sva_mm_sys **out)
{
	struct sva_mm_sys *sys = sva_alloc(w, &sva_obj_mm, sizeof(*sys));
	size_t frames = cfg && cfg->frames ? cfg->frames : SVA_MM_DEFAULT_FRAMES;
	int ret;

	if (!sys)
		return -ENOMEM;
	sys->w = w;
	sva_mutex_init(w, &sys->lock, "mm_sys");
	sva_spin_lock_init(w, &sys->swap_lock, "swap");
	sva_glist_init(&sys->mms, &sys->lock);
	ret = sva_phys_create(w, frames, &sys->phys);
	if (ret == 0) {
		ret = sva_workqueue_create(w, "srcu", SVA_WQ_ORDERED, 1, &sys->srcu_wq);
		if (ret)
			sva_phys_destroy(sys->phys);
	}
	if (ret) {
		sva_free(w, &sva_obj_mm, sys);
		return ret;
	}
	sva_mm_name_formats(w);
	*out = sys;
	return 0;
}

void sva_mm_sys_destroy(struct sva_mm_sys *sys)
{
	if (!sys)
		return;
	sva_workqueue_destroy(sys->srcu_wq);
	if (!sva_list_empty(sva_glist_unguarded(&sys->mms))) /* the last user is gone */
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "mm subsystem destroyed with live mms");
	sva_swap_destroy(sys);
	sva_phys_destroy(sys->phys);
	sva_mutex_destroy(&sys->lock);
	sva_spin_lock_destroy(&sys->swap_lock);
	sva_free(sys->w, &sva_obj_mm, sys);
}

struct sva_phys *sva_mm_sys_phys(struct sva_mm_sys *sys)
{
	return sys->phys;
}

int sva_mm_sys_add_hook(struct sva_mm_sys *sys, enum sva_mm_hook_point point, sva_mm_hook fn,
			void *ctx)
{
	struct sva_mm_hooks *h;
	int ret = -ENOSPC;

	if ((unsigned)point >= SVA_MM_HOOK_NR || !fn)
		return -EINVAL;
	sva_mutex_lock(&sys->lock);
	h = &sva_guarded(&sys->lock, sys->hooks);
	if (h->n[point] < SVA_MM_MAX_HOOKS) {
		h->at[point][h->n[point]++] = (struct sva_mm_hook_entry){ fn, ctx };
		ret = 0;
	}
	sva_mutex_unlock(&sys->lock);
	return ret;
}

void sva_mm_run_hooks(struct sva_mm *mm, enum sva_mm_hook_point point)
{
	struct sva_mm_sys *sys = mm->sys;
	struct sva_mm_hook_entry hooks[SVA_MM_MAX_HOOKS];
	unsigned n;

	sva_mutex_lock(&sys->lock);
	n = sva_guarded(&sys->lock, sys->hooks).n[point];
	memcpy(hooks, sva_guarded(&sys->lock, sys->hooks).at[point], sizeof(hooks));
	sva_mutex_unlock(&sys->lock);
	for (unsigned i = 0; i < n; i++)
		hooks[i].fn(hooks[i].ctx, mm);
}

void sva_mm_sys_synchronize(struct sva_mm_sys *sys)
{
	sva_flush_workqueue(sys->srcu_wq);
}

int sva_mm_create(struct sva_mm_sys *sys, const char *name, struct sva_mm **out)
{
	struct sva_mm *mm = sva_alloc(sys->w, &sva_obj_mm, sizeof(*mm));
	int ret;

	if (!mm)
		return -ENOMEM;
	mm->sys = sys;
	mm->w = sys->w;
	ret = sva_pgtable_init(&mm->pgt, sys->phys);
	if (ret) {
		sva_free(sys->w, &sva_obj_mm, mm);
		return ret;
	}
	sva_mutex_lock(&sys->lock);
	mm->id = ++sys->next_id;
	sva_glist_add_tail(&mm->sys_node, &sys->mms);
	sva_mutex_unlock(&sys->lock);
	if (name)
		snprintf(mm->name, sizeof(mm->name), "%s", name);
	else
		snprintf(mm->name, sizeof(mm->name), "mm%u", mm->id);
	sva_refcount_init(sys->w, &mm->users, "mm_users", 1);
	sva_refcount_init(sys->w, &mm->count, "mm_count", 1);
	sva_rwsem_init(sys->w, &mm->mmap_lock, "mmap_lock");
	sva_spin_lock_init(sys->w, &mm->ptl, "page_table_lock");
	sva_rwsem_init(sys->w, &mm->notifier_lock, "mmu_notifiers");
	sva_glist_init(&mm->notifiers, &mm->notifier_lock);
	sva_trace_obj(sys->w, mm, MM_CREATE, mm->id, mm->name); /* the checker queries its table */
	*out = mm;
	return 0;
}

void sva_mmget(struct sva_mm *mm)
{
	sva_refcount_inc(&mm->users);
}

bool sva_mmget_not_zero(struct sva_mm *mm)
{
	return sva_refcount_inc_not_zero(&mm->users);
}

void sva_mmgrab(struct sva_mm *mm)
{
	sva_refcount_inc(&mm->count);
}

uint64_t sva_mm_query_pte(struct sva_mm *mm, uint64_t va, bool *pending)
{
	sva_mm_pt_touch(mm); /* the checker, from a DMA access's step */
	*pending = atomic_load(&mm->pt_pending) != 0;
	return sva_pgtable_query(&mm->pgt, va);
}

/* Unmap everything, free the tables: the address space is gone, the struct stays. */
static void sva_exit_mmap(struct sva_mm *mm)
{
	struct sva_mmu_gather tlb;

	sva_trace(mm->w, MM_EXIT_MMAP, mm->id);
	sva_mm_notify_release(mm);

	sva_down_write(&mm->mmap_lock);
	sva_mm_tlb_init(&tlb, mm);
	for (size_t i = 0; i < sva_mm_nvmas(mm); i++)
		sva_mm_zap_vma_range(mm, sva_mm_vma(mm, i)->start, sva_mm_vma(mm, i)->end, &tlb);
	sva_mm_tlb_done(&tlb, mm);
	while (sva_mm_nvmas(mm)) {
		struct sva_vma *vma = sva_mm_vma(mm, sva_mm_nvmas(mm) - 1);

		sva_vma_remove_at(mm, sva_mm_nvmas(mm) - 1);
		sva_vma_free(vma);
	}
	sva_pgtable_destroy(&mm->pgt);
	atomic_store(&mm->dead, true);
	sva_up_write(&mm->mmap_lock);
}

void sva_mmput(struct sva_mm *mm)
{
	/* the refcount's point follows at once: this step touches nothing */
	sva_might_sleep_named(mm->w, SVA_HERE, "mmput");
	if (!sva_refcount_dec_and_test(&mm->users))
		return;
	sva_exit_mmap(mm);
	sva_mm_run_hooks(mm, SVA_MM_HOOK_PUT);
	sva_mmdrop(mm);
}

static void sva___mmdrop(struct sva_mm *mm)
{
	struct sva_mm_sys *sys = mm->sys;

	if (!atomic_load(&mm->dead))
		sva_report(mm->w, SVA_REPORT_REFCOUNT, "%s: mm_count reached 0 before exit_mmap",
			   mm->name);
	if (!sva_list_empty(sva_glist_unguarded(&mm->notifiers))) /* freed: no one else */
		sva_report(mm->w, SVA_REPORT_REFCOUNT, "%s: freed with notifiers registered",
			   mm->name);
	sva_mm_run_hooks(mm, SVA_MM_HOOK_DROP);
	if (mm->ext && mm->ext->release)
		mm->ext->release(mm->ext->ctx);
	sva_mutex_lock(&sys->lock);
	sva_glist_del(&mm->sys_node, &sys->mms);
	sva_mutex_unlock(&sys->lock);
	sva_trace(mm->w, MM_MMDROP, mm->id);
	sva_trace(mm->w, MM_FREE, mm->id);
	sva_rwsem_destroy(&mm->mmap_lock);
	sva_rwsem_destroy(&mm->notifier_lock);
	sva_spin_lock_destroy(&mm->ptl);
	sva_free(mm->w, &sva_obj_array, mm->vmas);
	sva_free(mm->w, &sva_obj_mm, mm);
}

void sva_mmdrop(struct sva_mm *mm)
{
	if (sva_refcount_dec_and_test(&mm->count))
		sva___mmdrop(mm);
}

long sva_mm_users(struct sva_mm *mm)
{
	return sva_refcount_read(&mm->users);
}

long sva_mm_count(struct sva_mm *mm)
{
	return sva_refcount_read(&mm->count);
}

const char *sva_mm_name(const struct sva_mm *mm)
{
	return mm->name;
}

unsigned sva_mm_id(const struct sva_mm *mm)
{
	return mm->id;
}

struct sva_world *sva_mm_world(const struct sva_mm *mm)
{
	return mm->w;
}

struct sva_mm_sys *sva_mm_sys_of(const struct sva_mm *mm)
{
	return mm->sys;
}

struct sva_rwsem *sva_mm_mmap_lock(struct sva_mm *mm)
{
	return &mm->mmap_lock;
}

struct sva_pgtable *sva_mm_pgtable(struct sva_mm *mm)
{
	return &mm->pgt;
}

bool sva_mm_is_dead(struct sva_mm *mm)
{
	return atomic_load(&mm->dead);
}

void *sva_mm_iommu_data(struct sva_mm *mm)
{
	return atomic_load_explicit(&mm->iommu_data, memory_order_acquire);
}

void sva_mm_set_iommu_data(struct sva_mm *mm, void *data)
{
	atomic_store_explicit(&mm->iommu_data, data, memory_order_release);
}

void sva_mm_set_external(struct sva_mm *mm, const struct sva_mm_external *ext)
{
	mm->ext = ext;
}

const struct sva_mm_external *sva_mm_external(const struct sva_mm *mm)
{
	return mm->ext;
}
