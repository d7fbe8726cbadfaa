/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core: the subsystem, IOMMU instances, devices and groups, and the generic attach
 * and detach of a device PASID (the kernel's iommu.c).
 *
 * Lock order: iommu_sva_lock -> group->mutex -> driver locks (see internal.h).
 *
 * A PASID slot of a group is reserved before any device is programmed and published (with its
 * attach handle) only after every PASID-capable device of the group was programmed, so a
 * lookup never finds a half-attached PASID; detach programs every device back to the blocked
 * domain and then erases the slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(iommu);
SVA_OBJ_CLASS(iommu_group);
SVA_OBJ_CLASS(device);
SVA_OBJ_CLASS(domain);

int sva_iommu_sys_create(struct sva_mm_sys *mm_sys, struct sva_iommu_sys **out)
{
	struct sva_world *w = sva_phys_world(sva_mm_sys_phys(mm_sys));
	struct sva_iommu_sys *sys;
	int ret;

	if (sva_world_variant(w) >= SVA_VARIANT_NR)
		return -EINVAL; /* base carries the number; the variants are this layer's */
	sva_iommu_name_formats(w);
	sys = sva_alloc(w, &sva_obj_iommu, sizeof(*sys));
	if (!sys)
		return -ENOMEM;
	sys->w = w;
	sys->mm_sys = mm_sys;
	sva_mutex_init(w, &sys->sva_lock, "iommu_sva_lock");
	sva_mutex_init(w, &sys->lock, "iommu_sys");
	sva_glist_init(&sys->iommus, &sys->lock);
	sva_glist_init(&sys->sva_mms, &sys->sva_lock);
	sva_iopf_sys_init(sys);
	ret = sva_pasid_space_create(w, SVA_PASID_MAX, &sys->pasids);
	if (ret == 0)
		ret = sva_iommu_sva_init(sys);
	if (ret) {
		sva_pasid_space_destroy(sys->pasids);
		sva_free(w, &sva_obj_iommu, sys);
		return ret;
	}
	*out = sys;
	return 0;
}

void sva_iommu_sys_destroy(struct sva_iommu_sys *sys)
{
	if (!sys)
		return;
	/* the last user is gone: no one else can reach the list */
	if (!sva_list_empty(sva_glist_unguarded(&sys->iommus)))
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "IOMMU subsystem destroyed with IOMMUs");
	if (sva_pasid_allocated(sys->pasids))
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "%u PASIDs still allocated at destroy",
			   sva_pasid_allocated(sys->pasids));
	sva_pasid_space_destroy(sys->pasids);
	sva_spin_lock_destroy(&sys->fault_param_lock);
	sva_mutex_destroy(&sys->sva_lock);
	sva_mutex_destroy(&sys->lock);
	sva_free(sys->w, &sva_obj_iommu, sys);
}

struct sva_pasid_space *sva_iommu_sys_pasids(struct sva_iommu_sys *sys)
{
	return sys->pasids;
}

struct sva_world *sva_iommu_sys_world(struct sva_iommu_sys *sys)
{
	return sys->w;
}

struct sva_mm_sys *sva_iommu_sys_mm_sys(struct sva_iommu_sys *sys)
{
	return sys->mm_sys;
}

/* 16-bit DIDs, as VT-d's; 0 is never handed out (no domain). */
#define SVA_IOMMU_DIDS (1u << 16)

int sva_iommu_domain_id_alloc(struct sva_domain *domain)
{
	uint32_t id;
	int ret = sva_pasid_alloc(domain->owner->dids, SVA_IOMMU_DIDS, &id);

	if (ret)
		return ret;
	domain->id = id;
	return 0;
}

/* ---- IOMMU instances ---- */

int sva_iommu_register(struct sva_iommu_sys *sys, const struct sva_iommu_config *cfg,
		       struct sva_iommu **out)
{
	struct sva_iommu *iommu;

	if (!cfg || !cfg->ops || cfg->pasid_bits > SVA_PASID_WIDTH_MAX)
		return -EINVAL;
	iommu = sva_alloc(sys->w, &sva_obj_iommu, sizeof(*iommu));
	if (!iommu)
		return -ENOMEM;
	iommu->sys = sys;
	snprintf(iommu->name, sizeof(iommu->name), "%s", cfg->name ? cfg->name : "iommu");
	iommu->ops = cfg->ops;
	iommu->priv = cfg->priv;
	iommu->max_pasids = cfg->pasid_bits ? 1u << cfg->pasid_bits : 0;
	if (sva_pasid_space_create(sys->w, SVA_IOMMU_DIDS, &iommu->dids)) {
		sva_free(sys->w, &sva_obj_iommu, iommu);
		return -ENOMEM;
	}
	sva_glist_init(&iommu->devices, &sys->lock);
	sva_mutex_lock(&sys->lock);
	sva_glist_add_tail(&iommu->node, &sys->iommus);
	sva_mutex_unlock(&sys->lock);
	*out = iommu;
	return 0;
}

void sva_iommu_unregister(struct sva_iommu *iommu)
{
	struct sva_iommu_sys *sys = iommu->sys;

	sva_mutex_lock(&sys->lock);
	if (!sva_glist_empty(&iommu->devices))
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "IOMMU %s unregistered with devices",
			   iommu->name);
	sva_glist_del(&iommu->node, &sys->iommus);
	sva_mutex_unlock(&sys->lock);
	sva_pasid_space_destroy(iommu->dids);
	sva_free(sys->w, &sva_obj_iommu, iommu);
}

void *sva_iommu_priv(struct sva_iommu *iommu)
{
	return iommu->priv;
}

const char *sva_iommu_name(const struct sva_iommu *iommu)
{
	return iommu->name;
}

struct sva_iommu_sys *sva_iommu_sys_of(struct sva_iommu *iommu)
{
	return iommu->sys;
}

/* ---- groups and devices ---- */

static struct sva_iommu_group *sva_group_alloc(struct sva_iommu_sys *sys)
{
	struct sva_iommu_group *g = sva_alloc(sys->w, &sva_obj_iommu_group, sizeof(*g));

	if (!g)
		return NULL;
	g->w = sys->w;
	sva_mutex_init(sys->w, &g->mutex, "group_mutex");
	sva_spin_lock_init(sys->w, &g->xa_lock, "pasid_array");
	sva_glist_init(&g->devices, &g->mutex);
	sva_mutex_lock(&sys->lock);
	g->id = ++sva_guarded(&sys->lock, sys->next_group_id);
	sva_mutex_unlock(&sys->lock);
	return g;
}

static void sva_group_free(struct sva_iommu_sys *sys, struct sva_iommu_group *g)
{
	if (g->nslots)
		sva_report(sys->w, SVA_REPORT_BAD_USAGE, "group %u freed with %zu PASIDs attached",
			   g->id, g->nslots);
	sva_free(sys->w, &sva_obj_array, g->slots);
	sva_spin_lock_destroy(&g->xa_lock);
	sva_mutex_destroy(&g->mutex);
	sva_free(sys->w, &sva_obj_iommu_group, g);
}

int sva_device_add(struct sva_iommu *iommu, const struct sva_device_config *cfg,
		   struct sva_device **out)
{
	struct sva_iommu_sys *sys = iommu->sys;
	struct sva_iommu_group *g;
	struct sva_device *dev;
	uint32_t dev_max;
	int ret;

	if (!cfg || cfg->pasid_bits > SVA_PASID_WIDTH_MAX ||
	    (cfg->same_group && cfg->same_group->iommu != iommu) ||
	    (cfg->pri_reqs && (!cfg->pri || cfg->pri_reqs > UINT16_MAX)))
		return -EINVAL;
	dev = sva_alloc(sys->w, &sva_obj_device, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	snprintf(dev->name, sizeof(dev->name), "%s", cfg->name ? cfg->name : "device");
	dev->iommu = iommu;
	dev_max = cfg->pasid_bits ? 1u << cfg->pasid_bits : 0;
	dev->max_pasids = dev_max < iommu->max_pasids ? dev_max : iommu->max_pasids;
	dev->ats = cfg->ats;
	dev->pri = cfg->pri;
	dev->pri_reqs = (uint16_t)cfg->pri_reqs;
	g = cfg->same_group ? cfg->same_group->group : sva_group_alloc(sys);
	if (!g) {
		sva_free(sys->w, &sva_obj_device, dev);
		return -ENOMEM;
	}
	ret = iommu->ops->probe_device ? iommu->ops->probe_device(dev) : 0;
	if (ret) {
		if (!cfg->same_group)
			sva_group_free(sys, g);
		sva_free(sys->w, &sva_obj_device, dev);
		return ret;
	}
	dev->group = g;
	sva_mutex_lock(&g->mutex);
	sva_glist_add_tail(&dev->group_node, &g->devices);
	g->ndevices++;
	sva_mutex_unlock(&g->mutex);
	sva_mutex_lock(&sys->lock);
	dev->id = ++sys->next_device_id;
	sva_glist_add_tail(&dev->iommu_node, &iommu->devices);
	sva_mutex_unlock(&sys->lock);
	sva_trace(sys->w, DEVICE_ADD, dev->id, dev->name, dev->max_pasids, g->id);
	*out = dev;
	return 0;
}

void sva_device_remove(struct sva_device *dev)
{
	struct sva_iommu_sys *sys;
	struct sva_iommu_group *g;
	bool last;

	if (sva_device_gone(dev, "device_remove"))
		return;
	sys = dev->iommu->sys;
	g = dev->group;
	sva_mutex_lock(&sys->lock);
	sva_glist_del(&dev->iommu_node, &dev->iommu->devices);
	sva_mutex_unlock(&sys->lock);
	sva_mutex_lock(&g->mutex);
	sva_glist_del(&dev->group_node, &g->devices);
	last = --g->ndevices == 0;
	sva_mutex_unlock(&g->mutex);
	if (dev->iommu->ops->release_device)
		dev->iommu->ops->release_device(dev);
	if (last)
		sva_group_free(sys, g);
	sva_trace(sys->w, DEVICE_REMOVE, dev->id);
	sva_free(sys->w, &sva_obj_device, dev);
}

/* ---- the PASID array (group->mutex held to change it, with xa_lock) ---- */

/* A change holds both the group mutex and xa_lock, so a reader holding either sees none. */
static void sva_slot_assert_change(struct sva_iommu_group *g)
{
	sva_lockdep_assert_held(&g->mutex);
	sva_lockdep_assert_held(&g->xa_lock);
}

static size_t sva_slot_index(struct sva_iommu_group *g, uint32_t pasid)
{
	size_t lo = 0, hi = g->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->slots[mid].pasid < pasid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A lookup holds xa_lock (the fault path holds nothing else). */
static struct sva_pasid_slot *sva_slot_find(struct sva_iommu_group *g, uint32_t pasid)
{
	size_t i;

	sva_lockdep_assert_held(&g->xa_lock);
	i = sva_slot_index(g, pasid);

	return i < g->nslots && g->slots[i].pasid == pasid ? &g->slots[i] : NULL;
}

/* Reserve @pasid: -EBUSY if taken, -ENOMEM. */
static int sva_slot_reserve(struct sva_iommu_group *g, uint32_t pasid)
{
	size_t i;

	sva_slot_assert_change(g);
	i = sva_slot_index(g, pasid);

	if (i < g->nslots && g->slots[i].pasid == pasid)
		return -EBUSY;
	if (g->nslots == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		struct sva_pasid_slot *s =
			sva_realloc(g->w, &sva_obj_array, g->slots, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		g->slots = s;
		g->cap = cap;
	}
	memmove(&g->slots[i + 1], &g->slots[i], (g->nslots - i) * sizeof(*g->slots));
	g->slots[i] = (struct sva_pasid_slot){ .pasid = pasid, .reserved = true };
	g->nslots++;
	return 0;
}

static void sva_slot_erase(struct sva_iommu_group *g, uint32_t pasid)
{
	size_t i;

	sva_slot_assert_change(g);
	i = sva_slot_index(g, pasid);

	if (i >= g->nslots || g->slots[i].pasid != pasid)
		return;
	memmove(&g->slots[i], &g->slots[i + 1], (g->nslots - i - 1) * sizeof(*g->slots));
	g->nslots--;
}

/* ---- attach / detach ---- */

static int sva_attach_check(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid)
{
	const struct sva_iommu_ops *ops;

	if (!dev || !dev->group)
		return -ENODEV;
	ops = dev->iommu->ops;
	if (!domain->ops || !domain->ops->set_dev_pasid || !ops->blocked_domain ||
	    !ops->blocked_domain->ops || !ops->blocked_domain->ops->set_dev_pasid)
		return -EOPNOTSUPP;
	if (domain->owner != dev->iommu || pasid == SVA_IOMMU_NO_PASID)
		return -EINVAL;
	return 0;
}

/* Program every PASID-capable device of @g; on failure undo those done. */
static int sva_group_set_pasid(struct sva_iommu_group *g, struct sva_domain *domain, uint32_t pasid)
{
	struct sva_device *d, *failed = NULL;
	int ret = 0;

	sva_glist_for_each_entry(d, &g->devices, group_node) {
		if (!d->max_pasids)
			continue;
		ret = domain->ops->set_dev_pasid(domain, d, pasid, NULL);
		if (ret) {
			failed = d;
			break;
		}
	}
	if (!failed)
		return 0;
	sva_glist_for_each_entry(d, &g->devices, group_node) {
		struct sva_domain *blocked = d->iommu->ops->blocked_domain;

		if (d == failed)
			break;
		if (d->max_pasids)
			blocked->ops->set_dev_pasid(blocked, d, pasid, domain);
	}
	return ret;
}

int sva_iommu_attach_device_pasid(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
				  struct sva_attach_handle *handle)
{
	struct sva_iommu_group *g;
	struct sva_pasid_slot *slot;
	struct sva_device *d;
	int ret;

	if (sva_domain_gone(domain, "attach_device_pasid") ||
	    sva_device_gone(dev, "attach_device_pasid"))
		return -ENODEV;
	ret = sva_attach_check(domain, dev, pasid);
	if (ret)
		return ret;
	g = dev->group;
	sva_mutex_lock(&g->mutex);
	sva_glist_for_each_entry(d, &g->devices, group_node) {
		if (d->max_pasids && pasid >= d->max_pasids) {
			ret = -EINVAL;
			goto out;
		}
	}
	sva_spin_lock(&g->xa_lock);
	ret = sva_slot_reserve(g, pasid);
	sva_spin_unlock(&g->xa_lock);
	if (ret)
		goto out;
	ret = sva_group_set_pasid(g, domain, pasid);
	sva_spin_lock(&g->xa_lock);
	if (ret) {
		sva_slot_erase(g, pasid);
	} else {
		if (handle)
			handle->domain = domain;
		slot = sva_slot_find(g, pasid); /* published only now */
		slot->domain = domain;
		slot->handle = handle;
		slot->reserved = false;
	}
	sva_spin_unlock(&g->xa_lock);
	if (ret)
		goto out;
	sva_trace(dev->iommu->sys->w, IOMMU_ATTACH, dev->name, pasid, domain->id);
out:
	sva_mutex_unlock(&g->mutex);
	return ret;
}

void sva_iommu_detach_device_pasid(struct sva_domain *domain, struct sva_device *dev,
				   uint32_t pasid)
{
	struct sva_iommu_group *g;
	struct sva_device *d;

	if (sva_domain_gone(domain, "detach_device_pasid") ||
	    sva_device_gone(dev, "detach_device_pasid"))
		return;
	g = dev->group;
	sva_mutex_lock(&g->mutex);
	sva_glist_for_each_entry(d, &g->devices, group_node) {
		struct sva_domain *blocked = d->iommu->ops->blocked_domain;

		if (d->max_pasids && blocked->ops->set_dev_pasid(blocked, d, pasid, domain))
			sva_log(dev->iommu->sys->w, SVA_LOG_WARN, "%s: blocking PASID %u failed",
				d->name, pasid);
	}
	sva_spin_lock(&g->xa_lock);
	sva_slot_erase(g, pasid);
	sva_spin_unlock(&g->xa_lock);
	sva_mutex_unlock(&g->mutex);
	sva_trace(dev->iommu->sys->w, IOMMU_DETACH, dev->name, pasid, domain->id);
}

int sva_iommu_attach_handle_get(struct sva_iommu_group *g, uint32_t pasid,
				enum sva_domain_type type, struct sva_attach_handle **out)
{
	struct sva_pasid_slot *slot;
	int ret = 0;

	sva_spin_lock(&g->xa_lock);
	slot = sva_slot_find(g, pasid);
	if (!slot || slot->reserved)
		ret = -ENOENT;
	else if (!slot->handle || slot->domain->type != type)
		ret = -EBUSY;
	else
		*out = slot->handle;
	sva_spin_unlock(&g->xa_lock);
	return ret;
}

struct sva_domain *sva_iommu_pasid_domain(struct sva_device *dev, uint32_t pasid)
{
	struct sva_iommu_group *g;
	struct sva_pasid_slot *slot;
	struct sva_domain *domain = NULL;

	if (sva_device_gone(dev, "get_domain_for_pasid"))
		return NULL;
	g = dev->group;
	sva_spin_lock(&g->xa_lock);
	slot = sva_slot_find(g, pasid);
	if (slot && !slot->reserved)
		domain = slot->domain;
	sva_spin_unlock(&g->xa_lock);
	return domain;
}

struct sva_domain *sva_iommu_get_domain_for_pasid(struct sva_device *dev, uint32_t pasid)
{
	return sva_iommu_pasid_domain(dev, pasid);
}

/* ---- domains ---- */

int sva_iommu_paging_domain_alloc(struct sva_device *dev, struct sva_domain **out)
{
	struct sva_domain *domain;
	int ret;

	if (!dev->iommu->ops->domain_alloc_paging)
		return -EOPNOTSUPP;
	ret = dev->iommu->ops->domain_alloc_paging(dev, &domain);
	if (ret)
		return ret;
	domain->type = SVA_DOMAIN_PAGING;
	domain->owner = dev->iommu;
	domain->id = 0;
	ret = sva_iommu_domain_id_alloc(domain);
	if (ret) {
		sva_iommu_domain_free(domain);
		return ret;
	}
	*out = domain;
	return 0;
}

void sva_iommu_domain_free(struct sva_domain *domain)
{
	struct sva_mm *mm;

	if (sva_domain_gone(domain, "iommu_domain_free"))
		return; /* freed twice */
	mm = domain->type == SVA_DOMAIN_SVA ? domain->mm : NULL;
	if (domain->id) /* detached everywhere, its entries flushed: the ID may be reused */
		sva_pasid_free(domain->owner->dids, domain->id);
	if (mm)
		sva_mmdrop(mm); /* as iommu_domain_free: the mm count first, then the driver */
	domain->ops->free(domain);
}

/* ---- private PASIDs ---- */

uint32_t sva_iommu_alloc_global_pasid(struct sva_device *dev)
{
	uint32_t pasid;

	struct sva_iommu_sys *sys = dev->iommu->sys;

	if (!dev->max_pasids || sva_pasid_alloc(sys->pasids, dev->max_pasids, &pasid))
		return SVA_PASID_INVALID;
	sva_trace(sys->w, PASID_ALLOC_PRIVATE, pasid, dev->name,
		  atomic_fetch_add(&sys->pasid_gens, 1) + 1);
	return pasid;
}

void sva_iommu_free_global_pasid(struct sva_iommu_sys *sys, uint32_t pasid)
{
	if (pasid == SVA_PASID_INVALID) {
		sva_log(sys->w, SVA_LOG_WARN, "freeing the invalid PASID");
		return;
	}
	if (sva_pasid_free(sys->pasids, pasid) == 0)
		sva_trace(sys->w, PASID_FREE_PRIVATE, pasid);
}
