/* SPDX-License-Identifier: MIT */
/*
 * swiommu domains: SVA domains (the mm's page table, an mmu notifier), paging domains (a page
 * table of their own, map / unmap), the blocked domain, and set_dev_pasid, which programs a
 * device's PASID entry.
 *
 * Programming an entry: under the lock of the translating domain the entry leaves or joins,
 * store the new entry (domain, then word), flush the IOTLB for the old (domain id, PASID) and
 * the device's ATC for the PASID, and, if the old entry could translate, wait for walks and
 * DMA in flight on the device; only then does the entry leave the old domain's list. So
 * release (which blocks every entry on the list) and a detach never miss each other, and the
 * core may free the old domain as soon as set_dev_pasid returns.
 *
 * A detach (the blocked domain's set_dev_pasid with the old domain, under the core's group
 * mutex) first makes the entry invalid, so the device's page requests for the PASID are
 * refused from then on, and then drains those already sent (prq.c): the PRQ, the core's fault
 * queue, and whatever is still pending is answered INVALID. No request sent while the PASID
 * had this owner is handled after the detach returns, so none meets the PASID's next owner.
 *
 * SVA attach refuses a domain whose mm is exiting (release ran, or exit_mmap is done) with
 * -EINVAL, as SMMUv3 does (reference §5): a translating entry is never created on a page
 * table that is going away.
 *
 * Lock order: iommu_sva_lock -> group mutex (the core) -> domain lock -> pasid table lock;
 * domain lock -> walk sync / dma rw-semaphore; domain lock -> iotlb set / atc spinlocks. At most
 * one domain lock is held at a time. The PRQ drain runs under the group mutex with no domain
 * lock held: the fault handlers it waits for take mmap_lock and, through invalidations, domain
 * locks.
 *
 * References: an SVA domain is freed by its notifier's free_notifier after mmu_notifier_put
 * (the core dropped the domain's mm count before calling free); a paging domain at free.
 */
#include <errno.h>

#include "internal.h"

static const struct sva_domain_ops sva_sw_sva_ops;
static const struct sva_domain_ops sva_sw_paging_ops;

static struct sva_sw_domain *sva_sw_domain_new(struct sva_swiommu *sw, enum sva_domain_type type,
					       const struct sva_domain_ops *ops)
{
	struct sva_sw_domain *sd = sva_alloc(sw->w, &sva_obj_domain, sizeof(*sd));

	if (!sd)
		return NULL;
	sd->dom.type = type;
	sd->dom.ops = ops;
	sd->dom.owner = sw->iommu;
	sd->w = sw->w;
	sd->sw = sw;
	sva_mutex_init(sw->w, &sd->lock, "swiommu_domain");
	sva_glist_init(&sd->attached, &sd->lock);
	atomic_init(&sd->released, false);
	return sd;
}

static void sva_sw_domain_delete(struct sva_sw_domain *sd)
{
	sva_mutex_destroy(&sd->lock);
	sva_free(sd->w, &sva_obj_domain, sd);
}

int sva_sw_domain_alloc_sva(struct sva_device *dev, struct sva_mm *mm, struct sva_domain **out)
{
	struct sva_swiommu *sw = sva_sw_device_of(dev)->sw;
	struct sva_sw_domain *sd = sva_sw_domain_new(sw, SVA_DOMAIN_SVA, &sva_sw_sva_ops);
	int ret;

	if (!sd)
		return -ENOMEM;
	sd->mm = mm;
	sd->pt = sva_mm_pgtable(mm);
	sd->mn.ops = &sva_sw_mn_ops;
	ret = sva_mmu_notifier_register(&sd->mn, mm); /* takes mmap_lock for write */
	if (ret) {
		sva_sw_domain_delete(sd);
		return ret;
	}
	*out = &sd->dom;
	return 0;
}

int sva_sw_domain_alloc_paging(struct sva_device *dev, struct sva_domain **out)
{
	struct sva_swiommu *sw = sva_sw_device_of(dev)->sw;
	struct sva_sw_domain *sd = sva_sw_domain_new(sw, SVA_DOMAIN_PAGING, &sva_sw_paging_ops);

	if (!sd)
		return -ENOMEM;
	if (sva_pgtable_init(&sd->own, sw->phys)) {
		sva_sw_domain_delete(sd);
		return -ENOMEM;
	}
	sd->pt = &sd->own;
	*out = &sd->dom;
	return 0;
}

/* ---- flushing ---- */

void sva_sw_flush(struct sva_sw_device *sdev, uint32_t did, uint32_t pasid, uint64_t start,
		  uint64_t end)
{
	struct sva_swiommu *sw = sdev->sw;
	uint64_t first, npages;

	if (end <= start)
		return;
	first = start >> SVA_PAGE_SHIFT;
	npages = ((end - 1) >> SVA_PAGE_SHIFT) - first + 1;
	if (npages > sw->cfg.flush_all_pages) {
		sva_iotlb_invalidate_pasid(sw->iotlb, did, pasid);
		if (sdev->dev->ats)
			sva_atc_invalidate(&sdev->atc, pasid, 0, SVA_ATC_ALL);
	} else {
		sva_iotlb_invalidate_range(sw->iotlb, did, pasid, first, npages);
		if (sdev->dev->ats)
			sva_atc_invalidate(&sdev->atc, pasid, first, npages);
	}
	if (sdev->unmap_fn) /* the device model's own caches, before the wait for DMA */
		sdev->unmap_fn(sdev->unmap_ctx, sdev->dev, pasid, start, end);
}

void sva_sw_domain_flush_locked(struct sva_sw_domain *sd, uint64_t start, uint64_t end)
{
	struct sva_pasid_entry *e;

	sva_lockdep_assert_held(&sd->lock);

	sva_glist_for_each_entry(e, &sd->attached, node)
		sva_sw_flush(e->sdev, sd->dom.id, e->pasid, start, end);
	sva_glist_for_each_entry(e, &sd->attached, node)
		sva_inflight_sync(&e->sdev->inflight);
}

/* ---- programming a PASID entry ---- */

static struct sva_sw_domain *sva_sw_translating(struct sva_domain *d)
{
	return d && d->type != SVA_DOMAIN_BLOCKED ? sva_sw_domain_of(d) : NULL;
}

/* The owner generation @domain's requests are stamped with: its mm's PASID's, or its embedder
 * table's installation; 0: a domain of no owner (blocked, a kernel paging domain). */
static uint64_t sva_sw_domain_gen(struct sva_domain *domain)
{
	if (!domain || domain->type == SVA_DOMAIN_BLOCKED)
		return 0;
	if (domain->mm)
		return sva_mm_pasid_gen(domain->mm);
	return sva_sw_domain_of(domain)->embedder ? sva_sw_domain_of(domain)->fs_gen : 0;
}

/* Store @state / @domain in @e, flush what the old entry cached, wait if it could translate. */
static void sva_sw_entry_store(struct sva_sw_device *sdev, struct sva_pasid_entry *e,
			       uint32_t pasid, enum sva_pasid_entry_state state,
			       struct sva_domain *domain)
{
	uint64_t old = sva_pasid_entry_word(e);
	uint64_t gen = sva_sw_domain_gen(domain);

	if (gen) { /* before it translates; kept after, for the last owner's stale work */
		if (sdev->sim) /* POR: read lock-free with the entry: name the table's lock */
			sva_mutex_reads(&sdev->table.lock);
		atomic_store(&e->gen, gen);
	}
	sva_pasid_entry_set(&sdev->table, e, state, domain);
	sva_sw_flush(sdev, sva_pasid_word_did(old), pasid, 0, SVA_SW_FLUSH_WHOLE);
	if (sva_pasid_word_state(old) != SVA_PASID_ENTRY_INVALID)
		sva_inflight_sync(&sdev->inflight);
	sva_trace(sdev->sw->w, SWIOMMU_PASID_ENTRY, sdev->dev->name, pasid, state,
		  domain && domain->mm ? sva_mm_id(domain->mm) : 0, gen);
}

/* Reprogram @e away from whatever it holds (under the old translating domain's lock). */
static void sva_sw_entry_leave(struct sva_sw_device *sdev, struct sva_pasid_entry *e,
			       uint32_t pasid, enum sva_pasid_entry_state state,
			       struct sva_domain *domain)
{
	struct sva_sw_domain *old = sva_sw_translating(atomic_load(&e->domain));

	if (old)
		sva_mutex_lock(&old->lock);
	sva_sw_entry_store(sdev, e, pasid, state, domain);
	if (old) {
		if (e->attached) {
			sva_glist_del(&e->node, &old->attached);
			e->attached = false;
		}
		sva_mutex_unlock(&old->lock);
	}
}

/* The device's state if @dev may use @pasid behind @sw. */
static struct sva_sw_device *sva_sw_check(struct sva_swiommu *sw, struct sva_device *dev,
					  uint32_t pasid)
{
	struct sva_sw_device *sdev = dev ? sva_sw_device_of(dev) : NULL;

	if (!sdev || sdev->sw != sw || pasid >= dev->max_pasids)
		return NULL;
	return sdev;
}

static bool sva_sw_domain_dying(struct sva_sw_domain *sd)
{
	return atomic_load(&sd->released) || (sd->mm && sva_mm_is_dead(sd->mm));
}

/* set_dev_pasid of SVA and paging domains: the entry translates through @domain. */
static int sva_sw_set_dev_pasid(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
				struct sva_domain *old)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(domain);
	struct sva_sw_device *sdev = sva_sw_check(sd->sw, dev, pasid);
	struct sva_pasid_entry *e;
	struct sva_domain *prev;
	int ret = 0;

	(void)old; /* the entry knows what it holds */
	if (!sdev)
		return -EINVAL;
	e = sva_pasid_table_get(&sdev->table, pasid);
	if (!e)
		return -ENOMEM;
	prev = atomic_load(&e->domain);
	if (prev && prev != domain && sva_sw_translating(prev)) /* a replace: leave it first */
		sva_sw_entry_leave(sdev, e, pasid, SVA_PASID_ENTRY_INVALID, NULL);
	sva_mutex_lock(&sd->lock);
	if (sva_sw_domain_dying(sd)) {
		ret = -EINVAL; /* the mm is exiting: its table is going away */
	} else if (prev != domain || !e->attached) {
		sva_sw_entry_store(sdev, e, pasid, SVA_PASID_ENTRY_TRANSLATING, domain);
		e->sdev = sdev;
		e->pasid = pasid;
		e->attached = true;
		sva_glist_add_tail(&e->node, &sd->attached);
	}
	sva_mutex_unlock(&sd->lock);
	return ret;
}

/*
 * The blocked domain: with @old, a detach (the entry becomes invalid); without, the blocked
 * domain attached explicitly (blocking, faults reported).
 */
static int sva_sw_blocked_set(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
			      struct sva_domain *old)
{
	struct sva_swiommu *sw = sva_iommu_priv(domain->owner);
	struct sva_sw_device *sdev = sva_sw_check(sw, dev, pasid);
	struct sva_pasid_entry *e;

	if (!sdev || domain != &sw->blocked)
		return -EINVAL;
	e = old ? sva_pasid_table_entry(&sdev->table, pasid)
		: sva_pasid_table_get(&sdev->table, pasid);
	if (!e)
		return old ? 0 : -ENOMEM;
	if (!old) {
		sva_sw_entry_leave(sdev, e, pasid, SVA_PASID_ENTRY_BLOCKING_REPORTING, domain);
		return 0;
	}
	/* a detach: no new page request for the PASID, then drain what was sent before */
	sva_sw_entry_leave(sdev, e, pasid, SVA_PASID_ENTRY_INVALID, NULL);
	sva_sw_prq_drain_pasid(sdev, pasid);
	return 0;
}

const struct sva_domain_ops sva_sw_blocked_ops = {
	.set_dev_pasid = sva_sw_blocked_set,
};

/* ---- paging domains: map / unmap ---- */

static int sva_sw_map(struct sva_domain *domain, uint64_t iova, uint64_t pfn, unsigned prot)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(domain);
	struct sva_page *page = pfn ? sva_pfn_to_page(sd->sw->phys, pfn) : NULL;
	uint64_t flags = SVA_PTE_PRESENT | SVA_PTE_USER;
	sva_pte_t *e;
	int ret = 0;

	if ((iova & ~SVA_PAGE_MASK) || iova >= SVA_TASK_SIZE || !page ||
	    !(prot & (SVA_PROT_READ | SVA_PROT_WRITE)))
		return -EINVAL;
	if (prot & SVA_PROT_WRITE)
		flags |= SVA_PTE_WRITE;
	if (!(prot & SVA_PROT_EXEC))
		flags |= SVA_PTE_NX;
	sva_mutex_lock(&sd->lock);
	e = sva_pgtable_walk(sd->pt, iova, true, &ret);
	if (e && sva_pte_read(e)) {
		ret = -EEXIST;
	} else if (e) {
		sva_page_get(page); /* the entry's reference, dropped when it is zapped */
		sva_pte_write(e, sva_pte_make(pfn, flags));
	}
	sva_mutex_unlock(&sd->lock);
	return ret;
}

/* The gather's flush: every attachment's IOTLB and ATC, then wait, then free. */
static void sva_sw_paging_tlb_flush(struct sva_mmu_gather *tlb, void *ctx)
{
	struct sva_sw_domain *sd = ctx;

	if (tlb->start < tlb->end)
		sva_sw_domain_flush_locked(sd, tlb->start, tlb->end);
	sva_tlb_finish(tlb);
}

/* Zap [start, end) of a paging domain (lock held). */
static void sva_sw_paging_zap(struct sva_sw_domain *sd, uint64_t start, uint64_t end)
{
	struct sva_mmu_gather tlb;

	sva_tlb_gather_init(&tlb, sd->sw->phys, sva_sw_paging_tlb_flush, sd);
	sva_pgtable_zap_range(sd->pt, start, end, &tlb, NULL, NULL);
	sva_tlb_gather_done(&tlb);
}

static int sva_sw_unmap(struct sva_domain *domain, uint64_t iova)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(domain);
	sva_pte_t *e;
	int ret = 0;

	if ((iova & ~SVA_PAGE_MASK) || iova >= SVA_TASK_SIZE)
		return -EINVAL;
	sva_mutex_lock(&sd->lock);
	e = sva_pgtable_walk(sd->pt, iova, false, NULL);
	if (!e || !(sva_pte_read(e) & SVA_PTE_PRESENT))
		ret = -ENOENT;
	else
		sva_sw_paging_zap(sd, iova, iova + SVA_PAGE_SIZE);
	sva_mutex_unlock(&sd->lock);
	return ret;
}

/* ---- freeing ---- */

static void sva_sw_domain_check_detached(struct sva_sw_domain *sd)
{
	sva_mutex_lock(&sd->lock);
	if (!sva_glist_empty(&sd->attached))
		sva_report(sd->w, SVA_REPORT_BAD_USAGE, "swiommu domain %u freed while attached",
			   sd->dom.id);
	sva_mutex_unlock(&sd->lock);
}

static void sva_sw_paging_free(struct sva_domain *domain)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(domain);

	sva_sw_domain_check_detached(sd);
	sva_mutex_lock(&sd->lock);
	sva_sw_paging_zap(sd, 0, SVA_TASK_SIZE);
	sva_mutex_unlock(&sd->lock);
	sva_pgtable_destroy(&sd->own);
	sva_sw_domain_delete(sd);
}

/* The core dropped the domain's mm count; the notifier frees the struct after its grace. */
static void sva_sw_sva_free(struct sva_domain *domain)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(domain);

	sva_sw_domain_check_detached(sd);
	sva_mmu_notifier_put(&sd->mn);
}

void sva_sw_domain_free_notifier(struct sva_sw_domain *sd)
{
	sva_sw_domain_delete(sd);
}

/* An embedder-table domain (embed.c): no table of its own to zap. */
static void sva_sw_fs_free(struct sva_domain *domain)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(domain);

	sva_sw_domain_check_detached(sd);
	sva_sw_domain_delete(sd);
}

const struct sva_domain_ops sva_sw_fs_ops = {
	.set_dev_pasid = sva_sw_set_dev_pasid,
	.free = sva_sw_fs_free,
};

static const struct sva_domain_ops sva_sw_sva_ops = {
	.set_dev_pasid = sva_sw_set_dev_pasid,
	.free = sva_sw_sva_free,
};

static const struct sva_domain_ops sva_sw_paging_ops = {
	.set_dev_pasid = sva_sw_set_dev_pasid,
	.map = sva_sw_map,
	.unmap = sva_sw_unmap,
	.free = sva_sw_paging_free,
};
