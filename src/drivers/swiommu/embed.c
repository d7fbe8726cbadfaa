/* SPDX-License-Identifier: MIT */
/*
 * The swiommu for someone else's memory: the embedder's backend (cfg.mem), PASID entries that
 * point at first-stage tables in that memory, invalidation by the embedder, devices with a
 * requester ID, the unmap notifier, and the one-call setup of the common case.
 *
 * An embedder-table domain is a paging domain of the core (the core gives it its id and
 * attaches it like any other) whose own table is dropped: its walks go through the backend
 * (sva_sw_walk_table). One per (device, PASID), on the device's fs list (under sw->lock) so
 * that clearing and teardown find it. Its page requests go to the embedder
 * (cfg.mem->page_request) through the domain's iopf handler.
 *
 * Lock order: as domain.c; sw->lock is taken only around the fs list (a guarded list: every
 * walk and change asserts it), never held while
 * attaching, detaching or invalidating (those take the group mutex and the domain lock).
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

SVA_OBJ_CLASS(embed);

/* ---- the backend seen by the walker ---- */

static sva_pte_t *sva_sw_mem_table(void *ctx, uint64_t pa)
{
	const struct sva_swiommu_mem *m = ((struct sva_swiommu *)ctx)->mem;

	return m->host_ptr(m->ctx, pa, SVA_PAGE_SIZE);
}

static int sva_sw_mem_read(void *ctx, uint64_t pa, uint64_t *val)
{
	const struct sva_swiommu_mem *m = ((struct sva_swiommu *)ctx)->mem;

	return m->read ? m->read(m->ctx, pa, val, sizeof(*val)) : -EFAULT;
}

static int sva_sw_mem_cmpxchg(void *ctx, uint64_t pa, uint64_t old, uint64_t val)
{
	const struct sva_swiommu_mem *m = ((struct sva_swiommu *)ctx)->mem;
	uint64_t cur;

	if (m->cmpxchg64)
		return m->cmpxchg64(m->ctx, pa, old, val);
	/* no atomic: read, compare, write (documented as not atomic against the embedder's CPU) */
	if (m->read(m->ctx, pa, &cur, sizeof(cur)) || cur != old)
		return -EAGAIN;
	return m->write(m->ctx, pa, &val, sizeof(val));
}

void sva_sw_mem_init(struct sva_swiommu *sw)
{
	const struct sva_swiommu_mem *m = sw->mem;

	if (!m)
		return;
	sw->ptmem = (struct sva_pt_mem){
		.table = m->host_ptr ? sva_sw_mem_table : NULL,
		.read = sva_sw_mem_read,
		.cmpxchg = m->cmpxchg64 || (m->read && m->write) ? sva_sw_mem_cmpxchg : NULL,
		.ctx = sw,
	};
}

/* ---- devices with a requester ID ---- */

struct sva_device *sva_swiommu_find_device(struct sva_swiommu *sw, uint16_t rid)
{
	struct sva_sw_device *sdev, *found = NULL;

	sva_mutex_lock(&sw->lock);
	sva_glist_for_each_entry(sdev, &sw->devices, node)
		if (sdev->rid == rid && !found)
			found = sdev;
	sva_mutex_unlock(&sw->lock);
	return found ? found->dev : NULL;
}

int sva_swiommu_device_add(struct sva_swiommu *sw, const struct sva_swiommu_device_config *cfg,
			   struct sva_device **out)
{
	struct sva_device_config dc;
	int ret;

	if (!sw || !cfg || !out)
		return -EINVAL;
	if (sva_swiommu_find_device(sw, cfg->rid))
		return -EEXIST;
	dc = (struct sva_device_config){ .name = cfg->name,
					 .pasid_bits = cfg->pasid_bits,
					 .ats = cfg->ats,
					 .pri = cfg->pri,
					 .pri_reqs = cfg->pri_reqs };
	ret = sva_device_add(sw->iommu, &dc, out);
	if (ret == 0)
		sva_sw_device_of(*out)->rid = cfg->rid;
	return ret;
}

uint16_t sva_swiommu_device_rid(struct sva_device *dev)
{
	return sva_sw_device_of(dev)->rid;
}

void sva_swiommu_set_unmap_notifier(struct sva_device *dev, sva_unmap_notify_fn fn, void *ctx)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	sdev->unmap_ctx = ctx;
	sdev->unmap_fn = fn;
}

/* ---- first-stage tables in the embedder's memory ---- */

static int sva_sw_fs_iopf(struct sva_iopf_group *group)
{
	struct sva_sw_domain *sd = sva_sw_domain_of(group->domain);
	const struct sva_swiommu_mem *m = sd->sw->mem;

	if (!m->page_request) {
		sva_swiommu_page_response(group, SVA_PAGE_RESP_INVALID);
		return 0;
	}
	return m->page_request(m->ctx, group->dev, group);
}

void sva_swiommu_page_response(struct sva_iopf_group *group, enum sva_page_response_code code)
{
	sva_iopf_group_response(group, code);
	sva_iopf_free_group(group);
}

/* The embedder-table domain of (@dev, @pasid), or NULL. */
static struct sva_sw_domain *sva_sw_fs_find(struct sva_sw_device *sdev, uint32_t pasid)
{
	struct sva_sw_domain *sd, *found = NULL;

	sva_mutex_lock(&sdev->sw->lock);
	sva_glist_for_each_entry(sd, &sdev->fs, fs_node)
		if (sd->fs_pasid == pasid && !found)
			found = sd;
	sva_mutex_unlock(&sdev->sw->lock);
	return found;
}

int sva_swiommu_set_pasid_table(struct sva_device *dev, uint32_t pasid, uint64_t root_gpa)
{
	struct sva_sw_device *sdev = dev ? sva_sw_device_of(dev) : NULL;
	struct sva_swiommu *sw = sdev ? sdev->sw : NULL;
	struct sva_domain *dom;
	struct sva_sw_domain *sd;
	int ret;

	if (!sw)
		return -EINVAL;
	if (!sw->mem)
		return -EOPNOTSUPP;
	if ((root_gpa & ~SVA_PTE_PFN_MASK) || pasid == SVA_IOMMU_NO_PASID ||
	    pasid >= dev->max_pasids)
		return -EINVAL;
	if (sva_sw_fs_find(sdev, pasid))
		sva_swiommu_clear_pasid_table(dev, pasid); /* a new root: the old one goes first */
	ret = sva_iommu_paging_domain_alloc(dev, &dom);
	if (ret)
		return ret;
	sd = sva_sw_domain_of(dom);
	sva_pgtable_destroy(&sd->own); /* empty: walks go to the embedder's table instead */
	sd->pt = NULL;
	sd->embedder = true;
	sd->fs_root = root_gpa;
	sd->fs_dev = dev;
	sd->fs_pasid = pasid;
	sd->fs_gen = SVA_PASID_GEN_EMBEDDER | (atomic_fetch_add(&sw->fs_gens, 1) + 1);
	dom->ops = &sva_sw_fs_ops;
	dom->iopf_handler = sva_sw_fs_iopf;
	/* before the entry translates: the checker learns whose table it is (obj: to query it) */
	sva_trace_obj(sw->w, sw, SWIOMMU_EMBED_TABLE, dev->name, pasid, root_gpa, 1, sd->fs_gen);
	ret = sva_iommu_attach_device_pasid(dom, dev, pasid, NULL);
	if (ret) {
		sva_trace_obj(sw->w, sw, SWIOMMU_EMBED_TABLE, dev->name, pasid, root_gpa, 0,
			      sd->fs_gen);
		sva_iommu_domain_free(dom);
		return ret;
	}
	sva_mutex_lock(&sw->lock);
	sva_glist_add_tail(&sd->fs_node, &sdev->fs);
	sva_mutex_unlock(&sw->lock);
	return 0;
}

int sva_swiommu_clear_pasid_table(struct sva_device *dev, uint32_t pasid)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);
	struct sva_sw_domain *sd = sva_sw_fs_find(sdev, pasid);

	if (!sd)
		return -ENOENT;
	sva_mutex_lock(&sdev->sw->lock);
	sva_glist_del(&sd->fs_node, &sdev->fs);
	sva_mutex_unlock(&sdev->sw->lock);
	sva_iommu_detach_device_pasid(&sd->dom, dev, pasid);
	/* the entry is invalid and nothing is in flight on it: the table is the embedder's again */
	sva_trace_obj(sdev->sw->w, sdev->sw, SWIOMMU_EMBED_TABLE, dev->name, pasid, sd->fs_root, 0,
		      sd->fs_gen);
	sva_iommu_domain_free(&sd->dom);
	return 0;
}

/*
 * The test-only defects of the embedder's invalidation (sd->lock held): a flush that leaves the
 * device's ATC (SVA_BREAK_EMBED_INVAL_KEEPS_ATC), or one that does not wait for the DMA in
 * flight (SVA_BREAK_EMBED_INVAL_NO_WAIT).
 */
static void sva_sw_fs_flush_broken(struct sva_sw_domain *sd, uint64_t start, uint64_t end)
{
	struct sva_pasid_entry *e;

	sva_lockdep_assert_held(&sd->lock);
	sva_glist_for_each_entry(e, &sd->attached, node) {
		if (sva_world_broken(sd->w, SVA_BREAK_EMBED_INVAL_KEEPS_ATC))
			sva_iotlb_invalidate_pasid(sd->sw->iotlb, sd->dom.id, e->pasid);
		else
			sva_sw_flush(e->sdev, sd->dom.id, e->pasid, start, end);
	}
	if (!sva_world_broken(sd->w, SVA_BREAK_EMBED_INVAL_NO_WAIT))
		sva_glist_for_each_entry(e, &sd->attached, node)
			sva_inflight_sync(&e->sdev->inflight);
}

int sva_swiommu_invalidate(struct sva_device *dev, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct sva_sw_domain *sd = sva_sw_fs_find(sva_sw_device_of(dev), pasid);
	uint64_t end = size && addr + size > addr ? addr + size : SVA_SW_FLUSH_WHOLE;

	if (!sd)
		return -ENOENT;
	if (!size)
		addr = 0;
	sva_mutex_lock(&sd->lock);
	if (sva_world_broken(sd->w,
			     SVA_BREAK_EMBED_INVAL_NO_WAIT | SVA_BREAK_EMBED_INVAL_KEEPS_ATC))
		sva_sw_fs_flush_broken(sd, addr & SVA_PAGE_MASK, end);
	else
		sva_sw_domain_flush_locked(sd, addr & SVA_PAGE_MASK, end);
	/* done, its wait for DMA included: from here no translation from before is used */
	sva_trace(sd->w, SWIOMMU_EMBED_INVALIDATE, dev->name, pasid, addr & SVA_PAGE_MASK, end);
	sva_mutex_unlock(&sd->lock);
	return 0;
}

void sva_swiommu_table_changed(struct sva_device *dev, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct sva_sw_device *sdev = dev ? sva_sw_device_of(dev) : NULL;
	uint64_t end = size && addr + size > addr ? addr + size : SVA_SW_FLUSH_WHOLE;

	if (!sdev)
		return;
	sva_trace(sdev->sw->w, SWIOMMU_EMBED_CHANGE, dev->name, pasid,
		  size ? addr & SVA_PAGE_MASK : 0, end);
}

uint64_t sva_swiommu_query_table(struct sva_swiommu *sw, uint64_t root_gpa, uint64_t va)
{
	return sw && sw->mem ? sva_pgtable_query_mem(&sw->ptmem, root_gpa, va) : 0;
}

/* ---- the common case in one call ---- */

struct sva_embed {
	struct sva_world *w;
	bool own_world;
	bool own_iommu; /* sw and its subsystems are this holder's (no cfg.swiommu) */
	struct sva_mm_sys *mm_sys;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	unsigned n;
	struct sva_device *dev[];
};

static void sva_embed_clear_tables(struct sva_device *dev)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	for (;;) {
		struct sva_sw_domain *sd = NULL;

		sva_mutex_lock(&sdev->sw->lock);
		if (!sva_glist_empty(&sdev->fs))
			sd = sva_container_of(sva_glist_locked(&sdev->fs, false)->next,
					      struct sva_sw_domain, fs_node);
		sva_mutex_unlock(&sdev->sw->lock);
		if (!sd)
			return;
		sva_swiommu_clear_pasid_table(dev, sd->fs_pasid);
	}
}

unsigned long sva_embed_destroy(struct sva_embed *e)
{
	unsigned long reports;

	if (!e)
		return 0;
	if (e->mm_sys) /* deferred notifier frees: the last mmdrops, which free PASIDs */
		sva_mm_sys_synchronize(e->mm_sys);
	for (unsigned i = e->n; i-- > 0;) {
		if (!e->dev[i])
			continue;
		sva_embed_clear_tables(e->dev[i]);
		sva_device_remove(e->dev[i]);
	}
	if (e->own_iommu && e->sw)
		sva_swiommu_destroy(e->sw);
	if (e->isys)
		sva_iommu_sys_destroy(e->isys);
	if (e->mm_sys)
		sva_mm_sys_destroy(e->mm_sys);
	reports = sva_report_total(e->w);
	if (!e->own_iommu) {
		sva_free(e->w, &sva_obj_embed, e);
		return reports;
	}
	if (e->own_world)
		sva_world_destroy(e->w);
	free(e);
	return reports;
}

static int sva_embed_devices(struct sva_embed *e, const struct sva_embed_config *cfg)
{
	for (unsigned i = 0; i < cfg->ndevices; i++) {
		struct sva_swiommu_device_config dc = cfg->devices[i];
		int ret;

		if (!dc.rid && i)
			dc.rid = SVA_RID(0, i + 1 > 31 ? 31 : i + 1, 0);
		ret = sva_swiommu_device_add(e->sw, &dc, &e->dev[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int sva_embed_create(const struct sva_embed_config *cfg, struct sva_embed **out)
{
	struct sva_swiommu_config icfg = { .name = "swiommu0" };
	struct sva_mm_sys_config mcfg;
	struct sva_embed *e;
	int ret;

	if (!cfg || !out || !cfg->ndevices || !cfg->devices)
		return -EINVAL;
	if (cfg->swiommu) { /* the caller's machine: only the devices (and the holder) are ours */
		size_t size = sizeof(*e) + cfg->ndevices * sizeof(e->dev[0]);

		/* the world's: freed with it when a stopped run never tears down */
		e = sva_alloc(cfg->swiommu->w, &sva_obj_embed, size);
		if (!e)
			return -ENOMEM;
		e->n = cfg->ndevices;
		e->sw = cfg->swiommu;
		e->w = cfg->swiommu->w;
		ret = sva_embed_devices(e, cfg);
		goto done;
	}
	/* the world's allocator does not exist yet: the holder is plain heap memory */
	e = calloc(1, sizeof(*e) + cfg->ndevices * sizeof(e->dev[0]));
	if (!e)
		return -ENOMEM;
	e->n = cfg->ndevices;
	e->own_iommu = true;
	mcfg = (struct sva_mm_sys_config){ .frames = cfg->frames };
	e->w = cfg->world;
	e->own_world = !cfg->world;
	ret = e->own_world ? sva_world_create(NULL, &e->w) : 0;
	if (ret) {
		free(e);
		return ret;
	}
	ret = sva_mm_sys_create(e->w, &mcfg, &e->mm_sys);
	if (!ret)
		ret = sva_iommu_sys_create(e->mm_sys, &e->isys);
	if (!ret)
		ret = sva_swiommu_create(e->isys, cfg->iommu ? cfg->iommu : &icfg, &e->sw);
	if (!ret)
		ret = sva_embed_devices(e, cfg);
done:
	if (ret) {
		sva_embed_destroy(e);
		return ret;
	}
	*out = e;
	return 0;
}

struct sva_device *sva_embed_device(struct sva_embed *e, unsigned i)
{
	return e && i < e->n ? e->dev[i] : NULL;
}

struct sva_swiommu *sva_embed_swiommu(struct sva_embed *e)
{
	return e ? e->sw : NULL;
}

struct sva_world *sva_embed_world(struct sva_embed *e)
{
	return e ? e->w : NULL;
}

struct sva_mm_sys *sva_embed_mm_sys(struct sva_embed *e)
{
	return e ? e->mm_sys : NULL;
}
